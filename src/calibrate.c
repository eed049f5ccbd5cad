/*
 * calibrate.c - IPF and Newton calibration on units (see calibrate.h).
 *
 * Both solvers keep the achieved totals of every constraint in one flat
 * array: the categories of margin m start at off[m], then the numeric
 * auxiliaries, then the sum of the weights.  evaluate() fills it in one
 * pass over the units and finds the worst constraint, which is both the
 * convergence test and what the caller reports when it fails.
 *
 * IPF costs O(units · margins) per sweep; the caller passes cells, so a
 * million respondents in a few hundred cells rake in microseconds.  Newton
 * costs O(units · a²) per step to build the p×p system (a = the columns a
 * unit touches: intercept, one dummy per margin, the auxiliaries) plus
 * O(p³) for the SVD; it needs a handful of steps, and one for linear
 * calibration without bounds (the GREG closed form).
 *
 * Reference: Deville, J.-C. and Särndal, C.-E. (1992), Calibration
 * estimators in survey sampling, JASA 87, 376-382; R survey's grake().
 */
#include "svy/calibrate.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "svy/mem.h"

#define DEFAULT_TOL 1e-10
#define DEFAULT_MAXIT 1000
#define SV_CUTOFF 1e-10
#define MAX_HALVINGS 60
#define POLISH (4 * DBL_EPSILON) /* movement that is only rounding */

struct work {
    const svy_calib *p;
    size_t *off;   /* first slot of each margin's categories */
    size_t nslots; /* categories + auxiliaries + 1 */
    double *ach;   /* achieved totals, one per slot */
    double tol;
};

static svy_status
nomem(svy_err *err)
{
    return svy_err_set(err, SVY_ENOMEM, "out of memory");
}

/* The category of unit 'u' in margin 'm', through its cell. */
static uint32_t
cat_of(const svy_calib *p, size_t m, size_t u)
{
    return p->cat[m][p->cell ? p->cell[u] : u];
}

/*
 * The target of slot 's' (layout at the top of this file).  Margins are
 * searched from the last, whose first slot is the largest not above 's'.
 */
static double
slot_target(const struct work *w, size_t s)
{
    const svy_calib *p = w->p;
    size_t m;

    if (s + 1 == w->nslots)
        return p->total;
    if (s >= w->nslots - 1 - p->nnum)
        return p->num_target[s - (w->nslots - 1 - p->nnum)];
    for (m = p->nmargins; m-- > 0;)
        if (s >= w->off[m])
            return p->target[m][s - w->off[m]];
    return 0;
}

/* Fill 'info' about slot 's'. */
static void
describe_slot(const struct work *w, size_t s, svy_calib_info *info)
{
    const svy_calib *p = w->p;
    size_t first_num = w->nslots - 1 - p->nnum, m;
    double t = slot_target(w, s);

    info->target = t;
    info->achieved = w->ach[s];
    info->error = fabs(w->ach[s] - t) / fmax(fabs(t), 1);
    if (s + 1 == w->nslots) {
        info->worst = SVY_CALIB_TOTAL;
        info->margin = info->index = 0;
    } else if (s >= first_num) {
        info->worst = SVY_CALIB_NUM;
        info->margin = 0;
        info->index = s - first_num;
    } else {
        info->worst = SVY_CALIB_CAT;
        for (m = p->nmargins; m-- > 0;)
            if (s >= w->off[m])
                break;
        info->margin = m;
        info->index = s - w->off[m];
    }
}

/*
 * Achieved totals of every constraint for factors 'g'; returns the worst
 * relative error and describes it in 'info'.  A NaN error (a factor gone
 * wrong) counts as the worst and is returned as infinity, so no NaN can
 * pass a "<= tol" test by accident.
 */
static double
evaluate(struct work *w, const double *g, svy_calib_info *info)
{
    const svy_calib *p = w->p;
    size_t u, m, j, s, worst = 0, first_num = w->nslots - 1 - p->nnum;
    double werr = -1;

    memset(w->ach, 0, w->nslots * sizeof(*w->ach));
    for (u = 0; u < p->nunits; u++) {
        double wu = p->d[u] * g[u];
        if (p->d[u] == 0)
            continue;
        for (m = 0; m < p->nmargins; m++)
            w->ach[w->off[m] + cat_of(p, m, u)] += wu;
        for (j = 0; j < p->nnum; j++)
            w->ach[first_num + j] += wu * p->x[j][u];
        w->ach[w->nslots - 1] += wu;
    }
    for (s = 0; s < w->nslots; s++) {
        double t = slot_target(w, s);
        double e = fabs(w->ach[s] - t) / fmax(fabs(t), 1);
        if (!(e <= werr)) { /* NaN counts as worst */
            werr = e;
            worst = s;
        }
    }
    describe_slot(w, worst, info);
    return isnan(werr) ? INFINITY : werr;
}

/* Lay out the slots; a margin without categories is a caller's bug. */
static svy_status
work_init(struct work *w, const svy_calib *p, svy_err *err)
{
    size_t m, s = 0;

    memset(w, 0, sizeof(*w));
    w->p = p;
    w->tol = p->tolerance > 0 ? p->tolerance : DEFAULT_TOL;
    if ((w->off = svy_mem_calloc(p->nmargins + 1, sizeof(*w->off))) == NULL)
        return nomem(err);
    for (m = 0; m < p->nmargins; m++) {
        if (p->ncats[m] == 0)
            return svy_err_set(err, SVY_EINVAL, "margin %zu has no categories",
                               m);
        w->off[m] = s;
        s += p->ncats[m];
    }
    w->nslots = s + p->nnum + 1;
    if ((w->ach = svy_mem_calloc(w->nslots, sizeof(*w->ach))) == NULL)
        return nomem(err);
    return SVY_OK;
}

static void
work_release(struct work *w)
{
    free(w->off);
    free(w->ach);
}

/*
 * A constraint that no unit can move: a category (or the total) with a
 * target but no base weight.  Such a problem cannot converge; say so at
 * once.  Returns 1 and fills 'info' when there is one.
 */
static int
unreachable(struct work *w, const double *g, svy_calib_info *info)
{
    const svy_calib *p = w->p;
    size_t first_num = w->nslots - 1 - p->nnum, s;

    evaluate(w, g, info);
    for (s = 0; s < first_num; s++) {
        double t = slot_target(w, s);
        if (w->ach[s] == 0 && fabs(t) > w->tol * fmax(fabs(t), 1)) {
            describe_slot(w, s, info);
            return 1;
        }
    }
    return 0;
}

svy_status
svy_calib_ipf(const svy_calib *p, double *g, svy_calib_info *info, svy_err *err)
{
    svy_calib_info local;
    struct work w;
    double *ratio = NULL, dsum = 0;
    size_t maxit = p->max_iter ? p->max_iter : DEFAULT_MAXIT, sweep, m, u, k;
    svy_status rc;

    if (info == NULL)
        info = &local;
    memset(info, 0, sizeof(*info));
    if (p->nnum > 0)
        return svy_err_set(err, SVY_EINVAL,
                           "raking by IPF takes categorical margins only");
    if ((rc = work_init(&w, p, err)) != SVY_OK)
        goto out;
    for (u = 0; u < p->nunits; u++) {
        g[u] = 1;
        dsum += p->d[u];
    }
    if (unreachable(&w, g, info)) {
        rc = svy_err_set(err, SVY_ENOCONV, "a target cannot be reached");
        goto out;
    }
    if (p->nmargins == 0) { /* only the sum of the weights to meet */
        for (u = 0; u < p->nunits; u++)
            g[u] = dsum > 0 ? p->total / dsum : 1;
        info->converged = evaluate(&w, g, info) <= w.tol;
        rc = info->converged ? SVY_OK
                             : svy_err_set(err, SVY_ENOCONV, "no convergence");
        goto out;
    }
    if ((ratio = svy_mem_alloc(w.nslots, sizeof(*ratio))) == NULL) {
        rc = nomem(err);
        goto out;
    }
    rc = SVY_ENOCONV;
    for (sweep = 1; sweep <= maxit; sweep++) {
        double change = 0, e;
        double prev = info->max_change;
        for (m = 0; m < p->nmargins; m++) {
            double *ach = w.ach + w.off[m], *r = ratio + w.off[m];
            memset(ach, 0, p->ncats[m] * sizeof(*ach));
            for (u = 0; u < p->nunits; u++)
                ach[cat_of(p, m, u)] += p->d[u] * g[u];
            for (k = 0; k < p->ncats[m]; k++) {
                double t = p->target[m][k];
                r[k] = ach[k] > 0 ? t / ach[k] : 1;
                change = fmax(change, fabs(r[k] - 1));
            }
            for (u = 0; u < p->nunits; u++)
                if (p->d[u] > 0)
                    g[u] *= r[cat_of(p, m, u)];
        }
        info->iterations = sweep;
        info->max_change = change;
        e = evaluate(&w, g, info);
        if (!isfinite(e))
            break;
        if (info->converged) {
            /* Polishing: sweep on while the factors still move by more
             * than rounding and less than before, so that the result is
             * IPF's limit to machine precision, not just to 'tol'. */
            if (!(change > POLISH && change < prev))
                break;
        } else if (e <= w.tol && (change < w.tol || p->nmargins == 1)) {
            info->converged = 1;
            rc = SVY_OK;
            if (p->nmargins == 1 || change <= POLISH)
                break;
        }
    }
    if (rc != SVY_OK)
        svy_err_set(err, SVY_ENOCONV, "raking did not converge");
out:
    free(ratio);
    work_release(&w);
    return rc;
}

/*
 * The distance function: g = F(u) and its derivative, as R's grake()
 * defines them (R's Fm1 is F - 1).  Linear and raking are clipped to the
 * bounds with a zero derivative outside them, as in R; logit is bounded by
 * construction.
 */
struct calfun {
    svy_calfun kind;
    double lo, hi; /* bounds on g (-inf, inf when none) */
    double a;      /* logit's A */
};

static void
calfun_eval(const struct calfun *f, double u, double *g, double *dg)
{
    double v, L = f->lo, U = f->hi;

    switch (f->kind) {
    case SVY_CAL_LINEAR:
    case SVY_CAL_RAKING:
        v = f->kind == SVY_CAL_LINEAR ? 1 + u : exp(u);
        if (v < L || v > U) {
            *g = v < L ? L : U;
            *dg = 0;
        } else {
            *g = v;
            *dg = f->kind == SVY_CAL_LINEAR ? 1 : v;
        }
        return;
    case SVY_CAL_LOGIT: {
        /* g = (L(U-1) + U(1-L)e) / ((U-1) + (1-L)e), e = exp(Au); written
         * with exp(-|Au|) so that neither tail overflows.  Its derivative
         * simplifies to e(U-L)^2 / ((U-1) + (1-L)e)^2. */
        double au = f->a * u, c = U - 1, k = 1 - L, q, den;
        if (au <= 0) {
            q = exp(au);
            den = c + k * q;
            *g = (L * c + U * k * q) / den;
            *dg = q * (U - L) * (U - L) / (den * den);
        } else {
            q = exp(-au);
            den = c * q + k;
            *g = (L * c * q + U * k) / den;
            *dg = q * (U - L) * (U - L) / (den * den);
        }
        return;
    }
    }
}

/*
 * Solve A x = b (p×p, row-major, symmetric positive semi-definite) by a
 * pseudo-inverse: Jacobi-scale, SVD, drop singular values below
 * SV_CUTOFF of the largest.  The scaling matters: a count column (entries
 * near n) beside an income total (entries near n·10^10) would otherwise
 * put the count's singular values under any sensible cutoff.  A column
 * with a zero diagonal (no unit can move it) gets scale 0 and step 0.
 */
static svy_status
solve_pinv(size_t p, const double *A, const double *b, double *x, svy_err *err)
{
    gsl_matrix *M = gsl_matrix_alloc(p, p), *V = gsl_matrix_alloc(p, p);
    gsl_vector *S = gsl_vector_alloc(p), *work = gsl_vector_alloc(p);
    gsl_vector *rhs = gsl_vector_alloc(p), *sol = gsl_vector_alloc(p);
    double *s = svy_mem_alloc(p, sizeof(*s)), smax;
    size_t i, j;
    int gs;
    svy_status rc = SVY_OK;

    if (!M || !V || !S || !work || !rhs || !sol || !s) {
        rc = nomem(err);
        goto out;
    }
    for (i = 0; i < p; i++)
        s[i] = A[i * p + i] > 0 ? 1 / sqrt(A[i * p + i]) : 0;
    for (i = 0; i < p; i++) {
        for (j = 0; j < p; j++)
            gsl_matrix_set(M, i, j, s[i] * A[i * p + j] * s[j]);
        gsl_vector_set(rhs, i, s[i] * b[i]);
    }
    if ((gs = gsl_linalg_SV_decomp(M, V, S, work)) != GSL_SUCCESS) {
        rc = svy_err_set(err, SVY_ENUMERIC, "singular value decomposition: %s",
                         gsl_strerror(gs));
        goto out;
    }
    smax = gsl_vector_get(S, 0);
    for (i = 0; i < p; i++)
        if (!(gsl_vector_get(S, i) > SV_CUTOFF * smax))
            gsl_vector_set(S, i, 0);
    if ((gs = gsl_linalg_SV_solve(M, V, S, rhs, sol)) != GSL_SUCCESS) {
        rc = svy_err_set(err, SVY_ENUMERIC, "pseudo-inverse solve: %s",
                         gsl_strerror(gs));
        goto out;
    }
    for (i = 0; i < p; i++)
        x[i] = s[i] * gsl_vector_get(sol, i);
out:
    gsl_matrix_free(M);
    gsl_matrix_free(V);
    gsl_vector_free(S);
    gsl_vector_free(work);
    gsl_vector_free(rhs);
    gsl_vector_free(sol);
    free(s);
    return rc;
}

/* The Newton problem: column layout and per-unit active columns. */
struct newton {
    struct work w;
    struct calfun f;
    size_t ncols;
    size_t *mcol;  /* first dummy column of each margin (category 1) */
    size_t numcol; /* first auxiliary column */
    size_t *act;   /* scratch: active columns of a unit */
    double *val;   /* and their values */
    double *eta, *step, *T, *rhs, *dg;
};

/*
 * The active columns of unit u (intercept, its category's dummy in each
 * margin unless it is the first category, every auxiliary) and their
 * values in nw->act/val; returns how many.  Building x sparsely keeps a
 * step O(units · a²) however many categories the margins have.
 */
static size_t
active(const struct newton *nw, size_t u)
{
    const svy_calib *p = nw->w.p;
    size_t n = 0, m, j;

    nw->act[n] = 0;
    nw->val[n++] = 1;
    for (m = 0; m < p->nmargins; m++) {
        uint32_t k = cat_of(p, m, u);
        if (k > 0) {
            nw->act[n] = nw->mcol[m] + k - 1;
            nw->val[n++] = 1;
        }
    }
    for (j = 0; j < p->nnum; j++) {
        nw->act[n] = nw->numcol + j;
        nw->val[n++] = p->x[j][u];
    }
    return n;
}

/*
 * Factors for multipliers 'eta' (and their derivatives in nw->dg);
 * returns 0 when one is not finite, which the caller answers by halving
 * the step.  Units without base weight keep factor 1.
 */
static int
factors(struct newton *nw, const double *eta, double *g)
{
    const svy_calib *p = nw->w.p;
    size_t u, a, na;

    for (u = 0; u < p->nunits; u++) {
        double x = 0;
        if (p->d[u] == 0) {
            g[u] = 1;
            nw->dg[u] = 0;
            continue;
        }
        na = active(nw, u);
        for (a = 0; a < na; a++)
            x += eta[nw->act[a]] * nw->val[a];
        calfun_eval(&nw->f, x, &g[u], &nw->dg[u]);
        if (!isfinite(g[u]) || !isfinite(nw->dg[u]))
            return 0;
    }
    return 1;
}

/*
 * Build the Newton system for the current factors and solve for 'step'.
 * The misfit of each column comes from the achieved totals evaluate()
 * left in nw->w.ach, so the factors are not summed twice.
 */
static svy_status
newton_step(struct newton *nw, svy_err *err)
{
    const svy_calib *p = nw->w.p;
    size_t q = nw->ncols, u, a, b, m, k, j;

    memset(nw->T, 0, q * q * sizeof(*nw->T));
    for (u = 0; u < p->nunits; u++) {
        double wu = p->d[u] * nw->dg[u];
        size_t na;
        if (wu == 0)
            continue;
        na = active(nw, u);
        for (a = 0; a < na; a++)
            for (b = 0; b < na; b++)
                nw->T[nw->act[a] * q + nw->act[b]] +=
                    wu * nw->val[a] * nw->val[b];
    }
    /* The misfit of each column, from the achieved totals. */
    nw->rhs[0] = p->total - nw->w.ach[nw->w.nslots - 1];
    for (m = 0; m < p->nmargins; m++)
        for (k = 1; k < p->ncats[m]; k++)
            nw->rhs[nw->mcol[m] + k - 1] =
                p->target[m][k] - nw->w.ach[nw->w.off[m] + k];
    for (j = 0; j < p->nnum; j++)
        nw->rhs[nw->numcol + j] =
            p->num_target[j] - nw->w.ach[nw->w.nslots - 1 - p->nnum + j];
    return solve_pinv(q, nw->T, nw->rhs, nw->step, err);
}

/*
 * Check the bounds, lay out the columns (intercept, then each margin's
 * categories but the first, then the auxiliaries) and allocate.  On
 * failure the caller still calls newton_release.
 */
static svy_status
newton_init(struct newton *nw, const svy_calib *p, svy_err *err)
{
    size_t m, c = 1;
    double L = p->lower, U = p->upper;
    svy_status rc;

    memset(nw, 0, sizeof(*nw));
    if ((rc = work_init(&nw->w, p, err)) != SVY_OK)
        return rc;
    nw->f.kind = p->calfun;
    nw->f.lo = -INFINITY;
    nw->f.hi = INFINITY;
    if (L != 0 || U != 0) {
        if (!(L >= 0 && L < 1 && U > 1 && isfinite(U)))
            return svy_err_set(err, SVY_EINVAL,
                               "bounds %g,%g must satisfy 0 <= lower < 1 < "
                               "upper",
                               L, U);
        nw->f.lo = L;
        nw->f.hi = U;
    } else if (p->calfun == SVY_CAL_LOGIT) {
        return svy_err_set(err, SVY_EINVAL, "logit calibration needs bounds");
    }
    if (p->calfun == SVY_CAL_LOGIT)
        nw->f.a = (U - L) / ((U - 1) * (1 - L));
    if ((nw->mcol = svy_mem_calloc(p->nmargins + 1, sizeof(*nw->mcol))) == NULL)
        return nomem(err);
    for (m = 0; m < p->nmargins; m++) {
        nw->mcol[m] = c;
        c += p->ncats[m] - 1;
    }
    nw->numcol = c;
    nw->ncols = c + p->nnum;
    c = nw->ncols;
    nw->act = svy_mem_alloc(p->nmargins + p->nnum + 1, sizeof(*nw->act));
    nw->val = svy_mem_alloc(p->nmargins + p->nnum + 1, sizeof(*nw->val));
    nw->eta = svy_mem_calloc(c, sizeof(double));
    nw->step = svy_mem_calloc(c, sizeof(double));
    nw->rhs = svy_mem_calloc(c, sizeof(double));
    nw->T = svy_mem_alloc(c * c, sizeof(double));
    nw->dg = svy_mem_alloc(p->nunits ? p->nunits : 1, sizeof(double));
    if (!nw->act || !nw->val || !nw->eta || !nw->step || !nw->rhs || !nw->T ||
        !nw->dg)
        return nomem(err);
    return SVY_OK;
}

static void
newton_release(struct newton *nw)
{
    work_release(&nw->w);
    free(nw->mcol);
    free(nw->act);
    free(nw->val);
    free(nw->eta);
    free(nw->step);
    free(nw->rhs);
    free(nw->T);
    free(nw->dg);
}

/*
 * One more Newton step after convergence, kept only if it brings the
 * constraints closer: Newton converges quadratically, so this takes a
 * result within 'tol' to machine precision at the cost of one step.
 */
static svy_status
polish(struct newton *nw, double *g, svy_calib_info *info, svy_err *err)
{
    const svy_calib *p = nw->w.p;
    svy_calib_info again = *info;
    double *g2, *trial;
    size_t c;
    svy_status rc = SVY_OK;

    if (info->error <= POLISH)
        return SVY_OK;
    g2 = svy_mem_alloc(p->nunits ? p->nunits : 1, sizeof(*g2));
    trial = svy_mem_alloc(nw->ncols, sizeof(*trial));
    if (g2 == NULL || trial == NULL) {
        rc = nomem(err);
        goto out;
    }
    if ((rc = newton_step(nw, err)) != SVY_OK)
        goto out;
    for (c = 0; c < nw->ncols; c++)
        trial[c] = nw->eta[c] + nw->step[c];
    if (factors(nw, trial, g2) && evaluate(&nw->w, g2, &again) < info->error) {
        memcpy(g, g2, p->nunits * sizeof(*g));
        again.iterations = info->iterations + 1;
        again.converged = 1;
        *info = again;
    } else {
        evaluate(&nw->w, g, info); /* the achieved totals of 'g' again */
    }
out:
    free(g2);
    free(trial);
    return rc;
}

svy_status
svy_calib_newton(const svy_calib *p, double *g, svy_calib_info *info,
                 svy_err *err)
{
    svy_calib_info local;
    struct newton nw;
    size_t maxit = p->max_iter ? p->max_iter : DEFAULT_MAXIT, it, c, h;
    double *trial = NULL;
    svy_status rc;

    if (info == NULL)
        info = &local;
    memset(info, 0, sizeof(*info));
    if ((rc = newton_init(&nw, p, err)) != SVY_OK)
        goto out;
    if ((trial = svy_mem_alloc(nw.ncols, sizeof(*trial))) == NULL) {
        rc = nomem(err);
        goto out;
    }
    factors(&nw, nw.eta, g);
    if (unreachable(&nw.w, g, info)) {
        rc = svy_err_set(err, SVY_ENOCONV, "a target cannot be reached");
        goto out;
    }
    rc = SVY_ENOCONV;
    for (it = 0;; it++) {
        if (evaluate(&nw.w, g, info) <= nw.w.tol) {
            info->converged = 1;
            rc = polish(&nw, g, info, err);
            break;
        }
        if (it == maxit)
            break;
        if ((rc = newton_step(&nw, err)) != SVY_OK)
            goto out;
        rc = SVY_ENOCONV;
        /* Halve a step that takes F off its domain (R's grake does). */
        for (h = 0; h <= MAX_HALVINGS; h++) {
            for (c = 0; c < nw.ncols; c++)
                trial[c] = nw.eta[c] + nw.step[c];
            if (factors(&nw, trial, g))
                break;
            for (c = 0; c < nw.ncols; c++)
                nw.step[c] /= 2;
        }
        if (h > MAX_HALVINGS) {
            rc = svy_err_set(err, SVY_ENUMERIC,
                             "calibration factors are not finite");
            goto out;
        }
        memcpy(nw.eta, trial, nw.ncols * sizeof(*trial));
        info->iterations = it + 1;
    }
    if (rc != SVY_OK)
        svy_err_set(err, SVY_ENOCONV, "calibration did not converge");
out:
    free(trial);
    newton_release(&nw);
    return rc;
}
