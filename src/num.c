/*
 * num.c - number parsing and shortest round-trip formatting.
 *
 * Parsing: a strict grammar check, then the Clinger fast path: when the
 * digits form an integer m < 2^53 and the decimal exponent k has
 * |k| <= 22, m and 10^|k| are exact doubles and one IEEE multiplication or
 * division gives the correctly rounded result, the same double strtod
 * returns.  Anything else goes to strtod on a copy with '.' as separator
 * (tools keep LC_NUMERIC at "C").
 *
 * Formatting: integers below 1e15 go through a digit loop.  Other values
 * try d = 1..15 decimals: r = round(v * 10^d) is accepted when r / 10^d == v
 * in double arithmetic, which (both operands exact) is the correctly
 * rounded value of the decimal r·10^-d, so it reads back to v.  The first
 * d that works is the shortest such fixed form.  Failing that, %.15g,
 * %.16g and %.17g are tried in turn; %.17g always round-trips.
 */
#include "svy/num.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every power of ten up to 1e22 is exact in a double (5^22 < 2^53). */
static const double pow10_tab[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The blanks allowed around a number, the ones libcsv trims. */
static int
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int
svy_num_parse(const char *s, size_t n, int flags, double *out)
{
    const char *p, *end;
    uint64_t mant = 0;
    int ndig = 0, sig = 0, frac = 0, neg = 0, exp10 = 0, lead = 0;
    int intdigits = 0, exact = 1, has_point = 0, has_exp = 0;
    char sep = (flags & SVY_NUM_COMMA) ? ',' : '.';

    while (n > 0 && is_blank(s[0]))
        s++, n--;
    while (n > 0 && is_blank(s[n - 1]))
        n--;
    if (n == 0)
        return 0;
    p = s;
    end = s + n;
    if (*p == '-')
        neg = 1, p++;
    if (p < end && *p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
        lead = 1;
    /*
     * The mantissa keeps at most 19 significant digits, which always fit
     * in a uint64_t; more make the value inexact and send it to strtod.
     * Leading zeros are not significant: "0.000123" stays on the fast path.
     */
    for (; p < end && *p >= '0' && *p <= '9'; p++, ndig++, intdigits++) {
        if (sig == 0 && *p == '0')
            continue;
        if (sig < 19)
            mant = mant * 10 + (uint64_t)(*p - '0');
        else
            exact = 0, exp10++;
        sig++;
    }
    /* In decimal-comma mode a point is still accepted as a point. */
    if (p < end && (*p == sep || *p == '.')) {
        has_point = 1;
        p++;
        for (; p < end && *p >= '0' && *p <= '9'; p++, ndig++, frac++) {
            if (sig == 0 && *p == '0') {
                exp10--;
                continue;
            }
            if (sig < 19)
                mant = mant * 10 + (uint64_t)(*p - '0'), exp10--;
            else
                exact = 0;
            sig++;
        }
    }
    if (ndig == 0)
        return 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        int eneg = 0, e = 0, edig = 0;
        has_exp = 1;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p == '-', p++;
        for (; p < end && *p >= '0' && *p <= '9'; p++, edig++)
            /* Capped: an exponent this large goes to strtod anyway. */
            if (e < 100000)
                e = e * 10 + (*p - '0');
        if (edig == 0)
            return 0;
        exp10 += eneg ? -e : e;
    }
    if (p != end)
        return 0;
    /* Identifiers: "007" would lose its zeros, and not every integer of
     * 16 digits or more is exact in a double. */
    if (flags & SVY_NUM_CODE) {
        if (lead)
            return 0;
        if (!has_point && !has_exp && intdigits > 15)
            return 0;
    }
    if (exact && mant < ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mant;
        v = exp10 < 0 ? v / pow10_tab[-exp10] : v * pow10_tab[exp10];
        *out = neg ? -v : v;
        return 1;
    }
    {
        char tmp[512], *copy = tmp, *ep;
        double v;

        /*
         * The fallback: strtod wants a terminated string with '.' as the
         * separator, so it reads a copy (on the heap past 512 bytes; failing
         * to allocate one reads as "not a number").  The grammar is checked
         * already.
         */
        if (n >= sizeof(tmp) && (copy = malloc(n + 1)) == NULL)
            return 0;
        memcpy(copy, s, n);
        copy[n] = '\0';
        if (sep == ',') {
            char *c = strchr(copy, ',');
            if (c)
                *c = '.';
        }
        v = strtod(copy, &ep);
        if (copy != tmp)
            free(copy);
        /* 1e400 overflows: not a number we could write back. */
        if (isinf(v))
            return 0;
        *out = v;
        return 1;
    }
}

/* Digits of u into buf, most significant first; returns the count. */
static size_t
format_uint(uint64_t u, char *buf)
{
    char tmp[24];
    size_t n = 0, i;

    if (u < 10) {
        buf[0] = (char)('0' + u);
        return 1;
    }
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

size_t
svy_num_format(double v, char *buf)
{
    size_t n = 0;
    double a;
    int d, prec;

    if (isnan(v)) {
        buf[0] = '\0';
        return 0;
    }
    if (isinf(v)) {
        strcpy(buf, v < 0 ? "-inf" : "inf");
        return strlen(buf);
    }
    /* Test signbit, not v < 0, so that -0 keeps its sign: "-0". */
    if (signbit(v))
        buf[n++] = '-';
    a = fabs(v);
    /* Small integers (most survey codes) first: a cast, no floor() call. */
    if (a < 4294967296.0 && a == (double)(uint32_t)a) {
        n += format_uint((uint32_t)a, buf + n);
        buf[n] = '\0';
        return n;
    }
    if (a < 1e15 && a == floor(a)) {
        n += format_uint((uint64_t)a, buf + n);
        buf[n] = '\0';
        return n;
    }
    if (a < 1e15 && a >= 1e-5) {
        for (d = 1; d <= 15; d++) {
            double r = nearbyint(a * pow10_tab[d]);
            /* The argument at the top needs r exact: r < 2^53. */
            if (r >= 9007199254740992.0)
                break;
            /* Read back, these digits take the parser's fast path with
             * mant = r, exp10 = -d: this very division. */
            if (r / pow10_tab[d] == a) {
                char digits[24];
                size_t nd = format_uint((uint64_t)r, digits), i;
                if (nd <= (size_t)d) {
                    buf[n++] = '0';
                    buf[n++] = '.';
                    for (i = nd; i < (size_t)d; i++)
                        buf[n++] = '0';
                    memcpy(buf + n, digits, nd);
                    n += nd;
                } else {
                    memcpy(buf + n, digits, nd - (size_t)d);
                    n += nd - (size_t)d;
                    buf[n++] = '.';
                    memcpy(buf + n, digits + nd - d, (size_t)d);
                    n += (size_t)d;
                }
                buf[n] = '\0';
                return n;
            }
        }
    }
    /* The shorter forms are checked with our own parser, which will read
     * them; the %.17g form needs no check and is at most 24 characters. */
    for (prec = 15; prec <= 17; prec++) {
        double back;
        int len = snprintf(buf, SVY_NUM_BUFSZ, "%.*g", prec, v);
        if (prec == 17 ||
            (svy_num_parse(buf, (size_t)len, 0, &back) && back == v))
            return (size_t)len;
    }
    return strlen(buf);
}
