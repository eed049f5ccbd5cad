/*
 * targets.c - the targets file: rows grouped into margins, shares told
 * from counts, sums checked.
 *
 * Layout.  A margin keeps its variable names (split at '*'), and one
 * struct per category holding the category text, its parts (offsets into
 * a copy of the text where each '*' became a NUL), the target as written,
 * the share and the line.  Margins are few and small, so categories are
 * searched linearly; duplicate detection is quadratic in a margin's
 * categories, which stays cheap up to a few thousand of them.
 *
 * The order of checks is that of the file, so the first error a user sees
 * is the first bad line: each row is checked as it is grouped, then each
 * margin's sum (share or count), then the count totals against each other.
 */
#include "svy/targets.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svy/io.h"
#include "svy/mem.h"
#include "svy/num.h"

/* Shares may be off by rounding this much and are rescaled. */
#define SHARE_SLACK 0.005
/* Count margins may disagree by this much and are rescaled. */
#define COUNT_SLACK 0.001

struct tcat {
    char *text;    /* as written */
    char *parts;   /* copy with '*' turned into NULs */
    size_t *part;  /* offset of each part in 'parts' */
    double target; /* as written */
    double share;
    size_t line;
};

struct svy_margin {
    char *name;
    char *vnames; /* copy of 'name' with '*' turned into NULs */
    char **vars;  /* into 'vnames' */
    size_t nvars;
    svy_mkind kind;
    int count; /* counts rather than shares */
    struct tcat *cats;
    size_t ncats, cap;
    double value; /* numeric margins */
    size_t line;
};

struct svy_targets {
    char *name;
    svy_margin **m;
    size_t n, cap;
    double total;
};

static svy_status
nomem(svy_err *err)
{
    return svy_err_set(err, SVY_ENOMEM, "out of memory");
}

static void
margin_free(svy_margin *m)
{
    size_t k;

    if (m == NULL)
        return;
    for (k = 0; k < m->ncats; k++) {
        free(m->cats[k].text);
        free(m->cats[k].parts);
        free(m->cats[k].part);
    }
    free(m->cats);
    free(m->name);
    free(m->vnames);
    free(m->vars);
    free(m);
}

void
svy_targets_free(svy_targets *tg)
{
    size_t i;

    if (tg == NULL)
        return;
    for (i = 0; i < tg->n; i++)
        margin_free(tg->m[i]);
    free(tg->m);
    free(tg->name);
    free(tg);
}

/*
 * Split a copy of 's' at '*' into '*nparts' NUL-terminated parts; the
 * offsets go to a new array in '*offs'.  Returns the copy or NULL.  Offsets
 * rather than pointers, so that the parts need no fixing if the copy moves;
 * one allocation per string rather than one per part.
 */
static char *
split_star(const char *s, size_t **offs, size_t *nparts)
{
    size_t n = 1, i, k = 0, len = strlen(s);
    char *copy = svy_mem_strdup(s);

    for (i = 0; i < len; i++)
        n += s[i] == '*';
    *offs = svy_mem_alloc(n, sizeof(**offs));
    if (copy == NULL || *offs == NULL) {
        free(copy);
        free(*offs);
        *offs = NULL;
        return NULL;
    }
    (*offs)[k++] = 0;
    for (i = 0; i < len; i++)
        if (copy[i] == '*') {
            copy[i] = '\0';
            (*offs)[k++] = i + 1;
        }
    *nparts = n;
    return copy;
}

/*
 * Text first: most comparisons are equal strings, and parsing both sides
 * as numbers costs more than strcmp.
 */
int
svy_value_equal(const char *a, const char *b)
{
    double x, y;

    if (strcmp(a, b) == 0)
        return 1;
    return svy_num_parse(a, strlen(a), 0, &x) &&
           svy_num_parse(b, strlen(b), 0, &y) && x == y;
}

/*
 * Find or create the margin named 'name'; '*out' gets it.  A new margin's
 * name is split at '*' into its variables here, once, so that a joint
 * margin's parts are checked (none empty, none repeated) on the line that
 * introduced it, not on every row.  The margin is added to 'tg' before the
 * checks, so that svy_targets_free releases it when they fail.
 */
static svy_status
get_margin(svy_targets *tg, const char *name, size_t line, svy_margin **out,
           svy_err *err)
{
    svy_margin *m = NULL;
    size_t i, j, *offs = NULL;
    void *p = tg->m;

    for (i = 0; i < tg->n; i++)
        if (strcmp(tg->m[i]->name, name) == 0) {
            *out = tg->m[i];
            return SVY_OK;
        }
    if (svy_mem_grow(&p, &tg->cap, tg->n + 1, sizeof(*tg->m)) < 0)
        return nomem(err);
    tg->m = p;
    if ((m = calloc(1, sizeof(*m))) == NULL)
        return nomem(err);
    m->line = line;
    if ((m->name = svy_mem_strdup(name)) == NULL ||
        (m->vnames = split_star(name, &offs, &m->nvars)) == NULL ||
        (m->vars = svy_mem_alloc(m->nvars, sizeof(*m->vars))) == NULL) {
        free(offs);
        margin_free(m);
        return nomem(err);
    }
    for (j = 0; j < m->nvars; j++)
        m->vars[j] = m->vnames + offs[j];
    free(offs);
    tg->m[tg->n++] = m;
    for (j = 0; j < m->nvars; j++) {
        if (m->vars[j][0] == '\0')
            return svy_err_set(err, SVY_EPARSE,
                               "%s:%zu: variable '%s' has an empty part",
                               tg->name, line, name);
        for (i = 0; i < j; i++)
            if (strcmp(m->vars[i], m->vars[j]) == 0)
                return svy_err_set(err, SVY_EPARSE,
                                   "%s:%zu: joint margin '%s' names '%s' "
                                   "twice",
                                   tg->name, line, name, m->vars[j]);
    }
    *out = m;
    return SVY_OK;
}

/*
 * 1 when two categories of a margin are the same value, part by part,
 * under the rule that matches categories to data (svy_value_equal): "1"
 * and "1.0" would both claim the same respondents, so they are refused as
 * duplicates here rather than found out while raking.
 */
static int
same_category(const svy_margin *m, const struct tcat *a, const struct tcat *b)
{
    size_t j;

    for (j = 0; j < m->nvars; j++)
        if (!svy_value_equal(a->parts + a->part[j], b->parts + b->part[j]))
            return 0;
    return 1;
}

/*
 * Check one row of the file and add it to its margin.  The checks run in
 * the order a person reads the row (variable, category, target, then its
 * fit with the margin) so that the message names the first thing wrong.
 */
static svy_status
add_row(svy_targets *tg, const char *var, const char *cat, const char *tgt,
        size_t line, svy_err *err)
{
    svy_margin *m = NULL;
    struct tcat *c;
    size_t nparts, k;
    double v;
    void *p;
    svy_status rc;

    if (*var == '\0')
        return svy_err_set(err, SVY_EPARSE, "%s:%zu: empty variable", tg->name,
                           line);
    if (*cat == '\0')
        return svy_err_set(err, SVY_EPARSE, "%s:%zu: empty category for '%s'",
                           tg->name, line, var);
    if (!svy_num_parse(tgt, strlen(tgt), 0, &v))
        return svy_err_set(err, SVY_EPARSE,
                           "%s:%zu: target of '%s' = '%s' is not a number "
                           "'%s'",
                           tg->name, line, var, cat, tgt);
    if ((rc = get_margin(tg, var, line, &m, err)) != SVY_OK)
        return rc;
    p = m->cats;
    if (svy_mem_grow(&p, &m->cap, m->ncats + 1, sizeof(*m->cats)) < 0)
        return nomem(err);
    m->cats = p;
    c = &m->cats[m->ncats];
    memset(c, 0, sizeof(*c));
    if ((c->text = svy_mem_strdup(cat)) == NULL ||
        (c->parts = split_star(cat, &c->part, &nparts)) == NULL) {
        free(c->text);
        return nomem(err);
    }
    m->ncats++;
    c->target = v;
    c->line = line;
    if (nparts != m->nvars)
        return svy_err_set(err, SVY_EPARSE,
                           "%s:%zu: category '%s' of '%s' needs %zu part%s "
                           "joined by '*'",
                           tg->name, line, cat, var, m->nvars,
                           m->nvars == 1 ? "" : "s");
    if (v < 0)
        return svy_err_set(err, SVY_EPARSE,
                           "%s:%zu: target of '%s' = '%s' is negative '%s'",
                           tg->name, line, var, cat, tgt);
    for (k = 0; k + 1 < m->ncats; k++)
        if (same_category(m, &m->cats[k], c))
            return svy_err_set(err, SVY_EPARSE,
                               "%s:%zu: duplicate category '%s' of '%s' "
                               "(first on line %zu)",
                               tg->name, line, cat, var, m->cats[k].line);
    return SVY_OK;
}

/* The category words that make a variable a numeric auxiliary. */
static int
is_numeric_word(const char *s)
{
    return strcmp(s, "total") == 0 || strcmp(s, "mean") == 0;
}

static void note(svy_note_fn fn, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(svy_note_fn fn, void *ctx, const char *fmt, ...)
{
    char msg[600];
    va_list ap;

    if (fn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fn(ctx, msg);
}

/*
 * Decide each margin's kind and scale, and check the sums.  Shares are
 * told from counts by their sum alone: within 0.5% of 1 is shares (sums
 * like 0.998 come from rounding published percentages), targets all at
 * most 1 further off is a mistake in shares, anything else is counts.  A
 * count margin of total 1 is not a real population, so nothing useful is
 * lost by that rule.  Count margins are compared with the first one, which
 * is the total the weights will sum to; rescaling the others within 0.1%
 * keeps raking from chasing totals that cannot all hold.
 */
static svy_status
finish(svy_targets *tg, svy_note_fn fn, void *ctx, svy_err *err)
{
    const svy_margin *first_count = NULL;
    size_t i, k;

    for (i = 0; i < tg->n; i++) {
        svy_margin *m = tg->m[i];
        double sum = 0, max = 0;
        for (k = 0; k < m->ncats; k++) {
            sum += m->cats[k].target;
            if (m->cats[k].target > max)
                max = m->cats[k].target;
        }
        if (m->ncats == 1 && is_numeric_word(m->cats[0].text)) {
            if (m->nvars > 1)
                return svy_err_set(err, SVY_EPARSE,
                                   "%s:%zu: a numeric target needs one "
                                   "variable, not '%s'",
                                   tg->name, m->line, m->name);
            m->kind = strcmp(m->cats[0].text, "total") == 0 ? SVY_MARGIN_TOTAL
                                                            : SVY_MARGIN_MEAN;
            m->value = m->cats[0].target;
            continue;
        }
        for (k = 0; k < m->ncats; k++)
            if (is_numeric_word(m->cats[k].text))
                return svy_err_set(err, SVY_EPARSE,
                                   "%s:%zu: '%s' has categories, so '%s' "
                                   "cannot be a numeric target (give it "
                                   "its own variable)",
                                   tg->name, m->cats[k].line, m->name,
                                   m->cats[k].text);
        if (sum <= 0)
            return svy_err_set(err, SVY_EDATA,
                               "%s:%zu: targets of '%s' sum to 0", tg->name,
                               m->line, m->name);
        if (fabs(sum - 1) <= SHARE_SLACK) {
            if (fabs(sum - 1) > 1e-9)
                note(fn, ctx, "%s: shares of '%s' sum to %.10g; rescaled to 1",
                     tg->name, m->name, sum);
        } else if (max <= 1) {
            return svy_err_set(err, SVY_EDATA,
                               "%s:%zu: shares of '%s' sum to %.10g, not 1 "
                               "(more than 0.5%% off)",
                               tg->name, m->line, m->name, sum);
        } else {
            m->count = 1;
            if (first_count == NULL) {
                first_count = m;
                tg->total = sum;
            } else if (fabs(sum - tg->total) > COUNT_SLACK * tg->total) {
                return svy_err_set(err, SVY_EDATA,
                                   "%s:%zu: margin totals disagree: '%s' "
                                   "sums to %.10g, '%s' to %.10g (more than "
                                   "0.1%% apart)",
                                   tg->name, m->line, first_count->name,
                                   tg->total, m->name, sum);
            } else if (sum != tg->total) {
                note(fn, ctx, "%s: '%s' sums to %.10g, not %.10g; rescaled",
                     tg->name, m->name, sum, tg->total);
            }
        }
        for (k = 0; k < m->ncats; k++)
            m->cats[k].share = m->cats[k].target / sum;
    }
    return SVY_OK;
}

/*
 * The columns are found by name so that a researcher may reorder them or
 * add a 'source' column in Excel.  A table built in memory has no source
 * lines; row r is then reported as line r + 2, as if read from a file with
 * a header.
 */
svy_status
svy_targets_from_table(svy_targets **out, const svy_table *t, const char *name,
                       svy_note_fn fn, void *ctx, svy_err *err)
{
    static const char *const cols[] = {"variable", "category", "target"};
    const svy_column *c[3];
    svy_targets *tg;
    size_t i, r;
    svy_status rc = SVY_OK;

    *out = NULL;
    for (i = 0; i < 3; i++)
        if ((c[i] = svy_table_find(t, cols[i])) == NULL)
            return svy_err_set(err, SVY_EPARSE, "%s:1: no column '%s'", name,
                               cols[i]);
    for (i = 0; i < 3; i++)
        if (svy_column_type(c[i]) != SVY_TEXT)
            return svy_err_set(err, SVY_EINVAL, "%s: column '%s' is not text",
                               name, cols[i]);
    if ((tg = calloc(1, sizeof(*tg))) == NULL ||
        (tg->name = svy_mem_strdup(name)) == NULL) {
        svy_targets_free(tg);
        return nomem(err);
    }
    for (r = 0; r < svy_table_nrows(t) && rc == SVY_OK; r++) {
        size_t line = svy_table_row_line(t, r);
        rc = add_row(tg, svy_column_text(c[0], r), svy_column_text(c[1], r),
                     svy_column_text(c[2], r), line ? line : r + 2, err);
    }
    if (rc == SVY_OK && tg->n == 0)
        rc = svy_err_set(err, SVY_EDATA, "%s: no targets", name);
    if (rc == SVY_OK)
        rc = finish(tg, fn, ctx, err);
    if (rc != SVY_OK) {
        svy_targets_free(tg);
        return rc;
    }
    *out = tg;
    return SVY_OK;
}

/* Read CSV from 'in' (any delimiter, encoding and decimal comma). */
static svy_status
from_input(svy_targets **out, svy_input *in, const char *name, svy_note_fn fn,
           void *ctx, svy_err *err)
{
    svy_table *t = NULL;
    svy_status rc;

    *out = NULL;
    if ((rc = svy_csv_read(&t, in, NULL, NULL, err)) == SVY_OK)
        rc = svy_targets_from_table(out, t, name, fn, ctx, err);
    svy_table_free(t);
    return rc;
}

svy_status
svy_targets_read(svy_targets **out, const char *path, svy_note_fn fn, void *ctx,
                 svy_err *err)
{
    svy_input *in = NULL;
    svy_status rc;

    *out = NULL;
    if ((rc = svy_input_open(&in, path, err)) != SVY_OK)
        return rc;
    rc = from_input(out, in, svy_input_name(in), fn, ctx, err);
    svy_input_close(in);
    return rc;
}

svy_status
svy_targets_parse(svy_targets **out, const char *name, const char *text,
                  size_t len, svy_note_fn fn, void *ctx, svy_err *err)
{
    svy_input *in = NULL;
    svy_status rc;

    *out = NULL;
    if ((rc = svy_input_open_mem(&in, name, text, len, err)) != SVY_OK)
        return rc;
    rc = from_input(out, in, name, fn, ctx, err);
    svy_input_close(in);
    return rc;
}

const char *
svy_targets_name(const svy_targets *tg)
{
    return tg->name;
}

size_t
svy_targets_nmargins(const svy_targets *tg)
{
    return tg->n;
}

const svy_margin *
svy_targets_margin(const svy_targets *tg, size_t i)
{
    return i < tg->n ? tg->m[i] : NULL;
}

const svy_margin *
svy_targets_find(const svy_targets *tg, const char *name)
{
    size_t i;

    for (i = 0; i < tg->n; i++)
        if (strcmp(tg->m[i]->name, name) == 0)
            return tg->m[i];
    return NULL;
}

double
svy_targets_total(const svy_targets *tg)
{
    return tg->total;
}

const char *
svy_margin_name(const svy_margin *m)
{
    return m->name;
}

svy_mkind
svy_margin_kind(const svy_margin *m)
{
    return m->kind;
}

size_t
svy_margin_nvars(const svy_margin *m)
{
    return m->nvars;
}

const char *
svy_margin_var(const svy_margin *m, size_t j)
{
    return m->vars[j];
}

int
svy_margin_is_count(const svy_margin *m)
{
    return m->count;
}

size_t
svy_margin_line(const svy_margin *m)
{
    return m->line;
}

size_t
svy_margin_ncats(const svy_margin *m)
{
    return m->kind == SVY_MARGIN_CAT ? m->ncats : 0;
}

const char *
svy_margin_cat(const svy_margin *m, size_t k)
{
    return m->cats[k].text;
}

const char *
svy_margin_cat_part(const svy_margin *m, size_t k, size_t j)
{
    return m->cats[k].parts + m->cats[k].part[j];
}

size_t
svy_margin_cat_line(const svy_margin *m, size_t k)
{
    return m->cats[k].line;
}

double
svy_margin_target(const svy_margin *m, size_t k)
{
    return m->cats[k].target;
}

double
svy_margin_share(const svy_margin *m, size_t k)
{
    return m->cats[k].share;
}

double
svy_margin_value(const svy_margin *m)
{
    return m->kind == SVY_MARGIN_CAT ? NAN : m->value;
}
