/*
 * test_io.c - byte streams: memory and file input (plain and gzip), output
 * through a temporary file renamed on commit, and svy_overwrites.
 *
 * Each test that touches the file system works in its own fresh directory
 * under /tmp (mkdtemp) and checks at the end that nothing but what it
 * expects is left there, so a stray temporary file is a failure.  The
 * directory is removed afterwards.
 */
#include "svy/io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "check.h"

/* A fresh directory under /tmp; 'dir' holds at least 32 bytes. */
static int
make_dir(char *dir)
{
    strcpy(dir, "/tmp/svy-io-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        CHECK_REPORT(0, "mkdtemp: %s", strerror(errno));
        return 0;
    }
    return 1;
}

/* Number of entries in 'dir' (not "." or ".."); the first name in 'one'. */
static int
count_entries(const char *dir, char *one, size_t size)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (d == NULL)
        return -1;
    if (one)
        one[0] = '\0';
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n++ == 0 && one) {
            size_t k = strlen(e->d_name);
            k = k < size ? k : size - 1;
            memcpy(one, e->d_name, k);
            one[k] = '\0';
        }
    }
    closedir(d);
    return n;
}

/* Remove every file in 'dir' and the directory. */
static void
remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[600];

    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (unlink(path) < 0)
            rmdir(path);
    }
    closedir(d);
    rmdir(dir);
}

static int
write_file(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (f == NULL)
        return 0;
    ok = fwrite(data, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* Read all of 'in' into a malloc'd buffer in steps of 'step' bytes. */
static svy_status
read_all(svy_input *in, size_t step, char **out, size_t *len, svy_err *err)
{
    size_t cap = 1024, n = 0, got;
    char *buf = malloc(cap);
    svy_status rc;

    *out = NULL;
    for (;;) {
        if (n + step > cap) {
            char *nb;
            while (n + step > cap)
                cap *= 2;
            if ((nb = realloc(buf, cap)) == NULL)
                break;
            buf = nb;
        }
        if ((rc = svy_input_read(in, buf + n, step, &got, err)) != SVY_OK) {
            free(buf);
            return rc;
        }
        if (got == 0)
            break;
        n += got;
    }
    *out = buf;
    *len = n;
    return SVY_OK;
}

/* The whole file as a string (NULL if it cannot be read). */
static char *
slurp(const char *path, size_t *len)
{
    svy_input *in = NULL;
    char *s = NULL;
    size_t n = 0;

    if (svy_input_open(&in, path, NULL) != SVY_OK)
        return NULL;
    if (read_all(in, 4096, &s, &n, NULL) == SVY_OK && s) {
        char *t = realloc(s, n + 1);
        if (t) {
            s = t;
            s[n] = '\0';
        }
    }
    svy_input_close(in);
    if (len)
        *len = n;
    return s;
}

static void
test_io_input_mem(void)
{
    static const char data[] = "hello, world";
    svy_input *in = NULL;
    svy_err err = SVY_ERR_INIT;
    char buf[8];
    size_t got = 99;

    CHECK_INT(svy_input_open_mem(&in, "mem.csv", data, 12, &err), SVY_OK);
    CHECK_STR(svy_input_name(in), "mem.csv");
    CHECK_INT(svy_input_read(in, buf, 5, &got, &err), SVY_OK);
    CHECK_INT(got, 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    CHECK_INT(svy_input_read(in, buf, sizeof(buf), &got, &err), SVY_OK);
    CHECK_INT(got, 7);
    CHECK(memcmp(buf, ", world", 7) == 0);
    CHECK_INT(svy_input_read(in, buf, sizeof(buf), &got, &err), SVY_OK);
    CHECK_INT(got, 0);
    CHECK_INT(svy_input_read(in, buf, sizeof(buf), &got, &err), SVY_OK);
    CHECK_INT(got, 0);
    svy_input_close(in);
    svy_input_close(NULL);
    /* Empty memory input ends at once. */
    CHECK_INT(svy_input_open_mem(&in, "e", "", 0, &err), SVY_OK);
    CHECK_INT(svy_input_read(in, buf, sizeof(buf), &got, &err), SVY_OK);
    CHECK_INT(got, 0);
    svy_input_close(in);
}

static void
test_io_input_missing(void)
{
    svy_input *in = (svy_input *)&in;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_input_open(&in, "/nonexistent/x", &err), SVY_EIO);
    CHECK(in == NULL);
    CHECK_INT(err.code, SVY_EIO);
    CHECK_STR(err.msg, "cannot open '/nonexistent/x': No such file or "
                       "directory");
    CHECK_INT(svy_input_open(&in, "x-no-such-file-here", &err), SVY_EIO);
    CHECK_STR(err.msg, "cannot open 'x-no-such-file-here': No such file or "
                       "directory");
}

static void
test_io_input_directory(void)
{
    char dir[32], want[96];
    svy_input *in = (svy_input *)&in;
    svy_err err = SVY_ERR_INIT;

    if (!make_dir(dir))
        return;
    CHECK_INT(svy_input_open(&in, dir, &err), SVY_EIO);
    CHECK(in == NULL);
    snprintf(want, sizeof(want), "cannot read '%s': Is a directory", dir);
    CHECK_STR(err.msg, want);
    remove_dir(dir);
}

/* Plain files and gzip files read the same, with or without ".gz". */
static void
test_io_input_file_and_gzip(void)
{
    char dir[32], plain[64], gz[64], nosuffix[64];
    char *text = malloc(3000000), *got;
    size_t n = 0, len = 0, i;
    gzFile g;

    if (text == NULL || !make_dir(dir)) {
        free(text);
        return;
    }
    /* 3 MB: more than zlib's and the reader's buffers. */
    for (i = 0; n + 40 < 3000000; i++)
        n += (size_t)sprintf(text + n, "%zu,row %zu\n", i, i * 7);
    snprintf(plain, sizeof(plain), "%s/a.csv", dir);
    snprintf(gz, sizeof(gz), "%s/a.csv.gz", dir);
    snprintf(nosuffix, sizeof(nosuffix), "%s/b.dat", dir);
    CHECK(write_file(plain, text, n));
    g = gzopen(gz, "wb");
    CHECK(g != NULL && gzwrite(g, text, (unsigned)n) == (int)n);
    CHECK(g != NULL && gzclose(g) == Z_OK);
    g = gzopen(nosuffix, "wb9");
    CHECK(g != NULL && gzwrite(g, text, (unsigned)n) == (int)n);
    CHECK(g != NULL && gzclose(g) == Z_OK);

    got = slurp(plain, &len);
    CHECK_INT(len, n);
    CHECK(got && memcmp(got, text, n) == 0);
    free(got);
    got = slurp(gz, &len);
    CHECK_INT(len, n);
    CHECK(got && memcmp(got, text, n) == 0);
    free(got);
    got = slurp(nosuffix, &len);
    CHECK_INT(len, n);
    CHECK(got && memcmp(got, text, n) == 0);
    free(got);
    /* Small reads deliver the same bytes. */
    {
        svy_input *in = NULL;
        svy_err err = SVY_ERR_INIT;
        CHECK_INT(svy_input_open(&in, gz, &err), SVY_OK);
        CHECK_STR(in ? svy_input_name(in) : "", gz);
        got = NULL;
        CHECK_INT(in ? read_all(in, 7, &got, &len, &err) : SVY_EIO, SVY_OK);
        CHECK_INT(len, n);
        CHECK(got && memcmp(got, text, n) == 0);
        free(got);
        svy_input_close(in);
    }
    remove_dir(dir);
    free(text);
}

/* A damaged gzip stream is an I/O error, not a short file. */
static void
test_io_input_gzip_damaged(void)
{
    char dir[32], path[64], want[128];
    const char *text = "id,x\n1,2\n3,4\n5,6\n";
    unsigned char packed[256];
    uLongf plen = sizeof(packed);
    size_t n;
    svy_input *in = NULL;
    svy_err err = SVY_ERR_INIT;
    char *got = NULL;
    size_t len = 0;
    gzFile g;

    if (!make_dir(dir))
        return;
    snprintf(path, sizeof(path), "%s/t.csv.gz", dir);
    g = gzopen(path, "wb");
    if (g) {
        gzputs(g, text);
        gzclose(g);
    }
    {
        FILE *f = fopen(path, "rb");
        n = f ? fread(packed, 1, plen, f) : 0;
        if (f)
            fclose(f);
    }
    /* Truncated: the last 6 bytes of the trailer are gone. */
    CHECK(n > 20 && write_file(path, packed, n - 6));
    CHECK_INT(svy_input_open(&in, path, &err), SVY_OK);
    CHECK_INT(in ? read_all(in, 4096, &got, &len, &err) : SVY_OK, SVY_EIO);
    snprintf(want, sizeof(want), "cannot read '%s': unexpected end of file",
             path);
    CHECK_STR(err.msg, want);
    free(got);
    svy_input_close(in);
    /* Corrupt: the CRC in the trailer is wrong. */
    packed[n - 8] ^= 0xFF;
    CHECK(write_file(path, packed, n));
    CHECK_INT(svy_input_open(&in, path, &err), SVY_OK);
    got = NULL;
    CHECK_INT(in ? read_all(in, 4096, &got, &len, &err) : SVY_OK, SVY_EIO);
    snprintf(want, sizeof(want), "cannot read '%s': incorrect data check",
             path);
    CHECK_STR(err.msg, want);
    free(got);
    svy_input_close(in);
    remove_dir(dir);
}

/* The target appears only on commit; before that only a temporary. */
static void
test_io_output_commit_renames(void)
{
    char dir[32], path[64], one[64];
    svy_output *o = NULL;
    svy_err err = SVY_ERR_INIT;
    char *got;
    struct stat st;
    mode_t mask = umask(022);

    if (!make_dir(dir))
        return;
    snprintf(path, sizeof(path), "%s/out.csv", dir);
    CHECK_INT(svy_output_open(&o, path, &err), SVY_OK);
    if (o == NULL)
        goto out;
    CHECK_STR(svy_output_name(o), path);
    CHECK_INT(svy_output_puts(o, "a,b\n", &err), SVY_OK);
    CHECK_INT(svy_output_write(o, "1,2\nxyz", 4, &err), SVY_OK);
    /* Before commit: one file, "out.csv.tmpXXXXXX", and no target. */
    CHECK_INT(count_entries(dir, one, sizeof(one)), 1);
    CHECK(strncmp(one, "out.csv.tmp", 11) == 0 && strlen(one) == 17);
    CHECK(access(path, F_OK) < 0);
    CHECK_INT(svy_output_commit(o, &err), SVY_OK);
    CHECK_INT(count_entries(dir, one, sizeof(one)), 1);
    CHECK_STR(one, "out.csv");
    got = slurp(path, NULL);
    CHECK_STR(got, "a,b\n1,2\n");
    free(got);
    /* The file gets the ordinary umask-based mode, not mkstemp's 0600. */
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    /* Committing over an existing file replaces it. */
    CHECK_INT(svy_output_open(&o, path, &err), SVY_OK);
    if (o) {
        CHECK_INT(svy_output_puts(o, "new\n", &err), SVY_OK);
        CHECK_INT(svy_output_commit(o, &err), SVY_OK);
    }
    got = slurp(path, NULL);
    CHECK_STR(got, "new\n");
    free(got);
    CHECK_INT(count_entries(dir, NULL, 0), 1);
out:
    umask(mask);
    remove_dir(dir);
}

/* Abort leaves neither the target nor the temporary, and keeps an old
 * file as it was. */
static void
test_io_output_abort(void)
{
    char dir[32], path[64];
    svy_output *o = NULL;
    svy_err err = SVY_ERR_INIT;
    char *got;

    if (!make_dir(dir))
        return;
    snprintf(path, sizeof(path), "%s/out.csv", dir);
    CHECK_INT(svy_output_open(&o, path, &err), SVY_OK);
    CHECK_INT(svy_output_puts(o, "partial", &err), SVY_OK);
    CHECK_INT(count_entries(dir, NULL, 0), 1);
    svy_output_abort(o);
    CHECK_INT(count_entries(dir, NULL, 0), 0);
    svy_output_abort(NULL);
    /* An existing target survives an aborted rewrite untouched. */
    CHECK(write_file(path, "old\n", 4));
    CHECK_INT(svy_output_open(&o, path, &err), SVY_OK);
    CHECK_INT(svy_output_puts(o, "new", &err), SVY_OK);
    svy_output_abort(o);
    got = slurp(path, NULL);
    CHECK_STR(got, "old\n");
    free(got);
    CHECK_INT(count_entries(dir, NULL, 0), 1);
    /* Also for gzip output. */
    snprintf(path, sizeof(path), "%s/z.csv.gz", dir);
    CHECK_INT(svy_output_open(&o, path, &err), SVY_OK);
    CHECK_INT(svy_output_puts(o, "data", &err), SVY_OK);
    svy_output_abort(o);
    CHECK_INT(count_entries(dir, NULL, 0), 1);
    remove_dir(dir);
}

/* Output to a path ending in ".gz" is gzip, and reads back through
 * svy_input; more than the 1 MiB output buffer is written. */
static void
test_io_output_gzip(void)
{
    char dir[32], path[64];
    svy_output *o = NULL;
    svy_err err = SVY_ERR_INIT;
    size_t n = 0, i, len = 0;
    char *text = malloc(2500000), *got;
    unsigned char magic[2] = {0, 0};
    FILE *f;

    if (text == NULL || !make_dir(dir)) {
        free(text);
        return;
    }
    for (i = 0; n + 40 < 2500000; i++)
        n += (size_t)sprintf(text + n, "%zu,\xd0\x90%zu\n", i, i % 97);
    snprintf(path, sizeof(path), "%s/out.csv.gz", dir);
    CHECK_INT(svy_output_open(&o, path, &err), SVY_OK);
    if (o == NULL)
        goto out;
    /* In pieces of odd sizes, across the buffer boundary. */
    for (i = 0; i < n; i += 777777)
        CHECK_INT(svy_output_write(o, text + i, n - i < 777777 ? n - i : 777777,
                                   &err),
                  SVY_OK);
    CHECK_INT(svy_output_commit(o, &err), SVY_OK);
    f = fopen(path, "rb");
    CHECK(f != NULL && fread(magic, 1, 2, f) == 2);
    if (f)
        fclose(f);
    CHECK(magic[0] == 0x1f && magic[1] == 0x8b);
    got = slurp(path, &len);
    CHECK_INT(len, n);
    CHECK(got && memcmp(got, text, n) == 0);
    free(got);
    CHECK_INT(count_entries(dir, NULL, 0), 1);
    /* A plain path is not compressed. */
    snprintf(path, sizeof(path), "%s/out.csv", dir);
    CHECK_INT(svy_output_open(&o, path, &err), SVY_OK);
    if (o) {
        svy_output_write(o, text, n, &err);
        CHECK_INT(svy_output_commit(o, &err), SVY_OK);
    }
    {
        struct stat st;
        CHECK(stat(path, &st) == 0 && (size_t)st.st_size == n);
    }
out:
    free(text);
    remove_dir(dir);
}

static void
test_io_output_errors(void)
{
    char dir[32], path[64];
    svy_output *o = (svy_output *)&o;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_output_open(&o, "/nonexistent/dir/out.csv", &err), SVY_EIO);
    CHECK(o == NULL);
    CHECK_STR(err.msg, "cannot create '/nonexistent/dir/out.csv': No such "
                       "file or directory");
    if (!make_dir(dir))
        return;
    /* The target is a directory: refused at once, no temporary made. */
    snprintf(path, sizeof(path), "%s/sub", dir);
    CHECK(mkdir(path, 0755) == 0);
    CHECK_INT(svy_output_open(&o, path, &err), SVY_EIO);
    CHECK(o == NULL);
    {
        char want[96];
        snprintf(want, sizeof(want), "cannot write '%s': Is a directory", path);
        CHECK_STR(err.msg, want);
    }
    CHECK_INT(count_entries(dir, NULL, 0), 1);
    /* The rename fails at commit (a non-empty directory appeared in the
     * target's place): the temporary file is removed with it. */
    snprintf(path, sizeof(path), "%s/late", dir);
    CHECK_INT(svy_output_open(&o, path, &err), SVY_OK);
    if (o != NULL) {
        char inner[96];
        CHECK(mkdir(path, 0755) == 0);
        snprintf(inner, sizeof(inner), "%s/f", path);
        CHECK(write_file(inner, "x", 1));
        svy_output_puts(o, "x\n", &err);
        CHECK_INT(svy_output_commit(o, &err), SVY_EIO);
        CHECK(strncmp(err.msg, "cannot rename '", 15) == 0);
        CHECK(strstr(err.msg, "/late.tmp") != NULL);
        CHECK(strstr(err.msg, "' to '") != NULL);
        unlink(inner);
    }
    CHECK_INT(count_entries(dir, NULL, 0), 2);
    remove_dir(dir);
}

/*
 * A device or FIFO is written in place: renaming a temporary file over
 * /dev/null (as root) would replace the device with a regular file.  The
 * test uses a FIFO of its own, so that a regression cannot damage the
 * machine's /dev/null (the CLI case output-device covers that one).
 */
static void
test_io_output_device_and_fifo(void)
{
    char dir[32], fifo[64], got[64];
    svy_output *o = NULL;
    svy_err err = SVY_ERR_INIT;
    struct stat st;
    int rfd;
    ssize_t n;

    if (!make_dir(dir))
        return;
    snprintf(fifo, sizeof(fifo), "%s/pipe", dir);
    CHECK(mkfifo(fifo, 0600) == 0);
    /* A reader must be there first, or opening for writing would block. */
    rfd = open(fifo, O_RDONLY | O_NONBLOCK);
    CHECK(rfd >= 0);
    if (rfd >= 0) {
        CHECK_INT(svy_output_open(&o, fifo, &err), SVY_OK);
        if (o != NULL) {
            CHECK_INT(svy_output_puts(o, "a,b\n1,2\n", &err), SVY_OK);
            /* Nothing is renamed into place: no temporary beside it. */
            CHECK_INT(count_entries(dir, NULL, 0), 1);
            CHECK_INT(svy_output_commit(o, &err), SVY_OK);
        }
        n = read(rfd, got, sizeof(got) - 1);
        got[n > 0 ? n : 0] = '\0';
        CHECK_STR(got, "a,b\n1,2\n");
        /* Abort closes it and removes nothing. */
        CHECK_INT(svy_output_open(&o, fifo, &err), SVY_OK);
        svy_output_abort(o);
        close(rfd);
    }
    CHECK(stat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK_INT(count_entries(dir, NULL, 0), 1);
    remove_dir(dir);
}

static void
test_io_output_stdout_name(void)
{
    svy_output *o = NULL;
    svy_err err = SVY_ERR_INIT;

    CHECK_INT(svy_output_open(&o, "-", &err), SVY_OK);
    CHECK_STR(o ? svy_output_name(o) : "", "<stdout>");
    /* Nothing written: committing stdout flushes nothing and succeeds. */
    CHECK_INT(o ? svy_output_commit(o, &err) : SVY_EIO, SVY_OK);
    CHECK_INT(svy_output_open(&o, NULL, &err), SVY_OK);
    CHECK_STR(o ? svy_output_name(o) : "", "<stdout>");
    /* Abort must not close standard output. */
    svy_output_abort(o);
    CHECK(fcntl(STDOUT_FILENO, F_GETFD) != -1);
}

static void
test_io_overwrites(void)
{
    char dir[32], a[64], b[64], c[64], l[64];

    if (!make_dir(dir))
        return;
    snprintf(a, sizeof(a), "%s/a", dir);
    snprintf(b, sizeof(b), "%s/b", dir);
    snprintf(c, sizeof(c), "%s/c", dir);
    snprintf(l, sizeof(l), "%s/l", dir);
    CHECK(write_file(a, "x", 1));
    CHECK(write_file(b, "x", 1));
    CHECK(link(a, c) == 0);
    CHECK(symlink(a, l) == 0);
    CHECK_INT(svy_overwrites(a, a), 1);
    CHECK_INT(svy_overwrites(a, c), 1); /* a hard link */
    CHECK_INT(svy_overwrites(l, a), 1); /* a symlink */
    CHECK_INT(svy_overwrites(a, b), 0);
    CHECK_INT(svy_overwrites(a, NULL), 0);
    CHECK_INT(svy_overwrites(NULL, NULL), 0);
    CHECK_INT(svy_overwrites("/nonexistent/x", "/nonexistent/x"), 0);
    CHECK_INT(svy_same_output(a, c), 1);
    CHECK_INT(svy_same_output(a, b), 0);
    /* "dir/./a" is the same file by another name. */
    {
        char other[80];
        snprintf(other, sizeof(other), "%s/./a", dir);
        CHECK_INT(svy_overwrites(a, other), 1);
    }
    /* "-" is standard output as the output, standard input as the input:
     * "prog a >> a" and "prog -o a < a" are caught. */
    {
        int saved_out = dup(STDOUT_FILENO), saved_in = dup(STDIN_FILENO);
        int fa = open(a, O_RDWR);
        CHECK(fa >= 0 && saved_out >= 0 && saved_in >= 0);
        fflush(stdout);
        dup2(fa, STDOUT_FILENO);
        CHECK_INT(svy_overwrites("-", a), 1);
        CHECK_INT(svy_overwrites("-", b), 0);
        CHECK_INT(svy_same_output("-", a), 1);
        dup2(saved_out, STDOUT_FILENO);
        dup2(fa, STDIN_FILENO);
        CHECK_INT(svy_overwrites(a, "-"), 1);
        CHECK_INT(svy_overwrites(b, "-"), 0);
        dup2(saved_in, STDIN_FILENO);
        close(fa);
        close(saved_out);
        close(saved_in);
    }
    remove_dir(dir);
}

/*
 * An output through a symlink replaces the file the link points to and
 * leaves the link; a file being replaced keeps its mode.
 */
static void
test_io_output_symlink_and_mode(void)
{
    char dir[32], real[64], link_path[64];
    svy_output *o = NULL;
    svy_err err = SVY_ERR_INIT;
    struct stat st;

    if (!make_dir(dir))
        return;
    snprintf(real, sizeof(real), "%s/real", dir);
    snprintf(link_path, sizeof(link_path), "%s/link", dir);
    CHECK(write_file(real, "old", 3));
    CHECK(chmod(real, 0640) == 0);
    CHECK(symlink("real", link_path) == 0);
    CHECK_INT(svy_output_open(&o, link_path, &err), SVY_OK);
    CHECK_INT(svy_output_puts(o, "new", &err), SVY_OK);
    CHECK_INT(svy_output_commit(o, &err), SVY_OK);
    CHECK(lstat(link_path, &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(stat(real, &st) == 0 && (st.st_mode & 07777) == 0640);
    CHECK(st.st_size == 3);
    remove_dir(dir);
}

static const struct check_case cases[] = {
    CASE(test_io_output_symlink_and_mode),
    CASE(test_io_input_mem),
    CASE(test_io_input_missing),
    CASE(test_io_input_directory),
    CASE(test_io_input_file_and_gzip),
    CASE(test_io_input_gzip_damaged),
    CASE(test_io_output_commit_renames),
    CASE(test_io_output_abort),
    CASE(test_io_output_gzip),
    CASE(test_io_output_errors),
    CASE(test_io_output_device_and_fifo),
    CASE(test_io_output_stdout_name),
    CASE(test_io_overwrites),
};

CHECK_MAIN(cases)
