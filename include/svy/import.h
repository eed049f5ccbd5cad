/*
 * import.h - svy-import's work as a library call: read batches, append
 * them by column name, set types from the codebook, check every value, and
 * write the data and the list of findings.
 *
 * Nothing is dropped: a finding is reported (one row of the rejects CSV:
 * file,line,column,variable,value,problem), never acted on.  Notes for the
 * person running the import (a column missing from a batch, the counts of
 * findings) go through the 'note' callback, because the library never
 * prints.
 *
 * Ownership: the options and their strings are borrowed for the call.
 */
#ifndef SVY_IMPORT_H
#define SVY_IMPORT_H

#include <stddef.h>

#include "svy/codebook.h"
#include "svy/csv.h"
#include "svy/err.h"

typedef struct svy_import_opts {
    const char *const *files;     /* NULL-terminated; "-" is stdin */
    svy_csv_opts csv;             /* delimiter, encoding, decimal comma */
    const svy_codebook *codebook; /* NULL: infer types, check nothing */
    const char *batch_col;        /* NULL: no batch column */
    int verbose;                  /* a note per file read */
    svy_note_fn note;             /* NULL: notes are dropped */
    void *note_ctx;
} svy_import_opts;

typedef struct svy_import_result {
    size_t files, rows, cols;
    size_t findings;                 /* total */
    size_t by_kind[SVY_FIND_NKINDS]; /* per svy_finding_kind */
} svy_import_result;

/*
 * Run the import and write the data to 'out' ("-" for stdout) and, when
 * 'rejects' is not NULL, the findings to 'rejects'.  Files are written to
 * temporary names and renamed only when everything succeeded.  Errors:
 * those of svy_csv_read (the first bad batch stops the import), SVY_EINVAL
 * when 'batch_col' names an existing column, SVY_EIO for output.
 */
svy_status svy_import_run(const svy_import_opts *opts, const char *out,
                          const char *rejects, svy_import_result *res,
                          svy_err *err);

#endif
