/*
 * buf.h - a growable byte buffer (git's strbuf).
 *
 * An svy_buf is embedded in the caller's struct or on the stack and starts
 * as SVY_BUF_INIT.  'data' is NUL-terminated whenever it is non-NULL, so it
 * can be passed as a C string, but it may also hold NUL bytes: 'len' is the
 * truth.  The buffer owns 'data'; svy_buf_release frees it and
 * svy_buf_detach hands it to the caller.
 *
 * Appends return SVY_OK or SVY_ENOMEM (with no message: callers that know
 * the context say what they were doing).
 */
#ifndef SVY_BUF_H
#define SVY_BUF_H

#include <stddef.h>

#include "svy/err.h"

typedef struct svy_buf {
    char *data; /* NUL-terminated when non-NULL; never read past len */
    size_t len;
    size_t cap;
} svy_buf;

/* clang-format off */
#define SVY_BUF_INIT { NULL, 0, 0 }
/* clang-format on */

/* Make room for 'extra' more bytes (plus the terminator). */
svy_status svy_buf_grow(svy_buf *b, size_t extra);

/* Append 'n' bytes of 's'. */
svy_status svy_buf_append(svy_buf *b, const char *s, size_t n);

/* Append a C string. */
svy_status svy_buf_puts(svy_buf *b, const char *s);

/* Append one byte. */
svy_status svy_buf_putc(svy_buf *b, char c);

/* Append printf-formatted text. */
svy_status svy_buf_printf(svy_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Forget the contents but keep the memory for reuse. */
void svy_buf_reset(svy_buf *b);

/* Free the memory; 'b' is SVY_BUF_INIT again. */
void svy_buf_release(svy_buf *b);

/*
 * Hand the contents to the caller, who frees them with free(); 'b' is
 * SVY_BUF_INIT again.  Never returns NULL unless allocation fails (an empty
 * buffer gives a fresh empty string).  '*len' receives the length if
 * 'len' is not NULL.
 */
char *svy_buf_detach(svy_buf *b, size_t *len);

#endif
