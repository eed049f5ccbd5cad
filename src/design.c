/*
 * design.c - survey designs (see design.h for the contract): ids mapped to
 * dense strata, PSUs and SSUs, rows ordered by unit, the fpc, the lonely
 * PSU policy and the coefficients of the variance (the matrix K of
 * linearize.c), and the calibration set-up.  Estimation is in estimate.c
 * and linearize.c, factors in factor.c.
 *
 * Ids are mapped to dense indices by an open-addressing hash of their
 * value (text bytes or the double), chained on the parent index so that
 * PSUs nest in strata and SSUs in PSUs; then a counting sort orders rows
 * by unit.
 */
#include "svy/design.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

#include "design_int.h"
#include "svy/mem.h"
#include "svy/num.h"

#define CENSUS_F 1e-7   /* R's onestrat: all f below this contributes 0 */
#define SV_CUTOFF 1e-10 /* singular values dropped in GREG's (X'ΩX)⁺ */

static svy_status row_err(svy_err *err, svy_status code, const svy_table *t,
                          size_t row, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "FILE:L: what" for a table read from a file, "line L: what" when only
 * the line is known, "row R: what" for tables built in memory. */
static svy_status
row_err(svy_err *err, svy_status code, const svy_table *t, size_t row,
        const char *fmt, ...)
{
    size_t line = t ? svy_table_row_line(t, row) : 0;
    char what[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (line == 0)
        return svy_err_set(err, code, "row %zu: %s", row + 1, what);
    if (svy_table_source(t))
        return svy_err_set(err, code, "%s:%zu: %s", svy_table_source(t), line,
                           what);
    return svy_err_set(err, code, "line %zu: %s", line, what);
}

/* Keys (design_int.h). */

static uint64_t
mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/*
 * Hash of a cell's value.  Numbers hash their bits (so 1 and 1.0, read
 * from a numeric column, are one key); text hashes its bytes (FNV-1a), so
 * "007" and "7" stay apart, as ids must.
 */
static uint64_t
value_hash(const svy_column *c, size_t row)
{
    uint64_t h = 1469598103934665603ULL;

    if (svy_column_type(c) == SVY_NUM) {
        double v = svy_column_num(c, row);
        uint64_t bits;

        if (v == 0)
            v = 0; /* -0 and 0 are one value */
        memcpy(&bits, &v, sizeof(bits));
        return mix64(bits);
    }
    for (const unsigned char *s =
             (const unsigned char *)svy_column_text(c, row);
         *s; s++)
        h = (h ^ *s) * 1099511628211ULL;
    return h;
}

static int
value_equal(const svy_column *c, size_t a, size_t b)
{
    if (svy_column_type(c) == SVY_NUM)
        return svy_column_num(c, a) == svy_column_num(c, b);
    return strcmp(svy_column_text(c, a), svy_column_text(c, b)) == 0;
}

void
svy_keymap_release(struct svy_keymap *m)
{
    free(m->slot);
    free(m->hash);
    free(m->parent);
    free(m->row);
    memset(m, 0, sizeof(*m));
}

int
svy_keymap_init(struct svy_keymap *m, size_t expect)
{
    memset(m, 0, sizeof(*m));
    m->cap = 64;
    while (m->cap < 2 * expect)
        m->cap *= 2;
    m->slot = svy_mem_calloc(m->cap, sizeof(uint32_t));
    return m->slot ? 0 : -1;
}

/* Double the slots and re-insert by the stored hashes (load <= 1/2). */
static int
keymap_grow(struct svy_keymap *m)
{
    size_t cap = m->cap * 2, i, g;
    uint32_t *slot = svy_mem_calloc(cap, sizeof(uint32_t));

    if (slot == NULL)
        return -1;
    for (g = 0; g < m->n; g++) {
        i = m->hash[g] & (cap - 1);
        while (slot[i])
            i = (i + 1) & (cap - 1);
        slot[i] = (uint32_t)g + 1;
    }
    free(m->slot);
    m->slot = slot;
    m->cap = cap;
    return 0;
}

/*
 * The group of (parent, value of column 'c' at 'row'), created if new.
 * Returns the group id, or -1 when out of memory.
 */
long
svy_keymap_get(struct svy_keymap *m, const svy_column *c, size_t row,
               uint32_t parent)
{
    uint64_t h = mix64(value_hash(c, row) ^ mix64(parent + 0x9e3779b9ULL));
    size_t i = h & (m->cap - 1);
    uint32_t g;

    while ((g = m->slot[i]) != 0) {
        g--;
        if (m->hash[g] == h && m->parent[g] == parent &&
            value_equal(c, m->row[g], row))
            return g;
        i = (i + 1) & (m->cap - 1);
    }
    if (m->n == m->gcap) { /* the three arrays grow in step */
        size_t gc = m->gcap;

        if (svy_mem_grow((void **)&m->hash, &gc, m->n + 1, sizeof(uint64_t)))
            return -1;
        gc = m->gcap;
        if (svy_mem_grow((void **)&m->parent, &gc, m->n + 1, sizeof(uint32_t)))
            return -1;
        gc = m->gcap;
        if (svy_mem_grow((void **)&m->row, &gc, m->n + 1, sizeof(uint32_t)))
            return -1;
        m->gcap = gc;
    }
    g = (uint32_t)m->n++;
    m->hash[g] = h;
    m->parent[g] = parent;
    m->row[g] = (uint32_t)row;
    m->slot[i] = g + 1;
    if (2 * m->n > m->cap && keymap_grow(m))
        return -1;
    return g;
}

static const char *const lonely_names[] = {"fail", "adjust", "average",
                                           "certainty", "remove"};

const char *
svy_lonely_name(svy_lonely l)
{
    return (size_t)l < 5 ? lonely_names[l] : "unknown";
}

int
svy_lonely_parse(const char *s, svy_lonely *out)
{
    size_t i;

    for (i = 0; s && i < 5; i++)
        if (strcmp(s, lonely_names[i]) == 0) {
            *out = (svy_lonely)i;
            return 1;
        }
    return 0;
}

svy_status
svy_dcol_find(const svy_table *t, const char *name, const char *what,
              const svy_column **out, svy_err *err)
{
    *out = svy_table_find(t, name);
    if (*out == NULL)
        return svy_err_set(err, SVY_EINVAL, "%s column '%s' not found", what,
                           name);
    return SVY_OK;
}

/* System missing only: design variables have no user-missing codes. */
int
svy_dcol_missing(const svy_column *c, size_t row)
{
    if (svy_column_type(c) == SVY_NUM)
        return isnan(svy_column_num(c, row));
    return svy_column_text(c, row)[0] == '\0';
}

/* The number in cell 'row', parsing text; 0 when empty or not a number. */
int
svy_dcol_number(const svy_column *c, size_t row, double *v)
{
    const char *s;

    if (svy_column_type(c) == SVY_NUM) {
        *v = svy_column_num(c, row);
        return !isnan(*v);
    }
    s = svy_column_text(c, row);
    return svy_num_parse(s, strlen(s), 0, v);
}

/* Read a numeric design column: every row must hold a finite number. */
static svy_status
read_numbers(const svy_table *t, const svy_column *c, const char *what,
             double *out, svy_err *err)
{
    size_t i = 0, n = svy_table_nrows(t);
    const double *dv = svy_column_doubles(c);
    const uint8_t *bv = svy_column_bytes(c);
    char buf[SVY_NUM_BUFSZ];

    /* numbers as they are, up to the first that is not finite */
    for (; (dv || bv) && i < n && isfinite(out[i] = svy_num_cell(dv, bv, i));
         i++)
        ;
    for (; i < n; i++) {
        if (svy_dcol_missing(c, i))
            return row_err(err, SVY_EDATA, t, i, "%s column '%s' is empty",
                           what, svy_column_name(c));
        if (!svy_dcol_number(c, i, &out[i]) || !isfinite(out[i]))
            return row_err(
                err, SVY_EDATA, t, i, "%s column '%s': not a number '%s'", what,
                svy_column_name(c), svy_column_format(c, i, buf, NULL));
    }
    return SVY_OK;
}

/*
 * Map each row's value of 'c' (under its parent group: the stratum for
 * PSU ids, the PSU for SSU ids) to a dense group id, in first-seen order.
 * A missing id is an error, as R's na.fail on ids.
 */
static svy_status
read_ids(const svy_table *t, const svy_column *c, const char *what,
         const uint32_t *parent, uint32_t *out, size_t *ngroups, svy_err *err)
{
    size_t i, n = svy_table_nrows(t);
    const double *dv = svy_column_doubles(c);
    const uint8_t *bv = svy_column_bytes(c);
    struct svy_keymap m;
    svy_status rc = SVY_OK;

    if (svy_keymap_init(&m, 64))
        return svy_nomem(err);
    for (i = 0; i < n; i++) {
        long g;
        int same;

        if (dv || bv) { /* a number column: no call a row */
            double x = svy_num_cell(dv, bv, i);
            if (isnan(x)) {
                rc = row_err(err, SVY_EDATA, t, i, "%s column '%s' is empty",
                             what, svy_column_name(c));
                goto out;
            }
            same = i > 0 && x == svy_num_cell(dv, bv, i - 1);
        } else if (svy_dcol_missing(c, i)) {
            rc = row_err(err, SVY_EDATA, t, i, "%s column '%s' is empty", what,
                         svy_column_name(c));
            goto out;
        } else {
            same = i > 0 && value_equal(c, i, i - 1);
        }
        /* rows of a unit usually come together: skip the hashing */
        if (same && (parent == NULL || parent[i] == parent[i - 1]))
            g = (long)out[i - 1];
        else
            g = svy_keymap_get(&m, c, i, parent ? parent[i] : 0);
        if (g < 0) {
            rc = svy_nomem(err);
            goto out;
        }
        out[i] = (uint32_t)g;
    }
    *ngroups = m.n;
out:
    svy_keymap_release(&m);
    return rc;
}

/*
 * Stable counting sort of 0..n-1 by key[] < nkeys; 'start' gets nkeys+1
 * bucket starts.  Linear, and stable so that rows keep file order within
 * a unit (the sums then do not depend on how ids were numbered).
 */
static void
counting_sort(const uint32_t *key, size_t n, size_t nkeys, uint32_t *order,
              uint32_t *start)
{
    size_t i;

    memset(start, 0, (nkeys + 1) * sizeof(uint32_t));
    for (i = 0; i < n; i++)
        start[key[i] + 1]++;
    for (i = 0; i < nkeys; i++)
        start[i + 1] += start[i];
    for (i = 0; i < n; i++)
        order[start[key[i]]++] = (uint32_t)i;
    for (i = nkeys; i > 0; i--)
        start[i] = start[i - 1];
    start[0] = 0;
}

void
svy_design_free(svy_design *d)
{
    if (d == NULL)
        return;
    if (d->cal) {
        free(d->cal->moff);
        free(d->cal->code);
        free(d->cal->xnum);
        free(d->cal->rho);
        free(d->cal->P);
        free(d->cal->kmm);
        free(d->cal);
    }
    pthread_mutex_destroy(&d->mu);
    free(d->w);
    free(d->w_ord);
    free(d->rank);
    free(d->run_pos);
    free(d->run_psu);
    free(d->psu_run);
    free(d->order);
    free(d->stratum_psu);
    free(d->psu_unit);
    free(d->unit_pos);
    free(d->psu_stratum);
    free(d->str_coef);
    free(d->str_ctr);
    free(d->ssu_coef);
    free(d->ssu_ctr);
    free(d->lonely);
    free(d);
}

/* Everything svy_design_new reads from the table, row by row. */
struct build {
    const svy_table *t;
    size_t n;
    const svy_column *wc, *sc, *cc[2], *fc[2];
    uint32_t *stratum, *psu, *ssu; /* per row */
    double *fpc[2];                /* per row */
    size_t nstrata, npsu, nssu;
};

static void
build_release(struct build *b)
{
    free(b->stratum);
    free(b->psu);
    free(b->ssu);
    free(b->fpc[0]);
    free(b->fpc[1]);
}

/*
 * Find the columns and refuse combinations R refuses: an fpc must cover
 * every stage (as.fpc fails on a one-column fpc for two stages).
 */
static svy_status
check_opts(struct build *b, const svy_design_opts *o, svy_err *err)
{
    svy_status rc;
    int s;

    if (o->weight &&
        (rc = svy_dcol_find(b->t, o->weight, "weight", &b->wc, err)))
        return rc;
    if (o->strata &&
        (rc = svy_dcol_find(b->t, o->strata, "strata", &b->sc, err)))
        return rc;
    for (s = 0; s < 2; s++) {
        if (o->cluster[s] && (rc = svy_dcol_find(b->t, o->cluster[s], "cluster",
                                                 &b->cc[s], err)))
            return rc;
        if (o->fpc[s] &&
            (rc = svy_dcol_find(b->t, o->fpc[s], "fpc", &b->fc[s], err)))
            return rc;
    }
    if (b->cc[1] && !b->cc[0])
        return svy_err_set(err, SVY_EINVAL,
                           "second-stage cluster ids need first-stage ids");
    if (b->fc[1] && !b->cc[1])
        return svy_err_set(err, SVY_EINVAL,
                           "second-stage fpc needs second-stage cluster ids");
    if (b->fc[1] && !b->fc[0])
        return svy_err_set(err, SVY_EINVAL,
                           "second-stage fpc needs a first-stage fpc");
    if (b->fc[0] && b->cc[1] && !b->fc[1])
        return svy_err_set(err, SVY_EINVAL,
                           "a two-stage design with an fpc needs it for both "
                           "stages");
    if (b->n >= UINT32_MAX)
        return svy_err_set(err, SVY_EINVAL, "too many rows for a design");
    if ((int)o->lonely < 0 || o->lonely > SVY_LONELY_REMOVE)
        return svy_err_set(err, SVY_EINVAL, "unknown lonely-PSU policy");
    return SVY_OK;
}

/* Strata, PSU and SSU ids of every row as dense indices. */
static svy_status
read_units(struct build *b, svy_err *err)
{
    size_t i, n = b->n;
    svy_status rc;

    b->stratum = svy_mem_calloc(n, sizeof(uint32_t));
    b->psu = svy_mem_alloc(n, sizeof(uint32_t));
    if (!b->stratum || !b->psu)
        return svy_nomem(err);
    b->nstrata = 1;
    if (b->sc && (rc = read_ids(b->t, b->sc, "strata", NULL, b->stratum,
                                &b->nstrata, err)))
        return rc;
    if (n == 0)
        b->nstrata = 0;
    if (b->cc[0]) {
        if ((rc = read_ids(b->t, b->cc[0], "cluster", b->stratum, b->psu,
                           &b->npsu, err)))
            return rc;
    } else {
        for (i = 0; i < n; i++)
            b->psu[i] = (uint32_t)i;
        b->npsu = n;
    }
    if (b->cc[1]) {
        b->ssu = svy_mem_alloc(n, sizeof(uint32_t));
        if (b->ssu == NULL)
            return svy_nomem(err);
        if ((rc = read_ids(b->t, b->cc[1], "cluster", b->psu, b->ssu, &b->nssu,
                           err)))
            return rc;
        if (!b->fc[1]) { /* no stage-2 variance: the SSUs play no part */
            free(b->ssu);
            b->ssu = NULL;
        }
    }
    return SVY_OK;
}

/*
 * Renumber PSUs so that those of a stratum are consecutive (first-seen
 * order), SSUs likewise within PSUs, and order the rows by unit.
 */
static svy_status
order_units(svy_design *d, struct build *b, svy_err *err)
{
    size_t i, n = b->n, nu = b->ssu ? b->nssu : b->npsu;
    uint32_t *pstr = svy_mem_alloc(b->npsu + 1, sizeof(uint32_t));
    uint32_t *pord = svy_mem_alloc(b->npsu + 1, sizeof(uint32_t));
    uint32_t *prank = svy_mem_alloc(b->npsu + 1, sizeof(uint32_t));
    uint32_t *upsu = svy_mem_alloc(nu + 1, sizeof(uint32_t));
    uint32_t *uord = svy_mem_alloc(nu + 1, sizeof(uint32_t));
    uint32_t *urank = svy_mem_alloc(nu + 1, sizeof(uint32_t));
    uint32_t *rowunit = svy_mem_alloc(n + 1, sizeof(uint32_t));
    svy_status rc = SVY_OK;

    d->stratum_psu = svy_mem_alloc(b->nstrata + 1, sizeof(uint32_t));
    d->psu_unit = svy_mem_alloc(b->npsu + 1, sizeof(uint32_t));
    d->unit_pos = svy_mem_alloc(nu + 1, sizeof(uint32_t));
    d->psu_stratum = svy_mem_alloc(b->npsu + 1, sizeof(uint32_t));
    d->order = svy_mem_alloc(n + 1, sizeof(uint32_t));
    if (!pstr || !pord || !prank || !upsu || !uord || !urank || !rowunit ||
        !d->stratum_psu || !d->psu_unit || !d->unit_pos || !d->psu_stratum ||
        !d->order) {
        rc = svy_nomem(err);
        goto out;
    }
    for (i = 0; i < n; i++)
        pstr[b->psu[i]] = b->stratum[i];
    counting_sort(pstr, b->npsu, b->nstrata, pord, d->stratum_psu);
    for (i = 0; i < b->npsu; i++) {
        prank[pord[i]] = (uint32_t)i;
        d->psu_stratum[i] = pstr[pord[i]];
    }
    if (b->ssu) {
        for (i = 0; i < n; i++)
            upsu[b->ssu[i]] = prank[b->psu[i]];
        counting_sort(upsu, nu, b->npsu, uord, d->psu_unit);
        for (i = 0; i < nu; i++)
            urank[uord[i]] = (uint32_t)i;
        for (i = 0; i < n; i++)
            rowunit[i] = urank[b->ssu[i]];
    } else {
        for (i = 0; i <= b->npsu; i++)
            d->psu_unit[i] = (uint32_t)i;
        for (i = 0; i < n; i++)
            rowunit[i] = prank[b->psu[i]];
    }
    counting_sort(rowunit, n, nu, d->order, d->unit_pos);
    for (i = 0; i < n; i++) /* from here on, psu[] holds the new index */
        b->psu[i] = prank[b->psu[i]];
    d->nstrata = b->nstrata;
    d->npsu = b->npsu;
    d->nunit = nu;
    d->stage2 = b->ssu != NULL;
out:
    free(pstr);
    free(pord);
    free(prank);
    free(upsu);
    free(uord);
    free(urank);
    free(rowunit);
    return rc;
}

/* The value of 'c' at 'row' for a message ("1" without the column). */
static const char *
label(const svy_column *c, size_t row, char *buf, size_t size)
{
    char nb[SVY_NUM_BUFSZ];

    if (c == NULL)
        snprintf(buf, size, "%zu", row + 1);
    else
        snprintf(buf, size, "%s", svy_column_format(c, row, nb, NULL));
    return buf;
}

/*
 * Population sizes per stratum (stage 1) and per PSU (stage 2) from the
 * fpc columns, as R's as.fpc: counts when any value exceeds 1 (then all
 * must be >= 1), else sampling fractions n/N.
 */
static svy_status
read_fpc(svy_design *d, struct build *b, double *N1, double *N2, svy_err *err)
{
    size_t i, s, n = b->n;
    int any_big = 0, all_ge1 = 1;
    char lb[64];
    svy_status rc;

    for (s = 0; s < 2; s++) {
        if (!b->fc[s])
            continue;
        b->fpc[s] = svy_mem_alloc(n, sizeof(double));
        if (b->fpc[s] == NULL)
            return svy_nomem(err);
        if ((rc = read_numbers(b->t, b->fc[s], "fpc", b->fpc[s], err)))
            return rc;
        for (i = 0; i < n; i++) {
            if (!(b->fpc[s][i] > 0)) /* R: popsize < sampsize, or Inf */
                return row_err(err, SVY_EDATA, b->t, i,
                               "fpc column '%s' is not positive",
                               svy_column_name(b->fc[s]));
            any_big |= b->fpc[s][i] > 1;
            all_ge1 &= b->fpc[s][i] >= 1;
        }
    }
    if (!b->fc[0])
        return SVY_OK;
    if (any_big != all_ge1)
        return svy_err_set(err, SVY_EDATA,
                           "fpc must be all population counts (>= 1) or all "
                           "sampling fractions (<= 1)%s",
                           any_big ? "" : ", and not all 1");
    for (s = 0; s < 2; s++) {
        double *N = s == 0 ? N1 : N2;
        size_t ngroups = s == 0 ? b->nstrata : b->npsu;

        if (!b->fc[s])
            continue;
        for (i = 0; i < ngroups; i++)
            N[i] = NAN;
        for (i = 0; i < n; i++) {
            size_t g = s == 0 ? b->stratum[i] : b->psu[i];
            double ns =
                s == 0 ? (double)(d->stratum_psu[g + 1] - d->stratum_psu[g])
                       : (double)(d->psu_unit[g + 1] - d->psu_unit[g]);
            double pop = any_big ? b->fpc[s][i] : ns / b->fpc[s][i];

            if (isnan(N[g]))
                N[g] = pop;
            else if (N[g] != pop)
                return row_err(err, SVY_EDATA, b->t, i,
                               "fpc column '%s' varies within %s '%s'",
                               svy_column_name(b->fc[s]),
                               s == 0 ? "stratum" : "PSU",
                               s == 0 ? label(b->sc, i, lb, sizeof(lb))
                                      : label(b->cc[0], i, lb, sizeof(lb)));
            if (pop < ns)
                return row_err(err, SVY_EDATA, b->t, i,
                               "fpc column '%s' implies more than 100%% "
                               "sampling (%.15g sampled of %.15g)",
                               svy_column_name(b->fc[s]), ns, pop);
        }
    }
    return SVY_OK;
}

/* The coefficients of K (see the top of the file) and the lonely checks. */
static svy_status
set_coefs(svy_design *d, struct build *b, const double *N1, const double *N2,
          svy_err *err)
{
    size_t h, p, i;
    uint32_t *first = svy_mem_alloc(d->npsu + 1, sizeof(uint32_t));
    char lb[64], lb2[64];
    svy_status rc = SVY_OK;

    d->str_coef = svy_mem_calloc(d->nstrata + 1, sizeof(double));
    d->str_ctr = svy_mem_calloc(d->nstrata + 1, 1);
    d->ssu_coef = svy_mem_calloc(d->npsu + 1, sizeof(double));
    d->ssu_ctr = svy_mem_calloc(d->npsu + 1, 1);
    d->lonely = svy_mem_calloc(d->nstrata + 1, 1);
    if (!first || !d->str_coef || !d->str_ctr || !d->ssu_coef || !d->ssu_ctr ||
        !d->lonely) {
        rc = svy_nomem(err);
        goto out;
    }
    for (i = b->n; i-- > 0;) /* first row of each PSU, for messages */
        first[b->psu[i]] = (uint32_t)i;
    /*
     * Stage 1, R's onestrat: f = (N - n)/N (1 without fpc); a stratum
     * whose f is below 1e-7 was taken whole and contributes nothing, and
     * that test comes before the lonely-PSU rule; otherwise n > 1 gives
     * f·n/(n - 1) centred, and n = 1 follows the policy.
     */
    for (h = 0; h < d->nstrata; h++) {
        size_t p0 = d->stratum_psu[h], nh = d->stratum_psu[h + 1] - p0;
        double N = N1 ? N1[h] : INFINITY;
        double f = isinf(N) ? 1 : (N - (double)nh) / N;
        double scale = 0;
        int ctr = 0;

        if (f < CENSUS_F) {
            scale = 0;
        } else if (nh > 1) {
            scale = f * (double)nh / (double)(nh - 1);
            ctr = 1;
        } else {
            switch (d->policy) {
            case SVY_LONELY_FAIL:
                rc = svy_err_set(
                    err, SVY_EDATA,
                    "stratum '%s' has only one PSU (lonely PSU): choose "
                    "adjust, average, certainty or remove",
                    label(b->sc, first[p0], lb, sizeof(lb)));
                goto out;
            case SVY_LONELY_ADJUST: scale = f; break;
            case SVY_LONELY_AVERAGE: d->lonely[h] = 1; break;
            case SVY_LONELY_CERTAINTY:
            case SVY_LONELY_REMOVE: break;
            }
        }
        d->str_coef[h] = scale;
        d->str_ctr[h] = (unsigned char)ctr;
    }
    /*
     * Stage 2, R's multistage: every PSU adds the same formula over its
     * SSUs with f2 = (N2 - n2)/N2, times n1/N1 of its stratum, whatever
     * stage 1 did with the stratum.
     */
    for (p = 0; d->stage2 && p < d->npsu; p++) {
        size_t n2 = d->psu_unit[p + 1] - d->psu_unit[p];
        size_t hp = d->psu_stratum[p];
        double mult =
            (double)(d->stratum_psu[hp + 1] - d->stratum_psu[hp]) / N1[hp];
        double f2 = isinf(N2[p]) ? 1 : (N2[p] - (double)n2) / N2[p];
        double b2 = 0;

        if (f2 < CENSUS_F)
            continue;
        if (n2 > 1) {
            b2 = mult * f2 * (double)n2 / (double)(n2 - 1);
            d->ssu_ctr[p] = 1;
        } else {
            switch (d->policy) {
            case SVY_LONELY_FAIL:
                rc = svy_err_set(
                    err, SVY_EDATA,
                    "PSU '%s' in stratum '%s' has only one SSU (lonely PSU "
                    "at stage 2): choose adjust, average, certainty or remove",
                    label(b->cc[0], first[p], lb, sizeof(lb)),
                    label(b->sc, first[p], lb2, sizeof(lb2)));
                goto out;
            case SVY_LONELY_ADJUST: b2 = mult * f2; break;
            case SVY_LONELY_AVERAGE: d->nan_var = 1; break;
            case SVY_LONELY_CERTAINTY:
            case SVY_LONELY_REMOVE: break;
            }
        }
        d->ssu_coef[p] = b2;
    }
out:
    free(first);
    return rc;
}

/*
 * R's degf(design): PSUs minus strata, counting only units that hold a
 * row of non-zero weight (weights(design) != 0).
 */
static void
set_degf(svy_design *d)
{
    size_t h, p, npsu = 0, nstr = 0;

    for (h = 0; h < d->nstrata; h++) {
        size_t k = 0;

        for (p = d->stratum_psu[h]; p < d->stratum_psu[h + 1]; p++) {
            size_t u, r;
            int any = 0;

            for (u = d->psu_unit[p]; u < d->psu_unit[p + 1] && !any; u++)
                for (r = d->unit_pos[u]; r < d->unit_pos[u + 1] && !any; r++)
                    any = d->w[d->order[r]] != 0;
            k += any;
        }
        npsu += k;
        nstr += k > 0;
    }
    d->degf = (double)npsu - (double)nstr;
}

svy_status
svy_design_new(svy_design **out, const svy_table *t,
               const svy_design_opts *opts, svy_err *err)
{
    static const svy_design_opts none = {0};
    struct build b;
    svy_design *d = NULL;
    double *N1 = NULL, *N2 = NULL;
    svy_status rc;
    size_t i, runs;

    *out = NULL;
    memset(&b, 0, sizeof(b));
    if (opts == NULL)
        opts = &none;
    b.t = t;
    b.n = svy_table_nrows(t);
    if ((rc = check_opts(&b, opts, err)))
        goto out;
    d = calloc(1, sizeof(*d));
    if (d == NULL || pthread_mutex_init(&d->mu, NULL) != 0) {
        free(d);
        d = NULL;
        rc = svy_nomem(err);
        goto out;
    }
    d->n = b.n;
    d->policy = opts->lonely;
    d->w = svy_mem_alloc(b.n + 1, sizeof(double));
    if (d->w == NULL) {
        rc = svy_nomem(err);
        goto out;
    }
    if (b.wc) {
        if ((rc = read_numbers(t, b.wc, "weight", d->w, err)))
            goto out;
        for (i = 0; i < b.n; i++)
            if (d->w[i] < 0) {
                rc = row_err(err, SVY_EDATA, t, i,
                             "weight column '%s' is negative",
                             svy_column_name(b.wc));
                goto out;
            }
    }
    if ((rc = read_units(&b, err)) || (rc = order_units(d, &b, err)))
        goto out;
    if (b.cc[0] && b.npsu == 1) {
        rc = svy_err_set(err, SVY_EDATA,
                         "the design has only one primary sampling unit");
        goto out;
    }
    N1 = svy_mem_alloc(b.nstrata + 1, sizeof(double));
    N2 = svy_mem_alloc(b.npsu + 1, sizeof(double));
    if (!N1 || !N2) {
        rc = svy_nomem(err);
        goto out;
    }
    if ((rc = read_fpc(d, &b, N1, N2, err)))
        goto out;
    /*
     * Without a weight column, R derives the weights from the fpc
     * (weights(fpc) = Π popsize/sampsize over the stages) or, without an
     * fpc either, takes them as 1.
     */
    if (!b.wc)
        for (i = 0; i < b.n; i++) {
            size_t p = b.psu[i], h = b.stratum[i];

            d->w[i] = 1;
            if (b.fc[0])
                d->w[i] *=
                    N1[h] / (double)(d->stratum_psu[h + 1] - d->stratum_psu[h]);
            if (b.fc[1])
                d->w[i] *=
                    N2[p] / (double)(d->psu_unit[p + 1] - d->psu_unit[p]);
        }
    for (i = 0; i < b.n && !d->zero_w; i++)
        d->zero_w = d->w[i] == 0;
    if ((rc = set_coefs(d, &b, b.fc[0] ? N1 : NULL, N2, err)))
        goto out;
    d->row_psu = b.cc[0] == NULL;
    set_degf(d);
    /* PSUs as runs of consecutive rows: a new run at every change */
    for (i = 0, runs = 0; i < b.n; i++)
        runs += i == 0 || b.psu[i] != b.psu[i - 1];
    if (runs == d->npsu && !d->stage2 && b.n > 0) {
        d->run_pos = svy_mem_alloc(runs + 1, sizeof(uint32_t));
        d->run_psu = svy_mem_alloc(runs + 1, sizeof(uint32_t));
        d->psu_run = svy_mem_alloc(runs + 1, sizeof(uint32_t));
        if (!d->run_pos || !d->run_psu || !d->psu_run) {
            rc = svy_nomem(err);
            goto out;
        }
        for (i = 0, runs = 0; i < b.n; i++)
            if (i == 0 || b.psu[i] != b.psu[i - 1]) {
                d->run_pos[runs] = (uint32_t)i;
                d->psu_run[b.psu[i]] = (uint32_t)runs;
                d->run_psu[runs++] = b.psu[i];
            }
        d->run_pos[runs] = (uint32_t)b.n;
    }
    *out = d;
    d = NULL;
out:
    free(N1);
    free(N2);
    build_release(&b);
    svy_design_free(d);
    return rc;
}

/*
 * The order's weights and ranks cost two arrays of n and a pass that
 * writes all over one of them: built when a call first needs them, not
 * for the proportions of a file whose PSUs are runs of rows.  'd' is
 * const to its callers; these are a cache behind its lock.
 */
svy_status
svy_design_ordered(const svy_design *cd, svy_err *err)
{
    svy_design *d = (svy_design *)cd;
    svy_status rc = SVY_OK;

    pthread_mutex_lock(&d->mu);
    if (d->rank == NULL) {
        double *w = svy_mem_alloc(d->n + 1, sizeof(double));
        uint32_t *rank = svy_mem_alloc(d->n + 1, sizeof(uint32_t));

        if (w == NULL || rank == NULL) {
            free(w);
            free(rank);
            rc = svy_nomem(err);
        } else {
            for (size_t i = 0; i < d->n; i++) {
                w[i] = d->w[d->order[i]];
                rank[d->order[i]] = (uint32_t)i;
            }
            d->w_ord = w;
            d->rank = rank;
        }
    }
    pthread_mutex_unlock(&d->mu);
    return rc;
}

size_t
svy_design_nrows(const svy_design *d)
{
    return d->n;
}

size_t
svy_design_nstrata(const svy_design *d)
{
    return d->nstrata;
}

size_t
svy_design_npsu(const svy_design *d)
{
    return d->npsu;
}

double
svy_design_degf(const svy_design *d)
{
    return d->degf;
}

const double *
svy_design_weights(const svy_design *d)
{
    return d->w;
}

/* Calibration set-up. */

/*
 * Replace the symmetric n×n matrix A by its pseudo-inverse (GSL's SVD;
 * singular values below SV_CUTOFF of the largest dropped).  X'ΩX is
 * singular by construction: the intercept equals the sum of each
 * margin's indicators, and the projection does not depend on which
 * generalized inverse is used.
 */
static svy_status
pinv(double *A, size_t n, svy_err *err)
{
    gsl_matrix *M = gsl_matrix_alloc(n, n), *V = gsl_matrix_alloc(n, n);
    gsl_vector *S = gsl_vector_alloc(n), *work = gsl_vector_alloc(n);
    svy_status rc = SVY_OK;
    size_t i, j, k;
    int gs;

    if (!M || !V || !S || !work) {
        rc = svy_nomem(err);
        goto out;
    }
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            gsl_matrix_set(M, i, j, A[i * n + j]);
    if ((gs = gsl_linalg_SV_decomp(M, V, S, work)) != GSL_SUCCESS) {
        rc = svy_err_set(err, SVY_ENUMERIC,
                         "calibration margins: singular value "
                         "decomposition: %s",
                         gsl_strerror(gs));
        goto out;
    }
    for (i = 0; i < n; i++) /* A⁺ = V S⁺ U' */
        for (j = 0; j < n; j++) {
            double s = 0, smax = gsl_vector_get(S, 0);

            for (k = 0; k < n; k++) {
                double sk = gsl_vector_get(S, k);

                if (sk > SV_CUTOFF * smax)
                    s += gsl_matrix_get(V, i, k) * gsl_matrix_get(M, j, k) / sk;
            }
            A[i * n + j] = s;
        }
out:
    gsl_matrix_free(M);
    gsl_matrix_free(V);
    gsl_vector_free(S);
    gsl_vector_free(work);
    return rc;
}

/*
 * Code the rows by margin 'spec' ("a" or "a*b*c"): each variable refines
 * the code of the previous ones, keyed by (code so far, value), so a joint
 * margin's categories are the combinations present.  Missing values are
 * refused, as R's rake() does (na.fail).
 */
static svy_status
code_margin(const svy_table *t, const char *spec, uint32_t *code, size_t *nlev,
            svy_err *err)
{
    size_t i, n = svy_table_nrows(t);
    char *names = svy_mem_strdup(spec), *s, *save = NULL;
    uint32_t *prev = NULL;
    svy_status rc = SVY_OK;

    if (names == NULL || !(prev = svy_mem_calloc(n + 1, sizeof(uint32_t)))) {
        rc = svy_nomem(err);
        goto out;
    }
    for (s = strtok_r(names, "*", &save); s; s = strtok_r(NULL, "*", &save)) {
        const svy_column *c;

        if ((rc = svy_dcol_find(t, s, "calibration", &c, err)))
            goto out;
        for (i = 0; i < n; i++)
            if (svy_dcol_missing(c, i)) {
                rc = row_err(err, SVY_EDATA, t, i,
                             "calibration variable '%s' is empty", s);
                goto out;
            }
        if ((rc = read_ids(t, c, "calibration", prev, code, nlev, err)))
            goto out;
        memcpy(prev, code, n * sizeof(uint32_t));
    }
out:
    free(names);
    free(prev);
    return rc;
}

static void
cal_free(struct svy_cal *c)
{
    if (c == NULL)
        return;
    free(c->moff);
    free(c->code);
    free(c->xnum);
    free(c->rho);
    free(c->P);
    free(c->kmm);
    free(c);
}

svy_status
svy_design_set_calibration(svy_design *d, const svy_table *t,
                           const svy_design_margin *mg, size_t nm,
                           const svy_calvar_opts *opts, svy_err *err)
{
    static const svy_calvar_opts none = {0};
    struct svy_cal *c = NULL;
    size_t n = d->n, i, m, k, J, nnum = 0, ncat = 0;
    uint32_t *tmp = NULL;
    double *base = NULL;
    struct svy_acc *a = NULL;
    struct svy_job jb;
    svy_status rc = SVY_OK;

    if (opts == NULL)
        opts = &none;
    cal_free(d->cal);
    d->cal = NULL;
    if (nm == 0)
        return SVY_OK;
    if (svy_table_nrows(t) != n)
        return svy_err_set(err, SVY_EINVAL,
                           "calibration: the table has %zu rows, the design "
                           "%zu",
                           svy_table_nrows(t), n);
    for (m = 0; m < nm; m++) {
        if (mg[m].numeric && opts->method == SVY_CALVAR_RAKE)
            return svy_err_set(err, SVY_EINVAL,
                               "calibration: numeric margin '%s' needs the "
                               "GREG rule, not raking",
                               mg[m].var);
        nnum += mg[m].numeric != 0;
    }
    ncat = nm - nnum;
    c = calloc(1, sizeof(*c));
    if (c == NULL || !(c->moff = svy_mem_calloc(ncat + 1, sizeof(size_t))) ||
        !(c->code = svy_mem_alloc(n * ncat + 1, sizeof(uint32_t))) ||
        !(c->xnum = svy_mem_alloc(n * nnum + 1, sizeof(double))) ||
        !(c->rho = svy_mem_alloc(n + 1, sizeof(double))) ||
        !(tmp = svy_mem_alloc(n + 1, sizeof(uint32_t)))) {
        rc = svy_nomem(err);
        goto out;
    }
    c->method = opts->method;
    c->ncat = ncat;
    c->nnum = nnum;
    c->icept = opts->method == SVY_CALVAR_GREG;
    c->moff[0] = c->icept;
    for (m = 0, k = 0; m < nm; m++) {
        size_t nlev = 0;

        if (mg[m].numeric)
            continue;
        if ((rc = code_margin(t, mg[m].var, tmp, &nlev, err)))
            goto out;
        for (i = 0; i < n; i++)
            c->code[i * ncat + k] = (uint32_t)(c->moff[k] + tmp[i]);
        c->moff[k + 1] = c->moff[k] + nlev;
        k++;
    }
    for (m = 0, k = 0; m < nm; m++) {
        const svy_column *col;
        double *v = svy_mem_alloc(n + 1, sizeof(double));

        if (!mg[m].numeric) {
            free(v);
            continue;
        }
        if (v == NULL) {
            rc = svy_nomem(err);
            goto out;
        }
        if ((rc = svy_dcol_find(t, mg[m].var, "calibration", &col, err)) ||
            (rc = read_numbers(t, col, "calibration", v, err))) {
            free(v);
            goto out;
        }
        for (i = 0; i < n; i++)
            c->xnum[i * nnum + k] = v[i];
        free(v);
        k++;
    }
    c->J = J = c->moff[ncat] + nnum;
    if (opts->base_weight && opts->method == SVY_CALVAR_GREG) {
        const svy_column *col;

        if (!(base = svy_mem_alloc(n + 1, sizeof(double)))) {
            rc = svy_nomem(err);
            goto out;
        }
        if ((rc = svy_dcol_find(t, opts->base_weight, "base weight", &col,
                                err)) ||
            (rc = read_numbers(t, col, "base weight", base, err)))
            goto out;
        for (i = 0; i < n; i++)
            if (d->w[i] > 0 && !(base[i] > 0)) {
                rc = row_err(err, SVY_EDATA, t, i,
                             "base weight column '%s' is not positive",
                             opts->base_weight);
                goto out;
            }
    }
    /*
     * ρ and the regression cross-products X'ΩX (Ω = 1 for RAKE, whose
     * X'X holds the group sizes and the margins' crosstab counts that the
     * backfitting needs).  Rows of weight 0 take no part: in R they would
     * make u = z/w undefined.
     */
    if (c->icept + ncat + nnum > 64) {
        rc = svy_err_set(err, SVY_EINVAL, "calibration: more than 63 margins");
        goto out;
    }
    c->P = svy_mem_calloc(J * J + 1, sizeof(double));
    if (c->P == NULL) {
        rc = svy_nomem(err);
        goto out;
    }
    for (i = 0; i < n; i++) {
        double w = d->w[i], om;
        size_t cols[64], nc = 0, x, y;
        double xv[64];

        if (w == 0) {
            c->rho[i] = 0;
            continue;
        }
        om = c->method == SVY_CALVAR_RAKE ? 1 : (base ? base[i] : w);
        c->rho[i] = om / w;
        if (c->icept) {
            cols[nc] = 0;
            xv[nc++] = 1;
        }
        for (m = 0; m < ncat; m++) {
            cols[nc] = c->code[i * ncat + m];
            xv[nc++] = 1;
        }
        for (m = 0; m < nnum; m++) {
            cols[nc] = c->moff[ncat] + m;
            xv[nc++] = c->xnum[i * nnum + m];
        }
        for (x = 0; x < nc; x++)
            for (y = 0; y < nc; y++)
                c->P[cols[x] * J + cols[y]] += om * xv[x] * xv[y];
    }
    if (c->method == SVY_CALVAR_GREG && (rc = pinv(c->P, J, err)))
        goto out;
    /*
     * The M×M block of K: a pass with no cells and no domains; the same
     * for every later estimate, so each pass can skip those products.
     */
    d->cal = c;
    memset(&jb, 0, sizeof(jb));
    jb.kind = SVY_KIND_CALONLY;
    jb.K = jb.D = 0;
    jb.mode = SVY_KMODE_FULL;
    rc = svy_lin_run_pass(d, &jb, &a, err);
    d->cal = NULL;
    if (rc)
        goto out;
    if (!(c->kmm = svy_mem_alloc(J * J + 1, sizeof(double)))) {
        rc = svy_nomem(err);
        goto out;
    }
    for (i = 0; i < J; i++)
        for (k = 0; k < J; k++)
            c->kmm[i * J + k] = svy_lin_kget(a, i, k);
    d->cal = c;
    c = NULL;
out:
    svy_lin_acc_free(a);
    free(tmp);
    free(base);
    cal_free(c);
    return rc;
}
