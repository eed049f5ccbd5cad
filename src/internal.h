/*
 * internal.h - helpers shared between library modules but not part of the
 * public API.  Nothing here is installed or promised to callers.
 */
#ifndef SVY_INTERNAL_H
#define SVY_INTERNAL_H

#include <stddef.h>

#include "svy/csv.h"
#include "svy/table.h"

/*
 * The table builder behind svy_csv_read, for modules that scan with their
 * own sink and sometimes need a table (svy-import buffers a batch whose
 * decimal commas must be judged per column).  Use: init, then pass
 * svy_csv_table_sink with the builder as context to svy_csv_scan (or call
 * its callbacks from your own), then finish (which applies the
 * decimal-comma rule of csv.h and hands the table over) or release.
 */
struct svy_csv_builder {
    svy_table *t;
    svy_column **cols;
    size_t ncols;
};

extern const svy_csv_sink svy_csv_table_sink;

svy_status svy_csv_builder_init(struct svy_csv_builder *b, svy_err *err);

/* Free what the builder holds (the table too); 'b' is zeroed. */
void svy_csv_builder_release(struct svy_csv_builder *b);

/*
 * Apply the decimal-comma rule for 'opts' (may be NULL) and 'info' (whose
 * decimal_comma count is increased) and return the table, now the
 * caller's; the builder is released.
 */
svy_table *svy_csv_builder_finish(struct svy_csv_builder *b,
                                  const svy_csv_opts *opts,
                                  svy_csv_info *info);

#endif
