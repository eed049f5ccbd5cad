/*
 * table.h - the columnar data model every program works on.
 *
 * A table is a list of named columns of equal length.  A column is either
 * numeric (one double per row) or text (UTF-8, one string per row).  Values
 * are never allocated one by one: a numeric column is one array of doubles;
 * a text column is one byte arena holding every string NUL-terminated plus
 * one 32-bit offset per row, so loading a million rows of 27 columns costs
 * a few dozen reallocations, not 27 million mallocs.
 *
 * Missing values come in two kinds, kept apart (as ReadStat does):
 *  - system missing: the field was empty.  A numeric cell holds NaN, a text
 *    cell the empty string.  Data never contains NaN otherwise: the number
 *    parser refuses "nan".
 *  - user missing: a real answer that the codebook marks as "don't know"
 *    or "refused" (for example 8 and 9).  The value is kept; the column
 *    carries the list of codes (svy_column_set_user_missing) and
 *    svy_column_missing() reports which kind a cell is.
 * Identifiers and codes that look like numbers but must keep their text
 * ("007") stay text columns: the reader loads everything as text and only
 * svy_table_infer_types / svy_column_to_num turn a column numeric.
 *
 * Ownership: the table owns its columns, and a column its values; no caller
 * frees a column.  Strings passed in are copied.  Pointers returned by the
 * accessors are borrowed and valid until the column is next modified.
 * Errors: functions that can fail return svy_status with a message in 'err'.
 */
#ifndef SVY_TABLE_H
#define SVY_TABLE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "svy/err.h"

typedef struct svy_table svy_table;
typedef struct svy_column svy_column;

typedef enum svy_type { SVY_TEXT = 0, SVY_NUM = 1 } svy_type;

typedef enum svy_missing {
    SVY_MISS_NONE = 0, /* a valid value */
    SVY_MISS_SYSTEM,   /* empty field */
    SVY_MISS_USER      /* a user-missing code such as "don't know" */
} svy_missing;

/* Create an empty table (no columns, no rows). */
svy_status svy_table_new(svy_table **out, svy_err *err);

/* Free the table and everything it owns; NULL is a no-op. */
void svy_table_free(svy_table *t);

size_t svy_table_nrows(const svy_table *t);
size_t svy_table_ncols(const svy_table *t);

/* Column 'i' (0-based, < ncols).  Borrowed. */
svy_column *svy_table_col(const svy_table *t, size_t i);

/* The column named 'name', or NULL when there is none.  Borrowed. */
svy_column *svy_table_find(const svy_table *t, const char *name);

/* Index of the column named 'name', or -1. */
long svy_table_index(const svy_table *t, const char *name);

/*
 * Append a column named 'name' (copied) of type 'type'; existing rows get
 * system missing.  Fails with SVY_EDATA "duplicate column 'x'" or
 * "empty column name".  '*out' (if not NULL) receives the new column.
 */
svy_status svy_table_add_column(svy_table *t, const char *name, svy_type type,
                                svy_column **out, svy_err *err);

/*
 * Source line of row 'row' in the file it was read from (1-based; 0 when
 * unknown, e.g. for rows built in memory).
 */
size_t svy_table_row_line(const svy_table *t, size_t row);

/*
 * The name of the file the rows were read from ("data.csv", "<stdin>"),
 * for messages about a row as "NAME:LINE: what"; NULL when unknown
 * (tables built in memory or read from an unnamed input).  Set by
 * svy_csv_read_file; 'name' is copied.
 */
const char *svy_table_source(const svy_table *t);
svy_status svy_table_set_source(svy_table *t, const char *name, svy_err *err);

/*
 * Append the rows of 'src' to 'dst', matching columns by name.  Columns of
 * 'src' that 'dst' lacks are added (missing for the earlier rows); columns
 * of 'dst' that 'src' lacks are missing for the new rows.  Where one side
 * is numeric and the other text, the numeric side becomes text first.
 * Source lines are carried over.  'src' is not modified.
 */
svy_status svy_table_append(svy_table *dst, const svy_table *src, svy_err *err);

/*
 * Turn every text column whose non-empty values all parse as numbers
 * (svy_num_parse with SVY_NUM_CODE, so "007" and 16-digit ids stay text)
 * and which has at least one value into a numeric column.  Columns named
 * in 'keep_text' (a NULL-terminated list, may be NULL) are left as text.
 */
svy_status svy_table_infer_types(svy_table *t, const char *const *keep_text,
                                 svy_err *err);

/* Row-building interface, used by readers. */

/*
 * Append one text cell to the end of column 'c' ('n' bytes, need not be
 * NUL-terminated).  The row becomes complete when every column has
 * received its cell and svy_table_commit_row is called.
 */
svy_status svy_column_push_text(svy_column *c, const char *s, size_t n,
                                svy_err *err);

/*
 * Push a cell into a column typed as it is read (svy_csv_read_file_typed).
 * A numeric column takes an empty cell as system missing and a number in
 * svy_num_format's form as its value: an integer (an optional '-', 1 to
 * 15 digits, no leading zero, not "-0") or a decimal such as "1.25" or
 * "-0.0375" (at most 15 significant digits, no trailing zero, not below
 * 1e-4); any other text first turns it into a text column, whose cells,
 * formatted back, are exactly the text they came from.  A text column
 * takes the text as svy_column_push_text does.
 */
svy_status svy_column_push_typed(svy_column *c, const char *s, size_t n,
                                 svy_err *err);

/*
 * Push 'nrows' whole rows at once, as svy_column_push_typed into every
 * column of 't' in order and svy_table_commit_row: the cells row after
 * row in 'cells', each NUL-terminated, with their lengths in 'lens';
 * row k's line is lines[k * stride].
 */
svy_status svy_table_push_typed_rows(svy_table *t, const char *cells,
                                     const size_t *lens, size_t nrows,
                                     const size_t *lines, size_t stride,
                                     svy_err *err);

/*
 * Room for 'nrows' rows in every column and in the line numbers, so that
 * a reader that knows about how many rows are coming does not grow (and
 * copy) its arrays as it goes.  The table's contents are unchanged; a
 * column that becomes text keeps the room.
 */
svy_status svy_table_reserve(svy_table *t, size_t nrows, svy_err *err);

/* Append one numeric cell (NaN is system missing). */
svy_status svy_column_push_num(svy_column *c, double v, svy_err *err);

/*
 * Close the current row: every column must have exactly nrows + 1 cells.
 * 'line' is the row's source line (0 if none).
 */
svy_status svy_table_commit_row(svy_table *t, size_t line, svy_err *err);

/* Column accessors. */

const char *svy_column_name(const svy_column *c);
svy_type svy_column_type(const svy_column *c);

/* Number of cells (equals the table's rows once rows are committed). */
size_t svy_column_len(const svy_column *c);

/*
 * Text of cell 'row' of a text column: NUL-terminated, "" when system
 * missing.  Borrowed until the column is modified.  Must not be called on a
 * numeric column (use svy_column_format).
 */
const char *svy_column_text(const svy_column *c, size_t row);

/* Value of cell 'row' of a numeric column (NaN when system missing). */
double svy_column_num(const svy_column *c, size_t row);

/*
 * The numeric column's values as one array of svy_column_len doubles,
 * writable in place (weights are updated this way).  A column kept as
 * bytes (svy_column_compact) becomes doubles first.  NULL for text, or
 * when that conversion runs out of memory.
 */
double *svy_column_nums(svy_column *c);

/*
 * Keep numeric column 'c' as one byte a cell while every value is an
 * integer 0..254 or empty: a survey's codes in an eighth of the memory.
 * Values are unchanged: every function reads and writes the column as
 * before, and a value that does not fit turns it back into doubles.
 * Returns 1 when the column is (now) bytes, 0 when a value does not fit
 * or the column is text, -1 when out of memory.  An empty column always
 * converts, so a reader can ask before the first row.
 */
int svy_column_compact(svy_column *c);

/*
 * Let svy_column_push_typed (and svy_table_push_typed_rows) take any
 * number svy_num_parse reads into numeric column 'c', not only those
 * written as svy_num_format would write them: the column's numbers then
 * keep no text, and svy_column_to_text gives them in the writer's form.
 */
void svy_column_loose(svy_column *c);

/*
 * A byte column's cells (svy_column_compact): the integer itself, or
 * SVY_BYTE_EMPTY for an empty cell.  NULL when the column is not bytes.
 * Valid until the column next changes.
 */
#define SVY_BYTE_EMPTY 255
const uint8_t *svy_column_bytes(const svy_column *c);

/*
 * A numeric column's cells when kept as doubles (NaN: empty), read-only;
 * NULL for text and for a byte column.  Valid until the column next
 * changes.  With svy_column_bytes, a reader of every row needs no call a
 * cell and changes nothing.
 */
const double *svy_column_doubles(const svy_column *c);

/*
 * Cell 'row' of a numeric column, as svy_column_num gives it, from its
 * svy_column_doubles array 'dv' or, when that is NULL, its
 * svy_column_bytes array 'bv': for readers of every row, no call a cell.
 */
static inline double
svy_num_cell(const double *dv, const uint8_t *bv, size_t row)
{
    if (dv)
        return dv[row];
    return bv[row] == SVY_BYTE_EMPTY ? NAN : (double)bv[row];
}

/* Replace cell 'row' of a text column with 'n' bytes of 's' (copied). */
svy_status svy_column_set_text(svy_column *c, size_t row, const char *s,
                               size_t n, svy_err *err);

/*
 * Replace cell 'row' of a numeric column.  Fails only when a byte
 * column must become doubles and memory runs out.
 */
svy_status svy_column_set_num(svy_column *c, size_t row, double v,
                              svy_err *err);

/*
 * Cell 'row' as text in any column type: a numeric cell is formatted by
 * svy_num_format into 'buf' (SVY_NUM_BUFSZ bytes) and 'buf' is returned; a
 * text cell's own string is returned.  '*len' gets the length if not NULL.
 */
const char *svy_column_format(const svy_column *c, size_t row, char *buf,
                              size_t *len);

/*
 * For writers of whole rows: the text and length of cell 'row' of every
 * text column of 't' into fields[c] and lens[c] (arrays of ncols); the
 * entries of numeric columns are left as they are.  The same strings as
 * svy_column_text, without a call and a full strlen per cell.
 */
void svy_table_row_texts(const svy_table *t, size_t row, const char **fields,
                         size_t *lens);

/* 1 when the cell is empty (system missing). */
int svy_column_is_empty(const svy_column *c, size_t row);

/*
 * Declare the user-missing codes of the column, given as text ("8", "99",
 * "DK"); numeric columns compare them as numbers.  Replaces any earlier
 * list.  The strings are copied.
 */
svy_status svy_column_set_user_missing(svy_column *c, const char *const *codes,
                                       size_t n, svy_err *err);

/* Which kind of missing cell 'row' is, if any. */
svy_missing svy_column_missing(const svy_column *c, size_t row);

/*
 * 1 when every non-empty cell of text column 'c' parses as a number under
 * svy_num_parse 'flags' (and at least one cell is non-empty), else 0.
 */
int svy_column_is_numeric(const svy_column *c, int flags);

/*
 * Convert a text column to numeric when every non-empty value parses under
 * 'flags' (see num.h); otherwise leave it unchanged.  Returns 1 when it
 * converted, 0 when not, -1 on allocation failure (message in 'err').
 * A numeric column is left as is (returns 1).
 */
int svy_column_to_num(svy_column *c, int flags, svy_err *err);

/* Convert a numeric column to text with svy_num_format. */
svy_status svy_column_to_text(svy_column *c, svy_err *err);

/*
 * In a text column whose non-empty values all parse as numbers with a
 * decimal comma and at least one of which contains a comma, replace each
 * decimal comma by a point in place.  Returns 1 when it did, 0 when the
 * column does not qualify.
 */
int svy_column_fix_decimal_comma(svy_column *c);

#endif
