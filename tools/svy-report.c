/*
 * svy-report - write the table stream of svy-tab as an Excel workbook:
 * contents with links, a banner sheet and chart per table, and a methods
 * sheet.  The work is in the xlsx module (include/svy/xlsx.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char usage[] =
    "usage: svy-report [-s survey] -o report.xlsx [--lang en|ru|ky]\n"
    "                  [--title text] [--weighting report.json] "
    "[--no-charts]\n"
    "                  [--decimals n] [tablestream]\n";

static const char help[] =
    "Write the table stream (svy-tab --format csv; a file or stdin) as an\n"
    "Excel workbook: a contents sheet, one banner sheet per table with a bar\n"
    "chart of its total column, and a methods sheet with the version and\n"
    "the SHA-256 of each input.\n"
    "\n"
    "  -s, --survey DIR        title from DIR's survey.conf\n"
    "  -o, --output FILE       the workbook to write (required)\n"
    "      --lang LANG         fixed words in en, ru or ky (default: the\n"
    "                          survey's)\n"
    "      --title TEXT        the workbook title\n"
    "      --weighting FILE    svy-weight's JSON report, for the methods\n"
    "      --no-charts         no chart per table\n"
    "      --decimals N        decimals of percentages (default 1)\n"
    "  -h, --help              show this help\n"
    "      --version           show the version\n"
    "\n"
    "A stream missing a column or with an unknown stat is bad input (3); an\n"
    "output that cannot be written is an i/o error (4).\n"
    "\n" TOOL_EXIT_HELP;

enum {
    OPT_DEC = 256,
    OPT_LANG,
    OPT_NOCHARTS,
    OPT_TITLE,
    OPT_VERSION,
    OPT_WEIGHTING
};

static const struct option longopts[] = {
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {"survey", required_argument, NULL, 's'},
    {"decimals", required_argument, NULL, OPT_DEC},
    {"lang", required_argument, NULL, OPT_LANG},
    {"no-charts", no_argument, NULL, OPT_NOCHARTS},
    {"title", required_argument, NULL, OPT_TITLE},
    {"version", no_argument, NULL, OPT_VERSION},
    {"weighting", required_argument, NULL, OPT_WEIGHTING},
    {NULL, 0, NULL, 0},
};

int
main(int argc, char **argv)
{
    svy_xlsx_opts opts = {0};
    svy_survey *survey = NULL;
    const char *survey_dir = getenv("SVY_SURVEY"), *out = NULL, *in = "-";
    const char *lang = NULL;
    svy_err err = SVY_ERR_INIT;
    int ch;

    tool_init(argv[0]);
    while ((ch = getopt_long(argc, argv, "ho:s:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h':
            fputs(usage, stdout);
            fputs(help, stdout);
            return tool_finish(EXIT_OK);
        case 'o': out = optarg; break;
        case 's': survey_dir = optarg; break;
        case OPT_DEC:
            opts.decimals = (int)tool_int_arg(optarg, "--decimals", 0, 10);
            opts.decimals_set = 1;
            break;
        case OPT_LANG: lang = optarg; break;
        case OPT_NOCHARTS: opts.no_charts = 1; break;
        case OPT_TITLE: opts.title = optarg; break;
        case OPT_VERSION: tool_version();
        case OPT_WEIGHTING: opts.weighting = optarg; break;
        default: tool_usage(usage);
        }
    }
    if (argc - optind > 1 || out == NULL)
        tool_usage(usage);
    if (strcmp(out, "-") == 0)
        tool_die(EXIT_USAGE, "-o: a workbook cannot go to standard output");
    if (lang && svy_lang_parse(lang, &opts.lang) < 0)
        tool_die(EXIT_USAGE, "--lang: expected en, ru or ky, got '%s'", lang);
    if (optind < argc)
        in = argv[optind];
    tool_check_output(out, in);
    if (survey_dir && *survey_dir &&
        svy_survey_open(&survey, survey_dir, &err) != SVY_OK)
        tool_die_err(&err);
    tool_check_survey_output(survey, out);
    if (survey) {
        if (lang == NULL)
            opts.lang = svy_survey_lang(survey);
        /* title@ru or title@ky in that language, else title. */
        if (opts.title == NULL && opts.lang != SVY_LANG_EN) {
            char key[16];
            snprintf(key, sizeof key, "title@%s", svy_lang_code(opts.lang));
            opts.title = svy_survey_get(survey, key);
        }
        if (opts.title == NULL)
            opts.title = svy_survey_get(survey, "title");
    }
    opts.version = SVY_VERSION;
    if (svy_xlsx_report(out, in, &opts, &err) != SVY_OK) {
        svy_survey_free(survey);
        tool_die_err(&err);
    }
    svy_survey_free(survey);
    return tool_finish(EXIT_OK);
}
