/*
 * csv.h - read and write tables as CSV.
 *
 * Reading accepts what fieldwork actually produces: UTF-8 with or without a
 * byte-order mark, CP1251 (Russian-locale Excel), the delimiters ',' ';'
 * TAB and '|', CRLF or LF line ends, quoted fields holding delimiters,
 * doubled quotes and newlines, gzip (through svy_input), and decimal commas
 * in ';'-separated files.  Everything is converted to UTF-8 with '.' as the
 * decimal point on the way in.  Every column is loaded as text; the caller
 * decides types afterwards (svy_table_infer_types, or the codebook).
 *
 * Detection rules (each has an override in svy_csv_opts):
 *  - delimiter: among ',' ';' TAB '|', the one that occurs the same
 *    non-zero number of times (outside quotes) on each of the first ten
 *    lines, preferring the most frequent; failing that, the most frequent
 *    on the header line; failing that, ','.
 *  - encoding: a UTF-8 BOM means UTF-8.  Otherwise the bytes from the
 *    first non-ASCII byte on (up to 64 KiB) decide: valid UTF-8 means
 *    UTF-8, anything else CP1251.  Invalid UTF-8 later in a file judged
 *    UTF-8 is an error naming the line.
 *  - decimal comma: in files not separated by ',', a column whose values
 *    all read as numbers with ',' as the decimal separator, at least one of
 *    them with a comma, has its commas turned into points.
 * Leading and trailing blanks of unquoted fields are dropped (libcsv's
 * behaviour); blank lines are skipped.  Lines may end in LF, CRLF or a
 * lone CR (old Mac Excel); line numbers in messages count all three.
 *
 * Writing follows the data-stream contract: UTF-8 without BOM, ',', LF,
 * a header row, fields quoted only when they hold ',' '"' CR LF or start
 * or end with a blank, numbers in svy_num_format's shortest round-trip
 * form, system missing as an empty field (a record of one empty field is
 * written "" so that it is not a blank line).
 *
 * Errors name the file and the line where the offending record starts:
 * "data.csv:12: expected 5 fields, found 6".  libcsv is included only by
 * src/csv.c.
 */
#ifndef SVY_CSV_H
#define SVY_CSV_H

#include <stddef.h>

#include "svy/err.h"
#include "svy/io.h"
#include "svy/table.h"

typedef enum svy_encoding {
    SVY_ENC_AUTO = 0,
    SVY_ENC_UTF8,
    SVY_ENC_CP1251
} svy_encoding;

typedef enum svy_decimal {
    SVY_DEC_AUTO = 0,
    SVY_DEC_POINT, /* never treat ',' as a decimal separator */
    SVY_DEC_COMMA  /* convert decimal commas whatever the delimiter */
} svy_decimal;

/* Reading options; zero means detect. */
typedef struct svy_csv_opts {
    char delim;
    svy_encoding encoding;
    svy_decimal decimal;
    /*
     * svy_csv_read_file_typed only: the columns that stay text whatever
     * they hold (a codebook's ids, text and dates), NULL-terminated; NULL
     * for none.
     */
    const char *const *text;
    /*
     * svy_csv_read_file_typed only: columns that are numbers whatever
     * form they are written in (a codebook's numeric variables: "1.50",
     * "+2" read as svy_column_to_num reads them), NULL-terminated; NULL
     * for none.  Such a column keeps no text: if a value that is not a
     * number turns it to text, its numbers are in the writer's form.
     */
    const char *const *num;
} svy_csv_opts;

/* What the reader found, for messages and svy-info. */
typedef struct svy_csv_info {
    char delim;
    svy_encoding encoding; /* UTF8 or CP1251 (UTF8 for pure ASCII) */
    int bom;               /* a UTF-8 byte-order mark was skipped */
    int crlf;              /* records ended in CRLF */
    size_t decimal_comma;  /* columns converted from decimal comma */
    size_t lines;          /* physical lines read */
} svy_csv_info;

/*
 * Read all of 'in' into a new table of text columns.  'opts' and 'info'
 * may be NULL.  On success '*out' owns the table; on failure it is NULL and
 * 'err' says "NAME:LINE: what".  Errors: SVY_EPARSE for malformed CSV
 * (wrong field count, bad quoting, unterminated quote, invalid UTF-8 or
 * CP1251, empty or duplicate header names), SVY_EIO, SVY_ENOMEM.  A
 * large file is read on two threads (one parses, one fills the columns),
 * with the same result as on one.
 */
svy_status svy_csv_read(svy_table **out, svy_input *in,
                        const svy_csv_opts *opts, svy_csv_info *info,
                        svy_err *err);

/*
 * A consumer of records, for reading a file without building a table
 * (streaming).  'header' is called once with the header names, already
 * checked to be non-empty and unique, and what the reader detected so far
 * (delimiter, BOM; the encoding may still be settling); 'row' once per
 * data record with exactly as many fields as the header, and the line the
 * record starts on.  Fields are NUL-terminated UTF-8, 'lens' their byte
 * lengths, all borrowed only for the call.  A status other than SVY_OK
 * stops the scan and is returned (the callback fills 'err').  Any
 * callback may be NULL.
 *
 * With 'field' set, data fields are handed over one at a time as libcsv
 * produces them, without the copy of the record that 'row' needs; 'row' is
 * then called at the end of each record with NULL 'fields' and 'lens', once
 * the field count has been checked.  A record with the wrong count stops
 * the scan after some of its fields were delivered.
 */
typedef struct svy_csv_sink {
    svy_status (*header)(void *ctx, const char *const *names, size_t n,
                         const svy_csv_info *info, svy_err *err);
    svy_status (*row)(void *ctx, const char *const *fields, const size_t *lens,
                      size_t n, size_t line, svy_err *err);
    svy_status (*field)(void *ctx, size_t i, const char *s, size_t len,
                        svy_err *err);
} svy_csv_sink;

/*
 * Read all of 'in', calling 'sink' for the header and each record, with
 * the same decoding, detection and errors as svy_csv_read, except that
 * decimal commas are left alone (their rule needs whole columns).  'info'
 * (may be NULL) is complete when the call returns.
 */
svy_status svy_csv_scan(svy_input *in, const svy_csv_opts *opts,
                        svy_csv_info *info, const svy_csv_sink *sink, void *ctx,
                        svy_err *err);

/*
 * Records: a file held for a program that only appends columns (a weight)
 * and needs a few of the others.  Each record is kept as one line of
 * canonical CSV text, and only the named columns are parsed into a table,
 * so holding a million rows costs one copy of the text and no per-field
 * work beyond what writing it costs anyway.
 *
 * When a file needs the per-column decimal-comma judgement (a ';' file in
 * auto mode, or --decimal-comma), or already has a column named 'replace',
 * the whole file is read into the table instead, and writing falls back to
 * svy_csv_write: the caller sees no difference but speed.
 *
 * Large files use a second thread both ways: while reading, one thread
 * parses and serialises and the other stores records and kept fields;
 * while writing, the rows are rendered in blocks by two threads and
 * written in order.  The results are the same as on one thread; when a
 * thread cannot be started, the work is done on the caller's.
 */
typedef struct svy_records svy_records;

/*
 * Read 'path' ("-" for stdin) with 'opts' (may be NULL).  'keep' (a
 * NULL-terminated list, may be NULL) names the columns to parse into the
 * table; names the header lacks are ignored, and the header's first column
 * is always kept (programs name rows by it).  'replace' (may be NULL) is a
 * column the caller will add: if the file has it, the whole table is kept.
 * Errors as svy_csv_read.
 */
svy_status svy_records_read(svy_records **out, const char *path,
                            const svy_csv_opts *opts, const char *const *keep,
                            const char *replace, svy_err *err);

/*
 * The table of kept columns (or of every column), in header order, with
 * source lines.  Borrowed; the caller may add columns to it, which
 * svy_records_write then appends to each record.
 */
svy_table *svy_records_table(svy_records *r);

/*
 * Write the header and every record, followed by the table's columns named
 * in 'added' ('n' names, each added by the caller after reading), to 'o'.
 */
svy_status svy_records_write(const svy_records *r, const char *const *added,
                             size_t n, svy_output *o, svy_err *err);

/* Free; NULL is a no-op. */
void svy_records_free(svy_records *r);

/* Open 'path' ("-" for stdin) and svy_csv_read it. */
svy_status svy_csv_read_file(svy_table **out, const char *path,
                             const svy_csv_opts *opts, svy_csv_info *info,
                             svy_err *err);

/*
 * svy_csv_read_file, except that a column whose values are all numbers
 * in svy_num_format's form (svy_column_push_typed: integers, and decimals
 * such as "1.25"), empty cells aside, and that has at least one, comes
 * back numeric:
 * the column svy_table_infer_types or svy_codebook_apply would make of it,
 * without the text in between, and kept as bytes while its values are
 * codes 0..254 (svy_column_compact).  Every other column, and those
 * opts->text names, is text, as from svy_csv_read_file; a numeric one
 * turned back to text (svy_column_to_text) has exactly the file's text.
 */
svy_status svy_csv_read_file_typed(svy_table **out, const char *path,
                                   const svy_csv_opts *opts, svy_csv_info *info,
                                   svy_err *err);

/* Write 't' (header and rows) to 'o'. */
svy_status svy_csv_write(const svy_table *t, svy_output *o, svy_err *err);

/*
 * Write 't' to 'path' ("-" for stdout) through a temporary file that
 * replaces 'path' only when everything was written.
 */
svy_status svy_csv_write_file(const svy_table *t, const char *path,
                              svy_err *err);

/*
 * Write field 's' ('n' bytes) to 'o' with the quoting above, preceded by a
 * ',' unless 'first'; for writers that stream field by field.  The record
 * ends with svy_output_write(o, "\n", 1, err).
 */
svy_status svy_csv_write_field(svy_output *o, const char *s, size_t n,
                               int first, svy_err *err);

/*
 * Write one record of 'n' fields to 'o' with the quoting above, for
 * programs that stream rows (reject lists, audit logs).  'lens' gives the
 * fields' lengths, or is NULL when they are NUL-terminated; a NULL field
 * is written empty.
 */
svy_status svy_csv_write_row(svy_output *o, const char *const *fields,
                             const size_t *lens, size_t n, svy_err *err);

#endif
