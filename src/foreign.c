/*
 * foreign.c - SPSS, Stata and SAS files through ReadStat's parser.
 *
 * ReadStat calls back once for the file's metadata, once per variable,
 * once per value label and once per cell, row by row and variables in
 * order within a row.  The variable callback adds a column (numeric, or
 * text for strings and dates) and the value callback pushes one cell into
 * it; the row is committed after its last variable.  Value labels arrive
 * grouped in named label sets that variables refer to by name, so they
 * are kept per set and tied to the variables at the end.
 *
 * The three kinds of missing value stay apart as in ReadStat: system
 * missing is an empty cell; user-defined missing (SPSS MISSING VALUES)
 * keeps its code, which is attached to the column; tagged missing (.a)
 * keeps its tag as text.  See foreign.h for the date rules.
 *
 * Float variables (Stata 'float', SAS 4-byte) are widened through their
 * shortest decimal (0.1f becomes 0.1, not 0.100000001490116), as the file's
 * own software shows them.  Every array sized from the file grows through
 * svy_mem_grow, whose cap stops a forged count from asking for terabytes.
 */
#include "svy/foreign.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readstat.h>

#include "svy/buf.h"
#include "svy/csv.h"
#include "svy/mem.h"
#include "svy/num.h"
#include "svy/text.h"

/* Which file family, because a format name means different things. */
enum family { FAM_SPSS, FAM_STATA, FAM_SAS };

/* How a variable's values become cells. */
enum kind { K_NUM, K_TEXT, K_DATE, K_DATETIME };

struct vlabel {
    char *code, *label;
};

struct lset {
    char *name;
    struct vlabel *items;
    size_t n, cap;
};

struct fvar {
    char *name, *label, *format, *setname;
    enum kind kind;
    double scale;  /* K_DATE: units a day; K_DATETIME: units a second */
    double origin; /* days from 1970-01-01 to the family's day zero */
    svy_column *col;
    char **missing;
    size_t nmissing, mcap;
    long set; /* index into sets, or -1 */
};

struct svy_foreign_meta {
    struct fvar *vars;
    size_t nvars, vcap;
    struct lset *sets;
    size_t nsets, scap;
};

struct ctx {
    const char *path;
    enum family fam;
    svy_foreign_meta *m;
    svy_table *t;
    svy_err *err;
    svy_status rc;    /* a failure inside a callback */
    char detail[256]; /* ReadStat's last error message */
};

static svy_status
nomem(svy_err *err)
{
    return svy_err_set(err, SVY_ENOMEM, "out of memory");
}

/* The extension of 'path' after its last '.', or "". */
static const char *
extension(const char *path)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

    return dot && (slash == NULL || dot > slash) ? dot + 1 : "";
}

static int
ext_is(const char *ext, const char *want)
{
    for (; *ext && *want; ext++, want++)
        if (tolower((unsigned char)*ext) != *want)
            return 0;
    return *ext == '\0' && *want == '\0';
}

int
svy_foreign_is_foreign(const char *path)
{
    const char *e = extension(path);

    return ext_is(e, "sav") || ext_is(e, "zsav") || ext_is(e, "por") ||
           ext_is(e, "dta") || ext_is(e, "sas7bdat");
}

/*
 * Classify a display format.  SPSS counts seconds from 1582-10-14 for
 * dates and date-times alike; Stata counts days (%td) or milliseconds
 * (%tc, %tC: leap seconds are not applied) from 1960-01-01; SAS days or
 * seconds from 1960-01-01.
 */
static void
classify(struct fvar *v, enum family fam)
{
    char up[16];
    size_t i, n = 0;
    const char *f = v->format;

    for (i = 0; f[i] && n + 1 < sizeof(up); i++)
        if (isalpha((unsigned char)f[i]) || f[i] == '%' ||
            isdigit((unsigned char)f[i]))
            up[n++] = (char)toupper((unsigned char)f[i]);
    up[n] = '\0';
    v->kind = K_NUM;
    if (fam == FAM_SPSS) {
        /* The letters before the width: "DATE11" -> "DATE". */
        for (n = 0; isalpha((unsigned char)up[n]); n++)
            ;
        up[n] = '\0';
        v->origin = -141428; /* 1582-10-14 */
        v->scale = 1;
        if (!strcmp(up, "DATE") || !strcmp(up, "ADATE") ||
            !strcmp(up, "EDATE") || !strcmp(up, "SDATE") ||
            !strcmp(up, "JDATE")) {
            v->kind = K_DATE;
            v->scale = 86400;
        } else if (!strcmp(up, "DATETIME") || !strcmp(up, "YMDHMS")) {
            v->kind = K_DATETIME;
        }
    } else if (fam == FAM_STATA) {
        v->origin = -3653; /* 1960-01-01 */
        if (!strncmp(up, "%TD", 3) || !strncmp(up, "%D", 2)) {
            v->kind = K_DATE;
            v->scale = 1;
        } else if (!strncmp(up, "%TC", 3)) {
            v->kind = K_DATETIME;
            v->scale = 1000;
        }
    } else {
        v->origin = -3653;
        v->scale = 1;
        if (!strncmp(up, "E8601DA", 7)) {
            v->kind = K_DATE;
            return;
        }
        if (!strncmp(up, "E8601DT", 7)) {
            v->kind = K_DATETIME;
            return;
        }
        for (n = 0; isalpha((unsigned char)up[n]); n++)
            ;
        up[n] = '\0';
        if (!strcmp(up, "DATE") || !strcmp(up, "DDMMYY") ||
            !strcmp(up, "MMDDYY") || !strcmp(up, "YYMMDD"))
            v->kind = K_DATE;
        else if (!strcmp(up, "DATETIME"))
            v->kind = K_DATETIME;
    }
}

/* Civil date of day 'z' counted from 1970-01-01 (H. Hinnant's algorithm). */
static void
civil(long long z, long long *y, int *m, int *d)
{
    long long era, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    yoe = z - era * 146097;
    yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
    doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/*
 * Format a date or date-time value as ISO text into 'buf' (32 bytes).
 * Returns 0, or -1 when the value lies outside years 1 to 9999 (the
 * caller then writes the number itself, so nothing is lost).
 */
static int
iso_text(const struct fvar *v, double x, char *buf)
{
    long long days, secs = 0, y;
    int mo, d;

    if (v->kind == K_DATE) {
        double dd = floor(x / v->scale);
        if (!(fabs(dd) < 1e8))
            return -1;
        days = (long long)dd + (long long)v->origin;
    } else {
        double s = round(x / v->scale);
        if (!(fabs(s) < 1e13))
            return -1;
        secs = (long long)s;
        days = secs / 86400 - (secs % 86400 < 0);
        secs -= days * 86400;
        days += (long long)v->origin;
    }
    civil(days, &y, &mo, &d);
    if (y < 1 || y > 9999)
        return -1;
    /* Unsigned and bounded, so the compiler sees that 32 bytes suffice. */
    if (v->kind == K_DATE)
        snprintf(buf, 32, "%04u-%02u-%02u", (unsigned)y % 10000u,
                 (unsigned)mo % 100u, (unsigned)d % 100u);
    else
        snprintf(buf, 32, "%04u-%02u-%02u %02u:%02u:%02u", (unsigned)y % 10000u,
                 (unsigned)mo % 100u, (unsigned)d % 100u,
                 (unsigned)(secs / 3600) % 100u,
                 (unsigned)(secs / 60 % 60) % 100u,
                 (unsigned)(secs % 60) % 100u);
    return 0;
}

/* A numeric value as a double; floats through their shortest decimal. */
static double
num_value(readstat_value_t value)
{
    char buf[32];
    float f;
    int prec;

    switch (readstat_value_type(value)) {
    case READSTAT_TYPE_INT8: return readstat_int8_value(value);
    case READSTAT_TYPE_INT16: return readstat_int16_value(value);
    case READSTAT_TYPE_INT32: return readstat_int32_value(value);
    case READSTAT_TYPE_FLOAT:
        f = readstat_float_value(value);
        if (!isfinite(f))
            return f;
        for (prec = 6; prec < 9; prec++) {
            snprintf(buf, sizeof(buf), "%.*g", prec, (double)f);
            if (strtof(buf, NULL) == f)
                break;
        }
        snprintf(buf, sizeof(buf), "%.*g", prec, (double)f);
        return strtod(buf, NULL);
    default: return readstat_double_value(value);
    }
}

/*
 * The code of a value as the data stream writes it ('buf' holds
 * SVY_NUM_BUFSZ bytes): a string as is, a tagged missing value as ".a",
 * a number by svy_num_format.
 */
static const char *
code_text(readstat_value_t value, char *buf)
{
    const char *s;

    if (readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING)
        return (s = readstat_string_value(value)) ? s : "";
    if (readstat_value_is_tagged_missing(value)) {
        buf[0] = '.';
        buf[1] = readstat_value_tag(value);
        buf[2] = '\0';
        return buf;
    }
    if (readstat_value_is_system_missing(value))
        return "";
    svy_num_format(num_value(value), buf);
    return buf;
}

/*
 * All text inside svykit is UTF-8.  ReadStat converts from the file's
 * declared encoding, but a damaged or mislabelled file can still hand
 * over other bytes: refuse them, naming what holds them.
 */
static int
utf8_ok(const char *s)
{
    int incomplete = 0;
    size_t n = strlen(s);
    return svy_utf8_check(s, n, &incomplete) == n && !incomplete;
}

/* Add 'code' to the variable's user-missing list unless it is there. */
static int
add_missing(struct fvar *v, const char *code)
{
    size_t i;

    for (i = 0; i < v->nmissing; i++)
        if (strcmp(v->missing[i], code) == 0)
            return 0;
    return svy_mem_strv_push(&v->missing, &v->nmissing, &v->mcap, code);
}

/*
 * The variable's MISSING VALUES: single codes as they are, ranges of at
 * most 100 whole numbers code by code, wider ranges not at all (a
 * codebook lists codes, not ranges).
 */
static int
read_missing(struct fvar *v, readstat_variable_t *var)
{
    int i, n = readstat_variable_get_missing_ranges_count(var);
    char buf[SVY_NUM_BUFSZ];

    for (i = 0; i < n; i++) {
        readstat_value_t lo = readstat_variable_get_missing_range_lo(var, i);
        readstat_value_t hi = readstat_variable_get_missing_range_hi(var, i);
        double a, b, x;

        if (readstat_value_type_class(lo) == READSTAT_TYPE_CLASS_STRING) {
            if (add_missing(v, code_text(lo, buf)) < 0)
                return -1;
            continue;
        }
        a = num_value(lo);
        b = num_value(hi);
        if (a == b) {
            if (add_missing(v, code_text(lo, buf)) < 0)
                return -1;
            continue;
        }
        if (!(a == floor(a) && b == floor(b) && b - a < 100))
            continue;
        for (x = a; x <= b; x++) {
            svy_num_format(x, buf);
            if (add_missing(v, buf) < 0)
                return -1;
        }
    }
    return 0;
}

/*
 * One variable of the dictionary: its metadata, kind and column.  A name
 * the table already has (possible in a damaged file) stops the read with
 * the file's name in front of the table's message.
 */
static int
on_variable(int index, readstat_variable_t *var, const char *val_labels,
            void *vctx)
{
    struct ctx *c = vctx;
    svy_foreign_meta *m = c->m;
    struct fvar *v;
    const char *s;
    void *p = m->vars;

    /* A damaged dictionary can hold a variable without a name. */
    s = readstat_variable_get_name(var);
    if (s == NULL || *s == '\0') {
        c->rc = svy_err_set(c->err, SVY_EPARSE, "variable %d has no name",
                            index + 1);
        return READSTAT_HANDLER_ABORT;
    }
    {
        const char *l = readstat_variable_get_label(var),
                   *f = readstat_variable_get_format(var);
        if (!utf8_ok(s) || (l && !utf8_ok(l)) || (f && !utf8_ok(f)) ||
            (val_labels && !utf8_ok(val_labels))) {
            c->rc = svy_err_set(c->err, SVY_EPARSE,
                                "variable %d: name, label or format is not "
                                "valid UTF-8",
                                index + 1);
            return READSTAT_HANDLER_ABORT;
        }
    }
    if (svy_mem_grow(&p, &m->vcap, m->nvars + 1, sizeof(*m->vars)) < 0) {
        c->rc = nomem(c->err);
        return READSTAT_HANDLER_ABORT;
    }
    m->vars = p;
    v = &m->vars[m->nvars++];
    memset(v, 0, sizeof(*v));
    v->set = -1;
    v->name = svy_mem_strdup(readstat_variable_get_name(var));
    s = readstat_variable_get_label(var);
    v->label = svy_mem_strdup(s ? s : "");
    s = readstat_variable_get_format(var);
    v->format = svy_mem_strdup(s ? s : "");
    v->setname = val_labels ? svy_mem_strdup(val_labels) : NULL;
    if (!v->name || !v->label || !v->format || (val_labels && !v->setname) ||
        read_missing(v, var) < 0) {
        c->rc = nomem(c->err);
        return READSTAT_HANDLER_ABORT;
    }
    if (readstat_variable_get_type_class(var) == READSTAT_TYPE_CLASS_STRING)
        v->kind = K_TEXT;
    else
        classify(v, c->fam);
    if ((c->rc = svy_table_add_column(c->t, v->name,
                                      v->kind == K_NUM ? SVY_NUM : SVY_TEXT,
                                      &v->col, c->err)) != SVY_OK) {
        svy_err_prefix(c->err, c->path);
        return READSTAT_HANDLER_ABORT;
    }
    return READSTAT_HANDLER_OK;
}

/* Push one text cell. */
static svy_status
push_text(struct fvar *v, const char *s, svy_err *err)
{
    return svy_column_push_text(v->col, s, strlen(s), err);
}

/*
 * One cell, by the rules of foreign.h.  Order matters: a tagged value is
 * also "missing" to ReadStat, and a date outside years 1-9999 falls
 * through to its number so that nothing is lost.
 */
static svy_status
push_value(struct ctx *c, struct fvar *v, readstat_value_t value)
{
    char buf[SVY_NUM_BUFSZ];
    svy_status rc;
    double x;

    if (readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING) {
        const char *t = code_text(value, buf);
        if (!utf8_ok(t))
            return svy_err_set(c->err, SVY_EPARSE,
                               "%s:%zu: column '%s': not valid UTF-8",
                               c->path, svy_table_nrows(c->t) + 1, v->name);
        return push_text(v, t, c->err);
    }
    if (readstat_value_is_tagged_missing(value)) {
        /* A tag is not a number: the column becomes text from here on. */
        if (svy_column_type(v->col) == SVY_NUM &&
            (rc = svy_column_to_text(v->col, c->err)) != SVY_OK)
            return rc;
        code_text(value, buf);
        if (add_missing(v, buf) < 0)
            return nomem(c->err);
        return push_text(v, buf, c->err);
    }
    if (readstat_value_is_system_missing(value))
        return svy_column_type(v->col) == SVY_NUM
                   ? svy_column_push_num(v->col, NAN, c->err)
                   : push_text(v, "", c->err);
    x = num_value(value);
    if (v->kind == K_DATE || v->kind == K_DATETIME) {
        char iso[32];
        if (iso_text(v, x, iso) == 0)
            return push_text(v, iso, c->err);
    }
    if (svy_column_type(v->col) == SVY_NUM)
        return svy_column_push_num(v->col, x, c->err);
    svy_num_format(x, buf);
    return push_text(v, buf, c->err);
}

/*
 * ReadStat gives cells row by row, variables in index order; the row is
 * committed after its last variable, so a file cut inside a row leaves
 * columns of unequal length, which finish() reports.
 */
static int
on_value(int obs, readstat_variable_t *var, readstat_value_t value, void *vctx)
{
    struct ctx *c = vctx;
    int i = readstat_variable_get_index_after_skipping(var);

    if (i < 0 || (size_t)i >= c->m->nvars) {
        c->rc = svy_err_set(c->err, SVY_EPARSE,
                            "%s: value of an unknown variable", c->path);
        return READSTAT_HANDLER_ABORT;
    }
    if ((c->rc = push_value(c, &c->m->vars[i], value)) != SVY_OK)
        return READSTAT_HANDLER_ABORT;
    /* The last variable completes the row; its line is the case number. */
    if ((size_t)i + 1 == c->m->nvars &&
        (c->rc = svy_table_commit_row(c->t, (size_t)obs + 1, c->err)) !=
            SVY_OK) {
        svy_err_prefix(c->err, c->path);
        return READSTAT_HANDLER_ABORT;
    }
    return READSTAT_HANDLER_OK;
}

/*
 * One label of a label set.  Sets arrive independently of the variables
 * that use them (before or after, depending on the format), so they are
 * kept by name and tied to variables in finish().  A linear search over
 * sets is fine: files have tens of sets, not millions.
 */
static int
on_value_label(const char *set, readstat_value_t value, const char *label,
               void *vctx)
{
    struct ctx *c = vctx;
    svy_foreign_meta *m = c->m;
    char buf[SVY_NUM_BUFSZ];
    struct lset *ls = NULL;
    struct vlabel *it;
    void *p;
    size_t i;

    if (!utf8_ok(set) || (label && !utf8_ok(label)) ||
        (readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING &&
         !utf8_ok(code_text(value, buf)))) {
        c->rc = svy_err_set(c->err, SVY_EPARSE,
                            "value labels: a set name, code or label is not "
                            "valid UTF-8");
        return READSTAT_HANDLER_ABORT;
    }
    for (i = 0; i < m->nsets && ls == NULL; i++)
        if (strcmp(m->sets[i].name, set) == 0)
            ls = &m->sets[i];
    if (ls == NULL) {
        p = m->sets;
        if (svy_mem_grow(&p, &m->scap, m->nsets + 1, sizeof(*m->sets)) < 0)
            goto fail;
        m->sets = p;
        ls = &m->sets[m->nsets++];
        memset(ls, 0, sizeof(*ls));
        if ((ls->name = svy_mem_strdup(set)) == NULL)
            goto fail;
    }
    p = ls->items;
    if (svy_mem_grow(&p, &ls->cap, ls->n + 1, sizeof(*ls->items)) < 0)
        goto fail;
    ls->items = p;
    it = &ls->items[ls->n];
    it->code = svy_mem_strdup(code_text(value, buf));
    it->label = svy_mem_strdup(label ? label : "");
    ls->n++; /* counted at once: freed with the metadata on failure */
    if (it->code == NULL || it->label == NULL)
        goto fail;
    return READSTAT_HANDLER_OK;
fail:
    c->rc = nomem(c->err);
    return READSTAT_HANDLER_ABORT;
}

/* ReadStat's detailed message, kept for the error that its parse returns. */
static void
on_error(const char *msg, void *vctx)
{
    struct ctx *c = vctx;
    size_t i, n;

    snprintf(c->detail, sizeof(c->detail), "%s", msg);
    n = strlen(c->detail);
    /* The message may quote raw bytes of a damaged file: keep it ASCII. */
    for (i = 0; i < n; i++)
        if ((unsigned char)c->detail[i] < 0x20 ||
            (unsigned char)c->detail[i] >= 0x7f)
            c->detail[i] = '?';
    while (n > 0 && (c->detail[n - 1] == '\n' || c->detail[n - 1] == '.' ||
                     c->detail[n - 1] == ' '))
        c->detail[--n] = '\0';
}

void
svy_foreign_meta_free(svy_foreign_meta *m)
{
    size_t i, k;

    if (m == NULL)
        return;
    for (i = 0; i < m->nvars; i++) {
        free(m->vars[i].name);
        free(m->vars[i].label);
        free(m->vars[i].format);
        free(m->vars[i].setname);
        svy_mem_strv_free(m->vars[i].missing, m->vars[i].nmissing);
    }
    for (i = 0; i < m->nsets; i++) {
        free(m->sets[i].name);
        for (k = 0; k < m->sets[i].n; k++) {
            free(m->sets[i].items[k].code);
            free(m->sets[i].items[k].label);
        }
        free(m->sets[i].items);
    }
    free(m->vars);
    free(m->sets);
    free(m);
}

/* Tie variables to their label sets and columns to their missing codes. */
static svy_status
finish(struct ctx *c)
{
    svy_foreign_meta *m = c->m;
    size_t i, k;
    svy_status rc;

    for (i = 0; i < m->nvars; i++) {
        struct fvar *v = &m->vars[i];
        if (svy_column_len(v->col) != svy_table_nrows(c->t))
            return svy_err_set(c->err, SVY_EPARSE, "%s: case %zu is incomplete",
                               c->path, svy_table_nrows(c->t) + 1);
        for (k = 0; v->setname && k < m->nsets; k++)
            if (strcmp(m->sets[k].name, v->setname) == 0)
                v->set = (long)k;
        if (v->nmissing && (rc = svy_column_set_user_missing(
                                v->col, (const char *const *)v->missing,
                                v->nmissing, c->err)) != SVY_OK)
            return rc;
    }
    return SVY_OK;
}

svy_status
svy_foreign_read(svy_table **out, svy_foreign_meta **meta, const char *path,
                 svy_err *err)
{
    const char *ext = extension(path);
    struct ctx c = {0};
    readstat_parser_t *p = NULL;
    readstat_error_t e;
    svy_status rc;
    FILE *f;

    *out = NULL;
    if (meta)
        *meta = NULL;
    c.path = path;
    c.err = err;
    if (ext_is(ext, "sav") || ext_is(ext, "zsav") || ext_is(ext, "por"))
        c.fam = FAM_SPSS;
    else if (ext_is(ext, "dta"))
        c.fam = FAM_STATA;
    else if (ext_is(ext, "sas7bdat"))
        c.fam = FAM_SAS;
    else
        return svy_err_set(err, SVY_EINVAL,
                           "%s: not a .sav, .zsav, .por, .dta or .sas7bdat "
                           "file",
                           path);
    /* ReadStat's own "unable to open file" would lose errno's reason. */
    if ((f = fopen(path, "rb")) == NULL)
        return svy_err_set(err, SVY_EIO, "cannot open '%s': %s", path,
                           strerror(errno));
    fclose(f);
    if ((c.m = calloc(1, sizeof(*c.m))) == NULL ||
        (rc = svy_table_new(&c.t, err)) != SVY_OK ||
        (p = readstat_parser_init()) == NULL) {
        rc = nomem(err);
        goto out;
    }
    readstat_set_variable_handler(p, on_variable);
    readstat_set_value_handler(p, on_value);
    readstat_set_value_label_handler(p, on_value_label);
    readstat_set_error_handler(p, on_error);
    if (c.fam == FAM_STATA)
        e = readstat_parse_dta(p, path, &c);
    else if (c.fam == FAM_SAS)
        e = readstat_parse_sas7bdat(p, path, &c);
    else if (ext_is(ext, "por"))
        e = readstat_parse_por(p, path, &c);
    else
        e = readstat_parse_sav(p, path, &c);
    if (c.rc != SVY_OK) {
        /* What a callback refused (a capped size, a bad cell) is about
         * this file: say which. */
        rc = c.rc;
        if (err && strncmp(err->msg, path, strlen(path)) != 0)
            svy_err_prefix(err, path);
        goto out;
    }
    if (e != READSTAT_OK) {
        /* ReadStat's sentences start with a capital; ours do not. */
        char what[128];
        snprintf(what, sizeof(what), "%s", readstat_error_message(e));
        what[0] = (char)tolower((unsigned char)what[0]);
        rc = svy_err_set(err, e == READSTAT_ERROR_OPEN ? SVY_EIO : SVY_EPARSE,
                         "%s: %s%s%s", path, what, c.detail[0] ? ": " : "",
                         c.detail);
        goto out;
    }
    if ((rc = finish(&c)) != SVY_OK)
        goto out;
    *out = c.t;
    c.t = NULL;
    if (meta) {
        *meta = c.m;
        c.m = NULL;
    }
out:
    readstat_parser_free(p);
    svy_table_free(c.t);
    svy_foreign_meta_free(c.m);
    return rc;
}

/* Accessors: plain reads, the index checks are the caller's (foreign.h). */
size_t
svy_foreign_nvars(const svy_foreign_meta *m)
{
    return m->nvars;
}

const char *
svy_foreign_var_name(const svy_foreign_meta *m, size_t i)
{
    return m->vars[i].name;
}

const char *
svy_foreign_var_label(const svy_foreign_meta *m, size_t i)
{
    return m->vars[i].label;
}

const char *
svy_foreign_var_format(const svy_foreign_meta *m, size_t i)
{
    return m->vars[i].format;
}

size_t
svy_foreign_var_nvalues(const svy_foreign_meta *m, size_t i)
{
    return m->vars[i].set < 0 ? 0 : m->sets[m->vars[i].set].n;
}

const char *
svy_foreign_value_code(const svy_foreign_meta *m, size_t i, size_t k)
{
    return m->sets[m->vars[i].set].items[k].code;
}

const char *
svy_foreign_value_label(const svy_foreign_meta *m, size_t i, size_t k)
{
    return m->sets[m->vars[i].set].items[k].label;
}

/* Append one row of text cells to 't'. */
static svy_status
add_row(svy_table *t, const char *const *cells, size_t n, svy_err *err)
{
    size_t i;
    svy_status rc;

    for (i = 0; i < n; i++)
        if ((rc = svy_column_push_text(svy_table_col(t, i), cells[i],
                                       strlen(cells[i]), err)) != SVY_OK)
            return rc;
    return svy_table_commit_row(t, svy_table_nrows(t) + 2, err);
}

static svy_status
add_columns(svy_table *t, const char *const *names, size_t n, svy_err *err)
{
    size_t i;
    svy_status rc;

    for (i = 0; i < n; i++)
        if ((rc = svy_table_add_column(t, names[i], SVY_TEXT, NULL, err)))
            return rc;
    return SVY_OK;
}

/*
 * The codebook goes through codebook.csv's own reader
 * (svy_codebook_from_tables) rather than being assembled by hand, so the
 * metadata obeys exactly the rules a researcher's file does.
 */
svy_status
svy_foreign_codebook(const svy_foreign_meta *m, const svy_table *t,
                     svy_codebook **out, svy_err *err)
{
    static const char *const chead[] = {"variable", "type", "label", "missing"};
    static const char *const vhead[] = {"variable", "code", "label"};
    svy_table *cb = NULL, *vals = NULL;
    svy_buf miss = SVY_BUF_INIT;
    size_t i, k;
    svy_status rc;

    *out = NULL;
    if ((rc = svy_table_new(&cb, err)) != SVY_OK ||
        (rc = svy_table_new(&vals, err)) != SVY_OK ||
        (rc = add_columns(cb, chead, 4, err)) != SVY_OK ||
        (rc = add_columns(vals, vhead, 3, err)) != SVY_OK)
        goto out;
    for (i = 0; i < m->nvars; i++) {
        const struct fvar *v = &m->vars[i];
        const svy_column *col = svy_table_find(t, v->name);
        const char *row[4];

        svy_buf_reset(&miss);
        for (k = 0;
             k < v->nmissing && v->kind != K_DATE && v->kind != K_DATETIME;
             k++) {
            if (strchr(v->missing[k], ',') || v->missing[k][0] == '\0')
                continue;
            if ((miss.len && svy_buf_putc(&miss, ',') != SVY_OK) ||
                svy_buf_puts(&miss, v->missing[k]) != SVY_OK) {
                rc = nomem(err);
                goto out;
            }
        }
        row[0] = v->name;
        row[1] = v->kind == K_DATE || v->kind == K_DATETIME ? "date"
                 : col && svy_column_type(col) == SVY_NUM   ? "num"
                                                            : "text";
        row[2] = v->label;
        row[3] = miss.data ? miss.data : "";
        if ((rc = add_row(cb, row, 4, err)) != SVY_OK)
            goto out;
        for (k = 0; k < svy_foreign_var_nvalues(m, i); k++) {
            const char *vrow[3];
            vrow[0] = v->name;
            vrow[1] = svy_foreign_value_code(m, i, k);
            vrow[2] = svy_foreign_value_label(m, i, k);
            if (vrow[1][0] == '\0' || strchr(vrow[1], ','))
                continue;
            if ((rc = add_row(vals, vrow, 3, err)) != SVY_OK)
                goto out;
        }
    }
    rc = svy_codebook_from_tables(out, cb, "<metadata>", vals, "<metadata>",
                                  err);
out:
    svy_buf_release(&miss);
    svy_table_free(cb);
    svy_table_free(vals);
    return rc;
}

svy_status
svy_foreign_write_values(const svy_foreign_meta *m, svy_output *o, svy_err *err)
{
    static const char *const head[] = {"variable", "code", "label"};
    size_t i, k;
    svy_status rc;

    if ((rc = svy_csv_write_row(o, head, NULL, 3, err)) != SVY_OK)
        return rc;
    for (i = 0; i < m->nvars; i++)
        for (k = 0; k < svy_foreign_var_nvalues(m, i); k++) {
            const char *row[3];
            row[0] = m->vars[i].name;
            row[1] = svy_foreign_value_code(m, i, k);
            row[2] = svy_foreign_value_label(m, i, k);
            if ((rc = svy_csv_write_row(o, row, NULL, 3, err)) != SVY_OK)
                return rc;
        }
    return SVY_OK;
}
