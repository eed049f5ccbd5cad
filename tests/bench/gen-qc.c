/*
 * gen-qc -- benchmark input for svy-qc: interviews of 100 questions with
 * the faults svy-qc looks for, and a survey folder describing them.
 *
 *   gen-qc ROWS [SEED]        the data CSV on stdout
 *   gen-qc --survey DIR       survey.conf, codebook.csv and values.csv in
 *                             DIR (which must exist)
 *
 * Data columns: id,interviewer,duration,g1_1..g1_10,g2_1..g2_10,q21..q100
 *   id          6 digits, 000001 up
 *   interviewer I001..I200, 500 interviews each for 100,000 rows
 *   duration    seconds, about 1,500-3,600
 *   g1_*, g2_*  two grids of 10 items on a 1-5 scale, 8/9 don't know and
 *               refused
 *   q21..q100   1-6, 8, 9: eight answers each, as svy-qc(1)'s figure says
 * About 1% of the answers are empty.  Each respondent has two latent
 * traits that shift every answer, so interviews resemble one another as
 * real ones do (honest maximum match about 0.5-0.6) instead of being
 * uniform noise.  Planted, so that every check has work: interviewer I013
 * copies one template with two changes an interview (near-duplicates),
 * at random one interview in 500 is a straightliner in g1, one in 200 a
 * speeder, one in 300 half "don't know", and one in 1,000 an exact copy
 * of the interview before it.
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

#define NQ 100
#define NGRID 10
#define NIV 200

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
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [0, n). */
static int
rng_int(int n)
{
    return (int)(rng_next() % (uint64_t)n);
}

/* Uniform in [0, 1). */
static double
rng_unit(void)
{
    return (double)(rng_next() >> 11) / 9007199254740992.0;
}

/* A rough normal deviate: the sum of four uniforms, centred. */
static double
rng_gauss(void)
{
    return (rng_unit() + rng_unit() + rng_unit() + rng_unit() - 2) * 1.73;
}

/* Column name of question j (0-based). */
static void
qname(int j, char *buf, size_t cap)
{
    if (j < 2 * NGRID)
        snprintf(buf, cap, "g%d_%d", j / NGRID + 1, j % NGRID + 1);
    else
        snprintf(buf, cap, "q%d", j + 1);
}

/* Points of question j's scale (not counting 8 and 9). */
static int
points(int j)
{
    return j < 2 * NGRID ? 5 : 6;
}

/*
 * One honest answer to question j from a respondent with traits a, b:
 * the scale point nearest a noisy mix of the traits, a don't know or
 * refusal now and then, an empty answer one time in a hundred.
 */
static int
answer(int j, double a, double b)
{
    int k = points(j), u = rng_int(1000);
    double x;

    if (u < 10)
        return 0; /* empty */
    if (u < 40)
        return 8;
    if (u < 50)
        return 9;
    x = (j % 3 == 0 ? a : j % 3 == 1 ? b : (a - b) / 2) + rng_gauss() * 0.9;
    x = (x + 2.5) / 5 * k;
    return x < 1 ? 1 : x >= k ? k : (int)x + 1;
}

static void
put_row(long i, int iv, int dur, const int *ans)
{
    printf("%06ld,I%03d,%d", i + 1, iv + 1, dur);
    for (int j = 0; j < NQ; j++) {
        if (ans[j])
            printf(",%d", ans[j]);
        else
            fputs(",", stdout);
    }
    putchar('\n');
}

static int
write_data(long rows)
{
    int ans[NQ], tmpl[NQ];
    char name[16];

    fputs("id,interviewer,duration", stdout);
    for (int j = 0; j < NQ; j++) {
        qname(j, name, sizeof(name));
        printf(",%s", name);
    }
    putchar('\n');
    for (int j = 0; j < NQ; j++)
        tmpl[j] = answer(j, 0.5, -0.2);
    for (long i = 0; i < rows; i++) {
        int iv = (int)(i % NIV), dur = 1500 + rng_int(2100);
        double a = rng_gauss(), b = rng_gauss();

        if (i > 0 && rng_int(1000) == 0) {
            /* An exact copy of the previous interview's answers. */
        } else if (iv == 12) {
            memcpy(ans, tmpl, sizeof(ans));
            for (int c = 0; c < 2; c++) {
                int j = rng_int(NQ);
                ans[j] = 1 + rng_int(points(j));
            }
        } else {
            for (int j = 0; j < NQ; j++)
                ans[j] = answer(j, a, b);
            if (rng_int(500) == 0) {
                int v = 1 + rng_int(5);
                for (int j = 0; j < NGRID; j++)
                    ans[j] = v;
            }
            if (rng_int(300) == 0)
                for (int j = 0; j < NQ; j++)
                    if (rng_int(2))
                        ans[j] = 8;
        }
        if (rng_int(200) == 0)
            dur = 240 + rng_int(400);
        put_row(i, iv, dur, ans);
    }
    return ferror(stdout) || fflush(stdout) ? 1 : 0;
}

static FILE *
open_in(const char *dir, const char *name)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!(f = fopen(path, "w")))
        fprintf(stderr, "gen-qc: cannot write '%s': %s\n", path,
                strerror(errno));
    return f;
}

static int
write_survey(const char *dir)
{
    FILE *conf = open_in(dir, "survey.conf");
    FILE *cb = open_in(dir, "codebook.csv");
    FILE *val = open_in(dir, "values.csv");
    char name[16];
    int rc = 0;

    if (!conf || !cb || !val) {
        rc = 1;
        goto cleanup;
    }
    fputs("# svy-qc benchmark survey, written by gen-qc --survey\n"
          "id = id\ninterviewer = interviewer\nduration = duration\n",
          conf);
    fputs("variable,type,label,valid,missing\n"
          "id,id,Interview,,\ninterviewer,id,Interviewer,,\n"
          "duration,num,Duration (seconds),0-36000,\n",
          cb);
    fputs("variable,code,label\n", val);
    for (int j = 0; j < NQ; j++) {
        qname(j, name, sizeof(name));
        fprintf(cb, "%s,cat,Question %d,\"1-%d,8,9\",\"8,9\"\n", name, j + 1,
                points(j));
        for (int c = 1; c <= points(j); c++)
            fprintf(val, "%s,%d,Point %d\n", name, c, c);
        fprintf(val, "%s,8,Don't know\n%s,9,Refused\n", name, name);
    }
    rc = ferror(conf) || ferror(cb) || ferror(val);
cleanup:
    if (conf && fclose(conf))
        rc = 1;
    if (cb && fclose(cb))
        rc = 1;
    if (val && fclose(val))
        rc = 1;
    return rc;
}

int
main(int argc, char **argv)
{
    char *end;
    long rows;
    unsigned long long seed = 1;

    if (argc == 3 && strcmp(argv[1], "--survey") == 0)
        return write_survey(argv[2]);
    if (argc < 2 || argc > 3) {
        fputs("usage: gen-qc ROWS [SEED] | gen-qc --survey DIR\n", stderr);
        return 2;
    }
    errno = 0;
    rows = strtol(argv[1], &end, 10);
    if (errno || *end || rows < 1 || rows > 100000000) {
        fprintf(stderr, "gen-qc: bad ROWS '%s'\n", argv[1]);
        return 2;
    }
    if (argc == 3) {
        seed = strtoull(argv[2], &end, 10);
        if (*end) {
            fprintf(stderr, "gen-qc: bad SEED '%s'\n", argv[2]);
            return 2;
        }
    }
    rng_seed(seed);
    return write_data(rows);
}
