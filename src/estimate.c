/*
 * estimate.c - design-based estimates (see estimate.h): proportions,
 * means, totals and ratios in domains, their SEs, design effects and
 * intervals, column comparisons and the Rao-Scott tests, from the
 * accumulator of one linearization pass (linearize.c).
 */
#include "svy/estimate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "design_int.h"
#include "svy/mem.h"

#define FULL_CELLS 1024 /* most cells whose every covariance is kept */

/* Results. */

struct svy_estimates {
    const svy_design *d; /* borrowed: the design must outlive the result */
    size_t K, D;
    svy_cell *cells;
    struct svy_acc *acc;
    struct svy_qty *q; /* the 'mean' quantity of each cell */
    uint32_t *qidx;    /* pool */
    double *qval, *qa;
    svy_rao_scott rs;
    int has_rs;
    double df_sub;
    double df_opt;
};

void
svy_estimates_free(svy_estimates *e)
{
    if (e == NULL)
        return;
    free(e->cells);
    svy_lin_acc_free(e->acc);
    free(e->q);
    free(e->qidx);
    free(e->qval);
    free(e->qa);
    free(e);
}

size_t
svy_estimates_nrows(const svy_estimates *e)
{
    return e->K;
}

size_t
svy_estimates_ncols(const svy_estimates *e)
{
    return e->D;
}

const svy_cell *
svy_estimates_cell(const svy_estimates *e, size_t k, size_t j)
{
    if (k >= e->K || j >= e->D)
        return NULL;
    return &e->cells[j * e->K + k];
}

double
svy_estimates_df(const svy_estimates *e)
{
    return e->df_sub;
}

const svy_rao_scott *
svy_estimates_rao_scott(const svy_estimates *e)
{
    return e->has_rs ? &e->rs : NULL;
}

double
svy_estimates_cov(const svy_estimates *e, size_t k1, size_t j1, size_t k2,
                  size_t j2)
{
    if (k1 >= e->K || k2 >= e->K || j1 >= e->D || j2 >= e->D)
        return NAN;
    return svy_lin_bilin(e->d, e->acc, &e->q[j1 * e->K + k1],
                         &e->q[j2 * e->K + k2]);
}

void
svy_estimates_compare(const svy_estimates *e, size_t k, size_t j1, size_t j2,
                      svy_compare *out)
{
    const svy_cell *c1 = svy_estimates_cell(e, k, j1);
    const svy_cell *c2 = svy_estimates_cell(e, k, j2);
    double v;

    memset(out, 0, sizeof(*out));
    out->diff = out->se = out->t = out->p = NAN;
    out->df = e->df_opt > 0 ? e->df_opt : e->df_sub;
    if (c1 == NULL || c2 == NULL)
        return;
    v = c1->mean.se * c1->mean.se + c2->mean.se * c2->mean.se -
        2 * svy_estimates_cov(e, k, j1, k, j2);
    out->diff = c1->mean.est - c2->mean.est;
    out->se = sqrt(fmax(v, 0));
    out->t = out->diff / out->se;
    out->p = svy_t_pvalue(out->t, out->df);
}

/*
 * The linearization of a ratio T_c/U_j (proportion, mean, ratio):
 * z = (t_c - R·u_j)/U_j.  A total is t_c itself (qty_total).
 */
static void
qty_ratio(struct svy_qty *q, const struct svy_acc *a, size_t c, size_t j)
{
    double den = a->U[j], est = a->T[c] / den;

    q->nz = 2;
    q->idx[0] = (uint32_t)c;
    q->val[0] = 1 / den;
    q->idx[1] = (uint32_t)(a->C + j);
    q->val[1] = -est / den;
}

static void
qty_total(struct svy_qty *q, size_t c)
{
    q->nz = 1;
    q->idx[0] = (uint32_t)c;
    q->val[0] = 1;
}

/*
 * Variance of one quantity: its calibration coefficients first, then the
 * quadratic form; a negative value is rounding of a zero variance.
 */
static double
var_of(const svy_design *d, const struct svy_acc *a, struct svy_qty *q,
       double *s)
{
    if (d->cal)
        svy_lin_cal_coefs(d, a, q, s);
    return fmax(0, svy_lin_bilin(d, a, q, q));
}

/*
 * R's deff = TRUE: the design variance over that of simple random
 * sampling *without* replacement of n from a population of W (the
 * weights' sum), s² the weighted variance with n/(n-1):
 *   mean  s²(W - n)/(W n)     total  s² W (W - n)/n.
 * R gives NA for a mean when W < n (weights not scaled to a population);
 * deff = "replace" drops the fpc: s²/n and s² W²/n.
 */
static void
fill_deff(svy_est *e, double s2, double W, double n, int total, int replace)
{
    double vsrs;

    if (replace)
        vsrs = total ? s2 * W * W / n : s2 / n;
    else if (total)
        vsrs = s2 * W * (W - n) / n;
    else
        vsrs = W < n ? NAN : s2 * (W - n) / (W * n);
    e->deff = e->se * e->se / vsrs;
}

/*
 * Turn the accumulator into cells: estimates, SEs, design effects,
 * bases, degrees of freedom and intervals.  The df of a domain is its
 * PSUs minus its strata, as R's degf() of svyby's subset design; the
 * n of Korn-Graubard is its rows (R's nrow(design)).
 */
static svy_status
finish(svy_estimates *e, const struct svy_job *jb, const svy_est_opts *o,
       svy_err *err)
{
    const svy_design *d = e->d;
    struct svy_acc *a = e->acc;
    size_t K = e->K, D = e->D, C = K * D, J = a->J, k, j;
    double level = o->level > 0 ? o->level : 0.95;
    double *s = svy_mem_alloc(J + 1, sizeof(double));
    struct svy_qty tq;
    uint32_t tidx[2];
    double tval[2], *ta = svy_mem_alloc(J + 1, sizeof(double));

    e->q = svy_mem_calloc(C + 1, sizeof(struct svy_qty));
    e->qidx = svy_mem_alloc(2 * C + 1, sizeof(uint32_t));
    e->qval = svy_mem_alloc(2 * C + 1, sizeof(double));
    e->qa = svy_mem_calloc(J * C + 1, sizeof(double));
    e->cells = svy_mem_calloc(C + 1, sizeof(svy_cell));
    if (!s || !ta || !e->q || !e->qidx || !e->qval || !e->qa || !e->cells) {
        free(s);
        free(ta);
        return svy_nomem(err);
    }
    e->df_sub = a->npsu_sub - a->nstr_sub;
    e->df_opt = o->df;
    tq.idx = tidx;
    tq.val = tval;
    tq.a = ta;
    for (j = 0; j < D; j++) {
        double W = a->U[j], n = a->Un[j];
        double df = o->df > 0 ? o->df : a->npsu[j] - a->nstr[j];
        double fac = svy_lin_avg_factor(d, a, j);

        for (k = 0; k < K; k++) {
            size_t c = j * K + k;
            svy_cell *cell = &e->cells[c];
            struct svy_qty *q = &e->q[c];
            double est, s2;

            q->idx = e->qidx + 2 * c;
            q->val = e->qval + 2 * c;
            q->a = e->qa + J * c;
            q->fac = tq.fac = fac;
            cell->n = a->Tn[c];
            cell->base_n = n;
            cell->base_w = W;
            cell->base_eff = a->U2[j] > 0 ? W * W / a->U2[j] : 0;
            cell->df = df;
            qty_ratio(q, a, c, j);
            est = a->T[c] / W;
            cell->mean.est = est;
            cell->mean.se = sqrt(var_of(d, a, q, s));
            qty_total(&tq, c);
            cell->total.est = a->T[c];
            cell->total.se = sqrt(var_of(d, a, &tq, s));
            cell->mean.deff = cell->total.deff = NAN;
            if (jb->kind == SVY_KIND_PROPS) {
                s2 = est * (1 - est) * n / (n - 1);
            } else { /* weighted variance of y, from the shifted sums */
                double m1 = a->S1[j] / W;

                s2 = (a->S2[j] / W - m1 * m1) * n / (n - 1);
            }
            if (jb->kind != SVY_KIND_RATIOS) {
                int rep = (o->flags & SVY_EST_DEFF_REPLACE) != 0;

                fill_deff(&cell->mean, s2, W, n, 0, rep);
                fill_deff(&cell->total, s2, W, n, 1, rep);
            }
            if (jb->kind == SVY_KIND_PROPS && o->ci == SVY_CI_LIKELIHOOD) {
                cell->mean.ci_low = cell->mean.ci_high = NAN; /* below */
            } else if (jb->kind == SVY_KIND_PROPS) {
                svy_ci_prop(o->ci, est, cell->mean.se, df, a->rows[j], level,
                            &cell->mean.ci_low, &cell->mean.ci_high);
            } else {
                svy_ci_wald(est, cell->mean.se, df, level, &cell->mean.ci_low,
                            &cell->mean.ci_high);
            }
            svy_ci_wald(cell->total.est, cell->total.se, df, level,
                        &cell->total.ci_low, &cell->total.ci_high);
        }
    }
    free(s);
    free(ta);
    return SVY_OK;
}

/*
 * Likelihood intervals.  R fits svyglm(y ~ 1, quasibinomial) by glm's
 * IRLS and profiles it; its interval depends on where IRLS stopped, so
 * the fit is replayed: the first iterate starts from a different μ on
 * every row ((W·y + 1/2)/(W + 1), binomial()$initialize), which needs
 * one more pass over the rows; from then on μ is one number and each
 * iterate is closed-form.  Sums per domain for y = 0, and per cell the
 * change when y = 1.
 */
struct lik_sums {
    double w, wz, dev; /* Σ W·q, Σ W·q·z, Σ deviance residuals */
};

static void
lik_row(double W, int y, double sign, struct lik_sums *s)
{
    double mu = (W * y + 0.5) / (W + 1), q = mu * (1 - mu);
    double z = log(mu / (1 - mu)) + (y - mu) / q;

    s->w += sign * W * q;
    s->wz += sign * W * q * z;
    s->dev += sign * -2 * W * (y ? log(mu) : log1p(-mu));
}

static double
lik_dev(double b, double s1, double s0)
{
    double mu = 1 / (1 + exp(-b));

    return -2 * (s1 * log(mu) + s0 * log1p(-mu));
}

static svy_status
lik_intervals(svy_estimates *e, const struct svy_job *jb, double level,
              svy_err *err)
{
    const svy_design *d = e->d;
    struct svy_acc *a = e->acc;
    size_t K = e->K, D = e->D, C = K * D, J = a->J, i, c;
    struct lik_sums *dom = svy_mem_calloc(D + C + 1, sizeof(*dom));
    struct lik_sums *cell1 = dom + D;
    double *s = svy_mem_alloc(J + 1, sizeof(double));
    double *qa = svy_mem_alloc(J + 1, sizeof(double));
    uint32_t qidx[2];
    double qval[2];
    struct svy_qty q;

    if (!dom || !s || !qa) {
        free(dom);
        free(s);
        free(qa);
        return svy_nomem(err);
    }
    for (i = 0; i < d->n; i++) {
        double w = d->w[i], W;
        size_t j;

        if (w == 0 || (jb->subset && !jb->subset[i]) ||
            (jb->by && jb->by[i] < 0) || jb->var[i] < 0)
            continue;
        j = jb->by ? (size_t)jb->by[i] : 0;
        W = w / (a->wsum[j] / a->rows[j]);
        c = j * K + (size_t)jb->var[i];
        lik_row(W, 0, 1, &dom[j]);
        lik_row(W, 1, 1, &cell1[c]);
        lik_row(W, 0, -1, &cell1[c]);
    }
    q.idx = qidx;
    q.val = qval;
    q.a = qa;
    for (c = 0; c < C; c++) {
        size_t j = c / K;
        svy_cell *cell = &e->cells[c];
        double wbar = a->wsum[j] / a->rows[j], n = a->U[j] / wbar;
        double s1 = a->T[c] / wbar, s0 = n - s1, nv = a->Un[j];
        double devold = dom[j].dev + cell1[c].dev, wlast, b, dev, mu, qt;
        double T = a->T[c], U = a->U[j], sr, sr2;
        svy_lik_data ld;
        int it = 1;

        /*
         * IRLS for an intercept: b = Σ W q z / Σ W q.  R stops at the
         * first iterate whose deviance changed by less than 1e-8
         * relative, and its model variance (naive.cov) uses the weights
         * of the iterate before: 'wlast'.
         */
        wlast = dom[j].w + cell1[c].w;
        b = (dom[j].wz + cell1[c].wz) / wlast;
        dev = lik_dev(b, s1, s0);
        while (!(fabs(dev - devold) / (fabs(dev) + 0.1) < 1e-8) && it < 25) {
            mu = 1 / (1 + exp(-b));
            wlast = n * mu * (1 - mu);
            b += (s1 - mu * n) / wlast;
            devold = dev;
            dev = lik_dev(b, s1, s0);
            it++;
        }
        mu = 1 / (1 + exp(-b));
        qt = mu * (1 - mu);
        /* design variance of Σ W (y - μ), svyglm's sandwich */
        q.nz = 2;
        qidx[0] = (uint32_t)c;
        qval[0] = 1 / wbar;
        qidx[1] = (uint32_t)(a->C + j);
        qval[1] = -mu / wbar;
        q.fac = svy_lin_avg_factor(d, a, j);
        ld.b = b;
        ld.se_b = sqrt(var_of(d, a, &q, s)) / (n * qt);
        ld.lambda = ld.se_b * ld.se_b * wlast;
        ld.df = cell->df;
        ld.n = nv;
        ld.s1 = s1;
        ld.s0 = s0;
        /* svyvar of the Pearson residuals (y - μ)/sqrt(q) */
        sr = (T - mu * U) / sqrt(qt);
        sr2 = (T * (1 - 2 * mu) + mu * mu * U) / qt;
        ld.dispersion = (sr2 - sr * sr / U) / U * nv / (nv - 1);
        svy_ci_likelihood(&ld, level, &cell->mean.ci_low, &cell->mean.ci_high);
    }
    free(dom);
    free(s);
    free(qa);
    return SVY_OK;
}

/*
 * The Rao-Scott tests: joint proportions P_c = T_c/W over the union of the
 * domains, their covariance from K, then variance.c does the rest.  Levels
 * with no weight are dropped first.
 */
static svy_status
rao_scott(svy_estimates *e, size_t nrows_sub, svy_err *err)
{
    const svy_design *d = e->d;
    struct svy_acc *a = e->acc;
    size_t K = e->K, D = e->D, J = a->J, C = K * D, nr = 0, nc = 0, x, y, m;
    size_t *rk = svy_mem_alloc(K + 1, sizeof(size_t));
    size_t *cj = svy_mem_alloc(D + 1, sizeof(size_t));
    double W = 0, *P = NULL, *V = NULL,
           *s = svy_mem_alloc(J + 1, sizeof(double));
    double *rsum = svy_mem_calloc(K + 1, sizeof(double));
    double *csum = svy_mem_calloc(D + 1, sizeof(double));
    struct svy_qty *q = NULL;
    uint32_t *qi = NULL;
    double *qv = NULL, *qa = NULL, fac;
    svy_status rc = SVY_OK;

    if (!rk || !cj || !s || !rsum || !csum) {
        rc = svy_nomem(err);
        goto out;
    }
    for (x = 0; x < C; x++) {
        rsum[x % K] += a->T[x];
        csum[x / K] += a->T[x];
        W += a->T[x];
    }
    for (x = 0; x < K; x++)
        if (rsum[x] > 0)
            rk[nr++] = x;
    for (y = 0; y < D; y++)
        if (csum[y] > 0)
            cj[nc++] = y;
    if (nr < 2 || nc < 2)
        goto out; /* no test: has_rs stays 0 */
    m = nr * nc;
    fac = svy_lin_avg_factor(d, a, D);
    P = svy_mem_alloc(m + 1, sizeof(double));
    V = svy_mem_alloc(m * m + 1, sizeof(double));
    q = svy_mem_calloc(m + 1, sizeof(struct svy_qty));
    qi = svy_mem_alloc(m * (D + 1) + 1, sizeof(uint32_t));
    qv = svy_mem_alloc(m * (D + 1) + 1, sizeof(double));
    qa = svy_mem_calloc(m * J + 1, sizeof(double));
    if (!P || !V || !q || !qi || !qv || !qa) {
        rc = svy_nomem(err);
        goto out;
    }
    /*
     * The joint proportion of cell c is T_c/W with W the weight of all
     * valid rows, so its linearization is (t_c - P_c Σ_j u_j)/W: one t
     * entry and every domain's u.
     */
    for (x = 0; x < m; x++) { /* row level fastest, as R's interaction() */
        size_t k = rk[x % nr], j = cj[x / nr], c = j * K + k, t;

        P[x] = a->T[c] / W;
        q[x].idx = qi + x * (D + 1);
        q[x].val = qv + x * (D + 1);
        q[x].a = qa + x * J;
        q[x].fac = fac;
        q[x].idx[0] = (uint32_t)c;
        q[x].val[0] = 1 / W;
        for (t = 0; t < D; t++) {
            q[x].idx[t + 1] = (uint32_t)(a->C + t);
            q[x].val[t + 1] = -P[x] / W;
        }
        q[x].nz = D + 1;
        if (d->cal)
            svy_lin_cal_coefs(d, a, &q[x], s);
    }
    for (x = 0; x < m; x++)
        for (y = x; y < m; y++)
            V[x * m + y] = V[y * m + x] = svy_lin_bilin(d, a, &q[x], &q[y]);
    /*
     * R's svychisq scales the table to nrow(design) and takes nu from all
     * the design's PSUs and strata; only Pearson's X² depends on the
     * former (F and its p-value do not).
     */
    rc = svy_rao_scott_test(P, V, nr, nc, (double)nrows_sub,
                            e->df_opt > 0 ? e->df_opt : e->df_sub, &e->rs, err);
    e->has_rs = rc == SVY_OK;
    if (rc == SVY_ENUMERIC || rc == SVY_EINVAL) /* no test, not an error */
        rc = SVY_OK;
out:
    free(rk);
    free(cj);
    free(P);
    free(V);
    free(s);
    free(rsum);
    free(csum);
    free(q);
    free(qi);
    free(qv);
    free(qa);
    return rc;
}

static const svy_est_opts no_opts = {0};

/* What of K job 'jb' keeps (its mode), from what the caller asked. */
static void
job_mode(struct svy_job *jb, const svy_est_opts *opts)
{
    if (jb->by && jb->D == 0)
        jb->D = 1; /* a factor with no levels: one empty domain */
    if (jb->kind == SVY_KIND_PROPS && jb->by && (opts->flags & SVY_EST_CHISQ) &&
        jb->K * jb->D <= FULL_CELLS)
        jb->mode = SVY_KMODE_FULL;
    else if (opts->flags & (SVY_EST_COV | SVY_EST_CHISQ))
        jb->mode = SVY_KMODE_COV;
    else
        jb->mode = SVY_KMODE_DIAG;
    jb->one_thread = (opts->flags & SVY_EST_ONE_THREAD) != 0;
}

/*
 * The result of job 'jb' from its accumulator 'acc' (taken; NULL: out of
 * memory): finish, intervals and tests.
 */
static svy_status
from_acc(svy_estimates **out, const svy_design *d, struct svy_job *jb,
         struct svy_acc *acc, const svy_est_opts *opts, svy_err *err)
{
    svy_estimates *e = calloc(1, sizeof(*e));
    svy_status rc;

    if (e == NULL || acc == NULL) {
        free(e);
        svy_lin_acc_free(acc);
        return svy_nomem(err);
    }
    e->d = d;
    e->K = jb->K;
    e->D = jb->D;
    e->acc = acc;
    if ((rc = finish(e, jb, opts, err)))
        goto out;
    if (jb->kind == SVY_KIND_PROPS && opts->ci == SVY_CI_LIKELIHOOD &&
        (rc = lik_intervals(e, jb, opts->level > 0 ? opts->level : 0.95, err)))
        goto out;
    if (jb->mode == SVY_KMODE_FULL &&
        (rc = rao_scott(e, (size_t)e->acc->rows_sub, err)))
        goto out;
    *out = e;
    e = NULL;
out:
    svy_estimates_free(e);
    return rc;
}

/*
 * Run one estimation job: choose the mode (what the caller asked for),
 * accumulate (the fast path when it applies), then finish, intervals and
 * tests.
 */
static svy_status
estimate(svy_estimates **out, const svy_design *d, struct svy_job *jb,
         const svy_est_opts *opts, svy_err *err)
{
    struct svy_acc *acc = NULL;
    svy_status rc;

    *out = NULL;
    if (opts == NULL)
        opts = &no_opts;
    job_mode(jb, opts);
    rc = d->cal == NULL ? svy_lin_fast_pass(d, jb, &acc, err)
                        : svy_lin_run_pass(d, jb, &acc, err);
    if (rc != SVY_OK) {
        svy_lin_acc_free(acc);
        return rc;
    }
    return from_acc(out, d, jb, acc, opts, err);
}

svy_status
svy_estimates_total(svy_estimates **out, const svy_estimates *by,
                    const svy_est_opts *opts, svy_err *err)
{
    struct svy_job jb;
    struct svy_acc *acc;

    *out = NULL;
    if (opts == NULL)
        opts = &no_opts;
    if (opts->ci == SVY_CI_LIKELIHOOD) /* needs the rows again */
        return svy_err_set(err, SVY_EINVAL,
                           "the total needs its own pass (likelihood CIs)");
    memset(&jb, 0, sizeof(jb));
    jb.kind = SVY_KIND_PROPS;
    jb.K = by->K;
    jb.D = 1;
    job_mode(&jb, opts); /* no domains: never FULL */
    if ((acc = svy_lin_acc_total(by->acc, &jb)) == NULL)
        return svy_err_set(err, SVY_EINVAL,
                           "the total needs its own pass (no covariances "
                           "kept, rows outside the domains, or out of "
                           "memory)");
    return from_acc(out, by->d, &jb, acc, opts, err);
}

static svy_status
check_len(const svy_design *d, size_t n, const char *what, svy_err *err)
{
    if (n != d->n)
        return svy_err_set(err, SVY_EINVAL, "%s has %zu rows, the design %zu",
                           what, n, d->n);
    return SVY_OK;
}

svy_status
svy_design_props(svy_estimates **out, const svy_design *d,
                 const svy_factor *var, const svy_factor *by,
                 const unsigned char *subset, const svy_est_opts *opts,
                 svy_err *err)
{
    struct svy_job jb;
    svy_status rc;

    *out = NULL;
    if ((rc = check_len(d, var->n, "the variable", err)) ||
        (by && (rc = check_len(d, by->n, "the domain variable", err))))
        return rc;
    memset(&jb, 0, sizeof(jb));
    jb.kind = SVY_KIND_PROPS;
    jb.var = var->codes;
    jb.K = var->nlevels ? var->nlevels : 1;
    jb.by = by ? by->codes : NULL;
    jb.D = by ? by->nlevels : 1;
    jb.subset = subset;
    return estimate(out, d, &jb, opts, err);
}

/* Means (x NULL) or ratios of y over x, by 'by' (may be NULL). */
static svy_status
values(svy_estimates **out, const svy_design *d, enum svy_kind kind,
       const double *y, const double *x, const svy_factor *by,
       const unsigned char *subset, const svy_est_opts *opts, svy_err *err)
{
    struct svy_job jb;
    svy_status rc;

    *out = NULL;
    if (by && (rc = check_len(d, by->n, "the domain variable", err)))
        return rc;
    memset(&jb, 0, sizeof(jb));
    jb.kind = kind;
    jb.y = y;
    jb.x = x;
    jb.K = 1;
    jb.by = by ? by->codes : NULL;
    jb.D = by ? by->nlevels : 1;
    jb.subset = subset;
    return estimate(out, d, &jb, opts, err);
}

svy_status
svy_design_means(svy_estimates **out, const svy_design *d, const double *y,
                 const svy_factor *by, const unsigned char *subset,
                 const svy_est_opts *opts, svy_err *err)
{
    return values(out, d, SVY_KIND_MEANS, y, NULL, by, subset, opts, err);
}

svy_status
svy_design_ratios(svy_estimates **out, const svy_design *d, const double *y,
                  const double *x, const svy_factor *by,
                  const unsigned char *subset, const svy_est_opts *opts,
                  svy_err *err)
{
    return values(out, d, SVY_KIND_RATIOS, y, x, by, subset, opts, err);
}
