/*
 * fuzz_csv.c - libFuzzer target for the CSV reader and writer.
 *
 * The first input byte picks the reading options (delimiter auto ',' ';'
 * TAB '|', encoding auto/UTF-8/CP1251, decimal auto/point/comma); the rest
 * is the file.  When the reader accepts it, the table must keep the
 * reader's promises, and the data-stream contract must hold: the table is
 * typed (svy_table_infer_types), written as CSV to a private temporary
 * file and read back, and the copy must hold the same header and cells.
 *
 * Invariants checked (abort() on the first broken one, so that libFuzzer
 * saves the input):
 *  - on failure: '*out' is NULL, err.code is the status, the message is
 *    non-empty, and a parse error starts with "fuzz.csv:LINE: ";
 *  - header names are non-empty, unique, valid UTF-8; every column has
 *    exactly nrows cells; every text cell is valid UTF-8;
 *  - each row's source line is after the previous row's and after the
 *    header;
 *  - every number is finite and svy_num_format/svy_num_parse round-trips
 *    it to the same bits;
 *  - write then read back gives the same table, cell by cell as text.
 *
 * Build with 'make fuzz'; see tests/fuzz/README.md.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svy/svy.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char tmpdir[256];
static char outpath[300];

static void
cleanup(void)
{
    unlink(outpath);
    rmdir(tmpdir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *base = getenv("TMPDIR");

    (void)argc;
    (void)argv;
    snprintf(tmpdir, sizeof(tmpdir), "%s/fuzz_csv.XXXXXX",
             base && *base ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        perror("fuzz_csv: mkdtemp");
        exit(1);
    }
    snprintf(outpath, sizeof(outpath), "%s/out.csv", tmpdir);
    atexit(cleanup);
    return 0;
}

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_csv: %s:%d: check failed: %s\n", __FILE__,   \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

static int
valid_utf8(const char *s)
{
    int incomplete;
    size_t n = strlen(s);

    return svy_utf8_check(s, n, &incomplete) == n;
}

static void
check_table(const svy_table *t)
{
    size_t nc = svy_table_ncols(t), nr = svy_table_nrows(t), c, r;

    CHECK(nc > 0 || nr == 0);
    for (c = 0; c < nc; c++) {
        const svy_column *col = svy_table_col(t, c);
        const char *name = svy_column_name(col);
        CHECK(name[0] != '\0');
        CHECK(valid_utf8(name));
        CHECK(svy_table_index(t, name) == (long)c);
        CHECK(svy_column_len(col) == nr);
        CHECK(svy_column_type(col) == SVY_TEXT);
        for (r = 0; r < nr; r++)
            CHECK(valid_utf8(svy_column_text(col, r)));
    }
    for (r = 0; r < nr; r++) {
        size_t line = svy_table_row_line(t, r);
        CHECK(line >= 2);
        CHECK(r == 0 || line > svy_table_row_line(t, r - 1));
    }
}

static void
check_numbers(const svy_table *t)
{
    size_t c, r;

    for (c = 0; c < svy_table_ncols(t); c++) {
        const svy_column *col = svy_table_col(t, c);
        if (svy_column_type(col) != SVY_NUM)
            continue;
        for (r = 0; r < svy_column_len(col); r++) {
            double v = svy_column_num(col, r), back;
            char buf[SVY_NUM_BUFSZ];
            size_t n;

            if (isnan(v))
                continue;
            /* "1e400" must not become a number: it would be written as
             * "inf", which no reader takes back (DESIGN: numbers written
             * so that reading them back gives the same double). */
            CHECK(isfinite(v));
            n = svy_num_format(v, buf);
            CHECK(n > 0 && n < SVY_NUM_BUFSZ && buf[n] == '\0');
            CHECK(svy_num_parse(buf, n, 0, &back) == 1);
            CHECK(memcmp(&back, &v, sizeof(v)) == 0);
        }
    }
}

/* Write 't' to the temporary file and read it back with fixed options. */
static void
check_round_trip(const svy_table *t)
{
    static const svy_csv_opts canon = {
        .delim = ',', .encoding = SVY_ENC_UTF8, .decimal = SVY_DEC_POINT};
    svy_output *o = NULL;
    svy_table *u = NULL;
    svy_err err = SVY_ERR_INIT;
    size_t c, r;

    CHECK(svy_output_open(&o, outpath, &err) == SVY_OK);
    CHECK(svy_csv_write(t, o, &err) == SVY_OK);
    CHECK(svy_output_commit(o, &err) == SVY_OK);
    if (svy_csv_read_file(&u, outpath, &canon, NULL, &err) != SVY_OK) {
        fprintf(stderr, "fuzz_csv: written CSV does not read back: %s\n",
                err.msg);
        abort();
    }
    unlink(outpath); /* a crash below leaves only the empty folder */
    CHECK(svy_table_ncols(u) == svy_table_ncols(t));
    CHECK(svy_table_nrows(u) == svy_table_nrows(t));
    for (c = 0; c < svy_table_ncols(t); c++) {
        const svy_column *a = svy_table_col(t, c), *b = svy_table_col(u, c);
        CHECK(strcmp(svy_column_name(a), svy_column_name(b)) == 0);
        for (r = 0; r < svy_table_nrows(t); r++) {
            char buf[SVY_NUM_BUFSZ];
            const char *x = svy_column_format(a, r, buf, NULL);
            const char *y = svy_column_text(b, r);
            if (strcmp(x, y) != 0) {
                fprintf(stderr,
                        "fuzz_csv: column '%s' row %zu: wrote '%s', "
                        "read back '%s'\n",
                        svy_column_name(a), r, x, y);
                abort();
            }
        }
    }
    svy_table_free(u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delims[] = {0, ',', ';', '\t', '|'};
    svy_csv_opts opts = {0};
    svy_csv_info info;
    svy_input *in = NULL;
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;
    svy_status rc;
    unsigned sel;

    if (size < 1)
        return 0;
    sel = data[0];
    opts.delim = delims[sel % 5];
    sel /= 5;
    opts.encoding = (svy_encoding)(sel % 3);
    sel /= 3;
    opts.decimal = (svy_decimal)(sel % 3);
    data++;
    size--;

    CHECK(svy_input_open_mem(&in, "fuzz.csv", data, size, &err) == SVY_OK);
    memset(&info, 0, sizeof(info));
    t = (svy_table *)&info; /* must be reset to NULL on failure */
    rc = svy_csv_read(&t, in, &opts, &info, &err);
    svy_input_close(in);
    if (rc != SVY_OK) {
        CHECK(t == NULL);
        CHECK(err.code == rc);
        CHECK(err.msg[0] != '\0');
        if (rc == SVY_EPARSE)
            CHECK(strncmp(err.msg, "fuzz.csv:", 9) == 0);
        return 0;
    }
    CHECK(t != NULL);
    CHECK(info.delim == ',' || info.delim == ';' || info.delim == '\t' ||
          info.delim == '|');
    CHECK(opts.delim == 0 || info.delim == opts.delim);
    CHECK(info.encoding == SVY_ENC_UTF8 || info.encoding == SVY_ENC_CP1251);
    check_table(t);
    CHECK(svy_table_infer_types(t, NULL, &err) == SVY_OK);
    check_numbers(t);
    check_round_trip(t);
    svy_table_free(t);
    return 0;
}
