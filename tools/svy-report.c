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
    "                  [--decimals n] [--min-base n] [--level p]\n"
    "                  [--sig a1[,a2]] [tablestream]\n";

static const char help[] =
    "Write the table stream (svy-tab --format csv; a file or stdin) as an\n"
    "Excel workbook: a contents sheet, one banner sheet per table with a bar\n"
    "chart of its total column, and a methods sheet with the design, the\n"
    "weighting, margins of error, the version and the SHA-256 of each input.\n"
    "\n"
    "  -s, --survey DIR        title, fieldwork, design and labels from DIR\n"
    "  -o, --output FILE       the workbook to write (required)\n"
    "      --lang LANG         labels (with -s) and fixed words in en, ru\n"
    "                          or ky (default: the survey's)\n"
    "      --title TEXT        the workbook title\n"
    "      --weighting FILE    svy-weight's JSON report, for the methods\n"
    "      --no-charts         no chart per table\n"
    "      --decimals N        decimals of percentages (default 1)\n"
    "      --min-base N        flag columns with a smaller unweighted base\n"
    "                          (default 30, as svy-tab)\n"
    "      --level P           confidence level of svy-tab and of the\n"
    "                          margins of error (default 0.95)\n"
    "      --sig A1[,A2]       svy-tab's column-test levels (default 0.05)\n"
    "  -h, --help              show this help\n"
    "      --version           show the version\n"
    "\n"
    "A stream missing a column or with an unknown stat, or a weighting\n"
    "report that is not JSON, is bad input (3); an output that cannot be\n"
    "written is an i/o error (4).\n"
    "\n" TOOL_EXIT_HELP;

enum {
    OPT_DEC = 256,
    OPT_LANG,
    OPT_LEVEL,
    OPT_MINBASE,
    OPT_NOCHARTS,
    OPT_SIG,
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
    {"level", required_argument, NULL, OPT_LEVEL},
    {"min-base", required_argument, NULL, OPT_MINBASE},
    {"no-charts", no_argument, NULL, OPT_NOCHARTS},
    {"sig", required_argument, NULL, OPT_SIG},
    {"title", required_argument, NULL, OPT_TITLE},
    {"version", no_argument, NULL, OPT_VERSION},
    {"weighting", required_argument, NULL, OPT_WEIGHTING},
    {NULL, 0, NULL, 0},
};

int
main(int argc, char **argv)
{
    svy_xlsx_opts opts = {0};
    svy_xlsx_notes notes = {0};
    svy_survey *survey = NULL;
    const char *survey_dir = getenv("SVY_SURVEY"), *out = NULL, *in = "-";
    const char *lang = NULL;
    svy_err err = SVY_ERR_INIT;
    int ch, n;
    char extra;

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
        case OPT_LEVEL:
            opts.level = tool_double_arg(optarg, "--level");
            if (!(opts.level > 0 && opts.level < 1))
                tool_die(EXIT_USAGE, "--level: expected 0 < p < 1, got '%s'",
                         optarg);
            break;
        case OPT_MINBASE:
            opts.min_base =
                (double)tool_int_arg(optarg, "--min-base", 1, 1000000);
            break;
        case OPT_NOCHARTS: opts.no_charts = 1; break;
        case OPT_SIG:
            n = sscanf(optarg, "%lf,%lf%c", &opts.sig[0], &opts.sig[1], &extra);
            if (n < 1 || n > 2 || !(opts.sig[0] > 0 && opts.sig[0] < 1) ||
                (n == 2 && !(opts.sig[1] > 0 && opts.sig[1] < opts.sig[0])))
                tool_die(EXIT_USAGE,
                         "--sig: expected A1[,A2] with 0 < A2 < A1 < 1, got "
                         "'%s'",
                         optarg);
            break;
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
        opts.fieldwork_start = svy_survey_get(survey, "fieldwork_start");
        opts.fieldwork_end = svy_survey_get(survey, "fieldwork_end");
        opts.strata = svy_survey_get(survey, "strata");
        opts.cluster = svy_survey_get(survey, "cluster");
        opts.codebook = svy_survey_codebook(survey);
    }
    opts.notes = &notes;
    opts.version = SVY_VERSION;
    if (svy_xlsx_report(out, in, &opts, &err) != SVY_OK) {
        svy_survey_free(survey);
        tool_die_err(&err);
    }
    if (notes.fallbacks && opts.lang == SVY_LANG_EN)
        tool_warn("%zu labels missing: the code is shown (first: %s)",
                  notes.fallbacks, notes.first);
    else if (notes.fallbacks)
        tool_warn("%zu labels missing in '%s': English, else the code, is "
                  "shown (first: %s)",
                  notes.fallbacks, svy_lang_code(opts.lang), notes.first);
    svy_survey_free(survey);
    return tool_finish(EXIT_OK);
}
