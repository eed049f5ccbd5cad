/*
 * qc.c - fieldwork quality checks (see include/svy/qc.h for the rules).
 *
 * Design.  The expensive check is the near-duplicate one: for every
 * interview, the other interview that agrees with it on the most
 * questions (Kuriakose & Robbins 2016, "Don't get duped: fraud through
 * duplication in public opinion surveys").  That is all n(n-1)/2 pairs,
 * 5e9 of them for 100,000 interviews, so the comparison of a pair must
 * cost a handful of instructions:
 *  - Each question's answers (text, the empty answer included) are coded
 *    0..k-1 through a small hash table.  A question with at most
 *    NARROW_MAX codes gets k bits of a per-row bitset, one-hot: the row
 *    sets bit offset + code.  The number of questions on which two rows
 *    agree is then popcount(a AND b) summed over the row's words, about
 *    10 words for 100 questions of 5 or 6 answers each.
 *  - Questions with more codes (numbers typed in, open answers) would blow
 *    the bitset up; they keep their 32-bit codes and are compared one by
 *    one, which is slower but rare.
 *  - Pairs are visited in square tiles of BLOCK x BLOCK rows so that both
 *    tiles stay in the L1 cache; worker threads take row blocks from an
 *    atomic counter and keep their own best-so-far arrays, merged at the
 *    end with an order-free rule (more agreement wins, then the lower row),
 *    so the result does not depend on the number of threads.
 *  - On x86-64 the tile loop is compiled twice more, for the popcnt
 *    instruction and for AVX-512's vector population count (8 words at
 *    a time; the bitsets are then padded to whole vectors), and the best
 *    one the processor has is chosen at run time.
 * Exact duplicates are found by sorting the rows by their codes, which is
 * O(n log n) and independent of the pair loop.
 *
 * Item nonresponse is counted while the answers are coded: each distinct
 * answer of a question is classed once (empty, user-missing, substantive)
 * and the rows add up their classes, so the codebook is consulted k times
 * a question, not n.  Grids are read straight from the table, one
 * interview at a time: a handful of columns, a linear pass.
 */
#include "svy/qc.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "svy/csv.h"
#include "svy/mem.h"
#include "svy/num.h"

#define NARROW_MAX 32
#define BLOCK 128
#define MAX_THREADS 8
#define NONE32 UINT32_MAX

/*
 * The result.  'ids' and 'ivs' are copies of the id and interviewer of
 * every row, so that the table can be freed before the result is written;
 * 'groups' point into 'ivs'.  'limit' is the speeder limit actually used
 * (NaN without a duration column), 'counts' the rows each check flagged.
 */
struct svy_qc {
    size_t n, nq, ngroups;
    svy_qc_row *rows;
    char **ids, **ivs;
    size_t *lines;
    char **qnames;
    svy_qc_group *groups;
    double median, limit, threshold, max_nr;
    size_t counts[SVY_QC_NCHECKS], nflagged;
    /* Grids: names and sizes, and per row and grid (index r * ngrids + g)
     * the valid answers, their SD and the straight-line verdict. */
    size_t ngrids;
    char **gnames;
    size_t *gsizes;
    uint32_t *gvalid;
    double *gsd;
    signed char *gstraight;
};

/* The answers of every row, coded (see the design comment). */
struct coded {
    size_t n, words, nwide;
    uint64_t *bits; /* n * words */
    uint32_t *wide; /* n * nwide */
};

static size_t simd_words(void);

static const char *const check_names[SVY_QC_NCHECKS] = {
    "dup_id",  "dup_interview", "near_dup",
    "speeder", "straightliner", "nonresponse"};

const char *
svy_qc_check_name(svy_qc_check c)
{
    return c < SVY_QC_NCHECKS ? check_names[c] : "?";
}

/* Text of cell 'row' of column 'c' whatever its type. */
static const char *
cell(const svy_column *c, size_t row, char *buf)
{
    return svy_column_format(c, row, buf, NULL);
}

/* FNV-1a: short answer strings, no need for anything stronger. */
static uint64_t
hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* Classes of an answer for item nonresponse. */
enum { ANSWER = 0, EMPTY, USER_MISSING };

/*
 * Code the answers of column 'c' into 'codes' (n values, 0..k-1 in order
 * of first appearance) and return k, or 0 on allocation failure.  Each
 * row's empty answers are added to 'nempty' and its user-missing ones (the
 * codes of 'v', which may be NULL) to 'ndk'.
 */
static size_t
code_column(const svy_column *c, size_t n, uint32_t *codes, const svy_var *v,
            uint32_t *ndk, uint32_t *nempty)
{
    size_t cap = 64, k = 0, kcap = 64;
    const char **keys = calloc(cap, sizeof(*keys));
    uint32_t *vals = calloc(cap, sizeof(*vals));
    unsigned char *kcls = malloc(kcap);
    char **owned = NULL; /* numeric cells are formatted: keep copies */
    int num = svy_column_type(c) == SVY_NUM;
    char buf[SVY_NUM_BUFSZ];

    if (num)
        owned = calloc(n ? n : 1, sizeof(*owned));
    if (!keys || !vals || !kcls || (num && !owned))
        goto fail;
    /*
     * Open addressing, kept at most half full.  Keys point into the
     * column (text) or into 'owned' copies (numeric cells are formatted
     * into one reused buffer); they live until the codes are assigned.
     */
    for (size_t r = 0; r < n; r++) {
        const char *s = cell(c, r, buf);
        size_t h;

        if (2 * (k + 1) > cap) {
            size_t ncap = cap * 2;
            const char **nk = calloc(ncap, sizeof(*nk));
            uint32_t *nv = calloc(ncap, sizeof(*nv));

            if (!nk || !nv) {
                free(nk);
                free(nv);
                goto fail;
            }
            for (size_t i = 0; i < cap; i++) {
                if (!keys[i])
                    continue;
                h = hash_str(keys[i]) & (ncap - 1);
                while (nk[h])
                    h = (h + 1) & (ncap - 1);
                nk[h] = keys[i];
                nv[h] = vals[i];
            }
            free(keys);
            free(vals);
            keys = nk;
            vals = nv;
            cap = ncap;
        }
        h = hash_str(s) & (cap - 1);
        while (keys[h] && strcmp(keys[h], s) != 0)
            h = (h + 1) & (cap - 1);
        if (!keys[h]) {
            if (k == kcap) {
                unsigned char *nc = realloc(kcls, kcap * 2);

                if (!nc)
                    goto fail;
                kcls = nc;
                kcap *= 2;
            }
            kcls[k] = !*s                                  ? EMPTY
                      : v && svy_var_is_missing_code(v, s) ? USER_MISSING
                                                           : ANSWER;
            if (num && !(s = owned[k] = svy_mem_strdup(s)))
                goto fail;
            keys[h] = s;
            vals[h] = (uint32_t)k++;
        }
        codes[r] = vals[h];
        nempty[r] += kcls[vals[h]] == EMPTY;
        ndk[r] += kcls[vals[h]] == USER_MISSING;
    }
    goto done;
fail:
    k = 0;
done:
    if (owned)
        for (size_t i = 0; i < n && owned[i]; i++)
            free(owned[i]);
    free(owned);
    free(keys);
    free(kcls);
    free((void *)vals);
    return n == 0 ? 1 : k;
}

static void
coded_release(struct coded *cd)
{
    free(cd->bits);
    free(cd->wide);
}

/*
 * Code the question columns 'q' (nq of them) of 't' into 'cd', counting
 * each row's empty and user-missing ('cb' may be NULL) answers into
 * 'nempty' and 'ndk' (n zeroed entries each).  First
 * every column is coded on its own (so the number of codes of each is
 * known), then the narrow ones are laid out one after the other in each
 * row's bitset and the wide ones copied into the row's code array.  The
 * layout does not depend on the thread count or on anything but the
 * data, which keeps the exact-duplicate sort deterministic.
 */
static svy_status
encode(const svy_table *t, svy_column *const *q, size_t nq,
       const svy_codebook *cb, uint32_t *ndk, uint32_t *nempty,
       struct coded *cd, svy_err *err)
{
    size_t n = svy_table_nrows(t), bitpos = 0, nwide = 0;
    uint32_t *codes = svy_mem_alloc(nq * (n ? n : 1), sizeof(*codes));
    size_t *k = calloc(nq ? nq : 1, sizeof(*k));
    svy_status rc = SVY_OK;

    memset(cd, 0, sizeof(*cd));
    if (!codes || !k) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < nq; j++) {
        const svy_var *v =
            cb ? svy_codebook_find(cb, svy_column_name(q[j])) : NULL;

        if ((k[j] = code_column(q[j], n, codes + j * n, v, ndk, nempty)) == 0) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            goto out;
        }
        if (k[j] <= NARROW_MAX)
            bitpos += k[j];
        else
            nwide++;
    }
    cd->n = n;
    cd->words = (bitpos + 63) / 64;
    cd->words = (cd->words + simd_words() - 1) / simd_words() * simd_words();
    cd->nwide = nwide;
    cd->bits = svy_mem_calloc(n * cd->words + 1, sizeof(*cd->bits));
    cd->wide = svy_mem_alloc(n * nwide + 1, sizeof(*cd->wide));
    if (!cd->bits || !cd->wide) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    bitpos = 0;
    nwide = 0;
    for (size_t j = 0; j < nq; j++) {
        const uint32_t *cj = codes + j * n;

        for (size_t r = 0; r < n; r++) {
            if (k[j] <= NARROW_MAX) {
                size_t b = bitpos + cj[r];
                cd->bits[r * cd->words + b / 64] |= (uint64_t)1 << (b % 64);
            } else {
                cd->wide[r * cd->nwide + nwide] = cj[r];
            }
        }
        if (k[j] <= NARROW_MAX)
            bitpos += k[j];
        else
            nwide++;
    }
out:
    free(codes);
    free(k);
    if (rc != SVY_OK)
        coded_release(cd);
    return rc;
}

/* Best match found so far, per thread. */
struct best {
    uint32_t *count, *row;
};

struct job {
    const struct coded *cd;
    size_t nblocks;
    atomic_size_t next;
};

struct worker {
    struct job *job;
    struct best best;
    pthread_t tid;
    int started;
};

/*
 * Record 'j' as row i's best match if it agrees on more questions, or on
 * as many and comes earlier in the file.  The rule is a total order, so
 * the outcome does not depend on the order in which pairs are visited,
 * nor on how they were shared between threads.
 */
static inline void
consider(struct best *b, size_t i, size_t j, uint32_t m)
{
    if (m > b->count[i] || (m == b->count[i] && j < b->row[i])) {
        b->count[i] = m;
        b->row[i] = (uint32_t)j;
    }
}

/*
 * The number of questions on which two rows agree, from their bitsets of
 * W words; one function per instruction set, each inlined into the tile
 * loop compiled for the same set.
 */
static inline uint32_t
agree_generic(const uint64_t *a, const uint64_t *b, size_t W)
{
    uint32_t m = 0;

    for (size_t w = 0; w < W; w++)
        m += (uint32_t)__builtin_popcountll(a[w] & b[w]);
    return m;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_X86_VARIANTS 1

__attribute__((target("popcnt"))) static inline uint32_t
agree_popcnt(const uint64_t *a, const uint64_t *b, size_t W)
{
    uint32_t m = 0;

    for (size_t w = 0; w < W; w++)
        m += (uint32_t)__builtin_popcountll(a[w] & b[w]);
    return m;
}

/* W is a multiple of 8 here (see simd_words): 8 words a vector. */
__attribute__((target("avx512f,avx512vpopcntdq"))) static inline uint32_t
agree_avx512(const uint64_t *a, const uint64_t *b, size_t W)
{
    __m512i s = _mm512_setzero_si512();

    for (size_t w = 0; w < W; w += 8)
        s = _mm512_add_epi64(
            s, _mm512_popcnt_epi64(_mm512_and_si512(
                   _mm512_loadu_si512(a + w), _mm512_loadu_si512(b + w))));
    return (uint32_t)_mm512_reduce_add_epi64(s);
}
#endif

/*
 * Compare every pair (i, j), i < j, with i in block 'bi' and j in block
 * bi or later.  The body is a macro so that it can be compiled once for
 * each instruction set, with AGREE the matching function above.
 */
#define TILE_BODY(AGREE)                                                       \
    const struct coded *cd = job->cd;                                          \
    size_t W = cd->words, NW = cd->nwide, n = cd->n;                           \
    size_t i0 = bi * BLOCK, i1 = i0 + BLOCK < n ? i0 + BLOCK : n;              \
    for (size_t bj = bi; bj < job->nblocks; bj++) {                            \
        size_t j0 = bj * BLOCK, j1 = j0 + BLOCK < n ? j0 + BLOCK : n;          \
        for (size_t i = i0; i < i1; i++) {                                     \
            const uint64_t *a = cd->bits + i * W;                              \
            const uint32_t *aw = cd->wide + i * NW;                            \
            for (size_t j = j0 > i + 1 ? j0 : i + 1; j < j1; j++) {            \
                const uint32_t *bw = cd->wide + j * NW;                        \
                uint32_t m = AGREE(a, cd->bits + j * W, W);                    \
                for (size_t w = 0; w < NW; w++)                                \
                    m += aw[w] == bw[w];                                       \
                if (m >= best->count[i])                                       \
                    consider(best, i, j, m);                                   \
                if (m >= best->count[j])                                       \
                    consider(best, j, i, m);                                   \
            }                                                                  \
        }                                                                      \
    }

static void
tile_generic(struct job *job, struct best *best, size_t bi)
{
    TILE_BODY(agree_generic)
}

#ifdef HAVE_X86_VARIANTS
__attribute__((target("popcnt"))) static void
tile_popcnt(struct job *job, struct best *best, size_t bi)
{
    TILE_BODY(agree_popcnt)
}

__attribute__((target("avx512f,avx512vpopcntdq"))) static void
tile_avx512(struct job *job, struct best *best, size_t bi)
{
    TILE_BODY(agree_avx512)
}
#endif

/*
 * 8 when the AVX-512 population count is there to use (the bitsets are
 * then padded to whole 512-bit vectors, zeros that never agree), else 1.
 * On AMD Zen 4 it compares a 100-question pair in about a quarter of the
 * time of the popcnt loop.
 */
static size_t
simd_words(void)
{
#ifdef HAVE_X86_VARIANTS
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") &&
        __builtin_cpu_supports("avx512vpopcntdq"))
        return 8;
#endif
    return 1;
}

/*
 * A worker: take the next row block until none is left.  The tile
 * variant is chosen here, once per thread, rather than by the compiler
 * flags, so that one binary runs on any x86-64 and uses the instructions
 * where they exist (without popcnt GCC calls a library routine, which is
 * much slower in this loop).
 */
static void *
work(void *arg)
{
    struct worker *wk = arg;
    struct job *job = wk->job;
    void (*tile)(struct job *, struct best *, size_t) = tile_generic;
    size_t bi;

#ifdef HAVE_X86_VARIANTS
    __builtin_cpu_init();
    if (job->cd->words % 8 == 0 && simd_words() == 8)
        tile = tile_avx512;
    else if (__builtin_cpu_supports("popcnt"))
        tile = tile_popcnt;
#endif
    /* Blocks in increasing order: the first carry the most pairs. */
    while ((bi = atomic_fetch_add(&job->next, 1)) < job->nblocks)
        tile(job, &wk->best, bi);
    return NULL;
}

/* The threads to use: 'want', or the processors online; at most 8. */
static int
online_threads(int want)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    if (want <= 0)
        want = cpus > 0 ? (int)cpus : 1;
    return want > MAX_THREADS ? MAX_THREADS : want;
}

/*
 * The near-duplicate search: fill max_match and match_row of 'rows'.
 * Each worker has its own best arrays (8 bytes a row), so the inner loop
 * never synchronises; merging them costs one pass per extra thread.
 */
static svy_status
match_pairs(const struct coded *cd, size_t nq, int threads, svy_qc_row *rows,
            svy_err *err)
{
    size_t n = cd->n;
    struct job job;
    struct worker wk[MAX_THREADS];
    int nt = online_threads(threads);
    svy_status rc = SVY_OK;

    if (n < 2 || nq == 0)
        return SVY_OK;
    job.cd = cd;
    job.nblocks = (n + BLOCK - 1) / BLOCK;
    atomic_init(&job.next, 0);
    if ((size_t)nt > job.nblocks)
        nt = (int)job.nblocks;
    memset(wk, 0, sizeof(wk));
    for (int t = 0; t < nt; t++) {
        wk[t].job = &job;
        wk[t].best.count = svy_mem_calloc(n, sizeof(uint32_t));
        wk[t].best.row = svy_mem_alloc(n, sizeof(uint32_t));
        if (!wk[t].best.count || !wk[t].best.row) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            wk[t].best.row[i] = NONE32;
    }
    /* Thread 0 is this one; a thread that cannot start leaves its share
     * to the others through the shared counter. */
    for (int t = 1; t < nt; t++)
        wk[t].started = pthread_create(&wk[t].tid, NULL, work, &wk[t]) == 0;
    work(&wk[0]);
    for (int t = 1; t < nt; t++)
        if (wk[t].started)
            pthread_join(wk[t].tid, NULL);
    for (int t = 1; t < nt; t++)
        for (size_t i = 0; i < n; i++)
            if (wk[t].best.row[i] != NONE32)
                consider(&wk[0].best, i, wk[t].best.row[i],
                         wk[t].best.count[i]);
    for (size_t i = 0; i < n; i++) {
        rows[i].max_match = (double)wk[0].best.count[i] / (double)nq;
        rows[i].match_row = wk[0].best.row[i];
    }
out:
    for (int t = 0; t < nt; t++) {
        free(wk[t].best.count);
        free(wk[t].best.row);
    }
    return rc;
}

typedef int (*row_cmp)(size_t a, size_t b, const void *ctx);

/* Stable merge sort of 'n' row numbers; C11's qsort takes no context. */
static void
msort(size_t *v, size_t *tmp, size_t n, row_cmp cmp, const void *ctx)
{
    size_t h = n / 2, i = 0, j = h, k = 0;

    if (n < 2)
        return;
    msort(v, tmp, h, cmp, ctx);
    msort(v + h, tmp, n - h, cmp, ctx);
    while (i < h && j < n)
        tmp[k++] = cmp(v[j], v[i], ctx) < 0 ? v[j++] : v[i++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof(*v));
}

/*
 * The rows 0..n-1 sorted by 'cmp', equal rows in file order; NULL when out
 * of memory.  The caller frees the array.
 */
static size_t *
sorted_rows(size_t n, row_cmp cmp, const void *ctx)
{
    size_t *v = svy_mem_alloc(n + 1, sizeof(*v));
    size_t *tmp = svy_mem_alloc(n + 1, sizeof(*tmp));

    if (v && tmp) {
        for (size_t i = 0; i < n; i++)
            v[i] = i;
        msort(v, tmp, n, cmp, ctx);
    } else {
        free(v);
        v = NULL;
    }
    free(tmp);
    return v;
}

static int
cmp_codes(size_t a, size_t b, const void *ctx)
{
    const struct coded *cd = ctx;
    int c = memcmp(cd->bits + a * cd->words, cd->bits + b * cd->words,
                   cd->words * sizeof(uint64_t));

    if (c == 0)
        c = memcmp(cd->wide + a * cd->nwide, cd->wide + b * cd->nwide,
                   cd->nwide * sizeof(uint32_t));
    return c;
}

/* Rows by the strings of 'ctx' (a char *[] of ids or interviewers). */
static int
cmp_strings(size_t a, size_t b, const void *ctx)
{
    char *const *s = ctx;

    return strcmp(s[a], s[b]);
}

static int
same_codes(const struct coded *cd, size_t a, size_t b)
{
    return memcmp(cd->bits + a * cd->words, cd->bits + b * cd->words,
                  cd->words * sizeof(uint64_t)) == 0 &&
           memcmp(cd->wide + a * cd->nwide, cd->wide + b * cd->nwide,
                  cd->nwide * sizeof(uint32_t)) == 0;
}

/* Mark exact duplicates: sort the rows by their codes. */
static svy_status
exact_dups(const struct coded *cd, size_t nq, svy_qc_row *rows, svy_err *err)
{
    size_t n = cd->n, *idx;

    if (nq == 0 || n < 2)
        return SVY_OK;
    if (!(idx = sorted_rows(n, cmp_codes, cd)))
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    for (size_t i = 1, first = idx[0]; i < n; i++) {
        if (!same_codes(cd, idx[i - 1], idx[i])) {
            first = idx[i];
            continue;
        }
        rows[idx[i]].dup_interview = 1;
        rows[idx[i]].dup_of = first;
    }
    free(idx);
    return SVY_OK;
}

static int
cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;

    return (a > b) - (a < b);
}

/*
 * Median of the non-NaN values among 'v' (compacted and sorted in place,
 * so the caller passes a scratch copy), the mean of the middle two for an
 * even count; NaN if there is none.
 */
static double
median(double *v, size_t n)
{
    size_t m = 0;

    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            v[m++] = v[i];
    if (m == 0)
        return NAN;
    qsort(v, m, sizeof(*v), cmp_double);
    return m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

/*
 * Column 'name' of 't'; when it is missing, record "unknown variable" in
 * 'err' and '*rc' unless an earlier lookup already failed, so that the
 * first unknown name given is the one reported.
 */
static const svy_column *
find_col(const svy_table *t, const char *name, svy_err *err, svy_status *rc)
{
    const svy_column *c = svy_table_find(t, name);

    if (!c && *rc == SVY_OK)
        *rc = svy_err_set(err, SVY_EINVAL, "unknown variable '%s'", name);
    return c;
}

static int
listed(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0)
            return 1;
    return 0;
}

/* 1 when 'name' is the id, interviewer, duration or an excluded column. */
static int
is_role(const svy_qc_opts *o, const char *id, const char *name)
{
    return (id && strcmp(id, name) == 0) ||
           (o->interviewer && strcmp(o->interviewer, name) == 0) ||
           (o->duration && strcmp(o->duration, name) == 0) ||
           listed(o->exclude, name);
}

svy_status
svy_qc_default_questions(const svy_table *t, const svy_qc_opts *opts,
                         const char ***out, size_t *n, svy_err *err)
{
    const svy_codebook *cb = opts->codebook;
    size_t cap = (cb ? svy_codebook_nvars(cb) : 0) + svy_table_ncols(t) + 1;
    const char **q = calloc(cap, sizeof(*q));
    const char *id = opts->id             ? opts->id
                     : svy_table_ncols(t) ? svy_column_name(svy_table_col(t, 0))
                                          : NULL;
    size_t m = 0, start = 0;

    *out = NULL;
    *n = 0;
    if (!q)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    if (cb) {
        /* The questionnaire follows the duration variable, if listed. */
        for (size_t i = 0; opts->duration && i < svy_codebook_nvars(cb); i++)
            if (strcmp(svy_var_name(svy_codebook_var(cb, i)), opts->duration) ==
                0)
                start = i + 1;
        for (size_t i = start; i < svy_codebook_nvars(cb); i++) {
            const svy_var *v = svy_codebook_var(cb, i);

            if (svy_var_type(v) == SVY_V_CAT &&
                svy_table_find(t, svy_var_name(v)) &&
                !is_role(opts, id, svy_var_name(v)))
                q[m++] = svy_var_name(v);
        }
    } else {
        for (size_t i = 0; i < svy_table_ncols(t); i++) {
            const char *name = svy_column_name(svy_table_col(t, i));

            if (!is_role(opts, id, name))
                q[m++] = name;
        }
    }
    *out = q;
    *n = m;
    return SVY_OK;
}

static char *
copy_cell(const svy_column *c, size_t row)
{
    char buf[SVY_NUM_BUFSZ];

    return svy_mem_strdup(c ? cell(c, row, buf) : "");
}

/*
 * Read the durations; a value that is not a number is an error naming the
 * file and line (a duration typed as "12 min" must be fixed, not guessed),
 * while an empty one is simply unknown.
 */
static svy_status
read_durations(const svy_table *t, const svy_column *c, const svy_qc_opts *opts,
               svy_qc_row *rows, svy_err *err)
{
    char buf[SVY_NUM_BUFSZ];

    for (size_t r = 0; r < svy_table_nrows(t); r++) {
        size_t len;
        const char *s = svy_column_format(c, r, buf, &len);
        double v;

        rows[r].duration = NAN;
        if (svy_column_is_empty(c, r) || len == 0)
            continue;
        if (!svy_num_parse(s, len, 0, &v))
            return svy_err_set(err, SVY_EDATA,
                               "%s:%zu: column '%s': not a number '%s'",
                               opts->source ? opts->source : "<data>",
                               svy_table_row_line(t, r), svy_column_name(c), s);
        rows[r].duration = v;
    }
    return SVY_OK;
}

/* Length of the prefix of 'name' before its last '_' (0 when none). */
static size_t
prefix_len(const char *name)
{
    const char *u = strrchr(name, '_');

    return u ? (size_t)(u - name) : 0;
}

static int
same_prefix(const char *a, const char *b)
{
    size_t la = prefix_len(a);

    return la && la == prefix_len(b) && strncmp(a, b, la) == 0;
}

/* 1 when the two variables have the same user-missing and value codes. */
static int
same_scale(const svy_var *a, const svy_var *b)
{
    size_t na, nb;
    const char *const *ma = svy_var_missing(a, &na);
    const char *const *mb = svy_var_missing(b, &nb);

    if (na != nb || svy_var_nvalues(a) != svy_var_nvalues(b))
        return 0;
    for (size_t i = 0; i < na; i++)
        if (strcmp(ma[i], mb[i]) != 0)
            return 0;
    for (size_t i = 0; i < svy_var_nvalues(a); i++)
        if (strcmp(svy_var_value_code(a, i), svy_var_value_code(b, i)) != 0)
            return 0;
    return 1;
}

/* Value-label codes of 'v' that are not user-missing. */
static size_t
scale_points(const svy_var *v)
{
    size_t m = 0;

    for (size_t i = 0; i < svy_var_nvalues(v); i++)
        m += !svy_var_is_missing_code(v, svy_var_value_code(v, i));
    return m;
}

static int
grid_member(const svy_var *v, const svy_table *t)
{
    return svy_var_type(v) == SVY_V_CAT && svy_table_find(t, svy_var_name(v)) &&
           prefix_len(svy_var_name(v)) > 0 && scale_points(v) >= 3;
}

svy_status
svy_qc_default_grids(const svy_table *t, const svy_codebook *cb, char **out,
                     svy_err *err)
{
    svy_buf b = SVY_BUF_INIT;
    size_t nv = cb ? svy_codebook_nvars(cb) : 0;
    svy_status rc = SVY_OK;

    *out = NULL;
    for (size_t i = 0, e; i < nv; i = e) {
        const svy_var *first = svy_codebook_var(cb, i);

        e = i + 1;
        if (!grid_member(first, t))
            continue;
        while (e < nv && grid_member(svy_codebook_var(cb, e), t) &&
               same_prefix(svy_var_name(first),
                           svy_var_name(svy_codebook_var(cb, e))) &&
               same_scale(first, svy_codebook_var(cb, e)))
            e++;
        if (e - i < SVY_QC_STRAIGHT_MIN)
            continue;
        for (size_t j = i; j < e && rc == SVY_OK; j++)
            rc = svy_buf_printf(&b, "%s%s",
                                j > i   ? ","
                                : b.len ? "/"
                                        : "",
                                svy_var_name(svy_codebook_var(cb, j)));
    }
    if (rc == SVY_OK &&
        !(*out = b.data ? svy_buf_detach(&b, NULL) : svy_mem_strdup("")))
        rc = SVY_ENOMEM;
    if (rc != SVY_OK)
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
    svy_buf_release(&b);
    return rc;
}

/*
 * Parse the grid spec 'spec' against 't': fill qc->ngrids, gnames and
 * gsizes, and '*cols' with the columns of every grid one after the other
 * (the caller frees the array).  Names are checked here, before any work,
 * so that a typo costs nothing.
 */
static svy_status
parse_grids(svy_qc *qc, const char *spec, const svy_table *t,
            const svy_column ***cols, svy_err *err)
{
    size_t ng = 1, nc = 1, at = 0;
    const char *p;

    *cols = NULL;
    if (!*spec)
        return SVY_OK;
    for (p = spec; *p; p++) {
        ng += *p == '/';
        nc += *p == '/' || *p == ',';
    }
    if (!(qc->gnames = calloc(ng, sizeof(char *))) ||
        !(qc->gsizes = calloc(ng, sizeof(size_t))) ||
        !(*cols = calloc(nc, sizeof(**cols))))
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    p = spec;
    for (size_t g = 0; g < ng; g++) {
        const svy_column **gc = *cols + at;
        size_t k = 0, plen;
        char name[256];

        for (;;) {
            size_t len = strcspn(p, ",/");

            if (len == 0)
                return svy_err_set(err, SVY_EINVAL,
                                   *p == '/' || !*p
                                       ? "--grids: grid %zu is empty"
                                       : "--grids: grid %zu: empty "
                                         "variable name",
                                   g + 1);
            if (len >= sizeof(name))
                return svy_err_set(err, SVY_EINVAL,
                                   "--grids: grid %zu: variable name too long",
                                   g + 1);
            memcpy(name, p, len);
            name[len] = '\0';
            if (!(gc[k] = svy_table_find(t, name)))
                return svy_err_set(err, SVY_EINVAL,
                                   "--grids: grid %zu: unknown variable '%s'",
                                   g + 1, name);
            for (size_t j = 0; j < k; j++)
                if (gc[j] == gc[k])
                    return svy_err_set(err, SVY_EINVAL,
                                       "--grids: grid %zu: '%s' listed twice",
                                       g + 1, name);
            k++;
            p += len;
            if (*p != ',')
                break;
            p++;
            if (!*p || *p == '/')
                return svy_err_set(err, SVY_EINVAL,
                                   "--grids: grid %zu: empty variable name",
                                   g + 1);
        }
        if (*p == '/')
            p++;
        if (k < SVY_QC_STRAIGHT_MIN)
            return svy_err_set(
                err, SVY_EINVAL,
                "--grids: grid %zu: %zu variable%s, a grid needs at "
                "least %d",
                g + 1, k, k == 1 ? "" : "s", SVY_QC_STRAIGHT_MIN);
        /* The grid's name: the prefix its variables share, if any. */
        plen = prefix_len(svy_column_name(gc[0]));
        for (size_t j = 1; j < k && plen; j++)
            if (!same_prefix(svy_column_name(gc[0]), svy_column_name(gc[j])))
                plen = 0;
        for (size_t h = 0; h < g && plen; h++)
            if (strlen(qc->gnames[h]) == plen &&
                strncmp(qc->gnames[h], svy_column_name(gc[0]), plen) == 0)
                plen = 0;
        if (!plen)
            plen = strlen(svy_column_name(gc[0]));
        if (!(qc->gnames[g] = svy_mem_alloc(plen + 1, 1)))
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        memcpy(qc->gnames[g], svy_column_name(gc[0]), plen);
        qc->gnames[g][plen] = '\0';
        qc->ngrids = g + 1;
        for (size_t h = 0; h < g; h++)
            if (strcmp(qc->gnames[h], qc->gnames[g]) == 0)
                return svy_err_set(
                    err, SVY_EINVAL,
                    "--grids: grid %zu: name '%s' already used by "
                    "grid %zu",
                    g + 1, qc->gnames[g], h + 1);
        qc->gsizes[g] = k;
        at += k;
    }
    return SVY_OK;
}

/*
 * The grid checks: for each grid and row, the valid answers (neither
 * empty nor user-missing in 'cb'), their standard deviation and whether
 * they are all equal.  Equality is tested on the values themselves, not
 * on a rounded SD, so a straight line always has SD exactly 0.
 */
static svy_status
check_grids(svy_qc *qc, const svy_table *t, const svy_column *const *cols,
            const svy_qc_opts *o, svy_err *err)
{
    size_t n = qc->n, G = qc->ngrids, maxk = 1, at = 0;
    double *x = NULL;
    const svy_var **vars = NULL;
    char buf[SVY_NUM_BUFSZ];
    svy_status rc = SVY_OK;

    for (size_t g = 0; g < G; g++)
        maxk = qc->gsizes[g] > maxk ? qc->gsizes[g] : maxk;
    qc->gvalid = svy_mem_calloc(n * G + 1, sizeof(*qc->gvalid));
    qc->gsd = svy_mem_alloc(n * G + 1, sizeof(*qc->gsd));
    qc->gstraight = svy_mem_alloc(n * G + 1, sizeof(*qc->gstraight));
    x = svy_mem_alloc(maxk, sizeof(*x));
    vars = calloc(maxk, sizeof(*vars));
    if (!qc->gvalid || !qc->gsd || !qc->gstraight || !x || !vars) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto cleanup;
    }
    for (size_t g = 0; g < G; at += qc->gsizes[g++]) {
        size_t K = qc->gsizes[g];

        for (size_t j = 0; j < K; j++)
            vars[j] = o->codebook
                          ? svy_codebook_find(o->codebook,
                                              svy_column_name(cols[at + j]))
                          : NULL;
        for (size_t r = 0; r < n; r++) {
            size_t k = 0, idx = r * G + g;
            int equal = 1;
            double sum = 0, ss = 0;

            for (size_t j = 0; j < K; j++) {
                size_t len;
                const char *s = svy_column_format(cols[at + j], r, buf, &len);

                if (len == 0 || svy_column_is_empty(cols[at + j], r) ||
                    (vars[j] && svy_var_is_missing_code(vars[j], s)))
                    continue;
                if (!svy_num_parse(s, len, 0, &x[k])) {
                    rc = svy_err_set(err, SVY_EDATA,
                                     "%s:%zu: column '%s': not a number '%s'",
                                     o->source ? o->source : "<data>",
                                     svy_table_row_line(t, r),
                                     svy_column_name(cols[at + j]), s);
                    goto cleanup;
                }
                equal &= x[k] == x[0];
                sum += x[k++];
            }
            for (size_t j = 0; j < k; j++)
                ss += (x[j] - sum / (double)k) * (x[j] - sum / (double)k);
            qc->gvalid[idx] = (uint32_t)k;
            qc->gsd[idx] = k < 2 ? NAN : equal ? 0 : sqrt(ss / (double)(k - 1));
            qc->gstraight[idx] = k < SVY_QC_STRAIGHT_MIN ? -1 : equal;
            if (qc->gstraight[idx] == 1)
                qc->rows[r].straightliner = 1;
        }
    }
cleanup:
    free(x);
    free(vars);
    return rc;
}

static int
row_flag(const svy_qc_row *r, svy_qc_check c)
{
    switch (c) {
    case SVY_QC_DUP_ID: return r->dup_id;
    case SVY_QC_DUP_INTERVIEW: return r->dup_interview;
    case SVY_QC_NEAR_DUP: return r->near_dup;
    case SVY_QC_SPEEDER: return r->speeder;
    case SVY_QC_STRAIGHT: return r->straightliner;
    case SVY_QC_NONRESPONSE: return r->nonresponse;
    case SVY_QC_NCHECKS: break;
    }
    return 0;
}

/*
 * Group the rows by interviewer (sorted by name) and summarise each
 * group.  The "stands out" test compares a group's share with the share
 * over all rows, p, using the binomial standard error of a share of n
 * interviews under p: with 3 standard errors, an honest interviewer is
 * marked by chance about once in 700 checks (normal approximation), and
 * groups under SVY_QC_MIN_GROUP interviews are never marked because one
 * flagged interview would be a share of 20% or more.  The approximation
 * fails for rare checks: with p near 0 the bar p + 3 SE sits below 1/n,
 * so a single flagged interview would mark anyone; hence the rule also
 * asks for at least SVY_QC_MIN_FLAGGED flagged interviews.
 */
static svy_status
summarise(svy_qc *qc, svy_err *err)
{
    size_t n = qc->n, *idx = sorted_rows(n, cmp_strings, qc->ivs);
    double *d = svy_mem_alloc(n + 1, sizeof(*d));
    double p[SVY_QC_NCHECKS];
    svy_status rc = SVY_OK;

    if (!idx || !d || !(qc->groups = calloc(n + 1, sizeof(*qc->groups)))) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    for (int c = 0; c < SVY_QC_NCHECKS; c++)
        p[c] = n ? (double)qc->counts[c] / (double)n : 0;
    for (size_t s = 0, e; s < n; s = e) {
        svy_qc_group *g = &qc->groups[qc->ngroups++];
        double sum = 0, dk = 0, em = 0;
        size_t nm = 0, nr = 0;

        for (e = s; e < n && strcmp(qc->ivs[idx[e]], qc->ivs[idx[s]]) == 0;)
            e++;
        g->interviewer = qc->ivs[idx[s]];
        g->interviews = e - s;
        for (size_t k = s; k < e; k++) {
            const svy_qc_row *r = &qc->rows[idx[k]];

            d[k - s] = r->duration;
            if (!isnan(r->max_match)) {
                sum += r->max_match;
                nm++;
            }
            if (!isnan(r->dk_share)) {
                dk += r->dk_share;
                em += r->empty_share;
                nr++;
            }
            for (int c = 0; c < SVY_QC_NCHECKS; c++)
                g->share[c] += row_flag(r, (svy_qc_check)c);
        }
        g->median_duration = median(d, e - s);
        g->mean_max_match = nm ? sum / (double)nm : NAN;
        g->dk_rate = nr ? dk / (double)nr : NAN;
        g->empty_rate = nr ? em / (double)nr : NAN;
        for (int c = 0; c < SVY_QC_NCHECKS; c++) {
            double ni = (double)g->interviews;

            g->share[c] /= ni;
            g->stands_out[c] =
                g->interviews >= SVY_QC_MIN_GROUP &&
                g->share[c] * ni >= SVY_QC_MIN_FLAGGED - 0.5 &&
                g->share[c] > p[c] + 3 * sqrt(p[c] * (1 - p[c]) / ni);
        }
    }
out:
    free(idx);
    free(d);
    return rc;
}

svy_status
svy_qc_run(svy_qc **out, const svy_table *t, const svy_qc_opts *opts,
           svy_err *err)
{
    svy_qc_opts o = *opts;
    svy_qc *qc = NULL;
    const svy_column *idc = NULL, *ivc = NULL, *duc = NULL;
    const svy_column **gcols = NULL;
    svy_column **qcols = NULL;
    const char **qnames = NULL, **dflt = NULL;
    char *dgrids = NULL;
    struct coded cd = {0};
    uint32_t *ndk = NULL, *nempty = NULL;
    double *d = NULL;
    size_t n = svy_table_nrows(t), nq = 0;
    svy_status rc = SVY_OK;

    /*
     * Order: options and columns first (usage errors before any work),
     * then durations (data errors), then the cheap checks, then the pair
     * search, then the flags that depend on the thresholds, and last the
     * per-interviewer summary that needs every flag.
     */
    *out = NULL;
    if (o.match_threshold == 0)
        o.match_threshold = SVY_QC_MATCH_THRESHOLD;
    if (o.speed_fraction == 0)
        o.speed_fraction = SVY_QC_SPEED_FRACTION;
    if (o.max_nonresponse == 0)
        o.max_nonresponse = SVY_QC_MAX_NONRESPONSE;
    if (o.match_threshold < 0 || o.match_threshold > 1 ||
        o.speed_fraction < 0 || o.min_duration < 0 || o.max_nonresponse < 0 ||
        o.max_nonresponse > 1)
        return svy_err_set(err, SVY_EINVAL, "qc option out of range");
    if (n >= NONE32)
        return svy_err_set(err, SVY_ENOMEM, "too many rows for qc");
    if (svy_table_ncols(t) == 0)
        return svy_err_set(err, SVY_EDATA, "%s: no columns",
                           o.source ? o.source : "<data>");
    idc = o.id ? find_col(t, o.id, err, &rc) : svy_table_col(t, 0);
    if (o.interviewer)
        ivc = find_col(t, o.interviewer, err, &rc);
    if (o.duration)
        duc = find_col(t, o.duration, err, &rc);
    if (rc != SVY_OK)
        return rc;
    if (o.questions) {
        qnames = (const char **)o.questions;
        nq = o.nquestions;
    } else {
        if ((rc = svy_qc_default_questions(t, &o, &dflt, &nq, err)))
            goto out;
        qnames = dflt;
    }
    if (!(qcols = calloc(nq + 1, sizeof(*qcols))) ||
        !(qc = calloc(1, sizeof(*qc)))) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < nq; j++)
        if (!(qcols[j] = (svy_column *)find_col(t, qnames[j], err, &rc)))
            goto out;
    qc->n = n;
    qc->nq = nq;
    qc->threshold = o.match_threshold;
    qc->max_nr = o.max_nonresponse;
    if (!o.grids &&
        (rc = svy_qc_default_grids(t, o.codebook, &dgrids, err)) != SVY_OK)
        goto out;
    if ((rc = parse_grids(qc, o.grids ? o.grids : dgrids, t, &gcols, err)))
        goto out;
    qc->rows = svy_mem_calloc(n + 1, sizeof(*qc->rows));
    qc->ids = svy_mem_calloc(n + 1, sizeof(char *));
    qc->ivs = svy_mem_calloc(n + 1, sizeof(char *));
    qc->lines = svy_mem_calloc(n + 1, sizeof(size_t));
    qc->qnames = svy_mem_calloc(nq + 1, sizeof(char *));
    d = svy_mem_alloc(n + 1, sizeof(*d));
    ndk = svy_mem_calloc(n + 1, sizeof(*ndk));
    nempty = svy_mem_calloc(n + 1, sizeof(*nempty));
    if (!qc->rows || !qc->ids || !qc->ivs || !qc->lines || !qc->qnames || !d ||
        !ndk || !nempty) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t j = 0; j < nq; j++)
        if (!(qc->qnames[j] = svy_mem_strdup(qnames[j]))) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            goto out;
        }
    for (size_t r = 0; r < n; r++) {
        svy_qc_row *row = &qc->rows[r];

        row->dup_of = row->match_row = SIZE_MAX;
        row->max_match = row->duration = NAN;
        qc->lines[r] = svy_table_row_line(t, r);
        if (!(qc->ids[r] = copy_cell(idc, r)) ||
            !(qc->ivs[r] = copy_cell(ivc, r))) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            goto out;
        }
    }
    if ((duc && (rc = read_durations(t, duc, &o, qc->rows, err))) ||
        (rc = check_grids(qc, t, gcols, &o, err)))
        goto out;

    /* Duplicate ids: sorted by id, equal ids stay in file order. */
    {
        size_t *idx = sorted_rows(n, cmp_strings, qc->ids);

        if (!idx) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 1; i < n; i++)
            if (*qc->ids[idx[i]] &&
                strcmp(qc->ids[idx[i]], qc->ids[idx[i - 1]]) == 0)
                qc->rows[idx[i]].dup_id = 1;
        free(idx);
    }

    if ((rc = encode(t, qcols, nq, o.codebook, ndk, nempty, &cd, err)) ||
        (rc = exact_dups(&cd, nq, qc->rows, err)) ||
        (rc = match_pairs(&cd, nq, o.threads, qc->rows, err)))
        goto out;

    for (size_t r = 0; r < n; r++)
        d[r] = qc->rows[r].duration;
    qc->median = median(d, n);
    qc->limit = NAN;
    if (duc)
        qc->limit =
            o.min_duration > 0 ? o.min_duration : o.speed_fraction * qc->median;
    /* NaN compares false, so rows without a duration are no speeders. */
    for (size_t r = 0; r < n; r++) {
        svy_qc_row *row = &qc->rows[r];
        int any = 0;

        row->near_dup = row->max_match > o.match_threshold;
        row->speeder = row->duration < qc->limit;
        /* Without questions the shares are NaN and nothing is flagged. */
        row->dk_share = nq ? (double)ndk[r] / (double)nq : NAN;
        row->empty_share = nq ? (double)nempty[r] / (double)nq : NAN;
        row->nonresponse = row->dk_share + row->empty_share > o.max_nonresponse;
        for (int c = 0; c < SVY_QC_NCHECKS; c++)
            if (row_flag(row, (svy_qc_check)c)) {
                qc->counts[c]++;
                any = 1;
            }
        qc->nflagged += any;
    }
    if ((rc = summarise(qc, err)))
        goto out;
    *out = qc;
    qc = NULL;
out:
    coded_release(&cd);
    free(qcols);
    free(gcols);
    free(dflt);
    free(dgrids);
    free(ndk);
    free(nempty);
    free(d);
    svy_qc_free(qc);
    return rc;
}

void
svy_qc_free(svy_qc *qc)
{
    if (!qc)
        return;
    for (size_t i = 0; i < qc->n; i++) {
        if (qc->ids)
            free(qc->ids[i]);
        if (qc->ivs)
            free(qc->ivs[i]);
    }
    for (size_t i = 0; qc->qnames && i < qc->nq; i++)
        free(qc->qnames[i]);
    for (size_t g = 0; qc->gnames && g < qc->ngrids; g++)
        free(qc->gnames[g]);
    free(qc->gnames);
    free(qc->gsizes);
    free(qc->gvalid);
    free(qc->gsd);
    free(qc->gstraight);
    free(qc->ids);
    free(qc->ivs);
    free(qc->qnames);
    free(qc->lines);
    free(qc->rows);
    free(qc->groups);
    free(qc);
}

size_t
svy_qc_nrows(const svy_qc *qc)
{
    return qc->n;
}

const svy_qc_row *
svy_qc_row_at(const svy_qc *qc, size_t i)
{
    return &qc->rows[i];
}

size_t
svy_qc_nquestions(const svy_qc *qc)
{
    return qc->nq;
}

const char *
svy_qc_question(const svy_qc *qc, size_t i)
{
    return qc->qnames[i];
}

size_t
svy_qc_ngrids(const svy_qc *qc)
{
    return qc->ngrids;
}

const char *
svy_qc_grid_name(const svy_qc *qc, size_t g)
{
    return qc->gnames[g];
}

size_t
svy_qc_grid_size(const svy_qc *qc, size_t g)
{
    return qc->gsizes[g];
}

size_t
svy_qc_grid_nvalid(const svy_qc *qc, size_t i, size_t g)
{
    return qc->gvalid[i * qc->ngrids + g];
}

double
svy_qc_grid_sd(const svy_qc *qc, size_t i, size_t g)
{
    return qc->gsd[i * qc->ngrids + g];
}

int
svy_qc_grid_straight(const svy_qc *qc, size_t i, size_t g)
{
    return qc->gstraight[i * qc->ngrids + g];
}

double
svy_qc_median_duration(const svy_qc *qc)
{
    return qc->median;
}

double
svy_qc_speed_limit(const svy_qc *qc)
{
    return qc->limit;
}

size_t
svy_qc_count(const svy_qc *qc, svy_qc_check c)
{
    return c < SVY_QC_NCHECKS ? qc->counts[c] : 0;
}

size_t
svy_qc_nflagged(const svy_qc *qc)
{
    return qc->nflagged;
}

size_t
svy_qc_ngroups(const svy_qc *qc)
{
    return qc->ngroups;
}

const svy_qc_group *
svy_qc_group_at(const svy_qc *qc, size_t i)
{
    return &qc->groups[i];
}

/* A share with 4 decimals, or "" for NaN. */
static const char *
fmt_share(double v, char *buf)
{
    if (isnan(v))
        *buf = '\0';
    else
        snprintf(buf, SVY_NUM_BUFSZ, "%.4f", v);
    return buf;
}

/* 1 when check 'c' was made (it has what it needs: durations, grids). */
static int
checked(const svy_qc *qc, svy_qc_check c)
{
    switch (c) {
    case SVY_QC_SPEEDER: return !isnan(qc->limit);
    case SVY_QC_STRAIGHT: return qc->ngrids > 0;
    case SVY_QC_NONRESPONSE: return qc->nq > 0;
    default: return 1;
    }
}

/* A 0/1 flag, or "" when the check was not made. */
static const char *
fmt_flag(const svy_qc *qc, svy_qc_check c, int v)
{
    return !checked(qc, c) ? "" : v ? "1" : "0";
}

svy_status
svy_qc_write_flags(const svy_qc *qc, svy_output *o, svy_err *err)
{
    static const char *const head[] = {"id",        "interviewer",   "line",
                                       "dup_id",    "dup_interview", "dup_of",
                                       "max_match", "match_id",      "near_dup",
                                       "duration",  "speeder"};
    static const char *const tail[] = {"straightliner", "dk_share",
                                       "empty_share", "nonresponse"};
    size_t nf = 11 + 2 * qc->ngrids + 4;
    const char **f = calloc(nf, sizeof(*f));
    char(*num)[SVY_NUM_BUFSZ] = calloc(qc->ngrids + 2, sizeof(*num));
    char **names = calloc(2 * qc->ngrids + 1, sizeof(*names));
    svy_status rc = SVY_OK;

    if (!f || !num || !names) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto cleanup;
    }
    memcpy(f, head, sizeof(head));
    for (size_t g = 0; g < qc->ngrids; g++) {
        size_t len = strlen(qc->gnames[g]) + 10;

        if (!(names[2 * g] = malloc(len)) ||
            !(names[2 * g + 1] = malloc(len))) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            goto cleanup;
        }
        snprintf(names[2 * g], len, "sd_%s", qc->gnames[g]);
        snprintf(names[2 * g + 1], len, "straight_%s", qc->gnames[g]);
        f[11 + 2 * g] = names[2 * g];
        f[12 + 2 * g] = names[2 * g + 1];
    }
    memcpy(f + 11 + 2 * qc->ngrids, tail, sizeof(tail));
    if ((rc = svy_csv_write_row(o, f, NULL, nf, err)))
        goto cleanup;
    for (size_t r = 0; r < qc->n; r++) {
        const svy_qc_row *row = &qc->rows[r];
        char line[24], mm[SVY_NUM_BUFSZ], du[SVY_NUM_BUFSZ];
        size_t at = 11, G = qc->ngrids;

        snprintf(line, sizeof(line), "%zu", qc->lines[r]);
        svy_num_format(row->duration, du);
        f[0] = qc->ids[r];
        f[1] = qc->ivs[r];
        f[2] = line;
        f[3] = row->dup_id ? "1" : "0";
        f[4] = row->dup_interview ? "1" : "0";
        f[5] = row->dup_of != SIZE_MAX ? qc->ids[row->dup_of] : "";
        f[6] = fmt_share(row->max_match, mm);
        f[7] = row->match_row != SIZE_MAX ? qc->ids[row->match_row] : "";
        f[8] = row->near_dup ? "1" : "0";
        f[9] = du;
        f[10] = fmt_flag(qc, SVY_QC_SPEEDER, row->speeder);
        for (size_t g = 0; g < G; g++) {
            int st = qc->gstraight[r * G + g];

            f[at++] = fmt_share(qc->gsd[r * G + g], num[g]);
            f[at++] = st < 0 ? "" : st ? "1" : "0";
        }
        f[at++] = fmt_flag(qc, SVY_QC_STRAIGHT, row->straightliner);
        f[at++] = fmt_share(row->dk_share, num[G]);
        f[at++] = fmt_share(row->empty_share, num[G + 1]);
        f[at++] = fmt_flag(qc, SVY_QC_NONRESPONSE, row->nonresponse);
        if ((rc = svy_csv_write_row(o, f, NULL, nf, err)))
            goto cleanup;
    }
cleanup:
    for (size_t i = 0; names && i < 2 * qc->ngrids; i++)
        free(names[i]);
    free(names);
    free(num);
    free(f);
    return rc;
}

/* The names of the checks on which 'g' stands out, blank-separated. */
static const char *
stand_list(const svy_qc_group *g, char *buf, size_t cap)
{
    size_t len = 0;

    buf[0] = '\0';
    for (int c = 0; c < SVY_QC_NCHECKS; c++)
        if (g->stands_out[c])
            len += (size_t)snprintf(buf + len, cap - len, "%s%s",
                                    len ? " " : "", check_names[c]);
    return buf;
}

/* The "(all)" line: every row as one group, nothing stands out. */
static void
overall(const svy_qc *qc, svy_qc_group *g)
{
    double sum = 0, dk = 0, em = 0;
    size_t nm = 0, nr = 0;

    memset(g, 0, sizeof(*g));
    g->interviewer = "(all)";
    g->interviews = qc->n;
    g->median_duration = qc->median;
    for (size_t r = 0; r < qc->n; r++) {
        if (!isnan(qc->rows[r].max_match)) {
            sum += qc->rows[r].max_match;
            nm++;
        }
        if (!isnan(qc->rows[r].dk_share)) {
            dk += qc->rows[r].dk_share;
            em += qc->rows[r].empty_share;
            nr++;
        }
    }
    g->mean_max_match = nm ? sum / (double)nm : NAN;
    g->dk_rate = nr ? dk / (double)nr : NAN;
    g->empty_rate = nr ? em / (double)nr : NAN;
    for (int c = 0; c < SVY_QC_NCHECKS; c++)
        g->share[c] = qc->n ? (double)qc->counts[c] / (double)qc->n : NAN;
}

svy_status
svy_qc_write_summary(const svy_qc *qc, svy_output *o, svy_err *err)
{
    static const char *const head[] = {
        "interviewer",   "interviews",     "median_duration", "dup_id",
        "dup_interview", "near_dup",       "speeder",         "straightliner",
        "nonresponse",   "mean_max_match", "dk_rate",         "empty_rate",
        "stands_out"};
    enum { NF = sizeof(head) / sizeof(head[0]) };
    svy_qc_group all;
    svy_status rc;

    overall(qc, &all);
    if ((rc = svy_csv_write_row(o, head, NULL, NF, err)))
        return rc;
    for (size_t i = 0; i <= qc->ngroups; i++) {
        const svy_qc_group *g = i < qc->ngroups ? &qc->groups[i] : &all;
        char num[24], med[SVY_NUM_BUFSZ], sh[SVY_QC_NCHECKS][SVY_NUM_BUFSZ];
        char mm[SVY_NUM_BUFSZ], dk[SVY_NUM_BUFSZ], em[SVY_NUM_BUFSZ];
        char so[128];
        const char *f[NF];

        snprintf(num, sizeof(num), "%zu", g->interviews);
        svy_num_format(g->median_duration, med);
        f[0] = g->interviewer;
        f[1] = num;
        f[2] = med;
        for (int c = 0; c < SVY_QC_NCHECKS; c++)
            f[3 + c] = checked(qc, (svy_qc_check)c)
                           ? fmt_share(g->share[c], sh[c])
                           : "";
        f[3 + SVY_QC_NCHECKS] = fmt_share(g->mean_max_match, mm);
        f[4 + SVY_QC_NCHECKS] = fmt_share(g->dk_rate, dk);
        f[5 + SVY_QC_NCHECKS] = fmt_share(g->empty_rate, em);
        f[6 + SVY_QC_NCHECKS] = stand_list(g, so, sizeof(so));
        if ((rc = svy_csv_write_row(o, f, NULL, NF, err)))
            return rc;
    }
    return SVY_OK;
}

svy_status
svy_qc_format_summary(const svy_qc *qc, svy_buf *b, svy_err *err)
{
    static const char *const cols[SVY_QC_NCHECKS] = {
        "dup_id", "dup_int", "near_dup", "speeder", "straight", "nonresp"};
    svy_qc_group all;
    char lim[SVY_NUM_BUFSZ];
    int w = 11, bad = 0;

    overall(qc, &all);
    for (size_t i = 0; i < qc->ngroups; i++)
        if ((int)strlen(qc->groups[i].interviewer) > w)
            w = (int)strlen(qc->groups[i].interviewer);
    svy_num_format(qc->limit, lim);
    bad |= svy_buf_printf(b, "%zu interviews, %zu questions compared\n", qc->n,
                          qc->nq) != SVY_OK;
    bad |= svy_buf_printf(b, "duplicate ids: %zu\nexact duplicates: %zu\n",
                          qc->counts[SVY_QC_DUP_ID],
                          qc->counts[SVY_QC_DUP_INTERVIEW]) != SVY_OK;
    bad |= svy_buf_printf(b, "near-duplicates (max match > %g): %zu\n",
                          qc->threshold, qc->counts[SVY_QC_NEAR_DUP]) != SVY_OK;
    if (isnan(qc->limit))
        bad |= svy_buf_printf(b, "speeders: not checked (no durations)\n");
    else
        bad |= svy_buf_printf(b, "speeders (duration < %s): %zu\n", lim,
                              qc->counts[SVY_QC_SPEEDER]) != SVY_OK;
    if (qc->ngrids == 0)
        bad |= svy_buf_printf(b, "straightliners: not checked (no grids)\n");
    else
        bad |= svy_buf_printf(b,
                              "straightliners (at least %d valid answers, "
                              "all equal, in any grid): %zu\n",
                              SVY_QC_STRAIGHT_MIN,
                              qc->counts[SVY_QC_STRAIGHT]) != SVY_OK;
    for (size_t g = 0; g < qc->ngrids; g++)
        bad |= svy_buf_printf(b, "  grid %s: %zu questions\n", qc->gnames[g],
                              qc->gsizes[g]) != SVY_OK;
    bad |= svy_buf_printf(b,
                          "item nonresponse (dk, refused or empty > %g%% of "
                          "the questions): %zu\n",
                          100 * qc->max_nr,
                          qc->counts[SVY_QC_NONRESPONSE]) != SVY_OK;
    bad |= svy_buf_printf(b,
                          "'*' stands out: share > overall + 3 binomial SE, "
                          "at least %d interviews, at least %d flagged\n",
                          SVY_QC_MIN_GROUP, SVY_QC_MIN_FLAGGED) != SVY_OK;
    bad |= svy_buf_printf(b, "%-*s %6s %8s", w, "interviewer", "n", "median") !=
           SVY_OK;
    for (int c = 0; c < SVY_QC_NCHECKS; c++)
        bad |= svy_buf_printf(b, " %8s", cols[c]) != SVY_OK;
    bad |= svy_buf_printf(b, " %9s %8s\n", "max_match", "dk_rate") != SVY_OK;
    for (size_t i = 0; i <= qc->ngroups && !bad; i++) {
        const svy_qc_group *g = i < qc->ngroups ? &qc->groups[i] : &all;
        char med[SVY_NUM_BUFSZ], sh[SVY_NUM_BUFSZ], dk[SVY_NUM_BUFSZ];
        char cellbuf[SVY_NUM_BUFSZ + 2];

        svy_num_format(g->median_duration, med);
        bad |= svy_buf_printf(b, "%-*s %6zu %8s", w, g->interviewer,
                              g->interviews, *med ? med : "-") != SVY_OK;
        for (int c = 0; c < SVY_QC_NCHECKS; c++) {
            if (!checked(qc, (svy_qc_check)c))
                *sh = '\0';
            else
                fmt_share(g->share[c], sh);
            snprintf(cellbuf, sizeof(cellbuf), "%s%s", *sh ? sh : "-",
                     g->stands_out[c] ? "*" : " ");
            bad |= svy_buf_printf(b, " %8s", cellbuf) != SVY_OK;
        }
        fmt_share(g->mean_max_match, sh);
        fmt_share(g->dk_rate, dk);
        bad |= svy_buf_printf(b, " %9s %8s\n", *sh ? sh : "-",
                              *dk ? dk : "-") != SVY_OK;
    }
    return bad ? svy_err_set(err, SVY_ENOMEM, "out of memory") : SVY_OK;
}
