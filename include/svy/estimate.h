/*
 * estimate.h - design-based estimates on a design (design.h): proportions,
 * means, totals and ratios within domains, with standard errors by Taylor
 * linearization, design effects, confidence intervals, comparisons of
 * domains and the Rao-Scott tests, as R's svymean, svytotal, svyratio,
 * svyby, svyciprop and svychisq (the differences from R are stated in
 * design.h and below).
 *
 * Speed: each call is one read of the rows in file order and one in
 * design order plus work proportional to the PSUs and cells (see
 * linearize.c); calls on large data may use a second thread.
 *
 * Ownership: results are objects the caller frees with
 * svy_estimates_free; they refer to their design, which must outlive them
 * (and keep its calibration) until they are freed.
 */
#ifndef SVY_ESTIMATE_H
#define SVY_ESTIMATE_H

#include <stddef.h>

#include "svy/err.h"
#include "svy/factor.h"
#include "svy/variance.h"

typedef struct svy_design svy_design;

/*
 * Flags of svy_est_opts.  Standard errors are always computed; the
 * covariances between domains and the Rao-Scott test cost more (O(m²)
 * per PSU instead of O(m), m the rows of a PSU), so they are asked for.
 */
enum svy_est_flags {
    SVY_EST_DEFF_REPLACE = 1 << 0, /* R's deff = "replace": SRS with
                                    * replacement as the reference */
    SVY_EST_COV = 1 << 1,          /* covariances between domains, for
                                    * svy_estimates_cov and _compare */
    SVY_EST_CHISQ = 1 << 2,        /* the Rao-Scott tests of var × by;
                                    * implies SVY_EST_COV */
    SVY_EST_ONE_THREAD = 1 << 3    /* no second thread on large data, for
                                    * callers running calls side by side;
                                    * the results are the same */
};

/* Options of the estimation calls; zero means default. */
typedef struct svy_est_opts {
    double level;     /* confidence level; 0: 0.95 */
    svy_ci_method ci; /* interval of proportions; 0: logit */
    double df;        /* 0: each domain's degrees of freedom (R's degf of
                       * the domain: its PSUs minus its strata), as
                       * svyciprop; INFINITY: normal intervals, as R's
                       * confint(); > 0: that number */
    int flags;        /* svy_est_flags */
} svy_est_opts;

/* One estimate. */
typedef struct svy_est {
    double est;             /* the estimate */
    double se;              /* its standard error */
    double deff;            /* design effect, R's deff = TRUE (NaN for a
                             * ratio) */
    double ci_low, ci_high; /* confidence interval */
} svy_est;

/*
 * One cell of an estimation result: category k (always 0 for a numeric
 * variable) in domain j.
 */
typedef struct svy_cell {
    svy_est mean;    /* proportion of the category / mean / ratio */
    svy_est total;   /* weighted count of the category / total of y */
    double n;        /* rows in the cell: unweighted count */
    double base_n;   /* rows with a valid value in the domain */
    double base_w;   /* their weight (the ratio's denominator: Σ w x) */
    double base_eff; /* Kish's effective base (Σw)²/Σw² of those rows */
    double df;       /* degrees of freedom used for the intervals */
} svy_cell;

typedef struct svy_estimates svy_estimates;

/*
 * Proportions (and weighted counts) of each level of 'var' within each
 * level of 'by' (domains), or over all rows when 'by' is NULL; only rows
 * where 'subset' (may be NULL; one byte per row) is non-zero take part.
 * Rows missing on 'var' are out of the bases; rows missing on 'by' are in
 * no domain.  As svyby(~var, ~by, design, svymean, na.rm = TRUE) and
 * svyciprop(~I(var == k), design_in_domain).  With 'by' and
 * SVY_EST_CHISQ, the Rao-Scott tests of var × by over rows valid on both
 * are computed too, unless the table has more than 1024 cells.
 * 'opts' may be NULL.  On success '*out' holds the result.
 */
svy_status svy_design_props(svy_estimates **out, const svy_design *d,
                            const svy_factor *var, const svy_factor *by,
                            const unsigned char *subset,
                            const svy_est_opts *opts, svy_err *err);

/*
 * The result svy_design_props(var, NULL) gives, from 'by', the result of
 * svy_design_props(var, by) with SVY_EST_CHISQ (every covariance kept),
 * when every row of its subset is in one of by's domains: a banner table's
 * total column without another pass over the rows.  The same numbers to
 * rounding (sums added in another order).  SVY_EINVAL when 'by' does not
 * qualify (the caller then makes the call), or with likelihood intervals.
 */
svy_status svy_estimates_total(svy_estimates **out, const svy_estimates *by,
                               const svy_est_opts *opts, svy_err *err);

/*
 * Means and totals of 'y' (one double per row, NaN missing) within each
 * level of 'by' (or overall), as svymean/svytotal(~y, na.rm = TRUE) and
 * svyby.  Intervals are Wald intervals with the df of opts.
 */
svy_status svy_design_means(svy_estimates **out, const svy_design *d,
                            const double *y, const svy_factor *by,
                            const unsigned char *subset,
                            const svy_est_opts *opts, svy_err *err);

/*
 * Ratios of totals Σ w y / Σ w x within each level of 'by' (or overall),
 * as svyratio(~y, ~x, na.rm = TRUE): rows where either is missing are
 * out.  The cell's 'total' holds the total of y (with its SE).
 */
svy_status svy_design_ratios(svy_estimates **out, const svy_design *d,
                             const double *y, const double *x,
                             const svy_factor *by, const unsigned char *subset,
                             const svy_est_opts *opts, svy_err *err);

/* Free; NULL is a no-op. */
void svy_estimates_free(svy_estimates *e);

/* Categories (1 for means and ratios) and domains (1 without 'by'). */
size_t svy_estimates_nrows(const svy_estimates *e);
size_t svy_estimates_ncols(const svy_estimates *e);

/* Cell (k, j).  Borrowed until svy_estimates_free. */
const svy_cell *svy_estimates_cell(const svy_estimates *e, size_t k, size_t j);

/*
 * Covariance of the 'mean' estimates of cells (k1, j1) and (k2, j2), by
 * the same linearization: what R's svyratio(~I(y*d1) + I(y*d2), ~d1 + d2,
 * covmat = TRUE) gives with domain indicators d (survey 4.1's
 * svyby(covmat = TRUE) sets covariances between domains of a
 * linearization design to zero, which is not right).  Available for
 * one category in two domains when the result was computed with
 * SVY_EST_COV or SVY_EST_CHISQ, for any two cells with SVY_EST_CHISQ (and
 * at most 1024 cells), for a cell with itself always; NaN otherwise.
 */
double svy_estimates_cov(const svy_estimates *e, size_t k1, size_t j1,
                         size_t k2, size_t j2);

/* A comparison of two cells' estimates (column tests). */
typedef struct svy_compare {
    double diff; /* estimate 1 - estimate 2 */
    double se;   /* sqrt(v1 + v2 - 2 cov) */
    double t;    /* diff / se */
    double df;   /* degrees of freedom of the whole subset */
    double p;    /* two-sided p-value */
} svy_compare;

/*
 * Compare the 'mean' estimates of category k in domains j1 and j2 with a
 * design-based t test that accounts for their covariance (domains share
 * PSUs); the result needs SVY_EST_COV (NaN otherwise).  The degrees of
 * freedom are those of all rows in the subset (or opts->df when it was
 * given).
 */
void svy_estimates_compare(const svy_estimates *e, size_t k, size_t j1,
                           size_t j2, svy_compare *out);

/*
 * The Rao-Scott tests of var × by (svy_design_props with 'by' and
 * SVY_EST_CHISQ).  Returns NULL when they were not computed (not asked,
 * no 'by', a dimension below 2, more than 1024 cells); else a struct
 * borrowed until svy_estimates_free.  Levels with no weight among the valid
 * rows are left out of the table first (R builds the table from the values
 * present).
 */
const svy_rao_scott *svy_estimates_rao_scott(const svy_estimates *e);

/*
 * The degrees of freedom of all rows in the subset: PSUs minus strata
 * among them (the design's degf when there is no subset).
 */
double svy_estimates_df(const svy_estimates *e);

#endif
