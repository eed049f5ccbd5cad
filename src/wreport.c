/*
 * wreport.c - weighting diagnostics as JSON and as text (see wreport.h).
 *
 * The JSON is assembled in an svy_buf and written in one call, so a
 * failed write leaves nothing half-formed in the caller's output.  It is
 * indented for a person reading it, one category a line, and uses only
 * the public accessors of weight.h.
 */
#include "svy/wreport.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "svy/num.h"
#include "svy/text.h"

/*
 * The helpers below append to 'b' unless an earlier append failed: '*rc'
 * carries the first failure through a long run of calls, so the writers
 * read as a list of fields with one check at the end.
 */

/* Append 'v' as a JSON number (null when not finite). */
static void
num(svy_buf *b, double v, svy_status *rc)
{
    char buf[SVY_NUM_BUFSZ];

    if (*rc != SVY_OK)
        return;
    if (!isfinite(v))
        *rc = svy_buf_puts(b, "null");
    else
        *rc = svy_buf_append(b, buf, svy_num_format(v, buf));
}

/* Append 's' as a JSON string (null for NULL). */
static void
str(svy_buf *b, const char *s, svy_status *rc)
{
    if (*rc != SVY_OK)
        return;
    *rc = s == NULL ? svy_buf_puts(b, "null") : svy_json_string(b, s);
}

/* Append raw text. */
static void
raw(svy_buf *b, const char *s, svy_status *rc)
{
    if (*rc == SVY_OK)
        *rc = svy_buf_puts(b, s);
}

/* Append '"key": ' after an indent. */
static void
key(svy_buf *b, const char *k, svy_status *rc)
{
    raw(b, "  \"", rc);
    raw(b, k, rc);
    raw(b, "\": ", rc);
}

/* "cap": null, or the multiple of the mean and the weight it stands for. */
static void
trim_field(svy_buf *b, const char *name, double mult, double w, svy_status *rc)
{
    key(b, name, rc);
    if (mult == 0) {
        raw(b, "null,\n", rc);
        return;
    }
    raw(b, "{\"multiple\": ", rc);
    num(b, mult, rc);
    raw(b, ", \"weight\": ", rc);
    num(b, w, rc);
    raw(b, "},\n", rc);
}

/*
 * The figures of one margin line after its "n": shares for a category,
 * means (names ending in 'suffix' "_mean") for a numeric margin, then the
 * totals, which both kinds have.
 */
static void
line_fields(svy_buf *b, const svy_weight_line *l, const char *suffix,
            svy_status *rc)
{
    const char *names[4] = {"unweighted", "base_weighted", "target",
                            "achieved"};
    const double vals[4] = {l->unweighted, l->base_weighted, l->target,
                            l->achieved};
    size_t i;

    num(b, (double)l->n, rc);
    for (i = 0; i < 4; i++) {
        raw(b, ", \"", rc);
        raw(b, names[i], rc);
        raw(b, suffix, rc);
        raw(b, "\": ", rc);
        num(b, vals[i], rc);
    }
    raw(b, ", \"target_total\": ", rc);
    num(b, l->target_total, rc);
    raw(b, ", \"achieved_total\": ", rc);
    num(b, l->achieved_total, rc);
}

/* One margin: its categories one a line, or a numeric margin's means. */
static void
margin_json(svy_buf *b, const svy_weight_result *r, size_t i, svy_status *rc)
{
    svy_mkind kind;
    size_t nl, k;
    const char *name = svy_weight_result_margin(r, i, &kind, &nl);
    const svy_weight_line *l;

    raw(b, "    {\"margin\": ", rc);
    str(b, name, rc);
    if (kind != SVY_MARGIN_CAT) {
        l = svy_weight_result_line(r, i, 0);
        raw(b,
            kind == SVY_MARGIN_MEAN ? ", \"type\": \"mean\", \"n\": "
                                    : ", \"type\": \"total\", \"n\": ",
            rc);
        line_fields(b, l, "_mean", rc);
        raw(b, "}", rc);
        return;
    }
    raw(b, ", \"type\": \"categorical\", \"categories\": [\n", rc);
    for (k = 0; k < nl; k++) {
        l = svy_weight_result_line(r, i, k);
        raw(b, "      {\"category\": ", rc);
        str(b, l->category, rc);
        raw(b, ", \"n\": ", rc);
        line_fields(b, l, "", rc);
        raw(b, k + 1 < nl ? "},\n" : "}\n", rc);
    }
    raw(b, "    ]}", rc);
}

svy_status
svy_wreport_json(const svy_weight_result *r, svy_output *o, svy_err *err)
{
    const svy_weight_summary *s = svy_weight_result_summary(r);
    const svy_weight_stats *st = &s->stats;
    static const char *const names[] = {
        "n", "sum", "min", "max", "mean", "cv", "deff", "ess", "efficiency"};
    const double vals[] = {(double)st->n, st->sum,  st->min,
                           st->max,       st->mean, st->cv,
                           st->deff,      st->ess,  st->efficiency};
    svy_buf b = SVY_BUF_INIT;
    svy_status rc = SVY_OK;
    size_t i, nm = svy_weight_result_nmargins(r);

    raw(&b, "{\n", &rc);
    key(&b, "method", &rc);
    str(&b, svy_weight_method_name(s->method), &rc);
    raw(&b, ",\n", &rc);
    key(&b, "algorithm", &rc);
    str(&b, s->algorithm, &rc);
    raw(&b, ",\n", &rc);
    key(&b, "weight", &rc);
    str(&b, s->weight, &rc);
    raw(&b, ",\n", &rc);
    key(&b, "base_weight", &rc);
    str(&b, s->base, &rc);
    raw(&b, ",\n", &rc);
    key(&b, "converged", &rc);
    raw(&b, s->converged ? "true,\n" : "false,\n", &rc);
    key(&b, "sweeps", &rc);
    num(&b, (double)s->iterations, &rc);
    raw(&b, ",\n", &rc);
    key(&b, "rounds", &rc);
    num(&b, (double)s->rounds, &rc);
    raw(&b, ",\n", &rc);
    key(&b, "tolerance", &rc);
    num(&b, s->tolerance, &rc);
    raw(&b, ",\n", &rc);
    key(&b, "max_iter", &rc);
    num(&b, (double)s->max_iter, &rc);
    raw(&b, ",\n", &rc);
    key(&b, "bounds", &rc);
    if (s->lower == 0 && s->upper == 0) {
        raw(&b, "null,\n", &rc);
    } else {
        raw(&b, "[", &rc);
        num(&b, s->lower, &rc);
        raw(&b, ", ", &rc);
        num(&b, s->upper, &rc);
        raw(&b, "],\n", &rc);
    }
    key(&b, "missing", &rc);
    raw(&b, s->missing_category ? "\"category\",\n" : "\"error\",\n", &rc);
    key(&b, "population", &rc);
    num(&b, s->population, &rc);
    raw(&b, ",\n", &rc);
    for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        key(&b, names[i], &rc);
        num(&b, vals[i], &rc);
        raw(&b, ",\n", &rc);
    }
    trim_field(&b, "cap", s->cap_mult, s->cap, &rc);
    trim_field(&b, "floor", s->floor_mult, s->floor_at, &rc);
    key(&b, "capped", &rc);
    num(&b, (double)s->capped, &rc);
    raw(&b, ",\n", &rc);
    key(&b, "floored", &rc);
    num(&b, (double)s->floored, &rc);
    raw(&b, ",\n", &rc);
    key(&b, "seconds_weighting", &rc);
    num(&b, s->seconds, &rc);
    raw(&b, ",\n", &rc);
    key(&b, "seconds_column", &rc);
    num(&b, s->seconds_column, &rc);
    raw(&b, ",\n", &rc);
    key(&b, "margins", &rc);
    raw(&b, "[\n", &rc);
    for (i = 0; i < nm; i++) {
        margin_json(&b, r, i, &rc);
        raw(&b, i + 1 < nm ? ",\n" : "\n", &rc);
    }
    raw(&b, "  ]\n}\n", &rc);
    if (rc != SVY_OK)
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
    else
        rc = svy_output_write(o, b.data, b.len, err);
    svy_buf_release(&b);
    return rc;
}

/*
 * The largest margin error is relative to the target total, the measure
 * the convergence test uses, so a converged run shows a number at or below
 * its tolerance.
 */
svy_status
svy_wreport_text(const svy_weight_result *r, svy_buf *b)
{
    const svy_weight_summary *s = svy_weight_result_summary(r);
    const svy_weight_stats *st = &s->stats;
    const char *wm = "", *wc = "";
    double worst = -1;
    size_t i, k, nl;
    svy_status rc;

    for (i = 0; i < svy_weight_result_nmargins(r); i++) {
        svy_mkind kind;
        const char *name = svy_weight_result_margin(r, i, &kind, &nl);
        for (k = 0; k < nl; k++) {
            const svy_weight_line *l = svy_weight_result_line(r, i, k);
            double e = fabs(l->achieved_total - l->target_total) /
                       fmax(fabs(l->target_total), 1);
            if (e > worst) {
                worst = e;
                wm = name;
                wc = l->category;
            }
        }
    }
    rc = svy_buf_printf(
        b, "%s (%s): %s %zu %s%s\n", svy_weight_method_name(s->method),
        s->algorithm, s->converged ? "converged in" : "NOT converged after",
        s->iterations,
        strcmp(s->algorithm, "ipf") == 0 ? "sweep" : "Newton step",
        s->iterations == 1 ? "" : "s");
    if (rc == SVY_OK)
        rc = svy_buf_printf(b,
                            "%zu weights sum to %.10g: min %.4g, max %.4g, "
                            "mean %.4g, CV %.4g\n",
                            st->n, st->sum, st->min, st->max, st->mean, st->cv);
    if (rc == SVY_OK)
        rc = svy_buf_printf(b,
                            "Kish design effect %.4g, effective sample size "
                            "%.1f (efficiency %.1f%%)\n",
                            st->deff, st->ess, 100 * st->efficiency);
    if (rc == SVY_OK && s->cap_mult > 0)
        rc = svy_buf_printf(b, "trimming: %zu capped at %.4g (%g x mean)%s",
                            s->capped, s->cap, s->cap_mult,
                            s->floor_mult > 0 ? ", " : "\n");
    if (rc == SVY_OK && s->floor_mult > 0)
        rc = svy_buf_printf(b, "%s%zu floored at %.4g (%g x mean)\n",
                            s->cap_mult > 0 ? "" : "trimming: ", s->floored,
                            s->floor_at, s->floor_mult);
    if (rc == SVY_OK && worst >= 0)
        rc = svy_buf_printf(b,
                            "largest relative margin error %.2g ('%s' = "
                            "'%s')\n",
                            worst, wm, wc);
    return rc;
}
