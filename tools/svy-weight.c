/*
 * svy-weight - weight the data stream to population targets: raking,
 * post-stratification, linear or logit calibration, trimming; append the
 * weight column and report diagnostics.  The work is in the weight module
 * (include/svy/weight.h); the report in wreport.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static const char usage[] =
    "usage: svy-weight [-s survey] -t targets [-m method] [-b base]\n"
    "                  [-w name] [--cap max] [--floor min] [--bounds L,U]\n"
    "                  [--tolerance e] [--max-iter n] [--missing how]\n"
    "                  [--population n] [--report file] [--keep-last] [-v]\n"
    "                  [-d delim] [-e enc] [-o out] [file]\n";

static const char help[] =
    "Weight a CSV file to the population targets of TARGETS\n"
    "(variable,category,target) and write it with the weight column added.\n"
    "\n"
    "  -s, --survey DIR      targets, base weight, weight name, id, labels\n"
    "  -t, --targets FILE    targets (default: DIR/targets.csv)\n"
    "  -m, --method M        rake (default), poststrat, linear or logit\n"
    "  -b, --base COL        base (design) weights (default: 1 each)\n"
    "  -w, --weight NAME     weight column to write (default: weight)\n"
    "      --cap MAX         trim weights above MAX times the mean\n"
    "      --floor MIN       trim weights below MIN times the mean\n"
    "      --bounds L,U      bounds on final/base (linear, logit)\n"
    "      --tolerance E     relative tolerance (default 1e-10)\n"
    "      --max-iter N      sweeps or Newton steps (default 1000)\n"
    "      --missing HOW     error (default) or category\n"
    "      --population N    total the weights sum to with share targets\n"
    "      --report FILE     write diagnostics as JSON; summary on stderr\n"
    "      --keep-last       write the data even when not converged\n"
    "  -v, --verbose         summary on stderr\n" TOOL_CSV_HELP
    "  -o, --output FILE     write to FILE (default stdout)\n"
    "  -h, --help            show this help\n"
    "      --version         show the version\n"
    "\n" TOOL_EXIT_HELP;

enum {
    OPT_BOUNDS = 256,
    OPT_CAP,
    OPT_FLOOR,
    OPT_KEEP,
    OPT_MAXIT,
    OPT_MISSING,
    OPT_POP,
    OPT_REPORT,
    OPT_TOL,
    OPT_VERSION
};

static const struct option longopts[] = {
    {"base", required_argument, NULL, 'b'},
    TOOL_CSV_LONGOPTS,
    {"help", no_argument, NULL, 'h'},
    {"method", required_argument, NULL, 'm'},
    {"output", required_argument, NULL, 'o'},
    {"survey", required_argument, NULL, 's'},
    {"targets", required_argument, NULL, 't'},
    {"verbose", no_argument, NULL, 'v'},
    {"weight", required_argument, NULL, 'w'},
    {"bounds", required_argument, NULL, OPT_BOUNDS},
    {"cap", required_argument, NULL, OPT_CAP},
    {"floor", required_argument, NULL, OPT_FLOOR},
    {"keep-last", no_argument, NULL, OPT_KEEP},
    {"max-iter", required_argument, NULL, OPT_MAXIT},
    {"missing", required_argument, NULL, OPT_MISSING},
    {"population", required_argument, NULL, OPT_POP},
    {"report", required_argument, NULL, OPT_REPORT},
    {"tolerance", required_argument, NULL, OPT_TOL},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Write the data (or the report) through a temporary file. */
/*
 * The columns weighting reads: every margin's variables, the base weight
 * and the id; the others are carried through as text.  NULL-terminated;
 * the strings are borrowed from 'tg' and 'o'.  NULL when out of memory.
 */
static const char **
needed_columns(const svy_targets *tg, const svy_weight_opts *o)
{
    size_t i, j, n = 0, cap = 3;
    const char **v;

    for (i = 0; i < svy_targets_nmargins(tg); i++)
        cap += svy_margin_nvars(svy_targets_margin(tg, i));
    if ((v = calloc(cap, sizeof(*v))) == NULL)
        return NULL;
    for (i = 0; i < svy_targets_nmargins(tg); i++) {
        const svy_margin *m = svy_targets_margin(tg, i);
        for (j = 0; j < svy_margin_nvars(m); j++)
            v[n++] = svy_margin_var(m, j);
    }
    if (o->base)
        v[n++] = o->base;
    if (o->id)
        v[n++] = o->id;
    return v;
}

static void
write_out(const char *path, const svy_records *rec, const char *name,
          const svy_weight_result *res)
{
    svy_output *o = NULL;
    svy_err err = SVY_ERR_INIT;

    if (svy_output_open(&o, path, &err) ||
        (rec ? svy_records_write(rec, &name, 1, o, &err)
             : svy_wreport_json(res, o, &err))) {
        svy_output_abort(o);
        tool_die_err(&err);
    }
    if (svy_output_commit(o, &err) != SVY_OK)
        tool_die_err(&err);
}

int
main(int argc, char **argv)
{
    svy_weight_opts o = {0};
    svy_csv_opts csv = {0};
    svy_survey *sv = NULL;
    svy_targets *tg = NULL;
    svy_records *rec = NULL;
    svy_table *t = NULL;
    const char **keep = NULL;
    svy_weight_result *res = NULL;
    svy_buf sum = SVY_BUF_INIT;
    const char *dir = getenv("SVY_SURVEY"), *tpath = NULL, *out = "-";
    const char *in = "-", *report = NULL;
    char *tdef = NULL, *line;
    svy_err err = SVY_ERR_INIT;
    svy_status rc;
    int ch, verbose = 0;
    char c;

    tool_init(argv[0]);
    while ((ch = getopt_long(argc, argv, "b:d:e:hm:o:s:t:vw:", longopts,
                             NULL)) != -1) {
        switch (ch) {
        case 'b': o.base = optarg; break;
        case 'h':
            fputs(usage, stdout);
            fputs(help, stdout);
            return tool_finish(EXIT_OK);
        case 'm':
            if (svy_weight_method_parse(optarg, &o.method) < 0)
                tool_die(EXIT_USAGE,
                         "-m: expected rake, poststrat, linear or "
                         "logit, got '%s'",
                         optarg);
            break;
        case 'o': out = optarg; break;
        case 's': dir = optarg; break;
        case 't': tpath = optarg; break;
        case 'v': verbose = 1; break;
        case 'w': o.name = optarg; break;
        case OPT_BOUNDS: /* checked by the library: 0 <= L < 1 < U */
            if (sscanf(optarg, "%lf,%lf%c", &o.lower, &o.upper, &c) != 2)
                tool_die(EXIT_USAGE, "--bounds: expected L,U, got '%s'",
                         optarg);
            break;
        case OPT_CAP: o.cap = tool_double_arg(optarg, "--cap"); break;
        case OPT_FLOOR: o.floor_at = tool_double_arg(optarg, "--floor"); break;
        case OPT_KEEP: o.keep_last = 1; break;
        case OPT_MAXIT:
            o.max_iter =
                (size_t)tool_int_arg(optarg, "--max-iter", 1, 10000000);
            break;
        case OPT_MISSING:
            if (svy_weight_missing_parse(optarg, &o.missing) < 0)
                tool_die(EXIT_USAGE,
                         "--missing: expected error or category, "
                         "got '%s'",
                         optarg);
            break;
        case OPT_POP:
            o.population = tool_double_arg(optarg, "--population");
            break;
        case OPT_REPORT: report = optarg; break;
        case OPT_TOL:
            o.tolerance = tool_double_arg(optarg, "--tolerance");
            break;
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
    tool_check_output(out, in);
    tool_check_output(report, in);
    if (report && svy_same_output(report, out))
        tool_die(EXIT_USAGE, "--report and the output are the same file '%s'",
                 report);
    if (dir && *dir) {
        if (svy_survey_open(&sv, dir, &err) != SVY_OK)
            tool_die_err(&err);
        if (tpath == NULL &&
            (tpath = tdef = svy_survey_path(sv, "targets.csv")) == NULL)
            tool_die(EXIT_IO, "out of memory");
        if (o.base == NULL)
            o.base = svy_survey_get(sv, "base_weight");
        if (o.name == NULL)
            o.name = svy_survey_get(sv, "weight");
        o.id = svy_survey_get(sv, "id");
        o.codebook = svy_survey_codebook(sv);
    }
    if (tpath == NULL)
        tool_die(EXIT_USAGE, "no targets: give -t TARGETS or -s SURVEY");
    tool_check_output(out, tpath);
    tool_check_output(report, tpath);
    tool_check_survey_output(sv, out);
    tool_check_survey_output(sv, report);
    o.source = strcmp(in, "-") == 0 ? "<stdin>" : in;
    o.note = tool_note;
    /* Formatted as written, on two threads (svy_records_write). */
    o.numeric_column = 1;
    if (o.name == NULL)
        o.name = "weight";
    if (svy_targets_read(&tg, tpath, tool_note, NULL, &err))
        tool_die_err(&err);
    if ((keep = needed_columns(tg, &o)) == NULL)
        tool_die(EXIT_IO, "out of memory");
    if (svy_records_read(&rec, in, &csv, keep, o.name, &err))
        tool_die_err(&err);
    t = svy_records_table(rec);
    rc = svy_weight_run(t, tg, &o, &res, &err);
    if (rc != SVY_OK && rc != SVY_ENOCONV)
        tool_die_err(&err);
    if (report)
        write_out(report, NULL, NULL, res);
    if ((report || verbose) && svy_wreport_text(res, &sum) == SVY_OK)
        for (line = strtok(sum.data, "\n"); line; line = strtok(NULL, "\n"))
            tool_warn("%s", line);
    if (rc == SVY_OK || o.keep_last)
        write_out(out, rec, o.name, NULL);
    if (rc != SVY_OK)
        tool_warn("%s", err.msg);
    svy_buf_release(&sum);
    svy_weight_result_free(res);
    svy_records_free(rec);
    free(keep);
    svy_targets_free(tg);
    svy_survey_free(sv);
    free(tdef);
    return tool_finish(tool_exit_code(rc));
}
