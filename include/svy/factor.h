/*
 * factor.h - variables coded for design-based estimation (design.h):
 * categorical variables as factors (one code per row) for the estimated
 * categories and for domains, and numeric columns as doubles.
 *
 * Ownership: a factor copies its codes and level names; the caller frees
 * it with svy_factor_free.  Strings and arrays passed in are borrowed for
 * the call.
 */
#ifndef SVY_FACTOR_H
#define SVY_FACTOR_H

#include <stddef.h>

#include "svy/err.h"
#include "svy/table.h"

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

#endif
