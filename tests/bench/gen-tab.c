/*
 * gen-tab -- write the svy-tab benchmark file (a poll) to stdout.
 *
 *   gen-tab ROWS [SEED]
 *
 * Columns: id, stratum (18: region x urban/rural), psu (clusters of about
 * 20 interviews, numbered within the file so that ids are nested in
 * strata), w (a design weight varying by stratum and a little by row),
 * region (1-9), sex (1-2), agegrp (1-6), and q1..q20, each with codes 1-5
 * and 8 (don't know, about 6%).  Answers lean on region, sex and age so
 * that the tables have structure.  ',' separator, LF line ends, no quotes.
 * Output is fully determined by ROWS and SEED (default 1): splitmix64
 * seeding an xorshift64*, never rand().  Plain C11, libc only.
 *
 * Build: cc -O2 -o gen-tab gen-tab.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t state;

static uint64_t
next(void)
{
    uint64_t x = state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* Uniform integer in [0, n). */
static unsigned
rnd(unsigned n)
{
    return (unsigned)(((next() >> 32) * (uint64_t)n) >> 32);
}

int
main(int argc, char **argv)
{
    unsigned long long rows, seed = 1, z;
    char *end;

    if (argc < 2 || argc > 3 || (rows = strtoull(argv[1], &end, 10)) == 0 ||
        *end || (argc == 3 && (seed = strtoull(argv[2], &end, 10), *end))) {
        fprintf(stderr, "usage: gen-tab ROWS [SEED]\n");
        return 2;
    }
    z = seed + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    state = (z ^ (z >> 31)) | 1;
    setvbuf(stdout, NULL, _IOFBF, 1 << 20);
    fputs("id,stratum,psu,w,region,sex,agegrp", stdout);
    for (int q = 1; q <= 20; q++)
        printf(",q%d", q);
    putchar('\n');
    /*
     * Rows come in clusters of 20 from one stratum (the last cluster may
     * be short); the stratum of each cluster is drawn, so every stratum
     * holds many PSUs at any size above a few thousand rows.
     */
    unsigned stratum = 0, psu = 0;
    for (unsigned long long i = 0; i < rows; i++) {
        if (i % 20 == 0) {
            stratum = 1 + rnd(18);
            psu++;
        }
        unsigned region = (stratum + 1) / 2, urban = stratum % 2;
        unsigned sex = 1 + rnd(2), age = 1 + rnd(6);
        double w = (urban ? 0.8 : 1.3) * (1 + 0.05 * region) *
                   (0.75 + 0.5 * (double)rnd(1000) / 1000);
        printf("%llu,%u,%u,%.4f,%u,%u,%u", i + 1, stratum, psu, w, region, sex,
               age);
        for (int q = 1; q <= 20; q++) {
            unsigned r = rnd(100), c;
            if (r < 6)
                c = 8;
            else {
                /* A tilt of the 5 codes by region, sex and age group. */
                unsigned t = (region * 7 + sex * 3 + age * 5 + (unsigned)q) % 5;
                c = 1 + (rnd(3) == 0 ? t : rnd(5));
            }
            printf(",%u", c);
        }
        putchar('\n');
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
