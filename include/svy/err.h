/*
 * err.h - status codes and the error record every fallible call fills.
 *
 * Every library function that can fail returns an svy_status (SVY_OK is 0)
 * and takes a trailing 'svy_err *err', which may be NULL.  On failure the
 * record holds the status and one complete, human-readable message in git's
 * style: location first ("file:line:"), then what is wrong, lowercase, no
 * full stop, the subject in single quotes.  The buffer is fixed so that
 * reporting an error never allocates.
 *
 * The library never prints; programs print err->msg and map err->code to an
 * exit status (tools/common.c holds that one mapping).
 *
 * Checklist: if you add a status, update svy_strerror() in src/err.c and
 * tool_exit_code() in tools/common.c.
 */
#ifndef SVY_ERR_H
#define SVY_ERR_H

#include <stdarg.h>

typedef enum svy_status {
    SVY_OK = 0,
    SVY_ENOMEM,  /* allocation failed or a size limit was exceeded */
    SVY_EIO,     /* read or write failed; message carries strerror text */
    SVY_EPARSE,  /* malformed CSV, codebook, rules or survey file */
    SVY_EDATA,   /* well-formed input whose content is unusable */
    SVY_EINVAL,  /* bad argument or option value (a usage error) */
    SVY_ECHECK,  /* checks found problems and the caller asked to fail */
    SVY_ENOCONV, /* iterative method did not converge */
    SVY_ENUMERIC /* numerical failure reported by GSL */
} svy_status;

typedef struct svy_err {
    svy_status code;
    char msg[512]; /* "where: what", lowercase, no trailing period */
} svy_err;

/* clang-format off */
#define SVY_ERR_INIT { SVY_OK, { 0 } }
/* clang-format on */

/*
 * Record 'code' and the formatted message in 'err' (which may be NULL) and
 * return 'code', so that "return svy_err_set(err, SVY_EPARSE, ...)" reports
 * and returns in one statement.  A message longer than the buffer is cut.
 */
svy_status svy_err_set(svy_err *err, svy_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same with a va_list, for wrappers that add their own prefix. */
svy_status svy_err_vset(svy_err *err, svy_status code, const char *fmt,
                        va_list ap) __attribute__((format(printf, 3, 0)));

/*
 * Put "prefix: " in front of the message already in 'err' and return its
 * code; used when a lower layer does not know the file name.
 */
svy_status svy_err_prefix(svy_err *err, const char *prefix);

/*
 * A note for the person running a program: not an error, but something
 * they should know (a column missing from a batch, a margin rescaled).
 * Library calls that have notes take one of these and a context pointer;
 * programs print the message on stderr.  'msg' is borrowed for the call.
 */
typedef void (*svy_note_fn)(void *ctx, const char *msg);

/* A short constant description of a status ("out of memory"). */
const char *svy_strerror(svy_status code);

#endif
