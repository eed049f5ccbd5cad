/*
 * bind.h - targets bound to a table: the first half of svy_weight_run,
 * and everything it refuses before iterating.
 *
 * Binding finds the margins' columns, reads the base weights, groups the
 * rows into cells over all categorical weighting variables (cells.h),
 * resolves every target category to a value of the data (as text, as a
 * number, or through a value label of the codebook), gives every cell its
 * category in every margin, reads the numeric auxiliaries, and turns
 * every target into a population total.  What it refuses, in this order,
 * each with SVY_EDATA and a message that names the thing to fix:
 *   - a margin variable or the base weight column absent from the data;
 *   - a missing, non-numeric or non-positive base weight (first row's
 *     line, and how many more);
 *   - a weighting variable missing in some rows (unless
 *     SVY_WMISS_CATEGORY): up to 10 row ids and the count;
 *   - a data value with no target (its line, and how many rows);
 *   - a target category with no respondents (its line in the targets,
 *     and a suggestion to collapse it);
 *   - a numeric auxiliary missing or not a number;
 *   - opts->population disagreeing with count targets by over 0.1%.
 * A weighting variable's value is missing when it is empty or, with a
 * codebook, a user-missing code that the targets do not name.
 *
 * Ownership: a svy_bind owns its arrays, and borrows the targets (its
 * 'margin' pointers) but not the table.  Callers read its fields and
 * never write them.
 */
#ifndef SVY_BIND_H
#define SVY_BIND_H

#include <stddef.h>
#include <stdint.h>

#include "svy/cells.h"
#include "svy/err.h"
#include "svy/table.h"
#include "svy/targets.h"
#include "svy/weight.h"

/* A categorical margin bound to the cells. */
typedef struct svy_bound_cat {
    const svy_margin *margin; /* borrowed from the targets */
    size_t index;             /* its position in the targets */
    size_t ncats;             /* the targets' categories, + 1 if missing */
    int has_missing;          /* the last category is "missing" */
    uint32_t *cell_cat;       /* category of each cell */
    double *target;           /* target total of each category */
} svy_bound_cat;

/* A numeric auxiliary. */
typedef struct svy_bound_num {
    const svy_margin *margin;
    size_t index;
    double *x;     /* value per row */
    double target; /* target total (a mean times the population) */
} svy_bound_num;

typedef struct svy_bind {
    size_t n;         /* rows */
    double *d;        /* base weight per row */
    svy_cells *cells; /* over the categorical weighting variables */
    const uint32_t *row_cell;
    size_t ncells;
    double *cell_base; /* summed base weight per cell */
    double base_total; /* Σd */
    double population; /* the total the weights will sum to */
    size_t ncat;
    svy_bound_cat *cat;
    size_t nnum;
    svy_bound_num *num;
    /* Private: the variables and their missing values. */
    const char **vars_;
    size_t nvars_;
    unsigned char **vmiss_;
    long **res_;
    size_t **var_;
} svy_bind;

/*
 * Bind 'tg' to 't' with the options of svy_weight_run (base, id, source,
 * codebook, missing, population and name are used).  On success '*out'
 * owns the result; on failure it is NULL.
 */
svy_status svy_bind_new(svy_bind **out, const svy_table *t,
                        const svy_targets *tg, const svy_weight_opts *opts,
                        svy_err *err);

/* Free; NULL is a no-op. */
void svy_bind_free(svy_bind *b);

#endif
