/*
 * test_wformat.c - the fast weight writer gives svy_num_format's text,
 * which reads back to the same double, on hand-picked and random values.
 */
#include "svy/wformat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "svy/num.h"

/* 1 when svy_wformat(v) equals svy_num_format(v) and reads back to v. */
static int
same(double v)
{
    char a[SVY_NUM_BUFSZ], b[SVY_NUM_BUFSZ];
    size_t na = svy_wformat(v, a), nb = svy_num_format(v, b);
    double back;

    return na == nb && strcmp(a, b) == 0 && svy_num_parse(a, na, 0, &back) &&
           back == v;
}

static void
test_wformat_cases(void)
{
    char buf[SVY_NUM_BUFSZ];

    CHECK_INT(svy_wformat(0.1 + 0.2, buf), 19);
    CHECK_STR(buf, "0.30000000000000004");
    svy_wformat(1.2, buf);
    CHECK_STR(buf, "1.2");
    svy_wformat(20.8 / 12, buf);
    CHECK_STR(buf, "1.7333333333333334");
    svy_wformat(0.00012, buf);
    CHECK_STR(buf, "0.00012");
    svy_wformat(123456789.5, buf);
    CHECK_STR(buf, "123456789.5");
    svy_wformat(4421, buf);
    CHECK_STR(buf, "4421");
    svy_wformat(1e-5, buf); /* outside the fast range: svy_num_format */
    CHECK_STR(buf, "0.00001");
    svy_wformat(-2.5, buf);
    CHECK_STR(buf, "-2.5");
    CHECK(same(0.1));
    CHECK(same(2.0 / 3));
    CHECK(same(0.5)); /* a power of two */
    CHECK(same(1024.0 + 1.0 / 1024));
    CHECK(same(9.999999999999998));
    CHECK(same(0.0001));
    CHECK(same(999999999999999.9));
}

/* splitmix64, so the test is the same on every machine. */
static uint64_t
next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void
test_wformat_random(void)
{
    uint64_t seed = 1, bits;
    size_t i, bad = 0;
    double v;

    /* Random doubles over the whole fast range (exponents 2^-14..2^50),
     * random weights as raking makes them, and decimals with few digits. */
    for (i = 0; i < 300000; i++) {
        switch (i % 3) {
        case 0:
            bits = (next(&seed) & ((1ULL << 52) - 1)) |
                   ((uint64_t)(1009 + next(&seed) % 64) << 52);
            memcpy(&v, &bits, sizeof(v));
            break;
        case 1:
            v = (double)(next(&seed) >> 11) / 9007199254740992.0 * 6.0;
            break;
        default: v = (double)(next(&seed) % 1000000) / 1000.0; break;
        }
        bad += !same(v);
    }
    CHECK_INT(bad, 0);
}

static const struct check_case cases[] = {
    CASE(test_wformat_cases),
    CASE(test_wformat_random),
};

CHECK_MAIN(cases)
