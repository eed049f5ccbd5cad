/*
 * fixture.h - the table most unit tests start from: CSV text read as
 * "t.csv", every column text (svy_csv_read), a failure checked.
 */
#ifndef SVY_TEST_FIXTURE_H
#define SVY_TEST_FIXTURE_H

#include <string.h>

#include "check.h"
#include "svy/csv.h"
#include "svy/io.h"

static inline svy_table *
fixture_text(const char *csv)
{
    svy_input *in = NULL;
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_input_open_mem(&in, "t.csv", csv, strlen(csv), &err), SVY_OK);
    CHECK_INT(svy_csv_read(&t, in, NULL, NULL, &err), SVY_OK);
    svy_input_close(in);
    return t;
}

#endif
