/*
 * xlsx.c - the Excel report of svy-report, through libxlsxwriter.
 *
 * Design: the table stream is read whole into memory (so its SHA-256 can
 * be taken and stdin works), scanned with svy_csv_scan into an array of
 * records holding copies of the fields we use, then laid out table by
 * table.  A table is a run of records with the same 'table' number.  Its
 * columns are the distinct (col_var, col_code) pairs in order of first
 * appearance and its rows the distinct row codes (or one row for a mean or
 * total); test records (rao_scott_f, chisq) go to the footnote.
 *
 * Each banner column takes two worksheet columns: the estimate, then the
 * significance letters.  Header rows: the banner variable merged over its
 * columns, the column label merged over its pair, the column letter; then
 * the unweighted and weighted bases.  Panes are frozen below the letters.
 *
 * Text is always written with worksheet_write_string, so a label that
 * starts with '=' stays text.  The creation time is fixed at 2000-01-01 so
 * that the same input gives the same bytes.
 */
#include "svy/xlsx.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "svy/buf.h"
#include "svy/csv.h"
#include "svy/io.h"
#include "svy/text.h"

/* ---- SHA-256 (FIPS 180-4) ---- */

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void
sha_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, k, t1, t2;
    int i;

    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++)
        w[i] = w[i - 16] +
               (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
               w[i - 7] +
               (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10));
    a = h[0], b = h[1], c = h[2], d = h[3];
    e = h[4], f = h[5], g = h[6], k = h[7];
    for (i = 0; i < 64; i++) {
        t1 = k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) +
             sha_k[i] + w[i];
        t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
             ((a & b) ^ (a & c) ^ (b & c));
        k = g, g = f, f = e, e = d + t1;
        d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d;
    h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

void
svy_sha256_hex(const void *data, size_t len, char hex[65])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const unsigned char *p = data;
    unsigned char tail[128] = {0};
    size_t i, rest = len % 64, tn = rest < 56 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;

    for (i = 0; i + 64 <= len; i += 64)
        sha_block(h, p + i);
    if (rest)
        memcpy(tail, p + len - rest, rest);
    tail[rest] = 0x80;
    for (i = 0; i < 8; i++)
        tail[tn - 1 - i] = (unsigned char)(bits >> (8 * i));
    sha_block(h, tail);
    if (tn == 128)
        sha_block(h, tail + 64);
    for (i = 0; i < 8; i++)
        snprintf(hex + 8 * i, 9, "%08x", (unsigned)h[i]);
}

/* ---- the table stream ---- */

/*
 * Checklist: the columns we read; REQ lists the required ones and the
 * enum their index in rec.f.
 */
enum {
    F_TABLE,
    F_TITLE,
    F_STAT,
    F_ROW_VAR,
    F_ROW_CODE,
    F_ROW_LABEL,
    F_COL_VAR,
    F_COL_CODE,
    F_COL_LABEL,
    F_COL_LETTER,
    F_BASE_UNW,
    F_BASE_W,
    F_ESTIMATE,
    F_SIG,
    F_DF1,
    F_DF2,
    F_P,
    F_BASE_EFF,
    F_SE,
    NF,
    NREQ = F_DF1
};
static const char *const fname[NF] = {
    "table",     "title",   "stat",     "row_var",   "row_code",
    "row_label", "col_var", "col_code", "col_label", "col_letter",
    "base_unw",  "base_w",  "estimate", "sig",       "df1",
    "df2",       "p",       "base_eff", "se"};

typedef struct rec {
    char *f[NF]; /* owned; "" when absent */
} rec;

typedef struct stream {
    const char *name;
    long map[NF]; /* header index of each field, -1 when absent */
    int have_header;
    rec *recs;
    size_t n, cap;
} stream;

static char *
dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static svy_status
on_header(void *ctx, const char *const *names, size_t n,
          const svy_csv_info *info, svy_err *err)
{
    stream *s = ctx;
    (void)info;
    s->have_header = 1;
    for (size_t j = 0; j < NF; j++) {
        s->map[j] = -1;
        for (size_t i = 0; i < n; i++)
            if (strcmp(names[i], fname[j]) == 0)
                s->map[j] = (long)i;
        if (s->map[j] < 0 && j < NREQ)
            return svy_err_set(err, SVY_EPARSE, "%s: missing column '%s'",
                               s->name, fname[j]);
    }
    return SVY_OK;
}

static svy_status
on_row(void *ctx, const char *const *fields, const size_t *lens, size_t n,
       size_t line, svy_err *err)
{
    static const char *const stats[] = {"prop", "mean", "total", "rao_scott_f",
                                        "chisq"};
    stream *s = ctx;
    const char *st = fields[s->map[F_STAT]];
    size_t k;
    (void)lens;
    (void)n;
    for (k = 0; k < 5 && strcmp(st, stats[k]); k++)
        ;
    if (k == 5)
        return svy_err_set(err, SVY_EPARSE, "%s:%zu: unknown stat '%s'",
                           s->name, line, st);
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        rec *r = realloc(s->recs, cap * sizeof *r);
        if (!r)
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        s->recs = r;
        s->cap = cap;
    }
    rec *r = &s->recs[s->n];
    memset(r, 0, sizeof *r);
    s->n++;
    for (k = 0; k < NF; k++)
        if (!(r->f[k] = dupstr(s->map[k] < 0 ? "" : fields[s->map[k]])))
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
    return SVY_OK;
}

static void
stream_release(stream *s)
{
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < NF; k++)
            free(s->recs[i].f[k]);
    free(s->recs);
}

/* Read all of 'path' into 'b'. */
static svy_status
slurp(svy_buf *b, const char *path, svy_err *err)
{
    svy_input *in = NULL;
    char chunk[65536];
    size_t got;
    svy_status rc;

    if ((rc = svy_input_open(&in, path, err)) != SVY_OK)
        return rc;
    do {
        if ((rc = svy_input_read(in, chunk, sizeof chunk, &got, err)))
            break;
        if (got && svy_buf_append(b, chunk, got)) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            break;
        }
    } while (got);
    svy_input_close(in);
    return rc;
}

/* ---- words in three languages ---- */

enum {
    W_CONTENTS,
    W_METHODS,
    W_UNW,
    W_WGT,
    W_EFF,
    W_SE,
    W_TABLE,
    W_FOOT,
    W_TEST,
    W_VERSION,
    W_INPUT,
    W_WEIGHTING,
    NW
};
static const char *const words[NW][SVY_NLANG] = {
    {"Contents", "Содержание", "Мазмуну"},
    {"Methods", "Методика", "Методика"},
    {"Unweighted base", "База (невзвешенная)", "Негиз (салмакталбаган)"},
    {"Weighted base", "База (взвешенная)", "Негиз (салмакталган)"},
    {"Effective base", "Эффективная база", "Эффективдүү негиз"},
    {"SE", "Ст. ошибка", "Ст. ката"},
    {"Table", "Таблица", "Таблица"},
    {"Base: respondents with a valid answer in each column; letters mark "
     "columns significantly lower (column t test)",
     "База: респонденты с ответом в каждом столбце; буквы отмечают "
     "столбцы со значимо меньшим значением (t-тест)",
     "Негиз: ар бир мамычада жооп бергендер; тамгалар маанилүү төмөн "
     "мамычаларды белгилейт (t-тест)"},
    {"Test", "Тест", "Тест"},
    {"svykit version", "Версия svykit", "svykit версиясы"},
    {"Input (SHA-256)", "Входной файл (SHA-256)", "Кирүү файлы (SHA-256)"},
    {"Weighting", "Взвешивание", "Салмактоо"},
};

/* ---- the workbook ---- */

typedef struct ctx {
    lxw_workbook *wb;
    lxw_format *bold, *center, *pct, *num, *intf, *link, *wrap;
    const svy_xlsx_opts *o;
    svy_lang lang;
} ctx;

static const char *
W(const ctx *c, int w)
{
    return words[w][c->lang];
}

static double
num(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    return *s && !*end ? v : NAN;
}

static void
put_num(lxw_worksheet *ws, int r, int col, const char *s, lxw_format *f)
{
    double v = num(s);
    if (isfinite(v))
        worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)col, v, f);
    else if (*s)
        worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)col, s, f);
}

static double
width_of(const char *s)
{
    return (double)svy_utf8_width(s) * 1.1 + 2;
}

static lxw_error
merge(lxw_worksheet *ws, int r, int c1, int c2, const char *s, lxw_format *f)
{
    return worksheet_merge_range(ws, (lxw_row_t)r, (lxw_col_t)c1, (lxw_row_t)r,
                                 (lxw_col_t)c2, s, f);
}

/* The first row of estimates, below the three base rows. */
#define FIRST 7

/* Write records [a, b) of 's' (one table) to sheet 'name'. */
static svy_status
table_sheet(ctx *c, const stream *s, size_t a, size_t b, const char *name,
            svy_err *err)
{
    lxw_worksheet *ws = workbook_add_worksheet(c->wb, name);
    const rec *R = s->recs;
    size_t cols[256], rows[1024], nc = 0, nr = 0, i, j;
    int is_prop = strcmp(R[a].f[F_STAT], "prop") == 0;
    size_t step = is_prop ? 1 : 2; /* a mean or total has an SE row */
    double w0 = 10;
    svy_buf foot = SVY_BUF_INIT;
    svy_status rc = SVY_OK;

    if (!ws)
        return svy_err_set(err, SVY_EIO, "cannot add sheet '%s'", name);
    /* Distinct columns and rows, in order of first appearance. */
    for (i = a; i < b; i++) {
        const char *st = R[i].f[F_STAT];
        if (!strcmp(st, "rao_scott_f") || !strcmp(st, "chisq"))
            continue;
        for (j = 0; j < nc; j++)
            if (!strcmp(R[cols[j]].f[F_COL_VAR], R[i].f[F_COL_VAR]) &&
                !strcmp(R[cols[j]].f[F_COL_CODE], R[i].f[F_COL_CODE]))
                break;
        if (j == nc && nc < 256)
            cols[nc++] = i;
        for (j = 0; j < nr; j++)
            if (!strcmp(R[rows[j]].f[F_ROW_CODE], R[i].f[F_ROW_CODE]))
                break;
        if (j == nr && nr < 1024)
            rows[nr++] = i;
    }
    worksheet_write_string(ws, 0, 0, R[a].f[F_TITLE], c->bold);
    /* Banner variable headers, merged over their columns. */
    for (j = 0; j < nc;) {
        size_t k = j;
        const char *cv = R[cols[j]].f[F_COL_VAR];
        while (k < nc && !strcmp(R[cols[k]].f[F_COL_VAR], cv))
            k++;
        /* The total column's own label says "Total": no header above it. */
        if (strcmp(cv, "total") != 0)
            merge(ws, 1, 1 + 2 * (int)j, 2 * (int)k, cv, c->center);
        j = k;
    }
    for (j = 0; j < nc; j++) {
        const rec *cr = &R[cols[j]];
        int col = 1 + 2 * (int)j;
        merge(ws, 2, col, col + 1, cr->f[F_COL_LABEL], c->center);
        if (*cr->f[F_COL_LETTER])
            merge(ws, 3, col, col + 1, cr->f[F_COL_LETTER], c->center);
        put_num(ws, 4, col, cr->f[F_BASE_UNW], c->intf);
        put_num(ws, 5, col, cr->f[F_BASE_W], c->intf);
        put_num(ws, 6, col, cr->f[F_BASE_EFF], c->intf);
        double cw = width_of(cr->f[F_COL_LABEL]) / 2;
        worksheet_set_column(ws, (lxw_col_t)col, (lxw_col_t)col,
                             cw > 9 ? cw : 9, NULL);
        worksheet_set_column(ws, (lxw_col_t)col + 1, (lxw_col_t)col + 1,
                             cw > 5 ? cw : 5, NULL);
    }
    worksheet_write_string(ws, 4, 0, W(c, W_UNW), NULL);
    worksheet_write_string(ws, 5, 0, W(c, W_WGT), NULL);
    worksheet_write_string(ws, 6, 0, W(c, W_EFF), NULL);
    if (width_of(W(c, W_UNW)) > w0)
        w0 = width_of(W(c, W_UNW));
    /* One line per category (or the single mean or total). */
    for (j = 0; j < nr; j++) {
        const rec *rr = &R[rows[j]];
        const char *lab = is_prop ? rr->f[F_ROW_LABEL] : rr->f[F_ROW_VAR];
        worksheet_write_string(ws, (lxw_row_t)(FIRST + step * j), 0, lab, NULL);
        if (step == 2)
            worksheet_write_string(ws, (lxw_row_t)(FIRST + step * j + 1), 0,
                                   W(c, W_SE), NULL);
        if (width_of(lab) > w0)
            w0 = width_of(lab);
    }
    for (i = a; i < b; i++) {
        size_t ci, ri;
        for (ci = 0; ci < nc; ci++)
            if (!strcmp(R[cols[ci]].f[F_COL_VAR], R[i].f[F_COL_VAR]) &&
                !strcmp(R[cols[ci]].f[F_COL_CODE], R[i].f[F_COL_CODE]))
                break;
        for (ri = 0; ri < nr; ri++)
            if (!strcmp(R[rows[ri]].f[F_ROW_CODE], R[i].f[F_ROW_CODE]))
                break;
        const char *st = R[i].f[F_STAT];
        if (!strcmp(st, "rao_scott_f") || !strcmp(st, "chisq")) {
            int rs = !strcmp(st, "rao_scott_f");
            if (svy_buf_printf(&foot, "%s %s (%s): %s = %.3f, p = %.3f",
                               foot.len ? ";" : "", W(c, W_TEST),
                               R[i].f[F_COL_VAR], rs ? "Rao-Scott F" : "chi2",
                               num(R[i].f[F_ESTIMATE]), num(R[i].f[F_P]))) {
                rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
                goto out;
            }
            continue;
        }
        if (ci == nc || ri == nr)
            continue;
        int row = FIRST + (int)(step * ri), col = 1 + 2 * (int)ci;
        put_num(ws, row, col, R[i].f[F_ESTIMATE], is_prop ? c->pct : c->num);
        if (*R[i].f[F_SIG])
            worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col + 1,
                                   R[i].f[F_SIG], NULL);
        if (step == 2)
            put_num(ws, row + 1, col, R[i].f[F_SE], c->num);
    }
    worksheet_set_column(ws, 0, 0, w0, NULL);
    worksheet_write_string(ws, (lxw_row_t)(FIRST + 1 + step * nr), 0,
                           W(c, W_FOOT), NULL);
    if (foot.len)
        worksheet_write_string(ws, (lxw_row_t)(FIRST + 2 + step * nr), 0,
                               foot.data + 1, NULL);
    worksheet_freeze_panes(ws, 4, 1);
    if (!c->o->no_charts && nr > 0) {
        lxw_chart *ch = workbook_add_chart(c->wb, LXW_CHART_BAR);
        lxw_chart_series *se;
        if (!ch) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            goto out;
        }
        se = chart_add_series(ch, NULL, NULL);
        /* The estimate rows only: a mean's SE row is left out. */
        lxw_row_t last = (lxw_row_t)(FIRST + (step == 1 ? nr - 1 : 0));
        chart_series_set_categories(se, name, FIRST, 0, last, 0);
        chart_series_set_values(se, name, FIRST, 1, last, 1);
        /* By reference to A1: a title starting with = is no formula. */
        chart_title_set_name_range(ch, name, 0, 0);
        chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
        if (is_prop)
            chart_axis_set_num_format(ch->x_axis, "0%");
        worksheet_insert_chart(ws, (lxw_row_t)(FIRST + 4 + step * nr), 0, ch);
    }
out:
    svy_buf_release(&foot);
    return rc;
}

/* The Methods sheet: version, inputs and their hashes, weighting lines. */
static svy_status
methods_sheet(ctx *c, const char *const *names, char hex[][65], size_t n,
              const svy_buf *wjson)
{
    lxw_worksheet *ws = workbook_add_worksheet(c->wb, W(c, W_METHODS));
    int r = 2;

    if (!ws)
        return SVY_EIO;
    worksheet_write_string(ws, 0, 0, W(c, W_METHODS), c->bold);
    worksheet_write_string(ws, r, 0, W(c, W_VERSION), NULL);
    worksheet_write_string(ws, r++, 1, c->o->version ? c->o->version : "",
                           NULL);
    for (size_t i = 0; i < n; i++) {
        worksheet_write_string(ws, r, 0, W(c, W_INPUT), NULL);
        worksheet_write_string(ws, r, 1, names[i], NULL);
        worksheet_write_string(ws, r++, 2, hex[i], NULL);
    }
    if (wjson && wjson->data) {
        /*
         * Scalar '"key": value' lines of the top-level object, in order;
         * 'depth' counts the brackets open before each line (outside
         * strings), so lines of nested objects are skipped.
         */
        char *p = wjson->data;
        int depth = 0;
        r++;
        worksheet_write_string(ws, r++, 0, W(c, W_WEIGHTING), c->bold);
        while (*p) {
            char *nl = strchr(p, '\n'), *k, *ke, *v, *ve;
            int d0 = depth, instr = 0;
            if (nl)
                *nl = 0;
            for (char *q = p; *q; q++) {
                if (instr && *q == '\\' && q[1])
                    q++;
                else if (*q == '"')
                    instr = !instr;
                else if (!instr && (*q == '{' || *q == '['))
                    depth++;
                else if (!instr && (*q == '}' || *q == ']'))
                    depth--;
            }
            if (d0 == 1 && (k = strchr(p, '"')) && (ke = strchr(k + 1, '"')) &&
                ke[1] == ':') {
                v = ke + 2;
                while (*v == ' ')
                    v++;
                ve = v + strlen(v);
                while (ve > v && (ve[-1] == ',' || ve[-1] == ' '))
                    ve--;
                /* Timings differ run to run: not in the report. */
                if (*v && *v != '{' && *v != '[' && ve > v &&
                    strncmp(k + 1, "seconds_", 8) != 0) {
                    *ke = 0;
                    *ve = 0;
                    if (*v == '"' && ve - v >= 2 && ve[-1] == '"') {
                        ve[-1] = 0;
                        v++;
                    }
                    worksheet_write_string(ws, r, 0, k + 1, NULL);
                    put_num(ws, r++, 1, v, NULL);
                }
            }
            if (!nl)
                break;
            p = nl + 1;
        }
    }
    worksheet_set_column(ws, 0, 0, 26, NULL);
    worksheet_set_column(ws, 1, 1, 30, NULL);
    worksheet_set_column(ws, 2, 2, 66, NULL);
    return SVY_OK;
}

static svy_status
build(ctx *c, const stream *s, const char *const *names, char hex[][65],
      size_t nin, const svy_buf *wjson, svy_err *err)
{
    lxw_worksheet *cs = workbook_add_worksheet(c->wb, W(c, W_CONTENTS));
    const char *title = c->o->title ? c->o->title : "Survey tables";
    char sheet[32], link[64], label[64];
    size_t a = 0, t = 0, n = 0;
    svy_status rc;

    if (!cs)
        return svy_err_set(err, SVY_EIO, "cannot add the contents sheet");
    worksheet_write_string(cs, 0, 0, title, c->bold);
    worksheet_set_column(cs, 0, 0, 12, NULL);
    double w1 = 40;
    while (a < s->n) {
        size_t b = a;
        while (b < s->n &&
               !strcmp(s->recs[b].f[F_TABLE], s->recs[a].f[F_TABLE]))
            b++;
        t++;
        snprintf(sheet, sizeof sheet, "T%zu", t);
        snprintf(link, sizeof link, "internal:'%s'!A1", sheet);
        snprintf(label, sizeof label, "%s %s", W(c, W_TABLE),
                 s->recs[a].f[F_TABLE]);
        worksheet_write_url(cs, (lxw_row_t)(2 + n), 0, link, c->link);
        worksheet_write_string(cs, (lxw_row_t)(2 + n), 0, label, c->link);
        worksheet_write_string(cs, (lxw_row_t)(2 + n), 1, s->recs[a].f[F_TITLE],
                               NULL);
        if (width_of(s->recs[a].f[F_TITLE]) > w1)
            w1 = width_of(s->recs[a].f[F_TITLE]);
        n++;
        if ((rc = table_sheet(c, s, a, b, sheet, err)) != SVY_OK)
            return rc;
        a = b;
    }
    worksheet_set_column(cs, 1, 1, w1, NULL);
    if (methods_sheet(c, names, hex, nin, wjson))
        return svy_err_set(err, SVY_EIO, "cannot add the methods sheet");
    return SVY_OK;
}

svy_status
svy_xlsx_report(const char *out, const char *stream_path,
                const svy_xlsx_opts *opts, svy_err *err)
{
    static const svy_csv_sink sink = {on_header, on_row, NULL};
    svy_buf data = SVY_BUF_INIT, wjson = SVY_BUF_INIT;
    stream s = {0};
    svy_input *in = NULL;
    svy_csv_opts copts = {0};
    lxw_workbook_options wo = {0};
    lxw_doc_properties props = {0};
    char *tmp = NULL, hex[2][65];
    const char *names[2];
    size_t nin = 0;
    int fd = -1;
    ctx c = {0};
    svy_status rc;
    lxw_error le;

    s.name = strcmp(stream_path, "-") ? stream_path : "<stdin>";
    if ((rc = slurp(&data, stream_path, err)) != SVY_OK)
        goto out;
    names[nin] = s.name;
    svy_sha256_hex(data.data ? data.data : "", data.len, hex[nin++]);
    if (opts->weighting) {
        if ((rc = slurp(&wjson, opts->weighting, err)) != SVY_OK)
            goto out;
        names[nin] = opts->weighting;
        svy_sha256_hex(wjson.data ? wjson.data : "", wjson.len, hex[nin++]);
    }
    if ((rc = svy_input_open_mem(&in, s.name, data.data ? data.data : "",
                                 data.len, err)) != SVY_OK ||
        (rc = svy_csv_scan(in, &copts, NULL, &sink, &s, err)) != SVY_OK)
        goto out;
    if (!s.have_header) {
        rc = svy_err_set(err, SVY_EPARSE, "%s: empty table stream", s.name);
        goto out;
    }
    /* The temporary file beside 'out', renamed over it when complete. */
    if (!(tmp = malloc(strlen(out) + 16))) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    sprintf(tmp, "%s.tmpXXXXXX", out);
    if ((fd = mkstemp(tmp)) < 0) {
        rc = svy_err_set(err, SVY_EIO, "cannot create '%s': %s", out,
                         strerror(errno));
        free(tmp);
        tmp = NULL;
        goto out;
    }
    {
        /* mkstemp makes 0600; a workbook gets the usual umask mode. */
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);
    }
    close(fd);
    c.o = opts;
    c.lang = opts->lang < SVY_NLANG ? opts->lang : SVY_LANG_EN;
    if (!(c.wb = workbook_new_opt(tmp, &wo))) {
        rc = svy_err_set(err, SVY_EIO, "cannot create '%s'", out);
        goto out;
    }
    props.title = (char *)(opts->title ? opts->title : "Survey tables");
    props.created = 946684800; /* 2000-01-01: same input, same bytes */
    workbook_set_properties(c.wb, &props);
    c.bold = workbook_add_format(c.wb);
    format_set_bold(c.bold);
    c.center = workbook_add_format(c.wb);
    format_set_bold(c.center);
    format_set_align(c.center, LXW_ALIGN_CENTER);
    format_set_text_wrap(c.center);
    c.link = workbook_add_format(c.wb);
    format_set_underline(c.link, LXW_UNDERLINE_SINGLE);
    format_set_font_color(c.link, LXW_COLOR_BLUE);
    c.intf = workbook_add_format(c.wb);
    format_set_num_format(c.intf, "#,##0");
    {
        char pf[40], nf[40];
        int d = opts->decimals_set ? opts->decimals : 1, dn = d + 1;
        if (d > 10)
            d = 10;
        if (dn < 2)
            dn = 2;
        if (dn > 10)
            dn = 10;
        snprintf(pf, sizeof pf, "0%s%.*s%%", d ? "." : "", d, "0000000000");
        snprintf(nf, sizeof nf, "0.%.*s", dn, "0000000000");
        c.pct = workbook_add_format(c.wb);
        format_set_num_format(c.pct, pf);
        c.num = workbook_add_format(c.wb);
        format_set_num_format(c.num, nf);
    }
    if ((rc = build(&c, &s, names, hex, nin, opts->weighting ? &wjson : NULL,
                    err)) != SVY_OK)
        goto out;
    le = workbook_close(c.wb);
    c.wb = NULL;
    if (le != LXW_NO_ERROR) {
        rc = svy_err_set(err, SVY_EIO, "cannot write '%s': %s", out,
                         lxw_strerror(le));
        goto out;
    }
    if (rename(tmp, out) != 0) {
        rc = svy_err_set(err, SVY_EIO, "cannot rename to '%s': %s", out,
                         strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
out:
    if (c.wb) {
        /* Closing is the only way to free a workbook: it writes tmp. */
        workbook_close(c.wb);
    }
    if (tmp) {
        remove(tmp);
        free(tmp);
    }
    svy_input_close(in);
    stream_release(&s);
    svy_buf_release(&data);
    svy_buf_release(&wjson);
    return rc;
}
