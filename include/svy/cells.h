/*
 * cells.h - group the rows of a table by the values of a few categorical
 * columns: each distinct combination present in the data is a cell.
 *
 * This is the collapsed cell table that raking runs on (respondents in the
 * same cell share one factor), and the grouping any crosstab needs.  It is
 * built in one pass over the rows with no allocation per row: each
 * column's values are looked up in a small hash table (values of up to 7
 * bytes, which are nearly all survey codes, are compared as one 64-bit
 * word), and each row's tuple of value ids in a hash table of cells.
 *
 * Values are matched as svy_value_equal does: as text, or as numbers when
 * both are numbers, so "1", "1.0" and "01" are one value, spelt as it was
 * first seen.  The empty string (system missing) is a value like any
 * other; callers decide what missing means.  Numeric columns are grouped
 * by their doubles (NaN is the empty value).
 *
 * Ownership: the cells object copies the value texts it reports; it
 * borrows nothing from the table after svy_cells_build returns.  Errors:
 * SVY_EDATA for an unknown column, SVY_ENOMEM.
 */
#ifndef SVY_CELLS_H
#define SVY_CELLS_H

#include <stddef.h>
#include <stdint.h>

#include "svy/err.h"
#include "svy/table.h"

typedef struct svy_cells svy_cells;

/*
 * Group the rows of 't' by the columns named in 'vars' ('nvars' >= 1
 * names).  Cells and values are numbered in the order they first appear.
 */
svy_status svy_cells_build(svy_cells **out, const svy_table *t,
                           const char *const *vars, size_t nvars, svy_err *err);

/* Free; NULL is a no-op. */
void svy_cells_free(svy_cells *c);

size_t svy_cells_nvars(const svy_cells *c);

/* Number of rows grouped and of cells found. */
size_t svy_cells_nrows(const svy_cells *c);
size_t svy_cells_count(const svy_cells *c);

/* The cell of each row: an array of svy_cells_nrows entries.  Borrowed. */
const uint32_t *svy_cells_rows(const svy_cells *c);

/* Number of rows in cell 'cell'. */
size_t svy_cells_size(const svy_cells *c, size_t cell);

/* Number of distinct values of variable 'j' (0-based, in 'vars' order). */
size_t svy_cells_nvalues(const svy_cells *c, size_t j);

/* Value 'v' of variable 'j' as first spelt in the data.  Borrowed. */
const char *svy_cells_value(const svy_cells *c, size_t j, size_t v);

/* The value id of variable 'j' in cell 'cell'. */
uint32_t svy_cells_value_id(const svy_cells *c, size_t cell, size_t j);

/*
 * The id of the value of variable 'j' that 'text' matches (svy_value_equal
 * rule), or -1 when the data has no such value.
 */
long svy_cells_lookup(const svy_cells *c, size_t j, const char *text);

#endif
