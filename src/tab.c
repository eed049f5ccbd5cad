/*
 * tab.c - banner tables over the design module.
 *
 * Layout: a table per row variable (proportions), per --mean variable and
 * per --total variable, numbered in that order.  Each table is laid out
 * row-major: for each category, the total column and then every level of
 * every banner variable; the table-level Rao-Scott tests (one pair per
 * banner variable) follow the cells.  The records live in one growing
 * array; their strings are copied into a list the result owns, so a
 * record never points into the caller's table or codebook.
 *
 * Estimation: one svy_design_props (or _means) call for the total column
 * and one per banner variable, with SVY_EST_COV so that the column tests
 * can use svy_estimates_compare (domains share PSUs, so their estimates
 * are correlated) and SVY_EST_CHISQ for the Rao-Scott tests.  Column
 * letters run across the whole banner, as market-research banners letter
 * them, so no two columns of a table share a letter: A..Z, then AA, AB,
 * ... as spreadsheet columns (a 40-level banner variable is common: a
 * county, an interviewer).  A cell lists the letters of the columns of
 * the same banner variable it is significantly above; once a banner has
 * two-letter columns its letters are separated by blanks.  With Bonferroni,
 * each p-value is multiplied by m(m-1)/2 for the m columns of its banner
 * variable: the family is the set of pairs one letter row can claim.
 *
 * Filter: conditions on variables ("age >= 30 and sex == 2", "q4 in 1,2",
 * "age in 18..29") parsed and evaluated in one pass into a byte mask,
 * passed as the 'subset' of every estimation call, so the rows outside
 * are a domain complement, never dropped: every PSU and stratum stays in
 * the variance (R's subset() of a design, not subset() of the data).
 *
 * Spec (tables.txt): parsed once into tables, nets and mrsets by a
 * one-line tokenizer (words, quoted strings, '=' and ','), so that every
 * error has a line and a column.  Each table line is a "group" with its
 * own banner, filter mask and letters, run by the same code as the
 * command line's tables; errors found while running (unknown variables)
 * get the line prefixed and become SVY_EPARSE (a bad spec, exit 3).  A net
 * or an mrset item is an extra row estimated from a two-level factor made
 * here (0: counts, 1: does not, -1: out of the base), so it gets SEs,
 * intervals and letters from the same engine calls as any category.
 * Labels and titles may be given per language (label@ru="..."), picked
 * by opts->lang when the records are made.
 *
 * Calibration: --calibrated hands the targets file's margins to
 * svy_design_set_calibration once, before any table; every estimate is
 * then calibration-aware (R's rake() or calibrate() residuals, design.h).
 *
 * Output: a writer is a vtable (accept/begin/row/end, tab.h) fed one
 * record at a time by svy_tab_write.  CSV writes each record as it comes;
 * JSON opens a table object when the table number changes and its
 * "tests" array at the first test record; text keeps the records of one
 * table until the next table starts, because column widths depend on
 * every row.  Writers compare strings, never pointers, so that a stream
 * read back from CSV (svy-report) can feed them too.  The fixed words
 * of the text format come from a per-language table (words_en/ru/ky).
 */
#include "svy/tab.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svy/buf.h"
#include "svy/csv.h"
#include "svy/mem.h"
#include "svy/num.h"
#include "svy/text.h"

struct svy_tab {
    svy_tab_cell *cells;
    size_t n, cap;
    char **strs; /* every string the records point to */
    size_t nstr, strcap;
    svy_tab_meta meta; /* meta.filter points into strs */
};

/* A comma-separated list split into copies; 'names' is NULL-terminated. */
typedef struct list {
    char **names;
    size_t n;
} list;

static void
list_free(list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    l->names = NULL;
    l->n = 0;
}

/*
 * Split 's' at commas into copies.  An empty name ("a,,b", a trailing
 * comma) is refused rather than skipped: it is almost always a typo, and
 * a silently shorter banner is worse than an error.
 */
static svy_status
list_split(list *l, const char *s, const char *what, svy_err *err)
{
    const char *p = s;

    l->names = NULL;
    l->n = 0;
    if (s == NULL || *s == '\0')
        return SVY_OK;
    if ((l->names = calloc(strlen(s) + 2, sizeof(char *))) == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    for (;;) {
        size_t len = strcspn(p, ",");
        if (len == 0) {
            list_free(l);
            return svy_err_set(err, SVY_EINVAL, "%s: empty name in '%s'", what,
                               s);
        }
        if ((l->names[l->n] = strndup(p, len)) == NULL) {
            list_free(l);
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        }
        l->n++;
        if (p[len] == '\0')
            return SVY_OK;
        p += len + 1;
    }
}

/*
 * A copy of 's' owned by 'tab'; NULL when out of memory.  Records point
 * at these copies, never at the caller's table or codebook, so the result
 * outlives both (the ownership rule of tab.h).
 */
static const char *
keep(svy_tab *tab, const char *s)
{
    char *c;

    if (tab->nstr == tab->strcap) {
        size_t cap = tab->strcap ? 2 * tab->strcap : 64;
        char **v = realloc(tab->strs, cap * sizeof(*v));
        if (v == NULL)
            return NULL;
        tab->strs = v;
        tab->strcap = cap;
    }
    if ((c = strdup(s ? s : "")) == NULL)
        return NULL;
    tab->strs[tab->nstr++] = c;
    return c;
}

/* A new record with every number NaN and every string "", or NULL. */
static svy_tab_cell *
add_cell(svy_tab *tab)
{
    svy_tab_cell *c;

    if (tab->n == tab->cap) {
        size_t cap = tab->cap ? 2 * tab->cap : 64;
        svy_tab_cell *v = realloc(tab->cells, cap * sizeof(*v));
        if (v == NULL)
            return NULL;
        tab->cells = v;
        tab->cap = cap;
    }
    c = &tab->cells[tab->n++];
    c->table = 0;
    c->title = c->stat = c->row_var = c->row_code = c->row_label = "";
    c->col_var = c->col_code = c->col_label = c->col_letter = c->sig = "";
    c->n_unw = c->base_unw = c->base_w = c->base_eff = NAN;
    c->estimate = c->se = c->ci_low = c->ci_high = c->deff = NAN;
    c->df1 = c->df2 = c->p = NAN;
    c->low_base = 0;
    c->base = tab->meta.base_all ? "all" : "valid";
    c->filter = "";
    return c;
}

static const char *
total_label(svy_lang lang)
{
    switch (lang) {
    case SVY_LANG_RU: return "Всего";
    case SVY_LANG_KY: return "Баары";
    default: return "Total";
    }
}

/* The label of value 'code' of 'var', or the code itself. */
static const char *
value_label(const svy_tab_opts *o, const char *var, const char *code)
{
    const svy_var *v = o->codebook ? svy_codebook_find(o->codebook, var) : NULL;
    const char *l = v ? svy_var_value_label(v, code, o->lang, NULL) : NULL;
    return l ? l : code;
}

static const char *
var_label(const svy_tab_opts *o, const char *var)
{
    const svy_var *v = o->codebook ? svy_codebook_find(o->codebook, var) : NULL;
    return v ? svy_var_label(v, o->lang, NULL) : var;
}

/*
 * Refuse names the table lacks and PII variables.  Both are usage errors
 * (SVY_EINVAL, exit 2): the data are fine, the request is not.  PII is
 * checked on banner and numeric variables too, since a banner of names
 * would print them as column labels.  'what' (the option, or NULL in a
 * spec, whose messages get "file:line: " instead) prefixes the message.
 */
static svy_status
check_vars(const list *l, const svy_table *t, const svy_tab_opts *o,
           const char *what, svy_err *err)
{
    const char *sep = what ? ": " : "";

    what = what ? what : "";
    for (size_t i = 0; i < l->n; i++) {
        const svy_var *v;
        if (svy_table_find(t, l->names[i]) == NULL)
            return svy_err_set(err, SVY_EINVAL, "%s%sunknown variable '%s'",
                               what, sep, l->names[i]);
        v = o->codebook ? svy_codebook_find(o->codebook, l->names[i]) : NULL;
        if (v && svy_var_pii(v))
            return svy_err_set(err, SVY_EINVAL,
                               "%s%svariable '%s' is marked as PII: not "
                               "tabulated",
                               what, sep, l->names[i]);
    }
    return SVY_OK;
}

/*
 * Refuse a mean or a total of a variable that is not numeric: the engine
 * would see every row as missing and print an empty table.
 */
static svy_status
check_numeric(const list *l, const svy_table *t, const char *what, svy_err *err)
{
    char buf[SVY_NUM_BUFSZ];

    for (size_t i = 0; i < l->n; i++) {
        const svy_column *c = svy_table_find(t, l->names[i]);
        if (svy_column_type(c) == SVY_NUM)
            continue;
        /* A text column of numbers (no codebook, no inference) is fine. */
        for (size_t r = 0; r < svy_table_nrows(t); r++) {
            const char *v = svy_column_format(c, r, buf, NULL);
            double x;
            if (!svy_column_is_empty(c, r) &&
                !svy_num_parse(v, strlen(v), 0, &x))
                return svy_err_set(err, SVY_EINVAL,
                                   "%s: variable '%s' is not numeric: '%s'",
                                   what, l->names[i], v);
        }
    }
    return SVY_OK;
}

int
svy_tab_adjust_parse(const char *s, svy_tab_adjust *out)
{
    if (strcmp(s, "none") == 0)
        *out = SVY_TAB_ADJUST_NONE;
    else if (strcmp(s, "bonferroni") == 0)
        *out = SVY_TAB_ADJUST_BONFERRONI;
    else
        return 0;
    return 1;
}

/* Does the text or number of cell 'row' of 'c' equal value 'v'? */
static int
cell_equals(const svy_column *c, size_t row, const char *v)
{
    char buf[SVY_NUM_BUFSZ];
    double num;

    if (svy_column_type(c) == SVY_NUM && svy_num_parse(v, strlen(v), 0, &num))
        return svy_column_num(c, row) == num;
    return strcmp(svy_column_format(c, row, buf, NULL), v) == 0;
}

/*
 * The filter language, parsed and evaluated in one pass:
 *
 *   EXPR := COND { (and | or) COND }      and binds tighter than or
 *   COND := VAR OP VALUE | VAR in ITEM {, ITEM}
 *   OP   := == | != | < | <= | > | >=     (the last four on numbers)
 *   ITEM := VALUE | LOW..HIGH              (a range, numbers)
 *
 * A VALUE is a word or a "quoted string" (for blanks).  Kept small on
 * purpose: the full expression language belongs to svy-clean's rules,
 * and a table's domain is almost always a few codes of one or two
 * variables.  'what' names the filter in messages ("--filter").
 */
typedef struct fparse {
    const char *what, *e, *p;
    char kind; /* 'w' word, 's' string, 'o' operator, ',', 0 end */
    char tok[64];
    char *big; /* a token too long for 'tok' (owned) */
    svy_err *err;
} fparse;

static const char *
ftext(const fparse *f)
{
    return f->big ? f->big : f->tok;
}

static svy_status
fnext(fparse *f)
{
    const char *p = f->p, *q;
    size_t n;

    free(f->big);
    f->big = NULL;
    f->tok[0] = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p == '\0') {
        f->kind = 0;
        f->p = p;
        return SVY_OK;
    }
    if (*p == '"') {
        svy_buf b = SVY_BUF_INIT;
        for (q = p + 1; *q != '"'; q++) {
            if (*q == '\0') {
                svy_buf_release(&b);
                return svy_err_set(f->err, SVY_EINVAL,
                                   "%s: unterminated string in '%s'", f->what,
                                   f->e);
            }
            if (*q == '\\' && (q[1] == '"' || q[1] == '\\'))
                q++;
            if (svy_buf_putc(&b, *q) != SVY_OK) {
                svy_buf_release(&b);
                return svy_err_set(f->err, SVY_ENOMEM, "out of memory");
            }
        }
        f->big = b.data ? b.data : strdup("");
        f->kind = 's';
        f->p = q + 1;
        return f->big ? SVY_OK
                      : svy_err_set(f->err, SVY_ENOMEM, "out of memory");
    }
    if (strchr("=!<>", *p)) {
        n = p[1] == '=' ? 2 : 1;
        f->kind = 'o';
    } else if (*p == ',') {
        n = 1;
        f->kind = ',';
    } else {
        n = strcspn(p, " \t=!<>,\"");
        f->kind = 'w';
    }
    if (n < sizeof(f->tok)) {
        memcpy(f->tok, p, n);
        f->tok[n] = '\0';
    } else if ((f->big = strndup(p, n)) == NULL)
        return svy_err_set(f->err, SVY_ENOMEM, "out of memory");
    f->p = p + n;
    return SVY_OK;
}

/* Is 'v' a number?  Into '*x'. */
static int
fnum(const char *v, double *x)
{
    return svy_num_parse(v, strlen(v), 0, x);
}

/*
 * One condition into 'hit' (a byte per row); the parser is on its
 * variable name and is left on the token after it.
 */
static svy_status
fcond(fparse *f, const svy_table *t, const svy_tab_opts *o, unsigned char *hit,
      svy_err *err)
{
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
    size_t n = svy_table_nrows(t), op, r;
    const svy_column *c;
    svy_status rc;
    char *name;
    list one = {0};

    if (f->kind != 'w' || !strcmp(f->tok, "and") || !strcmp(f->tok, "or"))
        return svy_err_set(err, SVY_EINVAL,
                           "%s: expected a variable name%s%s%s in '%s'",
                           f->what, f->kind ? " at '" : " at the end", ftext(f),
                           f->kind ? "'" : "", f->e);
    if ((name = strdup(ftext(f))) == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    one.names = &name;
    one.n = 1;
    if ((rc = check_vars(&one, t, o, f->what, err)) != SVY_OK)
        goto out;
    c = svy_table_find(t, name);
    if ((rc = fnext(f)) != SVY_OK)
        goto out;
    for (op = 0; op < 6 && !(f->kind == 'o' && !strcmp(f->tok, ops[op])); op++)
        ;
    if (op == 6 && !(f->kind == 'w' && !strcmp(f->tok, "in"))) {
        rc = svy_err_set(err, SVY_EINVAL,
                         "%s: expected ==, !=, <, <=, >, >= or in after '%s', "
                         "got '%s' in '%s'",
                         f->what, name, f->kind ? ftext(f) : "", f->e);
        goto out;
    }
    if (op >= 2 && op < 6 && svy_column_type(c) != SVY_NUM) {
        rc = svy_err_set(err, SVY_EINVAL,
                         "%s: '%s' compares numbers but '%s' is not numeric",
                         f->what, ops[op], name);
        goto out;
    }
    memset(hit, 0, n);
    do {
        const char *v, *dots;
        double x = 0, lo, hi;
        int range = 0;
        if ((rc = fnext(f)) != SVY_OK)
            goto out;
        if (f->kind != 'w' && f->kind != 's') {
            rc = svy_err_set(err, SVY_EINVAL,
                             "%s: expected a value after '%s' in '%s'", f->what,
                             op < 6 ? ops[op] : "in", f->e);
            goto out;
        }
        v = ftext(f);
        if (op == 6 && f->kind == 'w' && (dots = strstr(v, "..")) != NULL) {
            char *a = strndup(v, (size_t)(dots - v));
            range = a && fnum(a, &lo) && fnum(dots + 2, &hi) && lo <= hi;
            free(a);
            if (!range || svy_column_type(c) != SVY_NUM) {
                rc = svy_err_set(err, SVY_EINVAL,
                                 "%s: bad range '%s': expected LOW..HIGH on "
                                 "a numeric variable",
                                 f->what, v);
                goto out;
            }
        } else if (op >= 2 && op < 6 && !fnum(v, &x)) {
            rc = svy_err_set(err, SVY_EINVAL,
                             "%s: '%s' compares numbers, got '%s'", f->what,
                             ops[op], v);
            goto out;
        }
        for (r = 0; r < n; r++) {
            double y;
            /* Missing is outside the domain under every operator. */
            if (svy_column_is_empty(c, r))
                continue;
            if (range) {
                y = svy_column_num(c, r);
                hit[r] |= y >= lo && y <= hi;
            } else if (op < 2 || op == 6) {
                hit[r] |= cell_equals(c, r, v);
            } else {
                y = svy_column_num(c, r);
                hit[r] = op == 2   ? y < x
                         : op == 3 ? y <= x
                         : op == 4 ? y > x
                                   : y >= x;
            }
        }
        if ((rc = fnext(f)) != SVY_OK)
            goto out;
    } while (op == 6 && f->kind == ',');
    if (op == 1)
        for (r = 0; r < n; r++)
            hit[r] = !hit[r] && !svy_column_is_empty(c, r);
out:
    free(name);
    return rc;
}

/*
 * Parse filter 'e' and mark in '*out' (one byte per row, owned by the
 * caller) the rows that pass it.  'what' names it in messages.
 */
static svy_status
filter_mask(unsigned char **out, const svy_table *t, const svy_tab_opts *o,
            const char *what, const char *e, svy_err *err)
{
    size_t n = svy_table_nrows(t), r;
    unsigned char *any = calloc(n ? n : 1, 1), *all = malloc(n ? n : 1);
    unsigned char *hit = malloc(n ? n : 1);
    fparse f = {0};
    svy_status rc;

    *out = NULL;
    if (any == NULL || all == NULL || hit == NULL) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    f.what = what;
    f.e = f.p = e;
    f.err = err;
    memset(all, 1, n);
    if ((rc = fnext(&f)) != SVY_OK)
        goto out;
    for (;;) {
        if ((rc = fcond(&f, t, o, hit, err)) != SVY_OK)
            goto out;
        for (r = 0; r < n; r++)
            all[r] &= hit[r];
        if (f.kind == 0)
            break;
        if (f.kind != 'w' || (strcmp(f.tok, "and") && strcmp(f.tok, "or"))) {
            rc = svy_err_set(err, SVY_EINVAL,
                             "%s: expected and, or or the end after a "
                             "condition, got '%s' in '%s' (quote a value "
                             "with blanks)",
                             what, ftext(&f), e);
            goto out;
        }
        if (f.tok[0] == 'o') {
            /* and binds tighter: close this conjunction. */
            for (r = 0; r < n; r++)
                any[r] |= all[r];
            memset(all, 1, n);
        }
        if ((rc = fnext(&f)) != SVY_OK)
            goto out;
    }
    for (r = 0; r < n; r++)
        any[r] |= all[r];
    *out = any;
    any = NULL;
out:
    free(f.big);
    free(any);
    free(all);
    free(hit);
    return rc;
}

/* ---- The table specification (tables.txt). ---- */

typedef struct spec_table {
    size_t line;
    char *vars, *by;  /* comma lists without blanks; 'by' NULL: opts->cols */
    const char *stat; /* "prop", "mean" or "total" (static) */
    char *filter, *title;    /* NULL when not given */
    char *titles[SVY_NLANG]; /* title@LANG; NULL when not given */
} spec_table;

/*
 * A net (codes of var shown as one extra row) or an mrset (items).  The
 * label is the quoted one, 'labels' those of label@LANG="...", as the
 * codebook has label and label@ru columns.
 */
typedef struct spec_group {
    size_t line;
    char *name, *label;
    char *labels[SVY_NLANG]; /* NULL when not given */
    list members;            /* the net's codes or the mrset's item variables */
} spec_group;

/*
 * The text in language 'lang': its own (label@ru) when given, else the
 * plain one, else 'fallback' (a name).  Borrowed.
 */
static const char *
in_lang(char *const *own, svy_lang lang, const char *plain,
        const char *fallback)
{
    if (own[lang] != NULL && *own[lang])
        return own[lang];
    return plain && *plain ? plain : fallback;
}

struct svy_tab_spec {
    spec_table *tables;
    size_t ntables;
    spec_group *nets, *mrsets;
    size_t nnets, nmrsets;
};

void
svy_tab_spec_free(svy_tab_spec *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->ntables; i++) {
        free(s->tables[i].vars);
        free(s->tables[i].by);
        free(s->tables[i].filter);
        free(s->tables[i].title);
        for (int l = 0; l < SVY_NLANG; l++)
            free(s->tables[i].titles[l]);
    }
    for (size_t i = 0; i < s->nnets + s->nmrsets; i++) {
        spec_group *g = i < s->nnets ? &s->nets[i] : &s->mrsets[i - s->nnets];
        free(g->name);
        free(g->label);
        for (int l = 0; l < SVY_NLANG; l++)
            free(g->labels[l]);
        list_free(&g->members);
    }
    free(s->tables);
    free(s->nets);
    free(s->mrsets);
    free(s);
}

size_t
svy_tab_spec_ntables(const svy_tab_spec *s)
{
    return s ? s->ntables : 0;
}

/* The mrset named 'name', or NULL. */
static const spec_group *
spec_mrset(const svy_tab_spec *s, const char *name)
{
    for (size_t i = 0; s && i < s->nmrsets; i++)
        if (strcmp(s->mrsets[i].name, name) == 0)
            return &s->mrsets[i];
    return NULL;
}

/*
 * The tokenizer of one line.  Tokens are words (runs of anything but
 * blanks, '=', ',', '"' and '#'), quoted strings, '=' and ','; '#' ends
 * the line.  'col' of a token is its 1-based byte column, for messages.
 */
typedef struct lexer {
    const char *name;
    size_t line;
    const char *s, *p; /* the line and the cursor */
    char kind;         /* 'w' word, 's' string, '=', ',', 0 end */
    char *tok;         /* text of a word or string (owned) */
    size_t col;
    svy_err *err;
} lexer;

static svy_status
lex_error(lexer *lx, size_t col, const char *msg, const char *arg)
{
    return svy_err_set(lx->err, SVY_EPARSE, "%s:%zu:%zu: %s%s%s%s", lx->name,
                       lx->line, col, msg, arg ? " '" : "", arg ? arg : "",
                       arg ? "'" : "");
}

/* Advance to the next token. */
static svy_status
lex_next(lexer *lx)
{
    const char *p = lx->p;

    free(lx->tok);
    lx->tok = NULL;
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    lx->col = (size_t)(p - lx->s) + 1;
    if (*p == '\0' || *p == '#') {
        lx->kind = 0;
        lx->p = p;
        return SVY_OK;
    }
    if (*p == '=' || *p == ',') {
        lx->kind = *p;
        lx->p = p + 1;
        return SVY_OK;
    }
    if (*p == '"') {
        svy_buf b = SVY_BUF_INIT;
        for (p++; *p != '"'; p++) {
            if (*p == '\0') {
                svy_buf_release(&b);
                return lex_error(lx, lx->col, "unterminated string", NULL);
            }
            if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
                p++;
            if (svy_buf_putc(&b, *p) != SVY_OK) {
                svy_buf_release(&b);
                return svy_err_set(lx->err, SVY_ENOMEM, "out of memory");
            }
        }
        lx->tok = b.data ? b.data : strdup("");
        lx->kind = 's';
        lx->p = p + 1;
    } else {
        size_t n = strcspn(p, " \t\r=,\"#");
        lx->tok = strndup(p, n);
        lx->kind = 'w';
        lx->p = p + n;
    }
    if (lx->tok == NULL)
        return svy_err_set(lx->err, SVY_ENOMEM, "out of memory");
    return SVY_OK;
}

/*
 * A comma list of words (blanks around commas allowed) into '*out' as
 * "a,b,c"; the lexer is left on the token after the list.  With 'range',
 * an item "q9_1..q9_8" expands to q9_1,q9_2,...,q9_8.
 */
static svy_status
lex_list(lexer *lx, char **out, const char *what, int range)
{
    svy_buf b = SVY_BUF_INIT;
    svy_status rc;

    *out = NULL;
    for (;;) {
        const char *dots;
        if (lx->kind != 'w') {
            svy_buf_release(&b);
            return lex_error(lx, lx->col, what, NULL);
        }
        if (b.len && svy_buf_putc(&b, ',') != SVY_OK)
            goto nomem;
        dots = range ? strstr(lx->tok, "..") : NULL;
        if (dots) {
            /* PREFIX<a>..PREFIX<b>: the same prefix, numbers a <= b. */
            size_t pl = (size_t)(dots - lx->tok), nl = pl;
            const char *hi = dots + 2;
            char *e1, *e2;
            while (nl > 0 && lx->tok[nl - 1] >= '0' && lx->tok[nl - 1] <= '9')
                nl--;
            long a = strtol(lx->tok + nl, &e1, 10);
            long z =
                strncmp(hi, lx->tok, nl) == 0 && hi[nl] >= '0' && hi[nl] <= '9'
                    ? strtol(hi + nl, &e2, 10)
                    : -1;
            if (nl == pl || z < 0 || *e2 != '\0' || e1 != dots || z < a ||
                z - a > 999) {
                svy_buf_release(&b);
                return svy_err_set(lx->err, SVY_EPARSE,
                                   "%s:%zu:%zu: bad range '%s': expected "
                                   "PREFIX1..PREFIXn",
                                   lx->name, lx->line, lx->col, lx->tok);
            }
            for (long k = a; k <= z; k++)
                if (svy_buf_printf(&b, "%s%.*s%ld", k > a ? "," : "", (int)nl,
                                   lx->tok, k) != SVY_OK)
                    goto nomem;
        } else if (svy_buf_puts(&b, lx->tok) != SVY_OK)
            goto nomem;
        if ((rc = lex_next(lx)) != SVY_OK)
            goto fail;
        if (lx->kind != ',')
            break;
        if ((rc = lex_next(lx)) != SVY_OK)
            goto fail;
    }
    *out = b.data;
    return SVY_OK;
nomem:
    rc = svy_err_set(lx->err, SVY_ENOMEM, "out of memory");
fail:
    svy_buf_release(&b);
    return rc;
}

/*
 * When word 'key' is 'base'@LANG ("label@ru"), the language's slot of
 * 'v' into '*slot' and 1; 0 when it is not of that form; an error (at
 * column 'col') for an unknown language or a key given twice.
 */
static int
lang_key(lexer *lx, const char *key, const char *base, size_t col, char **v,
         char ***slot, svy_status *rc)
{
    size_t n = strlen(base);
    svy_lang lang;

    if (strncmp(key, base, n) != 0 || key[n] != '@')
        return 0;
    if (svy_lang_parse(key + n + 1, &lang) < 0)
        *rc = svy_err_set(lx->err, SVY_EPARSE,
                          "%s:%zu:%zu: unknown language '%s' in '%s': "
                          "expected en, ru or ky",
                          lx->name, lx->line, col, key + n + 1, key);
    else if (v[lang] != NULL)
        *rc = lex_error(lx, col, "duplicate key", key);
    else
        *slot = &v[lang];
    return 1;
}

/* table VARS [by BANNER] [key=value ...] */
static svy_status
parse_table(lexer *lx, spec_table *tb)
{
    svy_status rc;

    if ((rc = lex_list(lx, &tb->vars, "expected a variable name", 0)))
        return rc;
    if (lx->kind == 'w' && strcmp(lx->tok, "by") == 0 &&
        ((rc = lex_next(lx)) ||
         (rc = lex_list(lx, &tb->by, "expected a banner variable after 'by'",
                        0))))
        return rc;
    while (lx->kind != 0) {
        size_t kcol = lx->col, vcol;
        char *key;
        if (lx->kind != 'w')
            return lex_error(lx, lx->col, "expected key=value", NULL);
        key = lx->tok;
        lx->tok = NULL;
        if ((rc = lex_next(lx)) != SVY_OK || lx->kind != '=' ||
            (rc = lex_next(lx)) != SVY_OK) {
            if (rc == SVY_OK)
                rc = lex_error(lx, lx->col, "expected '=' after", key);
            free(key);
            return rc;
        }
        vcol = lx->col;
        char **slot = NULL;
        if (lx->kind != 'w' && lx->kind != 's') {
            rc = lex_error(lx, vcol, "expected a value after", key);
        } else if (lang_key(lx, key, "title", kcol, tb->titles, &slot, &rc)) {
            if (slot) {
                *slot = lx->tok;
                lx->tok = NULL;
            }
        } else if (strcmp(key, "stat") == 0) {
            if (strcmp(lx->tok, "percent") == 0)
                tb->stat = "prop";
            else if (strcmp(lx->tok, "mean") == 0)
                tb->stat = "mean";
            else if (strcmp(lx->tok, "total") == 0)
                tb->stat = "total";
            else
                rc = lex_error(lx, vcol,
                               "stat: expected percent, mean or total, got",
                               lx->tok);
        } else if (strcmp(key, "filter") == 0 || strcmp(key, "title") == 0) {
            char **dst = key[0] == 'f' ? &tb->filter : &tb->title;
            free(*dst);
            *dst = lx->tok;
            lx->tok = NULL;
        } else
            rc = svy_err_set(lx->err, SVY_EPARSE,
                             "%s:%zu:%zu: unknown key '%s': expected stat, "
                             "filter, title or title@LANG",
                             lx->name, lx->line, kcol, key);
        free(key);
        if (rc != SVY_OK || (rc = lex_next(lx)) != SVY_OK)
            return rc;
    }
    return SVY_OK;
}

/* net VAR "LABEL" = CODES, and mrset NAME "LABEL" = VARS, then any
 * label@LANG="TEXT" */
static svy_status
parse_group(lexer *lx, spec_group *g, int mrset)
{
    char *members = NULL;
    svy_status rc;

    if (lx->kind != 'w')
        return lex_error(lx, lx->col,
                         mrset ? "expected a set name" : "expected a variable",
                         NULL);
    g->name = lx->tok;
    lx->tok = NULL;
    if ((rc = lex_next(lx)) != SVY_OK)
        return rc;
    if (lx->kind != 's')
        return lex_error(lx, lx->col, "expected a quoted label", NULL);
    g->label = lx->tok;
    lx->tok = NULL;
    if ((rc = lex_next(lx)) != SVY_OK)
        return rc;
    if (lx->kind != '=')
        return lex_error(lx, lx->col, "expected '='", NULL);
    if ((rc = lex_next(lx)) ||
        (rc = lex_list(lx, &members,
                       mrset ? "expected a variable name" : "expected a code",
                       mrset)))
        return rc;
    rc = list_split(&g->members, members, "spec", lx->err);
    free(members);
    while (rc == SVY_OK && lx->kind != 0) {
        size_t kcol = lx->col;
        char *key, **slot = NULL;
        if (lx->kind != 'w')
            return lex_error(lx, lx->col,
                             "expected label@LANG=\"...\" after the list",
                             NULL);
        key = lx->tok;
        lx->tok = NULL;
        if (!lang_key(lx, key, "label", kcol, g->labels, &slot, &rc))
            rc = svy_err_set(lx->err, SVY_EPARSE,
                             "%s:%zu:%zu: unknown key '%s': expected "
                             "label@LANG",
                             lx->name, lx->line, kcol, key);
        else if (rc == SVY_OK && (rc = lex_next(lx)) == SVY_OK) {
            if (lx->kind != '=')
                rc = lex_error(lx, lx->col, "expected '=' after", key);
            else if ((rc = lex_next(lx)) == SVY_OK && lx->kind != 's')
                rc = lex_error(lx, lx->col, "expected a quoted label after",
                               key);
            else if (rc == SVY_OK) {
                *slot = lx->tok;
                lx->tok = NULL;
                rc = lex_next(lx);
            }
        }
        free(key);
    }
    return rc;
}

/* Grow '*v' (of '*n' elements of 'size' bytes) by one zeroed element. */
static void *
grow(void *v, size_t *n, size_t size)
{
    char *p = realloc(v, (*n + 1) * size);
    if (p == NULL)
        return NULL;
    memset(p + *n * size, 0, size);
    (*n)++;
    return p;
}

/* Parse one line into 's'. */
static svy_status
parse_line(svy_tab_spec *s, lexer *lx)
{
    svy_status rc;
    void *v;

    if ((rc = lex_next(lx)) != SVY_OK || lx->kind == 0)
        return rc;
    if (lx->kind != 'w' ||
        (strcmp(lx->tok, "table") != 0 && strcmp(lx->tok, "net") != 0 &&
         strcmp(lx->tok, "mrset") != 0))
        return lex_error(lx, lx->col, "expected table, net or mrset, got",
                         lx->tok ? lx->tok : (char[]){lx->kind, '\0'});
    if (strcmp(lx->tok, "table") == 0) {
        if ((v = grow(s->tables, &s->ntables, sizeof(*s->tables))) == NULL)
            return svy_err_set(lx->err, SVY_ENOMEM, "out of memory");
        s->tables = v;
        s->tables[s->ntables - 1].line = lx->line;
        s->tables[s->ntables - 1].stat = "prop";
        return (rc = lex_next(lx))
                   ? rc
                   : parse_table(lx, &s->tables[s->ntables - 1]);
    }
    int mr = strcmp(lx->tok, "mrset") == 0;
    spec_group **arr = mr ? &s->mrsets : &s->nets;
    size_t *n = mr ? &s->nmrsets : &s->nnets;
    if ((v = grow(*arr, n, sizeof(**arr))) == NULL)
        return svy_err_set(lx->err, SVY_ENOMEM, "out of memory");
    *arr = v;
    (*arr)[*n - 1].line = lx->line;
    size_t col;
    if ((rc = lex_next(lx)) != SVY_OK)
        return rc;
    col = lx->col;
    if ((rc = parse_group(lx, &(*arr)[*n - 1], mr)) != SVY_OK)
        return rc;
    if (mr && spec_mrset(s, (*arr)[*n - 1].name) != &(*arr)[*n - 1])
        return lex_error(lx, col, "duplicate mrset", (*arr)[*n - 1].name);
    return SVY_OK;
}

svy_status
svy_tab_spec_parse(svy_tab_spec **out, const char *name, const char *text,
                   size_t len, svy_err *err)
{
    svy_tab_spec *s = calloc(1, sizeof(*s));
    lexer lx = {0};
    svy_status rc = SVY_OK;
    size_t off = 0;

    *out = NULL;
    if (s == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    lx.name = name;
    lx.err = err;
    while (off < len && rc == SVY_OK) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
        char *line = strndup(text + off, n);
        if (line == NULL) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            break;
        }
        lx.line++;
        lx.s = lx.p = line;
        if (memchr(text + off, '\0', n) != NULL)
            rc = lex_error(&lx, 1, "NUL byte in the line", NULL);
        else
            rc = parse_line(s, &lx);
        free(lx.tok);
        lx.tok = NULL;
        free(line);
        off += n + 1;
    }
    if (rc != SVY_OK) {
        svy_tab_spec_free(s);
        return rc;
    }
    *out = s;
    return SVY_OK;
}

svy_status
svy_tab_spec_read(svy_tab_spec **out, const char *path, svy_err *err)
{
    svy_input *in = NULL;
    svy_buf b = SVY_BUF_INIT;
    svy_status rc;
    size_t got;

    *out = NULL;
    if ((rc = svy_input_open(&in, path, err)) != SVY_OK)
        return rc;
    do {
        if ((rc = svy_buf_grow(&b, 65536)) != SVY_OK) {
            rc = svy_err_set(err, rc, "out of memory");
            goto out;
        }
        if ((rc = svy_input_read(in, b.data + b.len, 65536, &got, err)))
            goto out;
        b.len += got;
    } while (got > 0);
    rc = svy_tab_spec_parse(out, path, b.data ? b.data : "", b.len, err);
out:
    svy_buf_release(&b);
    svy_input_close(in);
    return rc;
}

/* Everything one table needs while its records are made. */
typedef struct ctx {
    svy_tab *tab;
    const svy_tab_opts *o;
    const list *cols;
    svy_factor **bf;   /* one factor per banner variable */
    const char **lett; /* letter(s) of each banner column */
    int wide;          /* some letters have two: blanks in sig */
    size_t *first;     /* index of banner variable i's first column */
    long whole;        /* a banner variable with every row in a column, or -1 */
    double *secs;      /* each banner variable's call on the last table */
    const unsigned char *subset; /* the --filter domain, or NULL */
    size_t table;
    const char *title, *stat, *var;
    const spec_table *title_over; /* a spec line's titles, or NULL */
    int spec_filter;              /* the filter is a spec line's */
    const char *filter;           /* the group's filter (kept), "" for none */
    const svy_tab_spec *spec;     /* nets and mrsets, or NULL */
    const char *spec_name;        /* for messages */
} ctx;

/* Fill 'c' from engine cell 'e'; 'use_total' picks the total estimate. */
static void
fill(svy_tab_cell *c, const svy_cell *e, int use_total, double min_base)
{
    const svy_est *s = use_total ? &e->total : &e->mean;

    c->n_unw = e->n;
    c->base_unw = e->base_n;
    c->base_w = e->base_w;
    c->base_eff = e->base_eff;
    c->estimate = s->est;
    c->se = s->se;
    c->ci_low = s->ci_low;
    c->ci_high = s->ci_high;
    c->deff = s->deff;
    /* An empty domain has no estimate; an SE of 0 beside it would mislead. */
    if (isnan(c->estimate))
        c->se = c->ci_low = c->ci_high = c->deff = NAN;
    c->low_base = e->base_n < min_base;
}

/*
 * The letters of the columns of banner variable 'i' that cell (k, j) is
 * significantly above, into 'b' (reset first).  Letters are written
 * together ("bc") while the banner has single letters only, and separated
 * by blanks ("b aa") once it has two-letter ones, so the field always
 * splits back into letters.
 */
static svy_status
sig_letters(const ctx *x, const svy_estimates *e, size_t i, size_t k, size_t j,
            svy_buf *b)
{
    const svy_tab *tab = x->tab;
    size_t nl = svy_estimates_ncols(e);
    const svy_cell *a = svy_estimates_cell(e, k, j);
    /* Bonferroni: each p-value times the pairs of this banner variable. */
    double m = tab->meta.adjust == SVY_TAB_ADJUST_BONFERRONI && nl > 1
                   ? (double)nl * (double)(nl - 1) / 2
                   : 1;

    svy_buf_reset(b);
    if (a->base_n < tab->meta.min_base)
        return SVY_OK;
    for (size_t j2 = 0; j2 < nl; j2++) {
        const char *l = x->lett[x->first[i] + j2];
        int upper;
        svy_compare cmp;
        if (j2 == j ||
            svy_estimates_cell(e, k, j2)->base_n < tab->meta.min_base)
            continue;
        svy_estimates_compare(e, k, j, j2, &cmp);
        if (m > 1 && !isnan(cmp.p))
            cmp.p = fmin(1, cmp.p * m);
        /* Written so that a NaN difference or p-value is no letter. */
        if (!(cmp.diff > 0) || !(cmp.p < tab->meta.sig[0]))
            continue;
        upper = tab->meta.sig[1] > 0 && cmp.p < tab->meta.sig[1];
        if (b->len && x->wide && svy_buf_putc(b, ' ') != SVY_OK)
            return SVY_ENOMEM;
        for (const char *p = l; *p; p++)
            if (svy_buf_putc(b, upper ? *p : (char)(*p - 'A' + 'a')))
                return SVY_ENOMEM;
    }
    return SVY_OK;
}

/*
 * The records of one row (category k, code 'code', or a mean/total row):
 * the total column from 'e0', then each banner variable's columns.
 */
static svy_status
add_row(const ctx *x, const svy_estimates *e0, svy_estimates *const *eb,
        size_t k, const char *code, const char *label, int use_total,
        svy_err *err)
{
    svy_tab *tab = x->tab;
    svy_buf sig = SVY_BUF_INIT;
    svy_status rc = SVY_OK;

    for (size_t i = 0; i <= x->cols->n; i++) {
        const svy_estimates *e = i == 0 ? e0 : eb[i - 1];
        size_t nl = svy_estimates_ncols(e);
        /* a banner variable with no value has no column */
        if (i > 0 && svy_factor_nlevels(x->bf[i - 1]) < nl)
            nl = svy_factor_nlevels(x->bf[i - 1]);
        for (size_t j = 0; j < nl; j++) {
            svy_tab_cell *c = add_cell(tab);
            if (c == NULL)
                goto nomem;
            c->table = x->table;
            c->title = x->title;
            c->stat = x->stat;
            c->row_var = x->var;
            c->filter = x->filter;
            fill(c, svy_estimates_cell(e, k, j), use_total, tab->meta.min_base);
            if (i == 0) {
                c->col_var = "total";
                c->col_label = total_label(x->o->lang);
                if (!(c->row_code = keep(tab, code)) ||
                    !(c->row_label = keep(tab, label)))
                    goto nomem;
                continue;
            }
            /*
             * Banner cells share the total cell's row strings: the text writer
             * finds the end of a row by pointer equality of row_code.
             */
            c->row_code = tab->cells[tab->n - 2].row_code;
            c->row_label = tab->cells[tab->n - 2].row_label;
            const char *bv = x->cols->names[i - 1];
            const char *lv = svy_factor_level(x->bf[i - 1], j);
            c->col_letter = x->lett[x->first[i - 1] + j];
            /* keep() turns the empty buffer's NULL data into "". */
            svy_buf_reset(&sig);
            if ((!use_total &&
                 sig_letters(x, e, i - 1, k, j, &sig) != SVY_OK) ||
                !(c->col_var = keep(tab, bv)) ||
                !(c->col_code = keep(tab, lv)) ||
                !(c->col_label = keep(tab, value_label(x->o, bv, lv))) ||
                !(c->sig = keep(tab, sig.data)))
                goto nomem;
        }
    }
    goto out;
nomem:
    rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
out:
    svy_buf_release(&sig);
    return rc;
}

/* The Rao-Scott rows of each banner variable, when computed. */
static svy_status
add_tests(const ctx *x, svy_estimates *const *eb, svy_err *err)
{
    for (size_t i = 0; i < x->cols->n; i++) {
        const svy_rao_scott *rs = svy_estimates_rao_scott(eb[i]);
        if (rs == NULL)
            continue;
        for (int f = 0; f < 2; f++) {
            svy_tab_cell *c = add_cell(x->tab);
            if (c == NULL || !(c->col_var = keep(x->tab, x->cols->names[i])))
                return svy_err_set(err, SVY_ENOMEM, "out of memory");
            c->table = x->table;
            c->title = x->title;
            c->row_var = x->var;
            c->filter = x->filter;
            c->stat = f == 0 ? "rao_scott_f" : "chisq";
            c->estimate = f == 0 ? rs->f : rs->chisq;
            c->df1 = f == 0 ? rs->ndf : rs->chisq_df;
            c->df2 = f == 0 ? rs->ddf : NAN;
            c->p = f == 0 ? rs->f_p : rs->chisq_p;
        }
    }
    return SVY_OK;
}

/*
 * One extra row of a table from per-row codes made by the caller (0: the
 * row counts, 1: it does not, -1: out of the base): a net or an mrset
 * item.  Estimated in the total column and every banner column, with
 * covariances for the column letters; no Rao-Scott test.
 */
static svy_status
extra_row(const ctx *x, const svy_design *d, const int *codes, size_t n,
          const char *code, const char *label, svy_err *err)
{
    static const char *const levels[] = {"1", "0"};
    svy_estimates *e0 = NULL, **eb = NULL;
    svy_factor *f = NULL;
    svy_est_opts eo = {0};
    svy_status rc;
    size_t i;

    eo.level = x->tab->meta.level;
    eo.ci = x->o->ci;
    if ((eb = calloc(x->cols->n + 1, sizeof(*eb))) == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    if ((rc = svy_factor_from_codes(&f, codes, n, levels, 2, err)) ||
        (rc = svy_design_props(&e0, d, f, NULL, x->subset, &eo, err)))
        goto out;
    eo.flags = SVY_EST_COV;
    for (i = 0; i < x->cols->n; i++)
        if ((rc =
                 svy_design_props(&eb[i], d, f, x->bf[i], x->subset, &eo, err)))
            goto out;
    rc = add_row(x, e0, eb, 0, code, label, 0, err);
out:
    for (i = 0; eb && i < x->cols->n; i++)
        svy_estimates_free(eb[i]);
    free(eb);
    svy_estimates_free(e0);
    svy_factor_free(f);
    return rc;
}

/*
 * The factor of a proportions table, built on a thread of its own while
 * the previous table is estimated: coding a million rows is the one step
 * of a table that is not split over the two cores.  The factor is the
 * same whichever thread builds it.
 */
struct fjob {
    const svy_table *t;
    const char *var;
    int flags;
    svy_factor *f;
    svy_status rc;
    svy_err err;
};

static void *
fjob_run(void *arg)
{
    struct fjob *j = arg;

    j->rc = svy_factor_new(&j->f, j->t, j->var, NULL, j->flags, &j->err);
    return NULL;
}

/* The next table of 'l' from 'i' on that is a plain proportions table. */
static size_t
next_prop(const ctx *x, const list *l, const char *stat, size_t i)
{
    if (strcmp(stat, "prop") != 0)
        return l->n;
    while (i < l->n && spec_mrset(x->spec, l->names[i]))
        i++;
    return i;
}

/* The net rows of the spec for the variable coded by 'f', in spec order. */
static svy_status
net_rows(const ctx *x, const svy_design *d, const svy_factor *f, svy_err *err)
{
    const svy_tab_spec *s = x->spec;
    size_t n = svy_factor_nrows(f), nl = svy_factor_nlevels(f);
    const int *codes = svy_factor_codes(f);
    svy_status rc = SVY_OK;

    for (size_t i = 0; s && i < s->nnets && rc == SVY_OK; i++) {
        const spec_group *g = &s->nets[i];
        unsigned char *in;
        int *c;
        svy_buf code = SVY_BUF_INIT;
        if (strcmp(g->name, x->var) != 0)
            continue;
        in = calloc(nl + 1, 1);
        c = malloc((n ? n : 1) * sizeof(*c));
        for (size_t k = 0; in && k < nl; k++)
            for (size_t m = 0; m < g->members.n; m++)
                if (svy_value_equal(svy_factor_level(f, k),
                                    g->members.names[m]))
                    in[k] = 1;
        for (size_t m = 0; m < g->members.n; m++)
            if (svy_buf_printf(&code, "%s%s", m ? "+" : "",
                               g->members.names[m]) != SVY_OK)
                break;
        if (in == NULL || c == NULL || code.data == NULL)
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        else {
            for (size_t r = 0; r < n; r++)
                c[r] = codes[r] < 0 ? -1 : in[codes[r]] ? 0 : 1;
            rc = extra_row(x, d, c, n, code.data,
                           in_lang(g->labels, x->o->lang, g->label, g->name),
                           err);
        }
        svy_buf_release(&code);
        free(in);
        free(c);
    }
    return rc;
}

/*
 * A multiple-response table: for each item, the share of cases with 1,
 * among the cases with a valid answer on any item of the set.
 */
static svy_status
mrset_table(const ctx *x, const svy_design *d, const svy_table *t,
            const spec_group *g, svy_err *err)
{
    size_t n = svy_table_nrows(t);
    double **v = calloc(g->members.n + 1, sizeof(*v));
    unsigned char *any = calloc(n ? n : 1, 1);
    int *c = malloc((n ? n : 1) * sizeof(*c));
    svy_status rc = SVY_OK;
    list items = g->members;
    size_t i, r;

    if (v == NULL || any == NULL || c == NULL) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = check_vars(&items, t, x->o, NULL, err)) != SVY_OK)
        goto out;
    for (i = 0; i < items.n; i++) {
        if ((rc = svy_design_values(&v[i], t, items.names[i], NULL, 0, err)))
            goto out;
        for (r = 0; r < n; r++)
            any[r] |= !isnan(v[i][r]);
    }
    for (i = 0; i < items.n && rc == SVY_OK; i++) {
        for (r = 0; r < n; r++)
            c[r] = !any[r] ? -1 : v[i][r] == 1 ? 0 : 1;
        rc = extra_row(x, d, c, n, items.names[i],
                       var_label(x->o, items.names[i]), err);
    }
out:
    for (i = 0; v && i < items.n; i++)
        free(v[i]);
    free(v);
    free(any);
    free(c);
    return rc;
}

/*
 * Apply the margins of opts->calibrated to design 'd' (svy-weight's
 * targets file: categorical, joint "a*b" and numeric margins).
 */
static svy_status
calibrate(svy_design *d, const svy_table *t, const svy_tab_opts *o,
          svy_err *err)
{
    const svy_targets *tg = o->calibrated;
    size_t n = svy_targets_nmargins(tg);
    svy_design_margin *m = calloc(n + 1, sizeof(*m));
    svy_calvar_opts co = {0};
    svy_status rc;

    if (m == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const svy_margin *g = svy_targets_margin(tg, i);
        for (size_t j = 0; j < svy_margin_nvars(g); j++)
            if (svy_table_find(t, svy_margin_var(g, j)) == NULL) {
                rc = svy_err_set(err, SVY_EINVAL,
                                 "--calibrated: %s:%zu: unknown variable '%s'",
                                 svy_targets_name(tg), svy_margin_line(g),
                                 svy_margin_var(g, j));
                free(m);
                return rc;
            }
        m[i].var = svy_margin_name(g);
        m[i].numeric = svy_margin_kind(g) != SVY_MARGIN_CAT;
    }
    co.method = o->calibration;
    co.base_weight = o->calibration == SVY_CALVAR_GREG ? o->base_weight : NULL;
    rc = svy_design_set_calibration(d, t, m, n, &co, err);
    free(m);
    return rc;
}

/*
 * The estimation calls of the tables (each banner variable, the total
 * column) and each next table's factor are tasks that the calling thread
 * and, on large data, one helper take in turn, each call on one thread
 * (SVY_EST_ONE_THREAD): the two cores work on separate calls rather than
 * on the halves of each.  The queue runs across tables: while the last
 * calls of one table run, the next table's have started, so no core waits
 * at the end of a table.  A call gives the same numbers on whichever
 * thread runs it, and the records are made in table order by the calling
 * thread alone.
 */
#define POOL_ROWS 65536 /* rows from which the tasks get a helper */

struct etask {
    const svy_design *d;
    const double *y;
    const svy_factor *f, *by;
    const unsigned char *subset;
    svy_est_opts eo;
    svy_estimates **out;
    struct fjob *fj; /* instead: build this factor */
    double secs;     /* how long it took */
    int done;        /* under the pool's lock */
    svy_status rc;
    svy_err err;
};

struct tpool {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a task queued or done, or the end */
    struct etask **q;  /* tasks q[head..n) wait */
    size_t head, n, cap;
    size_t rows; /* the data's: a helper from POOL_ROWS on */
    int sync;    /* the lock and cv are set up */
    int helper;  /* started */
    int quit;
    pthread_t tid;
};

static double
seconds_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void
etask_run(struct etask *k)
{
    double t0 = seconds_now();

    if (k->fj)
        fjob_run(k->fj);
    else if (k->y)
        k->rc = svy_design_means(k->out, k->d, k->y, k->by, k->subset, &k->eo,
                                 &k->err);
    else
        k->rc = svy_design_props(k->out, k->d, k->f, k->by, k->subset, &k->eo,
                                 &k->err);
    k->secs = seconds_now() - t0;
}

/* Take the next task and run it, the lock held around (not during) it. */
static void
tpool_step(struct tpool *p)
{
    struct etask *k = p->q[p->head++];

    if (p->sync)
        pthread_mutex_unlock(&p->mu);
    etask_run(k);
    if (p->sync) {
        pthread_mutex_lock(&p->mu);
        k->done = 1;
        pthread_cond_broadcast(&p->cv);
    } else {
        k->done = 1;
    }
}

static void *
tpool_main(void *arg)
{
    struct tpool *p = arg;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->head == p->n && !p->quit)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->head == p->n)
            break;
        tpool_step(p);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/*
 * Queue 'n' tasks, in the order 'ord' (NULL: as they are).  Without room
 * for them, they are run here (the numbers are the same).
 */
static void
tpool_add(struct tpool *p, struct etask *t, const size_t *ord, size_t n)
{
    size_t i;

    if (!p->sync && p->rows >= POOL_ROWS &&
        pthread_mutex_init(&p->mu, NULL) == 0) {
        if (pthread_cond_init(&p->cv, NULL) != 0)
            pthread_mutex_destroy(&p->mu);
        else
            p->sync = 1;
        if (p->sync && pthread_create(&p->tid, NULL, tpool_main, p) == 0)
            p->helper = 1;
    }
    if (p->sync)
        pthread_mutex_lock(&p->mu);
    if (p->head == p->n)
        p->head = p->n = 0;
    if (p->n + n > p->cap) {
        void *q = p->q;
        if (svy_mem_grow(&q, &p->cap, p->n + n, sizeof(*p->q)) < 0) {
            if (p->sync)
                pthread_mutex_unlock(&p->mu);
            for (i = 0; i < n; i++) {
                etask_run(&t[ord ? ord[i] : i]);
                t[ord ? ord[i] : i].done = 1;
            }
            return;
        }
        p->q = q;
    }
    for (i = 0; i < n; i++)
        p->q[p->n++] = &t[ord ? ord[i] : i];
    if (p->sync) {
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Run queued tasks until tasks t[0..n) are done. */
static void
tpool_until(struct tpool *p, const struct etask *t, size_t n)
{
    size_t i = 0;

    if (p->sync)
        pthread_mutex_lock(&p->mu);
    for (;;) {
        while (i < n && t[i].done)
            i++;
        if (i == n)
            break;
        if (p->head < p->n)
            tpool_step(p);
        else if (p->sync)
            pthread_cond_wait(&p->cv, &p->mu);
        else
            break; /* cannot happen: without a helper, queued or done */
    }
    if (p->sync)
        pthread_mutex_unlock(&p->mu);
}

/* Run what is queued, stop the helper. */
static void
tpool_end(struct tpool *p)
{
    if (p->sync)
        pthread_mutex_lock(&p->mu);
    while (p->head < p->n)
        tpool_step(p);
    if (p->sync) {
        p->quit = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (p->helper)
            pthread_join(p->tid, NULL);
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
    }
    free(p->q);
    memset(p, 0, sizeof(*p));
}

/*
 * A table whose calls are queued: what its records need once they are
 * done (the ctx fields of the table, which the next table has changed).
 */
struct ptable {
    size_t table;
    const char *title, *stat, *var;
    double *y;     /* means or totals of these, or */
    svy_factor *f; /* proportions of this factor */
    int use_total, own_total;
    svy_estimates **eb; /* each banner variable's, then the total's */
    struct etask *tk;
    size_t nb, nt; /* banner variables, tasks */
};

static void
ptable_release(struct ptable *pt)
{
    for (size_t i = 0; pt->eb && i <= pt->nb; i++)
        svy_estimates_free(pt->eb[i]);
    free(pt->eb);
    free(pt->tk);
    free(pt->y);
    svy_factor_free(pt->f);
    memset(pt, 0, sizeof(*pt));
}

/*
 * Queue the calls of one table: proportions of factor 'f' (when y is
 * NULL) or means/totals of 'y', of variable x->var; 'pt' takes both,
 * unless it fails.
 * 'alone': no task is queued after them before they are done.
 */
static svy_status
table_start(ctx *x, struct tpool *p, const svy_design *d, double *y,
            svy_factor *f, int use_total, int alone, struct ptable *pt,
            svy_err *err)
{
    const svy_tab_opts *o = x->o;
    size_t i, k, nb = x->cols->n, nt = 0, *po;
    /* proportions: the total from a banner variable's sums (below) */
    int own_total = y || x->whole < 0;

    memset(pt, 0, sizeof(*pt));
    pt->table = x->table;
    pt->title = x->title;
    pt->stat = x->stat;
    pt->var = x->var;
    pt->y = y;
    pt->f = f;
    pt->use_total = use_total;
    pt->own_total = own_total;
    pt->nb = nb;
    pt->eb = calloc(nb + 2, sizeof(*pt->eb));
    pt->tk = calloc(nb + 2, sizeof(*pt->tk));
    po = calloc(nb + 2, sizeof(*po));
    if (pt->eb == NULL || pt->tk == NULL || po == NULL) {
        free(po);
        pt->y = NULL; /* the caller's again */
        pt->f = NULL;
        ptable_release(pt);
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    }
    /*
     * The banner calls first (they cost most), then the total column,
     * which needs no covariances; banner columns need them for the column
     * tests, and proportions the Rao-Scott tests as well.  One call per
     * banner variable estimates all its columns at once.
     */
    for (i = 0; i < nb + own_total; i++, nt++) {
        struct etask *tj = &pt->tk[nt];
        tj->d = d;
        tj->y = y;
        tj->f = f;
        tj->by = i < nb ? x->bf[i] : NULL;
        tj->subset = x->subset;
        tj->eo.level = x->tab->meta.level;
        tj->eo.ci = o->ci;
        tj->eo.flags = SVY_EST_ONE_THREAD;
        if (i < nb)
            tj->eo.flags |= SVY_EST_COV | (y ? 0 : SVY_EST_CHISQ);
        tj->out = &pt->eb[i];
        tj->err = (svy_err)SVY_ERR_INIT;
    }
    if (alone && nt == 1) /* one call alone: it may have both threads */
        pt->tk[0].eo.flags &= ~SVY_EST_ONE_THREAD;
    pt->nt = nt;
    /*
     * Longest first, by what each banner variable's call took on the last
     * table done (the first tables: in order); the total, then the factor
     * last.  The order changes no number, only when the threads are done.
     */
    for (i = 0; i < nt; i++) {
        for (k = i; i < nb && k > 0 && x->secs[po[k - 1]] < x->secs[i]; k--)
            po[k] = po[k - 1];
        po[k] = i;
    }
    tpool_add(p, pt->tk, po, nt);
    free(po);
    return SVY_OK;
}

/*
 * The records of a table whose calls were queued by table_start, once
 * they are done; 'pt' is released.
 */
static svy_status
table_finish(ctx *x, struct tpool *p, const svy_design *d, struct ptable *pt,
             svy_err *err)
{
    const svy_tab_opts *o = x->o;
    size_t i, k, nb = x->cols->n;
    size_t table = x->table;
    const char *title = x->title, *stat = x->stat, *var = x->var;
    svy_estimates *e0, **eb = pt->eb;
    svy_status rc = SVY_OK;

    tpool_until(p, pt->tk, pt->nt);
    x->table = pt->table;
    x->title = pt->title;
    x->stat = pt->stat;
    x->var = pt->var;
    for (i = 0; i < nb; i++)
        x->secs[i] = pt->tk[i].secs;
    for (i = !pt->own_total; i <= nb; i++) { /* the total's error first */
        struct etask *tj = &pt->tk[i == 0 ? nb : i - 1];
        if ((rc = tj->rc) != SVY_OK) {
            if (err)
                *err = tj->err;
            goto out;
        }
    }
    /*
     * The total column from the sums of a banner variable that leaves no
     * row out (the same numbers to rounding, a quarter of the passes
     * saved); else, as when that call kept too few covariances, its own.
     */
    if (!pt->own_total) {
        svy_est_opts eo = {.level = x->tab->meta.level, .ci = o->ci};
        if (svy_estimates_total(&eb[nb], eb[x->whole], &eo, NULL) != SVY_OK &&
            (rc = svy_design_props(&eb[nb], d, pt->f, NULL, x->subset, &eo,
                                   err)))
            goto out;
    }
    e0 = eb[nb];
    for (k = 0; k < svy_estimates_nrows(e0); k++) {
        /* a variable with no value has one row, the one of its base */
        const char *code = pt->f ? svy_factor_level(pt->f, k) : NULL;
        const char *label = code ? value_label(o, x->var, code) : "";
        if (code == NULL)
            code = "";
        if ((rc = add_row(x, e0, eb, k, code, label, pt->use_total, err)))
            goto out;
    }
    if (pt->f && (rc = net_rows(x, d, pt->f, err)) != SVY_OK)
        goto out;
    rc = add_tests(x, eb, err);
out:
    x->table = table;
    x->title = title;
    x->stat = stat;
    x->var = var;
    ptable_release(pt);
    return rc;
}

/* The tables of one list: stat "prop", "mean" or "total". */
static svy_status
tables(ctx *x, const list *l, const char *stat, const svy_design *d,
       const svy_table *t, svy_err *err)
{
    svy_status rc = SVY_OK, frc;
    int flags = x->o->base_all ? SVY_FACTOR_KEEP_USER_MISSING : 0;
    struct fjob job = {.t = t, .flags = flags};
    struct etask ft = {.fj = &job};          /* the task building job.f */
    size_t ahead = next_prop(x, l, stat, 0); /* job's table, if queued */
    int built = 0;                           /* and it is */
    struct tpool p = {.rows = svy_design_nrows(d)};
    struct ptable pend = {0}; /* queued, its records not yet made */
    int queued = 0;

    for (size_t i = 0; i < l->n && rc == SVY_OK; i++) {
        const spec_group *mr =
            strcmp(stat, "prop") == 0 ? spec_mrset(x->spec, l->names[i]) : NULL;
        double *y = NULL;
        svy_factor *f = NULL;
        struct ptable cur;
        x->table++;
        x->stat = stat;
        const char *own =
            mr ? in_lang(mr->labels, x->o->lang, mr->label, mr->name)
               : var_label(x->o, l->names[i]);
        if (x->title_over)
            own = in_lang(x->title_over->titles, x->o->lang,
                          x->title_over->title, own);
        if (!(x->var = keep(x->tab, l->names[i])) ||
            !(x->title = keep(x->tab, own))) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            break;
        }
        if (mr) { /* made here: the table before first */
            if (queued)
                rc = table_finish(x, &p, d, &pend, err);
            queued = 0;
            if (rc == SVY_OK)
                rc = mrset_table(x, d, t, mr, err);
            continue;
        }
        if (strcmp(stat, "prop") != 0) {
            if ((rc = svy_design_values(&y, t, x->var, NULL, 0, err)))
                break;
        } else if (i == ahead && built) {
            tpool_until(&p, &ft, 1);
            built = 0;
            f = job.f;
            job.f = NULL;
            if ((rc = job.rc) != SVY_OK) {
                if (err)
                    *err = job.err;
                break;
            }
        } else if ((rc = svy_factor_new(&f, t, x->var, NULL, flags, err))) {
            break;
        }
        /* the next table's factor meanwhile, after this table's calls */
        int build = f && (ahead = next_prop(x, l, stat, i + 1)) < l->n;
        if ((rc = table_start(x, &p, d, y, f, strcmp(stat, "total") == 0,
                              !build, &cur, err)) != SVY_OK) {
            free(y);
            svy_factor_free(f);
            break;
        }
        if (build) {
            job.var = l->names[ahead];
            job.f = NULL;
            ft.done = 0;
            tpool_add(&p, &ft, NULL, 1);
            built = 1;
        }
        if (queued)
            rc = table_finish(x, &p, d, &pend, err);
        pend = cur;
        queued = 1;
    }
    if (queued) {
        frc = table_finish(x, &p, d, &pend, rc == SVY_OK ? err : NULL);
        if (rc == SVY_OK)
            rc = frc;
    }
    tpool_end(&p);
    svy_factor_free(job.f); /* an error stopped the tables: not used */
    return rc;
}

/*
 * One group of tables that share a banner and a filter: the command
 * line's tables, or one line of the spec.  Checks the names, builds the
 * banner factors, letters and filter mask, then the tables.
 */
static svy_status
group(ctx *x, const svy_design *d, const svy_table *t, const list *rows,
      const list *means, const list *totals, const list *cols,
      const char *filter, svy_err *err)
{
    const svy_tab_opts *o = x->o;
    unsigned char *mask = NULL;
    svy_status rc = SVY_OK;
    size_t i, j, nletters = 0;

    for (i = 0; i < rows->n && rc == SVY_OK; i++) {
        list one = {&rows->names[i], 1};
        if (spec_mrset(x->spec, rows->names[i]) == NULL)
            rc = check_vars(&one, t, o, NULL, err);
    }
    if (rc || (rc = check_vars(cols, t, o, NULL, err)) ||
        (rc = check_vars(means, t, o, NULL, err)) ||
        (rc = check_vars(totals, t, o, NULL, err)) ||
        (rc = check_numeric(means, t, x->title_over ? "stat=mean" : "--mean",
                            err)) ||
        (rc = check_numeric(totals, t, x->title_over ? "stat=total" : "--total",
                            err)))
        return rc;
    if (filter && *filter &&
        (rc = filter_mask(&mask, t, o, x->spec_filter ? "filter" : "--filter",
                          filter, err)) != SVY_OK)
        return rc;
    x->bf = calloc(cols->n + 1, sizeof(*x->bf));
    x->first = calloc(cols->n + 1, sizeof(*x->first));
    x->secs = calloc(cols->n + 1, sizeof(*x->secs));
    if (x->bf == NULL || x->first == NULL || x->secs == NULL) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    x->whole = -1;
    for (i = 0; i < cols->n; i++) {
        const int *bc;
        size_t r, n = svy_table_nrows(t);

        if ((rc = svy_factor_new(&x->bf[i], t, cols->names[i], NULL, 0, err)))
            goto out;
        x->first[i] = nletters;
        nletters += svy_factor_nlevels(x->bf[i]);
        bc = svy_factor_codes(x->bf[i]);
        for (r = 0; x->whole < 0 && r < n && (bc[r] >= 0 || (mask && !mask[r]));
             r++)
            ;
        if (x->whole < 0 && r == n)
            x->whole = (long)i;
    }
    if ((x->lett = calloc(nletters + 1, sizeof(*x->lett))) == NULL) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    /*
     * Columns are lettered as spreadsheet columns are named: A..Z, then
     * AA, AB, ..., AZ, BA, ... ZZ, AAA (bijective base 26), so every
     * column of any banner has a letter of its own.
     */
    x->wide = nletters > 26;
    for (j = 0; j < nletters; j++) {
        char l[16], *p = l + sizeof(l) - 1;
        *p = '\0';
        for (size_t v = j + 1; v > 0; v = (v - 1) / 26)
            *--p = (char)('A' + (v - 1) % 26);
        if (!(x->lett[j] = keep(x->tab, p))) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            goto out;
        }
    }
    x->cols = cols;
    x->subset = mask;
    if (!(x->filter = keep(x->tab, filter))) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = tables(x, rows, "prop", d, t, err)) == SVY_OK &&
        (rc = tables(x, means, "mean", d, t, err)) == SVY_OK)
        rc = tables(x, totals, "total", d, t, err);
out:
    for (i = 0; x->bf && i < cols->n; i++)
        svy_factor_free(x->bf[i]);
    free(x->bf);
    free(x->first);
    free(x->secs);
    x->secs = NULL;
    free(x->lett);
    free(mask);
    x->bf = NULL;
    x->first = NULL;
    x->lett = NULL;
    x->subset = NULL;
    return rc;
}

/* The tables of spec line 'st', its errors prefixed with "NAME:LINE: ". */
static svy_status
spec_group_run(ctx *x, const svy_design *d, const svy_table *t,
               const spec_table *st, const list *dcols, svy_err *err)
{
    list vars = {0}, cols = {0}, none = {0};
    svy_err e = SVY_ERR_INIT;
    svy_status rc;
    const char *p = st->stat;

    if ((rc = list_split(&vars, st->vars, "table", &e)) == SVY_OK &&
        (rc = list_split(&cols, st->by, "by", &e)) == SVY_OK) {
        x->title_over = st;
        x->spec_filter = st->filter != NULL;
        rc = group(x, d, t, p[0] == 'p' ? &vars : &none,
                   p[0] == 'm' ? &vars : &none, p[0] == 't' ? &vars : &none,
                   st->by ? &cols : dcols,
                   st->filter ? st->filter : x->o->filter, &e);
        x->title_over = NULL;
    }
    list_free(&vars);
    list_free(&cols);
    /* A spec naming what the data lack is a bad spec (exit 3), not usage. */
    if (rc == SVY_EINVAL)
        rc = SVY_EPARSE;
    if (rc != SVY_OK)
        svy_err_set(err, rc, "%s:%zu: %s", x->spec_name, st->line, e.msg);
    return rc;
}

svy_status
svy_tab_run(svy_tab **out, const svy_table *t, const svy_tab_opts *opts,
            svy_err *err)
{
    list rows = {0}, cols = {0}, means = {0}, totals = {0}, cl = {0}, fpc = {0};
    svy_design_opts dopts = {0};
    svy_design *d = NULL;
    svy_tab *tab = NULL;
    ctx x = {0};
    svy_status rc;
    size_t i;

    *out = NULL;
    if (svy_table_nrows(t) == 0) /* as svy-weight: not a table of zeros */
        return svy_err_set(err, SVY_EDATA, "%s: no rows to tabulate",
                           svy_table_source(t) ? svy_table_source(t)
                                               : "the data");
    if ((rc = list_split(&rows, opts->rows, "--rows", err)) ||
        (rc = list_split(&cols, opts->cols, "--cols", err)) ||
        (rc = list_split(&means, opts->means, "--mean", err)) ||
        (rc = list_split(&totals, opts->totals, "--total", err)) ||
        (rc = list_split(&cl, opts->cluster, "--cluster", err)) ||
        (rc = list_split(&fpc, opts->fpc, "--fpc", err)))
        goto out;
    if (opts->spec ? opts->spec->ntables == 0
                   : rows.n + means.n + totals.n == 0) {
        rc = svy_err_set(err, SVY_EINVAL,
                         opts->spec ? "nothing to tabulate: the spec has no "
                                      "table"
                                    : "nothing to tabulate: give --rows, "
                                      "--mean or --total");
        goto out;
    }
    if (cl.n > 2 || fpc.n > 2) {
        rc = svy_err_set(err, SVY_EINVAL,
                         "--cluster and --fpc take at most two stages");
        goto out;
    }
    if (!opts->spec && ((rc = check_vars(&rows, t, opts, "--rows", err)) ||
                        (rc = check_vars(&cols, t, opts, "--cols", err)) ||
                        (rc = check_vars(&means, t, opts, "--mean", err)) ||
                        (rc = check_vars(&totals, t, opts, "--total", err)) ||
                        (rc = check_numeric(&means, t, "--mean", err)) ||
                        (rc = check_numeric(&totals, t, "--total", err))))
        goto out;
    if (!opts->spec && opts->filter) {
        /* Report a bad filter before the design's errors, as before. */
        unsigned char *mask = NULL;
        rc = filter_mask(&mask, t, opts, "--filter", opts->filter, err);
        free(mask);
        if (rc != SVY_OK)
            goto out;
    }
    dopts.weight = opts->weight;
    dopts.strata = opts->strata;
    for (i = 0; i < cl.n; i++)
        dopts.cluster[i] = cl.names[i];
    for (i = 0; i < fpc.n; i++)
        dopts.fpc[i] = fpc.names[i];
    dopts.lonely = opts->lonely;
    /* One design for every table: ids are hashed and rows sorted once. */
    if ((rc = svy_design_new(&d, t, &dopts, err)) != SVY_OK)
        goto out;
    if (opts->calibrated && (rc = calibrate(d, t, opts, err)) != SVY_OK)
        goto out;
    if ((tab = calloc(1, sizeof(*tab))) == NULL) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    tab->meta.base_all = opts->base_all;
    tab->meta.level = opts->level > 0 ? opts->level : 0.95;
    tab->meta.sig[0] = opts->sig[0] > 0 ? opts->sig[0] : 0.05;
    tab->meta.sig[1] = opts->sig[1];
    tab->meta.min_base = opts->min_base > 0 ? opts->min_base : 30;
    tab->meta.adjust = opts->adjust;
    tab->meta.lang = opts->lang;
    if (!(tab->meta.filter = keep(tab, opts->filter ? opts->filter : ""))) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
    x.tab = tab;
    x.o = opts;
    x.spec = opts->spec;
    x.spec_name = opts->spec_name ? opts->spec_name : "spec";
    if (opts->spec)
        for (i = 0; i < opts->spec->ntables && rc == SVY_OK; i++)
            rc = spec_group_run(&x, d, t, &opts->spec->tables[i], &cols, err);
    else
        rc = group(&x, d, t, &rows, &means, &totals, &cols, opts->filter, err);
    if (rc != SVY_OK)
        goto out;
    *out = tab;
    tab = NULL;
out:
    svy_design_free(d);
    svy_tab_free(tab);
    list_free(&rows);
    list_free(&cols);
    list_free(&means);
    list_free(&totals);
    list_free(&cl);
    list_free(&fpc);
    return rc;
}

void
svy_tab_free(svy_tab *tab)
{
    if (tab == NULL)
        return;
    for (size_t i = 0; i < tab->nstr; i++)
        free(tab->strs[i]);
    free(tab->strs);
    free(tab->cells);
    free(tab);
}

size_t
svy_tab_ncells(const svy_tab *tab)
{
    return tab->n;
}

const svy_tab_cell *
svy_tab_cell_at(const svy_tab *tab, size_t i)
{
    return &tab->cells[i];
}

const svy_tab_meta *
svy_tab_get_meta(const svy_tab *tab)
{
    return &tab->meta;
}

/* 1 for the table-level test records, which follow a table's cells. */
static int
is_test(const svy_tab_cell *c)
{
    return strcmp(c->stat, "rao_scott_f") == 0 || strcmp(c->stat, "chisq") == 0;
}

/* ---- CSV: the table stream.  The state is the output itself. ---- */

/* Checklist: the header and the fields of csv_row change together. */
static const char *const csv_header[] = {
    "table",   "title",    "stat",      "row_var",    "row_code", "row_label",
    "col_var", "col_code", "col_label", "col_letter", "n_unw",    "base_unw",
    "base_w",  "base_eff", "estimate",  "se",         "ci_low",   "ci_high",
    "deff",    "sig",      "df1",       "df2",        "p",        "low_base",
    "base",    "filter",   "level",     "sig1",       "sig2",     "adjust",
    "min_base"};
#define NCSV (sizeof(csv_header) / sizeof(csv_header[0]))

/*
 * The run's settings, formatted once and repeated on every record, so that
 * a reader of the stream (svy-report) states the confidence level, the
 * test levels and the base threshold that were really used.
 */
typedef struct csv_state {
    svy_output *o;
    char level[SVY_NUM_BUFSZ], sig1[SVY_NUM_BUFSZ], sig2[SVY_NUM_BUFSZ];
    char min_base[SVY_NUM_BUFSZ];
    const char *adjust;
} csv_state;

static int
csv_accept(const char *format)
{
    return strcmp(format, "csv") == 0;
}

static svy_status
csv_begin(void **state, const svy_tab_meta *m, svy_output *o, svy_err *err)
{
    csv_state *st = calloc(1, sizeof *st);
    if (!st)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    st->o = o;
    svy_num_format(m->level, st->level);
    svy_num_format(m->sig[0], st->sig1);
    if (m->sig[1] > 0)
        svy_num_format(m->sig[1], st->sig2);
    svy_num_format(m->min_base, st->min_base);
    st->adjust = m->adjust == SVY_TAB_ADJUST_BONFERRONI ? "bonferroni" : "none";
    svy_status rc = svy_csv_write_row(o, csv_header, NULL, NCSV, err);
    if (rc != SVY_OK)
        free(st); /* svy_tab_write calls end only after a good begin */
    else
        *state = st;
    return rc;
}

static svy_status
csv_row(void *state, const svy_tab_cell *c, svy_err *err)
{
    const csv_state *st = state;
    char num[13][SVY_NUM_BUFSZ];
    const double v[13] = {
        (double)c->table, c->n_unw, c->base_unw, c->base_w,  c->base_eff,
        c->estimate,      c->se,    c->ci_low,   c->ci_high, c->deff,
        c->df1,           c->df2,   c->p};

    for (size_t k = 0; k < 13; k++) {
        if (isnan(v[k]))
            num[k][0] = '\0';
        else
            svy_num_format(v[k], num[k]);
    }
    const char *row[NCSV] = {
        num[0],        c->title,    c->stat,
        c->row_var,    c->row_code, c->row_label,
        c->col_var,    c->col_code, c->col_label,
        c->col_letter, num[1],      num[2],
        num[3],        num[4],      num[5],
        num[6],        num[7],      num[8],
        num[9],        c->sig,      num[10],
        num[11],       num[12],     is_test(c) ? "" : c->low_base ? "1" : "0",
        c->base,       c->filter,   st->level,
        st->sig1,      st->sig2,    st->adjust,
        st->min_base};
    return svy_csv_write_row(st->o, row, NULL, NCSV, err);
}

static svy_status
csv_end(void *state, int ok, svy_err *err)
{
    (void)ok;
    (void)err;
    free(state);
    return SVY_OK;
}

/* ---- Text: aligned banner tables, a table at a time. ---- */

/*
 * The fixed words of the text tables.  A test line is pre + variable +
 * suf, so that each language can put the variable where its grammar wants
 * it (Kyrgyz postpositions follow the noun).  Checklist: a new language
 * gets a words struct here and a footnote in text_footnote.
 */
typedef struct words {
    const char *table, *base_unw, *base_w;
    const char *f_pre, *f_suf, *chi_pre, *chi_suf, *df;
    const char *mean, *total; /* the row of a mean or a total table */
} words;

static const words words_en = {"Table",
                               "Base (unweighted)",
                               "Base (weighted)",
                               "Rao-Scott F by ",
                               "",
                               "Rao-Scott chi-square by ",
                               "",
                               "df",
                               "Mean",
                               "Sum"};
static const words words_ru = {"Таблица",
                               "База (невзвешенная)",
                               "База (взвешенная)",
                               "F Рао–Скотта по ",
                               "",
                               "Хи-квадрат Рао–Скотта по ",
                               "",
                               "ст. св.",
                               "Среднее",
                               "Сумма"};
static const words words_ky = {"Таблица",
                               "Негиз (салмакталбаган)",
                               "Негиз (салмакталган)",
                               "Рао–Скотттун F критерийи, ",
                               " боюнча",
                               "Рао–Скотттун хи-квадраты, ",
                               " боюнча",
                               "эркиндик даражасы",
                               "Орточо",
                               "Жалпы сумма"};

static const words *
words_for(svy_lang lang)
{
    switch (lang) {
    case SVY_LANG_RU: return &words_ru;
    case SVY_LANG_KY: return &words_ky;
    default: return &words_en;
    }
}

typedef struct text_state {
    const svy_tab_meta *m;
    svy_output *o;
    const svy_tab_cell **v; /* the current table's records */
    size_t n, cap;
    svy_buf line;
} text_state;

/* Append 's' padded to 'w' display columns, right- or left-aligned. */
static svy_status
pad(svy_buf *b, const char *s, size_t w, int right)
{
    size_t sw = svy_utf8_width(s);
    size_t fill = sw < w ? w - sw : 0;
    svy_status rc = SVY_OK;

    if (!right && (rc = svy_buf_puts(b, s)))
        return rc;
    for (size_t i = 0; i < fill && rc == SVY_OK; i++)
        rc = svy_buf_putc(b, ' ');
    if (right && rc == SVY_OK)
        rc = svy_buf_puts(b, s);
    return rc;
}

#define TXT 256 /* bytes of one text cell */

/* The text of numeric cell 'c' for the body of a table. */
static void
cell_text(const svy_tab_cell *c, char *s)
{
    if (isnan(c->estimate))
        snprintf(s, TXT, "-");
    else if (strcmp(c->stat, "prop") == 0)
        snprintf(s, TXT, "%.1f%s%s%s", 100 * c->estimate, *c->sig ? " " : "",
                 c->sig, c->low_base ? "!" : "");
    else
        snprintf(s, TXT, "%.2f%s%s%s", c->estimate, *c->sig ? " " : "", c->sig,
                 c->low_base ? "!" : "");
}

/* The line naming filter 'f', in the language 'lang'. */
static svy_status
filter_line(svy_lang lang, const char *f, svy_buf *b)
{
    switch (lang) {
    case SVY_LANG_RU:
        return svy_buf_printf(b,
                              "Фильтр: %s (подвыборка оценена как домен "
                              "полного плана выборки).\n",
                              f);
    case SVY_LANG_KY:
        return svy_buf_printf(b,
                              "Чыпка: %s (тандалманын бул бөлүгү толук "
                              "тандоо планынын домени катары бааланды).\n",
                              f);
    default:
        return svy_buf_printf(b,
                              "Filter: %s (a domain of the full sample "
                              "design).\n",
                              f);
    }
}

/* Write the records of the current table (st->v, at least one). */
static svy_status
text_table(text_state *st, svy_err *err)
{
    const svy_tab_cell *const *v = st->v;
    const svy_tab_cell *c0 = v[0];
    const words *wd = words_for(st->m->lang);
    svy_buf *line = &st->line;
    size_t nc = 0, nb = 0, nr, i, r, k, b = st->n;
    size_t *w = NULL;
    char *g = NULL;
    svy_status rc = SVY_OK;

    /*
     * The records are row-major: the columns are the body records that
     * share the first row's row_code, the body rows those that share its
     * stat (the tests come last with another stat).
     */
    while (nb < b && strcmp(v[nb]->stat, c0->stat) == 0)
        nb++;
    while (nc < nb && strcmp(v[nc]->row_code, c0->row_code) == 0 &&
           (nc == 0 || strcmp(v[nc]->col_var, "total") != 0))
        nc++;
    nr = nb / nc + 3; /* header, rows, two base rows */
    if (!(w = calloc(nc + 1, sizeof(*w))) ||
        !(g = calloc(nr * (nc + 1), TXT))) {
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        goto out;
    }
#define G(r, k) (g + ((r) * (nc + 1) + (k)) * TXT)
    for (k = 0; k < nc; k++) {
        const svy_tab_cell *c = v[k];
        snprintf(G(0, k + 1), TXT, "%s%s%s%s", c->col_label,
                 *c->col_letter ? " (" : "", c->col_letter,
                 *c->col_letter ? ")" : "");
        snprintf(G(nr - 2, k + 1), TXT, "%.0f", c->base_unw);
        snprintf(G(nr - 1, k + 1), TXT, "%.1f", c->base_w);
    }
    snprintf(G(nr - 2, 0), TXT, "%s", wd->base_unw);
    snprintf(G(nr - 1, 0), TXT, "%s", wd->base_w);
    for (r = 1; r + 2 < nr; r++) {
        const svy_tab_cell *c = v[(r - 1) * nc];
        snprintf(G(r, 0), TXT, "%s",
                 *c->row_code                   ? c->row_label
                 : strcmp(c->stat, "mean") == 0 ? wd->mean
                                                : wd->total);
        for (k = 0; k < nc; k++)
            cell_text(v[(r - 1) * nc + k], G(r, k + 1));
    }
    for (r = 0; r < nr; r++)
        for (k = 0; k <= nc; k++)
            if (svy_utf8_width(G(r, k)) > w[k])
                w[k] = svy_utf8_width(G(r, k));
    svy_buf_reset(line);
    if (strcmp(c0->title, c0->row_var) == 0)
        rc = svy_buf_printf(line, "%s %zu. %s\n", wd->table, c0->table,
                            c0->title);
    else
        rc = svy_buf_printf(line, "%s %zu. %s (%s)\n", wd->table, c0->table,
                            c0->title, c0->row_var);
    if (rc != SVY_OK)
        goto out;
    for (r = 0; r < nr && rc == SVY_OK; r++) {
        for (k = 0; k <= nc && rc == SVY_OK; k++)
            rc = pad(line, G(r, k), w[k] + (k ? 2 : 0), k > 0);
        if (rc == SVY_OK)
            rc = svy_buf_putc(line, '\n');
    }
    for (i = nb; i < b && rc == SVY_OK; i++) {
        const svy_tab_cell *c = v[i];
        if (strcmp(c->stat, "rao_scott_f") == 0)
            rc = svy_buf_printf(
                line, "%s%s%s: F(%.2f, %.2f) = %.3f, p = %.4g\n", wd->f_pre,
                c->col_var, wd->f_suf, c->df1, c->df2, c->estimate, c->p);
        else
            rc = svy_buf_printf(line, "%s%s%s: %.3f, %s %.0f, p = %.4g\n",
                                wd->chi_pre, c->col_var, wd->chi_suf,
                                c->estimate, wd->df, c->df1, c->p);
    }
    /*
     * A spec line's own filter is named under its table; the run's
     * --filter, shared by every other table, once in the footnote.
     */
    if (rc == SVY_OK && strcmp(c0->filter, st->m->filter) != 0)
        rc = filter_line(st->m->lang, *c0->filter ? c0->filter : "-", line);
    if (rc == SVY_OK)
        rc = svy_buf_putc(line, '\n');
    if (rc != SVY_OK)
        rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
    else
        rc = svy_output_write(st->o, line->data, line->len, err);
#undef G
out:
    free(w);
    free(g);
    return rc;
}

/*
 * The footnote: the base, the confidence level, how letters read and,
 * with a filter, the domain.  One branch per language because the
 * clauses change order; the format strings stay literals (-Wformat=2).
 */
static svy_status
text_footnote(const svy_tab_meta *m, svy_buf *b)
{
    char sig2[96] = "";
    const char *adj = "";
    svy_status rc;

    switch (m->lang) {
    case SVY_LANG_RU:
        if (m->sig[1] > 0)
            snprintf(sig2, sizeof(sig2), ", прописные p < %g", m->sig[1]);
        if (m->adjust == SVY_TAB_ADJUST_BONFERRONI)
            adj = ", с поправкой Бонферрони на число пар столбцов каждой "
                  "переменной шапки";
        rc = svy_buf_printf(
            b,
            "База: %s. Проценты от базы столбца; доверительная вероятность "
            "%g%%.\nБуквы: значение в столбце значимо выше, чем в столбце с "
            "этой буквой той же переменной шапки (строчные p < %g%s)%s; при "
            "базе меньше %g проверка не проводится; ! отмечает базу меньше "
            "%g.\n",
            m->base_all ? "все респонденты, включая коды пропущенных значений"
                        : "респонденты с содержательным ответом, без кодов "
                          "пропущенных значений",
            100 * m->level, m->sig[0], sig2, adj, m->min_base, m->min_base);
        break;
    case SVY_LANG_KY:
        if (m->sig[1] > 0)
            snprintf(sig2, sizeof(sig2), ", баш тамга p < %g", m->sig[1]);
        if (m->adjust == SVY_TAB_ADJUST_BONFERRONI)
            adj = ", ар бир өзгөрмөнүн мамыча жуптарынын санына Бонферрони "
                  "оңдоосу менен";
        rc = svy_buf_printf(
            b,
            "Негиз: %s. Пайыздар мамычанын негизинен эсептелди; ишеним "
            "деңгээли %g%%.\nТамгалар: мамычадагы маани ошол эле "
            "өзгөрмөнүн ушул тамга коюлган мамычасынан статистикалык жактан "
            "маанилүү жогору (кичине тамга p < %g%s)%s; негиз < %g болсо "
            "текшерилбейт; ! белгиси негиз < %g экенин билдирет.\n",
            m->base_all ? "бардык респонденттер, жооп жок коддору менен кошо"
                        : "жарактуу жооп берген респонденттер, жооп жок "
                          "коддору кирбейт",
            100 * m->level, m->sig[0], sig2, adj, m->min_base, m->min_base);
        break;
    default:
        if (m->sig[1] > 0)
            snprintf(sig2, sizeof(sig2), ", uppercase p < %g", m->sig[1]);
        if (m->adjust == SVY_TAB_ADJUST_BONFERRONI)
            adj = ", Bonferroni-adjusted for the column pairs of each banner "
                  "variable";
        rc = svy_buf_printf(
            b,
            "Base: %s. Percentages of the column base; %g%% confidence "
            "level.\nLetters: the column is significantly above the lettered "
            "column of the same banner variable (lowercase p < %g%s)%s; no "
            "test below a base of %g; ! marks a base below %g.\n",
            m->base_all ? "all respondents, user-missing codes included"
                        : "respondents with a valid answer, user-missing "
                          "codes excluded",
            100 * m->level, m->sig[0], sig2, adj, m->min_base, m->min_base);
        break;
    }
    if (rc == SVY_OK && *m->filter)
        rc = filter_line(m->lang, m->filter, b);
    return rc;
}

static int
text_accept(const char *format)
{
    return strcmp(format, "text") == 0;
}

static svy_status
text_begin(void **state, const svy_tab_meta *m, svy_output *o, svy_err *err)
{
    text_state *st = calloc(1, sizeof(*st));

    if (st == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    st->m = m;
    st->o = o;
    *state = st;
    return SVY_OK;
}

static svy_status
text_row(void *state, const svy_tab_cell *c, svy_err *err)
{
    text_state *st = state;
    svy_status rc;

    if (st->n > 0 && st->v[0]->table != c->table) {
        if ((rc = text_table(st, err)) != SVY_OK)
            return rc;
        st->n = 0;
    }
    if (st->n == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 64;
        const svy_tab_cell **v = realloc(st->v, cap * sizeof(*v));
        if (v == NULL)
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        st->v = v;
        st->cap = cap;
    }
    st->v[st->n++] = c;
    return SVY_OK;
}

static svy_status
text_end(void *state, int ok, svy_err *err)
{
    text_state *st = state;
    svy_status rc = SVY_OK;

    if (ok && st->n > 0)
        rc = text_table(st, err);
    if (ok && rc == SVY_OK) {
        svy_buf_reset(&st->line);
        if (text_footnote(st->m, &st->line) != SVY_OK)
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        else
            rc = svy_output_write(st->o, st->line.data, st->line.len, err);
    }
    svy_buf_release(&st->line);
    free(st->v);
    free(st);
    return rc;
}

/* ---- JSON: an array of tables, streamed a record at a time. ---- */

typedef struct json_state {
    svy_output *o;
    svy_buf b;
    size_t table;  /* number of the open table; 0: none yet */
    int in_tests;  /* the open table's "tests" array is open */
    size_t nitems; /* items in the open array */
} json_state;

/* Append '"key":' and number 'v' (null when not finite). */
static svy_status
json_num(svy_buf *b, const char *key, double v)
{
    char num[SVY_NUM_BUFSZ];

    if (!isfinite(v))
        return svy_buf_printf(b, "\"%s\":null", key);
    svy_num_format(v, num);
    return svy_buf_printf(b, "\"%s\":%s", key, num);
}

/* Append ',"key":' (or without the comma when 'first') and string 's'. */
static svy_status
json_key_str(svy_buf *b, const char *key, const char *s, int first)
{
    svy_status rc = svy_buf_printf(b, "%s\"%s\":", first ? "" : ",", key);
    return rc ? rc : svy_json_string(b, s);
}

/* Close the open table's arrays and object. */
static svy_status
json_close_table(json_state *st)
{
    if (!st->in_tests)
        return svy_buf_puts(&st->b, "\n],\n\"tests\":[\n]}");
    return svy_buf_puts(&st->b, "\n]}");
}

static int
json_accept(const char *format)
{
    return strcmp(format, "json") == 0;
}

static svy_status
json_begin(void **state, const svy_tab_meta *m, svy_output *o, svy_err *err)
{
    json_state *st = calloc(1, sizeof(*st));

    (void)m;
    if (st == NULL)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    st->o = o;
    *state = st;
    return SVY_OK;
}

static svy_status
json_row(void *state, const svy_tab_cell *c, svy_err *err)
{
    json_state *st = state;
    svy_buf *b = &st->b;
    svy_status rc = SVY_OK;

    svy_buf_reset(b);
    if (st->table == 0 || c->table != st->table) {
        rc = st->table ? json_close_table(st) : SVY_OK;
        if (rc == SVY_OK)
            rc = svy_buf_puts(b, st->table ? ",\n{" : "[\n{");
        if (rc == SVY_OK)
            rc = json_num(b, "table", (double)c->table);
        if (rc == SVY_OK)
            rc = json_key_str(b, "title", c->title, 0);
        if (rc == SVY_OK)
            rc = json_key_str(b, "stat", c->stat, 0);
        if (rc == SVY_OK)
            rc = json_key_str(b, "row_var", c->row_var, 0);
        if (rc == SVY_OK)
            rc = json_key_str(b, "base", c->base, 0);
        if (rc == SVY_OK)
            rc = json_key_str(b, "filter", c->filter, 0);
        if (rc == SVY_OK)
            rc = svy_buf_puts(b, ",\n\"cells\":[");
        st->table = c->table;
        st->in_tests = 0;
        st->nitems = 0;
    }
    if (rc == SVY_OK && is_test(c) && !st->in_tests) {
        rc = svy_buf_puts(b, "\n],\n\"tests\":[");
        st->in_tests = 1;
        st->nitems = 0;
    }
    if (rc == SVY_OK)
        rc = svy_buf_puts(b, st->nitems++ ? ",\n{" : "\n{");
    if (rc == SVY_OK && st->in_tests) {
        if ((rc = json_key_str(b, "stat", c->stat, 1)) ||
            (rc = json_key_str(b, "col_var", c->col_var, 0)) ||
            (rc = svy_buf_putc(b, ',')) ||
            (rc = json_num(b, "estimate", c->estimate)) ||
            (rc = svy_buf_putc(b, ',')) || (rc = json_num(b, "df1", c->df1)) ||
            (rc = svy_buf_putc(b, ',')) || (rc = json_num(b, "df2", c->df2)) ||
            (rc = svy_buf_putc(b, ',')) || (rc = json_num(b, "p", c->p)))
            goto out;
    } else if (rc == SVY_OK) {
        static const char *const nk[] = {"n_unw",    "base_unw", "base_w",
                                         "base_eff", "estimate", "se",
                                         "ci_low",   "ci_high",  "deff"};
        const double nv[] = {c->n_unw,    c->base_unw, c->base_w,
                             c->base_eff, c->estimate, c->se,
                             c->ci_low,   c->ci_high,  c->deff};
        if ((rc = json_key_str(b, "row_code", c->row_code, 1)) ||
            (rc = json_key_str(b, "row_label", c->row_label, 0)) ||
            (rc = json_key_str(b, "col_var", c->col_var, 0)) ||
            (rc = json_key_str(b, "col_code", c->col_code, 0)) ||
            (rc = json_key_str(b, "col_label", c->col_label, 0)) ||
            (rc = json_key_str(b, "col_letter", c->col_letter, 0)))
            goto out;
        for (size_t k = 0; k < sizeof(nv) / sizeof(nv[0]) && rc == SVY_OK; k++)
            if ((rc = svy_buf_putc(b, ',')) == SVY_OK)
                rc = json_num(b, nk[k], nv[k]);
        if (rc == SVY_OK)
            rc = json_key_str(b, "sig", c->sig, 0);
        if (rc == SVY_OK)
            rc = svy_buf_printf(b, ",\"low_base\":%s",
                                c->low_base ? "true" : "false");
    }
    if (rc == SVY_OK)
        rc = svy_buf_putc(b, '}');
out:
    if (rc != SVY_OK)
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    return svy_output_write(st->o, b->data, b->len, err);
}

static svy_status
json_end(void *state, int ok, svy_err *err)
{
    json_state *st = state;
    svy_status rc = SVY_OK;

    if (ok) {
        svy_buf_reset(&st->b);
        rc = st->table ? json_close_table(st) : svy_buf_putc(&st->b, '[');
        if (rc == SVY_OK)
            rc = svy_buf_puts(&st->b, "\n]\n");
        if (rc != SVY_OK)
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
        else
            rc = svy_output_write(st->o, st->b.data, st->b.len, err);
    }
    svy_buf_release(&st->b);
    free(st);
    return rc;
}

/* ---- The writers and their driver. ---- */

static const svy_tab_writer writers[] = {
    {"text", text_accept, text_begin, text_row, text_end},
    {"csv", csv_accept, csv_begin, csv_row, csv_end},
    {"json", json_accept, json_begin, json_row, json_end},
};

const svy_tab_writer *
svy_tab_writer_find(const char *format)
{
    for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
        if (writers[i].accept(format))
            return &writers[i];
    return NULL;
}

svy_status
svy_tab_write(const svy_tab *tab, const svy_tab_writer *w, svy_output *o,
              svy_err *err)
{
    void *state = NULL;
    svy_status rc, rc2;
    size_t i;

    if ((rc = w->begin(&state, &tab->meta, o, err)) != SVY_OK)
        return rc;
    for (i = 0; i < tab->n && rc == SVY_OK; i++)
        rc = w->row(state, &tab->cells[i], err);
    rc2 = w->end(state, rc == SVY_OK, err);
    return rc != SVY_OK ? rc : rc2;
}

svy_status
svy_tab_write_csv(const svy_tab *tab, svy_output *o, svy_err *err)
{
    return svy_tab_write(tab, &writers[1], o, err);
}

svy_status
svy_tab_write_text(const svy_tab *tab, svy_output *o, svy_err *err)
{
    return svy_tab_write(tab, &writers[0], o, err);
}

svy_status
svy_tab_write_json(const svy_tab *tab, svy_output *o, svy_err *err)
{
    return svy_tab_write(tab, &writers[2], o, err);
}
