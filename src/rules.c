/*
 * rules.c - lexer, parser, type checker and evaluator of the cleaning rules.
 *
 * Design.  The whole rules text is lexed into one token array (with
 * NEWLINE tokens ending statements), then parsed by recursive descent
 * into a flat array of expression nodes whose children are indices into
 * the same array.  Every variable becomes a "slot": the column's index in
 * the table, its static type (number or string) and, while applying, a
 * cache of its values as doubles (NaN for an empty or unreadable cell)
 * plus a byte per row marking user-missing codes.  Types are checked at
 * compile time, so the evaluator never meets a string where it expects a
 * number.  Evaluation walks the node array recursively: numbers and
 * booleans are doubles (1/0), strings are borrowed cell pointers (NULL for
 * missing).  Missing propagates through arithmetic as NaN, and every
 * comparison with NaN is false, which is IEEE behaviour except for '!=',
 * handled explicitly.  Nothing is allocated per row unless a value really
 * changes (the table then stores the new text).
 */
#include "svy/rules.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svy/buf.h"
#include "svy/csv.h"
#include "svy/mem.h"
#include "svy/num.h"

enum tok_kind { TK_EOF = 0, TK_NL, TK_NUM, TK_STR, TK_IDENT, TK_OP };

typedef struct token {
    int kind;
    size_t line, col;
    const char *p; /* source text of the token */
    size_t n;
    double num;
    char *s; /* decoded string literal, owned by the token array */
} token;

enum type { T_NUM = 1, T_STR = 2, T_ANY = 3 };

enum op {
    N_NUM,
    N_STR,
    N_MISS,
    N_VAR,
    N_SVAR,
    N_NEG,
    N_ADD,
    N_SUB,
    N_MUL,
    N_DIV,
    N_EQ,
    N_NE,
    N_LT,
    N_LE,
    N_GT,
    N_GE,
    N_SEQ,
    N_SNE,
    N_SLT,
    N_SLE,
    N_SGT,
    N_SGE,
    N_AND,
    N_OR,
    N_NOT,
    N_IN,
    N_KIN,
    N_SIN,
    N_CALL,
    N_MISSV, /* missing(numeric variable) */
    N_SYSV   /* sysmis(numeric variable) */
};

enum fn {
    F_MEAN,
    F_SUM,
    F_MIN,
    F_MAX,
    F_COUNT,
    F_NVALID,
    F_MISSING,
    F_SYSMIS,
    F_ABS,
    F_ROUND,
    F_ANY,
    F_ALL,
    F_N
};

/* Checklist: a function here needs a case in call() and a man page entry. */
static const struct {
    const char *name;
    int min, max; /* argument counts; max -1 for no limit */
    int any_type; /* accepts string arguments */
} fns[F_N] = {
    {"mean", 1, -1, 0},   {"sum", 1, -1, 0},   {"min", 1, -1, 0},
    {"max", 1, -1, 0},    {"count", 1, -1, 0}, {"nvalid", 1, -1, 1},
    {"missing", 1, 1, 1}, {"sysmis", 1, 1, 1}, {"abs", 1, 1, 0},
    {"round", 1, 2, 0},   {"any", 1, -1, 0},   {"all", 1, -1, 0},
};

typedef struct node {
    int op, type;
    double num;
    char *s;      /* N_STR: owned */
    size_t slot;  /* N_VAR, N_SVAR */
    int a, b;     /* children, -1 for none */
    int fn;       /* N_CALL */
    size_t first; /* N_CALL: into args; N_IN: items; N_KIN: ranges */
    size_t n;
} node;

typedef struct item {
    int lo, hi; /* node indices; hi -1 for a single value */
} item;

typedef struct slot {
    char *name;
    size_t index; /* column index in the table */
    int type;     /* T_NUM or T_STR */
    int is_new;   /* added by svy_rules_apply */
    const svy_var *var;
    svy_column *col; /* set while applying */
    double *val;     /* T_NUM cache while applying */
    double *own_val; /* 'val' when allocated; NULL when it is the column's */
    unsigned char *umiss;
} slot;

typedef struct range {
    double lo, hi, val;
} range;

typedef struct stmt {
    svy_rule_kind kind;
    size_t line;
    int target; /* slot, -1 for none */
    int src;    /* recode source slot */
    int expr, cond;
    char *msg;
    char *where; /* "FILE:LINE" for the audit log's rule column */
    size_t rfirst, rn;
    size_t rows;
} stmt;

struct svy_rules {
    char *name;
    node *nodes;
    size_t nnodes, capnodes;
    size_t *args;
    size_t nargs, capargs;
    item *items;
    size_t nitems, capitems;
    slot *slots;
    size_t nslots, capslots;
    range *ranges;
    size_t nranges, capranges;
    stmt *stmts;
    size_t nstmts, capstmts;
    size_t base_cols; /* table width at compile time */
    size_t errors;
    const svy_table *t;
};

typedef struct parser {
    svy_rules *r;
    const svy_table *t;
    const svy_codebook *cb;
    token *toks;
    size_t ntoks, cap, pos;
    svy_err *err;
    int failed;
    int in_call;       /* depth of function argument lists */
    int depth;         /* nesting of brackets, 'not' and unary minus */
    size_t stmt_nodes; /* r->nnodes when the statement began */
} parser;

/*
 * Parsing and evaluation recurse, so a hostile rules file could exhaust
 * the stack: nesting and the nodes of one statement are capped.
 */
#define MAX_DEPTH 200
#define MAX_STMT_NODES 10000

static const char *const kw_names[] = {"assert",  "warn", "set", "recode",
                                       "compute", "drop", "flag"};

/* Grow '*p' (of '*cap' elements of 'size') to hold 'need'. */
#define GROW(p, n, cap)                                                        \
    (svy_mem_grow((void **)&(p), &(cap), (n) + 1, sizeof(*(p))) == 0)

static int perr(parser *P, const token *tk, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
perr(parser *P, const token *tk, const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    if (P->failed)
        return -1;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    svy_err_set(P->err, SVY_EPARSE, "%s:%zu:%zu: %s", P->r->name, tk->line,
                tk->col, msg);
    P->failed = 1;
    return -1;
}

static int
oom(parser *P)
{
    if (!P->failed)
        svy_err_set(P->err, SVY_ENOMEM, "out of memory");
    P->failed = 1;
    return -1;
}

/* ---- lexer ---- */

static int
is_ident(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (c >= '0' && c <= '9') || c == '.' || (unsigned char)c >= 0x80;
}

/*
 * Lex the whole text into P->toks, ending with TK_EOF.  Every token keeps
 * its line and column for messages.  Numbers stop before "..", so "1..5"
 * is three tokens; a string literal must end on its own line, which makes
 * a forgotten quote an error at the quote rather than pages later.
 */
static int
lex(parser *P, const char *s, size_t len)
{
    size_t i = 0, line = 1, bol = 0;

    while (1) {
        token tk = {0};
        if (!GROW(P->toks, P->ntoks, P->cap))
            return oom(P);
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
            i++;
        if (i < len && s[i] == '#')
            while (i < len && s[i] != '\n')
                i++;
        tk.line = line;
        tk.col = i - bol + 1;
        tk.p = s + i;
        if (i >= len) {
            tk.kind = TK_EOF;
            P->toks[P->ntoks++] = tk;
            return 0;
        }
        char c = s[i];
        if (c == '\n') {
            tk.kind = TK_NL;
            tk.n = 1;
            i++;
            line++;
            bol = i;
        } else if (c >= '0' && c <= '9') {
            size_t j = i;
            while (j < len && s[j] >= '0' && s[j] <= '9')
                j++;
            if (j + 1 < len && s[j] == '.' && s[j + 1] >= '0' &&
                s[j + 1] <= '9') {
                j++;
                while (j < len && s[j] >= '0' && s[j] <= '9')
                    j++;
            }
            tk.kind = TK_NUM;
            tk.n = j - i;
            if (!svy_num_parse(s + i, tk.n, 0, &tk.num))
                return perr(P, &tk, "bad number '%.*s'", (int)tk.n, tk.p);
            i = j;
        } else if (c == '"') {
            svy_buf b = SVY_BUF_INIT;
            size_t j = i + 1;
            while (j < len && s[j] != '"' && s[j] != '\n') {
                if (s[j] == '\\' && j + 1 < len &&
                    (s[j + 1] == '"' || s[j + 1] == '\\'))
                    j++;
                if (svy_buf_putc(&b, s[j])) {
                    svy_buf_release(&b);
                    return oom(P);
                }
                j++;
            }
            if (j >= len || s[j] != '"') {
                svy_buf_release(&b);
                return perr(P, &tk, "unterminated string");
            }
            tk.kind = TK_STR;
            tk.s = b.data ? svy_buf_detach(&b, NULL) : svy_mem_strdup("");
            if (tk.s == NULL)
                return oom(P);
            tk.n = j + 1 - i;
            i = j + 1;
        } else if (is_ident(c) && c != '.') {
            size_t j = i;
            /* A '.' belongs to a name only when no second '.' follows. */
            while (j < len && is_ident(s[j]) &&
                   !(s[j] == '.' && j + 1 < len && s[j + 1] == '.'))
                j++;
            tk.kind = TK_IDENT;
            tk.n = j - i;
            i = j;
        } else {
            static const char *const ops[] = {"==", "!=", "<=", ">=", "..", "<",
                                              ">",  "=",  "+",  "-",  "*",  "/",
                                              "(",  ")",  ",",  ":"};
            size_t k;
            for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
                size_t n = strlen(ops[k]);
                if (i + n <= len && memcmp(s + i, ops[k], n) == 0)
                    break;
            }
            if (k == sizeof(ops) / sizeof(ops[0]))
                return perr(P, &tk, "unexpected character '%c'", c);
            tk.kind = TK_OP;
            tk.n = strlen(ops[k]);
            i += tk.n;
        }
        P->toks[P->ntoks++] = tk;
    }
}

/* ---- parser helpers ---- */

static token *
peek(parser *P)
{
    return &P->toks[P->pos];
}

static int
is_op(const token *tk, const char *op)
{
    return tk->kind == TK_OP && tk->n == strlen(op) &&
           memcmp(tk->p, op, tk->n) == 0;
}

static int
is_word(const token *tk, const char *w)
{
    return tk->kind == TK_IDENT && tk->n == strlen(w) &&
           memcmp(tk->p, w, tk->n) == 0;
}

static const char *
tok_desc(const token *tk, char *buf, size_t cap)
{
    if (tk->kind == TK_EOF)
        return "end of file";
    if (tk->kind == TK_NL)
        return "end of line";
    snprintf(buf, cap, "'%.*s'", (int)(tk->n > 40 ? 40 : tk->n), tk->p);
    return buf;
}

static int
expect(parser *P, const char *what, int ok)
{
    char b[64];
    if (ok) {
        P->pos++;
        return 0;
    }
    return perr(P, peek(P), "expected %s, got %s", what,
                tok_desc(peek(P), b, sizeof(b)));
}

static int
new_node(parser *P, int op, int type, int a, int b)
{
    svy_rules *r = P->r;
    if (r->nnodes - P->stmt_nodes >= MAX_STMT_NODES)
        return perr(P, peek(P), "statement too long");
    if (!GROW(r->nodes, r->nnodes, r->capnodes))
        return oom(P);
    node *x = &r->nodes[r->nnodes];
    memset(x, 0, sizeof(*x));
    x->op = op;
    x->type = type;
    x->a = a;
    x->b = b;
    return (int)r->nnodes++;
}

static int
is_keyword(const token *tk)
{
    static const char *const reserved[] = {"and",  "or",   "not",    "in",
                                           "when", "into", "missing"};
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        if (is_word(tk, reserved[i]))
            return 1;
    return 0;
}

/* Slot of variable 'name' ('n' bytes), or -1; 'create' adds a new column. */
/*
 * Resolve a name once, at compile time: the same name always maps to the
 * same slot, so the evaluator indexes arrays and never compares strings.
 * A column's type comes from the codebook when it names it; otherwise
 * the data decide, because a rules file written for a bare CSV should
 * behave as the data look.  New variables get indices after the table's
 * last column, in order of first appearance, which is the order
 * svy_rules_apply adds them.
 */
static int
find_slot(parser *P, const char *name, size_t n, int create, int type)
{
    svy_rules *r = P->r;
    char buf[256];
    size_t i;

    if (n >= sizeof(buf))
        return -1;
    memcpy(buf, name, n);
    buf[n] = 0;
    for (i = 0; i < r->nslots; i++)
        if (strcmp(r->slots[i].name, buf) == 0)
            return (int)i;
    long idx = svy_table_index(P->t, buf);
    size_t newi = 0;
    if (idx < 0) {
        if (!create)
            return -1;
        for (i = 0; i < r->nslots; i++)
            if (r->slots[i].is_new)
                newi++;
    }
    if (!GROW(r->slots, r->nslots, r->capslots))
        return oom(P);
    slot *sl = &r->slots[r->nslots];
    memset(sl, 0, sizeof(*sl));
    if ((sl->name = svy_mem_strdup(buf)) == NULL)
        return oom(P);
    sl->var = P->cb ? svy_codebook_find(P->cb, buf) : NULL;
    if (idx < 0) {
        sl->is_new = 1;
        sl->index = r->base_cols + newi;
        sl->type = type;
    } else {
        sl->index = (size_t)idx;
        if (sl->var) {
            svy_vtype vt = svy_var_type(sl->var);
            sl->type = vt == SVY_V_CAT || vt == SVY_V_NUM ? T_NUM : T_STR;
        } else {
            /* Without a codebook, a column is numeric when it reads so. */
            const svy_column *c = svy_table_col(P->t, (size_t)idx);
            char nb[SVY_NUM_BUFSZ];
            size_t rows = svy_column_len(c), len;
            double v;
            sl->type = T_NUM;
            for (size_t row = 0; row < rows; row++) {
                const char *s = svy_column_format(c, row, nb, &len);
                if (len && !svy_num_parse(s, len, 0, &v)) {
                    sl->type = T_STR;
                    break;
                }
            }
        }
    }
    return (int)r->nslots++;
}

/* ---- expressions ---- */

static int parse_expr(parser *P);

/*
 * A function call.  The argument count is checked here, not at run time,
 * so a wrong count is a rules-file error with a column.  Arguments are
 * collected on the stack first because parsing an argument may itself
 * append to r->args (nested calls).
 */
static int
parse_call(parser *P, token *name)
{
    svy_rules *r = P->r;
    int fn;
    size_t nargs = 0, first;
    size_t tmp[64];

    for (fn = 0; fn < F_N; fn++)
        if (is_word(name, fns[fn].name))
            break;
    if (fn == F_N)
        return perr(P, name, "unknown function '%.*s'", (int)name->n, name->p);
    P->pos += 2; /* the name and "(" */
    if (!is_op(peek(P), ")")) {
        while (1) {
            token *at = peek(P);
            P->in_call++;
            int a = parse_expr(P);
            P->in_call--;
            if (a < 0)
                return -1;
            if (nargs == sizeof(tmp) / sizeof(tmp[0]))
                return perr(P, at, "too many arguments to '%s'", fns[fn].name);
            if (!fns[fn].any_type && r->nodes[a].type == T_STR)
                return perr(P, at, "'%s' takes numbers, not strings",
                            fns[fn].name);
            tmp[nargs++] = (size_t)a;
            if (!is_op(peek(P), ","))
                break;
            P->pos++;
        }
    }
    if (expect(P, "',' or ')'", is_op(peek(P), ")")) < 0)
        return -1;
    if ((int)nargs < fns[fn].min ||
        (fns[fn].max >= 0 && (int)nargs > fns[fn].max)) {
        if (fns[fn].min == fns[fn].max)
            return perr(P, name, "'%s' takes %d argument%s, got %zu",
                        fns[fn].name, fns[fn].min, fns[fn].min == 1 ? "" : "s",
                        nargs);
        if (fns[fn].max < 0)
            return perr(P, name, "'%s' takes at least %d argument%s, got %zu",
                        fns[fn].name, fns[fn].min, fns[fn].min == 1 ? "" : "s",
                        nargs);
        return perr(P, name, "'%s' takes %d to %d arguments, got %zu",
                    fns[fn].name, fns[fn].min, fns[fn].max, nargs);
    }
    first = r->nargs;
    for (size_t i = 0; i < nargs; i++) {
        if (!GROW(r->args, r->nargs, r->capargs))
            return oom(P);
        r->args[r->nargs++] = tmp[i];
    }
    /* missing(x) and sysmis(x) of a numeric variable: one node, no call. */
    if ((fn == F_MISSING || fn == F_SYSMIS) && r->nodes[tmp[0]].op == N_VAR) {
        int m = new_node(P, fn == F_MISSING ? N_MISSV : N_SYSV, T_NUM, -1, -1);
        if (m >= 0)
            r->nodes[m].slot = r->nodes[tmp[0]].slot;
        return m;
    }
    int n = new_node(P, N_CALL, T_NUM, -1, -1);
    if (n < 0)
        return -1;
    r->nodes[n].fn = fn;
    r->nodes[n].first = first;
    r->nodes[n].n = nargs;
    return n;
}

/* Numbers, strings, "missing", variables, calls, brackets, unary minus. */
static int parse_primary1(parser *P);

static int
parse_primary(parser *P)
{
    if (P->depth >= MAX_DEPTH)
        return perr(P, peek(P), "expression nested too deeply");
    P->depth++;
    int n = parse_primary1(P);
    P->depth--;
    return n;
}

static int
parse_primary1(parser *P)
{
    token *tk = peek(P);
    char b[64];
    int n;

    if (tk->kind == TK_NUM) {
        P->pos++;
        if ((n = new_node(P, N_NUM, T_NUM, -1, -1)) >= 0)
            P->r->nodes[n].num = tk->num;
        return n;
    }
    if (tk->kind == TK_STR) {
        P->pos++;
        if ((n = new_node(P, N_STR, T_STR, -1, -1)) >= 0) {
            P->r->nodes[n].s = tk->s;
            tk->s = NULL;
        }
        return n;
    }
    if (is_op(tk, "(")) {
        P->pos++;
        n = parse_expr(P);
        if (n < 0 || expect(P, "')'", is_op(peek(P), ")")) < 0)
            return -1;
        return n;
    }
    if (is_op(tk, "-")) {
        P->pos++;
        int a = parse_primary(P);
        if (a < 0)
            return -1;
        if (P->r->nodes[a].type == T_STR)
            return perr(P, tk, "cannot negate a string");
        return new_node(P, N_NEG, T_NUM, a, -1);
    }
    if (tk->kind == TK_IDENT) {
        if (P->pos + 1 < P->ntoks && is_op(&P->toks[P->pos + 1], "(")) {
            return parse_call(P, tk);
        }
        if (is_word(tk, "missing")) {
            P->pos++;
            return new_node(P, N_MISS, T_ANY, -1, -1);
        }
        if (!is_keyword(tk)) {
            int s = find_slot(P, tk->p, tk->n, 0, 0);
            if (s < 0)
                return P->failed ? -1
                                 : perr(P, tk, "unknown variable '%.*s'",
                                        (int)tk->n, tk->p);
            P->pos++;
            int t = P->r->slots[s].type;
            if ((n = new_node(P, t == T_STR ? N_SVAR : N_VAR, t, -1, -1)) >= 0)
                P->r->nodes[n].slot = (size_t)s;
            return n;
        }
    }
    return perr(P, tk, "expected a value, got %s", tok_desc(tk, b, sizeof(b)));
}

static int
parse_mul(parser *P)
{
    int a = parse_primary(P);
    while (a >= 0 && (is_op(peek(P), "*") || is_op(peek(P), "/"))) {
        token *op = peek(P);
        P->pos++;
        int b = parse_primary(P);
        if (b < 0)
            return -1;
        if (P->r->nodes[a].type == T_STR || P->r->nodes[b].type == T_STR)
            return perr(P, op, "arithmetic on a string");
        a = new_node(P, is_op(op, "*") ? N_MUL : N_DIV, T_NUM, a, b);
    }
    return a;
}

static int
parse_add(parser *P)
{
    int a = parse_mul(P);
    while (a >= 0 && (is_op(peek(P), "+") || is_op(peek(P), "-"))) {
        token *op = peek(P);
        P->pos++;
        int b = parse_mul(P);
        if (b < 0)
            return -1;
        if (P->r->nodes[a].type == T_STR || P->r->nodes[b].type == T_STR)
            return perr(P, op, "arithmetic on a string");
        a = new_node(P, is_op(op, "+") ? N_ADD : N_SUB, T_NUM, a, b);
    }
    return a;
}

/* 1 when node 'n' is a number constant (maybe negated); its value in *v. */
static int
const_num(const svy_rules *r, int n, double *v)
{
    const node *x = &r->nodes[n];
    if (x->op == N_NUM) {
        if (v)
            *v = x->num;
        return 1;
    }
    if (x->op == N_NEG && r->nodes[x->a].op == N_NUM) {
        if (v)
            *v = -r->nodes[x->a].num;
        return 1;
    }
    return 0;
}

/* The list after 'in': items 'v' or 'lo..hi', separated by commas. */
static int
parse_in(parser *P, int lhs, const token *in_tok)
{
    svy_rules *r = P->r;
    int lt = r->nodes[lhs].type;
    size_t first = r->nitems, n = 0;
    /*
     * "in (a, b..c)" is a bracketed list; a bare list runs to the last
     * comma, except inside a function's arguments, where it is one item.
     */
    int paren = is_op(peek(P), "(");
    if (paren)
        P->pos++;

    while (1) {
        token *at = peek(P);
        item it = {parse_add(P), -1};
        if (it.lo < 0)
            return -1;
        int t = r->nodes[it.lo].type;
        if (is_op(peek(P), "..")) {
            P->pos++;
            if (t == T_STR)
                return perr(P, at, "a range needs numbers, not strings");
            if ((it.hi = parse_add(P)) < 0)
                return -1;
            t = r->nodes[it.hi].type == T_STR ? T_STR : T_NUM;
        }
        if ((lt == T_STR && t == T_NUM) || (lt == T_NUM && t == T_STR))
            return perr(P, at, "cannot compare a string with a number");
        if (lt == T_ANY && t != T_ANY)
            lt = t;
        if (!GROW(r->items, r->nitems, r->capitems))
            return oom(P);
        r->items[r->nitems++] = it;
        n++;
        if (!is_op(peek(P), ",") || (!paren && P->in_call))
            break;
        P->pos++;
    }
    if (paren && expect(P, "',' or ')'", is_op(peek(P), ")")) < 0)
        return -1;
    (void)in_tok;
    /*
     * A list of constants (the usual "q1 in 1..5, 8, 9") becomes a list
     * of number ranges, tested in one loop without evaluating nodes.
     */
    int konst = lt != T_STR;
    for (size_t k = first; k < r->nitems && konst; k++)
        konst = const_num(r, r->items[k].lo, NULL) &&
                (r->items[k].hi < 0 || const_num(r, r->items[k].hi, NULL));
    size_t rfirst = r->nranges;
    for (size_t k = first; k < r->nitems && konst; k++) {
        range rg = {0, 0, 0};
        const_num(r, r->items[k].lo, &rg.lo);
        rg.hi = rg.lo;
        if (r->items[k].hi >= 0)
            const_num(r, r->items[k].hi, &rg.hi);
        if (!GROW(r->ranges, r->nranges, r->capranges))
            return oom(P);
        r->ranges[r->nranges++] = rg;
    }
    int x = new_node(P,
                     konst         ? N_KIN
                     : lt == T_STR ? N_SIN
                                   : N_IN,
                     T_NUM, lhs, -1);
    if (x >= 0) {
        r->nodes[x].first = konst ? rfirst : first;
        r->nodes[x].n = n;
    }
    return x;
}

/*
 * Comparisons do not chain ("a < b < c" is an error at the second '<'):
 * in a rules file that is always a mistake.  The string/number check is
 * static; 'missing' (T_ANY) compares with either type.
 */
static int
parse_cmp(parser *P)
{
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
    int a = parse_add(P);
    if (a < 0)
        return -1;
    token *tk = peek(P);
    if (is_word(tk, "in")) {
        P->pos++;
        return parse_in(P, a, tk);
    }
    if (is_word(tk, "not") && P->pos + 1 < P->ntoks &&
        is_word(&P->toks[P->pos + 1], "in")) {
        P->pos += 2;
        int x = parse_in(P, a, tk);
        return x < 0 ? -1 : new_node(P, N_NOT, T_NUM, x, -1);
    }
    for (int k = 0; k < 6; k++) {
        if (!is_op(tk, ops[k]))
            continue;
        P->pos++;
        int b = parse_add(P);
        if (b < 0)
            return -1;
        int ta = P->r->nodes[a].type, tb = P->r->nodes[b].type;
        if ((ta == T_STR && tb == T_NUM) || (ta == T_NUM && tb == T_STR))
            return perr(P, tk, "cannot compare a string with a number");
        int str = ta == T_STR || tb == T_STR;
        return new_node(P, (str ? N_SEQ : N_EQ) + k, T_NUM, a, b);
    }
    return a;
}

/* A string cannot be a condition: there is no "non-empty is true". */
static int
need_cond(parser *P, int n, const token *at)
{
    if (n >= 0 && P->r->nodes[n].type == T_STR)
        return perr(P, at, "expected a condition, got a string");
    return n;
}

static int
parse_not(parser *P)
{
    token *tk = peek(P);
    if (is_word(tk, "not")) {
        if (P->depth >= MAX_DEPTH)
            return perr(P, tk, "expression nested too deeply");
        P->pos++;
        P->depth++;
        int a = need_cond(P, parse_not(P), tk);
        P->depth--;
        return a < 0 ? -1 : new_node(P, N_NOT, T_NUM, a, -1);
    }
    return parse_cmp(P);
}

static int
parse_and(parser *P)
{
    token *at = peek(P);
    int a = parse_not(P);
    while (a >= 0 && is_word(peek(P), "and")) {
        P->pos++;
        token *bt = peek(P);
        int b = need_cond(P, parse_not(P), bt);
        if (b < 0 || need_cond(P, a, at) < 0)
            return -1;
        a = new_node(P, N_AND, T_NUM, a, b);
    }
    return a;
}

static int
parse_expr(parser *P)
{
    token *at = peek(P);
    int a = parse_and(P);
    while (a >= 0 && is_word(peek(P), "or")) {
        P->pos++;
        token *bt = peek(P);
        int b = need_cond(P, parse_and(P), bt);
        if (b < 0 || need_cond(P, a, at) < 0)
            return -1;
        a = new_node(P, N_OR, T_NUM, a, b);
    }
    return a;
}

static int
parse_cond(parser *P)
{
    token *at = peek(P);
    return need_cond(P, parse_expr(P), at);
}

/* ---- statements ---- */

static int
parse_target(parser *P, int create, int type)
{
    token *tk = peek(P);
    char b[64];
    if (tk->kind != TK_IDENT || is_keyword(tk))
        return perr(P, tk, "expected a variable name, got %s",
                    tok_desc(tk, b, sizeof(b)));
    int s = find_slot(P, tk->p, tk->n, create, type);
    if (s < 0)
        return P->failed
                   ? -1
                   : perr(P, tk, "unknown variable '%.*s'", (int)tk->n, tk->p);
    P->pos++;
    return s;
}

/* Optional "message", then the end of the line. */
static int
parse_tail(parser *P, stmt *st)
{
    char b[64];
    token *tk = peek(P);
    if (tk->kind == TK_STR) {
        st->msg = tk->s;
        tk->s = NULL;
        P->pos++;
        tk = peek(P);
    }
    if (tk->kind != TK_NL && tk->kind != TK_EOF)
        return perr(P, tk, "expected end of line, got %s",
                    tok_desc(tk, b, sizeof(b)));
    return 0;
}

static int
parse_number(parser *P, double *out)
{
    token *tk = peek(P);
    char b[64];
    int neg = 0;
    if (is_op(tk, "-")) {
        neg = 1;
        P->pos++;
        tk = peek(P);
    }
    if (tk->kind != TK_NUM)
        return perr(P, tk, "expected a number, got %s",
                    tok_desc(tk, b, sizeof(b)));
    *out = neg ? -tk->num : tk->num;
    P->pos++;
    return 0;
}

/*
 * recode VAR [into NEW]: RANGE=VALUE, ...  Ranges are constants, so the
 * overlap check is done here, pairwise (lists are short).
 */
static int
parse_recode(parser *P, stmt *st)
{
    svy_rules *r = P->r;
    token *at = peek(P);
    if ((st->src = parse_target(P, 0, 0)) < 0)
        return -1;
    if (r->slots[st->src].type != T_NUM)
        return perr(P, at, "cannot recode string variable '%s'",
                    r->slots[st->src].name);
    st->target = st->src;
    if (is_word(peek(P), "into")) {
        P->pos++;
        at = peek(P);
        if ((st->target = parse_target(P, 1, T_NUM)) < 0)
            return -1;
        if (r->slots[st->target].type != T_NUM)
            return perr(P, at, "cannot recode into string variable '%s'",
                        r->slots[st->target].name);
    }
    if (expect(P, "':'", is_op(peek(P), ":")) < 0)
        return -1;
    st->rfirst = r->nranges;
    while (1) {
        range rg;
        token *rt = peek(P);
        if (parse_number(P, &rg.lo) < 0)
            return -1;
        rg.hi = rg.lo;
        if (is_op(peek(P), "..")) {
            P->pos++;
            if (parse_number(P, &rg.hi) < 0)
                return -1;
            if (rg.hi < rg.lo)
                return perr(P, rt, "empty range: %g is above %g", rg.lo, rg.hi);
        }
        if (expect(P, "'='", is_op(peek(P), "=")) < 0)
            return -1;
        if (is_word(peek(P), "missing")) {
            P->pos++;
            rg.val = NAN;
        } else if (parse_number(P, &rg.val) < 0) {
            return -1;
        }
        for (size_t k = st->rfirst; k < r->nranges; k++)
            if (rg.lo <= r->ranges[k].hi && r->ranges[k].lo <= rg.hi)
                return perr(P, rt, "range %g..%g overlaps %g..%g", rg.lo, rg.hi,
                            r->ranges[k].lo, r->ranges[k].hi);
        if (!GROW(r->ranges, r->nranges, r->capranges))
            return oom(P);
        r->ranges[r->nranges++] = rg;
        if (!is_op(peek(P), ","))
            break;
        P->pos++;
    }
    st->rn = r->nranges - st->rfirst;
    return parse_tail(P, st);
}

/* set/compute VAR = EXPR [when COND] ["message"]. */
static int
parse_assign(parser *P, stmt *st, int create)
{
    svy_rules *r = P->r;
    token *tt = peek(P);
    char b[64];

    if (tt->kind != TK_IDENT || is_keyword(tt))
        return perr(P, tt, "expected a variable name, got %s",
                    tok_desc(tt, b, sizeof(b)));
    /* A new variable exists only after its own expression. */
    st->target = find_slot(P, tt->p, tt->n, 0, 0);
    if (st->target < 0 && (P->failed || !create))
        return P->failed
                   ? -1
                   : perr(P, tt, "unknown variable '%.*s'", (int)tt->n, tt->p);
    P->pos++;
    if (expect(P, "'='", is_op(peek(P), "=")) < 0)
        return -1;
    token *et = peek(P);
    if ((st->expr = parse_expr(P)) < 0)
        return -1;
    int et_type = r->nodes[st->expr].type;
    if (st->target < 0 &&
        (st->target = find_slot(P, tt->p, tt->n, 1,
                                et_type == T_STR ? T_STR : T_NUM)) < 0)
        return -1;
    slot *sl = &r->slots[st->target];
    if (sl->type == T_NUM && et_type == T_STR)
        return perr(P, et, "cannot assign a string to numeric variable '%s'",
                    sl->name);
    if (sl->type == T_STR && et_type == T_NUM)
        return perr(P, et, "cannot assign a number to string variable '%s'",
                    sl->name);
    if (is_word(peek(P), "when")) {
        P->pos++;
        if ((st->cond = parse_cond(P)) < 0)
            return -1;
    }
    return parse_tail(P, st);
}

/* One statement, dispatched on its first word. */
static int
parse_stmt(parser *P)
{
    svy_rules *r = P->r;
    token *tk = peek(P);
    char b[64];
    stmt st;
    int k, rc = -1;

    memset(&st, 0, sizeof(st));
    P->stmt_nodes = r->nnodes;
    st.target = st.src = st.expr = st.cond = -1;
    st.line = tk->line;
    for (k = 0; k < 7; k++)
        if (is_word(tk, kw_names[k]))
            break;
    if (k == 7)
        return perr(P, tk,
                    "expected a statement (assert, warn, set, recode, "
                    "compute, drop, flag), got %s",
                    tok_desc(tk, b, sizeof(b)));
    st.kind = (svy_rule_kind)k;
    P->pos++;
    switch (st.kind) {
    case SVY_RULE_ASSERT:
        if ((st.expr = parse_cond(P)) < 0)
            break;
        if (is_word(peek(P), "when")) {
            P->pos++;
            if ((st.cond = parse_cond(P)) < 0)
                break;
        }
        rc = parse_tail(P, &st);
        break;
    case SVY_RULE_WARN:
    case SVY_RULE_DROP:
        if (expect(P, "'when'", is_word(peek(P), "when")) < 0 ||
            (st.cond = parse_cond(P)) < 0)
            break;
        rc = parse_tail(P, &st);
        break;
    case SVY_RULE_SET: rc = parse_assign(P, &st, 0); break;
    case SVY_RULE_COMPUTE: rc = parse_assign(P, &st, 1); break;
    case SVY_RULE_RECODE: rc = parse_recode(P, &st); break;
    case SVY_RULE_FLAG: {
        token *at = peek(P);
        if ((st.target = parse_target(P, 1, T_NUM)) < 0)
            break;
        if (r->slots[st.target].type != T_NUM) {
            perr(P, at, "cannot flag into string variable '%s'",
                 r->slots[st.target].name);
            break;
        }
        if (expect(P, "'when'", is_word(peek(P), "when")) < 0 ||
            (st.cond = parse_cond(P)) < 0)
            break;
        rc = parse_tail(P, &st);
        break;
    }
    }
    if (rc == 0 && !GROW(r->stmts, r->nstmts, r->capstmts))
        rc = oom(P);
    if (rc == 0) {
        svy_buf wb = SVY_BUF_INIT;
        if (svy_buf_printf(&wb, "%s:%zu", r->name, st.line) ||
            (st.where = svy_buf_detach(&wb, NULL)) == NULL) {
            svy_buf_release(&wb);
            rc = oom(P);
        }
    }
    if (rc < 0) {
        free(st.msg);
        return -1;
    }
    r->stmts[r->nstmts++] = st;
    return 0;
}

svy_status
svy_rules_compile(svy_rules **out, const char *name, const char *text,
                  size_t len, const svy_table *t, const svy_codebook *cb,
                  svy_err *err)
{
    parser P = {0};
    svy_rules *r;
    svy_status rc = SVY_OK;

    *out = NULL;
    if ((r = calloc(1, sizeof(*r))) == NULL ||
        (r->name = svy_mem_strdup(name)) == NULL) {
        free(r);
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    }
    r->base_cols = svy_table_ncols(t);
    P.r = r;
    P.t = t;
    P.cb = cb;
    P.err = err;
    if (lex(&P, text, len) == 0) {
        while (!P.failed && peek(&P)->kind != TK_EOF) {
            if (peek(&P)->kind == TK_NL) {
                P.pos++;
                continue;
            }
            if (parse_stmt(&P) < 0)
                break;
        }
    }
    if (P.failed)
        rc = err && err->code ? err->code : SVY_EPARSE;
    for (size_t i = 0; i < P.ntoks; i++)
        free(P.toks[i].s);
    free(P.toks);
    if (rc != SVY_OK) {
        svy_rules_free(r);
        return rc;
    }
    *out = r;
    return SVY_OK;
}

svy_status
svy_rules_compile_file(svy_rules **out, const char *path, const svy_table *t,
                       const svy_codebook *cb, svy_err *err)
{
    svy_input *in = NULL;
    svy_buf b = SVY_BUF_INIT;
    char chunk[8192];
    size_t got;
    svy_status rc;

    *out = NULL;
    if ((rc = svy_input_open(&in, path, err)) != SVY_OK)
        goto out;
    do {
        if ((rc = svy_input_read(in, chunk, sizeof(chunk), &got, err)) !=
            SVY_OK)
            goto out;
        if (got && svy_buf_append(&b, chunk, got)) {
            rc = svy_err_set(err, SVY_ENOMEM, "out of memory");
            goto out;
        }
    } while (got > 0);
    rc = svy_rules_compile(out, path, b.data ? b.data : "", b.len, t, cb, err);
out:
    svy_buf_release(&b);
    svy_input_close(in);
    return rc;
}

void
svy_rules_free(svy_rules *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nnodes; i++)
        free(r->nodes[i].s);
    for (size_t i = 0; i < r->nslots; i++) {
        free(r->slots[i].name);
        free(r->slots[i].own_val);
        free(r->slots[i].umiss);
    }
    for (size_t i = 0; i < r->nstmts; i++) {
        free(r->stmts[i].msg);
        free(r->stmts[i].where);
    }
    free(r->nodes);
    free(r->args);
    free(r->items);
    free(r->slots);
    free(r->ranges);
    free(r->stmts);
    free(r->name);
    free(r);
}

/* ---- evaluation ---- */

static double eval(const svy_rules *r, int n, size_t row);

/*
 * A string expression's value: a literal, a cell (borrowed until the cell
 * changes) or NULL for missing.  Only literals, string variables and
 * 'missing' are string-typed, which the type checker guarantees.
 */
static const char *
eval_str(const svy_rules *r, int n, size_t row)
{
    const node *x = &r->nodes[n];
    if (x->op == N_STR)
        return x->s;
    if (x->op == N_SVAR) {
        const slot *sl = &r->slots[x->slot];
        if (svy_column_type(sl->col) != SVY_TEXT)
            return NULL; /* string slots are text columns (see apply) */
        const char *s = svy_column_text(sl->col, row);
        return *s ? s : NULL;
    }
    return NULL;
}

static int
truthy(double v)
{
    return !isnan(v) && v != 0;
}

/* 10^k for k = 0..22, all exact in a double, as pow(10, k) gives them. */
static const double pow10_exact[23] = {
    1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Whether argument node 'n' is missing: NaN, empty or a user-missing code. */
static inline int
arg_missing(const svy_rules *r, int n, size_t row, double *v)
{
    const node *x = &r->nodes[n];
    if (x->type == T_STR) {
        *v = NAN;
        return eval_str(r, n, row) == NULL;
    }
    if (x->op == N_VAR) {
        const slot *sl = &r->slots[x->slot];
        *v = sl->val[row];
        return isnan(*v) || (sl->umiss && sl->umiss[row]);
    }
    *v = eval(r, n, row);
    return isnan(*v);
}

/*
 * The functions.  Aggregates skip missing arguments (na.rm in R's terms)
 * and are missing only when every argument is, which is what a battery
 * score over partly answered items needs.
 */
static double
call(const svy_rules *r, const node *x, size_t row)
{
    const size_t *a = r->args + x->first;
    double acc = 0, v;
    size_t valid = 0, k;

    switch (x->fn) {
    case F_MISSING: return arg_missing(r, (int)a[0], row, &v);
    case F_SYSMIS:
        /* Only system missing: a user-missing code is a value here. */
        if (r->nodes[a[0]].type == T_STR)
            return eval_str(r, (int)a[0], row) == NULL;
        return isnan(eval(r, (int)a[0], row));
    case F_ABS: return fabs(eval(r, (int)a[0], row));
    case F_ROUND: {
        double d = x->n > 1 ? eval(r, (int)a[1], row) : 0;
        v = eval(r, (int)a[0], row);
        if (isnan(d))
            return NAN;
        /* Exact powers of ten from a table; pow() for the rest. */
        double p =
            d >= 0 && d <= 22 && d == (int)d ? pow10_exact[(int)d] : pow(10, d);
        return round(v * p) / p;
    }
    case F_COUNT:
        for (k = 0; k < x->n; k++)
            acc += truthy(eval(r, (int)a[k], row));
        return acc;
    case F_ANY:
        for (k = 0; k < x->n; k++)
            if (truthy(eval(r, (int)a[k], row)))
                return 1;
        return 0;
    case F_ALL:
        for (k = 0; k < x->n; k++)
            if (!truthy(eval(r, (int)a[k], row)))
                return 0;
        return 1;
    default: break;
    }
    for (k = 0; k < x->n; k++) {
        if (arg_missing(r, (int)a[k], row, &v))
            continue;
        if (x->fn == F_MIN)
            acc = valid == 0 || v < acc ? v : acc;
        else if (x->fn == F_MAX)
            acc = valid == 0 || v > acc ? v : acc;
        else
            acc += v;
        valid++;
    }
    if (x->fn == F_NVALID)
        return (double)valid;
    if (valid == 0)
        return NAN;
    return x->fn == F_MEAN ? acc / (double)valid : acc;
}

/*
 * Most children are constants and variables: answer those inline and
 * recurse only for the rest (a third of the evaluation time otherwise).
 */
static inline double
leaf(const svy_rules *r, int n, size_t row)
{
    const node *x = &r->nodes[n];
    if (x->op == N_NUM)
        return x->num;
    if (x->op == N_VAR)
        return r->slots[x->slot].val[row];
    if (x->op == N_MISSV) {
        const slot *v = &r->slots[x->slot];
        return isnan(v->val[row]) || (v->umiss && v->umiss[row]);
    }
    return eval(r, n, row);
}

/*
 * The operators that are rare in a rules file, or costly anyway (string
 * comparisons, 'in' over expressions, function calls), are kept out of
 * eval() so that eval stays small: its prologue is paid on every node.
 */
static __attribute__((noinline)) double
eval_rare(const svy_rules *r, int n, size_t row)
{
    const node *x = &r->nodes[n];
    double l;
    const char *sl, *sr;

    switch (x->op) {
    case N_SEQ:
    case N_SNE:
    case N_SLT:
    case N_SLE:
    case N_SGT:
    case N_SGE: {
        sl = eval_str(r, x->a, row);
        sr = eval_str(r, x->b, row);
        if (sl == NULL || sr == NULL)
            return 0;
        int c = strcmp(sl, sr);
        switch (x->op) {
        case N_SEQ: return c == 0;
        case N_SNE: return c != 0;
        case N_SLT: return c < 0;
        case N_SLE: return c <= 0;
        case N_SGT: return c > 0;
        default: return c >= 0;
        }
    }
    case N_IN: {
        l = leaf(r, x->a, row);
        if (isnan(l))
            return 0;
        for (size_t k = 0; k < x->n; k++) {
            const item *it = &r->items[x->first + k];
            if (it->hi < 0
                    ? l == leaf(r, it->lo, row)
                    : l >= leaf(r, it->lo, row) && l <= leaf(r, it->hi, row))
                return 1;
        }
        return 0;
    }
    case N_SIN: {
        sl = eval_str(r, x->a, row);
        if (sl == NULL)
            return 0;
        for (size_t k = 0; k < x->n; k++) {
            sr = eval_str(r, r->items[x->first + k].lo, row);
            if (sr && strcmp(sl, sr) == 0)
                return 1;
        }
        return 0;
    }
    case N_CALL: return call(r, x, row);
    default: return NAN; /* N_MISS, and strings never reach here */
    }
}

/*
 * The value of numeric node 'n' on 'row'.  NaN is missing: arithmetic
 * propagates it for free, and IEEE comparisons with NaN are already false
 * except '!=', handled explicitly so that every comparison with missing is
 * false, as the man page promises.
 */
static double
eval(const svy_rules *r, int n, size_t row)
{
    const node *x = &r->nodes[n];
    double l, rv;

    switch (x->op) {
    case N_NUM: return x->num;
    case N_VAR: return r->slots[x->slot].val[row];
    case N_NEG: return -leaf(r, x->a, row);
    case N_ADD: return leaf(r, x->a, row) + leaf(r, x->b, row);
    case N_SUB: return leaf(r, x->a, row) - leaf(r, x->b, row);
    case N_MUL: return leaf(r, x->a, row) * leaf(r, x->b, row);
    case N_DIV:
        rv = leaf(r, x->b, row);
        return rv == 0 ? NAN : leaf(r, x->a, row) / rv;
    case N_EQ: return leaf(r, x->a, row) == leaf(r, x->b, row);
    case N_NE:
        l = leaf(r, x->a, row);
        rv = leaf(r, x->b, row);
        return !isnan(l) && !isnan(rv) && l != rv;
    case N_LT: return leaf(r, x->a, row) < leaf(r, x->b, row);
    case N_LE: return leaf(r, x->a, row) <= leaf(r, x->b, row);
    case N_GT: return leaf(r, x->a, row) > leaf(r, x->b, row);
    case N_GE: return leaf(r, x->a, row) >= leaf(r, x->b, row);
    case N_AND: return truthy(leaf(r, x->a, row)) && truthy(leaf(r, x->b, row));
    case N_OR: return truthy(leaf(r, x->a, row)) || truthy(leaf(r, x->b, row));
    case N_NOT: return !truthy(leaf(r, x->a, row));
    case N_KIN: {
        l = leaf(r, x->a, row);
        /* NaN fails every test, so missing is in no list. */
        for (size_t k = 0; k < x->n; k++) {
            const range *rg = &r->ranges[x->first + k];
            if (l >= rg->lo && l <= rg->hi)
                return 1;
        }
        return 0;
    }
    case N_MISSV: {
        const slot *v = &r->slots[x->slot];
        return isnan(v->val[row]) || (v->umiss && v->umiss[row]);
    }
    case N_SYSV: return isnan(r->slots[x->slot].val[row]);
    default: return eval_rare(r, n, row);
    }
}

/* ---- applying ---- */

/*
 * Formatting a number that is not an integer costs about 80 ns
 * (svy_num_format), and the output has a million of them in each computed
 * column; but a computed column holds few distinct values (means of a few
 * codes, rounded minutes, recoded groups).  So the writer keeps, per
 * column, a small direct-mapped cache from a double's bits to its text.
 */
#define FMT_CACHE 512

typedef struct fmt_entry {
    uint64_t bits;
    int used;
    size_t len;
    char s[SVY_NUM_BUFSZ];
} fmt_entry;

typedef struct fmt_cache {
    fmt_entry e[FMT_CACHE];
} fmt_cache;

/* The text of 'v' (not NaN), from the cache or formatted into it. */
static const char *
fmt_cached(fmt_cache *fc, double v, size_t *len)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof(bits));
    fmt_entry *e = &fc->e[(bits * 0x9E3779B97F4A7C15ULL) >> 55];
    if (!e->used || e->bits != bits) {
        e->len = svy_num_format(v, e->s);
        e->bits = bits;
        e->used = 1;
    }
    *len = e->len;
    return e->s;
}

typedef struct apply_ctx {
    svy_rules *r;
    svy_table *t;
    const svy_rules_opts *opts;
    const svy_column *id;
    svy_buf old;
    const char **fields;
    size_t *lens;
    fmt_cache **fc; /* a number cache per numeric column, else NULL */
    size_t nfc;
    double **nums; /* each column's doubles, NULL for text (write_row) */
    svy_err *err;
} apply_ctx;

/* One audit row; the rule column is "FILE:LINE". */
static svy_status
audit(apply_ctx *A, size_t row, const char *action, const char *var,
      const char *old, const char *new_, const stmt *st)
{
    char idbuf[SVY_NUM_BUFSZ], lb[32];
    const char *f[7];
    size_t n[7], len;

    if (A->opts == NULL || A->opts->audit == NULL)
        return SVY_OK;
    if (A->id) {
        f[0] = svy_column_format(A->id, row, idbuf, &len);
    } else {
        snprintf(lb, sizeof(lb), "%zu", svy_table_row_line(A->t, row));
        f[0] = lb;
    }
    f[1] = action;
    f[2] = var;
    f[3] = old;
    f[4] = new_;
    f[5] = st->where; /* "FILE:LINE" with the full file name */
    f[6] = st->msg ? st->msg : "";
    for (int i = 0; i < 7; i++)
        n[i] = strlen(f[i]);
    return svy_csv_write_row(A->opts->audit, f, n, 7, A->err);
}

/*
 * The slow half of store_num: the value differs from the cache, so compare
 * the texts, rewrite the cell and log the change.  Kept out of line so
 * that the fast half inlines into the statement loop.
 */
static __attribute__((noinline)) svy_status
store_num_text(apply_ctx *A, slot *sl, size_t row, double v, const stmt *st,
               int *changed)
{
    char nb[SVY_NUM_BUFSZ], ob[SVY_NUM_BUFSZ];
    size_t n, olen;
    const char *old;
    svy_status rc;

    n = svy_num_format(v, nb); /* "" for NaN */
    old = svy_column_format(sl->col, row, ob, &olen);
    if (olen == n && memcmp(old, nb, n) == 0)
        return SVY_OK;
    *changed = 1;
    svy_buf_reset(&A->old);
    if (svy_buf_append(&A->old, old, olen))
        return svy_err_set(A->err, SVY_ENOMEM, "out of memory");
    if (svy_column_type(sl->col) == SVY_NUM)
        rc = svy_column_set_num(sl->col, row, v, A->err);
    else
        rc = svy_column_set_text(sl->col, row, nb, n, A->err);
    if (rc != SVY_OK)
        return rc;
    sl->val[row] = v;
    if (sl->umiss)
        sl->umiss[row] = 0;
    if (sl->is_new)
        return SVY_OK;
    return audit(A, row, st->kind == SVY_RULE_RECODE ? "recode" : "set",
                 sl->name, A->old.data ? A->old.data : "", nb, st);
}

/* Store number 'v' (NaN for missing) into slot 's' at 'row'. */
static inline svy_status
store_num(apply_ctx *A, int s, size_t row, double v, const stmt *st,
          int *changed)
{
    slot *sl = &A->r->slots[s];

    *changed = 0;
    /*
     * An equal number is no change, so "1.50" is never rewritten as "1.5";
     * the cache answers that without touching the text (the hot path of
     * compute and flag).  Missing over missing is no change only when the
     * cell is really empty, not unreadable text.
     */
    double cur = sl->val[row];
    if (cur == v || (isnan(cur) && isnan(v) &&
                     (sl->is_new || svy_column_is_empty(sl->col, row))))
        return SVY_OK;
    /*
     * A new numeric column (its array is the cache: no own_val) has no
     * old text to compare with and no audit row: store the double and
     * let the writer format it, once.
     */
    if (sl->is_new && sl->own_val == NULL) {
        *changed = 1;
        sl->val[row] = v;
        return SVY_OK;
    }
    return store_num_text(A, sl, row, v, st, changed);
}

/* The same for a string slot; NULL 'v' is missing (an empty cell). */
static svy_status
store_str(apply_ctx *A, int s, size_t row, const char *v, const stmt *st,
          int *changed)
{
    slot *sl = &A->r->slots[s];
    char ob[SVY_NUM_BUFSZ];
    size_t olen, n = v ? strlen(v) : 0;
    svy_status rc;

    *changed = 0;
    const char *old = svy_column_format(sl->col, row, ob, &olen);
    if (olen == n && memcmp(old, v ? v : "", n) == 0)
        return SVY_OK;
    *changed = 1;
    svy_buf_reset(&A->old);
    if (svy_buf_append(&A->old, old, olen))
        return svy_err_set(A->err, SVY_ENOMEM, "out of memory");
    if ((rc = svy_column_set_text(sl->col, row, v ? v : "", n, A->err)) !=
        SVY_OK)
        return rc;
    if (sl->is_new)
        return SVY_OK;
    return audit(A, row, "set", sl->name, A->old.data ? A->old.data : "",
                 v ? v : "", st);
}

/* The row writer's arrays for the columns 't' has now. */
static svy_status
writer_init(apply_ctx *A, const svy_table *t)
{
    size_t nc = svy_table_ncols(t);

    A->fields = svy_mem_alloc(nc ? nc : 1, sizeof(*A->fields));
    A->lens = svy_mem_alloc(nc ? nc : 1, sizeof(*A->lens));
    A->fc = svy_mem_calloc(nc ? nc : 1, sizeof(*A->fc));
    A->nums = svy_mem_calloc(nc ? nc : 1, sizeof(*A->nums));
    if (A->fields == NULL || A->lens == NULL || A->fc == NULL ||
        A->nums == NULL)
        return svy_err_set(A->err, SVY_ENOMEM, "out of memory");
    A->nfc = nc;
    /* Caches only for numeric columns: a wide text table costs nothing. */
    for (size_t c = 0; c < nc; c++) {
        svy_column *col = svy_table_col(t, c);

        if (svy_column_type(col) != SVY_NUM || svy_column_len(col) == 0)
            continue;
        /* NULL only when a byte column could not widen */
        if ((A->nums[c] = svy_column_nums(col)) == NULL ||
            (A->fc[c] = svy_mem_calloc(1, sizeof(fmt_cache))) == NULL)
            return svy_err_set(A->err, SVY_ENOMEM, "out of memory");
    }
    return SVY_OK;
}

static void
writer_free(apply_ctx *A)
{
    for (size_t c = 0; A->fc && c < A->nfc; c++)
        free(A->fc[c]);
    free(A->fields);
    free(A->lens);
    free(A->fc);
    free(A->nums);
}

/* Write row 'row' of 't' as one CSV record, every column as stored. */
static svy_status
write_row(apply_ctx *A, const svy_table *t, size_t row, svy_output *o)
{
    size_t nc = svy_table_ncols(t);
    svy_table_row_texts(t, row, A->fields, A->lens);
    for (size_t c = 0; c < nc; c++) {
        if (A->nums[c] == NULL)
            continue;
        double v = A->nums[c][row];
        if (isnan(v)) {
            A->fields[c] = "";
            A->lens[c] = 0;
        } else {
            A->fields[c] = fmt_cached(A->fc[c], v, &A->lens[c]);
        }
    }
    return svy_csv_write_row(o, A->fields, A->lens, nc, A->err);
}

static svy_status
write_header(apply_ctx *A, const svy_table *t, svy_output *o)
{
    size_t nc = svy_table_ncols(t);
    for (size_t c = 0; c < nc; c++) {
        A->fields[c] = svy_column_name(svy_table_col(t, c));
        A->lens[c] = strlen(A->fields[c]);
    }
    return svy_csv_write_row(o, A->fields, A->lens, nc, A->err);
}

/*
 * Run statement 'st' on 'row'.  Counts rows fired or changed for the
 * summary; a drop clears keep[row], which stops the row's later
 * statements in svy_rules_apply's loop.
 */
static svy_status
run_stmt(apply_ctx *A, stmt *st, size_t row, unsigned char *keep)
{
    svy_rules *r = A->r;
    svy_status rc = SVY_OK;
    int changed = 0;

    switch (st->kind) {
    case SVY_RULE_ASSERT:
        if (st->cond >= 0 && !truthy(eval(r, st->cond, row)))
            return SVY_OK;
        if (truthy(eval(r, st->expr, row)))
            return SVY_OK;
        st->rows++;
        r->errors++;
        return audit(A, row, "error", "", "", "", st);
    case SVY_RULE_WARN:
        if (!truthy(eval(r, st->cond, row)))
            return SVY_OK;
        st->rows++;
        return audit(A, row, "warning", "", "", "", st);
    case SVY_RULE_DROP:
        if (!truthy(eval(r, st->cond, row)))
            return SVY_OK;
        st->rows++;
        keep[row] = 0;
        if (A->opts && A->opts->dropped &&
            (rc = write_row(A, A->t, row, A->opts->dropped)) != SVY_OK)
            return rc;
        return audit(A, row, "drop", "", "", "", st);
    case SVY_RULE_FLAG:
        rc = store_num(A, st->target, row, truthy(eval(r, st->cond, row)), st,
                       &changed);
        if (r->slots[st->target].val[row] == 1)
            st->rows++;
        return rc;
    case SVY_RULE_SET:
    case SVY_RULE_COMPUTE:
        if (st->cond >= 0 && !truthy(eval(r, st->cond, row)))
            return SVY_OK;
        if (r->slots[st->target].type == T_STR)
            rc = store_str(A, st->target, row, eval_str(r, st->expr, row), st,
                           &changed);
        else
            rc = store_num(A, st->target, row, eval(r, st->expr, row), st,
                           &changed);
        break;
    case SVY_RULE_RECODE: {
        double v = r->slots[st->src].val[row], nv = NAN;
        int hit = 0;
        /*
         * A user-missing code is matched only by a range that names it
         * as an end (9=missing, 8..9=8), never from inside a wider range:
         * 60..120=5 must not turn a "refused" 99 into an age group.
         */
        int um = r->slots[st->src].umiss && r->slots[st->src].umiss[row];
        for (size_t k = 0; k < st->rn && !isnan(v); k++) {
            const range *rg = &r->ranges[st->rfirst + k];
            if (v >= rg->lo && v <= rg->hi &&
                (!um || v == rg->lo || v == rg->hi)) {
                nv = rg->val;
                hit = 1;
                break;
            }
        }
        /* In place, a value outside every range is left as it is. */
        if (!hit && st->target == st->src)
            return SVY_OK;
        rc = store_num(A, st->target, row, nv, st, &changed);
        break;
    }
    }
    if (changed)
        st->rows++;
    return rc;
}

/* Add new columns and fill each numeric slot's cache. */
static svy_status
prepare(apply_ctx *A)
{
    svy_rules *r = A->r;
    size_t rows = svy_table_nrows(A->t);
    svy_status rc;

    for (size_t i = 0; i < r->nslots; i++) {
        slot *sl = &r->slots[i];
        if (sl->is_new) {
            svy_column *c = svy_table_find(A->t, sl->name);
            /* New numbers are stored as numbers: no text per row. */
            if (c == NULL &&
                (rc = svy_table_add_column(
                     A->t, sl->name, sl->type == T_NUM ? SVY_NUM : SVY_TEXT, &c,
                     A->err)) != SVY_OK)
                return rc;
            sl->col = c;
        } else {
            sl->col = svy_table_col(A->t, sl->index);
        }
        if (sl->type == T_STR && svy_column_type(sl->col) != SVY_TEXT &&
            (rc = svy_column_to_text(sl->col, A->err)) != SVY_OK)
            return rc;
        free(sl->own_val);
        free(sl->umiss);
        sl->val = sl->own_val = NULL;
        sl->umiss = NULL;
        if (sl->type != T_NUM)
            continue;
        /*
         * A numeric new column is its own cache: its doubles are what
         * the statements read and write, with no copy to fill or keep in
         * step.  It holds no user-missing code, being made by the rules.
         */
        if (sl->is_new && svy_column_type(sl->col) == SVY_NUM) {
            sl->val = svy_column_nums(sl->col);
            continue;
        }
        if ((sl->val = sl->own_val =
                 svy_mem_alloc(rows ? rows : 1, sizeof(double))) == NULL)
            return svy_err_set(A->err, SVY_ENOMEM, "out of memory");
        size_t nmiss = 0;
        const char *const *codes = NULL;
        double mnum[16];
        if (sl->var)
            codes = svy_var_missing(sl->var, &nmiss);
        if (nmiss && (sl->umiss = svy_mem_calloc(rows ? rows : 1, 1)) == NULL)
            return svy_err_set(A->err, SVY_ENOMEM, "out of memory");
        /*
         * The codes as numbers once, so that a cell that reads as a number
         * is matched without parsing it again; the codebook compares the
         * same way (as numbers when both read as one, else as text).
         */
        for (size_t k = 0; k < nmiss && k < 16; k++)
            if (!svy_num_parse(codes[k], strlen(codes[k]), 0, &mnum[k]))
                mnum[k] = NAN;
        int text = svy_column_type(sl->col) == SVY_TEXT;
        for (size_t row = 0; row < rows; row++) {
            char nb[SVY_NUM_BUFSZ];
            size_t len;
            const char *s;
            double v = NAN;
            int num;
            /* Codes of one or two digits, most cells, read at sight. */
            if (text && (s = svy_column_text(sl->col, row))[0] >= '0' &&
                s[0] <= '9' &&
                (!s[1] || (s[1] >= '0' && s[1] <= '9' && !s[2]))) {
                len = s[1] ? 2 : 1;
                v = len == 1 ? s[0] - '0' : (s[0] - '0') * 10 + (s[1] - '0');
                num = 1;
            } else {
                s = svy_column_format(sl->col, row, nb, &len);
                num = len && svy_num_parse(s, len, 0, &v);
            }
            sl->val[row] = num ? v : NAN;
            if (sl->umiss == NULL || len == 0)
                continue;
            if (nmiss > 16) {
                sl->umiss[row] =
                    (unsigned char)svy_var_is_missing_code(sl->var, s);
                continue;
            }
            for (size_t k = 0; k < nmiss; k++)
                if (num && !isnan(mnum[k]) ? v == mnum[k]
                                           : strcmp(s, codes[k]) == 0) {
                    sl->umiss[row] = 1;
                    break;
                }
        }
    }
    return SVY_OK;
}

svy_status
svy_rules_apply(svy_rules *r, svy_table *t, const svy_rules_opts *opts,
                unsigned char *keep, svy_err *err)
{
    apply_ctx A = {0};
    svy_status rc = SVY_OK;
    size_t rows = svy_table_nrows(t);

    if (svy_table_ncols(t) != r->base_cols)
        return svy_err_set(err, SVY_EINVAL,
                           "rules compiled for %zu columns, table has %zu",
                           r->base_cols, svy_table_ncols(t));
    A.r = r;
    A.t = t;
    A.opts = opts;
    A.err = err;
    r->errors = 0;
    for (size_t i = 0; i < r->nstmts; i++)
        r->stmts[i].rows = 0;
    if ((rc = prepare(&A)) != SVY_OK)
        goto out;
    if ((rc = writer_init(&A, t)) != SVY_OK)
        goto out;
    if (opts && opts->id)
        A.id = svy_table_find(t, opts->id);
    if (opts && opts->audit) {
        static const char *const h[] = {"id",  "action", "variable", "old",
                                        "new", "rule",   "message"};
        size_t hl[7];
        for (int i = 0; i < 7; i++)
            hl[i] = strlen(h[i]);
        if ((rc = svy_csv_write_row(opts->audit, h, hl, 7, err)) != SVY_OK)
            goto out;
    }
    if (opts && opts->dropped &&
        (rc = write_header(&A, t, opts->dropped)) != SVY_OK)
        goto out;
    memset(keep, 1, rows);
    for (size_t row = 0; row < rows; row++)
        for (size_t i = 0; i < r->nstmts && keep[row]; i++)
            if ((rc = run_stmt(&A, &r->stmts[i], row, keep)) != SVY_OK)
                goto out;
out:
    for (size_t i = 0; i < r->nslots; i++) {
        free(r->slots[i].own_val);
        free(r->slots[i].umiss);
        r->slots[i].val = r->slots[i].own_val = NULL;
        r->slots[i].umiss = NULL;
    }
    writer_free(&A);
    svy_buf_release(&A.old);
    return rc;
}

size_t
svy_rules_count(const svy_rules *r)
{
    return r->nstmts;
}

void
svy_rules_stat(const svy_rules *r, size_t i, svy_rule_stat *st)
{
    const stmt *s = &r->stmts[i];
    st->kind = s->kind;
    st->line = s->line;
    st->keyword = kw_names[s->kind];
    st->message = s->msg ? s->msg : "";
    st->rows = s->rows;
}

size_t
svy_rules_errors(const svy_rules *r)
{
    return r->errors;
}

svy_status
svy_rules_write_kept(const svy_table *t, const unsigned char *keep,
                     svy_output *o, svy_err *err)
{
    apply_ctx A = {0};
    size_t rows = svy_table_nrows(t);
    svy_status rc;

    A.err = err;
    if ((rc = writer_init(&A, t)) != SVY_OK)
        goto out;
    if ((rc = write_header(&A, t, o)) != SVY_OK)
        goto out;
    for (size_t row = 0; row < rows; row++)
        if ((keep == NULL || keep[row]) &&
            (rc = write_row(&A, t, row, o)) != SVY_OK)
            goto out;
out:
    writer_free(&A);
    return rc;
}
