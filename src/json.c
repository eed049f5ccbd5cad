/*
 * json.c - a recursive-descent JSON reader (RFC 8259) building a tree.
 *
 * Design: one pass over the text with a cursor that counts lines for the
 * messages.  Each value becomes a node; arrays and objects hold growable
 * arrays of children (and, for objects, of keys), so member order is file
 * order.  Recursion is bounded by SVY_JSON_MAX_DEPTH.  Numbers are checked
 * against the JSON grammar first (strtod alone would take "0x1", "inf" or
 * "1."), then converted by strtod, which uses the "C" locale the tools
 * keep for LC_NUMERIC.  Strings decode \uXXXX, surrogate pairs included,
 * to UTF-8; raw control characters and lone surrogates are errors.
 *
 * We wrote this rather than link json-c, jansson or cJSON (all in Debian):
 * the reader is needed for one small file we write ourselves, the tree
 * API is 9 functions, and a library would add a build dependency to every
 * tool for it.
 */
#include "svy/json.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct svy_json {
    svy_json_type type;
    double num;
    char *str;       /* SVY_JSON_STRING */
    svy_json **kids; /* elements, or member values */
    char **keys;     /* member keys (objects only) */
    size_t n, cap;
};

typedef struct cursor {
    const char *name;
    const char *p, *end;
    size_t line;
    svy_err *err;
} cursor;

static svy_status
fail(cursor *c, const char *what)
{
    return svy_err_set(c->err, SVY_EPARSE, "%s:%zu: %s", c->name, c->line,
                       what);
}

static void
skip_ws(cursor *c)
{
    while (c->p < c->end) {
        if (*c->p == '\n')
            c->line++;
        else if (*c->p != ' ' && *c->p != '\t' && *c->p != '\r')
            break;
        c->p++;
    }
}

static svy_json *
node(svy_json_type t)
{
    svy_json *v = calloc(1, sizeof *v);
    if (v)
        v->type = t;
    return v;
}

void
svy_json_free(svy_json *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++) {
        svy_json_free(v->kids[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->kids);
    free(v->keys);
    free(v->str);
    free(v);
}

/* Append child 'k' (and, for objects, 'key', adopted) to 'v'. */
static int
add_kid(svy_json *v, svy_json *k, char *key)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 8;
        svy_json **kids = realloc(v->kids, cap * sizeof *kids);
        if (!kids)
            return -1;
        v->kids = kids;
        if (v->type == SVY_JSON_OBJECT) {
            char **keys = realloc(v->keys, cap * sizeof *keys);
            if (!keys)
                return -1;
            v->keys = keys;
        }
        v->cap = cap;
    }
    v->kids[v->n] = k;
    if (v->type == SVY_JSON_OBJECT)
        v->keys[v->n] = key;
    v->n++;
    return 0;
}

static int
hex4(const char *p, unsigned *out)
{
    unsigned u = 0;
    for (int i = 0; i < 4; i++) {
        char h = p[i];
        u <<= 4;
        if (h >= '0' && h <= '9')
            u |= (unsigned)(h - '0');
        else if (h >= 'a' && h <= 'f')
            u |= (unsigned)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
            u |= (unsigned)(h - 'A' + 10);
        else
            return -1;
    }
    *out = u;
    return 0;
}

/*
 * Parse the string at the cursor (on its opening quote) into a new
 * NUL-terminated '*out'.  The decoded text is never longer than the
 * source, so one allocation of the source length suffices.
 */
static svy_status
parse_string(cursor *c, char **out)
{
    const char *q = ++c->p;
    char *s, *d;

    *out = NULL;
    while (q < c->end && *q != '"')
        q += *q == '\\' && q + 1 < c->end ? 2 : 1;
    if (q >= c->end)
        return fail(c, "unterminated string");
    if (!(s = d = malloc((size_t)(q - c->p) + 1)))
        return svy_err_set(c->err, SVY_ENOMEM, "out of memory");
    while (c->p < q) {
        unsigned char ch = (unsigned char)*c->p++;
        if (ch < 0x20) {
            free(s);
            return fail(c, "control character in string");
        }
        if (ch != '\\') {
            *d++ = (char)ch;
            continue;
        }
        ch = (unsigned char)*c->p++;
        switch (ch) {
        case '"': *d++ = '"'; break;
        case '\\': *d++ = '\\'; break;
        case '/': *d++ = '/'; break;
        case 'b': *d++ = '\b'; break;
        case 'f': *d++ = '\f'; break;
        case 'n': *d++ = '\n'; break;
        case 'r': *d++ = '\r'; break;
        case 't': *d++ = '\t'; break;
        case 'u': {
            unsigned u, lo;
            if (q - c->p < 4 || hex4(c->p, &u) < 0)
                goto bad_escape;
            c->p += 4;
            if (u >= 0xD800 && u < 0xDC00) {
                /* A high surrogate must be followed by a low one. */
                if (q - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
                    hex4(c->p + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
                    goto bad_escape;
                c->p += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            } else if ((u >= 0xDC00 && u <= 0xDFFF) || u == 0) {
                goto bad_escape;
            }
            /* 12 source bytes give at most 4, 6 give at most 3. */
            if (u < 0x80) {
                *d++ = (char)u;
            } else if (u < 0x800) {
                *d++ = (char)(0xC0 | u >> 6);
                *d++ = (char)(0x80 | (u & 0x3F));
            } else if (u < 0x10000) {
                *d++ = (char)(0xE0 | u >> 12);
                *d++ = (char)(0x80 | (u >> 6 & 0x3F));
                *d++ = (char)(0x80 | (u & 0x3F));
            } else {
                *d++ = (char)(0xF0 | u >> 18);
                *d++ = (char)(0x80 | (u >> 12 & 0x3F));
                *d++ = (char)(0x80 | (u >> 6 & 0x3F));
                *d++ = (char)(0x80 | (u & 0x3F));
            }
            break;
        }
        default: goto bad_escape;
        }
    }
    *d = '\0';
    c->p = q + 1;
    *out = s;
    return SVY_OK;
bad_escape:
    free(s);
    return fail(c, "bad escape in string");
}

/* The JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static svy_status
parse_number(cursor *c, double *out)
{
    const char *p = c->p, *e = c->end;
    char buf[64];

    if (p < e && *p == '-')
        p++;
    if (p < e && *p == '0')
        p++;
    else if (p < e && *p >= '1' && *p <= '9')
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    else
        return fail(c, "expected a value");
    if (p < e && *p == '.') {
        if (++p >= e || *p < '0' || *p > '9')
            return fail(c, "bad number");
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if (p >= e || *p < '0' || *p > '9')
            return fail(c, "bad number");
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    if ((size_t)(p - c->p) >= sizeof buf)
        return fail(c, "number too long");
    memcpy(buf, c->p, (size_t)(p - c->p));
    buf[p - c->p] = '\0';
    *out = strtod(buf, NULL);
    c->p = p;
    return SVY_OK;
}

static svy_status parse_value(cursor *c, svy_json **out, int depth);

/* An array or object; the cursor is on its opening bracket. */
static svy_status
parse_container(cursor *c, svy_json **out, int depth)
{
    int obj = *c->p == '{';
    char close = obj ? '}' : ']';
    svy_json *v = node(obj ? SVY_JSON_OBJECT : SVY_JSON_ARRAY), *k = NULL;
    char *key = NULL;
    svy_status rc = SVY_OK;

    if (!v)
        return svy_err_set(c->err, SVY_ENOMEM, "out of memory");
    if (depth >= SVY_JSON_MAX_DEPTH) {
        rc = fail(c, "nested too deeply");
        goto out;
    }
    c->p++;
    skip_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        goto out;
    }
    for (;;) {
        skip_ws(c);
        if (obj) {
            if (c->p >= c->end || *c->p != '"') {
                rc = fail(c, "expected a string key");
                goto out;
            }
            if ((rc = parse_string(c, &key)) != SVY_OK)
                goto out;
            skip_ws(c);
            if (c->p >= c->end || *c->p != ':') {
                rc = fail(c, "expected ':'");
                goto out;
            }
            c->p++;
        }
        if ((rc = parse_value(c, &k, depth + 1)) != SVY_OK)
            goto out;
        if (add_kid(v, k, key) < 0) {
            rc = svy_err_set(c->err, SVY_ENOMEM, "out of memory");
            goto out;
        }
        k = NULL;
        key = NULL;
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (c->p < c->end && *c->p == close) {
            c->p++;
            break;
        }
        rc = fail(c, obj ? "expected ',' or '}'" : "expected ',' or ']'");
        goto out;
    }
out:
    svy_json_free(k);
    free(key);
    if (rc != SVY_OK) {
        svy_json_free(v);
        v = NULL;
    }
    *out = v;
    return rc;
}

static svy_status
parse_value(cursor *c, svy_json **out, int depth)
{
    static const struct {
        const char *word;
        svy_json_type type;
    } lit[] = {{"null", SVY_JSON_NULL},
               {"false", SVY_JSON_FALSE},
               {"true", SVY_JSON_TRUE}};
    svy_json *v;
    svy_status rc;

    *out = NULL;
    skip_ws(c);
    if (c->p >= c->end)
        return fail(c, "unexpected end of text");
    if (*c->p == '{' || *c->p == '[')
        return parse_container(c, out, depth);
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(lit[i].word);
        if ((size_t)(c->end - c->p) >= n && !memcmp(c->p, lit[i].word, n)) {
            if (!(*out = node(lit[i].type)))
                return svy_err_set(c->err, SVY_ENOMEM, "out of memory");
            c->p += n;
            return SVY_OK;
        }
    }
    if (!(v = node(SVY_JSON_STRING)))
        return svy_err_set(c->err, SVY_ENOMEM, "out of memory");
    if (*c->p == '"') {
        rc = parse_string(c, &v->str);
    } else {
        v->type = SVY_JSON_NUMBER;
        rc = parse_number(c, &v->num);
    }
    if (rc != SVY_OK)
        svy_json_free(v);
    else
        *out = v;
    return rc;
}

svy_status
svy_json_parse(svy_json **out, const char *name, const char *text, size_t len,
               svy_err *err)
{
    cursor c = {name, text, text + len, 1, err};
    svy_json *v = NULL;
    svy_status rc;

    *out = NULL;
    if ((rc = parse_value(&c, &v, 0)) != SVY_OK)
        return rc;
    skip_ws(&c);
    if (c.p < c.end) {
        svy_json_free(v);
        return fail(&c, "text after the value");
    }
    *out = v;
    return SVY_OK;
}

svy_json_type
svy_json_type_of(const svy_json *v)
{
    return v ? v->type : SVY_JSON_NULL;
}

double
svy_json_number(const svy_json *v)
{
    return v && v->type == SVY_JSON_NUMBER ? v->num : NAN;
}

const char *
svy_json_string_value(const svy_json *v)
{
    return v && v->type == SVY_JSON_STRING ? v->str : NULL;
}

int
svy_json_bool(const svy_json *v)
{
    if (v && v->type == SVY_JSON_TRUE)
        return 1;
    return v && v->type == SVY_JSON_FALSE ? 0 : -1;
}

size_t
svy_json_count(const svy_json *v)
{
    return v && (v->type == SVY_JSON_ARRAY || v->type == SVY_JSON_OBJECT) ? v->n
                                                                          : 0;
}

const svy_json *
svy_json_at(const svy_json *v, size_t i)
{
    return i < svy_json_count(v) ? v->kids[i] : NULL;
}

const char *
svy_json_key(const svy_json *v, size_t i)
{
    return v && v->type == SVY_JSON_OBJECT && i < v->n ? v->keys[i] : NULL;
}

const svy_json *
svy_json_get(const svy_json *v, const char *key)
{
    if (!v || v->type != SVY_JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->keys[i], key) == 0)
            return v->kids[i];
    return NULL;
}
