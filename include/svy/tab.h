/*
 * tab.h - banner tables: the proportions of each category of one or more
 * row variables, and the means and totals of numeric variables, in a
 * total column and in every column of a banner (the levels of one or more
 * banner variables), with design-based standard errors, intervals, design
 * effects, bases, column significance letters and the Rao-Scott tests of
 * independence.  The statistics are all the design module's (design.h);
 * this module lays them out as the "table stream" of DESIGN.md, one cell
 * a record, and writes that stream as CSV or as aligned text.
 *
 * Ownership: svy_tab_run copies every string it keeps (names, labels,
 * codes), so the table, codebook and options may be freed afterwards; the
 * result is freed with svy_tab_free, and the cells it returns are borrowed
 * until then.  Errors: functions that can fail return svy_status with a
 * message in 'err': SVY_EINVAL for an unknown or PII variable and bad
 * options (a usage error), SVY_EDATA for data the design refuses (a
 * lonely PSU under "fail" names its stratum).
 */
#ifndef SVY_TAB_H
#define SVY_TAB_H

#include <stddef.h>

#include "svy/codebook.h"
#include "svy/design.h"
#include "svy/err.h"
#include "svy/io.h"
#include "svy/table.h"

/*
 * What to tabulate and how.  Zero means default.  Variable lists are
 * comma-separated names ("q1,q2"); the design fields are column names as
 * svy-tab's options and survey.conf give them ("psu,ssu" for two stages).
 */
typedef struct svy_tab_opts {
    const char *rows;   /* categorical row variables: proportions */
    const char *cols;   /* banner variables; a total column always first */
    const char *means;  /* numeric variables: means */
    const char *totals; /* numeric variables: totals (Horvitz-Thompson) */
    const char *weight; /* design: weight column; NULL: see design.h */
    const char *strata;
    const char *cluster; /* "psu" or "psu,ssu" */
    const char *fpc;     /* "f1" or "f1,f2" */
    svy_lonely lonely;
    int base_all;     /* 1: user-missing codes are categories */
    svy_ci_method ci; /* proportion intervals; 0: logit */
    double level;     /* confidence level; 0: 0.95 */
    double sig[2];    /* column-test levels; 0: 0.05 and none */
    double min_base;  /* no column test below it (unweighted); 0: 30 */
    const svy_codebook *codebook; /* labels, PII marks; may be NULL */
    svy_lang lang;                /* language of the labels */
} svy_tab_opts;

/*
 * One record of the table stream.  'stat' is "prop" (a category's share,
 * a fraction), "mean", "total", or for table-level tests "rao_scott_f"
 * (estimate F, df1 and df2 its degrees of freedom, p) and "chisq"
 * (first-order corrected X², df1, p).  Numbers that do not apply are NaN.
 * 'col_var' is "total" for the total column.  'sig' holds the letters of
 * the columns of the same banner variable this cell is significantly
 * above: lowercase at sig[0], uppercase at sig[1].
 */
typedef struct svy_tab_cell {
    size_t table;      /* 1, 2, ... one per row variable, mean or total */
    const char *title; /* the variable's label */
    const char *stat;
    const char *row_var, *row_code, *row_label;
    const char *col_var, *col_code, *col_label, *col_letter;
    double n_unw;    /* rows in the cell */
    double base_unw; /* rows in the column's base */
    double base_w;   /* their weight */
    double base_eff; /* Kish's effective base */
    double estimate, se, ci_low, ci_high, deff;
    const char *sig;    /* "" when none */
    double df1, df2, p; /* tests only */
    int low_base;       /* 1 when base_unw is below min_base */
} svy_tab_cell;

typedef struct svy_tab svy_tab;

/*
 * Tabulate 't' (types already set, e.g. by svy_codebook_apply) as 'opts'
 * asks.  At least one of rows, means or totals must be given.  Errors:
 * SVY_EINVAL "unknown variable 'x'", "variable 'x' is marked as PII: not
 * tabulated", a bad list; the design's errors (design.h).  On success
 * '*out' owns the result.
 */
svy_status svy_tab_run(svy_tab **out, const svy_table *t,
                       const svy_tab_opts *opts, svy_err *err);

/* Free; NULL is a no-op. */
void svy_tab_free(svy_tab *tab);

/* Number of records and record 'i' (borrowed until svy_tab_free). */
size_t svy_tab_ncells(const svy_tab *tab);
const svy_tab_cell *svy_tab_cell_at(const svy_tab *tab, size_t i);

/*
 * Write the table stream as CSV: the header
 * table,title,stat,row_var,row_code,row_label,col_var,col_code,col_label,
 * col_letter,n_unw,base_unw,base_w,base_eff,estimate,se,ci_low,ci_high,
 * deff,sig,df1,df2,p and one row per record; NaN is an empty field.
 */
svy_status svy_tab_write_csv(const svy_tab *tab, svy_output *o, svy_err *err);

/*
 * Write aligned text tables (display width counted with svy_utf8_width, so
 * Cyrillic labels line up): per table a title, the banner header with
 * column letters, one line per category with percentages to one decimal
 * followed by significance letters (means and totals with two decimals),
 * the unweighted and weighted bases, the tests, and a footnote naming the
 * base and the confidence level.
 */
svy_status svy_tab_write_text(const svy_tab *tab, svy_output *o, svy_err *err);

#endif
