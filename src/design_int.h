/*
 * design_int.h - what the design modules share and no caller sees: the
 * design and factor structures, the id hash map, column helpers and the
 * linearization engine (linearize.c) that the estimation calls
 * (estimate.c) and the calibration set-up (design.c) run.  Private to
 * src/design.c, src/factor.c, src/linearize.c and src/estimate.c.
 */
#ifndef SVY_DESIGN_INT_H
#define SVY_DESIGN_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "svy/design.h"

static inline svy_status
svy_nomem(svy_err *err)
{
    return svy_err_set(err, SVY_ENOMEM, "out of memory");
}

/* Design. */

struct svy_cal {
    svy_calvar method;
    size_t ncat, nnum; /* categorical margins, numeric auxiliaries */
    size_t J;          /* regression columns */
    size_t icept;      /* 1 when column 0 is GREG's intercept */
    size_t *moff;      /* ncat + 1: first column of each margin */
    uint32_t *code;    /* n × ncat: the row's column for each margin */
    double *xnum;      /* n × nnum */
    double *rho;       /* n: ω/w (GREG) or 1/w (RAKE), 0 when w = 0 */
    double *P;         /* J × J: (X'ΩX)⁺ (GREG) or the counts X'X (RAKE) */
    double *kmm;       /* J × J: the M×M block of K, full */
};

struct svy_design {
    size_t n;
    double *w;
    uint32_t *order; /* rows grouped by stratum, PSU, SSU */
    /* Made on first use (svy_design_ordered), under 'mu': */
    double *w_ord;      /* the weights in that order */
    uint32_t *rank;     /* each row's position in 'order' */
    pthread_mutex_t mu; /* calls on two threads may share the design */
    size_t nstrata, npsu, nunit;
    uint32_t *stratum_psu; /* nstrata + 1: first PSU of each stratum */
    uint32_t *psu_unit;    /* npsu + 1: first unit of each PSU */
    uint32_t *unit_pos;    /* nunit + 1: first position in 'order' */
    uint32_t *psu_stratum;
    double *str_coef;       /* stage 1: scale of each stratum's PSUs */
    unsigned char *str_ctr; /* centred at the stratum mean (not lonely) */
    double *ssu_coef;       /* stage 2: scale of each PSU's SSUs */
    unsigned char *ssu_ctr; /* centred at the PSU mean */
    unsigned char *lonely;  /* stratum left out under AVERAGE */
    int stage2;             /* units are SSUs */
    int row_psu;            /* each row is its own PSU (no cluster ids) */
    /*
     * When every PSU's rows are consecutive in the file (true of most
     * survey files, and of any design without cluster ids), the runs in
     * file order: run r is rows [run_pos[r], run_pos[r + 1]) of PSU
     * run_psu[r]; proportions are then summed per PSU in file order
     * (linearize.c, props_pass), without reordering the rows.  NULL
     * otherwise, and for two-stage designs.
     */
    uint32_t *run_pos, *run_psu;
    uint32_t *psu_run; /* npsu: each PSU's run */
    int zero_w;        /* some row has weight 0 */
    int nan_var;            /* AVERAGE with a lonely SSU: NaN, as R */
    double degf;
    svy_lonely policy;
    struct svy_cal *cal;
};

/* Factors. */

struct svy_factor {
    size_t n, nlevels;
    int *codes;
    char **levels;
};

/*
 * Keys: a hash map from (parent index, cell value) to a dense group id,
 * group ids in order of first appearance (design.c).
 */
struct svy_keymap {
    uint32_t *slot; /* group id + 1, 0 when empty */
    size_t cap;     /* power of two */
    size_t n;       /* groups */
    size_t gcap;
    uint64_t *hash; /* per group */
    uint32_t *parent;
    uint32_t *row; /* first row of the group */
};

int svy_keymap_init(struct svy_keymap *m, size_t expect);
void svy_keymap_release(struct svy_keymap *m);

/*
 * The group of (parent, value of column 'c' at 'row'), created if new.
 * Returns the group id, or -1 when out of memory.
 */
long svy_keymap_get(struct svy_keymap *m, const svy_column *c, size_t row,
                    uint32_t parent);

/* Column 'name' of 't' into '*out'; SVY_EINVAL naming 'what' if absent. */
svy_status svy_dcol_find(const svy_table *t, const char *name, const char *what,
                         const svy_column **out, svy_err *err);

/* System missing only: design variables have no user-missing codes. */
int svy_dcol_missing(const svy_column *c, size_t row);

/* The number in cell 'row', parsing text; 0 when empty or not a number. */
int svy_dcol_number(const svy_column *c, size_t row, double *v);

/* The linearization engine (linearize.c). */

enum svy_kind {
    SVY_KIND_PROPS,
    SVY_KIND_MEANS,
    SVY_KIND_RATIOS,
    SVY_KIND_CALONLY
};

/*
 * How much of K a pass accumulates.  Every mode keeps what one cell's
 * variance needs (t_c with itself and its domain's u, u with itself, and
 * everything with the calibration columns M); COV adds the covariances
 * between domains (same category: column tests); FULL adds every pair of
 * cells (the Rao-Scott test).  The cost per unit grows from O(nnz) to
 * O(nnz²), which is what clustered designs of many rows per PSU pay.
 */
enum svy_kmode { SVY_KMODE_DIAG, SVY_KMODE_COV, SVY_KMODE_FULL };

struct svy_job {
    enum svy_kind kind;
    const int *var; /* SVY_KIND_PROPS */
    size_t K;       /* categories (1 otherwise) */
    const double *y, *x;
    const int *by;
    size_t D; /* domains (1 without 'by') */
    const unsigned char *subset;
    int mode;       /* which covariances K keeps: enum svy_kmode */
    int one_thread; /* SVY_EST_ONE_THREAD: the halves in turn */
};

/* A sparse vector over the features, with its list of touched entries. */
struct svy_svec {
    double *val;
    uint32_t *idx;
    unsigned char *on;
    size_t nnz;
};

struct svy_acc {
    size_t K, D, C, Fq, J, F, XD; /* XD = D + J */
    int mode;
    uint32_t *part;    /* 3 × F scratch: a vector's t, u and M entries */
    uint32_t *ck, *cj; /* category and domain of each cell (no division) */
    double *kf;        /* full: F × F, upper triangle */
    double *ktt;       /* block: K × D × D (same category) */
    double *ktx;       /* block: C × XD */
    double *kxx;       /* block: XD × XD */
    double *Z;         /* J × Fq */
    /* per cell: Σ of t, rows */
    double *T, *Tn;
    /* per domain (the last, index D, is the union of the domains): Σ u,
     * rows, Σ w², shifted Σ w(y-y0) and Σ w(y-y0)², rows in the domain
     * (valid or not), their Σ w, PSUs and strata holding them */
    double *U, *Un, *U2, *S1, *S2, *rows, *wsum, *npsu, *nstr;
    double *present, *lonelyp;
    double rows_sub, npsu_sub, nstr_sub, shift;
    int have_shift;
    struct svy_svec sv[7]; /* see svy_lin_run_pass */
};

/* Free an accumulator; NULL is a no-op. */
void svy_lin_acc_free(struct svy_acc *a);

/* K(i, j), NaN when the accumulator's mode did not keep it. */
double svy_lin_kget(const struct svy_acc *a, size_t i, size_t j);

/*
 * Make d->w_ord and d->rank if they are not yet made (the general fast
 * path's; the runs of props_pass need neither); SVY_ENOMEM.
 */
svy_status svy_design_ordered(const svy_design *d, svy_err *err);

/*
 * Accumulate K, Z and the linear sums of job 'jb' on 'd' into '*out':
 * run_pass for any design (the calibration columns too), fast_pass for a
 * design without calibration.  SVY_ENOMEM.
 */
svy_status svy_lin_run_pass(const svy_design *d, const struct svy_job *jb,
                            struct svy_acc **out, svy_err *err);
svy_status svy_lin_fast_pass(const svy_design *d, const struct svy_job *jb,
                             struct svy_acc **out, svy_err *err);

/*
 * The accumulator of job 'jb' (proportions over all rows: the same K,
 * D = 1, a mode other than FULL) from 'b', a FULL accumulator of the same
 * variable by a domain variable that leaves no row of the subset out of
 * its domains: the total column from a banner variable's sums, with no
 * pass over the rows.  Every sum is the one a pass gives, added in
 * another order (the last bits may differ).  NULL when 'b' does not
 * qualify (not FULL, calibrated, rows outside the domains) or out of
 * memory.
 */
struct svy_acc *svy_lin_acc_total(const struct svy_acc *b,
                                  const struct svy_job *jb);

/* Quantities: linear functionals of the features, and their variances. */
struct svy_qty {
    size_t nz;
    uint32_t *idx;
    double *val;
    double *a;  /* calibration coefficients (J), or NULL */
    double fac; /* the AVERAGE factor */
};

/* Fill q->a (calibration coefficients); 's' is scratch of J doubles. */
void svy_lin_cal_coefs(const svy_design *d, const struct svy_acc *a,
                       struct svy_qty *q, double *s);

/* q1 K q2' with calibration and AVERAGE factors; NaN where not kept. */
double svy_lin_bilin(const svy_design *d, const struct svy_acc *a,
                     const struct svy_qty *q1, const struct svy_qty *q2);

/* The AVERAGE factor for domain j (index D: the union), else 1. */
double svy_lin_avg_factor(const svy_design *d, const struct svy_acc *a,
                          size_t j);

#endif
