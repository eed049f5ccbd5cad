/*
 * svy-clean - apply a survey's cleaning rules (assert, warn, set, recode,
 * compute, drop, flag) to a CSV file, with an audit log of every change.
 * The language and its evaluator are in the rules module
 * (include/svy/rules.h); the grammar is in svy-clean.1.
 *
 * All outputs are opened only once the data is read and the rules
 * compiled, and committed only when everything succeeded, so a bad rules
 * file leaves no output behind.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char usage[] =
    "usage: svy-clean [-s survey] [-r rules] [--audit file] [--dropped file]\n"
    "                 [--strict] [-d delim] [-e utf-8|cp1251|auto]\n"
    "                 [--decimal-comma|--decimal-point] [-o out] [file]\n";

static const char help[] =
    "Apply cleaning rules to a CSV file (plain, .gz or stdin) and write the\n"
    "cleaned data; a per-rule summary goes to stderr.\n"
    "\n"
    "  -s, --survey DIR      survey folder: codebook, id column, rules.txt\n"
    "  -r, --rules FILE      rules file (default: DIR/rules.txt)\n"
    "      --audit FILE      CSV log of every change, drop and fired check\n"
    "      --dropped FILE    the dropped rows, as CSV with the header\n"
    "      --strict          exit 1 when any assert failed\n" TOOL_CSV_HELP
    "  -o, --output FILE     write to FILE (default stdout)\n"
    "  -h, --help            show this help\n"
    "      --version         show the version\n"
    "\n"
    "A mistake in the rules file is reported as FILE:LINE:COL (exit 3).\n"
    "\n" TOOL_EXIT_HELP;

enum { OPT_AUDIT = 256, OPT_DROPPED, OPT_STRICT, OPT_VERSION };

static const struct option longopts[] = {
    TOOL_CSV_LONGOPTS,
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {"rules", required_argument, NULL, 'r'},
    {"survey", required_argument, NULL, 's'},
    {"audit", required_argument, NULL, OPT_AUDIT},
    {"dropped", required_argument, NULL, OPT_DROPPED},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static svy_output *
open_out(const char *path)
{
    svy_output *o = NULL;
    svy_err err = SVY_ERR_INIT;
    if (path && svy_output_open(&o, path, &err) != SVY_OK)
        tool_die_err(&err);
    return o;
}

int
main(int argc, char **argv)
{
    svy_csv_opts csv = {0};
    svy_rules_opts opts = {0};
    svy_survey *survey = NULL;
    svy_table *t = NULL;
    svy_rules *rules = NULL;
    svy_output *o = NULL;
    const char *survey_dir = getenv("SVY_SURVEY"), *out = "-", *in = "-";
    const char *rules_path = NULL, *audit = NULL, *dropped = NULL;
    char *default_rules = NULL;
    unsigned char *keep = NULL;
    svy_err err = SVY_ERR_INIT;
    int ch, strict = 0;

    tool_init(argv[0]);
    while ((ch = getopt_long(argc, argv, "d:e:ho:r:s:", longopts, NULL)) !=
           -1) {
        switch (ch) {
        case 'h':
            fputs(usage, stdout);
            fputs(help, stdout);
            return tool_finish(EXIT_OK);
        case 'o': out = optarg; break;
        case 'r': rules_path = optarg; break;
        case 's': survey_dir = optarg; break;
        case OPT_AUDIT: audit = optarg; break;
        case OPT_DROPPED: dropped = optarg; break;
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
    if (survey_dir && *survey_dir &&
        svy_survey_open(&survey, survey_dir, &err) != SVY_OK)
        tool_die_err(&err);
    if (rules_path == NULL) {
        if (survey == NULL)
            tool_die(EXIT_USAGE, "no rules: give -r RULES or -s SURVEY");
        if ((default_rules = svy_survey_path(survey, "rules.txt")) == NULL)
            tool_die(EXIT_IO, "out of memory");
        rules_path = default_rules;
    }
    /* No output may replace the input, the rules or the survey's files. */
    const char *outs[] = {out, audit, dropped};
    for (size_t i = 0; i < 3; i++) {
        if (outs[i] == NULL)
            continue;
        tool_check_output(outs[i], in);
        tool_check_output(outs[i], rules_path);
        tool_check_survey_output(survey, outs[i]);
        for (size_t j = 0; j < i; j++)
            if (outs[j] && strcmp(outs[j], "-") != 0 &&
                svy_same_output(outs[i], outs[j]))
                tool_die(EXIT_USAGE, "'%s' is given for two outputs", outs[i]);
    }
    if (survey)
        opts.id = svy_survey_get(survey, "id");
    if (svy_csv_read_file(&t, in, &csv, NULL, &err) ||
        svy_rules_compile_file(&rules, rules_path, t,
                               survey ? svy_survey_codebook(survey) : NULL,
                               &err))
        tool_die_err(&err);
    if ((keep = malloc(svy_table_nrows(t) + 1)) == NULL)
        tool_die(EXIT_IO, "out of memory");
    o = open_out(out);
    opts.audit = open_out(audit);
    opts.dropped = open_out(dropped);
    /* Commit frees each output, so each pointer is cleared before abort. */
    svy_output *outs_o[3] = {opts.audit, opts.dropped, o};
    svy_status rc = svy_rules_apply(rules, t, &opts, keep, &err);
    if (rc == SVY_OK)
        rc = svy_rules_write_kept(t, keep, o, &err);
    for (size_t i = 0; i < 3; i++) {
        svy_output *x = outs_o[i];
        outs_o[i] = NULL;
        if (x == NULL)
            continue;
        if (rc != SVY_OK)
            svy_output_abort(x);
        else
            rc = svy_output_commit(x, &err);
    }
    if (rc != SVY_OK)
        tool_die_err(&err);
    /* The summary: one line per rule, with the rows it touched. */
    for (size_t i = 0; i < svy_rules_count(rules); i++) {
        svy_rule_stat st;
        svy_rules_stat(rules, i, &st);
        fprintf(stderr, "%s: %s:%zu: %s: %zu row%s%s%s\n", progname, rules_path,
                st.line, st.keyword, st.rows, st.rows == 1 ? "" : "s",
                *st.message ? ": " : "", st.message);
    }
    size_t errors = svy_rules_errors(rules);
    free(keep);
    free(default_rules);
    svy_rules_free(rules);
    svy_table_free(t);
    svy_survey_free(survey);
    return tool_finish(strict && errors ? EXIT_CHECKS : EXIT_OK);
}
