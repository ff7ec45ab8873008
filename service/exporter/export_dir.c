/* export_dir.c - the export sink "dir": files under a directory, each made visible by a rename */
#include "export_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dir_sink {
    struct export_sink base; /* first: a struct export_sink * is a struct dir_sink * */
    char root[1024];
};

struct export_sink_object {
    int fd;
    char path[2048];
    char tmp[2100];
};

/* mkdir -p of the directories above path (path itself is a file). */
static int make_parents(const char *path, struct wc_error *err)
{
    char dir[2048];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return wc_error_set(err, WC_EIO, "mkdir %s: %s", dir, strerror(errno));
        *p = '/';
    }
    return 0;
}

static int dir_open(struct export_sink *base, const char *name, struct export_sink_object **out,
                    struct wc_error *err)
{
    struct dir_sink *s = (struct dir_sink *)base;
    struct export_sink_object *o = calloc(1, sizeof *o);
    if (o == NULL)
        return wc_error_set(err, WC_EIO, "out of memory");
    o->fd = -1;
    snprintf(o->path, sizeof o->path, "%s/%s", s->root, name);
    /* A hidden name beside the object: on the same file system (the rename is atomic), and
     * skipped, like '_' names, by engines listing the folder. */
    const char *slash = strrchr(o->path, '/');
    snprintf(o->tmp, sizeof o->tmp, "%.*s/.%s.tmp", (int)(slash - o->path), o->path, slash + 1);
    int rc = make_parents(o->path, err);
    if (rc == 0) {
        o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (o->fd < 0)
            rc = wc_error_set(err, WC_EIO, "open %s: %s", o->tmp, strerror(errno));
    }
    if (rc != 0) {
        free(o);
        return rc;
    }
    *out = o;
    return 0;
}

static int dir_write(struct export_sink_object *o, const void *data, size_t len,
                     struct wc_error *err)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(o->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return wc_error_set(err, WC_EIO, "write %s: %s", o->tmp, strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void dir_abort(struct export_sink_object *o)
{
    if (o->fd >= 0)
        close(o->fd);
    unlink(o->tmp);
    free(o);
}

static int dir_commit(struct export_sink_object *o, const char *sha256_hex, struct wc_error *err)
{
    (void)sha256_hex; /* a file system keeps what was written: fsync is its guarantee */
    int rc = 0;
    if (fsync(o->fd) != 0)
        rc = wc_error_set(err, WC_EIO, "fsync %s: %s", o->tmp, strerror(errno));
    if (close(o->fd) != 0 && rc == 0)
        rc = wc_error_set(err, WC_EIO, "close %s: %s", o->tmp, strerror(errno));
    o->fd = -1;
    if (rc == 0 && rename(o->tmp, o->path) != 0)
        rc = wc_error_set(err, WC_EIO, "rename %s: %s", o->path, strerror(errno));
    if (rc == 0) {
        /* the rename is durable once the directory is (fsync(2)) */
        char dir[2048];
        snprintf(dir, sizeof dir, "%s", o->path);
        *strrchr(dir, '/') = '\0';
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0 || fsync(dfd) != 0)
            rc = wc_error_set(err, WC_EIO, "fsync %s: %s", dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
    }
    if (rc != 0)
        unlink(o->tmp);
    free(o);
    return rc;
}

static void dir_free(struct export_sink *base)
{
    free(base);
}

struct export_sink *export_dir_sink_new(const char *root)
{
    struct dir_sink *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    snprintf(s->root, sizeof s->root, "%s", root);
    s->base =
        (struct export_sink){"dir", dir_open, dir_write, dir_commit, dir_abort, s->root, dir_free};
    return &s->base;
}
