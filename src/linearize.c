/*
 * linearize.c - the Taylor-linearization engine behind estimate.c (and
 * the calibration set-up of design.c): per estimation call, the matrix K
 * below and the linear sums, from the rows (design_int.h).
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
 * Which entries of K a call keeps is its mode (enum svy_kmode): a cell's own
 * variance needs only a band (the cell with itself and with its domain),
 * O(nnz) per unit; covariances between domains and the Rao-Scott matrix
 * need O(nnz²).  Designs without calibration take fast_pass: a sweep
 * in file order that codes each row, a sweep in design order that sums
 * each PSU's cells (packed, per stratum), and the deviations of those
 * unit totals from their group means, formed directly, as R does; on
 * large data two threads take half the strata each.  Proportions on a
 * one-stage design whose PSUs are runs of consecutive rows (most files,
 * and every design without cluster ids) take props_pass instead, one
 * sweep in file order and products of cells only (see there).
 * Calibrated designs take run_pass, which also carries the M columns and
 * shifts every unit by its group's first unit before the products
 * (sgrp_member).  All give exact zeros where R does (stratum shares of a
 * stratified design) instead of the rounding noise of Σff' - SS'/n.
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
 * Rows arrive ordered by stratum, PSU and SSU (svy_design_new, design.c).
 * A call costs O(rows) plus O(PSUs · nnz) (or nnz²) plus O(cells²) for
 * the Rao-Scott matrix.
 *
 * References: Binder, D.A. (1983), On the variances of asymptotically
 * normal estimators from complex surveys, ISR 51, 279-292; Lumley, T.
 * (2010), Complex Surveys, Wiley; Rao, J.N.K. and Scott, A.J. (1984),
 * Annals of Statistics 12, 46-60; Korn, E.L. and Graubard, B.I. (1998),
 * Survey Methodology 24, 193-201; R package survey 4.1 (svyrecvar,
 * multistage, onestage, onestrat).
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

#include "design_int.h"
#include "svy/mem.h"

#define RAKE_SWEEPS 10 /* R's svyrecvar: for (iterations in 1:10) */

/* The pass: accumulate K, Z and the linear sums for one estimation job. */

void
svy_lin_acc_free(struct svy_acc *a)
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
static struct svy_acc *
acc_new(const struct svy_job *jb, size_t J)
{
    struct svy_acc *a = calloc(1, sizeof(*a));
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
    if (a->mode == SVY_KMODE_FULL) {
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
    svy_lin_acc_free(a);
    return NULL;
}

/*
 * Where K(i, j), i <= j, is stored; NULL when the mode does not keep it.
 * Cell c is category c % K of domain c / K; u_j is feature C + j.
 */
static double *
kref(const struct svy_acc *a, size_t i, size_t j)
{
    if (a->mode == SVY_KMODE_FULL)
        return &a->kf[i * a->F + j];
    if (j < a->C) {
        if (a->ck[i] != a->ck[j] || (a->mode == SVY_KMODE_DIAG && i != j))
            return NULL;
        return &a->ktt[(a->ck[i] * a->D + a->cj[i]) * a->D + a->cj[j]];
    }
    if (i < a->C) {
        if (a->mode == SVY_KMODE_DIAG && j < a->Fq && j - a->C != a->cj[i])
            return NULL;
        return &a->ktx[i * a->XD + (j - a->C)];
    }
    if (a->mode == SVY_KMODE_DIAG && j < a->Fq && i != j)
        return NULL;
    return &a->kxx[(i - a->C) * a->XD + (j - a->C)];
}

double
svy_lin_kget(const struct svy_acc *a, size_t i, size_t j)
{
    double *p = i <= j ? kref(a, i, j) : kref(a, j, i);

    return p ? *p : NAN;
}

static void
kadd(struct svy_acc *a, size_t i, size_t j, double x)
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
static inline void
sv_add(struct svy_svec *v, size_t i, double x)
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
sv_addvec(struct svy_svec *dst, const struct svy_svec *src)
{
    size_t a;

    for (a = 0; a < src->nnz; a++)
        sv_add(dst, src->idx[a], src->val[src->idx[a]]);
}

static void
sv_clear(struct svy_svec *v)
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
emit(struct svy_acc *a, const struct svy_svec *v, double coef, int mm)
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
        if (a->mode == SVY_KMODE_DIAG) {
            size_t j = a->C + a->cj[i];

            if (v->on[j])
                kadd(a, i, j, vi * v->val[j]);
        } else {
            for (y = x + 1; y < nt; y++)
                if (a->mode == SVY_KMODE_FULL || a->ck[T[y]] == a->ck[i])
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
        for (y = x + 1; a->mode != SVY_KMODE_DIAG && y < nu; y++)
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
row_cell(const svy_design *d, const struct svy_job *jb, const struct svy_acc *a,
         size_t i, size_t *c, size_t *j, double *tv, double *uv, int *in_dom)
{
    double w = d->w[i];

    *in_dom = 0;
    if (jb->kind == SVY_KIND_CALONLY || (jb->subset && !jb->subset[i]) ||
        (jb->by && jb->by[i] < 0))
        return 0;
    *in_dom = 1;
    *j = jb->by ? (size_t)jb->by[i] : 0;
    if (w == 0)
        return 0;
    switch (jb->kind) {
    case SVY_KIND_PROPS:
        if (jb->var[i] < 0)
            return 0;
        *c = *j * a->K + (size_t)jb->var[i];
        *tv = *uv = w;
        return 1;
    case SVY_KIND_MEANS:
        if (isnan(jb->y[i]))
            return 0;
        *c = *j;
        *tv = w * jb->y[i];
        *uv = w;
        return 1;
    case SVY_KIND_RATIOS:
        if (isnan(jb->y[i]) || isnan(jb->x[i]))
            return 0;
        *c = *j;
        *tv = w * jb->y[i];
        *uv = w * jb->x[i];
        return 1;
    case SVY_KIND_CALONLY: break;
    }
    return 0;
}

/*
 * The linear sums and counters of row i (in PSU p of stratum h); with
 * 'feat', its features go into the unit vector a->sv[0] too.  Returns
 * 1 when the row is valid, with its cell, domain and values.
 */
static int
add_row(const svy_design *d, const struct svy_job *jb, struct svy_acc *a,
        struct marks *mk, size_t i, uint32_t p, uint32_t h, int feat,
        size_t *cp, size_t *jp, double *tvp, double *uvp)
{
    struct svy_svec *u = &a->sv[0];
    const struct svy_cal *cal = d->cal;
    double w = d->w[i], tv = 0, uv = 0, y;
    size_t j = 0, c = 0, m;
    int valid, in_dom;

    valid = row_cell(d, jb, a, i, &c, &j, &tv, &uv, &in_dom);
    /*
     * Counting PSUs and strata per domain needs no set: rows arrive
     * grouped by stratum and PSU, so "different from the last one seen"
     * is "new".  Rows of weight 0 are not counted, as R's degf.
     */
    if (jb->kind != SVY_KIND_CALONLY && (!jb->subset || jb->subset[i])) {
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
        if (jb->kind == SVY_KIND_MEANS) {
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
    struct svy_svec *shift, *dsum;
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
sgrp_member(struct svy_acc *a, struct sgrp *g, const struct svy_svec *v,
            struct svy_svec *tmp, int mm)
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
sgrp_end(struct svy_acc *a, struct sgrp *g, int mm)
{
    if (g->coef != 0 && g->ctr && g->n > 0)
        emit(a, g->dsum, -g->coef / (double)g->n, mm);
}

/* One pass over the rows in design order. */
svy_status
svy_lin_run_pass(const svy_design *d, const struct svy_job *jb,
                 struct svy_acc **out, svy_err *err)
{
    size_t J = d->cal ? d->cal->J : 0, D1 = jb->D + 1, h, p, un, r;
    int mm = jb->kind == SVY_KIND_CALONLY;
    struct svy_acc *a = acc_new(jb, J);
    struct marks mk = {0};
    struct sgrp g1, g2;
    svy_status rc = SVY_OK;

    *out = NULL;
    mk.psu = svy_mem_calloc(D1, sizeof(uint32_t));
    mk.str = svy_mem_calloc(D1, sizeof(uint32_t));
    mk.pstr = svy_mem_calloc(D1, sizeof(uint32_t));
    if (!a || !mk.psu || !mk.str || !mk.pstr) {
        rc = svy_nomem(err);
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
            struct svy_svec *sp = d->stage2 ? &a->sv[1] : &a->sv[0];

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
    svy_lin_acc_free(a);
    return rc;
}

/*
 * Groups of the fast path (svy_lin_fast_pass, below): a stratum of PSUs or a
 * PSU of SSUs, with its coefficient, its members' count and, when centred, the
 * means of its members.
 */
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
k_cc(const struct svy_acc *a, size_t c)
{
    if (a->mode == SVY_KMODE_FULL)
        return &a->kf[c * a->F + c];
    return &a->ktt[(a->ck[c] * a->D + a->cj[c]) * a->D + a->cj[c]];
}

static double *
k_cj(const struct svy_acc *a, size_t c)
{
    if (a->mode == SVY_KMODE_FULL)
        return &a->kf[c * a->F + a->C + a->cj[c]];
    return &a->ktx[c * a->XD + a->cj[c]];
}

static double *
k_jj(const struct svy_acc *a, size_t j)
{
    if (a->mode == SVY_KMODE_FULL)
        return &a->kf[(a->C + j) * a->F + a->C + j];
    return &a->kxx[j * a->XD + j];
}

/* An off-band pair the mode keeps (lo < hi), or NULL. */
static double *
k_off(const struct svy_acc *a, size_t lo, size_t hi)
{
    if (a->mode == SVY_KMODE_DIAG ||
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
grp_band(struct svy_acc *a, struct grp *g, size_t c, double t, double u)
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
grp_member(struct svy_acc *a, struct grp *g, const struct svy_svec *v)
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
    if (a->mode == SVY_KMODE_DIAG || v->nnz <= 2) /* 2: a cell and its u */
        return;
    for (x = 0; x < nt; x++) {
        size_t c = T[x], k = a->ck[c], j = a->cj[c];
        double vc = cf * v->val[c];

        for (y = x + 1; y < nt; y++) {
            size_t c2 = T[y], lo = c < c2 ? c : c2, hi = c ^ c2 ^ lo;

            if (a->mode == SVY_KMODE_FULL)
                a->kf[lo * F + hi] += vc * v->val[c2];
            else if (a->ck[c2] == k)
                a->ktt[(k * D + a->cj[lo]) * D + a->cj[hi]] += vc * v->val[c2];
        }
        for (y = 0; y < nu; y++) {
            size_t j2 = U[y] - C;

            if (j2 == j)
                continue; /* the band */
            if (a->mode == SVY_KMODE_FULL)
                a->kf[c * F + U[y]] += vc * v->val[U[y]];
            else
                a->ktx[c * XD + j2] += vc * v->val[U[y]];
        }
    }
    for (x = 0; x < nu; x++)
        for (y = x + 1; y < nu; y++) {
            size_t lo = U[x] < U[y] ? U[x] : U[y], hi = U[x] ^ U[y] ^ lo;
            double pr = cf * v->val[lo] * v->val[hi];

            if (a->mode == SVY_KMODE_FULL)
                a->kf[lo * F + hi] += pr;
            else
                a->kxx[(lo - C) * XD + (hi - C)] += pr;
        }
}

/* The members that did not touch an entry, the means; reset. */
static void
grp_end(struct svy_acc *a, struct grp *g)
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
         g->coef != 0 && g->ctr && a->mode != SVY_KMODE_DIAG && x < g->ntouch;
         x++)
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

/*
 * The unit vectors of one stratum, packed: entries [off[u], off[u + 1])
 * of 'idx'/'val' are unit u's touched features in the order the rows
 * first touched them (so that the products in grp_member are formed in
 * the same order as when the vectors were built row by row).
 */
struct pack {
    uint32_t *idx, *off;
    double *val;
    size_t n, cap, nu, ucap;
};

static void
pack_release(struct pack *k)
{
    free(k->idx);
    free(k->off);
    free(k->val);
}

/* Room for 'more' entries and one more unit; -1 when out of memory. */
static int
pack_reserve(struct pack *k, size_t more)
{
    if (k->n + more > k->cap) {
        size_t cap = 2 * k->cap + more + 64;
        uint32_t *i2 = realloc(k->idx, cap * sizeof(uint32_t));
        double *v2;

        if (i2 == NULL)
            return -1;
        k->idx = i2;
        if ((v2 = realloc(k->val, cap * sizeof(double))) == NULL)
            return -1;
        k->val = v2;
        k->cap = cap;
    }
    if (k->nu + 2 > k->ucap) {
        size_t cap = 2 * k->ucap + 64;
        uint32_t *o2 = realloc(k->off, cap * sizeof(uint32_t));

        if (o2 == NULL)
            return -1;
        k->off = o2;
        k->ucap = cap;
    }
    return 0;
}

/* Append the entries of 'v' as the next unit and clear 'v'. */
static int
pack_push(struct pack *k, struct svy_svec *v)
{
    size_t x;

    if (pack_reserve(k, v->nnz))
        return -1;
    if (k->nu == 0)
        k->off[0] = 0;
    for (x = 0; x < v->nnz; x++) {
        uint32_t e = v->idx[x];

        k->idx[k->n] = e;
        k->val[k->n++] = v->val[e];
        v->on[e] = 0;
    }
    v->nnz = 0;
    k->off[++k->nu] = (uint32_t)k->n;
    return 0;
}

/* Unit u of the pack into the (clear) vector 'v'. */
static void
pack_get(const struct pack *k, size_t u, struct svy_svec *v)
{
    size_t x;

    for (x = k->off[u]; x < k->off[u + 1]; x++)
        sv_add(v, k->idx[x], k->val[x]);
}

/*
 * Sweep 1, in file order (the caller's arrays are read sequentially):
 * one code per row, stored at the row's position in design order, and
 * for means and ratios its t and u.  Reading the caller's arrays in
 * design order instead jumps about them at every PSU when the file is not
 * sorted by stratum, and the waits on those loads were a third of
 * svy-tab's time; stores to scattered places do not stall.
 */
#define CODE_OUT INT32_MIN         /* outside the subset */
#define CODE_NODOM (INT32_MIN + 1) /* in the subset, in no domain */

static void
gather(const svy_design *d, const struct svy_job *jb, const struct svy_acc *a,
       int32_t *code, double *tv, double *uv)
{
    const unsigned char *sub = jb->subset;
    const int *by = jb->by, *var = jb->var;
    const double *y = jb->y, *x = jb->x;
    size_t i, K = a->K;

    for (i = 0; i < d->n; i++) {
        size_t r = d->rank[i];
        double w = d->w[i];
        int32_t j = by ? by[i] : 0;

        if (sub && !sub[i])
            code[r] = CODE_OUT;
        else if (j < 0)
            code[r] = CODE_NODOM;
        else if (w == 0)
            code[r] = -1 - j;
        else if (jb->kind == SVY_KIND_PROPS)
            code[r] = var[i] < 0 ? -1 - j : j * (int32_t)K + var[i];
        else if (isnan(y[i]) || (jb->kind == SVY_KIND_RATIOS && isnan(x[i])))
            code[r] = -1 - j;
        else {
            code[r] = j;
            tv[r] = w * y[i];
            uv[r] = jb->kind == SVY_KIND_RATIOS ? w * x[i] : w;
        }
    }
}

/*
 * Sweep 2, the rows of one stratum in design order: the linear sums and
 * counters, the stratum's sums of t and u into St, and the unit vectors
 * into 'pp' (one per PSU) and 'pu' (one per SSU, two-stage designs).
 * Rows come grouped by PSU, so "different from the last PSU seen" counts
 * PSUs without a set; rows of weight 0 are not counted, as R's degf.
 */
struct fmarks {
    uint32_t *psu, *str, *pres; /* per domain: last PSU / stratum + 1 */
    uint32_t sub_psu, sub_str;
};

static int
stratum_rows(const svy_design *d, const struct svy_job *jb, struct svy_acc *a,
             struct fmarks *mk, size_t h, const int32_t *code, const double *tv,
             const double *uv, double *St, struct pack *pp, struct pack *pu)
{
    struct svy_svec *vp = &a->sv[1], *vu = &a->sv[0];
    size_t C = a->C, D = a->D, p, un, r;
    uint32_t h1 = (uint32_t)h + 1;
    int stage2 = d->stage2, props = jb->kind == SVY_KIND_PROPS;

    for (p = d->stratum_psu[h]; p < d->stratum_psu[h + 1]; p++) {
        uint32_t p1 = (uint32_t)p + 1;

        for (un = d->psu_unit[p]; un < d->psu_unit[p + 1]; un++) {
            for (r = d->unit_pos[un]; r < d->unit_pos[un + 1]; r++) {
                int32_t k = code[r];
                double w = d->w_ord[r], t, u;
                size_t j, c;

                if (k == CODE_OUT)
                    continue;
                a->rows_sub++;
                if (w != 0 && mk->sub_psu != p1) {
                    mk->sub_psu = p1;
                    a->npsu_sub++;
                }
                if (w != 0 && mk->sub_str != h1) {
                    mk->sub_str = h1;
                    a->nstr_sub++;
                }
                if (k == CODE_NODOM)
                    continue;
                j = k >= 0 ? a->cj[k] : (size_t)(-1 - k);
                a->rows[j]++;
                a->wsum[j] += w;
                if (w != 0 && mk->psu[j] != p1) {
                    mk->psu[j] = p1;
                    a->npsu[j]++;
                }
                if (w != 0 && mk->str[j] != h1) {
                    mk->str[j] = h1;
                    a->nstr[j]++;
                }
                if (k < 0)
                    continue;
                c = (size_t)k;
                t = props ? w : tv[r];
                u = props ? w : uv[r];
                St[c] += t;
                St[C + j] += u;
                a->Tn[c]++;
                a->U2[j] += w * w;
                if (jb->kind == SVY_KIND_MEANS) {
                    double yv = t / w;

                    if (!a->have_shift) { /* shifted sums keep s² exact */
                        a->shift = yv;
                        a->have_shift = 1;
                    }
                    a->S1[j] += w * (yv - a->shift);
                    a->S2[j] += w * (yv - a->shift) * (yv - a->shift);
                }
                if (mk->pres[j] != h1) { /* strata present, for AVERAGE */
                    mk->pres[j] = h1;
                    a->present[j]++;
                    a->lonelyp[j] += d->lonely[h];
                }
                if (mk->pres[D] != h1) {
                    mk->pres[D] = h1;
                    a->present[D]++;
                    a->lonelyp[D] += d->lonely[h];
                }
                sv_add(vp, c, t);
                sv_add(vp, C + j, u);
                if (stage2) {
                    sv_add(vu, c, t);
                    sv_add(vu, C + j, u);
                }
            }
            if (stage2 && pack_push(pu, vu))
                return -1;
        }
        if (pack_push(pp, vp))
            return -1;
    }
    return 0;
}

/*
 * The fast path, for every design without calibration: R's own algorithm,
 * deviations of unit totals from their group means.  After gather(), one
 * sweep over the rows of a stratum in design order takes the linear sums,
 * the counters, the stratum's sums and each PSU's (and SSU's) totals,
 * packed; then each packed unit is added to its group, with the group's
 * coefficient:
 *  - on the band a cell's variance needs, (t - t̄)², (t - t̄)(u - ū) and
 *    (u - ū)²: deviations are formed before squaring, so equal units give
 *    exactly zero (R's zero SEs of stratum shares) and nothing cancels;
 *    a member that does not touch an entry (t = 0) is added at the end of
 *    the group from counts (grp_end), so the work per member stays with
 *    the entries it touches;
 *  - off the band (covariances between domains, the Rao-Scott matrix),
 *    Σ v1·v2 per member and -n·m1·m2 at the end of the group, where a
 *    little cancellation only touches test statistics.
 * So a call costs two reads of each row plus O(nnz²) per PSU, nnz the
 * cells and domains a PSU touches.
 *
 * Proportions on THREAD_ROWS rows or more take two threads, each over a
 * fixed half of the strata (halved by rows) with its own accumulator, the
 * second added to the first at the end: the result does not depend on
 * timing, but its sums are added in another order than one thread would
 * (relative differences of about 1e-16).  Means keep one thread: their
 * shifted sums need the first valid value in design order.
 */
#define THREAD_ROWS 200000

struct fwork {
    const svy_design *d;
    const struct svy_job *jb;
    struct svy_acc *a;
    const int32_t *code;
    const double *tv, *uv;
    double *St;
    size_t h0, h1;
    int failed;
};

/* Strata [h0, h1) of one call into w->a; w->failed when out of memory. */
static void *
fast_strata(void *arg)
{
    struct fwork *fw = arg;
    const svy_design *d = fw->d;
    struct svy_acc *a = fw->a;
    size_t h, p, x, un;
    struct grp g1, g2;
    struct pack pp = {0}, pu = {0};
    struct fmarks mk = {0};
    int ok1 = grp_init(&g1, a->Fq) == 0, ok2 = grp_init(&g2, a->Fq) == 0;

    mk.psu = svy_mem_calloc(3 * (a->D + 1) + 1, sizeof(uint32_t));
    if (!mk.psu || !ok1 || !ok2) {
        fw->failed = 1;
        goto out;
    }
    mk.str = mk.psu + a->D + 1;
    mk.pres = mk.str + a->D + 1;
    for (h = fw->h0; h < fw->h1; h++) {
        size_t p0 = d->stratum_psu[h], nh = d->stratum_psu[h + 1] - p0;
        double *Sh = fw->St + h * a->Fq;
        struct svy_svec *sp = &a->sv[1];

        pp.n = pp.nu = pu.n = pu.nu = 0;
        if (stratum_rows(d, fw->jb, a, &mk, h, fw->code, fw->tv, fw->uv, Sh,
                         &pp, &pu)) {
            fw->failed = 1;
            goto out;
        }
        if (d->str_coef[h] == 0 && !d->stage2)
            continue;
        g1.coef = d->str_coef[h];
        g1.ctr = d->str_ctr[h];
        g1.n = (double)nh;
        for (x = 0; x < a->Fq; x++)
            g1.m[x] = g1.ctr ? Sh[x] / (double)nh : 0;
        for (p = 0; p < nh; p++) {
            size_t u0 = d->psu_unit[p0 + p], u1 = d->psu_unit[p0 + p + 1];

            pack_get(&pp, p, sp);
            if (d->stage2 && d->ssu_coef[p0 + p] != 0) {
                size_t ub = u0 - d->psu_unit[p0]; /* first unit in pu */

                g2.coef = d->ssu_coef[p0 + p];
                g2.ctr = d->ssu_ctr[p0 + p];
                g2.n = (double)(u1 - u0);
                for (x = 0; g2.ctr && x < sp->nnz; x++)
                    g2.m[sp->idx[x]] = sp->val[sp->idx[x]] / g2.n;
                for (un = 0; un < u1 - u0; un++) {
                    pack_get(&pu, ub + un, &a->sv[0]);
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
out:
    if (ok1)
        grp_release(&g1);
    if (ok2)
        grp_release(&g2);
    pack_release(&pp);
    pack_release(&pu);
    free(mk.psu);
    return NULL;
}

/* a += b: K, Z and every linear sum and counter (same job, same layout). */
static void
acc_merge(struct svy_acc *a, const struct svy_acc *b)
{
    size_t i, nk = a->mode == SVY_KMODE_FULL ? a->F * a->F : 0;

    for (i = 0; i < nk; i++)
        a->kf[i] += b->kf[i];
    for (i = 0; a->mode != SVY_KMODE_FULL && i < a->K * a->D * a->D; i++)
        a->ktt[i] += b->ktt[i];
    for (i = 0; a->mode != SVY_KMODE_FULL && i < a->C * a->XD; i++)
        a->ktx[i] += b->ktx[i];
    for (i = 0; a->mode != SVY_KMODE_FULL && i < a->XD * a->XD; i++)
        a->kxx[i] += b->kxx[i];
    for (i = 0; i < 2 * a->C + 11 * (a->D + 1); i++)
        a->T[i] += b->T[i];
    a->rows_sub += b->rows_sub;
    a->npsu_sub += b->npsu_sub;
    a->nstr_sub += b->nstr_sub;
}

/*
 * Proportions on a one-stage design without calibration whose PSUs are
 * runs of consecutive rows (d->run_pos), with strata × cells² at most
 * PROPS_KT: props_pass.  This is the call svy-tab makes 80 times on its
 * benchmark, so it avoids what the general fast path pays: reordering the
 * rows (gather), linear sums and counters kept per row in memory, the
 * per-PSU vectors written out and read back per stratum, and products
 * with the domain features.
 *
 * The rows are read once, in file order, one PSU (a run) at a time: each
 * touched cell's weight goes to a small dense scratch, rows and squared
 * weights to per-cell counters.  At the end of the run the PSU's cell
 * vector t (its nnz touched cells) adds t t' to its stratum's block of
 * K_tt and t to the stratum's sum T_h: O(nnz²) per PSU.  At the end,
 * K_tt = Σ_h coef_h (Σ t t' - T_h T_h'/n_h), which is R's Σ (t - t̄)(t - t̄)'
 * with a little cancellation (on svy-tab's benchmark the SEs move by
 * 2e-14 relative at most) and one exception handled apart: a stratum whose
 * PSUs are all equal (each is compared with the stratum's first) adds
 * exactly nothing, as R's deviations do (R's zero SEs of stratum shares).
 * For proportions a domain's u is the sum of its cells' t, so the domain
 * entries of K follow from K_tt (props_fill_k) and are never multiplied
 * out per PSU.
 *
 * The file is always split in the same two halves (at the first PSU past
 * half the rows), each with its own sums, added in a fixed order:
 * whether or not a second thread runs, the result is the same.  A thread
 * is used from THREAD_ROWS rows on.
 */
#define PROPS_KT (1 << 20) /* most strata × cells² of props_pass (8 MB) */

struct pwork {
    const svy_design *d;
    const struct svy_job *jb;
    const struct svy_acc *lay; /* the layout: C, D, K, cj */
    size_t r0, r1;             /* runs */
    double *Kt;                /* H × C × C: Σ t t', either triangle */
    double *Ts;                /* H × C: Σ t */
    double *lin;               /* TW, TW2, TN (E each), npsu, zrows (D) */
    double rows_sub, npsu_sub;
    uint32_t *str_sub, *str_dom, *str_val; /* H, H×D, H×(D+1) */
    int failed;
};

/*
 * The rows of run r into the scratch 'cs', three doubles per entry (one
 * address for the three sums of a row): the run's weight, and over every
 * run the squared weights and the rows.  Entries are the cells, then
 * C + j for rows of domain j not valid on the variable.  The entries
 * touched are listed in idx (returns how many): an entry is listed when
 * its run weight is still 0, as weights are never negative and rows of
 * weight 0 only counted per domain in zrows.  The caller sets the run
 * weights of the listed entries back to 0.
 *
 * Banner calls (a 'by', no subset) on a design without weights of 0 take
 * a loop of their own: it is the hottest of svy-tab, and without the
 * subset's, the total's and the weight's tests the compiler keeps its
 * pointers in registers.  Both loops add the same numbers in the same
 * order.  A run weight is +0 or positive: its bits are 0 until the entry
 * is touched.
 */
static size_t
props_run(const svy_design *d, const struct svy_job *jb, size_t C, size_t K,
          size_t r, double *restrict cs, uint32_t *restrict idx,
          double *restrict zrows, size_t *nsub, int *anyw)
{
    const unsigned char *sub = jb->subset;
    const int *by = jb->by, *var = jb->var;
    const double *W = d->w;
    size_t i, n = 0, ns = 0, i0 = d->run_pos[r], i1 = d->run_pos[r + 1];
    int any = 0;

    if (sub == NULL && by != NULL && !d->zero_w) {
        for (i = i0; i < i1; i++) {
            double w = W[i], *c;
            int j = by[i], v;
            size_t e;
            uint64_t bits;

            if (j < 0)
                continue;
            v = var[i];
            e = v < 0 ? C + (size_t)j : (size_t)j * K + (size_t)v;
            c = cs + 3 * e;
            memcpy(&bits, c, sizeof(bits));
            idx[n] = (uint32_t)e; /* listed once, without a branch */
            n += bits == 0;
            c[0] += w;
            c[1] += w * w;
            c[2]++;
        }
        *nsub = i1 - i0;
        *anyw = i1 > i0;
        return n;
    }
    for (i = i0; i < i1; i++) {
        double w = W[i], *c;
        int j, v;
        size_t e;

        if (sub && !sub[i])
            continue;
        ns++;
        any |= w != 0;
        j = by ? by[i] : 0;
        if (j < 0)
            continue;
        if (w == 0) { /* in the domain's rows, nothing else */
            zrows[j]++;
            continue;
        }
        v = var[i];
        e = v < 0 ? C + (size_t)j : (size_t)j * K + (size_t)v;
        c = cs + 3 * e;
        idx[n] = (uint32_t)e;
        n += c[0] == 0;
        c[0] += w;
        c[1] += w * w;
        c[2]++;
    }
    *nsub = ns;
    *anyw = any;
    return n;
}

static void *
props_rows(void *arg)
{
    struct pwork *pw = arg;
    const svy_design *d = pw->d;
    const struct svy_acc *a = pw->lay;
    const uint32_t *cj = a->cj, *run_psu = d->run_psu;
    const uint32_t *psu_stratum = d->psu_stratum;
    const double *str_coef = d->str_coef;
    size_t C = a->C, D = a->D, K = a->K, E = C + D, r, x, y;
    double *cs = svy_mem_calloc(4 * E + 1, sizeof(double));
    double *xv = cs ? cs + 3 * E : NULL;
    uint32_t *idx = svy_mem_alloc(2 * E + D + 1, sizeof(uint32_t));
    uint32_t *didx = idx ? idx + 2 * E : NULL;
    uint32_t *dmark = svy_mem_calloc(2 * D + 1, sizeof(uint32_t));
    uint32_t *dval = dmark ? dmark + D : NULL;
    uint32_t *str_sub = pw->str_sub, *str_dom = pw->str_dom;
    uint32_t *str_val = pw->str_val;
    double *TW = pw->lin, *TW2 = TW + E, *TN = TW2 + E, *npsu = TN + E,
           *zrows = npsu + D, *Kt = pw->Kt, *Tsa = pw->Ts;
    double rows_sub = 0, npsu_sub = 0;
    int bits = D <= 64; /* domains as bits of a word: no memory chain */

    if (!cs || !idx || !dmark) {
        pw->failed = 1;
        goto out;
    }
    for (r = pw->r0; r < pw->r1; r++) {
        uint32_t p = run_psu[r], h = psu_stratum[p], stamp = (uint32_t)r + 1;
        size_t nsub, n, nl = 0, nd = 0;
        double coef = str_coef[h];
        uint64_t dok = 0; /* domains with a valid row, as bits */
        int anyw;

        n = props_run(d, pw->jb, C, K, r, cs, idx, zrows, &nsub, &anyw);
        rows_sub += (double)nsub;
        if (anyw) {
            npsu_sub++;
            str_sub[h] = 1;
        }
        /*
         * Each touched entry's run weight into TW and, for a cell, into xv
         * (its t), the cells kept in idx; every run weight back to 0; the
         * domains touched, and those with a valid row, marked.
         */
        if (bits) {
            uint64_t dall = 0;

            for (x = 0; x < n; x++) {
                size_t e = idx[x];
                double v = cs[3 * e];

                cs[3 * e] = 0;
                TW[e] += v;
                if (e < C) {
                    dok |= (uint64_t)1 << cj[e];
                    xv[nl] = v;
                    idx[nl++] = (uint32_t)e;
                } else {
                    dall |= (uint64_t)1 << (e - C);
                }
            }
            for (x = 0, dall |= dok; dall; x++, dall >>= 1) /* as a list */
                if (dall & 1)
                    didx[nd++] = (uint32_t)x;
        } else {
            for (x = 0; x < n; x++) {
                size_t e = idx[x], j = e < C ? cj[e] : e - C;
                double v = cs[3 * e];

                cs[3 * e] = 0;
                TW[e] += v;
                didx[nd] = (uint32_t)j;
                nd += dmark[j] != stamp;
                dmark[j] = stamp;
                if (e < C) {
                    dval[j] = stamp;
                    xv[nl] = v;
                    idx[nl++] = (uint32_t)e;
                }
            }
        }
        for (x = 0; x < nd; x++) {
            size_t j = didx[x];

            npsu[j]++;
            str_dom[h * D + j] = 1;
            if (bits ? (dok >> j & 1) : dval[j] == stamp) {
                str_val[h * (D + 1) + j] = 1;
                str_val[h * (D + 1) + D] = 1;
            }
        }
        if (coef != 0) {
            double *Th = Tsa + (size_t)h * C, *Kh = Kt + (size_t)h * C * C;

            /* t t' of the touched cells: (a, b) lands in either triangle */
            for (x = 0; x < nl; x++) {
                double v = xv[x], *row = Kh + (size_t)idx[x] * C;

                Th[idx[x]] += v;
                for (y = x; y < nl; y++)
                    row[idx[y]] += v * xv[y];
            }
        }
    }
    for (x = 0; x < E; x++) {
        TW2[x] = cs[3 * x + 1];
        TN[x] = cs[3 * x + 2];
    }
    pw->rows_sub = rows_sub;
    pw->npsu_sub = npsu_sub;
out:
    free(cs);
    free(idx);
    free(dmark);
    return NULL;
}

/*
 * K of the accumulator from K_tt (full, symmetric): cells with cells as
 * they are, a cell with domain j the sum over j's cells, domains with
 * domains the double sum; only the entries the mode keeps (kref).  'R'
 * is scratch of C × D.
 */
static void
props_fill_k(struct svy_acc *a, const double *Kt, double *R)
{
    size_t C = a->C, D = a->D, K = a->K, c, c2, j, j2, k;

    for (c = 0; c < C; c++)
        for (j = 0; j < D; j++) {
            double v = 0;

            for (k = 0; k < K; k++)
                v += Kt[c * C + j * K + k];
            R[c * D + j] = v;
        }
    for (c = 0; c < C; c++)
        for (c2 = c; c2 < C; c2++) {
            double *r = kref(a, c, c2);

            if (r)
                *r = Kt[c * C + c2];
        }
    for (c = 0; c < C; c++)
        for (j = 0; j < D; j++) {
            double *r = kref(a, c, C + j);

            if (r)
                *r = R[c * D + j];
        }
    for (j = 0; j < D; j++)
        for (j2 = j; j2 < D; j2++) {
            double *r = kref(a, C + j, C + j2), v = 0;

            if (r == NULL)
                continue;
            for (k = 0; k < K; k++)
                v += R[(j * K + k) * D + j2];
            *r = v;
        }
}

/*
 * Stratum h's block of K_tt again, from the deviations x = t - s of its
 * PSUs from its first PSU s: Σ x x' - (Σ x)(Σ x)'/n_h into the upper
 * triangle of G (as run_pass's sgrp does).  Exact zeros when the PSUs
 * are equal and no cancellation when they nearly are; props_pass calls it
 * for the strata where Σ t t' - T T'/n lost most of its digits.  Products
 * over the cells of t and s only.  Scratch: 'ws' of RECENTRE_WS(C, D)
 * doubles (props_run's, the shift, x, Σ x, counts thrown away), 'iw' of
 * 3E + C words (E = C + D).
 */
#define RECENTRE_WS(C, D) (6 * ((C) + (D)) + 2 * (C) + (D))

static void
props_recentre(const svy_design *d, const struct svy_job *jb,
               const struct svy_acc *a, size_t h, double *G, double *ws,
               uint32_t *iw)
{
    size_t C = a->C, D = a->D, K = a->K, E = C + D, p, x, y, n, nl, ns = 0;
    size_t p0 = d->stratum_psu[h], p1 = d->stratum_psu[h + 1], nsub;
    double *cs = ws, *sv = cs + 3 * E, *xv = sv + C, *dsum = xv + 2 * E;
    double *dum = dsum + C, nh = (double)(p1 - p0);
    uint32_t *on = iw, *idx = on + E, *sidx = idx + 2 * E, stamp = 0;
    int anyw;

    memset(G, 0, C * C * sizeof(double));
    memset(ws, 0, RECENTRE_WS(C, D) * sizeof(double));
    memset(on, 0, E * sizeof(uint32_t));
    for (p = p0; p < p1; p++) {
        n = props_run(d, jb, C, K, d->psu_run[p], cs, idx, dum, &nsub, &anyw);
        ++stamp;
        for (x = 0, nl = 0; x < n; x++) { /* the cells; invalid rows out */
            if (idx[x] < C)
                on[idx[nl++] = idx[x]] = stamp;
            else
                cs[3 * idx[x]] = 0;
        }
        for (x = 0; p == p0 && x < nl; x++) { /* the shift */
            sv[idx[x]] = cs[3 * idx[x]];
            sidx[ns++] = idx[x];
        }
        for (x = 0; x < ns; x++) { /* and its cells */
            idx[nl] = sidx[x];
            nl += on[sidx[x]] != stamp;
            on[sidx[x]] = stamp;
        }
        for (x = 0; x < nl; x++) {
            xv[x] = cs[3 * idx[x]] - sv[idx[x]];
            cs[3 * idx[x]] = 0;
            dsum[idx[x]] += xv[x];
        }
        for (x = 0; x < nl; x++)
            for (y = 0; xv[x] != 0 && y < nl; y++)
                if (idx[y] >= idx[x])
                    G[idx[x] * C + idx[y]] += xv[x] * xv[y];
    }
    for (x = 0; x < C; x++)
        for (y = x; y < C; y++)
            G[x * C + y] -= dsum[x] * dsum[y] / nh;
}

/*
 * Σ t t' - T T'/n keeps fewer than about 6 of its 16 digits on a cell's
 * diagonal when its variance is below this share of Σ t²: that stratum is
 * recomputed from deviations (props_recentre).
 */
#define CANCEL 1e-6

static svy_status
props_pass(const svy_design *d, const struct svy_job *jb, struct svy_acc **out,
           svy_err *err)
{
    size_t H = d->nstrata, n = d->n, nr = d->npsu, C, D, E, L, HC2, cut;
    size_t h, j, x, y, t;
    struct svy_acc *a = acc_new(jb, 0);
    struct pwork w[2];
    double *blk = NULL, *Kt, *R, *Th, *G, *ws = NULL;
    uint32_t *marks = NULL, *iw = NULL;
    svy_status rc = SVY_OK;
    pthread_t tid;
    int threaded = 0;

    *out = NULL;
    memset(w, 0, sizeof(w));
    if (a == NULL)
        goto nomem;
    C = a->C;
    D = a->D;
    E = C + D;
    L = 3 * E + 2 * D;
    HC2 = H * C * C;
    /* per half: Kt, Ts, the sums; then K_tt, R, a stratum's T and G */
    blk = svy_mem_calloc(2 * (HC2 + H * C + L) + 2 * C * C + C * D + C + 1,
                         sizeof(double));
    ws = svy_mem_alloc(RECENTRE_WS(C, D) + 1, sizeof(double));
    iw = svy_mem_alloc(3 * E + C + 1, sizeof(uint32_t));
    marks = svy_mem_calloc(2 * H * (2 * D + 2) + 1, sizeof(uint32_t));
    if (!blk || !ws || !iw || !marks)
        goto nomem;
    for (cut = 0; d->run_pos[cut] < n / 2; cut++) /* the run at half */
        ;
    for (t = 0; t < 2; t++) {
        uint32_t *m = marks + t * H * (2 * D + 2);
        double *b = blk + t * (HC2 + H * C + L);

        w[t] = (struct pwork){.d = d, .jb = jb, .lay = a};
        w[t].r0 = t ? cut : 0;
        w[t].r1 = t ? nr : cut;
        w[t].Kt = b;
        w[t].Ts = b + HC2;
        w[t].lin = b + HC2 + H * C;
        w[t].str_sub = m;
        w[t].str_dom = m + H;
        w[t].str_val = m + H + H * D;
    }
    threaded = n >= THREAD_ROWS && !jb->one_thread &&
               pthread_create(&tid, NULL, props_rows, &w[1]) == 0;
    props_rows(&w[0]);
    if (threaded)
        pthread_join(tid, NULL);
    else
        props_rows(&w[1]);
    if (w[0].failed || w[1].failed)
        goto nomem;
    /*
     * K_tt = Σ_h coef_h (Σ t t' - T_h T_h'/n_h), the halves added in
     * order and the triangles folded; a stratum that is not centred
     * (lonely PSUs adjusted, R's "adjust") keeps Σ t t'.
     */
    Kt = blk + 2 * (HC2 + H * C + L);
    R = Kt + C * C;
    Th = R + C * D;
    G = Th + C;
    for (h = 0; h < H; h++) {
        double nh = (double)(d->stratum_psu[h + 1] - d->stratum_psu[h]);
        double cf = d->str_coef[h];
        const double *K0 = w[0].Kt + h * C * C, *K1 = w[1].Kt + h * C * C;
        int ctr = d->str_ctr[h], again = 0;

        if (cf == 0)
            continue;
        for (x = 0; x < C; x++)
            Th[x] = w[0].Ts[h * C + x] + w[1].Ts[h * C + x];
        for (x = 0; x < C; x++)
            for (y = x; y < C; y++) {
                double v = K0[x * C + y] + K1[x * C + y], raw = v;

                if (y > x)
                    v += K0[y * C + x] + K1[y * C + x];
                if (ctr)
                    v -= Th[x] * Th[y] / nh;
                if (ctr && y == x && raw > 0 && v < CANCEL * raw)
                    again = 1;
                G[x * C + y] = v;
            }
        if (again)
            props_recentre(d, jb, a, h, G, ws, iw);
        for (x = 0; x < C; x++)
            for (y = x; y < C; y++)
                Kt[x * C + y] += cf * G[x * C + y];
    }
    for (x = 0; x < C; x++)
        for (y = 0; y < x; y++)
            Kt[x * C + y] = Kt[y * C + x];
    props_fill_k(a, Kt, R);
    /* the linear sums and counters: halves in order */
    for (t = 0; t < 2; t++) {
        const double *TW = w[t].lin, *TW2 = TW + E, *TN = TW2 + E,
                     *np = TN + E, *zr = np + D;

        for (x = 0; x < E; x++) {
            j = x < C ? a->cj[x] : x - C;
            if (x < C) {
                a->T[x] += TW[x];
                a->Tn[x] += TN[x];
                a->U2[j] += TW2[x];
            }
            a->rows[j] += TN[x];
            a->wsum[j] += TW[x];
        }
        for (j = 0; j < D; j++) {
            a->npsu[j] += np[j];
            a->rows[j] += zr[j];
        }
        a->rows_sub += w[t].rows_sub;
        a->npsu_sub += w[t].npsu_sub;
    }
    for (x = 0; x < C; x++) {
        a->U[a->cj[x]] += a->T[x];
        a->Un[a->cj[x]] += a->Tn[x];
    }
    for (h = 0; h < H; h++) { /* strata holding rows, from both halves */
        const uint32_t *m0 = marks, *m1 = marks + H * (2 * D + 2);
        size_t o = H + H * D + h * (D + 1);

        a->nstr_sub += m0[h] | m1[h];
        for (j = 0; j < D; j++)
            a->nstr[j] += m0[H + h * D + j] | m1[H + h * D + j];
        for (j = 0; j <= D; j++)
            if (m0[o + j] | m1[o + j]) {
                a->present[j]++;
                a->lonelyp[j] += d->lonely[h];
            }
    }
    *out = a;
    a = NULL;
    goto out;
nomem:
    rc = svy_nomem(err);
out:
    free(blk);
    free(ws);
    free(iw);
    free(marks);
    svy_lin_acc_free(a);
    return rc;
}

struct svy_acc *
svy_lin_acc_total(const struct svy_acc *b, const struct svy_job *jb)
{
    size_t K = b->K, D = b->D, k, k2, j, j2;
    double rows = 0, *Kt;
    struct svy_acc *a;

    for (j = 0; j < D; j++)
        rows += b->rows[j];
    if (b->mode != SVY_KMODE_FULL || b->J != 0 || jb->K != K || jb->D != 1 ||
        jb->mode == SVY_KMODE_FULL || rows != b->rows_sub)
        return NULL;
    if ((a = acc_new(jb, 0)) == NULL)
        return NULL;
    if ((Kt = svy_mem_calloc(K * K + 1, sizeof(double))) == NULL) {
        svy_lin_acc_free(a);
        return NULL;
    }
    /* the cells: each category summed over the domains */
    for (k = 0; k < K; k++)
        for (j = 0; j < D; j++) {
            a->T[k] += b->T[j * K + k];
            a->Tn[k] += b->Tn[j * K + k];
        }
    for (k = 0; k < K; k++)
        for (k2 = k; k2 < K; k2++) {
            double v = 0;

            for (j = 0; j < D; j++)
                for (j2 = 0; j2 < D; j2++)
                    v += svy_lin_kget(b, j * K + k, j2 * K + k2);
            Kt[k * K + k2] = Kt[k2 * K + k] = v;
        }
    /* as props_fill_k and pjob_finish give the total column's */
    for (k = 0; k < K; k++) {
        double r = 0;

        for (k2 = 0; k2 < K; k2++)
            r += Kt[k * K + k2];
        kadd(a, k, k, Kt[k * K + k]);
        kadd(a, k, K, r);
        kadd(a, K, K, r);
        a->U[0] += a->T[k];
        a->Un[0] += a->Tn[k];
    }
    for (j = 0; j < D; j++) {
        a->U2[0] += b->U2[j];
        a->rows[0] += b->rows[j];
        a->wsum[0] += b->wsum[j];
    }
    a->npsu[0] = b->npsu_sub; /* every row is in a domain */
    a->nstr[0] = b->nstr_sub;
    a->present[0] = a->present[1] = b->present[D];
    a->lonelyp[0] = a->lonelyp[1] = b->lonelyp[D];
    a->rows_sub = b->rows_sub;
    a->npsu_sub = b->npsu_sub;
    a->nstr_sub = b->nstr_sub;
    free(Kt);
    return a;
}

svy_status
svy_lin_fast_pass(const svy_design *d, const struct svy_job *jb,
                  struct svy_acc **out, svy_err *err)
{
    size_t H = d->nstrata, h, c, j, half = 0;
    struct svy_acc *a = NULL, *a2 = NULL;
    struct fwork w1, w2;
    double *St = NULL, *tv = NULL, *uv = NULL;
    int32_t *code = NULL;
    svy_status rc = SVY_OK;
    int vals = jb->kind != SVY_KIND_PROPS, two = 0, threaded;
    pthread_t tid;

    *out = NULL;
    if (jb->kind == SVY_KIND_PROPS && d->run_pos &&
        d->nstrata * (jb->K * jb->D) * (jb->K * jb->D) <= PROPS_KT)
        return props_pass(d, jb, out, err);
    if ((rc = svy_design_ordered(d, err)) != SVY_OK)
        return rc;
    if ((a = acc_new(jb, 0)) != NULL) {
        St = svy_mem_calloc(H * a->Fq + 1, sizeof(double));
        code = svy_mem_alloc(d->n + 1, sizeof(int32_t));
        tv = svy_mem_alloc(vals ? 2 * d->n + 1 : 1, sizeof(double));
    }
    if (!a || !St || !code || !tv) {
        rc = svy_nomem(err);
        goto out;
    }
    uv = vals ? tv + d->n : tv;
    gather(d, jb, a, code, tv, uv);
    if (!vals && d->n >= THREAD_ROWS && H >= 2) { /* split strata by rows */
        for (half = 1; half < H - 1; half++)
            if (2 * (size_t)d->unit_pos[d->psu_unit[d->stratum_psu[half]]] >=
                d->n)
                break;
        two = (a2 = acc_new(jb, 0)) != NULL;
    }
    w1 = (struct fwork){d, jb, a, code, tv, uv, St, 0, two ? half : H, 0};
    w2 = (struct fwork){d, jb, a2, code, tv, uv, St, half, H, 0};
    /* without a thread, the same halves in turn: the same result */
    threaded = two && !jb->one_thread &&
               pthread_create(&tid, NULL, fast_strata, &w2) == 0;
    fast_strata(&w1);
    if (threaded)
        pthread_join(tid, NULL);
    else if (two)
        fast_strata(&w2);
    if (two && !w2.failed)
        acc_merge(a, a2);
    if (w1.failed || (two && w2.failed)) {
        rc = svy_nomem(err);
        goto out;
    }
    for (h = 0; h < H; h++) { /* totals from the strata */
        for (c = 0; c < a->C; c++)
            a->T[c] += St[h * a->Fq + c];
        for (j = 0; j < a->D; j++)
            a->U[j] += St[h * a->Fq + a->C + j];
    }
    for (c = 0; c < a->C; c++)
        a->Un[a->cj[c]] += a->Tn[c];
    *out = a;
    a = NULL;
out:
    free(St);
    free(code);
    free(tv);
    svy_lin_acc_free(a);
    svy_lin_acc_free(a2);
    return rc;
}

/* Quantities: linear functionals of the features, and their variances. */

/*
 * The ζ of R's sweep ζ <- ζ - ave(ζ, margin) is ζ0 - Σ_m a_m[g_m(i)], so
 * the sweeps act on the group sums only: the sum of the current ζ over
 * group g is s_g - Σ_g' n(g ∩ g') a_g', with n(g ∩ g') = (X'X)_gg'.
 * Groups of one margin are disjoint, so updating them in turn is R's
 * simultaneous update.
 */
static void
backfit(const struct svy_cal *c, const double *s, double *a)
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
void
svy_lin_cal_coefs(const svy_design *d, const struct svy_acc *a,
                  struct svy_qty *q, double *s)
{
    const struct svy_cal *c = d->cal;
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
double
svy_lin_bilin(const svy_design *d, const struct svy_acc *a,
              const struct svy_qty *q1, const struct svy_qty *q2)
{
    size_t x, y, J = a->J;
    double s = 0;

    if (d->nan_var)
        return NAN;
    for (x = 0; x < q1->nz; x++)
        for (y = 0; y < q2->nz; y++)
            s += q1->val[x] * q2->val[y] *
                 svy_lin_kget(a, q1->idx[x], q2->idx[y]);
    if (d->cal) {
        for (x = 0; x < q1->nz; x++) {
            double v = 0;

            for (y = 0; y < J; y++)
                v += q2->a[y] * svy_lin_kget(a, q1->idx[x], a->Fq + y);
            s -= q1->val[x] * v;
        }
        for (x = 0; x < q2->nz; x++) {
            double v = 0;

            for (y = 0; y < J; y++)
                v += q1->a[y] * svy_lin_kget(a, q2->idx[x], a->Fq + y);
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
double
svy_lin_avg_factor(const svy_design *d, const struct svy_acc *a, size_t j)
{
    if (d->policy != SVY_LONELY_AVERAGE)
        return 1;
    if (a->present[j] <= a->lonelyp[j])
        return NAN; /* R: 0 · strata/0 */
    return a->present[j] / (a->present[j] - a->lonelyp[j]);
}
