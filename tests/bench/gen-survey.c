/*
 * gen-survey -- write a realistic survey-like CSV to stdout (benchmark input).
 *
 *   gen-survey ROWS [SEED]
 *
 * 27 columns, header row first, ',' separator, LF line ends, RFC 4180
 * quoting only where needed.  Output is fully determined by ROWS and SEED
 * (default seed 1): the generator uses its own PRNG (splitmix64 seeding an
 * xorshift64*), never rand().  Plain C11, libc only.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PRNG --------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void rng_seed(uint64_t seed)
{
    uint64_t s = seed;
    rng_state = splitmix64(&s);
    if (rng_state == 0)
        rng_state = 0x2545F4914F6CDD1DULL;
}

static uint64_t rng_next(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* uniform integer in [0, n) (n <= 2^32) */
static uint32_t rnd(uint32_t n)
{
    return (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

/* uniform integer in [lo, hi] */
static int rnd_range(int lo, int hi)
{
    return lo + (int)rnd((uint32_t)(hi - lo + 1));
}

/* ---- output buffer ------------------------------------------------------ */

#define OUT_CAP (1u << 20)
#define OUT_SLACK 4096 /* one record is far smaller than this */

static char out_buf[OUT_CAP + OUT_SLACK];
static size_t out_len;

static void out_flush(void)
{
    if (out_len && fwrite(out_buf, 1, out_len, stdout) != out_len) {
        perror("gen-survey: write");
        exit(1);
    }
    out_len = 0;
}

static void put_ch(char c)
{
    out_buf[out_len++] = c;
}

static void put_mem(const char *s, size_t n)
{
    memcpy(out_buf + out_len, s, n);
    out_len += n;
}

static void put_str(const char *s)
{
    put_mem(s, strlen(s));
}

static void put_uint(uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        out_buf[out_len++] = tmp[--n];
}

/* zero-padded to at least `width` digits */
static void put_uint_pad(uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    while (n)
        out_buf[out_len++] = tmp[--n];
}

/* a field, quoted per RFC 4180 only if it contains , " CR or LF */
static void put_field(const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        put_str(s);
        return;
    }
    put_ch('"');
    for (; *s; s++) {
        if (*s == '"')
            put_ch('"');
        put_ch(*s);
    }
    put_ch('"');
}

/* ---- survey content ----------------------------------------------------- */

static const char *const header[] = {
    "resp_id", "interviewer", "region", "settlement", "stratum", "psu",
    "dweight", "sex", "age", "age_group", "education", "ethnicity", "lang",
    "start", "duration", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8",
    "q9", "q10", "comment", "income",
};

/* Interviewer remarks: plain, Cyrillic UTF-8, some with commas (quoted). */
static const char *const comments[] = {
    "respondent busy",
    "interview interrupted, finished later",
    "\xd0\xbd\xd0\xb5 \xd0\xb7\xd0\xbd\xd0\xb0\xd1\x8e",            /* не знаю */
    "\xd0\xbe\xd1\x82\xd0\xba\xd0\xb0\xd0\xb7",                    /* отказ */
    "\xd0\xbf\xd0\xbe\xd0\xb2\xd1\x82\xd0\xbe\xd1\x80\xd0\xbd\xd1\x8b\xd0\xb9 "
    "\xd0\xb2\xd0\xb8\xd0\xb7\xd0\xb8\xd1\x82",                    /* повторный визит */
    "\xd0\xb4\xd0\xbe\xd0\xbc\xd0\xb0 \xd0\xbd\xd0\xb5\xd1\x82, "
    "\xd0\xbf\xd1\x80\xd0\xb8\xd1\x88\xd0\xbb\xd0\xb0 "
    "\xd1\x81\xd0\xbe\xd1\x81\xd0\xb5\xd0\xb4\xd0\xba\xd0\xb0",    /* дома нет, пришла соседка */
    "language switched to Russian",
    "\xd1\x81\xd0\xbf\xd0\xb5\xd1\x88\xd0\xb8\xd0\xbb, "
    "\xd0\xbe\xd1\x82\xd0\xb2\xd0\xb5\xd1\x87\xd0\xb0\xd0\xbb "
    "\xd0\xba\xd1\x80\xd0\xb0\xd1\x82\xd0\xba\xd0\xbe",            /* спешил, отвечал кратко */
    "dog in yard",
    "\xd0\xb6\xd0\xb8\xd0\xb2\xd1\x91\xd1\x82 \xd0\xbe\xd0\xb4\xd0\xb8\xd0\xbd", /* живёт один */
    "Q7 unclear to respondent",
    "said \"no comment\" to Q3",
};
#define N_COMMENTS (sizeof comments / sizeof comments[0])

#define N_WEIGHTS 40
static char weight_str[N_WEIGHTS][24];

static void make_weights(void)
{
    for (int i = 0; i < N_WEIGHTS; i++) {
        /* 0.25 .. 3.25 with 7 decimals; trailing zeros trimmed */
        uint32_t frac = rnd(30000000u);
        unsigned whole = 0, dec;
        uint32_t v = 2500000u + frac; /* in units of 1e-7 */
        whole = v / 10000000u;
        dec = v % 10000000u;
        int n = snprintf(weight_str[i], sizeof weight_str[i], "%u.%07u", whole, dec);
        while (n > 0 && weight_str[i][n - 1] == '0')
            weight_str[i][--n] = '\0';
        if (n > 0 && weight_str[i][n - 1] == '.')
            weight_str[i][--n] = '\0';
    }
}

static int age_group(int age)
{
    if (age < 25) return 1;
    if (age < 35) return 2;
    if (age < 45) return 3;
    if (age < 55) return 4;
    if (age < 65) return 5;
    return 6;
}

static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* a questionnaire answer: 1-5, 8 (don't know), 9 (refused), ~3% empty */
static void put_answer(void)
{
    uint32_t r = rnd(1000);
    if (r < 30)
        return;                /* empty */
    if (r < 70)
        put_ch('8');
    else if (r < 90)
        put_ch('9');
    else
        put_ch((char)('1' + rnd(5)));
}

static void write_row(uint64_t id)
{
    int region = rnd_range(1, 9);
    int settlement = rnd(100) < 62 ? 1 : 2;
    int stratum = ((region - 1) * 2 + (settlement - 1)) % 16 + 1;
    int psu = (stratum - 1) * 6000 + rnd_range(1, 6000);
    int sex = rnd(100) < 46 ? 1 : 2;
    int age = 18 + (int)((rnd(78) + rnd(78)) / 2);     /* 18..95, humped */
    if (rnd(10) == 0)
        age = rnd_range(18, 95);
    int ethnicity = (int)rnd(100);
    ethnicity = ethnicity < 70 ? 1 : ethnicity < 85 ? 2 : ethnicity < 95 ? 3 : 4;
    int lang = ethnicity == 1 ? (rnd(10) < 8 ? 1 : 2) : (int)rnd(3) + 1;
    int edu = rnd(100) < 2 ? 9 : rnd_range(1, 5);

    /* resp_id */
    put_uint_pad(id, 7);
    put_ch(',');
    /* interviewer: each region has its own pool of interviewers */
    put_ch('I');
    put_uint_pad((uint64_t)((region - 1) * 20 + rnd_range(1, 20)), 3);
    put_ch(',');
    put_uint((uint64_t)region);
    put_ch(',');
    put_uint((uint64_t)settlement);
    put_ch(',');
    put_uint((uint64_t)stratum);
    put_ch(',');
    put_uint((uint64_t)psu);
    put_ch(',');
    put_str(weight_str[(stratum * 7 + sex * 3 + age_group(age)) % N_WEIGHTS]);
    put_ch(',');
    put_uint((uint64_t)sex);
    put_ch(',');
    put_uint((uint64_t)age);
    put_ch(',');
    put_uint((uint64_t)age_group(age));
    put_ch(',');
    put_uint((uint64_t)edu);
    put_ch(',');
    put_uint((uint64_t)ethnicity);
    put_ch(',');
    put_uint((uint64_t)lang);
    put_ch(',');

    /* start: 2026-09-05 .. 2026-10-14, 08:00:00 .. 20:59:59 */
    int month = 9, day = 5 + (int)rnd(40);
    if (day > month_days[month - 1]) {
        day -= month_days[month - 1];
        month++;
    }
    put_str("2026-");
    put_uint_pad((uint64_t)month, 2);
    put_ch('-');
    put_uint_pad((uint64_t)day, 2);
    put_ch(' ');
    put_uint_pad((uint64_t)rnd_range(8, 20), 2);
    put_ch(':');
    put_uint_pad(rnd(60), 2);
    put_ch(':');
    put_uint_pad(rnd(60), 2);
    put_ch(',');
    /* duration in seconds */
    put_uint((uint64_t)rnd_range(540, 2400) + (rnd(20) == 0 ? rnd(3600) : 0));
    put_ch(',');

    for (int q = 0; q < 10; q++) {
        put_answer();
        put_ch(',');
    }

    /* comment: ~92% empty */
    if (rnd(100) >= 92)
        put_field(comments[rnd((uint32_t)N_COMMENTS)]);
    put_ch(',');

    /* income: 2 decimals, ~10% empty */
    if (rnd(10) != 0) {
        uint64_t cents = 15000u + rnd(120000u) + (uint64_t)rnd(100000u) * rnd(4);
        put_uint(cents / 100);
        put_ch('.');
        put_uint_pad(cents % 100, 2);
    }
    put_ch('\n');
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '\0')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t rows, seed = 1;

    if (argc < 2 || argc > 3 || parse_u64(argv[1], &rows) != 0 ||
        (argc == 3 && parse_u64(argv[2], &seed) != 0)) {
        fprintf(stderr, "usage: gen-survey ROWS [SEED]\n");
        return 2;
    }
    rng_seed(seed);
    make_weights();

    for (size_t i = 0; i < sizeof header / sizeof header[0]; i++) {
        if (i)
            put_ch(',');
        put_str(header[i]);
    }
    put_ch('\n');

    for (uint64_t id = 1; id <= rows; id++) {
        write_row(id);
        if (out_len >= OUT_CAP)
            out_flush();
    }
    out_flush();
    if (fflush(stdout) != 0) {
        perror("gen-survey: write");
        return 1;
    }
    return 0;
}
