/*
 * test_design.c - designs, linearized variances, intervals and tests on
 * small tables that can be checked by hand.  Where a value is not worked
 * out in the comment, it comes from R's survey 4.1-1 and the comment gives
 * the R call; those are compared to 1e-9 relative (estimates) and 1e-7
 * relative (SEs and everything derived from them), tighter than the 1e-6
 * of DESIGN.md because these cases are tiny.
 */
#include "svy/design.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "svy/csv.h"
#include "svy/io.h"
#include "svy/variance.h"

#define REL(a, b, tol) CHECK_NEAR((a), (b), (tol)*fabs((double)(b)))

static svy_design *
design(const svy_table *t, const svy_design_opts *o)
{
    svy_design *d = NULL;
    svy_err err = SVY_ERR_INIT;

    if (svy_design_new(&d, t, o, &err) != SVY_OK)
        fprintf(stderr, "svy_design_new: %s\n", err.msg);
    CHECK(d != NULL);
    return d;
}

/* Means and totals of column 'y' over all rows: cell (0, 0). */
static svy_cell
mean_of(const svy_design *d, const svy_table *t, const char *y,
        const svy_est_opts *o)
{
    svy_estimates *e = NULL;
    svy_cell c;
    double *v = NULL;

    memset(&c, 0, sizeof(c));
    CHECK_INT(svy_design_values(&v, t, y, NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_design_means(&e, d, v, NULL, NULL, o, NULL), SVY_OK);
    if (e)
        c = *svy_estimates_cell(e, 0, 0);
    svy_estimates_free(e);
    free(v);
    return c;
}

static void
test_design_srs_fpc(void)
{
    /*
     * SRS of n = 4 from N = 10: w = 10/4 = 2.5 (from the fpc), mean 2.5,
     * s² = 5/3, V = (1 - 4/10)·s²/4 = 0.25, SE 0.5; total 25, SE 5.
     * deff: V_srs = s²(W - n)/(W n) = (5/3)·6/40 = 0.25, so 1.
     * The fpc as a fraction (0.4) gives the same design.
     */
    svy_table *t =
        fixture_text("y,N,f\n1,10,0.4\n2,10,0.4\n3,10,0.4\n4,10,0.4\n");
    svy_design_opts o = {0};
    svy_design *d;
    svy_cell c;
    int k;

    for (k = 0; k < 2; k++) {
        o.fpc[0] = k ? "f" : "N";
        d = design(t, &o);
        if (d == NULL)
            continue;
        CHECK_NEAR(svy_design_weights(d)[0], 2.5, 1e-15);
        CHECK_NEAR(svy_design_degf(d), 3, 0);
        c = mean_of(d, t, "y", NULL);
        CHECK_NEAR(c.mean.est, 2.5, 1e-15);
        CHECK_NEAR(c.mean.se, 0.5, 1e-14);
        CHECK_NEAR(c.mean.deff, 1, 1e-13);
        CHECK_NEAR(c.total.est, 25, 1e-13);
        CHECK_NEAR(c.total.se, 5, 1e-13);
        CHECK_NEAR(c.total.deff, 1, 1e-13);
        CHECK_NEAR(c.base_n, 4, 0);
        CHECK_NEAR(c.base_w, 10, 1e-14);
        CHECK_NEAR(c.base_eff, 4, 1e-14);
        CHECK_NEAR(c.df, 3, 0);
        svy_design_free(d);
    }
    svy_table_free(t);
}

static void
test_design_two_psus(void)
{
    /*
     * One stratum, PSU A = {1, 3}, PSU B = {2, 6}, weights 1: mean 3.
     * z = (y - 3)/4: PSU totals -0.5 and 0.5, centred the same, times
     * n/(n-1) = 2: V = 2·(0.25 + 0.25) = 1.  Total 12: PSU totals 4 and
     * 8, deviations ±2, V = 2·8 = 16, SE 4.  The Wald interval on
     * df = 2 - 1 = 1 is 3 ± qt(0.975, 1) = 3 ± 12.706204736174707.
     */
    svy_table *t = fixture_text("psu,y\nA,1\nA,3\nB,2\nB,6\n");
    svy_design_opts o = {0};
    svy_design *d;
    svy_cell c;

    o.cluster[0] = "psu";
    d = design(t, &o);
    CHECK_INT(svy_design_npsu(d), 2);
    CHECK_INT(svy_design_nstrata(d), 1);
    c = mean_of(d, t, "y", NULL);
    CHECK_NEAR(c.mean.est, 3, 1e-15);
    CHECK_NEAR(c.mean.se, 1, 1e-14);
    CHECK_NEAR(c.total.se, 4, 1e-13);
    CHECK_NEAR(c.mean.ci_low, 3 - 12.706204736174707, 1e-9);
    CHECK_NEAR(c.mean.ci_high, 3 + 12.706204736174707, 1e-9);
    svy_design_free(d);
    svy_table_free(t);
}

/* Data for the domain cases: 2 strata, 6 PSUs, banner g, question q. */
static const char data_a[] = "id,h,psu,w,g,q,y\n"
                             "1,1,1,2,a,1,3\n"
                             "2,1,1,2,b,2,5\n"
                             "3,1,2,3,a,1,2\n"
                             "4,1,2,3,b,1,7\n"
                             "5,1,3,1,a,2,4\n"
                             "6,2,4,4,b,2,6\n"
                             "7,2,4,4,a,1,1\n"
                             "8,2,5,2,b,2,8\n"
                             "9,2,5,2,a,1,3\n"
                             "10,2,6,1,b,1,5\n"
                             "11,2,6,5,a,2,2\n"
                             "12,1,3,2,b,2,9\n";

static void
test_design_domains(void)
{
    /*
     * d <- svydesign(id = ~psu, strata = ~h, weights = ~w, data = A)
     * svyby(~factor(q), ~g, d, svymean, deff = TRUE)
     * svyby(~I(q == 1), ~g, d, svyciprop, method = "beta", vartype = "ci")
     * vcov(svyratio(~I(yes*ga) + I(yes*gb), ~ga + gb, d, covmat = TRUE))
     *   gives cov(p_a, p_b) = -0.0178836240378504284
     * svychisq(~q + g, d): F = 0.714767973401373, ndf = 1, ddf = 4,
     *   p = 0.44547252916647; statistic = "Chisq": X² = 1.55378151260504,
     *   p = 0.39786548993996
     * Proportions by hand: in g = a, q = 1 has weight 2+3+4+2 = 11 of 17.
     */
    svy_table *t = fixture_text(data_a);
    svy_design_opts o = {0};
    svy_est_opts eo = {0};
    svy_factor *q = NULL, *g = NULL;
    svy_estimates *e = NULL;
    const svy_rao_scott *rs;
    const svy_cell *c;
    svy_compare cmp;
    svy_design *d;
    double va, vb;

    o.strata = "h";
    o.cluster[0] = "psu";
    o.weight = "w";
    d = design(t, &o);
    CHECK_INT(svy_factor_new(&q, t, "q", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_factor_new(&g, t, "g", NULL, 0, NULL), SVY_OK);
    eo.ci = SVY_CI_BETA;
    eo.flags = SVY_EST_CHISQ;
    CHECK_INT(svy_design_props(&e, d, q, g, NULL, &eo, NULL), SVY_OK);
    if (e == NULL)
        goto out;
    CHECK_INT(svy_estimates_nrows(e), 2);
    CHECK_INT(svy_estimates_ncols(e), 2);
    c = svy_estimates_cell(e, 0, 0); /* q = 1 in g = a */
    CHECK_NEAR(c->mean.est, 11.0 / 17, 1e-15);
    REL(c->mean.se, 0.27113547438283364, 1e-7);
    REL(c->mean.deff, 2.4874412574947327, 1e-7);
    CHECK_NEAR(c->df, 4, 0); /* 6 PSUs hold g = a rows, 2 strata */
    CHECK_NEAR(c->n, 4, 0);
    CHECK_NEAR(c->base_n, 6, 0);
    CHECK_NEAR(c->base_w, 17, 1e-14);
    REL(c->mean.ci_low, 0.069165390075420663, 1e-7);
    REL(c->mean.ci_high, 0.99281436517110366, 1e-7);
    CHECK_NEAR(c->total.est, 11, 1e-14);
    c = svy_estimates_cell(e, 1, 1); /* q = 2 in g = b */
    REL(c->mean.est, 0.71428571428571419, 1e-9);
    REL(c->mean.se, 0.22679704868258024, 1e-7);
    REL(c->mean.deff, 2.2053571428571419, 1e-7);
    REL(svy_estimates_cov(e, 0, 0, 0, 1), -0.0178836240378504284, 1e-7);
    CHECK_NEAR(svy_estimates_cov(e, 0, 0, 0, 0), 0.07351444546880424313, 1e-9);
    va = 0.07351444546880424313;
    vb = 0.0514369012911286977;
    svy_estimates_compare(e, 0, 0, 1, &cmp);
    CHECK_NEAR(cmp.diff, 11.0 / 17 - 2.0 / 7, 1e-15);
    REL(cmp.se, sqrt(va + vb + 2 * 0.0178836240378504284), 1e-7);
    CHECK_NEAR(cmp.df, 4, 0);
    REL(cmp.p, svy_t_pvalue(cmp.diff / cmp.se, 4), 1e-12);
    rs = svy_estimates_rao_scott(e);
    CHECK(rs != NULL);
    if (rs) {
        REL(rs->f, 0.714767973401373, 1e-7);
        REL(rs->ndf, 1, 1e-9);
        REL(rs->ddf, 4, 1e-9);
        REL(rs->f_p, 0.44547252916647, 1e-7);
        REL(rs->pearson, 1.55378151260504, 1e-7);
        REL(rs->chisq_p, 0.39786548993996, 1e-7);
    }
out:
    svy_estimates_free(e);
    svy_factor_free(q);
    svy_factor_free(g);
    svy_design_free(d);
    svy_table_free(t);
}

static void
test_design_modes(void)
{
    /*
     * The three accumulation modes give the same standard errors; the
     * covariance of one category in two domains needs SVY_EST_COV, of two
     * categories SVY_EST_CHISQ; a cell with itself is always there.
     */
    svy_table *t = fixture_text(data_a);
    static const int flags[3] = {0, SVY_EST_COV, SVY_EST_CHISQ};
    svy_design_opts o = {0};
    svy_factor *q = NULL, *g = NULL;
    svy_estimates *e[3] = {NULL, NULL, NULL};
    svy_design *d;
    int m;

    o.strata = "h";
    o.cluster[0] = "psu";
    o.weight = "w";
    d = design(t, &o);
    CHECK_INT(svy_factor_new(&q, t, "q", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_factor_new(&g, t, "g", NULL, 0, NULL), SVY_OK);
    for (m = 0; m < 3; m++) {
        svy_est_opts eo = {0};

        eo.flags = flags[m];
        CHECK_INT(svy_design_props(&e[m], d, q, g, NULL, &eo, NULL), SVY_OK);
    }
    if (e[0] && e[1] && e[2]) {
        for (m = 1; m < 3; m++) {
            size_t k, j;

            for (k = 0; k < 2; k++)
                for (j = 0; j < 2; j++) {
                    CHECK_NEAR(svy_estimates_cell(e[m], k, j)->mean.se,
                               svy_estimates_cell(e[0], k, j)->mean.se, 1e-15);
                    CHECK_NEAR(svy_estimates_cell(e[m], k, j)->total.se,
                               svy_estimates_cell(e[0], k, j)->total.se, 1e-12);
                }
        }
        CHECK(isnan(svy_estimates_cov(e[0], 0, 0, 0, 1)));
        CHECK(isnan(svy_estimates_cov(e[1], 0, 0, 1, 1)));
        CHECK_NEAR(svy_estimates_cov(e[1], 0, 0, 0, 1),
                   svy_estimates_cov(e[2], 0, 0, 0, 1), 1e-15);
        CHECK_NEAR(svy_estimates_cov(e[0], 1, 1, 1, 1),
                   pow(svy_estimates_cell(e[0], 1, 1)->mean.se, 2), 1e-15);
        /* p(q=1|b) + p(q=2|b) = 1: their covariance is -var */
        CHECK_NEAR(svy_estimates_cov(e[2], 0, 1, 1, 1),
                   -svy_estimates_cov(e[2], 0, 1, 0, 1), 1e-15);
        CHECK(svy_estimates_rao_scott(e[1]) == NULL);
        CHECK(svy_estimates_rao_scott(e[2]) != NULL);
    }
    for (m = 0; m < 3; m++)
        svy_estimates_free(e[m]);
    svy_factor_free(q);
    svy_factor_free(g);
    svy_design_free(d);
    svy_table_free(t);
}

static void
test_design_missing_is_domain(void)
{
    /*
     * y missing on rows 2 and 7 gives the same mean and SE as leaving
     * those rows out with a subset mask: both keep every PSU and zero the
     * rows (R's na.rm = TRUE).  The subset also changes nothing else.
     */
    svy_table *t = fixture_text(data_a);
    svy_design_opts o = {0};
    unsigned char sub[12], miss[12] = {0};
    svy_estimates *e1 = NULL, *e2 = NULL;
    double *y1 = NULL, *y2 = NULL;
    svy_design *d;
    size_t i;

    o.strata = "h";
    o.cluster[0] = "psu";
    o.weight = "w";
    d = design(t, &o);
    miss[1] = miss[6] = 1;
    for (i = 0; i < 12; i++)
        sub[i] = !miss[i];
    CHECK_INT(svy_design_values(&y1, t, "y", miss, 0, NULL), SVY_OK);
    CHECK_INT(svy_design_values(&y2, t, "y", NULL, 0, NULL), SVY_OK);
    CHECK(isnan(y1[1]) && isnan(y1[6]) && y1[0] == 3);
    CHECK_INT(svy_design_means(&e1, d, y1, NULL, NULL, NULL, NULL), SVY_OK);
    CHECK_INT(svy_design_means(&e2, d, y2, NULL, sub, NULL, NULL), SVY_OK);
    if (e1 && e2) {
        const svy_cell *a = svy_estimates_cell(e1, 0, 0);
        const svy_cell *b = svy_estimates_cell(e2, 0, 0);

        CHECK_NEAR(a->mean.est, b->mean.est, 1e-15);
        CHECK_NEAR(a->mean.se, b->mean.se, 1e-15);
        CHECK_NEAR(a->total.se, b->total.se, 1e-12);
        CHECK_NEAR(a->base_n, 10, 0);
        CHECK_NEAR(a->mean.est, (130.0 - 10 - 4) / (31 - 2 - 4), 1e-14);
    }
    svy_estimates_free(e1);
    svy_estimates_free(e2);
    free(y1);
    free(y2);
    svy_design_free(d);
    svy_table_free(t);
}

static void
test_design_ratio_and_whole(void)
{
    /*
     * svymean(~y, d, deff = TRUE): 4.193548387096774, SE
     * 0.531194804551936, deff 0.78953; svytotal: 130, 14.7648230602334,
     * 0.63474; svyratio(~y, ~w, d): 1.3402061855670102, SE
     * 0.32094697193409905 (d as in test_design_domains).
     */
    svy_table *t = fixture_text(data_a);
    svy_design_opts o = {0};
    svy_estimates *e = NULL;
    double *y = NULL, *x = NULL;
    svy_design *d;
    svy_cell c;

    o.strata = "h";
    o.cluster[0] = "psu";
    o.weight = "w";
    d = design(t, &o);
    c = mean_of(d, t, "y", NULL);
    REL(c.mean.est, 4.193548387096774, 1e-12);
    REL(c.mean.se, 0.531194804551936, 1e-7);
    REL(c.mean.deff, 0.78953, 1e-4);
    REL(c.total.est, 130, 1e-14);
    REL(c.total.se, 14.7648230602334, 1e-7);
    REL(c.total.deff, 0.63474, 1e-4);
    CHECK_INT(svy_design_values(&y, t, "y", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_design_values(&x, t, "w", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_design_ratios(&e, d, y, x, NULL, NULL, NULL, NULL), SVY_OK);
    if (e) {
        const svy_cell *r = svy_estimates_cell(e, 0, 0);

        REL(r->mean.est, 1.3402061855670102, 1e-12);
        REL(r->mean.se, 0.32094697193409905, 1e-7);
        CHECK(isnan(r->mean.deff));
    }
    svy_estimates_free(e);
    free(y);
    free(x);
    svy_design_free(d);
    svy_table_free(t);
}

static void
test_design_lonely(void)
{
    /*
     * Stratum 1 has PSUs 1 = {1, 2} and 2 = {4}, stratum 2 only PSU 3 =
     * {3, 5} with weight 2.  Mean 23/7; PSU totals of z = w(y - ȳ)/7:
     * -0.5102, 0.10204, 0.40816.  Stratum 1 gives 2·Σ(t - t̄)² =
     * 0.37484 (SE 0.61224, certainty and remove); adjust adds 0.40816²
     * (SE 0.73583); average doubles it, 2 strata / 1 (SE 0.86585).
     * Totals: PSU totals 3, 4, 16: 1, 1 + 256, 2·1.  As R with
     * options(survey.lonely.psu = ...); the values to 17 digits are R's.
     */
    svy_table *t = fixture_text("h,psu,w,y\n1,1,1,1\n1,1,1,2\n1,2,1,4\n"
                                "2,3,2,3\n2,3,2,5\n");
    static const struct {
        svy_lonely l;
        double se, tse;
    } cases[] = {
        {SVY_LONELY_ADJUST, 0.73582679091101821, 16.031219541881399},
        {SVY_LONELY_AVERAGE, 0.86584503818760916, 1.4142135623730951},
        {SVY_LONELY_CERTAINTY, 0.61224489795918358, 1},
        {SVY_LONELY_REMOVE, 0.61224489795918358, 1},
    };
    svy_design_opts o = {0};
    svy_design *d = NULL;
    svy_err err = SVY_ERR_INIT;
    size_t k;

    o.strata = "h";
    o.cluster[0] = "psu";
    o.weight = "w";
    CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_EDATA);
    CHECK(d == NULL);
    CHECK_STR(err.msg, "stratum '2' has only one PSU (lonely PSU): choose "
                       "adjust, average, certainty or remove");
    for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        svy_cell c;

        o.lonely = cases[k].l;
        if ((d = design(t, &o)) == NULL)
            continue;
        c = mean_of(d, t, "y", NULL);
        CHECK_NEAR(c.mean.est, 23.0 / 7, 1e-15);
        REL(c.mean.se, cases[k].se, 1e-12);
        REL(c.total.se, cases[k].tse, 1e-12);
        svy_design_free(d);
    }
    svy_table_free(t);
}

static void
test_design_two_stage(void)
{
    /*
     * d <- svydesign(id = ~psu + ssu, fpc = ~N1 + N2, data = D)
     * weights (5/2)(3/2) = 3.75 and (5/2)(4/3); svymean(~y, d):
     * 3.1190476190476191, SE 1.0895126471595487; svytotal:
     * 54.583333333333329, SE 25.045098211914528.
     */
    svy_table *t = fixture_text("psu,ssu,N1,N2,y\n1,1,5,3,1\n1,2,5,3,2\n"
                                "2,3,5,4,4\n2,4,5,4,3\n2,5,5,4,6\n");
    svy_design_opts o = {0};
    svy_design *d;
    svy_cell c;

    o.cluster[0] = "psu";
    o.cluster[1] = "ssu";
    o.fpc[0] = "N1";
    o.fpc[1] = "N2";
    d = design(t, &o);
    CHECK_NEAR(svy_design_weights(d)[0], 3.75, 1e-15);
    CHECK_NEAR(svy_design_weights(d)[4], 10.0 / 3, 1e-15);
    c = mean_of(d, t, "y", NULL);
    REL(c.mean.est, 3.1190476190476191, 1e-14);
    REL(c.mean.se, 1.0895126471595487, 1e-12);
    REL(c.total.est, 54.583333333333329, 1e-14);
    REL(c.total.se, 25.045098211914528, 1e-12);
    svy_design_free(d);
    svy_table_free(t);
}

static void
test_design_nested_ids(void)
{
    /*
     * PSU id 1 appears in both strata: two PSUs, as R's nest = TRUE.
     * svydesign(id = ~psu, strata = ~h, data = E, nest = TRUE):
     * mean 3.6666666666666665, SE 0.67128033186636504, degf 2.
     */
    svy_table *t = fixture_text("h,psu,y\n1,1,1\n1,1,2\n1,2,3\n2,1,4\n2,1,5\n"
                                "2,2,7\n");
    svy_design_opts o = {0};
    svy_design *d;
    svy_cell c;

    o.strata = "h";
    o.cluster[0] = "psu";
    d = design(t, &o);
    CHECK_INT(svy_design_npsu(d), 4);
    CHECK_NEAR(svy_design_degf(d), 2, 0);
    c = mean_of(d, t, "y", NULL);
    REL(c.mean.est, 3.6666666666666665, 1e-15);
    REL(c.mean.se, 0.67128033186636504, 1e-12);
    svy_design_free(d);
    svy_table_free(t);
}

static void
test_design_calibration(void)
{
    /*
     * d <- svydesign(id = ~1, weights = ~w, data = C); the final weights
     * below are R's to 17 digits.
     *  rake(d, list(~x1, ~x2), a = 8, b = 7; u = 5, v = 10):
     *    svymean(~y): 4.2222222222222383, SE 0.37989872996489821
     *  calibrate(d, ~x1 + x2, c(15, 7, 10), calfun = "linear"):
     *    4.2266666666666666, SE 0.27562138281829074
     *  postStratify(d, ~x1, a = 8, b = 7): 3.9866666666666668,
     *    SE 0.68786355236097996 (GREG on one margin, base weights w)
     */
    svy_table *t = fixture_text(
        "x1,x2,w,y,wr,wg,wp\n"
        "a,u,1,2,1.3333333333333244,1.3600000000000001,1.6000000000000001\n"
        "a,v,2,4,3.9999999999999201,3.919999999999999,3.2000000000000002\n"
        "b,u,1,3,1.0000000000000269,0.92000000000000037,1.3999999999999999\n"
        "b,v,3,7,4.5000000000000595,4.5600000000000005,4.2000000000000002\n"
        "a,u,2,1,2.6666666666666488,2.7200000000000002,3.2000000000000002\n"
        "b,v,1,5,1.5000000000000198,1.5199999999999998,1.3999999999999999\n");
    static const svy_design_margin m2[] = {{"x1", 0}, {"x2", 0}};
    static const svy_design_margin m1[] = {{"x1", 0}};
    svy_calvar_opts co = {0};
    svy_design_opts o = {0};
    svy_design *d;
    svy_err err = SVY_ERR_INIT;
    svy_cell c;

    o.weight = "wr";
    d = design(t, &o);
    CHECK_INT(svy_design_set_calibration(d, t, m2, 2, NULL, &err), SVY_OK);
    c = mean_of(d, t, "y", NULL);
    REL(c.mean.est, 4.2222222222222383, 1e-12);
    REL(c.mean.se, 0.37989872996489821, 1e-9);
    svy_design_free(d);

    o.weight = "wg";
    d = design(t, &o);
    co.method = SVY_CALVAR_GREG;
    co.base_weight = "w";
    CHECK_INT(svy_design_set_calibration(d, t, m2, 2, &co, &err), SVY_OK);
    c = mean_of(d, t, "y", NULL);
    REL(c.mean.est, 4.2266666666666666, 1e-12);
    REL(c.mean.se, 0.27562138281829074, 1e-9);
    /* numeric auxiliaries need GREG; n = 0 removes the calibration */
    CHECK_INT(svy_design_set_calibration(d, t, m2, 0, NULL, &err), SVY_OK);
    svy_design_free(d);

    o.weight = "wp";
    d = design(t, &o);
    CHECK_INT(svy_design_set_calibration(d, t, m1, 1, &co, &err), SVY_OK);
    c = mean_of(d, t, "y", NULL);
    REL(c.mean.est, 3.9866666666666668, 1e-12);
    REL(c.mean.se, 0.68786355236097996, 1e-9);
    {
        static const svy_design_margin bad[] = {{"y", 1}};
        static const svy_design_margin nope[] = {{"x1*zz", 0}};

        CHECK_INT(svy_design_set_calibration(d, t, bad, 1, NULL, &err),
                  SVY_EINVAL);
        CHECK_STR(err.msg, "calibration: numeric margin 'y' needs the GREG "
                           "rule, not raking");
        CHECK_INT(svy_design_set_calibration(d, t, nope, 1, NULL, &err),
                  SVY_EINVAL);
        CHECK_STR(err.msg, "calibration column 'zz' not found");
    }
    svy_design_free(d);
    svy_table_free(t);
}

static void
test_design_errors(void)
{
    svy_table *t = fixture_text("h,psu,w,f,g\n1,1,2,10,0.5\n1,2,x,10,0.5\n"
                                "2,3,1,12,20\n2,4,,11,20\n");
    svy_design_opts o = {0};
    svy_design *d = NULL;
    svy_err err = SVY_ERR_INIT;

    o.weight = "nope";
    CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "weight column 'nope' not found");
    o.weight = "w";
    CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_EDATA);
    CHECK_STR(err.msg, "line 3: weight column 'w': not a number 'x'");
    o.weight = NULL;
    o.strata = "h";
    o.fpc[0] = "f";
    CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_EDATA);
    CHECK_STR(err.msg, "line 5: fpc column 'f' varies within stratum '2'");
    o.fpc[0] = "g";
    CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_EDATA);
    CHECK_STR(err.msg, "fpc must be all population counts (>= 1) or all "
                       "sampling fractions (<= 1)");
    o.fpc[0] = NULL;
    o.cluster[1] = "psu";
    CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "second-stage cluster ids need first-stage ids");
    o.cluster[0] = "h";
    o.fpc[0] = "f";
    CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "a two-stage design with an fpc needs it for both "
                       "stages");
    o.cluster[1] = NULL;
    o.strata = NULL;
    o.fpc[0] = NULL;
    o.cluster[0] = "w";
    CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_EDATA);
    CHECK_STR(err.msg, "line 5: cluster column 'w' is empty");
    CHECK(d == NULL);
    svy_table_free(t);

    t = fixture_text("psu,y,N\n1,1,1\n1,2,1\n");
    memset(&o, 0, sizeof(o));
    o.cluster[0] = "psu";
    CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_EDATA);
    CHECK_STR(err.msg, "the design has only one primary sampling unit");
    memset(&o, 0, sizeof(o));
    o.fpc[0] = "N";
    CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_EDATA);
    CHECK_STR(err.msg, "fpc must be all population counts (>= 1) or all "
                       "sampling fractions (<= 1), and not all 1");
    svy_table_free(t);

    t = fixture_text("y,N\n1,3\n2,3\n3,3\n4,3\n");
    o.fpc[0] = "N";
    CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_EDATA);
    CHECK_STR(err.msg, "line 2: fpc column 'N' implies more than 100% "
                       "sampling (4 sampled of 3)");
    svy_table_free(t);
}

/*
 * Design columns read as text, as doubles and as bytes (svy_column_compact)
 * give the same design and the same errors, naming the same line: the
 * number columns are read without a call a row (svy_num_cell).
 */
static void
test_design_numeric_columns(void)
{
    static const char csv[] = "h,psu,w,q\n1,1,2,1\n1,1,3,2\n1,2,2,1\n"
                              "2,3,1.5,2\n2,3,1,1\n2,4,4,2\n2,4,2,2\n";
    static const char bad[] = "h,psu,w\n1,1,2\n1,2,3\n,3,1\n2,,2\n2,5,\n";
    static const char *const want[] = {
        "line 4: strata column 'h' is empty",
        "line 5: cluster column 'psu' is empty",
        "line 6: weight column 'w' is empty",
    };
    svy_design_opts o = {.weight = "w", .strata = "h", .cluster = {"psu"}};
    double se[3] = {0};
    size_t k, c;

    for (k = 0; k < 3; k++) { /* text, doubles, bytes where they fit */
        svy_table *t = fixture_text(csv), *u = fixture_text(bad);
        svy_design *d = NULL;
        svy_factor *q = NULL;
        svy_estimates *e = NULL;
        svy_err err = SVY_ERR_INIT;
        svy_design_opts ob = o;

        if (k > 0) {
            CHECK_INT(svy_table_infer_types(t, NULL, NULL), SVY_OK);
            CHECK_INT(svy_table_infer_types(u, NULL, NULL), SVY_OK);
        }
        for (c = 0; k == 2 && c < svy_table_ncols(t); c++)
            svy_column_compact(svy_table_col(t, c));
        for (c = 0; k == 2 && c < svy_table_ncols(u); c++)
            svy_column_compact(svy_table_col(u, c));
        if (k == 2)
            CHECK(svy_column_bytes(svy_table_find(t, "h")) &&
                  svy_column_doubles(svy_table_find(t, "w")));
        CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_OK);
        CHECK_INT(svy_factor_new(&q, t, "q", NULL, 0, NULL), SVY_OK);
        if (d && q &&
            svy_design_props(&e, d, q, NULL, NULL, NULL, NULL) == SVY_OK) {
            CHECK_INT(svy_design_npsu(d), 4);
            CHECK_INT(svy_design_nstrata(d), 2);
            se[k] = svy_estimates_cell(e, 0, 0)->mean.se;
        }
        CHECK(se[k] > 0 && se[k] == se[0]);
        for (c = 0; c < 3; c++) { /* each error alone */
            svy_design *x = NULL;
            ob.strata = c == 0 ? "h" : NULL;
            ob.cluster[0] = c == 1 ? "psu" : NULL;
            ob.weight = c == 2 ? "w" : NULL;
            CHECK_INT(svy_design_new(&x, u, &ob, &err), SVY_EDATA);
            CHECK_STR(err.msg, want[c]);
            CHECK(x == NULL);
        }
        svy_estimates_free(e);
        svy_factor_free(q);
        svy_design_free(d);
        svy_table_free(t);
        svy_table_free(u);
    }
}

/*
 * A byte column (svy_column_compact) gives the factor the same column of
 * doubles gives: levels, codes, user-missing codes out or kept, a mask
 * (a value met only in masked rows is no level).
 */
static void
test_design_factor_bytes(void)
{
    /* 10 in the first row only: the first row is looked at too */
    static const double v[] = {10, 3, NAN, 8, 0, 3, 254, 3, 8, 1};
    static const unsigned char mask[] = {0, 0, 0, 0, 0, 0, 1, 0, 0, 1};
    static const char *const dk[] = {"8"};
    static const int want[] = {2, 1, -1, -1, 0, 1, -1, 1, -1, -1};
    svy_table *t = NULL;
    svy_column *a = NULL, *b = NULL;
    svy_factor *fa = NULL, *fb = NULL;
    size_t i, k, m, bad = 0;

    CHECK_INT(svy_table_new(&t, NULL), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "a", SVY_NUM, &a, NULL), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "b", SVY_NUM, &b, NULL), SVY_OK);
    CHECK_INT(svy_column_compact(a), 1);
    for (i = 0; i < 10; i++) {
        CHECK_INT(svy_column_push_num(a, v[i], NULL), SVY_OK);
        CHECK_INT(svy_column_push_num(b, v[i], NULL), SVY_OK);
        CHECK_INT(svy_table_commit_row(t, i + 2, NULL), SVY_OK);
    }
    CHECK(svy_column_bytes(a) != NULL && svy_column_bytes(b) == NULL);
    CHECK_INT(svy_column_set_user_missing(a, dk, 1, NULL), SVY_OK);
    CHECK_INT(svy_column_set_user_missing(b, dk, 1, NULL), SVY_OK);
    for (k = 0; k < 4; k++) {
        const unsigned char *mk = k & 1 ? mask : NULL;
        int flags = k & 2 ? SVY_FACTOR_KEEP_USER_MISSING : 0;

        CHECK_INT(svy_factor_new(&fa, t, "a", mk, flags, NULL), SVY_OK);
        CHECK_INT(svy_factor_new(&fb, t, "b", mk, flags, NULL), SVY_OK);
        if (!fa || !fb)
            break;
        CHECK_INT(svy_factor_nlevels(fa), svy_factor_nlevels(fb));
        for (m = 0; m < svy_factor_nlevels(fa) && m < svy_factor_nlevels(fb);
             m++)
            CHECK_STR(svy_factor_level(fa, m), svy_factor_level(fb, m));
        for (i = 0; i < 10; i++)
            bad += svy_factor_codes(fa)[i] != svy_factor_codes(fb)[i];
        if (k == 1) { /* levels 0 3 10: 254 and 1 only in masked rows */
            CHECK_INT(svy_factor_nlevels(fa), 3);
            for (i = 0; i < 10; i++)
                CHECK_INT(svy_factor_codes(fa)[i], want[i]);
        }
        svy_factor_free(fa);
        svy_factor_free(fb);
    }
    CHECK_INT(bad, 0);
    svy_table_free(t);
    /* a numeric column without rows has no array at all: no level */
    CHECK_INT(svy_table_new(&t, NULL), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "e", SVY_NUM, &a, NULL), SVY_OK);
    CHECK_INT(svy_factor_new(&fa, t, "e", NULL, 0, NULL), SVY_OK);
    CHECK(fa != NULL && svy_factor_nlevels(fa) == 0);
    svy_factor_free(fa);
    svy_table_free(t);
}

static void
test_design_factor(void)
{
    svy_table *t = fixture_text("n,s\n10,b\n9,a\n2,\n10,c\n8,a\n");
    static const char *const dk[] = {"8"};
    static const char *const labels[] = {"x", "y"};
    static const int bad[] = {0, 2};
    svy_factor *f = NULL;
    const int *codes;

    CHECK_INT(svy_factor_new(&f, t, "n", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_factor_nlevels(f), 4); /* 2 8 9 10: numeric order */
    CHECK_STR(svy_factor_level(f, 0), "2");
    CHECK_STR(svy_factor_level(f, 3), "10");
    codes = svy_factor_codes(f);
    CHECK_INT(codes[0], 3);
    CHECK_INT(codes[2], 0);
    svy_factor_free(f);
    CHECK_INT(svy_factor_new(&f, t, "s", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_factor_nlevels(f), 3);
    CHECK_STR(svy_factor_level(f, 0), "a");
    CHECK_INT(svy_factor_codes(f)[2], -1); /* empty is missing */
    svy_factor_free(f);
    /* user missing: out unless kept; a mask adds rows */
    CHECK_INT(svy_column_set_user_missing(svy_table_find(t, "n"), dk, 1, NULL),
              SVY_OK);
    {
        static const unsigned char mask[] = {1, 0, 0, 0, 0};

        CHECK_INT(svy_factor_new(&f, t, "n", mask, 0, NULL), SVY_OK);
        CHECK_INT(svy_factor_nlevels(f), 3);
        CHECK_INT(svy_factor_codes(f)[4], -1);
        CHECK_INT(svy_factor_codes(f)[0], -1);
        svy_factor_free(f);
    }
    CHECK_INT(
        svy_factor_new(&f, t, "n", NULL, SVY_FACTOR_KEEP_USER_MISSING, NULL),
        SVY_OK);
    CHECK_INT(svy_factor_nlevels(f), 4);
    svy_factor_free(f);
    CHECK_INT(svy_factor_from_codes(&f, bad, 2, labels, 2, NULL), SVY_EINVAL);
    CHECK(f == NULL);
    svy_table_free(t);
}

static void
test_variance_ci_prop(void)
{
    /*
     * p = 0.3, se = 0.05, df = 20, n = 100, 95%; R:
     * t <- qt(0.975, 20); p ± t·se; plogis(qlogis(p) ± t·se/(p(1-p)));
     * sin(asin(sqrt(p)) ± t·se/(2·sqrt(p(1-p))))^2; Korn-Graubard with
     * ne <- p(1-p)/se² (qt(0.025, 99)/qt(0.025, 20))², qbeta(0.025,
     * ne·p, ne(1-p)+1) and qbeta(0.975, ne·p+1, ne(1-p)); Wilson with
     * n* = p(1-p)/se² = 84 and z = t.
     */
    static const struct {
        svy_ci_method m;
        double lo, hi;
    } cases[] = {
        {SVY_CI_WALD, 0.19570182763670674, 0.40429817236329324},
        {SVY_CI_LOGIT, 0.2068602774157399, 0.41322725639261204},
        {SVY_CI_XLOGIT, 0.2068602774157399, 0.41322725639261204},
        {SVY_CI_ASIN, 0.20175767779671414, 0.40855778137034732},
        {SVY_CI_BETA, 0.20018116204601269, 0.41597128866497979},
        {SVY_CI_WILSON, 0.2076765480063088, 0.41202320190458103},
    };
    double lo, hi;
    size_t k;
    svy_ci_method m;

    for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        svy_ci_prop(cases[k].m, 0.3, 0.05, 20, 100, 0.95, &lo, &hi);
        REL(lo, cases[k].lo, 1e-8);
        REL(hi, cases[k].hi, 1e-8);
    }
    /* p = 0 with se = 0: Korn-Graubard falls back to n* = n: the
     * Clopper-Pearson [0, qbeta(0.975, 1, 100)] */
    svy_ci_prop(SVY_CI_BETA, 0, 0, 20, 100, 0.95, &lo, &hi);
    CHECK_NEAR(lo, 0, 0);
    REL(hi, 0.036216692645176463, 1e-8);
    svy_ci_prop(SVY_CI_LOGIT, 0.3, 0.05, 0, 100, 0.95, &lo, &hi);
    CHECK(isnan(lo) && isnan(hi));
    svy_ci_wald(1, 0.5, INFINITY, 0.95, &lo, &hi);
    REL(hi, 1 + 0.5 * 1.9599639845400536, 1e-12);
    REL(svy_t_quantile(0.975, 20), 2.0859634472658648, 1e-12);
    REL(svy_t_pvalue(-2.1, 20), 0.048617587257557, 1e-10);
    CHECK(svy_ci_method_parse("kg", &m) && m == SVY_CI_BETA);
    CHECK(svy_ci_method_parse("mean", &m) && m == SVY_CI_WALD);
    CHECK(!svy_ci_method_parse("exact", &m));
    CHECK_STR(svy_ci_method_name(SVY_CI_WILSON), "wilson");
    {
        svy_lonely l;

        CHECK(svy_lonely_parse("average", &l) && l == SVY_LONELY_AVERAGE);
        CHECK(!svy_lonely_parse("drop", &l));
        CHECK_STR(svy_lonely_name(SVY_LONELY_REMOVE), "remove");
    }
}

static void
test_variance_rao_scott_srs(void)
{
    /*
     * Independence exactly (p_rc = p_r p_c) gives X² = 0 and p = 1; a 1
     * by 2 table has no test.
     */
    static const double p[4] = {0.12, 0.28, 0.18, 0.42};
    double V[16] = {0};
    svy_rao_scott rs;
    svy_err err = SVY_ERR_INIT;
    int i;

    for (i = 0; i < 4; i++) /* multinomial covariance / 100 */
        for (int j = 0; j < 4; j++)
            V[i * 4 + j] = ((i == j) * p[i] - p[i] * p[j]) / 100;
    CHECK_INT(svy_rao_scott_test(p, V, 2, 2, 100, 99, &rs, &err), SVY_OK);
    CHECK_NEAR(rs.pearson, 0, 1e-12);
    CHECK_NEAR(rs.f_p, 1, 1e-12);
    CHECK_NEAR(rs.delta_mean, 1, 1e-12); /* SRS: design effects 1 */
    CHECK_NEAR(rs.ndf, 1, 1e-12);
    CHECK_INT(svy_rao_scott_test(p, V, 1, 2, 100, 99, &rs, &err), SVY_EINVAL);
    CHECK(isnan(rs.f));
    /* no variance at all: no test (R prints rounding noise there) */
    for (i = 0; i < 16; i++)
        V[i] = 0;
    CHECK_INT(svy_rao_scott_test(p, V, 2, 2, 100, 99, &rs, &err), SVY_ENUMERIC);
    CHECK_STR(err.msg, "rao-scott test: the table's design variance is zero");
}

static void
test_design_user_missing_base(void)
{
    /*
     * q has "don't know" = 9: by default the base is the valid answers
     * (2 of 3 say 1); with SVY_FACTOR_KEEP_USER_MISSING it is all
     * answers.  Weights 1, no design: each row its own PSU.
     */
    svy_table *t = fixture_text("q\n1\n1\n2\n9\n");
    static const char *const dk[] = {"9"};
    svy_factor *f = NULL;
    svy_estimates *e = NULL;
    svy_design *d;

    CHECK_INT(svy_column_set_user_missing(svy_table_find(t, "q"), dk, 1, NULL),
              SVY_OK);
    d = design(t, NULL);
    CHECK_INT(svy_factor_new(&f, t, "q", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_design_props(&e, d, f, NULL, NULL, NULL, NULL), SVY_OK);
    if (e) {
        CHECK_NEAR(svy_estimates_cell(e, 0, 0)->mean.est, 2.0 / 3, 1e-15);
        CHECK_NEAR(svy_estimates_cell(e, 0, 0)->base_n, 3, 0);
        CHECK(svy_estimates_rao_scott(e) == NULL);
    }
    svy_estimates_free(e);
    svy_factor_free(f);
    CHECK_INT(
        svy_factor_new(&f, t, "q", NULL, SVY_FACTOR_KEEP_USER_MISSING, NULL),
        SVY_OK);
    CHECK_INT(svy_design_props(&e, d, f, NULL, NULL, NULL, NULL), SVY_OK);
    if (e)
        CHECK_NEAR(svy_estimates_cell(e, 0, 0)->mean.est, 0.5, 1e-15);
    svy_estimates_free(e);
    svy_factor_free(f);
    svy_design_free(d);
    svy_table_free(t);
}

static void
test_design_empty_levels(void)
{
    /*
     * A level no row has (a codebook category nobody chose) and a domain
     * with no valid rows give NaN estimates, not a crash; the other cells
     * are unaffected.  All rows missing gives an empty result the same way.
     */
    svy_table *t = fixture_text("q,g\n1,a\n2,a\n1,b\n,c\n");
    static const int qc[] = {0, 1, 0, -1}, gc[] = {0, 0, 1, 2};
    static const char *const ql[] = {"1", "2", "3"};
    static const char *const gl[] = {"a", "b", "c"};
    static const int none[] = {-1, -1, -1, -1};
    svy_factor *q = NULL, *g = NULL, *z = NULL;
    svy_estimates *e = NULL;
    svy_est_opts o = {0};
    svy_design *d = design(t, NULL);

    CHECK_INT(svy_factor_from_codes(&q, qc, 4, ql, 3, NULL), SVY_OK);
    CHECK_INT(svy_factor_from_codes(&g, gc, 4, gl, 3, NULL), SVY_OK);
    CHECK_INT(svy_factor_from_codes(&z, none, 4, ql, 0, NULL), SVY_OK);
    o.flags = SVY_EST_CHISQ;
    CHECK_INT(svy_design_props(&e, d, q, g, NULL, &o, NULL), SVY_OK);
    if (e) {
        CHECK_NEAR(svy_estimates_cell(e, 0, 0)->mean.est, 0.5, 1e-15);
        CHECK_NEAR(svy_estimates_cell(e, 2, 0)->mean.est, 0, 0);
        CHECK(isnan(svy_estimates_cell(e, 0, 2)->mean.est));
        CHECK_NEAR(svy_estimates_cell(e, 0, 2)->base_n, 0, 0);
    }
    svy_estimates_free(e);
    e = NULL;
    CHECK_INT(svy_design_props(&e, d, z, NULL, NULL, NULL, NULL), SVY_OK);
    if (e)
        CHECK(isnan(svy_estimates_cell(e, 0, 0)->mean.est));
    svy_estimates_free(e);
    svy_factor_free(q);
    svy_factor_free(g);
    svy_factor_free(z);
    svy_design_free(d);
    svy_table_free(t);
}

/*
 * Design effects with equal weights and no design (issue 4): R's deff is
 * the design variance over that of simple random sampling without
 * replacement from a population of W = Σw.  With weights 1, W = n: that
 * SRS variance is 0 and R prints Inf (svymean and svytotal of
 * factor(stype) on svydesign(id = ~1, weights = ~one, apiclus1), and the
 * same without weights); with weights 2, R prints 2 (W = 2n, half the
 * variance).  deff = "replace" drops the fpc: 1.
 */
static void
test_design_deff_equal_weights(void)
{
    static const char csv[] = "q,y,one,two\n"
                              "1,3,1,2\n2,5,1,2\n1,4,1,2\n2,9,1,2\n"
                              "1,1,1,2\n1,6,1,2\n2,2,1,2\n1,7,1,2\n";
    svy_table *t = fixture_text(csv);
    svy_design_opts o1 = {.weight = "one"}, o2 = {.weight = "two"};
    svy_est_opts rep = {.flags = SVY_EST_DEFF_REPLACE};
    svy_design *d1 = design(t, &o1), *d2 = design(t, &o2),
               *d0 = design(t, NULL);
    svy_factor *q = NULL;
    svy_estimates *e = NULL;
    svy_cell c;

    c = mean_of(d1, t, "y", NULL);
    CHECK(isinf(c.mean.deff) && c.mean.deff > 0);
    CHECK(isinf(c.total.deff) && c.total.deff > 0);
    c = mean_of(d0, t, "y", NULL);
    CHECK(isinf(c.mean.deff) && c.mean.deff > 0);
    c = mean_of(d1, t, "y", &rep);
    CHECK_NEAR(c.mean.deff, 1, 1e-13);
    c = mean_of(d2, t, "y", NULL);
    CHECK_NEAR(c.mean.deff, 2, 1e-13);
    CHECK_INT(svy_factor_new(&q, t, "q", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_design_props(&e, d1, q, NULL, NULL, NULL, NULL), SVY_OK);
    if (e) {
        CHECK(isinf(svy_estimates_cell(e, 0, 0)->mean.deff));
        CHECK(isinf(svy_estimates_cell(e, 1, 0)->total.deff));
    }
    svy_estimates_free(e);
    e = NULL;
    CHECK_INT(svy_design_props(&e, d2, q, NULL, NULL, NULL, NULL), SVY_OK);
    if (e)
        CHECK_NEAR(svy_estimates_cell(e, 0, 0)->mean.deff, 2, 1e-13);
    svy_estimates_free(e);
    svy_factor_free(q);
    svy_design_free(d0);
    svy_design_free(d1);
    svy_design_free(d2);
    svy_table_free(t);
}

/*
 * Proportions on THREAD_ROWS (200,000) rows or more take two threads, each
 * over half of the strata (linearize.c); means take one.  The proportion
 * of category k is the mean of the indicator [q = k] (missing where q is),
 * so the two paths must agree, SEs and covariances between domains too,
 * up to the order of their sums.
 */
static void
test_design_threads(void)
{
    size_t n = 240000, i, len = 0, cap = 32 * n + 64;
    char *csv = malloc(cap);
    svy_table *t;
    svy_design_opts o = {.weight = "w", .strata = "h", .cluster = {"psu"}};
    svy_est_opts eo = {.flags = SVY_EST_COV | SVY_EST_CHISQ};
    svy_design *d;
    svy_factor *q = NULL, *g = NULL;
    svy_estimates *ep = NULL, *em = NULL;
    double *y = NULL;
    size_t k, j;

    CHECK(csv != NULL);
    if (csv == NULL)
        return;
    len += (size_t)snprintf(csv + len, cap - len, "h,psu,w,g,q\n");
    for (i = 0; i < n; i++) {
        unsigned v = (unsigned)((i * 2654435761u) >> 7) % 5;

        len += (size_t)snprintf(csv + len, cap - len, "%zu,%zu,%.1f,%zu,",
                                i % 7, i / 20, 1 + (double)(i * 37 % 11) / 10,
                                (i / 3) % 4);
        if (i % 17 == 0)
            len += (size_t)snprintf(csv + len, cap - len, "\n");
        else
            len += (size_t)snprintf(csv + len, cap - len, "%u\n", v + 1);
    }
    t = fixture_text(csv);
    free(csv);
    d = design(t, &o);
    CHECK_INT(svy_factor_new(&q, t, "q", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_factor_new(&g, t, "g", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_design_props(&ep, d, q, g, NULL, &eo, NULL), SVY_OK);
    CHECK(ep != NULL && svy_estimates_rao_scott(ep) != NULL);
    y = malloc(n * sizeof(double));
    CHECK(y != NULL);
    for (k = 0; ep && y && k < 5; k++) {
        const int *code = svy_factor_codes(q);

        for (i = 0; i < n; i++)
            y[i] = code[i] < 0 ? NAN : code[i] == (int)k;
        eo.flags = SVY_EST_COV;
        CHECK_INT(svy_design_means(&em, d, y, g, NULL, &eo, NULL), SVY_OK);
        for (j = 0; em && j < 4; j++) {
            const svy_cell *a = svy_estimates_cell(ep, k, j);
            const svy_cell *b = svy_estimates_cell(em, 0, j);

            REL(a->mean.est, b->mean.est, 1e-12);
            REL(a->mean.se, b->mean.se, 1e-10);
            REL(a->total.se, b->total.se, 1e-10);
            CHECK_NEAR(a->n, svy_estimates_cell(ep, k, j)->n, 0);
            CHECK_NEAR(a->df, b->df, 0);
            if (j > 0)
                REL(svy_estimates_cov(ep, k, 0, k, j),
                    svy_estimates_cov(em, 0, 0, 0, j), 1e-9);
        }
        svy_estimates_free(em);
        em = NULL;
    }
    free(y);
    svy_estimates_free(ep);
    svy_factor_free(q);
    svy_factor_free(g);
    svy_design_free(d);
    svy_table_free(t);
}

static const struct check_case cases[] = {
    CASE(test_design_srs_fpc),
    CASE(test_design_two_psus),
    CASE(test_design_domains),
    CASE(test_design_modes),
    CASE(test_design_missing_is_domain),
    CASE(test_design_ratio_and_whole),
    CASE(test_design_lonely),
    CASE(test_design_two_stage),
    CASE(test_design_nested_ids),
    CASE(test_design_calibration),
    CASE(test_design_errors),
    CASE(test_design_factor),
    CASE(test_design_factor_bytes),
    CASE(test_design_numeric_columns),
    CASE(test_variance_ci_prop),
    CASE(test_variance_rao_scott_srs),
    CASE(test_design_user_missing_base),
    CASE(test_design_empty_levels),
    CASE(test_design_deff_equal_weights),
    CASE(test_design_threads),
};

CHECK_MAIN(cases)
