/*
 * test_calibrate.c - the solvers on problems stated directly: IPF on a
 * 2×2 table, GREG by hand, logit within its bounds, unreachable targets
 * and malformed problems.
 */
#include "svy/calibrate.h"

#include <math.h>
#include <string.h>

#include "check.h"

/* Cells of a 2×2 table: margin 0 is the row, margin 1 the column. */
static const uint32_t rows2[] = {0, 0, 1, 1}, cols2[] = {0, 1, 0, 1};
static const uint32_t *const cat2[] = {rows2, cols2};
static const size_t ncats2[] = {2, 2};

static void
test_calibrate_ipf(void)
{
    /* [[3, 1], [1, 5]] to rows 5, 5 and columns 3, 7: the (1,1) cell
     * solves 14x² - 122x + 225 = 0 (odds ratio 15 kept). */
    const double d[] = {3, 1, 1, 5}, tr[] = {5, 5}, tc[] = {3, 7};
    const double *tg[] = {tr, tc};
    svy_calib p;
    svy_calib_info info;
    double g[4], x = (122 - sqrt(122.0 * 122 - 4 * 14 * 225)) / 28;

    memset(&p, 0, sizeof(p));
    p.nunits = 4;
    p.d = d;
    p.nmargins = 2;
    p.cat = cat2;
    p.ncats = ncats2;
    p.target = tg;
    p.total = 10;
    CHECK_INT(svy_calib_ipf(&p, g, &info, NULL), SVY_OK);
    CHECK_NEAR(3 * g[0], x, 1e-10);
    CHECK_NEAR(5 * g[3], 2 + x, 1e-10);
    CHECK_INT(info.converged, 1);
    CHECK(info.iterations > 2 && info.iterations < 100);
    CHECK(info.error <= 1e-10);
    CHECK(info.max_change < 1e-10);
    /* One sweep is not enough: the worst constraint is named. */
    p.max_iter = 1;
    CHECK_INT(svy_calib_ipf(&p, g, &info, NULL), SVY_ENOCONV);
    CHECK_INT(info.converged, 0);
    CHECK_INT(info.worst, SVY_CALIB_CAT);
    CHECK_INT(info.margin, 0);
    CHECK_DBL(info.target, 5);
}

static void
test_calibrate_unreachable(void)
{
    /* Row 1 has no base weight left but a target of 5. */
    const double d[] = {3, 1, 0, 0}, tr[] = {5, 5}, tc[] = {3, 7};
    const double *tg[] = {tr, tc};
    svy_calib p;
    svy_calib_info info;
    svy_err err = SVY_ERR_INIT;
    double g[4];

    memset(&p, 0, sizeof(p));
    p.nunits = 4;
    p.d = d;
    p.nmargins = 2;
    p.cat = cat2;
    p.ncats = ncats2;
    p.target = tg;
    p.total = 10;
    CHECK_INT(svy_calib_ipf(&p, g, &info, &err), SVY_ENOCONV);
    CHECK_INT(info.worst, SVY_CALIB_CAT);
    CHECK_INT(info.margin, 0);
    CHECK_INT(info.index, 1);
    CHECK_DBL(info.achieved, 0);
    CHECK_INT(svy_calib_newton(&p, g, &info, &err), SVY_ENOCONV);
    CHECK_INT(info.index, 1);
}

static void
test_calibrate_greg(void)
{
    /* x = 1..4 to totals (4, 12): g = 0.4x (see test_weight.c). */
    const double d[] = {1, 1, 1, 1}, x[] = {1, 2, 3, 4}, tx = 12;
    const double *xs[] = {x};
    svy_calib p;
    svy_calib_info info;
    double g[4];
    int i;

    memset(&p, 0, sizeof(p));
    p.nunits = 4;
    p.d = d;
    p.nnum = 1;
    p.x = xs;
    p.num_target = &tx;
    p.total = 4;
    p.calfun = SVY_CAL_LINEAR;
    CHECK_INT(svy_calib_newton(&p, g, &info, NULL), SVY_OK);
    for (i = 0; i < 4; i++)
        CHECK_NEAR(g[i], 0.4 * x[i], 1e-14);
    CHECK_INT(info.iterations, 1);
    /* IPF refuses auxiliaries. */
    CHECK_INT(svy_calib_ipf(&p, g, &info, NULL), SVY_EINVAL);
    /* Raking: g = exp(a + bx), the same totals. */
    p.calfun = SVY_CAL_RAKING;
    CHECK_INT(svy_calib_newton(&p, g, &info, NULL), SVY_OK);
    CHECK_NEAR(g[0] + g[1] + g[2] + g[3], 4, 1e-12);
    CHECK_NEAR(g[0] + 2 * g[1] + 3 * g[2] + 4 * g[3], 12, 1e-12);
    CHECK_NEAR(g[1] * g[1], g[0] * g[2], 1e-12);
    CHECK(info.iterations < 10);
    /* Logit within (0.3, 1.7). */
    p.calfun = SVY_CAL_LOGIT;
    p.lower = 0.3;
    p.upper = 1.7;
    CHECK_INT(svy_calib_newton(&p, g, &info, NULL), SVY_OK);
    for (i = 0; i < 4; i++)
        CHECK(g[i] > 0.3 && g[i] < 1.7);
    CHECK_NEAR(g[0] + 2 * g[1] + 3 * g[2] + 4 * g[3], 12, 1e-10);
    CHECK(info.iterations < 20);
    /* Bounds that do not hold 1 between them. */
    p.lower = 1.1;
    CHECK_INT(svy_calib_newton(&p, g, &info, NULL), SVY_EINVAL);
    p.lower = p.upper = 0;
    CHECK_INT(svy_calib_newton(&p, g, &info, NULL), SVY_EINVAL);
}

static void
test_calibrate_overlapping(void)
{
    /* Margins region (2) and region*sex (4) overlap: the Newton system is
     * singular and the pseudo-inverse must still solve it. */
    static const uint32_t reg[] = {0, 0, 1, 1}, joint[] = {0, 1, 2, 3};
    static const uint32_t *const cats[] = {reg, joint};
    static const size_t nc[] = {2, 4};
    const double d[] = {1, 2, 3, 4}, t0[] = {4, 6}, t1[] = {1, 3, 2, 4};
    const double *tg[] = {t0, t1};
    svy_calib p;
    double g[4];

    memset(&p, 0, sizeof(p));
    p.nunits = 4;
    p.d = d;
    p.nmargins = 2;
    p.cat = cats;
    p.ncats = nc;
    p.target = tg;
    p.total = 10;
    p.calfun = SVY_CAL_LINEAR;
    CHECK_INT(svy_calib_newton(&p, g, NULL, NULL), SVY_OK);
    CHECK_NEAR(g[0], 1, 1e-12);
    CHECK_NEAR(g[1], 1.5, 1e-12);
    CHECK_NEAR(g[2], 2.0 / 3, 1e-12);
    CHECK_NEAR(g[3], 1, 1e-12);
}

static const struct check_case cases[] = {
    CASE(test_calibrate_ipf),
    CASE(test_calibrate_unreachable),
    CASE(test_calibrate_greg),
    CASE(test_calibrate_overlapping),
};

CHECK_MAIN(cases)
