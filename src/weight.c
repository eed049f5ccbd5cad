/*
 * weight.c - bind targets to a table, check, solve, trim, write back and
 * describe the result (see weight.h).
 *
 * Data flow.  The categorical variables of all margins are grouped into
 * cells once (cells.h: one hash lookup per variable per row).  Every
 * target category is resolved to a value id of each of its variables
 * (directly, or through a value label of the codebook), and every cell is
 * given its category in every margin, or "missing", or "no target".  All
 * the refusals of the issue are decided on these small tables: only the
 * messages that list rows go back to the rows.  The solver (calibrate.h)
 * then runs on "units": the cells themselves when all margins are
 * categorical, so raking a million rows costs a few hundred cells per
 * sweep; or the rows when a numeric auxiliary makes every row different.
 * A row's weight is its base weight times its unit's factor, which is what
 * honours base weights within cells.
 *
 * Trimming keeps a per-row state (free, capped, floored).  Fixed rows leave
 * the units' base weights and their weights are taken off the targets
 * before the next solve, so capped rows end exactly at the cap and the
 * margins still hold exactly.
 *
 * Writing: the weights become a text column in svy_num_format's shortest
 * round-trip form.  Raked weights without base weights take few distinct
 * values (one per cell), so a small direct-mapped cache of formatted
 * values makes that column nearly free to write.  With base weights nearly
 * every weight differs; svy-weight then asks for a numeric column
 * (opts->numeric_column), which the records writer formats on two threads
 * as it writes (csv.h), into the same bytes.
 */
#include "svy/weight.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svy/bind.h"
#include "svy/buf.h"
#include "svy/calibrate.h"
#include "svy/cells.h"
#include "svy/mem.h"
#include "svy/num.h"

#define MISSING_CAT "(missing)" /* name of the missing category */

enum { FREE = 0, CAPPED, FLOORED };

struct rline {
    size_t cat; /* offset of the category text in 'text' */
    svy_weight_line l;
};

struct rmargin {
    size_t name;
    svy_mkind kind;
    size_t first, nlines;
};

struct svy_weight_result {
    svy_weight_summary s;
    double *w;
    svy_buf text;
    struct rmargin *m;
    size_t nm;
    struct rline *lines;
    size_t nlines;
    size_t weight_name, base_name; /* offsets in 'text'; base: SIZE_MAX */
};

struct run {
    svy_table *t;
    const svy_targets *tg;
    const svy_weight_opts *o;
    svy_err *err;
    const char *src;
    size_t n;
    svy_bind *b;
    unsigned char *state; /* per row: FREE, CAPPED, FLOORED */
    double cap, floor_at; /* absolute */
    double *w;
    svy_weight_result *res;
};

static svy_status
nomem(svy_err *err)
{
    return svy_err_set(err, SVY_ENOMEM, "out of memory");
}

static void note(const struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(const struct run *r, const char *fmt, ...)
{
    char msg[600];
    va_list ap;

    if (r->o->note == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    r->o->note(r->o->note_ctx, msg);
}

const char *
svy_weight_method_name(svy_weight_method m)
{
    switch (m) {
    case SVY_WEIGHT_RAKE: return "rake";
    case SVY_WEIGHT_POSTSTRAT: return "poststrat";
    case SVY_WEIGHT_LINEAR: return "linear";
    case SVY_WEIGHT_LOGIT: return "logit";
    }
    return "?";
}

int
svy_weight_method_parse(const char *s, svy_weight_method *out)
{
    svy_weight_method m;

    for (m = SVY_WEIGHT_RAKE; m <= SVY_WEIGHT_LOGIT; m++)
        if (strcmp(s, svy_weight_method_name(m)) == 0) {
            *out = m;
            return 0;
        }
    return -1;
}

int
svy_weight_missing_parse(const char *s, svy_weight_missing *out)
{
    if (strcmp(s, "error") == 0)
        *out = SVY_WMISS_ERROR;
    else if (strcmp(s, "category") == 0)
        *out = SVY_WMISS_CATEGORY;
    else
        return -1;
    return 0;
}

/*
 * Two passes for the standard deviation (sum of squared deviations from
 * the mean), not Σw² - n·mean², which cancels badly when the weights are
 * nearly equal.
 */
void
svy_weight_stats_compute(const double *w, size_t n, svy_weight_stats *s)
{
    double ss = 0;
    size_t i;

    memset(s, 0, sizeof(*s));
    s->n = n;
    if (n == 0)
        return;
    s->min = s->max = w[0];
    /* Comparisons, not fmin/fmax calls, with fmin's and fmax's answers:
     * a NaN weight is passed over, a NaN so far is replaced. */
    for (i = 0; i < n; i++) {
        s->sum += w[i];
        s->sum2 += w[i] * w[i];
        if (w[i] < s->min || isnan(s->min))
            s->min = w[i];
        if (w[i] > s->max || isnan(s->max))
            s->max = w[i];
    }
    s->mean = s->sum / (double)n;
    for (i = 0; i < n; i++)
        ss += (w[i] - s->mean) * (w[i] - s->mean);
    s->cv = sqrt(ss / (double)n) / s->mean;
    s->deff = (double)n * s->sum2 / (s->sum * s->sum);
    s->ess = s->sum * s->sum / s->sum2;
    s->efficiency = s->ess / (double)n;
}

/*
 * Check the options and the targets against the method, before any row is
 * read.  Contradictory options are SVY_EINVAL (a usage error); a targets
 * file that does not fit the method is SVY_EDATA.
 */
static svy_status
check_setup(struct run *r)
{
    const svy_weight_opts *o = r->o;
    size_t i, ncat = 0, nnum = 0;

    for (i = 0; i < svy_targets_nmargins(r->tg); i++) {
        if (svy_margin_kind(svy_targets_margin(r->tg, i)) == SVY_MARGIN_CAT)
            ncat++;
        else
            nnum++;
    }
    if (o->method == SVY_WEIGHT_POSTSTRAT && (ncat != 1 || nnum != 0))
        return svy_err_set(r->err, SVY_EDATA,
                           "%s: post-stratification takes one categorical "
                           "margin (join variables as 'a*b'), not %zu",
                           svy_targets_name(r->tg), ncat + nnum);
    if ((o->lower != 0 || o->upper != 0) && o->method != SVY_WEIGHT_LINEAR &&
        o->method != SVY_WEIGHT_LOGIT)
        return svy_err_set(r->err, SVY_EINVAL,
                           "bounds apply to linear and logit calibration; "
                           "trim raked weights with a cap and a floor");
    if (o->method == SVY_WEIGHT_LOGIT && o->lower == 0 && o->upper == 0)
        return svy_err_set(r->err, SVY_EINVAL,
                           "logit calibration needs bounds L,U with "
                           "L < 1 < U");
    if ((o->lower != 0 || o->upper != 0) &&
        !(o->lower >= 0 && o->lower < 1 && o->upper > 1 && isfinite(o->upper)))
        return svy_err_set(r->err, SVY_EINVAL,
                           "bounds %g,%g: need 0 <= L < 1 < U", o->lower,
                           o->upper);
    if (o->cap != 0 && !(o->cap > 1))
        return svy_err_set(r->err, SVY_EINVAL,
                           "cap %g: must be above 1 (a multiple of the mean "
                           "weight)",
                           o->cap);
    if (o->floor_at != 0 && !(o->floor_at > 0 && o->floor_at < 1))
        return svy_err_set(r->err, SVY_EINVAL,
                           "floor %g: must be between 0 and 1 (a multiple of "
                           "the mean weight)",
                           o->floor_at);
    if (o->tolerance != 0 && !(o->tolerance > 0 && o->tolerance < 1))
        return svy_err_set(r->err, SVY_EINVAL,
                           "tolerance %g: must be between 0 and 1",
                           o->tolerance);
    if (o->population != 0 && !(o->population > 0 && isfinite(o->population)))
        return svy_err_set(r->err, SVY_EINVAL,
                           "population %g: must be positive", o->population);
    if (r->n == 0)
        return svy_err_set(r->err, SVY_EDATA, "%s: no rows to weight", r->src);
    return SVY_OK;
}

/*
 * Which solver the method and targets call for.  Raking without
 * auxiliaries is IPF (fast, on cells); with them it needs Newton with the
 * raking distance, whose solution on categorical margins is the same.
 */
static int
use_ipf(const struct run *r)
{
    return r->o->method == SVY_WEIGHT_POSTSTRAT ||
           (r->o->method == SVY_WEIGHT_RAKE && r->b->nnum == 0);
}

/*
 * Buffers of one solve, reused across trimming rounds.  'tgt' holds the
 * targets less the trimmed rows' weights, so it is rebuilt every round;
 * 'tgtc' is the same arrays typed as the solver wants them.
 */
struct solve {
    size_t nunits;
    double *ud, *g;
    double **tgt, *numt;
    const double **tgtc;
    const uint32_t **cat;
    size_t *ncats;
    const double **x;
};

static svy_status
solve_init(struct run *r, struct solve *s)
{
    size_t i;

    memset(s, 0, sizeof(*s));
    s->nunits = r->b->nnum > 0 ? r->n : r->b->ncells;
    s->ud = svy_mem_alloc(s->nunits + 1, sizeof(double));
    s->g = svy_mem_alloc(s->nunits + 1, sizeof(double));
    s->tgt = svy_mem_calloc(r->b->ncat + 1, sizeof(*s->tgt));
    s->tgtc = svy_mem_calloc(r->b->ncat + 1, sizeof(*s->tgtc));
    s->cat = svy_mem_calloc(r->b->ncat + 1, sizeof(*s->cat));
    s->ncats = svy_mem_calloc(r->b->ncat + 1, sizeof(*s->ncats));
    s->numt = svy_mem_calloc(r->b->nnum + 1, sizeof(double));
    s->x = svy_mem_calloc(r->b->nnum + 1, sizeof(*s->x));
    if (!s->ud || !s->g || !s->tgt || !s->tgtc || !s->cat || !s->ncats ||
        !s->numt || !s->x)
        return nomem(r->err);
    for (i = 0; i < r->b->ncat; i++) {
        if ((s->tgt[i] = svy_mem_alloc(r->b->cat[i].ncats, sizeof(double))) ==
            NULL)
            return nomem(r->err);
        s->tgtc[i] = s->tgt[i];
        s->cat[i] = r->b->cat[i].cell_cat;
        s->ncats[i] = r->b->cat[i].ncats;
    }
    for (i = 0; i < r->b->nnum; i++)
        s->x[i] = r->b->num[i].x;
    return SVY_OK;
}

static void
solve_release(struct run *r, struct solve *s)
{
    size_t i;

    for (i = 0; s->tgt && i < r->b->ncat; i++)
        free(s->tgt[i]);
    free(s->tgt);
    free(s->tgtc);
    free(s->cat);
    free(s->ncats);
    free(s->numt);
    free(s->x);
    free(s->ud);
    free(s->g);
}

/* The fixed weight of a trimmed row. */
static double
fixed_weight(const struct run *r, size_t row)
{
    return r->state[row] == CAPPED ? r->cap : r->floor_at;
}

/*
 * One solve for the free rows: base weights of the units, targets less
 * the fixed rows' weights, then IPF or Newton.  The weights of all rows
 * go to r->w, whatever the outcome.
 */
static svy_status
solve_once(struct run *r, struct solve *s, svy_calib_info *info)
{
    svy_calib p;
    size_t i, k, row;
    double total = r->b->population;
    svy_status rc;
    int rows = r->b->nnum > 0;

    memset(s->ud, 0, s->nunits * sizeof(double));
    for (i = 0; i < r->b->ncat; i++)
        for (k = 0; k < r->b->cat[i].ncats; k++)
            s->tgt[i][k] = r->b->cat[i].target[k];
    for (i = 0; i < r->b->nnum; i++)
        s->numt[i] = r->b->num[i].target;
    for (row = 0; row < r->n; row++) {
        uint32_t c = r->b->row_cell[row];
        double fw;
        if (r->state == NULL || r->state[row] == FREE) {
            s->ud[rows ? row : c] += r->b->d[row];
            continue;
        }
        fw = fixed_weight(r, row);
        total -= fw;
        for (i = 0; i < r->b->ncat; i++)
            s->tgt[i][r->b->cat[i].cell_cat[c]] -= fw;
        for (i = 0; i < r->b->nnum; i++)
            s->numt[i] -= fw * r->b->num[i].x[row];
    }
    memset(&p, 0, sizeof(p));
    p.nunits = s->nunits;
    p.d = s->ud;
    p.cell = rows ? r->b->row_cell : NULL;
    p.nmargins = r->b->ncat;
    p.cat = s->cat;
    p.ncats = s->ncats;
    p.target = s->tgtc;
    p.nnum = r->b->nnum;
    p.x = s->x;
    p.num_target = s->numt;
    p.total = total;
    p.tolerance = r->o->tolerance;
    p.max_iter = r->o->max_iter;
    if (use_ipf(r)) {
        rc = svy_calib_ipf(&p, s->g, info, r->err);
    } else {
        p.calfun = r->o->method == SVY_WEIGHT_LINEAR  ? SVY_CAL_LINEAR
                   : r->o->method == SVY_WEIGHT_LOGIT ? SVY_CAL_LOGIT
                                                      : SVY_CAL_RAKING;
        p.lower = r->o->lower;
        p.upper = r->o->upper;
        rc = svy_calib_newton(&p, s->g, info, r->err);
    }
    for (row = 0; row < r->n; row++) {
        if (r->state && r->state[row] != FREE)
            r->w[row] = fixed_weight(r, row);
        else
            r->w[row] = r->b->d[row] * s->g[rows ? row : r->b->row_cell[row]];
    }
    return rc;
}

/*
 * Solve, then trim and solve again until no free row breaks a bound.  A
 * bound is broken only beyond the tolerance, so a row the solver put
 * exactly at the cap is not fixed for nothing.  Rows once fixed stay
 * fixed: the rounds cannot cycle, and there are at most as many rounds as
 * rows (and at most max_iter).
 */
static svy_status
solve_all(struct run *r, svy_calib_info *info)
{
    struct solve s;
    double tol = r->o->tolerance > 0 ? r->o->tolerance : 1e-10;
    size_t maxit = r->o->max_iter ? r->o->max_iter : 1000, row;
    svy_weight_summary *sum = &r->res->s;
    svy_status rc;

    r->cap = r->o->cap * (r->b->population / (double)r->n);
    r->floor_at = r->o->floor_at * (r->b->population / (double)r->n);
    if ((r->w = svy_mem_alloc(r->n, sizeof(double))) == NULL)
        return nomem(r->err);
    if ((r->cap > 0 || r->floor_at > 0) &&
        (r->state = svy_mem_calloc(r->n, 1)) == NULL)
        return nomem(r->err);
    if ((rc = solve_init(r, &s)) != SVY_OK)
        goto out;
    for (;;) {
        size_t fixed = 0;
        rc = solve_once(r, &s, info);
        sum->iterations += info->iterations;
        sum->rounds++;
        if (rc != SVY_OK || r->state == NULL)
            break;
        for (row = 0; row < r->n; row++) {
            if (r->state[row] != FREE)
                continue;
            if (r->cap > 0 && r->w[row] > r->cap * (1 + tol))
                r->state[row] = CAPPED;
            else if (r->floor_at > 0 && r->w[row] < r->floor_at * (1 - tol))
                r->state[row] = FLOORED;
            else
                continue;
            r->w[row] = fixed_weight(r, row);
            fixed++;
        }
        if (fixed == 0)
            break;
        if (sum->rounds > maxit) {
            rc = svy_err_set(r->err, SVY_ENOCONV,
                             "trimming did not settle in %zu rounds",
                             sum->rounds);
            break;
        }
    }
    info->converged = rc == SVY_OK;
    for (row = 0; r->state && row < r->n; row++) {
        sum->capped += r->state[row] == CAPPED;
        sum->floored += r->state[row] == FLOORED;
    }
out:
    solve_release(r, &s);
    return rc;
}

/*
 * Append a NUL-terminated copy of 's' to the result's text; its offset.
 * Offsets, because the buffer moves as it grows: fix_pointers turns them
 * into the pointers the accessors hand out once the text is complete.
 */
static size_t
keep(svy_weight_result *res, const char *s, int *failed)
{
    size_t off = res->text.len;

    if (svy_buf_append(&res->text, s, strlen(s) + 1) != SVY_OK)
        *failed = 1;
    return off;
}

/*
 * Fill the per-margin lines of the result from the final weights: one pass
 * over the rows to sum the weights per cell, then every category from its
 * cells.  Shares of the sample use the base weights of all rows, shares of
 * the result the final weights, trimmed ones included.
 */
static svy_status
describe(struct run *r)
{
    svy_weight_result *res = r->res;
    size_t nm = svy_targets_nmargins(r->tg), nl = 0, i, k, c, row;
    double *cw = svy_mem_calloc(r->b->ncells + 1, sizeof(double));
    double W = 0, D = 0;
    int failed = 0;

    res->m = svy_mem_calloc(nm + 1, sizeof(*res->m));
    for (i = 0; i < r->b->ncat; i++)
        nl += r->b->cat[i].ncats;
    res->lines = svy_mem_calloc(nl + r->b->nnum + 1, sizeof(*res->lines));
    if (cw == NULL || res->m == NULL || res->lines == NULL) {
        free(cw);
        return nomem(r->err);
    }
    for (row = 0; row < r->n; row++) {
        cw[r->b->row_cell[row]] += r->w[row];
        W += r->w[row];
        D += r->b->d[row];
    }
    res->nm = nm;
    for (i = 0; i < r->b->ncat; i++) {
        const svy_bound_cat *b = &r->b->cat[i];
        struct rmargin *m = &res->m[b->index];
        m->name = keep(res, svy_margin_name(b->margin), &failed);
        m->kind = SVY_MARGIN_CAT;
        m->first = res->nlines;
        m->nlines = b->ncats;
        for (k = 0; k < b->ncats; k++) {
            struct rline *l = &res->lines[res->nlines + k];
            int miss = b->has_missing && k + 1 == b->ncats;
            l->cat =
                keep(res, miss ? MISSING_CAT : svy_margin_cat(b->margin, k),
                     &failed);
            l->l.target_total = b->target[k];
            l->l.target = b->target[k] / r->b->population;
        }
        for (c = 0; c < r->b->ncells; c++) {
            svy_weight_line *l = &res->lines[res->nlines + b->cell_cat[c]].l;
            l->n += svy_cells_size(r->b->cells, c);
            l->base_weighted += r->b->cell_base[c];
            l->achieved_total += cw[c];
        }
        for (k = 0; k < b->ncats; k++) {
            svy_weight_line *l = &res->lines[res->nlines + k].l;
            l->unweighted = (double)l->n / (double)r->n;
            l->base_weighted /= D;
            l->achieved = l->achieved_total / W;
        }
        res->nlines += b->ncats;
    }
    for (i = 0; i < r->b->nnum; i++) {
        const svy_bound_num *b = &r->b->num[i];
        struct rmargin *m = &res->m[b->index];
        svy_weight_line *l = &res->lines[res->nlines].l;
        double sx = 0, sdx = 0;
        m->name = keep(res, svy_margin_name(b->margin), &failed);
        m->kind = svy_margin_kind(b->margin);
        m->first = res->nlines;
        m->nlines = 1;
        res->lines[res->nlines++].cat =
            keep(res, m->kind == SVY_MARGIN_MEAN ? "mean" : "total", &failed);
        for (row = 0; row < r->n; row++) {
            sx += b->x[row];
            sdx += r->b->d[row] * b->x[row];
            l->achieved_total += r->w[row] * b->x[row];
        }
        l->n = r->n;
        l->unweighted = sx / (double)r->n;
        l->base_weighted = sdx / D;
        l->target_total = b->target;
        l->target = b->target / r->b->population;
        l->achieved = l->achieved_total / W;
    }
    free(cw);
    for (i = 0; i < res->nlines; i++)
        res->lines[i].l.category = NULL; /* set by fix_pointers */
    return failed ? nomem(r->err) : SVY_OK;
}

/* Point the lines' strings into the (now final) text buffer. */
static void
fix_pointers(svy_weight_result *res)
{
    size_t i;

    for (i = 0; i < res->nlines; i++)
        res->lines[i].l.category = res->text.data + res->lines[i].cat;
    res->s.weight = res->text.data + res->weight_name;
    res->s.base =
        res->base_name == SIZE_MAX ? NULL : res->text.data + res->base_name;
}

/*
 * The message for a run that did not converge, from the diagnostics: the
 * solver names the worst constraint by index, the result knows its names
 * and its shares with the trimmed rows counted, which is what a person
 * compares with the targets file.
 */
static void
noconv_message(struct run *r, const svy_calib_info *info)
{
    const svy_weight_result *res = r->res;
    const svy_weight_line *l = NULL;
    const char *mname = "", *what;
    char bounds[96] = "", verb[256];
    int trimmed = res->s.capped + res->s.floored > 0;

    if (r->err && r->err->code == SVY_ENOCONV &&
        strncmp(r->err->msg, "trimming", 8) == 0)
        return; /* already says what happened */
    if (info->worst == SVY_CALIB_CAT) {
        const struct rmargin *m = &res->m[r->b->cat[info->margin].index];
        l = &res->lines[m->first + info->index].l;
        mname = res->text.data + m->name;
    } else if (info->worst == SVY_CALIB_NUM) {
        const struct rmargin *m = &res->m[r->b->num[info->index].index];
        l = &res->lines[m->first].l;
        mname = res->text.data + m->name;
    }
    what = use_ipf(r)
               ? (r->o->method == SVY_WEIGHT_POSTSTRAT ? "post-stratification"
                                                       : "raking")
               : "calibration";
    if (trimmed) {
        size_t len = 0;
        if (r->cap > 0)
            len +=
                (size_t)snprintf(bounds, sizeof(bounds), "cap %.10g", r->cap);
        if (r->floor_at > 0)
            snprintf(bounds + len, sizeof(bounds) - len, "%sfloor %.10g",
                     len ? ", " : "", r->floor_at);
        snprintf(verb, sizeof(verb),
                 "%s cannot meet the targets within the "
                 "trimming bounds (%s)",
                 what, bounds);
    } else {
        snprintf(verb, sizeof(verb), "%s did not converge in %zu %s", what,
                 res->s.iterations,
                 use_ipf(r) ? (res->s.iterations == 1 ? "sweep" : "sweeps")
                            : (res->s.iterations == 1 ? "step" : "steps"));
    }
    if (info->worst == SVY_CALIB_CAT)
        svy_err_set(r->err, SVY_ENOCONV,
                    "%s; worst: margin '%s' category '%s', target share "
                    "%.10g, achieved %.10g",
                    verb, mname, l->category, l->target, l->achieved);
    else if (info->worst == SVY_CALIB_NUM)
        svy_err_set(r->err, SVY_ENOCONV,
                    "%s; worst: '%s' %s, target %.10g, achieved %.10g", verb,
                    mname, l->category,
                    res->m[r->b->num[info->index].index].kind == SVY_MARGIN_MEAN
                        ? l->target
                        : l->target_total,
                    res->m[r->b->num[info->index].index].kind == SVY_MARGIN_MEAN
                        ? l->achieved
                        : l->achieved_total);
    else
        svy_err_set(r->err, SVY_ENOCONV,
                    "%s; worst: the sum of the weights, target %.10g, "
                    "achieved %.10g",
                    verb, r->b->population, res->s.stats.sum);
}

/*
 * A direct-mapped cache of formatted weights.  Raked weights take few
 * distinct values (cells × distinct base weights), so most rows hit; a
 * miss costs one svy_wformat call, never more.
 */
#define FMT_SLOTS 4096

struct fmt_slot {
    double v;
    unsigned char len, used;
    char text[SVY_NUM_BUFSZ];
};

static const char *
format_cached(struct fmt_slot *cache, double v, size_t *len)
{
    uint64_t bits;
    struct fmt_slot *s;

    memcpy(&bits, &v, sizeof(bits));
    bits ^= bits >> 29;
    bits *= 0xbf58476d1ce4e5b9ULL;
    s = &cache[(bits >> 40) & (FMT_SLOTS - 1)];
    if (!s->used || memcmp(&s->v, &v, sizeof(v)) != 0) {
        s->len = (unsigned char)svy_num_format(v, s->text);
        s->v = v;
        s->used = 1;
    }
    *len = s->len;
    return s->text;
}

/*
 * Write the weights into the table: append or replace the column.  The
 * column is text in the data stream's number form, so svy_csv_write copies
 * it like any other column; a numeric column of the caller's is updated in
 * place instead.
 */
static svy_status
write_column(struct run *r)
{
    const char *name = r->o->name ? r->o->name : "weight";
    svy_column *c = svy_table_find(r->t, name);
    struct fmt_slot *cache;
    size_t row, len;
    svy_status rc = SVY_OK;

    if (c != NULL)
        note(r, "replacing existing column '%s'", name);
    else if ((rc = svy_table_add_column(
                  r->t, name, r->o->numeric_column ? SVY_NUM : SVY_TEXT, &c,
                  r->err)))
        return rc;
    if (svy_column_type(c) == SVY_NUM) {
        double *v = svy_column_nums(c); /* NULL: could not widen bytes */
        if (v == NULL)
            return nomem(r->err);
        memcpy(v, r->w, r->n * sizeof(*r->w));
        return SVY_OK;
    }
    if ((cache = calloc(FMT_SLOTS, sizeof(*cache))) == NULL)
        return nomem(r->err);
    for (row = 0; row < r->n && rc == SVY_OK; row++) {
        const char *s = format_cached(cache, r->w[row], &len);
        rc = svy_column_set_text(c, row, s, len, r->err);
    }
    free(cache);
    return rc;
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * The result is built even when the solver fails to converge: the caller
 * needs the diagnostics of the last iterate to see what went wrong, and
 * the weights for --keep-last.  The column is written only after every
 * check and only when converged or asked, so a refusal leaves the table
 * as it was.
 */
svy_status
svy_weight_run(svy_table *t, const svy_targets *tg, const svy_weight_opts *o,
               svy_weight_result **res, svy_err *err)
{
    struct run r;
    svy_calib_info info;
    double t0 = now();
    svy_status rc;
    int failed = 0;

    *res = NULL;
    memset(&r, 0, sizeof(r));
    memset(&info, 0, sizeof(info));
    r.t = t;
    r.tg = tg;
    r.o = o;
    r.err = err;
    r.src = o->source ? o->source : "<data>";
    r.n = svy_table_nrows(t);
    if ((rc = check_setup(&r)) || (rc = svy_bind_new(&r.b, t, tg, o, err)))
        goto out;
    if ((r.res = calloc(1, sizeof(*r.res))) == NULL) {
        rc = nomem(err);
        goto out;
    }
    r.res->s.method = o->method;
    r.res->s.algorithm = use_ipf(&r) ? "ipf" : "newton";
    r.res->s.population = r.b->population;
    rc = solve_all(&r, &info);
    if (rc != SVY_OK && rc != SVY_ENOCONV)
        goto out;
    r.res->s.converged = rc == SVY_OK;
    r.res->s.cap = r.cap;
    r.res->s.floor_at = r.floor_at;
    svy_weight_stats_compute(r.w, r.n, &r.res->s.stats);
    r.res->weight_name = keep(r.res, o->name ? o->name : "weight", &failed);
    r.res->base_name = o->base ? keep(r.res, o->base, &failed) : SIZE_MAX;
    if (failed || describe(&r) != SVY_OK) {
        rc = nomem(err);
        goto out;
    }
    fix_pointers(r.res);
    if (rc == SVY_ENOCONV)
        noconv_message(&r, &info);
    r.res->s.seconds = now() - t0;
    t0 = now();
    if ((rc == SVY_OK || o->keep_last) && write_column(&r) != SVY_OK) {
        rc = err ? err->code : SVY_ENOMEM;
        goto out;
    }
    r.res->s.seconds_column = now() - t0;
    r.res->s.tolerance = o->tolerance > 0 ? o->tolerance : 1e-10;
    r.res->s.max_iter = o->max_iter ? o->max_iter : 1000;
    r.res->s.lower = o->lower;
    r.res->s.upper = o->upper;
    r.res->s.cap_mult = o->cap;
    r.res->s.floor_mult = o->floor_at;
    r.res->s.missing_category = o->missing == SVY_WMISS_CATEGORY;
    r.res->w = r.w;
    r.w = NULL;
    *res = r.res;
    r.res = NULL;
out:
    svy_weight_result_free(r.res);
    svy_bind_free(r.b);
    free(r.state);
    free(r.w);
    return rc;
}

void
svy_weight_result_free(svy_weight_result *r)
{
    if (r == NULL)
        return;
    free(r->w);
    free(r->m);
    free(r->lines);
    svy_buf_release(&r->text);
    free(r);
}

const svy_weight_summary *
svy_weight_result_summary(const svy_weight_result *r)
{
    return &r->s;
}

const double *
svy_weight_result_weights(const svy_weight_result *r)
{
    return r->w;
}

size_t
svy_weight_result_nmargins(const svy_weight_result *r)
{
    return r->nm;
}

const char *
svy_weight_result_margin(const svy_weight_result *r, size_t i, svy_mkind *kind,
                         size_t *nlines)
{
    if (kind)
        *kind = r->m[i].kind;
    if (nlines)
        *nlines = r->m[i].nlines;
    return r->text.data + r->m[i].name;
}

const svy_weight_line *
svy_weight_result_line(const svy_weight_result *r, size_t i, size_t k)
{
    return &r->lines[r->m[i].first + k].l;
}
