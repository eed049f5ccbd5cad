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
 * Formatting: integers below 2^32 (most survey codes) and then below 1e15
 * go through a digit loop.  Other values from 1e-4 to 1e15 get their
 * shortest decimal computed exactly in 128-bit integers (exact_decimal):
 * with v = m·2^-s (m < 2^53) and k decimals, N = m·10^k = v·10^k·2^s
 * exactly; Q = floor(v·10^k) has 17 or 18 digits and R is the remainder.
 * Dropping j digits, the correctly rounded decimal is
 * d = round((Q + R·2^-s) / 10^j), and it reads back to v when d·10^j·2^s
 * lies within half an ulp of N (an ulp of v is 10^k in N's units; half that
 * below a power of two, where the gap to the next double down is half).
 * j grows while that holds, so the last d that passed is the shortest.
 * Its digits are written two at a time straight into place.  About 60 ns
 * a value (100 ns before the digits were written in place), which matters
 * for a million computed weights.
 * Anything else tries %.15g, %.16g and %.17g in turn, reading each back;
 * %.17g always round-trips.  GCC's and Clang's unsigned __int128 carry the
 * exact products; the __extension__ keyword keeps -Wpedantic quiet.
 */
#include "svy/num.h"

#include <assert.h>
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

/*
 * The common case first: digits with at most one point inside them, 15
 * digits or fewer and no leading zero before another digit ("1.524533",
 * "12", "0.5").  The mantissa is exact and one division by an exact power
 * of ten gives the correctly rounded result, the same as the general path
 * below computes.  Returns 0 when the text is not of that form.
 */
static int
parse_plain(const char *s, size_t n, double *out)
{
    uint64_t mant = 0;
    size_t i, point = n;

    if (n == 0 || n > 16 || (s[0] == '0' && n > 1 && s[1] != '.'))
        return 0;
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d <= 9) {
            mant = mant * 10 + d;
        } else if (s[i] == '.' && point == n && i > 0 && i + 1 < n) {
            point = i;
        } else {
            return 0;
        }
    }
    if (point == n && n > 15)
        return 0;
    *out = point == n ? (double)mant
                      : (double)mant / pow10_tab[n - 1 - point];
    return 1;
}

int
svy_num_parse(const char *s, size_t n, int flags, double *out)
{
    const char *p, *end;
    uint64_t mant = 0;
    int ndig = 0, sig = 0, frac = 0, neg = 0, exp10 = 0, lead = 0;
    int intdigits = 0, exact = 1, has_point = 0, has_exp = 0;
    char sep = (flags & SVY_NUM_COMMA) ? ',' : '.';

    if (parse_plain(s, n, out))
        return 1;
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

__extension__ typedef unsigned __int128 u128;

static const uint64_t pow10_u64[20] = {
    1ULL,
    10ULL,
    100ULL,
    1000ULL,
    10000ULL,
    100000ULL,
    1000000ULL,
    10000000ULL,
    100000000ULL,
    1000000000ULL,
    10000000000ULL,
    100000000000ULL,
    1000000000000ULL,
    10000000000000ULL,
    100000000000000ULL,
    1000000000000000ULL,
    10000000000000000ULL,
    100000000000000000ULL,
    1000000000000000000ULL,
    10000000000000000000ULL,
};

/* 10^k for 0 <= k <= 38. */
static u128
pow10_u128(int k)
{
    return k < 20 ? pow10_u64[k] : (u128)pow10_u64[19] * pow10_u64[k - 19];
}

/* Q / 10^j with a constant divisor, which compilers turn into a multiply. */
static uint64_t
div_pow10(uint64_t q, int j)
{
    switch (j) {
    case 0: return q;
    case 1: return q / 10;
    case 2: return q / 100;
    case 3: return q / 1000;
    case 4: return q / 10000;
    case 5: return q / 100000;
    case 6: return q / 1000000;
    case 7: return q / 10000000;
    case 8: return q / 100000000;
    default: return q / pow10_u64[j];
    }
}

static const char digit_pairs[] = "00010203040506070809"
                                  "10111213141516171819"
                                  "20212223242526272829"
                                  "30313233343536373839"
                                  "40414243444546474849"
                                  "50515253545556575859"
                                  "60616263646566676869"
                                  "70717273747576777879"
                                  "80818283848586878889"
                                  "90919293949596979899";

/*
 * Write the decimal digits of 'v' so that the last one ends just before
 * 'end', two at a time; returns where the first one is.
 */
static char *
put_digits(uint64_t v, char *end)
{
    while (v >= 100) {
        const char *pair = digit_pairs + 2 * (v % 100);
        v /= 100;
        *--end = pair[1];
        *--end = pair[0];
    }
    if (v >= 10) {
        *--end = digit_pairs[2 * v + 1];
        *--end = digit_pairs[2 * v];
    } else {
        *--end = (char)('0' + v);
    }
    return end;
}

/*
 * floor(e · log10 2) in integers: 78913 / 2^18 is log10 2 closely enough
 * for every exponent of a double (checked for |e| <= 1100; only -14..49
 * come here).
 */
static int
floor_log10_pow2(int e)
{
    return e >= 0 ? (e * 78913) >> 18 : -((-e * 78913 + (1 << 18) - 1) >> 18);
}

/*
 * The shortest decimal of 'v' (1e-4 <= v < 1e15, not an integer), exactly:
 * see the comment at the top.  Returns its length.
 */
static size_t
exact_decimal(double v, char *buf)
{
    uint64_t bits, m, Q, d = 0, best = 0;
    int s, e2, k, j, q, nd;
    u128 N, R, ulp;
    size_t n;

    memcpy(&bits, &v, sizeof(bits));
    e2 = (int)((bits >> 52) & 0x7ff);
    m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
    s = 1075 - e2; /* v = m·2^-s, 0 < s <= 66 */
    /* k decimals put v·10^k in [1e16, 1e18): 17 or 18 digits. */
    k = 16 - floor_log10_pow2(e2 - 1023);
    ulp = pow10_u128(k); /* one ulp of v in N's units */
    N = (u128)m * ulp;   /* v·10^k·2^s, exactly */
    if (N < (u128)pow10_u64[16] << s) {
        k++;
        ulp *= 10;
        N *= 10;
    }
    Q = (uint64_t)(N >> s); /* floor(v·10^k) */
    R = N - ((u128)Q << s); /* and the rest, in 2^-s units */
    for (j = 0; j <= 18; j++) {
        uint64_t P = pow10_u64[j], r;
        u128 lhs, rhs, x, diff;
        d = div_pow10(Q, j);
        r = Q - d * P;
        lhs = (((u128)r << s) + R) * 2; /* round half to even */
        rhs = (u128)P << s;
        if (lhs > rhs || (lhs == rhs && (d & 1)))
            d++;
        x = ((u128)d * P) << s;
        diff = x > N ? x - N : N - x;
        /* Below a power of two the gap to the next double is half;
         * a tie reads back to the even mantissa. */
        diff *= x < N && m == (1ULL << 52) ? 4 : 2;
        if (diff > ulp || (diff == ulp && (m & 1)))
            break;
        best = d;
    }
    assert(j > 0);   /* 17 digits always read back */
    q = k - (j - 1); /* the value is best·10^-q */
    /* Trailing zeros of the fraction go. */
    while (q > 0 && best >= 10 && best % 10 == 0) {
        best /= 10;
        q--;
    }
    for (nd = 1; nd < 20 && best >= pow10_u64[nd]; nd++)
        ;
    if (q <= 0) { /* an integer: its zeros follow */
        put_digits(best, buf + nd);
        n = (size_t)nd;
        while (q++ < 0)
            buf[n++] = '0';
    } else if (q >= nd) { /* below 1: "0." and zeros first */
        n = (size_t)(2 + q);
        buf[0] = '0';
        buf[1] = '.';
        memset(buf + 2, '0', (size_t)(q - nd));
        put_digits(best, buf + n);
    } else { /* the digits, with the point moved in */
        n = (size_t)nd + 1;
        put_digits(best, buf + n);
        memmove(buf, buf + 1, (size_t)(nd - q));
        buf[nd - q] = '.';
    }
    buf[n] = '\0';
    return n;
}

size_t
svy_num_format(double v, char *buf)
{
    size_t n = 0;
    double a;
    int prec;

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
    if (a >= 1e-4 && a < 1e15)
        return n + exact_decimal(a, buf + n);
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
