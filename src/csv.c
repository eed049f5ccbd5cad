/*
 * csv.c - CSV reader and writer over libcsv.
 *
 * Reading is a pipeline over 1 MiB chunks:
 *   svy_input (gzip or plain) -> BOM strip and delimiter detection on the
 *   first chunk -> encoding check or conversion (UTF-8 validation, or iconv
 *   from CP1251) -> libcsv -> one column push per field.
 * libcsv runs with CSV_STRICT (bad quoting is an error), CSV_STRICT_FINI
 * (an open quote at end of input is an error) and CSV_REPALL_NL, which
 * reports every line end, so that the line of each record can be counted:
 * a record starts on line 1 + (line feeds that ended earlier records or
 * blank lines) + (line feeds inside earlier quoted fields).  A CRLF arrives
 * as a '\r' ending the record and a '\n' ending an empty one.
 *
 * The UTF-8 check and the line count of each chunk are separate passes over
 * bytes already in cache; both cost far less than libcsv's per-byte state
 * machine.  When a UTF-8 sequence is cut by the chunk boundary its bytes
 * are carried into the next chunk.
 */
#include "svy/csv.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "svy/buf.h"
#include "svy/mem.h"
#include "svy/num.h"
#include "svy/text.h"

#define CHUNK (1 << 20)
#define DETECT_WINDOW 65536

struct reader {
    svy_table *t;
    const char *name;
    svy_err *err;
    svy_status rc;
    int header_done;
    svy_buf names;          /* header names, NUL-separated */
    size_t nnames;
    svy_column **cols;
    size_t ncols;
    size_t field;           /* fields seen in the current record */
    size_t lines_done;      /* line feeds before the current record */
    size_t nl_in_rec;       /* line feeds inside its quoted fields */
    size_t rec_line;
    int crlf;
};

static void fail(struct reader *r, svy_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first error of the parse, prefixed with "NAME:LINE: ". */
static void
fail(struct reader *r, svy_status code, const char *fmt, ...)
{
    char what[400];
    va_list ap;

    if (r->rc != SVY_OK)
        return;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    r->rc = svy_err_set(r->err, code, "%s:%zu: %s", r->name, r->rec_line,
                        what);
}

static void
on_field(void *s, size_t len, void *data)
{
    struct reader *r = data;
    const char *p = s;

    if (r->rc != SVY_OK)
        return;
    if (r->field == 0)
        r->rec_line = r->lines_done + r->nl_in_rec + 1;
    if (len > 0 && memchr(p, '\n', len) != NULL) {
        const char *q = p, *end = p + len;
        while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL)
            r->nl_in_rec++, q++;
    }
    if (!r->header_done) {
        if (svy_buf_append(&r->names, p, len) != SVY_OK ||
            svy_buf_putc(&r->names, '\0') != SVY_OK)
            fail(r, SVY_ENOMEM, "out of memory");
        r->nnames++;
    } else if (r->field < r->ncols) {
        svy_status rc = svy_column_push_text(r->cols[r->field], p, len, r->err);
        if (rc != SVY_OK)
            r->rc = rc;
    }
    r->field++;
}

static void
make_header(struct reader *r)
{
    const char *p = r->names.data;
    size_t i;

    for (i = 0; i < r->nnames; i++, p += strlen(p) + 1) {
        long prev;
        if (*p == '\0') {
            fail(r, SVY_EPARSE, "empty name in header column %zu", i + 1);
            return;
        }
        if ((prev = svy_table_index(r->t, p)) >= 0) {
            fail(r, SVY_EPARSE, "duplicate column name '%s' (columns %zu "
                 "and %zu)", p, (size_t)prev + 1, i + 1);
            return;
        }
        if ((r->rc = svy_table_add_column(r->t, p, SVY_TEXT, NULL,
                                          r->err)) != SVY_OK)
            return;
    }
    r->ncols = r->nnames;
    r->cols = calloc(r->ncols ? r->ncols : 1, sizeof(*r->cols));
    if (r->cols == NULL) {
        fail(r, SVY_ENOMEM, "out of memory");
        return;
    }
    for (i = 0; i < r->ncols; i++)
        r->cols[i] = svy_table_col(r->t, i);
    r->header_done = 1;
}

static void
on_record(int c, void *data)
{
    struct reader *r = data;

    if (r->rc != SVY_OK)
        return;
    if (r->field > 0) {
        if (!r->header_done) {
            make_header(r);
        } else if (r->field != r->ncols) {
            fail(r, SVY_EPARSE, "expected %zu fields, found %zu", r->ncols,
                 r->field);
        } else {
            r->rc = svy_table_commit_row(r->t, r->rec_line, r->err);
        }
    }
    if (c == '\r' && r->field > 0)
        r->crlf = 1;
    r->lines_done += r->nl_in_rec + (c == '\n');
    r->nl_in_rec = 0;
    r->field = 0;
}

/* Count line feeds in n bytes. */
static size_t
count_lf(const char *s, size_t n)
{
    size_t k = 0;
    const char *end = s + n;

    while ((s = memchr(s, '\n', (size_t)(end - s))) != NULL)
        k++, s++;
    return k;
}

static char
detect_delim(const char *s, size_t n)
{
    static const char cands[] = { ',', ';', '\t', '|' };
    size_t counts[10][4] = { { 0 } };
    size_t nlines = 0, i, c;
    int inq = 0, best = -1;

    for (i = 0; i < n && nlines < 10; i++) {
        if (s[i] == '"')
            inq = !inq;
        else if (!inq && s[i] == '\n')
            nlines++;
        else if (!inq)
            for (c = 0; c < 4; c++)
                if (s[i] == cands[c])
                    counts[nlines][c]++;
    }
    /* Consistent across complete lines, most frequent first. */
    for (c = 0; c < 4 && nlines > 0; c++) {
        size_t l;
        int same = counts[0][c] > 0;
        for (l = 1; l < nlines && same; l++)
            same = counts[l][c] == counts[0][c];
        if (same && (best < 0 || counts[0][c] > counts[0][best]))
            best = (int)c;
    }
    if (best >= 0)
        return cands[best];
    for (c = 0; c < 4; c++)
        if (counts[0][c] > 0 && (best < 0 || counts[0][c] > counts[0][best]))
            best = (int)c;
    return best >= 0 ? cands[best] : ',';
}

/* Decide UTF-8 or CP1251 from the first non-ASCII byte of the chunk. */
static int
undecided_pick(const char *s, size_t n, int at_eof, svy_encoding *enc)
{
    size_t i, k, win;
    int incomplete;

    for (i = 0; i < n && !((unsigned char)s[i] & 0x80); i++)
        ;
    if (i == n)
        return 0;
    win = n - i < DETECT_WINDOW ? n - i : DETECT_WINDOW;
    k = svy_utf8_check(s + i, win, &incomplete);
    if (k == win || (incomplete && (win < n - i || !at_eof)))
        *enc = SVY_ENC_UTF8;
    else
        *enc = SVY_ENC_CP1251;
    return 1;
}

struct feed {
    struct csv_parser p;
    struct reader r;
    svy_encoding enc;
    svy_recoder *rec;
    svy_buf conv;
    size_t lines_before;    /* physical lines in earlier chunks */
};

static svy_status
parse_bytes(struct feed *f, const char *s, size_t n)
{
    if (csv_parse(&f->p, s, n, on_field, on_record, &f->r) != n &&
        f->r.rc == SVY_OK) {
        f->r.rec_line = f->r.lines_done + f->r.nl_in_rec + 1;
        if (csv_error(&f->p) == CSV_ENOMEM || csv_error(&f->p) == CSV_ETOOBIG)
            fail(&f->r, SVY_ENOMEM, "out of memory");
        else
            fail(&f->r, SVY_EPARSE, "malformed quoted field (a quote must "
                 "be doubled inside quotes)");
    }
    return f->r.rc;
}

/*
 * Validate or convert one chunk and parse it.  Returns the number of bytes
 * consumed (the rest is an incomplete UTF-8 sequence to carry over).
 */
static svy_status
feed_chunk(struct feed *f, const char *s, size_t n, int at_eof,
           size_t *used)
{
    size_t bad;
    int incomplete;

    *used = n;
    if (f->enc == SVY_ENC_AUTO)
        undecided_pick(s, n, at_eof, &f->enc);
    if (f->enc == SVY_ENC_CP1251) {
        svy_status rc;
        if (f->rec == NULL &&
            (rc = svy_recoder_new(&f->rec, "CP1251", f->r.err)) != SVY_OK)
            return f->r.rc = rc;
        svy_buf_reset(&f->conv);
        if ((rc = svy_recoder_run(f->rec, s, n, &f->conv, &bad)) != 0) {
            if (rc == SVY_ENOMEM)
                return f->r.rc = svy_err_set(f->r.err, rc, "out of memory");
            return f->r.rc = svy_err_set(
                       f->r.err, SVY_EPARSE,
                       "%s:%zu: byte 0x%02X is not valid CP1251", f->r.name,
                       f->lines_before + count_lf(s, bad) + 1,
                       (unsigned char)s[bad]);
        }
        f->lines_before += count_lf(s, n);
        return parse_bytes(f, f->conv.data, f->conv.len);
    }
    bad = svy_utf8_check(s, n, &incomplete);
    if (bad < n) {
        if (incomplete && !at_eof) {
            *used = bad;
        } else {
            return f->r.rc = svy_err_set(
                       f->r.err, SVY_EPARSE,
                       "%s:%zu: invalid UTF-8 (byte 0x%02X); if the file is "
                       "in Windows Cyrillic, use -e cp1251",
                       f->r.name, f->lines_before + count_lf(s, bad) + 1,
                       (unsigned char)s[bad]);
        }
    }
    f->lines_before += count_lf(s, *used);
    return parse_bytes(f, s, *used);
}

svy_status
svy_csv_read(svy_table **out, svy_input *in, const svy_csv_opts *opts,
             svy_csv_info *info, svy_err *err)
{
    static const svy_csv_opts defaults = { 0 };
    struct feed f;
    char *buf = NULL;
    size_t have = 0, got = 0, i;
    int first = 1, at_eof = 0, bom = 0;
    char delim = 0;
    svy_status rc;

    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    memset(&f, 0, sizeof(f));
    f.r.name = svy_input_name(in);
    f.r.err = err;
    f.enc = opts->encoding;
    svy_buf_release(&f.conv);
    if (csv_init(&f.p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL) != 0)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    if ((rc = svy_table_new(&f.r.t, err)) != SVY_OK)
        goto out;
    if ((buf = malloc(CHUNK + 8)) == NULL) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    while (!at_eof) {
        size_t used, start = 0;
        if ((rc = svy_input_read(in, buf + have, CHUNK - have, &got, err)))
            goto out;
        at_eof = got == 0;
        have += got;
        if (first && (have >= 3 || at_eof)) {
            first = 0;
            if (have >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 &&
                opts->encoding != SVY_ENC_CP1251) {
                bom = 1;
                start = 3;
                if (f.enc == SVY_ENC_AUTO)
                    f.enc = SVY_ENC_UTF8;
            }
            delim = opts->delim ? opts->delim
                                : detect_delim(buf + start, have - start);
            csv_set_delim(&f.p, (unsigned char)delim);
        } else if (first) {
            continue;
        }
        if (have - start == 0)
            continue;
        if ((rc = feed_chunk(&f, buf + start, have - start, at_eof, &used)))
            goto out;
        used += start;
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    if (csv_fini(&f.p, on_field, on_record, &f.r) != 0 && f.r.rc == SVY_OK) {
        f.r.rec_line = f.r.lines_done + 1;
        fail(&f.r, SVY_EPARSE, "unterminated quoted field at end of file");
    }
    if ((rc = f.r.rc) != SVY_OK)
        goto out;
    if (!f.r.header_done && f.r.nnames > 0)
        make_header(&f.r);
    if ((rc = f.r.rc) != SVY_OK)
        goto out;
    if (opts->decimal == SVY_DEC_COMMA ||
        (opts->decimal == SVY_DEC_AUTO && delim != ',')) {
        for (i = 0; i < svy_table_ncols(f.r.t); i++)
            if (svy_column_fix_decimal_comma(svy_table_col(f.r.t, i)) &&
                info)
                info->decimal_comma++;
    }
    if (info) {
        info->delim = delim ? delim : ',';
        info->encoding = f.enc == SVY_ENC_CP1251 ? SVY_ENC_CP1251
                                                 : SVY_ENC_UTF8;
        info->bom = bom;
        info->crlf = f.r.crlf;
        info->lines = f.r.lines_done;
    }
    *out = f.r.t;
    f.r.t = NULL;
out:
    csv_free(&f.p);
    svy_table_free(f.r.t);
    svy_recoder_free(f.rec);
    svy_buf_release(&f.conv);
    svy_buf_release(&f.r.names);
    free(f.r.cols);
    free(buf);
    return rc;
}

svy_status
svy_csv_read_file(svy_table **out, const char *path,
                  const svy_csv_opts *opts, svy_csv_info *info, svy_err *err)
{
    svy_input *in = NULL;
    svy_status rc;

    *out = NULL;
    if ((rc = svy_input_open(&in, path, err)) != SVY_OK)
        return rc;
    rc = svy_csv_read(out, in, opts, info, err);
    svy_input_close(in);
    return rc;
}

/* Bytes that force quoting: delimiter, quote, CR, LF. */
static unsigned char special[256] = {
    ['"'] = 1, [','] = 1, ['\r'] = 1, ['\n'] = 1,
};

static int
needs_quotes(const char *s, size_t n)
{
    size_t i;

    if (n == 0)
        return 0;
    if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
        return 1;
    for (i = 0; i < n; i++)
        if (special[(unsigned char)s[i]])
            return 1;
    return 0;
}

static svy_status
put_field(svy_buf *b, const char *s, size_t n)
{
    const char *q;

    if (!needs_quotes(s, n))
        return svy_buf_append(b, s, n);
    if (svy_buf_putc(b, '"') != SVY_OK)
        return SVY_ENOMEM;
    while ((q = memchr(s, '"', n)) != NULL) {
        size_t k = (size_t)(q - s) + 1;
        if (svy_buf_append(b, s, k) != SVY_OK || svy_buf_putc(b, '"'))
            return SVY_ENOMEM;
        s += k;
        n -= k;
    }
    if (svy_buf_append(b, s, n) != SVY_OK)
        return SVY_ENOMEM;
    return svy_buf_putc(b, '"');
}

svy_status
svy_csv_write_row(svy_output *o, const char *const *fields, size_t n,
                  svy_err *err)
{
    svy_buf b = SVY_BUF_INIT;
    svy_status rc = SVY_OK;
    size_t i;

    for (i = 0; i < n && rc == SVY_OK; i++) {
        const char *f = fields[i] ? fields[i] : "";
        if (i > 0)
            rc = svy_buf_putc(&b, ',');
        if (rc == SVY_OK)
            rc = put_field(&b, f, strlen(f));
    }
    if (rc == SVY_OK)
        rc = svy_buf_putc(&b, '\n');
    if (rc != SVY_OK)
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
    else
        rc = svy_output_write(o, b.data, b.len, err);
    svy_buf_release(&b);
    return rc;
}

svy_status
svy_csv_write(const svy_table *t, svy_output *o, svy_err *err)
{
    size_t ncols = svy_table_ncols(t), nrows = svy_table_nrows(t), r, c;
    svy_buf b = SVY_BUF_INIT;
    svy_status rc = SVY_OK;
    char num[SVY_NUM_BUFSZ];

    if (ncols == 0)
        return SVY_OK;
    for (c = 0; c < ncols && rc == SVY_OK; c++) {
        const char *name = svy_column_name(svy_table_col(t, c));
        if (c > 0)
            rc = svy_buf_putc(&b, ',');
        if (rc == SVY_OK)
            rc = put_field(&b, name, strlen(name));
    }
    if (rc == SVY_OK)
        rc = svy_buf_putc(&b, '\n');
    for (r = 0; r < nrows && rc == SVY_OK; r++) {
        for (c = 0; c < ncols && rc == SVY_OK; c++) {
            const svy_column *col = svy_table_col(t, c);
            size_t n;
            const char *s = svy_column_format(col, r, num, &n);
            if (c > 0)
                rc = svy_buf_putc(&b, ',');
            if (rc == SVY_OK)
                rc = svy_column_type(col) == SVY_NUM
                         ? svy_buf_append(&b, s, n)
                         : put_field(&b, s, n);
        }
        if (rc == SVY_OK)
            rc = svy_buf_putc(&b, '\n');
        if (rc == SVY_OK && b.len >= 65536) {
            if ((rc = svy_output_write(o, b.data, b.len, err)) != SVY_OK)
                goto out;
            svy_buf_reset(&b);
        }
    }
    if (rc != SVY_OK) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    rc = svy_output_write(o, b.data, b.len, err);
out:
    svy_buf_release(&b);
    return rc;
}

svy_status
svy_csv_write_file(const svy_table *t, const char *path, svy_err *err)
{
    svy_output *o = NULL;
    svy_status rc;

    if ((rc = svy_output_open(&o, path, err)) != SVY_OK)
        return rc;
    if ((rc = svy_csv_write(t, o, err)) != SVY_OK) {
        svy_output_abort(o);
        return rc;
    }
    return svy_output_commit(o, err);
}
