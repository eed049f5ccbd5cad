/*
 * test_codebook.c - codebook.csv and values.csv: the valid and missing
 * lists, every parse error with its file:line, labels in three languages
 * with fallback, applying types to a data table and checking its values.
 *
 * The CSV files are string literals read as svy_codebook_read reads them
 * (decimal point forced), then handed to svy_codebook_from_tables under
 * the names "codebook.csv" and "values.csv"; one test reads real files.
 */
#include "svy/codebook.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "svy/csv.h"
#include "svy/io.h"

/* Read CSV text as the codebook reader does; NULL (and a FAIL) if not. */
static svy_table *
csv(const char *text)
{
    svy_csv_opts opts = {.encoding = SVY_ENC_AUTO, .decimal = SVY_DEC_POINT};
    svy_input *in = NULL;
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    if (svy_input_open_mem(&in, "mem.csv", text, strlen(text), &err) ||
        svy_csv_read(&t, in, &opts, NULL, &err))
        CHECK_REPORT(0, "fixture: %s", err.msg);
    svy_input_close(in);
    return t;
}

/* Build a codebook from text; returns the status, '*cb' the codebook. */
static svy_status
load(const char *cbtext, const char *valtext, svy_codebook **cb, svy_err *err)
{
    svy_table *c = csv(cbtext), *v = valtext ? csv(valtext) : NULL;
    svy_status rc;

    *cb = NULL;
    rc = svy_codebook_from_tables(cb, c, "codebook.csv", v, "values.csv", err);
    svy_table_free(c);
    svy_table_free(v);
    return rc;
}

static const char *const cb_text =
    "variable,type,label,label@ru,label@ky,valid,missing,pii\n"
    "id,id,Respondent ID,\xd0\x9d\xd0\xbe\xd0\xbc\xd0\xb5\xd1\x80,,,,yes\n"
    "age,num,Age,\xd0\x92\xd0\xbe\xd0\xb7\xd1\x80\xd0\xb0\xd1\x81\xd1\x82,,"
    "18-95,\"98,99\",no\n"
    "q1,cat,Question 1,,,\"1-5, 8,9\",\"8,9\",\n"
    "temp,num,,,,-9--1,,\n"
    "score,num,Score,,,1..5,-9,\n"
    "grade,cat,Grade,,,\"A,B,C\",DK,\n"
    "sex,cat,Sex,\xd0\x9f\xd0\xbe\xd0\xbb,,,,\n"
    "when,date,Interview date,,,,,\n"
    "note,text,,,,,,\n";

static const char *const values_text =
    "variable,code,label,label@ru\n"
    "sex,1,Male,\xd0\x9c\xd1\x83\xd0\xb6\xd1\x87\xd0\xb8\xd0\xbd\xd0\xb0\n"
    "sex,2,Female,\n"
    "q1,8,Don't know,\n"
    "grade,DK,Don't know,\n";

/* 1 when svy_var_check_value accepts 'text' for variable 'name'. */
static int
ok_value(const svy_codebook *cb, const char *name, const char *text)
{
    const svy_var *v = svy_codebook_find(cb, name);
    svy_finding_kind kind = SVY_FIND_NKINDS;
    char problem[200] = "";

    return v != NULL &&
           !svy_var_check_value(v, text, &kind, problem, sizeof(problem));
}

/* The kind svy_var_check_value reports, or -1 when the value is fine. */
static int
bad_kind(const svy_codebook *cb, const char *name, const char *text)
{
    const svy_var *v = svy_codebook_find(cb, name);
    svy_finding_kind kind = SVY_FIND_NKINDS;
    char problem[200] = "";

    if (v == NULL)
        return -2;
    return svy_var_check_value(v, text, &kind, problem, sizeof(problem))
               ? (int)kind
               : -1;
}

static void
test_codebook_parse_variables(void)
{
    svy_codebook *cb = NULL;
    svy_err err = SVY_ERR_INIT;
    const svy_var *v;

    CHECK_INT(load(cb_text, values_text, &cb, &err), SVY_OK);
    if (cb == NULL) {
        CHECK_REPORT(0, "%s", err.msg);
        return;
    }
    CHECK_INT(svy_codebook_nvars(cb), 9);
    CHECK_STR(svy_var_name(svy_codebook_var(cb, 0)), "id");
    CHECK_STR(svy_var_name(svy_codebook_var(cb, 8)), "note");
    CHECK(svy_codebook_var(cb, 9) == NULL);
    CHECK(svy_codebook_find(cb, "nope") == NULL);
    v = svy_codebook_find(cb, "id");
    CHECK_INT(svy_var_type(v), SVY_V_ID);
    CHECK_INT(svy_var_pii(v), 1);
    CHECK_INT(svy_var_line(v), 2);
    v = svy_codebook_find(cb, "age");
    CHECK_INT(svy_var_type(v), SVY_V_NUM);
    CHECK_INT(svy_var_pii(v), 0);
    CHECK_INT(svy_var_line(v), 3);
    CHECK_INT(svy_var_type(svy_codebook_find(cb, "q1")), SVY_V_CAT);
    CHECK_INT(svy_var_type(svy_codebook_find(cb, "when")), SVY_V_DATE);
    CHECK_INT(svy_var_type(svy_codebook_find(cb, "note")), SVY_V_TEXT);
    CHECK_INT(svy_var_pii(svy_codebook_find(cb, "q1")), 0);
    CHECK_INT(svy_var_line(svy_codebook_find(cb, "note")), 10);
    /* The missing list, as text, in file order. */
    {
        size_t n = 0;
        const char *const *m =
            svy_var_missing(svy_codebook_find(cb, "age"), &n);
        CHECK_INT(n, 2);
        CHECK_STR(n > 0 ? m[0] : NULL, "98");
        CHECK_STR(n > 1 ? m[1] : NULL, "99");
        m = svy_var_missing(svy_codebook_find(cb, "grade"), &n);
        CHECK_INT(n, 1);
        CHECK_STR(n > 0 ? m[0] : NULL, "DK");
        svy_var_missing(svy_codebook_find(cb, "sex"), &n);
        CHECK_INT(n, 0);
    }
    /* Missing codes compare as numbers when both are numbers. */
    v = svy_codebook_find(cb, "age");
    CHECK_INT(svy_var_is_missing_code(v, "99"), 1);
    CHECK_INT(svy_var_is_missing_code(v, "99.0"), 1);
    CHECK_INT(svy_var_is_missing_code(v, "97"), 0);
    CHECK_INT(svy_var_is_missing_code(svy_codebook_find(cb, "grade"), "DK"), 1);
    CHECK_INT(svy_var_is_missing_code(svy_codebook_find(cb, "grade"), "dk"), 0);
    svy_codebook_free(cb);
    svy_codebook_free(NULL);
}

/* Valid lists: single codes, ranges with '-' and '..', negative ranges,
 * letters; missing codes are always valid. */
static void
test_codebook_valid_lists(void)
{
    svy_codebook *cb = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(load(cb_text, values_text, &cb, &err), SVY_OK);
    if (cb == NULL)
        return;
    /* age: 18-95, missing 98,99. */
    CHECK(ok_value(cb, "age", "18"));
    CHECK(ok_value(cb, "age", "95"));
    CHECK(ok_value(cb, "age", "40.5"));
    CHECK(ok_value(cb, "age", "98"));
    CHECK(ok_value(cb, "age", ""));
    CHECK_INT(bad_kind(cb, "age", "17"), SVY_FIND_OUT_OF_RANGE);
    CHECK_INT(bad_kind(cb, "age", "96"), SVY_FIND_OUT_OF_RANGE);
    CHECK_INT(bad_kind(cb, "age", "abc"), SVY_FIND_NOT_NUMBER);
    CHECK_INT(bad_kind(cb, "age", "+20"), SVY_FIND_NOT_NUMBER);
    /* q1: "1-5, 8,9" (blanks around items are ignored). */
    CHECK(ok_value(cb, "q1", "1"));
    CHECK(ok_value(cb, "q1", "5"));
    CHECK(ok_value(cb, "q1", "9"));
    CHECK(ok_value(cb, "q1", "3.0"));
    CHECK_INT(bad_kind(cb, "q1", "6"), SVY_FIND_BAD_CODE);
    CHECK_INT(bad_kind(cb, "q1", "0"), SVY_FIND_BAD_CODE);
    CHECK_INT(bad_kind(cb, "q1", "x"), SVY_FIND_NOT_NUMBER);
    /* temp: -9--1. */
    CHECK(ok_value(cb, "temp", "-9"));
    CHECK(ok_value(cb, "temp", "-1"));
    CHECK(ok_value(cb, "temp", "-4.5"));
    CHECK_INT(bad_kind(cb, "temp", "0"), SVY_FIND_OUT_OF_RANGE);
    CHECK_INT(bad_kind(cb, "temp", "-10"), SVY_FIND_OUT_OF_RANGE);
    /* score: 1..5, missing -9 outside the range. */
    CHECK(ok_value(cb, "score", "1"));
    CHECK(ok_value(cb, "score", "5"));
    CHECK(ok_value(cb, "score", "-9"));
    CHECK_INT(bad_kind(cb, "score", "5.5"), SVY_FIND_OUT_OF_RANGE);
    /* grade: letters, missing DK. */
    CHECK(ok_value(cb, "grade", "A"));
    CHECK(ok_value(cb, "grade", "C"));
    CHECK(ok_value(cb, "grade", "DK"));
    CHECK_INT(bad_kind(cb, "grade", "D"), SVY_FIND_BAD_CODE);
    CHECK_INT(bad_kind(cb, "grade", "a"), SVY_FIND_BAD_CODE);
    /* sex: no valid list, so the value labels are the codes. */
    CHECK(ok_value(cb, "sex", "1"));
    CHECK(ok_value(cb, "sex", "2.0"));
    CHECK_INT(bad_kind(cb, "sex", "3"), SVY_FIND_BAD_CODE);
    /* Text, id and date. */
    CHECK(ok_value(cb, "note", "anything at all"));
    CHECK(ok_value(cb, "note", ""));
    CHECK(ok_value(cb, "id", "007"));
    CHECK_INT(bad_kind(cb, "id", ""), SVY_FIND_EMPTY_ID);
    svy_codebook_free(cb);
}

static void
test_codebook_problem_text(void)
{
    svy_codebook *cb = NULL;
    svy_err err = SVY_ERR_INIT;
    svy_finding_kind kind;
    char problem[100];

    CHECK_INT(load(cb_text, values_text, &cb, &err), SVY_OK);
    if (cb == NULL)
        return;
    CHECK_INT(svy_var_check_value(svy_codebook_find(cb, "age"), "17", &kind,
                                  problem, sizeof(problem)),
              1);
    CHECK_STR(problem, "out of range (valid: 18-95)");
    svy_var_check_value(svy_codebook_find(cb, "q1"), "7", &kind, problem,
                        sizeof(problem));
    CHECK_STR(problem, "not a valid code (valid: 1-5, 8,9)");
    svy_var_check_value(svy_codebook_find(cb, "sex"), "7", &kind, problem,
                        sizeof(problem));
    CHECK_STR(problem, "not a valid code (no value label)");
    svy_var_check_value(svy_codebook_find(cb, "age"), "x", &kind, problem,
                        sizeof(problem));
    CHECK_STR(problem, "not a number");
    svy_var_check_value(svy_codebook_find(cb, "when"), "x", &kind, problem,
                        sizeof(problem));
    CHECK_STR(problem, "not a date (expected YYYY-MM-DD[ HH:MM[:SS]])");
    CHECK_INT(kind, SVY_FIND_BAD_DATE);
    /* A small buffer is cut, not overrun. */
    {
        char small[8] = "xxxxxxx";
        svy_var_check_value(svy_codebook_find(cb, "age"), "17", &kind, small,
                            4);
        CHECK_STR(small, "out");
        CHECK_INT(small[4], 'x');
    }
    svy_codebook_free(cb);
}

static void
test_codebook_dates(void)
{
    static const char *const good[] = {
        "2024-02-29",          "2000-02-29",       "2026-12-31",
        "2024-01-01 10:00",    "2024-01-01T23:59", "2024-01-01 10:00:59",
        "2024-06-30 00:00:60",
    };
    static const char *const bad[] = {
        "2023-02-29",       "1900-02-29",          "2024-13-01",
        "2024-00-10",       "2024-04-31",          "2024-1-01",
        "24-01-01",         "2024/01/01",          "01.02.2024",
        "2024-01-01 24:00", "2024-01-01 10:60",    "2024-01-01 10",
        "2024-01-01x10:00", "2024-01-01 10:00:61", "2024-01-01 10:00:00Z",
        "2024-01-01 ",
    };
    svy_codebook *cb = NULL;
    svy_err err = SVY_ERR_INIT;
    size_t i;

    CHECK_INT(load(cb_text, NULL, &cb, &err), SVY_OK);
    if (cb == NULL)
        return;
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        CHECK_REPORT(ok_value(cb, "when", good[i]), "'%s' refused", good[i]);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_REPORT(bad_kind(cb, "when", bad[i]) == SVY_FIND_BAD_DATE,
                     "'%s' accepted", bad[i]);
    svy_codebook_free(cb);
}

/* Every parse error names the file and the line. */
static void
test_codebook_errors(void)
{
    static const struct {
        const char *cb, *values, *msg;
    } cases[] = {
        {"variable,label\nage,Age\n", NULL,
         "codebook.csv:1: missing column 'type'"},
        {"name,type\nage,num\n", NULL,
         "codebook.csv:1: missing column 'variable'"},
        {"variable,type\nid,id\nage,number\n", NULL,
         "codebook.csv:3: unknown type 'number' for 'age' (expected id, cat, "
         "num, text or date)"},
        {"variable,type\nid,id\nage,num\n\nage,cat\n", NULL,
         "codebook.csv:5: duplicate variable 'age' (first on line 3)"},
        {"variable,type,valid\nq,cat,\"1,5-1\"\n", NULL,
         "codebook.csv:2: range '5-1' in valid of 'q' runs backwards"},
        {"variable,type,valid\nq,num,-1--9\n", NULL,
         "codebook.csv:2: range '-1--9' in valid of 'q' runs backwards"},
        {"variable,type,pii\nx,text,no\ny,text,Y\n", NULL,
         "codebook.csv:3: pii of 'y' must be 'yes', 'no' or empty, not 'Y'"},
        {"variable,type\nx,text\n,num\n", NULL,
         "codebook.csv:3: empty variable name"},
        {"variable,type,valid\nage,num,abc\n", NULL,
         "codebook.csv:2: 'abc' in valid of 'age' is not a number or range"},
        {"variable,type,valid\nq,cat,\"1,,2\"\n", NULL,
         "codebook.csv:2: empty item in valid '1,,2' of 'q'"},
        {"variable,type,missing\nage,num,DK\n", NULL,
         "codebook.csv:2: 'DK' in missing of 'age' is not a number"},
        {"variable,type,missing\nq,cat,8-9\n", NULL,
         "codebook.csv:2: missing of 'q' lists a range '8-9'; list each "
         "code"},
        {"variable,type\nq,cat\n", "variable,code,label\nq,1,a\nzz,1,b\n",
         "values.csv:3: variable 'zz' is not in the codebook"},
        {"variable,type\nq,cat\n",
         "variable,code,label\nq,1,a\nq,2,b\nq,1.0,c\n",
         "values.csv:4: duplicate code '1.0' for 'q'"},
        {"variable,type\nq,cat\n", "variable,code,label\nq,A,a\nq,A,b\n",
         "values.csv:3: duplicate code 'A' for 'q'"},
        {"variable,type\nq,cat\n", "variable,label\nq,a\n",
         "values.csv:1: missing column 'code'"},
        {"variable,type\nq,cat\n", "code,label\n1,a\n",
         "values.csv:1: missing column 'variable'"},
        {"variable,type\nq,cat\n", "variable,code,label\nq,,a\n",
         "values.csv:2: empty code for 'q'"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        svy_codebook *cb = (svy_codebook *)&cb;
        svy_err err = SVY_ERR_INIT;
        CHECK_INT(load(cases[i].cb, cases[i].values, &cb, &err), SVY_EPARSE);
        CHECK(cb == NULL);
        CHECK_STR(err.msg, cases[i].msg);
    }
}

/* Labels in the asked language, else English, else the name. */
static void
test_codebook_labels_fallback(void)
{
    svy_codebook *cb = NULL;
    svy_err err = SVY_ERR_INIT;
    const svy_var *v;
    int fb = -1;

    CHECK_INT(load(cb_text, values_text, &cb, &err), SVY_OK);
    if (cb == NULL)
        return;
    v = svy_codebook_find(cb, "age");
    CHECK_STR(svy_var_label(v, SVY_LANG_RU, &fb),
              "\xd0\x92\xd0\xbe\xd0\xb7\xd1\x80\xd0\xb0\xd1\x81\xd1\x82");
    CHECK_INT(fb, 0);
    CHECK_STR(svy_var_label(v, SVY_LANG_EN, &fb), "Age");
    CHECK_INT(fb, 0);
    /* No Kyrgyz label: English, and the caller is told. */
    CHECK_STR(svy_var_label(v, SVY_LANG_KY, &fb), "Age");
    CHECK_INT(fb, 1);
    /* No label at all: the name. */
    v = svy_codebook_find(cb, "temp");
    CHECK_STR(svy_var_label(v, SVY_LANG_RU, &fb), "temp");
    CHECK_INT(fb, 1);
    CHECK_STR(svy_var_label(v, SVY_LANG_EN, NULL), "temp");
    /* Value labels: the code matches as a number ("1.0" is "1"). */
    v = svy_codebook_find(cb, "sex");
    CHECK_INT(svy_var_nvalues(v), 2);
    CHECK_STR(svy_var_value_code(v, 1), "2");
    CHECK(svy_var_value_code(v, 2) == NULL);
    CHECK_STR(svy_var_value_label(v, "1", SVY_LANG_EN, NULL), "Male");
    CHECK_STR(svy_var_value_label(v, "1.0", SVY_LANG_EN, NULL), "Male");
    CHECK_STR(svy_var_value_label(v, "1", SVY_LANG_RU, NULL),
              "\xd0\x9c\xd1\x83\xd0\xb6\xd1\x87\xd0\xb8\xd0\xbd\xd0\xb0");
    CHECK_STR(svy_var_value_label(v, "2", SVY_LANG_RU, NULL), "Female");
    CHECK_STR(svy_var_value_label(v, "2", SVY_LANG_KY, NULL), "Female");
    fb = -1; /* the fallback is said, as by svy_var_label */
    CHECK_STR(svy_var_value_label(v, "2", SVY_LANG_KY, &fb), "Female");
    CHECK_INT(fb, 1);
    CHECK_STR(svy_var_value_label(v, "2", SVY_LANG_EN, &fb), "Female");
    CHECK_INT(fb, 0);
    CHECK(svy_var_value_label(v, "3", SVY_LANG_EN, &fb) == NULL);
    CHECK_INT(fb, 1);
    CHECK(svy_var_value_label(v, "3", SVY_LANG_EN, NULL) == NULL);
    CHECK(svy_var_value_label(v, "", SVY_LANG_EN, NULL) == NULL);
    CHECK_STR(svy_var_value_label(svy_codebook_find(cb, "grade"), "DK",
                                  SVY_LANG_RU, NULL),
              "Don't know");
    CHECK_INT(svy_var_nvalues(svy_codebook_find(cb, "age")), 0);
    svy_codebook_free(cb);

    /* "label@en" is accepted for English. */
    CHECK_INT(load("variable,type,label@en,label@ky\nx,text,Ex,Kx\n", NULL, &cb,
                   &err),
              SVY_OK);
    if (cb == NULL)
        return;
    CHECK_STR(svy_var_label(svy_codebook_find(cb, "x"), SVY_LANG_RU, NULL),
              "Ex");
    CHECK_STR(svy_var_label(svy_codebook_find(cb, "x"), SVY_LANG_KY, NULL),
              "Kx");
    svy_codebook_free(cb);
}

static void
test_codebook_names(void)
{
    svy_lang l = SVY_NLANG;

    CHECK_INT(svy_lang_parse("ru", &l), 0);
    CHECK_INT(l, SVY_LANG_RU);
    CHECK_INT(svy_lang_parse("ky", &l), 0);
    CHECK_INT(l, SVY_LANG_KY);
    CHECK_INT(svy_lang_parse("en", &l), 0);
    CHECK_INT(l, SVY_LANG_EN);
    CHECK_INT(svy_lang_parse("de", &l), -1);
    CHECK_INT(svy_lang_parse("RU", &l), -1);
    CHECK_INT(l, SVY_LANG_EN);
    CHECK_STR(svy_lang_code(SVY_LANG_KY), "ky");
    CHECK_STR(svy_vtype_name(SVY_V_CAT), "cat");
    CHECK_STR(svy_vtype_name(SVY_V_DATE), "date");
    CHECK_STR(svy_finding_name(SVY_FIND_OUT_OF_RANGE), "out of range");
    CHECK_STR(svy_finding_name(SVY_FIND_MISSING_VAR), "missing variable");
    CHECK_STR(svy_finding_name(SVY_FIND_NKINDS), "?");
}

/* Types from the codebook: codes with leading zeros stay text. */
static void
test_codebook_apply(void)
{
    svy_codebook *cb = NULL;
    svy_table *t = csv("id,region,age,name,when,q1,extra,zip,grade\n"
                       "001,01,34,Ali,2024-01-01,1,5,007,A\n"
                       "002,02,,Bob,2024-02-30,8,x,010,DK\n"
                       "003,10,51,Aida,,3,6,011,\n");
    svy_err err = SVY_ERR_INIT;
    const svy_column *c;

    CHECK_INT(load("variable,type,missing\nid,id,\nregion,cat,\nage,num,\n"
                   "name,text,\nwhen,date,\nq1,cat,\"8,9\"\ngrade,cat,DK\n",
                   NULL, &cb, &err),
              SVY_OK);
    if (cb == NULL || t == NULL)
        goto out;
    CHECK_INT(svy_codebook_apply(cb, t, &err), SVY_OK);
    CHECK_INT(svy_column_type(svy_table_find(t, "id")), SVY_TEXT);
    CHECK_STR(svy_column_text(svy_table_find(t, "id"), 0), "001");
    c = svy_table_find(t, "region");
    CHECK_INT(svy_column_type(c), SVY_TEXT);
    CHECK_STR(svy_column_text(c, 0), "01");
    CHECK_INT(svy_column_type(svy_table_find(t, "age")), SVY_NUM);
    CHECK_INT(svy_column_type(svy_table_find(t, "name")), SVY_TEXT);
    CHECK_INT(svy_column_type(svy_table_find(t, "when")), SVY_TEXT);
    c = svy_table_find(t, "q1");
    CHECK_INT(svy_column_type(c), SVY_NUM);
    /* User-missing codes are attached. */
    CHECK_INT(svy_column_missing(c, 0), SVY_MISS_NONE);
    CHECK_INT(svy_column_missing(c, 1), SVY_MISS_USER);
    c = svy_table_find(t, "grade");
    CHECK_INT(svy_column_type(c), SVY_TEXT);
    CHECK_INT(svy_column_missing(c, 1), SVY_MISS_USER);
    CHECK_INT(svy_column_missing(c, 2), SVY_MISS_SYSTEM);
    /* Not in the codebook: inferred, and "007" is a code. */
    CHECK_INT(svy_column_type(svy_table_find(t, "extra")), SVY_TEXT);
    CHECK_INT(svy_column_type(svy_table_find(t, "zip")), SVY_TEXT);
    svy_table_free(t);

    /* A column already numeric goes back to text for id/text/date. */
    t = csv("id,name,age\n1,2,3\n");
    if (t == NULL)
        goto out;
    svy_table_infer_types(t, NULL, &err);
    CHECK_INT(svy_column_type(svy_table_find(t, "id")), SVY_NUM);
    CHECK_INT(svy_codebook_apply(cb, t, &err), SVY_OK);
    CHECK_INT(svy_column_type(svy_table_find(t, "id")), SVY_TEXT);
    CHECK_STR(svy_column_text(svy_table_find(t, "id"), 0), "1");
    CHECK_INT(svy_column_type(svy_table_find(t, "name")), SVY_TEXT);
    CHECK_INT(svy_column_type(svy_table_find(t, "age")), SVY_NUM);
    svy_table_free(t);

    /* A num column with a non-number stays text (the check reports it). */
    t = csv("age\n34\nabc\n");
    if (t == NULL)
        goto out;
    CHECK_INT(svy_codebook_apply(cb, t, &err), SVY_OK);
    CHECK_INT(svy_column_type(svy_table_find(t, "age")), SVY_TEXT);
out:
    svy_table_free(t);
    svy_codebook_free(cb);
}

/* Collects findings as "kind|row|variable|value|problem" lines. */
struct findings {
    char text[4096];
    int n, stop_after;
};

static int
collect(const svy_finding *f, void *ctx)
{
    struct findings *fs = ctx;
    size_t len = strlen(fs->text);
    long row = f->row == SIZE_MAX ? -1L : (long)f->row;

    snprintf(fs->text + len, sizeof(fs->text) - len, "%s|%ld|%s|%s|%s\n",
             svy_finding_name(f->kind), row, f->variable, f->value, f->problem);
    fs->n++;
    return fs->stop_after > 0 && fs->n >= fs->stop_after;
}

static const char *const check_cb = "variable,type,valid,missing\n"
                                    "id,id,,\n"
                                    "age,num,18-95,\"98,99\"\n"
                                    "q1,cat,1-5,\"8,9\"\n"
                                    "when,date,,\n"
                                    "grade,cat,\"A,B,C\",\n"
                                    "gone,num,,\n";

static const char *const check_data = "id,age,q1,when,grade,extra\n"
                                      "1,17,1,2024-01-01,A,x\n"
                                      ",30,6,2024-02-30,D,y\n"
                                      "3,abc,8,2024-02-29 10:61,,z\n"
                                      "4,99,9.0,2024-02-29 10:59,C,\n";

static const char *const check_want =
    "empty id|1|id||empty id\n"
    "out of range|0|age|17|out of range (valid: 18-95)\n"
    "not a number|2|age|abc|not a number\n"
    "not a valid code|1|q1|6|not a valid code (valid: 1-5)\n"
    "not a date|1|when|2024-02-30|not a date (expected YYYY-MM-DD[ "
    "HH:MM[:SS]])\n"
    "not a date|2|when|2024-02-29 10:61|not a date (expected YYYY-MM-DD[ "
    "HH:MM[:SS]])\n"
    "not a valid code|1|grade|D|not a valid code (valid: A,B,C)\n"
    "not in codebook|-1|extra||not in the codebook\n"
    "missing variable|-1|gone||missing from the data\n";

static void
test_codebook_check(void)
{
    svy_codebook *cb = NULL;
    svy_table *t = csv(check_data);
    struct findings fs;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(load(check_cb, NULL, &cb, &err), SVY_OK);
    if (cb == NULL || t == NULL)
        goto out;
    memset(&fs, 0, sizeof(fs));
    CHECK_INT(svy_codebook_check(cb, t, collect, &fs, &err), SVY_OK);
    CHECK_STR(fs.text, check_want);
    CHECK_INT(fs.n, 9);
    /* The same after the types are applied (numbers formatted back). */
    CHECK_INT(svy_codebook_apply(cb, t, &err), SVY_OK);
    CHECK_INT(svy_column_type(svy_table_find(t, "q1")), SVY_NUM);
    memset(&fs, 0, sizeof(fs));
    CHECK_INT(svy_codebook_check(cb, t, collect, &fs, &err), SVY_OK);
    CHECK_STR(fs.text, check_want);
    /* A non-zero return from the callback stops the check. */
    memset(&fs, 0, sizeof(fs));
    fs.stop_after = 2;
    CHECK_INT(svy_codebook_check(cb, t, collect, &fs, &err), SVY_OK);
    CHECK_INT(fs.n, 2);
    memset(&fs, 0, sizeof(fs));
    fs.stop_after = 8;
    CHECK_INT(svy_codebook_check(cb, t, collect, &fs, &err), SVY_OK);
    CHECK_INT(fs.n, 8);
out:
    svy_table_free(t);
    svy_codebook_free(cb);
}

/* Write 'text' to 'dir'/'name'. */
static int
put_file(const char *dir, const char *name, const char *text)
{
    char path[128];
    FILE *f;
    int ok;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "wb")) == NULL)
        return 0;
    ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

/*
 * The files as a researcher saves them from Russian-locale Excel: ';' and
 * CP1251.  "8,9" in a ';' file is two codes, never the decimal 8.9.
 */
static void
test_codebook_read_files(void)
{
    char dir[] = "/tmp/svy-cb-XXXXXX", cbp[64], vp[64];
    svy_codebook *cb = NULL;
    svy_err err = SVY_ERR_INIT;

    if (mkdtemp(dir) == NULL) {
        CHECK_REPORT(0, "mkdtemp failed");
        return;
    }
    snprintf(cbp, sizeof(cbp), "%s/codebook.csv", dir);
    snprintf(vp, sizeof(vp), "%s/values.csv", dir);
    CHECK(put_file(dir, "codebook.csv",
                   "variable;type;label@ru;valid;missing\n"
                   "q1;cat;\xc2\xee\xef\xf0\xee\xf1;1-5;8,9\n"));
    CHECK(put_file(dir, "values.csv",
                   "variable;code;label@ru\n"
                   "q1;1;\xc4\xe0\n"
                   "q1;8;\xcd\xe5 \xe7\xed\xe0\xfe\n"));
    CHECK_INT(svy_codebook_read(&cb, cbp, vp, &err), SVY_OK);
    if (cb != NULL) {
        const svy_var *v = svy_codebook_find(cb, "q1");
        size_t n = 0;
        const char *const *m = svy_var_missing(v, &n);
        CHECK_INT(n, 2);
        CHECK_STR(n == 2 ? m[1] : NULL, "9");
        CHECK_STR(svy_var_label(v, SVY_LANG_RU, NULL),
                  "\xd0\x92\xd0\xbe\xd0\xbf\xd1\x80\xd0\xbe\xd1\x81");
        CHECK_STR(svy_var_value_label(v, "8", SVY_LANG_RU, NULL),
                  "\xd0\x9d\xd0\xb5 \xd0\xb7\xd0\xbd\xd0\xb0\xd1\x8e");
        CHECK_STR(svy_var_value_label(v, "1", SVY_LANG_RU, NULL),
                  "\xd0\x94\xd0\xb0");
        /* Only a Russian label: none in English. */
        CHECK(svy_var_value_label(v, "1", SVY_LANG_EN, NULL) == NULL);
        svy_codebook_free(cb);
    }
    /* Errors carry the path given. */
    CHECK(put_file(dir, "values.csv", "variable;code\nq1;1\nq2;1\n"));
    CHECK_INT(svy_codebook_read(&cb, cbp, vp, &err), SVY_EPARSE);
    {
        char want[128];
        snprintf(want, sizeof(want),
                 "%s:3: variable 'q2' is not in the "
                 "codebook",
                 vp);
        CHECK_STR(err.msg, want);
    }
    /* values.csv is optional; codebook.csv is not. */
    CHECK_INT(svy_codebook_read(&cb, cbp, NULL, &err), SVY_OK);
    svy_codebook_free(cb);
    unlink(cbp);
    unlink(vp);
    CHECK_INT(svy_codebook_read(&cb, cbp, NULL, &err), SVY_EIO);
    CHECK(cb == NULL);
    rmdir(dir);
}

/*
 * Review fixes: a range may be written with blanks ("1 - 5"); the codes
 * of a categorical variable are whole numbers, so 2.5 is not in 1-5 (while
 * a num variable accepts it); an all-empty column the codebook does not
 * name stays text under svy_codebook_apply, as under inference.
 */
static void
test_codebook_review_fixes(void)
{
    svy_codebook *cb = NULL;
    svy_err err = SVY_ERR_INIT;
    svy_table *t;

    CHECK_INT(load("variable,type,valid\nq,cat,1 - 5\nx,num,1 - 5\n", NULL, &cb,
                   &err),
              SVY_OK);
    CHECK(ok_value(cb, "q", "3"));
    CHECK_INT(bad_kind(cb, "q", "2.5"), SVY_FIND_BAD_CODE);
    CHECK(ok_value(cb, "x", "2.5"));
    CHECK_INT(bad_kind(cb, "x", "6"), SVY_FIND_OUT_OF_RANGE);
    t = csv("q,extra\n1,\n2,\n");
    CHECK_INT(svy_codebook_apply(cb, t, &err), SVY_OK);
    CHECK_INT(svy_column_type(svy_table_find(t, "q")), SVY_NUM);
    CHECK_INT(svy_column_type(svy_table_find(t, "extra")), SVY_TEXT);
    svy_table_free(t);
    svy_codebook_free(cb);
}

static const struct check_case cases[] = {
    CASE(test_codebook_parse_variables), CASE(test_codebook_valid_lists),
    CASE(test_codebook_problem_text),    CASE(test_codebook_dates),
    CASE(test_codebook_errors),          CASE(test_codebook_labels_fallback),
    CASE(test_codebook_names),           CASE(test_codebook_apply),
    CASE(test_codebook_check),           CASE(test_codebook_read_files),
    CASE(test_codebook_review_fixes),
};

CHECK_MAIN(cases)
