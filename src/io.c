/*
 * io.c - input through zlib (transparent gzip), output through a 1 MiB
 * buffer to a temporary file renamed on commit.
 *
 * Reading: gzdopen() on the file descriptor, so stdin works too; gzbuffer
 * is raised to 256 KiB so large reads of plain files are passed straight
 * into the caller's buffer.  Writing: our own buffer in front of write(2)
 * or gzwrite, EINTR retried, every failure reported with strerror.
 *
 * A file is written as "PATH.tmpXXXXXX" beside the target, so that the
 * final rename() stays on one file system and is atomic: readers of PATH
 * see the old file or the new one, never a part.  Standard output, FIFOs
 * and devices cannot be replaced by a rename and are written in place.
 */
/* realpath() is an X/Open function: resolve a symlinked output. */
#define _XOPEN_SOURCE 700
#include "svy/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "svy/mem.h"

#define OUTBUF_SIZE (1 << 20)

struct svy_input {
    gzFile gz;       /* NULL for memory input; owns the descriptor */
    const char *mem; /* borrowed */
    size_t mem_len, mem_pos;
    char *name;
};

struct svy_output {
    int fd;       /* stdout, the FIFO or device, or the temporary file */
    gzFile gz;    /* when the target ends in .gz */
    char *path;   /* NULL for stdout */
    char *target; /* the real file behind 'path' (symlinks resolved) */
    char *tmp;    /* temporary file to rename */
    char *buf;
    size_t len, cap;
};

/* An input with its name copied; the caller fills in the source. */
static svy_status
input_alloc(svy_input **out, const char *name, svy_err *err)
{
    svy_input *in = calloc(1, sizeof(*in));

    if (in == NULL || (in->name = svy_mem_strdup(name)) == NULL) {
        free(in);
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    }
    *out = in;
    return SVY_OK;
}

svy_status
svy_input_open(svy_input **out, const char *path, svy_err *err)
{
    int is_stdin = path == NULL || strcmp(path, "-") == 0;
    svy_input *in = NULL;
    svy_status rc;
    int fd;

    *out = NULL;
    /* A dup, because gzclose closes the descriptor it reads: closing the
     * input must not close the process's standard input. */
    if (is_stdin)
        fd = dup(STDIN_FILENO);
    else
        fd = open(path, O_RDONLY);
    if (fd < 0)
        return svy_err_set(err, SVY_EIO, "cannot open '%s': %s",
                           is_stdin ? "<stdin>" : path, strerror(errno));
    if (!is_stdin) {
        struct stat st;
        /* open() accepts a directory; refuse it before the first read. */
        if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            close(fd);
            return svy_err_set(err, SVY_EIO, "cannot read '%s': %s", path,
                               strerror(EISDIR));
        }
    }
    if ((rc = input_alloc(&in, is_stdin ? "<stdin>" : path, err)) != SVY_OK) {
        close(fd);
        return rc;
    }
    /* A failure here can only be an allocation, and it leaves 'fd' open
     * for us to close. */
    in->gz = gzdopen(fd, "rb");
    if (in->gz == NULL) {
        close(fd);
        svy_input_close(in);
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    }
    gzbuffer(in->gz, 256 * 1024);
    *out = in;
    return SVY_OK;
}

svy_status
svy_input_open_mem(svy_input **out, const char *name, const void *data,
                   size_t len, svy_err *err)
{
    svy_status rc;

    *out = NULL;
    if ((rc = input_alloc(out, name, err)) != SVY_OK)
        return rc;
    (*out)->mem = data;
    (*out)->mem_len = len;
    return SVY_OK;
}

/* gzerror's message without the "<fd:N>: " that gzdopen puts in front. */
static const char *
gz_message(gzFile gz, int *zerr)
{
    const char *msg = gzerror(gz, zerr), *colon;

    if (strncmp(msg, "<fd:", 4) == 0 && (colon = strstr(msg, ": ")) != NULL)
        return colon + 2;
    return msg;
}

svy_status
svy_input_read(svy_input *in, void *buf, size_t cap, size_t *got, svy_err *err)
{
    int n;

    *got = 0;
    if (in->gz == NULL) {
        size_t left = in->mem_len - in->mem_pos;
        size_t k = left < cap ? left : cap;
        memcpy(buf, in->mem + in->mem_pos, k);
        in->mem_pos += k;
        *got = k;
        return SVY_OK;
    }
    /* At most 1 GiB a call, as gzread takes an unsigned count and returns
     * an int.  Callers loop until 0 anyway. */
    if (cap > (1u << 30))
        cap = 1u << 30;
    n = gzread(in->gz, buf, (unsigned)cap);
    if (n < 0) {
        int zerr;
        const char *msg = gz_message(in->gz, &zerr);
        if (zerr == Z_ERRNO)
            msg = strerror(errno);
        return svy_err_set(err, SVY_EIO, "cannot read '%s': %s", in->name, msg);
    }
    /* A truncated stream ends like a whole one (gzeof is set) but leaves
     * "unexpected end of file" behind: look at every end. */
    if (n == 0) {
        int zerr;
        const char *msg = gz_message(in->gz, &zerr);
        if (zerr != Z_OK)
            return svy_err_set(err, SVY_EIO, "cannot read '%s': %s", in->name,
                               msg);
    }
    *got = (size_t)n;
    return SVY_OK;
}

const char *
svy_input_name(const svy_input *in)
{
    return in->name;
}

void
svy_input_close(svy_input *in)
{
    if (in == NULL)
        return;
    if (in->gz)
        gzclose(in->gz);
    free(in->name);
    free(in);
}

/* 1 when 's' ends with 'suffix'. */
static int
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

svy_status
svy_output_open(svy_output **out, const char *path, svy_err *err)
{
    svy_output *o;
    int is_stdout = path == NULL || strcmp(path, "-") == 0;

    *out = NULL;
    if ((o = calloc(1, sizeof(*o))) == NULL ||
        (o->buf = malloc(OUTBUF_SIZE)) == NULL) {
        free(o);
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    }
    o->fd = -1; /* so that an early abort closes nothing */
    o->cap = OUTBUF_SIZE;
    /* Standard output is written directly and never closed here. */
    if (is_stdout) {
        o->fd = STDOUT_FILENO;
        *out = o;
        return SVY_OK;
    }
    o->path = svy_mem_strdup(path);
    /*
     * Through a symlink the file it points to is replaced, not the link:
     * the temporary file goes beside the real file.
     */
    o->target = realpath(path, NULL);
    if (o->target == NULL)
        o->target = svy_mem_strdup(path);
    /* Room for ".tmpXXXXXX" and the terminator. */
    o->tmp = o->target ? malloc(strlen(o->target) + 16) : NULL;
    if (o->path == NULL || o->tmp == NULL) {
        svy_output_abort(o);
        return svy_err_set(err, SVY_ENOMEM, "out of memory");
    }
    /*
     * A FIFO or device (/dev/null, a pipe made with mkfifo) is written in
     * place: renaming a file over it would replace it.
     */
    {
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            free(o->tmp);
            o->tmp = NULL;
            if ((o->fd = open(path, O_WRONLY)) < 0) {
                svy_status rc =
                    svy_err_set(err, SVY_EIO, "cannot write '%s': %s", path,
                                strerror(errno));
                svy_output_abort(o);
                return rc;
            }
            goto opened; /* in place, but still gzip for a .gz name */
        }
    }
    sprintf(o->tmp, "%s.tmpXXXXXX", o->target);
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0) {
        svy_status rc = svy_err_set(err, SVY_EIO, "cannot create '%s': %s",
                                    path, strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        svy_output_abort(o);
        return rc;
    }
    /*
     * mkstemp makes the file 0600: a file being replaced keeps its mode,
     * a new one gets the usual umask-based mode.
     */
    {
        struct stat st;
        if (stat(o->target, &st) == 0) {
            fchmod(o->fd, st.st_mode & 07777);
        } else {
            mode_t mask = umask(0);
            umask(mask);
            fchmod(o->fd, 0666 & ~mask);
        }
    }
    /*
     * The gzip stream writes through a dup of the descriptor, which
     * gzclose closes, so 'o->fd' stays ours to close for both kinds of
     * file.  Level 6 is zlib's default balance of speed and size.
     */
opened:
    if (ends_with(path, ".gz")) {
        int fd2 = dup(o->fd);
        if (fd2 < 0 || (o->gz = gzdopen(fd2, "wb6")) == NULL) {
            if (fd2 >= 0)
                close(fd2);
            svy_output_abort(o);
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        }
    }
    *out = o;
    return SVY_OK;
}

/*
 * Write the buffered bytes: through zlib for a .gz target (which has a
 * path, since stdout is never compressed), else with write(2), looping on
 * short writes and EINTR.  The buffer is emptied only on success.
 */
static svy_status
flush_out(svy_output *o, svy_err *err)
{
    const char *p = o->buf;
    size_t left = o->len;

    if (o->gz) {
        /* gzwrite takes an unsigned count: feed it at most 1 GiB a call. */
        while (left > 0) {
            unsigned k = left > (1u << 30) ? 1u << 30 : (unsigned)left;
            if (gzwrite(o->gz, p, k) != (int)k) {
                int zerr;
                const char *msg = gz_message(o->gz, &zerr);
                return svy_err_set(err, SVY_EIO, "cannot write '%s': %s",
                                   o->path,
                                   zerr == Z_ERRNO ? strerror(errno) : msg);
            }
            p += k;
            left -= k;
        }
        o->len = 0;
        return SVY_OK;
    }
    while (left > 0) {
        ssize_t w = write(o->fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return svy_err_set(err, SVY_EIO, "cannot write '%s': %s",
                               svy_output_name(o), strerror(errno));
        }
        p += w;
        left -= (size_t)w;
    }
    o->len = 0;
    return SVY_OK;
}

/* Flush only when the buffer is full, so the system sees writes of the
 * buffer's size however small the callers' pieces are. */
svy_status
svy_output_write(svy_output *o, const void *data, size_t n, svy_err *err)
{
    const char *p = data;
    svy_status rc;

    while (n > 0) {
        size_t room = o->cap - o->len, k = n < room ? n : room;
        memcpy(o->buf + o->len, p, k);
        o->len += k;
        p += k;
        n -= k;
        if (o->len == o->cap && (rc = flush_out(o, err)) != SVY_OK)
            return rc;
    }
    return SVY_OK;
}

/*
 * Flush first when the request does not fit behind what is buffered.  A
 * request larger than the whole buffer (one very long record) grows it
 * instead, since the caller needs the room in one piece.
 */
svy_status
svy_output_reserve(svy_output *o, size_t n, char **p, svy_err *err)
{
    svy_status rc;

    if (o->len + n > o->cap && o->len > 0 && (rc = flush_out(o, err)) != SVY_OK)
        return rc;
    if (n > o->cap) {
        char *nb = svy_mem_realloc(o->buf, n, 1);
        if (nb == NULL)
            return svy_err_set(err, SVY_ENOMEM, "out of memory");
        o->buf = nb;
        o->cap = n;
    }
    *p = o->buf + o->len;
    return SVY_OK;
}

/* The caller must not pass more than svy_output_reserve granted. */
void
svy_output_advance(svy_output *o, size_t used)
{
    o->len += used;
}

svy_status
svy_output_puts(svy_output *o, const char *s, svy_err *err)
{
    return svy_output_write(o, s, strlen(s), err);
}

/* Memory only: descriptors are closed by commit or abort. */
static void
output_free(svy_output *o)
{
    free(o->path);
    free(o->target);
    free(o->tmp);
    free(o->buf);
    free(o);
}

svy_status
svy_output_commit(svy_output *o, svy_err *err)
{
    svy_status rc = flush_out(o, err);

    /* Standard output stays open: the program may still write to it. */
    if (o->path == NULL) {
        output_free(o);
        return rc;
    }
    /*
     * Every step runs even after a failure, so that descriptors are closed
     * and the temporary file removed; the first error is the one reported.
     * Closing the gzip stream writes its last block, and close(2) may
     * report a delayed write error (NFS), so the rename waits for both.  A
     * FIFO or device has no temporary file: it was written in place.
     */
    if (o->gz != NULL) {
        int zrc = gzclose(o->gz);
        o->gz = NULL;
        if (rc == SVY_OK && zrc != Z_OK)
            rc = svy_err_set(err, SVY_EIO, "cannot write '%s': %s", o->path,
                             strerror(errno));
    }
    if (close(o->fd) < 0 && rc == SVY_OK)
        rc = svy_err_set(err, SVY_EIO, "cannot write '%s': %s", o->path,
                         strerror(errno));
    o->fd = -1;
    if (rc == SVY_OK && o->tmp != NULL && rename(o->tmp, o->target) < 0)
        rc = svy_err_set(err, SVY_EIO, "cannot rename '%s' to '%s': %s", o->tmp,
                         o->path, strerror(errno));
    if (rc != SVY_OK && o->tmp != NULL)
        unlink(o->tmp);
    output_free(o);
    return rc;
}

void
svy_output_abort(svy_output *o)
{
    if (o == NULL)
        return;
    if (o->gz)
        gzclose(o->gz);
    /* Never close standard output; never unlink a FIFO or device. */
    if (o->path != NULL && o->fd >= 0)
        close(o->fd);
    if (o->tmp != NULL && o->path != NULL)
        unlink(o->tmp);
    output_free(o);
}

const char *
svy_output_name(const svy_output *o)
{
    return o->path ? o->path : "<stdout>";
}

/* Standard streams ("-") never match, and a path that does not exist yet
 * (a new output) cannot be the same file as an input. */
/* stat() of 'path', or fstat() of 'fd' for "-"; 0 when a regular file. */
static int
regular_id(const char *path, int fd, struct stat *st)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        if (fstat(fd, st) < 0)
            return -1;
    } else if (stat(path, st) < 0) {
        return -1;
    }
    return S_ISREG(st->st_mode) ? 0 : -1;
}

int
svy_overwrites(const char *out, const char *in)
{
    struct stat so, si;

    return regular_id(out, STDOUT_FILENO, &so) == 0 &&
           regular_id(in, STDIN_FILENO, &si) == 0 && so.st_dev == si.st_dev &&
           so.st_ino == si.st_ino;
}

int
svy_same_output(const char *a, const char *b)
{
    struct stat sa, sb;

    if (a != NULL && b != NULL && strcmp(a, b) == 0)
        return 1;
    return regular_id(a, STDOUT_FILENO, &sa) == 0 &&
           regular_id(b, STDOUT_FILENO, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}
