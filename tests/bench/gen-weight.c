/*
 * gen-weight -- benchmark input for svy-weight: a sample to rake on four
 * margins, and the margins.
 *
 *   gen-weight ROWS [SEED]      the data CSV on stdout
 *   gen-weight --targets        the targets file (svykit format) on stdout
 *
 * Data columns: id,region,settlement,sex,agegrp,base,q1,q2,q3,q4,q5
 *   region 1-9, settlement 1-2 (urban, rural), sex 1-2, agegrp 1-6,
 *   base    a positive base weight with 6 decimals (0.18 .. 3.6),
 *   q1..q5  answers 1-5, 8, 9, about 3% empty.
 * The sample is deliberately unlike the targets: regions equally
 * allocated, cities mostly urban, women and older people over-represented.
 * The base weights undo the regional allocation and add random noise, so
 * raking still has to work on every margin.  When ROWS >= 9, every category
 * of every margin occurs.
 *
 * ',' separator, LF line ends, no quoting needed.  Output is fully
 * determined by ROWS and SEED (default 1): splitmix64 seeding an
 * xorshift64*, as in gen-survey.c, never rand().  Plain C11, libc only.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- targets: made-up shares, each margin sums to exactly 1 ------------- */

/* Region shares (Bishkek, Osh city, Batken, Jalal-Abad, Issyk-Kul, Naryn,
 * Osh, Talas, Chui), in thousandths. */
static const int region_share[9] = {180, 50, 80, 190, 70, 40, 200, 40, 150};
static const int settlement_share[2] = {340, 660};
static const int sex_share[2] = {470, 530};
static const int agegrp_share[6] = {140, 220, 190, 160, 150, 140};

static void
put_margin(const char *name, const int *share, int n)
{
    for (int i = 0; i < n; i++)
        printf("%s,%d,0.%03d\n", name, i + 1, share[i]);
}

static int
write_targets(void)
{
    printf("variable,category,target\n");
    put_margin("region", region_share, 9);
    put_margin("settlement", settlement_share, 2);
    put_margin("sex", sex_share, 2);
    put_margin("agegrp", agegrp_share, 6);
    if (fflush(stdout) != 0) {
        perror("gen-weight: write");
        return 1;
    }
    return 0;
}

/* ---- PRNG --------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t
splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static void
rng_seed(uint64_t seed)
{
    uint64_t s = seed;
    rng_state = splitmix64(&s);
    if (rng_state == 0)
        rng_state = 0x2545F4914F6CDD1DULL;
}

static uint64_t
rng_next(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* uniform integer in [0, n) (n <= 2^32) */
static uint32_t
rnd(uint32_t n)
{
    return (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

/* index drawn with probabilities proportional to w[0..n-1] (sum 1000) */
static int
draw(const int *w, int n)
{
    int r = (int)rnd(1000);
    for (int i = 0; i < n - 1; i++) {
        if (r < w[i])
            return i;
        r -= w[i];
    }
    return n - 1;
}

/* ---- output buffer ------------------------------------------------------ */

#define OUT_CAP (1u << 20)
#define OUT_SLACK 4096 /* one record is far smaller than this */

static char out_buf[OUT_CAP + OUT_SLACK];
static size_t out_len;

static void
out_flush(void)
{
    if (out_len && fwrite(out_buf, 1, out_len, stdout) != out_len) {
        perror("gen-weight: write");
        exit(1);
    }
    out_len = 0;
}

static void
put_ch(char c)
{
    out_buf[out_len++] = c;
}

static void
put_str(const char *s)
{
    size_t n = strlen(s);
    memcpy(out_buf + out_len, s, n);
    out_len += n;
}

static void
put_uint(uint64_t v)
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

/* ---- the sample --------------------------------------------------------- */

/* Sample composition (thousandths), unlike the targets above. */
static const int urban_city = 900, urban_other = 280; /* P(settlement = 1) */
static const int sex_sample[2] = {440, 560};
static const int agegrp_sample[6] = {100, 170, 190, 180, 180, 180};

/* an answer: 1-5, 8 (don't know), 9 (refused), ~3% empty */
static void
put_answer(void)
{
    uint32_t r = rnd(1000);
    if (r < 30)
        return;
    if (r < 70)
        put_ch('8');
    else if (r < 90)
        put_ch('9');
    else
        put_ch((char)('1' + rnd(5)));
}

static void
write_row(uint64_t id)
{
    int region, settlement, sex, agegrp;

    if (id <= 18) {
        /* the first rows cover every category of every margin */
        int i = (int)(id - 1);
        region = i % 9 + 1;
        settlement = i % 2 + 1;
        sex = (i / 2) % 2 + 1;
        agegrp = i % 6 + 1;
    } else {
        region = (int)rnd(9) + 1; /* equal allocation */
        int urban = region <= 2 ? urban_city : urban_other;
        settlement = (int)rnd(1000) < urban ? 1 : 2;
        sex = draw(sex_sample, 2) + 1;
        agegrp = draw(agegrp_sample, 6) + 1;
    }

    /* base weight: undo the equal regional allocation (9 * share), times a
     * random nonresponse factor 0.5 .. 2.0; 6 decimals */
    uint64_t micro = (uint64_t)region_share[region - 1] * 9u *
                     (500000u + rnd(1500001u)) / 1000u;
    if (micro == 0)
        micro = 1;

    put_uint(id);
    put_ch(',');
    put_uint((uint64_t)region);
    put_ch(',');
    put_uint((uint64_t)settlement);
    put_ch(',');
    put_uint((uint64_t)sex);
    put_ch(',');
    put_uint((uint64_t)agegrp);
    put_ch(',');
    put_uint(micro / 1000000u);
    put_ch('.');
    char frac[8];
    snprintf(frac, sizeof frac, "%06u", (unsigned)(micro % 1000000u));
    put_str(frac);
    for (int q = 0; q < 5; q++) {
        put_ch(',');
        put_answer();
    }
    put_ch('\n');
}

static int
parse_u64(const char *s, uint64_t *out)
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

int
main(int argc, char **argv)
{
    uint64_t rows, seed = 1;

    if (argc == 2 && strcmp(argv[1], "--targets") == 0)
        return write_targets();
    if (argc < 2 || argc > 3 || parse_u64(argv[1], &rows) != 0 ||
        (argc == 3 && parse_u64(argv[2], &seed) != 0)) {
        fprintf(stderr, "usage: gen-weight ROWS [SEED]\n"
                        "       gen-weight --targets\n");
        return 2;
    }
    rng_seed(seed);

    put_str("id,region,settlement,sex,agegrp,base,q1,q2,q3,q4,q5\n");
    for (uint64_t id = 1; id <= rows; id++) {
        write_row(id);
        if (out_len >= OUT_CAP)
            out_flush();
    }
    out_flush();
    if (fflush(stdout) != 0) {
        perror("gen-weight: write");
        return 1;
    }
    return 0;
}
