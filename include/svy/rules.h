/*
 * rules.h - the cleaning-rules language of svy-clean: compile a rules file
 * once against a table's columns, then apply it row by row.
 *
 * A rules text is a list of statements, one a line (assert, warn, set,
 * recode, compute, drop, flag) over a small expression language; the
 * grammar is documented in tools/svy-clean.1.  svy_rules_compile lexes
 * and parses the whole text, resolves every variable name to a column
 * index and checks types, so applying it never parses or looks up a name.
 * Applying caches each referenced column as doubles once and allocates
 * nothing per row except when a value is really changed.
 *
 * Ownership: a svy_rules owns its compiled program and copies of its
 * strings; the table and codebook passed in are borrowed and not kept.
 * svy_rules_free(NULL) is a no-op.
 *
 * Errors: compile errors are SVY_EPARSE with "NAME:LINE:COL: message";
 * apply errors (memory, output) carry their own message in 'err'.
 */
#ifndef SVY_RULES_H
#define SVY_RULES_H

#include <stddef.h>

#include "svy/codebook.h"
#include "svy/err.h"
#include "svy/io.h"
#include "svy/table.h"

typedef struct svy_rules svy_rules;

/* The statement kinds, in the order the man page lists them. */
typedef enum svy_rule_kind {
    SVY_RULE_ASSERT = 0, /* severity error: the condition must hold */
    SVY_RULE_WARN,       /* severity warning: fires when the condition holds */
    SVY_RULE_SET,
    SVY_RULE_RECODE,
    SVY_RULE_COMPUTE,
    SVY_RULE_DROP,
    SVY_RULE_FLAG
} svy_rule_kind;

/*
 * Compile the rules text 'text' ('len' bytes; 'name' is used in messages,
 * usually the file's path) against the columns of 't'.  'cb' (may be NULL)
 * gives variable types (id, text and date variables are strings, the rest
 * numbers) and user-missing codes; without it a column is a number when
 * every non-empty cell parses as one.  Columns named as new targets of
 * recode, compute and flag are added only by svy_rules_apply.  '*out'
 * receives the program; on failure it stays NULL and 'err' says
 * "NAME:LINE:COL: what is wrong".
 */
svy_status svy_rules_compile(svy_rules **out, const char *name,
                             const char *text, size_t len, const svy_table *t,
                             const svy_codebook *cb, svy_err *err);

/* Read the file 'path' and svy_rules_compile it under that name. */
svy_status svy_rules_compile_file(svy_rules **out, const char *path,
                                  const svy_table *t, const svy_codebook *cb,
                                  svy_err *err);

/* Free the program; NULL is a no-op. */
void svy_rules_free(svy_rules *r);

/* Where svy_rules_apply reports, beyond changing the table. */
typedef struct svy_rules_opts {
    /*
     * Column whose value names a row in the audit log; NULL or a column
     * absent from the table means the row's input line number.
     */
    const char *id;
    /*
     * Audit log (CSV with header id,action,variable,old,new,rule,message):
     * every changed value, every dropped row and every fired assert and
     * warn.  NULL for none.  Borrowed, not committed.
     */
    svy_output *audit;
    /* Full dropped rows as CSV with the header; NULL for none. */
    svy_output *dropped;
} svy_rules_opts;

/*
 * Apply the program 'r' (compiled against 't') to every row of 't', in
 * row order, each row through every statement in file order.  New columns
 * are appended to 't' first; changed cells are rewritten as text
 * (svy_num_format for numbers, "" for missing).  'keep' (svy_table_nrows
 * bytes, caller-owned) gets 1 for rows kept and 0 for dropped rows.  Per
 * rule counts are then available from svy_rules_stat.  Fails with
 * SVY_EINVAL when 't' is not the table 'r' was compiled against (column
 * count differs), or with the status of a failed write or allocation.
 */
svy_status svy_rules_apply(svy_rules *r, svy_table *t,
                           const svy_rules_opts *opts, unsigned char *keep,
                           svy_err *err);

/* Number of statements in the program. */
size_t svy_rules_count(const svy_rules *r);

/* What a statement did during the last svy_rules_apply. */
typedef struct svy_rule_stat {
    svy_rule_kind kind;
    size_t line;         /* line of the statement in the rules text */
    const char *keyword; /* "assert", "warn", ... (static) */
    const char *message; /* the statement's message or "" (borrowed) */
    size_t rows;         /* rows the statement fired on or changed */
} svy_rule_stat;

/* Fill '*st' for statement 'i' (0-based, below svy_rules_count). */
void svy_rules_stat(const svy_rules *r, size_t i, svy_rule_stat *st);

/* Number of assert (error) firings in the last svy_rules_apply. */
size_t svy_rules_errors(const svy_rules *r);

/*
 * Write 't' as CSV (header, then the rows whose 'keep' byte is non-zero;
 * 'keep' NULL keeps all) to 'o'.  Cells are written exactly as stored.
 */
svy_status svy_rules_write_kept(const svy_table *t, const unsigned char *keep,
                                svy_output *o, svy_err *err);

#endif
