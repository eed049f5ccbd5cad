/*
 * mem.c - bounded allocation.  All growth of the table's columns goes
 * through svy_mem_grow, so a hostile row count cannot wrap a size_t.  A
 * zero-byte request allocates one byte, so NULL always means failure.
 */
#include "svy/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The bytes n * size, or -1 when that overflows or passes SVY_MEM_MAX.  The
 * division test comes first, so the product below it cannot wrap. */
static int
checked_size(size_t n, size_t size, size_t *out)
{
    if (size != 0 && n > SIZE_MAX / size)
        return -1;
    if (n * size > SVY_MEM_MAX)
        return -1;
    *out = n * size;
    return 0;
}

void *
svy_mem_alloc(size_t n, size_t size)
{
    size_t bytes;

    if (checked_size(n, size, &bytes) < 0)
        return NULL;
    return malloc(bytes ? bytes : 1);
}

void *
svy_mem_calloc(size_t n, size_t size)
{
    size_t bytes;

    if (checked_size(n, size, &bytes) < 0)
        return NULL;
    return calloc(bytes ? bytes : 1, 1);
}

void *
svy_mem_realloc(void *p, size_t n, size_t size)
{
    size_t bytes;

    if (checked_size(n, size, &bytes) < 0)
        return NULL;
    return realloc(p, bytes ? bytes : 1);
}

/* Start at 16 elements so small arrays do not realloc on every push; the
 * SIZE_MAX / 2 test stops the doubling before it wraps. */
int
svy_mem_grow(void **p, size_t *cap, size_t need, size_t size)
{
    size_t ncap = *cap ? *cap : 16;
    void *np;

    if (need <= *cap)
        return 0;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return -1;
        ncap *= 2;
    }
    np = svy_mem_realloc(*p, ncap, size);
    if (np == NULL)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

/* Plain malloc: the string is in memory already, so its length is a real
 * size, not a count read from a file. */
char *
svy_mem_strdup(const char *s)
{
    size_t n;
    char *d;

    if (s == NULL)
        return NULL;
    n = strlen(s) + 1;
    d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

int
svy_mem_strv_push(char ***v, size_t *n, size_t *cap, const char *s)
{
    void *p = *v;
    char *copy;

    if (svy_mem_grow(&p, cap, *n + 1, sizeof(char *)) < 0)
        return -1;
    *v = p;
    if ((copy = svy_mem_strdup(s)) == NULL)
        return -1;
    (*v)[(*n)++] = copy;
    return 0;
}

void
svy_mem_strv_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}
