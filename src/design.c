/*
 * design.c - survey designs and Taylor-linearization variances (see
 * design.h for the contract).
 *
 * Method.  Every estimate here is a smooth function of weighted totals, so
 * its linearized ("influence") value for row i is a linear combination of
 * a few per-row features: t_c = w·[row in cell c] (or w·y) and
 * u_j = w·[row valid in domain j] (or w·x for a ratio).  A proportion
 * p = T_c/U_j has z_i = (t_ic - p·u_ij)/U_j (Binder 1983; Lumley 2010,
 * ch. 2).  R's svyrecvar computes, for each estimate, the PSU totals of z
 * and their centred sum of squares within strata.  Because z = L·f is
 * linear in the feature vector f, that variance is L·K·L' where
 *     K = Σ_h s_h [Σ_{psu in h} (f_psu - f̄_h)(f_psu - f̄_h)']
 *         + Σ_psu (n1/N1)·s2_psu [Σ_{ssu in psu} (f_ssu - f̄_psu)(...)']
 * (s the with-replacement scale f·n/(n-1), f̄ a group's mean) does not
 * depend on the estimates at all.  So one pass over the rows, grouped by
 * stratum, PSU and SSU, accumulates K (sparse products of unit totals: a
 * row touches one cell and one domain) and the linear sums; then every
 * proportion, total, covariance between domains and the covariance matrix
 * the Rao-Scott test needs is a small quadratic form.  A question of 6
 * categories against a banner of 9 domains is one pass, not 54.  Lonely
 * PSUs, certainty strata (f < 1e-7, R's rule) and the stage-2 term only
 * change the coefficients of K, which svy_design_new computes once.
 *
 * Which entries of K a call keeps is its mode (enum kmode): a cell's own
 * variance needs only a band (the cell with itself and with its domain),
 * O(nnz) per unit; covariances between domains and the Rao-Scott matrix
 * need O(nnz²).  Designs without calibration take fast_pass: three
 * sequential sweeps that form deviations of unit totals from their group
 * means directly, as R does.  Calibrated designs take run_pass, which
 * also carries the M columns and shifts every unit by its group's first
 * unit before the products (sgrp_member).  Both give exact zeros where R
 * does (stratum shares of a stratified design) instead of the rounding
 * noise of Σff' - SS'/n.
 *
 * Domains keep every PSU (rows outside contribute zero to f), as svyby;
 * R's subset designs pad absent PSUs with zeros, which is the same.  The
 * AVERAGE policy's factor (strata present / strata with 2+ PSUs) depends
 * on the domain, so it is applied per quantity.
 *
 * Calibration (Deville and Särndal 1992; R's svyrecvar postStrata): the
 * value z_i is replaced by w_i(u_i - X_i'a) with u = z/w, so a unit's
 * total becomes L·f - a'M with M_unit = Σ w X (one entry per margin for a
 * row), and a is linear in L: a = P·Z'L, where Z = Σ_i ρ_i X_i f_i' is
 * accumulated in the same pass.  GREG: P = (X'ΩX)⁺ (GSL's SVD), ρ = ω/w.
 * RAKE: a comes from R's ten backfitting sweeps on the group sums Z'L,
 * using the crosstab X'X of the margins, ρ = 1/w.  K gains M columns;
 * the M×M block is the same for every estimate and is computed once.
 *
 * Ids are mapped to dense indices by an open-addressing hash of their
 * value (text bytes or the double), chained on the parent index so that
 * PSUs nest in strata and SSUs in PSUs; then a counting sort orders rows
 * by unit.  A call costs O(rows) plus O(PSUs · nnz) (or nnz²) plus
 * O(cells²) for the Rao-Scott matrix.
 *
 * References: Binder, D.A. (1983), On the variances of asymptotically
 * normal estimators from complex surveys, ISR 51, 279-292; Lumley, T.
 * (2010), Complex Surveys, Wiley; Rao, J.N.K. and Scott, A.J. (1984),
 * Annals of Statistics 12, 46-60; Korn, E.L. and Graubard, B.I. (1998),
 * Survey Methodology 24, 193-201; R package survey 4.1 (svyrecvar,
 * multistage, onestage, onestrat).
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

#include "svy/mem.h"
#include "svy/num.h"

#define CENSUS_F 1e-7   /* R's onestrat: all f below this contributes 0 */
#define RAKE_SWEEPS 10  /* R's svyrecvar: for (iterations in 1:10) */
#define FULL_CELLS 1024 /* most cells whose every covariance is kept */
#define SV_CUTOFF 1e-10 /* singular values dropped in GREG's (X'ΩX)⁺ */

static svy_status
nomem(svy_err *err)
{
    return svy_err_set(err, SVY_ENOMEM, "out of memory");
}

static svy_status row_err(svy_err *err, svy_status code, const svy_table *t,
                          size_t row, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* "line L: what" (or "row R: what" for tables built in memory). */
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
    return svy_err_set(err, code, "line %zu: %s", line, what);
}

/* Keys: a hash map from (parent index, cell value) to a dense group id. */

struct keymap {
    uint32_t *slot; /* group id + 1, 0 when empty */
    size_t cap;     /* power of two */
    size_t n;       /* groups */
    size_t gcap;
    uint64_t *hash; /* per group */
    uint32_t *parent;
    uint32_t *row; /* first row of the group */
};

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

static void
keymap_release(struct keymap *m)
{
    free(m->slot);
    free(m->hash);
    free(m->parent);
    free(m->row);
    memset(m, 0, sizeof(*m));
}

static int
keymap_init(struct keymap *m, size_t expect)
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
keymap_grow(struct keymap *m)
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
static long
keymap_get(struct keymap *m, const svy_column *c, size_t row, uint32_t parent)
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

/* Design. */

struct cal {
    svy_calvar method;
    size_t ncat, nnum; /* categorical margins, numeric auxiliaries */
    size_t J;          /* regression columns */
    size_t icept;      /* 1 when column 0 is GREG's intercept */
    size_t *moff;      /* ncat + 1: first column of each margin */
    uint32_t *code;    /* n × ncat: the row's column for each margin */
    double *xnum;      /* n × nnum */
    double *rho;       /* n: ω/w (GREG) or 1/w (RAKE), 0 when w = 0 */
    double *P;         /* J × J: (X'ΩX)⁺ (GREG) or the counts X'X (RAKE) */
    double *kmm;       /* J × J: the M×M block of K, full */
};

struct svy_design {
    size_t n;
    double *w;
    uint32_t *order; /* rows grouped by stratum, PSU, SSU */
    double *w_ord;   /* the weights in that order */
    size_t nstrata, npsu, nunit;
    uint32_t *stratum_psu; /* nstrata + 1: first PSU of each stratum */
    uint32_t *psu_unit;    /* npsu + 1: first unit of each PSU */
    uint32_t *unit_pos;    /* nunit + 1: first position in 'order' */
    uint32_t *psu_stratum;
    double *str_coef;       /* stage 1: scale of each stratum's PSUs */
    unsigned char *str_ctr; /* centred at the stratum mean (not lonely) */
    double *ssu_coef;       /* stage 2: scale of each PSU's SSUs */
    unsigned char *ssu_ctr; /* centred at the PSU mean */
    unsigned char *lonely;  /* stratum left out under AVERAGE */
    int stage2;             /* units are SSUs */
    int row_psu;            /* each row is its own PSU (no cluster ids) */
    int nan_var;            /* AVERAGE with a lonely SSU: NaN, as R */
    double degf;
    svy_lonely policy;
    struct cal *cal;
};

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

static svy_status
find_col(const svy_table *t, const char *name, const char *what,
         const svy_column **out, svy_err *err)
{
    *out = svy_table_find(t, name);
    if (*out == NULL)
        return svy_err_set(err, SVY_EINVAL, "%s column '%s' not found", what,
                           name);
    return SVY_OK;
}

/* System missing only: design variables have no user-missing codes. */
static int
cell_missing(const svy_column *c, size_t row)
{
    if (svy_column_type(c) == SVY_NUM)
        return isnan(svy_column_num(c, row));
    return svy_column_text(c, row)[0] == '\0';
}

/* The number in cell 'row', parsing text; 0 when empty or not a number. */
static int
cell_number(const svy_column *c, size_t row, double *v)
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
    size_t i, n = svy_table_nrows(t);
    char buf[SVY_NUM_BUFSZ];

    for (i = 0; i < n; i++) {
        if (cell_missing(c, i))
            return row_err(err, SVY_EDATA, t, i, "%s column '%s' is empty",
                           what, svy_column_name(c));
        if (!cell_number(c, i, &out[i]) || !isfinite(out[i]))
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
    struct keymap m;
    svy_status rc = SVY_OK;

    if (keymap_init(&m, 64))
        return nomem(err);
    for (i = 0; i < n; i++) {
        long g;

        if (cell_missing(c, i)) {
            rc = row_err(err, SVY_EDATA, t, i, "%s column '%s' is empty", what,
                         svy_column_name(c));
            goto out;
        }
        g = keymap_get(&m, c, i, parent ? parent[i] : 0);
        if (g < 0) {
            rc = nomem(err);
            goto out;
        }
        out[i] = (uint32_t)g;
    }
    *ngroups = m.n;
out:
    keymap_release(&m);
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
    free(d->w);
    free(d->w_ord);
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

    if (o->weight && (rc = find_col(b->t, o->weight, "weight", &b->wc, err)))
        return rc;
    if (o->strata && (rc = find_col(b->t, o->strata, "strata", &b->sc, err)))
        return rc;
    for (s = 0; s < 2; s++) {
        if (o->cluster[s] &&
            (rc = find_col(b->t, o->cluster[s], "cluster", &b->cc[s], err)))
            return rc;
        if (o->fpc[s] &&
            (rc = find_col(b->t, o->fpc[s], "fpc", &b->fc[s], err)))
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
        return nomem(err);
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
            return nomem(err);
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
        rc = nomem(err);
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
            return nomem(err);
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
        rc = nomem(err);
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
    size_t i;

    *out = NULL;
    memset(&b, 0, sizeof(b));
    if (opts == NULL)
        opts = &none;
    b.t = t;
    b.n = svy_table_nrows(t);
    if ((rc = check_opts(&b, opts, err)))
        goto out;
    d = calloc(1, sizeof(*d));
    if (d == NULL) {
        rc = nomem(err);
        goto out;
    }
    d->n = b.n;
    d->policy = opts->lonely;
    d->w = svy_mem_alloc(b.n + 1, sizeof(double));
    if (d->w == NULL) {
        rc = nomem(err);
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
        rc = nomem(err);
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
    if ((rc = set_coefs(d, &b, b.fc[0] ? N1 : NULL, N2, err)))
        goto out;
    d->row_psu = b.cc[0] == NULL;
    set_degf(d);
    if ((d->w_ord = svy_mem_alloc(b.n + 1, sizeof(double))) == NULL) {
        rc = nomem(err);
        goto out;
    }
    for (i = 0; i < b.n; i++)
        d->w_ord[i] = d->w[d->order[i]];
    *out = d;
    d = NULL;
out:
    free(N1);
    free(N2);
    build_release(&b);
    svy_design_free(d);
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

/* Factors. */

struct svy_factor {
    size_t n, nlevels;
    int *codes;
    char **levels;
};

void
svy_factor_free(svy_factor *f)
{
    size_t k;

    if (f == NULL)
        return;
    for (k = 0; k < f->nlevels; k++)
        free(f->levels[k]);
    free(f->levels);
    free(f->codes);
    free(f);
}

size_t
svy_factor_nlevels(const svy_factor *f)
{
    return f->nlevels;
}

const char *
svy_factor_level(const svy_factor *f, size_t k)
{
    return k < f->nlevels ? f->levels[k] : NULL;
}

const int *
svy_factor_codes(const svy_factor *f)
{
    return f->codes;
}

size_t
svy_factor_nrows(const svy_factor *f)
{
    return f->n;
}

/*
 * Missing for estimation: the caller's mask, an empty cell, or a
 * user-missing code unless the caller keeps those (--base all).
 */
static int
is_missing(const svy_column *c, size_t row, const unsigned char *mask,
           int flags)
{
    svy_missing m;

    if (mask && mask[row])
        return 1;
    m = svy_column_missing(c, row);
    return m == SVY_MISS_SYSTEM ||
           (m == SVY_MISS_USER && !(flags & SVY_FACTOR_KEEP_USER_MISSING));
}

/* Level sorting: numbers by value, else text by bytes. */
struct lev {
    size_t group;
    double num;
    const char *text;
    int numeric; /* the same in every level: all levels are numbers */
};

static int
lev_cmp(const void *pa, const void *pb)
{
    const struct lev *a = pa, *b = pb;
    int c;

    if (a->numeric && a->num != b->num)
        return a->num < b->num ? -1 : 1;
    c = strcmp(a->text, b->text);
    return c ? c : (a->group < b->group ? -1 : a->group > b->group);
}

svy_status
svy_factor_new(svy_factor **out, const svy_table *t, const char *col,
               const unsigned char *missing, int flags, svy_err *err)
{
    const svy_column *c;
    svy_factor *f = NULL;
    struct keymap m;
    struct lev *lv = NULL;
    size_t *rank = NULL, i, n = svy_table_nrows(t);
    char buf[SVY_NUM_BUFSZ];
    svy_status rc = SVY_OK;
    int allnum = 1;

    *out = NULL;
    memset(&m, 0, sizeof(m));
    if ((rc = find_col(t, col, "variable", &c, err)))
        return rc;
    f = calloc(1, sizeof(*f));
    if (f == NULL || keymap_init(&m, 64) ||
        !(f->codes = svy_mem_alloc(n + 1, sizeof(int)))) {
        rc = nomem(err);
        goto out;
    }
    f->n = n;
    for (i = 0; i < n; i++) {
        long g;

        if (is_missing(c, i, missing, flags)) {
            f->codes[i] = -1;
            continue;
        }
        if ((g = keymap_get(&m, c, i, 0)) < 0) {
            rc = nomem(err);
            goto out;
        }
        f->codes[i] = (int)g;
    }
    lv = svy_mem_alloc(m.n + 1, sizeof(*lv));
    rank = svy_mem_alloc(m.n + 1, sizeof(size_t));
    f->levels = svy_mem_calloc(m.n + 1, sizeof(char *));
    if (!lv || !rank || !f->levels) {
        rc = nomem(err);
        goto out;
    }
    for (i = 0; i < m.n; i++) {
        lv[i].group = i;
        if (!cell_number(c, m.row[i], &lv[i].num))
            allnum = 0;
        lv[i].text = svy_column_format(c, m.row[i], buf, NULL);
        if ((f->levels[i] = svy_mem_strdup(lv[i].text)) == NULL) {
            rc = nomem(err);
            goto out;
        }
        lv[i].text = f->levels[i];
    }
    f->nlevels = m.n;
    for (i = 0; i < m.n; i++)
        lv[i].numeric = allnum;
    qsort(lv, m.n, sizeof(*lv), lev_cmp);
    for (i = 0; i < m.n; i++)
        rank[lv[i].group] = i;
    for (i = 0; i < m.n; i++) /* levels in sorted order */
        f->levels[i] = (char *)lv[i].text;
    for (i = 0; i < n; i++)
        if (f->codes[i] >= 0)
            f->codes[i] = (int)rank[f->codes[i]];
    *out = f;
    f = NULL;
out:
    keymap_release(&m);
    free(lv);
    free(rank);
    svy_factor_free(f);
    return rc;
}

svy_status
svy_factor_from_codes(svy_factor **out, const int *codes, size_t n,
                      const char *const *labels, size_t nlevels, svy_err *err)
{
    svy_factor *f = calloc(1, sizeof(*f));
    size_t i;

    *out = NULL;
    if (f == NULL)
        return nomem(err);
    f->n = n;
    f->codes = svy_mem_alloc(n + 1, sizeof(int));
    f->levels = svy_mem_calloc(nlevels + 1, sizeof(char *));
    if (!f->codes || !f->levels) {
        svy_factor_free(f);
        return nomem(err);
    }
    for (i = 0; i < nlevels; i++) {
        f->levels[i] = svy_mem_strdup(labels[i] ? labels[i] : "");
        f->nlevels = i + 1;
        if (f->levels[i] == NULL) {
            svy_factor_free(f);
            return nomem(err);
        }
    }
    for (i = 0; i < n; i++) {
        if (codes[i] < -1 || codes[i] >= (long)nlevels) {
            svy_factor_free(f);
            return svy_err_set(err, SVY_EINVAL,
                               "row %zu: code %d out of range 0..%zu", i + 1,
                               codes[i], nlevels);
        }
        f->codes[i] = codes[i];
    }
    *out = f;
    return SVY_OK;
}

svy_status
svy_design_values(double **out, const svy_table *t, const char *col,
                  const unsigned char *missing, int flags, svy_err *err)
{
    const svy_column *c;
    size_t i, n = svy_table_nrows(t);
    double *v;
    svy_status rc;

    *out = NULL;
    if ((rc = find_col(t, col, "variable", &c, err)))
        return rc;
    if ((v = svy_mem_alloc(n + 1, sizeof(double))) == NULL)
        return nomem(err);
    for (i = 0; i < n; i++)
        if (is_missing(c, i, missing, flags) || !cell_number(c, i, &v[i]))
            v[i] = NAN;
    *out = v;
    return SVY_OK;
}

/* The pass: accumulate K, Z and the linear sums for one estimation job. */

enum kind { KIND_PROPS, KIND_MEANS, KIND_RATIOS, KIND_CALONLY };

/*
 * How much of K a pass accumulates.  Every mode keeps what one cell's
 * variance needs (t_c with itself and its domain's u, u with itself, and
 * everything with the calibration columns M); COV adds the covariances
 * between domains (same category: column tests); FULL adds every pair of
 * cells (the Rao-Scott test).  The cost per unit grows from O(nnz) to
 * O(nnz²), which is what clustered designs of many rows per PSU pay.
 */
enum kmode { KMODE_DIAG, KMODE_COV, KMODE_FULL };

struct job {
    enum kind kind;
    const int *var; /* KIND_PROPS */
    size_t K;       /* categories (1 otherwise) */
    const double *y, *x;
    const int *by;
    size_t D; /* domains (1 without 'by') */
    const unsigned char *subset;
    int mode; /* which covariances K keeps: enum kmode */
};

/* A sparse vector over the features, with its list of touched entries. */
struct svec {
    double *val;
    uint32_t *idx;
    unsigned char *on;
    size_t nnz;
};

struct acc {
    size_t K, D, C, Fq, J, F, XD; /* XD = D + J */
    int mode;
    uint32_t *part;    /* 3 × F scratch: a vector's t, u and M entries */
    uint32_t *ck, *cj; /* category and domain of each cell (no division) */
    double *kf;        /* full: F × F, upper triangle */
    double *ktt;       /* block: K × D × D (same category) */
    double *ktx;       /* block: C × XD */
    double *kxx;       /* block: XD × XD */
    double *Z;         /* J × Fq */
    /* per cell: Σ of t, rows */
    double *T, *Tn;
    /* per domain (the last, index D, is the union of the domains): Σ u,
     * rows, Σ w², shifted Σ w(y-y0) and Σ w(y-y0)², rows in the domain
     * (valid or not), their Σ w, PSUs and strata holding them */
    double *U, *Un, *U2, *S1, *S2, *rows, *wsum, *npsu, *nstr;
    double *present, *lonelyp;
    double rows_sub, npsu_sub, nstr_sub, shift;
    int have_shift;
    struct svec sv[7]; /* see run_pass */
};

static void
acc_free(struct acc *a)
{
    int s;

    if (a == NULL)
        return;
    free(a->part);
    free(a->ck);
    free(a->kf);
    free(a->ktt);
    free(a->ktx);
    free(a->kxx);
    free(a->Z);
    free(a->T); /* every linear sum lives in this block */
    for (s = 0; s < 7; s++) {
        free(a->sv[s].val);
        free(a->sv[s].idx);
        free(a->sv[s].on);
    }
    free(a);
}

/*
 * The accumulator of one call: K in the layout of its mode, Z, and every
 * linear sum in one block (so a call costs a handful of allocations).
 */
static struct acc *
acc_new(const struct job *jb, size_t J)
{
    struct acc *a = calloc(1, sizeof(*a));
    size_t D1, s;

    if (a == NULL)
        return NULL;
    a->K = jb->K;
    a->D = jb->D;
    a->C = jb->K * jb->D;
    a->Fq = a->C + a->D;
    a->J = J;
    a->F = a->Fq + J;
    a->XD = a->D + J;
    a->mode = jb->mode;
    D1 = a->D + 1;
    a->part = svy_mem_alloc(3 * a->F + 1, sizeof(uint32_t));
    a->ck = svy_mem_alloc(2 * a->C + 1, sizeof(uint32_t));
    if (a->part == NULL || a->ck == NULL)
        goto fail;
    a->cj = a->ck + a->C;
    for (s = 0; s < a->C; s++) {
        a->ck[s] = (uint32_t)(s % a->K);
        a->cj[s] = (uint32_t)(s / a->K);
    }
    if (a->mode == KMODE_FULL) {
        a->kf = svy_mem_calloc(a->F * a->F + 1, sizeof(double));
        if (a->kf == NULL)
            goto fail;
    } else {
        a->ktt = svy_mem_calloc(a->K * a->D * a->D + 1, sizeof(double));
        a->ktx = svy_mem_calloc(a->C * a->XD + 1, sizeof(double));
        a->kxx = svy_mem_calloc(a->XD * a->XD + 1, sizeof(double));
        if (!a->ktt || !a->ktx || !a->kxx)
            goto fail;
    }
    a->Z = svy_mem_calloc(J * a->Fq + 1, sizeof(double));
    a->T = svy_mem_calloc(2 * a->C + 11 * D1 + 1, sizeof(double));
    if (!a->Z || !a->T)
        goto fail;
    a->Tn = a->T + a->C;
    a->U = a->Tn + a->C;
    a->Un = a->U + D1;
    a->U2 = a->Un + D1;
    a->S1 = a->U2 + D1;
    a->S2 = a->S1 + D1;
    a->rows = a->S2 + D1;
    a->wsum = a->rows + D1;
    a->npsu = a->wsum + D1;
    a->nstr = a->npsu + D1;
    a->present = a->nstr + D1;
    a->lonelyp = a->present + D1;
    for (s = 0; s < 7; s++) {
        a->sv[s].val = svy_mem_alloc(a->F + 1, sizeof(double));
        a->sv[s].idx = svy_mem_alloc(a->F + 1, sizeof(uint32_t));
        a->sv[s].on = svy_mem_calloc(a->F + 1, 1);
        if (!a->sv[s].val || !a->sv[s].idx || !a->sv[s].on)
            goto fail;
    }
    return a;
fail:
    acc_free(a);
    return NULL;
}

/*
 * Where K(i, j), i <= j, is stored; NULL when the mode does not keep it.
 * Cell c is category c % K of domain c / K; u_j is feature C + j.
 */
static double *
kref(const struct acc *a, size_t i, size_t j)
{
    if (a->mode == KMODE_FULL)
        return &a->kf[i * a->F + j];
    if (j < a->C) {
        if (a->ck[i] != a->ck[j] || (a->mode == KMODE_DIAG && i != j))
            return NULL;
        return &a->ktt[(a->ck[i] * a->D + a->cj[i]) * a->D + a->cj[j]];
    }
    if (i < a->C) {
        if (a->mode == KMODE_DIAG && j < a->Fq && j - a->C != a->cj[i])
            return NULL;
        return &a->ktx[i * a->XD + (j - a->C)];
    }
    if (a->mode == KMODE_DIAG && j < a->Fq && i != j)
        return NULL;
    return &a->kxx[(i - a->C) * a->XD + (j - a->C)];
}

static double
kget(const struct acc *a, size_t i, size_t j)
{
    double *p = i <= j ? kref(a, i, j) : kref(a, j, i);

    return p ? *p : NAN;
}

static void
kadd(struct acc *a, size_t i, size_t j, double x)
{
    double *p = i <= j ? kref(a, i, j) : kref(a, j, i);

    if (p)
        *p += x;
}

/*
 * Sparse vectors: 'val' is dense but only the 'nnz' entries listed in
 * 'idx' are meaningful ('on' marks them), so clearing costs O(nnz), not
 * O(F): a PSU touches a few of the features.
 */
static void
sv_add(struct svec *v, size_t i, double x)
{
    if (!v->on[i]) {
        v->on[i] = 1;
        v->idx[v->nnz++] = (uint32_t)i;
        v->val[i] = x;
    } else {
        v->val[i] += x;
    }
}

static void
sv_addvec(struct svec *dst, const struct svec *src)
{
    size_t a;

    for (a = 0; a < src->nnz; a++)
        sv_add(dst, src->idx[a], src->val[src->idx[a]]);
}

static void
sv_clear(struct svec *v)
{
    size_t a;

    for (a = 0; a < v->nnz; a++)
        v->on[v->idx[a]] = 0;
    v->nnz = 0;
}

/*
 * K += coef · v v', only the pairs the mode keeps; the M×M block only
 * when 'mm' (it is the same for every estimate, computed once).  The
 * entries are split by kind first so that each mode visits only its
 * pairs.
 */
static void
emit(struct acc *a, const struct svec *v, double coef, int mm)
{
    uint32_t *T = a->part, *U = T + a->F, *M = U + a->F;
    size_t nt = 0, nu = 0, nm = 0, x, y;

    if (coef == 0)
        return;
    for (x = 0; x < v->nnz; x++) {
        uint32_t i = v->idx[x];

        if (i < a->C)
            T[nt++] = i;
        else if (i < a->Fq)
            U[nu++] = i;
        else
            M[nm++] = i;
    }
    for (x = 0; x < nt; x++) {
        size_t i = T[x];
        double vi = coef * v->val[i];

        kadd(a, i, i, vi * v->val[i]);
        if (a->mode == KMODE_DIAG) {
            size_t j = a->C + a->cj[i];

            if (v->on[j])
                kadd(a, i, j, vi * v->val[j]);
        } else {
            for (y = x + 1; y < nt; y++)
                if (a->mode == KMODE_FULL || a->ck[T[y]] == a->ck[i])
                    kadd(a, i, T[y], vi * v->val[T[y]]);
            for (y = 0; y < nu; y++)
                kadd(a, i, U[y], vi * v->val[U[y]]);
        }
        for (y = 0; y < nm; y++)
            kadd(a, i, M[y], vi * v->val[M[y]]);
    }
    for (x = 0; x < nu; x++) {
        size_t i = U[x];
        double vi = coef * v->val[i];

        kadd(a, i, i, vi * v->val[i]);
        for (y = x + 1; a->mode != KMODE_DIAG && y < nu; y++)
            kadd(a, i, U[y], vi * v->val[U[y]]);
        for (y = 0; y < nm; y++)
            kadd(a, i, M[y], vi * v->val[M[y]]);
    }
    for (x = 0; mm && x < nm; x++) {
        size_t i = M[x];
        double vi = coef * v->val[i];

        for (y = x; y < nm; y++)
            kadd(a, i, M[y], vi * v->val[M[y]]);
    }
}

/* Per-domain markers for counting PSUs and strata with rows. */
struct marks {
    uint32_t *psu, *str, *pstr; /* last PSU / stratum seen + 1 */
    uint32_t sub_psu, sub_str;
};

/*
 * Row i's cell c, domain j and feature values t and u, when the row is
 * valid (in a domain, weight non-zero, variable not missing): returns 1.
 * '*in_dom' says whether the row is in a domain at all.
 */
static int
row_cell(const svy_design *d, const struct job *jb, const struct acc *a,
         size_t i, size_t *c, size_t *j, double *tv, double *uv, int *in_dom)
{
    double w = d->w[i];

    *in_dom = 0;
    if (jb->kind == KIND_CALONLY || (jb->subset && !jb->subset[i]) ||
        (jb->by && jb->by[i] < 0))
        return 0;
    *in_dom = 1;
    *j = jb->by ? (size_t)jb->by[i] : 0;
    if (w == 0)
        return 0;
    switch (jb->kind) {
    case KIND_PROPS:
        if (jb->var[i] < 0)
            return 0;
        *c = *j * a->K + (size_t)jb->var[i];
        *tv = *uv = w;
        return 1;
    case KIND_MEANS:
        if (isnan(jb->y[i]))
            return 0;
        *c = *j;
        *tv = w * jb->y[i];
        *uv = w;
        return 1;
    case KIND_RATIOS:
        if (isnan(jb->y[i]) || isnan(jb->x[i]))
            return 0;
        *c = *j;
        *tv = w * jb->y[i];
        *uv = w * jb->x[i];
        return 1;
    case KIND_CALONLY: break;
    }
    return 0;
}

/*
 * The linear sums and counters of row i (in PSU p of stratum h); with
 * 'feat', its features go into the unit vector a->sv[0] too.  Returns
 * 1 when the row is valid, with its cell, domain and values.
 */
static int
add_row(const svy_design *d, const struct job *jb, struct acc *a,
        struct marks *mk, size_t i, uint32_t p, uint32_t h, int feat,
        size_t *cp, size_t *jp, double *tvp, double *uvp)
{
    struct svec *u = &a->sv[0];
    const struct cal *cal = d->cal;
    double w = d->w[i], tv = 0, uv = 0, y;
    size_t j = 0, c = 0, m;
    int valid, in_dom;

    valid = row_cell(d, jb, a, i, &c, &j, &tv, &uv, &in_dom);
    /*
     * Counting PSUs and strata per domain needs no set: rows arrive
     * grouped by stratum and PSU, so "different from the last one seen"
     * is "new".  Rows of weight 0 are not counted, as R's degf.
     */
    if (jb->kind != KIND_CALONLY && (!jb->subset || jb->subset[i])) {
        a->rows_sub++;
        if (w != 0 && mk->sub_psu != p + 1) {
            mk->sub_psu = p + 1;
            a->npsu_sub++;
        }
        if (w != 0 && mk->sub_str != h + 1) {
            mk->sub_str = h + 1;
            a->nstr_sub++;
        }
    }
    if (in_dom) {
        a->rows[j]++;
        a->wsum[j] += w;
        if (w != 0 && mk->psu[j] != p + 1) {
            mk->psu[j] = p + 1;
            a->npsu[j]++;
        }
        if (w != 0 && mk->str[j] != h + 1) {
            mk->str[j] = h + 1;
            a->nstr[j]++;
        }
    }
    if (valid) {
        a->T[c] += tv;
        a->Tn[c]++;
        a->U[j] += uv;
        a->Un[j]++;
        a->U2[j] += w * w;
        if (jb->kind == KIND_MEANS) {
            y = jb->y[i];
            if (!a->have_shift) { /* shifted sums keep s² accurate */
                a->shift = y;
                a->have_shift = 1;
            }
            a->S1[j] += w * (y - a->shift);
            a->S2[j] += w * (y - a->shift) * (y - a->shift);
        }
        for (m = 0; m < 2; m++) { /* domain j, then the union */
            size_t jj = m ? a->D : j;

            if (mk->pstr[jj] != h + 1) {
                mk->pstr[jj] = h + 1;
                a->present[jj]++;
                a->lonelyp[jj] += d->lonely[h];
            }
        }
        if (feat) {
            sv_add(u, c, tv);
            sv_add(u, a->C + j, uv);
        }
    }
    *cp = c;
    *jp = j;
    *tvp = tv;
    *uvp = uv;
    if (!feat || cal == NULL || w == 0)
        return valid;
    /* calibration columns: M = w X, and Z += ρ X f */
    for (m = 0; m < cal->icept + cal->ncat + cal->nnum; m++) {
        size_t col;
        double xv;

        if (m < cal->icept) {
            col = 0;
            xv = 1;
        } else if (m < cal->icept + cal->ncat) {
            col = cal->code[i * cal->ncat + (m - cal->icept)];
            xv = 1;
        } else {
            col = cal->moff[cal->ncat] + (m - cal->icept - cal->ncat);
            xv = cal->xnum[i * cal->nnum + (m - cal->icept - cal->ncat)];
        }
        sv_add(u, a->Fq + col, w * xv);
        if (valid) {
            double r = cal->rho[i] * xv;

            a->Z[col * a->Fq + c] += r * tv;
            a->Z[col * a->Fq + a->C + j] += r * uv;
        }
    }
    return valid;
}

/*
 * A group whose members' outer products are summed with coefficient
 * 'coef' and, when 'ctr', centred at the group mean: a stratum of PSUs
 * (stage 1) or a PSU of SSUs (stage 2).  Centring subtracts the first
 * member from every member before the products and corrects with the
 * shifted sum at the end, Σ(v-c)(v-c)' - (Σ(v-c))(Σ(v-c))'/n, which is
 * exact when the members are equal (R's zero SEs of stratum shares) and
 * avoids the cancellation of Σvv' - SS'/n.
 */
struct sgrp {
    struct svec *shift, *dsum;
    size_t n;
    double coef;
    int ctr;
};

static void
sgrp_begin(struct sgrp *g, double coef, int ctr)
{
    sv_clear(g->shift);
    sv_clear(g->dsum);
    g->n = 0;
    g->coef = coef;
    g->ctr = ctr;
}

static void
sgrp_member(struct acc *a, struct sgrp *g, const struct svec *v,
            struct svec *tmp, int mm)
{
    size_t x;

    if (g->coef == 0)
        return;
    if (!g->ctr) {
        emit(a, v, g->coef, mm);
        return;
    }
    if (g->n++ == 0)
        sv_addvec(g->shift, v);
    sv_clear(tmp);
    sv_addvec(tmp, v);
    for (x = 0; x < g->shift->nnz; x++) {
        size_t i = g->shift->idx[x];

        sv_add(tmp, i, -g->shift->val[i]);
    }
    emit(a, tmp, g->coef, mm);
    sv_addvec(g->dsum, tmp);
}

static void
sgrp_end(struct acc *a, struct sgrp *g, int mm)
{
    if (g->coef != 0 && g->ctr && g->n > 0)
        emit(a, g->dsum, -g->coef / (double)g->n, mm);
}

/* One pass over the rows in design order. */
static svy_status
run_pass(const svy_design *d, const struct job *jb, struct acc **out,
         svy_err *err)
{
    size_t J = d->cal ? d->cal->J : 0, D1 = jb->D + 1, h, p, un, r;
    int mm = jb->kind == KIND_CALONLY;
    struct acc *a = acc_new(jb, J);
    struct marks mk = {0};
    struct sgrp g1, g2;
    svy_status rc = SVY_OK;

    *out = NULL;
    mk.psu = svy_mem_calloc(D1, sizeof(uint32_t));
    mk.str = svy_mem_calloc(D1, sizeof(uint32_t));
    mk.pstr = svy_mem_calloc(D1, sizeof(uint32_t));
    if (!a || !mk.psu || !mk.str || !mk.pstr) {
        rc = nomem(err);
        goto out;
    }
    /* sv: 0 unit, 1 PSU, 2 scratch, 3-4 stage-1 group, 5-6 stage 2 */
    g1.shift = &a->sv[3];
    g1.dsum = &a->sv[4];
    g2.shift = &a->sv[5];
    g2.dsum = &a->sv[6];
    for (h = 0; h < d->nstrata; h++) {
        sgrp_begin(&g1, d->str_coef[h], d->str_ctr[h]);
        for (p = d->stratum_psu[h]; p < d->stratum_psu[h + 1]; p++) {
            struct svec *sp = d->stage2 ? &a->sv[1] : &a->sv[0];

            if (d->stage2)
                sgrp_begin(&g2, d->ssu_coef[p], d->ssu_ctr[p]);
            for (un = d->psu_unit[p]; un < d->psu_unit[p + 1]; un++) {
                for (r = d->unit_pos[un]; r < d->unit_pos[un + 1]; r++) {
                    size_t c, j;
                    double tv, uv;

                    add_row(d, jb, a, &mk, d->order[r], (uint32_t)p,
                            (uint32_t)h, 1, &c, &j, &tv, &uv);
                }
                if (d->stage2) {
                    sgrp_member(a, &g2, &a->sv[0], &a->sv[2], mm);
                    sv_addvec(sp, &a->sv[0]);
                    sv_clear(&a->sv[0]);
                }
            }
            if (d->stage2)
                sgrp_end(a, &g2, mm);
            sgrp_member(a, &g1, sp, &a->sv[2], mm);
            sv_clear(sp);
        }
        sgrp_end(a, &g1, mm);
    }
    if (d->cal && !mm) { /* the M×M block, computed once per design */
        size_t i, k;

        for (i = 0; i < J; i++)
            for (k = i; k < J; k++)
                *kref(a, a->Fq + i, a->Fq + k) = d->cal->kmm[i * J + k];
    }
    *out = a;
    a = NULL;
out:
    free(mk.psu);
    free(mk.str);
    free(mk.pstr);
    acc_free(a);
    return rc;
}

/*
 * The fast path, for every design without calibration: R's own algorithm,
 * deviations of unit totals from their group means, in three sequential
 * sweeps over the rows in design order.  gather() reads the caller's
 * arrays once (the only random access) into one code per row; the second
 * sweep takes the linear sums, each stratum's sums of t and u, and the
 * counters; the third forms each PSU's (and SSU's) totals and adds, with
 * its group's coefficient:
 *  - on the band a cell's variance needs, (t - t̄)², (t - t̄)(u - ū) and
 *    (u - ū)²: deviations are formed before squaring, so equal units give
 *    exactly zero (R's zero SEs of stratum shares) and nothing cancels;
 *    a member that does not touch an entry (t = 0) is added at the end of
 *    the group from counts (grp_end), so the work per member stays with
 *    the entries it touches;
 *  - off the band (covariances between domains, the Rao-Scott matrix),
 *    Σ v1·v2 per member and -n·m1·m2 at the end of the group, where a
 *    little cancellation only touches test statistics.
 * A row that is its own PSU touches one cell and one domain, so it costs
 * three updates whatever the mode.
 */
#define CODE_OUT INT32_MIN         /* outside the subset */
#define CODE_NODOM (INT32_MIN + 1) /* in the subset, in no domain */

struct grp {
    double coef, n;
    int ctr;
    double *m;       /* Fq: the group means (0 when not centred) */
    double *cnt;     /* Fq: members touching each entry */
    double *sdu;     /* Fq: Σ (u - ū) over those members */
    uint32_t *touch; /* entries touched in this group */
    unsigned char *on;
    size_t ntouch;
};

static int
grp_init(struct grp *g, size_t Fq)
{
    memset(g, 0, sizeof(*g));
    g->m = svy_mem_calloc(3 * Fq + 1, sizeof(double));
    g->touch = svy_mem_alloc(Fq + 1, sizeof(uint32_t));
    g->on = svy_mem_calloc(Fq + 1, 1);
    if (!g->m || !g->touch || !g->on)
        return -1;
    g->cnt = g->m + Fq;
    g->sdu = g->cnt + Fq;
    return 0;
}

static void
grp_release(struct grp *g)
{
    free(g->m);
    free(g->touch);
    free(g->on);
}

/* The band entries of K: cell with itself, cell with its domain, u_j. */
static double *
k_cc(const struct acc *a, size_t c)
{
    if (a->mode == KMODE_FULL)
        return &a->kf[c * a->F + c];
    return &a->ktt[(a->ck[c] * a->D + a->cj[c]) * a->D + a->cj[c]];
}

static double *
k_cj(const struct acc *a, size_t c)
{
    if (a->mode == KMODE_FULL)
        return &a->kf[c * a->F + a->C + a->cj[c]];
    return &a->ktx[c * a->XD + a->cj[c]];
}

static double *
k_jj(const struct acc *a, size_t j)
{
    if (a->mode == KMODE_FULL)
        return &a->kf[(a->C + j) * a->F + a->C + j];
    return &a->kxx[j * a->XD + j];
}

/* An off-band pair the mode keeps (lo < hi), or NULL. */
static double *
k_off(const struct acc *a, size_t lo, size_t hi)
{
    if (a->mode == KMODE_DIAG ||
        (hi >= a->C && lo < a->C && hi - a->C == a->cj[lo]))
        return NULL; /* not kept, or on the band */
    return kref(a, lo, hi);
}

/* Count a member's touch of entry e, with its u deviation. */
static void
grp_touch(struct grp *g, size_t e, double du)
{
    if (!g->on[e]) {
        g->on[e] = 1;
        g->touch[g->ntouch++] = (uint32_t)e;
    }
    g->cnt[e]++;
    g->sdu[e] += du;
}

/* The band terms of a member touching cell c (t) and its domain (u). */
static void
grp_band(struct acc *a, struct grp *g, size_t c, double t, double u)
{
    size_t uj = a->C + a->cj[c];
    double dt = t - g->m[c], du = u - g->m[uj];

    *k_cc(a, c) += g->coef * dt * dt;
    *k_cj(a, c) += g->coef * dt * du;
    grp_touch(g, c, du);
}

/*
 * Add member v (a unit's t and u totals) to group g: the band, then the
 * off-band products the mode keeps, split by kind so that no pair is
 * looked at twice: cells of one category (COV) or all (FULL), each cell
 * with the other domains, domains with domains.
 */
static void
grp_member(struct acc *a, struct grp *g, const struct svec *v)
{
    uint32_t *T = a->part, *U = T + a->F;
    size_t x, y, nt = 0, nu = 0, F = a->F, XD = a->XD, C = a->C, D = a->D;
    double cf = g->coef;

    if (cf == 0)
        return;
    for (x = 0; x < v->nnz; x++) {
        size_t e = v->idx[x];

        if (e < C) {
            T[nt++] = (uint32_t)e;
            grp_band(a, g, e, v->val[e], v->val[C + a->cj[e]]);
        } else {
            double du = v->val[e] - g->m[e];

            U[nu++] = (uint32_t)e;
            *k_jj(a, e - C) += cf * du * du;
            grp_touch(g, e, du);
        }
    }
    if (a->mode == KMODE_DIAG || v->nnz <= 2) /* 2: a cell and its u */
        return;
    for (x = 0; x < nt; x++) {
        size_t c = T[x], k = a->ck[c], j = a->cj[c];
        double vc = cf * v->val[c];

        for (y = x + 1; y < nt; y++) {
            size_t c2 = T[y], lo = c < c2 ? c : c2, hi = c ^ c2 ^ lo;

            if (a->mode == KMODE_FULL)
                a->kf[lo * F + hi] += vc * v->val[c2];
            else if (a->ck[c2] == k)
                a->ktt[(k * D + a->cj[lo]) * D + a->cj[hi]] += vc * v->val[c2];
        }
        for (y = 0; y < nu; y++) {
            size_t j2 = U[y] - C;

            if (j2 == j)
                continue; /* the band */
            if (a->mode == KMODE_FULL)
                a->kf[c * F + U[y]] += vc * v->val[U[y]];
            else
                a->ktx[c * XD + j2] += vc * v->val[U[y]];
        }
    }
    for (x = 0; x < nu; x++)
        for (y = x + 1; y < nu; y++) {
            size_t lo = U[x] < U[y] ? U[x] : U[y], hi = U[x] ^ U[y] ^ lo;
            double pr = cf * v->val[lo] * v->val[hi];

            if (a->mode == KMODE_FULL)
                a->kf[lo * F + hi] += pr;
            else
                a->kxx[(lo - C) * XD + (hi - C)] += pr;
        }
}

/* The members that did not touch an entry, the means; reset. */
static void
grp_end(struct acc *a, struct grp *g)
{
    size_t x, y;

    for (x = 0; g->coef != 0 && x < g->ntouch; x++) {
        size_t e = g->touch[x];
        double miss = g->n - g->cnt[e], me = g->m[e];

        if (e < a->C) {
            size_t uj = a->C + a->cj[e];

            *k_cc(a, e) += g->coef * miss * me * me;
            *k_cj(a, e) += g->coef * (-me * (g->sdu[uj] - g->sdu[e]) +
                                      (g->n - g->cnt[uj]) * me * g->m[uj]);
        } else {
            *k_jj(a, e - a->C) += g->coef * miss * me * me;
        }
    }
    for (x = 0;
         g->coef != 0 && g->ctr && a->mode != KMODE_DIAG && x < g->ntouch; x++)
        for (y = x + 1; y < g->ntouch; y++) {
            size_t e1 = g->touch[x], e2 = g->touch[y];
            double *k = e1 < e2 ? k_off(a, e1, e2) : k_off(a, e2, e1);

            if (k)
                *k -= g->coef * g->n * g->m[e1] * g->m[e2];
        }
    for (x = 0; x < g->ntouch; x++) {
        size_t e = g->touch[x];

        g->on[e] = 0;
        g->cnt[e] = g->sdu[e] = 0;
    }
    g->ntouch = 0;
}

/* Sweep 1: one code per row in design order (see CODE_*), and t, u. */
static void
gather(const svy_design *d, const struct job *jb, const struct acc *a,
       int32_t *code, double *tv, double *uv)
{
    size_t r, c, j;
    double t, u;
    int in_dom;

    for (r = 0; r < d->n; r++) {
        size_t i = d->order[r];

        if (jb->subset && !jb->subset[i])
            code[r] = CODE_OUT;
        else if (row_cell(d, jb, a, i, &c, &j, &t, &u, &in_dom)) {
            code[r] = (int32_t)c;
            tv[r] = t;
            uv[r] = u;
        } else
            code[r] = in_dom ? -1 - (int32_t)j : CODE_NODOM;
    }
}

/* Sweep 2: the linear sums and counters of add_row, and stratum sums. */
static void
sums(const svy_design *d, const struct job *jb, struct acc *a,
     const int32_t *code, const double *tv, const double *uv, double *St)
{
    size_t h, p, r, j, c;
    uint32_t *mp = a->part, *ms = mp + a->D + 1, *mv = ms + a->D + 1;
    uint32_t sp = 0, ss = 0;

    memset(mp, 0, 3 * (a->D + 1) * sizeof(uint32_t));
    for (h = 0; h < d->nstrata; h++)
        for (p = d->stratum_psu[h]; p < d->stratum_psu[h + 1]; p++)
            for (r = d->unit_pos[d->psu_unit[p]];
                 r < d->unit_pos[d->psu_unit[p + 1]]; r++) {
                int32_t k = code[r];
                double w = d->w_ord[r];

                if (k == CODE_OUT)
                    continue;
                a->rows_sub++;
                if (w != 0 && sp != p + 1) {
                    sp = (uint32_t)p + 1;
                    a->npsu_sub++;
                }
                if (w != 0 && ss != h + 1) {
                    ss = (uint32_t)h + 1;
                    a->nstr_sub++;
                }
                if (k == CODE_NODOM)
                    continue;
                j = k >= 0 ? a->cj[k] : (size_t)(-1 - k);
                a->rows[j]++;
                a->wsum[j] += w;
                if (w != 0 && mp[j] != p + 1) {
                    mp[j] = (uint32_t)p + 1;
                    a->npsu[j]++;
                }
                if (w != 0 && ms[j] != h + 1) {
                    ms[j] = (uint32_t)h + 1;
                    a->nstr[j]++;
                }
                if (k < 0)
                    continue;
                c = (size_t)k;
                St[h * a->Fq + c] += tv[r];
                St[h * a->Fq + a->C + j] += uv[r];
                a->Tn[c]++;
                a->U2[j] += w * w;
                if (jb->kind == KIND_MEANS) {
                    double y = tv[r] / w;

                    if (!a->have_shift) { /* shifted sums keep s² exact */
                        a->shift = y;
                        a->have_shift = 1;
                    }
                    a->S1[j] += w * (y - a->shift);
                    a->S2[j] += w * (y - a->shift) * (y - a->shift);
                }
                if (mv[j] != h + 1) { /* strata present, for AVERAGE */
                    mv[j] = (uint32_t)h + 1;
                    a->present[j]++;
                    a->lonelyp[j] += d->lonely[h];
                }
                if (mv[a->D] != h + 1) {
                    mv[a->D] = (uint32_t)h + 1;
                    a->present[a->D]++;
                    a->lonelyp[a->D] += d->lonely[h];
                }
            }
    for (h = 0; h < d->nstrata; h++) { /* totals from the strata */
        for (c = 0; c < a->C; c++)
            a->T[c] += St[h * a->Fq + c];
        for (j = 0; j < a->D; j++)
            a->U[j] += St[h * a->Fq + a->C + j];
    }
    for (c = 0; c < a->C; c++)
        a->Un[a->cj[c]] += a->Tn[c];
}

/* Add the valid rows of positions [r0, r1) to 'v'. */
static void
unit_vec(const struct acc *a, const int32_t *code, const double *tv,
         const double *uv, size_t r0, size_t r1, struct svec *v)
{
    size_t r;

    for (r = r0; r < r1; r++)
        if (code[r] >= 0) {
            sv_add(v, (size_t)code[r], tv[r]);
            sv_add(v, a->C + a->cj[code[r]], uv[r]);
        }
}

static svy_status
fast_pass(const svy_design *d, const struct job *jb, struct acc **out,
          svy_err *err)
{
    size_t H = d->nstrata, h, p, un, x;
    struct acc *a = acc_new(jb, 0);
    struct grp g1, g2;
    double *St = NULL, *tv = NULL, *uv = NULL;
    int32_t *code = NULL;
    svy_status rc = SVY_OK;
    int ok1 = 0, ok2 = 0;

    *out = NULL;
    if (a) {
        St = svy_mem_calloc(H * a->Fq + 1, sizeof(double));
        tv = svy_mem_alloc(2 * d->n + 1, sizeof(double));
        code = svy_mem_alloc(d->n + 1, sizeof(int32_t));
        ok1 = grp_init(&g1, a->Fq) == 0;
        ok2 = grp_init(&g2, a->Fq) == 0;
    }
    if (!a || !St || !tv || !code || !ok1 || !ok2) {
        rc = nomem(err);
        goto out;
    }
    uv = tv + d->n;
    gather(d, jb, a, code, tv, uv);
    sums(d, jb, a, code, tv, uv, St);
    for (h = 0; h < H; h++) { /* sweep 3: deviations */
        size_t p0 = d->stratum_psu[h], nh = d->stratum_psu[h + 1] - p0;
        struct svec *sp = &a->sv[1];

        if (d->str_coef[h] == 0 && !d->stage2)
            continue;
        g1.coef = d->str_coef[h];
        g1.ctr = d->str_ctr[h];
        g1.n = (double)nh;
        for (x = 0; x < a->Fq; x++)
            g1.m[x] = g1.ctr ? St[h * a->Fq + x] / (double)nh : 0;
        if (d->row_psu) { /* a PSU is a row: one cell, one domain */
            size_t r, r1 = d->unit_pos[d->psu_unit[p0 + nh]];

            for (r = d->unit_pos[d->psu_unit[p0]]; g1.coef != 0 && r < r1; r++)
                if (code[r] >= 0) {
                    size_t c = (size_t)code[r], uj = a->C + a->cj[c];
                    double du = uv[r] - g1.m[uj];

                    grp_band(a, &g1, c, tv[r], uv[r]);
                    *k_jj(a, uj - a->C) += g1.coef * du * du;
                    grp_touch(&g1, uj, du);
                }
            grp_end(a, &g1);
            continue;
        }
        for (p = p0; p < p0 + nh; p++) {
            size_t u0 = d->psu_unit[p], u1 = d->psu_unit[p + 1];

            unit_vec(a, code, tv, uv, d->unit_pos[u0], d->unit_pos[u1], sp);
            if (d->stage2 && d->ssu_coef[p] != 0) {
                g2.coef = d->ssu_coef[p];
                g2.ctr = d->ssu_ctr[p];
                g2.n = (double)(u1 - u0);
                for (x = 0; g2.ctr && x < sp->nnz; x++)
                    g2.m[sp->idx[x]] = sp->val[sp->idx[x]] / g2.n;
                for (un = u0; un < u1; un++) {
                    unit_vec(a, code, tv, uv, d->unit_pos[un],
                             d->unit_pos[un + 1], &a->sv[0]);
                    grp_member(a, &g2, &a->sv[0]);
                    sv_clear(&a->sv[0]);
                }
                grp_end(a, &g2);
                for (x = 0; x < sp->nnz; x++)
                    g2.m[sp->idx[x]] = 0;
            }
            grp_member(a, &g1, sp);
            sv_clear(sp);
        }
        grp_end(a, &g1);
    }
    *out = a;
    a = NULL;
out:
    if (ok1)
        grp_release(&g1);
    if (ok2)
        grp_release(&g2);
    free(St);
    free(tv);
    free(code);
    acc_free(a);
    return rc;
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
        rc = nomem(err);
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
        rc = nomem(err);
        goto out;
    }
    for (s = strtok_r(names, "*", &save); s; s = strtok_r(NULL, "*", &save)) {
        const svy_column *c;

        if ((rc = find_col(t, s, "calibration", &c, err)))
            goto out;
        for (i = 0; i < n; i++)
            if (cell_missing(c, i)) {
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
cal_free(struct cal *c)
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
    struct cal *c = NULL;
    size_t n = d->n, i, m, k, J, nnum = 0, ncat = 0;
    uint32_t *tmp = NULL;
    double *base = NULL;
    struct acc *a = NULL;
    struct job jb;
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
        rc = nomem(err);
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
            rc = nomem(err);
            goto out;
        }
        if ((rc = find_col(t, mg[m].var, "calibration", &col, err)) ||
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
            rc = nomem(err);
            goto out;
        }
        if ((rc = find_col(t, opts->base_weight, "base weight", &col, err)) ||
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
        rc = nomem(err);
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
    jb.kind = KIND_CALONLY;
    jb.K = jb.D = 0;
    jb.mode = KMODE_FULL;
    rc = run_pass(d, &jb, &a, err);
    d->cal = NULL;
    if (rc)
        goto out;
    if (!(c->kmm = svy_mem_alloc(J * J + 1, sizeof(double)))) {
        rc = nomem(err);
        goto out;
    }
    for (i = 0; i < J; i++)
        for (k = 0; k < J; k++)
            c->kmm[i * J + k] = kget(a, i, k);
    d->cal = c;
    c = NULL;
out:
    acc_free(a);
    free(tmp);
    free(base);
    cal_free(c);
    return rc;
}

/* Quantities: linear functionals of the features, and their variances. */

struct qty {
    size_t nz;
    uint32_t *idx;
    double *val;
    double *a;  /* calibration coefficients (J), or NULL */
    double fac; /* the AVERAGE factor */
};

/*
 * The ζ of R's sweep ζ <- ζ - ave(ζ, margin) is ζ0 - Σ_m a_m[g_m(i)], so
 * the sweeps act on the group sums only: the sum of the current ζ over
 * group g is s_g - Σ_g' n(g ∩ g') a_g', with n(g ∩ g') = (X'X)_gg'.
 * Groups of one margin are disjoint, so updating them in turn is R's
 * simultaneous update.
 */
static void
backfit(const struct cal *c, const double *s, double *a)
{
    size_t J = c->J, it, m, g, k;

    memset(a, 0, J * sizeof(double));
    for (it = 0; it < RAKE_SWEEPS; it++)
        for (m = 0; m < c->ncat; m++)
            for (g = c->moff[m]; g < c->moff[m + 1]; g++) {
                double cur = s[g], ng = c->P[g * J + g];

                for (k = 0; k < J; k++)
                    cur -= c->P[g * J + k] * a[k];
                if (ng > 0)
                    a[g] += cur / ng;
            }
}

/* Fill q->a from Z: a = P·Z'L (GREG) or the backfitted sweeps (RAKE). */
static void
cal_coefs(const svy_design *d, const struct acc *a, struct qty *q, double *s)
{
    const struct cal *c = d->cal;
    size_t J = c->J, l, k;

    for (l = 0; l < J; l++) {
        double v = 0;

        for (k = 0; k < q->nz; k++)
            v += q->val[k] * a->Z[l * a->Fq + q->idx[k]];
        s[l] = v;
    }
    if (c->method == SVY_CALVAR_RAKE) {
        backfit(c, s, q->a);
        return;
    }
    for (l = 0; l < J; l++) {
        double v = 0;

        for (k = 0; k < J; k++)
            v += c->P[l * J + k] * s[k];
        q->a[l] = v;
    }
}

/*
 * L1 K L2' where L = [L_f, -a] (a the calibration part): the f×f terms,
 * the two f×M cross terms and a1' K_MM a2.  AVERAGE's factors scale it;
 * NaN when the mode did not keep an entry it needs.
 */
static double
bilin(const svy_design *d, const struct acc *a, const struct qty *q1,
      const struct qty *q2)
{
    size_t x, y, J = a->J;
    double s = 0;

    if (d->nan_var)
        return NAN;
    for (x = 0; x < q1->nz; x++)
        for (y = 0; y < q2->nz; y++)
            s += q1->val[x] * q2->val[y] * kget(a, q1->idx[x], q2->idx[y]);
    if (d->cal) {
        for (x = 0; x < q1->nz; x++) {
            double v = 0;

            for (y = 0; y < J; y++)
                v += q2->a[y] * kget(a, q1->idx[x], a->Fq + y);
            s -= q1->val[x] * v;
        }
        for (x = 0; x < q2->nz; x++) {
            double v = 0;

            for (y = 0; y < J; y++)
                v += q1->a[y] * kget(a, q2->idx[x], a->Fq + y);
            s -= q2->val[x] * v;
        }
        for (x = 0; x < J; x++) {
            double v = 0;

            for (y = 0; y < J; y++)
                v += d->cal->kmm[x * J + y] * q2->a[y];
            s += q1->a[x] * v;
        }
    }
    return s * sqrt(q1->fac * q2->fac);
}

/* The AVERAGE factor for domain j (index D: the union). */
static double
avg_factor(const svy_design *d, const struct acc *a, size_t j)
{
    if (d->policy != SVY_LONELY_AVERAGE)
        return 1;
    if (a->present[j] <= a->lonelyp[j])
        return NAN; /* R: 0 · strata/0 */
    return a->present[j] / (a->present[j] - a->lonelyp[j]);
}

/* Results. */

struct svy_estimates {
    const svy_design *d; /* borrowed: the design must outlive the result */
    size_t K, D;
    svy_cell *cells;
    struct acc *acc;
    struct qty *q;  /* the 'mean' quantity of each cell */
    uint32_t *qidx; /* pool */
    double *qval, *qa;
    svy_rao_scott rs;
    int has_rs;
    double df_sub;
    double df_opt;
};

void
svy_estimates_free(svy_estimates *e)
{
    if (e == NULL)
        return;
    free(e->cells);
    acc_free(e->acc);
    free(e->q);
    free(e->qidx);
    free(e->qval);
    free(e->qa);
    free(e);
}

size_t
svy_estimates_nrows(const svy_estimates *e)
{
    return e->K;
}

size_t
svy_estimates_ncols(const svy_estimates *e)
{
    return e->D;
}

const svy_cell *
svy_estimates_cell(const svy_estimates *e, size_t k, size_t j)
{
    if (k >= e->K || j >= e->D)
        return NULL;
    return &e->cells[j * e->K + k];
}

double
svy_estimates_df(const svy_estimates *e)
{
    return e->df_sub;
}

const svy_rao_scott *
svy_estimates_rao_scott(const svy_estimates *e)
{
    return e->has_rs ? &e->rs : NULL;
}

double
svy_estimates_cov(const svy_estimates *e, size_t k1, size_t j1, size_t k2,
                  size_t j2)
{
    if (k1 >= e->K || k2 >= e->K || j1 >= e->D || j2 >= e->D)
        return NAN;
    return bilin(e->d, e->acc, &e->q[j1 * e->K + k1], &e->q[j2 * e->K + k2]);
}

void
svy_estimates_compare(const svy_estimates *e, size_t k, size_t j1, size_t j2,
                      svy_compare *out)
{
    const svy_cell *c1 = svy_estimates_cell(e, k, j1);
    const svy_cell *c2 = svy_estimates_cell(e, k, j2);
    double v;

    memset(out, 0, sizeof(*out));
    out->diff = out->se = out->t = out->p = NAN;
    out->df = e->df_opt > 0 ? e->df_opt : e->df_sub;
    if (c1 == NULL || c2 == NULL)
        return;
    v = c1->mean.se * c1->mean.se + c2->mean.se * c2->mean.se -
        2 * svy_estimates_cov(e, k, j1, k, j2);
    out->diff = c1->mean.est - c2->mean.est;
    out->se = sqrt(fmax(v, 0));
    out->t = out->diff / out->se;
    out->p = svy_t_pvalue(out->t, out->df);
}

/*
 * The linearization of a ratio T_c/U_j (proportion, mean, ratio):
 * z = (t_c - R·u_j)/U_j.  A total is t_c itself (qty_total).
 */
static void
qty_ratio(struct qty *q, const struct acc *a, size_t c, size_t j)
{
    double den = a->U[j], est = a->T[c] / den;

    q->nz = 2;
    q->idx[0] = (uint32_t)c;
    q->val[0] = 1 / den;
    q->idx[1] = (uint32_t)(a->C + j);
    q->val[1] = -est / den;
}

static void
qty_total(struct qty *q, size_t c)
{
    q->nz = 1;
    q->idx[0] = (uint32_t)c;
    q->val[0] = 1;
}

/*
 * Variance of one quantity: its calibration coefficients first, then the
 * quadratic form; a negative value is rounding of a zero variance.
 */
static double
var_of(const svy_design *d, const struct acc *a, struct qty *q, double *s)
{
    if (d->cal)
        cal_coefs(d, a, q, s);
    return fmax(0, bilin(d, a, q, q));
}

/*
 * R's deff = TRUE: the design variance over that of simple random
 * sampling *without* replacement of n from a population of W (the
 * weights' sum), s² the weighted variance with n/(n-1):
 *   mean  s²(W - n)/(W n)     total  s² W (W - n)/n.
 * R gives NA for a mean when W < n (weights not scaled to a population);
 * deff = "replace" drops the fpc: s²/n and s² W²/n.
 */
static void
fill_deff(svy_est *e, double s2, double W, double n, int total, int replace)
{
    double vsrs;

    if (replace)
        vsrs = total ? s2 * W * W / n : s2 / n;
    else if (total)
        vsrs = s2 * W * (W - n) / n;
    else
        vsrs = W < n ? NAN : s2 * (W - n) / (W * n);
    e->deff = e->se * e->se / vsrs;
}

/*
 * Turn the accumulator into cells: estimates, SEs, design effects,
 * bases, degrees of freedom and intervals.  The df of a domain is its
 * PSUs minus its strata, as R's degf() of svyby's subset design; the
 * n of Korn-Graubard is its rows (R's nrow(design)).
 */
static svy_status
finish(svy_estimates *e, const struct job *jb, const svy_est_opts *o,
       svy_err *err)
{
    const svy_design *d = e->d;
    struct acc *a = e->acc;
    size_t K = e->K, D = e->D, C = K * D, J = a->J, k, j;
    double level = o->level > 0 ? o->level : 0.95;
    double *s = svy_mem_alloc(J + 1, sizeof(double));
    struct qty tq;
    uint32_t tidx[2];
    double tval[2], *ta = svy_mem_alloc(J + 1, sizeof(double));

    e->q = svy_mem_calloc(C + 1, sizeof(struct qty));
    e->qidx = svy_mem_alloc(2 * C + 1, sizeof(uint32_t));
    e->qval = svy_mem_alloc(2 * C + 1, sizeof(double));
    e->qa = svy_mem_calloc(J * C + 1, sizeof(double));
    e->cells = svy_mem_calloc(C + 1, sizeof(svy_cell));
    if (!s || !ta || !e->q || !e->qidx || !e->qval || !e->qa || !e->cells) {
        free(s);
        free(ta);
        return nomem(err);
    }
    e->df_sub = a->npsu_sub - a->nstr_sub;
    e->df_opt = o->df;
    tq.idx = tidx;
    tq.val = tval;
    tq.a = ta;
    for (j = 0; j < D; j++) {
        double W = a->U[j], n = a->Un[j];
        double df = o->df > 0 ? o->df : a->npsu[j] - a->nstr[j];
        double fac = avg_factor(d, a, j);

        for (k = 0; k < K; k++) {
            size_t c = j * K + k;
            svy_cell *cell = &e->cells[c];
            struct qty *q = &e->q[c];
            double est, s2;

            q->idx = e->qidx + 2 * c;
            q->val = e->qval + 2 * c;
            q->a = e->qa + J * c;
            q->fac = tq.fac = fac;
            cell->n = a->Tn[c];
            cell->base_n = n;
            cell->base_w = W;
            cell->base_eff = a->U2[j] > 0 ? W * W / a->U2[j] : 0;
            cell->df = df;
            qty_ratio(q, a, c, j);
            est = a->T[c] / W;
            cell->mean.est = est;
            cell->mean.se = sqrt(var_of(d, a, q, s));
            qty_total(&tq, c);
            cell->total.est = a->T[c];
            cell->total.se = sqrt(var_of(d, a, &tq, s));
            cell->mean.deff = cell->total.deff = NAN;
            if (jb->kind == KIND_PROPS) {
                s2 = est * (1 - est) * n / (n - 1);
            } else { /* weighted variance of y, from the shifted sums */
                double m1 = a->S1[j] / W;

                s2 = (a->S2[j] / W - m1 * m1) * n / (n - 1);
            }
            if (jb->kind != KIND_RATIOS) {
                int rep = (o->flags & SVY_EST_DEFF_REPLACE) != 0;

                fill_deff(&cell->mean, s2, W, n, 0, rep);
                fill_deff(&cell->total, s2, W, n, 1, rep);
            }
            if (jb->kind == KIND_PROPS && o->ci == SVY_CI_LIKELIHOOD) {
                cell->mean.ci_low = cell->mean.ci_high = NAN; /* below */
            } else if (jb->kind == KIND_PROPS) {
                svy_ci_prop(o->ci, est, cell->mean.se, df, a->rows[j], level,
                            &cell->mean.ci_low, &cell->mean.ci_high);
            } else {
                svy_ci_wald(est, cell->mean.se, df, level, &cell->mean.ci_low,
                            &cell->mean.ci_high);
            }
            svy_ci_wald(cell->total.est, cell->total.se, df, level,
                        &cell->total.ci_low, &cell->total.ci_high);
        }
    }
    free(s);
    free(ta);
    return SVY_OK;
}

/*
 * Likelihood intervals.  R fits svyglm(y ~ 1, quasibinomial) by glm's
 * IRLS and profiles it; its interval depends on where IRLS stopped, so
 * the fit is replayed: the first iterate starts from a different μ on
 * every row ((W·y + 1/2)/(W + 1), binomial()$initialize), which needs
 * one more pass over the rows; from then on μ is one number and each
 * iterate is closed-form.  Sums per domain for y = 0, and per cell the
 * change when y = 1.
 */
struct lik_sums {
    double w, wz, dev; /* Σ W·q, Σ W·q·z, Σ deviance residuals */
};

static void
lik_row(double W, int y, double sign, struct lik_sums *s)
{
    double mu = (W * y + 0.5) / (W + 1), q = mu * (1 - mu);
    double z = log(mu / (1 - mu)) + (y - mu) / q;

    s->w += sign * W * q;
    s->wz += sign * W * q * z;
    s->dev += sign * -2 * W * (y ? log(mu) : log1p(-mu));
}

static double
lik_dev(double b, double s1, double s0)
{
    double mu = 1 / (1 + exp(-b));

    return -2 * (s1 * log(mu) + s0 * log1p(-mu));
}

static svy_status
lik_intervals(svy_estimates *e, const struct job *jb, double level,
              svy_err *err)
{
    const svy_design *d = e->d;
    struct acc *a = e->acc;
    size_t K = e->K, D = e->D, C = K * D, J = a->J, i, c;
    struct lik_sums *dom = svy_mem_calloc(D + C + 1, sizeof(*dom));
    struct lik_sums *cell1 = dom + D;
    double *s = svy_mem_alloc(J + 1, sizeof(double));
    double *qa = svy_mem_alloc(J + 1, sizeof(double));
    uint32_t qidx[2];
    double qval[2];
    struct qty q;

    if (!dom || !s || !qa) {
        free(dom);
        free(s);
        free(qa);
        return nomem(err);
    }
    for (i = 0; i < d->n; i++) {
        double w = d->w[i], W;
        size_t j;

        if (w == 0 || (jb->subset && !jb->subset[i]) ||
            (jb->by && jb->by[i] < 0) || jb->var[i] < 0)
            continue;
        j = jb->by ? (size_t)jb->by[i] : 0;
        W = w / (a->wsum[j] / a->rows[j]);
        c = j * K + (size_t)jb->var[i];
        lik_row(W, 0, 1, &dom[j]);
        lik_row(W, 1, 1, &cell1[c]);
        lik_row(W, 0, -1, &cell1[c]);
    }
    q.idx = qidx;
    q.val = qval;
    q.a = qa;
    for (c = 0; c < C; c++) {
        size_t j = c / K;
        svy_cell *cell = &e->cells[c];
        double wbar = a->wsum[j] / a->rows[j], n = a->U[j] / wbar;
        double s1 = a->T[c] / wbar, s0 = n - s1, nv = a->Un[j];
        double devold = dom[j].dev + cell1[c].dev, wlast, b, dev, mu, qt;
        double T = a->T[c], U = a->U[j], sr, sr2;
        svy_lik_data ld;
        int it = 1;

        /*
         * IRLS for an intercept: b = Σ W q z / Σ W q.  R stops at the
         * first iterate whose deviance changed by less than 1e-8
         * relative, and its model variance (naive.cov) uses the weights
         * of the iterate before: 'wlast'.
         */
        wlast = dom[j].w + cell1[c].w;
        b = (dom[j].wz + cell1[c].wz) / wlast;
        dev = lik_dev(b, s1, s0);
        while (!(fabs(dev - devold) / (fabs(dev) + 0.1) < 1e-8) && it < 25) {
            mu = 1 / (1 + exp(-b));
            wlast = n * mu * (1 - mu);
            b += (s1 - mu * n) / wlast;
            devold = dev;
            dev = lik_dev(b, s1, s0);
            it++;
        }
        mu = 1 / (1 + exp(-b));
        qt = mu * (1 - mu);
        /* design variance of Σ W (y - μ), svyglm's sandwich */
        q.nz = 2;
        qidx[0] = (uint32_t)c;
        qval[0] = 1 / wbar;
        qidx[1] = (uint32_t)(a->C + j);
        qval[1] = -mu / wbar;
        q.fac = avg_factor(d, a, j);
        ld.b = b;
        ld.se_b = sqrt(var_of(d, a, &q, s)) / (n * qt);
        ld.lambda = ld.se_b * ld.se_b * wlast;
        ld.df = cell->df;
        ld.n = nv;
        ld.s1 = s1;
        ld.s0 = s0;
        /* svyvar of the Pearson residuals (y - μ)/sqrt(q) */
        sr = (T - mu * U) / sqrt(qt);
        sr2 = (T * (1 - 2 * mu) + mu * mu * U) / qt;
        ld.dispersion = (sr2 - sr * sr / U) / U * nv / (nv - 1);
        svy_ci_likelihood(&ld, level, &cell->mean.ci_low, &cell->mean.ci_high);
    }
    free(dom);
    free(s);
    free(qa);
    return SVY_OK;
}

/*
 * The Rao-Scott tests: joint proportions P_c = T_c/W over the union of the
 * domains, their covariance from K, then variance.c does the rest.  Levels
 * with no weight are dropped first.
 */
static svy_status
rao_scott(svy_estimates *e, size_t nrows_sub, svy_err *err)
{
    const svy_design *d = e->d;
    struct acc *a = e->acc;
    size_t K = e->K, D = e->D, J = a->J, C = K * D, nr = 0, nc = 0, x, y, m;
    size_t *rk = svy_mem_alloc(K + 1, sizeof(size_t));
    size_t *cj = svy_mem_alloc(D + 1, sizeof(size_t));
    double W = 0, *P = NULL, *V = NULL,
           *s = svy_mem_alloc(J + 1, sizeof(double));
    double *rsum = svy_mem_calloc(K + 1, sizeof(double));
    double *csum = svy_mem_calloc(D + 1, sizeof(double));
    struct qty *q = NULL;
    uint32_t *qi = NULL;
    double *qv = NULL, *qa = NULL, fac;
    svy_status rc = SVY_OK;

    if (!rk || !cj || !s || !rsum || !csum) {
        rc = nomem(err);
        goto out;
    }
    for (x = 0; x < C; x++) {
        rsum[x % K] += a->T[x];
        csum[x / K] += a->T[x];
        W += a->T[x];
    }
    for (x = 0; x < K; x++)
        if (rsum[x] > 0)
            rk[nr++] = x;
    for (y = 0; y < D; y++)
        if (csum[y] > 0)
            cj[nc++] = y;
    if (nr < 2 || nc < 2)
        goto out; /* no test: has_rs stays 0 */
    m = nr * nc;
    fac = avg_factor(d, a, D);
    P = svy_mem_alloc(m + 1, sizeof(double));
    V = svy_mem_alloc(m * m + 1, sizeof(double));
    q = svy_mem_calloc(m + 1, sizeof(struct qty));
    qi = svy_mem_alloc(m * (D + 1) + 1, sizeof(uint32_t));
    qv = svy_mem_alloc(m * (D + 1) + 1, sizeof(double));
    qa = svy_mem_calloc(m * J + 1, sizeof(double));
    if (!P || !V || !q || !qi || !qv || !qa) {
        rc = nomem(err);
        goto out;
    }
    /*
     * The joint proportion of cell c is T_c/W with W the weight of all
     * valid rows, so its linearization is (t_c - P_c Σ_j u_j)/W: one t
     * entry and every domain's u.
     */
    for (x = 0; x < m; x++) { /* row level fastest, as R's interaction() */
        size_t k = rk[x % nr], j = cj[x / nr], c = j * K + k, t;

        P[x] = a->T[c] / W;
        q[x].idx = qi + x * (D + 1);
        q[x].val = qv + x * (D + 1);
        q[x].a = qa + x * J;
        q[x].fac = fac;
        q[x].idx[0] = (uint32_t)c;
        q[x].val[0] = 1 / W;
        for (t = 0; t < D; t++) {
            q[x].idx[t + 1] = (uint32_t)(a->C + t);
            q[x].val[t + 1] = -P[x] / W;
        }
        q[x].nz = D + 1;
        if (d->cal)
            cal_coefs(d, a, &q[x], s);
    }
    for (x = 0; x < m; x++)
        for (y = x; y < m; y++)
            V[x * m + y] = V[y * m + x] = bilin(d, a, &q[x], &q[y]);
    /*
     * R's svychisq scales the table to nrow(design) and takes nu from all
     * the design's PSUs and strata; only Pearson's X² depends on the
     * former (F and its p-value do not).
     */
    rc = svy_rao_scott_test(P, V, nr, nc, (double)nrows_sub,
                            e->df_opt > 0 ? e->df_opt : e->df_sub, &e->rs, err);
    e->has_rs = rc == SVY_OK;
    if (rc == SVY_ENUMERIC || rc == SVY_EINVAL) /* no test, not an error */
        rc = SVY_OK;
out:
    free(rk);
    free(cj);
    free(P);
    free(V);
    free(s);
    free(rsum);
    free(csum);
    free(q);
    free(qi);
    free(qv);
    free(qa);
    return rc;
}

/*
 * Run one estimation job: choose the mode (what the caller asked for),
 * accumulate (the fast path when it applies), then finish, intervals and
 * tests.
 */
static svy_status
estimate(svy_estimates **out, const svy_design *d, struct job *jb,
         const svy_est_opts *opts, svy_err *err)
{
    static const svy_est_opts none = {0};
    svy_estimates *e = NULL;
    svy_status rc;

    *out = NULL;
    if (opts == NULL)
        opts = &none;
    if (jb->by && jb->D == 0)
        jb->D = 1; /* a factor with no levels: one empty domain */
    if (jb->kind == KIND_PROPS && jb->by && (opts->flags & SVY_EST_CHISQ) &&
        jb->K * jb->D <= FULL_CELLS)
        jb->mode = KMODE_FULL;
    else if (opts->flags & (SVY_EST_COV | SVY_EST_CHISQ))
        jb->mode = KMODE_COV;
    else
        jb->mode = KMODE_DIAG;
    e = calloc(1, sizeof(*e));
    if (e == NULL)
        return nomem(err);
    e->d = d;
    e->K = jb->K;
    e->D = jb->D;
    rc = d->cal == NULL ? fast_pass(d, jb, &e->acc, err)
                        : run_pass(d, jb, &e->acc, err);
    if (rc || (rc = finish(e, jb, opts, err)))
        goto out;
    if (jb->kind == KIND_PROPS && opts->ci == SVY_CI_LIKELIHOOD &&
        (rc = lik_intervals(e, jb, opts->level > 0 ? opts->level : 0.95, err)))
        goto out;
    if (jb->mode == KMODE_FULL &&
        (rc = rao_scott(e, (size_t)e->acc->rows_sub, err)))
        goto out;
    *out = e;
    e = NULL;
out:
    svy_estimates_free(e);
    return rc;
}

static svy_status
check_len(const svy_design *d, size_t n, const char *what, svy_err *err)
{
    if (n != d->n)
        return svy_err_set(err, SVY_EINVAL, "%s has %zu rows, the design %zu",
                           what, n, d->n);
    return SVY_OK;
}

svy_status
svy_design_props(svy_estimates **out, const svy_design *d,
                 const svy_factor *var, const svy_factor *by,
                 const unsigned char *subset, const svy_est_opts *opts,
                 svy_err *err)
{
    struct job jb;
    svy_status rc;

    *out = NULL;
    if ((rc = check_len(d, var->n, "the variable", err)) ||
        (by && (rc = check_len(d, by->n, "the domain variable", err))))
        return rc;
    memset(&jb, 0, sizeof(jb));
    jb.kind = KIND_PROPS;
    jb.var = var->codes;
    jb.K = var->nlevels ? var->nlevels : 1;
    jb.by = by ? by->codes : NULL;
    jb.D = by ? by->nlevels : 1;
    jb.subset = subset;
    return estimate(out, d, &jb, opts, err);
}

svy_status
svy_design_means(svy_estimates **out, const svy_design *d, const double *y,
                 const svy_factor *by, const unsigned char *subset,
                 const svy_est_opts *opts, svy_err *err)
{
    struct job jb;
    svy_status rc;

    *out = NULL;
    if (by && (rc = check_len(d, by->n, "the domain variable", err)))
        return rc;
    memset(&jb, 0, sizeof(jb));
    jb.kind = KIND_MEANS;
    jb.y = y;
    jb.K = 1;
    jb.by = by ? by->codes : NULL;
    jb.D = by ? by->nlevels : 1;
    jb.subset = subset;
    return estimate(out, d, &jb, opts, err);
}

svy_status
svy_design_ratios(svy_estimates **out, const svy_design *d, const double *y,
                  const double *x, const svy_factor *by,
                  const unsigned char *subset, const svy_est_opts *opts,
                  svy_err *err)
{
    struct job jb;
    svy_status rc;

    *out = NULL;
    if (by && (rc = check_len(d, by->n, "the domain variable", err)))
        return rc;
    memset(&jb, 0, sizeof(jb));
    jb.kind = KIND_RATIOS;
    jb.y = y;
    jb.x = x;
    jb.K = 1;
    jb.by = by ? by->codes : NULL;
    jb.D = by ? by->nlevels : 1;
    jb.subset = subset;
    return estimate(out, d, &jb, opts, err);
}
