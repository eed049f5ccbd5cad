/*
 * factor.c - categorical variables coded for estimation, and numeric
 * columns as doubles (see factor.h).  Levels are found with the design's
 * id hash map (design.c), in order of first appearance, then sorted.
 */
#include "svy/factor.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "design_int.h"
#include "svy/mem.h"
#include "svy/num.h"

#define SMALL_CODES 256 /* factor values 0..255 looked up without hashing */
#define SMALL_UNSEEN (-1) /* small[v]: v not met yet */
#define SMALL_MISSING (-2) /* small[v]: v is a missing value */

void
svy_factor_free(svy_factor *f)
{
    size_t k;

    if (f == NULL)
        return;
    for (k = 0; k < f->nlevels; k++)
        free(f->levels[k]);
    free(f->levels);
    free(f->codes);
    free(f);
}

size_t
svy_factor_nlevels(const svy_factor *f)
{
    return f->nlevels;
}

const char *
svy_factor_level(const svy_factor *f, size_t k)
{
    return k < f->nlevels ? f->levels[k] : NULL;
}

const int *
svy_factor_codes(const svy_factor *f)
{
    return f->codes;
}

size_t
svy_factor_nrows(const svy_factor *f)
{
    return f->n;
}

/*
 * Missing for estimation: the caller's mask, an empty cell, or a
 * user-missing code unless the caller keeps those (--base all).
 */
static int
is_missing(const svy_column *c, size_t row, const unsigned char *mask,
           int flags)
{
    svy_missing m;

    if (mask && mask[row])
        return 1;
    m = svy_column_missing(c, row);
    return m == SVY_MISS_SYSTEM ||
           (m == SVY_MISS_USER && !(flags & SVY_FACTOR_KEEP_USER_MISSING));
}

/* Level sorting: numbers by value, else text by bytes. */
struct lev {
    size_t group;
    double num;
    const char *text;
    int numeric; /* the same in every level: all levels are numbers */
};

static int
lev_cmp(const void *pa, const void *pb)
{
    const struct lev *a = pa, *b = pb;
    int c;

    if (a->numeric && a->num != b->num)
        return a->num < b->num ? -1 : 1;
    c = strcmp(a->text, b->text);
    return c ? c : (a->group < b->group ? -1 : a->group > b->group);
}

/*
 * A byte column (svy_column_compact): each value's group in small[], its
 * level found at the first row that has it outside 'mask', in order of
 * those rows as the row-by-row way finds them (SMALL_MISSING for a
 * missing value, SMALL_UNSEEN for one met in masked rows only).
 */
static svy_status
byte_groups(struct svy_keymap *m, const svy_column *c, const uint8_t *bytes,
            size_t n, const unsigned char *mask, int flags, int *small,
            svy_err *err)
{
    size_t first[SMALL_CODES], order[SMALL_CODES], i, k, nv = 0;
    long g;

    for (i = 0; i < SMALL_CODES; i++)
        first[i] = SIZE_MAX;
    if (mask == NULL) /* backwards, without a test: the first row stays */
        for (i = n; i-- > 0;)
            first[bytes[i]] = i;
    for (i = 0; mask && i < n; i++)
        if (first[bytes[i]] == SIZE_MAX && !mask[i])
            first[bytes[i]] = i;
    for (i = 0; i < SMALL_CODES; i++) /* the values by their first row */
        if (first[i] != SIZE_MAX) {
            for (k = nv++; k > 0 && first[order[k - 1]] > first[i]; k--)
                order[k] = order[k - 1];
            order[k] = i;
        }
    for (k = 0; k < nv; k++) {
        size_t v = order[k];

        if (is_missing(c, first[v], NULL, flags)) {
            small[v] = SMALL_MISSING;
        } else if ((g = svy_keymap_get(m, c, first[v], 0)) < 0) {
            return svy_nomem(err);
        } else {
            small[v] = (int)g;
        }
    }
    return SVY_OK;
}

svy_status
svy_factor_new(svy_factor **out, const svy_table *t, const char *col,
               const unsigned char *missing, int flags, svy_err *err)
{
    const svy_column *c;
    svy_factor *f = NULL;
    struct svy_keymap m;
    struct lev *lv = NULL;
    size_t *rank = NULL, i, n = svy_table_nrows(t);
    char buf[SVY_NUM_BUFSZ];
    svy_status rc = SVY_OK;
    int allnum = 1, isnum, small[SMALL_CODES];
    const double *nums;
    const uint8_t *bytes;

    *out = NULL;
    memset(&m, 0, sizeof(m));
    if ((rc = svy_dcol_find(t, col, "variable", &c, err)))
        return rc;
    f = calloc(1, sizeof(*f));
    if (f == NULL || svy_keymap_init(&m, 64) ||
        !(f->codes = svy_mem_alloc(n + 1, sizeof(int)))) {
        rc = svy_nomem(err);
        goto out;
    }
    f->n = n;
    isnum = svy_column_type(c) == SVY_NUM;
    bytes = svy_column_bytes(c);
    /* Read-only: the array itself, not a call per row (svy_column_num). */
    nums = isnum && !bytes ? svy_column_nums((svy_column *)c) : NULL;
    if (isnum && !bytes && !nums && n > 0) { /* bytes that could not widen */
        rc = svy_nomem(err);
        goto out;
    }
    for (i = 0; i < SMALL_CODES; i++)
        small[i] = SMALL_UNSEEN;
    if (bytes && (rc = byte_groups(&m, c, bytes, n, missing, flags, small,
                                   err)) != SVY_OK)
        goto out;
    for (i = 0; !bytes && i < n; i++) {
        long g;
        double v;

        /*
         * Codes are mostly small integers: a direct table spares their
         * hashing (it was a tenth of svy-tab's time) and, as a number's
         * missingness depends on its value only, the missing-value checks
         * too (SMALL_MISSING); ids stay in order of first appearance.
         */
        if (isnum && (v = nums[i]) >= 0 && v < SMALL_CODES &&
            v == (double)(int)v) {
            int *sv = &small[(int)v];

            if (missing && missing[i]) {
                f->codes[i] = -1;
                continue;
            }
            if (*sv == SMALL_UNSEEN) {
                if (is_missing(c, i, NULL, flags)) {
                    *sv = SMALL_MISSING;
                } else if ((g = svy_keymap_get(&m, c, i, 0)) < 0) {
                    rc = svy_nomem(err);
                    goto out;
                } else {
                    *sv = (int)g;
                }
            }
            f->codes[i] = *sv >= 0 ? *sv : -1;
            continue;
        }
        if (is_missing(c, i, missing, flags)) {
            f->codes[i] = -1;
            continue;
        }
        if ((g = svy_keymap_get(&m, c, i, 0)) < 0) {
            rc = svy_nomem(err);
            goto out;
        }
        f->codes[i] = (int)g;
    }
    lv = svy_mem_alloc(m.n + 1, sizeof(*lv));
    rank = svy_mem_alloc(m.n + 1, sizeof(size_t));
    f->levels = svy_mem_calloc(m.n + 1, sizeof(char *));
    if (!lv || !rank || !f->levels) {
        rc = svy_nomem(err);
        goto out;
    }
    for (i = 0; i < m.n; i++) {
        lv[i].group = i;
        if (!svy_dcol_number(c, m.row[i], &lv[i].num))
            allnum = 0;
        lv[i].text = svy_column_format(c, m.row[i], buf, NULL);
        if ((f->levels[i] = svy_mem_strdup(lv[i].text)) == NULL) {
            rc = svy_nomem(err);
            goto out;
        }
        lv[i].text = f->levels[i];
    }
    f->nlevels = m.n;
    for (i = 0; i < m.n; i++)
        lv[i].numeric = allnum;
    qsort(lv, m.n, sizeof(*lv), lev_cmp);
    for (i = 0; i < m.n; i++)
        rank[lv[i].group] = i;
    for (i = 0; i < m.n; i++) /* levels in sorted order */
        f->levels[i] = (char *)lv[i].text;
    if (bytes) { /* each byte's level, then one pass over the rows */
        for (i = 0; i < SMALL_CODES; i++)
            small[i] = small[i] >= 0 ? (int)rank[small[i]] : -1;
        for (i = 0; i < n; i++)
            f->codes[i] = missing && missing[i] ? -1 : small[bytes[i]];
    }
    for (i = 0; !bytes && i < n; i++)
        if (f->codes[i] >= 0)
            f->codes[i] = (int)rank[f->codes[i]];
    *out = f;
    f = NULL;
out:
    svy_keymap_release(&m);
    free(lv);
    free(rank);
    svy_factor_free(f);
    return rc;
}

svy_status
svy_factor_from_codes(svy_factor **out, const int *codes, size_t n,
                      const char *const *labels, size_t nlevels, svy_err *err)
{
    svy_factor *f = calloc(1, sizeof(*f));
    size_t i;

    *out = NULL;
    if (f == NULL)
        return svy_nomem(err);
    f->n = n;
    f->codes = svy_mem_alloc(n + 1, sizeof(int));
    f->levels = svy_mem_calloc(nlevels + 1, sizeof(char *));
    if (!f->codes || !f->levels) {
        svy_factor_free(f);
        return svy_nomem(err);
    }
    for (i = 0; i < nlevels; i++) {
        f->levels[i] = svy_mem_strdup(labels[i] ? labels[i] : "");
        f->nlevels = i + 1;
        if (f->levels[i] == NULL) {
            svy_factor_free(f);
            return svy_nomem(err);
        }
    }
    for (i = 0; i < n; i++) {
        if (codes[i] < -1 || codes[i] >= (long)nlevels) {
            svy_factor_free(f);
            return svy_err_set(err, SVY_EINVAL,
                               "row %zu: code %d out of range 0..%zu", i + 1,
                               codes[i], nlevels);
        }
        f->codes[i] = codes[i];
    }
    *out = f;
    return SVY_OK;
}

svy_status
svy_design_values(double **out, const svy_table *t, const char *col,
                  const unsigned char *missing, int flags, svy_err *err)
{
    const svy_column *c;
    size_t i, n = svy_table_nrows(t);
    double *v;
    svy_status rc;

    *out = NULL;
    if ((rc = svy_dcol_find(t, col, "variable", &c, err)))
        return rc;
    if ((v = svy_mem_alloc(n + 1, sizeof(double))) == NULL)
        return svy_nomem(err);
    for (i = 0; i < n; i++)
        if (is_missing(c, i, missing, flags) || !svy_dcol_number(c, i, &v[i]))
            v[i] = NAN;
    *out = v;
    return SVY_OK;
}
