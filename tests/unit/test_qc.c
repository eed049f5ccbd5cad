/*
 * test_qc.c - the quality checks on small tables built from CSV literals;
 * expected values are counted by hand in the comments.  The pair search is
 * also checked against a naive all-pairs count on a generated table, with
 * one and with several threads, and with questions of many answers (the
 * path that does not use the bitsets).
 */
#include "svy/qc.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "svy/buf.h"
#include "svy/codebook.h"
#include "svy/csv.h"
#include "svy/io.h"

static const char *const q3[] = {"a", "b", "c"};

static svy_qc_opts
opts3(void)
{
    svy_qc_opts o = {0};

    o.id = "id";
    o.interviewer = "iv";
    o.duration = "dur";
    o.questions = q3;
    o.nquestions = 3;
    o.source = "t.csv";
    return o;
}

/* Rows 1 and 3 share id 7; row 3 is the later one.  Empty ids never. */
static void
test_qc_dup_id(void)
{
    svy_table *t = fixture_text("id,iv,dur,a,b,c\n"
                                "7,A,100,1,1,1\n"
                                "8,A,100,2,2,2\n"
                                "7,B,100,3,3,3\n"
                                ",B,100,1,2,3\n"
                                ",B,100,3,2,1\n");
    svy_qc_opts o = opts3();
    svy_qc *qc = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_qc_run(&qc, t, &o, &err), SVY_OK);
    CHECK_INT(svy_qc_row_at(qc, 0)->dup_id, 0);
    CHECK_INT(svy_qc_row_at(qc, 1)->dup_id, 0);
    CHECK_INT(svy_qc_row_at(qc, 2)->dup_id, 1);
    CHECK_INT(svy_qc_row_at(qc, 3)->dup_id, 0);
    CHECK_INT(svy_qc_row_at(qc, 4)->dup_id, 0);
    CHECK_INT(svy_qc_count(qc, SVY_QC_DUP_ID), 1);
    svy_qc_free(qc);
    svy_table_free(t);
}

/*
 * Rows 0, 2 and 3 have the same answers (an empty one included): rows 2
 * and 3 duplicate row 0.  Row 1 agrees with row 0 on 'a' and 'b' only.
 */
static void
test_qc_exact_and_match(void)
{
    svy_table *t = fixture_text("id,iv,dur,a,b,c\n"
                                "1,A,100,1,,3\n"
                                "2,A,100,1,,4\n"
                                "3,B,100,1,,3\n"
                                "4,B,100,1,,3\n"
                                "5,B,100,2,1,1\n");
    svy_qc_opts o = opts3();
    svy_qc *qc = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_qc_run(&qc, t, &o, &err), SVY_OK);
    CHECK_INT(svy_qc_row_at(qc, 0)->dup_interview, 0);
    CHECK_INT(svy_qc_row_at(qc, 2)->dup_interview, 1);
    CHECK_INT(svy_qc_row_at(qc, 2)->dup_of, 0);
    CHECK_INT(svy_qc_row_at(qc, 3)->dup_of, 0);
    CHECK_INT(svy_qc_row_at(qc, 1)->dup_interview, 0);
    /* Row 0's best is row 2 (3 of 3; the earliest of rows 2 and 3). */
    CHECK_NEAR(svy_qc_row_at(qc, 0)->max_match, 1.0, 1e-12);
    CHECK_INT(svy_qc_row_at(qc, 0)->match_row, 2);
    CHECK_INT(svy_qc_row_at(qc, 3)->match_row, 0);
    /* Row 1: 2 of 3 with rows 0, 2, 3; the earliest is row 0. */
    CHECK_NEAR(svy_qc_row_at(qc, 1)->max_match, 2.0 / 3, 1e-12);
    CHECK_INT(svy_qc_row_at(qc, 1)->match_row, 0);
    CHECK_INT(svy_qc_row_at(qc, 1)->near_dup, 0);
    /* Row 4 agrees with nobody on anything. */
    CHECK_NEAR(svy_qc_row_at(qc, 4)->max_match, 0.0, 1e-12);
    CHECK_INT(svy_qc_row_at(qc, 4)->match_row, 0);
    CHECK_INT(svy_qc_count(qc, SVY_QC_DUP_INTERVIEW), 2);
    CHECK_INT(svy_qc_count(qc, SVY_QC_NEAR_DUP), 3);
    svy_qc_free(qc);
    svy_table_free(t);
}

/* The threshold is strict: 2 of 3 is not above 2/3. */
static void
test_qc_threshold_strict(void)
{
    svy_table *t = fixture_text("id,iv,dur,a,b,c\n1,A,1,1,1,1\n2,A,1,1,1,2\n");
    svy_qc_opts o = opts3();
    svy_qc *qc = NULL;

    o.match_threshold = 2.0 / 3;
    CHECK_INT(svy_qc_run(&qc, t, &o, NULL), SVY_OK);
    CHECK_INT(svy_qc_row_at(qc, 0)->near_dup, 0);
    svy_qc_free(qc);
    o.match_threshold = 0.6;
    CHECK_INT(svy_qc_run(&qc, t, &o, NULL), SVY_OK);
    CHECK_INT(svy_qc_row_at(qc, 0)->near_dup, 1);
    CHECK_INT(svy_qc_row_at(qc, 1)->near_dup, 1);
    svy_qc_free(qc);
    svy_table_free(t);
}

/*
 * Durations 100 200 300 400 and empty: median 250, limit 125, so only
 * 100 is a speeder; with min_duration 250, 100 and 200 are.
 */
static void
test_qc_speeders(void)
{
    svy_table *t =
        fixture_text("id,iv,dur,a,b,c\n1,A,100,1,1,1\n2,A,200,1,1,2\n"
                     "3,A,300,1,2,2\n4,A,400,2,2,2\n5,A,,3,3,3\n");
    svy_qc_opts o = opts3();
    svy_qc *qc = NULL;

    CHECK_INT(svy_qc_run(&qc, t, &o, NULL), SVY_OK);
    CHECK_NEAR(svy_qc_median_duration(qc), 250, 1e-12);
    CHECK_NEAR(svy_qc_speed_limit(qc), 125, 1e-12);
    CHECK_INT(svy_qc_row_at(qc, 0)->speeder, 1);
    CHECK_INT(svy_qc_row_at(qc, 1)->speeder, 0);
    CHECK_INT(svy_qc_row_at(qc, 4)->speeder, 0);
    CHECK(isnan(svy_qc_row_at(qc, 4)->duration));
    svy_qc_free(qc);
    o.min_duration = 250;
    CHECK_INT(svy_qc_run(&qc, t, &o, NULL), SVY_OK);
    CHECK_INT(svy_qc_count(qc, SVY_QC_SPEEDER), 2);
    svy_qc_free(qc);
    svy_table_free(t);
}

static void
test_qc_errors(void)
{
    svy_table *t =
        fixture_text("id,iv,dur,a,b,c\n1,A,100,1,1,1\n2,A,1o0,1,1,2\n");
    svy_qc_opts o = opts3();
    svy_qc *qc = NULL;
    svy_err err = SVY_ERR_INIT;
    static const char *const bad[] = {"a", "zz"};

    CHECK_INT(svy_qc_run(&qc, t, &o, &err), SVY_EDATA);
    CHECK_STR(err.msg, "t.csv:3: column 'dur': not a number '1o0'");
    CHECK(qc == NULL);
    o.duration = "nope";
    CHECK_INT(svy_qc_run(&qc, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "unknown variable 'nope'");
    o.duration = NULL;
    o.questions = bad;
    o.nquestions = 2;
    CHECK_INT(svy_qc_run(&qc, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "unknown variable 'zz'");
    CHECK(qc == NULL);
    svy_table_free(t);
}

/*
 * Five interviews of B all speeders, 20 of A none: p = 5/25 = 0.2, and
 * B's share 1 > 0.2 + 3 sqrt(0.16 / 5) = 0.737 stands out; A's 0 not.
 */
static void
test_qc_groups(void)
{
    svy_buf csv = SVY_BUF_INIT;
    svy_table *t;
    svy_qc_opts o = opts3();
    svy_qc *qc = NULL;
    svy_buf text = SVY_BUF_INIT;
    int bad = 0;

    CHECK_INT(svy_buf_puts(&csv, "id,iv,dur,a,b,c\n"), SVY_OK);
    for (int i = 0; i < 25; i++)
        bad |=
            svy_buf_printf(&csv, "%d,%s,%d,%d,%d,%d\n", i, i < 20 ? "A" : "B",
                           i < 20 ? 1000 : 100, i % 3, i % 5, i % 7) != SVY_OK;
    CHECK_INT(bad, 0);
    t = fixture_text(csv.data);
    o.min_duration = 300;
    CHECK_INT(svy_qc_run(&qc, t, &o, NULL), SVY_OK);
    CHECK_INT(svy_qc_ngroups(qc), 2);
    CHECK_STR(svy_qc_group_at(qc, 0)->interviewer, "A");
    CHECK_INT(svy_qc_group_at(qc, 0)->interviews, 20);
    CHECK_NEAR(svy_qc_group_at(qc, 0)->median_duration, 1000, 1e-12);
    CHECK_INT(svy_qc_group_at(qc, 0)->stands_out[SVY_QC_SPEEDER], 0);
    CHECK_NEAR(svy_qc_group_at(qc, 1)->share[SVY_QC_SPEEDER], 1.0, 1e-12);
    CHECK_INT(svy_qc_group_at(qc, 1)->stands_out[SVY_QC_SPEEDER], 1);
    CHECK_INT(svy_qc_format_summary(qc, &text, NULL), SVY_OK);
    CHECK(text.data && strstr(text.data, "1.0000*") != NULL);
    svy_buf_release(&text);
    svy_buf_release(&csv);
    svy_qc_free(qc);
    svy_table_free(t);
}

/* Default questions: cat variables after 'dur' in the codebook. */
static void
test_qc_default_questions(void)
{
    svy_table *cbt = fixture_text("variable,type\nid,id\nsex,cat\ndur,num\n"
                                  "a,cat\nstratum,cat\nb,cat\nnote,text\n");
    svy_table *t = fixture_text("id,sex,dur,a,stratum,b,note\n1,1,1,1,1,1,x\n");
    svy_codebook *cb = NULL;
    svy_qc_opts o = {0};
    const char **q = NULL;
    const char *const ex[] = {"stratum", NULL};
    size_t n = 0;

    CHECK_INT(
        svy_codebook_from_tables(&cb, cbt, "codebook.csv", NULL, NULL, NULL),
        SVY_OK);
    o.codebook = cb;
    o.duration = "dur";
    o.exclude = ex;
    CHECK_INT(svy_qc_default_questions(t, &o, &q, &n, NULL), SVY_OK);
    CHECK_INT(n, 2);
    CHECK_STR(q[0], "a");
    CHECK_STR(q[1], "b");
    free(q);
    /* Without a codebook: every column but id and duration. */
    o.codebook = NULL;
    o.exclude = NULL;
    CHECK_INT(svy_qc_default_questions(t, &o, &q, &n, NULL), SVY_OK);
    CHECK_INT(n, 5);
    CHECK_STR(q[0], "sex");
    free(q);
    svy_codebook_free(cb);
    svy_table_free(cbt);
    svy_table_free(t);
}

/* Naive maximum agreement of row i, the earliest row on a tie. */
static void
naive(const svy_table *t, size_t nq, size_t i, size_t *best, size_t *row)
{
    *best = 0;
    *row = SIZE_MAX;
    for (size_t j = 0; j < svy_table_nrows(t); j++) {
        size_t m = 0;

        if (j == i)
            continue;
        for (size_t k = 0; k < nq; k++) {
            const svy_column *c = svy_table_col(t, 1 + k);

            m += strcmp(svy_column_text(c, i), svy_column_text(c, j)) == 0;
        }
        if (*row == SIZE_MAX || m > *best) {
            *best = m;
            *row = j;
        }
    }
}

/*
 * 700 rows (6 tiles) of 12 questions, one with up to 60 answers so that
 * the code path without bitsets runs too: every row's max_match and
 * match_row equal the naive count's, with 1 and with 3 threads.
 */
static void
test_qc_pairs_naive(void)
{
    svy_buf csv = SVY_BUF_INIT;
    const char *names[12];
    char nb[12][16];
    unsigned long x = 12345;
    svy_table *t;
    svy_qc_opts o = {0};
    int bad = 0;

    CHECK_INT(svy_buf_puts(&csv, "id"), SVY_OK);
    for (int k = 0; k < 12; k++) {
        snprintf(nb[k], sizeof(nb[k]), "q%d", k);
        names[k] = nb[k];
        CHECK_INT(svy_buf_printf(&csv, ",%s", nb[k]), SVY_OK);
    }
    CHECK_INT(svy_buf_putc(&csv, '\n'), SVY_OK);
    for (int i = 0; i < 700; i++) {
        bad |= svy_buf_printf(&csv, "%d", i) != SVY_OK;
        for (int k = 0; k < 12; k++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            unsigned v = (unsigned)(x >> 33) % (k == 0 ? 60 : 4);
            if (v == 3 && k > 0)
                bad |= svy_buf_puts(&csv, ",") != SVY_OK;
            else
                bad |= svy_buf_printf(&csv, ",%u", v) != SVY_OK;
        }
        bad |= svy_buf_putc(&csv, '\n') != SVY_OK;
    }
    CHECK_INT(bad, 0);
    t = fixture_text(csv.data);
    o.questions = names;
    o.nquestions = 12;
    for (int th = 1; th <= 3; th += 2) {
        svy_qc *qc = NULL;

        o.threads = th;
        CHECK_INT(svy_qc_run(&qc, t, &o, NULL), SVY_OK);
        for (size_t i = 0; i < 700; i++) {
            size_t best, row;
            const svy_qc_row *r = svy_qc_row_at(qc, i);

            naive(t, 12, i, &best, &row);
            bad += fabs(r->max_match - (double)best / 12) > 1e-12 ||
                   r->match_row != row;
        }
        CHECK_INT(bad, 0);
        svy_qc_free(qc);
    }
    svy_buf_release(&csv);
    svy_table_free(t);
}

/*
 * Grids and nonresponse on one table.  Codebook: t1..t3 have don't know
 * codes 8 and 9.  Row by row (grid t = t1,t2,t3; questions t1,t2,t3,x):
 *   1: 2,2,2      straight, SD 0
 *   2: 3,8,3      two valid answers: SD 0, too few to call (-1)
 *   3: 1,2,3      SD 1 (mean 2, squares 1+0+1 over 2)
 *   4: 4,4,9,""   DK 1/4 and empty 1/4 (x): 0.5 > 0.3, nonresponse
 *   5: 1,"",1     one empty in the grid: two valid, SD 0; empty 1/4
 */
static void
test_qc_grids_nonresponse(void)
{
    svy_table *cbt =
        fixture_text("variable,type,missing\nid,id,\n"
                     "t1,cat,\"8,9\"\nt2,cat,\"8,9\"\nt3,cat,\"8,9\"\n"
                     "x,cat,\n");
    svy_table *t = fixture_text("id,t1,t2,t3,x\n"
                                "1,2,2,2,1\n"
                                "2,3,8,3,1\n"
                                "3,1,2,3,1\n"
                                "4,4,4,9,\n"
                                "5,1,,1,1\n");
    static const char *const q[] = {"t1", "t2", "t3", "x"};
    svy_codebook *cb = NULL;
    svy_qc_opts o = {0};
    svy_qc *qc = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(
        svy_codebook_from_tables(&cb, cbt, "codebook.csv", NULL, NULL, NULL),
        SVY_OK);
    o.id = "id";
    o.questions = q;
    o.nquestions = 4;
    o.codebook = cb;
    o.grids = "t1,t2,t3";
    CHECK_INT(svy_qc_run(&qc, t, &o, &err), SVY_OK);
    CHECK_INT(svy_qc_ngrids(qc), 1);
    CHECK_STR(svy_qc_grid_name(qc, 0), "t1");
    CHECK_INT(svy_qc_grid_size(qc, 0), 3);
    CHECK_INT(svy_qc_grid_straight(qc, 0, 0), 1);
    CHECK_NEAR(svy_qc_grid_sd(qc, 0, 0), 0, 0);
    CHECK_INT(svy_qc_grid_nvalid(qc, 1, 0), 2);
    CHECK_INT(svy_qc_grid_straight(qc, 1, 0), -1);
    CHECK_NEAR(svy_qc_grid_sd(qc, 2, 0), 1, 1e-15);
    CHECK_INT(svy_qc_grid_straight(qc, 2, 0), 0);
    CHECK_INT(svy_qc_grid_nvalid(qc, 3, 0), 2);
    CHECK_INT(svy_qc_grid_nvalid(qc, 4, 0), 2);
    CHECK_INT(svy_qc_row_at(qc, 0)->straightliner, 1);
    CHECK_INT(svy_qc_row_at(qc, 1)->straightliner, 0);
    CHECK_INT(svy_qc_count(qc, SVY_QC_STRAIGHT), 1);
    CHECK_NEAR(svy_qc_row_at(qc, 1)->dk_share, 0.25, 0);
    CHECK_NEAR(svy_qc_row_at(qc, 3)->dk_share, 0.25, 0);
    CHECK_NEAR(svy_qc_row_at(qc, 3)->empty_share, 0.25, 0);
    CHECK_INT(svy_qc_row_at(qc, 3)->nonresponse, 1);
    CHECK_NEAR(svy_qc_row_at(qc, 4)->empty_share, 0.25, 0);
    CHECK_INT(svy_qc_row_at(qc, 4)->nonresponse, 0);
    CHECK_INT(svy_qc_count(qc, SVY_QC_NONRESPONSE), 1);
    /* One group: the mean of the shares, 2 DK in 20 answers. */
    CHECK_NEAR(svy_qc_group_at(qc, 0)->dk_rate, 0.1, 1e-15);
    CHECK_NEAR(svy_qc_group_at(qc, 0)->empty_rate, 0.1, 1e-15);
    svy_qc_free(qc);

    /*
     * A lower bar (0.2) also flags rows 2 and 5 (0.25 each).  Without a
     * codebook 8 and 9 are answers like any other: row 2's grid is 3,8,3.
     */
    o.max_nonresponse = 0.2;
    CHECK_INT(svy_qc_run(&qc, t, &o, &err), SVY_OK);
    CHECK_INT(svy_qc_count(qc, SVY_QC_NONRESPONSE), 3);
    svy_qc_free(qc);
    o.max_nonresponse = 0;
    o.codebook = NULL;
    CHECK_INT(svy_qc_run(&qc, t, &o, &err), SVY_OK);
    CHECK_INT(svy_qc_grid_straight(qc, 1, 0), 0);
    CHECK_NEAR(svy_qc_grid_sd(qc, 1, 0), sqrt(25.0 / 3), 1e-12);
    CHECK_NEAR(svy_qc_row_at(qc, 3)->dk_share, 0, 0);
    svy_qc_free(qc);
    svy_codebook_free(cb);
    svy_table_free(cbt);
    svy_table_free(t);
}

/* Grid specs that must fail, with their messages (usage errors: the
 * option is wrong, not the data); no grid is no check. */
static void
test_qc_grid_errors(void)
{
    static const struct {
        const char *spec, *msg;
    } bad[] = {
        {"a,b", "--grids: grid 1: 2 variables, a grid needs at least 3"},
        {"a,b,c/", "--grids: grid 2 is empty"},
        {"/a,b,c", "--grids: grid 1 is empty"},
        {"a,,c", "--grids: grid 1: empty variable name"},
        {"a,b,c,", "--grids: grid 1: empty variable name"},
        {"a,b,zz", "--grids: grid 1: unknown variable 'zz'"},
        {"a,b,a", "--grids: grid 1: 'a' listed twice"},
        {"a,b,c/a,c,b", "--grids: grid 2: name 'a' already used by grid 1"},
    };
    svy_table *t = fixture_text("id,a,b,c\n1,1,2,3\n2,x,2,2\n");
    svy_qc_opts o = {0};
    svy_qc *qc = NULL;
    svy_err err = SVY_ERR_INIT;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o.grids = bad[i].spec;
        CHECK_INT(svy_qc_run(&qc, t, &o, &err), SVY_EINVAL);
        CHECK_STR(err.msg, bad[i].msg);
        CHECK(qc == NULL);
    }
    o.grids = "a,b,c";
    CHECK_INT(svy_qc_run(&qc, t, &o, &err), SVY_EDATA);
    CHECK_STR(err.msg, "<data>:3: column 'a': not a number 'x'");
    o.grids = "";
    CHECK_INT(svy_qc_run(&qc, t, &o, &err), SVY_OK);
    CHECK_INT(svy_qc_ngrids(qc), 0);
    CHECK_INT(svy_qc_count(qc, SVY_QC_STRAIGHT), 0);
    svy_qc_free(qc);
    svy_table_free(t);
}

/*
 * Default grids: q1_a..q1_c (a 4-point scale with DK) is one; the 0/1
 * set q2_*, the pair q3_* and q4_* (a different missing code on q4_c) are
 * not.
 */
static void
test_qc_default_grids(void)
{
    svy_table *cbt = fixture_text("variable,type,missing\nid,id,\n"
                                  "q1_a,cat,8\nq1_b,cat,8\nq1_c,cat,8\n"
                                  "q2_1,cat,\nq2_2,cat,\nq2_3,cat,\n"
                                  "q3_a,cat,\nq3_b,cat,\n"
                                  "q4_a,cat,\nq4_b,cat,\nq4_c,cat,9\n");
    svy_buf vb = SVY_BUF_INIT;
    svy_table *vt, *t;
    svy_codebook *cb = NULL;
    char *spec = NULL;

    svy_buf_puts(&vb, "variable,code\n");
    for (const char *v = "q1_a\0q1_b\0q1_c\0"; *v; v += 5)
        for (int c = 1; c <= 4; c++)
            svy_buf_printf(&vb, "%s,%d\n", v, c == 4 ? 8 : c);
    for (const char *v = "q2_1\0q2_2\0q2_3\0"; *v; v += 5)
        svy_buf_printf(&vb, "%s,0\n%s,1\n", v, v);
    for (const char *v = "q3_a\0q3_b\0q4_a\0q4_b\0q4_c\0"; *v; v += 5)
        svy_buf_printf(&vb, "%s,1\n%s,2\n%s,3\n", v, v, v);
    vt = fixture_text(vb.data);
    t = fixture_text(
        "id,q1_a,q1_b,q1_c,q2_1,q2_2,q2_3,q3_a,q3_b,q4_a,q4_b,q4_c\n"
        "1,1,1,1,0,0,0,1,1,1,1,1\n");
    CHECK_INT(svy_codebook_from_tables(&cb, cbt, "codebook.csv", vt,
                                       "values.csv", NULL),
              SVY_OK);
    CHECK_INT(svy_qc_default_grids(t, cb, &spec, NULL), SVY_OK);
    /* q1 has only 3 points besides DK 8: 1, 2, 3. */
    CHECK_STR(spec, "q1_a,q1_b,q1_c");
    free(spec);
    CHECK_INT(svy_qc_default_grids(t, NULL, &spec, NULL), SVY_OK);
    CHECK_STR(spec, "");
    free(spec);
    svy_codebook_free(cb);
    svy_buf_release(&vb);
    svy_table_free(vt);
    svy_table_free(cbt);
    svy_table_free(t);
}

/*
 * A rare check: 40 interviewers of 10 interviews, one speeder in all (A00
 * has it).  p = 1/400 puts the bar p + 3 SE at 0.05, below A00's 0.1, so
 * only the rule's second condition (at least 2 flagged) keeps A00
 * unmarked; a second speeder of A00 marks them.
 */
static void
test_qc_stands_out_rare(void)
{
    for (int extra = 0; extra < 2; extra++) {
        svy_buf b = SVY_BUF_INIT;
        svy_table *t;
        svy_qc_opts o = opts3();
        svy_qc *qc = NULL;

        svy_buf_puts(&b, "id,iv,dur,a,b,c\n");
        for (int r = 0; r < 400; r++)
            svy_buf_printf(&b, "%d,A%02d,%d,%d,%d,%d\n", r, r % 40,
                           r == 0 || (extra && r == 40) ? 100 : 1000, r % 7,
                           r % 11, r % 13);
        t = fixture_text(b.data);
        o.min_duration = 500;
        CHECK_INT(svy_qc_run(&qc, t, &o, NULL), SVY_OK);
        CHECK_STR(svy_qc_group_at(qc, 0)->interviewer, "A00");
        CHECK_INT(svy_qc_count(qc, SVY_QC_SPEEDER), (size_t)(1 + extra));
        CHECK_INT(svy_qc_group_at(qc, 0)->stands_out[SVY_QC_SPEEDER], extra);
        CHECK_INT(svy_qc_group_at(qc, 1)->stands_out[SVY_QC_SPEEDER], 0);
        svy_qc_free(qc);
        svy_table_free(t);
        svy_buf_release(&b);
    }
}

static const struct check_case cases[] = {
    CASE(test_qc_dup_id),
    CASE(test_qc_exact_and_match),
    CASE(test_qc_threshold_strict),
    CASE(test_qc_speeders),
    CASE(test_qc_errors),
    CASE(test_qc_groups),
    CASE(test_qc_default_questions),
    CASE(test_qc_pairs_naive),
    CASE(test_qc_grids_nonresponse),
    CASE(test_qc_grid_errors),
    CASE(test_qc_default_grids),
    CASE(test_qc_stands_out_rare),
};

CHECK_MAIN(cases)
