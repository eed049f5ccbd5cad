/*
 * bare-csv -- benchmark baseline: the bare cost of parsing and writing a CSV.
 *
 *   bare-csv FILE > out.csv
 *   bare-csv -n FILE          parse only: no output (issue 4's "bare parse")
 *
 * Reads FILE with fread in 1 MiB chunks, parses it with libcsv
 * (CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) and writes every field
 * back to stdout as CSV: a field is quoted only when it contains ',' '"'
 * CR or LF (quotes doubled), ',' between fields, '\n' after each record.
 * stdout is fully buffered with a 1 MiB buffer.  Nothing else is done.
 *
 * Exit status: 0 ok, 1 parse error, 2 usage or I/O error.
 *
 * Build: cc -O2 -Wall -Wextra -o bare-csv bare-csv.c -lcsv
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (1u << 20)

struct writer {
    FILE *out;
    int at_record_start;
};

static void on_field(void *field, size_t len, void *data)
{
    struct writer *w = data;
    const unsigned char *s = field;
    FILE *out = w->out;
    size_t i;

    if (!w->at_record_start)
        putc(',', out);
    w->at_record_start = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (c == ',' || c == '"' || c == '\r' || c == '\n')
            break;
    }
    if (i == len) {
        if (len)
            fwrite(s, 1, len, out);
        return;
    }

    /* needs quoting: write runs between quote characters, doubling quotes */
    putc('"', out);
    size_t start = 0;
    for (i = 0; i < len; i++) {
        if (s[i] == '"') {
            fwrite(s + start, 1, i + 1 - start, out);
            putc('"', out);
            start = i + 1;
        }
    }
    if (start < len)
        fwrite(s + start, 1, len - start, out);
    putc('"', out);
}

/* -n: the parse alone.  The callbacks still touch every field, as any
 * reader must, so the compiler cannot drop the work. */
static size_t parsed_bytes, parsed_records;

static void on_field_count(void *field, size_t len, void *data)
{
    (void)field;
    (void)data;
    parsed_bytes += len + 1;
}

static void on_record_count(int term, void *data)
{
    (void)term;
    (void)data;
    parsed_records++;
}

static void on_record(int term, void *data)
{
    struct writer *w = data;
    (void)term;
    putc('\n', w->out);
    w->at_record_start = 1;
}

int main(int argc, char **argv)
{
    static char inbuf[CHUNK];
    static char outbuf[CHUNK];
    struct csv_parser p;
    struct writer w = {stdout, 1};
    FILE *in;
    size_t n;
    int rc = 0;

    void (*field_cb)(void *, size_t, void *) = on_field;
    void (*record_cb)(int, void *) = on_record;
    const char *path;

    if (argc == 3 && strcmp(argv[1], "-n") == 0) {
        field_cb = on_field_count;
        record_cb = on_record_count;
        path = argv[2];
    } else if (argc == 2) {
        path = argv[1];
    } else {
        fprintf(stderr, "usage: bare-csv [-n] FILE\n");
        return 2;
    }
    if (setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf) != 0) {
        fprintf(stderr, "bare-csv: setvbuf failed\n");
        return 2;
    }
    in = fopen(path, "rb");
    if (!in) {
        perror(path);
        return 2;
    }
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        fprintf(stderr, "bare-csv: csv_init failed\n");
        fclose(in);
        return 2;
    }

    while ((n = fread(inbuf, 1, sizeof inbuf, in)) > 0) {
        if (csv_parse(&p, inbuf, n, field_cb, record_cb, &w) != n) {
            fprintf(stderr, "bare-csv: %s: parse error: %s\n", path,
                    csv_strerror(csv_error(&p)));
            rc = 1;
            break;
        }
    }
    if (rc == 0 && ferror(in)) {
        perror(path);
        rc = 2;
    }
    if (rc == 0 && csv_fini(&p, field_cb, record_cb, &w) != 0) {
        fprintf(stderr, "bare-csv: %s: parse error at end of file: %s\n",
                path, csv_strerror(csv_error(&p)));
        rc = 1;
    }
    csv_free(&p);
    fclose(in);

    if (field_cb == on_field_count && rc == 0)
        printf("%zu records, %zu bytes of fields\n", parsed_records,
               parsed_bytes);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("bare-csv: write");
        if (rc == 0)
            rc = 2;
    }
    return rc;
}
