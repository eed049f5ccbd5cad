/*
 * wformat.c - the weight column's number writer (see wformat.h).
 *
 * svy_num_format finds the shortest form by trial, and for the 16 and 17
 * significant digits that computed weights need it falls back on printf,
 * which costs about half a microsecond; a million distinct weights would
 * spend longer there than in the weighting.  For 1e-4 <= v < 1e15 this
 * file computes the digits exactly in 128-bit integers instead.  With
 * v = m·2^-s (m < 2^53) and k decimals, N = m·10^k = v·10^k·2^s exactly;
 * Q = floor(v·10^k) has 17 or 18 digits and R is the remainder.  Dropping
 * j digits, the correctly rounded decimal is d = round((Q + R·2^-s) / 10^j),
 * and it reads back to v when d·10^j·2^s lies within half an ulp of N (an
 * ulp of v is 10^k in N's units; half that below a power of two, where
 * the gap to the next double down is half).  j grows while that holds
 * (fewer digits never read back better), so the last d that passed is
 * the shortest.  Other values, and exact integers, go to svy_num_format;
 * in this range both write fixed notation and the text is the same
 * (checked on 2 million random doubles in test_wformat.c).
 *
 * Cost: about 80 ns a value, against 450 for svy_num_format's slow path.
 * GCC's and Clang's unsigned __int128 carry the exact products; the
 * __extension__ keyword keeps -Wpedantic quiet about it.
 */
#include "svy/wformat.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "svy/num.h"

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

size_t
svy_wformat(double v, char *buf)
{
    uint64_t bits, m, Q, d = 0, best = 0;
    int s, e2, k, j, q, nd = 0;
    u128 N, R, ulp;
    char dig[24];
    size_t n = 0;

    if (!(v >= 1e-4 && v < 1e15) || v == floor(v))
        return svy_num_format(v, buf);
    memcpy(&bits, &v, sizeof(bits));
    e2 = (int)((bits >> 52) & 0x7ff);
    m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
    s = 1075 - e2; /* v = m·2^-s, 0 < s <= 66 */
    /* k decimals put v·10^k in [1e16, 1e18): 17 or 18 digits. */
    k = 16 - (int)floor((e2 - 1023) * 0.30102999566398120);
    if ((u128)m * pow10_u128(k) < (u128)pow10_u64[16] << s)
        k++;
    N = (u128)m * pow10_u128(k); /* v·10^k·2^s, exactly */
    Q = (uint64_t)(N >> s);      /* floor(v·10^k) */
    R = N - ((u128)Q << s);      /* and the rest, in 2^-s units */
    ulp = pow10_u128(k);         /* one ulp of v in N's units */
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
    if (j == 0) /* cannot happen: 17 digits always read back */
        return svy_num_format(v, buf);
    q = k - (j - 1);      /* the value is best·10^-q */
    while (best >= 100) { /* two digits at a time */
        const char *pair = digit_pairs + 2 * (best % 100);
        dig[nd++] = pair[1];
        dig[nd++] = pair[0];
        best /= 100;
    }
    dig[nd++] = (char)('0' + (int)(best % 10));
    if (best >= 10)
        dig[nd++] = (char)('0' + (int)(best / 10));
    while (q > 0 && nd > 1 && dig[0] == '0') { /* trailing fraction zeros */
        memmove(dig, dig + 1, (size_t)--nd);
        q--;
    }
    /* dig[] holds the digits least significant first. */
    if (q <= 0) {
        while (nd > 0)
            buf[n++] = dig[--nd];
        while (q++ < 0)
            buf[n++] = '0';
    } else if (q >= nd) {
        buf[n++] = '0';
        buf[n++] = '.';
        for (j = 0; j < q - nd; j++)
            buf[n++] = '0';
        while (nd > 0)
            buf[n++] = dig[--nd];
    } else {
        while (nd > q)
            buf[n++] = dig[--nd];
        buf[n++] = '.';
        while (nd > 0)
            buf[n++] = dig[--nd];
    }
    buf[n] = '\0';
    return n;
}
