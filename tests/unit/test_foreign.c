/*
 * test_foreign.c - SPSS and Stata files read into tables: values, the
 * three kinds of missing, dates, labels, the codebook built from the
 * metadata, and errors.  The fixtures are in tests/fixtures/foreign/
 * (made by make.sps with PSPP and by make_dta.c); run from the top of
 * the tree.
 */
#include "svy/foreign.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "svy/codebook.h"
#include "svy/num.h"
#include "svy/table.h"

#define FIX "tests/fixtures/foreign/"

static const char *
cell(const svy_table *t, const char *col, size_t row, char *buf)
{
    const svy_column *c = svy_table_find(t, col);

    return c ? svy_column_format(c, row, buf, NULL) : "(no column)";
}

static void
test_foreign_is_foreign(void)
{
    CHECK_INT(svy_foreign_is_foreign("a.sav"), 1);
    CHECK_INT(svy_foreign_is_foreign("dir.x/A.ZSAV"), 1);
    CHECK_INT(svy_foreign_is_foreign("a.Dta"), 1);
    CHECK_INT(svy_foreign_is_foreign("a.sas7bdat"), 1);
    CHECK_INT(svy_foreign_is_foreign("a.por"), 1);
    CHECK_INT(svy_foreign_is_foreign("a.sav.gz"), 0);
    CHECK_INT(svy_foreign_is_foreign("a.csv"), 0);
    CHECK_INT(svy_foreign_is_foreign("sav"), 0);
    CHECK_INT(svy_foreign_is_foreign("a.sav/b"), 0);
    CHECK_INT(svy_foreign_is_foreign("-"), 0);
}

static void
test_foreign_sav_values(void)
{
    svy_table *t = NULL;
    svy_foreign_meta *m = NULL;
    svy_err err = SVY_ERR_INIT;
    char buf[SVY_NUM_BUFSZ];
    const svy_column *c;

    CHECK_INT(svy_foreign_read(&t, &m, FIX "wave1.sav", &err), SVY_OK);
    if (t == NULL || m == NULL)
        return;
    CHECK_INT(svy_table_nrows(t), 4);
    CHECK_INT(svy_table_ncols(t), 8);
    CHECK_INT(svy_column_type(svy_table_find(t, "income")), SVY_NUM);
    CHECK_NEAR(svy_column_num(svy_table_find(t, "income"), 0), 1250.5, 0);
    CHECK_STR(cell(t, "income", 3, buf), "0.1");
    /* System missing is an empty cell. */
    CHECK(isnan(svy_column_num(svy_table_find(t, "income"), 2)));
    CHECK_INT(svy_column_missing(svy_table_find(t, "age"), 1), SVY_MISS_SYSTEM);
    /* User missing keeps its code and is known as user missing. */
    c = svy_table_find(t, "q1");
    CHECK_STR(cell(t, "q1", 1, buf), "8");
    CHECK_INT(svy_column_missing(c, 1), SVY_MISS_USER);
    CHECK_INT(svy_column_missing(c, 2), SVY_MISS_USER);
    CHECK_INT(svy_column_missing(c, 0), SVY_MISS_NONE);
    CHECK_INT(svy_column_missing(svy_table_find(t, "age"), 3), SVY_MISS_USER);
    /* Strings in UTF-8, dates in ISO form, as text. */
    CHECK_STR(cell(t, "region", 0, buf), "Бишкек");
    CHECK_STR(cell(t, "comment", 2, buf), "refused, twice");
    CHECK_INT(svy_column_type(svy_table_find(t, "visit")), SVY_TEXT);
    CHECK_STR(cell(t, "visit", 2, buf), "2024-02-15");
    CHECK_STR(cell(t, "visit", 3, buf), "");
    CHECK_STR(cell(t, "stamp", 0, buf), "2024-03-01 09:15:30");
    /* A row's line is its case number. */
    CHECK_INT(svy_table_row_line(t, 0), 1);
    CHECK_INT(svy_table_row_line(t, 3), 4);
    /* Metadata. */
    CHECK_INT(svy_foreign_nvars(m), 8);
    CHECK_STR(svy_foreign_var_name(m, 2), "q1");
    CHECK_STR(svy_foreign_var_label(m, 2), "Доверяете ли вы парламенту?");
    CHECK_STR(svy_foreign_var_label(m, 7), "");
    CHECK_STR(svy_foreign_var_format(m, 5), "DATE11");
    CHECK_INT(svy_foreign_var_nvalues(m, 2), 4);
    CHECK_STR(svy_foreign_value_code(m, 2, 2), "8");
    CHECK_STR(svy_foreign_value_label(m, 2, 3), "Отказ");
    CHECK_INT(svy_foreign_var_nvalues(m, 1), 1);
    CHECK_STR(svy_foreign_value_code(m, 1, 0), "Ош");
    CHECK_INT(svy_foreign_var_nvalues(m, 0), 0);
    svy_table_free(t);
    svy_foreign_meta_free(m);
}

/* The compressed form holds the same data. */
static void
test_foreign_zsav(void)
{
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;
    char buf[SVY_NUM_BUFSZ];

    CHECK_INT(svy_foreign_read(&t, NULL, FIX "wave1.zsav", &err), SVY_OK);
    if (t == NULL)
        return;
    CHECK_INT(svy_table_nrows(t), 4);
    CHECK_STR(cell(t, "region", 2, buf), "Нарын");
    svy_table_free(t);
}

static void
test_foreign_dta(void)
{
    svy_table *t = NULL;
    svy_foreign_meta *m = NULL;
    svy_err err = SVY_ERR_INIT;
    char buf[SVY_NUM_BUFSZ];
    const svy_column *c;

    CHECK_INT(svy_foreign_read(&t, &m, FIX "wave2.dta", &err), SVY_OK);
    if (t == NULL)
        return;
    /* A float widened through its shortest decimal. */
    CHECK_STR(cell(t, "score", 0, buf), "0.1");
    /* A tagged missing value keeps its tag as a user-missing code. */
    c = svy_table_find(t, "score");
    CHECK_INT(svy_column_type(c), SVY_TEXT);
    CHECK_STR(cell(t, "score", 1, buf), ".a");
    CHECK_INT(svy_column_missing(c, 1), SVY_MISS_USER);
    CHECK_INT(svy_column_missing(c, 2), SVY_MISS_SYSTEM);
    CHECK_STR(cell(t, "when", 0, buf), "2024-03-01");
    CHECK_STR(cell(t, "when", 2, buf), "");
    CHECK_STR(cell(t, "name", 0, buf), "Айгүл");
    CHECK_STR(svy_foreign_value_label(m, 1, 0), "Да");
    svy_table_free(t);
    svy_foreign_meta_free(m);
}

static void
test_foreign_codebook(void)
{
    svy_table *t = NULL;
    svy_foreign_meta *m = NULL;
    svy_codebook *cb = NULL;
    svy_err err = SVY_ERR_INIT;
    const svy_var *v;
    const char *const *codes;
    size_t n = 0;

    CHECK_INT(svy_foreign_read(&t, &m, FIX "wave1.sav", &err), SVY_OK);
    if (t == NULL)
        return;
    CHECK_INT(svy_foreign_codebook(m, t, &cb, &err), SVY_OK);
    if (cb == NULL)
        goto out;
    CHECK_INT(svy_codebook_nvars(cb), 8);
    v = svy_codebook_find(cb, "q1");
    CHECK(v != NULL);
    if (v) {
        CHECK_INT(svy_var_type(v), SVY_V_NUM);
        CHECK_STR(svy_var_label(v, SVY_LANG_EN, NULL),
                  "Доверяете ли вы парламенту?");
        codes = svy_var_missing(v, &n);
        CHECK_INT(n, 2);
        if (n == 2) {
            CHECK_STR(codes[0], "8");
            CHECK_STR(codes[1], "9");
        }
        CHECK_STR(svy_var_value_label(v, "2", SVY_LANG_EN, NULL), "Нет");
    }
    v = svy_codebook_find(cb, "visit");
    CHECK(v && svy_var_type(v) == SVY_V_DATE);
    v = svy_codebook_find(cb, "region");
    CHECK(v && svy_var_type(v) == SVY_V_TEXT);
out:
    svy_codebook_free(cb);
    svy_table_free(t);
    svy_foreign_meta_free(m);
}

static void
test_foreign_errors(void)
{
    svy_table *t = NULL;
    svy_foreign_meta *m = NULL;
    svy_err err = SVY_ERR_INIT;
    const char *bad = "/tmp/svy-test-foreign-bad.sav";
    FILE *in, *out;
    char data[600];
    size_t got;

    CHECK_INT(svy_foreign_read(&t, &m, "no/such/file.sav", &err), SVY_EIO);
    CHECK_STR(err.msg,
              "cannot open 'no/such/file.sav': No such file or directory");
    CHECK(t == NULL && m == NULL);
    CHECK_INT(svy_foreign_read(&t, &m, "x.csv", &err), SVY_EINVAL);
    /* A truncated copy: the parser's message with the file name. */
    in = fopen(FIX "wave1.sav", "rb");
    out = fopen(bad, "wb");
    CHECK(in && out);
    if (!in || !out)
        return;
    got = fread(data, 1, sizeof(data), in);
    fwrite(data, 1, got, out);
    fclose(in);
    fclose(out);
    CHECK_INT(svy_foreign_read(&t, &m, bad, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "/tmp/svy-test-foreign-bad.sav: unable to read from "
                       "file");
    CHECK(t == NULL && m == NULL);
    remove(bad);
}

static const struct check_case cases[] = {
    CASE(test_foreign_is_foreign), CASE(test_foreign_sav_values),
    CASE(test_foreign_zsav),       CASE(test_foreign_dta),
    CASE(test_foreign_codebook),   CASE(test_foreign_errors),
};

CHECK_MAIN(cases)
