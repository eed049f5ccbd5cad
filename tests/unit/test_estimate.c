/*
 * test_estimate.c - the proportions pass of files whose PSUs are runs of
 * consecutive rows (linearize.c, props_pass) against the general fast
 * path, which the same rows take when they are shuffled (PSUs no longer
 * runs) and which means of 0/1 indicators take anyway.  The two sum in
 * different orders, so they agree to rounding (1e-10 relative), not to
 * the bit; counts and degrees of freedom agree exactly.  Cases: strata,
 * clusters or none, fpc, every lonely-PSU policy, a subset, rows missing
 * on the variable or on the domain, rows of weight zero, and each mode
 * (DIAG, COV, FULL with the Rao-Scott tests).
 */
#include "svy/design.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "svy/csv.h"
#include "svy/io.h"

#define REL(a, b, tol) CHECK_NEAR((a), (b), (tol) * (fabs((double)(b)) + 1e-300))

/* A deterministic generator (xorshift), so the cases are fixed. */
static unsigned long long rng_state;

static unsigned
rnd(unsigned n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (unsigned)(rng_state % n);
}

struct gen {
    size_t npsu, per;  /* PSUs, rows per PSU (1: no cluster column use) */
    unsigned nstrata;  /* strata are drawn per PSU */
    int lonely;        /* add a stratum with a single PSU */
    int zero_w;        /* some rows of weight 0 */
    const char *by;    /* the domain column: "g" when NULL */
};

/*
 * The rows of 'g' as CSV, in file order (PSUs as runs) or shuffled with
 * a fixed stride (PSUs split up).  Columns: h, psu, w, f, q (1-4 or
 * empty), g (1-3 or empty), s (subset 0/1), b (1-70: more domains than
 * the bits of a word).
 */
static char *
make_csv(const struct gen *g, int shuffled, size_t *nrows)
{
    size_t n = g->npsu * g->per, cap = 64 * n + 64, len = 0, i, k;
    char *csv = malloc(cap), **line = calloc(n, sizeof(char *));
    char buf[128];

    CHECK(csv != NULL && line != NULL);
    if (!csv || !line) {
        free(csv);
        free(line);
        return NULL;
    }
    rng_state = 88172645463325252ULL;
    for (i = 0; i < n; i++) {
        size_t p = i / g->per;
        unsigned h = g->lonely && p == g->npsu - 1
                         ? g->nstrata
                         : (unsigned)(p * 2654435761u % g->nstrata);
        double w = g->zero_w && rnd(13) == 0 ? 0 : 0.5 + rnd(100) / 40.0;
        unsigned q = rnd(100), dom = rnd(50);
        char qs[8] = "", gs[8] = "";

        if (q >= 7) /* about 7% missing */
            snprintf(qs, sizeof(qs), "%u", 1 + (q + h) % 4);
        if (dom >= 2)
            snprintf(gs, sizeof(gs), "%u", 1 + (dom + (unsigned)p) % 3);
        snprintf(buf, sizeof(buf), "%u,%zu,%g,%u,%s,%s,%d,%u\n", h, p, w,
                 1000 + 10 * h, qs, gs, rnd(10) != 0, 1 + rnd(70));
        line[i] = malloc(strlen(buf) + 1);
        CHECK(line[i] != NULL);
        if (line[i])
            strcpy(line[i], buf);
    }
    len += (size_t)snprintf(csv, cap, "h,psu,w,f,q,g,s,b\n");
    for (k = 0; k < n; k++) {
        /* 7919 is prime and does not divide n here: a permutation */
        i = shuffled ? k * 7919 % n : k;
        if (line[i])
            len += (size_t)snprintf(csv + len, cap - len, "%s", line[i]);
    }
    for (i = 0; i < n; i++)
        free(line[i]);
    free(line);
    *nrows = n;
    return csv;
}

struct run {
    svy_table *t;
    svy_design *d;
    svy_factor *q, *g;
    unsigned char *sub;
    svy_estimates *e;
};

static void
run_free(struct run *r)
{
    svy_estimates_free(r->e);
    svy_factor_free(r->q);
    svy_factor_free(r->g);
    free(r->sub);
    svy_design_free(r->d);
    svy_table_free(r->t);
}

static int
run_props(struct run *r, const struct gen *g, int shuffled,
          const svy_design_opts *o, const svy_est_opts *eo, int by, int subset)
{
    size_t n = 0, i;
    char *csv = make_csv(g, shuffled, &n);
    svy_err err = SVY_ERR_INIT;

    memset(r, 0, sizeof(*r));
    if (csv == NULL)
        return -1;
    r->t = fixture_text(csv);
    free(csv);
    if (r->t == NULL)
        return -1;
    if (svy_design_new(&r->d, r->t, o, &err) != SVY_OK) {
        fprintf(stderr, "svy_design_new: %s\n", err.msg);
        CHECK(0);
        return -1;
    }
    CHECK_INT(svy_factor_new(&r->q, r->t, "q", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_factor_new(&r->g, r->t, g->by ? g->by : "g", NULL, 0, NULL),
              SVY_OK);
    if (subset) {
        const svy_column *c = svy_table_find(r->t, "s");

        r->sub = malloc(n);
        CHECK(r->sub != NULL && c != NULL);
        for (i = 0; r->sub && c && i < n; i++)
            r->sub[i] = strcmp(svy_column_text(c, i), "1") == 0;
    }
    CHECK_INT(svy_design_props(&r->e, r->d, r->q, by ? r->g : NULL, r->sub,
                               eo, NULL),
              SVY_OK);
    return r->e ? 0 : -1;
}

static void
same_est(const svy_est *a, const svy_est *b)
{
    REL(a->est, b->est, 1e-12);
    REL(a->se, b->se, 1e-10);
    if (isnan(b->deff))
        CHECK(isnan(a->deff));
    else
        REL(a->deff, b->deff, 1e-10);
    REL(a->ci_low, b->ci_low, 1e-10);
    REL(a->ci_high, b->ci_high, 1e-10);
}

/* Two results' cells: every output to rounding, counts exactly. */
static void
same_cell(const svy_cell *x, const svy_cell *y)
{
    same_est(&x->mean, &y->mean);
    same_est(&x->total, &y->total);
    CHECK_NEAR(x->n, y->n, 0);
    CHECK_NEAR(x->base_n, y->base_n, 0);
    CHECK_NEAR(x->df, y->df, 0);
    REL(x->base_w, y->base_w, 1e-13);
    REL(x->base_eff, y->base_eff, 1e-12);
}

/* Runs (new pass) against shuffled (general pass): every output. */
static void
compare(const struct gen *g, const svy_design_opts *o, int flags, int by,
        int subset)
{
    struct run a, b;
    svy_est_opts eo = {.flags = flags};
    size_t k, j, k2, j2, K, D;

    if (run_props(&a, g, 0, o, &eo, by, subset) == 0 &&
        run_props(&b, g, 1, o, &eo, by, subset) == 0) {
        K = svy_estimates_nrows(a.e);
        D = svy_estimates_ncols(a.e);
        CHECK_INT((long)K, (long)svy_estimates_nrows(b.e));
        CHECK_INT((long)D, (long)svy_estimates_ncols(b.e));
        CHECK_NEAR(svy_estimates_df(a.e), svy_estimates_df(b.e), 0);
        for (j = 0; j < D; j++)
            for (k = 0; k < K; k++) {
                const svy_cell *x = svy_estimates_cell(a.e, k, j);

                same_cell(x, svy_estimates_cell(b.e, k, j));
                if (!(flags & (SVY_EST_COV | SVY_EST_CHISQ)))
                    continue;
                for (j2 = 0; j2 < D; j2++)
                    for (k2 = 0; k2 < K; k2++) {
                        double ca = svy_estimates_cov(a.e, k, j, k2, j2);
                        double cb = svy_estimates_cov(b.e, k, j, k2, j2);

                        if (isnan(cb))
                            CHECK(isnan(ca));
                        else /* absolute: covariances can be about 0 */
                            CHECK_NEAR(ca, cb, 1e-10 * x->mean.se * x->mean.se +
                                                   1e-300);
                    }
            }
        /* means of the 0/1 indicators take the general pass whatever the
         * order of the rows */
        for (k = 0; k < K; k++) {
            size_t n = svy_factor_nrows(a.q), i;
            const int *code = svy_factor_codes(a.q);
            double *y = malloc(n * sizeof(double));
            svy_estimates *em = NULL;

            CHECK(y != NULL);
            if (y == NULL)
                break;
            for (i = 0; i < n; i++)
                y[i] = code[i] < 0 ? NAN : code[i] == (int)k;
            CHECK_INT(svy_design_means(&em, a.d, y, by ? a.g : NULL, a.sub,
                                       &eo, NULL),
                      SVY_OK);
            for (j = 0; em && j < D; j++) {
                const svy_cell *x = svy_estimates_cell(a.e, k, j);
                const svy_cell *y2 = svy_estimates_cell(em, 0, j);

                REL(x->mean.est, y2->mean.est, 1e-12);
                REL(x->mean.se, y2->mean.se, 1e-10);
                REL(x->total.se, y2->total.se, 1e-10);
                CHECK_NEAR(x->df, y2->df, 0);
            }
            svy_estimates_free(em);
            free(y);
        }
        if (svy_estimates_rao_scott(b.e)) {
            const svy_rao_scott *x = svy_estimates_rao_scott(a.e);
            const svy_rao_scott *y = svy_estimates_rao_scott(b.e);

            CHECK(x != NULL);
            if (x) {
                REL(x->pearson, y->pearson, 1e-10);
                REL(x->f, y->f, 1e-8);
                REL(x->f_p, y->f_p, 1e-8);
                REL(x->ndf, y->ndf, 1e-8);
                REL(x->chisq, y->chisq, 1e-8);
                REL(x->chisq_p, y->chisq_p, 1e-8);
            }
        } else {
            CHECK(svy_estimates_rao_scott(a.e) == NULL);
        }
    }
    run_free(&a);
    run_free(&b);
}

static const int modes[] = {0, SVY_EST_COV, SVY_EST_COV | SVY_EST_CHISQ};

static void
test_estimate_clusters(void)
{
    struct gen g = {.npsu = 300, .per = 9, .nstrata = 5};
    svy_design_opts o = {.weight = "w", .strata = "h", .cluster = {"psu"}};
    size_t m;

    for (m = 0; m < 3; m++) {
        compare(&g, &o, modes[m], 1, 0);
        compare(&g, &o, modes[m], 1, 1);
        compare(&g, &o, modes[m], 0, 1);
    }
    g.by = "b"; /* 70 domains: PSUs mark domains in a list, not bits */
    compare(&g, &o, modes[1], 1, 1);
    g.by = NULL;
    g.zero_w = 1; /* rows of weight zero: counted in rows, not in PSUs */
    compare(&g, &o, modes[2], 1, 1);
    o.strata = NULL; /* one stratum */
    compare(&g, &o, modes[2], 1, 0);
}

static void
test_estimate_rows_as_psus(void)
{
    struct gen g = {.npsu = 2000, .per = 1, .nstrata = 4, .zero_w = 1};
    svy_design_opts o = {.weight = "w", .strata = "h"};

    compare(&g, &o, modes[2], 1, 1);
    compare(&g, &o, modes[0], 0, 0);
    o.fpc[0] = "f";
    compare(&g, &o, modes[2], 1, 0);
}

static void
test_estimate_lonely(void)
{
    struct gen g = {.npsu = 120, .per = 6, .nstrata = 3, .lonely = 1};
    svy_design_opts o = {.weight = "w", .strata = "h", .cluster = {"psu"}};
    static const svy_lonely pol[] = {SVY_LONELY_ADJUST, SVY_LONELY_AVERAGE,
                                     SVY_LONELY_CERTAINTY, SVY_LONELY_REMOVE};
    size_t i;

    for (i = 0; i < 4; i++) {
        o.lonely = pol[i];
        compare(&g, &o, modes[2], 1, 0);
        compare(&g, &o, modes[0], 0, 1);
    }
    o.lonely = SVY_LONELY_ADJUST;
    o.fpc[0] = "f";
    compare(&g, &o, modes[2], 1, 1);
}

/*
 * Large enough for two threads (THREAD_ROWS): the halves are added in a
 * fixed order, so the result is the same as the shuffled file's to
 * rounding, and the same from run to run to the bit, and with the halves
 * in turn on one thread (SVY_EST_ONE_THREAD).
 */
static void
test_estimate_threads(void)
{
    struct gen g = {.npsu = 11000, .per = 20, .nstrata = 9, .zero_w = 1};
    svy_design_opts o = {.weight = "w", .strata = "h", .cluster = {"psu"}};
    svy_est_opts eo = {.flags = SVY_EST_COV | SVY_EST_CHISQ};
    svy_est_opts e1 = {.flags =
                           SVY_EST_COV | SVY_EST_CHISQ | SVY_EST_ONE_THREAD};
    struct run a, b, c;
    size_t k, j;

    compare(&g, &o, modes[2], 1, 1);
    if (run_props(&a, &g, 0, &o, &eo, 1, 0) == 0 &&
        run_props(&b, &g, 0, &o, &eo, 1, 0) == 0 &&
        run_props(&c, &g, 0, &o, &e1, 1, 0) == 0)
        for (j = 0; j < 3; j++)
            for (k = 0; k < 4; k++) {
                CHECK_DBL(svy_estimates_cell(a.e, k, j)->mean.se,
                          svy_estimates_cell(b.e, k, j)->mean.se);
                CHECK_DBL(svy_estimates_cov(a.e, k, 0, k, j),
                          svy_estimates_cov(b.e, k, 0, k, j));
                CHECK(svy_estimates_cell(a.e, k, j)->mean.se ==
                          svy_estimates_cell(c.e, k, j)->mean.se &&
                      svy_estimates_cell(a.e, k, j)->mean.est ==
                          svy_estimates_cell(c.e, k, j)->mean.est &&
                      svy_estimates_cov(a.e, k, 0, k, j) ==
                          svy_estimates_cov(c.e, k, 0, k, j));
            }
    run_free(&a);
    run_free(&b);
    run_free(&c);
}

/*
 * Equal PSUs in every stratum: R's variance is exactly 0 (deviations of
 * equal totals), and so is the new pass's (deviations from the first PSU
 * of the stratum), not a rounding residue.
 */
static void
test_estimate_exact_zero(void)
{
    char csv[4096];
    size_t len = 0, i;
    svy_table *t;
    svy_design *d = NULL;
    svy_factor *q = NULL;
    svy_estimates *e = NULL;
    svy_design_opts o = {.weight = "w", .strata = "h"};

    len += (size_t)snprintf(csv, sizeof(csv), "h,w,q\n");
    for (i = 0; i < 60; i++) /* q constant within stratum, w too */
        len += (size_t)snprintf(csv + len, sizeof(csv) - len, "%zu,%s,%zu\n",
                                i % 3, i % 3 == 1 ? "0.1" : "2.7", i % 3);
    t = fixture_text(csv);
    CHECK_INT(svy_design_new(&d, t, &o, NULL), SVY_OK);
    CHECK_INT(svy_factor_new(&q, t, "q", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_design_props(&e, d, q, NULL, NULL, NULL, NULL), SVY_OK);
    for (i = 0; e && i < 3; i++) {
        CHECK_DBL(svy_estimates_cell(e, i, 0)->mean.se, 0);
        CHECK_DBL(svy_estimates_cell(e, i, 0)->total.se, 0);
    }
    svy_estimates_free(e);
    svy_factor_free(q);
    svy_design_free(d);
    svy_table_free(t);
}

/*
 * Nearly equal PSUs: clusters of weights 0.1, 0.2 and 0.3 in different
 * orders, whose totals differ in their last bits.  R's deviations give a
 * variance of the order of those bits; Σ t t' - T T'/n alone would give
 * rounding noise of the order of sqrt(ε)·t in the SE, so such a stratum
 * is recomputed from deviations (props_recentre).
 */
static void
test_estimate_near_equal(void)
{
    static const double ws[][3] = {{0.1, 0.2, 0.3},
                                   {0.7, 0.1, 0.2},
                                   {1.1, 0.3, 0.7},
                                   {0.37, 1.93, 2.71}};
    static const int perm[4][3] = {{0, 1, 2}, {2, 1, 0}, {1, 2, 0}, {2, 0, 1}};
    char csv[8192];
    size_t len, p, r, k;
    svy_design_opts o = {.weight = "w", .strata = "h", .cluster = {"psu"}};

    for (k = 0; k < 4; k++) {
        svy_table *t;
        svy_design *d = NULL;
        svy_factor *q = NULL;
        svy_estimates *e = NULL;

        len = (size_t)snprintf(csv, sizeof(csv), "h,psu,w,q\n");
        for (p = 0; p < 40; p++) /* q is the stratum: shares of strata */
            for (r = 0; r < 3; r++)
                len += (size_t)snprintf(csv + len, sizeof(csv) - len,
                                        "%zu,%zu,%.17g,%zu\n", p % 2, p,
                                        ws[k][perm[p / 2 % 4][r]], p % 2);
        t = fixture_text(csv);
        CHECK_INT(svy_design_new(&d, t, &o, NULL), SVY_OK);
        CHECK_INT(svy_factor_new(&q, t, "q", NULL, 0, NULL), SVY_OK);
        CHECK_INT(svy_design_props(&e, d, q, NULL, NULL, NULL, NULL), SVY_OK);
        for (p = 0; e && p < 2; p++) {
            const svy_cell *c = svy_estimates_cell(e, p, 0);

            CHECK(c->mean.se < 1e-15);
            CHECK(c->total.se < 1e-13);
            CHECK_NEAR(c->mean.est, 0.5, 1e-15);
        }
        svy_estimates_free(e);
        svy_factor_free(q);
        svy_design_free(d);
        svy_table_free(t);
    }
}

/*
 * svy_estimates_total: the total column from a banner variable's sums
 * (FULL mode, every row in a domain) against the direct call over all
 * rows, on run-ordered and shuffled files (the props pass and the
 * general one), with strata and clusters, fpc, a lonely PSU under
 * "average", weights of zero and a subset: every output to rounding,
 * counts and degrees of freedom exactly.  A domain variable that leaves
 * rows out, a result without every covariance and likelihood intervals
 * are refused (the caller then makes the call).
 */
static void
test_estimate_total(void)
{
    struct gen g = {
        .npsu = 120, .per = 7, .nstrata = 5, .lonely = 1, .zero_w = 1};
    svy_design_opts o = {.weight = "w", .strata = "h", .cluster = {"psu"}};
    svy_est_opts chi = {.flags = SVY_EST_COV | SVY_EST_CHISQ}, none = {0};
    svy_est_opts lik = {.ci = SVY_CI_LIKELIHOOD};
    size_t k, v;
    int sh, sub;

    g.by = "b"; /* 1-70: every row in a domain */
    for (v = 0; v < 3; v++)
        for (sh = 0; sh < 2; sh++)
            for (sub = 0; sub < 2; sub++) {
                struct run a, b;
                svy_estimates *t = NULL;
                svy_err err = SVY_ERR_INIT;

                o.fpc[0] = v == 1 ? "f" : NULL;
                o.lonely = v == 2 ? SVY_LONELY_AVERAGE : SVY_LONELY_ADJUST;
                if (run_props(&a, &g, sh, &o, &chi, 1, sub) != 0 ||
                    run_props(&b, &g, sh, &o, &none, 0, sub) != 0) {
                    CHECK(0);
                    continue;
                }
                CHECK_INT(svy_estimates_total(&t, a.e, &none, &err), SVY_OK);
                CHECK_INT((long)svy_estimates_nrows(b.e), 4);
                for (k = 0; t && k < svy_estimates_nrows(b.e); k++)
                    same_cell(svy_estimates_cell(t, k, 0),
                              svy_estimates_cell(b.e, k, 0));
                CHECK_INT((long)svy_estimates_ncols(t ? t : b.e), 1);
                svy_estimates_free(t);
                t = NULL;
                CHECK_INT(svy_estimates_total(&t, a.e, &lik, &err), SVY_EINVAL);
                CHECK(t == NULL);
                run_free(&a);
                run_free(&b);
            }
    {
        struct run a;
        svy_estimates *t = NULL;
        svy_est_opts cov = {.flags = SVY_EST_COV};

        g.by = "g"; /* about 4% of the rows in no domain */
        if (run_props(&a, &g, 0, &o, &chi, 1, 0) == 0) {
            CHECK_INT(svy_estimates_total(&t, a.e, &none, NULL), SVY_EINVAL);
            run_free(&a);
        }
        g.by = "b";
        if (run_props(&a, &g, 0, &o, &cov, 1, 0) == 0) {
            CHECK_INT(svy_estimates_total(&t, a.e, &none, NULL), SVY_EINVAL);
            run_free(&a);
        }
        CHECK(t == NULL);
    }
}

static const struct check_case cases[] = {
    CASE(test_estimate_near_equal),
    CASE(test_estimate_clusters),
    CASE(test_estimate_rows_as_psus),
    CASE(test_estimate_lonely),
    CASE(test_estimate_threads),
    CASE(test_estimate_total),
    CASE(test_estimate_exact_zero),
};

CHECK_MAIN(cases)
