/*
 * io.h - byte streams in and out: a path or "-", gzip handled for you.
 *
 * svy_input reads a file, standard input ("-") or a memory buffer.  Files
 * and stdin go through zlib's gzread, which passes plain bytes through and
 * inflates gzip transparently, so "data.csv", "data.csv.gz" and
 * "gzip -c data.csv | prog -" all read the same way.
 *
 * svy_output writes to standard output ("-") or to a file, which is written
 * as a temporary file beside the target and renamed over it only by
 * svy_output_commit: a failed run never leaves a half-written file.  A path
 * ending in ".gz" is written gzip-compressed.
 *
 * Ownership: both objects copy the path they are given and are freed by
 * their close/commit/abort call.  Errors carry the file name and the
 * strerror text.  zlib is included only by src/io.c.
 */
#ifndef SVY_IO_H
#define SVY_IO_H

#include <stddef.h>

#include "svy/err.h"

typedef struct svy_input svy_input;
typedef struct svy_output svy_output;

/*
 * Open 'path' for reading ("-" or NULL is standard input).  Errors:
 * SVY_EIO "cannot open 'x': No such file or directory".
 */
svy_status svy_input_open(svy_input **out, const char *path, svy_err *err);

/*
 * Read from 'len' bytes at 'data', which is borrowed and must outlive the
 * input; 'name' (copied) is what error messages call it.  For tests and for
 * callers that already hold the bytes.
 */
svy_status svy_input_open_mem(svy_input **out, const char *name,
                              const void *data, size_t len, svy_err *err);

/*
 * Read up to 'cap' bytes into 'buf'; '*got' is 0 only at end of input.
 * Errors: SVY_EIO, including a corrupt or truncated gzip stream.
 */
svy_status svy_input_read(svy_input *in, void *buf, size_t cap, size_t *got,
                          svy_err *err);

/* The name for messages: the path, or "<stdin>".  Borrowed. */
const char *svy_input_name(const svy_input *in);

/* Close and free; NULL is a no-op. */
void svy_input_close(svy_input *in);

/*
 * Open 'path' for writing ("-" or NULL is standard output).  A file is
 * created as "PATH.tmpXXXXXX" in the same directory.
 */
svy_status svy_output_open(svy_output **out, const char *path, svy_err *err);

/* Buffered write of 'n' bytes. */
svy_status svy_output_write(svy_output *o, const void *data, size_t n,
                            svy_err *err);

/*
 * Zero-copy writing: make room for at least 'n' bytes at the end of the
 * output buffer (flushing or growing it as needed) and point '*p' at it;
 * write up to 'n' bytes there, then call svy_output_advance with the
 * number written.  Nothing else may be called on 'o' in between.
 */
svy_status svy_output_reserve(svy_output *o, size_t n, char **p, svy_err *err);
void svy_output_advance(svy_output *o, size_t used);

/* Write a C string. */
svy_status svy_output_puts(svy_output *o, const char *s, svy_err *err);

/*
 * Flush, close and (for a file) rename the temporary file into place; frees
 * 'o' whatever the outcome.  On failure the temporary file is removed.
 */
svy_status svy_output_commit(svy_output *o, svy_err *err);

/* Discard: close and remove the temporary file, free 'o'.  NULL is a no-op. */
void svy_output_abort(svy_output *o);

/* The name for messages: the target path or "<stdout>".  Borrowed. */
const char *svy_output_name(const svy_output *o);

/*
 * 1 when writing the output 'out' would write over the input 'in': both
 * are the same existing regular file (same device and inode).  "-" means
 * standard output for 'out' and standard input for 'in', so
 * "prog big.csv >> big.csv" and "prog -o x.csv < x.csv" are caught too.
 * FIFOs and devices never count.  Programs refuse such runs.
 */
int svy_overwrites(const char *out, const char *in);

/* The same for two outputs ("-" is standard output for both). */
int svy_same_output(const char *a, const char *b);

#endif
