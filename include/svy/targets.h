/*
 * targets.h - population margins for weighting, as read from a survey's
 * targets.csv.
 *
 * The file is CSV (any delimiter and encoding the reader detects) with the
 * columns 'variable', 'category' and 'target' in any order; other columns
 * (a source, a note) are ignored.  Rows that share a 'variable' form one
 * margin, in the order the variables first appear:
 *
 *   variable,category,target
 *   region,Bishkek,0.178          a categorical margin, given as shares
 *   sex,1,3262451                 or as population counts
 *   region*settlement,1*2,0.05    a joint margin: names and categories
 *                                 joined by '*', one part per variable
 *   income,total,1.2e10           a numeric auxiliary: its population total
 *   age,mean,41.2                 or its population mean
 *
 * A margin's targets are shares when they sum to 1 within 0.5% (a sum
 * off by more than 1e-9 is rescaled to 1, with a note); when every
 * target is at most 1 but the sum is further off, that is an error naming
 * the variable.  Otherwise they are counts, and every count margin must
 * sum to the same population total within 0.1% (margins within it are
 * rescaled to the first count margin's total, with a note); margins that
 * disagree further are an error naming both.  Shares and counts may be
 * mixed: shares then apply to the counts' total.
 *
 * A variable with exactly one row whose category is 'total' or 'mean' is a
 * numeric auxiliary (for linear and logit calibration); any other rows
 * make it categorical, and 'total' or 'mean' beside other categories is an
 * error.  Category text is kept as written: matching it to data values
 * (as text, or as numbers when both sides are numbers, so that "1"
 * matches "1.0"; or through value labels) is the weighting module's job,
 * but duplicates under that rule are refused here.
 *
 * Ownership: a svy_targets owns its margins and their strings; every
 * pointer it returns is borrowed until svy_targets_free.  Errors name
 * "file:line:" and return SVY_EPARSE for malformed rows and SVY_EDATA for
 * sums that do not add up; I/O errors are SVY_EIO.
 */
#ifndef SVY_TARGETS_H
#define SVY_TARGETS_H

#include <stddef.h>

#include "svy/csv.h"
#include "svy/err.h"
#include "svy/table.h"

typedef struct svy_targets svy_targets;
typedef struct svy_margin svy_margin;

/* What a margin constrains. */
typedef enum svy_mkind {
    SVY_MARGIN_CAT = 0, /* weighted counts of each category */
    SVY_MARGIN_TOTAL,   /* the weighted total of a numeric variable */
    SVY_MARGIN_MEAN     /* its weighted mean */
} svy_mkind;

/*
 * Read the targets file 'path'.  'note' (may be NULL) receives notes
 * about rescaled margins, prefixed with the file name.  On success '*out'
 * owns the targets; on failure it is NULL and 'err' says what and where.
 */
svy_status svy_targets_read(svy_targets **out, const char *path,
                            svy_note_fn note, void *note_ctx, svy_err *err);

/*
 * The same from a table already read (text columns); 'name' is the file
 * name for messages.  Line numbers come from the table's rows.
 */
svy_status svy_targets_from_table(svy_targets **out, const svy_table *t,
                                  const char *name, svy_note_fn note,
                                  void *note_ctx, svy_err *err);

/*
 * The same from 'len' bytes of CSV text at 'text' (for tests and for
 * callers holding the file in memory).
 */
svy_status svy_targets_parse(svy_targets **out, const char *name,
                             const char *text, size_t len, svy_note_fn note,
                             void *note_ctx, svy_err *err);

/* Free the targets; NULL is a no-op. */
void svy_targets_free(svy_targets *tg);

/* The file name given when reading (for messages).  Borrowed. */
const char *svy_targets_name(const svy_targets *tg);

size_t svy_targets_nmargins(const svy_targets *tg);

/* Margin 'i' (0-based, file order).  Borrowed. */
const svy_margin *svy_targets_margin(const svy_targets *tg, size_t i);

/* The margin named 'name' ("region" or "region*settlement"), or NULL. */
const svy_margin *svy_targets_find(const svy_targets *tg, const char *name);

/*
 * The population total stated by the count margins (that of the first
 * one), or 0 when every categorical margin is given as shares.
 */
double svy_targets_total(const svy_targets *tg);

/* Margin accessors. */

/* The variable column as written ("region*settlement"). */
const char *svy_margin_name(const svy_margin *m);
svy_mkind svy_margin_kind(const svy_margin *m);

/* The variables of a joint margin, one for a simple or numeric margin. */
size_t svy_margin_nvars(const svy_margin *m);
const char *svy_margin_var(const svy_margin *m, size_t j);

/* 1 when the categorical margin was given as counts, 0 for shares. */
int svy_margin_is_count(const svy_margin *m);

/* Line of the margin's first row in the file. */
size_t svy_margin_line(const svy_margin *m);

/* Number of categories (0 for a numeric margin). */
size_t svy_margin_ncats(const svy_margin *m);

/* Category 'k' as written ("Bishkek*urban"). */
const char *svy_margin_cat(const svy_margin *m, size_t k);

/* Part 'j' of category 'k' ("urban"): one per variable. */
const char *svy_margin_cat_part(const svy_margin *m, size_t k, size_t j);

/* The line of category 'k' in the file. */
size_t svy_margin_cat_line(const svy_margin *m, size_t k);

/* The target of category 'k' as written in the file. */
double svy_margin_target(const svy_margin *m, size_t k);

/*
 * The share of category 'k': its target over the margin's sum, after any
 * rescaling, so that a margin's shares sum to 1.
 */
double svy_margin_share(const svy_margin *m, size_t k);

/* The stated total or mean of a numeric margin (NaN for categorical). */
double svy_margin_value(const svy_margin *m);

/*
 * 1 when data value 'a' and category text 'b' are the same value: equal
 * bytes, or both numbers (svy_num_parse) and equal as doubles, so that "1"
 * matches "1.0" and "01".  This is the matching rule of svy-weight.
 */
int svy_value_equal(const char *a, const char *b);

#endif
