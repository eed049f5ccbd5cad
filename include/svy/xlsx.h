/*
 * xlsx.h - write a table stream (svy-tab --format csv) as an Excel
 * workbook: a Contents sheet with links, one banner sheet per table with
 * an optional bar chart, and a Methods sheet with the version, the SHA-256
 * of each input and the weighting diagnostics.
 *
 * This is the only module that sees libxlsxwriter; nothing here mentions
 * its types, so the writer can be swapped without touching callers.
 *
 * Ownership: every pointer passed in is borrowed for the call only.
 * Errors: functions return svy_status with a complete message in 'err'.
 */
#ifndef SVY_XLSX_H
#define SVY_XLSX_H

#include "svy/codebook.h"
#include "svy/err.h"

/*
 * Options of svy_xlsx_report.  Zero-initialise; zero means default.
 * 'title' is the workbook title (default "Survey tables").
 * 'decimals' is the number of decimals of percentages when 'decimals_set'
 * (default 1); means and totals get one more, at least two.
 * 'weighting' names svy-weight's JSON report whose scalar key/value lines
 * are listed on the Methods sheet.  'version' is printed on the Methods
 * sheet.  'no_charts' leaves out the bar chart of each table.
 */
typedef struct svy_xlsx_opts {
    const char *title;
    svy_lang lang;
    int decimals;
    int decimals_set;
    int no_charts;
    const char *weighting;
    const char *version;
} svy_xlsx_opts;

/*
 * Read the table stream at 'stream' ("-" for stdin) and write the report
 * to 'out'.  The workbook is written to a temporary file beside 'out' and
 * renamed over it only when complete; on failure nothing is left.  The
 * same input and options give a byte-identical file (fixed creation time).
 *
 * Errors: SVY_EPARSE for a stream missing a required column ("'F': missing
 * column 'stat'") or with an unknown statistic ("F:LINE: unknown stat
 * 'x'"), SVY_EIO when an input cannot be read or 'out' cannot be written,
 * SVY_ENOMEM.
 */
svy_status svy_xlsx_report(const char *out, const char *stream,
                           const svy_xlsx_opts *opts, svy_err *err);

/*
 * Write the SHA-256 of 'data' as 64 lowercase hex digits and a NUL into
 * 'hex' (65 bytes).  Exposed for the unit test.
 */
void svy_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
