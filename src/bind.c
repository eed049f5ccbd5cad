/*
 * bind.c - targets bound to a table (see bind.h).
 *
 * Everything here works on the cells, not the rows, except the passes
 * that must look at each row once (base weights, auxiliaries, the cell
 * base weights) and the messages that list rows, which scan for them only
 * on the way to an error.  A target category is matched to the data by
 * svy_cells_lookup (text, or number when both sides are numbers); failing
 * that, a value label of the codebook in any language stands for its
 * code.  A category part the data lacks resolves to -1, which no cell
 * carries, so the "no respondents" test is just a zero count.
 *
 * A cell's category in a margin is found by comparing its value tuple
 * with each category's resolved tuple: O(cells × categories) once, which
 * is small beside the pass over the rows that built the cells.
 */
#include "svy/bind.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svy/codebook.h"
#include "svy/mem.h"
#include "svy/num.h"

#define NONE UINT32_MAX   /* cell has no target in the margin */
#define MAX_LISTED 10     /* rows named in a missing-value error */
#define COUNT_SLACK 0.001 /* population vs count targets */
#define THREAD_ROWS 65536 /* rows from which base weights get a thread */

struct ctx {
    const svy_table *t;
    const svy_targets *tg;
    const svy_weight_opts *o;
    svy_err *err;
    const char *src;
    svy_bind *b;
};

static svy_status
nomem(svy_err *err)
{
    return svy_err_set(err, SVY_ENOMEM, "out of memory");
}

/* The line of row 'row' for messages (the header is line 1). */
static size_t
row_line(const struct ctx *r, size_t row)
{
    size_t line = svy_table_row_line(r->t, row);
    return line ? line : row + 2;
}

/*
 * Add 'name' to the categorical variables unless there; its index.  A
 * variable in two margins (region, and region*sex) is grouped once: the
 * cells are over distinct variables, and each margin reads its own
 * variables' value ids from the cell.
 */
static size_t
add_var(struct ctx *r, const char *name)
{
    size_t j;

    for (j = 0; j < r->b->nvars_; j++)
        if (strcmp(r->b->vars_[j], name) == 0)
            return j;
    r->b->vars_[r->b->nvars_] = name;
    return r->b->nvars_++;
}

/*
 * Find the columns, split the margins into categorical and numeric.  All
 * columns are checked before any row is read, so a misspelt variable costs
 * no pass over a large file.  'vars_' has room for every variable of every
 * margin, the most add_var can add.
 */
static svy_status
bind_columns(struct ctx *r)
{
    const char *name = r->o->name ? r->o->name : "weight";
    size_t i, j, nm = svy_targets_nmargins(r->tg), nv = 0, *var;

    for (i = 0; i < nm; i++)
        nv += svy_margin_nvars(svy_targets_margin(r->tg, i));
    r->b->vars_ = svy_mem_alloc(nv + 1, sizeof(*r->b->vars_));
    r->b->cat = svy_mem_calloc(nm + 1, sizeof(*r->b->cat));
    r->b->num = svy_mem_calloc(nm + 1, sizeof(*r->b->num));
    r->b->var_ = svy_mem_calloc(nm + 1, sizeof(*r->b->var_));
    r->b->res_ = svy_mem_calloc(nm + 1, sizeof(*r->b->res_));
    if (!r->b->vars_ || !r->b->cat || !r->b->num || !r->b->var_ || !r->b->res_)
        return nomem(r->err);
    for (i = 0; i < nm; i++) {
        const svy_margin *m = svy_targets_margin(r->tg, i);
        for (j = 0; j < svy_margin_nvars(m); j++) {
            const char *v = svy_margin_var(m, j);
            if (svy_table_find(r->t, v) == NULL)
                return svy_err_set(
                    r->err, SVY_EDATA, "%s: no column '%s' (named in %s:%zu)",
                    r->src, v, svy_targets_name(r->tg), svy_margin_line(m));
            if (strcmp(v, name) == 0)
                return svy_err_set(r->err, SVY_EINVAL,
                                   "the weight column '%s' is a weighting "
                                   "variable",
                                   name);
        }
        if (svy_margin_kind(m) != SVY_MARGIN_CAT) {
            r->b->num[r->b->nnum].margin = m;
            r->b->num[r->b->nnum++].index = i;
            continue;
        }
        r->b->cat[r->b->ncat].margin = m;
        r->b->cat[r->b->ncat].index = i;
        if ((var = svy_mem_alloc(svy_margin_nvars(m), sizeof(*var))) == NULL)
            return nomem(r->err);
        r->b->var_[r->b->ncat++] = var;
        for (j = 0; j < svy_margin_nvars(m); j++)
            var[j] = add_var(r, svy_margin_var(m, j));
    }
    if (r->o->base && svy_table_find(r->t, r->o->base) == NULL)
        return svy_err_set(r->err, SVY_EDATA, "%s: no base weight column '%s'",
                           r->src, r->o->base);
    return SVY_OK;
}

/*
 * Read cell 'row' of column 'c' as a number: 1 ok, 0 empty, -1 not one.
 * Text columns are the rule (svy_csv_read loads everything as text); a
 * numeric column comes from callers that built or typed the table.
 */
static int
cell_num(const svy_column *c, size_t row, double *v)
{
    const char *s;

    if (svy_column_type(c) == SVY_NUM) {
        *v = svy_column_num(c, row);
        return isnan(*v) ? 0 : 1;
    }
    s = svy_column_text(c, row);
    if (*s == '\0')
        return 0;
    return svy_num_parse(s, strlen(s), 0, v) ? 1 : -1;
}

/*
 * Parse the base weights; refuse missing and non-positive ones.  The whole
 * column is read before reporting, so the message can say how many rows
 * share the problem: one typo and a column of zeros need different fixes.
 */
static svy_status
read_base(struct ctx *r)
{
    const svy_column *c = r->o->base ? svy_table_find(r->t, r->o->base) : NULL;
    size_t i, bad = 0, first = 0;
    int kind = 0;

    if ((r->b->d = svy_mem_alloc(r->b->n, sizeof(*r->b->d))) == NULL)
        return nomem(r->err);
    for (i = 0; i < r->b->n; i++) {
        int k;
        if (c == NULL) {
            r->b->d[i] = 1;
            continue;
        }
        k = cell_num(c, i, &r->b->d[i]);
        if (k == 1 && r->b->d[i] > 0 && isfinite(r->b->d[i]))
            continue;
        if (bad++ == 0) {
            first = i;
            kind = k;
        }
    }
    if (bad == 0)
        return SVY_OK;
    {
        char value[SVY_NUM_BUFSZ], more[64] = "";
        const char *text = svy_column_format(c, first, value, NULL);
        if (bad > 1)
            snprintf(more, sizeof(more), " (and %zu more row%s)", bad - 1,
                     bad == 2 ? "" : "s");
        if (kind == 0)
            return svy_err_set(r->err, SVY_EDATA,
                               "%s:%zu: base weight '%s' is missing%s", r->src,
                               row_line(r, first), r->o->base, more);
        return svy_err_set(
            r->err, SVY_EDATA, "%s:%zu: base weight '%s' is %s '%.40s'%s",
            r->src, row_line(r, first), r->o->base,
            kind < 0 ? "not a number" : "not positive", text, more);
    }
}

/* read_base on a second thread, with its own error record. */
struct base_job {
    struct ctx r;
    svy_err err;
    svy_status rc;
};

static void *
base_main(void *arg)
{
    struct base_job *j = arg;

    j->rc = read_base(&j->r);
    return NULL;
}

/*
 * Parse the base weights and group the rows into cells.  The two passes
 * over the rows are independent (each reads its own columns and fills its
 * own part of the binding), so on a large table they run side by side on
 * two threads.  A base weight error is reported first either way, as in
 * the order of bind.h.
 */
static svy_status
base_and_cells(struct ctx *r)
{
    struct base_job j;
    pthread_t tid;
    svy_status rc;

    memset(&j, 0, sizeof(j));
    j.r = *r;
    j.r.err = &j.err;
    if (r->b->n < THREAD_ROWS ||
        pthread_create(&tid, NULL, base_main, &j) != 0) {
        if ((rc = read_base(r)) != SVY_OK)
            return rc;
        return svy_cells_build(&r->b->cells, r->t, r->b->vars_, r->b->nvars_,
                               r->err);
    }
    rc = svy_cells_build(&r->b->cells, r->t, r->b->vars_, r->b->nvars_, r->err);
    pthread_join(tid, NULL);
    if (j.rc != SVY_OK) {
        if (r->err)
            *r->err = j.err;
        return j.rc;
    }
    return rc;
}

/*
 * "id 17, 23, 40" naming up to MAX_LISTED rows for which 'pick' holds,
 * then " and N more" when 'total' is larger.  Rows are named by the id
 * column (the survey's, else the first column, which in fieldwork exports
 * is nearly always the respondent id), or by their line when the id is
 * empty.  Only called on the way to an error.
 */
static void
list_rows(const struct ctx *r, int (*pick)(const struct ctx *, size_t, void *),
          void *ctx, size_t total, char *out, size_t cap)
{
    const svy_column *id = r->o->id ? svy_table_find(r->t, r->o->id) : NULL;
    size_t i, k = 0, len;

    if (id == NULL)
        id = svy_table_col(r->t, 0);
    len = (size_t)snprintf(out, cap, "%s ", svy_column_name(id));
    for (i = 0; i < r->b->n && k < MAX_LISTED && len < cap; i++) {
        char buf[SVY_NUM_BUFSZ];
        const char *s;
        if (!pick(r, i, ctx))
            continue;
        s = svy_column_format(id, i, buf, NULL);
        if (*s)
            len += (size_t)snprintf(out + len, cap - len, "%s%.40s",
                                    k ? ", " : "", s);
        else
            len += (size_t)snprintf(out + len, cap - len, "%sline %zu",
                                    k ? ", " : "", row_line(r, i));
        k++;
    }
    if (total > k && len < cap)
        snprintf(out + len, cap - len, " and %zu more", total - k);
}

/*
 * Resolve the category parts of every margin to value ids.  A data value
 * wins over a label: if the data holds the text "Osh" it is that value, and
 * only when no value matches does a label of the codebook stand for its
 * code.  A value named by the targets is no longer missing, so a survey
 * may weight to a "refused" category if it has a target for it.  Two
 * categories resolving to the same value are refused: they would split one
 * group of respondents between two targets.
 */
static svy_status
resolve(struct ctx *r)
{
    const svy_codebook *cb = r->o->codebook;
    size_t i, k, j, q;

    for (i = 0; i < r->b->ncat; i++) {
        svy_bound_cat *b = &r->b->cat[i];
        size_t nc = svy_margin_ncats(b->margin), *var = r->b->var_[i];
        size_t nv = svy_margin_nvars(b->margin);
        long *res = svy_mem_alloc(nc * nv, sizeof(*res));
        if ((r->b->res_[i] = res) == NULL)
            return nomem(r->err);
        for (k = 0; k < nc; k++)
            for (j = 0; j < nv; j++) {
                const char *part = svy_margin_cat_part(b->margin, k, j);
                size_t v = var[j];
                const svy_var *cv =
                    cb ? svy_codebook_find(cb, r->b->vars_[v]) : NULL;
                long id = svy_cells_lookup(r->b->cells, v, part);
                /* A value label may stand for its code. */
                for (q = 0; id < 0 && cv && q < svy_var_nvalues(cv); q++) {
                    const char *code = svy_var_value_code(cv, q);
                    svy_lang l;
                    for (l = SVY_LANG_EN; l < SVY_NLANG; l++) {
                        const char *lab =
                            svy_var_value_label(cv, code, l, NULL);
                        if (lab && strcmp(lab, part) == 0) {
                            id = svy_cells_lookup(r->b->cells, v, code);
                            break;
                        }
                    }
                }
                res[k * nv + j] = id;
                if (id >= 0) /* named by the targets: not missing */
                    r->b->vmiss_[v][id] = 0;
            }
        for (k = 0; k < nc; k++)
            for (q = 0; q < k; q++) {
                for (j = 0; j < nv; j++)
                    if (res[k * nv + j] < 0 ||
                        res[k * nv + j] != res[q * nv + j])
                        break;
                if (j == nv)
                    return svy_err_set(
                        r->err, SVY_EDATA,
                        "%s:%zu: categories '%s' and '%s' of '%s' are the "
                        "same value",
                        svy_targets_name(r->tg),
                        svy_margin_cat_line(b->margin, k),
                        svy_margin_cat(b->margin, q),
                        svy_margin_cat(b->margin, k),
                        svy_margin_name(b->margin));
            }
    }
    return SVY_OK;
}

/*
 * Which values of each variable count as missing: the empty value, and
 * with a codebook its user-missing codes.  Runs before resolve(), which
 * clears the mark of any value the targets name.
 */
static svy_status
mark_missing(struct ctx *r)
{
    const svy_codebook *cb = r->o->codebook;
    size_t j, v;

    if ((r->b->vmiss_ =
             svy_mem_calloc(r->b->nvars_ + 1, sizeof(*r->b->vmiss_))) == NULL)
        return nomem(r->err);
    for (j = 0; j < r->b->nvars_; j++) {
        size_t nv = svy_cells_nvalues(r->b->cells, j);
        const svy_var *cv = cb ? svy_codebook_find(cb, r->b->vars_[j]) : NULL;
        if ((r->b->vmiss_[j] = svy_mem_calloc(nv + 1, 1)) == NULL)
            return nomem(r->err);
        for (v = 0; v < nv; v++) {
            const char *s = svy_cells_value(r->b->cells, j, v);
            r->b->vmiss_[j][v] =
                *s == '\0' || (cv && svy_var_is_missing_code(cv, s));
        }
    }
    return SVY_OK;
}

struct pick_var {
    size_t var;
    const unsigned char *cellmiss;
};

static int
pick_missing(const struct ctx *r, size_t row, void *ctx)
{
    const struct pick_var *p = ctx;
    return p->cellmiss[r->b->row_cell[row]];
}

/*
 * Refuse rows whose weighting variables are missing, unless the caller
 * asked for a missing category.  Counted per variable over the cells (a
 * cell has one value per variable), so the rows are scanned only to list
 * them.
 */
static svy_status
check_missing(struct ctx *r)
{
    unsigned char *cm = svy_mem_calloc(r->b->ncells + 1, 1);
    size_t j, c, count;
    svy_status rc = SVY_OK;

    if (cm == NULL)
        return nomem(r->err);
    for (j = 0; j < r->b->nvars_ && rc == SVY_OK; j++) {
        struct pick_var p = {j, cm};
        char rows[400];
        count = 0;
        for (c = 0; c < r->b->ncells; c++) {
            cm[c] = r->b->vmiss_[j][svy_cells_value_id(r->b->cells, c, j)];
            count += cm[c] ? svy_cells_size(r->b->cells, c) : 0;
        }
        if (count == 0 || r->o->missing == SVY_WMISS_CATEGORY)
            continue;
        list_rows(r, pick_missing, &p, count, rows, sizeof(rows));
        rc = svy_err_set(r->err, SVY_EDATA,
                         "%s: weighting variable '%s' is missing in %zu "
                         "row%s (%s); --missing category gives them a "
                         "category of their own",
                         r->src, r->b->vars_[j], count, count == 1 ? "" : "s",
                         rows);
    }
    free(cm);
    return rc;
}

/* The category of 'cell' in margin 'i': index, or NONE. */
static uint32_t
cell_category(const struct ctx *r, size_t i, size_t cell, int *missing)
{
    const svy_bound_cat *b = &r->b->cat[i];
    const size_t *var = r->b->var_[i];
    const long *res = r->b->res_[i];
    size_t nv = svy_margin_nvars(b->margin), nc = svy_margin_ncats(b->margin),
           j, k;

    *missing = 0;
    for (j = 0; j < nv; j++)
        if (r->b->vmiss_[var[j]][svy_cells_value_id(r->b->cells, cell, var[j])])
            *missing = 1;
    if (*missing)
        return NONE;
    for (k = 0; k < nc; k++) {
        for (j = 0; j < nv; j++)
            if (res[k * nv + j] !=
                (long)svy_cells_value_id(r->b->cells, cell, var[j]))
                break;
        if (j == nv)
            return (uint32_t)k;
    }
    return NONE;
}

/* The value tuple of 'cell' in margin 'i', "a*b", into 'out'. */
static void
cell_values(const struct ctx *r, size_t i, size_t cell, char *out, size_t cap)
{
    const svy_bound_cat *b = &r->b->cat[i];
    const size_t *var = r->b->var_[i];
    size_t j, len = 0, nv = svy_margin_nvars(b->margin);

    out[0] = '\0';
    for (j = 0; j < nv && len < cap; j++)
        len += (size_t)snprintf(
            out + len, cap - len, "%s%s", j ? "*" : "",
            svy_cells_value(r->b->cells, var[j],
                            svy_cells_value_id(r->b->cells, cell, var[j])));
}

/*
 * Give every cell its category in every margin; refuse what has none.  A
 * cell with a missing value goes to the margin's extra "missing" category
 * (check_missing has already refused it unless that was asked for).  A
 * value with no target is reported with the number of rows that hold it,
 * across all cells, and the line of the first.  Then every category with a
 * positive target must have rows; one with target 0 may be empty.
 */
static svy_status
bind_cells(struct ctx *r)
{
    size_t i, c, k;

    for (i = 0; i < r->b->ncat; i++) {
        svy_bound_cat *b = &r->b->cat[i];
        size_t nc = svy_margin_ncats(b->margin);
        size_t *rows = svy_mem_calloc(nc + 1, sizeof(*rows));
        if (rows == NULL || (b->cell_cat = svy_mem_alloc(
                                 r->b->ncells + 1, sizeof(uint32_t))) == NULL) {
            free(rows);
            return nomem(r->err);
        }
        b->ncats = nc;
        for (c = 0; c < r->b->ncells; c++) {
            int miss;
            uint32_t cat = cell_category(r, i, c, &miss);
            if (miss) {
                b->has_missing = 1;
                b->ncats = nc + 1;
                cat = (uint32_t)nc;
            } else if (cat == NONE) {
                char val[256], other[256];
                size_t count = 0, first = SIZE_MAX, q, row;
                cell_values(r, i, c, val, sizeof(val));
                for (q = 0; q < r->b->ncells; q++) {
                    cell_values(r, i, q, other, sizeof(other));
                    if (strcmp(val, other) == 0)
                        count += svy_cells_size(r->b->cells, q);
                }
                for (row = 0; row < r->b->n && first == SIZE_MAX; row++)
                    if (r->b->row_cell[row] == c)
                        first = row;
                free(rows);
                return svy_err_set(
                    r->err, SVY_EDATA,
                    "%s:%zu: '%s' = '%s' has no target in %s (%zu row%s); "
                    "add a target or recode the value",
                    r->src, row_line(r, first), svy_margin_name(b->margin), val,
                    svy_targets_name(r->tg), count, count == 1 ? "" : "s");
            }
            b->cell_cat[c] = cat;
            rows[cat] += svy_cells_size(r->b->cells, c);
        }
        for (k = 0; k < nc; k++)
            if (rows[k] == 0 && svy_margin_target(b->margin, k) > 0) {
                svy_status rc = svy_err_set(
                    r->err, SVY_EDATA,
                    "%s:%zu: no respondents in category '%s' of '%s' "
                    "(target %.10g); collapse it into a neighbouring "
                    "category",
                    svy_targets_name(r->tg), svy_margin_cat_line(b->margin, k),
                    svy_margin_cat(b->margin, k), svy_margin_name(b->margin),
                    svy_margin_target(b->margin, k));
                free(rows);
                return rc;
            }
        free(rows);
    }
    return SVY_OK;
}

struct pick_num {
    const svy_column *c;
    int want; /* 0 empty, -1 not a number */
};

static int
pick_num(const struct ctx *r, size_t row, void *ctx)
{
    const struct pick_num *p = ctx;
    double v;
    (void)r;
    return cell_num(p->c, row, &v) == p->want;
}

/*
 * Parse the numeric auxiliaries; refuse missing values and non-numbers.  A
 * missing auxiliary has no category to go to, so --missing category does
 * not apply: the rows must be dropped or imputed first.
 */
static svy_status
read_numeric(struct ctx *r)
{
    size_t i, row;

    for (i = 0; i < r->b->nnum; i++) {
        svy_bound_num *b = &r->b->num[i];
        const svy_column *c =
            svy_table_find(r->t, svy_margin_var(b->margin, 0));
        size_t empty = 0;
        if ((b->x = svy_mem_alloc(r->b->n, sizeof(*b->x))) == NULL)
            return nomem(r->err);
        for (row = 0; row < r->b->n; row++) {
            int k = cell_num(c, row, &b->x[row]);
            if (k < 0)
                return svy_err_set(r->err, SVY_EDATA,
                                   "%s:%zu: auxiliary '%s' is not a number "
                                   "'%.40s'",
                                   r->src, row_line(r, row), svy_column_name(c),
                                   svy_column_text(c, row));
            empty += k == 0;
        }
        if (empty > 0) {
            struct pick_num p = {c, 0};
            char rows[400];
            list_rows(r, pick_num, &p, empty, rows, sizeof(rows));
            return svy_err_set(r->err, SVY_EDATA,
                               "%s: auxiliary '%s' is missing in %zu row%s "
                               "(%s)",
                               r->src, svy_column_name(c), empty,
                               empty == 1 ? "" : "s", rows);
        }
    }
    return SVY_OK;
}

/*
 * The population total and every target as a total.  With a missing
 * category, the missing rows keep their base-weighted share p of the
 * sample, and the margin's other targets shrink by (1 - p): the known
 * distribution is applied to the respondents it describes.
 */
static svy_status
set_targets(struct ctx *r)
{
    double ct = svy_targets_total(r->tg), dsum = 0;
    size_t i, k, c, row;

    if (ct > 0) {
        if (r->o->population > 0 &&
            fabs(r->o->population - ct) > COUNT_SLACK * ct)
            return svy_err_set(r->err, SVY_EDATA,
                               "population %.10g disagrees with the total "
                               "%.10g of the counts in %s",
                               r->o->population, ct, svy_targets_name(r->tg));
        r->b->population = ct;
    } else {
        r->b->population =
            r->o->population > 0 ? r->o->population : (double)r->b->n;
    }
    if ((r->b->cell_base = svy_mem_calloc(r->b->ncells + 1,
                                          sizeof(*r->b->cell_base))) == NULL)
        return nomem(r->err);
    for (row = 0; row < r->b->n; row++) {
        r->b->cell_base[r->b->row_cell[row]] += r->b->d[row];
        dsum += r->b->d[row];
    }
    r->b->base_total = dsum;
    for (i = 0; i < r->b->ncat; i++) {
        svy_bound_cat *b = &r->b->cat[i];
        size_t nc = svy_margin_ncats(b->margin);
        double miss = 0;
        if ((b->target = svy_mem_alloc(b->ncats, sizeof(double))) == NULL)
            return nomem(r->err);
        if (b->has_missing)
            for (c = 0; c < r->b->ncells; c++)
                if (b->cell_cat[c] == nc)
                    miss += r->b->cell_base[c];
        miss /= dsum;
        for (k = 0; k < nc; k++)
            b->target[k] =
                svy_margin_share(b->margin, k) * (1 - miss) * r->b->population;
        if (b->has_missing)
            b->target[nc] = miss * r->b->population;
    }
    for (i = 0; i < r->b->nnum; i++) {
        const svy_margin *m = r->b->num[i].margin;
        r->b->num[i].target =
            svy_margin_value(m) *
            (svy_margin_kind(m) == SVY_MARGIN_MEAN ? r->b->population : 1);
    }
    return SVY_OK;
}

/*
 * The order of the steps is the order of the refusals in bind.h; each
 * step relies on the ones before it (resolve() on the cells, bind_cells()
 * on the resolved categories and the missing marks).
 */
svy_status
svy_bind_new(svy_bind **out, const svy_table *t, const svy_targets *tg,
             const svy_weight_opts *o, svy_err *err)
{
    struct ctx r;
    svy_status rc;

    *out = NULL;
    memset(&r, 0, sizeof(r));
    r.t = t;
    r.tg = tg;
    r.o = o;
    r.err = err;
    r.src = o->source ? o->source : "<data>";
    if ((r.b = calloc(1, sizeof(*r.b))) == NULL)
        return nomem(err);
    r.b->n = svy_table_nrows(t);
    if ((rc = bind_columns(&r)) || (rc = base_and_cells(&r)))
        goto out;
    r.b->row_cell = svy_cells_rows(r.b->cells);
    r.b->ncells = svy_cells_count(r.b->cells);
    if ((rc = mark_missing(&r)) || (rc = resolve(&r)) ||
        (rc = check_missing(&r)) || (rc = bind_cells(&r)) ||
        (rc = read_numeric(&r)) || (rc = set_targets(&r)))
        goto out;
    *out = r.b;
    r.b = NULL;
out:
    svy_bind_free(r.b);
    return rc;
}

void
svy_bind_free(svy_bind *b)
{
    size_t i;

    if (b == NULL)
        return;
    for (i = 0; i < b->ncat; i++) {
        free(b->cat[i].cell_cat);
        free(b->cat[i].target);
        free(b->var_[i]);
        free(b->res_[i]);
    }
    for (i = 0; i < b->nnum; i++)
        free(b->num[i].x);
    for (i = 0; b->vmiss_ && i < b->nvars_; i++)
        free(b->vmiss_[i]);
    free(b->vmiss_);
    free(b->var_);
    free(b->res_);
    free(b->cat);
    free(b->num);
    free(b->vars_);
    free(b->d);
    free(b->cell_base);
    svy_cells_free(b->cells);
    free(b);
}
