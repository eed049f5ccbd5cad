/*
 * codebook.c - the codebook: parsing codebook.csv and values.csv, and
 * checking a data table against it.
 *
 * Valid lists are stored as numeric intervals [lo, hi] (a single code is
 * [v, v]) plus text codes for categorical variables coded by letters.  A
 * value is valid when it falls in an interval, equals a text code, or is a
 * user-missing code.  Value labels are looked up linearly: a variable has
 * a handful of codes, and lookups happen per table cell only in svy-info's
 * frequency output, never per data row in a hot loop.
 *
 * Both files are read by the CSV reader as text columns, so they may use
 * any delimiter and encoding it detects.  Parsing stops at the first
 * problem with file:line: a codebook is small and edited by hand, and a
 * wrong rule must not slip through.  Codes compare as numbers when both
 * sides are numbers ("1" is "1.0"), else as text.
 *
 * Checking changes nothing: each finding goes to a callback, which decides
 * what to keep and whether to go on.
 */
#include "svy/codebook.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svy/buf.h"
#include "svy/csv.h"
#include "svy/mem.h"
#include "svy/num.h"

struct range {
    double lo, hi;
};

struct value {
    char *code;
    double num; /* NaN when the code is not a number */
    char *label[SVY_NLANG];
};

struct svy_var {
    char *name;
    svy_vtype type;
    char *label[SVY_NLANG];
    int pii;
    size_t line;
    char *valid_spec; /* as written, for messages ("" when none) */
    struct range *ranges;
    size_t nranges;
    char **codes; /* text codes from 'valid' */
    size_t ncodes, ccap;
    char **missing;      /* user-missing codes as written */
    double *missing_num; /* the same as numbers, NaN for text codes */
    size_t nmissing, mcap;
    struct value *values; /* value labels, in values.csv order */
    size_t nvalues, vcap;
};

struct svy_codebook {
    svy_var **vars;
    size_t nvars, cap;
};

/* Checklist: indexed by svy_lang and svy_vtype; keep them in the order of
 * the enums in codebook.h. */
static const char *const lang_codes[SVY_NLANG] = {"en", "ru", "ky"};
static const char *const type_names[] = {"id", "cat", "num", "text", "date"};

int
svy_lang_parse(const char *s, svy_lang *out)
{
    int i;

    for (i = 0; i < SVY_NLANG; i++)
        if (strcmp(s, lang_codes[i]) == 0) {
            *out = (svy_lang)i;
            return 0;
        }
    return -1;
}

const char *
svy_lang_code(svy_lang lang)
{
    return lang < SVY_NLANG ? lang_codes[lang] : "en";
}

const char *
svy_vtype_name(svy_vtype t)
{
    return t <= SVY_V_DATE ? type_names[t] : "?";
}

/* NULL is a no-op, and every field may still be NULL, so a variable that
 * failed half-way through parsing frees like a complete one. */
static void
var_free(svy_var *v)
{
    size_t i;
    int l;

    if (v == NULL)
        return;
    free(v->name);
    for (l = 0; l < SVY_NLANG; l++)
        free(v->label[l]);
    free(v->valid_spec);
    free(v->ranges);
    svy_mem_strv_free(v->codes, v->ncodes);
    svy_mem_strv_free(v->missing, v->nmissing);
    free(v->missing_num);
    for (i = 0; i < v->nvalues; i++) {
        free(v->values[i].code);
        for (l = 0; l < SVY_NLANG; l++)
            free(v->values[i].label[l]);
    }
    free(v->values);
    free(v);
}

void
svy_codebook_free(svy_codebook *cb)
{
    size_t i;

    if (cb == NULL)
        return;
    for (i = 0; i < cb->nvars; i++)
        var_free(cb->vars[i]);
    free(cb->vars);
    free(cb);
}

size_t
svy_codebook_nvars(const svy_codebook *cb)
{
    return cb->nvars;
}

const svy_var *
svy_codebook_var(const svy_codebook *cb, size_t i)
{
    return i < cb->nvars ? cb->vars[i] : NULL;
}

const svy_var *
svy_codebook_find(const svy_codebook *cb, const char *name)
{
    size_t i;

    for (i = 0; i < cb->nvars; i++)
        if (strcmp(cb->vars[i]->name, name) == 0)
            return cb->vars[i];
    return NULL;
}

const char *
svy_var_name(const svy_var *v)
{
    return v->name;
}

svy_vtype
svy_var_type(const svy_var *v)
{
    return v->type;
}

int
svy_var_pii(const svy_var *v)
{
    return v->pii;
}

size_t
svy_var_line(const svy_var *v)
{
    return v->line;
}

/*
 * The label in 'lang', else the English one, else NULL; an empty label
 * counts as none.  '*fell_back' says whether 'lang' itself had none.
 */
static const char *
pick_label(char *const *labels, svy_lang lang, int *fell_back)
{
    if (fell_back)
        *fell_back = 0;
    if (lang < SVY_NLANG && labels[lang] && labels[lang][0])
        return labels[lang];
    if (fell_back)
        *fell_back = 1;
    if (labels[SVY_LANG_EN] && labels[SVY_LANG_EN][0])
        return labels[SVY_LANG_EN];
    return NULL;
}

const char *
svy_var_label(const svy_var *v, svy_lang lang, int *fell_back)
{
    const char *l = pick_label(v->label, lang, fell_back);
    return l ? l : v->name;
}

const char *const *
svy_var_missing(const svy_var *v, size_t *n)
{
    *n = v->nmissing;
    return (const char *const *)v->missing;
}

size_t
svy_var_nvalues(const svy_var *v)
{
    return v->nvalues;
}

const char *
svy_var_value_code(const svy_var *v, size_t i)
{
    return i < v->nvalues ? v->values[i].code : NULL;
}

/* Equal as numbers when both parse, else as text. */
static int
code_eq(const char *a, double anum, const char *b, double bnum)
{
    if (!isnan(anum) && !isnan(bnum))
        return anum == bnum;
    return strcmp(a, b) == 0;
}

/* The code as a number (data grammar), NaN when it is not one. */
static double
as_num(const char *s)
{
    double v;
    return svy_num_parse(s, strlen(s), 0, &v) ? v : NAN;
}

/* Linear, as the top of the file explains; NULL when not labelled. */
static const struct value *
find_value(const svy_var *v, const char *code)
{
    double num = as_num(code);
    size_t i;

    for (i = 0; i < v->nvalues; i++)
        if (code_eq(code, num, v->values[i].code, v->values[i].num))
            return &v->values[i];
    return NULL;
}

const char *
svy_var_value_label(const svy_var *v, const char *code, svy_lang lang,
                    int *fell_back)
{
    const struct value *val = find_value(v, code);

    if (val == NULL && fell_back)
        *fell_back = 1;
    return val ? pick_label(val->label, lang, fell_back) : NULL;
}

int
svy_var_is_missing_code(const svy_var *v, const char *code)
{
    double num = as_num(code);
    size_t i;

    for (i = 0; i < v->nmissing; i++)
        if (code_eq(code, num, v->missing[i], v->missing_num[i]))
            return 1;
    return 0;
}

/* Parsing. */

/* Where parsing is, for messages: the table, its file and the row's line. */
struct ctx {
    const svy_table *t;
    const char *file;
    size_t line;
    svy_err *err;
};

/* The text of a cell, "" when the optional column is absent (col < 0).
 * The tables come from the CSV reader, so every column is text. */
static const char *
cell(const struct ctx *c, long col, size_t row)
{
    return col < 0 ? ""
                   : svy_column_text(svy_table_col(c->t, (size_t)col), row);
}

static svy_status perr(const struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "FILE:LINE: what" for the row at hand; always SVY_EPARSE. */
static svy_status
perr(const struct ctx *c, const char *fmt, ...)
{
    char what[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return svy_err_set(c->err, SVY_EPARSE, "%s:%zu: %s", c->file, c->line,
                       what);
}

static svy_status
nomem(svy_err *err)
{
    return svy_err_set(err, SVY_ENOMEM, "out of memory");
}

/* Trimmed copy of s[0..n) into buf (size > n). */
static void
trim_copy(char *buf, const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

/* 1 when the last non-blank byte before 'at' is a digit. */
static int
last_digit(const char *item, size_t at)
{
    while (at > 0 && (item[at - 1] == ' ' || item[at - 1] == '\t'))
        at--;
    return at > 0 && item[at - 1] >= '0' && item[at - 1] <= '9';
}

/* Split "a-b" or "a..b" into two numbers; 1 on success. */
static int
parse_range(const char *item, double *lo, double *hi)
{
    const char *sep = strstr(item, "..");
    size_t i, n = strlen(item);

    /* With "..", both sides may carry a sign freely: "-5..-1". */
    if (sep != NULL)
        return svy_num_parse(item, (size_t)(sep - item), 0, lo) &&
               svy_num_parse(sep + 2, strlen(sep + 2), 0, hi);
    for (i = 1; i < n; i++)
        /* The '-' after a digit (blanks allowed between) splits a range;
         * a '-' elsewhere is a sign. */
        if (item[i] == '-' && last_digit(item, i))
            return svy_num_parse(item, i, 0, lo) &&
                   svy_num_parse(item + i + 1, n - i - 1, 0, hi);
    return 0;
}

/* Append a copy of 's'; the lists are short, so they grow one slot at a
 * time.  On failure the vector is still whole and freeable. */
/*
 * Parse 'valid' into intervals and text codes.  Each comma-separated item
 * is a range, a number (an interval of one) or, except for num variables,
 * a text code such as a letter.  Items are limited to 255 bytes, far more
 * than a code needs.
 */
static svy_status
parse_valid(const struct ctx *c, svy_var *v, const char *spec)
{
    const char *p = spec;
    char item[256];

    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        double lo, hi;

        if (n >= sizeof(item))
            return perr(c, "item too long in valid of '%s'", v->name);
        trim_copy(item, p, n);
        p += n + (comma != NULL);
        if (item[0] == '\0')
            return perr(c, "empty item in valid '%s' of '%s'", spec, v->name);
        if (parse_range(item, &lo, &hi) ||
            (svy_num_parse(item, strlen(item), 0, &lo) && (hi = lo, 1))) {
            struct range *nr;
            if (lo > hi)
                return perr(c, "range '%s' in valid of '%s' runs backwards",
                            item, v->name);
            nr = realloc(v->ranges, (v->nranges + 1) * sizeof(*nr));
            if (nr == NULL)
                return nomem(c->err);
            v->ranges = nr;
            nr[v->nranges].lo = lo;
            nr[v->nranges++].hi = hi;
        } else if (v->type == SVY_V_NUM) {
            return perr(c, "'%s' in valid of '%s' is not a number or range",
                        item, v->name);
        } else if (svy_mem_strv_push(&v->codes, &v->ncodes, &v->ccap, item)) {
            return nomem(c->err);
        }
    }
    return SVY_OK;
}

/*
 * Parse 'missing': codes one by one, each kept as text and as a number so
 * that it matches in numeric and text columns alike.  Ranges are refused:
 * a column carries its user-missing codes as a list
 * (svy_column_set_user_missing).
 */
static svy_status
parse_missing(const struct ctx *c, svy_var *v, const char *spec)
{
    const char *p = spec;
    char item[256];
    double lo, hi;

    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        double *nm;

        if (n >= sizeof(item))
            return perr(c, "item too long in missing of '%s'", v->name);
        trim_copy(item, p, n);
        p += n + (comma != NULL);
        if (item[0] == '\0')
            return perr(c, "empty item in missing '%s' of '%s'", spec, v->name);
        if (parse_range(item, &lo, &hi))
            return perr(c,
                        "missing of '%s' lists a range '%s'; list each "
                        "code",
                        v->name, item);
        if (v->type == SVY_V_NUM && isnan(as_num(item)))
            return perr(c, "'%s' in missing of '%s' is not a number", item,
                        v->name);
        if (svy_mem_strv_push(&v->missing, &v->nmissing, &v->mcap, item))
            return nomem(c->err);
        nm = realloc(v->missing_num, v->nmissing * sizeof(*nm));
        if (nm == NULL)
            return nomem(c->err);
        v->missing_num = nm;
        nm[v->nmissing - 1] = as_num(item);
    }
    return SVY_OK;
}

/* The index in type_names is the svy_vtype. */
static int
parse_type(const char *s, svy_vtype *t)
{
    size_t i;

    for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
        if (strcmp(s, type_names[i]) == 0) {
            *t = (svy_vtype)i;
            return 0;
        }
    return -1;
}

/* Copy the row's label in each language; an empty one stays NULL, so that
 * pick_label falls back. */
static svy_status
dup_labels(char **dst, const struct ctx *c, const long *cols, size_t row)
{
    int l;

    for (l = 0; l < SVY_NLANG; l++) {
        const char *s = cell(c, cols[l], row);
        if (*s && (dst[l] = svy_mem_strdup(s)) == NULL)
            return nomem(c->err);
    }
    return SVY_OK;
}

/* Column of each language's label, -1 when absent; "label" is English
 * and "label@en" its other spelling. */
static void
label_columns(const svy_table *t, long *cols)
{
    cols[SVY_LANG_EN] = svy_table_index(t, "label");
    if (cols[SVY_LANG_EN] < 0)
        cols[SVY_LANG_EN] = svy_table_index(t, "label@en");
    cols[SVY_LANG_RU] = svy_table_index(t, "label@ru");
    cols[SVY_LANG_KY] = svy_table_index(t, "label@ky");
}

/*
 * One variable per row of codebook.csv.  Errors about the header name line
 * 1; later ones the row's own line, as the reader counted it (blank lines
 * and multi-line quoted labels included).
 */
static svy_status
read_vars(svy_codebook *cb, struct ctx *c)
{
    const svy_table *t = c->t;
    long cvar = svy_table_index(t, "variable"),
         ctype = svy_table_index(t, "type");
    long cvalid = svy_table_index(t, "valid");
    long cmiss = svy_table_index(t, "missing");
    long cpii = svy_table_index(t, "pii");
    long clab[SVY_NLANG];
    size_t r;
    svy_status rc;

    label_columns(t, clab);
    c->line = 1;
    if (cvar < 0)
        return perr(c, "missing column 'variable'");
    if (ctype < 0)
        return perr(c, "missing column 'type'");
    for (r = 0; r < svy_table_nrows(t); r++) {
        const char *name = cell(c, cvar, r), *type = cell(c, ctype, r);
        const char *pii = cell(c, cpii, r);
        const svy_var *prev;
        svy_var *v;
        void *p = cb->vars;

        c->line = svy_table_row_line(t, r);
        if (*name == '\0')
            return perr(c, "empty variable name");
        if ((prev = svy_codebook_find(cb, name)) != NULL)
            return perr(c, "duplicate variable '%s' (first on line %zu)", name,
                        prev->line);
        /* The variable joins the codebook before its fields are parsed, so
         * whatever fails half-way is freed with the codebook. */
        if (svy_mem_grow(&p, &cb->cap, cb->nvars + 1, sizeof(*cb->vars)))
            return nomem(c->err);
        cb->vars = p;
        if ((v = calloc(1, sizeof(*v))) == NULL)
            return nomem(c->err);
        cb->vars[cb->nvars++] = v;
        v->line = c->line;
        if ((v->name = svy_mem_strdup(name)) == NULL)
            return nomem(c->err);
        if (parse_type(type, &v->type) < 0)
            return perr(c,
                        "unknown type '%s' for '%s' (expected id, cat, "
                        "num, text or date)",
                        type, name);
        if (strcmp(pii, "yes") == 0)
            v->pii = 1;
        else if (*pii && strcmp(pii, "no") != 0)
            return perr(c,
                        "pii of '%s' must be 'yes', 'no' or empty, not "
                        "'%s'",
                        name, pii);
        if ((rc = dup_labels(v->label, c, clab, r)) != SVY_OK)
            return rc;
        if ((v->valid_spec = svy_mem_strdup(cell(c, cvalid, r))) == NULL)
            return nomem(c->err);
        if ((rc = parse_valid(c, v, v->valid_spec)) != SVY_OK ||
            (rc = parse_missing(c, v, cell(c, cmiss, r))) != SVY_OK)
            return rc;
    }
    return SVY_OK;
}

/*
 * One value label per row of values.csv, for a variable already read.
 * A duplicate is found by the same comparison as a lookup, so "1" and
 * "1.0" are the same code.
 */
static svy_status
read_values(svy_codebook *cb, struct ctx *c)
{
    const svy_table *t = c->t;
    long cvar = svy_table_index(t, "variable"),
         ccode = svy_table_index(t, "code");
    long clab[SVY_NLANG];
    size_t r;
    svy_status rc;

    label_columns(t, clab);
    c->line = 1;
    if (cvar < 0)
        return perr(c, "missing column 'variable'");
    if (ccode < 0)
        return perr(c, "missing column 'code'");
    for (r = 0; r < svy_table_nrows(t); r++) {
        const char *name = cell(c, cvar, r), *code = cell(c, ccode, r);
        /* The cast drops const: 'cb' is the codebook being built here. */
        svy_var *v = (svy_var *)svy_codebook_find(cb, name);
        struct value *val;
        void *p;

        c->line = svy_table_row_line(t, r);
        if (v == NULL)
            return perr(c, "variable '%s' is not in the codebook", name);
        if (*code == '\0')
            return perr(c, "empty code for '%s'", name);
        if (find_value(v, code) != NULL)
            return perr(c, "duplicate code '%s' for '%s'", code, name);
        p = v->values;
        if (svy_mem_grow(&p, &v->vcap, v->nvalues + 1, sizeof(*v->values)))
            return nomem(c->err);
        v->values = p;
        val = &v->values[v->nvalues++];
        memset(val, 0, sizeof(*val));
        val->num = as_num(code);
        if ((val->code = svy_mem_strdup(code)) == NULL)
            return nomem(c->err);
        if ((rc = dup_labels(val->label, c, clab, r)) != SVY_OK)
            return rc;
    }
    return SVY_OK;
}

svy_status
svy_codebook_from_tables(svy_codebook **out, const svy_table *codebook,
                         const char *cb_name, const svy_table *values,
                         const char *values_name, svy_err *err)
{
    svy_codebook *cb = calloc(1, sizeof(*cb));
    struct ctx c = {codebook, cb_name, 0, err};
    svy_status rc;

    *out = NULL;
    if (cb == NULL)
        return nomem(err);
    if ((rc = read_vars(cb, &c)) != SVY_OK)
        goto out;
    if (values != NULL) {
        c.t = values;
        c.file = values_name;
        if ((rc = read_values(cb, &c)) != SVY_OK)
            goto out;
    }
    *out = cb;
    cb = NULL;
out:
    svy_codebook_free(cb);
    return rc;
}

svy_status
svy_codebook_read(svy_codebook **out, const char *codebook_path,
                  const char *values_path, svy_err *err)
{
    /* A ';' codebook must not have "8,9" taken for a decimal number. */
    svy_csv_opts opts = {.encoding = SVY_ENC_AUTO, .decimal = SVY_DEC_POINT};
    svy_table *cbt = NULL, *vt = NULL;
    svy_status rc;

    *out = NULL;
    if ((rc = svy_csv_read_file(&cbt, codebook_path, &opts, NULL, err)))
        goto out;
    if (values_path != NULL &&
        (rc = svy_csv_read_file(&vt, values_path, &opts, NULL, err)))
        goto out;
    rc =
        svy_codebook_from_tables(out, cbt, codebook_path, vt, values_path, err);
out:
    svy_table_free(cbt);
    svy_table_free(vt);
    return rc;
}

/* Applying and checking. */

/* 1 when a code of text column 'c' has a leading zero ("01", "-01"): as
 * a number it would be written back as "1". */
static int
has_leading_zero_code(const svy_column *c)
{
    size_t i, n = svy_column_len(c);

    for (i = 0; i < n; i++) {
        const char *s = svy_column_text(c, i);
        if (s[0] == '-')
            s++;
        if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
            return 1;
    }
    return 0;
}

svy_status
svy_codebook_apply(const svy_codebook *cb, svy_table *t, svy_err *err)
{
    size_t i;
    svy_status rc;

    for (i = 0; i < svy_table_ncols(t); i++) {
        svy_column *c = svy_table_col(t, i);
        const svy_var *v = svy_codebook_find(cb, svy_column_name(c));
        int conv = 0;

        /*
         * A column that does not convert stays text, and svy_codebook_check
         * reports each value that is not a number.  Ids, text and dates stay
         * text even when every value looks like a number.
         */
        if (v == NULL) {
            /* As svy_table_infer_types: numbers only, and at least one. */
            if (svy_column_is_numeric(c, SVY_NUM_CODE))
                conv = svy_column_to_num(c, SVY_NUM_CODE, err);
        } else if (v->type == SVY_V_NUM) {
            conv = svy_column_to_num(c, 0, err);
        } else if (v->type == SVY_V_CAT) {
            if (svy_column_type(c) == SVY_NUM || !has_leading_zero_code(c))
                conv = svy_column_to_num(c, 0, err);
        } else if (svy_column_type(c) == SVY_NUM &&
                   (rc = svy_column_to_text(c, err)) != SVY_OK) {
            return rc;
        }
        if (conv < 0)
            return err ? err->code : SVY_ENOMEM;
        if (v != NULL && v->nmissing > 0 &&
            (rc = svy_column_set_user_missing(
                 c, (const char *const *)v->missing, v->nmissing, err)))
            return rc;
    }
    return SVY_OK;
}

/* Checklist: indexed by svy_finding_kind; keep in step with the enum. */
static const char *const finding_names[SVY_FIND_NKINDS] = {
    "not a number", "out of range",    "not a valid code", "not a date",
    "empty id",     "not in codebook", "missing variable",
};

const char *
svy_finding_name(svy_finding_kind kind)
{
    return kind < SVY_FIND_NKINDS ? finding_names[kind] : "?";
}

/* Gregorian leap years. */
static int
leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Exactly 'n' decimal digits as a number; 0 when one is not a digit. */
static int
digits(const char *s, int n, int *out)
{
    int i, v = 0;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int
svy_date_valid(const char *s)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, hh, mm, ss;
    size_t n = strlen(s);

    /* Exact lengths: 10 (the date), 16 (with HH:MM), 19 (with :SS).  A
     * second of 60 admits a leap second. */
    if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) ||
        s[7] != '-' || !digits(s + 8, 2, &d))
        return 0;
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] + (m == 2 && leap(y)))
        return 0;
    if (n == 10)
        return 1;
    if ((s[10] != ' ' && s[10] != 'T') || n < 16 || !digits(s + 11, 2, &hh) ||
        s[13] != ':' || !digits(s + 14, 2, &mm) || hh > 23 || mm > 59)
        return 0;
    if (n == 16)
        return 1;
    return n == 19 && s[16] == ':' && digits(s + 17, 2, &ss) && ss <= 60;
}

/*
 * Without a valid list every value is valid, except in a cat variable with
 * value labels, whose codes are the labelled ones.  Text codes match
 * exactly; user-missing codes are always valid.
 */
static int
in_valid(const svy_var *v, const char *text, double num)
{
    size_t i;

    if (v->nranges == 0 && v->ncodes == 0) {
        if (v->type != SVY_V_CAT || v->nvalues == 0)
            return 1;
        return find_value(v, text) != NULL || svy_var_is_missing_code(v, text);
    }
    /* Codes of a categorical variable are whole numbers: 2.5 is not in 1-5. */
    if (!isnan(num) && (v->type != SVY_V_CAT || num == floor(num)))
        for (i = 0; i < v->nranges; i++)
            if (num >= v->ranges[i].lo && num <= v->ranges[i].hi)
                return 1;
    for (i = 0; i < v->ncodes; i++)
        if (strcmp(text, v->codes[i]) == 0)
            return 1;
    return svy_var_is_missing_code(v, text);
}

/* Hand one finding to the callback; non-zero stops the check. */
static int
report(svy_finding_fn fn, void *ctx, svy_finding_kind kind, size_t row,
       const char *var, const char *value, const char *problem)
{
    svy_finding f = {kind, row, var, value, problem};
    return fn(&f, ctx);
}

int
svy_var_check_value(const svy_var *v, const char *text, svy_finding_kind *kind,
                    char *problem, size_t cap)
{
    double num;
    int cat = v->type == SVY_V_CAT;
    /* Categorical codes may be letters when 'valid' lists letters. */
    int needs_num =
        v->type == SVY_V_NUM || (cat && v->ncodes == 0 && v->nranges > 0);

    /* An empty value is system missing: fine, except for an id. */
    if (*text == '\0') {
        if (v->type != SVY_V_ID)
            return 0;
        *kind = SVY_FIND_EMPTY_ID;
        snprintf(problem, cap, "empty id");
        return 1;
    }
    switch (v->type) {
    case SVY_V_NUM:
    case SVY_V_CAT:
        num = as_num(text);
        if (needs_num && isnan(num)) {
            *kind = SVY_FIND_NOT_NUMBER;
            snprintf(problem, cap, "not a number");
            return 1;
        }
        if (in_valid(v, text, num))
            return 0;
        /* The problem quotes the valid list as written, the rule the person
         * reading the rejects file will recognise. */
        *kind = cat ? SVY_FIND_BAD_CODE : SVY_FIND_OUT_OF_RANGE;
        if (v->valid_spec[0])
            snprintf(problem, cap, "%s (valid: %s)",
                     cat ? "not a valid code" : "out of range", v->valid_spec);
        else
            snprintf(problem, cap, "not a valid code (no value label)");
        return 1;
    case SVY_V_DATE:
        if (svy_date_valid(text))
            return 0;
        *kind = SVY_FIND_BAD_DATE;
        snprintf(problem, cap, "not a date (expected YYYY-MM-DD[ HH:MM[:SS]])");
        return 1;
    case SVY_V_ID:
    case SVY_V_TEXT: break;
    }
    return 0;
}

/* Cells as text whatever the column's type (numbers in their shortest
 * form), so one rule serves both; 1 when the callback said stop. */
static int
check_column(const svy_var *v, const svy_column *c, svy_finding_fn fn,
             void *ctx)
{
    size_t r, n = svy_column_len(c);
    char buf[SVY_NUM_BUFSZ], problem[300];
    svy_finding_kind kind;

    for (r = 0; r < n; r++) {
        const char *text = svy_column_format(c, r, buf, NULL);
        if (svy_var_check_value(v, text, &kind, problem, sizeof(problem)) &&
            report(fn, ctx, kind, r, v->name, text, problem))
            return 1;
    }
    return 0;
}

/*
 * Checking cannot fail, so 'err' is unused, and a callback that stops the
 * check is not an error either.  Column-level findings carry row SIZE_MAX.
 */
svy_status
svy_codebook_check(const svy_codebook *cb, const svy_table *t,
                   svy_finding_fn fn, void *ctx, svy_err *err)
{
    size_t i;

    (void)err;
    for (i = 0; i < svy_table_ncols(t); i++) {
        const svy_column *c = svy_table_col(t, i);
        const svy_var *v = svy_codebook_find(cb, svy_column_name(c));
        if (v != NULL && check_column(v, c, fn, ctx))
            return SVY_OK;
    }
    for (i = 0; i < svy_table_ncols(t); i++) {
        const char *name = svy_column_name(svy_table_col(t, i));
        if (svy_codebook_find(cb, name) == NULL &&
            report(fn, ctx, SVY_FIND_UNKNOWN_VAR, SIZE_MAX, name, "",
                   "not in the codebook"))
            return SVY_OK;
    }
    for (i = 0; i < cb->nvars; i++)
        if (svy_table_find(t, cb->vars[i]->name) == NULL &&
            report(fn, ctx, SVY_FIND_MISSING_VAR, SIZE_MAX, cb->vars[i]->name,
                   "", "missing from the data"))
            return SVY_OK;
    return SVY_OK;
}
