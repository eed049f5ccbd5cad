/*
 * test_tab.c - unit tests of the tab module: the layout of the records,
 * the column letters on a hand-checkable table, the refusals (unknown and
 * PII variables), --base all, the writers (CSV, JSON, text in three
 * languages), --adjust, --filter as a domain, the proportions of
 * tests/fixtures/tab/apistrat.csv and the calibration-aware SE of
 * apiclus1_raked (R's survey package; see tests/fixtures/README.md,
 * "Design-based estimation"), and the table spec: its errors with line
 * and column, nets and multiple-response sets.
 */
#include "svy/tab.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fixture.h"
#include "svy/buf.h"
#include "svy/csv.h"
#include "svy/estimate.h"
#include "svy/factor.h"

#define REL(a, b, tol) CHECK_NEAR((a), (b), (tol)*fabs((double)(b)))

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
    t = fixture_text(b.data);
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

/*
 * Beyond Z, columns are lettered as spreadsheet columns (AA, AB, ...) and
 * the letters of a cell are separated by blanks.  Thirty groups of 40,
 * y = 1 in 10 of each but 36 of group 28 (column AB): AB is above every
 * other column on y = 1, and every other column above AB on y = 2.
 */
static void
test_tab_letters_wide(void)
{
    svy_buf csv = SVY_BUF_INIT;
    svy_table *t;
    svy_tab_opts o = {0};
    svy_tab *tab = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_buf_puts(&csv, "g,y\n"), SVY_OK);
    for (int g = 1; g <= 30; g++)
        for (int r = 0; r < 40; r++)
            CHECK_INT(svy_buf_printf(&csv, "%d,%d\n", g,
                                     r < (g == 28 ? 36 : 10) ? 1 : 2),
                      SVY_OK);
    t = fixture_text(csv.data);
    svy_buf_release(&csv);
    o.rows = "y";
    o.cols = "g";
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL) {
        CHECK_STR(find(tab, "1", "g", "26")->col_letter, "Z");
        CHECK_STR(find(tab, "1", "g", "27")->col_letter, "AA");
        CHECK_STR(find(tab, "1", "g", "30")->col_letter, "AD");
        CHECK_STR(find(tab, "1", "g", "28")->sig,
                  "a b c d e f g h i j k l m n o p q r s t u v w x y z aa "
                  "ac ad");
        CHECK_STR(find(tab, "2", "g", "1")->sig, "ab");
        CHECK_STR(find(tab, "2", "g", "30")->sig, "ab");
        CHECK_STR(find(tab, "1", "g", "1")->sig, "");
    }
    svy_tab_free(tab);
    tab = NULL;
    /* At a second level every letter is uppercase, blanks kept. */
    o.sig[1] = 0.01;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL)
        CHECK_STR(find(tab, "2", "g", "27")->sig, "AB");
    svy_tab_free(tab);
    svy_table_free(t);
}

static void
test_tab_refusals(void)
{
    svy_table *t = fixture_text("name,q\nA,1\nB,2\nC,1\n");
    svy_table *cbt =
        fixture_text("variable,type,pii\nname,text,yes\nq,cat,no\n");
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
    CHECK_STR(err.msg, "--cols: unknown variable 'nope'");
    CHECK(tab == NULL);
    o.cols = NULL;
    o.rows = "q,name";
    o.codebook = cb;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg,
              "--rows: variable 'name' is marked as PII: not tabulated");
    /* A mean of text would be an empty table: refused. */
    CHECK_INT(svy_table_infer_types(t, NULL, &err), SVY_OK);
    o.rows = NULL;
    o.means = "q,name";
    o.codebook = NULL;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "--mean: variable 'name' is not numeric: 'A'");
    o.means = NULL;
    o.codebook = cb;
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
    svy_table *t = fixture_text("q\n1\n1\n2\n9\n");
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
    svy_table *t = fixture_text("g,y\n1,2\n1,4\n2,6\n2,8\n");
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
                                "ci_high,deff,sig,df1,df2,p,low_base,base,"
                                "filter,level,sig1,sig2,adjust,min_base\n");
            if (n == 1) {
                CHECK(strncmp(line, "1,y,mean,y,,,total,,Total,,4,4,4,4,5,",
                              37) == 0);
                /* the run's defaults, repeated on every record */
                const char *tail = ",valid,,0.95,0.05,,none,30\n";
                size_t ll = strlen(line), tl = strlen(tail);
                CHECK(ll > tl && strcmp(line + ll - tl, tail) == 0);
            }
            n++;
        }
        fclose(f);
    }
    CHECK_INT(n, 4);
    unlink(path);
    svy_tab_free(tab);
    svy_table_free(t);
}

/*
 * Run writer 'format' over 'tab' into a temporary file and return its
 * contents (the caller frees), or NULL.
 */
static char *
written(const svy_tab *tab, const char *format)
{
    char path[] = "/tmp/test_tab_XXXXXX";
    const svy_tab_writer *w = svy_tab_writer_find(format);
    svy_output *out = NULL;
    svy_err err = SVY_ERR_INIT;
    char *s = NULL;
    size_t n = 0;
    FILE *f;
    int fd;

    CHECK(w != NULL);
    CHECK((fd = mkstemp(path)) >= 0);
    if (w == NULL || fd < 0)
        return NULL;
    close(fd);
    CHECK_INT(svy_output_open(&out, path, &err), SVY_OK);
    CHECK_INT(svy_tab_write(tab, w, out, &err), SVY_OK);
    CHECK_INT(svy_output_commit(out, &err), SVY_OK);
    if ((f = fopen(path, "r")) != NULL) {
        s = calloc(1, 1 << 16);
        if (s != NULL)
            n = fread(s, 1, (1 << 16) - 1, f);
        fclose(f);
    }
    CHECK(n > 0);
    unlink(path);
    return s;
}

/* The three writers are found by name; anything else is not. */
static void
test_tab_writer_find(void)
{
    CHECK_STR(svy_tab_writer_find("text")->name, "text");
    CHECK_STR(svy_tab_writer_find("csv")->name, "csv");
    CHECK_STR(svy_tab_writer_find("json")->name, "json");
    CHECK(svy_tab_writer_find("xml") == NULL);
    CHECK(svy_tab_writer_find("") == NULL);
}

/*
 * JSON strings: quote, backslash and control characters escaped, a byte
 * that is not UTF-8 replaced by U+FFFD, Cyrillic copied; NaN is null.
 */
static void
test_tab_write_json(void)
{
    /* Built in memory: the CSV reader would take the 0xff for CP1251. */
    static const char *const v[] = {"say \"hi\"", "back\\slash", "a\tb",
                                    "x\xff", "\xd0\x94\xd0\xb0"};
    svy_table *t = NULL;
    svy_column *c = NULL;
    svy_tab_opts o = {0};
    svy_tab *tab = NULL;
    svy_err err = SVY_ERR_INIT;
    char *s;

    CHECK_INT(svy_table_new(&t, &err), SVY_OK);
    if (t == NULL)
        return;
    CHECK_INT(svy_table_add_column(t, "q", SVY_TEXT, &c, &err), SVY_OK);
    for (size_t i = 0; c != NULL && i < sizeof(v) / sizeof(v[0]); i++) {
        CHECK_INT(svy_column_push_text(c, v[i], strlen(v[i]), &err), SVY_OK);
        CHECK_INT(svy_table_commit_row(t, 0, &err), SVY_OK);
    }
    o.rows = "q";
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab == NULL)
        goto out;
    s = written(tab, "json");
    if (s != NULL) {
        static const char head[] = "[\n{\"table\":1,\"title\":\"q\","
                                   "\"stat\":\"prop\",\"row_var\":\"q\","
                                   "\"base\":\"valid\",\"filter\":\"\",\n"
                                   "\"cells\":[\n";
        CHECK(strncmp(s, head, strlen(head)) == 0);
        CHECK(strstr(s, "\"row_code\":\"say \\\"hi\\\"\"") != NULL);
        CHECK(strstr(s, "\"row_code\":\"back\\\\slash\"") != NULL);
        CHECK(strstr(s, "\"row_code\":\"a\\tb\"") != NULL);
        CHECK(strstr(s, "\"row_code\":\"x\\ufffd\"") != NULL);
        CHECK(strstr(s, "\"row_code\":\"\xd0\x94\xd0\xb0\"") != NULL);
        CHECK(strstr(s, "\"deff\":null") != NULL);
        CHECK(strstr(s, "\"estimate\":0.2,") != NULL);
        CHECK(strstr(s, "\n],\n\"tests\":[\n]}\n]\n") != NULL);
    }
    free(s);
out:
    svy_tab_free(tab);
    svy_table_free(t);
}

/* The fixed words of the text tables follow opts.lang. */
static void
test_tab_text_lang(void)
{
    svy_table *t = fixture_text("g,q\n1,1\n1,2\n2,1\n2,1\n");
    svy_tab_opts o = {0};
    svy_tab *tab = NULL;
    svy_err err = SVY_ERR_INIT;
    static const struct {
        svy_lang lang;
        const char *a, *b, *c;
    } want[] = {
        {SVY_LANG_EN, "Table 1. q\n", "Base (weighted)", "Rao-Scott F by g:"},
        {SVY_LANG_RU, "Таблица 1. q\n", "База (взвешенная)",
         "F Рао–Скотта по g:"},
        {SVY_LANG_KY, "Таблица 1. q\n", "Негиз (салмакталган)",
         "Рао–Скотттун F критерийи, g боюнча:"},
    };

    o.rows = "q";
    o.cols = "g";
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        char *s;
        o.lang = want[i].lang;
        CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
        if (tab == NULL)
            continue;
        CHECK_INT(svy_tab_get_meta(tab)->lang, want[i].lang);
        if ((s = written(tab, "text")) != NULL) {
            CHECK(strncmp(s, want[i].a, strlen(want[i].a)) == 0);
            CHECK(strstr(s, want[i].b) != NULL);
            CHECK(strstr(s, want[i].c) != NULL);
        }
        free(s);
        svy_tab_free(tab);
        tab = NULL;
    }
    svy_table_free(t);
}

/*
 * Bonferroni on three columns (3 pairs), 10 rows each, proportions .8,
 * .5, .2 with no design: A vs B has p about 0.155 (t = 0.3 / 0.206 on
 * 29 df), A vs C about 0.0026.  At 0.2 A is above B and C; adjusted
 * (p times 3) only above C.
 */
static void
test_tab_adjust(void)
{
    svy_buf b = SVY_BUF_INIT;
    svy_table *t;
    svy_tab_opts o = {0};
    svy_tab *tab = NULL;
    svy_err err = SVY_ERR_INIT;
    svy_tab_adjust a;

    CHECK_INT(svy_tab_adjust_parse("none", &a), 1);
    CHECK_INT(a, SVY_TAB_ADJUST_NONE);
    CHECK_INT(svy_tab_adjust_parse("bonferroni", &a), 1);
    CHECK_INT(a, SVY_TAB_ADJUST_BONFERRONI);
    CHECK_INT(svy_tab_adjust_parse("holm", &a), 0);
    svy_buf_puts(&b, "g,y\n");
    for (int g = 1; g <= 3; g++)
        for (int k = 0; k < 10; k++)
            svy_buf_printf(&b, "%d,%d\n", g, k < 11 - 3 * g ? 1 : 2);
    t = fixture_text(b.data);
    o.rows = "y";
    o.cols = "g";
    o.sig[0] = 0.2;
    o.min_base = 5;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL) {
        CHECK_NEAR(find(tab, "1", "g", "1")->estimate, 0.8, 1e-12);
        CHECK_STR(find(tab, "1", "g", "1")->sig, "bc");
        CHECK_STR(find(tab, "1", "g", "2")->sig, "c");
    }
    svy_tab_free(tab);
    tab = NULL;
    o.adjust = SVY_TAB_ADJUST_BONFERRONI;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL) {
        CHECK_STR(find(tab, "1", "g", "1")->sig, "c");
        CHECK_STR(find(tab, "1", "g", "2")->sig, "");
        CHECK_STR(find(tab, "2", "g", "3")->sig, "a");
    }
    svy_tab_free(tab);
    svy_table_free(t);
    svy_buf_release(&b);
}

/*
 * 'n' rows of a stratified cluster sample (4 strata, PSUs of 10), banner
 * variables a (3 levels) and b (2), questions q1, q2 (5 codes) and q3
 * (1, 2, or empty in a tenth of the rows).
 */
static svy_table *
large_fixture(size_t n)
{
    svy_buf csv = SVY_BUF_INIT;
    svy_table *t;
    svy_err err = SVY_ERR_INIT;
    uint64_t x = 88172645463325252ULL;
    size_t i, k;
    char line[96];

    CHECK_INT(svy_buf_puts(&csv, "h,psu,w,a,b,q1,q2,q3\n"), SVY_OK);
    for (i = 0; i < n; i++) {
        unsigned r[6];
        for (k = 0; k < 6; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            r[k] = (unsigned)(x >> 33);
        }
        snprintf(line, sizeof(line), "%zu,%zu,%u.5,%u,%u,%u,%u,%s\n", i / 20000,
                 i / 10, 1 + r[0] % 4, r[1] % 3, 1 + r[2] % 2, 1 + r[3] % 5,
                 1 + (r[3] + r[4] % 3) % 5,
                 r[5] % 10 == 0 ? ""
                 : r[5] % 2     ? "1"
                                : "2");
        CHECK_INT(svy_buf_puts(&csv, line), SVY_OK);
    }
    t = fixture_text(csv.data);
    svy_buf_release(&csv);
    CHECK_INT(svy_table_infer_types(t, NULL, &err), SVY_OK);
    return t;
}

/*
 * Large enough for the tasks' helper thread (POOL_ROWS) and the next
 * table's factor built meanwhile, and for each call's two halves: every
 * banner proportion, SE and Rao-Scott F of svy_tab_run equals, to the
 * bit, the one a direct svy_design_props call gives; the total column,
 * made from banner a's sums (svy_estimates_total: a has no missing
 * value), to rounding.
 */
static void
test_tab_large(void)
{
    static const char *const qs[] = {"q1", "q2", "q3"}, *const bs[] = {"a",
                                                                       "b"};
    svy_table *t = large_fixture(80000);
    svy_tab_opts o = {0};
    svy_design_opts dop = {.weight = "w", .strata = "h", .cluster = {"psu"}};
    svy_tab *tab = NULL;
    svy_design *d = NULL;
    svy_err err = SVY_ERR_INIT;
    size_t i, q, b, k, j, bad = 0, seen = 0;

    o.weight = "w";
    o.strata = "h";
    o.cluster = "psu";
    o.rows = "q1,q2,q3";
    o.cols = "a,b";
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    CHECK_INT(svy_design_new(&d, t, &dop, &err), SVY_OK);
    for (q = 0; tab && d && q < 3; q++)
        for (b = 0; b <= 2; b++) {
            svy_est_opts eo = {.flags =
                                   b < 2 ? SVY_EST_COV | SVY_EST_CHISQ : 0};
            svy_factor *fq = NULL, *fb = NULL;
            svy_estimates *e = NULL;
            const svy_rao_scott *rs;

            CHECK_INT(svy_factor_new(&fq, t, qs[q], NULL, 0, &err), SVY_OK);
            if (b < 2)
                CHECK_INT(svy_factor_new(&fb, t, bs[b], NULL, 0, &err), SVY_OK);
            CHECK_INT(svy_design_props(&e, d, fq, fb, NULL, &eo, &err), SVY_OK);
            for (k = 0; e && k < svy_factor_nlevels(fq); k++)
                for (j = 0; j < (fb ? svy_factor_nlevels(fb) : 1); j++) {
                    const svy_cell *c = svy_estimates_cell(e, k, j);
                    const svy_tab_cell *r = NULL;
                    for (i = 0; i < svy_tab_ncells(tab) && !r; i++) {
                        const svy_tab_cell *z = svy_tab_cell_at(tab, i);
                        if (strcmp(z->row_var, qs[q]) == 0 &&
                            strcmp(z->stat, "prop") == 0 &&
                            strcmp(z->row_code, svy_factor_level(fq, k)) == 0 &&
                            strcmp(z->col_var, fb ? bs[b] : "total") == 0 &&
                            (!fb ||
                             strcmp(z->col_code, svy_factor_level(fb, j)) == 0))
                            r = z;
                    }
                    seen++;
                    if (r != NULL && !fb) /* from a banner's sums */
                        bad +=
                            !(fabs(r->estimate - c->mean.est) <=
                                  1e-13 * c->mean.est &&
                              fabs(r->se - c->mean.se) <= 1e-12 * c->mean.se);
                    else
                        bad += r == NULL || r->estimate != c->mean.est ||
                               r->se != c->mean.se;
                }
            rs = e ? svy_estimates_rao_scott(e) : NULL;
            for (i = 0; rs && i < svy_tab_ncells(tab); i++) {
                const svy_tab_cell *z = svy_tab_cell_at(tab, i);
                if (strcmp(z->row_var, qs[q]) == 0 &&
                    strcmp(z->stat, "rao_scott_f") == 0 &&
                    strcmp(z->col_var, bs[b]) == 0) {
                    seen++;
                    bad += z->estimate != rs->f;
                }
            }
            svy_estimates_free(e);
            svy_factor_free(fq);
            svy_factor_free(fb);
        }
    CHECK_INT(bad, 0);
    /* q1, q2: 5 codes in 6 columns, 2 F tests; q3: 2 codes */
    CHECK_INT(seen, 2 * (5 * 6 + 2) + (2 * 6 + 2));
    /* a banner with empty cells (q3): the total makes its own pass */
    svy_tab_free(tab);
    tab = NULL;
    o.rows = "q1";
    o.cols = "q3";
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab && d) {
        svy_factor *fq = NULL;
        svy_estimates *e = NULL;
        const svy_tab_cell *r = find(tab, "3", "total", "");

        CHECK_INT(svy_factor_new(&fq, t, "q1", NULL, 0, &err), SVY_OK);
        CHECK_INT(svy_design_props(&e, d, fq, NULL, NULL, NULL, &err), SVY_OK);
        CHECK(r != NULL && e != NULL &&
              r->estimate == svy_estimates_cell(e, 2, 0)->mean.est &&
              r->se == svy_estimates_cell(e, 2, 0)->mean.se);
        svy_estimates_free(e);
        svy_factor_free(fq);
    }
    svy_design_free(d);
    svy_tab_free(tab);
    svy_table_free(t);
}

/*
 * A filter is a domain: the total column under "sex == 2" has the
 * estimate and standard error of the sex = 2 column of the unfiltered
 * banner (same design, same PSUs), not those of the subset cut out of
 * the file, whose strata would lose PSUs.
 */
static void
test_tab_filter(void)
{
    svy_table *t = fixture_text("st,psu,w,sex,q\n"
                                "1,1,1,1,1\n1,1,1,2,1\n1,1,1,2,2\n"
                                "1,2,2,1,2\n1,2,2,1,1\n1,2,2,2,1\n"
                                "1,3,1,1,1\n1,3,1,1,2\n"
                                "2,4,3,2,2\n2,4,3,1,1\n2,5,1,2,1\n2,5,1,2,1\n"
                                "2,6,2,1,2\n2,6,2,2,2\n2,6,2,2,1\n");
    svy_tab_opts o = {0};
    svy_tab *all = NULL, *f = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_table_infer_types(t, NULL, &err), SVY_OK);
    o.weight = "w";
    o.strata = "st";
    o.cluster = "psu";
    o.rows = "q";
    o.cols = "sex";
    CHECK_INT(svy_tab_run(&all, t, &o, &err), SVY_OK);
    o.cols = NULL;
    o.filter = "sex == 2";
    CHECK_INT(svy_tab_run(&f, t, &o, &err), SVY_OK);
    if (all != NULL && f != NULL) {
        const svy_tab_cell *a = find(all, "1", "sex", "2");
        const svy_tab_cell *b = find(f, "1", "total", "");
        CHECK_NEAR(b->estimate, a->estimate, 1e-12);
        CHECK_NEAR(b->se, a->se, 1e-12);
        CHECK(b->se > 0);
        CHECK_NEAR(b->base_unw, 8, 0);
        CHECK_STR(svy_tab_get_meta(f)->filter, "sex == 2");
    }
    svy_tab_free(f);
    f = NULL;
    o.filter = "sex != 2";
    CHECK_INT(svy_tab_run(&f, t, &o, &err), SVY_OK);
    if (f != NULL)
        CHECK_NEAR(find(f, "1", "total", "")->base_unw, 7, 0);
    svy_tab_free(f);
    f = NULL;
    o.filter = " psu in 1, 5 ,6 ";
    CHECK_INT(svy_tab_run(&f, t, &o, &err), SVY_OK);
    if (f != NULL)
        CHECK_NEAR(find(f, "1", "total", "")->base_unw, 8, 0);
    svy_tab_free(f);
    f = NULL;
    o.filter = "sex == 2.0";
    CHECK_INT(svy_tab_run(&f, t, &o, &err), SVY_OK);
    if (f != NULL)
        CHECK_NEAR(find(f, "1", "total", "")->base_unw, 8, 0);
    svy_tab_free(f);
    f = NULL;
    /* Comparisons, ranges, and/or: the same domain as sex == 2. */
    static const char *const same[] = {"sex >= 2",
                                       "sex > 1.5",
                                       "sex in 2..9",
                                       "psu >= 1 and sex == 2",
                                       "sex == 2 and psu < 0 or sex == 2",
                                       "sex == \"2\""};
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
        o.filter = same[i];
        CHECK_INT(svy_tab_run(&f, t, &o, &err), SVY_OK);
        if (f != NULL)
            CHECK_NEAR(find(f, "1", "total", "")->base_unw, 8, 0);
        svy_tab_free(f);
        f = NULL;
    }
    o.filter = "sex = 2";
    CHECK_INT(svy_tab_run(&f, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "--filter: expected ==, !=, <, <=, >, >= or in after "
                       "'sex', got '=' in 'sex = 2'");
    o.filter = "sex == 2 psu == 1";
    CHECK_INT(svy_tab_run(&f, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "--filter: expected and, or or the end after a "
                       "condition, got 'psu' in 'sex == 2 psu == 1' (quote a "
                       "value with blanks)");
    o.filter = "sex in 3..1";
    CHECK_INT(svy_tab_run(&f, t, &o, &err), SVY_EINVAL);
    o.filter = "sex < x";
    CHECK_INT(svy_tab_run(&f, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "--filter: '<' compares numbers, got 'x'");
    o.filter = "sex ==";
    CHECK_INT(svy_tab_run(&f, t, &o, &err), SVY_EINVAL);
    o.filter = "sex in 1,,2";
    CHECK_INT(svy_tab_run(&f, t, &o, &err), SVY_EINVAL);
    o.filter = "nope == 1";
    CHECK_INT(svy_tab_run(&f, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "--filter: unknown variable 'nope'");
    CHECK(f == NULL);
    svy_tab_free(all);
    svy_table_free(t);
}

/*
 * The calibration-aware SE after rake(): svymean(~api00, deff = TRUE) on
 * rake(dclus1, list(~stype, ~sch.wide), list(pop.stype, pop.schwide),
 * control = list(maxit = 1000, epsilon = 1e-12)), dclus1 =
 * svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1): row
 * apiclus1_raked,mean,api00 of tests/fixtures/tab/apiclus1_raked.csv,
 * with the final weights of apiclus1_raked.weights.csv joined by row
 * (snum checked).  Estimate within 1e-9, SE within 1e-6 relative.  In
 * apiclus1 every base weight is equal, so GREG gives the same SE.
 */
static void
test_tab_calibrated_r(void)
{
    svy_table *t = NULL, *w = NULL;
    svy_targets *tg = NULL;
    svy_column *col = NULL;
    svy_tab_opts o = {0};
    svy_tab *tab = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_csv_read_file(&t, "tests/fixtures/data/apiclus1.csv", NULL,
                                NULL, &err),
              SVY_OK);
    CHECK_INT(svy_csv_read_file(&w,
                                "tests/fixtures/tab/apiclus1_raked.weights.csv",
                                NULL, NULL, &err),
              SVY_OK);
    CHECK_INT(
        svy_targets_read(&tg, "tests/fixtures/weight/rake_apiclus1.targets.csv",
                         NULL, NULL, &err),
        SVY_OK);
    if (t == NULL || w == NULL || tg == NULL)
        goto out;
    CHECK_INT(svy_table_infer_types(t, NULL, &err), SVY_OK);
    CHECK_INT(svy_table_infer_types(w, NULL, &err), SVY_OK);
    CHECK_INT(svy_table_nrows(w), svy_table_nrows(t));
    CHECK_INT(svy_table_add_column(t, "rakew", SVY_NUM, &col, &err), SVY_OK);
    for (size_t r = 0; col && r < svy_table_nrows(t); r++) {
        CHECK(svy_column_num(svy_table_find(t, "snum"), r) ==
              svy_column_num(svy_table_find(w, "snum"), r));
        CHECK_INT(
            svy_column_set_num(
                col, r, svy_column_num(svy_table_find(w, "weight"), r), NULL),
            SVY_OK);
    }
    o.means = "api00";
    o.weight = "rakew";
    o.cluster = "dnum";
    o.fpc = "fpc";
    o.calibrated = tg;
    for (int rule = 0; rule < 2; rule++) {
        o.calibration = rule ? SVY_CALVAR_GREG : SVY_CALVAR_RAKE;
        o.base_weight = rule ? "pw" : NULL;
        CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
        if (tab == NULL)
            continue;
        CHECK_STR(svy_tab_cell_at(tab, 0)->col_var, "total");
        REL(svy_tab_cell_at(tab, 0)->estimate, 641.23032092682001, 1e-9);
        REL(svy_tab_cell_at(tab, 0)->se, 23.703616887922493, 1e-6);
        REL(svy_tab_cell_at(tab, 0)->deff, 9.6369989311125934, 1e-6);
        svy_tab_free(tab);
        tab = NULL;
    }
    /* Without the margins, the SE is svymean's on the raked weights. */
    o.calibrated = NULL;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL)
        CHECK(fabs(svy_tab_cell_at(tab, 0)->se - 23.703616887922493) > 0.1);
    svy_tab_free(tab);
    tab = NULL;
    /* A margin on a variable the data lack. */
    svy_targets_free(tg);
    tg = NULL;
    {
        static const char txt[] = "variable,category,target\nzz,1,10\n";
        CHECK_INT(svy_targets_parse(&tg, "tg.csv", txt, strlen(txt), NULL, NULL,
                                    &err),
                  SVY_OK);
    }
    o.calibrated = tg;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "--calibrated: tg.csv:2: unknown variable 'zz'");
    CHECK(tab == NULL);
out:
    svy_targets_free(tg);
    svy_table_free(w);
    svy_table_free(t);
}

/* Parse 'txt' as a spec; '*rc' gets the status and 'err' the message. */
static svy_tab_spec *
spec(const char *txt, svy_status *rc, svy_err *err)
{
    svy_tab_spec *s = NULL;
    *rc = svy_tab_spec_parse(&s, "tables.txt", txt, strlen(txt), err);
    return s;
}

static void
test_tab_spec_errors(void)
{
    static const struct {
        const char *txt, *msg;
    } bad[] = {
        {"tabel q1\n", "tables.txt:1:1: expected table, net or mrset, got "
                       "'tabel'"},
        {"# c\n\ntable\n", "tables.txt:3:6: expected a variable name"},
        {"table q1 by\n", "tables.txt:1:12: expected a banner variable after "
                          "'by'"},
        {"table q1 by sex, = x\n",
         "tables.txt:1:18: expected a banner variable after 'by'"},
        {"table q1 \"x\"\n", "tables.txt:1:10: expected key=value"},
        {"table q1 stat=median\n", "tables.txt:1:15: stat: expected percent, "
                                   "mean or total, got 'median'"},
        {"table q1 color=red\n", "tables.txt:1:10: unknown key 'color': "
                                 "expected stat, filter, title or title@LANG"},
        {"table q1 title@de=\"x\"\n",
         "tables.txt:1:10: unknown language 'de' in 'title@de': expected en, "
         "ru or ky"},
        {"net q2 \"T\" = 1,2 label@ru=\"a\" label@ru=\"b\"\n",
         "tables.txt:1:31: duplicate key 'label@ru'"},
        {"net q2 \"T\" = 1,2 label@ru \"a\"\n",
         "tables.txt:1:27: expected '=' after 'label@ru'"},
        {"net q2 \"T\" = 1,2 label@ru=a\n",
         "tables.txt:1:27: expected a quoted label after 'label@ru'"},
        {"net q2 \"T\" = 1,2 title@ru=\"a\"\n",
         "tables.txt:1:18: unknown key 'title@ru': expected label@LANG"},
        {"mrset p \"P\" = a,b \"x\"\n",
         "tables.txt:1:19: expected label@LANG=\"...\" after the list"},
        {"table q1 title=\"x\n", "tables.txt:1:16: unterminated string"},
        {"table q1 title\n", "tables.txt:1:15: expected '=' after 'title'"},
        {"net q2 Trust = 1,2\n", "tables.txt:1:8: expected a quoted label"},
        {"net q2 \"T\" 1,2\n", "tables.txt:1:12: expected '='"},
        {"net q2 \"T\" = 1,\n", "tables.txt:1:16: expected a code"},
        {"mrset p \"P\" = q9_3..q9_1\n",
         "tables.txt:1:15: bad range 'q9_3..q9_1': expected "
         "PREFIX1..PREFIXn"},
        {"mrset p \"P\" = a\nmrset p \"Q\" = b\n",
         "tables.txt:2:7: duplicate mrset 'p'"},
    };
    svy_err err = SVY_ERR_INIT;
    svy_status rc;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        svy_tab_spec *s = spec(bad[i].txt, &rc, &err);
        CHECK(s == NULL);
        CHECK_INT(rc, SVY_EPARSE);
        CHECK_STR(err.msg, bad[i].msg);
    }
}

/*
 * Nets and multiple-response sets on a hand-checkable table (weights 1,
 * each row its own PSU): q has codes 1, 2, 3 and 9 (missing); the net
 * "1,2" is the share of 1 or 2 among the valid answers; the mrset m1..m3
 * counts the rows with 1 among those with any valid item.
 */
static void
test_tab_spec_run(void)
{
    svy_table *t = fixture_text("q,g,m1,m2,m3\n"
                                "1,a,1,0,\n"
                                "2,a,0,1,\n"
                                "3,a,1,1,\n"
                                "1,b,0,0,1\n"
                                "3,b,,,\n"
                                ",b,1,,\n");
    svy_tab_opts o = {0};
    svy_tab *tab = NULL;
    svy_tab_spec *s;
    svy_err err = SVY_ERR_INIT;
    svy_status rc;

    CHECK_INT(svy_table_infer_types(t, NULL, &err), SVY_OK);
    s = spec("# comment\n"
             "net q \"Top two\" = 1, 2\n"
             "mrset m \"Problems\" = m1..m3\n"
             "table q by g title=\"The \\\"q\\\"\"\n"
             "table m  filter=\"g == a\"\n",
             &rc, &err);
    CHECK_INT(rc, SVY_OK);
    CHECK_INT(svy_tab_spec_ntables(s), 2);
    o.spec = s;
    o.spec_name = "tables.txt";
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL) {
        const svy_tab_cell *c = find(tab, "1+2", "total", "");
        CHECK(c != NULL);
        if (c) {
            CHECK_STR(c->row_label, "Top two");
            CHECK_STR(c->title, "The \"q\"");
            CHECK_NEAR(c->estimate, 3.0 / 5, 1e-12);
            CHECK_NEAR(c->base_unw, 5, 0);
        }
        c = find(tab, "1+2", "g", "b");
        CHECK(c && fabs(c->estimate - 0.5) < 1e-12);
        /* The mrset in the domain g == a: 3 cases, all with an answer. */
        c = find(tab, "m1", "total", "");
        CHECK(c && fabs(c->estimate - 2.0 / 3) < 1e-12 && c->base_unw == 3);
        CHECK(c && strcmp(c->title, "Problems") == 0 && c->table == 2);
        c = find(tab, "m3", "total", "");
        CHECK(c && fabs(c->estimate - 0) < 1e-12);
    }
    svy_tab_free(tab);
    tab = NULL;
    svy_tab_spec_free(s);
    /* Without the filter: m1 is 1 in 3 of the 5 cases with an answer. */
    s = spec("mrset m \"P\" = m1,m2,m3\ntable m\n", &rc, &err);
    o.spec = s;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_OK);
    if (tab != NULL) {
        const svy_tab_cell *c = find(tab, "m1", "total", "");
        CHECK(c && fabs(c->estimate - 3.0 / 5) < 1e-12 && c->base_unw == 5);
    }
    svy_tab_free(tab);
    tab = NULL;
    svy_tab_spec_free(s);
    /* Run-time errors name the spec line. */
    s = spec("\ntable q by nope\n", &rc, &err);
    o.spec = s;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "tables.txt:2: unknown variable 'nope'");
    svy_tab_spec_free(s);
    s = spec("mrset m \"P\" = m1,m4\ntable m\n", &rc, &err);
    o.spec = s;
    CHECK_INT(svy_tab_run(&tab, t, &o, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "tables.txt:2: unknown variable 'm4'");
    CHECK(tab == NULL);
    svy_tab_spec_free(s);
    svy_table_free(t);
    /* The demo survey's spec parses: 5 tables, 2 nets, the q9 set. */
    s = NULL;
    CHECK_INT(svy_tab_spec_read(&s, "surveys/kg-demo/tables.txt", &err),
              SVY_OK);
    CHECK_INT(svy_tab_spec_ntables(s), 5);
    svy_tab_spec_free(s);
    CHECK_INT(svy_tab_spec_read(&s, "nope/tables.txt", &err), SVY_EIO);
    CHECK(s == NULL);
}

/* Cells [i0, i0 + n) of 'a' are cells [j0, j0 + n) of 'b', bit for bit. */
static size_t
same_cells(const svy_tab *a, size_t i0, const svy_tab *b, size_t j0, size_t n)
{
    size_t bad = 0;

    for (size_t k = 0; k < n; k++) {
        const svy_tab_cell *x = svy_tab_cell_at(a, i0 + k);
        const svy_tab_cell *y = svy_tab_cell_at(b, j0 + k);
        bad += strcmp(x->stat, y->stat) != 0 ||
               strcmp(x->row_var, y->row_var) != 0 ||
               strcmp(x->row_code, y->row_code) != 0 ||
               strcmp(x->col_var, y->col_var) != 0 ||
               strcmp(x->col_code, y->col_code) != 0 ||
               strcmp(x->title, y->title) != 0 || strcmp(x->sig, y->sig) ||
               memcmp(&x->estimate, &y->estimate, sizeof(double)) != 0 ||
               memcmp(&x->se, &y->se, sizeof(double)) != 0 ||
               memcmp(&x->deff, &y->deff, sizeof(double)) != 0;
    }
    return bad;
}

/*
 * The calls are queued across tables (the next table's start while the
 * last calls of one run) and a multiple-response table is made between
 * two queued ones.  On data large enough for the helper, the records come
 * table by table in the spec's order, each table's as when it is run
 * alone (same numbers, bit for bit, under its own number and title).
 */
static void
test_tab_large_order(void)
{
    static const char *const alone[] = {"table q1 by a,b\n",
                                        "mrset m \"M\" = q1,q2\n"
                                        "table m by a,b\n",
                                        "table q2 by a,b\n",
                                        "table q3 by a,b\n"};
    svy_table *t = large_fixture(80000);
    svy_tab_opts o = {0};
    svy_tab *all = NULL, *one = NULL;
    svy_tab_spec *s;
    svy_err err = SVY_ERR_INIT;
    svy_status rc;
    size_t i, k, at = 0, n;

    o.weight = "w";
    o.strata = "h";
    o.cluster = "psu";
    o.spec_name = "tables.txt";
    s = spec("mrset m \"M\" = q1,q2\ntable q1,m,q2,q3 by a,b\n", &rc, &err);
    CHECK_INT(rc, SVY_OK);
    o.spec = s;
    CHECK_INT(svy_tab_run(&all, t, &o, &err), SVY_OK);
    svy_tab_spec_free(s);
    for (k = 0; all && k < 4; k++) {
        s = spec(alone[k], &rc, &err);
        o.spec = s;
        CHECK_INT(svy_tab_run(&one, t, &o, &err), SVY_OK);
        n = one ? svy_tab_ncells(one) : 0;
        CHECK(n > 0 && at + n <= svy_tab_ncells(all));
        if (n > 0 && at + n <= svy_tab_ncells(all)) {
            CHECK_INT(same_cells(all, at, one, 0, n), 0);
            for (i = at; i < at + n; i++)
                if (svy_tab_cell_at(all, i)->table != k + 1)
                    break;
            CHECK_INT(i, at + n);
        }
        at += n;
        svy_tab_free(one);
        one = NULL;
        svy_tab_spec_free(s);
    }
    CHECK(all && at == svy_tab_ncells(all));
    svy_tab_free(all);
    svy_table_free(t);
}

static const struct check_case cases[] = {
    CASE(test_tab_apistrat_r),   CASE(test_tab_letters),
    CASE(test_tab_letters_wide), CASE(test_tab_refusals),
    CASE(test_tab_base_all),     CASE(test_tab_write_csv),
    CASE(test_tab_writer_find),  CASE(test_tab_write_json),
    CASE(test_tab_text_lang),    CASE(test_tab_adjust),
    CASE(test_tab_large),        CASE(test_tab_filter),
    CASE(test_tab_calibrated_r), CASE(test_tab_spec_errors),
    CASE(test_tab_spec_run),     CASE(test_tab_large_order),
};

CHECK_MAIN(cases)
