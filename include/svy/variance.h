/*
 * variance.h - the closed-form statistics that turn an estimate and its
 * design-based variance into what a table shows: confidence intervals for
 * means and proportions, two-sided tests, and the Rao-Scott tests of
 * independence of a two-way table.
 *
 * Everything here is a pure function of numbers: the design module
 * (design.h) computes estimates, variances and covariances by Taylor
 * linearization, and calls these to finish them; a program that forms its
 * own contrasts (nets, column differences) calls them directly.  The rules
 * follow R's survey package (Lumley), version 4.1, so that svykit and R
 * agree to rounding:
 *  - Wald intervals as R's confint(): est ± t(1 - α/2, df)·se, where an
 *    infinite 'df' means the normal quantile;
 *  - proportion intervals as svyciprop(), method by method (see
 *    svy_ci_method below), plus Wilson, which R lacks;
 *  - Rao-Scott tests as svychisq(statistic = "F") and ("Chisq").
 * Distribution functions come from GSL, which only the engine modules
 * include; nothing here mentions a GSL type.
 *
 * Ownership: every pointer argument is borrowed for the call; results are
 * written to caller-supplied structs.  Errors: functions that can fail
 * return svy_status with a message in 'err'; the interval functions
 * cannot fail and report an undefined interval as NaN bounds (df <= 0, a
 * NaN standard error, a proportion outside [0, 1]).
 */
#ifndef SVY_VARIANCE_H
#define SVY_VARIANCE_H

#include <stddef.h>

#include "svy/err.h"

/*
 * Confidence-interval methods for a proportion p with standard error se,
 * t = the (1 - α/2) quantile of Student's t with df degrees of freedom:
 *
 *  LOGIT       R's default, svyciprop(method = "logit"): the Wald interval
 *              of logit(p), back-transformed:
 *              expit(logit(p) ± t·se/(p(1-p))).  R fits it with svyglm,
 *              which in exact arithmetic gives this closed form.
 *  WALD        svyciprop(method = "mean"): p ± t·se.
 *  WILSON      not in R.  The Wilson score interval with the effective
 *              sample size n* = p(1-p)/se² (the sample size under which
 *              simple random sampling gives the same variance) and t:
 *                (p + t²/(2n*) ± t·sqrt(p(1-p)/n* + t²/(4n*²))) / (1 + t²/n*)
 *              When se is 0 (p is 0 or 1, or no variation), n* is the
 *              unweighted count n.
 *  BETA        Korn and Graubard (1998), svyciprop(method = "beta"):
 *              n* = p(1-p)/se² · (q(n-1)/q(df))² with q(k) the α/2
 *              quantile of t with k degrees of freedom, then the
 *              Clopper-Pearson limits
 *                [qbeta(α/2; n*p, n*(1-p) + 1), qbeta(1-α/2; n*p + 1,
 * n*(1-p))]. R returns NaN when se is 0; svykit uses n* = n there, so that 0%
 * gets an interval [0, u] with u > 0, as in Korn and Graubard's paper. ASIN
 * svyciprop(method = "asin"): sin²(asin(√p) ± t·se/(2√(p(1-p)))).  The angle is
 * clamped to [0, π/2] (R does not clamp, so near 0 and 1 R's lower bound can
 * fold back above 0). XLOGIT      svyciprop(method = "xlogit"): the same
 * formula as LOGIT, by the delta method (R computes it with svycontrast).
 *  LIKELIHOOD  svyciprop(method = "likelihood"): R's profile-likelihood
 *              interval for the intercept of a quasibinomial svyglm with a
 *              design-based scaling, which needs more than p and se; see
 *              svy_ci_likelihood.  svy_ci_prop returns NaN bounds for it.
 *
 * Checklist: a new method needs a name in svy_ci_method_name/parse (in
 * variance.c) and a case in svy_ci_prop.
 */
typedef enum svy_ci_method {
    SVY_CI_LOGIT = 0,
    SVY_CI_WALD,
    SVY_CI_WILSON,
    SVY_CI_BETA,
    SVY_CI_ASIN,
    SVY_CI_XLOGIT,
    SVY_CI_LIKELIHOOD
} svy_ci_method;

/*
 * The method's name: "logit", "wald", "wilson", "beta", "asin", "xlogit",
 * "likelihood".  A static string.
 */
const char *svy_ci_method_name(svy_ci_method m);

/*
 * Parse a method name: the names above, plus R's aliases "mean" (WALD)
 * and "kg" and "korn-graubard" (BETA).  Returns 1 and sets '*out' when
 * 's' is a method, 0 otherwise.
 */
int svy_ci_method_parse(const char *s, svy_ci_method *out);

/*
 * The p-quantile of Student's t with 'df' degrees of freedom; the normal
 * quantile when df is infinite.  NaN when df <= 0, df is NaN or p is
 * outside (0, 1).
 */
double svy_t_quantile(double p, double df);

/*
 * The two-sided p-value of a t statistic with 'df' degrees of freedom
 * (normal when df is infinite): P(|T| >= |t|).  NaN for NaN input or
 * df <= 0.
 */
double svy_t_pvalue(double t, double df);

/*
 * Wald interval est ± t(1 - α/2, df)·se with α = 1 - level, as R's
 * confint(svymean(...), df = df).  'level' in (0, 1); both bounds NaN if
 * the interval is undefined.
 */
void svy_ci_wald(double est, double se, double df, double level, double *lo,
                 double *hi);

/*
 * Interval for a proportion 'p' (in [0, 1]) with design-based standard
 * error 'se', 'df' degrees of freedom (R's degf(design) of the domain),
 * confidence 'level' and 'n' the unweighted number of rows in the
 * domain (R's nrow(design), used by BETA and as the fallback effective
 * size of WILSON and BETA).  See svy_ci_method for the formulas.  The
 * bounds are NaN when undefined, and for SVY_CI_LIKELIHOOD.
 */
void svy_ci_prop(svy_ci_method m, double p, double se, double df, double n,
                 double level, double *lo, double *hi);

/*
 * What R's likelihood interval for a proportion needs.  svyciprop fits
 * y ~ 1 by svyglm(family = quasibinomial) with prior weights W = w/w̄
 * (w̄ the mean weight over the domain's rows) and profiles the deviance
 * D(b) = -2 (s1·log expit(b) + s0·log(1 - expit(b))) around the fit.
 * The design module fills this from the data, replaying glm's IRLS so
 * that 'b' and 'lambda' are R's (glm stops at a relative change of
 * deviance below 1e-8, and R takes the model variance from the weights of
 * the last-but-one iterate); a caller without the data may use
 * b = logit(p), se_b = se/(p(1-p)), lambda = se_b²·(s1 + s0)·p(1-p).
 */
typedef struct svy_lik_data {
    double b;          /* the fitted logit, R's coef(svyglm) */
    double se_b;       /* its design-based standard error */
    double lambda;     /* design over model variance of b */
    double df;         /* denominator degrees of freedom (degf) */
    double n;          /* valid rows in the model (R's NROW(Y)) */
    double s1, s0;     /* Σ W y and Σ W (1 - y) over valid rows */
    double dispersion; /* svyglm's quasibinomial dispersion */
} svy_lik_data;

/*
 * R's profile-likelihood interval (confint.svyglm method "likelihood" and
 * MASS's profile.glm as the survey package copies them): a grid of at
 * most 9 steps of se_b·zmax/5 each way, z = ±sqrt(ΔD/dispersion), an FMM
 * cubic spline through (b, z) evaluated at 3× as many evenly spaced
 * points, and linear interpolation of b at z = ±q, with the level
 * rescaled by 'lambda'.  Bounds are expit(b).  NaN bounds when the
 * profile never reaches the cutoff or an input is not finite.
 */
void svy_ci_likelihood(const svy_lik_data *ld, double level, double *lo,
                       double *hi);

/*
 * The Rao-Scott tests of independence of a two-way table, as
 * svychisq(~row + col, design, statistic = "F" / "Chisq").
 */
typedef struct svy_rao_scott {
    double pearson;    /* Pearson's X² of the weighted table scaled to n */
    double pearson_p;  /* its naive p-value, chi-square (r-1)(c-1) df */
    double delta_mean; /* mean of the generalized design effects δ */
    double f;          /* second-order corrected F = X² / Σδ */
    double ndf, ddf; /* its degrees of freedom: d0 = (Σδ)²/Σδ², d0·nu */
    double f_p;      /* P(F(ndf, ddf) > f) */
    double chisq;    /* first-order corrected X² / mean(δ) */
    double chisq_df; /* (r-1)(c-1) */
    double chisq_p;  /* P(χ²(chisq_df) > chisq) */
} svy_rao_scott;

/*
 * Compute the Rao-Scott tests from the estimated cell proportions 'p' of
 * an nr × nc table (nr·nc values, the row index varying fastest, as R's
 * interaction(row, col); they sum to 1), their design-based covariance
 * matrix 'V' ((nr·nc)² values, same order, row-major), 'n' the number of
 * rows of the data (R's nrow(design); only Pearson's X² depends on it)
 * and 'nu' the design's degrees of freedom (PSUs minus strata).
 *
 * The method is Rao and Scott (1984) as R's svychisq: with C the
 * interaction contrasts (double-centred cell indicators, R's residuals of
 * the interaction columns on the main effects), D = diag(p) and
 * Δ = (C'D⁻¹C/n)⁻¹ (C'D⁻¹VD⁻¹C), F = X²/tr(Δ) on d0 = tr(Δ)²/tr(Δ²) and
 * d0·nu degrees of freedom, and the first-order X²·(r-1)(c-1)/tr(Δ) on
 * (r-1)(c-1).  Cells with p = 0 get D⁻¹ = 0, as in R.
 *
 * Returns SVY_OK; SVY_EINVAL when a dimension is below 2 (no test);
 * SVY_ENUMERIC when C'D⁻¹C is singular, exactly (a row or column with no
 * weight) or computationally: its reciprocal condition number is below
 * DBL_EPSILON, where R's solve() stops svychisq with "system is
 * computationally singular" (empty cells, as a banner of the cluster
 * variable gives when some clusters lack a category); SVY_ENOMEM.  On
 * failure '*out' is filled with NaN.
 */
svy_status svy_rao_scott_test(const double *p, const double *V, size_t nr,
                              size_t nc, double n, double nu,
                              svy_rao_scott *out, svy_err *err);

#endif
