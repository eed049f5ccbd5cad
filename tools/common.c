/*
 * common.c - program-side helpers (see common.h).
 */
#include "common.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

const char *progname = "svy";

void
tool_init(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');

    progname = slash ? slash + 1 : argv0;
    setlocale(LC_ALL, "C");
    gsl_set_error_handler_off();
}

void
tool_usage(const char *usage)
{
    fprintf(stderr, "%sTry '%s --help' for more information.\n", usage,
            progname);
    exit(EXIT_USAGE);
}

static void
vwarn(const char *fmt, va_list ap)
{
    fprintf(stderr, "%s: ", progname);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void
tool_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
}

void
tool_die(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vwarn(fmt, ap);
    va_end(ap);
    exit(code);
}

void
tool_note(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "%s: %s\n", progname, msg);
}

int
tool_exit_code(svy_status code)
{
    switch (code) {
    case SVY_OK: return EXIT_OK;
    case SVY_ECHECK: return EXIT_CHECKS;
    case SVY_EINVAL: return EXIT_USAGE;
    case SVY_EPARSE:
    case SVY_EDATA: return EXIT_DATA;
    case SVY_ENOMEM:
    case SVY_EIO: return EXIT_IO;
    case SVY_ENOCONV:
    case SVY_ENUMERIC: return EXIT_NUMERIC;
    }
    return EXIT_IO;
}

void
tool_die_err(const svy_err *err)
{
    fprintf(stderr, "%s: %s\n", progname, err->msg);
    exit(tool_exit_code(err->code));
}

void
tool_version(void)
{
    printf("%s (svykit) %s\n", progname, SVY_VERSION);
    exit(tool_finish(EXIT_OK));
}

long
tool_int_arg(const char *s, const char *opt, long lo, long hi)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        tool_die(EXIT_USAGE,
                 "%s: expected an integer from %ld to %ld, "
                 "got '%s'",
                 opt, lo, hi, s);
    return v;
}

char
tool_delim_arg(const char *s)
{
    if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0)
        return '\t';
    if (strlen(s) == 1 && strchr(",;|\t", s[0]))
        return s[0];
    tool_die(EXIT_USAGE, "-d: expected ',' ';' '|' or 'tab', got '%s'", s);
}

svy_encoding
tool_encoding_arg(const char *s)
{
    if (strcmp(s, "auto") == 0)
        return SVY_ENC_AUTO;
    if (strcmp(s, "utf-8") == 0 || strcmp(s, "utf8") == 0)
        return SVY_ENC_UTF8;
    if (strcmp(s, "cp1251") == 0 || strcmp(s, "windows-1251") == 0)
        return SVY_ENC_CP1251;
    tool_die(EXIT_USAGE, "-e: expected utf-8, cp1251 or auto, got '%s'", s);
}

double
tool_double_arg(const char *s, const char *opt)
{
    double v;

    if (!svy_num_parse(s, strlen(s), 0, &v) || !isfinite(v))
        tool_die(EXIT_USAGE, "%s: expected a number, got '%s'", opt, s);
    return v;
}

int
tool_finish(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: write error on standard output: %s\n", progname,
                strerror(errno));
        return EXIT_IO;
    }
    return rc;
}
