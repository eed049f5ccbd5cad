/*
 * foreign.h - SPSS (.sav, .zsav, .por), Stata (.dta) and SAS (.sas7bdat)
 * files read into an svy_table, with the metadata svy-info needs to draft
 * a codebook: variable labels, value labels and user-missing codes.
 *
 * The format is chosen by the file's extension, compared without regard
 * to case.  These files are read by path, not as a stream: the parser
 * (ReadStat) seeks, so standard input and gzip-compressed copies
 * (".sav.gz") are not accepted; gunzip them first.
 *
 * How values become cells (the data stream's rules, DESIGN.md):
 *  - a numeric variable becomes a numeric column; its values are written
 *    back by svy_num_format like any other number;
 *  - a string variable becomes a text column (UTF-8: ReadStat converts
 *    from the file's code page);
 *  - system missing (SPSS sysmis, Stata '.', SAS '.') is an empty cell;
 *  - user-missing values (SPSS MISSING VALUES) keep their code, and the
 *    codes are attached to the column (svy_column_set_user_missing), so
 *    they are counted as user missing and excluded from valid bases; a
 *    range of codes is listed code by code when it holds at most 100
 *    whole numbers, and otherwise not attached;
 *  - tagged missing values (Stata .a-.z, SAS .A-.Z and ._) keep their tag
 *    as text (".a"), which turns the column into a text column, and the
 *    tags found are attached as user-missing codes;
 *  - a numeric variable with a date or date-time display format becomes a
 *    text column in ISO 8601 form, "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS"
 *    (seconds rounded to the nearest whole second), which is what the
 *    codebook's date type expects.  The formats recognised: SPSS DATE,
 *    ADATE, EDATE, SDATE, JDATE (dates) and DATETIME, YMDHMS (date-times);
 *    Stata %td and %d (dates) and %tc, %tC (date-times); SAS DATE,
 *    DDMMYY, MMDDYY, YYMMDD, E8601DA (dates) and DATETIME, E8601DT
 *    (date-times).  Other formats (TIME, MOYR, QYR, WKDAY, Stata %tm and
 *    the like) stay numbers.
 * A row's "line" (svy_table_row_line) is its case number, from 1.
 *
 * Ownership: svy_foreign_read gives the caller the table and the
 * metadata, freed with svy_table_free and svy_foreign_meta_free.  Strings
 * returned by the metadata accessors are borrowed from the metadata.
 * Errors: a file that cannot be opened is SVY_EIO "cannot open 'x': ...";
 * a file the parser refuses is SVY_EPARSE "x: <ReadStat's message>"; an
 * extension that is none of the above is SVY_EINVAL.
 */
#ifndef SVY_FOREIGN_H
#define SVY_FOREIGN_H

#include <stddef.h>

#include "svy/codebook.h"
#include "svy/err.h"
#include "svy/io.h"
#include "svy/table.h"

typedef struct svy_foreign_meta svy_foreign_meta;

/*
 * 1 when 'path' ends in .sav, .zsav, .por, .dta or .sas7bdat (any case),
 * that is when svy_foreign_read should read it instead of the CSV reader.
 */
int svy_foreign_is_foreign(const char *path);

/*
 * Read the file at 'path' into a new table '*out' and, when 'meta' is not
 * NULL, its metadata into '*meta'.  On failure nothing is returned and
 * both stay NULL.  Sizes read from the file (variable counts, label
 * counts) go through the capped allocator of mem.h.
 */
svy_status svy_foreign_read(svy_table **out, svy_foreign_meta **meta,
                            const char *path, svy_err *err);

/* Free the metadata; NULL is a no-op. */
void svy_foreign_meta_free(svy_foreign_meta *m);

/* Number of variables, in file order (the table's columns). */
size_t svy_foreign_nvars(const svy_foreign_meta *m);

/* Name of variable 'i'. */
const char *svy_foreign_var_name(const svy_foreign_meta *m, size_t i);

/* Label of variable 'i'; "" when it has none. */
const char *svy_foreign_var_label(const svy_foreign_meta *m, size_t i);

/* The file's display format of variable 'i' ("DATE11", "%td"); may be "". */
const char *svy_foreign_var_format(const svy_foreign_meta *m, size_t i);

/*
 * Number of value labels of variable 'i', and the code and label of label
 * 'k' (codes as the data stream writes them: "8", "1.5", "M").
 */
size_t svy_foreign_var_nvalues(const svy_foreign_meta *m, size_t i);
const char *svy_foreign_value_code(const svy_foreign_meta *m, size_t i,
                                   size_t k);
const char *svy_foreign_value_label(const svy_foreign_meta *m, size_t i,
                                    size_t k);

/*
 * Build a codebook holding what the metadata knows: for each variable its
 * type (num for numeric columns of 't', else text; date for dates), its
 * label (English slot), its user-missing codes and its value labels.  Made
 * for svy_describe_draft, which copies labels and missing codes and
 * guesses the rest from the data.  't' is the table read with 'm'.  Codes
 * holding ',' cannot be listed in codebook.csv and are left out.
 */
svy_status svy_foreign_codebook(const svy_foreign_meta *m, const svy_table *t,
                                svy_codebook **out, svy_err *err);

/*
 * Write the value labels as values.csv (variable,code,label), variables in
 * file order and labels in the file's order.
 */
svy_status svy_foreign_write_values(const svy_foreign_meta *m, svy_output *o,
                                    svy_err *err);

#endif
