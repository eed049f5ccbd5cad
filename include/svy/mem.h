/*
 * mem.h - checked allocation for sizes that come from input.
 *
 * A count read from a file (a number of rows, a field length) must never be
 * trusted to multiply into a size: these helpers check the multiplication
 * for overflow and refuse any single block above SVY_MEM_MAX, returning NULL
 * exactly as an allocation failure would, so the caller's ENOMEM path covers
 * both (ReadStat's bounded allocator).  Memory they return is freed with
 * free().
 */
#ifndef SVY_MEM_H
#define SVY_MEM_H

#include <stddef.h>

/* The largest single block the library will ask for: 16 GiB. */
#define SVY_MEM_MAX ((size_t)1 << 34)

/* malloc(n * size) with an overflow check and the cap; NULL on failure. */
void *svy_mem_alloc(size_t n, size_t size);

/* calloc-like zeroed variant of svy_mem_alloc. */
void *svy_mem_calloc(size_t n, size_t size);

/*
 * realloc(p, n * size) with the same checks.  On failure returns NULL and
 * leaves 'p' untouched and still owned by the caller.
 */
void *svy_mem_realloc(void *p, size_t n, size_t size);

/*
 * Grow '*p' (an array of 'size'-byte elements with capacity '*cap') so that
 * it holds at least 'need' elements, doubling to keep appends amortised
 * O(1).  Returns 0 on success, -1 on failure ('*p' then unchanged).
 */
int svy_mem_grow(void **p, size_t *cap, size_t need, size_t size);

/* strdup that returns NULL on failure; NULL in gives NULL out. */
char *svy_mem_strdup(const char *s);

/*
 * A list of 'n' owned strings with room for 'cap': append a copy of 's'
 * (0, or -1 out of memory with the list as it was), or free each string
 * and the list.
 */
int svy_mem_strv_push(char ***v, size_t *n, size_t *cap, const char *s);
void svy_mem_strv_free(char **v, size_t n);

#endif
