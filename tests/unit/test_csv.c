/*
 * test_csv.c - the CSV reader (detection, decoding, quoting, line numbers
 * in messages, chunk boundaries) and the writer (quoting, shortest
 * numbers, round trips).
 *
 * Inputs are string literals read through svy_input_open_mem under the
 * name "t.csv", so messages are "t.csv:LINE: ...".  Temporary files (in
 * /tmp, removed afterwards) are used only where a path is the point: gzip
 * input and the writer, whose output goes to an svy_output.  Non-ASCII
 * bytes are written as escapes: "\xd0\x90" is 'А' in UTF-8, "\xc0" the same
 * letter in CP1251.
 */
#include "svy/csv.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "check.h"
#include "svy/buf.h"
#include "svy/num.h"

/* The reader's chunk size (CHUNK in src/csv.c), for boundary tests. */
#define READ_CHUNK ((size_t)1 << 20)

/* "Привет" in UTF-8 and in CP1251. */
#define PRIVET_UTF8 "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"
#define PRIVET_1251 "\xcf\xf0\xe8\xe2\xe5\xf2"

/* Read 'len' bytes as "t.csv"; '*t' gets the table (NULL on failure). */
static svy_status
read_buf(const char *data, size_t len, const svy_csv_opts *opts,
         svy_csv_info *info, svy_table **t, svy_err *err)
{
    svy_input *in = NULL;
    svy_status rc;

    *t = NULL;
    if ((rc = svy_input_open_mem(&in, "t.csv", data, len, err)) != SVY_OK)
        return rc;
    rc = svy_csv_read(t, in, opts, info, err);
    svy_input_close(in);
    return rc;
}

/* Read a string literal (which may hold any byte but NUL). */
#define READ(lit, opts, info, t, err)                                          \
    read_buf(lit, strlen(lit), opts, info, t, err)

/* Cell of column 'name' as text, for CHECK_STR. */
static const char *
cell(const svy_table *t, const char *name, size_t row)
{
    static char buf[SVY_NUM_BUFSZ];
    const svy_column *c = t ? svy_table_find(t, name) : NULL;

    if (c == NULL || row >= svy_column_len(c))
        return "(no such cell)";
    return svy_column_format(c, row, buf, NULL);
}

/* Name of column i, or a marker. */
static const char *
colname(const svy_table *t, size_t i)
{
    return t && i < svy_table_ncols(t) ? svy_column_name(svy_table_col(t, i))
                                       : "(no such column)";
}

/*
 * A fresh path "/tmp/svy-test-XXXXXX/t" + suffix in a new directory (the
 * file itself does not exist yet); temp_done removes file and directory.
 */
static void
temp_path(char *path, size_t size, const char *suffix)
{
    char dir[] = "/tmp/svy-test-XXXXXX";

    if (mkdtemp(dir) == NULL) {
        CHECK_REPORT(0, "mkdtemp failed");
        snprintf(path, size, "/nonexistent/t%s", suffix);
        return;
    }
    snprintf(path, size, "%s/t%s", dir, suffix);
}

static void
temp_done(const char *path)
{
    char dir[64];
    char *slash;

    unlink(path);
    snprintf(dir, sizeof(dir), "%s", path);
    if ((slash = strrchr(dir, '/')) != NULL) {
        *slash = '\0';
        rmdir(dir);
    }
}

/* The whole content of a file as a malloc'd string (NULL if unreadable). */
static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *s;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

/* Write 't' with svy_csv_write_file and return the bytes (caller frees). */
static char *
write_to_string(const svy_table *t)
{
    char path[64];
    svy_err err = SVY_ERR_INIT;
    char *s;

    temp_path(path, sizeof(path), ".csv");
    if (svy_csv_write_file(t, path, &err) != SVY_OK) {
        CHECK_REPORT(0, "write: %s", err.msg);
        return NULL;
    }
    s = slurp(path);
    temp_done(path);
    return s;
}

static void
test_csv_delimiter_detection(void)
{
    static const struct {
        const char *text;
        char delim;
        size_t ncols;
    } cases[] = {
        {"a,b,c\n1,2,3\n", ',', 3},
        {"a;b;c\n1;2;3\n", ';', 3},
        {"a\tb\n1\t2\n", '\t', 2},
        {"a|b|c|d\n1|2|3|4\n", '|', 4},
        {"name\nAli\nBob\n", ',', 1},
        /* Commas inside the fields of a ';' file do not count. */
        {"a;b\n\"1,5\";\"2,5,6\"\n", ';', 2},
        /* Both consistent: the more frequent wins. */
        {"a,b,c;d\n1,2,3;4\n", ',', 3},
        /* A header alone, without a line end. */
        {"a;b;c", ';', 3},
        /* A blank line breaks consistency: the header line decides. */
        {"a|b|c\n1|2|3\n\n4|5|6\n", '|', 3},
        /* Blank lines before the header or between rows do not count. */
        {"\n\na;b\n1;2\n", ';', 2},
        {"\r\n  \na|b\n\n1|2\n", '|', 2},
        /* Spaces are not delimiters. */
        {"first name\tlast name\nAli Bek\tX Y\n", '\t', 2},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        svy_table *t = NULL;
        svy_csv_info info;
        svy_err err = SVY_ERR_INIT;

        memset(&info, 0xAA, sizeof(info));
        CHECK_INT(READ(cases[i].text, NULL, &info, &t, &err), SVY_OK);
        CHECK_INT(info.delim, cases[i].delim);
        CHECK_INT(t ? svy_table_ncols(t) : 0, cases[i].ncols);
        svy_table_free(t);
    }
}

/* An explicit delimiter overrides detection. */
static void
test_csv_delimiter_option(void)
{
    svy_csv_opts opts = {
        .delim = ',', .encoding = SVY_ENC_AUTO, .decimal = SVY_DEC_AUTO};
    svy_csv_info info;
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("a;b\n1;2\n", &opts, &info, &t, &err), SVY_OK);
    CHECK_INT(info.delim, ',');
    CHECK_INT(t ? svy_table_ncols(t) : 0, 1);
    CHECK_STR(colname(t, 0), "a;b");
    CHECK_STR(cell(t, "a;b", 0), "1;2");
    svy_table_free(t);
    opts.delim = '\t';
    CHECK_INT(READ("a,b\tc\n1,2\t3\n", &opts, &info, &t, &err), SVY_OK);
    CHECK_STR(colname(t, 0), "a,b");
    CHECK_STR(cell(t, "c", 0), "3");
    svy_table_free(t);
}

static void
test_csv_bom(void)
{
    svy_table *t = NULL;
    svy_csv_info info;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("\xef\xbb\xbf"
                   "id;name\n1;" PRIVET_UTF8 "\n",
                   NULL, &info, &t, &err),
              SVY_OK);
    CHECK_INT(info.bom, 1);
    CHECK_INT(info.delim, ';');
    CHECK_INT(info.encoding, SVY_ENC_UTF8);
    CHECK_STR(colname(t, 0), "id");
    CHECK_STR(cell(t, "name", 0), PRIVET_UTF8);
    svy_table_free(t);
    /* Without a BOM the flag is clear. */
    CHECK_INT(READ("id\n1\n", NULL, &info, &t, &err), SVY_OK);
    CHECK_INT(info.bom, 0);
    svy_table_free(t);
}

/* A doubled BOM (a tool added one to a file that had one) goes too. */
static void
test_csv_double_bom(void)
{
    svy_table *t = NULL;
    svy_csv_info info;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(
        READ("\xef\xbb\xbf\xef\xbb\xbfid,name\n1,Ann\n", NULL, &info, &t, &err),
        SVY_OK);
    CHECK_INT(info.bom, 1);
    CHECK_STR(colname(t, 0), "id");
    CHECK_STR(cell(t, "name", 0), "Ann");
    svy_table_free(t);
}

/* A file that is only a BOM is an empty file, not a column named U+FEFF. */
static void
test_csv_bom_only(void)
{
    svy_table *t = NULL;
    svy_csv_info info;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("\xef\xbb\xbf", NULL, &info, &t, &err), SVY_OK);
    CHECK_INT(info.bom, 1);
    CHECK_INT(t ? svy_table_ncols(t) : 99, 0);
    CHECK_INT(t ? svy_table_nrows(t) : 99, 0);
    svy_table_free(t);
    CHECK_INT(READ("\xef\xbb\xbf\n", NULL, &info, &t, &err), SVY_OK);
    CHECK_INT(t ? svy_table_ncols(t) : 99, 0);
    svy_table_free(t);
}

static void
test_csv_crlf(void)
{
    svy_table *t = NULL;
    svy_csv_info info;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(
        READ("a,b\r\n1,x\r\n2,\"y\r\nz\"\r\n3,w\r\n", NULL, &info, &t, &err),
        SVY_OK);
    CHECK_INT(info.crlf, 1);
    CHECK_INT(t ? svy_table_nrows(t) : 0, 3);
    CHECK_STR(cell(t, "b", 0), "x");
    /* A CRLF inside quotes is data and is kept. */
    CHECK_STR(cell(t, "b", 1), "y\r\nz");
    CHECK_STR(cell(t, "b", 2), "w");
    CHECK_INT(svy_table_row_line(t, 2), 5);
    CHECK_INT(info.lines, 5);
    svy_table_free(t);
    /* Errors after CRLF lines name the right line. */
    CHECK_INT(READ("a,b\r\n1,2\r\n1,2,3\r\n", NULL, &info, &t, &err),
              SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:3: expected 2 fields, found 3");
    CHECK(t == NULL);
    /* CRLF after a header ended by LF: the data lines count. */
    CHECK_INT(READ("a,b\n1,x\r\n2,y\r\n", NULL, &info, &t, &err), SVY_OK);
    CHECK_INT(info.crlf, 1);
    CHECK_INT(info.lines, 3);
    CHECK_INT(svy_table_row_line(t, 1), 3);
    svy_table_free(t);
    /* LF only. */
    CHECK_INT(READ("a\n1\n", NULL, &info, &t, &err), SVY_OK);
    CHECK_INT(info.crlf, 0);
    svy_table_free(t);
}

/* Classic Mac files end lines with a lone CR: lines still count. */
static void
test_csv_cr_line_ends(void)
{
    svy_table *t = NULL;
    svy_csv_info info;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("id,age\r1,34\r2,41,x\r3,29\r", NULL, NULL, &t, &err),
              SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:3: expected 2 fields, found 3");
    CHECK_INT(READ("a,b\r1,2\r\r3,\"x\ry\"\r4,5\r", NULL, &info, &t, &err),
              SVY_OK);
    CHECK_INT(t ? svy_table_nrows(t) : 0, 3);
    CHECK_INT(svy_table_row_line(t, 0), 2);
    CHECK_INT(svy_table_row_line(t, 1), 4);
    CHECK_STR(cell(t, "b", 1), "x\ry");
    CHECK_INT(svy_table_row_line(t, 2), 6);
    CHECK_INT(info.lines, 6);
    CHECK_INT(info.crlf, 0);
    svy_table_free(t);
    /* Mixed: a CRLF is one line end, not two. */
    CHECK_INT(READ("a\r\n1\r2\n3\r\n\r\n4,5\n", NULL, NULL, &t, &err),
              SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:6: expected 1 fields, found 2");
    /* Encoding errors count the same way. */
    {
        svy_csv_opts utf8 = {.encoding = SVY_ENC_UTF8, .decimal = SVY_DEC_AUTO};
        CHECK_INT(READ("a\r1\r\n\"x\ry\"\r\xff\r", &utf8, NULL, &t, &err),
                  SVY_EPARSE);
        CHECK(strncmp(err.msg, "t.csv:5: invalid UTF-8", 22) == 0);
    }
}

/*
 * A CRLF whose CR ends one read chunk and whose LF starts the next is one
 * line end: later messages name the right line.
 */
static void
test_csv_crlf_across_chunks(void)
{
    size_t n = 0, line = 1, i;
    char *buf = malloc(READ_CHUNK + 4096);
    svy_csv_opts utf8 = {.encoding = SVY_ENC_UTF8, .decimal = SVY_DEC_AUTO};
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;
    char want[160];

    if (buf == NULL)
        return;
    n += (size_t)sprintf(buf + n, "a,b\r\n");
    while (n + 5 < READ_CHUNK - 40) {
        n += (size_t)sprintf(buf + n, "1,2\r\n");
        line++;
    }
    /* The row whose CR is the last byte of the first chunk. */
    n += (size_t)sprintf(buf + n, "1,");
    while (n < READ_CHUNK - 1)
        buf[n++] = 'y';
    n += (size_t)sprintf(buf + n, "\r\n");
    line++;
    for (i = 0; i < 5; i++, line++)
        n += (size_t)sprintf(buf + n, "3,4\r\n");
    CHECK(buf[READ_CHUNK - 1] == '\r' && buf[READ_CHUNK] == '\n');
    memcpy(buf + n, "5,\xff\r\n", 6);
    line++;
    CHECK_INT(read_buf(buf, n + 6, &utf8, NULL, &t, &err), SVY_EPARSE);
    snprintf(want, sizeof(want),
             "t.csv:%zu: invalid UTF-8 (byte 0xFF); if the file is in "
             "Windows Cyrillic, use -e cp1251",
             line);
    CHECK_STR(err.msg, want);
    memcpy(buf + n, "5,6,7\r\n", 8);
    CHECK_INT(read_buf(buf, n + 8, NULL, NULL, &t, &err), SVY_EPARSE);
    snprintf(want, sizeof(want), "t.csv:%zu: expected 2 fields, found 3", line);
    CHECK_STR(err.msg, want);
    free(buf);
}

static void
test_csv_quoting(void)
{
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("a,b,c\n"
                   "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\n"
                   " plain , \" kept \" ,\"\"\n",
                   NULL, NULL, &t, &err),
              SVY_OK);
    CHECK_INT(t ? svy_table_nrows(t) : 0, 2);
    CHECK_STR(cell(t, "a", 0), "x,y");
    CHECK_STR(cell(t, "b", 0), "say \"hi\"");
    CHECK_STR(cell(t, "c", 0), "two\nlines");
    /* Blanks around unquoted fields go; inside quotes they stay. */
    CHECK_STR(cell(t, "a", 1), "plain");
    CHECK_STR(cell(t, "b", 1), " kept ");
    CHECK_STR(cell(t, "c", 1), "");
    CHECK_INT(svy_table_row_line(t, 0), 2);
    CHECK_INT(svy_table_row_line(t, 1), 4);
    svy_table_free(t);
}

/* Line numbers count the newlines inside quoted fields. */
static void
test_csv_line_numbers_after_embedded_newline(void)
{
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("a,b,c\n1,\"x\ny\nz\",3\n4,5,6,7\n", NULL, NULL, &t, &err),
              SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:5: expected 3 fields, found 4");
    CHECK(t == NULL);
    /* The record that holds the newline is named by its first line. */
    CHECK_INT(READ("a,b,c\n1,2,3\n1,\"x\ny\"\n", NULL, NULL, &t, &err),
              SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:3: expected 3 fields, found 2");
    /* Header fields with newlines count too. */
    CHECK_INT(READ("\"a\nb\",c\n1,2\n\n1\n", NULL, NULL, &t, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:5: expected 2 fields, found 1");
}

static void
test_csv_blank_lines(void)
{
    svy_table *t = NULL;
    svy_csv_info info;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("\n\na,b\n\n1,2\n   \n\n3,4\n\n", NULL, &info, &t, &err),
              SVY_OK);
    CHECK_INT(t ? svy_table_nrows(t) : 0, 2);
    CHECK_STR(colname(t, 0), "a");
    CHECK_INT(svy_table_row_line(t, 0), 5);
    CHECK_INT(svy_table_row_line(t, 1), 8);
    CHECK_STR(cell(t, "b", 1), "4");
    CHECK_INT(info.lines, 9);
    svy_table_free(t);
}

/* Field count errors carry the exact message. */
static void
test_csv_field_count(void)
{
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("a,b,c\n1,2,3\n1,2,3,4\n", NULL, NULL, &t, &err),
              SVY_EPARSE);
    CHECK_INT(err.code, SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:3: expected 3 fields, found 4");
    CHECK(t == NULL);
    CHECK_INT(READ("a,b,c\n1,2\n", NULL, NULL, &t, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:2: expected 3 fields, found 2");
    /* The last record without a line end is checked too. */
    CHECK_INT(READ("a,b\n1,2\n3", NULL, NULL, &t, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:3: expected 2 fields, found 1");
}

static void
test_csv_bad_quotes(void)
{
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("a,b\n1,2\n3,\"open\n4,5\n", NULL, NULL, &t, &err),
              SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:3: unterminated quoted field at end of file");
    CHECK(t == NULL);
    CHECK_INT(READ("a,b\n1,x\"y\n", NULL, NULL, &t, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:2: malformed quoting (a field holding a "
                       "quote must be quoted, and the quote doubled)");
    CHECK_INT(READ("a,b\n1,2\n\"ab\"c,3\n", NULL, NULL, &t, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:3: malformed quoting (a field holding a "
                       "quote must be quoted, and the quote doubled)");
    /* A NUL would cut a value short: refused, naming line and field. */
    CHECK_INT(read_buf("a,b\n1,2\n3,x\0y\n", 12, NULL, NULL, &t, &err),
              SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:3: NUL byte in field 2 (a UTF-16 file? save "
                       "it as UTF-8)");
}

static void
test_csv_header_errors(void)
{
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("a,b,a\n1,2,3\n", NULL, NULL, &t, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:1: duplicate column name 'a' (columns 1 and 3)");
    CHECK(t == NULL);
    CHECK_INT(READ("a,,c\n1,2,3\n", NULL, NULL, &t, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:1: empty name in header column 2");
    /* A blank name is empty once trimmed; the header may follow blanks. */
    CHECK_INT(READ("\n\nx;  ;z\n", NULL, NULL, &t, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:3: empty name in header column 2");
    CHECK_INT(READ("a,b\n", NULL, NULL, &t, &err), SVY_OK);
    svy_table_free(t);
}

static void
test_csv_empty_and_header_only(void)
{
    svy_table *t = NULL;
    svy_csv_info info;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(read_buf("", 0, NULL, &info, &t, &err), SVY_OK);
    CHECK(t != NULL);
    CHECK_INT(t ? svy_table_ncols(t) : 99, 0);
    CHECK_INT(t ? svy_table_nrows(t) : 99, 0);
    CHECK_INT(info.delim, ',');
    CHECK_INT(info.encoding, SVY_ENC_UTF8);
    CHECK_INT(info.lines, 0);
    svy_table_free(t);
    CHECK_INT(READ("\n\n\n", NULL, NULL, &t, &err), SVY_OK);
    CHECK_INT(t ? svy_table_ncols(t) : 99, 0);
    svy_table_free(t);
    CHECK_INT(READ("id;age;name\n", NULL, &info, &t, &err), SVY_OK);
    CHECK_INT(t ? svy_table_ncols(t) : 0, 3);
    CHECK_INT(t ? svy_table_nrows(t) : 99, 0);
    CHECK_STR(colname(t, 2), "name");
    CHECK_INT(info.delim, ';');
    svy_table_free(t);
    CHECK_INT(READ("id,age", NULL, NULL, &t, &err), SVY_OK);
    CHECK_INT(t ? svy_table_ncols(t) : 0, 2);
    CHECK_INT(t ? svy_table_nrows(t) : 99, 0);
    svy_table_free(t);
}

/* A field of 1 MB spans reader chunks and comes back whole. */
static void
test_csv_huge_field(void)
{
    size_t n = 1000000, len, i;
    char *text = malloc(n + 64), *p;
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;
    const char *v;

    if (text == NULL)
        return;
    p = text + sprintf(text, "id,big,z\n1,\"");
    for (i = 0; i < n; i++)
        p[i] = (char)('a' + i % 26);
    p[n / 2] = ',';
    p[n / 3] = '\n';
    p += n;
    len = (size_t)(p - text) + (size_t)sprintf(p, "\",end\n2,x,y\n");
    CHECK_INT(read_buf(text, len, NULL, NULL, &t, &err), SVY_OK);
    v = cell(t, "big", 0);
    CHECK_INT(strlen(v), n);
    CHECK(memcmp(v, text + 12, n) == 0);
    CHECK_STR(cell(t, "z", 0), "end");
    CHECK_STR(cell(t, "big", 1), "x");
    CHECK_INT(svy_table_row_line(t, 1), 4);
    svy_table_free(t);
    free(text);
}

static void
test_csv_cyrillic(void)
{
    svy_table *t = NULL;
    svy_csv_info info;
    svy_err err = SVY_ERR_INIT;

    /* Header "имя,город", values with Kyrgyz letters ң ө ү. */
    CHECK_INT(READ("\xd0\xb8\xd0\xbc\xd1\x8f,\xd0\xb3\xd0\xbe\xd1\x80\xd0\xbe"
                   "\xd0\xb4\n"
                   "\xd0\x90\xd0\xb9\xd0\xb3\xd2\xaf\xd0\xbb,"
                   "\xd0\x9e\xd1\x88\n"
                   "\xd0\x9a\xd2\xa3\xd3\xa9,\"\xd0\x91\xd0\xb8\xd1\x88, "
                   "\xd0\xba\xd0\xb5\xd0\xba\"\n",
                   NULL, &info, &t, &err),
              SVY_OK);
    CHECK_INT(info.encoding, SVY_ENC_UTF8);
    CHECK_STR(colname(t, 0), "\xd0\xb8\xd0\xbc\xd1\x8f");
    CHECK_STR(colname(t, 1), "\xd0\xb3\xd0\xbe\xd1\x80\xd0\xbe\xd0\xb4");
    CHECK_STR(cell(t, "\xd0\xb8\xd0\xbc\xd1\x8f", 0),
              "\xd0\x90\xd0\xb9\xd0\xb3\xd2\xaf\xd0\xbb");
    CHECK_STR(cell(t, "\xd0\xb8\xd0\xbc\xd1\x8f", 1),
              "\xd0\x9a\xd2\xa3\xd3\xa9");
    CHECK_STR(cell(t, "\xd0\xb3\xd0\xbe\xd1\x80\xd0\xbe\xd0\xb4", 1),
              "\xd0\x91\xd0\xb8\xd1\x88, \xd0\xba\xd0\xb5\xd0\xba");
    svy_table_free(t);
}

/*
 * CP1251 (Russian-locale Excel): detected from the bytes or named in the
 * options, converted to UTF-8, and written back out as UTF-8.
 */
static void
test_csv_cp1251(void)
{
    static const char text[] =
        "\xe8\xec\xff;\xe3\xee\xf0\xee\xe4\n" /* имя;город */
        "1;" PRIVET_1251 "\n"
        "2;\xb9 5, \xb8\xeb\xea\xe0\n"; /* № 5, ёлка */
    svy_csv_opts opts = {.encoding = SVY_ENC_CP1251, .decimal = SVY_DEC_AUTO};
    svy_table *t = NULL;
    svy_csv_info info;
    svy_err err = SVY_ERR_INIT;
    int pass;

    for (pass = 0; pass < 2; pass++) {
        char *out;
        CHECK_INT(READ(text, pass ? &opts : NULL, &info, &t, &err), SVY_OK);
        CHECK_INT(info.encoding, SVY_ENC_CP1251);
        CHECK_STR(colname(t, 0), "\xd0\xb8\xd0\xbc\xd1\x8f");
        CHECK_STR(cell(t, "\xd0\xb8\xd0\xbc\xd1\x8f", 1), "2");
        CHECK_STR(cell(t, "\xd0\xb3\xd0\xbe\xd1\x80\xd0\xbe\xd0\xb4", 0),
                  PRIVET_UTF8);
        CHECK_STR(cell(t, "\xd0\xb3\xd0\xbe\xd1\x80\xd0\xbe\xd0\xb4", 1),
                  "\xe2\x84\x96 5, \xd1\x91\xd0\xbb\xd0\xba\xd0\xb0");
        /* Written back: UTF-8, ',' separated, the comma field quoted. */
        out = t ? write_to_string(t) : NULL;
        CHECK_STR(out,
                  "\xd0\xb8\xd0\xbc\xd1\x8f,\xd0\xb3\xd0\xbe\xd1\x80\xd0"
                  "\xbe\xd0\xb4\n"
                  "1," PRIVET_UTF8 "\n"
                  "2,\"\xe2\x84\x96 5, \xd1\x91\xd0\xbb\xd0\xba\xd0\xb0\"\n");
        if (out) {
            /* And that UTF-8 reads back to the same table. */
            svy_table *back = NULL;
            CHECK_INT(READ(out, NULL, &info, &back, &err), SVY_OK);
            CHECK_INT(info.encoding, SVY_ENC_UTF8);
            CHECK_STR(cell(back, "\xd0\xb3\xd0\xbe\xd1\x80\xd0\xbe\xd0\xb4", 1),
                      "\xe2\x84\x96 5, \xd1\x91\xd0\xbb\xd0\xba\xd0\xb0");
            svy_table_free(back);
        }
        free(out);
        svy_table_free(t);
    }
}

static void
test_csv_cp1251_invalid_byte(void)
{
    svy_csv_opts opts = {.encoding = SVY_ENC_CP1251, .decimal = SVY_DEC_AUTO};
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("a,b\n1," PRIVET_1251 "\n2,x\x98y\n", &opts, NULL, &t, &err),
              SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:3: byte 0x98 is not valid CP1251");
    CHECK(t == NULL);
    /* Auto-detected CP1251 fails the same way. */
    CHECK_INT(READ("a,b\n1," PRIVET_1251 "\n\n2,\x98\n", NULL, NULL, &t, &err),
              SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:4: byte 0x98 is not valid CP1251");
}

static void
test_csv_invalid_utf8(void)
{
    svy_csv_opts opts = {.encoding = SVY_ENC_UTF8, .decimal = SVY_DEC_AUTO};
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("a,b\n1," PRIVET_UTF8 "\n2,\"x\ny\"\n3,bad\xff\n", &opts,
                   NULL, &t, &err),
              SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:5: invalid UTF-8 (byte 0xFF); if the file is "
                       "in Windows Cyrillic, use -e cp1251");
    CHECK(t == NULL);
    /* Told UTF-8, CP1251 bytes are an error, not a conversion. */
    CHECK_INT(READ("a\n" PRIVET_1251 "\n", &opts, NULL, &t, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:2: invalid UTF-8 (byte 0xCF); if the file is "
                       "in Windows Cyrillic, use -e cp1251");
    /* A sequence cut by the end of the file is invalid too. */
    CHECK_INT(READ("a\nok\n\xd0", &opts, NULL, &t, &err), SVY_EPARSE);
    CHECK_STR(err.msg, "t.csv:3: invalid UTF-8 (byte 0xD0); if the file is "
                       "in Windows Cyrillic, use -e cp1251");
    /* Auto-detected UTF-8 with a bad byte beyond the 64 KiB window. */
    {
        size_t n = 200000, len;
        char *text = malloc(n + 100), *p = text;
        if (text == NULL)
            return;
        p += sprintf(p, "a\n" PRIVET_UTF8 "\n");
        while ((size_t)(p - text) < n)
            p += sprintf(p, "x\n");
        len = (size_t)(p - text) + (size_t)sprintf(p, "\xff\n");
        CHECK_INT(read_buf(text, len, NULL, NULL, &t, &err), SVY_EPARSE);
        {
            char want[128];
            snprintf(want, sizeof(want),
                     "t.csv:%zu: invalid UTF-8 (byte 0xFF); if the file is in "
                     "Windows Cyrillic, use -e cp1251",
                     /* "a", "Привет", the "x" lines, then the bad one */
                     (size_t)(p - text - 15) / 2 + 3);
            CHECK_STR(err.msg, want);
        }
        free(text);
    }
}

/* Decimal commas: converted in ';' files, left alone in ',' files. */
static void
test_csv_decimal_comma_auto(void)
{
    svy_table *t = NULL;
    svy_csv_info info;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("w;n;id;t\n1,5;1;007;x\n;2;008;y\n-0,25;3;009;1,5\n", NULL,
                   &info, &t, &err),
              SVY_OK);
    CHECK_INT(info.decimal_comma, 1);
    CHECK_STR(cell(t, "w", 0), "1.5");
    CHECK_STR(cell(t, "w", 1), "");
    CHECK_STR(cell(t, "w", 2), "-0.25");
    /* A column with a non-number is not touched. */
    CHECK_STR(cell(t, "t", 2), "1,5");
    CHECK_STR(cell(t, "id", 0), "007");
    svy_table_free(t);
    /* In a ',' file "1,5" can only be a quoted field: it stays. */
    CHECK_INT(READ("w,n\n\"1,5\",1\n", NULL, &info, &t, &err), SVY_OK);
    CHECK_INT(info.decimal_comma, 0);
    CHECK_STR(cell(t, "w", 0), "1,5");
    svy_table_free(t);
    /* TAB files count as not ','. */
    CHECK_INT(READ("w\tn\n2,5\t1\n", NULL, &info, &t, &err), SVY_OK);
    CHECK_INT(info.decimal_comma, 1);
    CHECK_STR(cell(t, "w", 0), "2.5");
    svy_table_free(t);
}

static void
test_csv_decimal_overrides(void)
{
    svy_csv_opts point = {.encoding = SVY_ENC_AUTO, .decimal = SVY_DEC_POINT};
    svy_csv_opts comma = {.encoding = SVY_ENC_AUTO, .decimal = SVY_DEC_COMMA};
    svy_table *t = NULL;
    svy_csv_info info;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(READ("w;n\n1,5;1\n", &point, &info, &t, &err), SVY_OK);
    CHECK_INT(info.decimal_comma, 0);
    CHECK_STR(cell(t, "w", 0), "1,5");
    svy_table_free(t);
    CHECK_INT(READ("w,n\n\"1,5\",1\n\"2\",2\n", &comma, &info, &t, &err),
              SVY_OK);
    CHECK_INT(info.decimal_comma, 1);
    CHECK_STR(cell(t, "w", 0), "1.5");
    CHECK_STR(cell(t, "w", 1), "2");
    svy_table_free(t);
}

/* "007" survives read -> infer -> write; numbers are written shortest. */
static void
test_csv_leading_zeros_preserved(void)
{
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;
    char *out;

    CHECK_INT(READ("id,zip,age,w\n007,010,34,0.50\n012,,5,1e2\n", NULL, NULL,
                   &t, &err),
              SVY_OK);
    if (t == NULL)
        return;
    CHECK_INT(svy_table_infer_types(t, NULL, &err), SVY_OK);
    CHECK_INT(svy_column_type(svy_table_find(t, "id")), SVY_TEXT);
    CHECK_INT(svy_column_type(svy_table_find(t, "zip")), SVY_TEXT);
    CHECK_INT(svy_column_type(svy_table_find(t, "age")), SVY_NUM);
    CHECK_INT(svy_column_type(svy_table_find(t, "w")), SVY_NUM);
    out = write_to_string(t);
    CHECK_STR(out, "id,zip,age,w\n007,010,34,0.5\n012,,5,100\n");
    free(out);
    svy_table_free(t);
}

/* Doubles written by the writer read back bit for bit. */
static void
test_csv_doubles_round_trip(void)
{
    static const double fixed[] = {0.1,       1e-300, 123456789.123456789,
                                   -0.0,      5e-324, 1.7976931348623157e308,
                                   1.0 / 3.0, 1e15,   1e16,
                                   12345.678};
    svy_table *t = NULL, *back = NULL;
    svy_column *c = NULL;
    svy_err err = SVY_ERR_INIT;
    uint64_t x = 88172645463325252ULL;
    size_t i, n = 0, bad = 0;
    char *out;

    svy_table_new(&t, &err);
    svy_table_add_column(t, "v", SVY_NUM, &c, &err);
    for (i = 0; i < 2000; i++) {
        double v;
        if (i < sizeof(fixed) / sizeof(fixed[0])) {
            v = fixed[i];
        } else {
            do { /* xorshift64: random bit patterns, finite ones only */
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                memcpy(&v, &x, sizeof(v));
            } while (!isfinite(v));
        }
        svy_column_push_num(c, v, &err);
        svy_table_commit_row(t, 0, &err);
        n++;
    }
    svy_column_push_num(c, NAN, &err);
    svy_table_commit_row(t, 0, &err);
    out = write_to_string(t);
    if (out != NULL && READ(out, NULL, NULL, &back, &err) == SVY_OK &&
        svy_column_to_num(svy_table_find(back, "v"), 0, &err) == 1) {
        const svy_column *b = svy_table_find(back, "v");
        CHECK_INT(svy_table_nrows(back), n + 1);
        for (i = 0; i < n; i++) {
            double a = svy_column_num(c, i), r = svy_column_num(b, i);
            if (memcmp(&a, &r, sizeof(a)) != 0 && bad++ < 3)
                fprintf(stderr, "  %.17g came back as %.17g\n", a, r);
        }
        CHECK_INT(bad, 0);
        CHECK(isnan(svy_column_num(b, n)));
        /* The fixed values are in their shortest form in the file. */
        CHECK(strncmp(out, "v\n0.1\n1e-300\n123456789.12345679\n-0\n", 35) ==
              0);
    } else {
        CHECK_REPORT(0, "round trip: %s", err.msg);
    }
    free(out);
    svy_table_free(back);
    svy_table_free(t);
}

/* Fields are quoted exactly when they must be. */
static void
test_csv_writer_quoting(void)
{
    static const char *const vals[] = {
        "plain",   "a,b",   "say \"hi\"", "two\nlines", " lead",
        "trail ",  "\ttab", "semi;colon", "",           "cr\rx",
        "in side", "q\"",   PRIVET_UTF8,  "'single'",   "a|b",
    };
    svy_table *t = NULL;
    svy_column *c = NULL, *n = NULL;
    svy_err err = SVY_ERR_INIT;
    size_t i;
    char *out;

    svy_table_new(&t, &err);
    svy_table_add_column(t, "text,col", SVY_TEXT, &c, &err);
    svy_table_add_column(t, "n", SVY_NUM, &n, &err);
    for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        svy_column_push_text(c, vals[i], strlen(vals[i]), &err);
        svy_column_push_num(n, i == 3 ? NAN : (double)i / 4, &err);
        svy_table_commit_row(t, 0, &err);
    }
    out = write_to_string(t);
    CHECK_STR(out, "\"text,col\",n\n"
                   "plain,0\n"
                   "\"a,b\",0.25\n"
                   "\"say \"\"hi\"\"\",0.5\n"
                   "\"two\nlines\",\n"
                   "\" lead\",1\n"
                   "\"trail \",1.25\n"
                   "\"\ttab\",1.5\n"
                   "semi;colon,1.75\n"
                   ",2\n"
                   "\"cr\rx\",2.25\n"
                   "in side,2.5\n"
                   "\"q\"\"\",2.75\n" PRIVET_UTF8 ",3\n"
                   "'single',3.25\n"
                   "a|b,3.5\n");
    /* What was written reads back to the same strings. */
    if (out) {
        svy_table *back = NULL;
        CHECK_INT(READ(out, NULL, NULL, &back, &err), SVY_OK);
        for (i = 0; back && i < sizeof(vals) / sizeof(vals[0]); i++)
            CHECK_STR(cell(back, "text,col", i), vals[i]);
        svy_table_free(back);
    }
    free(out);
    svy_table_free(t);
}

/*
 * A one-column table with a missing value: an empty line would be skipped
 * as blank when read back, so the writer must make the row visible.
 */
static void
test_csv_single_column_missing_round_trip(void)
{
    svy_table *t = NULL, *back = NULL;
    svy_err err = SVY_ERR_INIT;
    char *out;

    CHECK_INT(READ("only\n1\n\"\"\n3\n", NULL, NULL, &t, &err), SVY_OK);
    CHECK_INT(t ? svy_table_nrows(t) : 0, 3);
    if (t == NULL)
        return;
    out = write_to_string(t);
    CHECK_INT(READ(out ? out : "", NULL, NULL, &back, &err), SVY_OK);
    CHECK_INT(back ? svy_table_nrows(back) : 0, 3);
    CHECK_STR(cell(back, "only", 1), "");
    CHECK_STR(cell(back, "only", 2), "3");
    svy_table_free(back);
    free(out);
    /* The same for a numeric column holding NaN. */
    svy_column_to_num(svy_table_find(t, "only"), 0, &err);
    out = write_to_string(t);
    CHECK_INT(READ(out ? out : "", NULL, NULL, &back, &err), SVY_OK);
    CHECK_INT(back ? svy_table_nrows(back) : 0, 3);
    svy_table_free(back);
    free(out);
    svy_table_free(t);
}

/* Write gzip bytes of 'text' to 'path' with zlib. */
static int
write_gz(const char *path, const char *text, size_t n)
{
    gzFile gz = gzopen(path, "wb");
    int ok;

    if (gz == NULL)
        return 0;
    ok = gzwrite(gz, text, (unsigned)n) == (int)n;
    return gzclose(gz) == Z_OK && ok;
}

static void
test_csv_gzip_input(void)
{
    static const char text[] = "id;name\n007;" PRIVET_1251 "\n2;x\n";
    char path[64];
    const char *suffix[] = {".csv.gz", ".csv"};
    int i;

    for (i = 0; i < 2; i++) {
        svy_table *t = NULL;
        svy_csv_info info;
        svy_err err = SVY_ERR_INIT;

        temp_path(path, sizeof(path), suffix[i]);
        CHECK(write_gz(path, text, sizeof(text) - 1));
        CHECK_INT(svy_csv_read_file(&t, path, NULL, &info, &err), SVY_OK);
        CHECK_INT(info.delim, ';');
        CHECK_INT(info.encoding, SVY_ENC_CP1251);
        CHECK_INT(t ? svy_table_nrows(t) : 0, 2);
        CHECK_STR(cell(t, "id", 0), "007");
        CHECK_STR(cell(t, "name", 0), PRIVET_UTF8);
        svy_table_free(t);
        temp_done(path);
    }
}

static void
test_csv_read_file_missing(void)
{
    svy_table *t = (svy_table *)&t;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_csv_read_file(&t, "/nonexistent/x.csv", NULL, NULL, &err),
              SVY_EIO);
    CHECK(t == NULL);
    CHECK_STR(err.msg,
              "cannot open '/nonexistent/x.csv': No such file or directory");
}

/*
 * Build an input larger than one read chunk whose multi-byte character
 * starts 'back' bytes before the chunk boundary, in UTF-8 ('cp1251' 0) or
 * CP1251 (1, where it is the first non-ASCII byte of the file, so the
 * encoding is decided right at the boundary).  Returns the length.
 */
static size_t
boundary_input(char *buf, size_t back, int cp1251)
{
    const char *word = cp1251 ? PRIVET_1251 : PRIVET_UTF8;
    size_t n = (size_t)sprintf(buf, "id,text\n"), pad, i;
    size_t at = READ_CHUNK - back; /* where 'word' must start */

    /* Rows "1,xxxxxxxxxxxxxxxxxxxx\n" up to a little before 'at'. */
    while (n + 40 < at)
        n += (size_t)sprintf(buf + n, "1,xxxxxxxxxxxxxxxxxxxx\n");
    /* One row padded so that its text field starts at 'at'. */
    n += (size_t)sprintf(buf + n, "2,");
    pad = at - n;
    for (i = 0; i < pad; i++)
        buf[n++] = 'y';
    n += (size_t)sprintf(buf + n, "%s\n", word);
    for (i = 0; i < 1000; i++)
        n += (size_t)sprintf(buf + n, "3,%s\n", word);
    return n;
}

static void
test_csv_chunk_boundary(void)
{
    size_t back, big = READ_CHUNK + 64 * 1024;
    char *buf = malloc(big);
    int cp;

    if (buf == NULL)
        return;
    for (cp = 0; cp < 2; cp++) {
        /* back 0: the first non-ASCII byte opens the second chunk. */
        for (back = 0; back <= 12; back++) {
            svy_csv_opts opts = {.encoding = SVY_ENC_AUTO,
                                 .decimal = SVY_DEC_AUTO};
            size_t len = boundary_input(buf, back, cp), rows, i;
            int pass;
            for (pass = 0; pass < 2; pass++) {
                svy_table *t = NULL;
                svy_csv_info info;
                svy_err err = SVY_ERR_INIT;
                const svy_column *c;
                opts.encoding = pass == 0 ? SVY_ENC_AUTO
                                : cp      ? SVY_ENC_CP1251
                                          : SVY_ENC_UTF8;
                if (read_buf(buf, len, &opts, &info, &t, &err) != SVY_OK) {
                    CHECK_REPORT(0, "cp1251=%d back=%zu pass=%d: %s", cp, back,
                                 pass, err.msg);
                    continue;
                }
                CHECK_INT(info.encoding, cp ? SVY_ENC_CP1251 : SVY_ENC_UTF8);
                c = svy_table_find(t, "text");
                rows = svy_table_nrows(t);
                /* The padded row ends in the word; then 1000 more. */
                for (i = 0; i < rows && svy_column_text(c, i)[0] == 'x'; i++)
                    ;
                CHECK(i + 1001 == rows);
                if (i < rows) {
                    const char *s = svy_column_text(c, i);
                    size_t sl = strlen(s);
                    CHECK(sl > 12 && strcmp(s + sl - 12, PRIVET_UTF8) == 0);
                }
                CHECK_STR(svy_column_text(c, rows - 1), PRIVET_UTF8);
                svy_table_free(t);
            }
        }
    }
    free(buf);
}

/* What a sink sees: checked header names, then rows with their lines. */
struct scan_log {
    char text[512];
    int rows, stop_at;
};

static svy_status
log_header(void *ctx, const char *const *names, size_t n,
           const svy_csv_info *info, svy_err *err)
{
    struct scan_log *l = ctx;
    size_t i, len = strlen(l->text);

    (void)err;
    len += (size_t)snprintf(l->text + len, sizeof(l->text) - len, "H%c",
                            info->delim);
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(l->text + len, sizeof(l->text) - len, "[%s]",
                                names[i]);
    snprintf(l->text + len, sizeof(l->text) - len, "\n");
    return SVY_OK;
}

static svy_status
log_row(void *ctx, const char *const *fields, const size_t *lens, size_t n,
        size_t line, svy_err *err)
{
    struct scan_log *l = ctx;
    size_t i, len = strlen(l->text);

    if (++l->rows == l->stop_at)
        return svy_err_set(err, SVY_EDATA, "stopped at line %zu", line);
    len += (size_t)snprintf(l->text + len, sizeof(l->text) - len, "%zu:", line);
    for (i = 0; i < n; i++)
        len += (size_t)snprintf(l->text + len, sizeof(l->text) - len,
                                "[%s/%zu]", fields[i], lens[i]);
    snprintf(l->text + len, sizeof(l->text) - len, "\n");
    return SVY_OK;
}

static void
test_csv_scan_sink(void)
{
    static const char text[] = "a;b\n1,5;\"x\ny\"\n\n" PRIVET_1251 ";2\n";
    const svy_csv_sink sink = {log_header, log_row, NULL};
    struct scan_log l;
    svy_input *in = NULL;
    svy_csv_info info;
    svy_err err = SVY_ERR_INIT;

    memset(&l, 0, sizeof(l));
    svy_input_open_mem(&in, "t.csv", text, sizeof(text) - 1, &err);
    CHECK_INT(svy_csv_scan(in, NULL, &info, &sink, &l, &err), SVY_OK);
    svy_input_close(in);
    /* Decimal commas are left alone; text arrives decoded as UTF-8. */
    CHECK_STR(l.text, "H;[a][b]\n"
                      "2:[1,5/3][x\ny/3]\n"
                      "5:[" PRIVET_UTF8 "/12][2/1]\n");
    CHECK_INT(info.encoding, SVY_ENC_CP1251);
    CHECK_INT(info.decimal_comma, 0);
    CHECK_INT(info.lines, 5);
    /* An error from the sink stops the scan and is returned. */
    memset(&l, 0, sizeof(l));
    l.stop_at = 2;
    svy_input_open_mem(&in, "t.csv", text, sizeof(text) - 1, &err);
    CHECK_INT(svy_csv_scan(in, NULL, NULL, &sink, &l, &err), SVY_EDATA);
    svy_input_close(in);
    CHECK_STR(err.msg, "stopped at line 5");
    CHECK_INT(l.rows, 2);
    /* A NULL callback is skipped. */
    {
        const svy_csv_sink rows_only = {NULL, log_row, NULL};
        memset(&l, 0, sizeof(l));
        svy_input_open_mem(&in, "t.csv", text, sizeof(text) - 1, &err);
        CHECK_INT(svy_csv_scan(in, NULL, NULL, &rows_only, &l, &err), SVY_OK);
        svy_input_close(in);
        CHECK_INT(l.rows, 2);
        CHECK(strncmp(l.text, "2:", 2) == 0);
    }
}

/* svy_csv_write_row quotes like the table writer. */
static void
test_csv_write_row(void)
{
    const char *const fields[] = {"a", "b,c", NULL, "d\"e"};
    const size_t lens[] = {1, 3, 0, 2};
    char path[64];
    svy_output *o = NULL;
    svy_err err = SVY_ERR_INIT;
    char *got;

    temp_path(path, sizeof(path), ".csv");
    CHECK_INT(svy_output_open(&o, path, &err), SVY_OK);
    if (o == NULL)
        return;
    CHECK_INT(svy_csv_write_row(o, fields, NULL, 4, &err), SVY_OK);
    CHECK_INT(svy_csv_write_row(o, fields, lens, 4, &err), SVY_OK);
    CHECK_INT(svy_csv_write_row(o, fields, NULL, 1, &err), SVY_OK);
    /* A record of one empty field must not look like a blank line. */
    CHECK_INT(svy_csv_write_row(o, fields + 2, NULL, 1, &err), SVY_OK);
    CHECK_INT(svy_output_commit(o, &err), SVY_OK);
    got = slurp(path);
    CHECK_STR(got, "a,\"b,c\",,\"d\"\"e\"\n"
                   "a,\"b,c\",,\"d\"\"\"\n"
                   "a\n"
                   "\"\"\n");
    free(got);
    temp_done(path);
}

/* Write 'text' to a fresh file under /tmp; its path goes in 'path'. */
static void
records_file(char *path, const char *text)
{
    int fd;

    strcpy(path, "/tmp/svy-records-XXXXXX");
    fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK((size_t)write(fd, text, strlen(text)) == strlen(text));
        close(fd);
    }
}

/* Read 'path' as records keeping 'keep', add a column "w" = 2 * row + 1,
 * write to a file and return what was written (caller frees). */
static char *
records_round(const char *path, const svy_csv_opts *opts,
              const char *const *keep, size_t *nkept)
{
    svy_records *r = NULL;
    svy_err err = SVY_ERR_INIT;
    svy_output *o = NULL;
    svy_column *w = NULL;
    char out[64], *text = NULL;
    const char *added = "w";
    size_t i;
    FILE *f;
    long len;

    if (svy_records_read(&r, path, opts, keep, "w", &err) != SVY_OK) {
        CHECK_REPORT(0, "records: %s", err.msg);
        return NULL;
    }
    *nkept = svy_table_ncols(svy_records_table(r));
    /* A file that has "w" already is read whole; replace its values. */
    w = svy_table_find(svy_records_table(r), "w");
    if (w != NULL)
        CHECK_INT(svy_column_to_num(w, 0, &err), 1);
    else
        CHECK_INT(
            svy_table_add_column(svy_records_table(r), "w", SVY_NUM, &w, &err),
            SVY_OK);
    for (i = 0; w && i < svy_column_len(w); i++)
        CHECK_INT(svy_column_set_num(w, i, 2.0 * (double)i + 1, &err), SVY_OK);
    snprintf(out, sizeof(out), "%s.out", path);
    CHECK_INT(svy_output_open(&o, out, &err), SVY_OK);
    CHECK_INT(svy_records_write(r, &added, 1, o, &err), SVY_OK);
    CHECK_INT(svy_output_commit(o, &err), SVY_OK);
    svy_records_free(r);
    if ((f = fopen(out, "rb")) != NULL) {
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        rewind(f);
        text = calloc(1, (size_t)len + 1);
        if (text && fread(text, 1, (size_t)len, f) != (size_t)len)
            text[0] = '\0';
        fclose(f);
    }
    unlink(out);
    return text;
}

/*
 * Records keep each row as canonical text and parse only the kept columns
 * (and the first); added columns go at the end of every record.  A ';'
 * file whose decimal commas must be judged per column, and a file that
 * already has the added column, are read whole instead, with the same
 * output a table write would give.
 */
static void
test_csv_records(void)
{
    static const char *const keep[] = {"b", NULL};
    svy_csv_opts opts = {0};
    char path[64], *got;
    size_t nkept = 0;

    records_file(path, "id,a,b\r\n1,\"x,y\",3\r\n2,  z ,4\r\n");
    got = records_round(path, &opts, keep, &nkept);
    CHECK_STR(got, "id,a,b,w\n1,\"x,y\",3,1\n2,z,4,3\n");
    CHECK_INT(nkept, 2); /* id (always) and b */
    free(got);
    unlink(path);

    records_file(path, "id;x\n1;1,5\n2;2\n");
    got = records_round(path, &opts, keep, &nkept);
    CHECK_STR(got, "id,x,w\n1,1.5,1\n2,2,3\n");
    CHECK_INT(nkept, 2); /* read whole: every column */
    free(got);
    unlink(path);

    /* Lines cut without libcsv keep their bytes; the others are
     * rewritten canonically (trimmed, quotes only where needed). */
    records_file(path, "id,a,b\n1,x y,3\n2,\"z\",4\n3, v ,5\r\n4,,\n");
    got = records_round(path, &opts, keep, &nkept);
    CHECK_STR(got, "id,a,b,w\n1,x y,3,1\n2,z,4,3\n3,v,5,5\n4,,,7\n");
    free(got);
    unlink(path);

    records_file(path, "id,w\n1,9\n");
    got = records_round(path, &opts, keep, &nkept);
    CHECK_STR(got, "id,w\n1,1\n"); /* replaced in place */
    free(got);
    unlink(path);
}

/*
 * A file large enough for the two-thread paths of records: the reading
 * relay fills and reuses all its batches (9 MB of records, one field
 * larger than a batch) and the writer's helper all its blocks.  The
 * output must be the input, canonical already, with the added column;
 * line numbers must survive a quoted line break; a bad record after many
 * batches is reported at its line.
 */
#define BIG_ROWS 200000

static void
test_csv_records_large(void)
{
    static const char *const keep[] = {"b", NULL};
    svy_buf in = SVY_BUF_INIT, want = SVY_BUF_INIT;
    svy_csv_opts opts = {0};
    svy_records *r = NULL;
    svy_err err = SVY_ERR_INIT;
    char path[64], line[128], *got, *huge;
    size_t i, nkept = 0, hugelen = 700 * 1024;
    int ok = 1;
    const svy_column *b;

    CHECK_INT(svy_buf_puts(&in, "id,a,b,c,note\n"), SVY_OK);
    CHECK_INT(svy_buf_puts(&want, "id,a,b,c,note,w\n"), SVY_OK);
    huge = malloc(hugelen + 1);
    CHECK(huge != NULL);
    if (huge == NULL)
        return;
    memset(huge, 'h', hugelen);
    huge[hugelen] = '\0';
    for (i = 0; i < BIG_ROWS; i++) {
        const char *note = i % 7 == 0    ? "\"x,y\""
                           : i % 11 == 0 ? "\"say \"\"hi\"\"\""
                           : i % 13 == 0 ? "a note long enough to pass 32 bytes"
                           : i == 5000   ? "\"two\nlines\""
                                         : "";
        snprintf(line, sizeof(line), "%zu,%zu,%zu,%s,", i + 1, i % 9, i % 5,
                 i % 3 ? "" : "a value of some forty bytes to fill it");
        ok &= svy_buf_puts(&in, line) == SVY_OK;
        ok &= svy_buf_puts(&want, line) == SVY_OK;
        if (i == 100000) {
            ok &= svy_buf_append(&in, huge, hugelen) == SVY_OK;
            ok &= svy_buf_append(&want, huge, hugelen) == SVY_OK;
        } else {
            ok &= svy_buf_puts(&in, note) == SVY_OK;
            ok &= svy_buf_puts(&want, note) == SVY_OK;
        }
        ok &= svy_buf_puts(&in, "\n") == SVY_OK;
        snprintf(line, sizeof(line), ",%zu\n", 2 * i + 1);
        ok &= svy_buf_puts(&want, line) == SVY_OK;
    }
    CHECK(ok);
    records_file(path, in.data);
    got = records_round(path, &opts, keep, &nkept);
    CHECK(got != NULL && strcmp(got, want.data) == 0);
    CHECK_INT(nkept, 2);
    free(got);

    /* The kept column and the lines: one more after the quoted break. */
    CHECK_INT(svy_records_read(&r, path, &opts, keep, "w", &err), SVY_OK);
    if (r != NULL) {
        svy_table *t = svy_records_table(r);
        CHECK_INT(svy_table_nrows(t), BIG_ROWS);
        b = svy_table_find(t, "b");
        CHECK(b != NULL);
        if (b != NULL) {
            CHECK_STR(svy_column_text(b, 4999), "4");
            CHECK_STR(svy_column_text(b, BIG_ROWS - 1), "4");
        }
        CHECK_INT(svy_table_row_line(t, 5000), 5002);
        CHECK_INT(svy_table_row_line(t, 5001), 5004);
        CHECK_INT(svy_table_row_line(t, BIG_ROWS - 1), BIG_ROWS + 2);
    }
    svy_records_free(r);
    r = NULL;
    unlink(path);

    /* A record with a field too many, after a million fields. */
    CHECK_INT(svy_buf_puts(&in, "0,1,2,3,4,5\n"), SVY_OK);
    records_file(path, in.data);
    CHECK_INT(svy_records_read(&r, path, &opts, keep, "w", &err), SVY_EPARSE);
    CHECK(r == NULL);
    snprintf(line, sizeof(line), "%s:%d: expected 5 fields, found 6", path,
             BIG_ROWS + 3);
    CHECK_STR(err.msg, line);
    unlink(path);
    free(huge);
    svy_buf_release(&in);
    svy_buf_release(&want);
}

/*
 * The plain-line path looks at eight bytes at a time for delimiters and
 * for the bytes that send a line to libcsv.  On random lines of fields
 * made of digits, letters, the other delimiter, blanks, tabs and a
 * two-byte letter (at every offset within the words and lines of every
 * length), with ',' and with ';', each cell is its field, trimmed of
 * blanks and tabs as libcsv trims them.
 */
static void
test_csv_plain_words(void)
{
    static const char *const bits[] = {
        "1", "23", "x", ",", ";", " ", "\t", "\xd0\xb6", "-4.5", "abcdefgh"};
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    size_t bad = 0, checked = 0;

    for (int pass = 0; pass < 4; pass++) {
        char delim = pass % 2 ? ';' : ',';
        svy_csv_opts opts = {.delim = delim};
        size_t ncols = 2 + (size_t)pass * 3, rows = 1500, r, c, n = 0;
        svy_buf b = SVY_BUF_INIT;
        char **want = calloc(rows * ncols, sizeof(*want));
        svy_table *t = NULL;
        svy_err err = SVY_ERR_INIT;

        if (want == NULL)
            return;
        for (c = 0; c < ncols; c++) {
            char name[32];
            snprintf(name, sizeof(name), "c%u", (unsigned)c);
            if (c > 0)
                CHECK_INT(svy_buf_putc(&b, delim), SVY_OK);
            CHECK_INT(svy_buf_puts(&b, name), SVY_OK);
        }
        CHECK_INT(svy_buf_puts(&b, "\n"), SVY_OK);
        for (r = 0; r < rows; r++)
            for (c = 0; c < ncols; c++) {
                svy_buf fld = SVY_BUF_INIT;
                size_t len, from = 0, to;
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                for (len = (size_t)(x >> 60); len > 0; len--) {
                    const char *bit;
                    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                    bit = bits[(x >> 40) % 10];
                    if (*bit != delim)
                        CHECK_INT(svy_buf_puts(&fld, bit), SVY_OK);
                }
                if (c == 0 && fld.len == 0) /* no empty line */
                    CHECK_INT(svy_buf_puts(&fld, "0"), SVY_OK);
                if (c > 0)
                    CHECK_INT(svy_buf_putc(&b, delim), SVY_OK);
                if (fld.len)
                    CHECK_INT(svy_buf_append(&b, fld.data, fld.len), SVY_OK);
                for (to = fld.len; to > 0 && (fld.data[to - 1] == ' ' ||
                                              fld.data[to - 1] == '\t');
                     to--)
                    ;
                while (from < to &&
                       (fld.data[from] == ' ' || fld.data[from] == '\t'))
                    from++;
                want[n] = malloc(to - from + 1);
                if (want[n]) {
                    if (to > from)
                        memcpy(want[n], fld.data + from, to - from);
                    want[n][to - from] = '\0';
                }
                n++;
                svy_buf_release(&fld);
                if (c + 1 == ncols)
                    CHECK_INT(svy_buf_puts(&b, r % 3 ? "\n" : "\r\n"), SVY_OK);
            }
        CHECK_INT(read_buf(b.data, b.len, &opts, NULL, &t, &err), SVY_OK);
        CHECK_INT(t ? svy_table_nrows(t) : 0, rows);
        for (r = 0; t && r < rows && r < svy_table_nrows(t); r++)
            for (c = 0; c < ncols; c++) {
                const svy_column *col = svy_table_col(t, c);
                checked++;
                bad += want[r * ncols + c] == NULL ||
                       strcmp(svy_column_text(col, r), want[r * ncols + c]);
            }
        for (r = 0; r < n; r++)
            free(want[r]);
        free(want);
        svy_table_free(t);
        svy_buf_release(&b);
    }
    CHECK_INT(bad, 0);
    CHECK_INT(checked, 1500 * (2 + 5 + 8 + 11));
}

/*
 * Lines without quotes, CRs or blank-edged fields are cut without libcsv;
 * every other line goes through it.  Mixed in one file, and with a quoted
 * line break that crosses a read chunk boundary (libcsv is mid-record
 * when the next chunk starts), the values and lines are libcsv's.
 */
static void
test_csv_plain_lines(void)
{
    svy_table *t = NULL;
    svy_err err = SVY_ERR_INIT;
    svy_csv_info info;
    size_t n = 0, rows = 0, qlen, i;
    char *buf, want[96];

    CHECK_INT(READ("a,b,c\n"
                   "1,,x y\n"
                   "2, p ,\"q\"\r\n"
                   "3,4,5\r\n"
                   "\n"
                   "6,\"7\n8\",9\n"
                   "10,11,12",
                   NULL, &info, &t, &err),
              SVY_OK);
    CHECK_INT(t ? svy_table_nrows(t) : 0, 5);
    CHECK_STR(cell(t, "b", 0), "");
    CHECK_STR(cell(t, "c", 0), "x y");
    CHECK_STR(cell(t, "b", 1), "p");
    CHECK_STR(cell(t, "c", 1), "q");
    CHECK_STR(cell(t, "c", 2), "5");
    CHECK_STR(cell(t, "b", 3), "7\n8");
    CHECK_STR(cell(t, "a", 4), "10");
    CHECK_INT(svy_table_row_line(t, 2), 4);
    CHECK_INT(svy_table_row_line(t, 3), 6);
    CHECK_INT(svy_table_row_line(t, 4), 8);
    CHECK_INT(info.lines, 7);
    svy_table_free(t);
    /* A tab file is libcsv's throughout: blanks at the ends are trimmed. */
    CHECK_INT(READ("a\tb\n1\t x \n", NULL, NULL, &t, &err), SVY_OK);
    CHECK_STR(cell(t, "b", 0), "x");
    svy_table_free(t);

    if ((buf = malloc(READ_CHUNK + 4096)) == NULL)
        return;
    n += (size_t)sprintf(buf + n, "a,b\n");
    while (n < READ_CHUNK - 40) {
        n += (size_t)sprintf(buf + n, "%zu,2\n", rows);
        rows++;
    }
    /* A quoted field from before the boundary to after it. */
    n += (size_t)sprintf(buf + n, "q,\"");
    qlen = READ_CHUNK + 10 - n;
    for (; n < READ_CHUNK + 10; n++)
        buf[n] = n == READ_CHUNK - 5 ? '\n' : 'z';
    n += (size_t)sprintf(buf + n, "\"\n");
    for (i = 0; i < 3; i++)
        n += (size_t)sprintf(buf + n, "%zu,3\n", i);
    CHECK_INT(read_buf(buf, n, NULL, NULL, &t, &err), SVY_OK);
    CHECK_INT(t ? svy_table_nrows(t) : 0, rows + 4);
    CHECK_INT(t ? strlen(cell(t, "b", rows)) : 0, qlen);
    CHECK_STR(cell(t, "a", rows + 3), "2");
    CHECK_INT(svy_table_row_line(t, rows + 1), rows + 4);
    svy_table_free(t);
    n += (size_t)sprintf(buf + n, "1,2,3\n");
    CHECK_INT(read_buf(buf, n, NULL, NULL, &t, &err), SVY_EPARSE);
    snprintf(want, sizeof(want), "t.csv:%zu: expected 2 fields, found 3",
             rows + 7);
    CHECK_STR(err.msg, want);
    free(buf);
}

/*
 * svy_csv_read_file_typed on a file large enough for the second thread:
 * integer columns come back numeric, with the values svy_csv_read_file
 * plus typing gives (decimals in svy_num_format's form too), codes 0..254
 * as bytes (svy_column_compact) unless a value far down does not fit; the
 * others (a decimal written otherwise, a leading-zero code, an empty
 * column, one whose integers end in a word far down, and the columns
 * opts.text names) as text, cell for cell the same as svy_csv_read_file's.
 */
static void
test_csv_read_typed(void)
{
    static const char *const names[] = {"id",  "w",     "code", "e",  "late",
                                        "neg", "small", "big",  "dec"};
    static const int numeric[] = {1, 1, 0, 0, 0, 1, 1, 1, 0};
    static const char *const text[] = {"small", NULL};
    svy_csv_opts opts = {.text = text};
    svy_buf in = SVY_BUF_INIT;
    svy_table *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    svy_err err = SVY_ERR_INIT;
    char path[64], line[128];
    size_t i, j, rows = 150000;
    int ok = 1, same = 1;

    ok &= svy_buf_puts(&in, "id,w,code,e,late,neg,small,big,dec\n") == SVY_OK;
    for (i = 0; i < rows; i++) {
        snprintf(line, sizeof(line), "%zu,%zu.25,%s,,%s,%s,%zu,%zu,%s\n", i + 1,
                 i % 7, i == 100 ? "08" : "3", i + 1 == rows ? "x" : "12",
                 i % 3 ? "-4" : "", i % 10, i == 120000 ? 1000 : i % 254,
                 i == 140000 ? "1.50" : "2.5");
        ok &= svy_buf_puts(&in, line) == SVY_OK;
    }
    CHECK(ok);
    records_file(path, in.data);
    svy_buf_release(&in);
    CHECK_INT(svy_csv_read_file_typed(&a, path, NULL, NULL, &err), SVY_OK);
    CHECK_INT(svy_csv_read_file(&b, path, NULL, NULL, &err), SVY_OK);
    CHECK_INT(svy_csv_read_file(&c, path, NULL, NULL, &err), SVY_OK);
    CHECK_INT(svy_csv_read_file_typed(&d, path, &opts, NULL, &err), SVY_OK);
    unlink(path);
    if (a == NULL || b == NULL || c == NULL || d == NULL)
        goto out;
    CHECK_INT(svy_table_infer_types(c, NULL, &err), SVY_OK);
    CHECK_INT(svy_table_nrows(a), rows);
    CHECK_INT(svy_table_row_line(a, rows - 1), rows + 1);
    for (j = 0; j < 9; j++) {
        /* Numbers as typing makes them; text as read. */
        const svy_column *ca = svy_table_find(a, names[j]);
        const svy_column *cb = svy_table_find(numeric[j] ? c : b, names[j]);
        CHECK(ca != NULL && cb != NULL);
        if (ca == NULL || cb == NULL)
            continue;
        CHECK_INT(svy_column_type(ca), numeric[j] ? SVY_NUM : SVY_TEXT);
        CHECK_INT(svy_column_type(cb), svy_column_type(ca));
        if (svy_column_type(cb) != svy_column_type(ca))
            continue;
        for (i = 0; i < rows; i++)
            same &= numeric[j]
                        ? svy_column_num(ca, i) == svy_column_num(cb, i) ||
                              (isnan(svy_column_num(ca, i)) &&
                               isnan(svy_column_num(cb, i)))
                        : strcmp(svy_column_text(ca, i),
                                 svy_column_text(cb, i)) == 0;
    }
    CHECK(same);
    CHECK_STR(svy_column_text(svy_table_find(a, "code"), 100), "08");
    CHECK_STR(svy_column_text(svy_table_find(a, "late"), 0), "12");
    CHECK_STR(svy_column_text(svy_table_find(a, "late"), rows - 1), "x");
    CHECK(svy_column_num(svy_table_find(a, "w"), 3) == 3.25);
    CHECK_STR(svy_column_text(svy_table_find(a, "dec"), 3), "2.5");
    CHECK_STR(svy_column_text(svy_table_find(a, "dec"), 140000), "1.50");
    CHECK_STR(svy_column_text(svy_table_find(a, "e"), 3), "");
    CHECK(isnan(svy_column_num(svy_table_find(a, "neg"), 0)));
    CHECK(svy_column_num(svy_table_find(a, "neg"), 1) == -4.0);
    CHECK(svy_column_bytes(svy_table_find(a, "small")) != NULL);
    CHECK(svy_column_bytes(svy_table_find(a, "big")) == NULL);
    CHECK(svy_column_bytes(svy_table_find(a, "id")) == NULL);
    CHECK(svy_column_num(svy_table_find(a, "big"), 120000) == 1000.0);
    CHECK(svy_column_num(svy_table_find(a, "big"), 119999) == 119999 % 254);
    /* opts.text: that column as the file has it, the others as before */
    CHECK_INT(svy_column_type(svy_table_find(d, "small")), SVY_TEXT);
    CHECK_STR(svy_column_text(svy_table_find(d, "small"), 12), "2");
    CHECK(svy_column_bytes(svy_table_find(d, "big")) == NULL);
    CHECK_INT(svy_column_type(svy_table_find(d, "id")), SVY_NUM);
out:
    svy_table_free(d);
    svy_table_free(a);
    svy_table_free(b);
    svy_table_free(c);
}

/*
 * opts.num: those columns are numbers however they are written, as
 * svy_column_to_num reads them ("1.50", "3.0"); one that a value
 * turns to text has its numbers in the writer's form.  Without opts.num,
 * "1.50" keeps the column text, as the file has it.
 */
static void
test_csv_read_typed_num(void)
{
    static const char *const num[] = {"a", "b", NULL};
    svy_csv_opts opts = {.num = num};
    svy_table *t = NULL, *u = NULL;
    svy_err err = SVY_ERR_INIT;
    char path[64];

    records_file(path, "a,b,c\n1.50,3.0,1.50\n2.25,4.50,2\n,x,4\n");
    CHECK_INT(svy_csv_read_file_typed(&t, path, &opts, NULL, &err), SVY_OK);
    CHECK_INT(svy_csv_read_file_typed(&u, path, NULL, NULL, &err), SVY_OK);
    unlink(path);
    if (t == NULL || u == NULL)
        goto out;
    CHECK_INT(svy_column_type(svy_table_find(t, "a")), SVY_NUM);
    CHECK(svy_column_num(svy_table_find(t, "a"), 0) == 1.5);
    CHECK(svy_column_num(svy_table_find(t, "a"), 1) == 2.25);
    CHECK(isnan(svy_column_num(svy_table_find(t, "a"), 2)));
    CHECK_INT(svy_column_type(svy_table_find(t, "b")), SVY_TEXT);
    CHECK_STR(svy_column_text(svy_table_find(t, "b"), 0), "3");
    CHECK_STR(svy_column_text(svy_table_find(t, "b"), 1), "4.5");
    CHECK_STR(svy_column_text(svy_table_find(t, "b"), 2), "x");
    CHECK_INT(svy_column_type(svy_table_find(t, "c")), SVY_TEXT);
    CHECK_STR(svy_column_text(svy_table_find(t, "c"), 0), "1.50");
    CHECK_INT(svy_column_type(svy_table_find(u, "a")), SVY_TEXT);
    CHECK_STR(svy_column_text(svy_table_find(u, "a"), 0), "1.50");
    CHECK_STR(svy_column_text(svy_table_find(u, "b"), 0), "3.0");
out:
    svy_table_free(t);
    svy_table_free(u);
}

static const struct check_case cases[] = {
    CASE(test_csv_plain_lines),
    CASE(test_csv_plain_words),
    CASE(test_csv_read_typed),
    CASE(test_csv_read_typed_num),
    CASE(test_csv_records),
    CASE(test_csv_records_large),
    CASE(test_csv_delimiter_detection),
    CASE(test_csv_delimiter_option),
    CASE(test_csv_bom),
    CASE(test_csv_double_bom),
    CASE(test_csv_bom_only),
    CASE(test_csv_crlf),
    CASE(test_csv_cr_line_ends),
    CASE(test_csv_crlf_across_chunks),
    CASE(test_csv_quoting),
    CASE(test_csv_line_numbers_after_embedded_newline),
    CASE(test_csv_blank_lines),
    CASE(test_csv_field_count),
    CASE(test_csv_bad_quotes),
    CASE(test_csv_header_errors),
    CASE(test_csv_empty_and_header_only),
    CASE(test_csv_huge_field),
    CASE(test_csv_cyrillic),
    CASE(test_csv_cp1251),
    CASE(test_csv_cp1251_invalid_byte),
    CASE(test_csv_invalid_utf8),
    CASE(test_csv_decimal_comma_auto),
    CASE(test_csv_decimal_overrides),
    CASE(test_csv_leading_zeros_preserved),
    CASE(test_csv_doubles_round_trip),
    CASE(test_csv_writer_quoting),
    CASE(test_csv_single_column_missing_round_trip),
    CASE(test_csv_gzip_input),
    CASE(test_csv_read_file_missing),
    CASE(test_csv_chunk_boundary),
    CASE(test_csv_scan_sink),
    CASE(test_csv_write_row),
};

CHECK_MAIN(cases)
