/*
 * test_tab.c - unit tests of the tab module: the layout of the records,
 * the column letters on a hand-checkable table, the refusals (unknown and
 * PII variables), --base all, the CSV writer, and the proportions of
 * tests/fixtures/tab/apistrat.csv (R's survey package; see
 * tests/fixtures/README.md, "Design-based estimation").
 */
#include "svy/tab.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "svy/buf.h"
#include "svy/csv.h"

#define REL(a, b, tol) CHECK_NEAR((a), (b), (tol)*fabs((double)(b)))

/* Read 'csv' from memory as a table of text columns. */
static svy_table *
fixture(const char *csv)
{
    svy_input *in = NULL;
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_input_open_mem(&in, "t.csv", csv, strlen(csv), &err), SVY_OK);
    CHECK_INT(svy_csv_read(&t, in, NULL, NULL, &err), SVY_OK);
    svy_input_close(in);
    return t;
}

/* The record of stat "prop" for row code 'rc' in column (cv, cc). */
static const svy_tab_cell *
find(const svy_tab *tab, const char *rc, const char *cv, const char *cc)
{
    for (size_t i = 0; i < svy_tab_ncells(tab); i++) {
        const svy_tab_cell *c = svy_tab_cell_at(tab, i);
        if (strcmp(c->stat, "prop") == 0 && strcmp(c->row_code, rc) == 0 &&
            strcmp(c->col_var, cv) == 0 && strcmp(c->col_code, cc) == 0)
            return c;
    }
    return NULL;
}

/*
 * svyby(~sch.wide, ~stype, dstrat, svymean) and svymean(~sch.wide,
 * dstrat) with dstrat = svydesign(id = ~1, strata = ~stype, weights = ~pw,
 * fpc = ~fpc, data = apistrat): rows 15-16 and 25-30 of
 * tests/fixtures/tab/apistrat.csv; estimates within 1e-9, SEs within 1e-6
 * relative.
 */
static void
test_tab_apistrat_r(void)
{
    static const struct {
        const char *cv, *cc, *rc;
        double est, se;
    } ref[] = {
        {"total", "", "No", 0.17205198858417647, 0.024344780113074782},
        {"total", "", "Yes", 0.82794801141582364, 0.024344780113074782},
        {"stype", "E", "No", 0.089999999999999997, 0.028435196206367308},
        {"stype", "H", "No", 0.47999999999999998, 0.068967634922816309},
        {"stype", "M", "No", 0.29999999999999999, 0.063837430347183158},
        {"stype", "E", "Yes", 0.91000000000000003, 0.028435196206367308},
        {"stype", "H", "Yes", 0.52000000000000002, 0.068967634922816309},
        {"stype", "M", "Yes", 0.70000000000000007, 0.063837430347183158},
    };
    svy_tab_opts o = {0};
    svy_table *t = NULL;
    svy_tab *tab = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_csv_read_file(&t, "tests/fixtures/data/apistrat.csv", NULL,
                                NULL, &err),
              SVY_OK);
    if (t == NULL)
        return;
    CHECK_INT(svy_table_infer_types(t, NULL, &err), SVY_OK);
    o.rows = "sch.wide";
    o.cols = "stype";
    o.weight = "pw";
    o.strata = "stype";
    o.fpc = "fpc";
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL) {
        /* 2 categories × 4 columns, then the F and chi-square rows. */
        CHECK_INT(svy_tab_ncells(tab), 10);
        for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++) {
            const svy_tab_cell *c = find(tab, ref[i].rc, ref[i].cv, ref[i].cc);
            CHECK(c != NULL);
            if (c == NULL)
                continue;
            REL(c->estimate, ref[i].est, 1e-9);
            REL(c->se, ref[i].se, 1e-6);
        }
        /* svychisq(~stype + sch.wide, dstrat): F and its p-value. */
        const svy_tab_cell *f = svy_tab_cell_at(tab, 8);
        CHECK_STR(f->stat, "rao_scott_f");
        REL(f->estimate, 17.247443963888792, 1e-6);
        REL(f->p, 2.0350463594651903e-07, 1e-6);
        CHECK_STR(svy_tab_cell_at(tab, 9)->stat, "chisq");
        REL(svy_tab_cell_at(tab, 9)->p, 3.2324384162886615e-08, 1e-6);
    }
    svy_tab_free(tab);
    svy_table_free(t);
}

/*
 * 80 respondents, weights 1, each its own PSU: in g = 1, 30 of 40 say
 * yes (75%); in g = 2, 10 of 40 (25%).  The difference (SE about 0.097)
 * is far beyond any usual level, so "yes" in column A carries 'b' and
 * "no" in column B carries 'a'; with a minimum base of 50 nothing is
 * tested and every banner cell is flagged.
 */
static svy_table *
letters_table(void)
{
    svy_buf b = SVY_BUF_INIT;
    svy_table *t;

    svy_buf_puts(&b, "g,y\n");
    for (int i = 0; i < 80; i++)
        svy_buf_printf(&b, "%d,%d\n", i < 40 ? 1 : 2,
                       (i < 30 || (i >= 40 && i < 50)) ? 1 : 2);
    t = fixture(b.data);
    svy_buf_release(&b);
    return t;
}

static void
test_tab_letters(void)
{
    svy_table *t = letters_table();
    svy_tab_opts o = {0};
    svy_tab *tab = NULL;
    svy_err err = SVY_ERR_INIT;

    o.rows = "y";
    o.cols = "g";
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL) {
        CHECK_STR(find(tab, "1", "g", "1")->col_letter, "A");
        CHECK_STR(find(tab, "1", "g", "2")->col_letter, "B");
        CHECK_STR(find(tab, "1", "g", "1")->sig, "b");
        CHECK_STR(find(tab, "1", "g", "2")->sig, "");
        CHECK_STR(find(tab, "2", "g", "1")->sig, "");
        CHECK_STR(find(tab, "2", "g", "2")->sig, "a");
        CHECK_STR(find(tab, "1", "total", "")->sig, "");
        CHECK_NEAR(find(tab, "1", "g", "1")->estimate, 0.75, 1e-12);
        CHECK_NEAR(find(tab, "1", "g", "1")->n_unw, 30, 0);
        CHECK_NEAR(find(tab, "1", "g", "1")->base_unw, 40, 0);
        CHECK_INT(find(tab, "1", "g", "1")->low_base, 0);
    }
    svy_tab_free(tab);
    tab = NULL;
    /* A second level of 1e-4: t is about 5.2 on 79 df, p about 2e-6. */
    o.sig[1] = 1e-4;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL)
        CHECK_STR(find(tab, "1", "g", "1")->sig, "B");
    svy_tab_free(tab);
    tab = NULL;
    o.sig[1] = 0;
    o.min_base = 50;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL) {
        CHECK_STR(find(tab, "1", "g", "1")->sig, "");
        CHECK_STR(find(tab, "2", "g", "2")->sig, "");
        CHECK_INT(find(tab, "1", "g", "1")->low_base, 1);
    }
    svy_tab_free(tab);
    svy_table_free(t);
}

static void
test_tab_refusals(void)
{
    svy_table *t = fixture("name,q\nA,1\nB,2\nC,1\n");
    svy_table *cbt = fixture("variable,type,pii\nname,text,yes\nq,cat,no\n");
    svy_codebook *cb = NULL;
    svy_tab_opts o = {0};
    svy_tab *tab = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(
        svy_codebook_from_tables(&cb, cbt, "codebook.csv", NULL, NULL, &err),
        SVY_OK);
    o.rows = "q";
    o.cols = "nope";
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "unknown variable 'nope'");
    CHECK(tab == NULL);
    o.cols = NULL;
    o.rows = "q,name";
    o.codebook = cb;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "variable 'name' is marked as PII: not tabulated");
    o.rows = "q,,name";
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_EINVAL);
    o.rows = NULL;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_EINVAL);
    CHECK(tab == NULL);
    svy_codebook_free(cb);
    svy_table_free(cbt);
    svy_table_free(t);
}

/* 9 is user missing: out of the base by default, a row with base_all. */
static void
test_tab_base_all(void)
{
    svy_table *t = fixture("q\n1\n1\n2\n9\n");
    const char *miss[] = {"9"};
    svy_tab_opts o = {0};
    svy_tab *tab = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(
        svy_column_set_user_missing(svy_table_find(t, "q"), miss, 1, &err),
        SVY_OK);
    o.rows = "q";
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL) {
        CHECK_INT(svy_tab_ncells(tab), 2);
        CHECK_NEAR(find(tab, "1", "total", "")->estimate, 2.0 / 3, 1e-12);
        CHECK_NEAR(find(tab, "1", "total", "")->base_unw, 3, 0);
    }
    svy_tab_free(tab);
    tab = NULL;
    o.base_all = 1;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL) {
        CHECK_INT(svy_tab_ncells(tab), 3);
        CHECK_NEAR(find(tab, "9", "total", "")->estimate, 0.25, 1e-12);
        CHECK_NEAR(find(tab, "1", "total", "")->base_unw, 4, 0);
    }
    svy_tab_free(tab);
    svy_table_free(t);
}

/* The CSV writer: the header and one line per record, NaN empty. */
static void
test_tab_write_csv(void)
{
    svy_table *t = fixture("g,y\n1,2\n1,4\n2,6\n2,8\n");
    char path[] = "/tmp/test_tab_XXXXXX", line[1024];
    svy_tab_opts o = {0};
    svy_tab *tab = NULL;
    svy_output *out = NULL;
    svy_err err = SVY_ERR_INIT;
    FILE *f;
    int fd, n = 0;

    o.means = "y";
    o.cols = "g";
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    CHECK((fd = mkstemp(path)) >= 0);
    close(fd);
    CHECK_INT(svy_output_open(&out, path, &err), SVY_OK);
    CHECK_INT(svy_tab_write_csv(tab, out, &err), SVY_OK);
    CHECK_INT(svy_output_commit(out, &err), SVY_OK);
    if ((f = fopen(path, "r")) != NULL) {
        while (fgets(line, sizeof(line), f)) {
            if (n == 0)
                CHECK_STR(line, "table,title,stat,row_var,row_code,row_label,"
                                "col_var,col_code,col_label,col_letter,n_unw,"
                                "base_unw,base_w,base_eff,estimate,se,ci_low,"
                                "ci_high,deff,sig,df1,df2,p\n");
            if (n == 1)
                CHECK(strncmp(line, "1,y,mean,y,,,total,,Total,,4,4,4,4,5,",
                              37) == 0);
            n++;
        }
        fclose(f);
    }
    CHECK_INT(n, 4);
    unlink(path);
    svy_tab_free(tab);
    svy_table_free(t);
}

static const struct check_case cases[] = {
    CASE(test_tab_apistrat_r), CASE(test_tab_letters),
    CASE(test_tab_refusals),   CASE(test_tab_base_all),
    CASE(test_tab_write_csv),
};

CHECK_MAIN(cases)
