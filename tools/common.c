/*
 * common.c - program-side helpers (see common.h).  Printing and exiting
 * happen here or in a tool's main, never in the library, which returns a
 * status and a message for this file to turn into text and an exit code.
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

const char *progname = "svy"; /* until tool_init names the program */

void
tool_init(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');

    progname = slash ? slash + 1 : argv0;
    /*
     * Every category at "C", not only LC_NUMERIC, so that no output depends
     * on the user's locale.  GSL's default handler aborts the process; with
     * it off, GSL returns statuses that the engines translate.
     */
    setlocale(LC_ALL, "C");
    gsl_set_error_handler_off();
}

/* The usage text goes to stderr here; only --help prints it to stdout. */
void
tool_usage(const char *usage)
{
    fprintf(stderr, "%sTry '%s --help' for more information.\n", usage,
            progname);
    exit(EXIT_USAGE);
}

/* "PROG: message" on stderr, git style. */
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

/* Notes go to stderr so that they never mix with data on stdout. */
void
tool_note(void *ctx, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "%s: %s\n", progname, msg);
}

/*
 * The one mapping from status to exit code.  Running out of memory is a
 * system error (4).  With no default case, -Wswitch points out a status
 * added to err.h but not here; a value outside the enum gets 4.
 */
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

/* Through tool_finish, so that a failed write of the line is noticed. */
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

    /* Overflow (errno), no digits, trailing text and range are all usage
     * errors. */
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
    /* A backslash-t typed literally is taken as a tab too. */
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

int
tool_csv_option(int ch, const char *arg, svy_csv_opts *csv)
{
    switch (ch) {
    case 'd': csv->delim = tool_delim_arg(arg); return 1;
    case 'e': csv->encoding = tool_encoding_arg(arg); return 1;
    case TOOL_OPT_DCOMMA: csv->decimal = SVY_DEC_COMMA; return 1;
    case TOOL_OPT_DPOINT: csv->decimal = SVY_DEC_POINT; return 1;
    }
    return 0;
}

void
tool_check_output(const char *out, const char *in)
{
    if (out != NULL && in != NULL && svy_overwrites(out, in))
        tool_die(EXIT_USAGE, "refusing to write over input '%s'",
                 strcmp(in, "-") == 0 ? "<stdin>" : in);
}

void
tool_check_survey_output(const svy_survey *sv, const char *out)
{
    static const char *const files[] = {"codebook.csv", "values.csv",
                                        "survey.conf", "targets.csv"};
    size_t i;

    for (i = 0; sv != NULL && out != NULL && i < 4; i++) {
        char *path = svy_survey_path(sv, files[i]);
        if (path == NULL)
            tool_die(EXIT_IO, "out of memory");
        if (svy_overwrites(out, path)) {
            free(path);
            tool_die(EXIT_USAGE, "refusing to write over input '%s/%s'",
                     svy_survey_dir(sv), files[i]);
        }
        free(path);
    }
}

double
tool_double_arg(const char *s, const char *opt)
{
    double v;

    /* The data's number grammar (num.h): "+2" or "1,5" is refused here as
     * it would be in a file. */
    if (!svy_num_parse(s, strlen(s), 0, &v) || !isfinite(v))
        tool_die(EXIT_USAGE, "%s: expected a number, got '%s'", opt, s);
    return v;
}

int
tool_finish(int rc)
{
    /*
     * Stdio buffers stdout, so a write error (a full disk) may show only
     * at this flush; ferror catches one that an earlier implicit flush met.
     */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: write error on standard output: %s\n", progname,
                strerror(errno));
        return EXIT_IO;
    }
    return rc;
}
