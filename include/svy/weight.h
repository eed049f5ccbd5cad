/*
 * weight.h - weight a table to population targets: raking, post-
 * stratification, linear (GREG) and logit-bounded calibration, trimming,
 * and the diagnostics of the result.  This is svy-weight's work as a
 * library call.
 *
 * svy_weight_run binds the targets (targets.h) to the table's columns
 * (bind.h), refuses what cannot be weighted before iterating (a target
 * category with no respondents, a data value with no target, a weighting
 * variable missing for some rows, a missing or non-positive base weight),
 * groups the rows into cells (cells.h), solves (calibrate.h), trims, and
 * writes the weights into the table as column opts->name: appended when
 * new, replaced (with a note) when it exists.  Every other column is left
 * exactly as it was.
 *
 * Methods:
 *  - rake: IPF on the collapsed cell table, so that each sweep costs
 *    O(cells); with numeric auxiliaries in the targets, Newton calibration
 *    with the raking distance (R's calfun = "raking") instead.  Both give
 *    the same weights on categorical margins.
 *  - poststrat: one margin (one variable or a joint a*b*c), one sweep.
 *  - linear, logit: Newton calibration to categorical margins and numeric
 *    totals or means together, as R's calibrate(calfun = "linear" |
 *    "logit"); logit needs bounds L < 1 < U on final / base weight, and
 *    linear accepts them (clipping, as R does).
 * The base weights (opts->base) are honoured within cells: two
 * respondents in one cell keep the ratio of their base weights.
 *
 * Targets become totals: count targets are used as given; shares are
 * multiplied by the population total, which is the targets' count total,
 * else opts->population, else the number of rows.  A 'mean' auxiliary is
 * multiplied by the same total.  opts->population that disagrees with
 * count targets by more than 0.1% is an error.
 *
 * Missing values: a weighting variable's cell is missing when it is empty
 * or, with a codebook, holds a user-missing code that the targets do not
 * name.  By default that is an error listing up to 10 rows (by the id
 * column, else the first column) and the count.  With
 * SVY_WMISS_CATEGORY those respondents form a category of their own in
 * each margin concerned, held at their base-weighted share of the sample,
 * and the margin's other targets are scaled to the rest.
 *
 * Trimming: opts->cap and opts->floor_at are multiples of the mean weight
 * (population total / n).  After solving, rows above the cap are fixed at
 * the cap and rows below the floor at the floor, the targets are reduced
 * by the fixed weights, and the other rows are solved again; this repeats
 * until no free row breaks a bound (rows once fixed stay fixed).  A margin
 * that cannot then be met is reported as non-convergence.
 *
 * The diagnostics are written out as JSON or text by wreport.h.
 *
 * Ownership: 'tg', 'opts' and the strings in 'opts' are borrowed for the
 * call.  A result is owned by the caller (svy_weight_result_free) and
 * borrows nothing.  Errors: SVY_EDATA with a message naming the margin,
 * category, value or rows for bad input (exit 3); SVY_ENOCONV when the
 * method did not converge or a trimmed margin cannot be met (exit 5);
 * SVY_EINVAL for contradictory options; SVY_ENUMERIC, SVY_ENOMEM.
 */
#ifndef SVY_WEIGHT_H
#define SVY_WEIGHT_H

#include <stddef.h>

#include "svy/codebook.h"
#include "svy/err.h"
#include "svy/table.h"
#include "svy/targets.h"

typedef enum svy_weight_method {
    SVY_WEIGHT_RAKE = 0,
    SVY_WEIGHT_POSTSTRAT,
    SVY_WEIGHT_LINEAR,
    SVY_WEIGHT_LOGIT
} svy_weight_method;

/* "rake", "poststrat", "linear", "logit". */
const char *svy_weight_method_name(svy_weight_method m);

/* The method named 's'; returns 0, or -1 when there is none. */
int svy_weight_method_parse(const char *s, svy_weight_method *out);

typedef enum svy_weight_missing {
    SVY_WMISS_ERROR = 0, /* a missing weighting variable is an error */
    SVY_WMISS_CATEGORY   /* missing respondents form their own category */
} svy_weight_missing;

/* "error" or "category"; returns 0, or -1 when 's' is neither. */
int svy_weight_missing_parse(const char *s, svy_weight_missing *out);

/* Options; zero-initialise, zero means the default. */
typedef struct svy_weight_opts {
    svy_weight_method method;
    const char *base;   /* base weight column; NULL: 1 for everyone */
    const char *name;   /* weight column to write; NULL: "weight" */
    const char *id;     /* column naming rows in messages; NULL: first */
    const char *source; /* data name for messages; NULL: "<data>" */
    const svy_codebook *codebook; /* value labels and user-missing codes */
    double cap;                   /* largest weight, times the mean; 0: none */
    double floor_at;              /* smallest weight, times the mean; 0: none */
    double lower, upper;          /* bounds on final/base (linear, logit) */
    double tolerance;             /* relative; 0: 1e-10 */
    size_t max_iter;              /* 0: 1000 sweeps (IPF) or Newton steps */
    svy_weight_missing missing;
    double population; /* total the weights sum to with share targets */
    int keep_last;     /* write the last iterate when not converged */
    /*
     * Add a new weight column as numbers (SVY_NUM) rather than as text in
     * svy_num_format's form: the same bytes once written, but formatted
     * by the writer (svy_records_write spreads that over two threads)
     * instead of here.  A column that exists keeps its type.
     */
    int numeric_column;
    svy_note_fn note;  /* notes (replaced column, rescaled margins) */
    void *note_ctx;
} svy_weight_opts;

/* Kish's summary of a set of weights. */
typedef struct svy_weight_stats {
    size_t n;
    double sum, sum2;      /* Σw and Σw² */
    double min, max, mean; /* mean = Σw / n */
    double cv;             /* standard deviation (divisor n) / mean */
    double deff;           /* Kish: n·Σw²/(Σw)² = 1 + cv² */
    double ess;            /* effective sample size (Σw)²/Σw² */
    double efficiency;     /* ess / n */
} svy_weight_stats;

/* Compute the summary of 'n' weights (n = 0 gives zeros). */
void svy_weight_stats_compute(const double *w, size_t n, svy_weight_stats *s);

typedef struct svy_weight_result svy_weight_result;

/* What the run did, for reports. */
typedef struct svy_weight_summary {
    svy_weight_method method;
    const char *algorithm; /* "ipf" or "newton" */
    const char *weight;    /* the weight column written */
    const char *base;      /* the base weight column, or NULL */
    /* The options in force, defaults filled in. */
    double tolerance;
    size_t max_iter;
    double lower, upper; /* bounds (0, 0: none) */
    double cap_mult, floor_mult;
    int missing_category;
    int converged;
    size_t iterations; /* sweeps or Newton steps, all rounds */
    size_t rounds;     /* solves: 1 + trimming rounds */
    double population; /* the total the weights were set to */
    svy_weight_stats stats;
    double cap, floor_at; /* absolute bounds (0: none) */
    size_t capped, floored;
    /*
     * Wall time (CLOCK_MONOTONIC) of the weighting step: from the start
     * of svy_weight_run to the final weights and their diagnostics, that
     * is binding, grouping, solving and trimming.  Reading the data before
     * and writing the weight column after are not in it (as R's rake()
     * call excludes read.csv and write.csv); writing the column into the
     * table is 'seconds_column'.
     */
    double seconds, seconds_column;
} svy_weight_summary;

/*
 * One line of the per-margin diagnostics.  For a categorical margin, one
 * per category (the missing category is "(missing)"): 'n' rows, their
 * unweighted and base-weighted shares of the sample, and the target and
 * achieved shares of the weighted total, with the totals beside them.
 * For a numeric margin, one line: 'n' rows, the unweighted and
 * base-weighted means, the target and achieved means and totals.
 */
typedef struct svy_weight_line {
    const char *category;
    size_t n;
    double unweighted, base_weighted;
    double target, achieved;
    double target_total, achieved_total;
} svy_weight_line;

/*
 * Weight 't' to 'tg'.  On SVY_OK the weight column holds the weights and
 * '*res' the diagnostics.  On SVY_ENOCONV '*res' describes the last
 * iterate, which the weight column holds only when opts->keep_last (else
 * the table is unchanged); 'err' names the worst margin and category with
 * target and achieved values.  On other errors '*res' is NULL and the
 * table unchanged.
 */
svy_status svy_weight_run(svy_table *t, const svy_targets *tg,
                          const svy_weight_opts *opts, svy_weight_result **res,
                          svy_err *err);

/* Free; NULL is a no-op. */
void svy_weight_result_free(svy_weight_result *r);

/* The summary.  Borrowed from 'r'. */
const svy_weight_summary *svy_weight_result_summary(const svy_weight_result *r);

/* The weights, one per row, as doubles.  Borrowed from 'r'. */
const double *svy_weight_result_weights(const svy_weight_result *r);

/* Margins in targets order; each has 'nlines' lines. */
size_t svy_weight_result_nmargins(const svy_weight_result *r);
const char *svy_weight_result_margin(const svy_weight_result *r, size_t i,
                                     svy_mkind *kind, size_t *nlines);
const svy_weight_line *svy_weight_result_line(const svy_weight_result *r,
                                              size_t i, size_t k);

#endif
