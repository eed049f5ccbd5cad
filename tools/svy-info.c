/*
 * svy-info - describe a dataset: one line per variable, frequency tables
 * (optionally weighted) with labels, or a draft codebook guessed from the
 * data.  The work is in the describe module (include/svy/describe.h).
 *
 * Options are checked before any file is opened, and the output is opened
 * only once the input has been read and typed, so bad input creates no
 * file, not even a temporary one.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char usage[] =
    "usage: svy-info [-s survey] [-w weight] [--freq var,...]\n"
    "                [--codebook-draft] [--lang en|ru|ky] [-d delim]\n"
    "                [-e utf-8|cp1251|auto] [--decimal-comma|--decimal-point]\n"
    "                [--values file] [-o out] [file]\n";

static const char help[] =
    "Describe a CSV file (plain, .gz or stdin) or an SPSS, Stata or SAS file\n"
    "(.sav .zsav .por .dta .sas7bdat): rows, columns, and for each variable\n"
    "its type, valid and missing counts, distinct values, minimum, maximum\n"
    "and label; or frequency tables; or a draft codebook.csv.  Labels and\n"
    "user-missing codes of an SPSS/Stata/SAS file are used unless -s is "
    "given.\n"
    "\n"
    "  -s, --survey DIR      labels, types and missing codes from DIR\n"
    "  -w, --weight VAR      add weighted counts and percents to --freq\n"
    "      --freq VAR,...    frequency table of each variable\n"
    "      --codebook-draft  write a draft codebook.csv instead\n"
    "      --values FILE     with --codebook-draft: the file's value labels\n"
    "                        as values.csv\n"
    "      --lang LANG       labels in en, ru or ky (default: the "
    "survey's)\n" TOOL_CSV_HELP
    "  -o, --output FILE     write to FILE (default stdout)\n"
    "  -h, --help            show this help\n"
    "      --version         show the version\n"
    "\n"
    "An unknown --freq or -w variable is a usage error (2); a missing,\n"
    "negative or non-numeric weight is bad input (3).\n"
    "\n" TOOL_EXIT_HELP;

enum { OPT_DRAFT = 256, OPT_FREQ, OPT_LANG, OPT_VALUES, OPT_VERSION };

static const struct option longopts[] = {
    TOOL_CSV_LONGOPTS,
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {"survey", required_argument, NULL, 's'},
    {"weight", required_argument, NULL, 'w'},
    {"codebook-draft", no_argument, NULL, OPT_DRAFT},
    {"freq", required_argument, NULL, OPT_FREQ},
    {"lang", required_argument, NULL, OPT_LANG},
    {"values", required_argument, NULL, OPT_VALUES},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

int
main(int argc, char **argv)
{
    svy_describe_opts opts = {0};
    svy_csv_opts csv = {0};
    svy_survey *survey = NULL;
    svy_table *t = NULL;
    svy_output *o = NULL, *ov = NULL;
    svy_foreign_meta *meta = NULL;
    svy_codebook *fcb = NULL;
    svy_buf freq = SVY_BUF_INIT;
    /* SVY_SURVEY is the default for -s; an empty value means no survey. */
    const char *survey_dir = getenv("SVY_SURVEY"), *out = "-", *in = "-";
    const char *values = NULL;
    svy_err err = SVY_ERR_INIT;
    svy_status rc;
    const char *lang = NULL;
    int ch, draft = 0;

    tool_init(argv[0]);
    while ((ch = getopt_long(argc, argv, "d:e:ho:s:w:", longopts, NULL)) !=
           -1) {
        switch (ch) {
        case 'h':
            fputs(usage, stdout);
            fputs(help, stdout);
            return tool_finish(EXIT_OK);
        case 'o': out = optarg; break;
        case 's': survey_dir = optarg; break;
        case 'w': opts.weight = optarg; break;
        case OPT_DRAFT: draft = 1; break;
        /* The --freq option may be repeated: the lists are joined. */
        case OPT_FREQ:
            if ((freq.len && svy_buf_putc(&freq, ',')) ||
                svy_buf_puts(&freq, optarg))
                tool_die(EXIT_IO, "out of memory");
            break;
        case OPT_LANG: lang = optarg; break;
        case OPT_VALUES: values = optarg; break;
        case OPT_VERSION: tool_version();
        default:
            if (!tool_csv_option(ch, optarg, &csv))
                tool_usage(usage);
        }
    }
    /* One input at most: the description is of a single file. */
    if (argc - optind > 1)
        tool_usage(usage);
    if (draft && freq.len)
        tool_die(EXIT_USAGE, "--codebook-draft and --freq exclude each other");
    if (opts.weight && !freq.len)
        tool_die(EXIT_USAGE, "-w weights frequencies: add --freq");
    if (lang && svy_lang_parse(lang, &opts.lang) < 0)
        tool_die(EXIT_USAGE, "--lang: expected en, ru or ky, got '%s'", lang);
    if (optind < argc)
        in = argv[optind];
    if (values && !(draft && svy_foreign_is_foreign(in)))
        tool_die(EXIT_USAGE, "--values needs --codebook-draft and a .sav, "
                             ".zsav, .por, .dta or .sas7bdat file");
    if (values && svy_same_output(values, out))
        tool_die(EXIT_USAGE, "--values and the output are the same file '%s'",
                 values);
    /* Refuse an output that would replace the file being described. */
    tool_check_output(out, in);
    tool_check_output(values, in);
    if (survey_dir && *survey_dir &&
        svy_survey_open(&survey, survey_dir, &err) != SVY_OK)
        tool_die_err(&err);
    tool_check_survey_output(survey, out);
    tool_check_survey_output(survey, values);
    /* An explicit --lang wins over the survey's own language. */
    if (survey) {
        opts.codebook = svy_survey_codebook(survey);
        if (lang == NULL)
            opts.lang = svy_survey_lang(survey);
    }
    /* The name the description gives for the data. */
    opts.source = strcmp(in, "-") == 0 ? "<stdin>" : in;
    /*
     * An SPSS/Stata/SAS file comes typed, with its missing codes attached;
     * its own labels serve as the codebook when no survey is given.
     */
    if (svy_foreign_is_foreign(in)) {
        if (svy_foreign_read(&t, &meta, in, &err) ||
            svy_foreign_codebook(meta, t, &fcb, &err))
            tool_die_err(&err);
        if (opts.codebook == NULL)
            opts.codebook = fcb;
        if (survey && !draft && svy_codebook_apply(opts.codebook, t, &err))
            tool_die_err(&err);
    } else if (svy_csv_read_file(&t, in, &csv, NULL, &err) ||
               /* A draft guesses types from the data alone. */
               (opts.codebook && !draft
                    ? svy_codebook_apply(opts.codebook, t, &err)
                    : svy_table_infer_types(t, NULL, &err)))
        tool_die_err(&err);
    if (svy_output_open(&o, out, &err))
        tool_die_err(&err);
    if (values && svy_output_open(&ov, values, &err)) {
        svy_output_abort(o);
        tool_die_err(&err);
    }
    if (draft) {
        rc = svy_describe_draft(t, &opts, o, &err);
        if (rc == SVY_OK && ov)
            rc = svy_foreign_write_values(meta, ov, &err);
    } else if (freq.len)
        rc = svy_describe_freqs(t, freq.data, &opts, o, &err);
    else
        rc = svy_describe_write(t, &opts, o, &err);
    /* Abort removes the temporary file: no half-written output file. */
    if (rc != SVY_OK) {
        svy_output_abort(o);
        svy_output_abort(ov);
        tool_die_err(&err);
    }
    if ((ov && svy_output_commit(ov, &err) != SVY_OK) ||
        svy_output_commit(o, &err) != SVY_OK)
        tool_die_err(&err);
    svy_buf_release(&freq);
    svy_table_free(t);
    svy_codebook_free(fcb);
    svy_foreign_meta_free(meta);
    svy_survey_free(survey);
    return tool_finish(EXIT_OK);
}
