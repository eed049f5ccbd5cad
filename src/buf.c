/*
 * buf.c - growable byte buffer.  Capacity doubles; the terminator is kept
 * after every append so 'data' is always a valid C string.
 */
#include "svy/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svy/mem.h"

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
    if (b->len + n + 1 > b->cap && svy_buf_grow(b, n) != SVY_OK)
        return SVY_ENOMEM;
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
