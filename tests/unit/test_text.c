/*
 * test_text.c - UTF-8 validation, display width and the CP1251 recoder.
 *
 * Byte sequences are written as escapes so that what is tested is plain to
 * see: "\xd0\x90" is Cyrillic 'А' (U+0410), "\xd2\xa3" Kyrgyz 'ң' (U+04A3),
 * "\xd3\xa9" 'ө' (U+04E9), "\xd2\xaf" 'ү' (U+04AF).
 */
#include "svy/text.h"

#include <string.h>

#include "check.h"

/* Check a C string: returns the offset, '*inc' the incomplete flag. */
static size_t
check_str(const char *s, int *inc)
{
    *inc = -1;
    return svy_utf8_check(s, strlen(s), inc);
}

static void
test_text_utf8_valid(void)
{
    static const char *const ok[] = {
        "",
        "plain ASCII, 1234567890 and more than eight bytes",
        "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", /* Привет */
        "\xd2\xa3 \xd3\xa9 \xd2\xaf",                       /* ң ө ү */
        "\xf0\x9f\x98\x80",                                 /* U+1F600 */
        "\xe4\xb8\xad\xe6\x96\x87",                         /* 中文 */
        "\xc2\x80",                                         /* U+0080 */
        "\xdf\xbf",                                         /* U+07FF */
        "\xe0\xa0\x80",                                     /* U+0800 */
        "\xed\x9f\xbf",                                     /* U+D7FF */
        "\xee\x80\x80",                                     /* U+E000 */
        "\xef\xbb\xbf",                                     /* BOM */
        "\xf0\x90\x80\x80",                                 /* U+10000 */
        "\xf4\x8f\xbf\xbf",                                 /* U+10FFFF */
        "12345678\xd0\x90xyz",
    };
    size_t i;
    int inc;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        CHECK_INT(check_str(ok[i], &inc), strlen(ok[i]));
        CHECK_INT(inc, 0);
    }
}

static void
test_text_utf8_invalid(void)
{
    int inc;

    /* Overlong encodings of '\0' and '/', and of U+07FF in three bytes. */
    CHECK_INT(check_str("a\xc0\x80", &inc), 1);
    CHECK_INT(inc, 0);
    CHECK_INT(check_str("\xc1\xbf", &inc), 0);
    CHECK_INT(check_str("ab\xe0\x9f\xbf", &inc), 2);
    CHECK_INT(check_str("\xf0\x8f\xbf\xbf", &inc), 0);
    /* Surrogates are not characters. */
    CHECK_INT(check_str("xy\xed\xa0\x80", &inc), 2);
    CHECK_INT(inc, 0);
    CHECK_INT(check_str("\xed\xbf\xbf", &inc), 0);
    /* Above U+10FFFF, and bytes that never occur. */
    CHECK_INT(check_str("\xf4\x90\x80\x80", &inc), 0);
    CHECK_INT(check_str("ok\xf5\x80\x80\x80", &inc), 2);
    CHECK_INT(check_str("\xff", &inc), 0);
    CHECK_INT(check_str("\xfe", &inc), 0);
    /* A continuation byte on its own, after ASCII that takes the 8-byte
     * fast path. */
    CHECK_INT(check_str("0123456789\x80", &inc), 10);
    CHECK_INT(inc, 0);
    /* A lead byte followed by something that is not a continuation. */
    CHECK_INT(check_str("\xd0"
                        "A",
                        &inc),
              0);
    CHECK_INT(inc, 0);
    CHECK_INT(check_str("\xe2\x28\xa1", &inc), 0);
    CHECK_INT(inc, 0);
    /* CP1251 "Привет" is not UTF-8: the first byte is already wrong. */
    CHECK_INT(check_str("\xcf\xf0\xe8\xe2\xe5\xf2", &inc), 0);
    CHECK_INT(inc, 0);
}

/* A sequence cut by the end of the buffer is flagged, not rejected. */
static void
test_text_utf8_incomplete_tail(void)
{
    int inc;

    CHECK_INT(check_str("ab\xd0", &inc), 2);
    CHECK_INT(inc, 1);
    CHECK_INT(check_str("\xe4\xb8", &inc), 0);
    CHECK_INT(inc, 1);
    CHECK_INT(check_str("x\xf0\x9f\x98", &inc), 1);
    CHECK_INT(inc, 1);
    CHECK_INT(check_str("0123456789abcdef\xf0", &inc), 16);
    CHECK_INT(inc, 1);
    /* Cut short, but already wrong: not "incomplete". */
    CHECK_INT(check_str("\xe0\x80", &inc), 0);
    CHECK_INT(inc, 0);
    CHECK_INT(check_str("\xed\xa0", &inc), 0);
    CHECK_INT(inc, 0);
    CHECK_INT(check_str("\xf4\x90", &inc), 0);
    CHECK_INT(inc, 0);
    /* The length is what counts, not the terminator. */
    CHECK_INT(svy_utf8_check("\xd0\x90", 1, &inc), 0);
    CHECK_INT(inc, 1);
}

static void
test_text_width(void)
{
    /* "Айгүл": five letters, five columns, ten bytes. */
    const char *name = "\xd0\x90\xd0\xb9\xd0\xb3\xd2\xaf\xd0\xbb";

    CHECK_INT(strlen(name), 10);
    CHECK_INT(svy_utf8_width(name), 5);
    CHECK_INT(svy_utf8_width(""), 0);
    CHECK_INT(svy_utf8_width("abc"), 3);
    CHECK_INT(svy_utf8_width("\xd2\xa3\xd3\xa9\xd2\xaf"), 3); /* ңөү */
    /* CJK and fullwidth forms take two columns each. */
    CHECK_INT(svy_utf8_width("\xe4\xb8\xad\xe6\x96\x87"), 4); /* 中文 */
    CHECK_INT(svy_utf8_width("\xea\xb0\x80"), 2);             /* 가 */
    CHECK_INT(svy_utf8_width("\xef\xbc\xa1"), 2);             /* Ａ */
    CHECK_INT(svy_utf8_width("\xf0\x9f\x98\x80"), 2);         /* U+1F600 */
    /* Combining marks take none: "é" as e + U+0301, Cyrillic titlo. */
    CHECK_INT(svy_utf8_width("e\xcc\x81"), 1);
    CHECK_INT(svy_utf8_width("\xd0\xb8\xd2\x83"), 1);
    CHECK_INT(svy_utf8_width("a\xe2\x80\x8b"
                             "b"),
              2); /* zero width space */
    /* Invalid bytes count one column each. */
    CHECK_INT(svy_utf8_width("\xff\xfe"), 2);
    CHECK_INT(svy_utf8_width("a\xd0"), 2);
    /* svy_utf8_nwidth stops at n bytes. */
    CHECK_INT(svy_utf8_nwidth(name, 4), 2);
    CHECK_INT(svy_utf8_nwidth("abc", 0), 0);
}

static void
test_text_fit(void)
{
    const char *name = "\xd0\x90\xd0\xb9\xd0\xb3\xd2\xaf\xd0\xbb"; /* Айгүл */
    const char *cjk = "\xe4\xb8\xad\xe6\x96\x87";                  /* 中文 */

    CHECK_INT(svy_utf8_fit(name, 0), 0);
    CHECK_INT(svy_utf8_fit(name, 3), 6);
    CHECK_INT(svy_utf8_fit(name, 5), 10);
    CHECK_INT(svy_utf8_fit(name, 99), 10);
    CHECK_INT(svy_utf8_fit("abcdef", 4), 4);
    /* A wide character that does not fit whole is left out. */
    CHECK_INT(svy_utf8_fit(cjk, 1), 0);
    CHECK_INT(svy_utf8_fit(cjk, 3), 3);
    CHECK_INT(svy_utf8_fit(cjk, 4), 6);
    /* A combining mark stays with its letter. */
    CHECK_INT(svy_utf8_fit("e\xcc\x81x", 1), 3);
    CHECK_INT(svy_utf8_fit("", 5), 0);
}

static void
test_text_recoder_cp1251(void)
{
    svy_recoder *r = NULL;
    svy_buf out = SVY_BUF_INIT;
    svy_err err = SVY_ERR_INIT;
    size_t bad = 12345;

    CHECK_INT(svy_recoder_new(&r, "CP1251", &err), SVY_OK);
    if (r == NULL)
        return;
    CHECK_INT(svy_recoder_run(r, "\xcf\xf0\xe8\xe2\xe5\xf2", 6, &out, &bad),
              SVY_OK);
    CHECK_STR(out.data, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
    CHECK_INT(out.len, 12);
    /* Output is appended; Kyrgyz letters are not in CP1251, but '№', 'ё'
     * and the euro sign (three UTF-8 bytes from one) are. */
    CHECK_INT(svy_recoder_run(r, " \xb9\xb8\x88", 4, &out, &bad), SVY_OK);
    CHECK_STR(out.data, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"
                        " \xe2\x84\x96\xd1\x91\xe2\x82\xac");
    /* 0x98 is the one byte CP1251 leaves undefined. */
    svy_buf_reset(&out);
    CHECK_INT(svy_recoder_run(r,
                              "ab\x98"
                              "cd",
                              5, &out, &bad),
              SVY_EPARSE);
    CHECK_INT(bad, 2);
    CHECK_STR(out.data, "ab");
    /* Many bytes of three-byte output: the output buffer must grow. */
    {
        char in[3000];
        size_t i;
        memset(in, '\x88', sizeof(in));
        svy_buf_reset(&out);
        CHECK_INT(svy_recoder_run(r, in, sizeof(in), &out, &bad), SVY_OK);
        CHECK_INT(out.len, 9000);
        for (i = 0; i < out.len && memcmp(out.data + i, "\xe2\x82\xac", 3) == 0;
             i += 3)
            ;
        CHECK_INT(i, 9000);
    }
    svy_buf_release(&out);
    svy_recoder_free(r);
    svy_recoder_free(NULL);
}

static void
test_text_recoder_unknown(void)
{
    svy_recoder *r = (svy_recoder *)&r;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_recoder_new(&r, "NO-SUCH-ENCODING", &err), SVY_EINVAL);
    CHECK(r == NULL);
    CHECK_STR(err.msg, "unknown encoding 'NO-SUCH-ENCODING'");
}

/*
 * JSON strings: quotes, backslashes and control characters escaped,
 * Cyrillic copied, an invalid byte replaced by U+FFFD.
 */
static void
test_text_json_string(void)
{
    svy_buf b = SVY_BUF_INIT;

    CHECK_INT(svy_json_string(&b, "a\"b\\c\nd\x01"), SVY_OK);
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\nd\\u0001\"");
    svy_buf_reset(&b);
    CHECK_INT(svy_json_string(&b, "\xd0\x90\xff!"), SVY_OK);
    CHECK_STR(b.data, "\"\xd0\x90\\ufffd!\"");
    svy_buf_release(&b);
}

/* The ASCII bytes before the first other one, at every offset of a word. */
static void
test_text_ascii_len(void)
{
    char buf[40];
    size_t at, bad = 0;

    memset(buf, 'a', sizeof(buf));
    CHECK_INT(svy_ascii_len(buf, 0), 0);
    CHECK_INT(svy_ascii_len(buf, sizeof(buf)), sizeof(buf));
    for (at = 0; at < sizeof(buf); at++) {
        buf[at] = (char)0xd0;
        bad += svy_ascii_len(buf, sizeof(buf)) != at;
        bad += svy_ascii_len(buf, at) != at;
        buf[at] = 'a';
    }
    CHECK_INT(bad, 0);
}

static const struct check_case cases[] = {
    CASE(test_text_ascii_len),
    CASE(test_text_json_string),
    CASE(test_text_utf8_valid),
    CASE(test_text_utf8_invalid),
    CASE(test_text_utf8_incomplete_tail),
    CASE(test_text_width),
    CASE(test_text_fit),
    CASE(test_text_recoder_cp1251),
    CASE(test_text_recoder_unknown),
};

CHECK_MAIN(cases)
