/*
 * buf.c - growable byte buffer (git's strbuf).  Capacity doubles through
 * svy_mem_grow, so a size past SVY_MEM_MAX fails as SVY_ENOMEM instead of
 * wrapping.  Every append writes the terminator, so 'data' is a C string
 * whenever it is non-NULL.  No message is set: callers know the context.
 */
#include "svy/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svy/mem.h"

/* The length is below SVY_MEM_MAX already, so testing 'extra' first keeps
 * the sum below from wrapping. */
svy_status
svy_buf_grow(svy_buf *b, size_t extra)
{
    void *p = b->data;

    if (extra > SVY_MEM_MAX || b->len + extra + 1 > SVY_MEM_MAX)
        return SVY_ENOMEM;
    if (svy_mem_grow(&p, &b->cap, b->len + extra + 1, 1) < 0)
        return SVY_ENOMEM;
    b->data = p;
    return SVY_OK;
}

svy_status
svy_buf_append(svy_buf *b, const char *s, size_t n)
{
    /* A buffer at SVY_BUF_INIT has cap 0, so its first append always
     * allocates: 'data' is never NULL below. */
    if (b->len + n + 1 > b->cap && svy_buf_grow(b, n) != SVY_OK)
        return SVY_ENOMEM;
    /* Callers may append zero bytes from a NULL 's'; memcpy may not. */
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return SVY_OK;
}

svy_status
svy_buf_puts(svy_buf *b, const char *s)
{
    return svy_buf_append(b, s, strlen(s));
}

svy_status
svy_buf_putc(svy_buf *b, char c)
{
    return svy_buf_append(b, &c, 1);
}

/* Measure, grow once, format in place.  The va_list is started again for
 * the second pass because the first one used it up. */
svy_status
svy_buf_printf(svy_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || svy_buf_grow(b, (size_t)n) != SVY_OK)
        return SVY_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return SVY_OK;
}

void
svy_buf_reset(svy_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void
svy_buf_release(svy_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* An empty buffer may own no memory: return a fresh "" so that the caller
 * can always free() the result. */
char *
svy_buf_detach(svy_buf *b, size_t *len)
{
    char *d = b->data;

    if (d == NULL)
        d = svy_mem_strdup("");
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return d;
}
