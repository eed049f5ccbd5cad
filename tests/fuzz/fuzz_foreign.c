/*
 * fuzz_foreign.c - libFuzzer target for SPSS, Stata and SAS files read
 * through ReadStat (svy_foreign_read, svy_foreign_codebook).
 *
 * Byte 0 picks the extension (.sav .zsav .por .dta .sas7bdat: b % 5); the
 * rest is the file, written to a private folder because ReadStat reads
 * by path.  Checks:
 *  - on failure nothing is returned (table and metadata NULL) and the
 *    message names the file;
 *  - on success the metadata has one variable per column, every column
 *    is as long as the table, every text cell, name, label, format and
 *    value label is valid UTF-8 (all text inside svykit is);
 *  - the codebook built from the metadata is returned, or nothing with
 *    an error.
 *
 * Build with 'make fuzz'; see tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svy/svy.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const exts[] = {"sav", "zsav", "por", "dta", "sas7bdat"};
static char tmpdir[256];
static char inpath[5][300];

static void
cleanup(void)
{
    for (size_t i = 0; i < 5; i++)
        unlink(inpath[i]);
    rmdir(tmpdir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *base = getenv("TMPDIR");

    (void)argc;
    (void)argv;
    snprintf(tmpdir, sizeof(tmpdir), "%s/fuzz_foreign.XXXXXX",
             base && *base ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        perror("fuzz_foreign: mkdtemp");
        exit(1);
    }
    for (size_t i = 0; i < 5; i++)
        snprintf(inpath[i], sizeof(inpath[i]), "%s/in.%s", tmpdir, exts[i]);
    atexit(cleanup);
    return 0;
}

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_foreign: %s:%d: check failed: %s\n",         \
                    __FILE__, __LINE__, #cond);                                \
            abort();                                                           \
        }                                                                      \
    } while (0)

static int
valid_utf8(const char *s)
{
    int incomplete = 0;
    size_t n = strlen(s);
    return svy_utf8_check(s, n, &incomplete) == n && !incomplete;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    svy_table *t = NULL;
    svy_foreign_meta *m = NULL;
    svy_codebook *cb = NULL;
    svy_err err = SVY_ERR_INIT;
    const char *path;
    FILE *f;
    size_t i, k, r;

    if (size < 1)
        return 0;
    path = inpath[data[0] % 5];
    if ((f = fopen(path, "wb")) == NULL)
        abort();
    if (size > 1 && fwrite(data + 1, 1, size - 1, f) != size - 1)
        abort();
    if (fclose(f) != 0)
        abort();

    if (svy_foreign_read(&t, &m, path, &err) != SVY_OK) {
        CHECK(t == NULL && m == NULL);
        CHECK(strstr(err.msg, "in.") != NULL);
        unlink(path);
        return 0;
    }
    CHECK(t != NULL && m != NULL);
    CHECK(svy_foreign_nvars(m) == svy_table_ncols(t));
    for (i = 0; i < svy_table_ncols(t); i++) {
        const svy_column *c = svy_table_col(t, i);
        CHECK(svy_column_len(c) == svy_table_nrows(t));
        CHECK(valid_utf8(svy_foreign_var_name(m, i)));
        CHECK(valid_utf8(svy_foreign_var_label(m, i)));
        CHECK(valid_utf8(svy_foreign_var_format(m, i)));
        for (k = 0; k < svy_foreign_var_nvalues(m, i); k++) {
            CHECK(valid_utf8(svy_foreign_value_code(m, i, k)));
            CHECK(valid_utf8(svy_foreign_value_label(m, i, k)));
        }
        if (svy_column_type(c) == SVY_TEXT)
            for (r = 0; r < svy_column_len(c); r++)
                CHECK(valid_utf8(svy_column_text(c, r)));
    }
    if (svy_foreign_codebook(m, t, &cb, &err) == SVY_OK) {
        CHECK(cb != NULL);
        svy_codebook_free(cb);
    } else {
        CHECK(cb == NULL);
    }
    svy_foreign_meta_free(m);
    svy_table_free(t);
    unlink(path);
    return 0;
}
