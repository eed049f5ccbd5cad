/*
 * fuzz_codebook.c - libFuzzer target for the codebook parser and checker.
 *
 * The input is split at its first NUL byte: the bytes before are
 * codebook.csv, the bytes after values.csv (no NUL: no values file).  Both
 * are read as the survey loader reads them (svy_csv_read with the decimal
 * point only) and turned into a codebook by svy_codebook_from_tables.
 *
 * On failure the message must name "codebook.csv:" or "values.csv:".  On
 * success every accessor is called on every variable, each missing code
 * and value label must be found again by its own code, and a data table
 * made of each variable's codes plus a few awkward values ("", "abc",
 * "-1", "1e400", a bad date...) goes through svy_codebook_apply and
 * svy_codebook_check, whose findings must be well-formed.
 *
 * Build with 'make fuzz'; see tests/fuzz/README.md.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svy/svy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_codebook: %s:%d: check failed: %s\n",        \
                    __FILE__, __LINE__, #cond);                                \
            abort();                                                           \
        }                                                                      \
    } while (0)

static const char *const extra_values[] = {
    "",    "abc", "-1",    "0",          "1",
    "1.5", "007", "1e400", "2026-02-29", "2024-02-29 23:59:60",
    "99",  "8",   "9",
};
#define NEXTRA (sizeof(extra_values) / sizeof(extra_values[0]))

static svy_status
read_csv(svy_table **t, const char *name, const uint8_t *data, size_t size,
         svy_err *err)
{
    svy_csv_opts opts = {.encoding = SVY_ENC_AUTO, .decimal = SVY_DEC_POINT};
    svy_input *in = NULL;
    svy_status rc;

    CHECK(svy_input_open_mem(&in, name, data, size, err) == SVY_OK);
    rc = svy_csv_read(t, in, &opts, NULL, err);
    svy_input_close(in);
    return rc;
}

static int
on_finding(const svy_finding *f, void *ctx)
{
    const svy_table *t = ctx;

    CHECK(f->kind < SVY_FIND_NKINDS);
    CHECK(f->variable != NULL && f->value != NULL && f->problem != NULL);
    CHECK(f->problem[0] != '\0');
    CHECK(strcmp(svy_finding_name(f->kind), "?") != 0);
    if (f->row != SIZE_MAX) {
        CHECK(f->row < svy_table_nrows(t));
        CHECK(svy_table_find(t, f->variable) != NULL);
    }
    return 0;
}

/* Calls every accessor; returns the number of data rows to build. */
static size_t
walk(const svy_codebook *cb)
{
    size_t i, k, n, rows = NEXTRA;

    for (i = 0; i < svy_codebook_nvars(cb); i++) {
        const svy_var *v = svy_codebook_var(cb, i);
        const char *const *miss;
        int l, fell;

        CHECK(v != NULL);
        CHECK(svy_codebook_find(cb, svy_var_name(v)) == v);
        CHECK(svy_var_name(v)[0] != '\0');
        CHECK(strcmp(svy_vtype_name(svy_var_type(v)), "?") != 0);
        CHECK(svy_var_line(v) >= 2);
        (void)svy_var_pii(v);
        for (l = 0; l < SVY_NLANG; l++)
            CHECK(svy_var_label(v, (svy_lang)l, &fell) != NULL);
        miss = svy_var_missing(v, &n);
        for (k = 0; k < n; k++)
            CHECK(svy_var_is_missing_code(v, miss[k]) == 1);
        rows += n;
        n = svy_var_nvalues(v);
        for (k = 0; k < n; k++) {
            const char *code = svy_var_value_code(v, k);
            CHECK(code != NULL && code[0] != '\0');
            for (l = 0; l < SVY_NLANG; l++)
                (void)svy_var_value_label(v, code, (svy_lang)l, NULL);
        }
        CHECK(svy_var_value_code(v, n) == NULL);
        rows += n;
    }
    CHECK(svy_codebook_var(cb, svy_codebook_nvars(cb)) == NULL);
    return rows;
}

/* A table with one column per variable holding its codes and extras. */
static void
check_data(const svy_codebook *cb, size_t rows)
{
    size_t nv = svy_codebook_nvars(cb), i, r;
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;
    svy_column **cols;

    if (nv == 0 || nv > 64 || rows > 4096)
        return;
    CHECK((cols = calloc(nv, sizeof(*cols))) != NULL);
    CHECK(svy_table_new(&t, &err) == SVY_OK);
    for (i = 0; i < nv; i++)
        CHECK(svy_table_add_column(t, svy_var_name(svy_codebook_var(cb, i)),
                                   SVY_TEXT, &cols[i], &err) == SVY_OK);
    for (r = 0; r < rows; r++) {
        for (i = 0; i < nv; i++) {
            const svy_var *v = svy_codebook_var(cb, i);
            const char *const *miss;
            size_t nmiss, nval = svy_var_nvalues(v);
            const char *s;

            miss = svy_var_missing(v, &nmiss);
            if (r < NEXTRA)
                s = extra_values[r];
            else if (r < NEXTRA + nmiss)
                s = miss[r - NEXTRA];
            else if (r < NEXTRA + nmiss + nval)
                s = svy_var_value_code(v, r - NEXTRA - nmiss);
            else
                s = "";
            CHECK(svy_column_push_text(cols[i], s, strlen(s), &err) == SVY_OK);
        }
        CHECK(svy_table_commit_row(t, r + 2, &err) == SVY_OK);
    }
    /* An extra column the codebook lacks, when the name is free. */
    if (svy_codebook_find(cb, "zz_not_in_codebook") == NULL)
        CHECK(svy_table_add_column(t, "zz_not_in_codebook", SVY_TEXT, NULL,
                                   &err) == SVY_OK);
    CHECK(svy_codebook_check(cb, t, on_finding, t, &err) == SVY_OK);
    CHECK(svy_codebook_apply(cb, t, &err) == SVY_OK);
    for (i = 0; i < svy_table_ncols(t); i++)
        CHECK(svy_column_len(svy_table_col(t, i)) == rows);
    CHECK(svy_codebook_check(cb, t, on_finding, t, &err) == SVY_OK);
    svy_table_free(t);
    free(cols);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t cb_len = nul ? (size_t)(nul - data) : size;
    svy_table *cbt = NULL, *vt = NULL;
    svy_codebook *cb = NULL;
    svy_err err = SVY_ERR_INIT;
    svy_status rc;

    if (read_csv(&cbt, "codebook.csv", data, cb_len, &err) != SVY_OK)
        return 0;
    if (nul != NULL && read_csv(&vt, "values.csv", nul + 1, size - cb_len - 1,
                                &err) != SVY_OK) {
        svy_table_free(cbt);
        return 0;
    }
    rc = svy_codebook_from_tables(&cb, cbt, "codebook.csv", vt,
                                  nul ? "values.csv" : NULL, &err);
    if (rc != SVY_OK) {
        CHECK(cb == NULL);
        CHECK(err.code == rc);
        if (rc == SVY_EPARSE)
            CHECK(strncmp(err.msg, "codebook.csv:", 13) == 0 ||
                  strncmp(err.msg, "values.csv:", 11) == 0);
    } else {
        check_data(cb, walk(cb));
        svy_codebook_free(cb);
    }
    svy_table_free(cbt);
    svy_table_free(vt);
    return 0;
}
