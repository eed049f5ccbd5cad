/*
 * cells.c - rows grouped by the values of a few columns (see cells.h).
 *
 * Three hash tables, all open addressing with linear probing at load at
 * most 1/2:
 *  - per variable, the spellings seen: a value of up to 7 bytes is packed
 *    with its length into one 64-bit word (u64map), so the common case is
 *    a multiply, a shift and one compare; longer values go to a string map
 *    (strmap) keyed by FNV-1a.  Numeric columns use the double's bits.
 *  - per variable, the canonical values (strmap): a spelling that parses
 *    as a number becomes "\1" + its 8 bytes, anything else "\2" + its
 *    text, so "1" and "1.0" meet while "a" and "A" stay apart.  Only a new
 *    spelling reaches this table, a handful of times per column.
 *  - the cells: a tuple of value ids, hashed, compared with memcmp.
 * Per row that is one lookup per variable plus one for the tuple: the
 * grouping costs a few tens of nanoseconds a row and no allocation.
 */
#include "svy/cells.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "svy/buf.h"
#include "svy/mem.h"
#include "svy/num.h"

#define EMPTY UINT32_MAX

struct u64map {
    uint64_t *key;
    uint32_t *id; /* EMPTY marks a free slot */
    size_t cap, n;
};

struct sent {
    uint64_t h;
    size_t off, len;
    uint32_t id; /* longv: the value id of the spelling */
};

struct strmap {
    uint32_t *slot; /* entry index, EMPTY when free */
    size_t cap;
    struct sent *e;
    size_t n, ecap;
    svy_buf keys;
};

struct var {
    const svy_column *col;
    int num;
    struct u64map shortv;
    struct strmap longv;
    struct strmap canon; /* canonical key -> value id (entry index) */
    svy_buf texts;       /* value texts, NUL-terminated */
    size_t *toff;
    size_t nvalues, tcap;
};

struct svy_cells {
    size_t nvars, nrows, ncells;
    struct var *v;
    uint32_t *row_cell;
    uint32_t *tuples; /* ncells * nvars value ids */
    uint64_t *chash;
    size_t *size;
    size_t ccap;     /* capacity of tuples, chash, size (in cells) */
    uint32_t *cslot; /* cell index, EMPTY when free */
    size_t scap;
};

/*
 * The finaliser of MurmurHash3: spreads every input bit over the word, so
 * that packed short strings ("1", "2", ... differing in one byte) and
 * tuples of small ids land in different slots of a power-of-two table.
 */
static uint64_t
mix(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

/* FNV-1a over 'n' bytes: simple, and good enough before mix(). */
static uint64_t
fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* Double the table (64 slots at first) and reinsert; -1 on ENOMEM. */
static int
u64map_grow(struct u64map *m)
{
    size_t cap = m->cap ? 2 * m->cap : 64, i;
    uint64_t *key = svy_mem_alloc(cap, sizeof(*key));
    uint32_t *id = svy_mem_alloc(cap, sizeof(*id));

    if (key == NULL || id == NULL) {
        free(key);
        free(id);
        return -1;
    }
    memset(id, 0xff, cap * sizeof(*id));
    for (i = 0; i < m->cap; i++)
        if (m->id[i] != EMPTY) {
            size_t s = mix(m->key[i]) & (cap - 1);
            while (id[s] != EMPTY)
                s = (s + 1) & (cap - 1);
            key[s] = m->key[i];
            id[s] = m->id[i];
        }
    free(m->key);
    free(m->id);
    m->key = key;
    m->id = id;
    m->cap = cap;
    return 0;
}

/* The id stored under 'key', or EMPTY. */
static uint32_t
u64map_get(const struct u64map *m, uint64_t key)
{
    size_t s;

    if (m->cap == 0)
        return EMPTY;
    s = mix(key) & (m->cap - 1);
    while (m->id[s] != EMPTY) {
        if (m->key[s] == key)
            return m->id[s];
        s = (s + 1) & (m->cap - 1);
    }
    return EMPTY;
}

/* Insert 'key' (not present); the table grows to stay at most half full. */
static int
u64map_put(struct u64map *m, uint64_t key, uint32_t id)
{
    size_t s;

    if (2 * (m->n + 1) > m->cap && u64map_grow(m) < 0)
        return -1;
    s = mix(key) & (m->cap - 1);
    while (m->id[s] != EMPTY)
        s = (s + 1) & (m->cap - 1);
    m->key[s] = key;
    m->id[s] = id;
    m->n++;
    return 0;
}

/*
 * The entry of key 's' ('n' bytes, hash 'h'), or EMPTY.  The stored hash is
 * compared before the bytes, so a probe past other keys rarely touches
 * their text.
 */
static uint32_t
strmap_get(const struct strmap *m, const char *s, size_t n, uint64_t h)
{
    size_t i;

    if (m->cap == 0)
        return EMPTY;
    i = mix(h) & (m->cap - 1);
    while (m->slot[i] != EMPTY) {
        const struct sent *e = &m->e[m->slot[i]];
        if (e->h == h && e->len == n &&
            memcmp(m->keys.data + e->off, s, n) == 0)
            return m->slot[i];
        i = (i + 1) & (m->cap - 1);
    }
    return EMPTY;
}

/* Add key 's' (not present) as entry m->n; returns its index or EMPTY. */
static uint32_t
strmap_add(struct strmap *m, const char *s, size_t n, uint64_t h)
{
    void *p = m->e;
    size_t i;

    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 32;
        uint32_t *slot = svy_mem_alloc(cap, sizeof(*slot));
        if (slot == NULL)
            return EMPTY;
        memset(slot, 0xff, cap * sizeof(*slot));
        for (i = 0; i < m->n; i++) {
            size_t k = mix(m->e[i].h) & (cap - 1);
            while (slot[k] != EMPTY)
                k = (k + 1) & (cap - 1);
            slot[k] = (uint32_t)i;
        }
        free(m->slot);
        m->slot = slot;
        m->cap = cap;
    }
    if (svy_mem_grow(&p, &m->ecap, m->n + 1, sizeof(*m->e)) < 0)
        return EMPTY;
    m->e = p;
    m->e[m->n].h = h;
    m->e[m->n].off = m->keys.len;
    m->e[m->n].len = n;
    if (svy_buf_append(&m->keys, s, n) != SVY_OK)
        return EMPTY;
    i = mix(h) & (m->cap - 1);
    while (m->slot[i] != EMPTY)
        i = (i + 1) & (m->cap - 1);
    m->slot[i] = (uint32_t)m->n;
    return (uint32_t)m->n++;
}

/* Free a string map's memory (the struct itself is embedded). */
static void
strmap_release(struct strmap *m)
{
    free(m->slot);
    free(m->e);
    svy_buf_release(&m->keys);
}

/*
 * The canonical key of value text 's' ('n' bytes) in 'key' (at least
 * n + 9 bytes); returns its length.
 */
static size_t
canon_key(const char *s, size_t n, char *key)
{
    double v;

    if (svy_num_parse(s, n, 0, &v)) {
        if (v == 0)
            v = 0; /* -0 and 0 are one value */
        key[0] = '\1';
        memcpy(key + 1, &v, sizeof(v));
        return 1 + sizeof(v);
    }
    key[0] = '\2';
    memcpy(key + 1, s, n);
    return n + 1;
}

/* The value id of text 's' ('n' bytes), added when new; EMPTY on ENOMEM. */
static uint32_t
canon_id(struct var *v, const char *s, size_t n)
{
    char small[64], *key = n + 9 <= sizeof(small) ? small : malloc(n + 9);
    size_t kn;
    uint64_t h;
    uint32_t id;
    void *p = v->toff;

    if (key == NULL)
        return EMPTY;
    kn = canon_key(s, n, key);
    h = fnv(key, kn);
    if ((id = strmap_get(&v->canon, key, kn, h)) == EMPTY) {
        if ((id = strmap_add(&v->canon, key, kn, h)) == EMPTY ||
            svy_mem_grow(&p, &v->tcap, v->nvalues + 1, sizeof(*v->toff)) < 0)
            id = EMPTY;
        else {
            v->toff = p;
            v->toff[v->nvalues++] = v->texts.len;
            if (svy_buf_append(&v->texts, s, n) != SVY_OK ||
                svy_buf_putc(&v->texts, '\0') != SVY_OK)
                id = EMPTY;
        }
    }
    if (key != small)
        free(key);
    return id;
}

/*
 * The value id of row 'r' of variable 'v'; EMPTY on ENOMEM.  The fast path
 * reads at most 8 bytes of the cell: a value of up to 7 bytes becomes one
 * word (its bytes plus its length + 1 in the top byte, so "1" and "1\0..."
 * cannot collide and no word is 0), looked up with one compare.  Longer
 * values pay for a hash of the whole string.  Either way a spelling is
 * canonicalised (parsed as a number) only the first time it is seen.
 */
static uint32_t
row_value(struct var *v, size_t r)
{
    const char *s;
    uint64_t k = 0;
    uint32_t id;
    size_t i;

    if (v->num) {
        double x = svy_column_num(v->col, r);
        char buf[SVY_NUM_BUFSZ];
        if (x == 0)
            x = 0;
        if (isnan(x))
            k = 0x7ff8000000000000ULL;
        else
            memcpy(&k, &x, sizeof(k));
        if ((id = u64map_get(&v->shortv, k)) != EMPTY)
            return id;
        id = canon_id(v, buf, svy_num_format(x, buf));
        return id == EMPTY || u64map_put(&v->shortv, k, id) < 0 ? EMPTY : id;
    }
    s = svy_column_text(v->col, r);
    for (i = 0; i < 8 && s[i]; i++)
        k |= (uint64_t)(unsigned char)s[i] << (8 * i);
    if (i < 8) {
        k |= (uint64_t)(i + 1) << 56;
        if ((id = u64map_get(&v->shortv, k)) != EMPTY)
            return id;
        id = canon_id(v, s, i);
        return id == EMPTY || u64map_put(&v->shortv, k, id) < 0 ? EMPTY : id;
    } else {
        size_t n = 8 + strlen(s + 8);
        uint64_t h = fnv(s, n);
        uint32_t e = strmap_get(&v->longv, s, n, h);
        if (e != EMPTY)
            return v->longv.e[e].id;
        if ((id = canon_id(v, s, n)) == EMPTY ||
            (e = strmap_add(&v->longv, s, n, h)) == EMPTY)
            return EMPTY;
        v->longv.e[e].id = id;
        return id;
    }
}

/* Double the per-cell arrays (tuples, hashes, sizes); -1 on ENOMEM. */
static int
grow_cells(svy_cells *c)
{
    size_t cap = c->ccap ? 2 * c->ccap : 64;
    void *t = svy_mem_realloc(c->tuples, cap * c->nvars, sizeof(*c->tuples));
    void *h, *z;

    if (t == NULL)
        return -1;
    c->tuples = t;
    if ((h = svy_mem_realloc(c->chash, cap, sizeof(*c->chash))) == NULL)
        return -1;
    c->chash = h;
    if ((z = svy_mem_realloc(c->size, cap, sizeof(*c->size))) == NULL)
        return -1;
    c->size = z;
    c->ccap = cap;
    return 0;
}

/*
 * Double the cell hash table and reinsert every cell from its stored hash;
 * the tuples themselves never move, so nothing else needs fixing.
 */
static int
grow_slots(svy_cells *c)
{
    size_t cap = c->scap ? 2 * c->scap : 128, i;
    uint32_t *slot = svy_mem_alloc(cap, sizeof(*slot));

    if (slot == NULL)
        return -1;
    memset(slot, 0xff, cap * sizeof(*slot));
    for (i = 0; i < c->ncells; i++) {
        size_t s = mix(c->chash[i]) & (cap - 1);
        while (slot[s] != EMPTY)
            s = (s + 1) & (cap - 1);
        slot[s] = (uint32_t)i;
    }
    free(c->cslot);
    c->cslot = slot;
    c->scap = cap;
    return 0;
}

/*
 * The cell of the tuple 'ids', added when new; EMPTY on ENOMEM.  The hash
 * folds the ids with a multiply per variable (order matters: (1,2) and
 * (2,1) are different cells); a probe compares the stored hash first and
 * the tuple only on a match.
 */
static uint32_t
cell_of(svy_cells *c, const uint32_t *ids)
{
    size_t nv = c->nvars, s, j;
    uint64_t h = 0;

    for (j = 0; j < nv; j++)
        h = (h ^ ids[j]) * 0x9E3779B97F4A7C15ULL;
    s = mix(h) & (c->scap - 1);
    while (c->cslot[s] != EMPTY) {
        uint32_t k = c->cslot[s];
        if (c->chash[k] == h &&
            memcmp(c->tuples + (size_t)k * nv, ids, nv * sizeof(*ids)) == 0)
            return k;
        s = (s + 1) & (c->scap - 1);
    }
    if (c->ncells == c->ccap && grow_cells(c) < 0)
        return EMPTY;
    memcpy(c->tuples + c->ncells * nv, ids, nv * sizeof(*ids));
    c->chash[c->ncells] = h;
    c->size[c->ncells] = 0;
    c->cslot[s] = (uint32_t)c->ncells;
    if (2 * (++c->ncells) > c->scap && grow_slots(c) < 0)
        return EMPTY;
    return (uint32_t)(c->ncells - 1);
}

/*
 * One pass over the rows, variables inside rows, so that each row's values
 * are looked up while its cells are in cache and the tuple never needs
 * storing per row: only the cell index is kept (4 bytes a row).
 */
svy_status
svy_cells_build(svy_cells **out, const svy_table *t, const char *const *vars,
                size_t nvars, svy_err *err)
{
    svy_cells *c = calloc(1, sizeof(*c));
    uint32_t *ids = NULL;
    size_t j, r, n = svy_table_nrows(t);
    svy_status rc = SVY_OK;

    *out = NULL;
    if (c == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    c->nvars = nvars;
    c->nrows = n;
    if ((c->v = calloc(nvars ? nvars : 1, sizeof(*c->v))) == NULL)
        goto nomem;
    for (j = 0; j < nvars; j++) {
        if ((c->v[j].col = svy_table_find(t, vars[j])) == NULL) {
            rc = svy_err_set(err, SVY_EDATA, "no column '%s'", vars[j]);
            goto out;
        }
        c->v[j].num = svy_column_type(c->v[j].col) == SVY_NUM;
    }
    ids = svy_mem_alloc(nvars ? nvars : 1, sizeof(*ids));
    c->row_cell = svy_mem_alloc(n ? n : 1, sizeof(*c->row_cell));
    if (ids == NULL || c->row_cell == NULL || grow_slots(c) < 0)
        goto nomem;
    for (r = 0; r < n; r++) {
        uint32_t k;
        for (j = 0; j < nvars; j++)
            if ((ids[j] = row_value(&c->v[j], r)) == EMPTY)
                goto nomem;
        if ((k = cell_of(c, ids)) == EMPTY)
            goto nomem;
        c->row_cell[r] = k;
        c->size[k]++;
    }
    *out = c;
    c = NULL;
    goto out;
nomem:
    rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
out:
    free(ids);
    svy_cells_free(c);
    return rc;
}

void
svy_cells_free(svy_cells *c)
{
    size_t j;

    if (c == NULL)
        return;
    for (j = 0; c->v && j < c->nvars; j++) {
        struct var *v = &c->v[j];
        free(v->shortv.key);
        free(v->shortv.id);
        strmap_release(&v->longv);
        strmap_release(&v->canon);
        svy_buf_release(&v->texts);
        free(v->toff);
    }
    free(c->v);
    free(c->row_cell);
    free(c->tuples);
    free(c->chash);
    free(c->size);
    free(c->cslot);
    free(c);
}

size_t
svy_cells_nvars(const svy_cells *c)
{
    return c->nvars;
}

size_t
svy_cells_nrows(const svy_cells *c)
{
    return c->nrows;
}

size_t
svy_cells_count(const svy_cells *c)
{
    return c->ncells;
}

const uint32_t *
svy_cells_rows(const svy_cells *c)
{
    return c->row_cell;
}

size_t
svy_cells_size(const svy_cells *c, size_t cell)
{
    return c->size[cell];
}

size_t
svy_cells_nvalues(const svy_cells *c, size_t j)
{
    return c->v[j].nvalues;
}

const char *
svy_cells_value(const svy_cells *c, size_t j, size_t v)
{
    return c->v[j].texts.data + c->v[j].toff[v];
}

uint32_t
svy_cells_value_id(const svy_cells *c, size_t cell, size_t j)
{
    return c->tuples[cell * c->nvars + j];
}

/*
 * Goes through the canonical map, not the spellings: "1.00" finds the
 * value first spelt "1" although that spelling was never seen.
 */
long
svy_cells_lookup(const svy_cells *c, size_t j, const char *text)
{
    size_t n = strlen(text), kn;
    char small[64], *key = n + 9 <= sizeof(small) ? small : malloc(n + 9);
    uint32_t id;

    if (key == NULL)
        return -1;
    kn = canon_key(text, n, key);
    id = strmap_get(&c->v[j].canon, key, kn, fnv(key, kn));
    if (key != small)
        free(key);
    return id == EMPTY ? -1 : (long)id;
}
