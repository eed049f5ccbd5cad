/*
 * describe.h - what is in a dataset: one summary per column, frequency
 * tables (optionally weighted), and a draft codebook guessed from the data.
 * This is svy-info's work as a library, so that svy-tab or a test can
 * compute the same numbers without parsing text.
 *
 * Three layers, each usable alone:
 *  - compute: svy_describe_column and svy_freq_compute fill structs with
 *    counts, distinct values, minimum and maximum, and per-code counts and
 *    percentages.  Nothing is printed.
 *  - render: svy_describe_write and svy_describe_freqs write the same
 *    numbers as aligned text for a person to read; svy_describe_draft
 *    writes a codebook.csv.  All of them write to an svy_output that the
 *    caller opened and commits, because the library never prints.
 *  - guess: svy_draft_guess proposes a codebook type and 'valid' list for
 *    one column, with the heuristics stated at its declaration.
 *
 * Missing values follow table.h: a system-missing cell is an empty field;
 * a user-missing cell holds a code the column was told about (the survey's
 * codebook, attached by svy_codebook_apply).  "Valid" everywhere below
 * means neither kind, and valid percentages use only valid rows as their
 * base.
 *
 * Cost: a column with at most 1024 distinct values (nearly every survey
 * variable) is counted in one pass through a small hash set; a column with
 * more is counted by sorting a copy of its non-empty values (O(n log n)
 * time, O(n) extra memory, freed before returning).  Either way a table of
 * 10^7 rows is described one column at a time.
 *
 * Ownership: the table, codebook and options are borrowed for the call.
 * Structs filled by these functions hold pointers borrowed from the table
 * and the codebook (names, labels, text values), valid until either is
 * modified or freed; an svy_freq also owns memory of its own, released by
 * svy_freq_release.  Errors: functions return svy_status with a complete
 * message in 'err'.  A name that the table lacks (a --freq variable, the
 * weight) is SVY_EINVAL, since the caller asked for it; a weight that is
 * missing, negative or not a number is SVY_EDATA and names the data row's
 * source line ("in.csv:7: weight 'w' is negative '-1'").
 */
#ifndef SVY_DESCRIBE_H
#define SVY_DESCRIBE_H

#include <stddef.h>

#include "svy/buf.h"
#include "svy/codebook.h"
#include "svy/err.h"
#include "svy/io.h"
#include "svy/table.h"

/*
 * Options shared by every function here; zero-initialise, zero means the
 * default.
 */
typedef struct svy_describe_opts {
    /*
     * The survey's codebook, or NULL.  It supplies variable and value
     * labels, the codebook type shown beside the storage type, and PII
     * marks: a PII variable's values are never written (its minimum and
     * maximum are left blank and svy_describe_freqs refuses it).
     */
    const svy_codebook *codebook;
    svy_lang lang;      /* language of labels (default English) */
    const char *source; /* data name for messages; NULL: "<data>" */
    const char *weight; /* weight column for frequencies, or NULL */
    size_t label_width; /* display columns before "…"; 0: 40 */
} svy_describe_opts;

/*
 * The summary of one column.  'valid + sysmiss + usermiss' is the number
 * of rows.
 */
typedef struct svy_colsum {
    const char *name; /* borrowed from the column */
    svy_type type;    /* storage type: SVY_NUM or SVY_TEXT */
    size_t valid;     /* cells that are neither kind of missing */
    size_t sysmiss;   /* empty cells */
    size_t usermiss;  /* cells holding a user-missing code */
    size_t distinct;  /* distinct non-empty values, user-missing included */
    /*
     * Smallest and largest valid value (user-missing codes excluded, so
     * that 8 = "don't know" does not become the maximum of a 1-5 scale).
     * Numeric columns: 'min'/'max', NaN when there is no valid value, and
     * 'tmin'/'tmax' NULL.  Text columns: 'tmin'/'tmax' by byte order
     * (strcmp), borrowed from the column, NULL when there is no valid
     * value; 'min'/'max' NaN.
     */
    double min, max;
    const char *tmin, *tmax;
} svy_colsum;

/*
 * Fill '*out' with the summary of column 'c'.  Numbers compare as doubles
 * (so 1, 1.0 and -0 and 0 are one value each) and text byte by byte.
 * Errors: SVY_ENOMEM only.
 */
svy_status svy_describe_column(const svy_column *c, svy_colsum *out,
                               svy_err *err);

/*
 * Write the description of 't' as text: a first line
 * "SOURCE: R rows, C columns", then a table with one line per column and
 * these columns, aligned by display width (svy_utf8_width) so that
 * Cyrillic lines up:
 *
 *   variable  type  [codebook]  valid  sysmiss  usermiss  distinct  min
 *   max  [label]
 *
 * 'type' is num or text; 'codebook' (only with a codebook) is the
 * variable's codebook type (id, cat, num, text, date) or "-" when the
 * codebook does not list it; 'label' (only with a codebook) is the
 * variable's label in opts->lang (falling back to English), cut to
 * opts->label_width columns with "…".  Text minima and maxima are cut to
 * 20 columns.  Control characters in names and values print as spaces.
 * A table without columns gives the first line only.
 */
svy_status svy_describe_write(const svy_table *t, const svy_describe_opts *opts,
                              svy_output *o, svy_err *err);

/* One line of a frequency table. */
typedef struct svy_freq_row {
    const char *code;    /* the value as text ("" for system missing);
                          * owned by the svy_freq */
    double num;          /* the value of a numeric column, else NaN */
    const char *label;   /* value label from the codebook, or NULL;
                          * borrowed from the codebook */
    svy_missing missing; /* SVY_MISS_NONE, _USER, or _SYSTEM */
    size_t count;
    double pct;        /* 100 * count / rows */
    double valid_pct;  /* 100 * count / valid rows; NaN for missing
                        * rows and when no row is valid */
    double wcount;     /* sum of the weights (== count when unweighted) */
    double wpct;       /* 100 * wcount / total weight; NaN if that is 0 */
    double wvalid_pct; /* 100 * wcount / valid weight; NaN as valid_pct */
} svy_freq_row;

/*
 * A frequency table: the distinct values of one column in order (numbers
 * numerically, text by byte order), user-missing codes among them and
 * marked, then one SVY_MISS_SYSTEM row when there are empty cells.  Lives
 * on the stack or in the caller's struct: start with SVY_FREQ_INIT, end
 * with svy_freq_release.
 */
typedef struct svy_freq {
    const char *variable; /* borrowed from the column */
    const char *label;    /* variable label, or NULL; borrowed */
    int weighted;         /* computed with a weight column */
    svy_freq_row *rows;
    size_t nrows;
    size_t total;  /* rows of the table */
    size_t valid;  /* rows that are neither kind of missing */
    double wtotal; /* sum of all weights (== total unweighted) */
    double wvalid; /* sum of the weights of valid rows */
    svy_buf codes; /* storage behind rows[].code; private */
} svy_freq;

#define SVY_FREQ_INIT                                                          \
    {                                                                          \
        NULL, NULL, 0, NULL, 0, 0, 0, 0, 0, SVY_BUF_INIT                       \
    }

/*
 * Count the values of column 'var' of 't' into 'f' (which must be
 * SVY_FREQ_INIT or released).  With opts->weight, each row counts its
 * weight too; every row's weight must be a number >= 0 (zero is allowed),
 * so one bad weight is an error even if the row is missing 'var'.  Labels
 * come from opts->codebook in opts->lang.  Errors: SVY_EINVAL
 * "unknown variable 'x'" for 'var' or the weight; SVY_EDATA for a bad
 * weight, with the row's source line; SVY_ENOMEM.  On failure 'f' is left
 * released.
 */
svy_status svy_freq_compute(svy_freq *f, const svy_table *t, const char *var,
                            const svy_describe_opts *opts, svy_err *err);

/* Free what 'f' owns; 'f' is SVY_FREQ_INIT again. */
void svy_freq_release(svy_freq *f);

/*
 * Write 'f' as text: a title line "VAR: LABEL" (or "VAR"), then a table
 *
 *   code  label  count  percent  valid  [wcount  wpercent  wvalid]
 *
 * with percentages to one decimal, weighted counts to one decimal, blank
 * cells where a percentage does not apply, "[user missing]" after each
 * user-missing code, a "(system missing)" row when there are empty cells
 * and a final "Total" row.  Only 'label_width' is read from 'opts', which
 * may be NULL.
 */
svy_status svy_freq_write(const svy_freq *f, const svy_describe_opts *opts,
                          svy_output *o, svy_err *err);

/*
 * Compute and write the frequency table of each variable in 'vars', a
 * comma-separated list of column names ("region,q1"), separated by blank
 * lines.  Every name and the weight are checked before anything is
 * written: an empty name or a name the table lacks is SVY_EINVAL, a
 * variable the codebook marks as PII is SVY_EINVAL, a bad weight
 * SVY_EDATA.
 */
svy_status svy_describe_freqs(const svy_table *t, const char *vars,
                              const svy_describe_opts *opts, svy_output *o,
                              svy_err *err);

/*
 * Guess a codebook type and 'valid' list for column 'c' from its values,
 * appending the list to 'valid' (which the caller owns and may pass
 * non-empty; nothing is appended for id and text).  The rules, first
 * match wins ("few" means at most 20 distinct values and at most half as
 * many distinct values as non-empty cells, so that values repeat):
 *
 *   1. no non-empty cell                          -> text
 *   2. every value YYYY-MM-DD, optionally followed by ' ' or 'T' and
 *      HH:MM or HH:MM:SS, with a real calendar date -> date
 *   3. every value a number (numeric column, or text reading as numbers
 *      without leading zeros), all integers, few   -> cat, valid listing
 *      the codes with runs of three or more consecutive codes as ranges:
 *      "1-5,8,9"
 *   4. every value a number                       -> num, valid "MIN-MAX"
 *   5. text, every cell non-empty and unique (and at least two rows)
 *                                                 -> id
 *   6. text with few values, none holding ',' or ".." or a digit followed
 *      by '-' (which the codebook would read as a list or a range) or
 *      starting or ending with a blank (which it would trim)
 *                                                 -> cat, valid listing
 *      the codes in byte order
 *   7. otherwise                                  -> text
 *
 * Errors: SVY_ENOMEM only.
 */
svy_status svy_draft_guess(const svy_column *c, svy_vtype *type, svy_buf *valid,
                           svy_err *err);

/*
 * Write a draft codebook for 't' in the survey-folder format, one row a
 * column in table order, under the header
 *
 *   variable,type,label,valid,missing,pii,label@ru,label@ky
 *
 * with type and valid from svy_draft_guess, label the column name, and
 * missing, pii and the translated labels empty.  When opts->codebook
 * lists a column, its labels (all three languages), missing codes and PII
 * mark are copied into the row instead, so a draft for a new wave keeps
 * the work already done; type and valid are still guessed from the data,
 * and a PII column's values are never listed (its valid list is left
 * empty and a guessed cat becomes text).  Only 'codebook' is read from
 * 'opts', which may be NULL.
 */
svy_status svy_describe_draft(const svy_table *t, const svy_describe_opts *opts,
                              svy_output *o, svy_err *err);

#endif
