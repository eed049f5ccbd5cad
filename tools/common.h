/*
 * common.h - helpers shared by the programs, never by the library: the
 * program name, usage and error exits, the one mapping from svy_status to
 * exit status, number arguments, and the stdout flush at exit.
 *
 * Exit statuses (DESIGN.md; listed in every --help and man page):
 *   0 success, 1 checks found problems where asked to fail on them,
 *   2 usage, 3 bad input data or spec, 4 I/O or system error,
 *   5 numerical failure (no convergence).
 */
#ifndef SVY_TOOLS_COMMON_H
#define SVY_TOOLS_COMMON_H

#include "svy/svy.h"

enum tool_exit {
    EXIT_OK = 0,
    EXIT_CHECKS = 1,
    EXIT_USAGE = 2,
    EXIT_DATA = 3,
    EXIT_IO = 4,
    EXIT_NUMERIC = 5
};

/* The exit-status lines every --help ends with. */
#define TOOL_EXIT_HELP                                                         \
    "exit status: 0 ok, 1 checks failed (--strict), 2 usage, 3 bad input,\n"   \
    "             4 i/o error, 5 numerical failure\n"

/* The program name derived from argv[0] ("svy-import"). */
extern const char *progname;

/*
 * Set the program name, keep numbers locale-independent (LC_NUMERIC "C")
 * and switch off GSL's aborting error handler.
 */
void tool_init(const char *argv0);

/* Print "usage: ..." and the --help hint to stderr; exit 2. */
void tool_usage(const char *usage) __attribute__((noreturn));

/* Print "PROG: message" to stderr. */
void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "PROG: message" and exit with 'code'. */
void tool_die(int code, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));

/* Print "PROG: err->msg" and exit with the status's exit code. */
void tool_die_err(const svy_err *err) __attribute__((noreturn));

/* The exit status for a library status. */
int tool_exit_code(svy_status code);

/* Print "PROG (svykit) VERSION" to stdout and exit 0. */
void tool_version(void) __attribute__((noreturn));

/* Parse an integer option in [lo, hi] or die with a usage error. */
long tool_int_arg(const char *s, const char *opt, long lo, long hi);

/*
 * The options every program that reads CSV takes, in one place: the help
 * lines, the long options (put TOOL_CSV_LONGOPTS in the option table and
 * "d:e:" in the optstring) and their handling.  Long-only options use codes
 * from TOOL_OPT_BASE up, so programs number their own from 256.
 */
#define TOOL_CSV_HELP                                                          \
    "  -d, --delimiter C     ',' ';' '|' or 'tab' (default: detect)\n"         \
    "  -e, --encoding ENC    utf-8, cp1251 or auto (default auto)\n"           \
    "      --decimal-comma   read '1,5' as 1.5 in any file\n"                  \
    "      --decimal-point   never read ',' as a decimal separator\n"

enum { TOOL_OPT_BASE = 1000, TOOL_OPT_DCOMMA = TOOL_OPT_BASE, TOOL_OPT_DPOINT };

/* clang-format off */
#define TOOL_CSV_LONGOPTS                                                      \
    {"delimiter", required_argument, NULL, 'd'},                               \
    {"encoding", required_argument, NULL, 'e'},                                \
    {"decimal-comma", no_argument, NULL, TOOL_OPT_DCOMMA},                     \
    {"decimal-point", no_argument, NULL, TOOL_OPT_DPOINT}
/* clang-format on */

/*
 * Apply option 'ch' (with 'arg') to 'csv' when it is one of the CSV
 * options; returns 1 when it was, 0 otherwise.  Bad values exit 2.
 */
int tool_csv_option(int ch, const char *arg, svy_csv_opts *csv);

/* The -d argument of the CSV readers: ',' ';' '|' or 'tab'; else exit 2. */
char tool_delim_arg(const char *s);

/* The -e argument: utf-8, cp1251 or auto; else exit 2. */
svy_encoding tool_encoding_arg(const char *s);

/*
 * Refuse (exit 2) when the output 'out' would write over the input 'in'
 * (svy_overwrites); 'out' or 'in' may be NULL (nothing to check).
 */
void tool_check_output(const char *out, const char *in);

/*
 * The same for every file of the survey folder 'sv' (codebook.csv,
 * values.csv, survey.conf, targets.csv); 'sv' may be NULL.
 */
void tool_check_survey_output(const svy_survey *sv, const char *out);

/* Parse a number option or die with a usage error. */
double tool_double_arg(const char *s, const char *opt);

/* A note callback (svy_note_fn) that prints "PROG: msg" to stderr. */
void tool_note(void *ctx, const char *msg);

/*
 * Flush stdout and return the status to exit with: 'rc' normally, 4 when
 * writing stdout failed.
 */
int tool_finish(int rc);

#endif
