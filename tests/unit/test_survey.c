/*
 * test_survey.c - survey.conf parsing and loading a survey folder.
 *
 * survey.conf text is parsed from string literals; the folder tests build
 * a fresh directory under /tmp (mkdtemp) with codebook.csv, values.csv and
 * survey.conf, and remove it afterwards.
 */
#include "svy/survey.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static svy_status
parse(const char *text, svy_survey **s, svy_err *err)
{
    return svy_survey_parse_conf(s, "survey.conf", text, strlen(text), err);
}

static void
test_survey_parse_conf(void)
{
    svy_survey *s = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(parse("\xef\xbb\xbf# a comment\n"
                    "\n"
                    "title = Pre-election poll, 2026\n"
                    "   # an indented comment\n"
                    "title@ru=\xd0\x9e\xd0\xbf\xd1\x80\xd0\xbe\xd1\x81\n"
                    "\t\n"
                    "strata   =   stratum   \r\n"
                    "weight = w # not a comment: values are verbatim\n"
                    "empty =\n"
                    "a.b-c_9 = x = y\n"
                    "language = ky",
                    &s, &err),
              SVY_OK);
    if (s == NULL) {
        CHECK_REPORT(0, "%s", err.msg);
        return;
    }
    CHECK_STR(svy_survey_get(s, "title"), "Pre-election poll, 2026");
    CHECK_STR(svy_survey_get(s, "title@ru"),
              "\xd0\x9e\xd0\xbf\xd1\x80\xd0\xbe\xd1\x81");
    CHECK_STR(svy_survey_get(s, "strata"), "stratum");
    CHECK_STR(svy_survey_get(s, "weight"),
              "w # not a comment: values are verbatim");
    CHECK_STR(svy_survey_get(s, "empty"), "");
    CHECK_STR(svy_survey_get(s, "a.b-c_9"), "x = y");
    CHECK_STR(svy_survey_get(s, "language"), "ky");
    CHECK(svy_survey_get(s, "cluster") == NULL);
    CHECK(svy_survey_get(s, "Title") == NULL);
    CHECK_INT(svy_survey_lang(s), SVY_LANG_KY);
    /* A parsed conf has no folder and no codebook. */
    CHECK_STR(svy_survey_dir(s), ".");
    CHECK(svy_survey_codebook(s) == NULL);
    {
        char *p = svy_survey_path(s, "rules.txt");
        CHECK_STR(p, "./rules.txt");
        free(p);
    }
    svy_survey_free(s);
    svy_survey_free(NULL);
}

static void
test_survey_parse_conf_empty(void)
{
    svy_survey *s = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_survey_parse_conf(&s, "c", "", 0, &err), SVY_OK);
    CHECK(s != NULL && svy_survey_get(s, "title") == NULL);
    /* No language, or an unknown one, means English. */
    CHECK_INT(s ? svy_survey_lang(s) : SVY_NLANG, SVY_LANG_EN);
    svy_survey_free(s);
    CHECK_INT(parse("language = de\n", &s, &err), SVY_OK);
    CHECK_INT(s ? svy_survey_lang(s) : SVY_NLANG, SVY_LANG_EN);
    svy_survey_free(s);
    CHECK_INT(parse("language = ru\n", &s, &err), SVY_OK);
    CHECK_INT(s ? svy_survey_lang(s) : SVY_NLANG, SVY_LANG_RU);
    svy_survey_free(s);
    /* Only the 'len' bytes count. */
    CHECK_INT(svy_survey_parse_conf(&s, "c", "a = 1\nb = 2\n", 6, &err),
              SVY_OK);
    CHECK(s != NULL && svy_survey_get(s, "b") == NULL);
    CHECK_STR(s ? svy_survey_get(s, "a") : NULL, "1");
    svy_survey_free(s);
}

static void
test_survey_parse_conf_errors(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"title = x\nno equals sign here\n",
         "survey.conf:2: expected 'key = value'"},
        {"# c\n\nweight = w\nweight = v\n",
         "survey.conf:4: key 'weight' set twice"},
        {"= value\n", "survey.conf:1: bad key ''"},
        {"a = 1\nmy key = 2\n", "survey.conf:2: bad key 'my key'"},
        {"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87 = 1\n",
         "survey.conf:1: bad key '\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87'"},
        {"a = 1\r\nb\r\n", "survey.conf:2: expected 'key = value'"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        svy_survey *s = (svy_survey *)&s;
        svy_err err = SVY_ERR_INIT;
        CHECK_INT(parse(cases[i].text, &s, &err), SVY_EPARSE);
        CHECK(s == NULL);
        CHECK_STR(err.msg, cases[i].msg);
    }
}

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

static void
remove_files(const char *dir)
{
    static const char *const names[] = {"survey.conf", "codebook.csv",
                                        "values.csv", "file"};
    char path[128];
    size_t i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void
test_survey_open_folder(void)
{
    char dir[] = "/tmp/svy-survey-XXXXXX";
    svy_survey *s = NULL;
    svy_err err = SVY_ERR_INIT;
    const svy_codebook *cb;

    if (mkdtemp(dir) == NULL) {
        CHECK_REPORT(0, "mkdtemp failed");
        return;
    }
    CHECK(put_file(dir, "survey.conf",
                   "# demo\ntitle = Demo\nlanguage = ru\nweight = w\n"));
    CHECK(put_file(dir, "codebook.csv",
                   "variable,type,label,label@ru,valid\n"
                   "id,id,ID,,\n"
                   "sex,cat,Sex,\xd0\x9f\xd0\xbe\xd0\xbb,1-2\n"));
    CHECK(put_file(dir, "values.csv",
                   "variable,code,label\nsex,1,Male\n"
                   "sex,2,Female\n"));
    CHECK_INT(svy_survey_open(&s, dir, &err), SVY_OK);
    if (s == NULL) {
        CHECK_REPORT(0, "%s", err.msg);
        remove_files(dir);
        return;
    }
    CHECK_STR(svy_survey_dir(s), dir);
    CHECK_STR(svy_survey_get(s, "title"), "Demo");
    CHECK_STR(svy_survey_get(s, "weight"), "w");
    CHECK_INT(svy_survey_lang(s), SVY_LANG_RU);
    cb = svy_survey_codebook(s);
    CHECK(cb != NULL);
    if (cb) {
        const svy_var *v = svy_codebook_find(cb, "sex");
        CHECK_INT(svy_codebook_nvars(cb), 2);
        CHECK_STR(v ? svy_var_label(v, svy_survey_lang(s), NULL) : NULL,
                  "\xd0\x9f\xd0\xbe\xd0\xbb");
        CHECK_STR(v ? svy_var_value_label(v, "2", SVY_LANG_RU, NULL) : NULL,
                  "Female");
    }
    {
        char *p = svy_survey_path(s, "codebook.csv"), want[64];
        snprintf(want, sizeof(want), "%s/codebook.csv", dir);
        CHECK_STR(p, want);
        free(p);
    }
    svy_survey_free(s);

    /* survey.conf and values.csv are optional. */
    {
        char path[64];
        snprintf(path, sizeof(path), "%s/survey.conf", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/values.csv", dir);
        unlink(path);
    }
    CHECK_INT(svy_survey_open(&s, dir, &err), SVY_OK);
    CHECK(s != NULL && svy_survey_get(s, "title") == NULL);
    CHECK_INT(s ? svy_survey_lang(s) : SVY_NLANG, SVY_LANG_EN);
    CHECK_INT(s && svy_survey_codebook(s) ? svy_var_nvalues(svy_codebook_find(
                                                svy_survey_codebook(s), "sex"))
                                          : 99,
              0);
    svy_survey_free(s);
    remove_files(dir);
}

/* Errors in the folder's files name the file (with the folder) and line. */
static void
test_survey_open_errors(void)
{
    char dir[] = "/tmp/svy-survey-XXXXXX", want[160];
    svy_survey *s = (svy_survey *)&s;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_survey_open(&s, "/nonexistent/survey", &err), SVY_EIO);
    CHECK(s == NULL);
    CHECK_STR(err.msg, "cannot open survey folder '/nonexistent/survey': No "
                       "such file or directory");
    if (mkdtemp(dir) == NULL) {
        CHECK_REPORT(0, "mkdtemp failed");
        return;
    }
    /* No codebook.csv: an I/O error naming it. */
    CHECK_INT(svy_survey_open(&s, dir, &err), SVY_EIO);
    snprintf(want, sizeof(want),
             "cannot open '%s/codebook.csv': No such file or directory", dir);
    CHECK_STR(err.msg, want);
    /* A bad survey.conf line. */
    CHECK(put_file(dir, "codebook.csv", "variable,type\nid,id\n"));
    CHECK(put_file(dir, "survey.conf", "title = x\noops\n"));
    CHECK_INT(svy_survey_open(&s, dir, &err), SVY_EPARSE);
    snprintf(want, sizeof(want), "%s/survey.conf:2: expected 'key = value'",
             dir);
    CHECK_STR(err.msg, want);
    CHECK(s == NULL);
    /* A bad codebook line. */
    CHECK(put_file(dir, "survey.conf", "title = x\n"));
    CHECK(put_file(dir, "codebook.csv", "variable,type\nid,id\nage,years\n"));
    CHECK_INT(svy_survey_open(&s, dir, &err), SVY_EPARSE);
    snprintf(want, sizeof(want),
             "%s/codebook.csv:3: unknown type 'years' for 'age' (expected "
             "id, cat, num, text or date)",
             dir);
    CHECK_STR(err.msg, want);
    remove_files(dir);
}

/*
 * A path that exists but is a file: "not a directory", whatever errno
 * happened to hold before the call (it used to leak into the message).
 */
static void
test_survey_open_not_a_folder(void)
{
    char dir[] = "/tmp/svy-survey-XXXXXX", file[64], want[128];
    svy_survey *s = NULL;
    svy_err err = SVY_ERR_INIT;

    if (mkdtemp(dir) == NULL) {
        CHECK_REPORT(0, "mkdtemp failed");
        return;
    }
    CHECK(put_file(dir, "file", "x\n"));
    snprintf(file, sizeof(file), "%s/file", dir);
    snprintf(want, sizeof(want),
             "cannot open survey folder '%s': not a directory", file);
    errno = ENOENT;
    CHECK_INT(svy_survey_open(&s, file, &err), SVY_EIO);
    CHECK_STR(err.msg, want);
    errno = 0;
    CHECK_INT(svy_survey_open(&s, file, &err), SVY_EIO);
    CHECK_STR(err.msg, want);
    CHECK(s == NULL);
    remove_files(dir);
}

static const struct check_case cases[] = {
    CASE(test_survey_parse_conf),        CASE(test_survey_parse_conf_empty),
    CASE(test_survey_parse_conf_errors), CASE(test_survey_open_folder),
    CASE(test_survey_open_errors),       CASE(test_survey_open_not_a_folder),
};

CHECK_MAIN(cases)
