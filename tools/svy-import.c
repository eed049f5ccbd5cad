/*
 * svy-import - read fieldwork batches, append them by column name, check
 * them against the survey's codebook and write one canonical CSV.
 *
 * The work is svy_import_run (import.h).  This file parses the options,
 * refuses dangerous combinations before any file is touched, and maps the
 * outcome to an exit status.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char usage[] =
    "usage: svy-import [-s survey] [-o out] [--rejects file] [-d delim]\n"
    "                  [-e utf-8|cp1251|auto] "
    "[--decimal-comma|--decimal-point]\n"
    "                  [--batch-col name] [--strict] [-v] [file ...]\n";

static const char help[] =
    "Read CSV batches (plain, .gz or stdin; ',' ';' TAB '|'; UTF-8 or "
    "CP1251)\n"
    "and SPSS, Stata or SAS files (.sav .zsav .por .dta .sas7bdat), append\n"
    "them matching columns by name, and write canonical CSV.\n"
    "\n"
    "  -s, --survey DIR      check values against DIR/codebook.csv\n"
    "  -o, --output FILE     write to FILE (default stdout)\n"
    "      --rejects FILE    write each codebook finding as a CSV "
    "row\n" TOOL_CSV_HELP
    "      --batch-col NAME  add column NAME holding each row's file\n"
    "      --strict          exit 1 when the codebook check finds anything\n"
    "  -v, --verbose         report each file read\n"
    "  -h, --help            show this help\n"
    "      --version         show the version\n"
    "\n" TOOL_EXIT_HELP;

enum { OPT_REJECTS = 256, OPT_BATCH, OPT_STRICT, OPT_VERSION };

static const struct option longopts[] = {
    TOOL_CSV_LONGOPTS,
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {"survey", required_argument, NULL, 's'},
    {"verbose", no_argument, NULL, 'v'},
    {"batch-col", required_argument, NULL, OPT_BATCH},
    {"rejects", required_argument, NULL, OPT_REJECTS},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

int
main(int argc, char **argv)
{
    svy_import_opts opts = {0};
    svy_import_result res = {0};
    svy_survey *survey = NULL;
    /* SVY_SURVEY is the default for -s; an empty value means no survey. */
    const char *survey_dir = getenv("SVY_SURVEY");
    const char *out = "-", *rejects = NULL;
    static const char *stdin_only[] = {"-", NULL};
    svy_err err = SVY_ERR_INIT;
    int ch, i, strict = 0;

    tool_init(argv[0]);
    while ((ch = getopt_long(argc, argv, "d:e:ho:s:v", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h':
            fputs(usage, stdout);
            fputs(help, stdout);
            return tool_finish(EXIT_OK);
        case 'o': out = optarg; break;
        case 's': survey_dir = optarg; break;
        case 'v': opts.verbose = 1; break;
        case OPT_BATCH: opts.batch_col = optarg; break;
        case OPT_REJECTS: rejects = optarg; break;
        case OPT_STRICT: strict = 1; break;
        case OPT_VERSION: tool_version();
        default:
            if (!tool_csv_option(ch, optarg, &opts.csv))
                tool_usage(usage);
        }
    }
    /* No file arguments: standard input. */
    opts.files =
        argc > optind ? (const char *const *)argv + optind : stdin_only;
    /* Raw batches may be the only copy of the fieldwork: never let an
     * output replace one. */
    for (i = 0; opts.files[i]; i++) {
        tool_check_output(out, opts.files[i]);
        tool_check_output(rejects, opts.files[i]);
    }
    /* Both would be renamed into place and the second would win. */
    if (rejects && svy_same_output(rejects, out))
        tool_die(EXIT_USAGE,
                 "--rejects and the output are the same file "
                 "'%s'",
                 rejects);
    /* Without a codebook there are no findings to list. */
    if (rejects && !(survey_dir && *survey_dir))
        tool_die(EXIT_USAGE, "--rejects needs a codebook to check against "
                             "(-s SURVEY)");
    if (survey_dir && *survey_dir &&
        svy_survey_open(&survey, survey_dir, &err) != SVY_OK)
        tool_die_err(&err);
    tool_check_survey_output(survey, out);
    tool_check_survey_output(survey, rejects);
    opts.codebook = survey ? svy_survey_codebook(survey) : NULL;
    /* Notes (verbose lines, the summary) go to stderr. */
    opts.note = tool_note;
    if (svy_import_run(&opts, out, rejects, &res, &err) != SVY_OK)
        tool_die_err(&err);
    svy_survey_free(survey);
    /* With --strict, findings make exit 1, after all output is written. */
    return tool_finish(strict && res.findings > 0 ? EXIT_CHECKS : EXIT_OK);
}
