/*
 * test_targets.c - the targets file: margins, shares and counts, joint
 * margins, numeric targets, and every refusal with its exact message.
 */
#include "svy/targets.h"

#include <math.h>
#include <string.h>

#include "check.h"

static char notes[1024];

static void
collect(void *ctx, const char *msg)
{
    (void)ctx;
    strncat(notes, msg, sizeof(notes) - strlen(notes) - 2);
    strcat(notes, "\n");
}

/* Parse 'text' as "t.csv"; NULL on failure with the message in 'err'. */
static svy_targets *
parse(const char *text, svy_err *err)
{
    svy_targets *tg = NULL;

    notes[0] = '\0';
    if (svy_targets_parse(&tg, "t.csv", text, strlen(text), collect, NULL,
                          err) != SVY_OK)
        return NULL;
    return tg;
}

/* The message of a parse that must fail with 'code'. */
static const char *
fails(const char *text, svy_status code)
{
    static svy_err err;
    svy_targets *tg = parse(text, &err);

    CHECK(tg == NULL);
    CHECK_INT(err.code, code);
    svy_targets_free(tg);
    return err.msg;
}

static void
test_targets_shares(void)
{
    svy_err err = SVY_ERR_INIT;
    svy_targets *tg = parse("variable,category,target\n"
                            "sex,1,0.48\n"
                            "region,Bishkek,0.2\n"
                            "sex,2,0.52\n"
                            "region,Osh,0.8\n",
                            &err);
    const svy_margin *m;

    CHECK(tg != NULL);
    if (tg == NULL)
        return;
    CHECK_INT(svy_targets_nmargins(tg), 2);
    CHECK_DBL(svy_targets_total(tg), 0);
    m = svy_targets_margin(tg, 0);
    CHECK_STR(svy_margin_name(m), "sex");
    CHECK_INT(svy_margin_kind(m), SVY_MARGIN_CAT);
    CHECK_INT(svy_margin_is_count(m), 0);
    CHECK_INT(svy_margin_ncats(m), 2);
    CHECK_STR(svy_margin_cat(m, 1), "2");
    CHECK_INT(svy_margin_cat_line(m, 1), 4);
    CHECK_INT(svy_margin_line(m), 2);
    CHECK_NEAR(svy_margin_share(m, 0), 0.48, 1e-15);
    CHECK(isnan(svy_margin_value(m)));
    m = svy_targets_find(tg, "region");
    CHECK(m == svy_targets_margin(tg, 1));
    CHECK_STR(svy_margin_cat(m, 0), "Bishkek");
    CHECK(svy_targets_find(tg, "age") == NULL);
    CHECK_STR(notes, "");
    CHECK_STR(svy_targets_name(tg), "t.csv");
    svy_targets_free(tg);
}

static void
test_targets_rescale_shares(void)
{
    svy_err err = SVY_ERR_INIT;
    svy_targets *tg = parse("variable,category,target\n"
                            "sex,1,0.48\nsex,2,0.518\n",
                            &err);

    CHECK(tg != NULL);
    if (tg == NULL)
        return;
    CHECK_STR(notes, "t.csv: shares of 'sex' sum to 0.998; rescaled to 1\n");
    CHECK_NEAR(svy_margin_share(svy_targets_margin(tg, 0), 0), 0.48 / 0.998,
               1e-15);
    CHECK_DBL(svy_margin_target(svy_targets_margin(tg, 0), 0), 0.48);
    svy_targets_free(tg);
}

static void
test_targets_shares_off(void)
{
    CHECK_STR(fails("variable,category,target\n"
                    "age,1,0.3\nsex,1,0.48\nsex,2,0.51\nage,2,0.6\n",
                    SVY_EDATA),
              "t.csv:2: shares of 'age' sum to 0.9, not 1 (more than 0.5% "
              "off)");
}

static void
test_targets_counts(void)
{
    svy_err err = SVY_ERR_INIT;
    svy_targets *tg = parse("variable,category,target\n"
                            "stype,E,4421\nstype,H,755\nstype,M,1018\n"
                            "sch.wide,No,1072\nsch.wide,Yes,5122\n"
                            "urban,1,0.25\nurban,2,0.75\n",
                            &err);

    CHECK(tg != NULL);
    if (tg == NULL)
        return;
    CHECK_DBL(svy_targets_total(tg), 6194);
    CHECK_INT(svy_margin_is_count(svy_targets_margin(tg, 1)), 1);
    CHECK_INT(svy_margin_is_count(svy_targets_margin(tg, 2)), 0);
    CHECK_NEAR(svy_margin_share(svy_targets_margin(tg, 0), 1), 755.0 / 6194,
               1e-15);
    CHECK_STR(notes, "");
    svy_targets_free(tg);
}

static void
test_targets_counts_slightly_off(void)
{
    svy_err err = SVY_ERR_INIT;
    svy_targets *tg = parse("variable,category,target\n"
                            "a,1,600\na,2,400\nb,1,500\nb,2,500.5\n",
                            &err);

    CHECK(tg != NULL);
    svy_targets_free(tg);
    CHECK_STR(notes, "t.csv: 'b' sums to 1000.5, not 1000; rescaled\n");
}

static void
test_targets_counts_disagree(void)
{
    CHECK_STR(fails("variable,category,target\n"
                    "a,1,600\na,2,400\nb,1,500\nb,2,520\n",
                    SVY_EDATA),
              "t.csv:4: margin totals disagree: 'a' sums to 1000, 'b' to "
              "1020 (more than 0.1% apart)");
}

static void
test_targets_joint(void)
{
    svy_err err = SVY_ERR_INIT;
    svy_targets *tg = parse("variable,category,target\n"
                            "region*urban,Bishkek*1,0.3\n"
                            "region*urban,Osh*2,0.7\n",
                            &err);
    const svy_margin *m;

    CHECK(tg != NULL);
    if (tg == NULL)
        return;
    m = svy_targets_margin(tg, 0);
    CHECK_INT(svy_margin_nvars(m), 2);
    CHECK_STR(svy_margin_var(m, 0), "region");
    CHECK_STR(svy_margin_var(m, 1), "urban");
    CHECK_STR(svy_margin_cat(m, 1), "Osh*2");
    CHECK_STR(svy_margin_cat_part(m, 1, 0), "Osh");
    CHECK_STR(svy_margin_cat_part(m, 1, 1), "2");
    svy_targets_free(tg);
}

static void
test_targets_joint_parts(void)
{
    CHECK_STR(fails("variable,category,target\n"
                    "region*urban,Bishkek*1,0.3\n"
                    "region*urban,Osh,0.7\n",
                    SVY_EPARSE),
              "t.csv:3: category 'Osh' of 'region*urban' needs 2 parts "
              "joined by '*'");
    CHECK_STR(fails("variable,category,target\nsex*sex,1*1,1\n", SVY_EPARSE),
              "t.csv:2: joint margin 'sex*sex' names 'sex' twice");
    CHECK_STR(fails("variable,category,target\nsex*,1*1,1\n", SVY_EPARSE),
              "t.csv:2: variable 'sex*' has an empty part");
}

static void
test_targets_numeric(void)
{
    svy_err err = SVY_ERR_INIT;
    svy_targets *tg = parse("variable,category,target\n"
                            "stype,E,4421\nstype,H,755\nstype,M,1018\n"
                            "api99,total,3914069\nage,mean,41.5\n",
                            &err);
    const svy_margin *m;

    CHECK(tg != NULL);
    if (tg == NULL)
        return;
    m = svy_targets_margin(tg, 1);
    CHECK_INT(svy_margin_kind(m), SVY_MARGIN_TOTAL);
    CHECK_DBL(svy_margin_value(m), 3914069);
    CHECK_INT(svy_margin_ncats(m), 0);
    m = svy_targets_margin(tg, 2);
    CHECK_INT(svy_margin_kind(m), SVY_MARGIN_MEAN);
    CHECK_DBL(svy_margin_value(m), 41.5);
    CHECK_DBL(svy_targets_total(tg), 6194);
    svy_targets_free(tg);
}

static void
test_targets_numeric_mixed(void)
{
    CHECK_STR(fails("variable,category,target\n"
                    "income,1,0.5\nincome,total,0.5\n",
                    SVY_EPARSE),
              "t.csv:3: 'income' has categories, so 'total' cannot be a "
              "numeric target (give it its own variable)");
    CHECK_STR(fails("variable,category,target\na*b,total,5\n", SVY_EPARSE),
              "t.csv:2: category 'total' of 'a*b' needs 2 parts joined by "
              "'*'");
}

static void
test_targets_duplicates(void)
{
    CHECK_STR(fails("variable,category,target\n"
                    "sex,1,0.5\nsex,2,0.2\nsex,1.0,0.3\n",
                    SVY_EPARSE),
              "t.csv:4: duplicate category '1.0' of 'sex' (first on line 2)");
}

static void
test_targets_bad_rows(void)
{
    CHECK_STR(fails("variable,category,target\nsex,1,abc\n", SVY_EPARSE),
              "t.csv:2: target of 'sex' = '1' is not a number 'abc'");
    CHECK_STR(fails("variable,category,target\nsex,1,-0.5\n", SVY_EPARSE),
              "t.csv:2: target of 'sex' = '1' is negative '-0.5'");
    CHECK_STR(fails("variable,category,target\n,1,0.5\n", SVY_EPARSE),
              "t.csv:2: empty variable");
    CHECK_STR(fails("variable,category,target\nsex,,0.5\n", SVY_EPARSE),
              "t.csv:2: empty category for 'sex'");
    CHECK_STR(fails("variable,target\nsex,0.5\n", SVY_EPARSE),
              "t.csv:1: no column 'category'");
    CHECK_STR(fails("variable,category,target\n", SVY_EDATA),
              "t.csv: no targets");
    CHECK_STR(fails("variable,category,target\nsex,1,0\nsex,2,0\n", SVY_EDATA),
              "t.csv:2: targets of 'sex' sum to 0");
}

static void
test_targets_read_file(void)
{
    svy_targets *tg = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_targets_read(&tg, "no/such/targets.csv", NULL, NULL, &err),
              SVY_EIO);
    CHECK_STR(err.msg, "cannot open 'no/such/targets.csv': No such file or "
                       "directory");
    CHECK(tg == NULL);
    CHECK_INT(
        svy_targets_read(&tg, "tests/fixtures/weight/rake_apiclus1.targets.csv",
                         NULL, NULL, &err),
        SVY_OK);
    CHECK(tg != NULL);
    if (tg)
        CHECK_INT(svy_targets_nmargins(tg), 2);
    svy_targets_free(tg);
}

static void
test_targets_value_equal(void)
{
    CHECK(svy_value_equal("1", "1"));
    CHECK(svy_value_equal("1", "1.0"));
    CHECK(svy_value_equal("01", "1"));
    CHECK(svy_value_equal("1e1", "10"));
    CHECK(!svy_value_equal("1", "2"));
    CHECK(!svy_value_equal("a", "A"));
    CHECK(!svy_value_equal("", "0"));
    CHECK(svy_value_equal("", ""));
}

static const struct check_case cases[] = {
    CASE(test_targets_shares),
    CASE(test_targets_rescale_shares),
    CASE(test_targets_shares_off),
    CASE(test_targets_counts),
    CASE(test_targets_counts_slightly_off),
    CASE(test_targets_counts_disagree),
    CASE(test_targets_joint),
    CASE(test_targets_joint_parts),
    CASE(test_targets_numeric),
    CASE(test_targets_numeric_mixed),
    CASE(test_targets_duplicates),
    CASE(test_targets_bad_rows),
    CASE(test_targets_read_file),
    CASE(test_targets_value_equal),
};

CHECK_MAIN(cases)
