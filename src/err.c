/*
 * err.c - the error record.  Formatting goes into the caller's fixed buffer
 * so that an out-of-memory condition can still be reported.
 */
#include "svy/err.h"

#include <stdio.h>
#include <string.h>

/* A NULL 'err' just passes the code through: callers need not test it. */
svy_status
svy_err_vset(svy_err *err, svy_status code, const char *fmt, va_list ap)
{
    if (err != NULL) {
        err->code = code;
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    }
    return code;
}

svy_status
svy_err_set(svy_err *err, svy_status code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    svy_err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

/* Shift the message right to make room for "prefix: ", cutting its end if
 * both do not fit.  Without a record there is no code to return: SVY_OK. */
svy_status
svy_err_prefix(svy_err *err, const char *prefix)
{
    size_t cap = sizeof(err->msg), p, n;

    if (err == NULL)
        return SVY_OK;
    p = strlen(prefix) + 2;
    if (p >= cap)
        p = cap - 1;
    n = strlen(err->msg);
    if (n > cap - 1 - p)
        n = cap - 1 - p;
    memmove(err->msg + p, err->msg, n);
    err->msg[p + n] = '\0';
    memcpy(err->msg, prefix, p >= 2 ? p - 2 : 0);
    if (p >= 2)
        memcpy(err->msg + p - 2, ": ", 2);
    return err->code;
}

/* Checklist: a new status needs a case here and in tool_exit_code.  With
 * no default case, -Wswitch (in -Wall) points out a missing one. */
const char *
svy_strerror(svy_status code)
{
    switch (code) {
    case SVY_OK: return "success";
    case SVY_ENOMEM: return "out of memory";
    case SVY_EIO: return "input/output error";
    case SVY_EPARSE: return "malformed input";
    case SVY_EDATA: return "unusable data";
    case SVY_EINVAL: return "invalid argument";
    case SVY_ECHECK: return "checks found problems";
    case SVY_ENOCONV: return "did not converge";
    case SVY_ENUMERIC: return "numerical failure";
    }
    return "unknown error";
}
