/*
 * variance.c - confidence intervals, t tests and the Rao-Scott tests (see
 * variance.h for the formulas).
 *
 * Quantiles and tail probabilities are GSL's (gsl_cdf_tdist_Pinv,
 * gsl_cdf_beta_Pinv, gsl_cdf_fdist_Q, gsl_cdf_chisq_Q); the Rao-Scott Δ is
 * solved with GSL's LU decomposition, as R's solve() does with LAPACK.
 *
 * The likelihood interval copies R's numerical recipe step by step rather
 * than solving for the exact profile-likelihood limits, because R's
 * answer is the recipe's: a coarse grid (at most 9 steps each way), an
 * FMM spline (Forsythe, Malcolm and Moler 1977, as R's spline()) and
 * linear interpolation of the inverse.  The exact limits differ from R's
 * by about 1e-5, more than the fixtures' tolerance.
 *
 * References: Korn, E.L. and Graubard, B.I. (1998), Confidence intervals
 * for proportions with small expected number of positive counts estimated
 * from survey data, Survey Methodology 24, 193-201; Rao, J.N.K. and
 * Scott, A.J. (1984), On chi-squared tests for multiway contingency tables
 * with cell proportions estimated from survey data, Annals of Statistics
 * 12, 46-60; Lumley, T. (2010), Complex Surveys, Wiley, chapters 2 and 8.
 */
#include "svy/variance.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_permutation.h>

#include "svy/mem.h"

#define PROFILE_STEPS 10 /* MASS's maxsteps: at most 9 grid points a side */
#define PROFILE_MAXPTS (2 * PROFILE_STEPS)

static const struct {
    const char *name;
    svy_ci_method m;
} method_names[] = {
    {"logit", SVY_CI_LOGIT},
    {"wald", SVY_CI_WALD},
    {"wilson", SVY_CI_WILSON},
    {"beta", SVY_CI_BETA},
    {"asin", SVY_CI_ASIN},
    {"xlogit", SVY_CI_XLOGIT},
    {"likelihood", SVY_CI_LIKELIHOOD},
    {"mean", SVY_CI_WALD},
    {"kg", SVY_CI_BETA},
    {"korn-graubard", SVY_CI_BETA},
};

const char *
svy_ci_method_name(svy_ci_method m)
{
    size_t i;

    for (i = 0; i < sizeof(method_names) / sizeof(method_names[0]); i++)
        if (method_names[i].m == m)
            return method_names[i].name;
    return "unknown";
}

int
svy_ci_method_parse(const char *s, svy_ci_method *out)
{
    size_t i;

    for (i = 0; s && i < sizeof(method_names) / sizeof(method_names[0]); i++)
        if (strcmp(s, method_names[i].name) == 0) {
            *out = method_names[i].m;
            return 1;
        }
    return 0;
}

/*
 * GSL's tdist_Pinv agrees with R's qt to about 1e-12 for the degrees of
 * freedom of surveys; the normal limit is asked for explicitly because
 * GSL does not take an infinite nu.
 */
double
svy_t_quantile(double p, double df)
{
    if (!(p > 0 && p < 1) || !(df > 0))
        return NAN;
    if (isinf(df))
        return gsl_cdf_ugaussian_Pinv(p);
    return gsl_cdf_tdist_Pinv(p, df);
}

double
svy_t_pvalue(double t, double df)
{
    if (isnan(t) || !(df > 0))
        return NAN;
    if (isinf(df))
        return 2 * gsl_cdf_ugaussian_Q(fabs(t));
    return 2 * gsl_cdf_tdist_Q(fabs(t), df);
}

void
svy_ci_wald(double est, double se, double df, double level, double *lo,
            double *hi)
{
    double q = svy_t_quantile(1 - (1 - level) / 2, df);

    *lo = est - q * se;
    *hi = est + q * se;
    if (isnan(*lo) || isnan(*hi))
        *lo = *hi = NAN;
}

static double
expit(double x)
{
    return 1 / (1 + exp(-x));
}

/* Effective sample size p(1-p)/se², or 'n' when the variance is zero. */
static double
neff(double p, double se, double n)
{
    return se > 0 ? p * (1 - p) / (se * se) : n;
}

/*
 * R's logit interval is the Wald interval of svyglm's intercept; for an
 * intercept-only model its design-based SE is se/(p(1-p)) exactly, so
 * this closed form is R's up to where glm's IRLS stopped (5e-10).
 */
static void
ci_logit(double p, double se, double q, double *lo, double *hi)
{
    double l, h;

    if (p <= 0 || p >= 1) { /* logit is infinite: the interval collapses */
        *lo = *hi = p;
        return;
    }
    l = log(p / (1 - p));
    h = q * se / (p * (1 - p));
    *lo = expit(l - h);
    *hi = expit(l + h);
}

/*
 * Wilson's score interval with the design's effective sample size in
 * place of n (Kish's n/deff with the with-replacement SRS variance): the
 * usual formula on n* = p(1-p)/se², with t in place of z so that it
 * widens with few PSUs as the other methods do.
 */
static void
ci_wilson(double p, double se, double q, double n, double *lo, double *hi)
{
    double ne = neff(p, se, n), q2 = q * q;
    double den = 1 + q2 / ne;
    double mid = (p + q2 / (2 * ne)) / den;
    double half = q / den * sqrt(p * (1 - p) / ne + q2 / (4 * ne * ne));

    *lo = fmax(0, mid - half);
    *hi = fmin(1, mid + half);
}

/*
 * Korn and Graubard: Clopper-Pearson limits on the effective sample size,
 * deflated by (t(n-1)/t(df))² so that few PSUs widen the interval, as R's
 * svyciprop(method = "beta").  qbeta(α/2; 0, ·) is 0, so p = 0 gives a
 * lower limit of 0 (and p = 1 an upper limit of 1) without calling GSL.
 */
static void
ci_beta(double p, double se, double df, double n, double level, double *lo,
        double *hi)
{
    double a = (1 - level) / 2, ne, r;

    ne = neff(p, se, n);
    if (se > 0) { /* R's degrees-of-freedom adjustment of n* */
        r = svy_t_quantile(a, n - 1) / svy_t_quantile(a, df);
        ne *= r * r;
    }
    *lo = p <= 0 ? 0 : gsl_cdf_beta_Pinv(a, ne * p, ne * (1 - p) + 1);
    *hi = p >= 1 ? 1 : gsl_cdf_beta_Pinv(1 - a, ne * p + 1, ne * (1 - p));
}

/*
 * The arcsine (variance-stabilizing) interval: the delta-method SE of
 * asin(√p) is se/(2√(p(1-p))), as R's svycontrast derives it.
 */
static void
ci_asin(double p, double se, double q, double *lo, double *hi)
{
    double a = asin(sqrt(p)), h, l, u;

    if (p <= 0 || p >= 1) {
        *lo = *hi = p;
        return;
    }
    h = q * se / (2 * sqrt(p * (1 - p)));
    l = fmax(a - h, 0);
    u = fmin(a + h, M_PI / 2);
    *lo = sin(l) * sin(l);
    *hi = sin(u) * sin(u);
}

void
svy_ci_prop(svy_ci_method m, double p, double se, double df, double n,
            double level, double *lo, double *hi)
{
    double q = svy_t_quantile(1 - (1 - level) / 2, df);

    *lo = *hi = NAN;
    if (isnan(q) || isnan(se) || !(p >= 0 && p <= 1))
        return;
    switch (m) {
    case SVY_CI_LOGIT:
    case SVY_CI_XLOGIT: ci_logit(p, se, q, lo, hi); break;
    case SVY_CI_WALD: svy_ci_wald(p, se, df, level, lo, hi); break;
    case SVY_CI_WILSON: ci_wilson(p, se, q, n, lo, hi); break;
    case SVY_CI_BETA: ci_beta(p, se, df, n, level, lo, hi); break;
    case SVY_CI_ASIN: ci_asin(p, se, q, lo, hi); break;
    case SVY_CI_LIKELIHOOD: break; /* needs svy_ci_likelihood */
    }
    if (isnan(*lo) || isnan(*hi))
        *lo = *hi = NAN;
}

/*
 * R's fmm_spline (src/library/stats/src/splines.c): coefficients b, c, d
 * of the cubic through (x[i], y[i]) with the end conditions of Forsythe,
 * Malcolm and Moler (third derivatives from divided differences).  The
 * macros keep R's 1-based indices, so the code reads line for line as R's.
 */
#define X(i) x[(i)-1]
#define Y(i) y[(i)-1]
#define B(i) b[(i)-1]
#define C(i) c[(i)-1]
#define D(i) d[(i)-1]
static void
fmm_spline(int n, const double *x, const double *y, double *b, double *c,
           double *d)
{
    double t;
    int i, nm1 = n - 1;

    if (n < 3) {
        t = Y(2) - Y(1);
        B(1) = t / (X(2) - X(1));
        B(2) = B(1);
        C(1) = C(2) = D(1) = D(2) = 0;
        return;
    }
    D(1) = X(2) - X(1);
    C(2) = (Y(2) - Y(1)) / D(1);
    for (i = 2; i < n; i++) {
        D(i) = X(i + 1) - X(i);
        B(i) = 2 * (D(i - 1) + D(i));
        C(i + 1) = (Y(i + 1) - Y(i)) / D(i);
        C(i) = C(i + 1) - C(i);
    }
    B(1) = -D(1);
    B(n) = -D(nm1);
    C(1) = C(n) = 0;
    if (n > 3) {
        C(1) = C(3) / (X(4) - X(2)) - C(2) / (X(3) - X(1));
        C(n) = C(nm1) / (X(n) - X(n - 2)) - C(n - 2) / (X(nm1) - X(n - 3));
        C(1) = C(1) * D(1) * D(1) / (X(4) - X(1));
        C(n) = -C(n) * D(nm1) * D(nm1) / (X(n) - X(n - 3));
    }
    for (i = 2; i <= n; i++) {
        t = D(i - 1) / B(i - 1);
        B(i) = B(i) - t * D(i - 1);
        C(i) = C(i) - t * C(i - 1);
    }
    C(n) = C(n) / B(n);
    for (i = nm1; i >= 1; i--)
        C(i) = (C(i) - D(i) * C(i + 1)) / B(i);
    B(n) = (Y(n) - Y(n - 1)) / D(n - 1) + D(n - 1) * (C(n - 1) + 2 * C(n));
    for (i = 1; i <= nm1; i++) {
        B(i) = (Y(i + 1) - Y(i)) / D(i) - D(i) * (C(i + 1) + 2 * C(i));
        D(i) = (C(i + 1) - C(i)) / D(i);
        C(i) = 3 * C(i);
    }
    C(n) = 3 * C(n);
    D(n) = D(nm1);
}
#undef X
#undef Y
#undef B
#undef C
#undef D

/* R's spline_eval for the fmm method at one point 'u'. */
static double
spline_at(int n, const double *x, const double *y, const double *b,
          const double *c, const double *d, double u)
{
    int i = 0, j = n, k;
    double dx;

    while (j > i + 1) { /* x[i] <= u < x[i+1] by bisection, as R */
        k = (i + j) / 2;
        if (u < x[k])
            j = k;
        else
            i = k;
    }
    dx = u - x[i];
    return y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]));
}

/* R's approx(x, y, xout) with rule = 1 (NaN outside), x ascending. */
static double
approx_at(const double *x, const double *y, int n, double v)
{
    int i = 0, j = n - 1, k;

    if (n == 0 || !(v >= x[0] && v <= x[n - 1]))
        return NAN;
    while (i < j - 1) {
        k = (i + j) / 2;
        if (v < x[k])
            j = k;
        else
            i = k;
    }
    if (v == x[j])
        return y[j];
    if (v == x[i])
        return y[i];
    return y[i] + (y[j] - y[i]) * ((v - x[i]) / (x[j] - x[i]));
}

/*
 * The quasibinomial deviance of an intercept b: y is 0 or 1, so only the
 * weighted counts s1 and s0 enter.  log1p keeps 1 - expit(b) accurate for
 * large b.
 */
static double
deviance(const svy_lik_data *ld, double b)
{
    double mu = expit(b);

    return -2 * (ld->s1 * log(mu) + ld->s0 * log1p(-mu));
}

/* Sort the pairs (key[i], val[i]) by key (insertion sort: n <= 19). */
static void
sort_pairs(double *key, double *val, int n)
{
    int i, j;

    for (i = 1; i < n; i++) {
        double k = key[i], v = val[i];

        for (j = i; j > 0 && key[j - 1] > k; j--) {
            key[j] = key[j - 1];
            val[j] = val[j - 1];
        }
        key[j] = k;
        val[j] = v;
    }
}

void
svy_ci_likelihood(const svy_lik_data *ld, double level, double *lo, double *hi)
{
    double z[PROFILE_MAXPTS], par[PROFILE_MAXPTS];
    double b[PROFILE_MAXPTS], c[PROFILE_MAXPTS], d[PROFILE_MAXPTS];
    double sx[3 * PROFILE_MAXPTS], sy[3 * PROFILE_MAXPTS];
    double b0, seb, lambda, alpha, zmax, del, dev0, cut;
    int np = 0, sgn, step, i, ns;

    *lo = *hi = NAN;
    if (!isfinite(ld->b) || !(ld->se_b > 0) || !(ld->df > 0) || !(ld->n > 1) ||
        !(ld->dispersion > 0) || !(ld->lambda > 0))
        return;
    b0 = ld->b;
    seb = ld->se_b;
    lambda = ld->lambda;
    alpha = gsl_cdf_ugaussian_P(svy_t_quantile((1 - level) / 2, ld->df) *
                                sqrt(lambda)) /
            2;
    zmax = sqrt(gsl_cdf_fdist_Qinv(alpha, 1, ld->n - 1));
    del = zmax / 5;
    dev0 = deviance(ld, b0);
    z[np] = 0;
    par[np++] = b0;
    for (sgn = -1; sgn <= 1; sgn += 2) {
        double zz = 0;

        for (step = 1; step < PROFILE_STEPS && fabs(zz) < zmax; step++) {
            double bi = b0 + sgn * step * del * seb;
            double dz = (deviance(ld, bi) - dev0) / ld->dispersion;

            zz = sgn * sqrt(fmax(dz, 0));
            z[np] = zz;
            par[np++] = bi;
        }
    }
    /*
     * R orders the profile by z and spline() then by x = b; z rises with
     * b, so one sort by b gives both.
     */
    sort_pairs(par, z, np);
    fmm_spline(np, par, z, b, c, d);
    ns = 3 * np;
    for (i = 0; i < ns; i++) {
        double step_x = (par[np - 1] - par[0]) / (ns - 1);

        sx[i] = i == ns - 1 ? par[np - 1] : par[0] + i * step_x;
        sy[i] = spline_at(np, par, z, b, c, d, sx[i]);
    }
    /* approx(sp$y, sp$x): interpolate par as a function of z */
    sort_pairs(sy, sx, ns);
    cut = gsl_cdf_ugaussian_Pinv(2 * alpha);
    *lo = expit(approx_at(sy, sx, ns, cut));
    *hi = expit(approx_at(sy, sx, ns, -cut));
    if (isnan(*lo) || isnan(*hi))
        *lo = *hi = NAN;
}

static void
rs_nan(svy_rao_scott *o)
{
    o->pearson = o->pearson_p = o->delta_mean = NAN;
    o->f = o->ndf = o->ddf = o->f_p = NAN;
    o->chisq = o->chisq_df = o->chisq_p = NAN;
}

/* Entry (r, c) of the (nr·nc) × q matrix of interaction contrasts. */
/*
 * R's Cmat is the residual of the interaction dummies on the main effects;
 * that projection is the double centring (I - J/nr) ⊗ (I - J/nc), so the
 * residual of dummy (i, j) is (δ_ri - 1/nr)(δ_cj - 1/nc) with no QR.
 */
static double
contrast(size_t cell, size_t col, size_t nr, size_t nc)
{
    size_t r = cell % nr, c = cell / nr;
    size_t i = col % (nr - 1) + 1, j = col / (nr - 1) + 1;

    return ((r == i) - 1.0 / (double)nr) * ((c == j) - 1.0 / (double)nc);
}

/* The 1-norm (largest absolute column sum) of the n×n matrix A. */
static double
norm1(const gsl_matrix *A, size_t n)
{
    double best = 0;
    size_t i, j;

    for (j = 0; j < n; j++) {
        double s = 0;

        for (i = 0; i < n; i++)
            s += fabs(gsl_matrix_get(A, i, j));
        if (!(s <= best)) /* NaN wins, so it is seen */
            best = s;
    }
    return best;
}

svy_status
svy_rao_scott_test(const double *p, const double *V, size_t nr, size_t nc,
                   double n, double nu, svy_rao_scott *out, svy_err *err)
{
    size_t m = nr * nc, q, i, j, k;
    double *rows = NULL, *cols = NULL, *cd = NULL, *tmp = NULL;
    gsl_matrix *A = NULL, *Ai = NULL, *B = NULL;
    gsl_permutation *perm = NULL;
    double x2 = 0, tr = 0, tr2 = 0, anorm;
    svy_status rc = SVY_OK;
    int sign, gs;

    rs_nan(out);
    if (nr < 2 || nc < 2)
        return svy_err_set(err, SVY_EINVAL,
                           "a test of independence needs at least 2 rows "
                           "and 2 columns, not %zu by %zu",
                           nr, nc);
    q = (nr - 1) * (nc - 1);
    rows = calloc(nr, sizeof(double));
    cols = calloc(nc, sizeof(double));
    cd = svy_mem_alloc(m * q, sizeof(double)); /* D⁻¹C */
    tmp = svy_mem_alloc(m * q, sizeof(double));
    A = gsl_matrix_alloc(q, q);
    Ai = gsl_matrix_alloc(q, q);
    B = gsl_matrix_alloc(q, q);
    perm = gsl_permutation_alloc(q);
    if (!rows || !cols || !cd || !tmp || !A || !Ai || !B || !perm) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < m; i++) {
        rows[i % nr] += p[i];
        cols[i / nr] += p[i];
    }
    for (i = 0; i < m; i++) {
        double e = rows[i % nr] * cols[i / nr];

        x2 += e > 0 ? (p[i] - e) * (p[i] - e) / e : NAN;
        for (k = 0; k < q; k++)
            cd[i * q + k] = p[i] > 0 ? contrast(i, k, nr, nc) / p[i] : 0;
    }
    x2 *= n;
    /* A = C'D⁻¹C / n (C'D⁻¹C = (D⁻¹C)'D(D⁻¹C)); tmp = V D⁻¹C */
    for (j = 0; j < q; j++)
        for (k = 0; k < q; k++) {
            double s = 0;

            for (i = 0; i < m; i++)
                s += contrast(i, j, nr, nc) * cd[i * q + k];
            gsl_matrix_set(A, j, k, s / n);
        }
    for (i = 0; i < m; i++)
        for (k = 0; k < q; k++) {
            double s = 0;

            for (j = 0; j < m; j++)
                s += V[i * m + j] * cd[j * q + k];
            tmp[i * q + k] = s;
        }
    for (j = 0; j < q; j++)
        for (k = 0; k < q; k++) {
            double s = 0;

            for (i = 0; i < m; i++)
                s += cd[i * q + j] * tmp[i * q + k];
            gsl_matrix_set(B, j, k, s);
        }
    /*
     * Δ = A⁻¹B, column by column, overwriting B (R's solve(denom, numr)).
     * Only the traces of Δ and Δ² are needed, and they do not depend on
     * the basis chosen for the interaction contrasts.
     */
    /*
     * R's solve() refuses a system whose reciprocal condition number is
     * below the machine epsilon ("system is computationally singular"):
     * cells with p = 0 (empty cells, as when the banner is the cluster
     * variable and some clusters lack a category) make C'D⁻¹C singular
     * in exact arithmetic but not in floating point, where an LU without
     * this check returns a meaningless (or NaN) test.  The 1-norm
     * condition number is computed exactly from the inverse (R estimates
     * it); either is far from the threshold in practice.
     */
    anorm = norm1(A, q);
    gs = gsl_linalg_LU_decomp(A, perm, &sign);
    if (gs == GSL_SUCCESS &&
        (gs = gsl_linalg_LU_invert(A, perm, Ai)) == GSL_SUCCESS) {
        double rcond = 1 / (anorm * norm1(Ai, q));

        if (!(rcond >= DBL_EPSILON)) {
            rc = svy_err_set(err, SVY_ENUMERIC,
                             "rao-scott test: the contrast matrix is "
                             "computationally singular (reciprocal condition "
                             "number %.3g)",
                             rcond);
            goto out;
        }
    }
    if (gs == GSL_SUCCESS) {
        for (k = 0; k < q && gs == GSL_SUCCESS; k++) {
            gsl_vector_view col = gsl_matrix_column(B, k);

            gs = gsl_linalg_LU_svx(A, perm, &col.vector);
        }
    }
    if (gs != GSL_SUCCESS) {
        rc = svy_err_set(err, SVY_ENUMERIC,
                         "rao-scott test: singular contrast matrix (%s)",
                         gsl_strerror(gs));
        goto out;
    }
    for (j = 0; j < q; j++) {
        tr += gsl_matrix_get(B, j, j);
        for (k = 0; k < q; k++)
            tr2 += gsl_matrix_get(B, j, k) * gsl_matrix_get(B, k, j);
    }
    /*
     * No design variance in the contrasts (every column's shares known
     * exactly, as a variable crossed with itself): the statistic and its
     * degrees of freedom would be x/0 and 0/0.  R's answer there is
     * rounding noise (F = 3e32 on 1 and 3 df); we give no test.
     */
    if (!(tr > 0 && tr2 > 0)) {
        rc = svy_err_set(err, SVY_ENUMERIC,
                         "rao-scott test: the table's design variance is "
                         "zero");
        goto out;
    }
    out->pearson = x2;
    out->pearson_p = gsl_cdf_chisq_Q(x2, (double)q);
    out->delta_mean = tr / (double)q;
    out->f = x2 / tr;
    out->ndf = tr * tr / tr2;
    out->ddf = out->ndf * nu;
    out->f_p = nu > 0 ? gsl_cdf_fdist_Q(out->f, out->ndf, out->ddf) : NAN;
    out->chisq = x2 / out->delta_mean;
    out->chisq_df = (double)q;
    out->chisq_p = gsl_cdf_chisq_Q(out->chisq, (double)q);
out:
    free(rows);
    free(cols);
    free(cd);
    free(tmp);
    gsl_matrix_free(A);
    gsl_matrix_free(Ai);
    gsl_matrix_free(B);
    gsl_permutation_free(perm);
    return rc;
}
