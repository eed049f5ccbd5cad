/*
 * survey.c - the survey folder.  survey.conf is parsed by hand (it is a
 * few lines of key = value); the CSV parts go through the codebook module.
 *
 * The settings file is read whole, must be UTF-8, and keeps its keys in
 * file order; lookups are linear, plenty for a file of a few dozen lines.
 * A folder without survey.conf is valid (no settings) and values.csv is
 * optional, but codebook.csv must be there.
 */
#include "svy/survey.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "svy/buf.h"
#include "svy/io.h"
#include "svy/mem.h"
#include "svy/text.h"

struct kv {
    char *key, *value;
};

struct svy_survey {
    char *dir;
    struct kv *kv;
    size_t nkv, kvcap;
    svy_codebook *cb;
};

void
svy_survey_free(svy_survey *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->nkv; i++) {
        free(s->kv[i].key);
        free(s->kv[i].value);
    }
    free(s->kv);
    free(s->dir);
    svy_codebook_free(s->cb);
    free(s);
}

const char *
svy_survey_get(const svy_survey *s, const char *key)
{
    size_t i;

    for (i = 0; i < s->nkv; i++)
        if (strcmp(s->kv[i].key, key) == 0)
            return s->kv[i].value;
    return NULL;
}

const svy_codebook *
svy_survey_codebook(const svy_survey *s)
{
    return s->cb;
}

/* A survey from svy_survey_parse_conf has no folder: paths are then
 * relative to the current directory. */
const char *
svy_survey_dir(const svy_survey *s)
{
    return s->dir ? s->dir : ".";
}

/* The buffer does the sizing; detaching hands the caller a string to
 * free(). */
char *
svy_survey_path(const svy_survey *s, const char *name)
{
    svy_buf b = SVY_BUF_INIT;

    if (svy_buf_printf(&b, "%s/%s", svy_survey_dir(s), name) != SVY_OK) {
        svy_buf_release(&b);
        return NULL;
    }
    return svy_buf_detach(&b, NULL);
}

svy_lang
svy_survey_lang(const svy_survey *s)
{
    const char *l = svy_survey_get(s, "language");
    svy_lang lang = SVY_LANG_EN;

    /* An unknown code leaves 'lang' alone: English, not an error. */
    if (l != NULL)
        svy_lang_parse(l, &lang);
    return lang;
}

/* A copy of s[0..n) without surrounding blanks, or NULL when out of
 * memory.  A trailing '\r' goes too, so CRLF files read like LF ones. */
static char *
dup_trim(const char *s, size_t n)
{
    char *d;

    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    if ((d = malloc(n + 1)) == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

svy_status
svy_survey_parse_conf(svy_survey **out, const char *name, const char *text,
                      size_t len, svy_err *err)
{
    svy_survey *s = calloc(1, sizeof(*s));
    const char *p = text, *end = text + len;
    size_t line = 0;
    svy_status rc = SVY_OK;

    *out = NULL;
    if (s == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    /* Windows editors often start a UTF-8 file with a BOM: skip it. */
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end, *eq, *k;
        char *key, *value;
        void *arr;

        line++;
        /*
         * Every line, comments too, must be UTF-8 without NUL bytes: values
         * become C strings, and a CP1251 file would otherwise give garbled
         * titles without a word.  Lines are counted by LF.
         */
        {
            int cut;
            size_t n = (size_t)(eol - p);
            if (memchr(p, '\0', n) != NULL || svy_utf8_check(p, n, &cut) != n) {
                rc = svy_err_set(err, SVY_EPARSE,
                                 "%s:%zu: not UTF-8 text "
                                 "(save the file as UTF-8)",
                                 name, line);
                goto out;
            }
        }
        for (k = p; k < eol && (*k == ' ' || *k == '\t'); k++)
            ;
        /* A '#' is a comment only as the first non-blank of a line; later
         * it is part of the value.  A lone '\r' is a blank CRLF line. */
        if (k == eol || *k == '#' || *k == '\r') {
            p = eol + (nl != NULL);
            continue;
        }
        eq = memchr(k, '=', (size_t)(eol - k));
        if (eq == NULL) {
            rc = svy_err_set(err, SVY_EPARSE, "%s:%zu: expected 'key = value'",
                             name, line);
            goto out;
        }
        if ((key = dup_trim(k, (size_t)(eq - k))) == NULL)
            goto nomem;
        if (key[0] == '\0' || strspn(key, "abcdefghijklmnopqrstuvwxyz"
                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789_@.-") != strlen(key)) {
            rc = svy_err_set(err, SVY_EPARSE, "%s:%zu: bad key '%s'", name,
                             line, key);
            free(key);
            goto out;
        }
        /* A key set twice is refused: letting the last one win would hide
         * a mistake. */
        if (svy_survey_get(s, key) != NULL) {
            rc = svy_err_set(err, SVY_EPARSE, "%s:%zu: key '%s' set twice",
                             name, line, key);
            free(key);
            goto out;
        }
        if ((value = dup_trim(eq + 1, (size_t)(eol - eq - 1))) == NULL) {
            free(key);
            goto nomem;
        }
        arr = s->kv;
        if (svy_mem_grow(&arr, &s->kvcap, s->nkv + 1, sizeof(*s->kv)) < 0) {
            free(key);
            free(value);
            goto nomem;
        }
        s->kv = arr;
        s->kv[s->nkv].key = key;
        s->kv[s->nkv++].value = value;
        p = eol + (nl != NULL);
    }
    /* Every error path frees the half-built survey through 'out'. */
    *out = s;
    return SVY_OK;
nomem:
    rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
out:
    svy_survey_free(s);
    return rc;
}

/* Append a whole file to 'b' through svy_input, which gives the usual
 * "cannot open" and "cannot read" messages. */
static svy_status
read_all(const char *path, svy_buf *b, svy_err *err)
{
    svy_input *in = NULL;
    char chunk[65536];
    size_t got;
    svy_status rc;

    if ((rc = svy_input_open(&in, path, err)) != SVY_OK)
        return rc;
    do {
        if ((rc = svy_input_read(in, chunk, sizeof(chunk), &got, err)))
            break;
        if (svy_buf_append(b, chunk, got) != SVY_OK) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            break;
        }
    } while (got > 0);
    svy_input_close(in);
    return rc;
}

/* Decides only whether an optional file is there; reading it reports any
 * real error. */
static int
exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

svy_status
svy_survey_open(svy_survey **out, const char *dir, svy_err *err)
{
    svy_survey *s = NULL;
    svy_buf conf = SVY_BUF_INIT;
    char *conf_path = NULL, *cb_path = NULL, *values_path = NULL;
    struct stat st;
    svy_status rc;

    *out = NULL;
    /* errno is read only right after a failed stat: it may be stale. */
    if (stat(dir, &st) < 0)
        return svy_err_set(err, SVY_EIO, "cannot open survey folder '%s': %s",
                           dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return svy_err_set(err, SVY_EIO,
                           "cannot open survey folder '%s': not a directory",
                           dir);
    /* A stack survey lends 'dir' to svy_survey_path before the real
     * survey exists. */
    {
        svy_survey tmp = {0};
        tmp.dir = (char *)dir;
        conf_path = svy_survey_path(&tmp, "survey.conf");
        cb_path = svy_survey_path(&tmp, "codebook.csv");
        values_path = svy_survey_path(&tmp, "values.csv");
    }
    if (!conf_path || !cb_path || !values_path) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    /*
     * A missing survey.conf parses as empty text: a survey with no
     * settings.  Its path names it in messages ("DIR/survey.conf:3: ...").
     */
    if (exists(conf_path)) {
        if ((rc = read_all(conf_path, &conf, err)) != SVY_OK)
            goto out;
    }
    if ((rc = svy_survey_parse_conf(&s, conf_path, conf.data ? conf.data : "",
                                    conf.len, err)) != SVY_OK)
        goto out;
    if ((s->dir = svy_mem_strdup(dir)) == NULL) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = svy_codebook_read(&s->cb, cb_path,
                                exists(values_path) ? values_path : NULL,
                                err)) != SVY_OK)
        goto out;
    *out = s;
    s = NULL;
out:
    svy_survey_free(s);
    svy_buf_release(&conf);
    free(conf_path);
    free(cb_path);
    free(values_path);
    return rc;
}
