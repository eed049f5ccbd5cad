/*
 * import.c - reading, appending and checking batches.
 *
 * Two ways through, chosen per run:
 *  - streaming: one input whose decimal separator needs no judgement
 *    (',' files in auto mode, or --decimal-point).  Each record is checked
 *    and written as it is parsed, so memory stays flat and the cost is that
 *    of parsing and writing the CSV.
 *  - buffered: several batches (the union of their columns is known only
 *    at the end), or a ';' file whose decimal commas are judged per column.
 *    Each batch becomes a table of text columns, is appended by column name,
 *    and the whole is checked and written at the end.  SPSS, Stata and SAS
 *    files (foreign.h) always take this path, as tables whose numbers are
 *    written back by svy_num_format and whose rows' "lines" are case
 *    numbers.
 * Either way values are written back as they were read (after decoding and
 * decimal-comma repair): text that reads back to the same double, with no
 * parse-and-format round trip.  Findings carry the batch, source line and
 * the column's position in that batch, and are sorted in that order.
 */
#include "svy/import.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "svy/buf.h"
#include "svy/foreign.h"
#include "svy/io.h"
#include "svy/mem.h"
#include "svy/table.h"

struct batch {
    const char *file;
    size_t first; /* first row in the combined table */
    char **names; /* header, in file order */
    size_t nnames;
};

/* The strings of a finding are offsets into one shared buffer, not
 * pointers: the buffer moves as it grows. */
struct finding {
    size_t batch, line, col;
    size_t var, value, problem; /* offsets into the text buffer */
    size_t seq;                 /* order found: makes the sort stable */
    svy_finding_kind kind;
};

struct state {
    const svy_import_opts *opts;
    svy_import_result *res;
    svy_output *out;
    svy_table *all; /* buffered mode */
    struct batch *batches;
    size_t nbatches; /* batches begun */
    struct finding *finds;
    size_t nfinds, fcap;
    svy_buf text;
    /* The file being read. */
    int stream;
    struct svy_csv_builder builder;
    const svy_var **vars; /* streaming: codebook variable per field */
    const char **fields;  /* streaming: output row with batch column */
    size_t *lens;
    int failed;       /* out of memory inside a callback */
    size_t ncols;     /* streaming: fields per record */
    size_t row_finds; /* streaming: first finding of the row */
};

static void note(const struct state *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Format a note for the caller's callback; with none it is dropped. */
static void
note(const struct state *s, const char *fmt, ...)
{
    char msg[600];
    va_list ap;

    if (s->opts->note == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s->opts->note(s->opts->note_ctx, msg);
}

/* "s" unless 'n' is 1, for notes that count things. */
static const char *
plural(size_t n)
{
    return n == 1 ? "" : "s";
}

static svy_status
nomem(svy_err *err)
{
    return svy_err_set(err, SVY_ENOMEM, "out of memory");
}

/*
 * Record one finding, copying its three strings into 's->text' one after
 * another rather than allocating each.  The column is 1-based in the
 * batch's header, 0 when the finding has no column.
 */
static svy_status
add_finding(struct state *s, size_t batch, size_t line, size_t col,
            const char *var, svy_finding_kind kind, const char *value,
            const char *problem, svy_err *err)
{
    struct finding *f;
    void *p = s->finds;

    if (svy_mem_grow(&p, &s->fcap, s->nfinds + 1, sizeof(*s->finds)) < 0)
        return nomem(err);
    s->finds = p;
    f = &s->finds[s->nfinds++];
    f->batch = batch;
    f->line = line;
    f->col = col;
    f->kind = kind;
    f->seq = s->nfinds - 1;
    f->var = s->text.len;
    if (svy_buf_append(&s->text, var, strlen(var) + 1) != SVY_OK)
        return nomem(err);
    f->value = s->text.len;
    if (svy_buf_append(&s->text, value, strlen(value) + 1) != SVY_OK)
        return nomem(err);
    f->problem = s->text.len;
    if (svy_buf_append(&s->text, problem, strlen(problem) + 1) != SVY_OK)
        return nomem(err);
    s->res->by_kind[kind]++;
    s->res->findings++;
    return SVY_OK;
}

/* Header-level findings: columns the codebook lacks, variables missing. */
static svy_status
column_findings(struct state *s, const char *const *names, size_t n,
                size_t line, svy_err *err)
{
    const svy_codebook *cb = s->opts->codebook;
    size_t i, j;
    svy_status rc;

    /* Both are placed on 'line', the header's (1 in a CSV file, 0 in a
     * foreign file, whose line 1 is case 1); a missing variable has no
     * column (0, left empty in the rejects file). */
    for (i = 0; i < n; i++)
        if (svy_codebook_find(cb, names[i]) == NULL &&
            (rc = add_finding(s, s->nbatches - 1, line, i + 1, names[i],
                              SVY_FIND_UNKNOWN_VAR, "", "not in the codebook",
                              err)) != SVY_OK)
            return rc;
    for (i = 0; i < svy_codebook_nvars(cb); i++) {
        const char *name = svy_var_name(svy_codebook_var(cb, i));
        for (j = 0; j < n && strcmp(names[j], name) != 0; j++)
            ;
        if (j == n &&
            (rc = add_finding(
                 s, s->nbatches - 1, line, 0, name, SVY_FIND_MISSING_VAR, "",
                 "codebook variable missing from the file", err)) != SVY_OK)
            return rc;
    }
    return SVY_OK;
}

/*
 * The header callback of each file.  The names are kept per batch,
 * because findings give a column's position in its own file.  The mode is
 * chosen here, once the delimiter is known: streaming needs one input and
 * a decimal rule that does not need whole columns.
 */
static svy_status
on_header(void *ctx, const char *const *names, size_t n,
          const svy_csv_info *info, svy_err *err)
{
    struct state *s = ctx;
    struct batch *b = &s->batches[s->nbatches - 1];
    const char *bcol = s->opts->batch_col;
    svy_decimal dec = s->opts->csv.decimal;
    size_t i;
    svy_status rc;

    if ((b->names = calloc(n ? n : 1, sizeof(*b->names))) == NULL)
        return nomem(err);
    for (i = 0; i < n; i++) {
        if ((b->names[i] = svy_mem_strdup(names[i])) == NULL)
            return nomem(err);
        b->nnames++; /* counted at once: freed even if we stop below */
        if (bcol && strcmp(names[i], bcol) == 0)
            return svy_err_set(err, SVY_EINVAL,
                               "%s:1: column '%s' exists "
                               "already; choose another --batch-col name",
                               b->file, bcol);
    }
    if (s->opts->codebook &&
        (rc = column_findings(s, names, n, 1, err)) != SVY_OK)
        return rc;
    s->stream =
        s->opts->files[1] == NULL &&
        (dec == SVY_DEC_POINT || (dec == SVY_DEC_AUTO && info->delim == ','));
    if (!s->stream)
        return svy_csv_table_sink.header(&s->builder, names, n, info, err);
    /* Streaming means one file, so this runs once.  One extra slot holds
     * the batch column, written last. */
    s->ncols = n;
    s->vars = calloc(n + 1, sizeof(*s->vars));
    s->fields = calloc(n + 1, sizeof(*s->fields));
    s->lens = calloc(n + 1, sizeof(*s->lens));
    if (!s->vars || !s->fields || !s->lens)
        return nomem(err);
    for (i = 0; i < n; i++) {
        s->fields[i] = names[i];
        s->lens[i] = strlen(names[i]);
        if (s->opts->codebook)
            s->vars[i] = svy_codebook_find(s->opts->codebook, names[i]);
    }
    if (bcol) {
        s->fields[n] = bcol;
        s->lens[n] = strlen(bcol);
    }
    return svy_csv_write_row(s->out, s->fields, s->lens, n + (bcol != NULL),
                             err);
}

/*
 * One field.  Buffered: into the batch's table.  Streaming: checked
 * against its codebook variable and written straight to the output; its
 * findings get the record's line when the record ends (on_row).
 */
static svy_status
on_field(void *ctx, size_t i, const char *f, size_t len, svy_err *err)
{
    struct state *s = ctx;
    char problem[300];
    svy_finding_kind kind;
    svy_status rc;

    if (!s->stream)
        return svy_csv_table_sink.field(&s->builder, i, f, len, err);
    if (i == 0)
        s->row_finds = s->nfinds;
    if (s->vars[i] != NULL &&
        svy_var_check_value(s->vars[i], f, &kind, problem, sizeof(problem)) &&
        (rc = add_finding(s, 0, 0, i + 1, svy_var_name(s->vars[i]), kind, f,
                          problem, err)) != SVY_OK)
        return rc;
    /* One empty field alone would be a blank line, which readers skip. */
    if (s->ncols == 1 && len == 0 && s->opts->batch_col == NULL)
        return svy_output_write(s->out, "\"\"", 2, err);
    return svy_csv_write_field(s->out, f, len, i == 0, err);
}

/* The end of a record (the reader has checked its field count). */
static svy_status
on_row(void *ctx, const char *const *fields, const size_t *lens, size_t n,
       size_t line, svy_err *err)
{
    struct state *s = ctx;
    const char *file = s->batches[s->nbatches - 1].file;
    size_t k;
    svy_status rc;

    s->res->rows++;
    if (!s->stream)
        return svy_csv_table_sink.row(&s->builder, fields, lens, n, line, err);
    for (k = s->row_finds; k < s->nfinds; k++)
        s->finds[k].line = line;
    if (s->opts->batch_col != NULL &&
        (rc = svy_csv_write_field(s->out, file, strlen(file), 0, err)) != 0)
        return rc;
    return svy_output_write(s->out, "\n", 1, err);
}

static const svy_csv_sink import_sink = {on_header, on_row, on_field};

/*
 * Buffered mode: append the batch just read to the combined table (the
 * first batch becomes it), noting columns that only one side has.
 * The batch's first row lets on_finding map a row back to its batch.
 */
static svy_status
append_batch(struct state *s, svy_table *t, svy_err *err)
{
    struct batch *b = &s->batches[s->nbatches - 1];
    size_t i, before = s->all ? svy_table_nrows(s->all) : 0;
    svy_status rc;

    b->first = before;
    if (s->opts->batch_col) {
        svy_column *c;
        if ((rc = svy_table_add_column(t, s->opts->batch_col, SVY_TEXT, &c,
                                       err)) != SVY_OK)
            goto fail;
        for (i = 0; i < svy_table_nrows(t); i++)
            if ((rc = svy_column_set_text(c, i, b->file, strlen(b->file),
                                          err)) != SVY_OK)
                goto fail;
    }
    if (s->all == NULL) {
        s->all = t;
        return SVY_OK;
    }
    for (i = 0; i < svy_table_ncols(s->all); i++) {
        const char *name = svy_column_name(svy_table_col(s->all, i));
        if (svy_table_find(t, name) == NULL)
            note(s, "%s: no column '%s' (left empty in its %zu row%s)", b->file,
                 name, svy_table_nrows(t), plural(svy_table_nrows(t)));
    }
    for (i = 0; i < svy_table_ncols(t); i++) {
        const char *name = svy_column_name(svy_table_col(t, i));
        if (svy_table_find(s->all, name) == NULL)
            note(s,
                 "%s: new column '%s' (left empty in the %zu row%s "
                 "before it)",
                 b->file, name, before, plural(before));
    }
    rc = svy_table_append(s->all, t, err);
fail:
    svy_table_free(t); /* ours on every path but the first batch's */
    return rc;
}

/* Names for the verbose note. */
static const char *
enc_name(svy_encoding e)
{
    return e == SVY_ENC_CP1251 ? "CP1251" : "UTF-8";
}

static const char *
delim_name(char d)
{
    return d == '\t' ? "TAB" : d == ';' ? "';'" : d == '|' ? "'|'" : "','";
}

/*
 * Read one file through import_sink.  The batch is registered first, as
 * the callbacks refer to it.  Streaming has written every row by the time
 * the scan returns; buffered mode finishes the builder's table (decimal
 * commas) and appends it.  The builder is released on every path.
 */
/*
 * Read one SPSS, Stata or SAS file (foreign.h) into the buffered path:
 * its header is checked as a CSV header is, and its table appended by
 * column name.  A foreign file never streams; it is read whole by its
 * parser anyway.
 */
static svy_status
read_foreign(struct state *s, const char *file, svy_err *err)
{
    struct batch *b = &s->batches[s->nbatches++];
    const char *bcol = s->opts->batch_col;
    svy_table *t;
    size_t i, n;
    svy_status rc;

    b->file = file;
    s->stream = 0;
    if ((rc = svy_foreign_read(&t, NULL, file, err)) != SVY_OK)
        return rc;
    n = svy_table_ncols(t);
    if ((b->names = calloc(n ? n : 1, sizeof(*b->names))) == NULL) {
        rc = nomem(err);
        goto fail;
    }
    for (i = 0; i < n; i++) {
        const char *name = svy_column_name(svy_table_col(t, i));
        if ((b->names[i] = svy_mem_strdup(name)) == NULL) {
            rc = nomem(err);
            goto fail;
        }
        b->nnames++;
        if (bcol && strcmp(name, bcol) == 0) {
            rc = svy_err_set(err, SVY_EINVAL,
                             "%s: column '%s' exists already; choose "
                             "another --batch-col name",
                             file, bcol);
            goto fail;
        }
    }
    if (s->opts->codebook &&
        (rc = column_findings(s, (const char *const *)b->names, n, 0, err)))
        goto fail;
    s->res->rows += svy_table_nrows(t);
    if (s->opts->verbose)
        note(s, "%s: %zu row%s, %zu column%s", file, svy_table_nrows(t),
             plural(svy_table_nrows(t)), n, plural(n));
    return append_batch(s, t, err); /* takes 't' */
fail:
    svy_table_free(t);
    return rc;
}

static svy_status
read_batch(struct state *s, const char *file, svy_err *err)
{
    svy_csv_info info = {0};
    svy_input *in = NULL;
    svy_table *t;
    size_t rows_before = s->res->rows;
    svy_status rc;

    if (svy_foreign_is_foreign(file))
        return read_foreign(s, file, err);
    s->batches[s->nbatches++].file = file;
    s->stream = 0;
    if ((rc = svy_csv_builder_init(&s->builder, err)) != SVY_OK)
        return rc;
    if ((rc = svy_input_open(&in, file, err)) != SVY_OK ||
        (rc = svy_csv_scan(in, &s->opts->csv, &info, &import_sink, s, err)))
        goto out;
    if (s->opts->verbose)
        note(s, "%s: %zu row%s, %zu column%s, %s, %s%s%s", file,
             s->res->rows - rows_before, plural(s->res->rows - rows_before),
             s->batches[s->nbatches - 1].nnames,
             plural(s->batches[s->nbatches - 1].nnames), delim_name(info.delim),
             enc_name(info.encoding), info.bom ? " with BOM" : "",
             info.crlf ? ", CRLF" : "");
    if (s->stream)
        goto out;
    t = svy_csv_builder_finish(&s->builder, &s->opts->csv, &info);
    if (info.decimal_comma > 0)
        note(s, "%s: decimal comma read in %zu column%s", file,
             info.decimal_comma, info.decimal_comma == 1 ? "" : "s");
    rc = append_batch(s, t, err);
out:
    svy_csv_builder_release(&s->builder);
    svy_input_close(in);
    return rc;
}

/*
 * Buffered mode: row-level findings of the whole table.  A row's batch is
 * the last one starting at or before it (batches are in row order); its
 * column is the variable's position in that batch's header, 0 if absent.
 */
static int
on_finding(const svy_finding *f, void *ctx)
{
    struct state *s = ctx;
    size_t k = s->nbatches, col = 0, i;
    const struct batch *b;

    if (f->row == SIZE_MAX)
        return 0; /* column-level findings were made per batch */
    while (k > 1 && f->row < s->batches[k - 1].first)
        k--;
    b = &s->batches[k - 1];
    for (i = 0; i < b->nnames; i++)
        if (strcmp(b->names[i], f->variable) == 0)
            col = i + 1;
    /* A batch without the column has one "missing from the file" finding,
     * not one per row for the cells the append left empty. */
    if (col == 0)
        return 0;
    if (add_finding(s, k - 1, svy_table_row_line(s->all, f->row), col,
                    f->variable, f->kind, f->value, f->problem,
                    NULL) != SVY_OK) {
        s->failed = 1; /* stops the check; svy_import_run reports it */
        return 1;
    }
    return 0;
}

/*
 * Findings arrive in different orders (streaming row by row, the codebook
 * check column by column); the rejects list is always in file, line and
 * column order.
 */
static int
cmp_finding(const void *a, const void *b)
{
    const struct finding *x = a, *y = b;

    if (x->batch != y->batch)
        return x->batch < y->batch ? -1 : 1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    /* qsort is not stable; codebook variables missing from one file all
     * sit at line 1, column 0, and must stay in codebook order. */
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static svy_status
write_rejects(const struct state *s, svy_output *o, svy_err *err)
{
    static const char *const header[] = {"file",     "line",  "column",
                                         "variable", "value", "problem"};
    size_t i;
    svy_status rc;

    if ((rc = svy_csv_write_row(o, header, NULL, 6, err)) != SVY_OK)
        return rc;
    for (i = 0; i < s->nfinds && rc == SVY_OK; i++) {
        const struct finding *f = &s->finds[i];
        char line[32], col[32] = "";
        const char *row[6];

        snprintf(line, sizeof(line), "%zu", f->line);
        if (f->col)
            snprintf(col, sizeof(col), "%zu", f->col);
        row[0] = s->batches[f->batch].file;
        row[1] = line;
        row[2] = col;
        row[3] = s->text.data + f->var;
        row[4] = s->text.data + f->value;
        row[5] = s->text.data + f->problem;
        rc = svy_csv_write_row(o, row, NULL, 6, err);
    }
    return rc;
}

/* One note with the totals by kind and where the list went.  A buffer
 * that cannot grow shortens or drops the note; it is not an error. */
static void
summarise(const struct state *s, const char *rejects)
{
    svy_buf b = SVY_BUF_INIT;
    int k, first = 1;

    if (s->res->findings == 0) {
        if (s->opts->verbose)
            note(s, "codebook check: no findings");
        return;
    }
    svy_buf_printf(&b, "codebook check: %zu finding%s (", s->res->findings,
                   s->res->findings == 1 ? "" : "s");
    for (k = 0; k < SVY_FIND_NKINDS; k++) {
        if (s->res->by_kind[k] == 0)
            continue;
        svy_buf_printf(&b, "%s%zu %s", first ? "" : ", ", s->res->by_kind[k],
                       svy_finding_name((svy_finding_kind)k));
        first = 0;
    }
    if (rejects)
        svy_buf_printf(&b, ") listed in '%s'", rejects);
    else
        svy_buf_puts(&b, "); list them with --rejects FILE");
    if (b.data)
        note(s, "%s", b.data);
    svy_buf_release(&b);
}

svy_status
svy_import_run(const svy_import_opts *opts, const char *out,
               const char *rejects, svy_import_result *res, svy_err *err)
{
    struct state s = {0};
    svy_output *orej = NULL;
    svy_status rc = SVY_OK;
    size_t k, n = 0;

    memset(res, 0, sizeof(*res));
    s.opts = opts;
    s.res = res;
    while (opts->files[n])
        n++;
    if ((s.batches = calloc(n ? n : 1, sizeof(*s.batches))) == NULL)
        return nomem(err);
    /* The data output opens first: streaming writes it while reading. */
    if ((rc = svy_output_open(&s.out, out, err)) != SVY_OK)
        goto out;
    for (k = 0; k < n; k++)
        if ((rc = read_batch(&s, opts->files[k], err)) != SVY_OK)
            goto out;
    if (!s.stream) {
        /* There is no table only when no file was given: write an empty
         * one. */
        if (s.all == NULL && (rc = svy_table_new(&s.all, err)) != SVY_OK)
            goto out;
        if (opts->codebook &&
            (rc = svy_codebook_check(opts->codebook, s.all, on_finding, &s,
                                     err)) != SVY_OK)
            goto out;
        if (s.failed) {
            rc = nomem(err);
            goto out;
        }
        if ((rc = svy_csv_write(s.all, s.out, err)) != SVY_OK)
            goto out;
        res->cols = svy_table_ncols(s.all);
    } else {
        res->cols = s.batches[0].nnames + (opts->batch_col != NULL);
    }
    if (s.nfinds > 1) /* s.finds is NULL when there are none */
        qsort(s.finds, s.nfinds, sizeof(*s.finds), cmp_finding);
    res->files = n;
    /*
     * The rejects list is committed before the data: if it cannot be
     * written, the data is discarded too, so no run leaves data whose
     * findings were lost.  Notes come last, about what was written.
     */
    if (rejects) {
        if ((rc = svy_output_open(&orej, rejects, err)) != SVY_OK ||
            (rc = write_rejects(&s, orej, err)) != SVY_OK)
            goto out; /* out: removes the temporary file */
        rc = svy_output_commit(orej, err);
        orej = NULL; /* commit frees it whatever the outcome */
        if (rc != SVY_OK)
            goto out;
    }
    rc = svy_output_commit(s.out, err);
    s.out = NULL;
    if (rc == SVY_OK && opts->codebook)
        summarise(&s, rejects);
    if (rc == SVY_OK && opts->verbose)
        note(&s, "%zu row%s, %zu column%s from %zu file%s written to %s",
             res->rows, plural(res->rows), res->cols, plural(res->cols), n,
             plural(n), strcmp(out, "-") ? out : "standard output");
out:
    svy_output_abort(orej);
    svy_output_abort(s.out);
    for (k = 0; k < n; k++) {
        size_t i;
        for (i = 0; i < s.batches[k].nnames; i++)
            free(s.batches[k].names[i]);
        free(s.batches[k].names);
    }
    free(s.batches);
    free(s.finds);
    free(s.vars);
    free(s.fields);
    free(s.lens);
    svy_buf_release(&s.text);
    svy_table_free(s.all);
    return rc;
}
