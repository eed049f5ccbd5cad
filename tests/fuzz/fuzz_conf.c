/*
 * fuzz_conf.c - libFuzzer target for survey.conf parsing
 * (svy_survey_parse_conf).
 *
 * On failure the message must start with "survey.conf:LINE: ".  On success
 * every key the programs read is looked up and each returned value must be
 * valid UTF-8 (all text inside svykit is) without a line break or
 * surrounding blanks.
 *
 * Build with 'make fuzz'; see tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svy/svy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "fuzz_conf: %s:%d: check failed: %s\n", __FILE__,  \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

static const char *const keys[] = {
    "title",           "title@ru",      "title@ky",    "id",       "strata",
    "cluster",         "fpc",           "base_weight", "weight",   "language",
    "fieldwork_start", "fieldwork_end", "interviewer", "duration", "",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    svy_survey *s = NULL;
    svy_err err = SVY_ERR_INIT;
    svy_status rc;
    size_t i;
    int incomplete;

    rc = svy_survey_parse_conf(&s, "survey.conf", (const char *)data, size,
                               &err);
    if (rc != SVY_OK) {
        CHECK(s == NULL);
        CHECK(err.code == rc);
        if (rc == SVY_EPARSE)
            CHECK(strncmp(err.msg, "survey.conf:", 12) == 0);
        return 0;
    }
    CHECK(s != NULL);
    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = svy_survey_get(s, keys[i]);
        size_t n;
        if (v == NULL)
            continue;
        n = strlen(v);
        CHECK(svy_utf8_check(v, n, &incomplete) == n);
        CHECK(strchr(v, '\n') == NULL);
        CHECK(n == 0 || (v[0] != ' ' && v[0] != '\t' && v[n - 1] != ' ' &&
                         v[n - 1] != '\t'));
    }
    (void)svy_survey_lang(s);
    svy_survey_free(s);
    return 0;
}
