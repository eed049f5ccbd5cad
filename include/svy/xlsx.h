/*
 * xlsx.h - write a table stream (svy-tab --format csv) as an Excel
 * workbook: a Contents sheet with the fieldwork, sample and weighting and
 * links to the tables, one banner sheet per table with an optional bar
 * chart, and a Methods sheet with the design, the weighting targets
 * against achieved shares, margins of error, the version and the SHA-256
 * of each input.
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
 * What svy_xlsx_report tells its caller besides success, for the tool to
 * print (the library never prints).  'fallbacks' counts the labels that
 * had no text in the asked language and were shown in English or as the
 * code; 'first' describes the first of them ("variable 'q1' value '2'").
 */
typedef struct svy_xlsx_notes {
    size_t fallbacks;
    char first[160];
} svy_xlsx_notes;

/*
 * Options of svy_xlsx_report.  Zero-initialise; zero means default.
 * 'title' is the workbook title (default "Survey tables").
 * 'decimals' is the number of decimals of percentages when 'decimals_set'
 * (default 1); means and totals get one more, at least two.
 * 'weighting' names svy-weight's JSON report (tools/svy-weight.1, REPORT):
 * its method, n, deff and ess go on the Contents and Methods sheets, its
 * margins as the targets-against-achieved table.  'version' is printed on
 * the Methods sheet.  'no_charts' leaves out the bar chart of each table.
 *
 * From the survey folder, all optional: 'fieldwork_start' and
 * 'fieldwork_end' (Contents), 'strata' and 'cluster' (the design on the
 * Methods sheet; both NULL means a simple random sample), and 'codebook',
 * which relabels the stream in 'lang' (titles, categories, banner
 * headers), falling back to English and then to the code.
 *
 * What svy-tab applied, which the table stream does not carry, so the
 * caller passes the same values: 'min_base' (default 30; a stream column
 * low_base wins when present), 'level' (default 0.95) and the column-test
 * levels 'sig' (default 0.05; sig[1] zero means no uppercase letters).
 * 'level' also sets the z of the margins of error.
 *
 * 'notes', when not NULL, is filled in (see svy_xlsx_notes).
 */
typedef struct svy_xlsx_opts {
    const char *title;
    svy_lang lang;
    int decimals;
    int decimals_set;
    int no_charts;
    const char *weighting;
    const char *version;
    const char *fieldwork_start;
    const char *fieldwork_end;
    const char *strata;
    const char *cluster;
    const svy_codebook *codebook;
    double min_base;
    double level;
    double sig[2];
    svy_xlsx_notes *notes;
} svy_xlsx_opts;

/*
 * Read the table stream at 'stream' ("-" for stdin) and write the report
 * to 'out'.  The workbook is written to a temporary file beside 'out' and
 * renamed over it only when complete; on failure nothing is left.  The
 * same input and options give a byte-identical file (fixed creation time).
 *
 * Errors: SVY_EPARSE for a stream missing a required column ("'F': missing
 * column 'stat'") or with an unknown statistic ("F:LINE: unknown stat
 * 'x'") and for a weighting report that is not JSON ("F:LINE: ..."), SVY_EIO
 * when an input cannot be read or 'out' cannot be written, SVY_ENOMEM.
 */
svy_status svy_xlsx_report(const char *out, const char *stream,
                           const svy_xlsx_opts *opts, svy_err *err);

/*
 * Write the SHA-256 of 'data' as 64 lowercase hex digits and a NUL into
 * 'hex' (65 bytes).  Exposed for the unit test.
 */
void svy_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
