/*
 * test_table.c - the columnar table: building rows, typed cells, the two
 * kinds of missing value, type conversion and appending tables.
 *
 * Fixtures are built through the row-building API, or read from CSV string
 * literals where that is shorter (every column then starts as text).
 */
#include "svy/table.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "svy/csv.h"
#include "svy/io.h"
#include "svy/num.h"

/* Read CSV text into a table of text columns; NULL (and a FAIL) if not. */
static svy_table *
fixture_csv(const char *text)
{
    svy_input *in = NULL;
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    if (svy_input_open_mem(&in, "fixture.csv", text, strlen(text), &err) ||
        svy_csv_read(&t, in, NULL, NULL, &err))
        CHECK_REPORT(0, "fixture: %s", err.msg);
    svy_input_close(in);
    return t;
}

/* Cell 'row' of column 'name' as text, whatever its type. */
static const char *
cell(const svy_table *t, const char *name, size_t row)
{
    static char buf[SVY_NUM_BUFSZ];
    const svy_column *c = svy_table_find(t, name);

    if (c == NULL || row >= svy_column_len(c))
        return "(no such cell)";
    return svy_column_format(c, row, buf, NULL);
}

/*
 * Typed pushes: a numeric column takes empty cells and integers in
 * svy_num_format's form; the first other text turns it into text, with
 * every earlier cell exactly as it was read.
 */
static void
test_table_push_typed(void)
{
    static const char *const ints[] = {"0", "-5", "", "123456789012345", "7"};
    static const char *const other[] = {"08",
                                        "-0",
                                        "+3",
                                        "1.50",
                                        "1e3",
                                        "1234567890123456",
                                        "-",
                                        " 4",
                                        "x",
                                        "1.",
                                        ".5",
                                        "00.5",
                                        "-0.0",
                                        "0.0",
                                        "01.5",
                                        "1,5",
                                        "1.5e1",
                                        "0.00001",
                                        "1.2345678901234567",
                                        "-.5",
                                        "1.5 ",
                                        "1..5"};
    svy_table *t = NULL;
    svy_column *c = NULL;
    svy_err err = SVY_ERR_INIT;
    size_t i, k;

    for (k = 0; k < sizeof(other) / sizeof(*other); k++) {
        CHECK_INT(svy_table_new(&t, &err), SVY_OK);
        CHECK_INT(svy_table_add_column(t, "q", SVY_NUM, &c, &err), SVY_OK);
        for (i = 0; i < sizeof(ints) / sizeof(*ints); i++)
            CHECK_INT(svy_column_push_typed(c, ints[i], strlen(ints[i]), &err),
                      SVY_OK);
        CHECK_INT(svy_column_type(c), SVY_NUM);
        CHECK(isnan(svy_column_num(c, 2)));
        CHECK(svy_column_num(c, 1) == -5.0);
        CHECK(svy_column_num(c, 3) == 123456789012345.0);
        CHECK_INT(svy_column_push_typed(c, other[k], strlen(other[k]), &err),
                  SVY_OK);
        CHECK_INT(svy_column_type(c), SVY_TEXT);
        for (i = 0; i < sizeof(ints) / sizeof(*ints); i++)
            CHECK_STR(svy_column_text(c, i), ints[i]);
        CHECK_STR(svy_column_text(c, i), other[k]);
        /* A text column stays text. */
        CHECK_INT(svy_column_push_typed(c, "9", 1, &err), SVY_OK);
        CHECK_STR(svy_column_text(c, i + 1), "9");
        svy_table_free(t);
    }
}

/*
 * Decimals in svy_num_format's form stay numbers and format back to the
 * very text they came from: the listed ones, and 200,000 random ones of
 * 1 to 15 significant digits between 1e-4 and 1e15.
 */
static void
test_table_push_typed_decimals(void)
{
    static const char *const dec[] = {"1.25",  "-0.0375",          "0.0001",
                                      "0.5",   "99999999999999.9", "-1.2939",
                                      "0.001", "123456789012.125"};
    char buf[64], out[SVY_NUM_BUFSZ];
    svy_table *t = NULL;
    svy_column *c = NULL;
    svy_err err = SVY_ERR_INIT;
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    size_t i, k, bad = 0, tried = 0;

    CHECK_INT(svy_table_new(&t, &err), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "w", SVY_NUM, &c, &err), SVY_OK);
    for (i = 0; i < sizeof(dec) / sizeof(*dec); i++)
        CHECK_INT(svy_column_push_typed(c, dec[i], strlen(dec[i]), &err),
                  SVY_OK);
    CHECK_INT(svy_column_type(c), SVY_NUM);
    for (i = 0; i < sizeof(dec) / sizeof(*dec); i++)
        CHECK_STR(svy_column_format(c, i, out, NULL), dec[i]);
    for (k = 0; k < 200000; k++) {
        int nd, point, len = 0;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        nd = 1 + (int)(x % 15);           /* significant digits */
        point = (int)((x >> 8) % 19) - 3; /* digits before the point */
        if (x >> 40 & 1)
            buf[len++] = '-';
        if (point <= 0) { /* 0.000ddd: at most three zeros */
            buf[len++] = '0';
            buf[len++] = '.';
            for (i = 0; i < (size_t)-point; i++)
                buf[len++] = '0';
        }
        for (i = 0; i < (size_t)nd; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[len++] = (char)('0' + (i == 0 || i + 1 == (size_t)nd ? 1 + x % 9
                                                                     : x % 10));
            if (point > 0 && (int)i + 1 == point && i + 1 < (size_t)nd)
                buf[len++] = '.';
        }
        buf[len] = '\0';
        if (!strchr(buf, '.') || point > 15)
            continue; /* an integer, or past 1e15 */
        tried++;
        if (svy_column_push_typed(c, buf, (size_t)len, &err) != SVY_OK ||
            svy_column_type(c) != SVY_NUM ||
            strcmp(svy_column_format(c, svy_column_len(c) - 1, out, NULL),
                   buf) != 0) {
            if (bad++ == 0)
                CHECK_REPORT(0, "'%s' came back as '%s'", buf, out);
            break;
        }
    }
    CHECK_INT(bad, 0);
    CHECK(tried > 100000);
    svy_table_free(t);
}

/*
 * Whole rows at once: the same as svy_column_push_typed cell by cell (one-
 * and two-digit codes read inline, "08" turning its column into text with
 * the earlier cells as read), and each row's line taken with the stride.
 */
static void
test_table_push_typed_rows(void)
{
    static const char cells[] = "1\0"
                                "10\0"
                                "\0"
                                "-3\0"
                                "08\0"
                                "7\0";
    static const size_t lens[] = {1, 2, 0, 2, 2, 1};
    static const size_t lines[] = {11, 0, 12, 0, 13, 0};
    svy_table *t = NULL;
    svy_column *a = NULL, *b = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_table_new(&t, &err), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "a", SVY_NUM, &a, &err), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "b", SVY_NUM, &b, &err), SVY_OK);
    CHECK_INT(svy_table_push_typed_rows(t, cells, lens, 3, lines, 2, &err),
              SVY_OK);
    CHECK_INT(svy_table_nrows(t), 3);
    CHECK_INT(svy_column_type(a), SVY_TEXT);
    CHECK_STR(svy_column_text(a, 0), "1");
    CHECK_STR(svy_column_text(a, 1), "");
    CHECK_STR(svy_column_text(a, 2), "08");
    CHECK_INT(svy_column_type(b), SVY_NUM);
    CHECK(svy_column_num(b, 0) == 10.0);
    CHECK(svy_column_num(b, 1) == -3.0);
    CHECK(svy_column_num(b, 2) == 7.0);
    CHECK_INT(svy_table_row_line(t, 0), 11);
    CHECK_INT(svy_table_row_line(t, 2), 13);
    svy_table_free(t);
}

/*
 * Room reserved ahead changes nothing that can be seen, and rows past it
 * still go in (the arrays grow from the reserved size), a column turning
 * text on the way included; a smaller reservation later is a no-op.
 */
static void
test_table_reserve(void)
{
    static const char cells[] = "5\0x\0"
                                "6\0\0"
                                "7\0-2\0";
    static const size_t lens[] = {1, 1, 1, 0, 1, 2};
    static const size_t lines[] = {2, 3, 4};
    svy_table *t = NULL;
    svy_column *a = NULL, *b = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_table_new(&t, &err), SVY_OK);
    CHECK_INT(svy_table_reserve(t, 1000, &err), SVY_OK); /* no columns */
    CHECK_INT(svy_table_add_column(t, "a", SVY_NUM, &a, &err), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "b", SVY_NUM, &b, &err), SVY_OK);
    CHECK_INT(svy_table_reserve(t, 2, &err), SVY_OK);
    CHECK_INT(svy_table_nrows(t), 0);
    CHECK_INT(svy_column_len(a), 0);
    CHECK_INT(svy_table_push_typed_rows(t, cells, lens, 1, lines, 1, &err),
              SVY_OK);
    CHECK_INT(svy_table_reserve(t, 1, &err), SVY_OK);
    CHECK_INT(svy_table_push_typed_rows(t, cells + 4, lens + 2, 2, lines + 1, 1,
                                        &err),
              SVY_OK);
    CHECK_INT(svy_table_nrows(t), 3);
    CHECK_INT(svy_column_type(a), SVY_NUM);
    CHECK(svy_column_num(a, 0) == 5.0);
    CHECK(svy_column_num(a, 2) == 7.0);
    CHECK_INT(svy_column_type(b), SVY_TEXT);
    CHECK_STR(svy_column_text(b, 0), "x");
    CHECK_STR(svy_column_text(b, 1), "");
    CHECK_STR(svy_column_text(b, 2), "-2");
    CHECK_INT(svy_table_row_line(t, 2), 4);
    CHECK_INT(svy_table_reserve(t, 100, &err), SVY_OK); /* after rows */
    CHECK_INT(svy_table_nrows(t), 3);
    CHECK_STR(svy_column_text(b, 2), "-2");
    CHECK(svy_column_num(a, 1) == 6.0);
    svy_table_free(t);
}

/* The source name: none for a table built in memory, a copy once set. */
static void
test_table_source(void)
{
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;
    char name[] = "data.csv";

    CHECK_INT(svy_table_new(&t, &err), SVY_OK);
    CHECK(svy_table_source(t) == NULL);
    CHECK_INT(svy_table_set_source(t, name, &err), SVY_OK);
    name[0] = 'x';
    CHECK_STR(svy_table_source(t), "data.csv");
    CHECK_INT(svy_table_set_source(t, "<stdin>", &err), SVY_OK);
    CHECK_STR(svy_table_source(t), "<stdin>");
    svy_table_free(t);
}

static void
test_table_empty(void)
{
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_table_new(&t, &err), SVY_OK);
    CHECK_INT(svy_table_nrows(t), 0);
    CHECK_INT(svy_table_ncols(t), 0);
    CHECK(svy_table_col(t, 0) == NULL);
    CHECK(svy_table_find(t, "x") == NULL);
    CHECK_INT(svy_table_index(t, "x"), -1);
    CHECK_INT(svy_table_row_line(t, 0), 0);
    svy_table_free(t);
    svy_table_free(NULL);
}

/* Columns, cells and row lines through the row-building interface. */
static void
test_table_build_rows(void)
{
    svy_table *t = NULL;
    svy_column *id = NULL, *age = NULL;
    svy_err err = SVY_ERR_INIT;
    char buf[SVY_NUM_BUFSZ];
    size_t len = 99;

    svy_table_new(&t, &err);
    CHECK_INT(svy_table_add_column(t, "id", SVY_TEXT, &id, &err), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "age", SVY_NUM, &age, &err), SVY_OK);
    CHECK_INT(svy_table_ncols(t), 2);
    CHECK(svy_table_col(t, 1) == age);
    CHECK(svy_table_find(t, "id") == id);
    CHECK_INT(svy_table_index(t, "age"), 1);
    CHECK_STR(svy_column_name(age), "age");
    CHECK_INT(svy_column_type(id), SVY_TEXT);
    CHECK_INT(svy_column_type(age), SVY_NUM);

    CHECK_INT(svy_column_push_text(id, "007xyz", 3, &err), SVY_OK);
    CHECK_INT(svy_column_push_num(age, 34, &err), SVY_OK);
    CHECK_INT(svy_table_commit_row(t, 2, &err), SVY_OK);
    CHECK_INT(svy_column_push_text(id, "", 0, &err), SVY_OK);
    /* Text pushed into a numeric column is parsed; empty is missing. */
    CHECK_INT(svy_column_push_text(age, " 41.5 ", 6, &err), SVY_OK);
    CHECK_INT(svy_table_commit_row(t, 3, &err), SVY_OK);
    CHECK_INT(svy_column_push_text(id, "x", 1, &err), SVY_OK);
    CHECK_INT(svy_column_push_text(age, "", 0, &err), SVY_OK);
    CHECK_INT(svy_table_commit_row(t, 0, &err), SVY_OK);

    CHECK_INT(svy_table_nrows(t), 3);
    CHECK_INT(svy_column_len(id), 3);
    CHECK_STR(svy_column_text(id, 0), "007");
    CHECK_STR(svy_column_text(id, 1), "");
    CHECK_DBL(svy_column_num(age, 0), 34.0);
    CHECK_DBL(svy_column_num(age, 1), 41.5);
    CHECK(isnan(svy_column_num(age, 2)));
    CHECK(svy_column_nums(age) != NULL && svy_column_nums(age)[1] == 41.5);
    CHECK(svy_column_nums(id) == NULL);
    CHECK_STR(svy_column_format(age, 1, buf, &len), "41.5");
    CHECK_INT(len, 4);
    CHECK_STR(svy_column_format(id, 0, buf, &len), "007");
    CHECK_INT(len, 3);
    CHECK_STR(svy_column_format(age, 2, buf, &len), "");
    CHECK_INT(len, 0);
    CHECK_INT(svy_table_row_line(t, 0), 2);
    CHECK_INT(svy_table_row_line(t, 1), 3);
    CHECK_INT(svy_table_row_line(t, 2), 0);
    CHECK_INT(svy_table_row_line(t, 3), 0);
    /* Numbers pushed into a text column keep their shortest form. */
    CHECK_INT(svy_column_push_num(id, 0.1, &err), SVY_OK);
    CHECK_STR(svy_column_text(id, 3), "0.1");
    svy_table_free(t);
}

/* Rows are committed only when every column has exactly one new cell. */
static void
test_table_commit_row_errors(void)
{
    svy_table *t = NULL;
    svy_column *a = NULL, *b = NULL;
    svy_err err = SVY_ERR_INIT;

    svy_table_new(&t, &err);
    svy_table_add_column(t, "a", SVY_TEXT, &a, &err);
    svy_table_add_column(t, "b", SVY_NUM, &b, &err);
    svy_column_push_text(a, "1", 1, &err);
    CHECK_INT(svy_table_commit_row(t, 1, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "column 'b' has 0 cells, row 0 needs 1");
    CHECK_INT(svy_table_nrows(t), 0);
    svy_column_push_num(b, 1, &err);
    svy_column_push_num(b, 2, &err);
    CHECK_INT(svy_table_commit_row(t, 1, &err), SVY_EINVAL);
    CHECK_STR(err.msg, "column 'b' has 2 cells, row 0 needs 1");
    CHECK_INT(svy_table_nrows(t), 0);
    /* A bad number in a numeric column is refused with the value. */
    CHECK_INT(svy_column_push_text(b, "abc", 3, &err), SVY_EDATA);
    CHECK_STR(err.msg, "column 'b': not a number 'abc'");
    CHECK_INT(svy_column_len(b), 2);
    svy_table_free(t);
}

static void
test_table_column_names(void)
{
    svy_table *t = NULL;
    svy_column *c = (svy_column *)&c;
    svy_err err = SVY_ERR_INIT;
    char name[8] = "x";

    svy_table_new(&t, &err);
    CHECK_INT(svy_table_add_column(t, name, SVY_TEXT, &c, &err), SVY_OK);
    /* The name is copied. */
    name[0] = 'y';
    CHECK_STR(svy_column_name(c), "x");
    CHECK_INT(svy_table_add_column(t, "x", SVY_NUM, NULL, &err), SVY_EDATA);
    CHECK_STR(err.msg, "duplicate column 'x'");
    CHECK_INT(svy_table_add_column(t, "", SVY_TEXT, NULL, &err), SVY_EDATA);
    CHECK_STR(err.msg, "empty column name");
    CHECK_INT(svy_table_ncols(t), 1);
    /* Names are case-sensitive. */
    CHECK_INT(svy_table_add_column(t, "X", SVY_TEXT, NULL, &err), SVY_OK);
    CHECK_INT(svy_table_ncols(t), 2);
    svy_table_free(t);
}

/* A column added to a table with rows is missing for those rows. */
static void
test_table_add_column_to_rows(void)
{
    svy_table *t = fixture_csv("a\n1\n2\n3\n");
    svy_column *n = NULL, *s = NULL;
    svy_err err = SVY_ERR_INIT;

    if (t == NULL)
        return;
    CHECK_INT(svy_table_add_column(t, "n", SVY_NUM, &n, &err), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "s", SVY_TEXT, &s, &err), SVY_OK);
    CHECK_INT(svy_column_len(n), 3);
    CHECK_INT(svy_column_len(s), 3);
    CHECK(isnan(svy_column_num(n, 2)));
    CHECK_STR(svy_column_text(s, 2), "");
    CHECK_INT(svy_column_missing(n, 0), SVY_MISS_SYSTEM);
    CHECK_INT(svy_column_missing(s, 1), SVY_MISS_SYSTEM);
    CHECK_INT(svy_column_set_num(n, 1, 7, NULL), SVY_OK);
    CHECK_DBL(svy_column_num(n, 1), 7.0);
    svy_table_free(t);
}

static void
test_table_set_text(void)
{
    svy_table *t = fixture_csv("a,b\nx,1\ny,2\n");
    svy_column *a;
    svy_err err = SVY_ERR_INIT;

    if (t == NULL)
        return;
    a = svy_table_find(t, "a");
    CHECK_INT(svy_column_set_text(a, 0, "longer value", 12, &err), SVY_OK);
    CHECK_STR(svy_column_text(a, 0), "longer value");
    CHECK_STR(svy_column_text(a, 1), "y");
    CHECK_INT(svy_column_set_text(a, 1, "", 0, &err), SVY_OK);
    CHECK_STR(svy_column_text(a, 1), "");
    CHECK(svy_column_is_empty(a, 1));
    CHECK(!svy_column_is_empty(a, 0));
    /* Only 'n' bytes are taken. */
    CHECK_INT(svy_column_set_text(a, 1, "abcdef", 2, &err), SVY_OK);
    CHECK_STR(svy_column_text(a, 1), "ab");
    CHECK_STR(svy_column_text(svy_table_find(t, "b"), 1), "2");
    svy_table_free(t);
}

/*
 * Copying one cell of a column into another cell of the same column: the
 * source string lives in the arena that the copy may have to grow, so it
 * must survive the reallocation (under ASan a use after free otherwise).
 */
static void
test_table_set_text_from_same_column(void)
{
    svy_table *t = NULL;
    svy_column *c = NULL;
    svy_err err = SVY_ERR_INIT;
    const char *first = "the first value, long enough to matter";
    size_t i;

    svy_table_new(&t, &err);
    svy_table_add_column(t, "c", SVY_TEXT, &c, &err);
    svy_column_push_text(c, first, strlen(first), &err);
    svy_table_commit_row(t, 0, &err);
    svy_column_push_text(c, "b", 1, &err);
    svy_table_commit_row(t, 0, &err);
    for (i = 0; i < 40; i++) {
        const char *src = svy_column_text(c, 0);
        CHECK_INT(svy_column_set_text(c, 1, src, strlen(src), &err), SVY_OK);
        src = svy_column_text(c, 1);
        CHECK_INT(svy_column_set_text(c, 0, src, strlen(src), &err), SVY_OK);
    }
    CHECK_STR(svy_column_text(c, 0), first);
    CHECK_STR(svy_column_text(c, 1), first);
    svy_table_free(t);
}

/* System missing (empty) and user missing (a declared code) stay apart. */
static void
test_table_user_missing(void)
{
    svy_table *t = fixture_csv("q,r\n1,yes\n8,DK\n,\n9,8\n8.0,dk\n");
    svy_column *q, *r;
    svy_err err = SVY_ERR_INIT;
    const char *const qcodes[] = {"8", "9"};
    const char *const rcodes[] = {"DK", "8"};
    char code[4] = "DK";
    const char *const mutable_codes[] = {code};

    if (t == NULL)
        return;
    q = svy_table_find(t, "q");
    r = svy_table_find(t, "r");
    CHECK_INT(svy_column_to_num(q, 0, &err), 1);
    CHECK_INT(svy_column_set_user_missing(q, qcodes, 2, &err), SVY_OK);
    CHECK_INT(svy_column_set_user_missing(r, rcodes, 2, &err), SVY_OK);
    CHECK_INT(svy_column_missing(q, 0), SVY_MISS_NONE);
    CHECK_INT(svy_column_missing(q, 1), SVY_MISS_USER);
    CHECK_INT(svy_column_missing(q, 2), SVY_MISS_SYSTEM);
    CHECK_INT(svy_column_missing(q, 3), SVY_MISS_USER);
    /* A numeric column compares as numbers: 8.0 is code "8". */
    CHECK_INT(svy_column_missing(q, 4), SVY_MISS_USER);
    /* A text column compares text exactly. */
    CHECK_INT(svy_column_missing(r, 0), SVY_MISS_NONE);
    CHECK_INT(svy_column_missing(r, 1), SVY_MISS_USER);
    CHECK_INT(svy_column_missing(r, 2), SVY_MISS_SYSTEM);
    CHECK_INT(svy_column_missing(r, 3), SVY_MISS_USER);
    CHECK_INT(svy_column_missing(r, 4), SVY_MISS_NONE);
    /* The value of a user-missing cell is kept. */
    CHECK_DBL(svy_column_num(q, 1), 8.0);
    CHECK_STR(svy_column_text(r, 1), "DK");
    /* A new list replaces the old one, and its strings are copied. */
    CHECK_INT(svy_column_set_user_missing(r, mutable_codes, 1, &err), SVY_OK);
    code[0] = 'X';
    CHECK_INT(svy_column_missing(r, 1), SVY_MISS_USER);
    CHECK_INT(svy_column_missing(r, 3), SVY_MISS_NONE);
    CHECK_INT(svy_column_set_user_missing(q, NULL, 0, &err), SVY_OK);
    CHECK_INT(svy_column_missing(q, 1), SVY_MISS_NONE);
    CHECK_INT(svy_column_missing(q, 2), SVY_MISS_SYSTEM);
    svy_table_free(t);
}

static void
test_table_to_num(void)
{
    svy_table *t = fixture_csv("id,age,w,code,e,big\n"
                               "007,34,1.5,1,,1234567890123456\n"
                               "010,,2,2,,2\n"
                               "011,51,1e3,x,,3\n");
    svy_column *c;
    svy_err err = SVY_ERR_INIT;

    if (t == NULL)
        return;
    /* Leading zeros are codes under SVY_NUM_CODE: the column stays text. */
    c = svy_table_find(t, "id");
    CHECK_INT(svy_column_is_numeric(c, SVY_NUM_CODE), 0);
    CHECK_INT(svy_column_to_num(c, SVY_NUM_CODE, &err), 0);
    CHECK_INT(svy_column_type(c), SVY_TEXT);
    CHECK_STR(svy_column_text(c, 0), "007");
    /* Without the flag they are numbers. */
    CHECK_INT(svy_column_is_numeric(c, 0), 1);
    c = svy_table_find(t, "age");
    CHECK_INT(svy_column_to_num(c, SVY_NUM_CODE, &err), 1);
    CHECK_INT(svy_column_type(c), SVY_NUM);
    CHECK_DBL(svy_column_num(c, 0), 34.0);
    CHECK(isnan(svy_column_num(c, 1)));
    CHECK_INT(svy_column_missing(c, 1), SVY_MISS_SYSTEM);
    /* Converting a numeric column again is a no-op that says yes. */
    CHECK_INT(svy_column_to_num(c, 0, &err), 1);
    c = svy_table_find(t, "w");
    CHECK_INT(svy_column_to_num(c, 0, &err), 1);
    CHECK_DBL(svy_column_num(c, 2), 1000.0);
    c = svy_table_find(t, "code");
    CHECK_INT(svy_column_to_num(c, 0, &err), 0);
    CHECK_STR(svy_column_text(c, 2), "x");
    c = svy_table_find(t, "big");
    CHECK_INT(svy_column_to_num(c, SVY_NUM_CODE, &err), 0);
    CHECK_STR(svy_column_text(c, 0), "1234567890123456");
    /* An empty column has no number in it. */
    c = svy_table_find(t, "e");
    CHECK_INT(svy_column_is_numeric(c, 0), 0);
    /* The converted column accepts more rows. */
    c = svy_table_find(t, "age");
    CHECK_INT(svy_column_push_num(c, 60, &err), SVY_OK);
    CHECK_DBL(svy_column_num(c, 3), 60.0);
    svy_table_free(t);
}

static void
test_table_to_text(void)
{
    svy_table *t = NULL;
    svy_column *c = NULL;
    svy_err err = SVY_ERR_INIT;
    static const double vals[] = {0.1, 100, -0.0, 1e-300, 0.5};
    size_t i;

    svy_table_new(&t, &err);
    svy_table_add_column(t, "x", SVY_NUM, &c, &err);
    for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        svy_column_push_num(c, vals[i], &err);
        svy_table_commit_row(t, 0, &err);
    }
    svy_column_push_num(c, NAN, &err);
    svy_table_commit_row(t, 0, &err);
    CHECK_INT(svy_column_to_text(c, &err), SVY_OK);
    CHECK_INT(svy_column_type(c), SVY_TEXT);
    CHECK_STR(svy_column_text(c, 0), "0.1");
    CHECK_STR(svy_column_text(c, 1), "100");
    CHECK_STR(svy_column_text(c, 2), "-0");
    CHECK_STR(svy_column_text(c, 3), "1e-300");
    CHECK_STR(svy_column_text(c, 4), "0.5");
    CHECK_STR(svy_column_text(c, 5), "");
    CHECK_INT(svy_column_missing(c, 5), SVY_MISS_SYSTEM);
    CHECK(svy_column_nums(c) == NULL);
    /* Text again is a no-op; and back to numbers gives the same values. */
    CHECK_INT(svy_column_to_text(c, &err), SVY_OK);
    CHECK_INT(svy_column_to_num(c, 0, &err), 1);
    for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
        CHECK_DBL(svy_column_num(c, i), vals[i]);
    CHECK(isnan(svy_column_num(c, 5)));
    /* A text column grows after conversion. */
    svy_column_to_text(c, &err);
    CHECK_INT(svy_column_push_text(c, "z", 1, &err), SVY_OK);
    CHECK_STR(svy_column_text(c, 6), "z");
    CHECK_STR(svy_column_text(c, 0), "0.1");
    svy_table_free(t);
}

static void
test_table_fix_decimal_comma(void)
{
    svy_table *t = fixture_csv("a;b;c;d;e;f\n"
                               "\"1,5\";\"1,5\";1;\"1,5\";x;\"1,234,5\"\n"
                               ";2.25;2;\"abc\";y;1\n"
                               "\"-0,5\";3;3;4;z;2\n");
    svy_column *c;

    if (t == NULL)
        return;
    /* The reader already fixed what it could; undo nothing, check results:
     * column a held "1,5" and "-0,5", now points. */
    CHECK_STR(cell(t, "a", 0), "1.5");
    CHECK_STR(cell(t, "a", 2), "-0.5");
    CHECK_STR(cell(t, "a", 1), "");
    /* Mixed points and commas: every value reads with a decimal comma. */
    CHECK_STR(cell(t, "b", 0), "1.5");
    CHECK_STR(cell(t, "b", 1), "2.25");
    /* A non-number keeps the column as it was. */
    CHECK_STR(cell(t, "d", 0), "1,5");
    CHECK_STR(cell(t, "f", 0), "1,234,5");
    /* Direct calls: no comma at all, or already fixed, means no change. */
    c = svy_table_find(t, "c");
    CHECK_INT(svy_column_fix_decimal_comma(c), 0);
    CHECK_INT(svy_column_fix_decimal_comma(svy_table_find(t, "a")), 0);
    CHECK_INT(svy_column_fix_decimal_comma(svy_table_find(t, "d")), 0);
    CHECK_INT(svy_column_fix_decimal_comma(svy_table_find(t, "e")), 0);
    svy_table_free(t);

    /* Read as ',' text a column of quoted decimal commas is left to the
     * caller; the call fixes it and a numeric column is refused. */
    t = fixture_csv("v,n\n\"0,25\",1\n\"10,5\",2\n");
    if (t == NULL)
        return;
    c = svy_table_find(t, "v");
    CHECK_STR(svy_column_text(c, 0), "0,25");
    CHECK_INT(svy_column_fix_decimal_comma(c), 1);
    CHECK_STR(svy_column_text(c, 0), "0.25");
    CHECK_STR(svy_column_text(c, 1), "10.5");
    c = svy_table_find(t, "n");
    svy_column_to_num(c, 0, NULL);
    CHECK_INT(svy_column_fix_decimal_comma(c), 0);
    svy_table_free(t);
}

static void
test_table_infer_types(void)
{
    svy_table *t = fixture_csv("id,age,name,zip,w,none,phone\n"
                               "1,34,Ali,007,0.5,,+996555\n"
                               "2,,Bob,010,1e-3,,+996556\n");
    const char *const keep[] = {"id", NULL};
    svy_err err = SVY_ERR_INIT;

    if (t == NULL)
        return;
    CHECK_INT(svy_table_infer_types(t, keep, &err), SVY_OK);
    CHECK_INT(svy_column_type(svy_table_find(t, "id")), SVY_TEXT);
    CHECK_INT(svy_column_type(svy_table_find(t, "age")), SVY_NUM);
    CHECK_INT(svy_column_type(svy_table_find(t, "name")), SVY_TEXT);
    CHECK_INT(svy_column_type(svy_table_find(t, "zip")), SVY_TEXT);
    CHECK_INT(svy_column_type(svy_table_find(t, "w")), SVY_NUM);
    CHECK_INT(svy_column_type(svy_table_find(t, "phone")), SVY_TEXT);
    /* A column with no value at all has nothing to be inferred from. */
    CHECK_INT(svy_column_type(svy_table_find(t, "none")), SVY_TEXT);
    CHECK_DBL(svy_column_num(svy_table_find(t, "w"), 1), 0.001);
    /* NULL keep list. */
    CHECK_INT(svy_table_infer_types(t, NULL, &err), SVY_OK);
    CHECK_INT(svy_column_type(svy_table_find(t, "id")), SVY_NUM);
    CHECK_INT(svy_column_type(svy_table_find(t, "none")), SVY_TEXT);
    svy_table_free(t);
}

/*
 * Appending a table whose columns differ: new columns are added (missing
 * before), absent ones are missing after, and where the types differ the
 * column becomes text.  Source lines come along.
 */
static void
test_table_append_mismatched(void)
{
    svy_table *a = fixture_csv("id,x,y\n1,10,a\n2,20,b\n");
    svy_table *b = fixture_csv("z,y,x,id\nq,7,abc,3\n\n\nr,8,0.5,4\n");
    svy_err err = SVY_ERR_INIT;

    if (a == NULL || b == NULL)
        goto out;
    svy_column_to_num(svy_table_find(a, "x"), 0, &err);
    svy_column_to_num(svy_table_find(a, "id"), 0, &err);
    svy_column_to_num(svy_table_find(b, "id"), 0, &err);
    svy_column_to_num(svy_table_find(b, "y"), 0, &err);
    CHECK_INT(svy_table_append(a, b, &err), SVY_OK);
    CHECK_INT(svy_table_nrows(a), 4);
    CHECK_INT(svy_table_ncols(a), 4);
    CHECK_STR(svy_column_name(svy_table_col(a, 3)), "z");
    /* id: numeric on both sides, stays numeric. */
    CHECK_INT(svy_column_type(svy_table_find(a, "id")), SVY_NUM);
    CHECK_DBL(svy_column_num(svy_table_find(a, "id"), 3), 4.0);
    /* x: numeric in a, text in b -> text, numbers in shortest form. */
    CHECK_INT(svy_column_type(svy_table_find(a, "x")), SVY_TEXT);
    CHECK_STR(cell(a, "x", 0), "10");
    CHECK_STR(cell(a, "x", 2), "abc");
    CHECK_STR(cell(a, "x", 3), "0.5");
    /* y: text in a, numeric in b -> text. */
    CHECK_INT(svy_column_type(svy_table_find(a, "y")), SVY_TEXT);
    CHECK_STR(cell(a, "y", 1), "b");
    CHECK_STR(cell(a, "y", 2), "7");
    /* z: only in b -> missing for a's rows. */
    CHECK_STR(cell(a, "z", 0), "");
    CHECK_STR(cell(a, "z", 1), "");
    CHECK_STR(cell(a, "z", 2), "q");
    CHECK_STR(cell(a, "z", 3), "r");
    CHECK_INT(svy_column_len(svy_table_find(a, "z")), 4);
    /* Lines: a's rows from a's file, b's from b's (blank lines skipped). */
    CHECK_INT(svy_table_row_line(a, 0), 2);
    CHECK_INT(svy_table_row_line(a, 1), 3);
    CHECK_INT(svy_table_row_line(a, 2), 2);
    CHECK_INT(svy_table_row_line(a, 3), 5);
    /* b is unchanged. */
    CHECK_INT(svy_table_nrows(b), 2);
    CHECK_INT(svy_table_ncols(b), 4);
    CHECK_INT(svy_column_type(svy_table_find(b, "y")), SVY_NUM);

    /* dst lacks nothing but src lacks a column: missing after. */
    svy_table_free(b);
    b = fixture_csv("id\n5\n");
    if (b == NULL)
        goto out;
    CHECK_INT(svy_table_append(a, b, &err), SVY_OK);
    CHECK_INT(svy_table_nrows(a), 5);
    CHECK_STR(cell(a, "id", 4), "5");
    CHECK_STR(cell(a, "z", 4), "");
    CHECK_INT(svy_column_missing(svy_table_find(a, "x"), 4), SVY_MISS_SYSTEM);
out:
    svy_table_free(a);
    svy_table_free(b);
}

/* Appending into an empty table copies the source. */
static void
test_table_append_into_empty(void)
{
    svy_table *a = NULL, *b = fixture_csv("k,v\n1,x\n2,y\n");
    svy_err err = SVY_ERR_INIT;

    svy_table_new(&a, &err);
    if (b == NULL)
        goto out;
    CHECK_INT(svy_table_append(a, b, &err), SVY_OK);
    CHECK_INT(svy_table_nrows(a), 2);
    CHECK_INT(svy_table_ncols(a), 2);
    CHECK_STR(cell(a, "v", 1), "y");
    CHECK_INT(svy_table_row_line(a, 1), 3);
    /* Rows built in memory have no lines. */
    svy_table_free(b);
    svy_table_new(&b, &err);
    {
        svy_column *k = NULL;
        svy_table_add_column(b, "k", SVY_TEXT, &k, &err);
        svy_column_push_text(k, "3", 1, &err);
        svy_table_commit_row(b, 0, &err);
    }
    CHECK_INT(svy_table_append(a, b, &err), SVY_OK);
    CHECK_INT(svy_table_row_line(a, 2), 0);
    CHECK_STR(cell(a, "k", 2), "3");
out:
    svy_table_free(a);
    svy_table_free(b);
}

/* A table appended to itself doubles; the source is read as it was. */
static void
test_table_append_self(void)
{
    svy_table *t = fixture_csv("s,n\nalpha,1\nbeta,2\n");
    svy_err err = SVY_ERR_INIT;

    if (t == NULL)
        return;
    svy_column_to_num(svy_table_find(t, "n"), 0, &err);
    CHECK_INT(svy_table_append(t, t, &err), SVY_OK);
    CHECK_INT(svy_table_nrows(t), 4);
    CHECK_INT(svy_column_len(svy_table_find(t, "s")), 4);
    CHECK_INT(svy_column_len(svy_table_find(t, "n")), 4);
    CHECK_STR(cell(t, "s", 2), "alpha");
    CHECK_STR(cell(t, "s", 3), "beta");
    CHECK_STR(cell(t, "n", 3), "2");
    CHECK_INT(svy_table_row_line(t, 3), 3);
    svy_table_free(t);
}

/* Many rows: the arrays grow and every value is where it was put. */
static void
test_table_many_rows(void)
{
    svy_table *t = NULL;
    svy_column *s = NULL, *n = NULL;
    svy_err err = SVY_ERR_INIT;
    size_t i, bad = 0;
    char buf[32];

    svy_table_new(&t, &err);
    svy_table_add_column(t, "s", SVY_TEXT, &s, &err);
    svy_table_add_column(t, "n", SVY_NUM, &n, &err);
    for (i = 0; i < 100000; i++) {
        int len = snprintf(buf, sizeof(buf), "r%zu", i);
        if (svy_column_push_text(s, buf, (size_t)len, &err) ||
            svy_column_push_num(n, (double)i * 0.5, &err) ||
            svy_table_commit_row(t, i + 2, &err))
            bad++;
    }
    CHECK_INT(bad, 0);
    for (i = 0; i < 100000; i++) {
        snprintf(buf, sizeof(buf), "r%zu", i);
        if (strcmp(svy_column_text(s, i), buf) != 0 ||
            svy_column_num(n, i) != (double)i * 0.5 ||
            svy_table_row_line(t, i) != i + 2)
            bad++;
    }
    CHECK_INT(bad, 0);
    svy_table_free(t);
}

/* Every cell of numeric column 'c' equals v[0..n) (NaN equal to NaN). */
static int
same_nums(const svy_column *c, const double *v, size_t n)
{
    size_t i;

    if (svy_column_len(c) != n)
        return 0;
    for (i = 0; i < n; i++) {
        double x = svy_column_num(c, i);
        if (!(x == v[i] || (isnan(x) && isnan(v[i]))) ||
            svy_column_is_empty(c, i) != !!isnan(v[i]))
            return 0;
    }
    return 1;
}

/*
 * A column kept as bytes reads and writes as the doubles it stands for:
 * codes 0..254 and empty cells fit, anything else (255, -1, 2.5, -0, a
 * set or pushed value, svy_column_nums) turns it into doubles first with
 * every earlier value kept.
 */
static void
test_table_compact(void)
{
    static const double codes[] = {0, 3, NAN, 254, 8};
    static const char *const dk[] = {"8"};
    static const double bad[] = {255, -1, 2.5, -0.0, 1e300};
    double v[8], *nums;
    svy_table *t = NULL, *u = NULL;
    svy_column *c = NULL, *d = NULL;
    svy_err err = SVY_ERR_INIT;
    char buf[SVY_NUM_BUFSZ];
    size_t i, k;

    for (k = 0; k < sizeof(bad) / sizeof(*bad); k++) {
        CHECK_INT(svy_table_new(&t, &err), SVY_OK);
        CHECK_INT(svy_table_add_column(t, "q", SVY_NUM, &c, &err), SVY_OK);
        CHECK_INT(svy_column_compact(c), 1); /* empty: always */
        for (i = 0; i < 5; i++) {
            CHECK_INT(svy_column_push_num(c, codes[i], &err), SVY_OK);
            v[i] = codes[i];
        }
        CHECK(svy_column_bytes(c) != NULL && svy_column_doubles(c) == NULL);
        CHECK(svy_column_bytes(c) && svy_column_bytes(c)[2] == SVY_BYTE_EMPTY);
        CHECK(same_nums(c, v, 5));
        CHECK_STR(svy_column_format(c, 3, buf, NULL), "254");
        CHECK_INT(svy_column_set_user_missing(c, dk, 1, &err), SVY_OK);
        CHECK_INT(svy_column_missing(c, 4), SVY_MISS_USER);
        CHECK_INT(svy_column_missing(c, 2), SVY_MISS_SYSTEM);
        CHECK_INT(svy_column_missing(c, 1), SVY_MISS_NONE);
        CHECK_INT(svy_column_set_num(c, 1, 7, &err), SVY_OK); /* fits */
        v[1] = 7;
        CHECK(svy_column_bytes(c) != NULL);
        CHECK_INT(svy_column_push_num(c, bad[k], &err), SVY_OK);
        v[5] = bad[k];
        CHECK(svy_column_bytes(c) == NULL && svy_column_doubles(c) != NULL);
        CHECK(svy_column_doubles(c) && svy_column_doubles(c)[1] == 7);
        CHECK(same_nums(c, v, 6));
        CHECK(!!signbit(svy_column_num(c, 5)) == !!signbit(bad[k]));
        CHECK_INT(svy_column_compact(c), 0); /* a value does not fit */
        svy_table_free(t);
    }
    /* set_num widens; svy_column_nums widens; compact after the fact */
    CHECK_INT(svy_table_new(&t, &err), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "q", SVY_NUM, &c, &err), SVY_OK);
    for (i = 0; i < 5; i++) {
        CHECK_INT(svy_column_push_num(c, codes[i], &err), SVY_OK);
        v[i] = codes[i];
    }
    CHECK(svy_column_bytes(c) == NULL); /* doubles unless asked */
    CHECK_INT(svy_column_compact(c), 1);
    CHECK(same_nums(c, v, 5));
    CHECK_INT(svy_column_set_num(c, 0, 1000, &err), SVY_OK);
    v[0] = 1000;
    CHECK(svy_column_bytes(c) == NULL);
    CHECK(same_nums(c, v, 5));
    CHECK_INT(svy_column_set_num(c, 0, 1, &err), SVY_OK);
    v[0] = 1;
    CHECK_INT(svy_column_compact(c), 1);
    nums = svy_column_nums(c);
    CHECK(nums != NULL && svy_column_bytes(c) == NULL);
    CHECK(nums && nums[3] == 254 && nums[0] == 1 && isnan(nums[2]));
    CHECK(same_nums(c, v, 5));
    /* to text: the numbers' written form */
    CHECK_INT(svy_column_compact(c), 1);
    CHECK_INT(svy_column_to_text(c, &err), SVY_OK);
    CHECK_STR(svy_column_text(c, 3), "254");
    CHECK_STR(svy_column_text(c, 2), "");
    CHECK_INT(svy_column_compact(c), 0); /* text */
    CHECK(svy_column_doubles(c) == NULL && svy_column_bytes(c) == NULL);
    svy_table_free(t);

    /* appending: bytes into doubles, doubles into bytes, bytes to itself */
    CHECK_INT(svy_table_new(&t, &err), SVY_OK);
    CHECK_INT(svy_table_new(&u, &err), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "q", SVY_NUM, &c, &err), SVY_OK);
    CHECK_INT(svy_table_add_column(u, "q", SVY_NUM, &d, &err), SVY_OK);
    CHECK_INT(svy_column_compact(c), 1);
    CHECK_INT(svy_column_push_num(c, 4, &err), SVY_OK);
    CHECK_INT(svy_table_commit_row(t, 2, &err), SVY_OK);
    CHECK_INT(svy_column_push_num(d, 0.5, &err), SVY_OK);
    CHECK_INT(svy_table_commit_row(u, 2, &err), SVY_OK);
    CHECK_INT(svy_table_append(t, t, &err), SVY_OK);
    CHECK(svy_column_bytes(c) != NULL);
    CHECK_INT(svy_table_append(u, t, &err), SVY_OK);
    v[0] = 0.5, v[1] = 4, v[2] = 4;
    CHECK(same_nums(d, v, 3));
    CHECK_INT(svy_table_append(t, u, &err), SVY_OK);
    CHECK(svy_column_bytes(c) == NULL);
    v[0] = 4, v[1] = 4, v[2] = 0.5, v[3] = 4, v[4] = 4;
    CHECK(same_nums(c, v, 5));
    svy_table_free(t);
    svy_table_free(u);
}

/*
 * Whole rows into byte columns: codes stay bytes, an empty cell is
 * SVY_BYTE_EMPTY, a value that does not fit (300, -3) widens the column
 * and "08" makes it text, each with the earlier cells as read.
 */
static void
test_table_push_typed_rows_bytes(void)
{
    static const char cells[] = "1\0"
                                "\0"
                                "7\0"
                                "99\0"
                                "300\0"
                                "5\0"
                                "\0"
                                "-3\0"
                                "08\0";
    static const size_t lens[] = {1, 0, 1, 2, 3, 1, 0, 2, 2};
    static const size_t lines[] = {2, 3, 4};
    static const double va[] = {1, 99, NAN}, vb[] = {NAN, 300, -3};
    svy_table *t = NULL;
    svy_column *a = NULL, *b = NULL, *c = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_table_new(&t, &err), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "a", SVY_NUM, &a, &err), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "b", SVY_NUM, &b, &err), SVY_OK);
    CHECK_INT(svy_table_add_column(t, "c", SVY_NUM, &c, &err), SVY_OK);
    CHECK_INT(svy_column_compact(a) + svy_column_compact(b) +
                  svy_column_compact(c),
              3);
    CHECK_INT(svy_table_push_typed_rows(t, cells, lens, 3, lines, 1, &err),
              SVY_OK);
    CHECK(svy_column_bytes(a) != NULL);
    CHECK(same_nums(a, va, 3));
    CHECK(svy_column_bytes(b) == NULL);
    CHECK(same_nums(b, vb, 3));
    CHECK_INT(svy_column_type(c), SVY_TEXT);
    CHECK_STR(svy_column_text(c, 0), "7");
    CHECK_STR(svy_column_text(c, 1), "5");
    CHECK_STR(svy_column_text(c, 2), "08");
    svy_table_free(t);
}

static const struct check_case cases[] = {
    CASE(test_table_empty),
    CASE(test_table_push_typed),
    CASE(test_table_push_typed_decimals),
    CASE(test_table_push_typed_rows),
    CASE(test_table_source),
    CASE(test_table_reserve),
    CASE(test_table_build_rows),
    CASE(test_table_commit_row_errors),
    CASE(test_table_column_names),
    CASE(test_table_add_column_to_rows),
    CASE(test_table_set_text),
    CASE(test_table_set_text_from_same_column),
    CASE(test_table_user_missing),
    CASE(test_table_to_num),
    CASE(test_table_to_text),
    CASE(test_table_fix_decimal_comma),
    CASE(test_table_infer_types),
    CASE(test_table_append_mismatched),
    CASE(test_table_append_into_empty),
    CASE(test_table_append_self),
    CASE(test_table_many_rows),
    CASE(test_table_compact),
    CASE(test_table_push_typed_rows_bytes),
};

CHECK_MAIN(cases)
