/*
 * text.c - UTF-8 validation (table-free, with an 8-byte ASCII fast path,
 * since most survey data is ASCII codes), display width from a short list
 * of zero-width and wide ranges, and an iconv wrapper.
 *
 * Widths come from our own ranges rather than wcwidth(3), whose answer
 * depends on the locale, and the tools run in the C locale.
 */
#include "svy/text.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Length of the valid sequence at s (0 if invalid); *cut when the bytes up
 * to the end of the buffer are a valid beginning, so that a streaming
 * caller waits for more instead of failing.  Lead bytes C0, C1 and F5..FF
 * could only start overlongs or values above U+10FFFF.
 */
static size_t
seq_len(const unsigned char *s, size_t avail, int *cut)
{
    unsigned c = s[0];
    size_t len, i;
    uint32_t cp;

    *cut = 0;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    for (i = 1; i < len; i++) {
        if (i >= avail) {
            *cut = 1;
            return 0;
        }
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
        /*
         * Reject overlongs and surrogates as soon as the bits show them:
         * E0 80..9F and F0 80..8F are overlong, ED A0..BF a surrogate, and
         * F4 90..BF above U+10FFFF.
         */
        if (i == 1 && len == 3 && c == 0xE0 && s[1] < 0xA0)
            return 0;
        if (i == 1 && len == 3 && c == 0xED && s[1] > 0x9F)
            return 0;
        if (i == 1 && len == 4 && c == 0xF0 && s[1] < 0x90)
            return 0;
        if (i == 1 && len == 4 && c == 0xF4 && s[1] > 0x8F)
            return 0;
    }
    return len;
}

/* Eight ASCII bytes at a time: one mask test instead of eight; memcpy
 * makes the unaligned load legal. */
static inline size_t
ascii_run(const unsigned char *s, size_t n)
{
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ULL)
            break;
    }
    while (i < n && s[i] < 0x80)
        i++;
    return i;
}

size_t
svy_ascii_len(const char *s, size_t n)
{
    return ascii_run((const unsigned char *)s, n);
}

size_t
svy_utf8_check(const char *str, size_t n, int *incomplete)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    *incomplete = 0;
    while (i < n) {
        size_t len;
        int cut;

        if ((i += ascii_run(s + i, n - i)) == n)
            break;
        len = seq_len(s + i, n - i, &cut);
        if (len == 0) {
            *incomplete = cut;
            return i;
        }
        i += len;
    }
    return n;
}

/* A code point and its length; an invalid or cut sequence decodes as its
 * first byte alone, so it counts one column, as text.h promises. */
static uint32_t
decode(const unsigned char *s, size_t n, size_t *len)
{
    int cut;
    size_t l = seq_len(s, n, &cut), i;
    uint32_t cp;

    if (l <= 1) {
        *len = 1;
        return s[0];
    }
    cp = s[0] & (l == 2 ? 0x1F : l == 3 ? 0x0F : 0x07);
    for (i = 1; i < l; i++)
        cp = (cp << 6) | (s[i] & 0x3F);
    *len = l;
    return cp;
}

/*
 * Zero: combining diacritics (Cyrillic ones too), zero-width spaces and
 * marks, the BOM, combining half marks.  Two: Hangul, CJK and Yi,
 * fullwidth forms, emoji and the supplementary ideographic planes.
 */
static int
cp_width(uint32_t cp)
{
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0483 && cp <= 0x0489) ||
        (cp >= 0x200B && cp <= 0x200F) || cp == 0xFEFF ||
        (cp >= 0xFE20 && cp <= 0xFE2F))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) ||
        (cp >= 0x1F300 && cp <= 0x1FAFF) || (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

size_t
svy_utf8_nwidth(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, w = 0, len;

    while (i < n) {
        uint32_t cp = decode(s + i, n - i, &len);
        w += (size_t)cp_width(cp);
        i += len;
    }
    return w;
}

size_t
svy_utf8_width(const char *s)
{
    return svy_utf8_nwidth(s, strlen(s));
}

size_t
svy_utf8_fit(const char *str, size_t cols)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = strlen(str), i = 0, w = 0, len;

    while (i < n) {
        int cw = cp_width(decode(s + i, n - i, &len));
        /* A zero-width mark after the last character that fits is kept,
         * so a combining mark never loses its base. */
        if (w + (size_t)cw > cols)
            break;
        w += (size_t)cw;
        i += len;
    }
    return i;
}

struct svy_recoder {
    iconv_t cd;
};

svy_status
svy_recoder_new(svy_recoder **out, const char *from, svy_err *err)
{
    svy_recoder *r;

    *out = NULL;
    if ((r = malloc(sizeof(*r))) == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    /* Any failure is reported as an unknown name, by far its usual cause. */
    r->cd = iconv_open("UTF-8", from);
    if (r->cd == (iconv_t)-1) {
        free(r);
        return svy_err_set(err, SVY_EINVAL, "unknown encoding '%s'", from);
    }
    *out = r;
    return SVY_OK;
}

svy_status
svy_recoder_run(svy_recoder *r, const char *in, size_t n, svy_buf *out,
                size_t *bad)
{
    /* The cast is for iconv's prototype; it never writes the input. */
    char *ip = (char *)in;
    size_t ileft = n;

    while (ileft > 0) {
        size_t room = ileft * 3 + 16, oleft, rc;
        char *op;

        /*
         * Room for the worst case of a single-byte code page (3 UTF-8 bytes
         * a byte) and iconv writes straight into the buffer; an E2BIG just
         * goes round the loop.
         */
        if (svy_buf_grow(out, room) != SVY_OK)
            return SVY_ENOMEM;
        op = out->data + out->len;
        oleft = room;
        rc = iconv(r->cd, &ip, &ileft, &op, &oleft);
        out->len = (size_t)(op - out->data);
        out->data[out->len] = '\0';
        /* EILSEQ, or EINVAL for a sequence cut at the end: '*bad' is the
         * byte that does not convert. */
        if (rc == (size_t)-1 && errno != E2BIG) {
            *bad = (size_t)(ip - in);
            return SVY_EPARSE;
        }
    }
    return SVY_OK;
}

void
svy_recoder_free(svy_recoder *r)
{
    if (r == NULL)
        return;
    iconv_close(r->cd);
    free(r);
}

/* See text.h: one JSON string writer for every JSON output. */
svy_status
svy_json_string(svy_buf *b, const char *s)
{
    size_t n = strlen(s), i = 0;
    svy_status rc = svy_buf_putc(b, '"');

    while (i < n && rc == SVY_OK) {
        int inc;
        size_t ok = i + svy_utf8_check(s + i, n - i, &inc);
        for (; i < ok && rc == SVY_OK; i++) {
            unsigned char ch = (unsigned char)s[i];
            if (ch == '"' || ch == '\\') {
                if ((rc = svy_buf_putc(b, '\\')) == SVY_OK)
                    rc = svy_buf_putc(b, (char)ch);
            } else if (ch == '\n')
                rc = svy_buf_puts(b, "\\n");
            else if (ch == '\t')
                rc = svy_buf_puts(b, "\\t");
            else if (ch == '\r')
                rc = svy_buf_puts(b, "\\r");
            else if (ch < 0x20)
                rc = svy_buf_printf(b, "\\u%04x", ch);
            else
                rc = svy_buf_putc(b, (char)ch);
        }
        if (i < n && rc == SVY_OK) {
            rc = svy_buf_puts(b, "\\ufffd");
            i++;
        }
    }
    if (rc == SVY_OK)
        rc = svy_buf_putc(b, '"');
    return rc;
}
