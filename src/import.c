/*
 * import.c - reading, appending and checking batches.
 *
 * Each batch is read as text columns, its decimal commas are fixed by the
 * CSV reader, then it is appended to the combined table by column name.
 * Types are decided once, after the last batch, so a code that is "007" in
 * one batch keeps the whole column text.  For each batch we remember its
 * first row and, for each combined column, its position in the batch's
 * header: that turns a finding's row into the file, line and column a
 * researcher can open.
 */
#include "svy/import.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svy/buf.h"
#include "svy/io.h"
#include "svy/mem.h"
#include "svy/num.h"
#include "svy/table.h"

struct batch {
    const char *file;
    size_t first, nrows;
    size_t *colpos;     /* per combined column: 1-based position, 0 absent */
    size_t ncolpos;
};

struct finding {
    size_t batch, line, col;
    size_t var;         /* combined column index */
    size_t value, problem; /* offsets into the text buffer */
    svy_finding_kind kind;
};

struct state {
    const svy_import_opts *opts;
    svy_table *all;
    struct batch *batches;
    size_t nbatches;
    struct finding *finds;
    size_t nfinds, fcap;
    svy_buf text;
    svy_import_result *res;
    int failed;
};

static void
note(const struct state *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

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

static svy_status
nomem(svy_err *err)
{
    return svy_err_set(err, SVY_ENOMEM, "out of memory");
}

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

/* Read batch 'k' and append it to the combined table. */
static svy_status
add_batch(struct state *s, size_t k, svy_err *err)
{
    const char *file = s->opts->files[k];
    struct batch *b = &s->batches[k];
    svy_csv_info info = { 0 };
    svy_table *t = NULL;
    size_t i, before = s->all ? svy_table_nrows(s->all) : 0;
    svy_status rc;

    if ((rc = svy_csv_read_file(&t, file, &s->opts->csv, &info, err)))
        return rc;
    if (s->opts->batch_col) {
        svy_column *c;
        if (svy_table_find(t, s->opts->batch_col) != NULL) {
            rc = svy_err_set(err, SVY_EINVAL, "--batch-col '%s': '%s' "
                             "already has a column of that name",
                             s->opts->batch_col, file);
            goto out;
        }
        if ((rc = svy_table_add_column(t, s->opts->batch_col, SVY_TEXT, &c,
                                       err)) != SVY_OK)
            goto out;
        for (i = 0; i < svy_table_nrows(t); i++)
            if ((rc = svy_column_set_text(c, i, file, strlen(file), err)))
                goto out;
    }
    if (s->opts->verbose)
        note(s, "%s: %zu rows, %zu columns, %s, %s%s%s", file,
             svy_table_nrows(t), svy_table_ncols(t), delim_name(info.delim),
             enc_name(info.encoding), info.bom ? " with BOM" : "",
             info.crlf ? ", CRLF" : "");
    if (info.decimal_comma > 0)
        note(s, "%s: decimal comma read in %zu column%s", file,
             info.decimal_comma, info.decimal_comma == 1 ? "" : "s");
    if (s->all == NULL) {
        s->all = t;
        t = NULL;
    } else {
        for (i = 0; i < svy_table_ncols(s->all); i++) {
            const char *name = svy_column_name(svy_table_col(s->all, i));
            if (svy_table_find(t, name) == NULL)
                note(s, "%s: no column '%s' (left empty in its %zu rows)",
                     file, name, svy_table_nrows(t));
        }
        for (i = 0; i < svy_table_ncols(t); i++) {
            const char *name = svy_column_name(svy_table_col(t, i));
            if (svy_table_find(s->all, name) == NULL)
                note(s, "%s: new column '%s' (left empty in the %zu rows "
                     "before it)", file, name, before);
        }
        if ((rc = svy_table_append(s->all, t, err)) != SVY_OK)
            goto out;
    }
    b->file = file;
    b->first = before;
    b->nrows = svy_table_nrows(s->all) - before;
    b->ncolpos = svy_table_ncols(s->all);
    if ((b->colpos = calloc(b->ncolpos, sizeof(size_t))) == NULL) {
        rc = nomem(err);
        goto out;
    }
    {
        const svy_table *src = t ? t : s->all;
        for (i = 0; i < b->ncolpos; i++) {
            long pos = svy_table_index(
                src, svy_column_name(svy_table_col(s->all, i)));
            b->colpos[i] = pos < 0 ? 0 : (size_t)pos + 1;
        }
    }
out:
    svy_table_free(t);
    return rc;
}

static size_t
batch_of(const struct state *s, size_t row)
{
    size_t k;

    for (k = s->nbatches; k-- > 0;)
        if (row >= s->batches[k].first)
            return k;
    return 0;
}

static int
add_finding(struct state *s, size_t batch, size_t line, size_t col,
            size_t var, svy_finding_kind kind, const char *value,
            const char *problem)
{
    struct finding *f;
    void *p = s->finds;

    if (svy_mem_grow(&p, &s->fcap, s->nfinds + 1, sizeof(*s->finds)) < 0)
        return s->failed = 1;
    s->finds = p;
    f = &s->finds[s->nfinds++];
    f->batch = batch;
    f->line = line;
    f->col = col;
    f->var = var;
    f->kind = kind;
    f->value = s->text.len;
    if (svy_buf_append(&s->text, value, strlen(value) + 1) != SVY_OK)
        return s->failed = 1;
    f->problem = s->text.len;
    if (svy_buf_append(&s->text, problem, strlen(problem) + 1) != SVY_OK)
        return s->failed = 1;
    s->res->by_kind[kind]++;
    s->res->findings++;
    return 0;
}

/* Row-level findings from the codebook check. */
static int
on_finding(const svy_finding *f, void *ctx)
{
    struct state *s = ctx;
    size_t k, var;

    if (f->row == SIZE_MAX)
        return 0; /* column-level findings are made per batch below */
    k = batch_of(s, f->row);
    var = (size_t)svy_table_index(s->all, f->variable);
    return add_finding(s, k, svy_table_row_line(s->all, f->row),
                       var < s->batches[k].ncolpos ? s->batches[k].colpos[var]
                                                   : 0,
                       var, f->kind, f->value, f->problem);
}

/* Per batch: data columns the codebook lacks, codebook variables absent. */
static int
column_findings(struct state *s)
{
    const svy_codebook *cb = s->opts->codebook;
    size_t k, i;

    for (k = 0; k < s->nbatches; k++) {
        const struct batch *b = &s->batches[k];
        for (i = 0; i < b->ncolpos; i++) {
            const char *name = svy_column_name(svy_table_col(s->all, i));
            if (b->colpos[i] == 0 || svy_codebook_find(cb, name) != NULL ||
                (s->opts->batch_col &&
                 strcmp(name, s->opts->batch_col) == 0))
                continue;
            if (add_finding(s, k, 1, b->colpos[i], i, SVY_FIND_UNKNOWN_VAR,
                            "", "not in the codebook"))
                return 1;
        }
        for (i = 0; i < svy_codebook_nvars(cb); i++) {
            const char *name = svy_var_name(svy_codebook_var(cb, i));
            long c = svy_table_index(s->all, name);
            if (c >= 0 && (size_t)c < b->ncolpos && b->colpos[c] != 0)
                continue;
            if (add_finding(s, k, 1, 0, c < 0 ? SIZE_MAX : (size_t)c,
                            SVY_FIND_MISSING_VAR, "",
                            "codebook variable missing from the file"))
                return 1;
            /* Remember the name when the column exists nowhere. */
            if (c < 0) {
                s->finds[s->nfinds - 1].var = SIZE_MAX - i - 1;
            }
        }
    }
    return 0;
}

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
    return x->kind < y->kind ? -1 : x->kind > y->kind;
}

static const char *
finding_var(const struct state *s, const struct finding *f)
{
    if (f->var < svy_table_ncols(s->all))
        return svy_column_name(svy_table_col(s->all, f->var));
    return svy_var_name(svy_codebook_var(s->opts->codebook,
                                         SIZE_MAX - f->var - 1));
}

static svy_status
write_rejects(struct state *s, svy_output *o, svy_err *err)
{
    static const char *const header[] = { "file", "line", "column",
                                          "variable", "value", "problem" };
    size_t i;
    svy_status rc;

    if ((rc = svy_csv_write_row(o, header, 6, err)) != SVY_OK)
        return rc;
    for (i = 0; i < s->nfinds; i++) {
        const struct finding *f = &s->finds[i];
        char line[32], col[32];
        const char *row[6];

        snprintf(line, sizeof(line), "%zu", f->line);
        if (f->col)
            snprintf(col, sizeof(col), "%zu", f->col);
        else
            col[0] = '\0';
        row[0] = s->batches[f->batch].file;
        row[1] = line;
        row[2] = col;
        row[3] = finding_var(s, f);
        row[4] = s->text.data + f->value;
        row[5] = s->text.data + f->problem;
        if ((rc = svy_csv_write_row(o, row, 6, err)) != SVY_OK)
            return rc;
    }
    return SVY_OK;
}

static void
summarise(const struct state *s, const char *rejects)
{
    svy_buf b = SVY_BUF_INIT;
    int k, first = 1;

    if (s->res->findings == 0) {
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
    struct state s = { 0 };
    svy_output *odata = NULL, *orej = NULL;
    svy_status rc = SVY_OK;
    size_t k, n = 0;

    memset(res, 0, sizeof(*res));
    s.opts = opts;
    s.res = res;
    while (opts->files[n])
        n++;
    if ((s.batches = calloc(n ? n : 1, sizeof(*s.batches))) == NULL)
        return nomem(err);
    for (k = 0; k < n; k++, s.nbatches++)
        if ((rc = add_batch(&s, k, err)) != SVY_OK)
            goto out;
    if (s.all == NULL && (rc = svy_table_new(&s.all, err)) != SVY_OK)
        goto out;
    if (opts->codebook) {
        rc = svy_codebook_apply(opts->codebook, s.all, err);
        if (rc == SVY_OK)
            rc = svy_codebook_check(opts->codebook, s.all, on_finding, &s,
                                    err);
        if (rc == SVY_OK && !s.failed)
            column_findings(&s);
        if (rc == SVY_OK && s.failed)
            rc = nomem(err);
        if (rc != SVY_OK)
            goto out;
        qsort(s.finds, s.nfinds, sizeof(*s.finds), cmp_finding);
    } else if ((rc = svy_table_infer_types(s.all, NULL, err)) != SVY_OK) {
        goto out;
    }
    res->files = n;
    res->rows = svy_table_nrows(s.all);
    res->cols = svy_table_ncols(s.all);
    if (rejects && ((rc = svy_output_open(&orej, rejects, err)) != SVY_OK ||
                    (rc = write_rejects(&s, orej, err)) != SVY_OK))
        goto out;
    if ((rc = svy_output_open(&odata, out, err)) != SVY_OK ||
        (rc = svy_csv_write(s.all, odata, err)) != SVY_OK)
        goto out;
    if (orej) {
        rc = svy_output_commit(orej, err);
        orej = NULL;
        if (rc != SVY_OK)
            goto out;
    }
    rc = svy_output_commit(odata, err);
    odata = NULL;
    if (rc == SVY_OK && opts->codebook)
        summarise(&s, rejects);
    if (rc == SVY_OK && opts->verbose)
        note(&s, "%zu rows, %zu columns from %zu file%s written to %s",
             res->rows, res->cols, n, n == 1 ? "" : "s",
             strcmp(out, "-") ? out : "standard output");
out:
    svy_output_abort(orej);
    svy_output_abort(odata);
    for (k = 0; k < s.nbatches; k++)
        free(s.batches[k].colpos);
    free(s.batches);
    free(s.finds);
    svy_buf_release(&s.text);
    svy_table_free(s.all);
    return rc;
}
