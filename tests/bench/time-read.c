/*
 * time-read -- the typed read of svy-tab alone: svy_csv_read_file_typed on
 * FILE, its wall, user and system seconds, and the rows.
 *
 *   time-read FILE
 *
 * Build (after make): cc -O2 -Iinclude -o build/bench/time-read
 *   tests/bench/time-read.c build/libsvy.a
 *   $(pkg-config --libs zlib gsl xlsxwriter) -lreadstat -lcsv -lm -lpthread
 * Used for the reader's figures in tests/bench/README.md (svy-tab, step 6):
 * run it alternately with a build of another commit and compare medians.
 */
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "svy/csv.h"
#include "svy/table.h"

static double
seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double
tv(struct timeval t)
{
    return (double)t.tv_sec + 1e-6 * (double)t.tv_usec;
}

int
main(int argc, char **argv)
{
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;
    struct rusage a, b;
    double t0;

    if (argc != 2) {
        fprintf(stderr, "usage: time-read FILE\n");
        return 2;
    }
    getrusage(RUSAGE_SELF, &a);
    t0 = seconds();
    if (svy_csv_read_file_typed(&t, argv[1], NULL, NULL, &err) != SVY_OK) {
        fprintf(stderr, "time-read: %s\n", err.msg);
        return 1;
    }
    t0 = seconds() - t0;
    getrusage(RUSAGE_SELF, &b);
    printf("wall %.3f user %.3f sys %.3f rows %zu\n", t0,
           tv(b.ru_utime) - tv(a.ru_utime), tv(b.ru_stime) - tv(a.ru_stime),
           svy_table_nrows(t));
    svy_table_free(t);
    return 0;
}
