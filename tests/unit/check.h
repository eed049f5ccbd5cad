/*
 * check.h - the unit-test harness: a few CHECK macros, a case table and a
 * main that runs the cases and ends with "N passed, N failed".
 *
 * A test file defines its cases as static void functions, lists them in
 *     static const struct check_case cases[] = { CASE(test_x), ... };
 * and ends with CHECK_MAIN(cases).  Every CHECK counts as one check; a
 * failed one prints file:line and the values and the case goes on, so one
 * run shows every failure.  The harness switches GSL's aborting error
 * handler off, as tool_init() does for the programs.
 */
#ifndef SVY_CHECK_H
#define SVY_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

static int check_passed, check_failed;

#define CHECK_REPORT(ok, ...)                                                  \
    do {                                                                       \
        if (ok) {                                                              \
            check_passed++;                                                    \
        } else {                                                               \
            check_failed++;                                                    \
            fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);              \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

#define CHECK(cond) CHECK_REPORT((cond), "%s", #cond)

#define CHECK_INT(a, b)                                                        \
    do {                                                                       \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);        \
        CHECK_REPORT(check_a_ == check_b_, "%s == %s: %lld != %lld", #a, #b,   \
                     check_a_, check_b_);                                      \
    } while (0)

#define CHECK_STR(a, b)                                                        \
    do {                                                                       \
        const char *check_a_ = (a), *check_b_ = (b);                           \
        CHECK_REPORT(check_a_ &&check_b_ &&strcmp(check_a_, check_b_) == 0,    \
                     "%s == %s: \"%s\" != \"%s\"", #a, #b,                     \
                     check_a_ ? check_a_ : "(null)",                           \
                     check_b_ ? check_b_ : "(null)");                          \
    } while (0)

/* |a - b| <= tol, or both NaN. */
#define CHECK_NEAR(a, b, tol)                                                  \
    do {                                                                       \
        double check_a_ = (a), check_b_ = (b);                                 \
        CHECK_REPORT((isnan(check_a_) && isnan(check_b_)) ||                   \
                         fabs(check_a_ - check_b_) <= (tol),                   \
                     "%s ~ %s: %.17g != %.17g (tol %g)", #a, #b, check_a_,     \
                     check_b_, (double)(tol));                                 \
    } while (0)

/* Exactly the same double (bit-for-bit apart from NaN payloads). */
#define CHECK_DBL(a, b)                                                        \
    do {                                                                       \
        double check_a_ = (a), check_b_ = (b);                                 \
        CHECK_REPORT(check_a_ == check_b_ &&                                   \
                         signbit(check_a_) == signbit(check_b_),               \
                     "%s == %s: %.17g != %.17g", #a, #b, check_a_, check_b_);  \
    } while (0)

struct check_case {
    const char *name;
    void (*fn)(void);
};

#define CASE(fn)                                                               \
    {                                                                          \
#fn, fn                                                                \
    }

#define CHECK_MAIN(cases)                                                      \
    int main(void)                                                             \
    {                                                                          \
        size_t i_;                                                             \
        gsl_set_error_handler_off();                                           \
        for (i_ = 0; i_ < sizeof(cases) / sizeof(cases[0]); i_++) {            \
            int before_ = check_failed;                                        \
            cases[i_].fn();                                                    \
            if (check_failed != before_)                                       \
                fprintf(stderr, "  in %s\n", cases[i_].name);                  \
        }                                                                      \
        printf("%s: %d passed, %d failed\n", __FILE__, check_passed,           \
               check_failed);                                                  \
        return check_failed != 0;                                              \
    }

#endif
