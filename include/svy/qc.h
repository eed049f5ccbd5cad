/*
 * qc.h - fieldwork quality checks: duplicate ids, exact duplicate
 * interviews, near-duplicate interviews (Kuriakose & Robbins' maximum
 * percent match), speeders, and a per-interviewer summary that marks the
 * interviewers whose rates stand out.
 *
 * svy_qc_run reads a table of text columns (as svy_csv_read gives it) and
 * returns a result object holding one svy_qc_row per interview and one
 * svy_qc_group per interviewer; writers turn it into the flags CSV, the
 * summary CSV or a text view.  Every value is treated as text: "1" and
 * "1.0" are different answers, and an empty answer is an answer of its
 * own (missing counts as a value when answers are compared).
 *
 * The rules, stated once here and in svy-qc(1):
 *  - dup_id: the id was already used by an earlier row (the first use is
 *    not flagged); empty ids are never duplicates.
 *  - dup_interview: an earlier row has exactly the same answers on every
 *    question; dup_of names the first such row.
 *  - max_match: the largest share of questions on which the row agrees
 *    with any other row; match_row is that row (the earliest on a tie).
 *    near_dup is 1 when max_match is above the threshold (strictly).
 *  - speeder: duration below opts->min_duration when that is set, else
 *    below opts->speed_fraction (default 0.5) times the median duration.
 *    An empty duration is never a speeder; any other non-number is an
 *    error.
 *  - straightliner: in some grid, the interview has at least
 *    SVY_QC_STRAIGHT_MIN valid answers and they are all equal.  A valid
 *    answer is one that is neither empty nor a user-missing code of the
 *    codebook; valid answers must be numbers.  The within-person spread
 *    of a grid is the standard deviation of its valid answers (divisor
 *    k - 1, as R's sd(); none with fewer than 2).
 *  - nonresponse: the share of questions answered don't know or refused
 *    (a user-missing code of the codebook) plus the share left empty is
 *    above opts->max_nonresponse (default 0.3).
 *  - an interviewer stands out on a check when they have at least 5
 *    interviews, at least 2 of them flagged, and their share flagged
 *    exceeds the overall share by more than 3 binomial standard errors:
 *    share > p + 3 sqrt(p (1 - p) / n).
 *
 * Ownership: svy_qc_run copies nothing it does not need; the result owns
 * its rows, groups and strings, and the table may be freed afterwards.
 * Pointers returned by the accessors are borrowed until svy_qc_free.
 * Errors: functions return svy_status with a complete message in 'err'.
 */
#ifndef SVY_QC_H
#define SVY_QC_H

#include <stddef.h>

#include "svy/buf.h"
#include "svy/codebook.h"
#include "svy/err.h"
#include "svy/io.h"
#include "svy/table.h"

/* Default threshold of the near-duplicate flag (Kuriakose & Robbins). */
#define SVY_QC_MATCH_THRESHOLD 0.85

/* Default speeder fraction of the median duration. */
#define SVY_QC_SPEED_FRACTION 0.5

/* An interviewer stands out only with at least this many interviews, */
#define SVY_QC_MIN_GROUP 5

/* and at least this many of them flagged by the check. */
#define SVY_QC_MIN_FLAGGED 2

/* Straightlining needs at least this many valid answers in the grid. */
#define SVY_QC_STRAIGHT_MIN 3

/* Default nonresponse flag: more than this share of the questions. */
#define SVY_QC_MAX_NONRESPONSE 0.3

/*
 * Options; zero means default.  Column names are borrowed for the call.
 *  - id: the id column; NULL means the table's first column.
 *  - interviewer, duration: NULL means the check or grouping is skipped
 *    (one group, no speeders).
 *  - questions: 'nquestions' names of the substantive questions.  When
 *    NULL they are chosen from 'codebook' (see svy_qc_default_questions).
 *  - exclude: a NULL-terminated list (may be NULL) of design or other
 *    variables never taken as questions by default (strata, weights).
 *  - source: the file name used in messages ("data.csv").
 *  - threads: worker threads for the pair comparison; 0 means the number
 *    of online processors, at most 8.
 *  - grids: the grids, as "a,b,c/d,e,f" (grids separated by '/', the
 *    variables of a grid by ','; each grid at least SVY_QC_STRAIGHT_MIN
 *    variables); "" means none; NULL means svy_qc_default_grids.
 *  - codebook: also the source of the user-missing codes (don't know,
 *    refused) of the grids and of item nonresponse; without one no answer
 *    is user-missing.
 */
typedef struct svy_qc_opts {
    const char *id;
    const char *interviewer;
    const char *duration;
    const char *const *questions;
    size_t nquestions;
    const svy_codebook *codebook;
    const char *const *exclude;
    const char *source;
    double min_duration;    /* seconds; 0 means the median rule */
    double speed_fraction;  /* of the median; 0 means 0.5 */
    double match_threshold; /* 0 means SVY_QC_MATCH_THRESHOLD */
    double max_nonresponse; /* 0 means SVY_QC_MAX_NONRESPONSE */
    int threads;
    const char *grids;
} svy_qc_opts;

/* The checks of one interview (one table row, same index). */
typedef struct svy_qc_row {
    int dup_id;         /* 0/1 */
    int dup_interview;  /* 0/1 */
    size_t dup_of;      /* row it duplicates; SIZE_MAX when none */
    double max_match;   /* share in [0, 1]; NaN with fewer than 2 rows */
    size_t match_row;   /* most similar other row; SIZE_MAX when none */
    int near_dup;       /* 0/1 */
    double duration;    /* seconds; NaN when empty or not checked */
    int speeder;        /* 0/1 */
    int straightliner;  /* 0/1: in any grid (svy_qc_grid_* for each) */
    double dk_share;    /* don't know or refused; NaN without questions */
    double empty_share; /* left empty; NaN without questions */
    int nonresponse;    /* 0/1 */
} svy_qc_row;

/*
 * The checks a row can fail, in column order of the outputs.  Checklist:
 * a new check needs its name in check_names and a case in row_flag (qc.c),
 * its columns in both writers, and a line in svy-qc(1).
 */
typedef enum svy_qc_check {
    SVY_QC_DUP_ID = 0,
    SVY_QC_DUP_INTERVIEW,
    SVY_QC_NEAR_DUP,
    SVY_QC_SPEEDER,
    SVY_QC_STRAIGHT,
    SVY_QC_NONRESPONSE,
    SVY_QC_NCHECKS
} svy_qc_check;

/* The short name of a check ("near_dup"), as in the CSV headers. */
const char *svy_qc_check_name(svy_qc_check c);

/*
 * One interviewer's summary.  'share' is the fraction of their interviews
 * flagged by each check, 'stands_out' whether that share stands out by
 * the rule above (computed for every check).
 */
typedef struct svy_qc_group {
    const char *interviewer; /* borrowed from the result */
    size_t interviews;
    double median_duration; /* NaN when no duration */
    double share[SVY_QC_NCHECKS];
    int stands_out[SVY_QC_NCHECKS];
    double mean_max_match; /* NaN when not computed */
    double dk_rate;        /* mean dk_share of the interviews */
    double empty_rate;     /* mean empty_share of the interviews */
} svy_qc_group;

typedef struct svy_qc svy_qc;

/*
 * Choose the substantive questions of 't' when none are given: with a
 * codebook, its cat variables present in 't', in codebook order, that the
 * codebook lists after the duration variable (the questionnaire follows
 * the sample, demographic and paradata variables; when 'duration' is NULL
 * or not in the codebook every cat variable qualifies); without one,
 * every column of 't'.  Either way the id, interviewer and duration
 * columns and the names in 'exclude' are left out.  '*out' receives a
 * NULL-terminated array of names borrowed from 't' or the codebook (the
 * caller frees the array only) and '*n' its length.
 */
svy_status svy_qc_default_questions(const svy_table *t, const svy_qc_opts *opts,
                                    const char ***out, size_t *n, svy_err *err);

/*
 * The default grids of 't' from 'cb', in the syntax of opts->grids:
 * every run of at least SVY_QC_STRAIGHT_MIN cat variables that are
 * adjacent in the codebook and present in 't', whose names share the
 * prefix before their last '_' (q2_president, q2_police, ...), with the
 * same user-missing codes and the same value-label codes, of which at
 * least 3 are not user-missing (a rating scale; a set of 0/1 items is not
 * a grid).  '*out' is "" when there is none, or when 'cb' is NULL; the
 * caller frees it.
 */
svy_status svy_qc_default_grids(const svy_table *t, const svy_codebook *cb,
                                char **out, svy_err *err);

/*
 * Run every check on 't'.  Errors: SVY_EINVAL "unknown variable 'x'" when
 * a named column is not in 't' (a usage error), SVY_EPARSE for a bad
 * grid ("grid 2: unknown variable 'x'", "grid 1: empty variable name",
 * "grid 1: 'x' listed twice", "grid 3 is empty", "grid 1: 2 variables,
 * a grid needs at least 3"), SVY_EDATA "FILE:LINE: column 'dur': not a
 * number 'abc'" for a duration or a valid grid answer, SVY_ENOMEM.  On success
 * '*out' owns the result.
 */
svy_status svy_qc_run(svy_qc **out, const svy_table *t, const svy_qc_opts *opts,
                      svy_err *err);

/* Free; NULL is a no-op. */
void svy_qc_free(svy_qc *qc);

/* Number of rows and the checks of row 'i'.  Borrowed. */
size_t svy_qc_nrows(const svy_qc *qc);
const svy_qc_row *svy_qc_row_at(const svy_qc *qc, size_t i);

/* Number of questions compared and the name of question 'i'. */
size_t svy_qc_nquestions(const svy_qc *qc);
const char *svy_qc_question(const svy_qc *qc, size_t i);

/*
 * The grids checked: their number, the name of grid 'g' (the prefix its
 * variables share before their last '_', else its first variable) and its
 * number of variables.  Borrowed.
 */
size_t svy_qc_ngrids(const svy_qc *qc);
const char *svy_qc_grid_name(const svy_qc *qc, size_t g);
size_t svy_qc_grid_size(const svy_qc *qc, size_t g);

/*
 * Row 'i' in grid 'g': the number of valid answers, their standard
 * deviation (NaN with fewer than 2), and whether they are a straight line
 * (1), not (0), or too few to say (-1, fewer than SVY_QC_STRAIGHT_MIN).
 */
size_t svy_qc_grid_nvalid(const svy_qc *qc, size_t i, size_t g);
double svy_qc_grid_sd(const svy_qc *qc, size_t i, size_t g);
int svy_qc_grid_straight(const svy_qc *qc, size_t i, size_t g);

/* The median duration over rows with one (NaN when none). */
double svy_qc_median_duration(const svy_qc *qc);

/* The duration below which an interview is a speeder (NaN: no check). */
double svy_qc_speed_limit(const svy_qc *qc);

/* Rows flagged by check 'c', and rows flagged by any check. */
size_t svy_qc_count(const svy_qc *qc, svy_qc_check c);
size_t svy_qc_nflagged(const svy_qc *qc);

/* Interviewers, sorted by name.  Borrowed. */
size_t svy_qc_ngroups(const svy_qc *qc);
const svy_qc_group *svy_qc_group_at(const svy_qc *qc, size_t i);

/*
 * Write the flags CSV: a header and one record per row, in table order:
 * id,interviewer,line,dup_id,dup_interview,dup_of,max_match,match_id,
 * near_dup,duration,speeder, then sd_G,straight_G for each grid G,
 * straightliner,dk_share,empty_share,nonresponse.  Shares and standard
 * deviations are written with 4 decimals; a check that was not made
 * (no duration, no grid, too few answers) is left empty.
 */
svy_status svy_qc_write_flags(const svy_qc *qc, svy_output *o, svy_err *err);

/*
 * Write the summary CSV: one record per interviewer, then one named
 * "(all)": interviewer,interviews,median_duration, each check's share,
 * mean_max_match, dk_rate, empty_rate, and stands_out (the names of the checks
 * that stand out, separated by blanks, or empty).
 */
svy_status svy_qc_write_summary(const svy_qc *qc, svy_output *o, svy_err *err);

/*
 * Append a text view of the summary to 'b': the counts of each check, the
 * rules used, and an aligned table of interviewers with a '*' after each
 * share that stands out.
 */
svy_status svy_qc_format_summary(const svy_qc *qc, svy_buf *b, svy_err *err);

#endif
