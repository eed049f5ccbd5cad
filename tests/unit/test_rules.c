/*
 * test_rules.c - the cleaning-rules language: compile errors with their
 * line and column, evaluation of each statement and of missing values, on
 * text tables (as svy-clean reads them) and on typed tables.
 */
#include "svy/rules.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svy/buf.h"
#include "svy/csv.h"
#include "svy/io.h"
#include "svy/num.h"

#include "check.h"
#include "fixture.h"

static const char data[] = "id,sex,age,q5,q6,town\n"
                           "a,1,25,1,3,Osh\n"
                           "b,2,31,2,4,Naryn\n"
                           "c,3,,2,,\n";

/* Compile 'rules' against 'data' and return the error message. */
static const char *
compile_error(const char *rules, svy_err *err)
{
    svy_table *t = fixture_text(data);
    svy_rules *r = (svy_rules *)1;

    CHECK_INT(
        svy_rules_compile(&r, "r.txt", rules, strlen(rules), t, NULL, err),
        SVY_EPARSE);
    CHECK(r == NULL);
    svy_table_free(t);
    return err->msg;
}

/* Apply 'rules' to 'data' (typed when 'typed'); return the table. */
static svy_table *
apply(const char *rules, int typed, unsigned char *keep, svy_rules **out)
{
    svy_table *t = fixture_text(data);
    svy_rules *r = NULL;
    svy_err err = SVY_ERR_INIT;

    if (typed)
        CHECK_INT(svy_table_infer_types(t, NULL, NULL), SVY_OK);
    CHECK_INT(
        svy_rules_compile(&r, "r.txt", rules, strlen(rules), t, NULL, &err),
        SVY_OK);
    if (r == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        svy_table_free(t);
        return NULL;
    }
    CHECK_INT(svy_rules_apply(r, t, NULL, keep, &err), SVY_OK);
    *out = r;
    return t;
}

static const char *
cell(const svy_table *t, const char *col, size_t row)
{
    static char buf[SVY_NUM_BUFSZ];
    const svy_column *c = svy_table_find(t, col);
    return c ? svy_column_format(c, row, buf, NULL) : "(no column)";
}

static void
test_rules_errors(void)
{
    svy_err err = SVY_ERR_INIT;

    CHECK_STR(compile_error("assert q7 == 1\n", &err),
              "r.txt:1:8: unknown variable 'q7'");
    CHECK_STR(compile_error("\n\ncompute m = median(q5)\n", &err),
              "r.txt:3:13: unknown function 'median'");
    CHECK_STR(compile_error("warn when abs(q5, q6)\n", &err),
              "r.txt:1:11: 'abs' takes 1 argument, got 2");
    CHECK_STR(compile_error("warn when round()\n", &err),
              "r.txt:1:11: 'round' takes 1 to 2 arguments, got 0");
    CHECK_STR(compile_error("warn when town > 3\n", &err),
              "r.txt:1:16: cannot compare a string with a number");
    CHECK_STR(compile_error("warn when q5 in 1, \"x\"\n", &err),
              "r.txt:1:20: cannot compare a string with a number");
    CHECK_STR(compile_error("drop when q5 == 1 \"oops\n", &err),
              "r.txt:1:19: unterminated string");
    CHECK_STR(compile_error("recode age into g: 1..10=1, 10..20=2\n", &err),
              "r.txt:1:29: range 10..20 overlaps 1..10");
    CHECK_STR(compile_error("set town = 1\n", &err),
              "r.txt:1:12: cannot assign a number to string variable 'town'");
    CHECK_STR(compile_error("warn q5 == 1\n", &err),
              "r.txt:1:6: expected 'when', got 'q5'");
    CHECK_STR(compile_error("warn when (q5 == 1\n", &err),
              "r.txt:1:19: expected ')', got end of line");
    CHECK_STR(compile_error("warn when q5 @ 1\n", &err),
              "r.txt:1:14: unexpected character '@'");
    CHECK_STR(compile_error("warn when town\n", &err),
              "r.txt:1:11: expected a condition, got a string");
}

static void
test_rules_statements(void)
{
    static const char rules[] = "# comment line\n"
                                "set q6 = missing when q5 != 1 \"routing\"\n"
                                "recode age into g: 18..29=1, 30..39=2\n"
                                "compute s = sex + q5 * 2\n"
                                "flag odd when sex == 3\n"
                                "assert sex in 1..2 \"range\"\n"
                                "warn when missing(age)\n";
    unsigned char keep[3];
    svy_rules *r = NULL;
    svy_rule_stat st;

    for (int typed = 0; typed < 2; typed++) {
        svy_table *t = apply(rules, typed, keep, &r);
        if (t == NULL)
            return;
        CHECK_STR(cell(t, "q6", 0), "3");
        CHECK_STR(cell(t, "q6", 1), "");
        CHECK_STR(cell(t, "g", 0), "1");
        CHECK_STR(cell(t, "g", 1), "2");
        CHECK_STR(cell(t, "g", 2), "");
        CHECK_STR(cell(t, "s", 1), "6");
        CHECK_STR(cell(t, "odd", 2), "1");
        CHECK_STR(cell(t, "odd", 0), "0");
        CHECK_INT(svy_rules_count(r), 6);
        CHECK_INT(svy_rules_errors(r), 1);
        svy_rules_stat(r, 0, &st);
        CHECK_INT(st.line, 2);
        CHECK_INT(st.rows, 1);
        CHECK_STR(st.keyword, "set");
        CHECK_STR(st.message, "routing");
        svy_rules_stat(r, 5, &st);
        CHECK_INT(st.rows, 1);
        CHECK_STR(st.message, "");
        svy_rules_free(r);
        svy_table_free(t);
    }
}

static void
test_rules_drop_stops_row(void)
{
    unsigned char keep[3];
    svy_rules *r = NULL;
    svy_table *t =
        apply("drop when q5 == 2\nflag f when q5 == 2\n", 0, keep, &r);
    if (t == NULL)
        return;
    CHECK_INT(keep[0], 1);
    CHECK_INT(keep[1], 0);
    CHECK_INT(keep[2], 0);
    CHECK_STR(cell(t, "f", 1), ""); /* never reached */
    svy_rule_stat st;
    svy_rules_stat(r, 1, &st);
    CHECK_INT(st.rows, 0);
    svy_rules_free(r);
    svy_table_free(t);
}

static void
test_rules_missing(void)
{
    unsigned char keep[3];
    svy_rules *r = NULL;
    svy_table *t = apply("compute a = age + 1\n"
                         "compute b = age != 25\n"
                         "compute c = not (age < 100)\n"
                         "compute d = mean(age, q6)\n"
                         "compute e = nvalid(age, q6, town)\n"
                         "compute f = q5 / 0\n"
                         "compute g = town == \"Osh\" or missing(town)\n"
                         "compute h = age in (20..30, 40)\n",
                         0, keep, &r);
    if (t == NULL)
        return;
    CHECK_STR(cell(t, "a", 2), "");
    CHECK_STR(cell(t, "b", 2), "0");
    CHECK_STR(cell(t, "c", 2), "1");
    CHECK_STR(cell(t, "d", 0), "14");
    CHECK_STR(cell(t, "d", 2), "");
    CHECK_STR(cell(t, "e", 2), "0");
    CHECK_STR(cell(t, "f", 0), "");
    CHECK_STR(cell(t, "g", 0), "1");
    CHECK_STR(cell(t, "g", 1), "0");
    CHECK_STR(cell(t, "g", 2), "1");
    CHECK_STR(cell(t, "h", 0), "1");
    CHECK_STR(cell(t, "h", 1), "0");
    svy_rules_free(r);
    svy_table_free(t);
}

/* sysmis() and lists of constants, negative numbers and ranges included. */
static void
test_rules_sysmis_and_lists(void)
{
    unsigned char keep[3];
    svy_rules *r = NULL;
    svy_table *t = apply("compute a = sysmis(age)\n"
                         "compute b = sysmis(town)\n"
                         "compute c = sysmis(age + 1) + sysmis(missing)\n"
                         "compute d = 0 - q5 in -3..-2, 7\n"
                         "compute e = age in (q5 * 25, 30..31)\n"
                         "compute f = q6 not in 3, 5..9\n",
                         0, keep, &r);
    if (t == NULL)
        return;
    CHECK_STR(cell(t, "a", 0), "0");
    CHECK_STR(cell(t, "a", 2), "1");
    CHECK_STR(cell(t, "b", 1), "0");
    CHECK_STR(cell(t, "b", 2), "1");
    CHECK_STR(cell(t, "c", 0), "1");
    CHECK_STR(cell(t, "c", 2), "2");
    CHECK_STR(cell(t, "d", 0), "0");
    CHECK_STR(cell(t, "d", 1), "1");
    CHECK_STR(cell(t, "e", 0), "1"); /* 25 == 1 * 25: not a constant list */
    CHECK_STR(cell(t, "e", 1), "1");
    CHECK_STR(cell(t, "e", 2), "0");
    CHECK_STR(cell(t, "f", 0), "0");
    CHECK_STR(cell(t, "f", 1), "1");
    CHECK_STR(cell(t, "f", 2), "1"); /* missing is in no list */
    svy_rules_free(r);
    svy_table_free(t);
}

/*
 * The writer caches the text of numbers per column: many distinct values
 * (more than the cache holds, so entries are replaced) must each be
 * written as svy_num_format writes them, -0 and 0 apart.
 */
static void
test_rules_write_numbers(void)
{
    svy_buf csv = SVY_BUF_INIT, want = SVY_BUF_INIT, got = SVY_BUF_INIT;
    svy_err err = SVY_ERR_INIT;
    svy_rules *r = NULL;
    svy_output *o = NULL;
    svy_input *in = NULL;
    const char *rules = "compute x = round(v / 7, 3) * sign\n";
    char path[] = "/tmp/test_rules_XXXXXX", nb[SVY_NUM_BUFSZ], chunk[4096];
    unsigned char keep[3000];
    size_t n;

    CHECK_INT(svy_buf_printf(&csv, "v,sign\n"), 0);
    CHECK_INT(svy_buf_printf(&want, "v,sign,x\n"), 0);
    for (int i = 0; i < 3000; i++) {
        int v = (i * 7919) % 3000, sign = i % 3 == 0 ? -1 : 1;
        double x = round(v / 7.0 * 1000) / 1000 * sign;
        if (i == 5)
            v = 0, sign = -1, x = -0.0;
        CHECK_INT(svy_buf_printf(&csv, "%d,%d\n", v, sign), 0);
        svy_num_format(x, nb);
        CHECK_INT(svy_buf_printf(&want, "%d,%d,%s\n", v, sign, nb), 0);
    }
    svy_table *t = fixture_text(csv.data);
    CHECK_INT(
        svy_rules_compile(&r, "r.txt", rules, strlen(rules), t, NULL, &err),
        SVY_OK);
    CHECK_INT(svy_rules_apply(r, t, NULL, keep, &err), SVY_OK);
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK_INT(svy_output_open(&o, path, &err), SVY_OK);
    CHECK_INT(svy_rules_write_kept(t, keep, o, &err), SVY_OK);
    CHECK_INT(svy_output_commit(o, &err), SVY_OK);
    CHECK_INT(svy_input_open(&in, path, &err), SVY_OK);
    do {
        CHECK_INT(svy_input_read(in, chunk, sizeof(chunk), &n, &err), SVY_OK);
        CHECK_INT(svy_buf_append(&got, chunk, n), 0);
    } while (n > 0);
    svy_input_close(in);
    remove(path);
    CHECK_INT(got.len, want.len);
    CHECK(got.len == want.len && memcmp(got.data, want.data, got.len) == 0);
    svy_buf_release(&csv);
    svy_buf_release(&want);
    svy_buf_release(&got);
    svy_rules_free(r);
    svy_table_free(t);
}

static void
test_rules_table_mismatch(void)
{
    svy_table *t = fixture_text(data);
    svy_rules *r = NULL;
    svy_err err = SVY_ERR_INIT;
    unsigned char keep[3];

    CHECK_INT(svy_rules_compile(&r, "r.txt", "flag x when q5 == 1", 19, t, NULL,
                                &err),
              SVY_OK);
    CHECK_INT(svy_table_add_column(t, "extra", SVY_TEXT, NULL, &err), SVY_OK);
    CHECK_INT(svy_rules_apply(r, t, NULL, keep, &err), SVY_EINVAL);
    svy_rules_free(r);
    svy_rules_free(NULL);
    svy_table_free(t);
}

static void
test_rules_limits(void)
{
    svy_err err = SVY_ERR_INIT;
    char text[1200];
    size_t n = 0;

    n += (size_t)snprintf(text, sizeof(text), "warn when ");
    for (int i = 0; i < 300; i++)
        text[n++] = '(';
    text[n] = 0;
    CHECK_STR(compile_error(text, &err),
              "r.txt:1:211: expression nested too deeply");
    CHECK_STR(compile_error("warn when q5 < 1 < 2\n", &err),
              "r.txt:1:18: expected end of line, got '<'");
}

static const struct check_case cases[] = {
    CASE(test_rules_limits),           CASE(test_rules_errors),
    CASE(test_rules_statements),       CASE(test_rules_drop_stops_row),
    CASE(test_rules_missing),          CASE(test_rules_table_mismatch),
    CASE(test_rules_sysmis_and_lists), CASE(test_rules_write_numbers),
};

CHECK_MAIN(cases)
