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
 * estimation call is then two passes over the rows (one in file order,
 * one in design order; proportions on a file whose PSUs are runs of
 * consecutive rows, one pass in file order) that sum each PSU's cells,
 * plus work per PSU
 * proportional to the cells and domains it touches (squared when
 * covariances are asked for), whatever the number of categories and
 * domains: a 6-category question against a 9-region banner costs one
 * call, not 54.  Covariances between domains and the Rao-Scott test are
 * computed only when asked for (svy_est_flags).  See linearize.c for the
 * method.
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
 * Factors (svy_factor_*, svy_design_values) are declared in factor.h and
 * the estimation calls (svy_design_props, _means, _ratios and
 * svy_estimates_*) in estimate.h; both come with this header, as they
 * did before they were modules of their own.
 */
#include "svy/estimate.h"
#include "svy/factor.h"

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
 *  - a missing or non-numeric weight or fpc ("data.csv:3: weight column
 *    'w': not a number 'x'"; "line 3: ..." when the table has no source,
 *    svy_table_source), a negative weight, an fpc <= 0, a missing
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

#endif
