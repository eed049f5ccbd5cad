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
 *  - an interviewer stands out on a check when they have at least 5
 *    interviews and their share flagged exceeds the overall share by more
 *    than 3 binomial standard errors: share > p + 3 sqrt(p (1 - p) / n).
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

/* An interviewer stands out only with at least this many interviews. */
#define SVY_QC_MIN_GROUP 5

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
    int threads;
} svy_qc_opts;

/* The checks of one interview (one table row, same index). */
typedef struct svy_qc_row {
    int dup_id;        /* 0/1 */
    int dup_interview; /* 0/1 */
    size_t dup_of;     /* row it duplicates; SIZE_MAX when none */
    double max_match;  /* share in [0, 1]; NaN with fewer than 2 rows */
    size_t match_row;  /* most similar other row; SIZE_MAX when none */
    int near_dup;      /* 0/1 */
    double duration;   /* seconds; NaN when empty or not checked */
    int speeder;       /* 0/1 */
} svy_qc_row;

/* The checks a row can fail, in column order of the outputs. */
typedef enum svy_qc_check {
    SVY_QC_DUP_ID = 0,
    SVY_QC_DUP_INTERVIEW,
    SVY_QC_NEAR_DUP,
    SVY_QC_SPEEDER,
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
 * Run every check on 't'.  Errors: SVY_EINVAL "unknown variable 'x'" when
 * a named column is not in 't' (a usage error), SVY_EDATA
 * "FILE:LINE: duration 'abc' is not a number", SVY_ENOMEM.  On success
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
 * near_dup,duration,speeder.  Shares are written with 4 decimals.
 */
svy_status svy_qc_write_flags(const svy_qc *qc, svy_output *o, svy_err *err);

/*
 * Write the summary CSV: one record per interviewer, then one named
 * "(all)": interviewer,interviews,median_duration, each check's share,
 * mean_max_match, and stands_out (the names of the checks that stand out,
 * separated by blanks, or empty).
 */
svy_status svy_qc_write_summary(const svy_qc *qc, svy_output *o, svy_err *err);

/*
 * Append a text view of the summary to 'b': the counts of each check, the
 * rules used, and an aligned table of interviewers with a '*' after each
 * share that stands out.
 */
svy_status svy_qc_format_summary(const svy_qc *qc, svy_buf *b, svy_err *err);

#endif
