/*
 * test_cells.c - grouping rows into cells: value matching ("1" = "1.0" =
 * "01"), long values, numeric columns, first-seen order.
 */
#include "svy/cells.h"

#include <string.h>

#include "check.h"
#include "svy/buf.h"
#include "svy/csv.h"
#include "svy/io.h"

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

static void
test_cells_group(void)
{
    svy_table *t = table_of("a,b,c\n1,x,q\n1.0,y,q\n01,x,q\n2,x,q\n,y,q\n");
    const char *vars[] = {"a", "b"};
    svy_cells *c = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_cells_build(&c, t, vars, 2, &err), SVY_OK);
    if (c == NULL)
        goto out;
    CHECK_INT(svy_cells_nvars(c), 2);
    CHECK_INT(svy_cells_nrows(c), 5);
    CHECK_INT(svy_cells_count(c), 4);
    CHECK_INT(svy_cells_nvalues(c, 0), 3);
    CHECK_STR(svy_cells_value(c, 0, 0), "1"); /* as first spelt */
    CHECK_STR(svy_cells_value(c, 0, 2), "");
    CHECK_INT(svy_cells_rows(c)[2], 0);
    CHECK_INT(svy_cells_rows(c)[1], 1);
    CHECK_INT(svy_cells_size(c, 0), 2);
    CHECK_INT(svy_cells_value_id(c, 3, 0), 2);
    CHECK_INT(svy_cells_value_id(c, 3, 1), 1);
    CHECK_INT(svy_cells_lookup(c, 0, "1.00"), 0);
    CHECK_INT(svy_cells_lookup(c, 0, "2"), 1);
    CHECK_INT(svy_cells_lookup(c, 0, ""), 2);
    CHECK_INT(svy_cells_lookup(c, 0, "3"), -1);
    CHECK_INT(svy_cells_lookup(c, 1, "X"), -1);
out:
    svy_cells_free(c);
    svy_table_free(t);
}

static void
test_cells_long_values(void)
{
    svy_table *t = table_of("r\nBishkek city\nOsh city\nBishkek city\n"
                            "Бишкек\nOsh city\n1234567\n12345678\n"
                            "12345678.0\n");
    const char *vars[] = {"r"};
    svy_cells *c = NULL;

    CHECK_INT(svy_cells_build(&c, t, vars, 1, NULL), SVY_OK);
    if (c) {
        CHECK_INT(svy_cells_count(c), 5);
        CHECK_INT(svy_cells_size(c, 0), 2);
        CHECK_INT(svy_cells_size(c, 4), 2); /* 12345678 = 12345678.0 */
        CHECK_INT(svy_cells_lookup(c, 0, "Бишкек"), 2);
        CHECK_INT(svy_cells_lookup(c, 0, "Osh city"), 1);
        CHECK_STR(svy_cells_value(c, 0, 2), "Бишкек");
    }
    svy_cells_free(c);
    svy_table_free(t);
}

static void
test_cells_numeric_column(void)
{
    svy_table *t = table_of("a,b\n1,x\n2.5,x\n1,y\n,y\n");
    const char *vars[] = {"a"};
    svy_cells *c = NULL;

    CHECK_INT(svy_table_infer_types(t, NULL, NULL), SVY_OK);
    CHECK_INT(svy_column_type(svy_table_find(t, "a")), SVY_NUM);
    CHECK_INT(svy_cells_build(&c, t, vars, 1, NULL), SVY_OK);
    if (c) {
        CHECK_INT(svy_cells_count(c), 3);
        CHECK_INT(svy_cells_lookup(c, 0, "2.50"), 1);
        CHECK_INT(svy_cells_lookup(c, 0, ""), 2);
        CHECK_STR(svy_cells_value(c, 0, 1), "2.5");
    }
    svy_cells_free(c);
    svy_table_free(t);
}

static void
test_cells_many(void)
{
    svy_buf b = SVY_BUF_INIT;
    svy_table *t;
    const char *vars[] = {"a", "b"};
    svy_cells *c = NULL;
    int i;

    /* Enough values and cells to grow every hash table several times. */
    svy_buf_puts(&b, "a,b\n");
    for (i = 0; i < 5000; i++)
        svy_buf_printf(&b, "v%d,%d\n", i % 700, i % 13);
    t = table_of(b.data);
    CHECK_INT(svy_cells_build(&c, t, vars, 2, NULL), SVY_OK);
    if (c) {
        CHECK_INT(svy_cells_nvalues(c, 0), 700);
        CHECK_INT(svy_cells_nvalues(c, 1), 13);
        /* (i mod 700, i mod 13) repeats only after 9100 rows. */
        CHECK_INT(svy_cells_count(c), 5000);
        CHECK_INT(svy_cells_lookup(c, 0, "v699"), 699);
        CHECK_INT(svy_cells_rows(c)[4999], 4999);
    }
    svy_cells_free(c);
    svy_table_free(t);
    svy_buf_release(&b);
}

static void
test_cells_errors(void)
{
    svy_table *t = table_of("a\n1\n");
    const char *vars[] = {"a", "zz"};
    svy_cells *c = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_cells_build(&c, t, vars, 2, &err), SVY_EDATA);
    CHECK_STR(err.msg, "no column 'zz'");
    CHECK(c == NULL);
    /* No variables: every row in one cell. */
    CHECK_INT(svy_cells_build(&c, t, vars, 0, &err), SVY_OK);
    if (c)
        CHECK_INT(svy_cells_count(c), 1);
    svy_cells_free(c);
    svy_cells_free(NULL);
    svy_table_free(t);
}

static const struct check_case cases[] = {
    CASE(test_cells_group),          CASE(test_cells_long_values),
    CASE(test_cells_numeric_column), CASE(test_cells_many),
    CASE(test_cells_errors),
};

CHECK_MAIN(cases)
