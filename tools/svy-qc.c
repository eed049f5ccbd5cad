/*
 * svy-qc - fieldwork quality checks: duplicate ids, exact and near
 * duplicate interviews, speeders, straightliners, item nonresponse, and
 * interviewers who stand out.  The
 * work is in the qc module (include/svy/qc.h); this file maps options and
 * survey.conf keys onto svy_qc_opts and writes the results.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char usage[] =
    "usage: svy-qc [-v] [-s survey] [--id var] [--interviewer var]\n"
    "              [--duration var] [--min-duration seconds]\n"
    "              [--match-threshold share] [--questions var,...]\n"
    "              [--grids var,.../var,...] [--max-nonresponse share]\n"
    "              [--summary file] [--strict] [-j threads] [-d delim]\n"
    "              [-e utf-8|cp1251|auto] [-o flags] [file]\n";

static const char help[] =
    "Flag duplicate ids, exact duplicate interviews, near-duplicates\n"
    "(largest share of identical answers with another interview),\n"
    "speeders, straightliners and item nonresponse; summarise by\n"
    "interviewer.  See svy-qc(1) for the rules.\n"
    "\n"
    "  -s, --survey DIR      codebook, and id, interviewer and duration\n"
    "                        from survey.conf\n"
    "      --id VAR          interview id (default: the survey's, else the\n"
    "                        first column)\n"
    "      --interviewer VAR interviewer column\n"
    "      --duration VAR    duration in seconds\n"
    "      --min-duration S  speeder below S seconds (default: below half\n"
    "                        the median duration)\n"
    "      --match-threshold X  near-duplicate above X (default 0.85)\n"
    "      --questions VAR,...  questions compared (default: svy-qc(1))\n"
    "      --grids V,V,V/V,V,V  grids checked for straightlining\n"
    "                        (default: from the codebook; '' for none)\n"
    "      --max-nonresponse X  flag more than X don't know, refused or\n"
    "                        empty answers (default 0.3)\n"
    "      --summary FILE    per-interviewer summary CSV\n"
    "      --strict          exit 1 when anything is flagged\n"
    "  -j, --threads N       threads for the comparison (default: all)\n"
    "  -o, --output FILE     flags CSV (default stdout)\n"
    "  -v, --verbose         summary as text on stderr\n" TOOL_CSV_HELP
    "  -h, --help            show this help\n"
    "      --version         show the version\n"
    "\n"
    "An unknown variable is a usage error (2); a bad grid, or a duration\n"
    "or grid answer that is not a number, is bad input (3).\n"
    "\n" TOOL_EXIT_HELP;

enum {
    OPT_ID = 256,
    OPT_IV,
    OPT_DUR,
    OPT_MIN,
    OPT_THR,
    OPT_Q,
    OPT_GRIDS,
    OPT_MAXNR,
    OPT_SUM,
    OPT_STRICT,
    OPT_VERSION
};

static const struct option longopts[] = {
    TOOL_CSV_LONGOPTS,
    {"help", no_argument, NULL, 'h'},
    {"threads", required_argument, NULL, 'j'},
    {"output", required_argument, NULL, 'o'},
    {"survey", required_argument, NULL, 's'},
    {"verbose", no_argument, NULL, 'v'},
    {"id", required_argument, NULL, OPT_ID},
    {"interviewer", required_argument, NULL, OPT_IV},
    {"duration", required_argument, NULL, OPT_DUR},
    {"min-duration", required_argument, NULL, OPT_MIN},
    {"match-threshold", required_argument, NULL, OPT_THR},
    {"questions", required_argument, NULL, OPT_Q},
    {"grids", required_argument, NULL, OPT_GRIDS},
    {"max-nonresponse", required_argument, NULL, OPT_MAXNR},
    {"summary", required_argument, NULL, OPT_SUM},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Split "a,b,c" in place into a NULL-terminated list; '*n' its length. */
static const char **
split(char *s, size_t *n)
{
    const char **v = calloc(strlen(s) / 2 + 2, sizeof(*v));

    if (!v)
        tool_die(EXIT_IO, "out of memory");
    *n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ","))
        v[(*n)++] = tok;
    return v;
}

/* Write the qc result with 'fn' to 'path'; die on error. */
static void
emit(const svy_qc *qc, const char *path,
     svy_status (*fn)(const svy_qc *, svy_output *, svy_err *))
{
    svy_output *o = NULL;
    svy_err err = SVY_ERR_INIT;

    if (svy_output_open(&o, path, &err))
        tool_die_err(&err);
    if (fn(qc, o, &err)) {
        svy_output_abort(o);
        tool_die_err(&err);
    }
    if (svy_output_commit(o, &err))
        tool_die_err(&err);
}

int
main(int argc, char **argv)
{
    static const char *const design[] = {"strata", "cluster", "fpc",
                                         "base_weight", "weight"};
    const char *exclude[sizeof(design) / sizeof(design[0]) + 1] = {NULL};
    svy_qc_opts opts = {0};
    svy_csv_opts csv = {0};
    svy_survey *survey = NULL;
    svy_table *t = NULL;
    svy_qc *qc = NULL;
    const char *survey_dir = getenv("SVY_SURVEY"), *out = "-", *in = "-";
    const char *summary = NULL, **qlist = NULL;
    char *questions = NULL;
    svy_err err = SVY_ERR_INIT;
    int ch, strict = 0, verbose = 0;
    size_t nx = 0;

    tool_init(argv[0]);
    while ((ch = getopt_long(argc, argv, "d:e:hj:o:s:v", longopts, NULL)) !=
           -1) {
        switch (ch) {
        case 'h':
            fputs(usage, stdout);
            fputs(help, stdout);
            return tool_finish(EXIT_OK);
        case 'j': opts.threads = (int)tool_int_arg(optarg, "-j", 1, 64); break;
        case 'o': out = optarg; break;
        case 's': survey_dir = optarg; break;
        case 'v': verbose = 1; break;
        case OPT_ID: opts.id = optarg; break;
        case OPT_IV: opts.interviewer = optarg; break;
        case OPT_DUR: opts.duration = optarg; break;
        case OPT_MIN:
            opts.min_duration = tool_double_arg(optarg, "--min-duration");
            if (opts.min_duration <= 0)
                tool_die(EXIT_USAGE, "--min-duration: expected seconds > 0");
            break;
        case OPT_THR:
            opts.match_threshold = tool_double_arg(optarg, "--match-threshold");
            if (!(opts.match_threshold > 0 && opts.match_threshold <= 1))
                tool_die(EXIT_USAGE, "--match-threshold: expected 0 < x <= 1");
            break;
        case OPT_Q: questions = optarg; break;
        case OPT_GRIDS: opts.grids = optarg; break;
        case OPT_MAXNR:
            opts.max_nonresponse = tool_double_arg(optarg, "--max-nonresponse");
            if (!(opts.max_nonresponse > 0 && opts.max_nonresponse <= 1))
                tool_die(EXIT_USAGE, "--max-nonresponse: expected 0 < x <= 1");
            break;
        case OPT_SUM: summary = optarg; break;
        case OPT_STRICT: strict = 1; break;
        case OPT_VERSION: tool_version();
        default:
            if (!tool_csv_option(ch, optarg, &csv))
                tool_usage(usage);
        }
    }
    if (argc - optind > 1)
        tool_usage(usage);
    if (optind < argc)
        in = argv[optind];
    if (summary && svy_same_output(summary, out))
        tool_die(EXIT_USAGE, "--summary and -o name the same file");
    tool_check_output(out, in);
    tool_check_output(summary, in);
    if (survey_dir && *survey_dir &&
        svy_survey_open(&survey, survey_dir, &err) != SVY_OK)
        tool_die_err(&err);
    tool_check_survey_output(survey, out);
    tool_check_survey_output(survey, summary);
    /* Options win over survey.conf; design variables are never questions. */
    if (survey) {
        opts.codebook = svy_survey_codebook(survey);
        if (!opts.id)
            opts.id = svy_survey_get(survey, "id");
        if (!opts.interviewer)
            opts.interviewer = svy_survey_get(survey, "interviewer");
        if (!opts.duration)
            opts.duration = svy_survey_get(survey, "duration");
        for (size_t i = 0; i < sizeof(design) / sizeof(design[0]); i++)
            if (svy_survey_get(survey, design[i]))
                exclude[nx++] = svy_survey_get(survey, design[i]);
        opts.exclude = exclude;
    }
    if (questions)
        opts.questions = qlist = split(questions, &opts.nquestions);
    opts.source = strcmp(in, "-") == 0 ? "<stdin>" : in;
    if (svy_csv_read_file(&t, in, &csv, NULL, &err) ||
        svy_qc_run(&qc, t, &opts, &err))
        tool_die_err(&err);
    emit(qc, out, svy_qc_write_flags);
    if (summary)
        emit(qc, summary, svy_qc_write_summary);
    if (verbose) {
        svy_buf b = SVY_BUF_INIT;

        if (svy_qc_format_summary(qc, &b, &err))
            tool_die_err(&err);
        fputs(b.data ? b.data : "", stderr);
        svy_buf_release(&b);
    }
    ch = strict && svy_qc_nflagged(qc) ? EXIT_CHECKS : EXIT_OK;
    free(qlist);
    svy_qc_free(qc);
    svy_table_free(t);
    svy_survey_free(survey);
    return tool_finish(ch);
}
