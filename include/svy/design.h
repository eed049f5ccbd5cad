/*
 * design.h - survey designs and design-based estimation: weighted means,
 * proportions, totals and ratios, within domains, with standard errors by
 * Taylor linearization, design effects, confidence intervals and the
 * Rao-Scott tests of a two-way table.  The numbers are those of R's survey
 * package (Lumley): svydesign, svymean, svytotal, svyratio, svyby,
 * svyciprop and svychisq; every difference from R is stated below.
 *
 * A design describes how the rows of a table were sampled:
 *  - weights (R's weights = ~w); without them, weights come from the fpc
 *    (N1/n1 · N2/n2, as svydesign derives them) or are all 1;
 *  - strata (R's strata = ~s), optional;
 *  - cluster ids for one or two stages (R's id = ~psu or ~psu + ssu);
 *    without them each row is its own PSU (R's id = ~1);
 *  - finite population corrections for each stage (R's fpc = ~f1 + f2):
 *    population counts, or sampling fractions when every value is at most
 *    1, as svydesign accepts them; constant within a stratum (stage 1) and
 *    within a PSU (stage 2);
 *  - the lonely-PSU policy, R's options(survey.lonely.psu).
 * PSU ids are nested in strata: the same id in two strata names two PSUs
 * (R's nest = TRUE; R's default nest = FALSE refuses such data, so the two
 * agree whenever R accepts the design).  SSU ids are nested in PSUs.
 *
 * Variance: PSUs are taken as sampled with replacement within strata, the
 * stage-1 contribution multiplied by (N-n)/N when the fpc is given; with a
 * second-stage fpc, each PSU adds its within-PSU variance times n1/N1, as
 * R's svyrecvar/multistage do.  Domains (banner columns, filters) keep all
 * PSUs: rows outside the domain contribute zero, as svyby does.  Missing
 * values of the analysed variable are treated the same way (R's
 * na.rm = TRUE), so they never change the design.  Rows of weight zero
 * take part in nothing.
 *
 * Speed: svy_design_new does the one pass that maps ids to dense indices
 * (hashing their text) and orders the rows by stratum, PSU and SSU; each
 * estimation call is then one or two passes over the rows plus work
 * proportional to the number of PSUs and cells, whatever the number of
 * categories and domains: a 6-category question against a 9-region
 * banner costs one call, not 54.  Covariances between domains and the Rao-Scott
 * test are computed only when asked for (svy_est_flags), because with m rows
 * per PSU they cost O(m) more per row.  See design.c for the method.
 *
 * Ownership: a design copies what it needs from the table (weights, ids,
 * fpc, calibration margins), so the table may change or be freed
 * afterwards; estimation results are objects the caller frees, and they
 * refer to their design, which must outlive them (and keep its
 * calibration) until they are freed.  Strings and arrays passed in are
 * borrowed for the call.  Errors: functions that can fail return svy_status
 * with a message in 'err'; data errors name the table's source line
 * ("line 12: weight column 'pw': not a number 'x'").
 */
#ifndef SVY_DESIGN_H
#define SVY_DESIGN_H

#include <stddef.h>

#include "svy/err.h"
#include "svy/table.h"
#include "svy/variance.h"

typedef struct svy_design svy_design;

/*
 * What to do with a stratum that has a single PSU (or, at stage 2, a PSU
 * with a single SSU), unless its fpc says it was taken with certainty
 * (N = n, which contributes no variance anyway):
 *  FAIL       refuse the design, naming the stratum (R's default "fail");
 *  ADJUST     centre the PSU total at zero, the grand mean of the
 *             linearized values, instead of the stratum mean ("adjust");
 *  AVERAGE    leave the stratum out and scale the variance up by
 *             strata / strata with two or more PSUs, counting the strata
 *             that hold rows of the domain ("average");
 *  CERTAINTY  the stratum contributes nothing ("certainty");
 *  REMOVE     the same, as R 4.1 computes it ("remove").
 * At stage 2, AVERAGE gives NaN variances, as R does.
 */
typedef enum svy_lonely {
    SVY_LONELY_FAIL = 0,
    SVY_LONELY_ADJUST,
    SVY_LONELY_AVERAGE,
    SVY_LONELY_CERTAINTY,
    SVY_LONELY_REMOVE
} svy_lonely;

/* "fail", "adjust", ...: a static string. */
const char *svy_lonely_name(svy_lonely l);

/* Parse a policy name; 1 and '*out' set when 's' is one, else 0. */
int svy_lonely_parse(const char *s, svy_lonely *out);

/*
 * The design, by column names (NULL: not given).  Zero means default.
 * Numeric values (weights, fpc) are read from numeric columns or parsed
 * from text columns with svy_num_parse; ids and strata are compared as
 * values (text as bytes, numbers as numbers), never parsed.
 */
typedef struct svy_design_opts {
    const char *weight;     /* weights; NULL: from the fpc, else all 1 */
    const char *strata;     /* strata; NULL: one stratum */
    const char *cluster[2]; /* PSU and SSU ids; NULL: each row a PSU */
    const char *fpc[2];     /* fpc of stage 1 and stage 2 */
    svy_lonely lonely;
} svy_design_opts;

/*
 * Build a design over the rows of 't' ('opts' may be NULL: weights 1,
 * each row its own PSU).  Errors (SVY_EDATA unless noted), naming the
 * column and the source line of the first offending row:
 *  - SVY_EINVAL: a column that does not exist ("weight column 'w' not
 *    found"); cluster[1] without cluster[0]; fpc[1] without cluster[1]
 *    or without fpc[0]; two stages with fpc[0] but no fpc[1] (R refuses
 *    that too);
 *  - a missing or non-numeric weight or fpc ("line 3: weight column 'w':
 *    not a number 'x'"), a negative weight, an fpc <= 0, a missing
 *    stratum or id ("line 5: cluster column 'psu' is empty");
 *  - fpc values mixing counts (> 1) and fractions (all must be >= 1 or
 *    all <= 1 and not all 1, as R requires), an fpc that varies within a
 *    stratum or a PSU, or one that implies more than 100% sampling;
 *  - a lonely PSU under SVY_LONELY_FAIL: "stratum '3' has only one PSU
 *    (lonely PSU): choose adjust, average, certainty or remove", or at
 *    stage 2 "PSU '7' in stratum '3' has only one SSU (...)";
 *  - cluster ids given and a single PSU ("the design has only one primary
 *    sampling unit", as R).
 * On success '*out' owns a design the caller frees with svy_design_free.
 */
svy_status svy_design_new(svy_design **out, const svy_table *t,
                          const svy_design_opts *opts, svy_err *err);

/* Free the design; NULL is a no-op. */
void svy_design_free(svy_design *d);

/* Rows of the table the design was built on. */
size_t svy_design_nrows(const svy_design *d);

/* Number of strata (1 without strata) and of PSUs (stage-1 units). */
size_t svy_design_nstrata(const svy_design *d);
size_t svy_design_npsu(const svy_design *d);

/*
 * R's degf(design): PSUs minus strata, counting only those with a row of
 * non-zero weight.
 */
double svy_design_degf(const svy_design *d);

/* The weights, one per row.  Borrowed until the design is freed. */
const double *svy_design_weights(const svy_design *d);

/*
 * Calibration-aware variances.  After weights were raked or calibrated to
 * population margins, the linearized values are replaced by their
 * residuals on the margins before the variance is computed, as R's
 * svyrecvar does for a design that went through rake(), calibrate() or
 * postStratify().  Two rules, because R has two:
 *  RAKE  R's rake(): ten sweeps over the margins in order, each replacing
 *        u = z/w by u minus its unweighted mean over the rows in the same
 *        category (z the linearized value, w the final weight).
 *  GREG  R's calibrate() (any calfun) and postStratify(): the residual of
 *        the weighted least-squares regression of u on an intercept, the
 *        margins' category indicators and the numeric auxiliaries, with
 *        the base (pre-calibration) weights as regression weights; the
 *        final weights when no base weight column is given.
 * The two agree when all base weights are equal and the raking converged
 * (R's 10 sweeps are then close to the projection), not otherwise.
 */
typedef enum svy_calvar { SVY_CALVAR_RAKE = 0, SVY_CALVAR_GREG } svy_calvar;

/* One calibration margin. */
typedef struct svy_design_margin {
    const char *var; /* a column, or "a*b" for the joint margin of a and b */
    int numeric;     /* 1: a numeric auxiliary (GREG only): its values are
                      * a regression column; 0: categorical */
} svy_design_margin;

typedef struct svy_calvar_opts {
    svy_calvar method;       /* zero: RAKE */
    const char *base_weight; /* GREG's regression weights; NULL: final */
} svy_calvar_opts;

/*
 * Make every later estimate on 'd' calibration-aware for the 'n' margins
 * 'm' of table 't' (the table the design was built on, or one with the
 * same rows).  Categories are the distinct values of the column (or of
 * the combination, for "a*b").  'opts' may be NULL (RAKE).  Replaces any
 * earlier calibration; n = 0 removes it.
 *
 * Errors: SVY_EINVAL for an unknown column, a numeric margin under RAKE,
 * a row count that differs from the design's; SVY_EDATA for a missing
 * value in a margin variable or a base weight that is missing, not a
 * number or not positive where the final weight is positive;
 * SVY_ENUMERIC when GSL fails to decompose the regression matrix.
 */
svy_status svy_design_set_calibration(svy_design *d, const svy_table *t,
                                      const svy_design_margin *m, size_t n,
                                      const svy_calvar_opts *opts,
                                      svy_err *err);

/*
 * A categorical variable coded for estimation: one code per row,
 * 0..nlevels-1, or -1 when the row is missing on it.  Used both for the
 * variable whose categories are estimated and for the domains (banner).
 */
typedef struct svy_factor svy_factor;

/* Flags for svy_factor_new and svy_design_values. */
enum svy_factor_flags {
    SVY_FACTOR_KEEP_USER_MISSING = 1 << 0 /* user-missing codes are
                                           * categories (--base all) */
};

/*
 * Code column 'col' of 't'.  Levels are the distinct non-empty values;
 * user-missing codes (svy_column_set_user_missing) count as missing
 * unless SVY_FACTOR_KEEP_USER_MISSING is set; rows where 'missing' (may
 * be NULL; one byte per row) is non-zero are missing too.  Levels are in
 * numeric order when every value is a number, else in byte order, as a
 * person (and R's factor() in the C locale) orders them.  Errors:
 * SVY_EINVAL for an unknown column, SVY_ENOMEM.
 */
svy_status svy_factor_new(svy_factor **out, const svy_table *t, const char *col,
                          const unsigned char *missing, int flags,
                          svy_err *err);

/*
 * A factor from codes the caller made: 'codes' holds 'n' values in
 * -1..nlevels-1, 'labels' the nlevels level names (copied).  Use it for
 * nets and recodes, or to keep codebook levels that no row has.
 * SVY_EINVAL for a code out of range.
 */
svy_status svy_factor_from_codes(svy_factor **out, const int *codes, size_t n,
                                 const char *const *labels, size_t nlevels,
                                 svy_err *err);

/* Free; NULL is a no-op. */
void svy_factor_free(svy_factor *f);

size_t svy_factor_nlevels(const svy_factor *f);

/* Level 'k' as text ("1", "Yes").  Borrowed. */
const char *svy_factor_level(const svy_factor *f, size_t k);

/* The codes, one per row.  Borrowed. */
const int *svy_factor_codes(const svy_factor *f);

/* Number of rows the factor codes. */
size_t svy_factor_nrows(const svy_factor *f);

/*
 * The values of column 'col' of 't' as doubles, NaN where missing (empty,
 * user missing unless SVY_FACTOR_KEEP_USER_MISSING, masked by 'missing'
 * (may be NULL), or a text value that is not a number).  '*out' receives
 * an array of svy_table_nrows(t) doubles that the caller frees with
 * free().  SVY_EINVAL for an unknown column, SVY_ENOMEM.
 */
svy_status svy_design_values(double **out, const svy_table *t, const char *col,
                             const unsigned char *missing, int flags,
                             svy_err *err);

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
    SVY_EST_CHISQ = 1 << 2         /* the Rao-Scott tests of var × by;
                                    * implies SVY_EST_COV */
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
