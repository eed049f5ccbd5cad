/*
 * test_describe.c - column summaries, frequency tables and draft guesses
 * on tables built in memory from CSV literals.  Expected values are worked
 * out by hand in the comments; percentages are compared to 1e-9.
 */
#include "svy/describe.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "svy/csv.h"
#include "svy/io.h"

/* The same, typed as svy-info types data without a survey. */
static svy_table *
fixture(const char *csv)
{
    svy_table *t = fixture_text(csv);

    CHECK_INT(svy_table_infer_types(t, NULL, NULL), SVY_OK);
    return t;
}

static void
set_missing(svy_table *t, const char *col, const char *const *codes, size_t n)
{
    CHECK_INT(
        svy_column_set_user_missing(svy_table_find(t, col), codes, n, NULL),
        SVY_OK);
}

static void
test_describe_column_num(void)
{
    /*
     * x: 3 1 . 2 1 8 1.0 with 8 user missing ('k' is there because the
     * reader skips a blank line, so a lone empty field needs a comma).
     */
    svy_table *t = fixture("x,k\n3,1\n1,1\n,1\n2,1\n1,1\n8,1\n1.0,1\n");
    static const char *const dk[] = {"8"};
    svy_colsum s;

    set_missing(t, "x", dk, 1);
    CHECK_INT(svy_describe_column(svy_table_col(t, 0), &s, NULL), SVY_OK);
    CHECK_STR(s.name, "x");
    CHECK_INT(s.type, SVY_NUM);
    CHECK_INT(s.valid, 5);
    CHECK_INT(s.sysmiss, 1);
    CHECK_INT(s.usermiss, 1);
    CHECK_INT(s.distinct, 4); /* 1 (= 1.0), 2, 3, 8 */
    CHECK_DBL(s.min, 1);
    CHECK_DBL(s.max, 3); /* 8 is user missing, not the maximum */
    CHECK(s.tmin == NULL && s.tmax == NULL);
    svy_table_free(t);
}

static void
test_describe_column_text(void)
{
    /* Codes with a leading zero keep the column text. */
    svy_table *t = fixture("s,k\nb,1\n01,1\n,1\nb,1\nc,1\nB,1\n");
    svy_colsum s;

    CHECK_INT(svy_describe_column(svy_table_col(t, 0), &s, NULL), SVY_OK);
    CHECK_INT(s.type, SVY_TEXT);
    CHECK_INT(s.valid, 5);
    CHECK_INT(s.sysmiss, 1);
    CHECK_INT(s.usermiss, 0);
    CHECK_INT(s.distinct, 4); /* 01 B b c */
    CHECK_STR(s.tmin, "01");
    CHECK_STR(s.tmax, "c");
    CHECK(isnan(s.min) && isnan(s.max));
    svy_table_free(t);
}

static void
test_describe_column_empty(void)
{
    svy_table *t = fixture("a,b\n");
    svy_colsum s;

    CHECK_INT(svy_table_nrows(t), 0);
    CHECK_INT(svy_describe_column(svy_table_col(t, 1), &s, NULL), SVY_OK);
    CHECK_STR(s.name, "b");
    CHECK_INT(s.valid + s.sysmiss + s.usermiss + s.distinct, 0);
    CHECK(s.tmin == NULL && s.tmax == NULL);
    svy_table_free(t);
}

static void
test_describe_freq_unweighted(void)
{
    /* q: 1 2 2 8 9 . 1 2 -> 8 rows; 8 and 9 user missing; 5 valid. */
    svy_table *t = fixture("q,k\n1,1\n2,1\n2,1\n8,1\n9,1\n,1\n1,1\n2,1\n");
    static const char *const dk[] = {"8", "9"};
    svy_freq f = SVY_FREQ_INIT;

    set_missing(t, "q", dk, 2);
    CHECK_INT(svy_freq_compute(&f, t, "q", NULL, NULL), SVY_OK);
    CHECK_STR(f.variable, "q");
    CHECK(f.label == NULL);
    CHECK_INT(f.weighted, 0);
    CHECK_INT(f.total, 8);
    CHECK_INT(f.valid, 5);
    CHECK_INT(f.nrows, 5);
    if (f.nrows == 5) {
        CHECK_STR(f.rows[0].code, "1");
        CHECK_DBL(f.rows[0].num, 1);
        CHECK_INT(f.rows[0].count, 2);
        CHECK_NEAR(f.rows[0].pct, 25.0, 1e-9);
        CHECK_NEAR(f.rows[0].valid_pct, 40.0, 1e-9);
        CHECK_STR(f.rows[1].code, "2");
        CHECK_INT(f.rows[1].count, 3);
        CHECK_NEAR(f.rows[1].pct, 37.5, 1e-9);
        CHECK_NEAR(f.rows[1].valid_pct, 60.0, 1e-9);
        CHECK_STR(f.rows[2].code, "8");
        CHECK_INT(f.rows[2].missing, SVY_MISS_USER);
        CHECK_NEAR(f.rows[2].pct, 12.5, 1e-9);
        CHECK(isnan(f.rows[2].valid_pct));
        CHECK_INT(f.rows[3].missing, SVY_MISS_USER);
        CHECK_STR(f.rows[4].code, "");
        CHECK_INT(f.rows[4].missing, SVY_MISS_SYSTEM);
        CHECK_INT(f.rows[4].count, 1);
        CHECK_NEAR(f.rows[4].pct, 12.5, 1e-9);
        CHECK(isnan(f.rows[4].valid_pct));
        /* Unweighted, a row's weight is 1. */
        CHECK_DBL(f.rows[1].wcount, 3);
        CHECK_DBL(f.wtotal, 8);
    }
    svy_freq_release(&f);
    CHECK(f.rows == NULL && f.nrows == 0);
    svy_table_free(t);
}

static void
test_describe_freq_weighted(void)
{
    /*
     * (q, w): (1, 2) (2, 1) (2, 0.5) (8, 1.5) (., 3) (1, 0), 8 user
     * missing.  Total weight 8, valid weight 2 + 1.5 + 0 = 3.5.
     *   1: count 2, w 2   -> 25%   of 8, 4/7 = 57.142857...% of 3.5
     *   2: count 2, w 1.5 -> 18.75%,     3/7 = 42.857142...%
     *   8: w 1.5 -> 18.75%, no valid percent
     *   system missing: w 3 -> 37.5%
     */
    svy_table *t = fixture("q,w\n1,2\n2,1\n2,0.5\n8,1.5\n,3\n1,0\n");
    static const char *const dk[] = {"8"};
    svy_describe_opts opts = {0};
    svy_freq f = SVY_FREQ_INIT;

    set_missing(t, "q", dk, 1);
    opts.weight = "w";
    CHECK_INT(svy_freq_compute(&f, t, "q", &opts, NULL), SVY_OK);
    CHECK_INT(f.weighted, 1);
    CHECK_NEAR(f.wtotal, 8, 1e-12);
    CHECK_NEAR(f.wvalid, 3.5, 1e-12);
    CHECK_INT(f.valid, 4);
    CHECK_INT(f.nrows, 4);
    if (f.nrows == 4) {
        CHECK_NEAR(f.rows[0].wcount, 2, 1e-12);
        CHECK_NEAR(f.rows[0].wpct, 25.0, 1e-9);
        CHECK_NEAR(f.rows[0].wvalid_pct, 400.0 / 7, 1e-9);
        CHECK_NEAR(f.rows[0].valid_pct, 50.0, 1e-9);
        CHECK_NEAR(f.rows[1].wcount, 1.5, 1e-12);
        CHECK_NEAR(f.rows[1].wpct, 18.75, 1e-9);
        CHECK_NEAR(f.rows[1].wvalid_pct, 300.0 / 7, 1e-9);
        CHECK_NEAR(f.rows[2].wpct, 18.75, 1e-9);
        CHECK(isnan(f.rows[2].wvalid_pct));
        CHECK_INT(f.rows[3].missing, SVY_MISS_SYSTEM);
        CHECK_NEAR(f.rows[3].wcount, 3, 1e-12);
        CHECK_NEAR(f.rows[3].wpct, 37.5, 1e-9);
    }
    svy_freq_release(&f);
    svy_table_free(t);
}

static void
test_describe_freq_order(void)
{
    /* Numbers in numeric order (2 < 9 < 10), text in byte order. */
    svy_table *t = fixture("n,s\n10,b\n9,a\n2,B\n10,a\n");
    svy_freq f = SVY_FREQ_INIT;

    CHECK_INT(svy_freq_compute(&f, t, "n", NULL, NULL), SVY_OK);
    CHECK_INT(f.nrows, 3);
    if (f.nrows == 3) {
        CHECK_STR(f.rows[0].code, "2");
        CHECK_STR(f.rows[1].code, "9");
        CHECK_STR(f.rows[2].code, "10");
        CHECK_INT(f.rows[2].count, 2);
    }
    svy_freq_release(&f);
    CHECK_INT(svy_freq_compute(&f, t, "s", NULL, NULL), SVY_OK);
    CHECK_INT(f.nrows, 3);
    if (f.nrows == 3) {
        CHECK_STR(f.rows[0].code, "B");
        CHECK_STR(f.rows[1].code, "a");
        CHECK_INT(f.rows[1].count, 2);
        CHECK_STR(f.rows[2].code, "b");
        CHECK(isnan(f.rows[2].num));
    }
    svy_freq_release(&f);
    svy_table_free(t);
}

static void
test_describe_freq_errors(void)
{
    svy_table *t = fixture("q,w,s\n1,1,x\n2,,x\n1,-1,x\n2,abc,x\n");
    svy_describe_opts opts = {0};
    svy_freq f = SVY_FREQ_INIT;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_freq_compute(&f, t, "nope", NULL, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "unknown variable 'nope'");
    opts.source = "t.csv";
    opts.weight = "wt";
    CHECK_INT(svy_freq_compute(&f, t, "q", &opts, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "unknown weight variable 'wt'");
    /* Column w is text ("abc"); the first bad row is on line 3. */
    opts.weight = "w";
    CHECK_INT(svy_freq_compute(&f, t, "q", &opts, &err), SVY_EDATA);
    CHECK_STR(err.msg, "t.csv:3: weight 'w' is missing");
    CHECK(f.rows == NULL);
    /* A text weight column is parsed per cell. */
    CHECK_INT(svy_column_set_text(svy_table_find(t, "w"), 1, "1", 1, NULL),
              SVY_OK);
    CHECK_INT(svy_freq_compute(&f, t, "q", &opts, &err), SVY_EDATA);
    CHECK_STR(err.msg, "t.csv:4: weight 'w' is negative '-1'");
    CHECK_INT(svy_column_set_text(svy_table_find(t, "w"), 2, "0", 1, NULL),
              SVY_OK);
    CHECK_INT(svy_freq_compute(&f, t, "q", &opts, &err), SVY_EDATA);
    CHECK_STR(err.msg, "t.csv:5: weight 'w' is not a number 'abc'");
    CHECK_INT(svy_column_set_text(svy_table_find(t, "w"), 3, "2.5", 3, NULL),
              SVY_OK);
    CHECK_INT(svy_freq_compute(&f, t, "q", &opts, &err), SVY_OK);
    CHECK_NEAR(f.wtotal, 4.5, 1e-12); /* 1 + 1 + 0 + 2.5 */
    CHECK_NEAR(f.wvalid, 4.5, 1e-12);
    svy_freq_release(&f);
    svy_table_free(t);
}

static void
test_describe_freq_labels(void)
{
    svy_table *cbt = fixture_text("variable,type,label,label@ru,missing\n"
                                  "q,cat,Question,Вопрос,9\n");
    svy_table *vt = fixture_text("variable,code,label,label@ru\n"
                                 "q,1,Yes,Да\nq,2,No,\nq,9,Refused,Отказ\n");
    svy_table *t = fixture_text("q\n1\n2\n9\n1\n");
    svy_codebook *cb = NULL;
    svy_describe_opts opts = {0};
    svy_freq f = SVY_FREQ_INIT;
    svy_colsum s;

    CHECK_INT(svy_codebook_from_tables(&cb, cbt, "codebook.csv", vt,
                                       "values.csv", NULL),
              SVY_OK);
    CHECK_INT(svy_codebook_apply(cb, t, NULL), SVY_OK);
    opts.codebook = cb;
    opts.lang = SVY_LANG_RU;
    CHECK_INT(svy_freq_compute(&f, t, "q", &opts, NULL), SVY_OK);
    CHECK_STR(f.label, "Вопрос");
    CHECK_INT(f.nrows, 3);
    if (f.nrows == 3) {
        CHECK_STR(f.rows[0].label, "Да");
        CHECK_STR(f.rows[1].label, "No"); /* falls back to English */
        CHECK_STR(f.rows[2].label, "Отказ");
        CHECK_INT(f.rows[2].missing, SVY_MISS_USER);
        CHECK_NEAR(f.rows[0].valid_pct, 200.0 / 3, 1e-9);
    }
    svy_freq_release(&f);
    /* The codebook's missing codes reach the summary through apply. */
    CHECK_INT(svy_describe_column(svy_table_col(t, 0), &s, NULL), SVY_OK);
    CHECK_INT(s.usermiss, 1);
    CHECK_DBL(s.max, 2);
    svy_codebook_free(cb);
    svy_table_free(cbt);
    svy_table_free(vt);
    svy_table_free(t);
}

static void check_guess(const svy_table *t, const char *col, svy_vtype type,
                        const char *valid);

static void
test_describe_many_values(void)
{
    /*
     * 3000 rows, 1500 distinct values each twice: more than the hash set
     * holds, so counting falls back to sorting.  Row i holds
     * v = i * 7919 mod 1500, as does row i + 1500; both have the same
     * parity, so weight 1 + i % 2 gives each value 2 or 4.
     */
    svy_buf csv = SVY_BUF_INIT;
    svy_describe_opts opts = {0};
    svy_freq f = SVY_FREQ_INIT;
    svy_colsum s;
    svy_table *t;
    size_t i;

    svy_buf_puts(&csv, "n,s,w,u\n");
    for (i = 0; i < 3000; i++)
        svy_buf_printf(&csv, "%zu,k%04zu,%zu,u%04zu\n", i * 7919 % 1500,
                       i * 7919 % 1500, 1 + i % 2, i);
    t = fixture(csv.data);
    CHECK_INT(svy_describe_column(svy_table_find(t, "n"), &s, NULL), SVY_OK);
    CHECK_INT(s.distinct, 1500);
    CHECK_DBL(s.min, 0);
    CHECK_DBL(s.max, 1499);
    CHECK_INT(svy_describe_column(svy_table_find(t, "s"), &s, NULL), SVY_OK);
    CHECK_INT(s.distinct, 1500);
    CHECK_STR(s.tmin, "k0000");
    CHECK_STR(s.tmax, "k1499");
    opts.weight = "w";
    CHECK_INT(svy_freq_compute(&f, t, "n", &opts, NULL), SVY_OK);
    CHECK_INT(f.nrows, 1500);
    CHECK_NEAR(f.wtotal, 4500, 1e-9);
    if (f.nrows == 1500) {
        CHECK_STR(f.rows[0].code, "0");
        CHECK_INT(f.rows[0].count, 2);
        CHECK_NEAR(f.rows[0].wcount, 2, 1e-12); /* rows 0 and 1500 */
        CHECK_STR(f.rows[1499].code, "1499");
        CHECK_NEAR(f.rows[1499].pct, 100.0 * 2 / 3000, 1e-9);
    }
    svy_freq_release(&f);
    CHECK_INT(svy_freq_compute(&f, t, "s", &opts, NULL), SVY_OK);
    CHECK_INT(f.nrows, 1500);
    if (f.nrows == 1500) {
        CHECK_STR(f.rows[0].code, "k0000");
        CHECK_STR(f.rows[10].code, "k0010");
        CHECK_INT(f.rows[10].count, 2);
    }
    svy_freq_release(&f);
    /* Drafts past the hash set: a range, text, and an id by sorting. */
    check_guess(t, "n", SVY_V_NUM, "0-1499");
    check_guess(t, "s", SVY_V_TEXT, "");
    check_guess(t, "u", SVY_V_ID, "");
    svy_table_free(t);
    svy_buf_release(&csv);
}

static void
test_describe_signed_zero(void)
{
    /* -0 and 0 are one value, in the hash set as in the sort. */
    svy_table *t = fixture("z\n0\n-0\n0.0\n");
    svy_freq f = SVY_FREQ_INIT;
    svy_colsum s;

    CHECK_INT(svy_describe_column(svy_table_col(t, 0), &s, NULL), SVY_OK);
    CHECK_INT(s.distinct, 1);
    CHECK_INT(svy_freq_compute(&f, t, "z", NULL, NULL), SVY_OK);
    CHECK_INT(f.nrows, 1);
    if (f.nrows == 1)
        CHECK_INT(f.rows[0].count, 3);
    svy_freq_release(&f);
    svy_table_free(t);
}

/* Guess column 'col' of 't' and compare type and valid. */
static void
check_guess(const svy_table *t, const char *col, svy_vtype type,
            const char *valid)
{
    svy_buf b = SVY_BUF_INIT;
    svy_vtype got = (svy_vtype)-1;

    CHECK_INT(svy_draft_guess(svy_table_find(t, col), &got, &b, NULL), SVY_OK);
    CHECK_STR(svy_vtype_name(got), svy_vtype_name(type));
    CHECK_STR(b.data ? b.data : "", valid);
    svy_buf_release(&b);
}

static void
test_describe_draft_guess(void)
{
    svy_table *t =
        fixture("cat,pair,num,frac,id,code,date,text,empty,neg,zero\n"
                "1,1,18,0.5,007,a,2026-09-05,x y,,-9,01\n"
                "2,2,44,1,008,b,2026-09-05 10:11,x y,,-3,02\n"
                "3,1,71,1,009,a,2026-02-28T10:11:12,z,,-2,01\n"
                "8,2,18,1,010,b,2024-02-29,w,,-1,02\n"
                "9,1,30,0.5,011,a,2026-09-06,v,,-3,01\n"
                "1,2,31,1,012,b,2026-09-07,u,,-2,02\n"
                "2,1,32,1,013,a,2026-09-08,t,,-1,01\n"
                "3,2,33,0.5,014,b,2026-09-09,s,,-9,02\n"
                "8,1,34,1,015,a,2026-09-10,r,,-9,01\n"
                "9,2,35,1,016,b,2026-09-11,q,,-1,02\n");

    check_guess(t, "cat", SVY_V_CAT, "1-3,8,9");
    check_guess(t, "pair", SVY_V_CAT, "1,2");
    /* 9 distinct ages in 10 rows do not repeat enough to be codes. */
    check_guess(t, "num", SVY_V_NUM, "18-71");
    check_guess(t, "frac", SVY_V_NUM, "0.5-1");
    check_guess(t, "id", SVY_V_ID, "");
    check_guess(t, "code", SVY_V_CAT, "a,b");
    check_guess(t, "date", SVY_V_DATE, "");
    check_guess(t, "text", SVY_V_TEXT, "");
    check_guess(t, "empty", SVY_V_TEXT, "");
    check_guess(t, "neg", SVY_V_CAT, "-9,-3--1");
    /* Leading zeros: text codes, listed as they are written. */
    check_guess(t, "zero", SVY_V_CAT, "01,02");
    svy_table_free(t);
}

static void
test_describe_draft_guess_refusals(void)
{
    /* Not dates (Feb 30, 2025-02-29), codes that look like lists. */
    svy_table *t = fixture("d,l,r\n"
                           "2026-02-30,\"a,b\",x1-2\n"
                           "2026-02-28,c,y\n"
                           "2025-02-29,\"a,b\",x1-2\n"
                           "2026-01-01,c,y\n");

    check_guess(t, "d", SVY_V_ID, "");
    check_guess(t, "l", SVY_V_TEXT, "");
    check_guess(t, "r", SVY_V_TEXT, "");
    svy_table_free(t);
}

static const struct check_case cases[] = {
    CASE(test_describe_column_num),    CASE(test_describe_column_text),
    CASE(test_describe_column_empty),  CASE(test_describe_freq_unweighted),
    CASE(test_describe_freq_weighted), CASE(test_describe_freq_order),
    CASE(test_describe_freq_errors),   CASE(test_describe_freq_labels),
    CASE(test_describe_many_values),   CASE(test_describe_signed_zero),
    CASE(test_describe_draft_guess),   CASE(test_describe_draft_guess_refusals),
};

CHECK_MAIN(cases)
