/*
 * calibrate.h - the numerical core of weighting: find factors g for
 * "units" (cells of respondents, or single respondents) with base weights
 * d so that the weights d·g hit given totals.
 *
 * A problem is stated without tables or names, so that it can be tested
 * and reused (svy-weight builds it in weight.c):
 *  - units u = 0..n-1 with base weight d[u] >= 0 (0: the unit takes no
 *    part, its factor is left at 1);
 *  - categorical margins m, each putting every unit in one category
 *    cat[m][cell(u)] < ncats[m] with a target total per category; the
 *    indirection through 'cell' lets n respondents share the category
 *    codes of a few hundred cells;
 *  - numeric auxiliaries j with a value x[j][u] per unit and a target
 *    total;
 *  - the target of the sum of the weights ('total'); with categorical
 *    margins it equals each margin's sum of targets.
 *
 * Two solvers:
 *  - svy_calib_ipf: iterative proportional fitting (raking) on the
 *    categorical margins alone.  Each sweep post-stratifies on every margin
 *    in turn: g *= target / achieved for the unit's category.  Converged
 *    when, after a sweep, every category total is within the tolerance of
 *    its target and no factor of that sweep moved by the tolerance or
 *    more (both tests, as Stata's ipfraking); a single margin needs one
 *    sweep (post-stratification).
 *  - svy_calib_newton: Deville and Särndal's calibration as R's
 *    survey::calibrate (grake) does it: w = d·F(x'λ) with x the intercept,
 *    one dummy per category but the first of each margin, and the numeric
 *    auxiliaries; Newton's method on λ solves Σ d F(x'λ) x = T, each step
 *    solving (Σ d F'(x'λ) x x') Δ = misfit with a pseudo-inverse (GSL's SVD
 *    of the Jacobi-scaled matrix, singular values below 1e-10 of the
 *    largest dropped), so that overlapping margins (region and
 *    region*sex) need no care.  A step that makes F non-finite is halved.
 *    Converged when every constraint is within the tolerance.
 * Both then polish: IPF sweeps on while its factors still move by more
 * than rounding (4 ulps) and less than in the sweep before, Newton takes
 * one more step if it brings the constraints closer.  So a converged
 * result is the method's limit to machine precision, not merely within
 * the tolerance, and agrees with any other converged implementation (R's)
 * to about 1e-14.
 * The distance functions F, with u = x'λ and bounds L < 1 < U on g:
 *    linear  g = 1 + u, clipped to [L, U] when bounds are given
 *    raking  g = exp(u), clipped likewise
 *    logit   A = (U-L)/((U-1)(1-L)),
 *            g = (L(U-1) + U(1-L)e^{Au}) / ((U-1) + (1-L)e^{Au})
 *
 * "Within the tolerance" means |achieved - target| <= tol·max(|target|, 1)
 * for every category total, numeric total and the sum of weights.
 *
 * Ownership: the problem's arrays are borrowed for the call; 'g' is the
 * caller's array of nunits factors.  GSL is included only by calibrate.c.
 */
#ifndef SVY_CALIBRATE_H
#define SVY_CALIBRATE_H

#include <stddef.h>
#include <stdint.h>

#include "svy/err.h"

typedef enum svy_calfun {
    SVY_CAL_LINEAR = 0,
    SVY_CAL_RAKING,
    SVY_CAL_LOGIT
} svy_calfun;

/* A calibration problem; see the top of this file. */
typedef struct svy_calib {
    size_t nunits;
    const double *d;             /* base weight per unit */
    const uint32_t *cell;        /* cell of each unit; NULL: unit u is cell u */
    size_t nmargins;             /* categorical margins */
    const uint32_t *const *cat;  /* cat[m][cell]: category, < ncats[m] */
    const size_t *ncats;         /* categories per margin */
    const double *const *target; /* target[m][k]: target total */
    size_t nnum;                 /* numeric auxiliaries */
    const double *const *x;      /* x[j][u] */
    const double *num_target;    /* target total per auxiliary */
    double total;                /* target of the sum of the weights */
    svy_calfun calfun;           /* Newton only */
    double lower, upper; /* bounds on g; both 0: none (logit needs them) */
    double tolerance;    /* 0: 1e-10 */
    size_t max_iter;     /* sweeps or Newton steps; 0: 1000 */
} svy_calib;

/* Which constraint an svy_calib_info talks about. */
typedef enum svy_calib_which {
    SVY_CALIB_CAT = 0, /* category 'index' of margin 'margin' */
    SVY_CALIB_NUM,     /* numeric auxiliary 'index' */
    SVY_CALIB_TOTAL    /* the sum of the weights */
} svy_calib_which;

/* What a solver did. */
typedef struct svy_calib_info {
    size_t iterations; /* sweeps (IPF) or Newton steps */
    int converged;
    /* The constraint furthest from its target after the last iteration. */
    svy_calib_which worst;
    size_t margin, index;
    double target, achieved;
    double error;      /* |achieved - target| / max(|target|, 1) */
    double max_change; /* IPF: largest |factor - 1| of the last sweep */
} svy_calib_info;

/*
 * Rake 'p' by IPF (calfun, bounds and numeric auxiliaries must be unset)
 * and store the factors in 'g'.  Returns SVY_OK; SVY_ENOCONV when
 * max_iter sweeps were not enough, or when a category with a positive
 * target has no base weight left (achieved 0), with 'g' holding the last
 * iterate and 'info' naming the worst constraint; SVY_EINVAL for a
 * malformed problem.  'info' may be NULL.
 */
svy_status svy_calib_ipf(const svy_calib *p, double *g, svy_calib_info *info,
                         svy_err *err);

/*
 * Calibrate 'p' by Newton's method with p->calfun and store the factors in
 * 'g'.  Returns SVY_OK; SVY_ENOCONV as above (also when the logit bounds
 * cannot be met); SVY_ENUMERIC when GSL fails; SVY_ENOMEM; SVY_EINVAL for
 * bad bounds (logit needs 0 <= L < 1 < U).
 */
svy_status svy_calib_newton(const svy_calib *p, double *g, svy_calib_info *info,
                            svy_err *err);

#endif
