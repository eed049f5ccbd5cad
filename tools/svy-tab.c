/*
 * svy-tab - weighted banner tables with design-based standard errors,
 * column significance letters and Rao-Scott tests.  The work is in the tab
 * module (include/svy/tab.h) over the design module.
 *
 * The design comes from the options, else from the survey folder's
 * survey.conf (strata, cluster, fpc, weight); an option always wins.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char usage[] =
    "usage: svy-tab [-s survey] [-w weight] [--strata var] [--cluster "
    "v1[,v2]]\n"
    "               [--fpc f1[,f2]] [--lonely policy] [--rows vars]\n"
    "               [--cols vars] [--mean vars] [--total vars]\n"
    "               [--filter expr] [--base valid|all]\n"
    "               [--ci logit|wald|wilson|kg] [--level p] [--sig a1[,a2]]\n"
    "               [--adjust none|bonferroni] [--min-base n]\n"
    "               [--spec file] [--calibrated targets]\n"
    "               [--calibration rake|greg] [--base-weight var]\n"
    "               [--lang en|ru|ky] [--format text|csv|json] [-o out] "
    "[file]\n";

static const char help[] =
    "Tabulate a CSV file (plain, .gz or stdin): proportions of each --rows\n"
    "variable, means (--mean) and totals (--total), in a total column and\n"
    "each --cols banner column, with design-based SEs, CIs and deff.\n"
    "\n"
    "  -s, --survey DIR      labels, missing codes and design from DIR\n"
    "  -w, --weight VAR      weight variable\n"
    "      --strata VAR      strata; --cluster PSU[,SSU]; --fpc F1[,F2]\n"
    "      --lonely POLICY   fail (default), adjust, average, certainty,\n"
    "                        remove\n"
    "      --base valid|all  leave user-missing codes out (default) or in\n"
    "      --ci METHOD       logit (default), wald, wilson, kg\n"
    "      --level P         confidence level (default 0.95)\n"
    "      --sig A1[,A2]     column-test levels (default 0.05)\n"
    "      --adjust METHOD   column tests: none (default) or bonferroni\n"
    "      --filter EXPR     estimate in a domain: VAR OP VALUE (OP == != <\n"
    "                        <= > >=) or VAR in V1,LO..HI, joined by and/or\n"
    "                        (the design keeps every PSU)\n"
    "      --min-base N      no column test below N rows (default 30)\n"
    "      --spec FILE       tables, nets and multiple-response sets from\n"
    "                        FILE (default with -s: SURVEY/tables.txt)\n"
    "      --calibrated TARGETS  SEs for weights raked or calibrated to the\n"
    "                        margins of TARGETS (svy-weight's targets file)\n"
    "      --calibration RULE  rake (default: R's rake()) or greg (R's\n"
    "                        calibrate(), postStratify())\n"
    "      --base-weight VAR  greg's regression weights (default: the\n"
    "                        survey's base_weight, else the weights)\n"
    "      --lang LANG       labels in en, ru or ky (default: the survey's)\n"
    "      --format FMT      text (default), csv (the table stream) or "
    "json\n" TOOL_CSV_HELP
    "  -o, --output FILE     write to FILE (default stdout)\n"
    "  -h, --help            show this help\n"
    "      --version         show the version\n"
    "\n" TOOL_EXIT_HELP;

enum {
    OPT_ADJUST = 256,
    OPT_BASE,
    OPT_BASEWEIGHT,
    OPT_CALIBRATED,
    OPT_CALIBRATION,
    OPT_CI,
    OPT_CLUSTER,
    OPT_COLS,
    OPT_FILTER,
    OPT_FORMAT,
    OPT_FPC,
    OPT_LANG,
    OPT_LEVEL,
    OPT_LONELY,
    OPT_MEAN,
    OPT_MINBASE,
    OPT_ROWS,
    OPT_SIG,
    OPT_SPEC,
    OPT_STRATA,
    OPT_TOTAL,
    OPT_VERSION
};

static const struct option longopts[] = {
    TOOL_CSV_LONGOPTS,
    {"help", no_argument, NULL, 'h'},
    {"output", required_argument, NULL, 'o'},
    {"survey", required_argument, NULL, 's'},
    {"weight", required_argument, NULL, 'w'},
    {"adjust", required_argument, NULL, OPT_ADJUST},
    {"base", required_argument, NULL, OPT_BASE},
    {"base-weight", required_argument, NULL, OPT_BASEWEIGHT},
    {"calibrated", required_argument, NULL, OPT_CALIBRATED},
    {"calibration", required_argument, NULL, OPT_CALIBRATION},
    {"ci", required_argument, NULL, OPT_CI},
    {"cluster", required_argument, NULL, OPT_CLUSTER},
    {"cols", required_argument, NULL, OPT_COLS},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"fpc", required_argument, NULL, OPT_FPC},
    {"lang", required_argument, NULL, OPT_LANG},
    {"level", required_argument, NULL, OPT_LEVEL},
    {"lonely", required_argument, NULL, OPT_LONELY},
    {"mean", required_argument, NULL, OPT_MEAN},
    {"min-base", required_argument, NULL, OPT_MINBASE},
    {"rows", required_argument, NULL, OPT_ROWS},
    {"sig", required_argument, NULL, OPT_SIG},
    {"spec", required_argument, NULL, OPT_SPEC},
    {"strata", required_argument, NULL, OPT_STRATA},
    {"total", required_argument, NULL, OPT_TOTAL},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* An option's value, else the survey.conf key's, else NULL. */
static const char *
conf(const char *opt, const svy_survey *sv, const char *key)
{
    const char *v = opt ? opt : sv ? svy_survey_get(sv, key) : NULL;
    return v && *v ? v : NULL;
}

/* DIR/tables.txt when it exists (the caller frees it), else NULL. */
static char *
default_spec(const char *dir)
{
    size_t n = strlen(dir) + sizeof("/tables.txt");
    char *p = malloc(n);
    FILE *f;

    if (p == NULL)
        tool_die(EXIT_IO, "out of memory");
    snprintf(p, n, "%s/tables.txt", dir);
    if ((f = fopen(p, "r")) == NULL) {
        free(p);
        return NULL;
    }
    fclose(f);
    return p;
}

/*
 * The codebook's id, text and date variables (num 0) or its numeric ones
 * (num 1), NULL-terminated (freed by the caller; the names are the
 * codebook's); NULL when out of memory.
 */
static const char **
vars_of(const svy_codebook *cb, int num)
{
    size_t i, n = 0, nv = svy_codebook_nvars(cb);
    const char **v = calloc(nv + 1, sizeof(*v));

    for (i = 0; v && i < nv; i++) {
        const svy_var *x = svy_codebook_var(cb, i);
        svy_vtype ty = svy_var_type(x);
        if (num ? ty == SVY_V_NUM
                : ty == SVY_V_ID || ty == SVY_V_TEXT || ty == SVY_V_DATE)
            v[n++] = svy_var_name(x);
    }
    return v;
}

int
main(int argc, char **argv)
{
    svy_tab_opts o = {0};
    svy_csv_opts csv = {0};
    svy_survey *sv = NULL;
    svy_table *t = NULL;
    svy_tab *tab = NULL;
    svy_output *out = NULL;
    const svy_tab_writer *writer;
    const char *dir = getenv("SVY_SURVEY"), *path = "-", *in = "-";
    const char *lang = NULL, *format = "text", *spec = NULL, *targets = NULL;
    svy_tab_spec *sp = NULL;
    svy_targets *tg = NULL;
    char *defspec = NULL;
    svy_err err = SVY_ERR_INIT;
    svy_status rc;
    int ch, n;
    char c;

    tool_init(argv[0]);
    while ((ch = getopt_long(argc, argv, "d:e:ho:s:w:", longopts, NULL)) !=
           -1) {
        switch (ch) {
        case 'h':
            fputs(usage, stdout);
            fputs(help, stdout);
            return tool_finish(EXIT_OK);
        case 'o': path = optarg; break;
        case 's': dir = optarg; break;
        case 'w': o.weight = optarg; break;
        case OPT_ADJUST:
            if (!svy_tab_adjust_parse(optarg, &o.adjust))
                tool_die(EXIT_USAGE,
                         "--adjust: expected none or bonferroni, got '%s'",
                         optarg);
            break;
        case OPT_BASE:
            if (strcmp(optarg, "all") != 0 && strcmp(optarg, "valid") != 0)
                tool_die(EXIT_USAGE, "--base: expected valid or all, got '%s'",
                         optarg);
            o.base_all = strcmp(optarg, "all") == 0;
            break;
        case OPT_BASEWEIGHT: o.base_weight = optarg; break;
        case OPT_CALIBRATED: targets = optarg; break;
        case OPT_CALIBRATION:
            if (strcmp(optarg, "rake") != 0 && strcmp(optarg, "greg") != 0)
                tool_die(EXIT_USAGE,
                         "--calibration: expected rake or greg, got '%s'",
                         optarg);
            o.calibration =
                optarg[0] == 'g' ? SVY_CALVAR_GREG : SVY_CALVAR_RAKE;
            break;
        case OPT_CI:
            if (!svy_ci_method_parse(optarg, &o.ci))
                tool_die(EXIT_USAGE,
                         "--ci: expected logit, wald, wilson or kg, got '%s'",
                         optarg);
            break;
        case OPT_CLUSTER: o.cluster = optarg; break;
        case OPT_COLS: o.cols = optarg; break;
        case OPT_FILTER: o.filter = optarg; break;
        case OPT_FORMAT: format = optarg; break;
        case OPT_FPC: o.fpc = optarg; break;
        case OPT_LANG: lang = optarg; break;
        case OPT_LEVEL:
            o.level = tool_double_arg(optarg, "--level");
            if (!(o.level > 0 && o.level < 1))
                tool_die(EXIT_USAGE,
                         "--level: expected a number in (0, 1), "
                         "got '%s'",
                         optarg);
            break;
        case OPT_LONELY:
            if (!svy_lonely_parse(optarg, &o.lonely))
                tool_die(EXIT_USAGE,
                         "--lonely: expected fail, adjust, average, "
                         "certainty or remove, got '%s'",
                         optarg);
            break;
        case OPT_MEAN: o.means = optarg; break;
        case OPT_MINBASE:
            o.min_base = (double)tool_int_arg(optarg, "--min-base", 1, 1000000);
            break;
        case OPT_ROWS: o.rows = optarg; break;
        case OPT_SIG:
            n = sscanf(optarg, "%lf,%lf%c", &o.sig[0], &o.sig[1], &c);
            if (n < 1 || n > 2 || !(o.sig[0] > 0 && o.sig[0] < 1) ||
                (n == 2 && !(o.sig[1] > 0 && o.sig[1] < o.sig[0])))
                tool_die(EXIT_USAGE,
                         "--sig: expected A1[,A2] with "
                         "0 < A2 < A1 < 1, got '%s'",
                         optarg);
            break;
        case OPT_SPEC: spec = optarg; break;
        case OPT_STRATA: o.strata = optarg; break;
        case OPT_TOTAL: o.totals = optarg; break;
        case OPT_VERSION: tool_version();
        default:
            if (!tool_csv_option(ch, optarg, &csv))
                tool_usage(usage);
        }
    }
    if (argc - optind > 1)
        tool_usage(usage);
    if ((writer = svy_tab_writer_find(format)) == NULL)
        tool_die(EXIT_USAGE, "--format: expected text, csv or json, got '%s'",
                 format);
    if (lang && svy_lang_parse(lang, &o.lang) < 0)
        tool_die(EXIT_USAGE, "--lang: expected en, ru or ky, got '%s'", lang);
    if (spec && (o.rows || o.means || o.totals))
        tool_die(EXIT_USAGE, "--spec: not with --rows, --mean or --total");
    if (spec == NULL && !o.rows && !o.means && !o.totals && dir && *dir)
        spec = defspec = default_spec(dir);
    if (spec == NULL && !o.rows && !o.means && !o.totals)
        tool_die(EXIT_USAGE, "nothing to tabulate: give --rows, --mean, "
                             "--total or --spec");
    if (optind < argc)
        in = argv[optind];
    tool_check_output(path, in);
    if (dir && *dir && svy_survey_open(&sv, dir, &err) != SVY_OK)
        tool_die_err(&err);
    tool_check_survey_output(sv, path);
    if (sv) {
        o.codebook = svy_survey_codebook(sv);
        if (lang == NULL)
            o.lang = svy_survey_lang(sv);
    }
    o.weight = conf(o.weight, sv, "weight");
    o.strata = conf(o.strata, sv, "strata");
    o.cluster = conf(o.cluster, sv, "cluster");
    o.fpc = conf(o.fpc, sv, "fpc");
    o.base_weight = conf(o.base_weight, sv, "base_weight");
    if ((spec && svy_tab_spec_read(&sp, spec, &err)) ||
        (targets &&
         svy_targets_read(&tg, targets, tool_note, NULL, &err) != SVY_OK))
        tool_die_err(&err);
    o.spec = sp;
    o.spec_name = spec;
    o.calibrated = tg;
    /*
     * Integer columns come back numeric, as typing would make them; the
     * codebook's ids, text and dates are read as text straight away, and
     * its numeric variables as numbers however they are written ("1.50"),
     * as svy_codebook_apply would make them.
     */
    if (o.codebook && (!(csv.text = vars_of(o.codebook, 0)) ||
                       !(csv.num = vars_of(o.codebook, 1))))
        tool_die(EXIT_IO, "out of memory");
    if (svy_csv_read_file_typed(&t, in, &csv, NULL, &err) ||
        (o.codebook ? svy_codebook_apply(o.codebook, t, &err)
                    : svy_table_infer_types(t, NULL, &err)))
        tool_die_err(&err);
    if (svy_tab_run(&tab, t, &o, &err) || svy_output_open(&out, path, &err))
        tool_die_err(&err);
    if ((rc = svy_tab_write(tab, writer, out, &err)) != SVY_OK) {
        svy_output_abort(out);
        tool_die_err(&err);
    }
    if (svy_output_commit(out, &err) != SVY_OK)
        tool_die_err(&err);
    free((void *)csv.text);
    free((void *)csv.num);
    svy_tab_free(tab);
    svy_tab_spec_free(sp);
    svy_targets_free(tg);
    free(defspec);
    svy_table_free(t);
    svy_survey_free(sv);
    return tool_finish(EXIT_OK);
}
