/*
 * time-calls -- svy-tab's estimation calls on one thread: on the benchmark
 * file of gen-tab (code 8 user-missing), the factor of each question and
 * its proportions by region, sex and agegrp (svy_design_props with
 * covariances and Rao-Scott, SVY_EST_ONE_THREAD), as svy-tab calls them;
 * seconds per kind, summed over the questions.
 *
 *   time-calls FILE [QUESTIONS [ROUNDS]]      (defaults 20 and 1)
 *
 * Build (after make): cc -O2 -Iinclude -o build/bench/time-calls
 *   tests/bench/time-calls.c build/libsvy.a
 *   $(pkg-config --libs zlib gsl xlsxwriter) -lreadstat -lcsv -lm -lpthread
 * Used for the calls' figures in tests/bench/README.md (svy-tab, step 6);
 * under valgrind --tool=callgrind on the 100k file for instruction counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "svy/csv.h"
#include "svy/design.h"
#include "svy/estimate.h"
#include "svy/factor.h"
#include "svy/table.h"

static double
seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int
die(const svy_err *err)
{
    fprintf(stderr, "time-calls: %s\n", err->msg);
    return 1;
}

int
main(int argc, char **argv)
{
    static const char *const banner[3] = {"region", "sex", "agegrp"};
    static const char *const dk[] = {"8"};
    svy_design_opts dop = {
        .weight = "w", .strata = "stratum", .cluster = {"psu", NULL}};
    svy_err err = SVY_ERR_INIT;
    svy_table *t = NULL;
    svy_design *d = NULL;
    svy_factor *bf[3] = {NULL, NULL, NULL};
    double tb[3] = {0, 0, 0}, tf = 0, t0;
    int nq, rounds, q, r, b;
    char name[16];

    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: time-calls FILE [QUESTIONS [ROUNDS]]\n");
        return 2;
    }
    nq = argc > 2 ? atoi(argv[2]) : 20;
    rounds = argc > 3 ? atoi(argv[3]) : 1;
    gsl_set_error_handler_off();
    if (svy_csv_read_file_typed(&t, argv[1], NULL, NULL, &err) != SVY_OK)
        return die(&err);
    for (q = 1; q <= 20; q++) {
        snprintf(name, sizeof(name), "q%d", q);
        if (svy_column_set_user_missing(svy_table_find(t, name), dk, 1, &err))
            return die(&err);
    }
    if (svy_design_new(&d, t, &dop, &err) != SVY_OK)
        return die(&err);
    for (b = 0; b < 3; b++)
        if (svy_factor_new(&bf[b], t, banner[b], NULL, 0, &err) != SVY_OK)
            return die(&err);
    for (r = 0; r < rounds; r++)
        for (q = 1; q <= nq; q++) {
            svy_factor *f = NULL;

            snprintf(name, sizeof(name), "q%d", q);
            t0 = seconds();
            if (svy_factor_new(&f, t, name, NULL, 0, &err) != SVY_OK)
                return die(&err);
            tf += seconds() - t0;
            for (b = 0; b < 3; b++) {
                svy_est_opts eo = {.level = 0.95,
                                   .flags = SVY_EST_ONE_THREAD | SVY_EST_COV |
                                            SVY_EST_CHISQ};
                svy_estimates *e = NULL;

                t0 = seconds();
                if (svy_design_props(&e, d, f, bf[b], NULL, &eo, &err))
                    return die(&err);
                tb[b] += seconds() - t0;
                svy_estimates_free(e);
            }
            svy_factor_free(f);
        }
    printf("factor %.3f region %.3f sex %.3f agegrp %.3f  sum %.3f\n", tf,
           tb[0], tb[1], tb[2], tf + tb[0] + tb[1] + tb[2]);
    for (b = 0; b < 3; b++)
        svy_factor_free(bf[b]);
    svy_design_free(d);
    svy_table_free(t);
    return 0;
}
