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
#include <stdarg.h>
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
#include "svy/json.h"
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
    F_LOW_BASE,
    F_DEFF,
    F_BASE_DEF,
    F_FILTER,
    F_LEVEL,
    F_SIG1,
    F_SIG2,
    F_ADJUST,
    F_MIN_BASE,
    NF,
    NREQ = F_DF1
};
static const char *const fname[NF] = {
    "table",    "title",    "stat",      "row_var",    "row_code", "row_label",
    "col_var",  "col_code", "col_label", "col_letter", "base_unw", "base_w",
    "estimate", "sig",      "df1",       "df2",        "p",        "base_eff",
    "se",       "low_base", "deff",      "base",       "filter",   "level",
    "sig1",     "sig2",     "adjust",    "min_base"};

typedef struct rec {
    char *f[NF]; /* owned; "" when absent */
} rec;

typedef struct stream {
    const char *name;
    const svy_codebook *codebook; /* borrowed; NULL without -s */
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
    /*
     * A PII variable (or an item of a set that is one) must never reach
     * the workbook, whoever made the stream: refuse it rather than drop
     * rows silently, so the analyst sees that the tables are wrong.
     */
    static const int named[] = {F_ROW_VAR, F_COL_VAR, F_ROW_CODE};
    for (k = 0; s->codebook && k < 3; k++) {
        const char *nm = fields[s->map[named[k]]];
        const svy_var *v = svy_codebook_find(s->codebook, nm);
        if (v && svy_var_pii(v))
            return svy_err_set(err, SVY_EPARSE,
                               "%s:%zu: variable '%s' is marked as PII in "
                               "the codebook: a report never shows it",
                               s->name, line, nm);
    }
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

/* Checklist: an entry here needs its line in 'words' below. */
enum {
    W_CONTENTS,
    W_METHODS,
    W_UNW,
    W_WGT,
    W_EFF,
    W_SE,
    W_TABLE,
    W_TEST,
    W_VERSION,
    W_INPUT,
    W_WEIGHTING,
    W_TOTAL,
    W_FIELDWORK,
    W_SAMPLE,
    W_DESIGN,
    W_SRS,
    W_STRATA,
    W_CLUSTERS,
    W_DEFF,
    W_ESS,
    W_MOE,
    W_MOED,
    W_MOE_NOTE,
    W_TARGETS,
    W_WLINE,
    W_FBASE,
    W_FSIG,
    W_FSIG2,
    W_FBONF,
    W_FLOW,
    W_FNET,
    W_FMR,
    W_REPORT,
    W_FBASE_ALL,
    W_FFILTER,
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
    {"Test", "Тест", "Тест"},
    {"svykit version", "Версия svykit", "svykit версиясы"},
    {"Input", "Входной файл", "Кирүү файлы"},
    {"Weighting", "Взвешивание", "Салмактоо"},
    {"Total", "Всего", "Баары"},
    {"Fieldwork", "Полевой этап", "Талаа иштери"},
    {"Sample size", "Объём выборки", "Тандоонун көлөмү"},
    {"Design", "Дизайн выборки", "Тандоонун дизайны"},
    {"none: simple random sample", "нет: простая случайная выборка",
     "жок: жөнөкөй кокустук тандоо"},
    {"strata", "страты", "страталар"},
    {"clusters (PSUs)", "кластеры (ПЕО)", "кластерлер (БТБ)"},
    {"Design effect (weighting, Kish)", "Дизайн-эффект (взвешивание, Киш)",
     "Дизайн-эффект (салмактоо, Киш)"},
    {"Effective sample size", "Эффективный объём выборки",
     "Тандоонун эффективдүү көлөмү"},
    {"Margin of error at 50%, simple random sample",
     "Предельная ошибка при 50%, простая случайная выборка",
     "50% үчүн ката чеги, жөнөкөй кокустук тандоо"},
    {"Margin of error at 50%, with the design effect",
     "Предельная ошибка при 50%, с учётом дизайн-эффекта",
     "50% үчүн ката чеги, дизайн-эффект менен"},
    {"Margin of error: half the width of the %g%% confidence interval of a "
     "50%% share, z \xc3\x97 \xe2\x88\x9a(0.25 / n) with z = %.3f; with the "
     "design effect z \xc3\x97 \xe2\x88\x9a(deff \xc3\x97 0.25 / n)",
     "Предельная ошибка: половина ширины %g%%-го доверительного интервала "
     "для доли 50%%, z \xc3\x97 \xe2\x88\x9a(0,25 / n), z = %.3f; с учётом "
     "дизайн-эффекта z \xc3\x97 \xe2\x88\x9a(deff \xc3\x97 0,25 / n)",
     "Ката чеги: 50%% үлүштүн %g%% ишеним интервалынын жарым туурасы, "
     "z \xc3\x97 \xe2\x88\x9a(0,25 / n), z = %.3f; дизайн-эффект менен "
     "z \xc3\x97 \xe2\x88\x9a(deff \xc3\x97 0,25 / n)"},
    {"Weighting targets and achieved shares",
     "Целевые и достигнутые доли взвешивания",
     "Салмактоонун максаттуу жана жетишилген үлүштөрү"},
    {"%s to %s; n = %g, design effect %.2f, effective sample size %.0f",
     "%s по %s; n = %g, дизайн-эффект %.2f, эффективный объём %.0f",
     "%s: %s; n = %g, дизайн-эффект %.2f, эффективдүү көлөм %.0f"},
    {"Base: respondents with a valid answer in each column; percentages of "
     "the column's weighted base",
     "База: респонденты с ответом в каждом столбце; проценты от взвешенной "
     "базы столбца",
     "Негиз: ар бир мамычада жооп бергендер; пайыздар мамычанын "
     "салмакталган негизинен"},
    {"Letters: significantly higher than the columns with those letters "
     "(column t test, lowercase p < %g%s); confidence level %g%%",
     "Буквы: значимо выше, чем в столбцах с этими буквами (t-тест по "
     "столбцам, строчные p < %g%s); доверительный уровень %g%%",
     "Тамгалар: ошол тамгалуу мамычалардан маанилүү жогору (мамычалардын "
     "t-тести, кичине тамгалар p < %g%s); ишеним деңгээли %g%%"},
    {", uppercase p < %g", ", прописные p < %g", ", баш тамгалар p < %g"},
    {", Bonferroni-adjusted", ", с поправкой Бонферрони",
     ", Бонферрони түзөтүүсү менен"},
    {"! base below %g respondents: no column test, read with caution",
     "! база меньше %g респондентов: без теста, интерпретировать осторожно",
     "! негиз %g респонденттен аз: тест жок, этият болуңуз"},
    {"Bold rows are nets: the share with any of the categories named",
     "Жирные строки - суммы: доля выбравших любую из названных категорий",
     "Калың саптар - жыйынды: аталган категориялардын бирин тандагандар"},
    {"Multiple responses: percentages add up to more than 100%",
     "Несколько ответов: сумма процентов больше 100%",
     "Бир нече жооп: пайыздардын суммасы 100%дан ашат"},
    {"Weighting report", "Отчёт о взвешивании", "Салмактоо отчёту"},
    {"Base: all respondents of each column, those without an answer "
     "included; percentages of the column's weighted base",
     "База: все респонденты столбца, включая не ответивших; проценты от "
     "взвешенной базы столбца",
     "Негиз: мамычанын бардык респонденттери, жооп бербегендер да; "
     "пайыздар мамычанын салмакталган негизинен"},
    {"Filter: ", "Фильтр: ", "Чыпка: "},
};

/* Heads of the targets table on the Methods sheet. */
static const char *const thead[6][SVY_NLANG] = {
    {"Margin", "Переменная", "Өзгөрмө"},
    {"Category", "Категория", "Категория"},
    {"n", "n", "n"},
    {"Target", "Цель", "Максат"},
    {"Unweighted", "Без веса", "Салмаксыз"},
    {"Achieved", "Достигнуто", "Жетишилди"},
};

/* ---- the workbook ---- */

typedef struct ctx {
    lxw_workbook *wb;
    lxw_format *bold, *center, *pct, *num, *intf, *link, *wrap;
    lxw_format *pct_low, *num_low, *int_low, *pct1, *num2, *note;
    lxw_format *int_l, *pct1_l, *num2_l, *num4_l, *sci_l; /* left aligned */
    const svy_xlsx_opts *o;
    svy_lang lang;
    const svy_json *wj; /* the weighting report, or NULL */
    double min_base, level, sig[2];
    int bonferroni;  /* the stream's column tests were Bonferroni-adjusted */
    double n_sample; /* largest unweighted base of a total column */
    svy_xlsx_notes notes;
    char *seen[1024]; /* "var\x1fcode" of the labels that fell back */
    size_t nseen;
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

/* A JSON number, or nothing when it is null or absent. */
static void
put_jnum(lxw_worksheet *ws, int r, int col, const svy_json *v, lxw_format *f)
{
    double x = svy_json_number(v);
    if (isfinite(x))
        worksheet_write_number(ws, (lxw_row_t)r, (lxw_col_t)col, x, f);
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

/* ---- labels from the codebook ---- */

/*
 * Count a label that fell back, once per variable and code (a category
 * recurs in every column); remember the first for the message.
 */
static void
fell_back(ctx *c, const char *var, const char *code)
{
    char key[160];
    size_t i;

    snprintf(key, sizeof key, "%s\x1f%s", var, code ? code : "");
    for (i = 0; i < c->nseen; i++)
        if (!strcmp(c->seen[i], key))
            return;
    /* Past the cap (or out of memory) a label may count twice. */
    if (c->nseen < sizeof c->seen / sizeof c->seen[0] &&
        (c->seen[c->nseen] = dupstr(key)))
        c->nseen++;
    if (c->notes.fallbacks++ == 0) {
        if (code)
            snprintf(c->notes.first, sizeof c->notes.first,
                     "variable '%s' value '%s'", var, code);
        else
            snprintf(c->notes.first, sizeof c->notes.first, "variable '%s'",
                     var);
    }
}

/* The label of variable 'name' in the report's language, else 'dflt'. */
static const char *
var_label(ctx *c, const char *name, const char *dflt)
{
    const svy_var *v =
        c->o->codebook ? svy_codebook_find(c->o->codebook, name) : NULL;
    int fb = 0;
    const char *l;

    if (!v)
        return dflt;
    l = svy_var_label(v, c->lang, &fb);
    if (fb)
        fell_back(c, name, NULL);
    return l;
}

/*
 * The label of value 'code' of 'var' in the report's language, falling
 * back to English and then to the code.
 */
static const char *
value_label(ctx *c, const svy_var *v, const char *code)
{
    int fb = 0;
    const char *l = svy_var_value_label(v, code, c->lang, &fb);
    if (fb)
        fell_back(c, svy_var_name(v), code);
    return l ? l : code;
}

/* Replace '*field' by a copy of 's'. */
static svy_status
replace(char **field, const char *s, svy_err *err)
{
    char *d;
    if (*field == s)
        return SVY_OK;
    if (!(d = dupstr(s)))
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    free(*field);
    *field = d;
    return SVY_OK;
}

/* 1 when 's' is the label of 'v' in some language, or its name. */
static int
is_var_label(const svy_var *v, const char *s)
{
    for (int l = 0; l < SVY_NLANG; l++)
        if (strcmp(svy_var_label(v, (svy_lang)l, NULL), s) == 0)
            return 1;
    return strcmp(svy_var_name(v), s) == 0;
}

/*
 * With a codebook, put the labels of the report's language into the
 * records: titles that are a variable's label (a spec's own title= stays),
 * category and banner-level labels of variables with value labels (the
 * codebook knows nothing better than the stream for the others), and
 * "Total".  A net's label comes from
 * the spec (its row_code joins codes with '+') and stays; an item of a
 * multiple-response set (row_var is the set, row_code the item's
 * variable) takes the item's variable label.
 */
static svy_status
relabel(ctx *c, stream *s, svy_err *err)
{
    const svy_codebook *cb = c->o->codebook;
    svy_status rc = SVY_OK;

    for (size_t i = 0; i < s->n && rc == SVY_OK; i++) {
        rec *r = &s->recs[i];
        const svy_var *rv = svy_codebook_find(cb, r->f[F_ROW_VAR]);
        const svy_var *cv = svy_codebook_find(cb, r->f[F_COL_VAR]);
        const char *st = r->f[F_STAT];
        if (!strcmp(st, "rao_scott_f") || !strcmp(st, "chisq"))
            continue;
        if (rv && is_var_label(rv, r->f[F_TITLE]))
            rc = replace(&r->f[F_TITLE],
                         var_label(c, r->f[F_ROW_VAR], r->f[F_TITLE]), err);
        if (rc == SVY_OK && !strcmp(st, "prop") && *r->f[F_ROW_CODE] &&
            !strchr(r->f[F_ROW_CODE], '+')) {
            if (rv && svy_var_nvalues(rv))
                rc = replace(&r->f[F_ROW_LABEL],
                             value_label(c, rv, r->f[F_ROW_CODE]), err);
            else if (svy_codebook_find(cb, r->f[F_ROW_CODE]))
                rc = replace(&r->f[F_ROW_LABEL],
                             var_label(c, r->f[F_ROW_CODE], r->f[F_ROW_LABEL]),
                             err);
        }
        if (rc == SVY_OK && !strcmp(r->f[F_COL_VAR], "total"))
            rc = replace(&r->f[F_COL_LABEL], W(c, W_TOTAL), err);
        else if (rc == SVY_OK && cv && svy_var_nvalues(cv))
            rc = replace(&r->f[F_COL_LABEL],
                         value_label(c, cv, r->f[F_COL_CODE]), err);
    }
    return rc;
}

/*
 * svy-tab repeats its run's settings on every record: where the stream
 * has them they are what was really used, so they win over the options
 * (which remain for streams made by other tools).  The first record
 * speaks for all: one svy-tab run writes the same values throughout.
 */
static void
settings_from_stream(ctx *c, const stream *s)
{
    if (s->n == 0)
        return;
    char *const *f = s->recs[0].f;
    double v;
    if (s->map[F_LEVEL] >= 0 && (v = num(f[F_LEVEL]), v > 0 && v < 1))
        c->level = v;
    if (s->map[F_SIG1] >= 0 && (v = num(f[F_SIG1]), v > 0 && v < 1))
        c->sig[0] = v;
    if (s->map[F_SIG2] >= 0) {
        v = num(f[F_SIG2]);
        c->sig[1] = v > 0 && v < c->sig[0] ? v : 0;
    }
    if (s->map[F_MIN_BASE] >= 0 && (v = num(f[F_MIN_BASE]), v >= 0))
        c->min_base = v;
    if (s->map[F_ADJUST] >= 0)
        c->bonferroni = !strcmp(f[F_ADJUST], "bonferroni");
}

/* ---- table sheets ---- */

/* The first row of estimates, below the three base rows. */
#define FIRST 7

/* 1 when record 'r' lies in a column whose base is below --min-base. */
static int
low_base(const ctx *c, const stream *s, const rec *r)
{
    if (s->map[F_LOW_BASE] >= 0)
        return !strcmp(r->f[F_LOW_BASE], "true") ||
               !strcmp(r->f[F_LOW_BASE], "1");
    double b = num(r->f[F_BASE_UNW]);
    return isfinite(b) && b < c->min_base;
}

/*
 * snprintf with one of the format words above: they are ours, not input,
 * and the only formats that are not literals.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
wfmt(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}
#pragma GCC diagnostic pop

/* Append 'line' to the footnote 'foot' (lines joined by '\n'). */
static svy_status
foot_line(svy_buf *foot, const char *line, svy_err *err)
{
    if ((foot->len && svy_buf_append(foot, "\n", 1)) ||
        svy_buf_append(foot, line, strlen(line)))
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    return SVY_OK;
}

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
    double w0 = 10, total_sum = 0;
    int any_low = 0, any_net = 0, is_mr = 0;
    char sig2[160], sigline[512], lowline[256], filtline[512];
    svy_buf tests = SVY_BUF_INIT, foot = SVY_BUF_INIT;
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
        if (j == nc && nc == 256)
            return svy_err_set(err, SVY_EPARSE,
                               "%s: table %s has more than 256 banner columns: "
                               "split its banner",
                               s->name, R[a].f[F_TABLE]);
        if (j == nc)
            cols[nc++] = i;
        for (j = 0; j < nr; j++)
            if (!strcmp(R[rows[j]].f[F_ROW_CODE], R[i].f[F_ROW_CODE]))
                break;
        if (j == nr && nr == 1024)
            return svy_err_set(err, SVY_EPARSE,
                               "%s: table %s has more than 1024 categories: "
                               "not a table for a report",
                               s->name, R[a].f[F_TABLE]);
        if (j == nr)
            rows[nr++] = i;
        if (!strcmp(R[i].f[F_COL_VAR], "total")) {
            double bu = num(R[i].f[F_BASE_UNW]);
            if (isfinite(bu) && bu > c->n_sample)
                c->n_sample = bu;
            if (is_prop && !strchr(R[i].f[F_ROW_CODE], '+') &&
                isfinite(num(R[i].f[F_ESTIMATE])))
                total_sum += num(R[i].f[F_ESTIMATE]);
        }
    }
    /*
     * A multiple-response set: its items are variables of the codebook
     * while the set is not one; without a codebook, shares of the total
     * column adding up to more than 1 give it away.
     */
    if (is_prop) {
        const svy_codebook *cb = c->o->codebook;
        if (cb)
            is_mr = !svy_codebook_find(cb, R[a].f[F_ROW_VAR]) &&
                    svy_codebook_find(cb, R[a].f[F_ROW_CODE]);
        else
            is_mr = total_sum > 1 + 1e-9;
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
            merge(ws, 1, 1 + 2 * (int)j, 2 * (int)k, var_label(c, cv, cv),
                  c->center);
        j = k;
    }
    for (j = 0; j < nc; j++) {
        const rec *cr = &R[cols[j]];
        int col = 1 + 2 * (int)j, low = low_base(c, s, cr);
        merge(ws, 2, col, col + 1, cr->f[F_COL_LABEL], c->center);
        if (*cr->f[F_COL_LETTER])
            merge(ws, 3, col, col + 1, cr->f[F_COL_LETTER], c->center);
        put_num(ws, 4, col, cr->f[F_BASE_UNW], low ? c->int_low : c->intf);
        if (low)
            worksheet_write_string(ws, 4, (lxw_col_t)col + 1, "!", c->int_low);
        put_num(ws, 5, col, cr->f[F_BASE_W], c->intf);
        put_num(ws, 6, col, cr->f[F_BASE_EFF], c->intf);
        double cw = width_of(cr->f[F_COL_LABEL]) / 2;
        worksheet_set_column(ws, (lxw_col_t)col, (lxw_col_t)col,
                             cw > 9 ? cw : 9, NULL);
        worksheet_set_column(ws, (lxw_col_t)col + 1, (lxw_col_t)col + 1,
                             cw > 5 ? cw : 5, NULL);
        any_low |= low;
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
        int net = is_prop && strchr(rr->f[F_ROW_CODE], '+') != NULL;
        if (!is_prop)
            lab = var_label(c, lab, lab);
        worksheet_write_string(ws, (lxw_row_t)(FIRST + step * j), 0, lab,
                               net ? c->bold : NULL);
        any_net |= net;
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
            double pv = num(R[i].f[F_P]), d1 = num(R[i].f[F_DF1]),
                   d2 = num(R[i].f[F_DF2]);
            char ptxt[32], dtxt[64] = "";
            /* "p = 0.000" reads as impossible: below 0.001 say so. */
            if (pv < 0.001)
                snprintf(ptxt, sizeof ptxt, "p < 0.001");
            else
                snprintf(ptxt, sizeof ptxt, "p = %.3f", pv);
            if (rs && isfinite(d1) && isfinite(d2))
                snprintf(dtxt, sizeof dtxt, "(%.2f, %.2f)", d1, d2);
            else if (!rs && isfinite(d1))
                snprintf(dtxt, sizeof dtxt, "(%g)", d1);
            if (svy_buf_printf(
                    &tests, "%s %s (%s): %s%s = %.3f, %s", tests.len ? ";" : "",
                    W(c, W_TEST),
                    var_label(c, R[i].f[F_COL_VAR], R[i].f[F_COL_VAR]),
                    rs ? "Rao-Scott F" : "chi2", dtxt, num(R[i].f[F_ESTIMATE]),
                    ptxt)) {
                rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
                goto out;
            }
            continue;
        }
        if (ci == nc || ri == nr)
            continue;
        int row = FIRST + (int)(step * ri), col = 1 + 2 * (int)ci;
        int low = low_base(c, s, &R[i]);
        put_num(ws, row, col, R[i].f[F_ESTIMATE],
                is_prop ? (low ? c->pct_low : c->pct)
                        : (low ? c->num_low : c->num));
        if (*R[i].f[F_SIG] || low) {
            char sg[80];
            snprintf(sg, sizeof sg, "%s%s", R[i].f[F_SIG], low ? "!" : "");
            worksheet_write_string(ws, (lxw_row_t)row, (lxw_col_t)col + 1, sg,
                                   low ? c->int_low : NULL);
        }
        if (step == 2)
            put_num(ws, row + 1, col, R[i].f[F_SE], low ? c->num_low : c->num);
    }
    worksheet_set_column(ws, 0, 0, w0, NULL);
    /* The footnote: base, test and level, then what this table needs. */
    sig2[0] = '\0';
    if (c->sig[1] > 0)
        wfmt(sig2, sizeof sig2, W(c, W_FSIG2), c->sig[1]);
    if (c->bonferroni) {
        size_t used = strlen(sig2);
        snprintf(sig2 + used, sizeof sig2 - used, "%s", W(c, W_FBONF));
    }
    wfmt(sigline, sizeof sigline, W(c, W_FSIG), c->sig[0], sig2,
         100 * c->level);
    wfmt(lowline, sizeof lowline, W(c, W_FLOW), c->min_base);
    /* svy-tab's --base and --filter, when the stream carries them. */
    snprintf(filtline, sizeof filtline, "%s%s", W(c, W_FFILTER),
             R[a].f[F_FILTER]);
    if ((rc = foot_line(
             &foot,
             W(c, strcmp(R[a].f[F_BASE_DEF], "all") ? W_FBASE : W_FBASE_ALL),
             err)) ||
        (*R[a].f[F_FILTER] && (rc = foot_line(&foot, filtline, err))) ||
        (rc = foot_line(&foot, sigline, err)) ||
        (any_low && (rc = foot_line(&foot, lowline, err))) ||
        (any_net && (rc = foot_line(&foot, W(c, W_FNET), err))) ||
        (is_mr && (rc = foot_line(&foot, W(c, W_FMR), err))) ||
        (tests.len && (rc = foot_line(&foot, tests.data + 1, err))))
        goto out;
    {
        /* One line a cell, so each stays readable at its full width. */
        lxw_row_t fr = (lxw_row_t)(FIRST + 1 + step * nr);
        char *p = foot.data, *nl;
        for (; p; p = nl ? nl + 1 : NULL, fr++) {
            if ((nl = strchr(p, '\n')))
                *nl = '\0';
            worksheet_write_string(ws, fr, 0, p, c->note);
        }
    }
    worksheet_freeze_panes(ws, 4, 1);
    /* Print: landscape, one page wide, headers and bases on every page. */
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, 0, FIRST - 1);
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
        /*
         * Categories top to bottom in table order: in a bar chart y_axis
         * is the category axis.
         */
        chart_axis_set_reverse(ch->y_axis);
        worksheet_insert_chart(ws, (lxw_row_t)(FIRST + 8 + step * nr), 0, ch);
    }
out:
    svy_buf_release(&tests);
    svy_buf_release(&foot);
    return rc;
}

/* ---- the Methods sheet ---- */

/* The z of a two-sided interval at 'level', by bisection on erfc. */
static double
z_of(double level)
{
    double lo = 0, hi = 10;
    for (int i = 0; i < 100; i++) {
        double m = (lo + hi) / 2;
        if (erfc(m / sqrt(2.0)) > 1 - level)
            lo = m;
        else
            hi = m;
    }
    return (lo + hi) / 2;
}

/* The sample size: the weighting report's n, else the largest base. */
static double
sample_n(const ctx *c)
{
    double n = svy_json_number(svy_json_get(c->wj, "n"));
    return isfinite(n) ? n : c->n_sample;
}

/* The margins of the weighting report joined by ", " into 'b'. */
static svy_status
margin_names(const ctx *c, svy_buf *b)
{
    const svy_json *m = svy_json_get(c->wj, "margins");
    for (size_t i = 0; i < svy_json_count(m); i++) {
        const char *nm =
            svy_json_string_value(svy_json_get(svy_json_at(m, i), "margin"));
        if (nm && svy_buf_printf(b, "%s%s", b->len ? ", " : "", nm))
            return SVY_ENOMEM;
    }
    return SVY_OK;
}

/* The weighting in one line (Contents), or NULL without a report. */
static svy_status
weighting_line(const ctx *c, svy_buf *b)
{
    const char *method = svy_json_string_value(svy_json_get(c->wj, "method"));
    svy_buf mn = SVY_BUF_INIT;
    svy_status rc;

    if (!c->wj)
        return SVY_OK;
    if ((rc = margin_names(c, &mn)) == SVY_OK) {
        char line[1024];
        wfmt(line, sizeof line, W(c, W_WLINE), method ? method : "?",
             mn.data ? mn.data : "-", sample_n(c),
             svy_json_number(svy_json_get(c->wj, "deff")),
             svy_json_number(svy_json_get(c->wj, "ess")));
        rc = svy_buf_append(b, line, strlen(line));
    }
    svy_buf_release(&mn);
    return rc;
}

/* The targets table: one row per category of each margin. */
static int
targets_table(ctx *c, lxw_worksheet *ws, int r)
{
    const svy_json *m = svy_json_get(c->wj, "margins");

    worksheet_write_string(ws, r++, 0, W(c, W_TARGETS), c->bold);
    for (int k = 0; k < 6; k++)
        worksheet_write_string(ws, (lxw_row_t)r, (lxw_col_t)k,
                               thead[k][c->lang], c->bold);
    r++;
    for (size_t i = 0; i < svy_json_count(m); i++) {
        const svy_json *mg = svy_json_at(m, i);
        const char *nm = svy_json_string_value(svy_json_get(mg, "margin"));
        const char *ty = svy_json_string_value(svy_json_get(mg, "type"));
        const svy_json *cats = svy_json_get(mg, "categories");
        const svy_var *v =
            nm && c->o->codebook ? svy_codebook_find(c->o->codebook, nm) : NULL;
        if (!nm)
            continue;
        if (ty && strcmp(ty, "categorical") != 0) {
            /* A numeric margin: its means, as numbers. */
            worksheet_write_string(ws, (lxw_row_t)r, 0, var_label(c, nm, nm),
                                   NULL);
            worksheet_write_string(ws, (lxw_row_t)r, 1, ty, NULL);
            put_jnum(ws, r, 2, svy_json_get(mg, "n"), c->intf);
            put_jnum(ws, r, 3, svy_json_get(mg, "target_mean"), c->num2);
            put_jnum(ws, r, 4, svy_json_get(mg, "unweighted_mean"), c->num2);
            put_jnum(ws, r++, 5, svy_json_get(mg, "achieved_mean"), c->num2);
            continue;
        }
        for (size_t j = 0; j < svy_json_count(cats); j++) {
            const svy_json *ct = svy_json_at(cats, j);
            const char *code =
                svy_json_string_value(svy_json_get(ct, "category"));
            const char *lab = code ? code : "";
            if (v && code && strcmp(code, "(missing)") != 0)
                lab = value_label(c, v, code);
            /* The margin's name on its first line only, as a heading. */
            if (j == 0)
                worksheet_write_string(ws, (lxw_row_t)r, 0,
                                       var_label(c, nm, nm), NULL);
            worksheet_write_string(ws, (lxw_row_t)r, 1, lab, NULL);
            put_jnum(ws, r, 2, svy_json_get(ct, "n"), c->intf);
            put_jnum(ws, r, 3, svy_json_get(ct, "target"), c->pct1);
            put_jnum(ws, r, 4, svy_json_get(ct, "unweighted"), c->pct1);
            put_jnum(ws, r++, 5, svy_json_get(ct, "achieved"), c->pct1);
        }
    }
    return r;
}

/*
 * The Methods sheet: design, sample, weighting and margins of error, the
 * targets table, the version and inputs with their hashes, and the
 * weighting report's other scalars.
 */
static svy_status
methods_sheet(ctx *c, const char *const *names, char hex[][65], size_t n,
              svy_err *err)
{
    lxw_worksheet *ws = workbook_add_worksheet(c->wb, W(c, W_METHODS));
    const svy_xlsx_opts *o = c->o;
    double ns = sample_n(c), z = z_of(c->level);
    double deff = svy_json_number(svy_json_get(c->wj, "deff"));
    svy_buf d = SVY_BUF_INIT;
    char note[512];
    int r = 2;

    if (!ws)
        return svy_err_set(err, SVY_EIO, "cannot add the methods sheet");
    worksheet_write_string(ws, 0, 0, W(c, W_METHODS), c->bold);
    worksheet_write_string(ws, r, 0, W(c, W_DESIGN), NULL);
    if ((o->strata && *o->strata &&
         svy_buf_printf(&d, "%s: %s", W(c, W_STRATA), o->strata)) ||
        (o->cluster && *o->cluster &&
         svy_buf_printf(&d, "%s%s: %s", d.len ? "; " : "", W(c, W_CLUSTERS),
                        o->cluster))) {
        svy_buf_release(&d);
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    }
    worksheet_write_string(ws, r++, 1, d.len ? d.data : W(c, W_SRS), NULL);
    svy_buf_release(&d);
    if (ns > 0) {
        worksheet_write_string(ws, r, 0, W(c, W_SAMPLE), NULL);
        worksheet_write_number(ws, (lxw_row_t)r++, 1, ns, c->int_l);
    }
    if (c->wj) {
        const char *me = svy_json_string_value(svy_json_get(c->wj, "method"));
        worksheet_write_string(ws, r, 0, W(c, W_WEIGHTING), NULL);
        worksheet_write_string(ws, r++, 1, me ? me : "", NULL);
        worksheet_write_string(ws, r, 0, W(c, W_DEFF), NULL);
        put_jnum(ws, r++, 1, svy_json_get(c->wj, "deff"), c->num2_l);
        worksheet_write_string(ws, r, 0, W(c, W_ESS), NULL);
        put_jnum(ws, r++, 1, svy_json_get(c->wj, "ess"), c->int_l);
    }
    if (ns > 0) {
        worksheet_write_string(ws, r, 0, W(c, W_MOE), NULL);
        worksheet_write_number(ws, (lxw_row_t)r++, 1, z * sqrt(0.25 / ns),
                               c->pct1_l);
        if (isfinite(deff)) {
            worksheet_write_string(ws, r, 0, W(c, W_MOED), NULL);
            worksheet_write_number(ws, (lxw_row_t)r++, 1,
                                   z * sqrt(deff * 0.25 / ns), c->pct1_l);
        }
        wfmt(note, sizeof note, W(c, W_MOE_NOTE), 100 * c->level, z);
        worksheet_write_string(ws, r++, 0, note, c->note);
    }
    if (c->wj) {
        r++;
        r = targets_table(c, ws, r);
    }
    r++;
    worksheet_write_string(ws, r, 0, W(c, W_VERSION), NULL);
    worksheet_write_string(ws, r++, 1, o->version ? o->version : "", NULL);
    /* The name on one row, its hash under it: each long text alone on
     * its row, so neither is cut by the next cell. */
    for (size_t i = 0; i < n; i++) {
        worksheet_write_string(ws, r, 0, W(c, W_INPUT), NULL);
        worksheet_write_string(ws, r++, 1, names[i], NULL);
        worksheet_write_string(ws, r, 0, "SHA-256", NULL);
        worksheet_write_string(ws, r++, 1, hex[i], NULL);
    }
    if (c->wj) {
        /* The report's other scalars, in its order; timings vary. */
        r++;
        worksheet_write_string(ws, r++, 0, W(c, W_REPORT), c->bold);
        for (size_t i = 0; i < svy_json_count(c->wj); i++) {
            const char *k = svy_json_key(c->wj, i);
            const svy_json *v = svy_json_at(c->wj, i);
            svy_json_type t = svy_json_type_of(v);
            if (!strncmp(k, "seconds_", 8) || t == SVY_JSON_ARRAY ||
                t == SVY_JSON_OBJECT || t == SVY_JSON_NULL)
                continue;
            worksheet_write_string(ws, r, 0, k, NULL);
            if (t == SVY_JSON_NUMBER) {
                double x = svy_json_number(v);
                put_jnum(ws, r++, 1, v,
                         x == floor(x) && fabs(x) < 1e15 ? c->int_l
                         : fabs(x) < 1e-3                ? c->sci_l
                                                         : c->num4_l);
            } else if (t == SVY_JSON_STRING)
                worksheet_write_string(ws, r++, 1, svy_json_string_value(v),
                                       NULL);
            else
                worksheet_write_string(
                    ws, r++, 1, t == SVY_JSON_TRUE ? "true" : "false", NULL);
        }
    }
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_set_column(ws, 0, 0, 48, NULL);
    worksheet_set_column(ws, 1, 1, 24, NULL);
    worksheet_set_column(ws, 2, 5, 12, NULL);
    return SVY_OK;
}

/* ---- the Contents sheet and the whole ---- */

static svy_status
build(ctx *c, const stream *s, const char *const *names, char hex[][65],
      size_t nin, svy_err *err)
{
    lxw_worksheet *cs = workbook_add_worksheet(c->wb, W(c, W_CONTENTS));
    const svy_xlsx_opts *o = c->o;
    const char *title = o->title ? o->title : "Survey tables";
    char sheet[32], link[64], label[64], fw[128];
    size_t a = 0, t = 0, n = 0;
    svy_buf wl = SVY_BUF_INIT;
    svy_status rc;
    int r = 2, top;
    double w1 = 40;

    if (!cs)
        return svy_err_set(err, SVY_EIO, "cannot add the contents sheet");
    worksheet_write_string(cs, 0, 0, title, c->bold);
    /* The sample size needs every table's bases: a pass before writing. */
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->recs[i].f[F_COL_VAR], "total") &&
            num(s->recs[i].f[F_BASE_UNW]) > c->n_sample)
            c->n_sample = num(s->recs[i].f[F_BASE_UNW]);
    if (o->fieldwork_start || o->fieldwork_end) {
        snprintf(fw, sizeof fw, "%s \xe2\x80\x93 %s",
                 o->fieldwork_start ? o->fieldwork_start : "?",
                 o->fieldwork_end ? o->fieldwork_end : "?");
        worksheet_write_string(cs, (lxw_row_t)r, 0, W(c, W_FIELDWORK), NULL);
        worksheet_write_string(cs, (lxw_row_t)r++, 1, fw, NULL);
    }
    if (sample_n(c) > 0) {
        worksheet_write_string(cs, (lxw_row_t)r, 0, W(c, W_SAMPLE), NULL);
        worksheet_write_number(cs, (lxw_row_t)r++, 1, sample_n(c), c->int_l);
    }
    if (weighting_line(c, &wl) != SVY_OK)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    if (wl.len) {
        w1 = width_of(wl.data);
        worksheet_write_string(cs, (lxw_row_t)r, 0, W(c, W_WEIGHTING), NULL);
        worksheet_write_string(cs, (lxw_row_t)r++, 1, wl.data, NULL);
    }
    svy_buf_release(&wl);
    top = r > 2 ? r + 1 : 2;
    worksheet_set_column(cs, 0, 0, 18, NULL);
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
        worksheet_write_url(cs, (lxw_row_t)(top + n), 0, link, c->link);
        worksheet_write_string(cs, (lxw_row_t)(top + n), 0, label, c->link);
        worksheet_write_string(cs, (lxw_row_t)(top + n), 1,
                               s->recs[a].f[F_TITLE], NULL);
        if (width_of(s->recs[a].f[F_TITLE]) > w1)
            w1 = width_of(s->recs[a].f[F_TITLE]);
        n++;
        if ((rc = table_sheet(c, s, a, b, sheet, err)) != SVY_OK)
            return rc;
        a = b;
    }
    worksheet_set_column(cs, 1, 1, w1, NULL);
    worksheet_fit_to_pages(cs, 1, 0);
    return methods_sheet(c, names, hex, nin, err);
}

/* Style bits of add_fmt. */
enum { ST_LEFT = 1, ST_BOLD = 2, ST_ITALIC = 4, ST_GREY = 8, ST_RED = 16 };

/* A cell format: number format 'num' (NULL: General) and 'style' bits. */
static lxw_format *
add_fmt(lxw_workbook *wb, const char *num, int style)
{
    lxw_format *f = workbook_add_format(wb);
    if (num)
        format_set_num_format(f, num);
    if (style & ST_LEFT)
        format_set_align(f, LXW_ALIGN_LEFT);
    if (style & ST_BOLD)
        format_set_bold(f);
    if (style & ST_ITALIC)
        format_set_italic(f);
    if (style & (ST_GREY | ST_RED))
        format_set_font_color(f,
                              style & ST_RED ? LXW_COLOR_RED : LXW_COLOR_GRAY);
    return f;
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
    svy_json *wj = NULL;
    svy_status rc;
    lxw_error le;

    s.name = strcmp(stream_path, "-") ? stream_path : "<stdin>";
    s.codebook = opts->codebook;
    if ((rc = slurp(&data, stream_path, err)) != SVY_OK)
        goto out;
    names[nin] = s.name;
    svy_sha256_hex(data.data ? data.data : "", data.len, hex[nin++]);
    if (opts->weighting) {
        if ((rc = slurp(&wjson, opts->weighting, err)) != SVY_OK ||
            (rc = svy_json_parse(&wj, opts->weighting,
                                 wjson.data ? wjson.data : "", wjson.len,
                                 err)) != SVY_OK)
            goto out;
        if (svy_json_type_of(wj) != SVY_JSON_OBJECT) {
            rc = svy_err_set(err, SVY_EPARSE,
                             "%s: not a weighting report (an object)",
                             opts->weighting);
            goto out;
        }
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
    c.o = opts;
    c.wj = wj;
    c.lang = opts->lang < SVY_NLANG ? opts->lang : SVY_LANG_EN;
    c.min_base = opts->min_base > 0 ? opts->min_base : 30;
    c.level = opts->level > 0 && opts->level < 1 ? opts->level : 0.95;
    c.sig[0] = opts->sig[0] > 0 ? opts->sig[0] : 0.05;
    c.sig[1] = opts->sig[1] > 0 ? opts->sig[1] : 0;
    settings_from_stream(&c, &s);
    if (opts->codebook && (rc = relabel(&c, &s, err)) != SVY_OK)
        goto out;
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
    if (!(c.wb = workbook_new_opt(tmp, &wo))) {
        rc = svy_err_set(err, SVY_EIO, "cannot create '%s'", out);
        goto out;
    }
    props.title = (char *)(opts->title ? opts->title : "Survey tables");
    props.created = 946684800; /* 2000-01-01: same input, same bytes */
    workbook_set_properties(c.wb, &props);
    c.bold = add_fmt(c.wb, NULL, ST_BOLD);
    c.center = workbook_add_format(c.wb);
    format_set_bold(c.center);
    format_set_align(c.center, LXW_ALIGN_CENTER);
    format_set_text_wrap(c.center);
    c.link = workbook_add_format(c.wb);
    format_set_underline(c.link, LXW_UNDERLINE_SINGLE);
    format_set_font_color(c.link, LXW_COLOR_BLUE);
    c.intf = add_fmt(c.wb, "#,##0", 0);
    c.int_l = add_fmt(c.wb, "#,##0", ST_LEFT);
    c.pct1_l = add_fmt(c.wb, "0.0%", ST_LEFT);
    c.num2_l = add_fmt(c.wb, "0.00", ST_LEFT);
    c.sci_l = add_fmt(c.wb, "0.00E+00", ST_LEFT);
    c.num4_l = add_fmt(c.wb, "0.0000", ST_LEFT);
    c.int_low = add_fmt(c.wb, "#,##0", ST_BOLD | ST_RED);
    c.pct1 = add_fmt(c.wb, "0.0%", 0);
    c.num2 = add_fmt(c.wb, "0.00", 0);
    c.note = add_fmt(c.wb, NULL, ST_ITALIC);
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
        c.pct = add_fmt(c.wb, pf, 0);
        c.num = add_fmt(c.wb, nf, 0);
        /* A low base: the same number, greyed and in italics. */
        c.pct_low = add_fmt(c.wb, pf, ST_ITALIC | ST_GREY);
        c.num_low = add_fmt(c.wb, nf, ST_ITALIC | ST_GREY);
    }
    if ((rc = build(&c, &s, names, hex, nin, err)) != SVY_OK)
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
    if (opts->notes)
        *opts->notes = c.notes;
out:
    if (c.wb) {
        /* Closing is the only way to free a workbook: it writes tmp. */
        workbook_close(c.wb);
    }
    if (tmp) {
        remove(tmp);
        free(tmp);
    }
    for (size_t i = 0; i < c.nseen; i++)
        free(c.seen[i]);
    svy_json_free(wj);
    svy_input_close(in);
    stream_release(&s);
    svy_buf_release(&data);
    svy_buf_release(&wjson);
    return rc;
}
