/*
 * codebook.h - what each variable of a survey is: its type, labels in each
 * language, valid codes and ranges, user-missing codes, value labels and
 * whether it identifies a person (PII).
 *
 * A codebook is read from the survey folder's codebook.csv (one row a
 * variable) and values.csv (one row a value label), both ordinary CSV that
 * a researcher edits in Excel: any delimiter and encoding the CSV reader
 * detects is accepted.
 *
 *   codebook.csv  variable,type,label,valid,missing,pii[,label@ru,label@ky]
 *   values.csv    variable,code,label[,label@ru,label@ky]
 *
 * Column order is free; 'variable' and 'type' are required, the others
 * optional.  'type' is id, cat, num, text or date.  'valid' is a
 * comma-separated list of codes and ranges ("1-5,8,9", "18-100", "-9--1",
 * "1..5", "1 - 5"); the codes of a cat variable are whole numbers (or
 * letters, when 'valid' lists letters); a cat variable without 'valid'
 * takes its codes from values.csv.  'missing' lists the user-missing codes
 * one by one (no ranges); they are always valid.  'pii' is yes/no/empty.
 *
 * Ownership: the codebook owns its variables and their strings; pointers it
 * returns are borrowed until svy_codebook_free.  Errors name file:line.
 */
#ifndef SVY_CODEBOOK_H
#define SVY_CODEBOOK_H

#include <stddef.h>

#include "svy/err.h"
#include "svy/table.h"

typedef struct svy_codebook svy_codebook;
typedef struct svy_var svy_var;

typedef enum svy_vtype {
    SVY_V_ID = 0, /* identifier: text, must not be empty */
    SVY_V_CAT,    /* categorical codes with value labels */
    SVY_V_NUM,    /* a quantity (age, duration, weight) */
    SVY_V_TEXT,   /* free text */
    SVY_V_DATE    /* YYYY-MM-DD, optionally " HH:MM[:SS]" or "THH:MM..." */
} svy_vtype;

typedef enum svy_lang {
    SVY_LANG_EN = 0,
    SVY_LANG_RU,
    SVY_LANG_KY,
    SVY_NLANG
} svy_lang;

/* "en", "ru", "ky" -> language; returns 0 on success, -1 if unknown. */
int svy_lang_parse(const char *s, svy_lang *out);

/* The code of a language ("en"). */
const char *svy_lang_code(svy_lang lang);

/* The name of a variable type ("cat"). */
const char *svy_vtype_name(svy_vtype t);

/*
 * Read 'codebook_path' and, when 'values_path' is not NULL, the value
 * labels in 'values_path'.  Errors (SVY_EPARSE unless the file cannot be
 * read) name file:line: a missing required column, an unknown type, a
 * duplicate variable, a malformed valid or missing list, a bad pii flag, a
 * value label for a variable not in the codebook, a duplicate code.
 */
svy_status svy_codebook_read(svy_codebook **out, const char *codebook_path,
                             const char *values_path, svy_err *err);

/*
 * The same from tables already read ('values' may be NULL); 'cb_name' and
 * 'values_name' are the file names for messages.  Used by the reader above
 * and by the fuzz target.
 */
svy_status svy_codebook_from_tables(svy_codebook **out,
                                    const svy_table *codebook,
                                    const char *cb_name,
                                    const svy_table *values,
                                    const char *values_name, svy_err *err);

/* Free the codebook; NULL is a no-op. */
void svy_codebook_free(svy_codebook *cb);

size_t svy_codebook_nvars(const svy_codebook *cb);

/* Variable 'i' in file order.  Borrowed. */
const svy_var *svy_codebook_var(const svy_codebook *cb, size_t i);

/* The variable named 'name', or NULL. */
const svy_var *svy_codebook_find(const svy_codebook *cb, const char *name);

const char *svy_var_name(const svy_var *v);
svy_vtype svy_var_type(const svy_var *v);
int svy_var_pii(const svy_var *v);

/* Line of the variable in codebook.csv. */
size_t svy_var_line(const svy_var *v);

/*
 * The variable's label in 'lang', falling back to English and then to its
 * name.  Never NULL.  '*fell_back' (if not NULL) is set to 1 when the
 * label in 'lang' was missing.
 */
const char *svy_var_label(const svy_var *v, svy_lang lang, int *fell_back);

/* The user-missing codes as text, e.g. {"8", "9"}.  Borrowed. */
const char *const *svy_var_missing(const svy_var *v, size_t *n);

/* Number of value labels and the code of label 'i' (file order). */
size_t svy_var_nvalues(const svy_var *v);
const char *svy_var_value_code(const svy_var *v, size_t i);

/*
 * The label of the value whose code is 'code' (compared as a number when
 * both are numeric, "1" matching "1.0", else as text), in 'lang' with the
 * same fallback, said in '*fell_back' as for svy_var_label (may be NULL);
 * NULL when the value has no label in any language.
 */
const char *svy_var_value_label(const svy_var *v, const char *code,
                                svy_lang lang, int *fell_back);

/* 1 when 'code' is a user-missing code of the variable. */
int svy_var_is_missing_code(const svy_var *v, const char *code);

/*
 * Set the types of the table's columns from the codebook: id, text and
 * date columns stay text; num columns become numeric when every value
 * reads as a number; cat columns likewise unless a code has a leading zero
 * ("01"), which keeps them text.  Columns the codebook does not name are
 * inferred (svy_table_infer_types).  User-missing codes are attached to
 * each column.
 */
svy_status svy_codebook_apply(const svy_codebook *cb, svy_table *t,
                              svy_err *err);

/* Kinds of finding of svy_codebook_check. */
typedef enum svy_finding_kind {
    SVY_FIND_NOT_NUMBER = 0, /* num/cat value that is not a number */
    SVY_FIND_OUT_OF_RANGE,   /* num value outside 'valid' */
    SVY_FIND_BAD_CODE,       /* cat value not among the valid codes */
    SVY_FIND_BAD_DATE,       /* date that is not YYYY-MM-DD[ HH:MM[:SS]] */
    SVY_FIND_EMPTY_ID,       /* id variable left empty */
    SVY_FIND_UNKNOWN_VAR,    /* data column not in the codebook */
    SVY_FIND_MISSING_VAR,    /* codebook variable absent from the data */
    SVY_FIND_NKINDS
} svy_finding_kind;

/* Short description of a finding kind ("out of range"). */
const char *svy_finding_name(svy_finding_kind kind);

typedef struct svy_finding {
    svy_finding_kind kind;
    size_t row;           /* data row (0-based); SIZE_MAX for a column */
    const char *variable; /* borrowed */
    const char *value;    /* the offending value as text, or "" */
    const char *problem;  /* complete sentence fragment for reports */
} svy_finding;

/* Callback for each finding; a non-zero return stops the check. */
typedef int (*svy_finding_fn)(const svy_finding *f, void *ctx);

/*
 * 1 when 's' is a date as the codebook's 'date' type expects:
 * YYYY-MM-DD (a real calendar day), optionally followed by ' ' or 'T' and
 * HH:MM or HH:MM:SS.
 */
int svy_date_valid(const char *s);

/*
 * Check one value of variable 'v' given as text ("" is system missing).
 * Returns 0 when it is fine; else 1, with the kind in '*kind' and a
 * description such as "out of range (valid: 18-95)" in 'problem' ('cap'
 * bytes).  This is the rule svy_codebook_check applies to every cell, for
 * callers that stream rows instead of holding a table.
 */
int svy_var_check_value(const svy_var *v, const char *text,
                        svy_finding_kind *kind, char *problem, size_t cap);

/*
 * Check every value of 't' against the codebook and call 'fn' for each
 * finding: values of the wrong type, outside the valid codes or ranges,
 * malformed dates, empty ids (row by row, in row order within each
 * column, columns in table order); then columns the codebook lacks and
 * codebook variables the table lacks.  Nothing is changed.
 */
svy_status svy_codebook_check(const svy_codebook *cb, const svy_table *t,
                              svy_finding_fn fn, void *ctx, svy_err *err);

#endif
