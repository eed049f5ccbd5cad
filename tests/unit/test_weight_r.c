/*
 * test_weight_r.c - svy-weight's engine against R's survey package, on
 * the fixtures of tests/fixtures/ (written by tests/fixtures/weight.R; see
 * tests/fixtures/README.md for every R call).  Run from the repository
 * root.  Each school's weight is compared relative to R's:
 *   1e-9 for closed forms (postStratify, linear calibrate),
 *   1e-8 for iterative ones (rake, raking and logit calibrate);
 * Kish's design effect and ESS to 1e-9.  The largest difference of each
 * case is printed, for the record.
 */
#include "svy/weight.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "svy/csv.h"
#include "svy/num.h"
#include "svy/targets.h"

#define FIX "tests/fixtures/"

static svy_table *
read_csv(const char *path)
{
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    if (svy_csv_read_file(&t, path, NULL, NULL, &err) != SVY_OK)
        fprintf(stderr, "%s\n", err.msg);
    CHECK(t != NULL);
    return t;
}

static double
num_at(const svy_table *t, const char *col, size_t row)
{
    const svy_column *c = svy_table_find(t, col);
    const char *s;
    double v = NAN;

    if (c == NULL)
        return NAN;
    s = svy_column_text(c, row);
    svy_num_parse(s, strlen(s), 0, &v);
    return v;
}

/* The value of 'stat' in a NAME.diag.csv table (stat,value). */
static double
diag_stat(const svy_table *d, const char *stat)
{
    const svy_column *c = svy_table_find(d, "stat");
    size_t i;

    for (i = 0; c && i < svy_table_nrows(d); i++)
        if (strcmp(svy_column_text(c, i), stat) == 0)
            return num_at(d, "value", i);
    return NAN;
}

static double
rel(double a, double b)
{
    return fabs(a - b) / fabs(b);
}

/*
 * Weight FIX/data/DATA with FIX/weight/NAME.targets.csv, method 'm', base
 * weights 'pw' and bounds from NAME.bounds when 'bounds' is set; compare
 * every school's weight with NAME.weights.csv within 'tol'.  Returns the
 * result (the caller frees it), or NULL.
 */
static svy_weight_result *
compare(const char *name, const char *data, svy_weight_method m, int bounds,
        double tol)
{
    char path[256];
    svy_table *t = NULL, *ref = NULL, *b = NULL;
    svy_targets *tg = NULL;
    svy_weight_result *res = NULL;
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    double worst = 0;
    size_t i, j, n, bad = 0;

    snprintf(path, sizeof(path), FIX "data/%s", data);
    t = read_csv(path);
    snprintf(path, sizeof(path), FIX "weight/%s.weights.csv", name);
    ref = read_csv(path);
    snprintf(path, sizeof(path), FIX "weight/%s.targets.csv", name);
    CHECK_INT(svy_targets_read(&tg, path, NULL, NULL, &err), SVY_OK);
    if (bounds) {
        snprintf(path, sizeof(path), FIX "weight/%s.bounds", name);
        b = read_csv(path);
        if (b) {
            o.lower = num_at(b, "lower", 0);
            o.upper = num_at(b, "upper", 0);
        }
    }
    if (t == NULL || ref == NULL || tg == NULL)
        goto out;
    o.method = m;
    o.base = "pw";
    o.source = data;
    if (svy_weight_run(t, tg, &o, &res, &err) != SVY_OK)
        fprintf(stderr, "%s: %s\n", name, err.msg);
    CHECK(res != NULL);
    if (res == NULL)
        goto out;
    CHECK_INT(svy_weight_result_summary(res)->converged, 1);
    n = svy_table_nrows(t);
    CHECK_INT(svy_table_nrows(ref), n);
    /* Match schools by snum: the fixture keeps the input's row order, but
     * do not depend on it. */
    for (i = 0; i < svy_table_nrows(ref); i++) {
        double want = num_at(ref, "weight", i), got = NAN;
        const char *snum = svy_column_text(svy_table_find(ref, "snum"), i);
        for (j = 0; j < n; j++)
            if (strcmp(svy_column_text(svy_table_find(t, "snum"), j), snum) ==
                0) {
                got = svy_weight_result_weights(res)[j];
                break;
            }
        if (!(rel(got, want) <= tol)) {
            if (bad++ < 3)
                fprintf(stderr, "%s: school %s: %.17g, R %.17g\n", name, snum,
                        got, want);
        } else if (rel(got, want) > worst) {
            worst = rel(got, want);
        }
    }
    CHECK_INT(bad, 0);
    printf("  %-28s %zu weights, max relative difference from R %.2g\n", name,
           n, worst);
out:
    svy_table_free(t);
    svy_table_free(ref);
    svy_table_free(b);
    svy_targets_free(tg);
    return res;
}

static void
test_weight_r_rake(void)
{
    svy_weight_result *r =
        compare("rake_apiclus1", "apiclus1.csv", SVY_WEIGHT_RAKE, 0, 1e-8);
    svy_table *d = read_csv(FIX "weight/rake_apiclus1.diag.csv");

    if (r && d) {
        const svy_weight_stats *s = &svy_weight_result_summary(r)->stats;
        CHECK_STR(svy_weight_result_summary(r)->algorithm, "ipf");
        CHECK_NEAR(rel(s->deff, diag_stat(d, "deff_kish")), 0, 1e-9);
        CHECK_NEAR(rel(s->ess, diag_stat(d, "ess")), 0, 1e-9);
        CHECK_NEAR(rel(s->efficiency, diag_stat(d, "efficiency")), 0, 1e-9);
        CHECK_NEAR(rel(s->sum, diag_stat(d, "sum_w")), 0, 1e-9);
        CHECK_NEAR(rel(s->sum2, diag_stat(d, "sum_w2")), 0, 1e-9);
        CHECK_NEAR(rel(s->min, diag_stat(d, "min")), 0, 1e-9);
        CHECK_NEAR(rel(s->max, diag_stat(d, "max")), 0, 1e-9);
        CHECK_NEAR(rel(s->mean, diag_stat(d, "mean")), 0, 1e-9);
        CHECK_NEAR(rel(s->cv, diag_stat(d, "cv")), 0, 1e-9);
        CHECK_INT(s->n, (size_t)diag_stat(d, "n"));
        printf("  %-28s deff %.10g (R %.10g), ESS %.10g (R %.10g)\n",
               "rake_apiclus1 diagnostics", s->deff, diag_stat(d, "deff_kish"),
               s->ess, diag_stat(d, "ess"));
    }
    svy_table_free(d);
    svy_weight_result_free(r);
}

static void
test_weight_r_poststrat(void)
{
    svy_weight_result_free(compare("poststrat_apiclus1", "apiclus1.csv",
                                   SVY_WEIGHT_POSTSTRAT, 0, 1e-9));
    svy_weight_result_free(compare("poststrat_joint_apiclus1", "apiclus1.csv",
                                   SVY_WEIGHT_POSTSTRAT, 0, 1e-9));
}

static void
test_weight_r_calibrate(void)
{
    svy_weight_result_free(compare("calib_linear_apistrat", "apistrat.csv",
                                   SVY_WEIGHT_LINEAR, 0, 1e-9));
    /* R's calfun = "raking" is svy-weight's rake with an auxiliary. */
    svy_weight_result_free(compare("calib_raking_apistrat", "apistrat.csv",
                                   SVY_WEIGHT_RAKE, 0, 1e-8));
    svy_weight_result_free(compare("calib_logit_apistrat", "apistrat.csv",
                                   SVY_WEIGHT_LOGIT, 1, 1e-8));
    svy_weight_result_free(compare("calib_logit_tight_apistrat", "apistrat.csv",
                                   SVY_WEIGHT_LOGIT, 1, 1e-8));
}

/* The Quantum example, from quantum.diag.csv and quantum_rounded.diag.csv. */
static void
test_weight_r_quantum(void)
{
    svy_table *d = read_csv(FIX "weight/quantum.diag.csv");
    svy_table *dr = read_csv(FIX "weight/quantum_rounded.diag.csv");
    double exact[40], rounded[40];
    svy_weight_stats s;
    int i;

    for (i = 0; i < 40; i++) {
        exact[i] = i < 12 ? 20.8 / 12 : 19.2 / 28;
        rounded[i] = i < 12 ? 1.733 : 0.686;
    }
    if (d) {
        svy_weight_stats_compute(exact, 40, &s);
        CHECK_NEAR(rel(s.ess, diag_stat(d, "ess")), 0, 1e-9);
        CHECK_NEAR(rel(s.deff, diag_stat(d, "deff_kish")), 0, 1e-9);
        CHECK_NEAR(rel(s.sum, diag_stat(d, "sum_w")), 0, 1e-9);
        CHECK_NEAR(rel(s.cv, diag_stat(d, "cv")), 0, 1e-9);
        CHECK_NEAR(s.ess, 32.5077, 5e-5); /* the published figure */
    }
    if (dr) {
        svy_weight_stats_compute(rounded, 40, &s);
        CHECK_NEAR(rel(s.ess, diag_stat(dr, "ess")), 0, 1e-9);
        CHECK_NEAR(rel(s.sum, diag_stat(dr, "sum_w")), 0, 1e-9);
        CHECK_NEAR(rel(s.efficiency, diag_stat(dr, "efficiency")), 0, 1e-9);
    }
    svy_table_free(d);
    svy_table_free(dr);
}

static const struct check_case cases[] = {
    CASE(test_weight_r_rake),
    CASE(test_weight_r_poststrat),
    CASE(test_weight_r_calibrate),
    CASE(test_weight_r_quantum),
};

CHECK_MAIN(cases)
