/*
 * json.h - a small reader of JSON (RFC 8259) into a tree, for the files
 * svykit itself writes and reads back: svy-weight's --report, read by
 * svy-report for its Methods sheet.
 *
 * The whole text is parsed at once into a tree of values.  Objects keep
 * their members in file order (a report lists margins in targets order and
 * that order is shown to the reader); a duplicate key is kept and
 * svy_json_get finds the first.  Numbers are doubles (strtod in the "C"
 * locale); strings are UTF-8 with every escape decoded, \u0000 excepted
 * (it would cut a C string short, so it is refused).  Nesting deeper than
 * SVY_JSON_MAX_DEPTH is refused, so a hostile file cannot exhaust the
 * stack.
 *
 * Ownership: svy_json_parse returns a tree the caller frees with
 * svy_json_free, which frees every value in it; every pointer the
 * accessors return is borrowed from the tree and valid until it is freed.
 * The input text is borrowed for the call only.
 *
 * Errors: svy_json_parse returns SVY_EPARSE with "NAME:LINE: what is wrong"
 * (lowercase, no full stop) for malformed text, or SVY_ENOMEM.  The
 * accessors never fail: asked the wrong question (the key of an array,
 * the number of a string) they answer NULL, NaN or 0.
 */
#ifndef SVY_JSON_H
#define SVY_JSON_H

#include <stddef.h>

#include "svy/err.h"

/* Deepest nesting of arrays and objects accepted. */
#define SVY_JSON_MAX_DEPTH 64

typedef enum svy_json_type {
    SVY_JSON_NULL,
    SVY_JSON_FALSE,
    SVY_JSON_TRUE,
    SVY_JSON_NUMBER,
    SVY_JSON_STRING,
    SVY_JSON_ARRAY,
    SVY_JSON_OBJECT
} svy_json_type;

typedef struct svy_json svy_json;

/*
 * Parse the 'len' bytes of 'text' as one JSON value (surrounded by white
 * space only) into '*out'.  'name' names the text in messages (a file
 * name).  On failure '*out' is NULL and 'err' holds "name:line: ...", the
 * line (from 1) where the problem was found.
 */
svy_status svy_json_parse(svy_json **out, const char *name, const char *text,
                          size_t len, svy_err *err);

/* Free the tree 'v' and everything in it; NULL is a no-op. */
void svy_json_free(svy_json *v);

/* The type of 'v' (SVY_JSON_NULL when 'v' is NULL). */
svy_json_type svy_json_type_of(const svy_json *v);

/* The number 'v' holds, or NaN when 'v' is NULL or not a number. */
double svy_json_number(const svy_json *v);

/* The string 'v' holds (borrowed), or NULL when it is not a string. */
const char *svy_json_string_value(const svy_json *v);

/* 1 for true, 0 for false, -1 for anything else. */
int svy_json_bool(const svy_json *v);

/* Elements of an array or members of an object; 0 for other values. */
size_t svy_json_count(const svy_json *v);

/*
 * Element 'i' of an array, or the value of member 'i' of an object;
 * NULL when 'i' is out of range or 'v' holds neither.
 */
const svy_json *svy_json_at(const svy_json *v, size_t i);

/* The key of member 'i' of an object (borrowed), else NULL. */
const char *svy_json_key(const svy_json *v, size_t i);

/* The value of the first member named 'key' of object 'v', or NULL. */
const svy_json *svy_json_get(const svy_json *v, const char *key);

#endif
