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
 * a record starts on line 1 + (line breaks that ended earlier records or
 * blank lines) + (line breaks inside earlier quoted fields).  LF, CRLF and
 * a lone CR (classic Mac files) are one line break each.  A CRLF arrives
 * as a '\r' ending the record and a '\n' ending an empty one.
 *
 * The UTF-8 check and the line count of each chunk are separate passes over
 * bytes already in cache; both cost far less than libcsv's per-byte state
 * machine.  When a UTF-8 sequence is cut by the chunk boundary its bytes
 * are carried into the next chunk.
 *
 * Without CSV_REPALL_NL libcsv would report only the first of a run of
 * line ends, and blank lines and CRLF pairs would vanish from the count.
 * The library also trims blanks around unquoted fields, which is why the
 * writer quotes a field that starts or ends with one.
 *
 * Most lines of survey data have no quotes and nothing to trim; those are
 * cut into fields here, without libcsv, through the same callbacks (see
 * parse_bytes).  Tables are built like records (below): on a large file
 * one thread parses and another pushes the fields into the columns.
 */
#include "svy/csv.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <csv.h>

#include "internal.h"
#include "svy/buf.h"
#include "svy/mem.h"
#include "svy/num.h"
#include "svy/text.h"

#define CHUNK (1 << 20)
#define DETECT_WINDOW 65536

/*
 * A plain line (see plain_lines) as a whole, for a sink that can use it
 * so: 'line' is its text without the line end, 'ends' the end of each of
 * its 'n' fields (n is the header's count).  Sets '*taken' to 0 to have
 * the fields delivered one by one instead.
 */
typedef svy_status (*line_fn)(void *ctx, const char *line, size_t len,
                              const size_t *ends, size_t n, int *taken,
                              svy_err *err);

/*
 * Parse state shared by the libcsv callbacks.  Fields of the current
 * record are copied into 'row' and found by offset, not pointer, because
 * the buffer may move as the record grows; 'ptrs' is filled once the
 * record is complete.  A callback cannot stop libcsv, so after the first
 * error ('rc') every callback returns at once.
 */
struct reader {
    const svy_csv_sink *sink;
    line_fn line;
    void *ctx;
    const char *name;
    svy_err *err;
    svy_status rc;
    int header_done;
    svy_buf row;  /* fields of the current record, NUL-ended */
    size_t *offs; /* start of each field in 'row' */
    const char **ptrs;
    size_t *lens;
    size_t cap; /* of offs, ptrs, lens */
    size_t ncols;
    size_t field;      /* fields seen in the current record */
    size_t lines_done; /* line breaks before the current record */
    size_t nl_in_rec;  /* line breaks inside its quoted fields */
    size_t rec_line;
    int crlf;
    int after_cr; /* the last record ended in '\r' */
    svy_csv_info *info;
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
    r->rc = svy_err_set(r->err, code, "%s:%zu: %s", r->name, r->rec_line, what);
}

/*
 * The top bit of each byte of word 'w' that equals byte 'c' (as 'c' times
 * 0x0101...): in x = w ^ that, a byte is zero exactly where w had c, and
 * ~(((x & 0x7f..) + 0x7f..) | x | 0x7f..) sets the top bit of exactly
 * those bytes (no carry crosses a byte).
 */
static inline uint64_t
bytes_equal(uint64_t w, uint64_t c)
{
    const uint64_t low = 0x7f7f7f7f7f7f7f7fULL;
    uint64_t x = w ^ c;

    return ~(((x & low) + low) | x | low);
}

/*
 * Count line feeds in n bytes, eight at a time: a memchr call per line
 * costs more than looking at every byte when lines are short.
 */
static size_t
count_lf(const char *s, size_t n)
{
    size_t k = 0, i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w, t;
        memcpy(&w, s + i, sizeof(w));
        t = bytes_equal(w, 0x0a0a0a0a0a0a0a0aULL) >> 7;
        /* one bit a byte: their sum is in the top byte of the product */
        k += (size_t)((t * 0x0101010101010101ULL) >> 56);
    }
    for (; i < n; i++)
        k += s[i] == '\n';
    return k;
}

/*
 * Count line breaks in n bytes: LF, CRLF and a lone CR one each.  '*cr'
 * says the bytes before ended in CR (so that a CRLF cut by a chunk
 * boundary counts once) and is updated for the next call.
 */
static size_t
count_breaks(const char *s, size_t n, int *cr)
{
    size_t k = count_lf(s, n);
    const char *p = s, *end = s + n;

    if (n > 0 && *cr && s[0] == '\n')
        k--;
    while ((p = memchr(p, '\r', (size_t)(end - p))) != NULL) {
        if (p + 1 == end || p[1] != '\n')
            k++;
        p++;
    }
    if (n > 0)
        *cr = s[n - 1] == '\r';
    return k;
}

/* Double the room for fields per record in all three arrays at once. */
static int
grow_fields(struct reader *r)
{
    size_t cap = r->cap ? 2 * r->cap : 64;
    size_t *offs = svy_mem_realloc(r->offs, cap, sizeof(*offs));
    const char **ptrs;
    size_t *lens;

    if (offs == NULL)
        return -1;
    r->offs = offs;
    if ((ptrs = svy_mem_realloc(r->ptrs, cap, sizeof(*ptrs))) == NULL)
        return -1;
    r->ptrs = ptrs;
    if ((lens = svy_mem_realloc(r->lens, cap, sizeof(*lens))) == NULL)
        return -1;
    r->lens = lens;
    r->cap = cap;
    return 0;
}

/* Bytes on_field must look at: line breaks and NUL. */
static const unsigned char field_scan[256] = {
    ['\0'] = 1,
    ['\n'] = 1,
    ['\r'] = 1,
};

static void take_field(struct reader *r, const char *p, size_t len);

/* What every field does first; the first one fixes the record's line. */
static void
start_field(struct reader *r)
{
    if (r->field == 0) {
        r->rec_line = r->lines_done + r->nl_in_rec + 1;
        svy_buf_reset(&r->row);
    }
    /* A field between a '\r' and a '\n' means they were not one CRLF. */
    r->after_cr = 0;
}

/*
 * The field callback: count the line breaks inside the field (only a
 * quoted field can hold one), refuse NUL bytes, and append the field and
 * its terminator to the record.  The first field fixes the record's line.
 */
static void
on_field(void *s, size_t len, void *data)
{
    struct reader *r = data;
    const char *p = s;

    if (r->rc != SVY_OK)
        return;
    start_field(r);
    /* Most fields are a few bytes: a plain loop beats a memchr call. */
    if (len < 32) {
        size_t i;
        int nul = 0, any = 0;
        /* One table lookup a byte finds the rare field that needs a look. */
        for (i = 0; i < len; i++)
            any |= field_scan[(unsigned char)p[i]];
        for (i = 0; i < len && any; i++) {
            r->nl_in_rec +=
                p[i] == '\n' ||
                (p[i] == '\r' && (i + 1 == len || p[i + 1] != '\n'));
            nul |= p[i] == '\0';
        }
        if (nul)
            goto nul_byte;
    } else {
        /* The field is whole, so no CR before it can pair with its LF. */
        int cr = 0;
        r->nl_in_rec += count_breaks(p, len, &cr);
        if (memchr(p, '\0', len) != NULL)
            goto nul_byte;
    }
    take_field(r, p, len);
    return;
nul_byte:
    /* Values are C strings: a NUL would cut one short without a word. */
    fail(r, SVY_EPARSE,
         "NUL byte in field %zu (a UTF-16 file? save it as "
         "UTF-8)",
         r->field + 1);
}

/* Hand a checked field to the sink, or add it to the record. */
static void
take_field(struct reader *r, const char *p, size_t len)
{
    /* A field-wise sink takes the field straight from libcsv's buffer,
     * which CSV_APPEND_NULL keeps NUL-terminated. */
    if (r->header_done && r->sink->field != NULL) {
        if (r->field < r->ncols)
            r->rc = r->sink->field(r->ctx, r->field, p, len, r->err);
        r->field++;
        return;
    }
    if (r->field == r->cap && grow_fields(r) < 0) {
        fail(r, SVY_ENOMEM, "out of memory");
        return;
    }
    r->offs[r->field] = r->row.len;
    r->lens[r->field] = len;
    if (r->row.len + len + 1 > r->row.cap &&
        svy_buf_grow(&r->row, len + 1) != SVY_OK) {
        fail(r, SVY_ENOMEM, "out of memory");
        return;
    }
    memcpy(r->row.data + r->row.len, p, len);
    r->row.len += len;
    r->row.data[r->row.len++] = '\0';
    r->field++;
}

/* Check the header names and hand them to the sink. */
static void
emit_header(struct reader *r)
{
    size_t i, j;

    /* A BOM after blank lines (or a second one) is not part of a name. */
    while (r->field > 0 && strncmp(r->ptrs[0], "\xEF\xBB\xBF", 3) == 0)
        r->ptrs[0] += 3;
    for (i = 0; i < r->field; i++) {
        const char *name = r->ptrs[i];
        if (*name == '\0') {
            fail(r, SVY_EPARSE, "empty name in header column %zu", i + 1);
            return;
        }
        for (j = 0; j < i; j++)
            if (strcmp(r->ptrs[j], name) == 0) {
                fail(r, SVY_EPARSE,
                     "duplicate column name '%s' (columns "
                     "%zu and %zu)",
                     name, j + 1, i + 1);
                return;
            }
    }
    r->ncols = r->field;
    r->header_done = 1;
    if (r->sink->header)
        r->rc = r->sink->header(r->ctx, r->ptrs, r->ncols, r->info, r->err);
}

/*
 * The record callback, called with the byte that ended the record: '\n'
 * or '\r' (each one, so a blank line is a record without fields), or -1
 * from csv_fini.  The first record with fields is the header; each later
 * one must have as many fields and goes to the sink.
 */
static void
on_record(int c, void *data)
{
    struct reader *r = data;
    size_t i;

    if (r->rc != SVY_OK)
        return;
    /*
     * In a one-column file a blank line is a row whose value is empty, as
     * Excel writes it, not a line to skip.  The '\n' of a CRLF is not a
     * line of its own; the end of the file (-1) is not a line at all.
     */
    if (r->field == 0 && r->header_done && r->ncols == 1 &&
        (c == '\r' || (c == '\n' && !r->after_cr)))
        on_field("", 0, r);
    if (r->field > 0) {
        /* Field-wise sinks already have the fields; 'row' closes it. */
        int fieldwise = r->header_done && r->sink->field != NULL;
        for (i = 0; i < r->field && !fieldwise; i++)
            r->ptrs[i] = r->row.data + r->offs[i];
        if (!r->header_done)
            emit_header(r);
        else if (r->field != r->ncols)
            fail(r, SVY_EPARSE, "expected %zu fields, found %zu", r->ncols,
                 r->field);
        else if (r->sink->row)
            r->rc = r->sink->row(r->ctx, fieldwise ? NULL : r->ptrs,
                                 fieldwise ? NULL : r->lens, r->ncols,
                                 r->rec_line, r->err);
    }
    /* The '\n' of a CRLF ends the line its '\r' already counted. */
    if (c == '\n' && r->after_cr)
        r->crlf = 1;
    else
        r->lines_done += c == '\n' || c == '\r';
    r->after_cr = c == '\r';
    /* Breaks inside the record's quoted fields join the count now. */
    r->lines_done += r->nl_in_rec;
    r->nl_in_rec = 0;
    r->field = 0;
}

/*
 * The delimiter rule of csv.h, on the first ten non-blank lines of the
 * first chunk.  Quotes are tracked by toggling, which doubled quotes leave
 * right, so delimiters inside quoted fields do not vote.  Only lines ended
 * by LF count; ties go to the earlier of ',' ';' TAB '|'.
 */
static char
detect_delim(const char *s, size_t n)
{
    static const char cands[] = {',', ';', '\t', '|'};
    size_t counts[10][4] = {{0}};
    size_t nlines = 0, i, c;
    int inq = 0, best = -1, blank = 1;

    for (i = 0; i < n && nlines < 10; i++) {
        if (s[i] == '"') {
            inq = !inq;
            blank = 0;
        } else if (!inq && s[i] == '\n') {
            /* The reader skips blank lines, so they must not vote. */
            if (blank)
                memset(counts[nlines], 0, sizeof(counts[nlines]));
            else
                nlines++;
            blank = 1;
        } else if (!inq) {
            if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
                blank = 0;
            for (c = 0; c < 4; c++)
                if (s[i] == cands[c])
                    counts[nlines][c]++;
        }
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

/* Number of UTF-8 lead bytes (multi-byte characters) in valid text. */
static size_t
utf8_leads(const char *s, size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++)
        k += (unsigned char)s[i] >= 0xC0;
    return k;
}

/*
 * Decide UTF-8 or CP1251 from the first non-ASCII byte of the chunk on
 * (DETECT_WINDOW bytes at most) and return 1, or return 0 while there is
 * no evidence.  Deciding late is safe: the chunks before were ASCII, which
 * reads the same in both.
 */
static int
undecided_pick(const char *s, size_t n, int at_eof, svy_encoding *enc)
{
    size_t i = svy_ascii_len(s, n), k, win;
    int incomplete;

    if (i == n)
        return 0;
    win = n - i < DETECT_WINDOW ? n - i : DETECT_WINDOW;
    k = svy_utf8_check(s + i, win, &incomplete);
    /* Only a sequence cut by the chunk end: no evidence yet (a CP1251
     * letter looks like a UTF-8 lead byte).  The caller carries it over. */
    if (k == 0 && incomplete && !at_eof)
        return 0;
    /* A sequence cut by the window or by a chunk end is no evidence
     * against UTF-8; one cut by the end of the file is. */
    if (k == win || (incomplete && (win < n - i || !at_eof)))
        *enc = SVY_ENC_UTF8;
    /*
     * Two valid multi-byte characters before a bad byte make a UTF-8 file
     * with a fault (a name cut short by Excel), not CP1251: CP1251 letters
     * almost never pair up as UTF-8 (a capital, C0-DF, is followed by a
     * lowercase letter, E0-FF, not by a continuation byte).  The bad byte
     * then stops the read with its line, instead of every Cyrillic value
     * being decoded wrongly.
     */
    else if (utf8_leads(s + i, k) >= 2)
        *enc = SVY_ENC_UTF8;
    else
        *enc = SVY_ENC_CP1251;
    return 1;
}

/*
 * Chunk-level state.  Encoding errors are found before libcsv sees the
 * bytes, so the reader's record-based line count cannot place them:
 * 'lines_before' counts raw line breaks for their messages.
 */
struct feed {
    struct csv_parser p;
    struct reader r;
    svy_encoding enc;
    svy_recoder *rec;
    svy_buf conv;
    size_t lines_before; /* physical lines in earlier chunks */
    int cr;              /* and they ended in '\r' */
    /* The plain-line path (see parse_bytes). */
    int plain;              /* usable with this delimiter */
    int at_start;           /* libcsv is between records */
    size_t quotes;          /* quote bytes given to libcsv */
    unsigned char cls[256]; /* PLAIN_* class of each byte */
    uint64_t delims;        /* the delimiter in each byte */
    svy_buf line;           /* a plain line, fields NUL-ended */
    size_t *ends;           /* end of each field in 'line' */
    size_t ecap;
};

#define PLAIN_DELIM 1 /* ends a field */
#define PLAIN_NOT 2   /* the line goes to libcsv */
#define PLAIN_BLANK 4 /* a blank: a field may need libcsv's trimming */

/* Set up the plain-line path for delimiter 'delim'. */
static void
plain_init(struct feed *f, char delim)
{
    /* libcsv trims blanks around unquoted fields, so a blank delimiter
     * would need its rules; such files take libcsv's path throughout. */
    f->plain = delim != ' ' && delim != '\t';
    f->at_start = 1;
    memset(f->cls, 0, sizeof(f->cls));
    f->cls['"'] = f->cls['\r'] = f->cls['\n'] = f->cls['\0'] = PLAIN_NOT;
    f->cls[' '] = f->cls['\t'] = PLAIN_BLANK;
    f->cls[(unsigned char)delim] = PLAIN_DELIM;
    f->delims = (unsigned char)delim * 0x0101010101010101ULL;
}

/*
 * Records of plain lines, without libcsv.  A plain line ends in LF or
 * CRLF and holds no quote, no other CR, no NUL, and no field that starts
 * or ends with a blank (which libcsv would trim): its fields are the runs
 * between delimiters, exactly as libcsv would cut them.  They go through
 * the same field and record callbacks, with the same line ends, so the
 * sink and the line count see no difference.  Returns the bytes used:
 * whole lines, up to the first one that is not plain or not complete.
 */
static size_t
plain_lines(struct feed *f, const char *s, size_t n)
{
    struct reader *r = &f->r;
    const unsigned char *cls = f->cls;
    const char *p = s, *end = s + n;

    while (p < end && r->rc == SVY_OK) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len, i, k = 0, from = 0, *ends;
        unsigned char any = 0;
        int crlf;
        char *q;

        if (nl == NULL)
            break;
        len = (size_t)(nl - p);
        crlf = len > 0 && p[len - 1] == '\r';
        len -= (size_t)crlf;
        if (len > 0) {
            /* Room for a field per byte: no test in the loop. */
            if (f->ecap < len + 1) {
                void *e = f->ends;
                if (svy_mem_grow(&e, &f->ecap, len + 1, sizeof(*f->ends)) < 0)
                    break; /* libcsv's path reports the lack of memory */
                f->ends = e;
            }
            ends = f->ends;
            i = 0;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                            \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            for (; i + 8 <= len; i += 8) { /* eight bytes at a time */
                uint64_t w, m;
                memcpy(&w, p + i, sizeof(w));
                /* A byte below 0x23 (NUL, TAB, CR, blank, quote) sends
                 * the rest to the loop below (the test is exact for
                 * whether there is one, not for which); else the top
                 * bit of each delimiter byte. */
                if ((w - 0x2323232323232323ULL) & ~w & 0x8080808080808080ULL)
                    break;
                for (m = bytes_equal(w, f->delims); m != 0; m &= m - 1)
                    ends[k++] = i + (size_t)(__builtin_ctzll(m) >> 3);
            }
#endif
            for (; i < len; i++) { /* each byte's end is a field's */
                unsigned char c = cls[(unsigned char)p[i]];
                any |= c;
                ends[k] = i;
                k += c == PLAIN_DELIM;
            }
            if (any & PLAIN_NOT)
                break;
            ends[k++] = len;
            /* A blank at either end of a field: libcsv trims it. */
            for (i = 0; (any & PLAIN_BLANK) && i < k; i++) {
                size_t e = ends[i];
                if (e > from && (p[from] == ' ' || p[from] == '\t' ||
                                 p[e - 1] == ' ' || p[e - 1] == '\t'))
                    break;
                from = e + 1;
            }
            if ((any & PLAIN_BLANK) && i < k)
                break;
            start_field(r);
            if (r->line != NULL && r->header_done && k == r->ncols) {
                int taken = 1;
                r->rc = r->line(r->ctx, p, len, ends, k, &taken, r->err);
                if (taken && r->rc == SVY_OK && r->sink->field != NULL) {
                    /* on_record's way for a whole record of a field-wise
                     * sink, without its cases: the row closes it, its
                     * break counts once */
                    r->rc = r->sink->row(r->ctx, NULL, NULL, r->ncols,
                                         r->rec_line, r->err);
                    r->lines_done += 1 + r->nl_in_rec;
                    r->crlf |= crlf;
                    r->after_cr = 0;
                    r->nl_in_rec = 0;
                    r->field = 0;
                    p = nl + 1;
                    continue;
                }
                if (taken || r->rc != SVY_OK) {
                    r->field = k;
                    goto record;
                }
            }
            /* Field by field: a copy of the line, each field NUL-ended. */
            if (f->line.cap < len + 1 &&
                svy_buf_grow(&f->line, len + 1 - f->line.len) != SVY_OK)
                break;
            q = f->line.data;
            memcpy(q, p, len);
            for (i = 0, from = 0; i < k && r->rc == SVY_OK; i++) {
                size_t e = ends[i];
                q[e] = '\0';
                start_field(r);
                take_field(r, q + from, e - from);
                from = e + 1;
            }
        }
    record:
        if (crlf)
            on_record('\r', r);
        on_record('\n', r);
        p = nl + 1;
    }
    return (size_t)(p - s);
}

/*
 * Feed libcsv; it stops short only on an error, and an error a callback
 * recorded first takes precedence.  The line named is where the field
 * being parsed began: the record's line plus the breaks in its completed
 * fields.  CSV_ETOOBIG is a field that would need more than SIZE_MAX.
 */
static svy_status
parse_csv(struct feed *f, const char *s, size_t n)
{
    if (csv_parse(&f->p, s, n, on_field, on_record, &f->r) != n &&
        f->r.rc == SVY_OK) {
        f->r.rec_line = f->r.lines_done + f->r.nl_in_rec + 1;
        if (csv_error(&f->p) == CSV_ENOMEM || csv_error(&f->p) == CSV_ETOOBIG)
            fail(&f->r, SVY_ENOMEM, "out of memory");
        else
            fail(&f->r, SVY_EPARSE,
                 "malformed quoting (a field holding a "
                 "quote must be quoted, and the quote doubled)");
    }
    return f->r.rc;
}

/*
 * Parse n bytes.  libcsv's byte-by-byte state machine is the largest
 * single cost of reading, and most lines of survey data need none of it:
 * while libcsv is between records, plain lines are cut here (plain_lines).
 * Any other line goes to libcsv, up to and including its LF; libcsv is
 * between records again when that LF ends the bytes it has had with an
 * even count of quotes (in strict mode a quote outside a quoted field is
 * an error, and doubled quotes inside one come in pairs).
 */
static svy_status
parse_bytes(struct feed *f, const char *s, size_t n)
{
    if (!f->plain)
        return parse_csv(f, s, n);
    while (n > 0 && f->r.rc == SVY_OK) {
        const char *nl, *q;
        size_t k;

        if (f->at_start) {
            k = plain_lines(f, s, n);
            s += k;
            n -= k;
            if (n == 0 || f->r.rc != SVY_OK)
                break;
        }
        nl = memchr(s, '\n', n);
        k = nl ? (size_t)(nl - s) + 1 : n;
        for (q = s; (q = memchr(q, '"', (size_t)(s + k - q))) != NULL; q++)
            f->quotes++;
        if (parse_csv(f, s, k) != SVY_OK)
            break;
        f->at_start = nl != NULL && f->quotes % 2 == 0;
        s += k;
        n -= k;
    }
    return f->r.rc;
}

/*
 * Validate or convert one chunk and parse it.  '*used' is the number of
 * bytes consumed (the rest is an incomplete UTF-8 sequence to carry over).
 */
static svy_status
feed_chunk(struct feed *f, const char *s, size_t n, int at_eof, size_t *used)
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
        /* One byte a character: a chunk converts alone, nothing to carry.
         * The bad byte's line is counted on the raw bytes. */
        svy_buf_reset(&f->conv);
        if ((rc = svy_recoder_run(f->rec, s, n, &f->conv, &bad)) != 0) {
            int cr = f->cr;
            if (rc == SVY_ENOMEM)
                return f->r.rc = svy_err_set(f->r.err, rc, "out of memory");
            return f->r.rc = svy_err_set(
                       f->r.err, SVY_EPARSE,
                       "%s:%zu: byte 0x%02X is not valid CP1251", f->r.name,
                       f->lines_before + count_breaks(s, bad, &cr) + 1,
                       (unsigned char)s[bad]);
        }
        f->lines_before += count_breaks(s, n, &f->cr);
        return parse_bytes(f, f->conv.data, f->conv.len);
    }
    /* An undecided chunk is checked as UTF-8 too: it is ASCII up to at
     * most a cut sequence, which is carried over like any other. */
    bad = svy_utf8_check(s, n, &incomplete);
    if (bad < n) {
        if (incomplete && !at_eof) {
            *used = bad;
        } else {
            int cr = f->cr;
            return f->r.rc = svy_err_set(
                       f->r.err, SVY_EPARSE,
                       "%s:%zu: invalid UTF-8 (byte 0x%02X); if the file is "
                       "in Windows Cyrillic, use -e cp1251",
                       f->r.name,
                       f->lines_before + count_breaks(s, bad, &cr) + 1,
                       (unsigned char)s[bad]);
        }
    }
    f->lines_before += count_breaks(s, *used, &f->cr);
    return parse_bytes(f, s, *used);
}

/* svy_csv_scan, with an optional whole-line callback for plain lines. */
static svy_status
scan(svy_input *in, const svy_csv_opts *opts, svy_csv_info *info,
     const svy_csv_sink *sink, line_fn line, void *ctx, svy_err *err)
{
    static const svy_csv_opts defaults = {0};
    svy_csv_info local = {0};
    struct feed f;
    char *buf = NULL;
    size_t have = 0, got = 0;
    int first = 1, at_eof = 0;
    svy_status rc;

    if (opts == NULL)
        opts = &defaults;
    if (info == NULL)
        info = &local;
    memset(info, 0, sizeof(*info));
    info->delim = ',';
    info->encoding = SVY_ENC_UTF8;
    memset(&f, 0, sizeof(f));
    f.r.sink = sink;
    f.r.ctx = ctx;
    f.r.line = line;
    f.r.info = info;
    f.r.name = svy_input_name(in);
    f.r.err = err;
    f.enc = opts->encoding;
    if (csv_init(&f.p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL |
                           CSV_APPEND_NULL) != 0)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
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
        /* The BOM test needs three bytes; detection uses the first chunk.
         * When CP1251 is forced, EF BB BF are letters, not a BOM. */
        if (first && (have >= 3 || at_eof)) {
            first = 0;
            if (have >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 &&
                opts->encoding != SVY_ENC_CP1251) {
                info->bom = 1;
                /* A tool that adds a BOM to a file with one doubles it. */
                while (have - start >= 3 &&
                       memcmp(buf + start, "\xEF\xBB\xBF", 3) == 0)
                    start += 3;
                if (f.enc == SVY_ENC_AUTO)
                    f.enc = SVY_ENC_UTF8;
            }
            info->delim = opts->delim ? opts->delim
                                      : detect_delim(buf + start, have - start);
            csv_set_delim(&f.p, (unsigned char)info->delim);
            plain_init(&f, info->delim);
        } else if (first) {
            continue;
        }
        if (have == start) { /* nothing, or a BOM alone: drop it */
            have = 0;
            continue;
        }
        /*
         * Set before parsing, so the header callback sees a decision made
         * on an earlier chunk, and after, for one made on this chunk: the
         * header may see UTF-8 first (csv.h's "still settling").
         */
        if (f.enc == SVY_ENC_CP1251)
            info->encoding = SVY_ENC_CP1251;
        if ((rc = feed_chunk(&f, buf + start, have - start, at_eof, &used)))
            goto out;
        if (f.enc == SVY_ENC_CP1251)
            info->encoding = SVY_ENC_CP1251;
        /* Keep what feed_chunk left (a cut UTF-8 sequence) for next time. */
        used += start;
        memmove(buf, buf + used, have - used);
        have -= used;
    }
    /* At the end, csv_fini delivers a last record without a line end.  It
     * fails only on an open quote, reported where its record starts. */
    if (csv_fini(&f.p, on_field, on_record, &f.r) != 0 && f.r.rc == SVY_OK) {
        f.r.rec_line = f.r.lines_done + 1;
        fail(&f.r, SVY_EPARSE, "unterminated quoted field at end of file");
    }
    rc = f.r.rc;
    info->crlf = f.r.crlf;
    info->lines = f.r.lines_done;
out:
    csv_free(&f.p);
    svy_recoder_free(f.rec);
    svy_buf_release(&f.conv);
    svy_buf_release(&f.line);
    free(f.ends);
    svy_buf_release(&f.r.row);
    free(f.r.offs);
    free(f.r.ptrs);
    free(f.r.lens);
    free(buf);
    return rc;
}

svy_status
svy_csv_scan(svy_input *in, const svy_csv_opts *opts, svy_csv_info *info,
             const svy_csv_sink *sink, void *ctx, svy_err *err)
{
    return scan(in, opts, info, sink, NULL, ctx, err);
}

/* The table-building sink behind svy_csv_read. */

/* Column pointers are kept so that each field is pushed without a lookup
 * by name; the reader guarantees one field per column. */
static svy_status
table_header(void *ctx, const char *const *names, size_t n,
             const svy_csv_info *info, svy_err *err)
{
    struct svy_csv_builder *b = ctx;
    size_t i;
    svy_status rc;

    (void)info;
    if ((b->cols = calloc(n ? n : 1, sizeof(*b->cols))) == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    for (i = 0; i < n; i++)
        if ((rc = svy_table_add_column(b->t, names[i], SVY_TEXT, &b->cols[i],
                                       err)) != SVY_OK)
            return rc;
    b->ncols = n;
    return SVY_OK;
}

static svy_status
table_field(void *ctx, size_t i, const char *s, size_t len, svy_err *err)
{
    struct svy_csv_builder *b = ctx;

    return svy_column_push_text(b->cols[i], s, len, err);
}

static svy_status
table_row(void *ctx, const char *const *fields, const size_t *lens, size_t n,
          size_t line, svy_err *err)
{
    struct svy_csv_builder *b = ctx;
    size_t i;
    svy_status rc;

    for (i = 0; i < n && fields != NULL; i++)
        if ((rc = svy_column_push_text(b->cols[i], fields[i], lens[i], err)))
            return rc;
    return svy_table_commit_row(b->t, line, err);
}

/* Exported through internal.h for import.c's buffered mode. */
const svy_csv_sink svy_csv_table_sink = {table_header, table_row, table_field};

svy_status
svy_csv_builder_init(struct svy_csv_builder *b, svy_err *err)
{
    memset(b, 0, sizeof(*b));
    return svy_table_new(&b->t, err);
}

void
svy_csv_builder_release(struct svy_csv_builder *b)
{
    svy_table_free(b->t);
    free(b->cols);
    memset(b, 0, sizeof(*b));
}

/* The decimal-comma rule needs whole columns, so it runs on the finished
 * table, not in the sink.  Auto mode leaves ',' files alone: commas
 * separate fields. */
static void
fix_decimals(svy_table *t, const svy_csv_opts *opts, svy_csv_info *info)
{
    svy_decimal dec = opts ? opts->decimal : SVY_DEC_AUTO;
    size_t i;

    if (dec == SVY_DEC_COMMA || (dec == SVY_DEC_AUTO && info->delim != ','))
        for (i = 0; i < svy_table_ncols(t); i++)
            if (svy_column_fix_decimal_comma(svy_table_col(t, i)))
                info->decimal_comma++;
}

svy_table *
svy_csv_builder_finish(struct svy_csv_builder *b, const svy_csv_opts *opts,
                       svy_csv_info *info)
{
    svy_table *t = b->t;

    fix_decimals(t, opts, info);
    /* Ownership passes to the caller before the release. */
    b->t = NULL;
    svy_csv_builder_release(b);
    return t;
}

/* Bytes that force quoting: delimiter (always ','), quote, CR, LF. */
static unsigned char special[256] = {
    ['"'] = 1,
    [','] = 1,
    ['\r'] = 1,
    ['\n'] = 1,
};

/* An empty field stays bare: it is system missing.  Leading or trailing
 * blanks force quotes, as readers trim them from bare fields. */
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

/*
 * Copy field 's' ('n' bytes) to 'dst', quoted when needed; 'dst' has room
 * for the worst case, 2n + 2 bytes.  Returns the end of what was written.
 */
static char *
put_field(char *dst, const char *s, size_t n)
{
    if (!needs_quotes(s, n)) {
        memcpy(dst, s, n);
        return dst + n;
    }
    *dst++ = '"';
    for (; n > 0; n--, s++) {
        if (*s == '"')
            *dst++ = '"';
        *dst++ = *s;
    }
    *dst++ = '"';
    return dst;
}

svy_status
svy_csv_write_field(svy_output *o, const char *s, size_t n, int first,
                    svy_err *err)
{
    char *p, *q;
    svy_status rc;

    if ((rc = svy_output_reserve(o, 2 * n + 3, &p, err)) != SVY_OK)
        return rc;
    q = p;
    if (!first)
        *q++ = ',';
    q = put_field(q, s, n);
    svy_output_advance(o, (size_t)(q - p));
    return SVY_OK;
}

svy_status
svy_csv_write_row(svy_output *o, const char *const *fields, const size_t *lens,
                  size_t n, svy_err *err)
{
    size_t need = 1, i;
    char *start, *p;
    svy_status rc;

    /* Reserve the worst case (every byte a quote, plus quotes, commas and
     * the LF) and format in place: one bounds check per record. */
    for (i = 0; i < n; i++)
        need += 2 * (lens ? lens[i] : fields[i] ? strlen(fields[i]) : 0) + 3;
    if ((rc = svy_output_reserve(o, need, &start, err)) != SVY_OK)
        return rc;
    p = start;
    for (i = 0; i < n; i++) {
        const char *f = fields[i] ? fields[i] : "";
        size_t len = lens ? lens[i] : strlen(f);
        if (i > 0)
            *p++ = ',';
        /* A record of one empty field would be a blank line, which
         * readers skip: quote it so that the row survives. */
        if (n == 1 && len == 0)
            *p++ = '"', *p++ = '"';
        else
            p = put_field(p, f, len);
    }
    *p++ = '\n';
    svy_output_advance(o, (size_t)(p - start));
    return SVY_OK;
}

svy_status
svy_csv_write(const svy_table *t, svy_output *o, svy_err *err)
{
    size_t ncols = svy_table_ncols(t), nrows = svy_table_nrows(t), r, c;
    const svy_column **cols = NULL;
    const char **fields = NULL;
    size_t *lens = NULL;
    char *nums = NULL;
    svy_status rc = SVY_OK;

    if (ncols == 0)
        return SVY_OK;
    cols = calloc(ncols, sizeof(*cols));
    fields = calloc(ncols, sizeof(*fields));
    lens = calloc(ncols, sizeof(*lens));
    /* A number buffer per column: a whole row's fields must stay valid
     * until it is written. */
    nums = svy_mem_alloc(ncols, SVY_NUM_BUFSZ);
    if (!cols || !fields || !lens || !nums) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    for (c = 0; c < ncols; c++) {
        cols[c] = svy_table_col(t, c);
        fields[c] = svy_column_name(cols[c]);
    }
    rc = svy_csv_write_row(o, fields, NULL, ncols, err);
    for (r = 0; r < nrows && rc == SVY_OK; r++) {
        for (c = 0; c < ncols; c++) {
            fields[c] = svy_column_format(cols[c], r, nums + c * SVY_NUM_BUFSZ,
                                          &lens[c]);
        }
        rc = svy_csv_write_row(o, fields, lens, ncols, err);
    }
out:
    free(cols);
    free(fields);
    free(lens);
    free(nums);
    return rc;
}

svy_status
svy_csv_write_file(const svy_table *t, const char *path, svy_err *err)
{
    svy_output *o = NULL;
    svy_status rc;

    if ((rc = svy_output_open(&o, path, err)) != SVY_OK)
        return rc;
    /* On failure the temporary file goes and 'path' is left as it was. */
    if ((rc = svy_csv_write(t, o, err)) != SVY_OK) {
        svy_output_abort(o);
        return rc;
    }
    return svy_output_commit(o, err);
}

/*
 * Records (see csv.h).  In record mode each record is serialised at once
 * with the writer's quoting, and the kept columns go to a small table
 * through the ordinary column pushes.  Writing is then a memcpy of each
 * record plus the added cells.
 *
 * Reading a large file, that work runs on two threads: libcsv's byte loop
 * and the checks of every field take about as long as everything else,
 * so the parsing thread serialises each record into a batch, and copies
 * the fields of the kept columns beside it, and a consumer thread appends
 * full batches to the text and pushes the kept fields into the table.  A
 * batch ends at a record's end, so a record is never split.  Sixteen
 * batches of about half a MiB are in flight, enough that neither thread
 * waits for the other when the machine is busy and one of them is
 * descheduled for a while.  The consumer starts with the first full
 * batch, so a small file is read on one thread; if it cannot be started,
 * batches are consumed on the parsing thread.  When the consumer fails
 * (out of memory), the parse stops at the next hand-over with its error:
 * it concerns an earlier record than any the parser could still reject.
 * Files read whole (see csv.h) take the single-thread path.
 */
#ifndef RELAY_SLOTS
#define RELAY_SLOTS 16
#endif
#ifndef RELAY_BYTES
#define RELAY_BYTES (512 * 1024)
#endif

struct rrow {
    size_t end, line; /* end of the record in the batch text; its line */
};

struct rbatch {
    svy_buf text; /* records, back to back, no line ends */
    struct rrow *rows;
    size_t nrows, rcap;
    svy_buf kept;  /* the kept fields, each followed by one byte: a NUL,
                    * or between the fields of a plain line of a table,
                    * its delimiter (records_line); lengths in klens */
    size_t *klens; /* and their lengths */
    size_t nk, kcap;
    int full; /* handed over and not yet consumed */
    /* The parsing thread writes its batch's fields for every field; the
     * consumer writes the next slot's 'full'.  Padding keeps the two off
     * one cache line (false sharing made the parser a third slower). */
    char pad_[64];
};

struct relay {
    struct rbatch slot[RELAY_SLOTS];
    size_t fill; /* the slot the parsing thread fills */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t tid;
    int started;      /* 1 running, 0 not yet, -1 could not start */
    int done, failed; /* under 'mu' while running */
    svy_status rc;    /* the consumer's, with 'err' */
    svy_err err;
};

struct svy_records {
    /* Written by the consumer while reading. */
    svy_buf text; /* every record, back to back */
    size_t *ends; /* end of record i in 'text' */
    size_t n, cap;
    svy_table *t;
    char pad_[64];  /* the parser's fields below on other cache lines */
    svy_buf header; /* canonical header, no line end */
    int whole;      /* the table holds every column */
    /* Reading only; the parsing thread reads these for every field. */
    struct rbatch *cur; /* the batch being filled */
    const svy_csv_opts *opts;
    const char *const *keep;
    const char *replace;
    struct svy_csv_builder b;
    svy_column **kmap;  /* per header column: its kept column, or NULL */
    svy_column **kcols; /* the kept columns in header order */
    size_t *kidx;       /* and their header positions */
    size_t ncols, nkept;
    int comma;      /* the delimiter is ',' */
    int table_only; /* svy_csv_read: every column kept, no record text */
    int typed;      /* and integer columns numeric (_typed) */
    size_t size_hint; /* the file's bytes (0: unknown), for the first batch */
    struct relay *rl;
};

/* Append batch 'b' to the records: the text, the ends, the kept fields. */
static svy_status
relay_consume(svy_records *r, const struct rbatch *b, svy_err *err)
{
    size_t base = r->text.len, k, j, kk = 0, koff = 0;
    svy_status rc;

    if (r->table_only)
        goto fields;
    if (svy_buf_append(&r->text, b->text.data, b->text.len) != SVY_OK)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    if (r->n + b->nrows > r->cap) {
        void *p = r->ends;
        if (svy_mem_grow(&p, &r->cap, r->n + b->nrows, sizeof(*r->ends)) < 0)
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        r->ends = p;
    }
    for (k = 0; k < b->nrows; k++)
        r->ends[r->n++] = base + b->rows[k].end;
fields:
    /*
     * Every column is kept, in order: whole rows at once.  Before the
     * first batch, the columns get room for the rows the file should hold
     * (its size over the batch's bytes per row, and an eighth more):
     * grown by doubling, each array was copied about once more into fresh
     * pages.  Room never touched costs no memory.  Only a hint: past it,
     * or if it cannot be had, the pushes grow the arrays as before.
     */
    if (r->typed && r->table_only && r->size_hint > 0 && b->nrows > 0) {
        size_t per = b->kept.len / b->nrows, est;
        svy_err scratch;

        est = r->size_hint / (per > 0 ? per : 1);
        r->size_hint = 0;
        (void)svy_table_reserve(r->t, est + est / 8, &scratch);
    }
    if (r->typed && r->table_only && b->nrows > 0)
        return svy_table_push_typed_rows(
            r->t, b->kept.data, b->klens, b->nrows, &b->rows[0].line,
            sizeof(*b->rows) / sizeof(size_t), err);
    for (k = 0; k < b->nrows; k++) {
        for (j = 0; j < r->nkept; j++, kk++) {
            const char *s = b->kept.data + koff;
            rc = r->typed
                     ? svy_column_push_typed(r->kcols[j], s, b->klens[kk], err)
                     : svy_column_push_text(r->kcols[j], s, b->klens[kk], err);
            if (rc != SVY_OK)
                return rc;
            koff += b->klens[kk] + 1;
        }
        if ((rc = svy_table_commit_row(r->t, b->rows[k].line, err)) != SVY_OK)
            return rc;
    }
    return SVY_OK;
}

static void *
relay_main(void *arg)
{
    svy_records *r = arg;
    struct relay *rl = r->rl;
    size_t take = 0;

    for (;;) {
        struct rbatch *b = &rl->slot[take];
        svy_status rc;

        pthread_mutex_lock(&rl->mu);
        while (!b->full && !rl->done)
            pthread_cond_wait(&rl->cv, &rl->mu);
        if (!b->full) {
            pthread_mutex_unlock(&rl->mu);
            break;
        }
        pthread_mutex_unlock(&rl->mu);
        rc = relay_consume(r, b, &rl->err);
        pthread_mutex_lock(&rl->mu);
        b->full = 0;
        if (rc != SVY_OK) {
            rl->failed = 1;
            rl->rc = rc;
        }
        pthread_cond_broadcast(&rl->cv);
        pthread_mutex_unlock(&rl->mu);
        if (rc != SVY_OK)
            break;
        take = (take + 1) % RELAY_SLOTS;
    }
    return NULL;
}

/*
 * Hand the filled batch over and wait for the next slot to be free.  The
 * first hand-over starts the consumer; without one, the batch is consumed
 * here.  Returns the consumer's status once it has failed.
 */
static svy_status
relay_publish(svy_records *r, svy_err *err)
{
    struct relay *rl = r->rl;
    struct rbatch *b = &rl->slot[rl->fill], *next = b;
    svy_status rc = SVY_OK;

    if (rl->started == 0) {
        rl->started = -1;
        if (pthread_mutex_init(&rl->mu, NULL) == 0) {
            if (pthread_cond_init(&rl->cv, NULL) != 0)
                pthread_mutex_destroy(&rl->mu);
            else if (pthread_create(&rl->tid, NULL, relay_main, r) != 0) {
                pthread_cond_destroy(&rl->cv);
                pthread_mutex_destroy(&rl->mu);
            } else {
                rl->started = 1;
            }
        }
    }
    if (rl->started < 0) {
        if ((rc = relay_consume(r, b, &rl->err)) != SVY_OK) {
            rl->failed = 1;
            rl->rc = rc;
        }
    } else {
        rl->fill = (rl->fill + 1) % RELAY_SLOTS;
        next = &rl->slot[rl->fill];
        pthread_mutex_lock(&rl->mu);
        b->full = 1;
        pthread_cond_broadcast(&rl->cv);
        while (next->full && !rl->failed)
            pthread_cond_wait(&rl->cv, &rl->mu);
        rc = rl->failed ? rl->rc : SVY_OK;
        pthread_mutex_unlock(&rl->mu);
    }
    svy_buf_reset(&next->text);
    svy_buf_reset(&next->kept);
    next->nrows = next->nk = 0;
    r->cur = next;
    if (rc != SVY_OK && err)
        *err = rl->err;
    return rc;
}

/* Stop the consumer once it has taken every batch; its status. */
static svy_status
relay_finish(svy_records *r, svy_err *err)
{
    struct relay *rl = r->rl;
    size_t k;
    svy_status rc = SVY_OK;

    if (rl == NULL)
        return SVY_OK;
    if (rl->started > 0) {
        pthread_mutex_lock(&rl->mu);
        rl->done = 1;
        pthread_cond_broadcast(&rl->cv);
        pthread_mutex_unlock(&rl->mu);
        pthread_join(rl->tid, NULL);
        pthread_cond_destroy(&rl->cv);
        pthread_mutex_destroy(&rl->mu);
    }
    if (rl->failed) {
        rc = rl->rc;
        if (err)
            *err = rl->err;
    }
    for (k = 0; k < RELAY_SLOTS; k++) {
        svy_buf_release(&rl->slot[k].text);
        svy_buf_release(&rl->slot[k].kept);
        free(rl->slot[k].rows);
        free(rl->slot[k].klens);
    }
    free(rl);
    r->rl = NULL;
    r->cur = NULL;
    return rc;
}

/* Serialise 'n' fields as one canonical record (no line end) into 'b'. */
static svy_status
serialise(svy_buf *b, const char *const *fields, const size_t *lens, size_t n)
{
    size_t need = 2, i;
    char *p;

    for (i = 0; i < n; i++)
        need += 2 * lens[i] + 3;
    if (b->len + need + 1 > b->cap && svy_buf_grow(b, need) != SVY_OK)
        return SVY_ENOMEM;
    p = b->data + b->len;
    for (i = 0; i < n; i++) {
        if (i > 0)
            *p++ = ',';
        if (n == 1 && lens[i] == 0) /* not a blank line: see write_row */
            *p++ = '"', *p++ = '"';
        else
            p = put_field(p, fields[i], lens[i]);
    }
    b->len = (size_t)(p - b->data);
    b->data[b->len] = '\0';
    return SVY_OK;
}

/* 1 when 'name' is in the NULL-terminated 'list' (which may be NULL). */
static int
listed(const char *const *list, const char *name)
{
    for (size_t k = 0; list && list[k]; k++)
        if (strcmp(list[k], name) == 0)
            return 1;
    return 0;
}

static int
wanted(const svy_records *r, const char *name, size_t i)
{
    return i == 0 || r->table_only || listed(r->keep, name);
}

static svy_status
records_header(void *ctx, const char *const *names, size_t n,
               const svy_csv_info *info, svy_err *err)
{
    svy_records *r = ctx;
    svy_decimal dec = r->opts ? r->opts->decimal : SVY_DEC_AUTO;
    size_t i, *lens;
    int typed;
    svy_status rc;

    /* A table has its decimal commas fixed once it is whole. */
    r->whole = !r->table_only && !(dec == SVY_DEC_POINT ||
                                   (dec == SVY_DEC_AUTO && info->delim == ','));
    for (i = 0; i < n && !r->whole; i++)
        if (r->replace && strcmp(names[i], r->replace) == 0)
            r->whole = 1;
    if (r->whole)
        return svy_csv_table_sink.header(&r->b, names, n, info, err);
    if ((lens = calloc(n ? n : 1, sizeof(*lens))) == NULL ||
        (r->kmap = calloc(n ? n : 1, sizeof(*r->kmap))) == NULL) {
        free(lens);
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    }
    for (i = 0; i < n; i++)
        lens[i] = strlen(names[i]);
    rc = r->table_only ? SVY_OK : serialise(&r->header, names, lens, n);
    free(lens);
    if (rc != SVY_OK)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    r->ncols = n;
    r->comma = info->delim == ',';
    if ((r->kcols = calloc(n ? n : 1, sizeof(*r->kcols))) == NULL ||
        (r->kidx = calloc(n ? n : 1, sizeof(*r->kidx))) == NULL ||
        (r->rl = calloc(1, sizeof(*r->rl))) == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    r->cur = &r->rl->slot[0];
    for (i = 0; i < n; i++) {
        if (!wanted(r, names[i], i))
            continue;
        /*
         * Typed columns start numeric (svy_column_push_typed), as bytes
         * until a value does not fit: survey codes take a byte a cell.
         */
        typed = r->typed && !listed(r->opts ? r->opts->text : NULL, names[i]);
        if ((rc = svy_table_add_column(r->t, names[i],
                                       typed ? SVY_NUM : SVY_TEXT, &r->kmap[i],
                                       err)) != SVY_OK)
            return rc;
        if (typed && svy_column_compact(r->kmap[i]) < 0)
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        if (typed && listed(r->opts ? r->opts->num : NULL, names[i]))
            svy_column_loose(r->kmap[i]);
        r->kidx[r->nkept] = i;
        r->kcols[r->nkept++] = r->kmap[i];
    }
    return SVY_OK;
}

/*
 * A plain line whole.  With ',' as its delimiter it is already the
 * canonical record: no field of it needs quotes (no delimiter, quote or
 * line break inside, no blank at an end) and none is the lone empty field
 * that records_field quotes (the line is not empty).  So its bytes are
 * the record's, and only the kept fields are copied out of it.
 */
static svy_status
records_line(void *ctx, const char *line, size_t len, const size_t *ends,
             size_t n, int *taken, svy_err *err)
{
    svy_records *r = ctx;
    struct rbatch *b = r->cur;
    size_t j;

    if (r->whole || (!r->comma && !r->table_only)) {
        *taken = 0;
        return SVY_OK;
    }
    if (!r->table_only && svy_buf_append(&b->text, line, len) != SVY_OK)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    if (b->nk + r->nkept > b->kcap) {
        void *q = b->klens;
        if (svy_mem_grow(&q, &b->kcap, b->nk + r->nkept, sizeof(*b->klens)) < 0)
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        b->klens = q;
    }
    if (r->table_only) {
        /*
         * Every field: the line itself and the lengths.  The cells are
         * pushed by length (relay_consume), so the delimiters stay where
         * a NUL would go; a NUL ends the line.
         */
        char *p;
        size_t *kl = b->klens + b->nk;
        if (b->kept.len + len + 2 > b->kept.cap &&
            svy_buf_grow(&b->kept, len + 1) != SVY_OK)
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        p = b->kept.data + b->kept.len;
        memcpy(p, line, len);
        p[len] = '\0';
        kl[0] = ends[0];
        for (j = 1; j < n; j++)
            kl[j] = ends[j] - ends[j - 1] - 1;
        b->nk += n;
        b->kept.len += len + 1;
        return SVY_OK;
    }
    for (j = 0; j < r->nkept; j++) {
        size_t i = r->kidx[j], from = i > 0 ? ends[i - 1] + 1 : 0;
        size_t flen = ends[i] - from;
        char *p;
        if (b->kept.len + flen + 2 > b->kept.cap &&
            svy_buf_grow(&b->kept, flen + 1) != SVY_OK)
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        p = b->kept.data + b->kept.len;
        memcpy(p, line + from, flen);
        p[flen] = '\0';
        b->kept.len += flen + 1;
        b->klens[b->nk++] = flen;
    }
    return SVY_OK;
}

/* One field: onto the batch's record text, and beside it if kept. */
static svy_status
records_field(void *ctx, size_t i, const char *s, size_t len, svy_err *err)
{
    svy_records *r = ctx;
    struct rbatch *b;
    svy_buf *t;
    char *p;

    if (r->whole)
        return svy_csv_table_sink.field(&r->b, i, s, len, err);
    b = r->cur;
    if (r->table_only)
        goto kept;
    t = &b->text;
    if (t->len + 2 * len + 4 > t->cap && svy_buf_grow(t, 2 * len + 3) != 0)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    p = t->data + t->len;
    if (i > 0)
        *p++ = ',';
    if (len > 0 && len < 16) {
        /* Most fields are a few bytes: copy them while looking for what
         * would need quotes, and quote (over the copy) only then. */
        size_t k;
        unsigned char sp = 0;
        for (k = 0; k < len; k++) {
            p[k] = s[k];
            sp |= special[(unsigned char)s[k]];
        }
        if (sp || s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' ||
            s[len - 1] == '\t')
            p = put_field(p, s, len);
        else
            p += len;
    } else if (r->ncols == 1 && len == 0) { /* not a blank line */
        *p++ = '"', *p++ = '"';
    } else {
        p = put_field(p, s, len);
    }
    t->len = (size_t)(p - t->data);
    if (r->kmap[i] == NULL)
        return SVY_OK;
kept:
    if (b->nk == b->kcap) {
        void *q = b->klens;
        if (svy_mem_grow(&q, &b->kcap, b->nk + 1, sizeof(*b->klens)) < 0)
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        b->klens = q;
    }
    /* With a NUL, which the consumer hands on as the field's end. */
    if (b->kept.len + len + 2 > b->kept.cap &&
        svy_buf_grow(&b->kept, len + 1) != SVY_OK)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    p = b->kept.data + b->kept.len;
    if (len < 16) {
        size_t k;
        for (k = 0; k < len; k++)
            p[k] = s[k];
    } else {
        memcpy(p, s, len);
    }
    p[len] = '\0';
    b->kept.len += len + 1;
    b->klens[b->nk++] = len;
    return SVY_OK;
}

/* The end of a record: its end and line; a full batch is handed over. */
static svy_status
records_row(void *ctx, const char *const *fields, const size_t *lens, size_t n,
            size_t line, svy_err *err)
{
    svy_records *r = ctx;
    struct rbatch *b;

    if (r->whole)
        return svy_csv_table_sink.row(&r->b, fields, lens, n, line, err);
    b = r->cur;
    if (b->nrows == b->rcap) {
        void *p = b->rows;
        if (svy_mem_grow(&p, &b->rcap, b->nrows + 1, sizeof(*b->rows)) < 0)
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        b->rows = p;
    }
    b->rows[b->nrows].end = b->text.len;
    b->rows[b->nrows++].line = line;
    /* Everything the batch holds counts, so that a file of tiny records
     * does not pile up row entries. */
    if (b->text.len + b->kept.len + b->nk * sizeof(*b->klens) +
            b->nrows * sizeof(*b->rows) >=
        RELAY_BYTES)
        return relay_publish(r, err);
    return SVY_OK;
}

static const svy_csv_sink records_sink = {records_header, records_row,
                                          records_field};

void
svy_records_free(svy_records *r)
{
    if (r == NULL)
        return;
    svy_buf_release(&r->header);
    svy_buf_release(&r->text);
    free(r->ends);
    svy_table_free(r->t);
    svy_csv_builder_release(&r->b);
    free(r->kmap);
    free(r->kcols);
    free(r->kidx);
    relay_finish(r, NULL);
    free(r);
}

/* After a scan: the last batch, then the consumer's status. */
static svy_status
relay_done(svy_records *r, svy_err *err)
{
    svy_status rc = SVY_OK, frc;

    if (r->rl == NULL)
        return SVY_OK;
    if (r->rl->slot[r->rl->fill].nrows > 0)
        rc = relay_publish(r, err);
    /* A failed consumer's error wins. */
    frc = relay_finish(r, err);
    return frc != SVY_OK ? frc : rc;
}

svy_status
svy_records_read(svy_records **out, const char *path, const svy_csv_opts *opts,
                 const char *const *keep, const char *replace, svy_err *err)
{
    svy_records *r = calloc(1, sizeof(*r));
    svy_csv_info info = {0};
    svy_input *in = NULL;
    svy_status rc;

    *out = NULL;
    if (r == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    r->opts = opts;
    r->keep = keep;
    r->replace = replace;
    if ((rc = svy_table_new(&r->t, err)) != SVY_OK ||
        (rc = svy_csv_builder_init(&r->b, err)) != SVY_OK ||
        (rc = svy_input_open(&in, path, err)) != SVY_OK ||
        (rc = scan(in, opts, &info, &records_sink, records_line, r, err)) ||
        (rc = relay_done(r, err)) != SVY_OK) {
        svy_status frc = relay_finish(r, err);
        if (frc != SVY_OK)
            rc = frc;
        goto out;
    }
    if (r->whole || r->nkept == 0) {
        /* Whole mode, or an empty file: the table is the file. */
        svy_table_free(r->t);
        r->t = svy_csv_builder_finish(&r->b, opts, &info);
        r->whole = 1;
    }
    r->opts = NULL;
    r->keep = NULL;
    r->replace = NULL;
    *out = r;
    r = NULL;
out:
    svy_input_close(in);
    svy_records_free(r);
    return rc;
}

svy_table *
svy_records_table(svy_records *r)
{
    return r->t;
}

/*
 * A table is read as records that keep every column and no record text
 * (see "Records" above): on a large file one thread parses and the other
 * pushes the fields into the columns.
 */
/* A typed column without a value is no evidence of numbers: text. */
static svy_status
untype_empty(svy_table *t, svy_err *err)
{
    size_t i, k;
    svy_status rc;

    for (i = 0; i < svy_table_ncols(t); i++) {
        svy_column *c = svy_table_col(t, i);
        size_t n = svy_column_len(c);
        if (svy_column_type(c) != SVY_NUM)
            continue;
        for (k = 0; k < n && svy_column_is_empty(c, k); k++)
            ;
        if (k == n && (rc = svy_column_to_text(c, err)))
            return rc;
    }
    return SVY_OK;
}

static svy_status
read_table(svy_table **out, svy_input *in, const svy_csv_opts *opts,
           svy_csv_info *info, int typed, size_t size_hint, svy_err *err)
{
    svy_records *r = calloc(1, sizeof(*r));
    svy_csv_info local = {0};
    svy_status rc, frc;

    *out = NULL;
    if (info == NULL)
        info = &local;
    if (r == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    r->opts = opts;
    r->table_only = 1;
    r->typed = typed;
    r->size_hint = size_hint;
    if ((rc = svy_table_new(&r->t, err)) == SVY_OK &&
        (rc = scan(in, opts, info, &records_sink, records_line, r, err)) ==
            SVY_OK)
        rc = relay_done(r, err);
    /* A failed consumer's error wins. */
    if ((frc = relay_finish(r, err)) != SVY_OK)
        rc = frc;
    if (rc == SVY_OK && typed)
        rc = untype_empty(r->t, err);
    if (rc == SVY_OK) {
        fix_decimals(r->t, opts, info);
        *out = r->t;
        r->t = NULL;
    }
    svy_records_free(r);
    return rc;
}

svy_status
svy_csv_read(svy_table **out, svy_input *in, const svy_csv_opts *opts,
             svy_csv_info *info, svy_err *err)
{
    return read_table(out, in, opts, info, 0, 0, err);
}

/* A table read from a file knows its name, for messages about its rows. */
static svy_status
named(svy_table **out, const svy_input *in, svy_err *err)
{
    svy_status rc = svy_table_set_source(*out, svy_input_name(in), err);
    if (rc != SVY_OK) {
        svy_table_free(*out);
        *out = NULL;
    }
    return rc;
}

svy_status
svy_csv_read_file_typed(svy_table **out, const char *path,
                        const svy_csv_opts *opts, svy_csv_info *info,
                        svy_err *err)
{
    svy_input *in = NULL;
    svy_status rc;
    struct stat st;
    size_t hint = 0;

    *out = NULL;
    if ((rc = svy_input_open(&in, path, err)) != SVY_OK)
        return rc;
    /* A plain file's size (a gzipped one's only underestimates the rows);
     * standard input goes without. */
    if (path != NULL && strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
        S_ISREG(st.st_mode) && (uintmax_t)st.st_size <= SIZE_MAX)
        hint = (size_t)st.st_size;
    rc = read_table(out, in, opts, info, 1, hint, err);
    if (rc == SVY_OK)
        rc = named(out, in, err);
    svy_input_close(in);
    return rc;
}

svy_status
svy_csv_read_file(svy_table **out, const char *path, const svy_csv_opts *opts,
                  svy_csv_info *info, svy_err *err)
{
    svy_input *in = NULL;
    svy_status rc;

    *out = NULL;
    if ((rc = svy_input_open(&in, path, err)) != SVY_OK)
        return rc;
    rc = svy_csv_read(out, in, opts, info, err);
    if (rc == SVY_OK)
        rc = named(out, in, err);
    svy_input_close(in);
    return rc;
}

/*
 * Writing records.  The added cells of a row (a weight: a number to
 * format, the costly part) and the row's text are put together by
 * put_row.  A large file is rendered in blocks of rows by two threads:
 * a helper renders the odd blocks into buffers, this thread the even ones
 * straight into the output, and writes the helper's blocks in turn, so
 * the output is the same bytes in the same order as one thread writes.
 */
#define WRITE_BLOCK 8192 /* rows */
#define WRITE_SLOTS 8    /* the helper's blocks that may wait to be written */

/* The added cells of data row 'i' (formatted into 'nums', a number
 * buffer per cell) and the room the row needs, line end included. */
static size_t
row_cells(const svy_records *r, const svy_column *const *cols, size_t n,
          size_t i, const char **cells, size_t *lens, char *nums)
{
    size_t k, need = r->ends[i] - (i ? r->ends[i - 1] : 0) + 1;

    for (k = 0; k < n; k++) {
        cells[k] =
            svy_column_format(cols[k], i, nums + k * SVY_NUM_BUFSZ, &lens[k]);
        need += 2 * lens[k] + 3;
    }
    return need;
}

/*
 * Put data row 'i' and its added cells at 'q'; returns the end.  The cells
 * of numeric columns ('num', one flag a column) are written as they are:
 * svy_num_format's text never needs quotes.
 */
static char *
put_row(const svy_records *r, size_t i, const char *const *cells,
        const size_t *lens, const unsigned char *num, size_t n, char *q)
{
    size_t start = i ? r->ends[i - 1] : 0, len = r->ends[i] - start, k;

    memcpy(q, r->text.data + start, len);
    q += len;
    for (k = 0; k < n; k++) {
        *q++ = ',';
        if (num[k]) {
            memcpy(q, cells[k], lens[k]);
            q += lens[k];
        } else {
            q = put_field(q, cells[k], lens[k]);
        }
    }
    *q++ = '\n';
    return q;
}

struct wslot {
    svy_buf out;
    int full;
    char pad_[64]; /* no cache line shared with the next slot */
};

struct wjob {
    const svy_records *r;
    const svy_column *const *cols;
    const unsigned char *num; /* per added column: numeric */
    size_t n, nblocks;
    struct wslot slot[WRITE_SLOTS];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;   /* the writer gave up */
    int failed; /* the helper ran out of memory */
};

/* Render rows [from, to) into 'b' (reset first). */
static int
render_block(struct wjob *j, size_t from, size_t to, svy_buf *b,
             const char **cells, size_t *lens, char *nums)
{
    size_t i;

    svy_buf_reset(b);
    for (i = from; i < to; i++) {
        size_t need = row_cells(j->r, j->cols, j->n, i, cells, lens, nums);
        if (b->len + need + 1 > b->cap && svy_buf_grow(b, need) != SVY_OK)
            return -1;
        b->len = (size_t)(put_row(j->r, i, cells, lens, j->num, j->n,
                                  b->data + b->len) -
                          b->data);
    }
    return 0;
}

/* The helper: every odd block, into the slots in turn. */
static void *
write_helper(void *arg)
{
    struct wjob *j = arg;
    const char **cells = calloc(j->n + 1, sizeof(*cells));
    size_t *lens = calloc(j->n + 1, sizeof(*lens));
    char *nums = svy_mem_alloc(j->n + 1, SVY_NUM_BUFSZ);
    size_t blk, k = 0;
    int fail = cells == NULL || lens == NULL || nums == NULL;

    for (blk = 1; blk < j->nblocks && !fail; blk += 2, k++) {
        struct wslot *s = &j->slot[k % WRITE_SLOTS];
        size_t to = (blk + 1) * WRITE_BLOCK;
        int stop;
        pthread_mutex_lock(&j->mu);
        while (s->full && !j->stop)
            pthread_cond_wait(&j->cv, &j->mu);
        stop = j->stop;
        pthread_mutex_unlock(&j->mu);
        if (stop)
            break;
        if (to > j->r->n)
            to = j->r->n;
        fail = render_block(j, blk * WRITE_BLOCK, to, &s->out, cells, lens,
                            nums) != 0;
        pthread_mutex_lock(&j->mu);
        s->full = !fail;
        j->failed = fail;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
    }
    free(cells);
    free(lens);
    free(nums);
    return NULL;
}

/* Write rows [from, to) straight into the output. */
static svy_status
write_rows(const struct wjob *j, size_t from, size_t to, const char **cells,
           size_t *lens, char *nums, svy_output *o, svy_err *err)
{
    size_t i;
    svy_status rc;

    for (i = from; i < to; i++) {
        size_t need = row_cells(j->r, j->cols, j->n, i, cells, lens, nums);
        char *p;
        if ((rc = svy_output_reserve(o, need, &p, err)) != SVY_OK)
            return rc;
        svy_output_advance(
            o, (size_t)(put_row(j->r, i, cells, lens, j->num, j->n, p) - p));
    }
    return SVY_OK;
}

/* Every block in order: the even ones here, the odd ones from the helper
 * (or here too when there is none). */
static svy_status
write_blocks(struct wjob *j, int helper, const char **cells, size_t *lens,
             char *nums, svy_output *o, svy_err *err)
{
    size_t blk, k = 0;
    svy_status rc = SVY_OK;

    for (blk = 0; blk < j->nblocks && rc == SVY_OK; blk++) {
        size_t from = blk * WRITE_BLOCK, to = from + WRITE_BLOCK;
        struct wslot *s = &j->slot[k % WRITE_SLOTS];
        if (to > j->r->n)
            to = j->r->n;
        if (!helper || blk % 2 == 0) {
            rc = write_rows(j, from, to, cells, lens, nums, o, err);
            continue;
        }
        int ready;
        pthread_mutex_lock(&j->mu);
        while (!s->full && !j->failed)
            pthread_cond_wait(&j->cv, &j->mu);
        ready = s->full;
        pthread_mutex_unlock(&j->mu);
        if (!ready)
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        rc = svy_output_write(o, s->out.data, s->out.len, err);
        pthread_mutex_lock(&j->mu);
        s->full = 0;
        pthread_cond_broadcast(&j->cv);
        pthread_mutex_unlock(&j->mu);
        k++;
    }
    return rc;
}

svy_status
svy_records_write(const svy_records *r, const char *const *added, size_t n,
                  svy_output *o, svy_err *err)
{
    const svy_column **cols = NULL;
    const char **cells = NULL;
    size_t *lens = NULL, k;
    char *nums = NULL, *p, *q;
    unsigned char *num = NULL;
    struct wjob j;
    pthread_t tid;
    int helper = 0;
    svy_status rc = SVY_OK;

    if (r->whole)
        return svy_csv_write(r->t, o, err);
    memset(&j, 0, sizeof(j));
    cols = calloc(n + 1, sizeof(*cols));
    cells = calloc(n + 1, sizeof(*cells));
    lens = calloc(n + 1, sizeof(*lens));
    nums = svy_mem_alloc(n + 1, SVY_NUM_BUFSZ);
    num = calloc(n + 1, 1);
    if (!cols || !cells || !lens || !nums || !num) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    for (k = 0; k < n; k++) {
        if ((cols[k] = svy_table_find(r->t, added[k])) == NULL) {
            rc =
                svy_err_set(err, SVY_EINVAL, "no column '%s' to add", added[k]);
            goto out;
        }
        num[k] = svy_column_type(cols[k]) == SVY_NUM;
    }
    /* The header: the file's, then the added names. */
    for (k = 0; k < n; k++)
        lens[k] = strlen(added[k]);
    {
        size_t need = r->header.len + 1;
        for (k = 0; k < n; k++)
            need += 2 * lens[k] + 3;
        if ((rc = svy_output_reserve(o, need, &p, err)) != SVY_OK)
            goto out;
    }
    memcpy(p, r->header.data, r->header.len);
    q = p + r->header.len;
    for (k = 0; k < n; k++) {
        *q++ = ',';
        q = put_field(q, added[k], lens[k]);
    }
    *q++ = '\n';
    svy_output_advance(o, (size_t)(q - p));
    j.r = r;
    j.cols = cols;
    j.num = num;
    j.n = n;
    j.nblocks = (r->n + WRITE_BLOCK - 1) / WRITE_BLOCK;
    /* A helper for two blocks or more; without one, one thread does all. */
    if (j.nblocks >= 2 && pthread_mutex_init(&j.mu, NULL) == 0) {
        if (pthread_cond_init(&j.cv, NULL) != 0)
            pthread_mutex_destroy(&j.mu);
        else if (pthread_create(&tid, NULL, write_helper, &j) != 0) {
            pthread_cond_destroy(&j.cv);
            pthread_mutex_destroy(&j.mu);
        } else {
            helper = 1;
        }
    }
    rc = write_blocks(&j, helper, cells, lens, nums, o, err);
    if (helper) {
        pthread_mutex_lock(&j.mu);
        j.stop = 1;
        pthread_cond_broadcast(&j.cv);
        pthread_mutex_unlock(&j.mu);
        pthread_join(tid, NULL);
        pthread_cond_destroy(&j.cv);
        pthread_mutex_destroy(&j.mu);
    }
    for (k = 0; k < WRITE_SLOTS; k++)
        svy_buf_release(&j.slot[k].out);
out:
    free(cols);
    free(cells);
    free(lens);
    free(nums);
    free(num);
    return rc;
}
