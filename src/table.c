/*
 * table.c - columnar table.
 *
 * Layout.  A numeric column is a double array, or an array of bytes when
 * asked (svy_column_compact) and every cell is an integer 0..254 or empty
 * (BYTE_EMPTY): survey codes, kept in an eighth of the memory.  A value
 * that does not fit turns the bytes into doubles (widen) before it is
 * stored, and so does svy_column_nums, so a byte column is never wrong,
 * only smaller.  A text column is an arena
 * of NUL-terminated strings plus a uint32_t offset per row; offset 0 is the
 * shared empty string (the arena always starts with one NUL byte), so
 * system-missing text costs no arena space.  Replacing a text cell appends
 * the new string and moves the offset; the old bytes stay as garbage until
 * the column is freed, which is cheap for the few cells cleaning changes.
 * An arena is limited to 4 GiB per column by the 32-bit offsets.
 *
 * Growth doubles capacity, so pushes are amortised O(1) and large arrays
 * grow through realloc's mremap without copying.
 *
 * Converting a column between text and numeric builds the new array on
 * the side and swaps it in only when every cell made it, so a failed or
 * refused conversion leaves the column as it was.
 */
#include "svy/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "svy/mem.h"
#include "svy/num.h"

/*
 * Exactly one of 'num' and 'off' is live, as 'type' says, and 'cap' is the
 * capacity of that one: conversions carry it over so that reserve_cells
 * stays right.  A numeric column has no arena.
 */
struct svy_column {
    char *name;
    svy_type type;
    size_t len, cap; /* cells used and allocated */
    double *num;     /* SVY_NUM */
    uint8_t *bytes;  /* SVY_NUM as bytes, instead of 'num' (see the top) */
    uint32_t *off;   /* SVY_TEXT */
    char *arena;
    size_t alen, acap;
    char **umiss;      /* user-missing codes as text */
    double *umiss_num; /* and as numbers (NaN when not numeric) */
    size_t n_umiss;
    int loose; /* typed pushes take any number (svy_column_loose) */
};

struct svy_table {
    svy_column **cols;
    size_t ncols, ccap;
    size_t nrows;
    size_t *lines; /* source line of each row; NULL before the first */
    size_t lcap;
    char *source; /* file the rows came from; NULL when unknown */
};

/* Every allocation failure in this module reads the same. */
static svy_status
nomem(svy_err *err)
{
    return svy_err_set(err, SVY_ENOMEM, "out of memory");
}

svy_status
svy_table_new(svy_table **out, svy_err *err)
{
    *out = calloc(1, sizeof(**out));
    return *out ? SVY_OK : nomem(err);
}

/* NULL is a no-op, so error paths may free a half-built column. */
static void
column_free(svy_column *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < c->n_umiss; i++)
        free(c->umiss[i]);
    free(c->umiss);
    free(c->umiss_num);
    free(c->name);
    free(c->num);
    free(c->bytes);
    free(c->off);
    free(c->arena);
    free(c);
}

void
svy_table_free(svy_table *t)
{
    size_t i;

    if (t == NULL)
        return;
    for (i = 0; i < t->ncols; i++)
        column_free(t->cols[i]);
    free(t->cols);
    free(t->lines);
    free(t->source);
    free(t);
}

const char *
svy_table_source(const svy_table *t)
{
    return t->source;
}

svy_status
svy_table_set_source(svy_table *t, const char *name, svy_err *err)
{
    char *s = svy_mem_strdup(name);
    if (s == NULL)
        return nomem(err);
    free(t->source);
    t->source = s;
    return SVY_OK;
}

size_t
svy_table_nrows(const svy_table *t)
{
    return t->nrows;
}

size_t
svy_table_ncols(const svy_table *t)
{
    return t->ncols;
}

svy_column *
svy_table_col(const svy_table *t, size_t i)
{
    return i < t->ncols ? t->cols[i] : NULL;
}

long
svy_table_index(const svy_table *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i]->name, name) == 0)
            return (long)i;
    return -1;
}

svy_column *
svy_table_find(const svy_table *t, const char *name)
{
    long i = svy_table_index(t, name);
    return i < 0 ? NULL : t->cols[i];
}

/* A text arena starts with the shared empty string at offset 0. */
static int
arena_init(svy_column *c)
{
    if ((c->arena = malloc(64)) == NULL)
        return -1;
    c->arena[0] = '\0';
    c->alen = 1;
    c->acap = 64;
    return 0;
}

#define BYTE_EMPTY SVY_BYTE_EMPTY

/* 1 when 'v' is kept as a byte: an integer 0..254, not -0. */
static int
fits_byte(double v)
{
    return v >= 0 && v < BYTE_EMPTY && v == (double)(int)v && !signbit(v);
}

static double
num_at(const svy_column *c, size_t row)
{
    return svy_num_cell(c->num, c->bytes, row);
}

/* A byte column as doubles, with the same capacity.  -1: out of memory. */
static int
widen(svy_column *c)
{
    double *num;
    size_t i;

    if (c->bytes == NULL)
        return 0;
    if ((num = svy_mem_alloc(c->cap ? c->cap : 1, sizeof(double))) == NULL)
        return -1;
    for (i = 0; i < c->len; i++)
        num[i] = num_at(c, i);
    free(c->bytes);
    c->bytes = NULL;
    c->num = num;
    return 0;
}

/* Store 'v' in numeric cell 'row' (< cap), widening if it must. */
static int
put_num(svy_column *c, size_t row, double v)
{
    if (c->bytes) {
        if (fits_byte(v) || isnan(v)) {
            c->bytes[row] = isnan(v) ? BYTE_EMPTY : (uint8_t)v;
            return 0;
        }
        if (widen(c) < 0)
            return -1;
    }
    c->num[row] = v;
    return 0;
}

/* Room for 'need' cells in the live array; the length is unchanged. */
static int
reserve_cells(svy_column *c, size_t need)
{
    void *p;
    size_t cap = c->cap;

    if (need <= c->cap)
        return 0;
    if (c->bytes) {
        p = c->bytes;
        if (svy_mem_grow(&p, &cap, need, 1) < 0)
            return -1;
        c->bytes = p;
    } else if (c->type == SVY_NUM) {
        p = c->num;
        if (svy_mem_grow(&p, &cap, need, sizeof(double)) < 0)
            return -1;
        c->num = p;
    } else {
        p = c->off;
        if (svy_mem_grow(&p, &cap, need, sizeof(uint32_t)) < 0)
            return -1;
        c->off = p;
    }
    c->cap = cap;
    return 0;
}

svy_status
svy_table_add_column(svy_table *t, const char *name, svy_type type,
                     svy_column **out, svy_err *err)
{
    svy_column *c;
    void *p = t->cols;
    size_t i;

    if (name[0] == '\0')
        return svy_err_set(err, SVY_EDATA, "empty column name");
    if (svy_table_find(t, name) != NULL)
        return svy_err_set(err, SVY_EDATA, "duplicate column '%s'", name);
    /* The array grows before the column exists: if the column cannot be
     * made, the table has spare capacity and is otherwise unchanged. */
    if (svy_mem_grow(&p, &t->ccap, t->ncols + 1, sizeof(*t->cols)) < 0)
        return nomem(err);
    t->cols = p;
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return nomem(err);
    c->type = type;
    if ((c->name = svy_mem_strdup(name)) == NULL ||
        (type == SVY_TEXT && arena_init(c) < 0) ||
        reserve_cells(c, t->nrows) < 0) {
        column_free(c);
        return nomem(err);
    }
    /* Existing rows get system missing: the column is full length at once. */
    for (i = 0; i < t->nrows; i++) {
        if (type == SVY_NUM)
            c->num[i] = NAN;
        else
            c->off[i] = 0;
    }
    c->len = t->nrows;
    t->cols[t->ncols++] = c;
    if (out)
        *out = c;
    return SVY_OK;
}

size_t
svy_table_row_line(const svy_table *t, size_t row)
{
    return t->lines && row < t->nrows ? t->lines[row] : 0;
}

/*
 * Append 'n' bytes and a terminator to the arena and point '*off' at
 * them.  Empty text takes no space: it is offset 0.  Offsets are 32-bit,
 * so text past 4 GiB is refused with a message naming the column.
 */
static svy_status
arena_put(svy_column *c, const char *s, size_t n, uint32_t *off, svy_err *err)
{
    if (n == 0) {
        *off = 0;
        return SVY_OK;
    }
    if (c->alen + n + 1 > c->acap) {
        void *p = c->arena;
        /* 's' may be a cell of this column (a copy within the column): the
         * realloc would free it, so remember where it is. */
        uintptr_t base = (uintptr_t)c->arena, at = (uintptr_t)s - base;
        int inside = (uintptr_t)s >= base && at < c->alen;
        if (c->alen + n + 1 > UINT32_MAX)
            return svy_err_set(err, SVY_ENOMEM,
                               "column '%s' holds more than 4 GiB of text",
                               c->name);
        if (svy_mem_grow(&p, &c->acap, c->alen + n + 1, 1) < 0)
            return nomem(err);
        c->arena = p;
        if (inside)
            s = c->arena + at;
    }
    /* Most cells are codes of a byte or two: spare memcpy's call. */
    if (n <= 2) {
        c->arena[c->alen] = s[0];
        c->arena[c->alen + n - 1] = s[n - 1];
    } else {
        memcpy(c->arena + c->alen, s, n);
    }
    c->arena[c->alen + n] = '\0';
    *off = (uint32_t)c->alen;
    c->alen += n + 1;
    return SVY_OK;
}

/*
 * Readers push text whatever the column's type: a numeric column parses
 * it here (the data grammar, no flags), so a reader need not know types.
 * The value quoted in the message is cut at 64 bytes.
 */
svy_status
svy_column_push_text(svy_column *c, const char *s, size_t n, svy_err *err)
{
    if (c->len == c->cap && reserve_cells(c, c->len + 1) < 0)
        return nomem(err);
    if (c->type == SVY_NUM) {
        double v = NAN;
        if (n > 0 && !svy_num_parse(s, n, 0, &v))
            return svy_err_set(err, SVY_EDATA,
                               "column '%s': not a number '%.*s'", c->name,
                               (int)(n > 64 ? 64 : n), s);
        if (put_num(c, c->len, v) < 0)
            return nomem(err);
        c->len++;
        return SVY_OK;
    }
    if (arena_put(c, s, n, &c->off[c->len], err) != SVY_OK)
        return err ? err->code : SVY_ENOMEM;
    c->len++;
    return SVY_OK;
}

/* An integer as svy_num_format writes it (see svy_column_push_typed). */
static int
plain_int(const char *s, size_t n, double *out)
{
    size_t i = s[0] == '-';
    uint64_t v = 0;

    if (n - i == 0 || n - i > 15 || (s[i] == '0' && (n - i > 1 || i > 0)))
        return 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9)
            return 0;
        v = v * 10 + d;
    }
    *out = s[0] == '-' ? -(double)v : (double)v;
    return 1;
}

/*
 * A decimal as svy_num_format writes it ("1.25", "-0.0375"): an optional
 * '-', "0" or an integer without a leading zero, '.', digits ending in a
 * non-zero one, at most 15 significant digits and not below 1e-4 ("0."
 * and at most three zeros).  Such a number is the only decimal of at most
 * 15 digits that rounds to its double, so it is the shortest one: it
 * formats back to the same text (test_table_push_typed_decimals).
 */
static int
plain_decimal(const char *s, size_t n, double *out)
{
    size_t i = s[0] == '-', sig = 0, z = 0;

    if (i < n && s[i] == '0')
        i++;
    else
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            sig++;
    if (i == (s[0] == '-') || i + 1 >= n || s[i] != '.' || s[n - 1] == '0')
        return 0;
    for (i++; sig == 0 && i < n && s[i] == '0'; i++)
        z++;
    if (z > 3)
        return 0;
    for (; i < n; i++, sig++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return sig <= 15 && svy_num_parse(s, n, 0, out);
}

/* A non-empty cell that a typed numeric column takes as a number. */
static int
typed_number(const svy_column *c, const char *s, size_t n, double *v)
{
    return plain_int(s, n, v) || plain_decimal(s, n, v) ||
           (c->loose && svy_num_parse(s, n, 0, v));
}

svy_status
svy_column_push_typed(svy_column *c, const char *s, size_t n, svy_err *err)
{
    svy_status rc;
    double v = NAN;

    if (c->type == SVY_NUM) {
        if (n == 0 || typed_number(c, s, n, &v)) {
            if ((c->len == c->cap && reserve_cells(c, c->len + 1) < 0) ||
                put_num(c, c->len, v) < 0)
                return nomem(err);
            c->len++;
            return SVY_OK;
        }
        if ((rc = svy_column_to_text(c, err)) != SVY_OK)
            return rc;
    }
    return svy_column_push_text(c, s, n, err);
}

/*
 * The consumer of svy_csv_read_file_typed spends most of its time here:
 * one capacity check per column per batch instead of per cell, and the
 * one- and two-digit codes of survey data parsed inline.  A cell that is
 * not a plain integer takes svy_column_push_typed's way.
 */
svy_status
svy_table_push_typed_rows(svy_table *t, const char *cells, const size_t *lens,
                          size_t nrows, const size_t *lines, size_t stride,
                          svy_err *err)
{
    size_t nc = t->ncols, need = t->nrows + nrows, k, j, off = 0;
    svy_status rc;

    for (j = 0; j < nc; j++) {
        if (t->cols[j]->len != t->nrows)
            return svy_err_set(err, SVY_EINVAL,
                               "column '%s' has %zu cells, the table %zu rows",
                               t->cols[j]->name, t->cols[j]->len, t->nrows);
        if (reserve_cells(t->cols[j], need) < 0)
            return nomem(err);
    }
    if (need > t->lcap) {
        void *p = t->lines;
        if (svy_mem_grow(&p, &t->lcap, need, sizeof(size_t)) < 0)
            return nomem(err);
        t->lines = p;
    }
    for (k = 0; k < nrows; k++) {
        for (j = 0; j < nc; j++) {
            svy_column *c = t->cols[j];
            const char *s = cells + off;
            size_t n = *lens++;
            unsigned d0 = (unsigned)(unsigned char)s[0] - '0';
            unsigned d1 = (unsigned)(unsigned char)s[n > 1] - '0';
            double v = NAN;

            off += n + 1;
            if (c->type == SVY_NUM) {
                int ok = 1, code = 1; /* code: empty or 0..99 */
                if (n == 1 && d0 <= 9)
                    v = d0;
                else if (n == 2 && d0 - 1 <= 8 && d1 <= 9)
                    v = d0 * 10 + d1;
                else if (n > 0)
                    ok = typed_number(c, s, n, &v), code = 0;
                if (code && c->bytes) {
                    c->bytes[c->len++] = n ? (uint8_t)v : BYTE_EMPTY;
                    continue;
                }
                if (ok) {
                    if (put_num(c, c->len, v) < 0)
                        return nomem(err);
                    c->len++;
                    continue;
                }
            }
            if ((rc = svy_column_push_typed(c, s, n, err)) != SVY_OK)
                return rc;
        }
        t->lines[t->nrows++] = lines[k * stride];
    }
    return SVY_OK;
}

/* Into a text column a number goes in the form the writer would use. */
svy_status
svy_column_push_num(svy_column *c, double v, svy_err *err)
{
    char buf[SVY_NUM_BUFSZ];
    size_t n;

    if (c->type == SVY_TEXT) {
        n = svy_num_format(v, buf);
        return svy_column_push_text(c, buf, n, err);
    }
    if ((c->len == c->cap && reserve_cells(c, c->len + 1) < 0) ||
        put_num(c, c->len, v) < 0)
        return nomem(err);
    c->len++;
    return SVY_OK;
}

/* Exactly 'n' elements (no doubling past what was asked for). */
static int
reserve_exact(void **p, size_t *cap, size_t n, size_t size)
{
    void *np;

    if (n <= *cap)
        return 0;
    if ((np = svy_mem_realloc(*p, n, size)) == NULL)
        return -1;
    *p = np;
    *cap = n;
    return 0;
}

svy_status
svy_table_reserve(svy_table *t, size_t nrows, svy_err *err)
{
    size_t j;
    void *p;

    for (j = 0; j < t->ncols; j++) {
        svy_column *c = t->cols[j];
        int bad;

        p = c->bytes             ? (void *)c->bytes
            : c->type == SVY_NUM ? (void *)c->num
                                 : (void *)c->off;
        bad = reserve_exact(&p, &c->cap, nrows,
                            c->bytes             ? 1
                            : c->type == SVY_NUM ? sizeof(double)
                                                 : sizeof(uint32_t));
        if (c->bytes)
            c->bytes = p;
        else if (c->type == SVY_NUM)
            c->num = p;
        else
            c->off = p;
        if (bad)
            return nomem(err);
    }
    p = t->lines;
    if (reserve_exact(&p, &t->lcap, nrows, sizeof(size_t)))
        return nomem(err);
    t->lines = p;
    return SVY_OK;
}

/*
 * Each column must have received exactly one cell for this row.  A
 * mismatch is the caller's mistake, not bad data; it is reported rather
 * than repaired.
 */
svy_status
svy_table_commit_row(svy_table *t, size_t line, svy_err *err)
{
    size_t i;

    for (i = 0; i < t->ncols; i++)
        if (t->cols[i]->len != t->nrows + 1)
            return svy_err_set(
                err, SVY_EINVAL, "column '%s' has %zu cells, row %zu needs %zu",
                t->cols[i]->name, t->cols[i]->len, t->nrows, t->nrows + 1);
    if (t->nrows == t->lcap) {
        void *p = t->lines;
        if (svy_mem_grow(&p, &t->lcap, t->nrows + 1, sizeof(size_t)) < 0)
            return nomem(err);
        t->lines = p;
    }
    t->lines[t->nrows++] = line;
    return SVY_OK;
}

const char *
svy_column_name(const svy_column *c)
{
    return c->name;
}

svy_type
svy_column_type(const svy_column *c)
{
    return c->type;
}

size_t
svy_column_len(const svy_column *c)
{
    return c->len;
}

/* No type check: table.h makes a numeric column the caller's error. */
const char *
svy_column_text(const svy_column *c, size_t row)
{
    return c->arena + c->off[row];
}

double
svy_column_num(const svy_column *c, size_t row)
{
    return num_at(c, row);
}

double *
svy_column_nums(svy_column *c)
{
    return c->type == SVY_NUM && widen(c) == 0 ? c->num : NULL;
}

const uint8_t *
svy_column_bytes(const svy_column *c)
{
    return c->bytes;
}

const double *
svy_column_doubles(const svy_column *c)
{
    return c->type == SVY_NUM ? c->num : NULL;
}

void
svy_column_loose(svy_column *c)
{
    c->loose = 1;
}

int
svy_column_compact(svy_column *c)
{
    uint8_t *b;
    size_t i;

    if (c->type != SVY_NUM || c->bytes)
        return c->bytes != NULL;
    for (i = 0; i < c->len; i++)
        if (!fits_byte(c->num[i]) && !isnan(c->num[i]))
            return 0;
    if ((b = malloc(c->cap ? c->cap : 1)) == NULL)
        return -1;
    for (i = 0; i < c->len; i++)
        b[i] = isnan(c->num[i]) ? BYTE_EMPTY : (uint8_t)c->num[i];
    free(c->num);
    c->num = NULL;
    c->bytes = b;
    return 1;
}

/* The old bytes stay in the arena as garbage (see the top of the file). */
svy_status
svy_column_set_text(svy_column *c, size_t row, const char *s, size_t n,
                    svy_err *err)
{
    return arena_put(c, s, n, &c->off[row], err);
}

svy_status
svy_column_set_num(svy_column *c, size_t row, double v, svy_err *err)
{
    return put_num(c, row, v) < 0 ? nomem(err) : SVY_OK;
}

/* Numbers are formatted into 'buf'; text is returned in place. */
const char *
svy_column_format(const svy_column *c, size_t row, char *buf, size_t *len)
{
    if (c->type == SVY_NUM) {
        size_t n = svy_num_format(num_at(c, row), buf);
        if (len)
            *len = n;
        return buf;
    }
    if (len)
        *len = strlen(c->arena + c->off[row]);
    return c->arena + c->off[row];
}

/*
 * Most cells are codes of a byte or two, for which strlen's call costs
 * more than the test: look at the first bytes inline.
 */
void
svy_table_row_texts(const svy_table *t, size_t row, const char **fields,
                    size_t *lens)
{
    for (size_t i = 0; i < t->ncols; i++) {
        const svy_column *c = t->cols[i];
        if (c->type != SVY_TEXT)
            continue;
        const char *s = c->arena + c->off[row];
        fields[i] = s;
        lens[i] = !s[0] ? 0 : !s[1] ? 1 : !s[2] ? 2 : 2 + strlen(s + 2);
    }
}

/* NaN is the only system-missing number: the parser never yields one. */
int
svy_column_is_empty(const svy_column *c, size_t row)
{
    if (c->bytes)
        return c->bytes[row] == BYTE_EMPTY;
    return c->type == SVY_NUM ? isnan(c->num[row])
                              : c->arena[c->off[row]] == '\0';
}

/*
 * The new lists are complete before the old ones are freed, so a failure
 * leaves the column's codes as they were.  A code that is not a number is
 * NaN in 'umiss_num', which equals no cell, so it matches only as text.
 */
svy_status
svy_column_set_user_missing(svy_column *c, const char *const *codes, size_t n,
                            svy_err *err)
{
    char **u = NULL;
    double *un = NULL;
    size_t i;

    if (n > 0) {
        u = calloc(n, sizeof(*u));
        un = calloc(n, sizeof(*un));
        if (u == NULL || un == NULL)
            goto fail;
        for (i = 0; i < n; i++) {
            if ((u[i] = svy_mem_strdup(codes[i])) == NULL)
                goto fail;
            if (!svy_num_parse(codes[i], strlen(codes[i]), 0, &un[i]))
                un[i] = NAN;
        }
    }
    for (i = 0; i < c->n_umiss; i++)
        free(c->umiss[i]);
    free(c->umiss);
    free(c->umiss_num);
    c->umiss = u;
    c->umiss_num = un;
    c->n_umiss = n;
    return SVY_OK;
fail:
    for (i = 0; u && i < n; i++)
        free(u[i]);
    free(u);
    free(un);
    return nomem(err);
}

svy_missing
svy_column_missing(const svy_column *c, size_t row)
{
    size_t i;

    /* An empty cell is system missing, never user missing. */
    if (svy_column_is_empty(c, row))
        return SVY_MISS_SYSTEM;
    /* Numbers compare as numbers, so codes "08" and "8.0" match 8. */
    if (c->type == SVY_NUM) {
        for (i = 0; i < c->n_umiss; i++)
            if (num_at(c, row) == c->umiss_num[i])
                return SVY_MISS_USER;
    } else {
        const char *s = c->arena + c->off[row];
        for (i = 0; i < c->n_umiss; i++)
            if (strcmp(s, c->umiss[i]) == 0)
                return SVY_MISS_USER;
    }
    return SVY_MISS_NONE;
}

int
svy_column_is_numeric(const svy_column *c, int flags)
{
    size_t i, seen = 0;
    double v;

    if (c->type == SVY_NUM)
        return 1;
    for (i = 0; i < c->len; i++) {
        const char *s = c->arena + c->off[i];
        if (*s == '\0')
            continue;
        if (!svy_num_parse(s, strlen(s), flags, &v))
            return 0;
        seen++;
    }
    return seen > 0;
}

/*
 * One pass into a new array; the first value that does not parse abandons
 * it and leaves the column untouched.  The array gets the column's full
 * capacity, not its length, so that 'cap' stays true.
 */
int
svy_column_to_num(svy_column *c, int flags, svy_err *err)
{
    double *num;
    size_t i;

    if (c->type == SVY_NUM)
        return 1;
    if ((num = svy_mem_alloc(c->cap ? c->cap : 1, sizeof(double))) == NULL) {
        nomem(err);
        return -1;
    }
    for (i = 0; i < c->len; i++) {
        const char *s = c->arena + c->off[i];
        if (*s == '\0')
            num[i] = NAN;
        else if (!svy_num_parse(s, strlen(s), flags, &num[i])) {
            free(num);
            return 0;
        }
    }
    free(c->off);
    free(c->arena);
    c->off = NULL;
    c->arena = NULL;
    c->alen = c->acap = 0;
    c->num = num;
    c->type = SVY_NUM;
    return 1;
}

/*
 * The text form is built in a scratch column and swapped in at the end.
 * The scratch column borrows the name, for arena_put's message only.
 */
svy_status
svy_column_to_text(svy_column *c, svy_err *err)
{
    svy_column tmp = {0};
    char buf[SVY_NUM_BUFSZ];
    size_t i;

    if (c->type == SVY_TEXT)
        return SVY_OK;
    tmp.type = SVY_TEXT;
    tmp.name = c->name;
    if (arena_init(&tmp) < 0 || reserve_cells(&tmp, c->cap) < 0)
        goto fail;
    for (i = 0; i < c->len; i++) {
        size_t n = svy_num_format(num_at(c, i), buf);
        svy_status rc = arena_put(&tmp, buf, n, &tmp.off[i], err);
        if (rc != SVY_OK) { /* keep arena_put's message (4 GiB limit) */
            free(tmp.off);
            free(tmp.arena);
            return rc;
        }
    }
    free(c->num);
    free(c->bytes);
    c->num = NULL;
    c->bytes = NULL;
    c->type = SVY_TEXT;
    c->off = tmp.off;
    c->arena = tmp.arena;
    c->alen = tmp.alen;
    c->acap = tmp.acap;
    c->cap = tmp.cap;
    return SVY_OK;
fail:
    free(tmp.off);
    free(tmp.arena);
    return nomem(err);
}

int
svy_column_fix_decimal_comma(svy_column *c)
{
    size_t i, commas = 0;
    double v;

    /*
     * One memchr over the arena rules out most columns without parsing.
     * The arena also holds replaced cells, so a comma found may be stale;
     * that only costs the full check below.
     */
    if (c->type != SVY_TEXT || memchr(c->arena, ',', c->alen) == NULL)
        return 0;
    for (i = 0; i < c->len; i++) {
        const char *s = c->arena + c->off[i];
        size_t n;
        if (*s == '\0')
            continue;
        n = strlen(s);
        if (!svy_num_parse(s, n, SVY_NUM_COMMA, &v))
            return 0;
        if (memchr(s, ',', n) != NULL)
            commas++;
    }
    if (commas == 0)
        return 0;
    /*
     * Same length, so the change is made in place.  SVY_NUM_COMMA accepts
     * one separator, so each cell has at most one comma to replace.
     */
    for (i = 0; i < c->len; i++) {
        char *p = strchr(c->arena + c->off[i], ',');
        if (p)
            *p = '.';
    }
    return 1;
}

/* 1 when text column 'c' has a non-empty cell. */
static int
has_value(const svy_column *c)
{
    size_t i;

    for (i = 0; i < c->len; i++)
        if (c->arena[c->off[i]] != '\0')
            return 1;
    return 0;
}

svy_status
svy_table_infer_types(svy_table *t, const char *const *keep_text, svy_err *err)
{
    size_t i, k;

    for (i = 0; i < t->ncols; i++) {
        svy_column *c = t->cols[i];
        int keep = 0;
        for (k = 0; keep_text && keep_text[k]; k++)
            if (strcmp(keep_text[k], c->name) == 0)
                keep = 1;
        /* An all-empty column gives no evidence of being numeric. */
        if (keep || c->type == SVY_NUM || !has_value(c))
            continue;
        if (svy_column_to_num(c, SVY_NUM_CODE, err) < 0)
            return err ? err->code : SVY_ENOMEM;
    }
    return SVY_OK;
}

/*
 * Append the cells of 's' to 'd', of the same type (svy_table_append
 * sees to it).  Text goes string by string into d's arena; arena_put
 * copes with 's' being 'd'.
 */
static svy_status
copy_rows(svy_column *d, const svy_column *s, svy_err *err)
{
    size_t i, n = s->len; /* 's' is 'd' when a table is appended to itself */
    svy_status rc;

    if (reserve_cells(d, d->len + n) < 0)
        return nomem(err);
    for (i = 0; i < n; i++) {
        if (d->type == SVY_NUM) {
            if (put_num(d, d->len, num_at(s, i)) < 0)
                return nomem(err);
            d->len++;
            continue;
        }
        {
            const char *str = s->arena + s->off[i];
            if ((rc = svy_column_push_text(d, str, strlen(str), err)) != 0)
                return rc;
        }
    }
    return SVY_OK;
}

/* Append 'n' system-missing cells, for a column the source lacks. */
static svy_status
push_missing(svy_column *c, size_t n, svy_err *err)
{
    size_t i;

    if (reserve_cells(c, c->len + n) < 0)
        return nomem(err);
    for (i = 0; i < n; i++) {
        if (c->type == SVY_NUM && put_num(c, c->len, NAN) < 0)
            return nomem(err);
        if (c->type == SVY_TEXT)
            c->off[c->len] = 0;
        c->len++;
    }
    return SVY_OK;
}

/*
 * First pass: give 'dst' every column of 'src', and make a numeric 'dst'
 * column text where 'src' holds text, so that the second pass mostly
 * copies like to like.  If a step fails, 'dst' may be left with columns of
 * unequal length: the caller can then only free it.
 */
svy_status
svy_table_append(svy_table *dst, const svy_table *src, svy_err *err)
{
    size_t i, old = dst->nrows;
    svy_status rc;

    for (i = 0; i < src->ncols; i++) {
        const svy_column *s = src->cols[i];
        svy_column *d = svy_table_find(dst, s->name);
        if (d == NULL &&
            (rc = svy_table_add_column(dst, s->name, s->type, &d, err)) != 0)
            return rc;
        if (d->type == SVY_NUM && s->type == SVY_TEXT &&
            (rc = svy_column_to_text(d, err)) != SVY_OK)
            return rc;
    }
    for (i = 0; i < dst->ncols; i++) {
        svy_column *d = dst->cols[i];
        const svy_column *s = svy_table_find(src, d->name);
        if (s == NULL) {
            rc = push_missing(d, src->nrows, err);
        } else if (d->type == SVY_TEXT && s->type == SVY_NUM) {
            /* Numbers into a text column go in their written form. */
            size_t k;
            char buf[SVY_NUM_BUFSZ];
            rc = SVY_OK;
            for (k = 0; k < s->len && rc == SVY_OK; k++) {
                size_t n = svy_num_format(num_at(s, k), buf);
                rc = svy_column_push_text(d, buf, n, err);
            }
        } else {
            rc = copy_rows(d, s, err);
        }
        if (rc != SVY_OK)
            return rc;
    }
    /* Source lines come along, so appended rows still name their lines. */
    if (dst->lcap < old + src->nrows) {
        void *p = dst->lines;
        if (svy_mem_grow(&p, &dst->lcap, old + src->nrows, sizeof(size_t)) < 0)
            return nomem(err);
        dst->lines = p;
    }
    for (i = 0; i < src->nrows; i++)
        dst->lines[old + i] = src->lines ? src->lines[i] : 0;
    dst->nrows = old + src->nrows;
    return SVY_OK;
}
