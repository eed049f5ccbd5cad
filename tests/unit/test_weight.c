/*
 * test_weight.c - weighting on small tables a person can check by hand:
 * raking, post-stratification, calibration, trimming, missing values,
 * labels, every refusal with its exact message, the column written back
 * and the JSON report.  The comparisons with R are in test_weight_r.c.
 */
#include "svy/weight.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "svy/buf.h"
#include "svy/codebook.h"
#include "svy/csv.h"
#include "svy/io.h"
#include "svy/num.h"
#include "svy/wreport.h"

static char notes[1024];

static void
collect(void *ctx, const char *msg)
{
    (void)ctx;
    strncat(notes, msg, sizeof(notes) - strlen(notes) - 2);
    strcat(notes, "\n");
}

static svy_table *
table_of(const char *csv)
{
    svy_input *in = NULL;
    svy_table *t = NULL;

    if (svy_input_open_mem(&in, "d.csv", csv, strlen(csv), NULL) == SVY_OK)
        svy_csv_read(&t, in, NULL, NULL, NULL);
    svy_input_close(in);
    return t;
}

static svy_targets *
targets_of(const char *csv)
{
    svy_targets *tg = NULL;

    svy_targets_parse(&tg, "t.csv", csv, strlen(csv), NULL, NULL, NULL);
    return tg;
}

/*
 * Weight 'data' to 'targets' with 'o' (source "d.csv", notes collected);
 * the table and result go to '*t' and '*res' (freed by the caller).
 */
static svy_status
run(const char *data, const char *targets, svy_weight_opts *o, svy_table **t,
    svy_weight_result **res, svy_err *err)
{
    svy_targets *tg = targets_of(targets);
    svy_status rc;

    *t = table_of(data);
    *res = NULL;
    notes[0] = '\0';
    CHECK(*t != NULL && tg != NULL);
    if (*t == NULL || tg == NULL) {
        svy_targets_free(tg);
        return SVY_EINVAL;
    }
    o->source = "d.csv";
    o->note = collect;
    rc = svy_weight_run(*t, tg, o, res, err);
    svy_targets_free(tg);
    return rc;
}

/* The message of a run that must fail with 'code'; nothing is written. */
static const char *
fails(const char *data, const char *targets, svy_weight_opts *o,
      svy_status code)
{
    static svy_err err;
    svy_table *t;
    svy_weight_result *res;
    svy_status rc = run(data, targets, o, &t, &res, &err);

    CHECK_INT(rc, code);
    CHECK_INT(err.code, code);
    if (t && code != SVY_ENOCONV)
        CHECK(svy_table_find(t, "weight") == NULL);
    svy_weight_result_free(res);
    svy_table_free(t);
    return err.msg;
}

static double
weight_of(const svy_weight_result *r, size_t row)
{
    return svy_weight_result_weights(r)[row];
}

static void
test_weight_rake_2x2(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;

    /* One respondent a cell; sex 60/40 and age 50/50 of n = 4: the sex
     * sweep gives 1.2, 1.2, 0.8, 0.8 and the age margin already holds. */
    CHECK_INT(run("sex,age\n1,1\n1,2\n2,1\n2,2\n",
                  "variable,category,target\n"
                  "sex,1,0.6\nsex,2,0.4\nage,1,0.5\nage,2,0.5\n",
                  &o, &t, &r, &err),
              SVY_OK);
    if (r) {
        const svy_weight_summary *s = svy_weight_result_summary(r);
        CHECK_NEAR(weight_of(r, 0), 1.2, 1e-15);
        CHECK_NEAR(weight_of(r, 1), 1.2, 1e-15);
        CHECK_NEAR(weight_of(r, 2), 0.8, 1e-15);
        CHECK_NEAR(weight_of(r, 3), 0.8, 1e-15);
        CHECK_INT(s->converged, 1);
        CHECK_INT(s->iterations, 2); /* the second sweep changes nothing */
        CHECK_STR(s->algorithm, "ipf");
        CHECK_DBL(s->population, 4);
        CHECK_STR(s->weight, "weight");
        CHECK(s->base == NULL);
    }
    /* The column holds the same doubles as text. */
    CHECK_STR(svy_column_text(svy_table_find(t, "weight"), 0), "1.2");
    CHECK_STR(svy_column_text(svy_table_find(t, "weight"), 3), "0.8");
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_rake_odds_ratio(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;
    /* Sample table [[3, 1], [1, 5]] raked to rows 5, 5 and columns 3, 7
     * (n = 10).  Raking keeps the odds ratio 15, so the (1,1) cell x
     * solves x(2 + x) = 15(5 - x)(3 - x): 14x² - 122x + 225 = 0. */
    double x = (122 - sqrt(122.0 * 122 - 4 * 14 * 225)) / 28;

    CHECK_INT(run("a,b\n1,1\n1,1\n1,1\n1,2\n2,1\n2,2\n2,2\n2,2\n2,2\n2,2\n",
                  "variable,category,target\n"
                  "a,1,0.5\na,2,0.5\nb,1,0.3\nb,2,0.7\n",
                  &o, &t, &r, &err),
              SVY_OK);
    if (r) {
        CHECK_NEAR(weight_of(r, 0), x / 3, 1e-10);
        CHECK_NEAR(weight_of(r, 3), 5 - x, 1e-10);
        CHECK_NEAR(weight_of(r, 4), 3 - x, 1e-10);
        CHECK_NEAR(weight_of(r, 9), (2 + x) / 5, 1e-10);
        CHECK_NEAR(svy_weight_result_line(r, 1, 1)->achieved, 0.7, 1e-10);
        CHECK_INT(svy_weight_result_line(r, 0, 0)->n, 4);
        CHECK_NEAR(svy_weight_result_line(r, 0, 0)->unweighted, 0.4, 1e-15);
    }
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_base_within_cells(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;

    o.base = "d";
    CHECK_INT(run("sex,age,d\n1,1,1\n1,1,3\n1,2,2\n2,1,2\n2,2,1\n2,2,1\n",
                  "variable,category,target\n"
                  "sex,1,300\nsex,2,200\nage,1,250\nage,2,250\n",
                  &o, &t, &r, &err),
              SVY_OK);
    if (r) {
        double sum = 0;
        size_t i;
        CHECK_NEAR(weight_of(r, 1) / weight_of(r, 0), 3, 1e-12);
        CHECK_NEAR(weight_of(r, 5), weight_of(r, 4), 1e-12);
        CHECK_NEAR(weight_of(r, 0) + weight_of(r, 1) + weight_of(r, 2), 300,
                   1e-8);
        for (i = 0; i < 6; i++)
            sum += weight_of(r, i);
        CHECK_NEAR(sum, 500, 1e-8);
        CHECK_NEAR(svy_weight_result_line(r, 0, 0)->base_weighted, 0.6, 1e-15);
        CHECK_STR(svy_weight_result_summary(r)->base, "d");
    }
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_poststrat(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;

    /* Closed form: d · N_h / Σ_h d. */
    o.method = SVY_WEIGHT_POSTSTRAT;
    o.base = "d";
    CHECK_INT(run("g,d\nA,1\nA,3\nB,2\nC,5\nC,5\n",
                  "variable,category,target\ng,A,100\ng,B,50\ng,C,250\n", &o,
                  &t, &r, &err),
              SVY_OK);
    if (r) {
        CHECK_NEAR(weight_of(r, 0), 25, 1e-12);
        CHECK_NEAR(weight_of(r, 1), 75, 1e-12);
        CHECK_NEAR(weight_of(r, 2), 50, 1e-12);
        CHECK_NEAR(weight_of(r, 3), 125, 1e-12);
        CHECK_INT(svy_weight_result_summary(r)->iterations, 1);
    }
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_poststrat_joint(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;
    svy_mkind kind;
    size_t nl;

    o.method = SVY_WEIGHT_POSTSTRAT;
    CHECK_INT(run("a,b\n1,x\n1,y\n1,y\n2,x\n",
                  "variable,category,target\n"
                  "a*b,1*x,0.1\na*b,1*y,0.4\na*b,2*x,0.5\n",
                  &o, &t, &r, &err),
              SVY_OK);
    if (r) {
        CHECK_NEAR(weight_of(r, 0), 0.4, 1e-15);
        CHECK_NEAR(weight_of(r, 1), 0.8, 1e-15);
        CHECK_NEAR(weight_of(r, 3), 2, 1e-15);
        CHECK_STR(svy_weight_result_margin(r, 0, &kind, &nl), "a*b");
        CHECK_INT(nl, 3);
        CHECK_STR(svy_weight_result_line(r, 0, 2)->category, "2*x");
    }
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_quantum(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;
    svy_buf data = SVY_BUF_INIT;
    double rounded[40];
    svy_weight_stats st;
    int i;

    /* 12 women and 28 men weighted to 52% and 48% of 40. */
    svy_buf_puts(&data, "sex\n");
    for (i = 0; i < 40; i++) {
        svy_buf_puts(&data, i < 12 ? "f\n" : "m\n");
        rounded[i] = i < 12 ? 1.733 : 0.686;
    }
    o.method = SVY_WEIGHT_POSTSTRAT;
    CHECK_INT(run(data.data,
                  "variable,category,target\nsex,f,0.52\nsex,m,0.48\n", &o, &t,
                  &r, &err),
              SVY_OK);
    if (r) {
        const svy_weight_stats *s = &svy_weight_result_summary(r)->stats;
        CHECK_NEAR(weight_of(r, 0), 20.8 / 12, 1e-15);
        CHECK_NEAR(weight_of(r, 39), 19.2 / 28, 1e-15);
        CHECK_NEAR(s->sum, 40, 1e-12);
        CHECK_NEAR(s->ess, 32.507739938080491, 1e-9);
        CHECK_NEAR(s->deff, 1.2304761904761905, 1e-12);
        CHECK_NEAR(s->efficiency, 0.81269349845201222, 1e-12);
        CHECK_NEAR(s->cv, 0.48007935851918326, 1e-12);
        CHECK_NEAR(s->deff, 1 + s->cv * s->cv, 1e-12);
    }
    /* As the example prints the weights (1.733, 0.686): 40.004, 32.5162. */
    svy_weight_stats_compute(rounded, 40, &st);
    CHECK_NEAR(st.sum, 40.004, 1e-12);
    CHECK_NEAR(st.ess, 32.516152135083452, 1e-9);
    CHECK_INT(st.n, 40);
    CHECK_DBL(st.min, 0.686);
    CHECK_DBL(st.max, 1.733);
    svy_weight_stats_compute(rounded, 0, &st);
    CHECK_INT(st.n, 0);
    svy_buf_release(&data);
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_trim_cap(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;

    /* Post-stratified: A gets 2, 8 and B 2; the mean is 12/3 = 4 and the
     * cap 1.5 × 4 = 6.  Capping 8 at 6 leaves A's other row 10 - 6 = 4. */
    o.base = "d";
    o.cap = 1.5;
    CHECK_INT(run("g,d\nA,1\nA,4\nB,1\n",
                  "variable,category,target\ng,A,10\ng,B,2\n", &o, &t, &r,
                  &err),
              SVY_OK);
    if (r) {
        const svy_weight_summary *s = svy_weight_result_summary(r);
        CHECK_NEAR(weight_of(r, 0), 4, 1e-12);
        CHECK_NEAR(weight_of(r, 1), 6, 1e-12);
        CHECK_NEAR(weight_of(r, 2), 2, 1e-12);
        CHECK_INT(s->capped, 1);
        CHECK_INT(s->floored, 0);
        CHECK_INT(s->rounds, 2);
        CHECK_DBL(s->cap, 6);
        CHECK_DBL(s->cap_mult, 1.5);
    }
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_trim_floor(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;

    /* Weights 1, 9, 5, 5 (mean 5); the floor 0.5 × 5 = 2.5 lifts the first
     * and takes the difference from the other row of A. */
    o.base = "d";
    o.floor_at = 0.5;
    CHECK_INT(run("g,d\nA,1\nA,9\nB,5\nB,5\n",
                  "variable,category,target\ng,A,10\ng,B,10\n", &o, &t, &r,
                  &err),
              SVY_OK);
    if (r) {
        CHECK_NEAR(weight_of(r, 0), 2.5, 1e-12);
        CHECK_NEAR(weight_of(r, 1), 7.5, 1e-12);
        CHECK_NEAR(weight_of(r, 2), 5, 1e-12);
        CHECK_INT(svy_weight_result_summary(r)->floored, 1);
    }
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_trim_rake(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;
    size_t i;

    /* Raking alone gives the two young men 1.688 (the mean is 1).  Capped
     * at 1.5 they carry 3 of the men's 6, so the four older men get 0.75;
     * the young need 8.4, so the four young women get 1.35 each, and the
     * two older women the rest of the women's 6: 0.3 each. */
    o.cap = 1.5;
    CHECK_INT(run("sex,age\nm,y\nm,o\nm,o\nm,o\nm,o\nf,y\nf,y\nf,y\nf,o\n"
                  "f,o\nm,y\nf,y\n",
                  "variable,category,target\n"
                  "sex,m,0.5\nsex,f,0.5\nage,y,0.7\nage,o,0.3\n",
                  &o, &t, &r, &err),
              SVY_OK);
    if (r) {
        const svy_weight_summary *s = svy_weight_result_summary(r);
        CHECK_INT(s->capped, 2);
        CHECK_NEAR(weight_of(r, 0), 1.5, 1e-12);
        CHECK_NEAR(weight_of(r, 1), 0.75, 1e-9);
        CHECK_NEAR(weight_of(r, 5), 1.35, 1e-9);
        CHECK_NEAR(weight_of(r, 8), 0.3, 1e-9);
        for (i = 0; i < 12; i++)
            CHECK(weight_of(r, i) <= 1.5 * (1 + 1e-10));
        for (i = 0; i < 2; i++) {
            CHECK_NEAR(svy_weight_result_line(r, 0, i)->achieved, 0.5, 1e-10);
            CHECK_NEAR(svy_weight_result_line(r, 1, i)->achieved, i ? 0.3 : 0.7,
                       1e-10);
        }
    }
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_trim_infeasible(void)
{
    svy_weight_opts o = {0};
    svy_buf data = SVY_BUF_INIT;
    int i;

    /* One man of ten must carry half the weight: 5 times the mean. */
    svy_buf_puts(&data, "sex\nm\n");
    for (i = 0; i < 9; i++)
        svy_buf_puts(&data, "f\n");
    o.cap = 3;
    CHECK_STR(fails(data.data,
                    "variable,category,target\nsex,m,0.5\nsex,f,0.5\n", &o,
                    SVY_ENOCONV),
              "raking cannot meet the targets within the trimming bounds "
              "(cap 3); worst: margin 'sex' category 'm', target share 0.5, "
              "achieved 0.25");
    svy_buf_release(&data);
}

static void
test_weight_missing_error(void)
{
    svy_weight_opts o = {0};
    svy_buf data = SVY_BUF_INIT;
    int i;

    CHECK_STR(fails("id,sex\n1,1\n2,\n3,2\n4,\n",
                    "variable,category,target\nsex,1,0.5\nsex,2,0.5\n", &o,
                    SVY_EDATA),
              "d.csv: weighting variable 'sex' is missing in 2 rows (id 2, "
              "4); --missing category gives them a category of their own");
    /* More than ten: the first ten and a count; the id column by name. */
    svy_buf_puts(&data, "sex,resp\n1,a\n");
    for (i = 0; i < 12; i++)
        svy_buf_printf(&data, ",r%d\n", i);
    o.id = "resp";
    CHECK_STR(
        fails(data.data, "variable,category,target\nsex,1,1\n", &o, SVY_EDATA),
        "d.csv: weighting variable 'sex' is missing in 12 rows (resp "
        "r0, r1, r2, r3, r4, r5, r6, r7, r8, r9 and 2 more); --missing "
        "category gives them a category of their own");
    /* An empty id: the line. */
    o.id = NULL;
    CHECK_STR(fails("id,sex\n,\n2,1\n", "variable,category,target\nsex,1,1\n",
                    &o, SVY_EDATA),
              "d.csv: weighting variable 'sex' is missing in 1 row (id line "
              "2); --missing category gives them a category of their own");
    svy_buf_release(&data);
}

static void
test_weight_missing_category(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;

    /* The missing quarter keeps its share; 1 and 2 split the rest. */
    o.missing = SVY_WMISS_CATEGORY;
    CHECK_INT(run("id,sex\n1,1\n2,2\n3,\n4,1\n",
                  "variable,category,target\nsex,1,0.5\nsex,2,0.5\n", &o, &t,
                  &r, &err),
              SVY_OK);
    if (r) {
        size_t nl;
        CHECK_NEAR(weight_of(r, 0), 0.75, 1e-15);
        CHECK_NEAR(weight_of(r, 1), 1.5, 1e-15);
        CHECK_NEAR(weight_of(r, 2), 1, 1e-15);
        svy_weight_result_margin(r, 0, NULL, &nl);
        CHECK_INT(nl, 3);
        CHECK_STR(svy_weight_result_line(r, 0, 2)->category, "(missing)");
        CHECK_NEAR(svy_weight_result_line(r, 0, 2)->target, 0.25, 1e-15);
        CHECK_NEAR(svy_weight_result_line(r, 0, 0)->target, 0.375, 1e-15);
        CHECK_INT(svy_weight_result_summary(r)->missing_category, 1);
    }
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_no_target(void)
{
    svy_weight_opts o = {0};

    CHECK_STR(fails("id,sex\n1,1\n2,2\n3,3\n4,3\n",
                    "variable,category,target\nsex,1,0.5\nsex,2,0.5\n", &o,
                    SVY_EDATA),
              "d.csv:4: 'sex' = '3' has no target in t.csv (2 rows); add a "
              "target or recode the value");
    CHECK_STR(fails("a,b\n1,x\n2,y\n",
                    "variable,category,target\na*b,1*x,0.5\na*b,2*x,0.5\n", &o,
                    SVY_EDATA),
              "d.csv:3: 'a*b' = '2*y' has no target in t.csv (1 row); add a "
              "target or recode the value");
}

static void
test_weight_no_respondents(void)
{
    svy_weight_opts o = {0};

    CHECK_STR(fails("sex\n1\n2\n",
                    "variable,category,target\n"
                    "sex,1,0.4\nsex,2,0.4\nsex,3,0.2\n",
                    &o, SVY_EDATA),
              "t.csv:4: no respondents in category '3' of 'sex' (target "
              "0.2); collapse it into a neighbouring category");
    /* A zero target with no respondents is fine. */
    CHECK_STR(fails("sex\n1\n2\n",
                    "variable,category,target\n"
                    "sex,1,0.5\nsex,2,0.5\nsex,3,0\nage,1,1\n",
                    &o, SVY_EDATA),
              "d.csv: no column 'age' (named in t.csv:5)");
}

static void
test_weight_base_errors(void)
{
    svy_weight_opts o = {0};
    const char *tg = "variable,category,target\nsex,1,1\n";

    o.base = "d";
    CHECK_STR(fails("sex,d\n1,1\n1,\n", tg, &o, SVY_EDATA),
              "d.csv:3: base weight 'd' is missing");
    CHECK_STR(fails("sex,d\n1,0\n1,-2\n1,x\n", tg, &o, SVY_EDATA),
              "d.csv:2: base weight 'd' is not positive '0' (and 2 more "
              "rows)");
    CHECK_STR(fails("sex,d\n1,1\n1,abc\n", tg, &o, SVY_EDATA),
              "d.csv:3: base weight 'd' is not a number 'abc'");
    o.base = "pw";
    CHECK_STR(fails("sex,d\n1,1\n", tg, &o, SVY_EDATA),
              "d.csv: no base weight column 'pw'");
}

/*
 * From 65536 rows the base weights are parsed on a second thread beside
 * the grouping into cells: the same weights, and a base weight error is
 * still the one reported when the cells would fail too.  With
 * numeric_column the weight column holds numbers that write as the text
 * column does.
 */
#define LARGE_ROWS 70000

static void
test_weight_large(void)
{
    svy_weight_opts o = {0};
    const char *tg = "variable,category,target\nsex,1,0.5\nsex,2,0.5\n";
    svy_buf d = SVY_BUF_INIT;
    svy_table *t = NULL;
    svy_weight_result *res = NULL;
    svy_err err = SVY_ERR_INIT;
    const svy_column *c;
    char row[64], num[SVY_NUM_BUFSZ];
    size_t i;
    int ok = 1;

    CHECK_INT(svy_buf_puts(&d, "sex,d\n"), SVY_OK);
    for (i = 0; i < LARGE_ROWS; i++) {
        snprintf(row, sizeof(row), "%zu,%zu\n", i % 2 + 1, i % 4 + 1);
        ok &= svy_buf_puts(&d, row) == SVY_OK;
    }
    CHECK(ok);
    o.base = "d";
    o.numeric_column = 1;
    CHECK_INT(run(d.data, tg, &o, &t, &res, &err), SVY_OK);
    if (res != NULL) {
        /* sex 1 has base weights 1 and 3, sex 2 has 2 and 4, in equal
         * numbers; each sex gets half of the 70000. */
        CHECK_DBL(weight_of(res, 0), 0.5);
        CHECK_NEAR(weight_of(res, 1), 2.0 / 3, 1e-15);
        CHECK_DBL(weight_of(res, 2), 1.5);
        CHECK_NEAR(weight_of(res, 3), 4.0 / 3, 1e-15);
        CHECK_NEAR(svy_weight_result_summary(res)->stats.sum, LARGE_ROWS,
                   1e-8);
    }
    c = t ? svy_table_find(t, "weight") : NULL;
    CHECK(c != NULL && svy_column_type(c) == SVY_NUM);
    if (c != NULL && res != NULL) {
        CHECK_STR(svy_column_format(c, 0, num, NULL), "0.5");
        CHECK_STR(svy_column_format(c, 1, num, NULL), "0.6666666666666666");
    }
    svy_weight_result_free(res);
    svy_table_free(t);

    /* A bad base weight near the end and a category with no target. */
    CHECK_INT(svy_buf_puts(&d, "3,1\n1,abc\n"), SVY_OK);
    snprintf(row, sizeof(row), "d.csv:%d: base weight 'd' is not a number "
             "'abc'", LARGE_ROWS + 3);
    CHECK_STR(fails(d.data, tg, &o, SVY_EDATA), row);
    svy_buf_release(&d);
}

static void
test_weight_population(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;

    o.population = 1000;
    CHECK_INT(run("sex\n1\n2\n2\n",
                  "variable,category,target\nsex,1,0.5\nsex,2,0.5\n", &o, &t,
                  &r, &err),
              SVY_OK);
    if (r) {
        CHECK_NEAR(weight_of(r, 0), 500, 1e-12);
        CHECK_NEAR(weight_of(r, 1), 250, 1e-12);
    }
    svy_weight_result_free(r);
    svy_table_free(t);
    CHECK_STR(fails("sex\n1\n2\n",
                    "variable,category,target\nsex,1,600\nsex,2,500\n", &o,
                    SVY_EDATA),
              "population 1000 disagrees with the total 1100 of the counts "
              "in t.csv");
}

static void
test_weight_linear(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;

    /* GREG by hand: x = 1..4, totals (4, 12); Σxx' = [[4,10],[10,30]], so
     * λ = [[1.5,-0.5],[-0.5,0.2]]·(0, 2) = (-1, 0.4) and g = 0.4x. */
    o.method = SVY_WEIGHT_LINEAR;
    CHECK_INT(run("x\n1\n2\n3\n4\n", "variable,category,target\nx,total,12\n",
                  &o, &t, &r, &err),
              SVY_OK);
    if (r) {
        CHECK_NEAR(weight_of(r, 0), 0.4, 1e-14);
        CHECK_NEAR(weight_of(r, 3), 1.6, 1e-14);
        CHECK_INT(svy_weight_result_summary(r)->iterations, 1);
        CHECK_STR(svy_weight_result_summary(r)->algorithm, "newton");
        CHECK_NEAR(svy_weight_result_line(r, 0, 0)->achieved_total, 12, 1e-12);
        CHECK_NEAR(svy_weight_result_line(r, 0, 0)->unweighted, 2.5, 1e-15);
    }
    svy_weight_result_free(r);
    svy_table_free(t);
    /* A mean is a total over the population: 3 × 4 = 12, the same. */
    CHECK_INT(run("x\n1\n2\n3\n4\n", "variable,category,target\nx,mean,3\n", &o,
                  &t, &r, &err),
              SVY_OK);
    if (r) {
        CHECK_NEAR(weight_of(r, 2), 1.2, 1e-14);
        CHECK_NEAR(svy_weight_result_line(r, 0, 0)->achieved, 3, 1e-14);
    }
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_logit(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;
    size_t i;

    /* The linear solution needs g from 0.4 to 1.6; logit keeps g inside
     * (0.3, 1.7) and still meets both totals. */
    o.method = SVY_WEIGHT_LOGIT;
    o.lower = 0.3;
    o.upper = 1.7;
    CHECK_INT(run("x,c\n1,a\n2,b\n3,a\n4,b\n",
                  "variable,category,target\nx,total,12\nc,a,0.5\nc,b,0.5\n",
                  &o, &t, &r, &err),
              SVY_OK);
    if (r) {
        double sx = 0, s = 0;
        for (i = 0; i < 4; i++) {
            CHECK(weight_of(r, i) > 0.3 && weight_of(r, i) < 1.7);
            sx += weight_of(r, i) * (double)(i + 1);
            s += weight_of(r, i);
        }
        CHECK_NEAR(sx, 12, 1e-9);
        CHECK_NEAR(s, 4, 1e-9);
        CHECK_NEAR(weight_of(r, 0) + weight_of(r, 2), 2, 1e-9);
    }
    svy_weight_result_free(r);
    svy_table_free(t);
    /* Bounds that cannot hold: within (0.6, 1.4) the largest Σgx with
     * Σg = 4 is 0.6 + 1.2 + 4.2 + 5.6 = 11.6 < 12. */
    o.lower = 0.6;
    o.upper = 1.4;
    o.max_iter = 50;
    CHECK_STR(fails("x\n1\n2\n3\n4\n", "variable,category,target\nx,total,12\n",
                    &o, SVY_ENOCONV),
              "calibration did not converge in 50 steps; worst: 'x' total, "
              "target 12, achieved 11.6");
}

static void
test_weight_rake_numeric(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;

    /* Raking with an auxiliary is Newton with g = exp(u): g = e^(a + bx). */
    CHECK_INT(run("x\n1\n2\n3\n4\n", "variable,category,target\nx,total,12\n",
                  &o, &t, &r, &err),
              SVY_OK);
    if (r) {
        double r1 = weight_of(r, 1) / weight_of(r, 0);
        CHECK_NEAR(weight_of(r, 2) / weight_of(r, 1), r1, 1e-12);
        CHECK_NEAR(weight_of(r, 3) / weight_of(r, 2), r1, 1e-12);
        CHECK_NEAR(weight_of(r, 0) + weight_of(r, 1) + weight_of(r, 2) +
                       weight_of(r, 3),
                   4, 1e-12);
        CHECK_STR(svy_weight_result_summary(r)->algorithm, "newton");
    }
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_numeric_errors(void)
{
    svy_weight_opts o = {0};

    o.method = SVY_WEIGHT_LINEAR;
    CHECK_STR(fails("id,x\n1,1\n2,\n3,3\n",
                    "variable,category,target\nx,total,12\n", &o, SVY_EDATA),
              "d.csv: auxiliary 'x' is missing in 1 row (id 2)");
    CHECK_STR(fails("id,x\n1,1\n2,z\n",
                    "variable,category,target\nx,total,12\n", &o, SVY_EDATA),
              "d.csv:3: auxiliary 'x' is not a number 'z'");
}

static void
test_weight_matching(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t, *cbt, *vt;
    svy_weight_result *r;
    svy_codebook *cb = NULL;

    /* "1" in the targets matches "1.0" and "01" in the data. */
    CHECK_INT(run("sex\n1.0\n01\n2\n",
                  "variable,category,target\nsex,1,0.5\nsex,2.0,0.5\n", &o, &t,
                  &r, &err),
              SVY_OK);
    if (r)
        CHECK_NEAR(weight_of(r, 0), 0.75, 1e-15);
    svy_weight_result_free(r);
    svy_table_free(t);
    /* A value label stands for its code, in any language. */
    cbt = table_of("variable,type,label\nregion,cat,Region\n");
    vt = table_of("variable,code,label,label@ru\nregion,1,Bishkek,Бишкек\n"
                  "region,2,Osh,Ош\nregion,9,Refused,Отказ\n");
    CHECK_INT(svy_codebook_from_tables(&cb, cbt, "codebook.csv", vt,
                                       "values.csv", &err),
              SVY_OK);
    o.codebook = cb;
    CHECK_INT(
        run("region\n1\n2\n2\n2\n",
            "variable,category,target\nregion,Бишкек,0.5\nregion,Osh,0.5\n", &o,
            &t, &r, &err),
        SVY_OK);
    if (r) {
        CHECK_NEAR(weight_of(r, 0), 2, 1e-15);
        CHECK_NEAR(weight_of(r, 1), 2.0 / 3, 1e-15);
    }
    svy_weight_result_free(r);
    svy_table_free(t);
    CHECK_STR(fails("region\n1\n2\n",
                    "variable,category,target\nregion,1,0.5\n"
                    "region,Bishkek,0.5\n",
                    &o, SVY_EDATA),
              "t.csv:3: categories '1' and 'Bishkek' of 'region' are the "
              "same value");
    svy_codebook_free(cb);
    svy_table_free(cbt);
    svy_table_free(vt);
}

static void
test_weight_user_missing(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t, *cbt;
    svy_weight_result *r;
    svy_codebook *cb = NULL;

    cbt = table_of("variable,type,valid,missing\nsex,cat,\"1,2,9\",9\n");
    CHECK_INT(
        svy_codebook_from_tables(&cb, cbt, "codebook.csv", NULL, NULL, &err),
        SVY_OK);
    o.codebook = cb;
    /* 9 (refused) is missing unless the targets name it. */
    CHECK_STR(fails("id,sex\n1,1\n2,9\n3,2\n",
                    "variable,category,target\nsex,1,0.5\nsex,2,0.5\n", &o,
                    SVY_EDATA),
              "d.csv: weighting variable 'sex' is missing in 1 row (id 2); "
              "--missing category gives them a category of their own");
    CHECK_INT(run("id,sex\n1,1\n2,9\n3,2\n",
                  "variable,category,target\nsex,1,0.4\nsex,2,0.4\nsex,9,0.2\n",
                  &o, &t, &r, &err),
              SVY_OK);
    if (r)
        CHECK_NEAR(weight_of(r, 1), 0.6, 1e-15);
    svy_weight_result_free(r);
    svy_table_free(t);
    svy_codebook_free(cb);
    svy_table_free(cbt);
}

static void
test_weight_noconv(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;
    /* One sweep: a ×1.25 and ×5/6, then b ×3/4.583 and ×7/5.417 leave
     * a = 1 at 2.4545 + 1.6154 = 4.0699 of 10. */
    const char *data =
        "a,b\n1,1\n1,1\n1,1\n1,2\n2,1\n2,2\n2,2\n2,2\n2,2\n2,2\n";
    const char *tg = "variable,category,target\n"
                     "a,1,0.5\na,2,0.5\nb,1,0.3\nb,2,0.7\n";

    o.max_iter = 1;
    CHECK_STR(fails(data, tg, &o, SVY_ENOCONV),
              "raking did not converge in 1 sweep; worst: margin 'a' category "
              "'1', target share 0.5, achieved 0.406993007");
    /* Diagnostics of the last iterate; the column only with keep_last. */
    CHECK_INT(run(data, tg, &o, &t, &r, &err), SVY_ENOCONV);
    CHECK(r != NULL);
    if (r)
        CHECK_INT(svy_weight_result_summary(r)->converged, 0);
    CHECK(svy_table_find(t, "weight") == NULL);
    svy_weight_result_free(r);
    svy_table_free(t);
    o.keep_last = 1;
    CHECK_INT(run(data, tg, &o, &t, &r, &err), SVY_ENOCONV);
    CHECK(svy_table_find(t, "weight") != NULL);
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_replace_column(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;

    o.name = "w";
    CHECK_INT(run("w,sex,note\nold,1,007\nold,2, x \n",
                  "variable,category,target\nsex,1,0.25\nsex,2,0.75\n", &o, &t,
                  &r, &err),
              SVY_OK);
    CHECK_STR(notes, "replacing existing column 'w'\n");
    CHECK_INT(svy_table_ncols(t), 3);
    CHECK_STR(svy_column_text(svy_table_find(t, "w"), 0), "0.5");
    CHECK_STR(svy_column_text(svy_table_find(t, "w"), 1), "1.5");
    CHECK_STR(svy_column_text(svy_table_find(t, "note"), 0), "007");
    svy_weight_result_free(r);
    svy_table_free(t);
    o.name = "sex";
    CHECK_STR(fails("sex\n1\n", "variable,category,target\nsex,1,1\n", &o,
                    SVY_EINVAL),
              "the weight column 'sex' is a weighting variable");
}

static void
test_weight_column_round_trip(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_buf data = SVY_BUF_INIT;
    svy_table *t;
    svy_weight_result *r;
    size_t i, bad = 0;

    /* Base weights with many digits: every written weight reads back to
     * the very double the engine computed. */
    svy_buf_puts(&data, "g,d\n");
    for (i = 0; i < 500; i++)
        svy_buf_printf(&data, "%c,%.9f\n", "ABC"[i % 3],
                       0.0001 + (double)(i * 7919 % 1000) / 77.0);
    o.base = "d";
    CHECK_INT(run(data.data,
                  "variable,category,target\ng,A,0.3\ng,B,0.3\ng,C,0.4\n", &o,
                  &t, &r, &err),
              SVY_OK);
    for (i = 0; r && i < 500; i++) {
        const char *s = svy_column_text(svy_table_find(t, "weight"), i);
        char ref[SVY_NUM_BUFSZ];
        double v;
        if (!svy_num_parse(s, strlen(s), 0, &v) || v != weight_of(r, i))
            bad++;
        svy_num_format(weight_of(r, i), ref);
        if (strcmp(ref, s) != 0)
            bad++;
    }
    CHECK_INT(bad, 0);
    svy_buf_release(&data);
    svy_weight_result_free(r);
    svy_table_free(t);
}

static void
test_weight_option_errors(void)
{
    svy_weight_opts o = {0};
    const char *data = "sex,age\n1,1\n2,2\n";
    const char *tg = "variable,category,target\n"
                     "sex,1,0.5\nsex,2,0.5\nage,1,0.5\nage,2,0.5\n";

    o.method = SVY_WEIGHT_POSTSTRAT;
    CHECK_STR(fails(data, tg, &o, SVY_EDATA),
              "t.csv: post-stratification takes one categorical margin (join "
              "variables as 'a*b'), not 2");
    o.method = SVY_WEIGHT_RAKE;
    o.lower = 0.5;
    o.upper = 2;
    CHECK_STR(fails(data, tg, &o, SVY_EINVAL),
              "bounds apply to linear and logit calibration; trim raked "
              "weights with a cap and a floor");
    o.method = SVY_WEIGHT_LOGIT;
    o.lower = o.upper = 0;
    CHECK_STR(fails(data, tg, &o, SVY_EINVAL),
              "logit calibration needs bounds L,U with L < 1 < U");
    o.lower = 1.2;
    o.upper = 2;
    CHECK_STR(fails(data, tg, &o, SVY_EINVAL),
              "bounds 1.2,2: need 0 <= L < 1 < U");
    o = (svy_weight_opts){0};
    o.cap = 0.9;
    CHECK_STR(fails(data, tg, &o, SVY_EINVAL),
              "cap 0.9: must be above 1 (a multiple of the mean weight)");
    o.cap = 0;
    o.floor_at = 1;
    CHECK_STR(fails(data, tg, &o, SVY_EINVAL),
              "floor 1: must be between 0 and 1 (a multiple of the mean "
              "weight)");
    o.floor_at = 0;
    o.tolerance = 2;
    CHECK_STR(fails(data, tg, &o, SVY_EINVAL),
              "tolerance 2: must be between 0 and 1");
    o.tolerance = 0;
    o.population = -5;
    CHECK_STR(fails(data, tg, &o, SVY_EINVAL),
              "population -5: must be positive");
    o.population = 0;
    CHECK_STR(fails("sex,age\n", tg, &o, SVY_EDATA),
              "d.csv: no rows to weight");
}

static void
test_weight_method_names(void)
{
    svy_weight_method m;
    svy_weight_missing miss;

    CHECK_INT(svy_weight_method_parse("poststrat", &m), 0);
    CHECK_INT(m, SVY_WEIGHT_POSTSTRAT);
    CHECK_INT(svy_weight_method_parse("logit", &m), 0);
    CHECK_STR(svy_weight_method_name(m), "logit");
    CHECK_INT(svy_weight_method_parse("ipf", &m), -1);
    CHECK_INT(svy_weight_missing_parse("category", &miss), 0);
    CHECK_INT(miss, SVY_WMISS_CATEGORY);
    CHECK_INT(svy_weight_missing_parse("error", &miss), 0);
    CHECK_INT(miss, SVY_WMISS_ERROR);
    CHECK_INT(svy_weight_missing_parse("drop", &miss), -1);
}

/* Read a whole file into a string the caller frees. */
static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    s = calloc((size_t)n + 1, 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    return s;
}

static void
test_weight_reports(void)
{
    svy_weight_opts o = {0};
    svy_err err = SVY_ERR_INIT;
    svy_table *t;
    svy_weight_result *r;
    svy_output *out = NULL;
    svy_buf text = SVY_BUF_INIT;
    char path[] = "/tmp/test_weight_XXXXXX";
    char *json;
    int fd = mkstemp(path);

    CHECK(fd >= 0);
    if (fd >= 0)
        close(fd);
    o.base = "d";
    o.cap = 3;
    CHECK_INT(run("sex,d\n1,1\n2,1\n2,\"1\"\n",
                  "variable,category,target\nsex,1,\"0.5\"\nsex,2,0.5\n", &o,
                  &t, &r, &err),
              SVY_OK);
    if (r == NULL)
        return;
    CHECK_INT(svy_output_open(&out, path, &err), SVY_OK);
    CHECK_INT(svy_wreport_json(r, out, &err), SVY_OK);
    CHECK_INT(svy_output_commit(out, &err), SVY_OK);
    json = slurp(path);
    CHECK(json != NULL);
    if (json) {
        char *sec = strstr(json, "  \"seconds_weighting\": ");
        CHECK(sec != NULL);
        CHECK(strncmp(json,
                      "{\n"
                      "  \"method\": \"rake\",\n"
                      "  \"algorithm\": \"ipf\",\n"
                      "  \"weight\": \"weight\",\n"
                      "  \"base_weight\": \"d\",\n"
                      "  \"converged\": true,\n"
                      "  \"sweeps\": 1,\n"
                      "  \"rounds\": 1,\n"
                      "  \"tolerance\": 1e-10,\n"
                      "  \"max_iter\": 1000,\n"
                      "  \"bounds\": null,\n"
                      "  \"missing\": \"error\",\n"
                      "  \"population\": 3,\n"
                      "  \"n\": 3,\n"
                      "  \"sum\": 3,\n"
                      "  \"min\": 0.75,\n"
                      "  \"max\": 1.5,\n"
                      "  \"mean\": 1,\n"
                      "  \"cv\": 0.3535533905932738,\n"
                      "  \"deff\": 1.125,\n"
                      "  \"ess\": 2.6666666666666665,\n"
                      "  \"efficiency\": 0.8888888888888888,\n"
                      "  \"cap\": {\"multiple\": 3, \"weight\": 3},\n"
                      "  \"floor\": null,\n"
                      "  \"capped\": 0,\n"
                      "  \"floored\": 0,\n"
                      "  \"seconds_weighting\": ",
                      (size_t)(sec ? sec - json + 23 : 0)) == 0);
        CHECK(strstr(json,
                     "  \"margins\": [\n"
                     "    {\"margin\": \"sex\", \"type\": \"categorical\", "
                     "\"categories\": [\n"
                     "      {\"category\": \"1\", \"n\": 1, \"unweighted\": "
                     "0.3333333333333333, \"base_weighted\": "
                     "0.3333333333333333, \"target\": 0.5, \"achieved\": "
                     "0.5, \"target_total\": 1.5, \"achieved_total\": "
                     "1.5},\n") != NULL);
        CHECK(strstr(json, "\"achieved_total\": 1.5}\n    ]}\n  ]\n}\n") !=
              NULL);
    }
    free(json);
    remove(path);
    CHECK_INT(svy_wreport_text(r, &text), SVY_OK);
    CHECK_STR(text.data,
              "rake (ipf): converged in 1 sweep\n"
              "3 weights sum to 3: min 0.75, max 1.5, mean 1, CV 0.3536\n"
              "Kish design effect 1.125, effective sample size 2.7 "
              "(efficiency 88.9%)\n"
              "trimming: 0 capped at 3 (3 x mean)\n"
              "largest relative margin error 0 ('sex' = '1')\n");
    svy_buf_release(&text);
    svy_weight_result_free(r);
    svy_table_free(t);
}

static const struct check_case cases[] = {
    CASE(test_weight_rake_2x2),
    CASE(test_weight_rake_odds_ratio),
    CASE(test_weight_base_within_cells),
    CASE(test_weight_poststrat),
    CASE(test_weight_poststrat_joint),
    CASE(test_weight_quantum),
    CASE(test_weight_trim_cap),
    CASE(test_weight_trim_floor),
    CASE(test_weight_trim_rake),
    CASE(test_weight_trim_infeasible),
    CASE(test_weight_missing_error),
    CASE(test_weight_missing_category),
    CASE(test_weight_no_target),
    CASE(test_weight_no_respondents),
    CASE(test_weight_base_errors),
    CASE(test_weight_large),
    CASE(test_weight_population),
    CASE(test_weight_linear),
    CASE(test_weight_logit),
    CASE(test_weight_rake_numeric),
    CASE(test_weight_numeric_errors),
    CASE(test_weight_matching),
    CASE(test_weight_user_missing),
    CASE(test_weight_noconv),
    CASE(test_weight_replace_column),
    CASE(test_weight_column_round_trip),
    CASE(test_weight_option_errors),
    CASE(test_weight_method_names),
    CASE(test_weight_reports),
};

CHECK_MAIN(cases)
