/*
 * tab.h - banner tables: the proportions of each category of one or more
 * row variables, and the means and totals of numeric variables, in a
 * total column and in every column of a banner (the levels of one or more
 * banner variables), with design-based standard errors, intervals, design
 * effects, bases, column significance letters and the Rao-Scott tests of
 * independence.  The statistics are all the design module's (design.h);
 * this module lays them out as the "table stream" of DESIGN.md, one cell
 * a record, and writes that stream through an output vtable
 * (svy_tab_writer: accept/begin/row/end, as ReadStat's rs_module_t) as
 * CSV, aligned text or JSON.
 *
 * Ownership: svy_tab_run copies every string it keeps (names, labels,
 * codes), so the table, codebook and options may be freed afterwards; the
 * result is freed with svy_tab_free, and the cells it returns are borrowed
 * until then.  Errors: functions that can fail return svy_status with a
 * message in 'err': SVY_EINVAL for an unknown or PII variable and bad
 * options (a usage error), SVY_EDATA for data the design refuses (a
 * lonely PSU under "fail" names its stratum), SVY_EPARSE for a bad table
 * spec ("tables.txt:3:7: ...", or "tables.txt:3: unknown variable 'x'").
 */
#ifndef SVY_TAB_H
#define SVY_TAB_H

#include <stddef.h>

#include "svy/codebook.h"
#include "svy/design.h"
#include "svy/err.h"
#include "svy/io.h"
#include "svy/table.h"
#include "svy/targets.h"

/* How the column-test p-values are adjusted for multiple comparisons. */
typedef enum svy_tab_adjust {
    SVY_TAB_ADJUST_NONE = 0,  /* each pair at the --sig levels */
    SVY_TAB_ADJUST_BONFERRONI /* p times the pairs of the banner variable */
} svy_tab_adjust;

/* "none", "bonferroni" -> '*out'; returns 1 on success, 0 if unknown. */
int svy_tab_adjust_parse(const char *s, svy_tab_adjust *out);

/*
 * A table specification (a survey's tables.txt): one table a line, plus
 * nets (combined codes shown as an extra row) and multiple-response sets.
 * The grammar, one statement a line, '#' starting a comment:
 *
 *   table VARS [by BANNER] [stat=percent|mean|total] [filter="EXPR"]
 *         [title="TEXT"] [title@LANG="TEXT" ...]
 *   net VAR "LABEL" = CODE[,CODE...] [label@LANG="TEXT" ...]
 *   mrset NAME "LABEL" = VAR[,VAR...] [label@LANG="TEXT" ...]
 *                                         (or PREFIX1..PREFIXn: q9_1..q9_8)
 *
 * VARS and BANNER are comma-separated variable names (blanks around the
 * commas allowed); a name in VARS may be an mrset.  EXPR is a --filter
 * expression.  Quoted strings take \" and \\ escapes.  LANG is en, ru or
 * ky, as the codebook's label@ru columns: the label of opts->lang is
 * used, else the plain one, else the name.  A net applies to
 * every table of VAR; an mrset's items are 0/1 variables, and its table
 * gives the percent of cases with 1 for each item, the base being the
 * cases with a valid answer on any item.
 *
 * Ownership: the spec owns its strings; it is borrowed by svy_tab_run.
 * Errors: SVY_EPARSE "NAME:LINE:COL: message" for the first bad
 * statement; SVY_EIO when the file cannot be read.
 */
typedef struct svy_tab_spec svy_tab_spec;

/*
 * Parse 'len' bytes of spec text; 'name' is used in messages.  On success
 * '*out' owns the spec.
 */
svy_status svy_tab_spec_parse(svy_tab_spec **out, const char *name,
                              const char *text, size_t len, svy_err *err);

/* Read and parse the spec file 'path'. */
svy_status svy_tab_spec_read(svy_tab_spec **out, const char *path,
                             svy_err *err);

/* Free; NULL is a no-op. */
void svy_tab_spec_free(svy_tab_spec *s);

/* Number of table statements of the spec. */
size_t svy_tab_spec_ntables(const svy_tab_spec *s);

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
    int base_all;          /* 1: user-missing codes are categories */
    svy_ci_method ci;      /* proportion intervals; 0: logit */
    double level;          /* confidence level; 0: 0.95 */
    double sig[2];         /* column-test levels; 0: 0.05 and none */
    double min_base;       /* no column test below it (unweighted); 0: 30 */
    svy_tab_adjust adjust; /* column-test adjustment; 0: none */
    /*
     * Conditions "VAR OP VALUE" (OP == != < <= > >=) or "VAR in V1,LO..HI"
     * joined by and/or, as svy-tab(1) --filter; NULL: every row.
     */
    const char *filter;
    const svy_codebook *codebook; /* labels, PII marks; may be NULL */
    svy_lang lang; /* language of the labels and the fixed words */
    /*
     * When set, the tables of the spec instead of rows, means and totals
     * (a spec table without "by" uses 'cols'; its filter, when given,
     * replaces 'filter').  Borrowed.
     */
    const svy_tab_spec *spec;
    const char *spec_name; /* the spec's file name, for messages */
    /*
     * Calibration-aware standard errors: the weights were raked or
     * calibrated to the margins of 'calibrated' (svy-weight's targets
     * file; borrowed), so the linearized values are replaced by their
     * residuals on those margins (design.h, svy_design_set_calibration).
     * 'calibration' picks R's rake() rule (0) or calibrate()'s
     * (SVY_CALVAR_GREG, with 'base_weight' as the regression weights,
     * NULL: the final weights).
     */
    const svy_targets *calibrated;
    svy_calvar calibration;
    const char *base_weight;
} svy_tab_opts;

/*
 * The settings a writer needs besides the records (footnotes, the
 * language of the fixed words), as svy_tab_run resolved them: defaults
 * filled in.  'filter' is the filter expression or "" (borrowed).
 */
typedef struct svy_tab_meta {
    int base_all;
    double level, sig[2], min_base;
    svy_tab_adjust adjust;
    const char *filter;
    svy_lang lang;
} svy_tab_meta;

/*
 * One record of the table stream.  'stat' is "prop" (a category's share,
 * a fraction), "mean", "total", or for table-level tests "rao_scott_f"
 * (estimate F, df1 and df2 its degrees of freedom, p) and "chisq"
 * (first-order corrected X², df1, p).  Numbers that do not apply are NaN.
 * 'col_var' is "total" for the total column.  'sig' holds the letters of
 * the columns of the same banner variable this cell is significantly
 * above: lowercase at sig[0], uppercase at sig[1].  Columns are lettered
 * A..Z, AA, AB, ... across the banner; when a banner has more than 26
 * columns the letters in 'sig' are separated by blanks ("b AA ac").
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
    /*
     * What the table's base is: 'base' is "valid" (user-missing codes left
     * out; for a multiple-response set, cases with a valid answer on any
     * item) or "all" (--base all), and 'filter' the domain expression
     * the table was estimated in ("" for the whole sample): the spec
     * line's filter= when it has one, else --filter.
     */
    const char *base, *filter;
} svy_tab_cell;

typedef struct svy_tab svy_tab;

/*
 * Tabulate 't' (types already set, e.g. by svy_codebook_apply) as 'opts'
 * asks.  At least one of rows, means or totals must be given.
 *
 * A filter keeps every row in the design and estimates within the rows
 * that pass it as a domain (R's subset() of a design), so the standard
 * errors count the PSUs that hold no row of the domain.  A value is
 * compared as a number when the column is numeric and the value reads as
 * one (so "1" matches "1.0"), else as text; rows missing on the filter
 * variable are outside the domain under every operator.
 *
 * Errors: SVY_EINVAL "unknown variable 'x'", "variable 'x' is marked as
 * PII: not tabulated", a bad list, a bad filter ("--filter: unknown
 * variable 'x'", "--filter: expected ==, !=, <, <=, >, >= or in after
 * 'x', got '=' in '...'"); SVY_EPARSE for what a spec line names wrongly
 * ("tables.txt:3: filter: ..."); the design's errors (design.h).
 * On success '*out' owns the result.
 */
svy_status svy_tab_run(svy_tab **out, const svy_table *t,
                       const svy_tab_opts *opts, svy_err *err);

/* Free; NULL is a no-op. */
void svy_tab_free(svy_tab *tab);

/* Number of records and record 'i' (borrowed until svy_tab_free). */
size_t svy_tab_ncells(const svy_tab *tab);
const svy_tab_cell *svy_tab_cell_at(const svy_tab *tab, size_t i);

/* The resolved settings of 'tab' (borrowed until svy_tab_free). */
const svy_tab_meta *svy_tab_get_meta(const svy_tab *tab);

/*
 * An output format.  A writer sees the records one at a time, in order
 * (the records of a table are contiguous: its cells row-major, then its
 * tests), so a writer for svy-report can be fed from a table stream read
 * back from CSV: it must not rely on anything but the record fields and
 * the meta, and compares strings with strcmp, never by pointer.
 *
 *   accept  1 when the writer handles format name 'format' ("csv").
 *   begin   allocate the writer's state into '*state' and write any
 *           header to 'o'; 'm' and 'o' are borrowed until end.
 *   row     one record, borrowed until end returns (the text writer
 *           keeps a table's records until the table is complete).
 *   end     finish (when 'ok') and free the state.  Called exactly once
 *           after a successful begin, with ok = 0 after a failed row, when
 *           it only frees.
 *
 * Checklist: a new writer goes into the list of svy_tab_writer_find, the
 * usage and help of svy-tab, and svy-tab.1.
 */
typedef struct svy_tab_writer {
    const char *name;
    int (*accept)(const char *format);
    svy_status (*begin)(void **state, const svy_tab_meta *m, svy_output *o,
                        svy_err *err);
    svy_status (*row)(void *state, const svy_tab_cell *c, svy_err *err);
    svy_status (*end)(void *state, int ok, svy_err *err);
} svy_tab_writer;

/* The built-in writer that accepts 'format' ("text", "csv", "json"), or
 * NULL when none does.  The result is static. */
const svy_tab_writer *svy_tab_writer_find(const char *format);

/*
 * Drive writer 'w' over every record of 'tab' into 'o'.  Returns the
 * first failing callback's status (the state is freed either way).
 */
svy_status svy_tab_write(const svy_tab *tab, const svy_tab_writer *w,
                         svy_output *o, svy_err *err);

/*
 * Write the table stream as CSV: the header
 * table,title,stat,row_var,row_code,row_label,col_var,col_code,col_label,
 * col_letter,n_unw,base_unw,base_w,base_eff,estimate,se,ci_low,ci_high,
 * deff,sig,df1,df2,p,low_base,base,filter and one row per record; NaN is
 * an empty field, low_base is 1 or 0 (empty on test records).
 */
svy_status svy_tab_write_csv(const svy_tab *tab, svy_output *o, svy_err *err);

/*
 * Write aligned text tables (display width counted with svy_utf8_width, so
 * Cyrillic labels line up): per table a title, the banner header with
 * column letters, one line per category with percentages to one decimal
 * followed by significance letters (means and totals with two decimals),
 * the unweighted and weighted bases, the tests, the table's filter when it
 * is not the --filter of the run, and a footnote naming the base, the
 * confidence level and the --filter.  The fixed words are in the language of
 * the options (English, Russian or Kyrgyz).
 */
svy_status svy_tab_write_text(const svy_tab *tab, svy_output *o, svy_err *err);

/*
 * Write JSON: an array with one object per table, holding "table",
 * "title", "stat", "row_var", "base", "filter", "cells" (one object per
 * cell with the
 * record's fields and "low_base" true/false) and "tests" (objects with
 * "stat", "col_var", "estimate", "df1", "df2", "p").  Numbers are JSON
 * numbers; NaN and infinities are null.  Strings are valid UTF-8: control
 * characters are escaped and bytes that are not UTF-8 become U+FFFD.
 */
svy_status svy_tab_write_json(const svy_tab *tab, svy_output *o, svy_err *err);

#endif
