/*
 * describe.c - column summaries, frequency tables and codebook drafts.
 *
 * Counting.  Distinct values and frequency tables both come from the same
 * two-step plan.  First, one pass puts the non-empty cells into a small
 * open-addressing hash set (4096 slots, at most 1024 values, each slot
 * keyed by the first row holding its value, with a count and a sum of
 * weights); survey variables are a handful of codes, so this is the usual
 * path, linear in the rows, and the few slots are then sorted into order.
 * A column with more distinct values (ids, timestamps, incomes) falls back
 * to sorting a copy of its cells and walking the runs of equal values:
 * O(n log n) time and O(n) memory.
 * Numbers are sorted with GSL (gsl_sort; gsl_sort2 carries each value's row
 * index along as a double, exact below 2^53, so that a run can ask the
 * column whether its code is user missing and sum its rows' weights).  Text
 * is sorted as pointers into the column's arena with qsort; ties are broken
 * by row so the order never depends on the qsort implementation.  Both
 * paths give the rows in the order a person expects: codes numerically,
 * text by byte order.
 *
 * Rendering.  Text output is built as a grid of cells (one svy_buf holding
 * every cell NUL-terminated, plus offsets), then written once the column
 * widths are known.  Widths are display columns (svy_utf8_width), so a
 * Cyrillic label of 20 letters takes 20 columns, not 40 bytes.  Cells are
 * cleaned of control characters (a quoted CSV field may hold a newline)
 * and long ones are cut at a character boundary with "…".
 *
 * Weights are checked row by row before any counting, so a bad weight is
 * reported with its source line even when the row is missing the variable.
 */
#include "svy/describe.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort_double.h>

#include "svy/csv.h"
#include "svy/mem.h"
#include "svy/num.h"
#include "svy/text.h"

#define LABEL_WIDTH 40 /* default opts->label_width */
#define VALUE_WIDTH 20 /* text minima and maxima, text codes */
#define FEW 20         /* most distinct values a guessed cat may have */
#define ELLIPSIS "\xe2\x80\xa6"

static svy_status
nomem(svy_err *err)
{
    return svy_err_set(err, SVY_ENOMEM, "out of memory");
}

static const char *
source_name(const svy_describe_opts *opts)
{
    return opts && opts->source ? opts->source : "<data>";
}

static size_t
label_width(const svy_describe_opts *opts)
{
    return opts && opts->label_width ? opts->label_width : LABEL_WIDTH;
}

static const svy_var *
find_var(const svy_describe_opts *opts, const char *name)
{
    if (opts == NULL || opts->codebook == NULL)
        return NULL;
    return svy_codebook_find(opts->codebook, name);
}

/* Cell 'row' of 'w' as a number, parsing a text cell (NaN if not one). */
static double
num_at(const svy_column *w, size_t row)
{
    const char *s;
    double v;

    if (svy_column_type(w) == SVY_NUM)
        return svy_column_num(w, row);
    s = svy_column_text(w, row);
    return svy_num_parse(s, strlen(s), 0, &v) ? v : NAN;
}

static svy_status row_err(svy_err *err, const svy_describe_opts *opts,
                          const svy_table *t, size_t row, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* An SVY_EDATA message located at data row 'row': "SRC:LINE: what". */
static svy_status
row_err(svy_err *err, const svy_describe_opts *opts, const svy_table *t,
        size_t row, const char *fmt, ...)
{
    size_t line = svy_table_row_line(t, row);
    char what[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (line == 0)
        return svy_err_set(err, SVY_EDATA, "%s: row %zu: %s", source_name(opts),
                           row + 1, what);
    return svy_err_set(err, SVY_EDATA, "%s:%zu: %s", source_name(opts), line,
                       what);
}

/* Number formatting for display; NaN gives "". */

static const char *
fmt_size(size_t n, char *buf)
{
    snprintf(buf, SVY_NUM_BUFSZ, "%zu", n);
    return buf;
}

static const char *
fmt_num(double v, char *buf)
{
    svy_num_format(v, buf);
    return buf;
}

/* One decimal, or %g beyond 1e15 where "%.1f" would grow without bound. */
static const char *
fmt_1(double v, char *buf)
{
    if (isnan(v))
        buf[0] = '\0';
    else if (fabs(v) < 1e15)
        snprintf(buf, SVY_NUM_BUFSZ, "%.1f", v);
    else
        snprintf(buf, SVY_NUM_BUFSZ, "%.6g", v);
    return buf;
}

/* Grid of aligned text. */

struct grid {
    size_t ncols;
    svy_buf text;         /* every cell, NUL-terminated */
    size_t *off;          /* cell -> offset in text */
    unsigned char *right; /* cell -> 1 when right-aligned */
    size_t n, cap;
};

#define GRID_INIT(ncols)                                                       \
    {                                                                          \
        (ncols), SVY_BUF_INIT, NULL, NULL, 0, 0                                \
    }

static void
grid_release(struct grid *g)
{
    svy_buf_release(&g->text);
    free(g->off);
    free(g->right);
}

/* Append 's' with control characters turned into spaces. */
static svy_status
put_clean(svy_buf *b, const char *s)
{
    size_t start = b->len, i;

    if (svy_buf_puts(b, s) != SVY_OK)
        return SVY_ENOMEM;
    for (i = start; i < b->len; i++)
        if ((unsigned char)b->data[i] < 0x20 || b->data[i] == 0x7f)
            b->data[i] = ' ';
    return SVY_OK;
}

/*
 * Add a cell: 's' cleaned and, when 'maxw' > 0 and it is wider, cut to
 * maxw - 1 columns plus "…".
 */
static svy_status
grid_put(struct grid *g, const char *s, size_t maxw, int right, svy_err *err)
{
    size_t start = g->text.len;

    if (g->n == g->cap) {
        size_t cap = g->cap;
        void *p = g->off;
        if (svy_mem_grow(&p, &cap, g->n + 1, sizeof(*g->off)) < 0)
            return nomem(err);
        g->off = p;
        p = g->right;
        if ((p = svy_mem_realloc(p, cap, 1)) == NULL)
            return nomem(err);
        g->right = p;
        g->cap = cap;
    }
    if (put_clean(&g->text, s ? s : "") != SVY_OK)
        return nomem(err);
    if (maxw > 0 && svy_utf8_width(g->text.data + start) > maxw) {
        g->text.len = start + svy_utf8_fit(g->text.data + start, maxw - 1);
        if (svy_buf_puts(&g->text, ELLIPSIS) != SVY_OK)
            return nomem(err);
    }
    if (svy_buf_putc(&g->text, '\0') != SVY_OK)
        return nomem(err);
    g->off[g->n] = start;
    g->right[g->n++] = (unsigned char)right;
    return SVY_OK;
}

/*
 * Write the grid: columns two spaces apart, each as wide as its widest
 * cell, no trailing blanks.
 */
static svy_status
grid_write(const struct grid *g, svy_output *o, svy_err *err)
{
    svy_buf line = SVY_BUF_INIT;
    size_t *width = svy_mem_calloc(g->ncols, sizeof(*width));
    svy_status rc = SVY_OK;
    size_t i, k;

    if (width == NULL)
        return nomem(err);
    for (i = 0; i < g->n; i++) {
        size_t w = svy_utf8_width(g->text.data + g->off[i]);
        if (w > width[i % g->ncols])
            width[i % g->ncols] = w;
    }
    for (i = 0; i < g->n && rc == SVY_OK; i += g->ncols) {
        svy_buf_reset(&line);
        for (k = 0; k < g->ncols && i + k < g->n; k++) {
            const char *s = g->text.data + g->off[i + k];
            size_t pad = width[k] - svy_utf8_width(s), j;
            int ok = k == 0 || svy_buf_puts(&line, "  ") == SVY_OK;
            for (j = 0; ok && g->right[i + k] && j < pad; j++)
                ok = svy_buf_putc(&line, ' ') == SVY_OK;
            ok = ok && svy_buf_puts(&line, s) == SVY_OK;
            for (j = 0; ok && !g->right[i + k] && j < pad; j++)
                ok = svy_buf_putc(&line, ' ') == SVY_OK;
            if (!ok) {
                rc = nomem(err);
                break;
            }
        }
        while (line.len > 0 && line.data[line.len - 1] == ' ')
            line.len--;
        if (rc == SVY_OK && svy_buf_putc(&line, '\n') != SVY_OK)
            rc = nomem(err);
        if (rc == SVY_OK)
            rc = svy_output_write(o, line.data, line.len, err);
    }
    svy_buf_release(&line);
    free(width);
    return rc;
}

/* Distinct values: a small hash set first, sorting when it overflows. */

/*
 * The distinct non-empty values of a column with at most SET_MAX of them,
 * each slot keyed by the first row holding the value, with its count and
 * sum of weights.  A survey column is nearly always a handful of codes, so
 * one linear pass here replaces an O(n log n) sort of a million cells.
 */
#define SET_SLOTS 4096 /* a power of two, four times SET_MAX */
#define SET_MAX 1024

struct vset {
    int num; /* compare as numbers (parsing text cells), else as text */
    size_t n;
    size_t rep[SET_SLOTS]; /* first row + 1; 0 marks an empty slot */
    size_t count[SET_SLOTS];
    double wsum[SET_SLOTS];
};

/* A zeroed set comparing cells of 'c' as its type says; NULL: no memory. */
static struct vset *
vset_new(const svy_column *c)
{
    struct vset *s = calloc(1, sizeof(*s));

    if (s != NULL)
        s->num = svy_column_type(c) == SVY_NUM;
    return s;
}

static uint64_t
cell_hash(const struct vset *s, const svy_column *c, size_t row)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    if (s->num) {
        double v = num_at(c, row);
        if (v == 0)
            v = 0; /* -0 and 0 are one value */
        memcpy(&h, &v, sizeof(h));
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL; /* murmur3's finaliser */
        h ^= h >> 33;
    } else {
        const unsigned char *p = (const unsigned char *)svy_column_text(c, row);
        for (; *p; p++)
            h = (h ^ *p) * 1099511628211ULL;
    }
    return h;
}

static int
cell_eq(const struct vset *s, const svy_column *c, size_t a, size_t b)
{
    if (s->num)
        return num_at(c, a) == num_at(c, b);
    return strcmp(svy_column_text(c, a), svy_column_text(c, b)) == 0;
}

/*
 * Put every non-empty cell of 'c' into 's' (zeroed), weighting by 'w'
 * (NULL: 1 a row).  Returns 0, or -1 when there are more than SET_MAX
 * distinct values.
 */
static int
vset_fill(struct vset *s, const svy_column *c, const svy_column *w)
{
    size_t n = svy_column_len(c), i, k;

    for (i = 0; i < n; i++) {
        if (svy_column_is_empty(c, i))
            continue;
        k = cell_hash(s, c, i) & (SET_SLOTS - 1);
        while (s->rep[k] != 0 && !cell_eq(s, c, s->rep[k] - 1, i))
            k = (k + 1) & (SET_SLOTS - 1);
        if (s->rep[k] == 0) {
            if (s->n == SET_MAX)
                return -1;
            s->rep[k] = i + 1;
            s->n++;
        }
        s->count[k]++;
        s->wsum[k] += w ? num_at(w, i) : 1;
    }
    return 0;
}

/* The slots of a vset in value order. */
struct slotkey {
    double num;
    const char *s; /* NULL for a numeric column */
    size_t slot;
};

static int
cmp_slotkey(const void *a, const void *b)
{
    const struct slotkey *x = a, *y = b;

    if (x->s != NULL)
        return strcmp(x->s, y->s);
    return (x->num > y->num) - (x->num < y->num);
}

/*
 * The used slots of 's' (filled from 'c') sorted by value into a new array
 * of s->n keys, which the caller frees.
 */
static svy_status
sorted_slots(const struct vset *s, const svy_column *c, struct slotkey **out,
             svy_err *err)
{
    struct slotkey *k = svy_mem_alloc(s->n ? s->n : 1, sizeof(*k));
    size_t i, m = 0;

    if ((*out = k) == NULL)
        return nomem(err);
    for (i = 0; i < SET_SLOTS; i++) {
        size_t row;
        if (s->rep[i] == 0)
            continue;
        row = s->rep[i] - 1;
        k[m].num = s->num ? num_at(c, row) : 0;
        k[m].s = s->num ? NULL : svy_column_text(c, row);
        k[m++].slot = i;
    }
    qsort(k, m, sizeof(*k), cmp_slotkey);
    return SVY_OK;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct values by sorting a copy and counting runs. */
static svy_status
sort_distinct(const svy_column *c, size_t *out, svy_err *err)
{
    size_t n = svy_column_len(c), i, m = 0;

    *out = 0;
    if (svy_column_type(c) == SVY_NUM) {
        double *v = svy_mem_alloc(n ? n : 1, sizeof(*v));
        if (v == NULL)
            return nomem(err);
        for (i = 0; i < n; i++)
            if (!svy_column_is_empty(c, i))
                v[m++] = svy_column_num(c, i);
        gsl_sort(v, 1, m);
        for (i = 0; i < m; i++)
            *out += i == 0 || v[i] != v[i - 1];
        free(v);
        return SVY_OK;
    }
    const char **v = svy_mem_alloc(n ? n : 1, sizeof(*v));
    if (v == NULL)
        return nomem(err);
    for (i = 0; i < n; i++)
        if (!svy_column_is_empty(c, i))
            v[m++] = svy_column_text(c, i);
    qsort(v, m, sizeof(*v), cmp_str);
    for (i = 0; i < m; i++)
        *out += i == 0 || strcmp(v[i], v[i - 1]) != 0;
    free(v);
    return SVY_OK;
}

/*
 * The number of distinct non-empty values of 'c': the hash set when they
 * fit, else a sort.  Filling the set first costs one wasted pass on a
 * column of ids, a price paid once per column against the sort it saves on
 * every coded one.
 */
static svy_status
count_distinct(const svy_column *c, size_t *out, svy_err *err)
{
    struct vset *s = vset_new(c);
    int small;

    if (s == NULL)
        return nomem(err);
    small = vset_fill(s, c, NULL) == 0;
    *out = s->n;
    free(s);
    return small ? SVY_OK : sort_distinct(c, out, err);
}

/* Column summaries. */

/*
 * One pass for the counts and the extremes, then the distinct count.  The
 * minimum and maximum skip user-missing codes on purpose: with 8 = "don't
 * know" on a 1-5 scale, a maximum of 8 would hide the real range.
 */
svy_status
svy_describe_column(const svy_column *c, svy_colsum *out, svy_err *err)
{
    size_t n = svy_column_len(c), i;
    int num = svy_column_type(c) == SVY_NUM;

    memset(out, 0, sizeof(*out));
    out->name = svy_column_name(c);
    out->type = svy_column_type(c);
    out->min = out->max = NAN;
    for (i = 0; i < n; i++) {
        svy_missing kind = svy_column_missing(c, i);
        if (kind == SVY_MISS_SYSTEM) {
            out->sysmiss++;
        } else if (kind == SVY_MISS_USER) {
            out->usermiss++;
        } else if (num) {
            double x = svy_column_num(c, i);
            if (out->valid == 0 || x < out->min)
                out->min = x;
            if (out->valid == 0 || x > out->max)
                out->max = x;
            out->valid++;
        } else {
            const char *s = svy_column_text(c, i);
            if (out->valid == 0 || strcmp(s, out->tmin) < 0)
                out->tmin = s;
            if (out->valid == 0 || strcmp(s, out->tmax) > 0)
                out->tmax = s;
            out->valid++;
        }
    }
    return count_distinct(c, &out->distinct, err);
}

/* Columns of the description; D_CB and D_LABEL only with a codebook. */
enum {
    D_VAR,
    D_TYPE,
    D_CB,
    D_VALID,
    D_SYS,
    D_USER,
    D_DIST,
    D_MIN,
    D_MAX,
    D_LABEL,
    D_N
};

static svy_status
put_line(struct grid *g, const char *const *cells, const int *right,
         const size_t *width, int cb, svy_err *err)
{
    svy_status rc = SVY_OK;
    int h;

    for (h = 0; h < D_N && rc == SVY_OK; h++)
        if (cb || (h != D_CB && h != D_LABEL))
            rc = grid_put(g, cells[h], width[h], right[h], err);
    return rc;
}

/*
 * Add the line describing column 'c'.  Numbers are right-aligned so their
 * digits line up; text minima and maxima are left-aligned like the names.
 * The values of a PII column are blanked here, in the library, so that no
 * program that prints a description can leak a phone number by mistake.
 */
static svy_status
put_column(struct grid *g, const svy_column *c, const svy_describe_opts *opts,
           svy_err *err)
{
    const svy_var *v = find_var(opts, svy_column_name(c));
    char b[6][SVY_NUM_BUFSZ];
    svy_colsum s;
    svy_status rc;
    int num;

    if ((rc = svy_describe_column(c, &s, err)) != SVY_OK)
        return rc;
    num = s.type == SVY_NUM;
    const char *cells[D_N] = {
        s.name,
        num ? "num" : "text",
        v ? svy_vtype_name(svy_var_type(v)) : "-",
        fmt_size(s.valid, b[0]),
        fmt_size(s.sysmiss, b[1]),
        fmt_size(s.usermiss, b[2]),
        fmt_size(s.distinct, b[3]),
        num ? fmt_num(s.min, b[4]) : s.tmin,
        num ? fmt_num(s.max, b[5]) : s.tmax,
        v ? svy_var_label(v, opts->lang, NULL) : "",
    };
    const int right[D_N] = {0, 0, 0, 1, 1, 1, 1, num, num, 0};
    const size_t width[D_N] = {
        0, 0, 0, 0, 0, 0, 0, VALUE_WIDTH, VALUE_WIDTH, label_width(opts)};
    if (v != NULL && svy_var_pii(v))
        cells[D_MIN] = cells[D_MAX] = "";
    return put_line(g, cells, right, width, opts && opts->codebook, err);
}

svy_status
svy_describe_write(const svy_table *t, const svy_describe_opts *opts,
                   svy_output *o, svy_err *err)
{
    static const char *const heads[D_N] = {
        "variable", "type",     "codebook", "valid", "sysmiss",
        "usermiss", "distinct", "min",      "max",   "label"};
    static const int head_right[D_N] = {0, 0, 0, 1, 1, 1, 1, 1, 1, 0};
    static const size_t no_width[D_N] = {0};
    int cb = opts != NULL && opts->codebook != NULL;
    size_t nrows = svy_table_nrows(t), ncols = svy_table_ncols(t), i;
    struct grid g = GRID_INIT(cb ? D_N : D_N - 2);
    svy_buf head = SVY_BUF_INIT;
    svy_status rc;

    if (svy_buf_printf(&head, "%s: %zu row%s, %zu column%s\n",
                       source_name(opts), nrows, nrows == 1 ? "" : "s", ncols,
                       ncols == 1 ? "" : "s") != SVY_OK) {
        rc = nomem(err);
        goto out;
    }
    if ((rc = svy_output_write(o, head.data, head.len, err)) != SVY_OK ||
        ncols == 0)
        goto out;
    rc = put_line(&g, heads, head_right, no_width, cb, err);
    for (i = 0; i < ncols && rc == SVY_OK; i++)
        rc = put_column(&g, svy_table_col(t, i), opts, err);
    if (rc == SVY_OK)
        rc = grid_write(&g, o, err);
out:
    svy_buf_release(&head);
    grid_release(&g);
    return rc;
}

/* Weights. */

/*
 * Find the weight column (NULL when unweighted) and check that every row
 * holds a number >= 0.  Zero is allowed: trimming and some designs give
 * rows no weight and they must still be counted.  A missing weight is an
 * error rather than a skipped row, since skipping would change the base
 * of every weighted percentage without saying so.
 */
static svy_status
check_weights(const svy_table *t, const svy_describe_opts *opts,
              const svy_column **out, svy_err *err)
{
    const svy_column *w;
    size_t i, n = svy_table_nrows(t);

    *out = NULL;
    if (opts == NULL || opts->weight == NULL)
        return SVY_OK;
    if ((w = svy_table_find(t, opts->weight)) == NULL)
        return svy_err_set(err, SVY_EINVAL, "unknown weight variable '%s'",
                           opts->weight);
    for (i = 0; i < n; i++) {
        double v = num_at(w, i);
        char buf[SVY_NUM_BUFSZ];
        if (svy_column_is_empty(w, i))
            return row_err(err, opts, t, i, "weight '%s' is missing",
                           opts->weight);
        if (isnan(v))
            return row_err(err, opts, t, i, "weight '%s' is not a number '%s'",
                           opts->weight, svy_column_text(w, i));
        if (v < 0)
            return row_err(err, opts, t, i, "weight '%s' is negative '%s'",
                           opts->weight, svy_column_format(w, i, buf, NULL));
    }
    *out = w;
    return SVY_OK;
}

/* Frequencies. */

struct textrow {
    const char *s;
    size_t row;
};

static int
cmp_textrow(const void *a, const void *b)
{
    const struct textrow *x = a, *y = b;
    int c = strcmp(x->s, y->s);

    if (c != 0)
        return c;
    return (x->row > y->row) - (x->row < y->row);
}

void
svy_freq_release(svy_freq *f)
{
    svy_freq init = SVY_FREQ_INIT;

    free(f->rows);
    svy_buf_release(&f->codes);
    *f = init;
}

/*
 * Append a row for 'count' cells equal to the cell at data row 'first'.
 * Whether the value is user missing is asked of the column at that row, so
 * the codes the column was given (by svy_codebook_apply or anyone else)
 * are the single source of truth, as in svy_describe_column.
 */
static svy_status
add_row(svy_freq *f, size_t *cap, const svy_column *c, size_t first,
        size_t count, double wsum, svy_err *err)
{
    svy_freq_row *r;
    void *p = f->rows;

    if (svy_mem_grow(&p, cap, f->nrows + 1, sizeof(*f->rows)) < 0)
        return nomem(err);
    f->rows = p;
    r = &f->rows[f->nrows++];
    memset(r, 0, sizeof(*r));
    r->num = svy_column_type(c) == SVY_NUM ? svy_column_num(c, first) : NAN;
    /* Text codes point into the column until svy_freq_compute copies them. */
    r->code = svy_column_type(c) == SVY_NUM ? "" : svy_column_text(c, first);
    r->missing = svy_column_missing(c, first);
    r->count = count;
    r->wcount = wsum;
    return SVY_OK;
}

/* Runs of the sorted numeric copy 'v' whose rows are in 'rowd'. */
static svy_status
num_runs(svy_freq *f, size_t *cap, const svy_column *c, const svy_column *w,
         const double *v, const double *rowd, size_t m, svy_err *err)
{
    size_t i = 0, j;

    while (i < m) {
        double wsum = 0;
        for (j = i; j < m && v[j] == v[i]; j++)
            wsum += w ? num_at(w, (size_t)rowd[j]) : 1;
        if (add_row(f, cap, c, (size_t)rowd[i], j - i, wsum, err) != SVY_OK)
            return SVY_ENOMEM;
        i = j;
    }
    return SVY_OK;
}

/* Rows from a filled vset, in value order. */
static svy_status
set_rows(svy_freq *f, size_t *cap, const svy_column *c, const struct vset *s,
         svy_err *err)
{
    struct slotkey *k;
    svy_status rc;
    size_t i;

    if ((rc = sorted_slots(s, c, &k, err)) != SVY_OK)
        return rc;
    for (i = 0; i < s->n && rc == SVY_OK; i++)
        rc = add_row(f, cap, c, s->rep[k[i].slot] - 1, s->count[k[i].slot],
                     s->wsum[k[i].slot], err);
    free(k);
    return rc;
}

/*
 * Sort the non-empty cells of 'c' and add one row per distinct value: the
 * path for columns with more values than the hash set holds.  Numbers sort
 * with their row index as a second array (gsl_sort2 moves both together);
 * text sorts as (string, row) pairs.
 */
static svy_status
sort_values(svy_freq *f, size_t *cap, const svy_column *c, const svy_column *w,
            svy_err *err)
{
    size_t n = svy_column_len(c), i, j, m = 0;
    svy_status rc = SVY_OK;

    if (svy_column_type(c) == SVY_NUM) {
        double *v = svy_mem_alloc(n ? n : 1, sizeof(*v));
        double *rowd = svy_mem_alloc(n ? n : 1, sizeof(*rowd));
        if (v == NULL || rowd == NULL)
            rc = nomem(err);
        for (i = 0; i < n && rc == SVY_OK; i++)
            if (!svy_column_is_empty(c, i)) {
                v[m] = svy_column_num(c, i);
                rowd[m++] = (double)i;
            }
        if (rc == SVY_OK) {
            gsl_sort2(v, 1, rowd, 1, m);
            rc = num_runs(f, cap, c, w, v, rowd, m, err);
        }
        free(v);
        free(rowd);
        return rc;
    }
    struct textrow *v = svy_mem_alloc(n ? n : 1, sizeof(*v));
    if (v == NULL)
        return nomem(err);
    for (i = 0; i < n; i++)
        if (!svy_column_is_empty(c, i)) {
            v[m].s = svy_column_text(c, i);
            v[m++].row = i;
        }
    qsort(v, m, sizeof(*v), cmp_textrow);
    for (i = 0; i < m && rc == SVY_OK; i = j) {
        double wsum = 0;
        for (j = i; j < m && strcmp(v[j].s, v[i].s) == 0; j++)
            wsum += w ? num_at(w, v[j].row) : 1;
        rc = add_row(f, cap, c, v[i].row, j - i, wsum, err);
    }
    free(v);
    return rc;
}

/* One row per distinct value of 'c', in value order. */
static svy_status
count_values(svy_freq *f, size_t *cap, const svy_column *c, const svy_column *w,
             svy_err *err)
{
    struct vset *s = vset_new(c);
    svy_status rc;

    if (s == NULL)
        return nomem(err);
    if (vset_fill(s, c, w) == 0)
        rc = set_rows(f, cap, c, s, err);
    else
        rc = sort_values(f, cap, c, w, err);
    free(s);
    return rc;
}

/*
 * Copy the codes into f->codes, which is grown once up front so that the
 * pointers set here stay valid.  Owning the codes lets a frequency table
 * outlive changes to the table it was counted from, and gives numeric codes
 * the same svy_num_format text as the data stream.
 */
static svy_status
own_codes(svy_freq *f, svy_err *err)
{
    size_t need = 0, i;

    for (i = 0; i < f->nrows; i++) {
        const svy_freq_row *r = &f->rows[i];
        need += 1 + (isnan(r->num) ? strlen(r->code) : SVY_NUM_BUFSZ);
    }
    if (svy_buf_grow(&f->codes, need) != SVY_OK)
        return nomem(err);
    for (i = 0; i < f->nrows; i++) {
        char *dst = f->codes.data + f->codes.len;
        size_t len;
        if (!isnan(f->rows[i].num))
            len = svy_num_format(f->rows[i].num, dst);
        else {
            len = strlen(f->rows[i].code);
            memcpy(dst, f->rows[i].code, len + 1);
        }
        f->rows[i].code = dst;
        f->codes.len += len + 1;
    }
    return SVY_OK;
}

static double
pct(double part, double base)
{
    return base > 0 ? 100.0 * part / base : NAN;
}

/* The "Total" row's percentage: 100 when its base is not empty. */
static double
whole(double base)
{
    return base > 0 ? 100.0 : NAN;
}

svy_status
svy_freq_compute(svy_freq *f, const svy_table *t, const char *var,
                 const svy_describe_opts *opts, svy_err *err)
{
    const svy_column *c = svy_table_find(t, var), *w;
    const svy_var *v = find_var(opts, var);
    size_t n = svy_table_nrows(t), cap = 0, i, sys = 0;
    double wsys = 0;
    svy_lang lang = opts ? opts->lang : SVY_LANG_EN;
    svy_status rc;

    if (c == NULL)
        return svy_err_set(err, SVY_EINVAL, "unknown variable '%s'", var);
    if ((rc = check_weights(t, opts, &w, err)) != SVY_OK)
        return rc;
    f->variable = svy_column_name(c);
    f->label = v ? svy_var_label(v, lang, NULL) : NULL;
    f->weighted = w != NULL;
    f->total = n;
    if ((rc = count_values(f, &cap, c, w, err)) != SVY_OK ||
        (rc = own_codes(f, err)) != SVY_OK)
        goto out;
    for (i = 0; i < n; i++)
        if (svy_column_is_empty(c, i)) {
            sys++;
            wsys += w ? num_at(w, i) : 1;
        }
    if (sys > 0) {
        void *p = f->rows;
        if (svy_mem_grow(&p, &cap, f->nrows + 1, sizeof(*f->rows)) < 0) {
            rc = nomem(err);
            goto out;
        }
        f->rows = p;
        memset(&f->rows[f->nrows], 0, sizeof(*f->rows));
        f->rows[f->nrows].code = "";
        f->rows[f->nrows].num = NAN;
        f->rows[f->nrows].missing = SVY_MISS_SYSTEM;
        f->rows[f->nrows].count = sys;
        f->rows[f->nrows++].wcount = wsys;
    }
    for (i = 0; i < f->nrows; i++) {
        f->wtotal += f->rows[i].wcount;
        if (f->rows[i].missing == SVY_MISS_NONE) {
            f->valid += f->rows[i].count;
            f->wvalid += f->rows[i].wcount;
        }
    }
    for (i = 0; i < f->nrows; i++) {
        svy_freq_row *r = &f->rows[i];
        int ok = r->missing == SVY_MISS_NONE;
        r->label = v && r->missing != SVY_MISS_SYSTEM
                       ? svy_var_value_label(v, r->code, lang, NULL)
                       : NULL;
        r->pct = pct((double)r->count, (double)n);
        r->valid_pct = ok ? pct((double)r->count, (double)f->valid) : NAN;
        r->wpct = pct(r->wcount, f->wtotal);
        r->wvalid_pct = ok ? pct(r->wcount, f->wvalid) : NAN;
    }
out:
    if (rc != SVY_OK)
        svy_freq_release(f);
    return rc;
}

/*
 * The marker column comes last, after the percentages, so that a
 * "[user missing]" never pushes the numbers of its row out of line.
 */
svy_status
svy_freq_write(const svy_freq *f, const svy_describe_opts *opts, svy_output *o,
               svy_err *err)
{
    static const char *const heads[] = {"code",     "label",  "count",
                                        "percent",  "valid",  "wcount",
                                        "wpercent", "wvalid", ""};
    int numeric = 0;
    size_t ncols = f->weighted ? 9 : 6, i, h;
    struct grid g = GRID_INIT(ncols);
    svy_buf title = SVY_BUF_INIT;
    char b[6][SVY_NUM_BUFSZ];
    svy_status rc = SVY_OK;

    for (i = 0; i < f->nrows; i++)
        numeric |= !isnan(f->rows[i].num);
    if (put_clean(&title, f->variable) != SVY_OK ||
        (f->label && (svy_buf_puts(&title, ": ") != SVY_OK ||
                      put_clean(&title, f->label) != SVY_OK)) ||
        svy_buf_putc(&title, '\n') != SVY_OK) {
        rc = nomem(err);
        goto out;
    }
    if ((rc = svy_output_write(o, title.data, title.len, err)) != SVY_OK)
        goto out;
    for (h = 0; h < ncols && rc == SVY_OK; h++) {
        size_t k = h == ncols - 1 ? 8 : h;
        rc = grid_put(&g, heads[k], 0, k >= 2 || (k == 0 && numeric), err);
    }
    for (i = 0; i <= f->nrows && rc == SVY_OK; i++) {
        const svy_freq_row *r = i < f->nrows ? &f->rows[i] : NULL;
        const char *cells[9] = {
            r ? r->code : "",
            !r                              ? "Total"
            : r->missing == SVY_MISS_SYSTEM ? "(system missing)"
                                            : r->label,
            fmt_size(r ? r->count : f->total, b[0]),
            fmt_1(r ? r->pct : whole((double)f->total), b[1]),
            fmt_1(r ? r->valid_pct : whole((double)f->valid), b[2]),
            fmt_1(r ? r->wcount : f->wtotal, b[3]),
            fmt_1(r ? r->wpct : whole(f->wtotal), b[4]),
            fmt_1(r ? r->wvalid_pct : whole(f->wvalid), b[5]),
            r && r->missing == SVY_MISS_USER ? "[user missing]" : "",
        };
        for (h = 0; h < ncols && rc == SVY_OK; h++) {
            size_t k = h == ncols - 1 ? 8 : h;
            size_t w = k == 0 ? VALUE_WIDTH : k == 1 ? label_width(opts) : 0;
            rc = grid_put(&g, cells[k], w,
                          (k >= 2 && k < 8) || (k == 0 && numeric), err);
        }
    }
    if (rc == SVY_OK)
        rc = grid_write(&g, o, err);
out:
    svy_buf_release(&title);
    grid_release(&g);
    return rc;
}

/*
 * Split the comma-separated 'vars' in place ('list' is a copy) into
 * 'names' (room for every comma plus one) and check each name.  Checking
 * them all before the first table is written means a typo in the last name
 * gives an error and no output, not half a report that a script might
 * mistake for a whole one.
 */
static svy_status
split_vars(char *list, const char **names, size_t *n, const char *vars,
           const svy_table *t, const svy_describe_opts *opts, svy_err *err)
{
    char *p = list;

    *n = 0;
    for (;;) {
        char *comma = strchr(p, ',');
        const svy_var *v;
        if (comma)
            *comma = '\0';
        if (*p == '\0')
            return svy_err_set(err, SVY_EINVAL, "empty variable name in '%s'",
                               vars);
        if (svy_table_find(t, p) == NULL)
            return svy_err_set(err, SVY_EINVAL, "unknown variable '%s'", p);
        if ((v = find_var(opts, p)) != NULL && svy_var_pii(v))
            return svy_err_set(err, SVY_EINVAL,
                               "variable '%s' is marked pii; values not listed",
                               p);
        names[(*n)++] = p;
        if (comma == NULL)
            return SVY_OK;
        p = comma + 1;
    }
}

svy_status
svy_describe_freqs(const svy_table *t, const char *vars,
                   const svy_describe_opts *opts, svy_output *o, svy_err *err)
{
    char *list = svy_mem_strdup(vars);
    const char **names = NULL;
    const svy_column *w;
    size_t n = 1, i;
    svy_status rc;

    for (i = 0; vars[i]; i++)
        n += vars[i] == ',';
    if (list == NULL || (names = svy_mem_alloc(n, sizeof(*names))) == NULL) {
        rc = nomem(err);
        goto out;
    }
    if ((rc = split_vars(list, names, &n, vars, t, opts, err)) != SVY_OK ||
        (rc = check_weights(t, opts, &w, err)) != SVY_OK)
        goto out;
    for (i = 0; i < n && rc == SVY_OK; i++) {
        svy_freq f = SVY_FREQ_INIT;
        if (i > 0 && (rc = svy_output_puts(o, "\n", err)) != SVY_OK)
            break;
        if ((rc = svy_freq_compute(&f, t, names[i], opts, err)) == SVY_OK)
            rc = svy_freq_write(&f, opts, o, err);
        svy_freq_release(&f);
    }
out:
    free(list);
    free(names);
    return rc;
}

/* Codebook drafts. */

/*
 * At most FEW distinct values, and values repeat (d <= m / 2).  The second
 * test keeps a small sample from turning every variable into codes: ten
 * ages in ten rows are a quantity, two sexes in ten rows are codes.
 */
static int
few(size_t distinct, size_t m)
{
    return distinct <= FEW && 2 * distinct <= m;
}

/*
 * A text code that the codebook's valid parser would read back as one
 * code: parse_valid() in src/codebook.c splits on ',', reads "a..b" and
 * "digit-" as ranges and trims blanks.  A column with any other code is
 * drafted as text, since a cat whose valid list cannot hold its own codes
 * would fail every row of the next import.
 */
static int
plain_code(const char *s)
{
    size_t i, n = strlen(s);

    if (n == 0 || s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' ||
        s[n - 1] == '\t' || strchr(s, ',') || strstr(s, ".."))
        return 0;
    for (i = 1; i < n; i++)
        if (s[i] == '-' && s[i - 1] >= '0' && s[i - 1] <= '9')
            return 0;
    return 1;
}

/* "1-5,8,9": runs of three or more consecutive integers become ranges. */
static svy_status
put_ranges(svy_buf *b, const struct slotkey *k, size_t n)
{
    char lo[SVY_NUM_BUFSZ], hi[SVY_NUM_BUFSZ];
    size_t i = 0, j;
    int ok = 1;

    while (i < n && ok) {
        for (j = i + 1; j < n && k[j].num == k[j - 1].num + 1;)
            j++;
        svy_num_format(k[i].num, lo);
        svy_num_format(k[j - 1].num, hi);
        if (i > 0)
            ok = svy_buf_putc(b, ',') == SVY_OK;
        if (j - i >= 3)
            ok = ok && svy_buf_printf(b, "%s-%s", lo, hi) == SVY_OK;
        else if (j - i == 2)
            ok = ok && svy_buf_printf(b, "%s,%s", lo, hi) == SVY_OK;
        else
            ok = ok && svy_buf_puts(b, lo) == SVY_OK;
        i = j;
    }
    return ok ? SVY_OK : SVY_ENOMEM;
}

static int
is_int(double v)
{
    return v == floor(v) && fabs(v) < 9007199254740992.0; /* 2^53 */
}

/* Rules 3 and 4 of svy_draft_guess: cat with codes, or num with a range. */
static svy_status
guess_num(const svy_column *c, struct vset *s, svy_vtype *type, svy_buf *valid,
          svy_err *err)
{
    size_t n = svy_column_len(c), i, m = 0;
    double lo = NAN, hi = NAN;
    struct slotkey *k = NULL;
    char a[SVY_NUM_BUFSZ], b[SVY_NUM_BUFSZ];
    int ints = 1, ok = 1;
    svy_status rc;

    s->num = 1;
    if (vset_fill(s, c, NULL) == 0) {
        if ((rc = sorted_slots(s, c, &k, err)) != SVY_OK)
            return rc;
        for (i = 0; i < s->n; i++) {
            ints &= is_int(k[i].num);
            m += s->count[k[i].slot];
        }
        lo = k[0].num;
        hi = k[s->n - 1].num;
    } else {
        for (i = 0; i < n; i++) {
            double v = num_at(c, i);
            if (svy_column_is_empty(c, i))
                continue;
            if (isnan(lo) || v < lo)
                lo = v;
            if (isnan(hi) || v > hi)
                hi = v;
        }
    }
    if (k != NULL && ints && few(s->n, m)) {
        *type = SVY_V_CAT;
        ok = put_ranges(valid, k, s->n) == SVY_OK;
    } else {
        *type = SVY_V_NUM;
        svy_num_format(lo, a);
        svy_num_format(hi, b);
        ok = (lo < hi ? svy_buf_printf(valid, "%s-%s", a, b)
                      : svy_buf_puts(valid, a)) == SVY_OK;
    }
    free(k);
    return ok ? SVY_OK : nomem(err);
}

/* Rules 2, 5, 6 and 7 of svy_draft_guess. */
static svy_status
guess_text(const svy_column *c, struct vset *s, svy_vtype *type, svy_buf *valid,
           svy_err *err)
{
    size_t n = svy_column_len(c), i, m = 0, distinct;
    struct slotkey *k;
    int dates = 1, plain = 1, ok = 1, small;
    svy_status rc;

    for (i = 0; i < n; i++)
        if (!svy_column_is_empty(c, i)) {
            m++;
            dates = dates && svy_date_valid(svy_column_text(c, i));
        }
    *type = SVY_V_TEXT;
    if (dates) {
        *type = SVY_V_DATE;
        return SVY_OK;
    }
    small = vset_fill(s, c, NULL) == 0;
    if (m == n && n >= 2) {
        distinct = s->n;
        if (!small && (rc = sort_distinct(c, &distinct, err)) != SVY_OK)
            return rc;
        if (distinct == n)
            *type = SVY_V_ID;
    }
    if (*type == SVY_V_ID || !small || !few(s->n, m))
        return SVY_OK;
    if ((rc = sorted_slots(s, c, &k, err)) != SVY_OK)
        return rc;
    for (i = 0; i < s->n; i++)
        plain = plain && plain_code(k[i].s);
    if (plain) {
        *type = SVY_V_CAT;
        for (i = 0; i < s->n && ok; i++)
            ok = (i == 0 || svy_buf_putc(valid, ',') == SVY_OK) &&
                 svy_buf_puts(valid, k[i].s) == SVY_OK;
    }
    free(k);
    return ok ? SVY_OK : nomem(err);
}

svy_status
svy_draft_guess(const svy_column *c, svy_vtype *type, svy_buf *valid,
                svy_err *err)
{
    size_t i, n = svy_column_len(c);
    struct vset *s;
    svy_status rc;

    *type = SVY_V_TEXT;
    for (i = 0; i < n && svy_column_is_empty(c, i); i++)
        ;
    if (i == n)
        return SVY_OK;
    if ((s = vset_new(c)) == NULL)
        return nomem(err);
    if (svy_column_type(c) == SVY_NUM || svy_column_is_numeric(c, SVY_NUM_CODE))
        rc = guess_num(c, s, type, valid, err);
    else
        rc = guess_text(c, s, type, valid, err);
    free(s);
    return rc;
}

static int
cmp_slotkey_num(const void *a, const void *b)
{
    double x = ((const struct slotkey *)a)->num,
           y = ((const struct slotkey *)b)->num;
    return (x > y) - (x < y);
}

/* Append 'x' to the codes of 'k' (capacity LABELLED_MAX). */
#define LABELLED_MAX 200
static int
add_code(struct slotkey *k, size_t *n, double x)
{
    for (size_t i = 0; i < *n; i++)
        if (k[i].num == x)
            return 1;
    if (*n == LABELLED_MAX || !is_int(x))
        return 0;
    k[(*n)++].num = x;
    return 1;
}

/*
 * Rule 0 of the draft: a numeric column whose variable has value labels
 * for at least two codes that are not missing codes (an SPSS file's
 * labels, or the survey's values.csv) is a category: 'valid' lists those
 * codes and the other non-missing codes the data hold.  Left as guessed
 * when the data hold non-integers or too many codes.
 */
static svy_status
labelled_cat(const svy_column *c, const svy_var *v, svy_vtype *type,
             svy_buf *valid, svy_err *err)
{
    struct slotkey *k = calloc(LABELLED_MAX, sizeof(*k));
    size_t n = 0, i, j, labelled;
    int ok = 1;
    double x;

    if (k == NULL)
        return nomem(err);
    for (i = 0; i < svy_var_nvalues(v) && ok; i++) {
        const char *code = svy_var_value_code(v, i);
        if (svy_var_is_missing_code(v, code) ||
            !svy_num_parse(code, strlen(code), 0, &x))
            continue;
        ok = add_code(k, &n, x);
    }
    labelled = n;
    for (i = 0; i < svy_column_len(c) && ok && labelled >= 2; i++)
        if (!svy_column_is_empty(c, i) && !isnan(x = num_at(c, i)))
            ok = add_code(k, &n, x);
    /* The missing codes among the data's codes go: checked once a code. */
    for (i = j = labelled; ok && i < n; i++) {
        char buf[SVY_NUM_BUFSZ];
        svy_num_format(k[i].num, buf);
        if (!svy_var_is_missing_code(v, buf))
            k[j++] = k[i];
    }
    n = j;
    if (ok && labelled >= 2) {
        qsort(k, n, sizeof(*k), cmp_slotkey_num);
        *type = SVY_V_CAT;
        svy_buf_reset(valid);
        if (put_ranges(valid, k, n) != SVY_OK) {
            free(k);
            return nomem(err);
        }
    }
    free(k);
    return SVY_OK;
}

svy_status
svy_describe_draft(const svy_table *t, const svy_describe_opts *opts,
                   svy_output *o, svy_err *err)
{
    static const char *const head[] = {"variable", "type",    "label",
                                       "valid",    "missing", "pii",
                                       "label@ru", "label@ky"};
    svy_buf valid = SVY_BUF_INIT, missing = SVY_BUF_INIT;
    svy_status rc;
    size_t i, k;

    rc = svy_csv_write_row(o, head, NULL, 8, err);
    for (i = 0; i < svy_table_ncols(t) && rc == SVY_OK; i++) {
        const svy_column *c = svy_table_col(t, i);
        const char *name = svy_column_name(c), *f[8];
        const svy_var *v = find_var(opts, name);
        svy_vtype type;
        int fb;

        svy_buf_reset(&valid);
        svy_buf_reset(&missing);
        if ((rc = svy_draft_guess(c, &type, &valid, err)) != SVY_OK)
            break;
        if (v && svy_var_nvalues(v) &&
            (type == SVY_V_NUM || type == SVY_V_CAT || type == SVY_V_ID) &&
            (svy_column_type(c) == SVY_NUM ||
             svy_column_is_numeric(c, SVY_NUM_CODE)) &&
            (rc = labelled_cat(c, v, &type, &valid, err)) != SVY_OK)
            break;
        /* A draft gets shared and committed: no PII values in it. */
        if (v != NULL && svy_var_pii(v)) {
            svy_buf_reset(&valid);
            if (type == SVY_V_CAT)
                type = SVY_V_TEXT;
        }
        f[0] = name;
        f[1] = svy_vtype_name(type);
        f[2] = v ? svy_var_label(v, SVY_LANG_EN, NULL) : name;
        f[3] = valid.data ? valid.data : "";
        f[5] = v && svy_var_pii(v) ? "yes" : "";
        f[6] = v ? svy_var_label(v, SVY_LANG_RU, &fb) : "";
        if (v && fb)
            f[6] = "";
        f[7] = v ? svy_var_label(v, SVY_LANG_KY, &fb) : "";
        if (v && fb)
            f[7] = "";
        if (v != NULL) {
            size_t nm;
            const char *const *codes = svy_var_missing(v, &nm);
            for (k = 0; k < nm && rc == SVY_OK; k++)
                if ((k > 0 && svy_buf_putc(&missing, ',') != SVY_OK) ||
                    svy_buf_puts(&missing, codes[k]) != SVY_OK)
                    rc = nomem(err);
        }
        f[4] = missing.data ? missing.data : "";
        if (rc == SVY_OK)
            rc = svy_csv_write_row(o, f, NULL, 8, err);
    }
    svy_buf_release(&valid);
    svy_buf_release(&missing);
    return rc;
}
