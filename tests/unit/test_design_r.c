/*
 * test_design_r.c - the design engine against R's survey package, on the
 * fixtures of tests/fixtures/tab/ (written by tests/fixtures/tab.R; see
 * tests/fixtures/README.md, "Design-based estimation", for every R call).
 * Run from the repository root.  Every row of every DESIGN.csv is
 * compared, with the README's tolerances:
 *   1e-9 relative for estimates (means, totals, tables, ciprop estimates),
 *   1e-6 relative for SEs, design effects, CI bounds, test statistics,
 *        non-integer degrees of freedom and p-values,
 *   exact for degf and integer degrees of freedom;
 * an SE that R gives as 0 (stratum shares of a stratified design) is
 * compared absolutely, |se| <= 1e-9·|estimate| and |deff| <= 1e-9.
 * The largest relative difference of each family is printed, for the
 * record.
 */
#include "svy/design.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "svy/csv.h"
#include "svy/num.h"

#define FIX "tests/fixtures/"

/* Largest relative differences seen, per family of numbers. */
enum fam { F_EST, F_SE, F_DEFF, F_CI, F_TEST, F_NFAM };
static const char *const fam_name[F_NFAM] = {"estimates", "standard errors",
                                             "design effects", "CI bounds",
                                             "tests (statistic, df, p)"};
static double worst[F_NFAM];
static char worst_where[F_NFAM][160];

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

static const char *
text_at(const svy_table *t, const char *col, size_t row)
{
    const svy_column *c = svy_table_find(t, col);

    return c ? svy_column_text(c, row) : "";
}

static double
num_at(const svy_table *t, const char *col, size_t row)
{
    const char *s = text_at(t, col, row);
    double v = NAN;

    svy_num_parse(s, strlen(s), 0, &v);
    return v;
}

/*
 * Compare 'got' with R's 'ref' relative to 'tol'; 'floor' > 0 makes a
 * difference below it pass (R's exact zeros).  Records the worst.
 */
static void
cmp(enum fam f, double got, double ref, double tol, double floor,
    const char *where)
{
    double d = fabs(got - ref), r = ref != 0 ? d / fabs(ref) : d;

    if (floor > 0 && d <= floor)
        r = 0;
    if (isnan(ref) && isnan(got))
        r = 0;
    if (!(r <= tol))
        fprintf(stderr, "%s: got %.17g, R %.17g (rel %.3g)\n", where, got, ref,
                r);
    CHECK(r <= tol);
    if (r > worst[f]) {
        worst[f] = r;
        snprintf(worst_where[f], sizeof(worst_where[f]), "%s", where);
    }
}

/* "~a+b" -> a and b (NULL when absent or "~1"). */
static void
formula(const char *f, char *buf, size_t size, const char **a, const char **b)
{
    char *plus;

    *a = *b = NULL;
    if (f[0] != '~' || strcmp(f, "~1") == 0)
        return;
    snprintf(buf, size, "%s", f + 1);
    *a = buf;
    if ((plus = strchr(buf, '+')) != NULL) {
        *plus = '\0';
        *b = plus + 1;
    }
}

/* Attach the final weights of NAME.weights.csv as column "w_final". */
static void
add_final_weights(svy_table *t, const char *name)
{
    char path[256];
    svy_table *w;
    svy_column *c = NULL;
    size_t i;

    snprintf(path, sizeof(path), FIX "tab/%s.weights.csv", name);
    w = read_csv(path);
    if (w == NULL)
        return;
    CHECK_INT(svy_table_nrows(w), svy_table_nrows(t));
    CHECK_INT(svy_table_add_column(t, "w_final", SVY_NUM, &c, NULL), SVY_OK);
    for (i = 0; c && i < svy_table_nrows(t) && i < svy_table_nrows(w); i++) {
        CHECK_STR(text_at(w, "snum", i), text_at(t, "snum", i));
        CHECK_INT(svy_column_set_num(c, i, num_at(w, "weight", i), NULL),
                  SVY_OK);
    }
    svy_table_free(w);
}

struct ctx {
    const char *name;
    svy_table *data;
    svy_design *d;
    int calibrated;
};

static svy_factor *
factor(const struct ctx *x, const char *col)
{
    svy_factor *f = NULL;

    CHECK_INT(svy_factor_new(&f, x->data, col, NULL, 0, NULL), SVY_OK);
    return f;
}

static long
level_index(const svy_factor *f, const char *lev)
{
    size_t k;

    for (k = 0; f && k < svy_factor_nlevels(f); k++)
        if (strcmp(svy_factor_level(f, k), lev) == 0)
            return (long)k;
    return -1;
}

/* The cell a fixture row names: level (categorical) and by_level. */
static const svy_cell *
row_cell(const svy_estimates *e, const svy_factor *var, const svy_factor *by,
         const char *level, const char *by_level)
{
    long k = var ? level_index(var, level) : 0;
    long j = by ? level_index(by, by_level) : 0;

    CHECK(k >= 0 && j >= 0);
    if (k < 0 || j < 0)
        return NULL;
    return svy_estimates_cell(e, (size_t)k, (size_t)j);
}

/*
 * Compare one fixture row of a mean or total.  Each row is computed twice:
 * with the default (standard errors only, the two-pass path) and with
 * SVY_EST_COV (the general accumulation); both must match R.
 */
static void
check_mean_total(const struct ctx *x, const svy_table *f, size_t i)
{
    const char *stat = text_at(f, "stat", i), *var = text_at(f, "variable", i);
    const char *by = text_at(f, "by", i), *lev = text_at(f, "level", i);
    const char *blev = text_at(f, "by_level", i);
    svy_factor *fv = NULL, *fb = by[0] ? factor(x, by) : NULL;
    double *y = NULL, ref_est = num_at(f, "estimate", i);
    double ref_se = num_at(f, "se", i), ref_deff = num_at(f, "deff", i);
    char where[160];
    int mode;

    if (lev[0])
        fv = factor(x, var);
    else
        CHECK_INT(svy_design_values(&y, x->data, var, NULL, 0, NULL), SVY_OK);
    for (mode = 0; mode < 2; mode++) {
        svy_est_opts o = {0};
        svy_estimates *e = NULL;
        svy_err err = SVY_ERR_INIT;
        const svy_cell *cell;
        const svy_est *est;
        svy_status rc;

        snprintf(where, sizeof(where), "%s row %zu: %s %s%s%s %s%s%s%s",
                 x->name, i + 2, stat, var, lev[0] ? "=" : "", lev,
                 by[0] ? "by " : "", by, blev[0] ? blev : "",
                 mode ? " (cov)" : "");
        o.flags = mode ? SVY_EST_COV : 0;
        if (lev[0])
            rc = svy_design_props(&e, x->d, fv, fb, NULL, &o, &err);
        else
            rc = svy_design_means(&e, x->d, y, fb, NULL, &o, &err);
        if (rc != SVY_OK)
            fprintf(stderr, "%s: %s\n", where, err.msg);
        CHECK_INT(rc, SVY_OK);
        if (rc == SVY_OK &&
            (cell = row_cell(e, lev[0] ? fv : NULL, fb, lev, blev)) != NULL) {
            est = strcmp(stat, "mean") == 0 ? &cell->mean : &cell->total;
            cmp(F_EST, est->est, ref_est, 1e-9, 0, where);
            if (ref_se == 0) { /* R's exact zeros */
                cmp(F_SE, est->se, 0, 0, 1e-9 * fabs(ref_est), where);
                cmp(F_DEFF, est->deff, 0, 0, 1e-9, where);
            } else {
                cmp(F_SE, est->se, ref_se, 1e-6, 0, where);
                cmp(F_DEFF, est->deff, ref_deff, 1e-6, 0, where);
            }
        }
        svy_estimates_free(e);
    }
    svy_factor_free(fv);
    svy_factor_free(fb);
    free(y);
}

/* ciprop_METHOD[_90]: sch.wide == "Yes" over the whole design. */
static void
check_ciprop(const struct ctx *x, const svy_table *f, size_t i)
{
    const char *full = text_at(f, "stat", i), *stat = strchr(full, '_');
    svy_factor *fv = factor(x, text_at(f, "variable", i));
    svy_est_opts o = {0};
    svy_estimates *e = NULL;
    const svy_cell *cell;
    char method[32], where[160];
    size_t len;

    stat = stat ? stat + 1 : full;
    len = strcspn(stat, "_");
    snprintf(method, sizeof(method), "%.*s", (int)len, stat);
    snprintf(where, sizeof(where), "%s row %zu: ciprop %s", x->name, i + 2,
             stat);
    CHECK(svy_ci_method_parse(method, &o.ci));
    o.level = strstr(stat, "_90") ? 0.90 : 0.95;
    CHECK_INT(svy_design_props(&e, x->d, fv, NULL, NULL, &o, NULL), SVY_OK);
    if (e &&
        (cell = row_cell(e, fv, NULL, text_at(f, "level", i), "")) != NULL) {
        cmp(F_EST, cell->mean.est, num_at(f, "estimate", i), 1e-9, 0, where);
        cmp(F_SE, cell->mean.se, num_at(f, "se", i), 1e-6, 0, where);
        cmp(F_CI, cell->mean.ci_low, num_at(f, "ci_low", i), 1e-6, 0, where);
        cmp(F_CI, cell->mean.ci_high, num_at(f, "ci_high", i), 1e-6, 0, where);
        CHECK_NEAR(cell->df, num_at(f, "df", i), 0);
    }
    svy_estimates_free(e);
    svy_factor_free(fv);
}

/* table, pearson, rao_scott_f and chisq rows: stype × sch.wide. */
static void
check_table(const struct ctx *x, const svy_table *f, size_t i)
{
    const char *stat = text_at(f, "stat", i);
    svy_factor *fv = factor(x, text_at(f, "variable", i));
    svy_factor *fb = factor(x, text_at(f, "by", i));
    svy_estimates *e = NULL;
    const svy_rao_scott *rs;
    const svy_cell *cell;
    svy_est_opts o = {0};
    double est = num_at(f, "estimate", i), df = num_at(f, "df", i);
    double p = num_at(f, "p", i);
    char where[160];

    snprintf(where, sizeof(where), "%s row %zu: %s %s", x->name, i + 2, stat,
             text_at(f, "level", i));
    o.flags = SVY_EST_CHISQ;
    CHECK_INT(svy_design_props(&e, x->d, fv, fb, NULL, &o, NULL), SVY_OK);
    rs = e ? svy_estimates_rao_scott(e) : NULL;
    if (e && strcmp(stat, "table") == 0) {
        cell = row_cell(e, fv, fb, text_at(f, "level", i),
                        text_at(f, "by_level", i));
        if (cell)
            cmp(F_EST, cell->total.est, est, 1e-9, 0, where);
    } else if (rs == NULL) {
        CHECK(rs != NULL);
    } else if (strcmp(stat, "pearson") == 0) {
        cmp(F_TEST, rs->pearson, est, 1e-6, 0, where);
        CHECK_NEAR(rs->chisq_df, df, 0);
        cmp(F_TEST, rs->pearson_p, p, 1e-6, 0, where);
    } else if (strcmp(stat, "rao_scott_f") == 0) {
        cmp(F_TEST, rs->f, est, 1e-6, 0, where);
        cmp(F_TEST, strcmp(text_at(f, "level", i), "ndf") ? rs->ddf : rs->ndf,
            df, 1e-6, 0, where);
        cmp(F_TEST, rs->f_p, p, 1e-6, 0, where);
    } else if (strcmp(stat, "chisq") == 0) {
        cmp(F_TEST, rs->pearson, est, 1e-6, 0, where); /* R prints X² */
        CHECK_NEAR(rs->chisq_df, df, 0);
        cmp(F_TEST, rs->chisq_p, p, 1e-6, 0, where);
        cmp(F_TEST, rs->chisq, rs->f * rs->chisq_df, 1e-9, 0, where);
    }
    svy_estimates_free(e);
    svy_factor_free(fv);
    svy_factor_free(fb);
}

/* Build design row 'r' of designs.csv and check every row of its file. */
static void
check_design(const svy_table *designs, size_t r)
{
    struct ctx x = {0};
    const char *notes = text_at(designs, "notes", r), *lp;
    char path[256], ib[64], sb[64], fb[64];
    svy_design_opts o = {0};
    svy_table *f;
    svy_err err = SVY_ERR_INIT;
    const char *unused;
    size_t i, nrows;

    x.name = text_at(designs, "design", r);
    snprintf(path, sizeof(path), FIX "data/%s", text_at(designs, "data", r));
    x.data = read_csv(path);
    snprintf(path, sizeof(path), FIX "tab/%s.csv", x.name);
    f = read_csv(path);
    if (!x.data || !f)
        goto out;
    formula(text_at(designs, "ids", r), ib, sizeof(ib), &o.cluster[0],
            &o.cluster[1]);
    formula(text_at(designs, "strata", r), sb, sizeof(sb), &o.strata, &unused);
    formula(text_at(designs, "weights", r), path, sizeof(path), &o.weight,
            &unused);
    formula(text_at(designs, "fpc", r), fb, sizeof(fb), &o.fpc[0], &o.fpc[1]);
    if ((lp = strstr(notes, "survey.lonely.psu=")) != NULL) {
        char pol[32];

        snprintf(pol, sizeof(pol), "%.*s", (int)strcspn(lp + 18, ");"),
                 lp + 18);
        CHECK(svy_lonely_parse(pol, &o.lonely));
    }
    x.calibrated = strstr(notes, "rake()") || strstr(notes, "calibrate(");
    if (x.calibrated) {
        add_final_weights(x.data, x.name);
        o.weight = "w_final";
    }
    if (svy_design_new(&x.d, x.data, &o, &err) != SVY_OK) {
        fprintf(stderr, "%s: %s\n", x.name, err.msg);
        CHECK(0);
        goto out;
    }
    if (x.calibrated) {
        static const svy_design_margin m[] = {{"stype", 0}, {"sch.wide", 0}};
        svy_calvar_opts co = {0};

        if (strstr(notes, "calibrate(")) {
            co.method = SVY_CALVAR_GREG;
            co.base_weight = "pw";
        }
        CHECK_INT(svy_design_set_calibration(x.d, x.data, m, 2, &co, &err),
                  SVY_OK);
    }
    nrows = svy_table_nrows(f);
    for (i = 0; i < nrows; i++) {
        const char *stat = text_at(f, "stat", i);

        CHECK_STR(text_at(f, "design", i), x.name);
        if (strcmp(stat, "degf") == 0)
            CHECK_NEAR(svy_design_degf(x.d), num_at(f, "estimate", i), 0);
        else if (strcmp(stat, "mean") == 0 || strcmp(stat, "total") == 0)
            check_mean_total(&x, f, i);
        else if (strncmp(stat, "ciprop_", 7) == 0)
            check_ciprop(&x, f, i);
        else
            check_table(&x, f, i);
    }
    printf("  %-20s %3zu rows\n", x.name, nrows);
out:
    svy_design_free(x.d);
    svy_table_free(x.data);
    svy_table_free(f);
}

static void
test_design_r_fixtures(void)
{
    svy_table *designs = read_csv(FIX "tab/designs.csv");
    size_t r;

    for (r = 0; designs && r < svy_table_nrows(designs); r++)
        check_design(designs, r);
    CHECK(designs && svy_table_nrows(designs) >= 11);
    svy_table_free(designs);
}

/* Print the largest differences of every case above (runs last). */
static void
test_design_r_summary(void)
{
    size_t k;

    printf("largest relative differences from R:\n");
    for (k = 0; k < F_NFAM; k++)
        printf("  %-26s %.3g  (%s)\n", fam_name[k], worst[k], worst_where[k]);
}

/*
 * Beyond the fixture files: results R gives for the same designs that the
 * fixtures do not cover, computed with survey 4.1-1 (values to 17
 * digits), compared to 1e-9 relative:
 *   r1 <- rake(dclus1, list(~stype, ~sch.wide), ...) as apiclus1_raked
 *   svychisq(~awards + stype, r1): F 5.154031978319610907,
 *     ndf 1.733773837930589368, ddf 24.272833731028249815,
 *     p 0.016869174635677667  (Rao-Scott after raking)
 *   vcov(svyratio(~I(yes*gE) + I(yes*gM), ~gE + gM, r1, covmat = TRUE)):
 *     cov(p_E, p_M) of awards == "Yes" -0.0027214965224602659
 *   svyby(~I(sch.wide == "Yes"), ~stype, dclus2, svyciprop,
 *     method = "beta", vartype = "ci"): E 0.806554050372295994
 *     0.98620395435493902, H 0.024351673124467173 0.40876429581733775,
 *     M 0.154409274908065053 0.87875022329248254; degf of the domains
 *     34, 13, 20.
 */
static void
test_design_r_more(void)
{
    static const double kg[3][2] = {
        {0.806554050372295994, 0.98620395435493902},
        {0.024351673124467173, 0.40876429581733775},
        {0.154409274908065053, 0.87875022329248254}};
    static const double kgdf[3] = {34, 13, 20};
    static const svy_design_margin m[] = {{"stype", 0}, {"sch.wide", 0}};
    svy_table *t = read_csv(FIX "data/apiclus1.csv");
    svy_table *t2 = read_csv(FIX "data/apiclus2.csv");
    svy_factor *fa = NULL, *fs = NULL, *fw = NULL, *fs2 = NULL;
    svy_estimates *e = NULL, *e2 = NULL;
    svy_design *d = NULL, *d2 = NULL;
    svy_design_opts o = {0}, o2 = {0};
    svy_est_opts eo = {0}, eb = {0};
    const svy_rao_scott *rs;
    char where[80];
    size_t j;

    if (!t || !t2)
        goto out;
    add_final_weights(t, "apiclus1_raked");
    o.cluster[0] = "dnum";
    o.weight = "w_final";
    o.fpc[0] = "fpc";
    CHECK_INT(svy_design_new(&d, t, &o, NULL), SVY_OK);
    CHECK_INT(svy_design_set_calibration(d, t, m, 2, NULL, NULL), SVY_OK);
    CHECK_INT(svy_factor_new(&fa, t, "awards", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_factor_new(&fs, t, "stype", NULL, 0, NULL), SVY_OK);
    eo.flags = SVY_EST_CHISQ;
    CHECK_INT(svy_design_props(&e, d, fa, fs, NULL, &eo, NULL), SVY_OK);
    if (e && (rs = svy_estimates_rao_scott(e)) != NULL) {
        cmp(F_TEST, rs->f, 5.154031978319610907, 1e-9, 0, "raked F");
        cmp(F_TEST, rs->ndf, 1.733773837930589368, 1e-9, 0, "raked ndf");
        cmp(F_TEST, rs->ddf, 24.272833731028249815, 1e-9, 0, "raked ddf");
        cmp(F_TEST, rs->f_p, 0.016869174635677667, 1e-9, 0, "raked p");
        cmp(F_SE, svy_estimates_cov(e, 1, 0, 1, 2), -0.0027214965224602659,
            1e-9, 0, "raked cov(E, M)");
    } else {
        CHECK(0);
    }
    o2.cluster[0] = "dnum";
    o2.cluster[1] = "snum";
    o2.fpc[0] = "fpc1";
    o2.fpc[1] = "fpc2";
    CHECK_INT(svy_design_new(&d2, t2, &o2, NULL), SVY_OK);
    CHECK_INT(svy_factor_new(&fw, t2, "sch.wide", NULL, 0, NULL), SVY_OK);
    CHECK_INT(svy_factor_new(&fs2, t2, "stype", NULL, 0, NULL), SVY_OK);
    eb.ci = SVY_CI_BETA;
    CHECK_INT(svy_design_props(&e2, d2, fw, fs2, NULL, &eb, NULL), SVY_OK);
    for (j = 0; e2 && j < 3; j++) {
        const svy_cell *c = svy_estimates_cell(e2, 1, j);

        snprintf(where, sizeof(where), "apiclus2 beta in stype %s",
                 svy_factor_level(fs2, j));
        cmp(F_CI, c->mean.ci_low, kg[j][0], 1e-9, 0, where);
        cmp(F_CI, c->mean.ci_high, kg[j][1], 1e-9, 0, where);
        CHECK_NEAR(c->df, kgdf[j], 0);
    }
out:
    svy_estimates_free(e);
    svy_estimates_free(e2);
    svy_factor_free(fa);
    svy_factor_free(fs);
    svy_factor_free(fw);
    svy_factor_free(fs2);
    svy_design_free(d);
    svy_design_free(d2);
    svy_table_free(t);
    svy_table_free(t2);
}

/* The default lonely-PSU policy fails, naming the stratum, as R does. */
static void
test_design_r_lonely_fail(void)
{
    svy_table *t = read_csv(FIX "data/apiclus1.csv");
    svy_design_opts o = {0};
    svy_design *d = NULL;
    svy_err err = SVY_ERR_INIT;

    o.cluster[0] = "dnum";
    o.strata = "cnum";
    o.weight = "pw";
    CHECK_INT(svy_design_new(&d, t, &o, &err), SVY_EDATA);
    CHECK(d == NULL);
    CHECK(strstr(err.msg, "stratum '") != NULL);
    CHECK(strstr(err.msg, "only one PSU") != NULL);
    svy_table_free(t);
}

static const struct check_case cases[] = {
    CASE(test_design_r_fixtures),
    CASE(test_design_r_more),
    CASE(test_design_r_lonely_fail),
    CASE(test_design_r_summary),
};

CHECK_MAIN(cases)
