/*
 * test_num.c - the numeric grammar of svy_num_parse and the round trip of
 * svy_num_format.
 *
 * The reference for every parsed value is glibc's strtod (correctly
 * rounded); values are compared bit for bit, so a fast path that is off by
 * one ulp fails.  The random cases use a fixed-seed splitmix64 generator so
 * that a failure reproduces.
 */
#include "svy/num.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static uint64_t rng_state = 0x5eed5eed12345678ULL;

/* splitmix64: small, fast, and good enough to spread test inputs. */
static uint64_t
rng(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t
bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof(u));
    return u;
}

static double
from_bits(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof(v));
    return v;
}

/* Parse a C string; returns 1 and sets *out like svy_num_parse. */
static int
parse(const char *s, int flags, double *out)
{
    return svy_num_parse(s, strlen(s), flags, out);
}

/* 1 when 's' parses under 'flags' to exactly 'want' (sign of zero too). */
static int
parses_to(const char *s, int flags, double want)
{
    double v = -12345.0;
    return parse(s, flags, &v) && bits(v) == bits(want);
}

/* 1 when 's' is refused and the output is left untouched. */
static int
refused(const char *s, int flags)
{
    double v = 777.0;
    return !parse(s, flags, &v) && v == 777.0;
}

/* The grammar: what is a number and what is not, without flags. */
static void
test_num_parse_accepts(void)
{
    CHECK(parses_to("-1.5", 0, -1.5));
    CHECK(parses_to(" 42 ", 0, 42.0));
    CHECK(parses_to("\t7\t", 0, 7.0));
    CHECK(parses_to("1e-300", 0, 1e-300));
    CHECK(parses_to(".5", 0, 0.5));
    CHECK(parses_to("-.5", 0, -0.5));
    CHECK(parses_to("0", 0, 0.0));
    CHECK(parses_to("-0", 0, -0.0));
    CHECK(parses_to("007", 0, 7.0));
    CHECK(parses_to("1E5", 0, 1e5));
    CHECK(parses_to("1e+5", 0, 1e5));
    CHECK(parses_to("2.5e-3", 0, 2.5e-3));
    CHECK(parses_to("123456789012345678901234567890", 0,
                    123456789012345678901234567890.0));
    /* The length is explicit: bytes after 'n' are not looked at. */
    {
        double v = 0;
        CHECK(svy_num_parse("12abc", 2, 0, &v) && v == 12.0);
    }
}

static void
test_num_parse_rejects(void)
{
    /* Overflow to infinity would be written "inf" and read back as text. */
    CHECK(refused("1e400", 0));
    CHECK(refused("-1e400", 0));

    /* A leading '+' is a phone number, not a number. */
    CHECK(refused("+5", 0));
    CHECK(refused("nan", 0));
    CHECK(refused("NaN", 0));
    CHECK(refused("inf", 0));
    CHECK(refused("-inf", 0));
    CHECK(refused("infinity", 0));
    CHECK(refused("0x10", 0));
    CHECK(refused("1.2.3", 0));
    CHECK(refused("", 0));
    CHECK(refused("   ", 0));
    CHECK(refused("1e", 0));
    CHECK(refused("1e+", 0));
    CHECK(refused("--1", 0));
    CHECK(refused("-", 0));
    CHECK(refused(".", 0));
    CHECK(refused("e5", 0));
    CHECK(refused("1 000", 0));
    CHECK(refused("1,000", 0));
    CHECK(refused("12abc", 0));
    CHECK(refused("1_000", 0));
    CHECK(refused("\xd0\x90", 0));
}

/* ',' is a decimal separator only when asked; a point still works. */
static void
test_num_parse_comma(void)
{
    CHECK(refused("1,5", 0));
    CHECK(parses_to("1,5", SVY_NUM_COMMA, 1.5));
    CHECK(parses_to("-0,25", SVY_NUM_COMMA, -0.25));
    CHECK(parses_to("1.5", SVY_NUM_COMMA, 1.5));
    CHECK(parses_to("1,5e2", SVY_NUM_COMMA, 150.0));
    CHECK(refused("1,5,5", SVY_NUM_COMMA));
    CHECK(refused("1,5.5", SVY_NUM_COMMA));
    /* More than 19 digits takes the strtod path, which must see a point. */
    CHECK(parses_to("0,12345678901234567890123", SVY_NUM_COMMA,
                    strtod("0.12345678901234567890123", NULL)));
}

/* Codes: leading zeros and long integers are identifiers, not numbers. */
static void
test_num_parse_code(void)
{
    CHECK(refused("007", SVY_NUM_CODE));
    CHECK(refused("-01", SVY_NUM_CODE));
    CHECK(refused("00", SVY_NUM_CODE));
    CHECK(refused("1234567890123456", SVY_NUM_CODE));
    CHECK(refused("-1234567890123456", SVY_NUM_CODE));
    CHECK(refused("99999999999999999999", SVY_NUM_CODE));
    CHECK(parses_to("123456789012345", SVY_NUM_CODE, 123456789012345.0));
    CHECK(parses_to("0", SVY_NUM_CODE, 0.0));
    CHECK(parses_to("-0", SVY_NUM_CODE, -0.0));
    CHECK(parses_to("0.5", SVY_NUM_CODE, 0.5));
    CHECK(parses_to("1e20", SVY_NUM_CODE, 1e20));
    CHECK(parses_to("10", SVY_NUM_CODE, 10.0));
    /* The same text without the flag is a plain number. */
    CHECK(parses_to("1234567890123456", 0, 1234567890123456.0));
    CHECK(parses_to("-01", 0, -1.0));
    /* Flags combine. */
    CHECK(parses_to("0,5", SVY_NUM_CODE | SVY_NUM_COMMA, 0.5));
    CHECK(refused("01,5", SVY_NUM_CODE | SVY_NUM_COMMA));
}

/*
 * Hard cases for a fast path: halfway points, 2^53 + 1, the smallest
 * normal and subnormal numbers, overlong digit strings, huge exponents.
 */
static void
test_num_parse_hard_cases(void)
{
    static const char *const cases[] = {
        "9007199254740993",
        "9007199254740992",
        "9007199254740991",
        "18014398509481985",
        "2.2250738585072011e-308",
        "2.2250738585072014e-308",
        "4.9406564584124654e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1e23",
        "8.41e21",
        "5e-324",
        "1e-400",
        "0.1",
        "0.3",
        "3.0000000000000004",
        "0.30000000000000004",
        "1e22",
        "1e-22",
        "123456789e-22",
        "9007199254740993e-22",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "0.000000000000000000000000000000000000000000001",
        "1e0000000000000000000000000000000000000005",
        "7.2057594037927933e16",
        "1448997445238699",
        "000000000000000000000000000001.5",
    };
    size_t i, bad = 0;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v = 0, want = strtod(cases[i], NULL);
        if (!parse(cases[i], 0, &v) || bits(v) != bits(want)) {
            if (bad++ == 0)
                fprintf(stderr, "  '%s': got %.17g, strtod %.17g\n", cases[i],
                        v, want);
        }
    }
    CHECK_INT(bad, 0);

    /* A 600-character number takes the heap copy. */
    {
        char big[700];
        double v = 0;
        memset(big, '0', sizeof(big));
        big[0] = '0';
        big[1] = '.';
        big[600] = '7';
        big[601] = '\0';
        CHECK(parse(big, 0, &v));
        CHECK_DBL(v, strtod(big, NULL));
        big[1] = ',';
        v = 0;
        CHECK(parse(big, SVY_NUM_COMMA, &v));
        big[1] = '.';
        CHECK_DBL(v, strtod(big, NULL));
    }
}

static double
random_finite(void)
{
    double v;
    do
        v = from_bits(rng());
    while (!isfinite(v));
    return v;
}

/* A decimal with up to 'maxdig' digits and a small exponent. */
static double
random_decimal(int maxdig)
{
    int nd = 1 + (int)(rng() % (uint64_t)maxdig), i;
    double m = 0;
    char buf[64];

    for (i = 0; i < nd; i++)
        m = m * 10 + (double)(rng() % 10);
    snprintf(buf, sizeof(buf), "%.0fe%d", m, (int)(rng() % 40) - 25);
    return strtod(buf, NULL);
}

/* Print v in printf form number 'f' (0..NFORMS-1). */
#define NFORMS 8
static void
print_form(char *buf, size_t size, int f, double v)
{
    switch (f) {
    case 0: snprintf(buf, size, "%.17g", v); break;
    case 1: snprintf(buf, size, "%.16g", v); break;
    case 2: snprintf(buf, size, "%.15g", v); break;
    case 3: snprintf(buf, size, "%.6g", v); break;
    case 4: snprintf(buf, size, "%.3e", v); break;
    case 5: snprintf(buf, size, "%.20e", v); break;
    case 6: snprintf(buf, size, "%.1f", v); break;
    default: snprintf(buf, size, "%g", v); break;
    }
}

/*
 * Text written by printf at several precisions, and random digit strings,
 * must parse to exactly what strtod makes of them.
 */
static void
test_num_parse_matches_strtod(void)
{
    size_t bad = 0, tried = 0, i;
    int f;

    for (i = 0; i < 20000; i++) {
        double v = (i & 1) ? random_finite() : random_decimal(17);
        for (f = 0; f < NFORMS; f++) {
            char buf[400];
            double got = 0, want;
            print_form(buf, sizeof(buf), f, v);
            want = strtod(buf, NULL);
            if (!isfinite(want))
                continue;
            tried++;
            if (!parse(buf, 0, &got) || bits(got) != bits(want)) {
                if (bad++ < 3)
                    fprintf(stderr, "  '%s': got %.17g, strtod %.17g\n", buf,
                            got, want);
            }
        }
    }
    /* Random digit strings: up to 30 digits, a point anywhere, exponent. */
    for (i = 0; i < 30000; i++) {
        char buf[64];
        size_t n = 0, nd = 1 + rng() % 30, k, point = rng() % (nd + 1);
        double got = 0, want;
        if (rng() & 1)
            buf[n++] = '-';
        for (k = 0; k < nd; k++) {
            if (k == point && k > 0)
                buf[n++] = '.';
            buf[n++] = (char)('0' + rng() % 10);
        }
        if (rng() % 3 == 0)
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "e%d",
                                  (int)(rng() % 700) - 350);
        buf[n] = '\0';
        want = strtod(buf, NULL);
        if (!isfinite(want))
            continue;
        tried++;
        if (!parse(buf, 0, &got) || bits(got) != bits(want)) {
            if (bad++ < 3)
                fprintf(stderr, "  '%s': got %.17g, strtod %.17g\n", buf, got,
                        want);
        }
    }
    CHECK(tried > 150000);
    CHECK_INT(bad, 0);
}

/* Format 'v' and return a static copy, for CHECK_STR. */
static const char *
fmt(double v)
{
    static char buf[SVY_NUM_BUFSZ];
    size_t n = svy_num_format(v, buf);
    return n == strlen(buf) ? buf : "(length mismatch)";
}

/* The short forms people see in output files. */
static void
test_num_format_shortest_forms(void)
{
    CHECK_STR(fmt(0.1), "0.1");
    CHECK_STR(fmt(1.5), "1.5");
    CHECK_STR(fmt(100), "100");
    CHECK_STR(fmt(0), "0");
    CHECK_STR(fmt(-0.0), "-0");
    CHECK_STR(fmt(-2.25), "-2.25");
    CHECK_STR(fmt(12345.678), "12345.678");
    CHECK_STR(fmt(0.3), "0.3");
    CHECK_STR(fmt(0.1 + 0.2), "0.30000000000000004");
    CHECK_STR(fmt(1.0 / 3.0), "0.3333333333333333");
    CHECK_STR(fmt(123456789.123456789), "123456789.12345679");
    /* Below 1e-4 the printf forms take over: exponent notation. */
    CHECK_STR(fmt(0.00001), "1e-05");
    CHECK_STR(fmt(1e14), "100000000000000");
    CHECK_STR(fmt(999999999999999.0), "999999999999999");
    CHECK_STR(fmt(1e-7), "1e-07");
    CHECK_STR(fmt(5e-324), "4.94065645841247e-324");
    CHECK_STR(fmt(NAN), "");
    CHECK_STR(fmt(INFINITY), "inf");
    CHECK_STR(fmt(-INFINITY), "-inf");
    /* NaN is system missing and writes nothing. */
    {
        char buf[SVY_NUM_BUFSZ] = "xyz";
        CHECK_INT(svy_num_format(NAN, buf), 0);
        CHECK_INT(buf[0], 0);
    }
    /* "inf" must not come back as a number: it cannot pass silently. */
    CHECK(refused(fmt(INFINITY), 0));
}

/* 1 when format then parse gives 'v' back bit for bit. */
static int
round_trips(double v)
{
    char buf[SVY_NUM_BUFSZ + 8];
    size_t n;
    double back = 0;

    memset(buf, 'X', sizeof(buf));
    n = svy_num_format(v, buf);
    if (n >= SVY_NUM_BUFSZ || buf[n] != '\0' || buf[SVY_NUM_BUFSZ] != 'X')
        return 0;
    return svy_num_parse(buf, n, 0, &back) && bits(back) == bits(v);
}

static void
test_num_format_round_trip_fixed(void)
{
    static const double vals[] = {
        0.1,
        1e-300,
        123456789.123456789,
        -0.0,
        0.0,
        5e-324,
        -5e-324,
        1.7976931348623157e308,
        -1.7976931348623157e308,
        1.0 / 3.0,
        2.0 / 3.0,
        100,
        1e15,
        1e16,
        1e15 + 0.5,
        999999999999999.9,
        12345.678,
        2.2250738585072014e-308,
        2.2250738585072009e-308,
        9007199254740993.0,
        9007199254740992.0,
        0.00001,
        0.0000099999999999999,
        1e-5 + 1e-20,
        4.35,
        1e21,
        1e22,
        1e23,
        -1234567.8125,
    };
    size_t i, bad = 0;

    for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
        if (!round_trips(vals[i]) && bad++ < 3)
            fprintf(stderr, "  %.17g does not round-trip ('%s')\n", vals[i],
                    fmt(vals[i]));
    CHECK_INT(bad, 0);
}

/* Significant digits of a formatted number ("0.00120" -> 2, "100" -> 1). */
static int
sig_digits(const char *s)
{
    int n = 0, zeros = 0, started = 0;

    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9')
            continue;
        if (*s == '0') {
            if (started)
                zeros++;
            continue;
        }
        started = 1;
        n += zeros + 1;
        zeros = 0;
    }
    return n ? n : 1;
}

/* Fewest significant digits that read back to v (the %.Ng search). */
static int
shortest_digits(double v)
{
    int p;

    for (p = 1; p < 17; p++) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%.*g", p, v);
        if (bits(strtod(buf, NULL)) == bits(v))
            return p;
    }
    return 17;
}

/*
 * ~100k random doubles (random bit patterns, and random short decimals
 * that exercise the fixed-point loop) survive format -> parse exactly, and
 * the text uses no more significant digits than the shortest form.
 */
static void
test_num_format_round_trip_random(void)
{
    size_t i, bad = 0, longer = 0;

    for (i = 0; i < 100000; i++) {
        double v;
        switch (i % 4) {
        case 0: v = random_finite(); break;
        case 1: v = random_decimal(8); break;
        case 2: v = random_decimal(17); break;
        default:
            /* Integers and near-integers around 1e15 and 2^53. */
            v = (double)(rng() % 20000000000000000ULL) / (double)(1 + i % 7);
            break;
        }
        if (!round_trips(v)) {
            if (bad++ < 3)
                fprintf(stderr, "  %.17g does not round-trip ('%s')\n", v,
                        fmt(v));
            continue;
        }
        if (sig_digits(fmt(v)) > shortest_digits(v)) {
            if (longer++ < 3)
                fprintf(stderr, "  %.17g: '%s' is longer than %d digits\n", v,
                        fmt(v), shortest_digits(v));
        }
    }
    CHECK_INT(bad, 0);
    CHECK_INT(longer, 0);
}

/* Formatting never writes past SVY_NUM_BUFSZ, whatever the value. */
static void
test_num_format_fits_buffer(void)
{
    static const double vals[] = {
        -1.7976931348623157e308, -2.2250738585072014e-308, -5e-324,
        -123456789.12345678,     -0.000012345678901234,    -DBL_EPSILON};
    size_t i, worst = 0;

    for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        char buf[SVY_NUM_BUFSZ];
        size_t n = svy_num_format(vals[i], buf);
        if (n > worst)
            worst = n;
    }
    CHECK(worst < SVY_NUM_BUFSZ);
    CHECK(worst >= 20);
}

/*
 * Values that take the exact shortest-decimal path (1e-4 <= v < 1e15, not
 * integers), as computed weights do: the shortest text, and a power of two
 * and the ends of the range read back exactly.
 */
static void
test_num_format_exact_path(void)
{
    char buf[SVY_NUM_BUFSZ];
    double back;
    static const double vs[] = {
        0.1,    2.0 / 3,          0.5, 1024.0 + 1.0 / 1024, 9.999999999999998,
        0.0001, 999999999999999.9};
    size_t i;

    CHECK_INT(svy_num_format(0.1 + 0.2, buf), 19);
    CHECK_STR(buf, "0.30000000000000004");
    svy_num_format(1.2, buf);
    CHECK_STR(buf, "1.2");
    svy_num_format(20.8 / 12, buf);
    CHECK_STR(buf, "1.7333333333333334");
    svy_num_format(0.00012, buf);
    CHECK_STR(buf, "0.00012");
    svy_num_format(123456789.5, buf);
    CHECK_STR(buf, "123456789.5");
    svy_num_format(-2.5, buf);
    CHECK_STR(buf, "-2.5");
    for (i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
        size_t n = svy_num_format(vs[i], buf);
        CHECK(svy_num_parse(buf, n, 0, &back) && back == vs[i]);
    }
}

static const struct check_case cases[] = {
    CASE(test_num_parse_accepts),
    CASE(test_num_format_exact_path),
    CASE(test_num_parse_rejects),
    CASE(test_num_parse_comma),
    CASE(test_num_parse_code),
    CASE(test_num_parse_hard_cases),
    CASE(test_num_parse_matches_strtod),
    CASE(test_num_format_shortest_forms),
    CASE(test_num_format_round_trip_fixed),
    CASE(test_num_format_round_trip_random),
    CASE(test_num_format_fits_buffer),
};

CHECK_MAIN(cases)
