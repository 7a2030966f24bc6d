/* fsutil.c: trusted reads and atomic writes, relative to opened folders. */
#include "common/fsutil.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/reason.h"

static ha_fs_refusal_fn refusal_handler;

ha_fs_refusal_fn ha_fs_set_refusal_handler(ha_fs_refusal_fn fn)
{
        ha_fs_refusal_fn old = refusal_handler;

        refusal_handler = fn;
        return old;
}

void ha_fs_refused(const char *path, const char *reason)
{
        if (refusal_handler)
                refusal_handler(path, reason);
}

/* Sets the reason, reports the refusal, returns `r`. */
static int refuse(const char *path, const char *reason, int r, const char **ret_reason)
{
        *ret_reason = reason;
        ha_fs_refused(path, reason);
        return r;
}

static int stat_is_safe(const struct stat *st, const char **ret_reason)
{
        if (st->st_uid != 0 && st->st_uid != geteuid())
                return ha_fail(ret_reason, "not owned by root", -EPERM);
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return ha_fail(ret_reason, "writable by group or others", -EPERM);
        return 0;
}

int ha_fs_is_safe(int fd, const char **ret_reason)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return ha_fail(ret_reason, "failed to stat", -errno);
        if (!S_ISREG(st.st_mode))
                return ha_fail(ret_reason, "not a regular file", -EPERM);
        return stat_is_safe(&st, ret_reason);
}

int ha_fs_open_parent(const char *path, const char **ret_name)
{
        const char *slash = strrchr(path, '/');
        char *dir;
        int fd;

        if (!slash) {
                *ret_name = path;
                fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }
        if (!slash[1])
                return -EISDIR;
        dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
        if (!dir)
                return -ENOMEM;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        free(dir);
        if (fd < 0)
                return -errno;
        *ret_name = slash + 1;
        return fd;
}

int ha_fs_open_dir_nofollow(const char *path, const char **ret_reason)
{
        const char *dummy;
        char *copy, *save = NULL, *comp;
        int fd, r = 0;

        if (!ret_reason)
                ret_reason = &dummy;
        if (path[0] != '/')
                return ha_fail(ret_reason, "not an absolute path", -EINVAL);
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                free(copy);
                *ret_reason = "failed to open /";
                return -errno;
        }
        for (comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
                int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK;
                int next = openat(fd, comp, flags | O_NOFOLLOW);
                struct stat st, here;

                if (next < 0 && (errno == ELOOP || errno == ENOTDIR) &&
                    fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
                        /* A link root made (in a folder only root may write) is the site's
                         * layout; one in a folder others may write may have been planted. */
                        if (fstat(fd, &here) < 0 || stat_is_safe(&here, ret_reason) < 0) {
                                r = refuse(
                                        path,
                                        "a symbolic link on the way, in a folder others may write",
                                        -EPERM, ret_reason);
                                break;
                        }
                        next = openat(fd, comp, flags);
                }
                if (next < 0) {
                        r = -errno;
                        *ret_reason = r == -ENOTDIR ? "not a folder" : "failed to open";
                        break;
                }
                (void)close(fd);
                fd = next;
        }
        free(copy);
        if (r < 0) {
                (void)close(fd);
                return r;
        }
        return fd;
}

int ha_fs_open_dir_shared(const char *path, const char **ret_reason)
{
        const char *dummy;
        struct stat st;
        int fd;

        if (!ret_reason)
                ret_reason = &dummy;
        fd = ha_fs_open_dir_nofollow(path, ret_reason);
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0) {
                int r = -errno;

                (void)close(fd);
                *ret_reason = "failed to stat";
                return r;
        }
        /* Its owner and group may write there (node_exporter's user, often): a file is put in
         * it only as a new file renamed over the old, which they can remove or replace, but
         * never turn into a write elsewhere. Anyone could, in a folder others may write. */
        if (st.st_mode & S_IWOTH) {
                (void)close(fd);
                return refuse(path, "a folder others may write", -EPERM, ret_reason);
        }
        return fd;
}

int ha_fs_read_fd(int fd, size_t max, char **ret, size_t *ret_len, const char **ret_reason)
{
        char *buf = malloc(max + 1);
        size_t got = 0;
        int r = 0;

        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, buf + got, max + 1 - got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        *ret_reason = "failed to read";
                        break;
                }
                if (n == 0)
                        break;
                got += (size_t)n;
                if (got > max) {
                        r = -EFBIG;
                        *ret_reason = "larger than expected";
                        break;
                }
        }
        if (r < 0) {
                explicit_bzero(buf, got); /* it may be a secret (ha_fs_read_secret()) */
                free(buf);
                return r;
        }
        buf[got] = '\0';
        *ret = buf;
        if (ret_len)
                *ret_len = got;
        return 0;
}

int ha_fs_read_at(int dfd, const char *name, const char *path, size_t max, char **ret,
                  const char **ret_reason)
{
        const char *dummy;
        int fd, r;

        if (!ret_reason)
                ret_reason = &dummy;
        /* O_NONBLOCK: a FIFO in place of the file must not hang the open (rule 2). */
        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                r = -errno;
                if (r == -ELOOP)
                        return refuse(path, "a symbolic link", r, ret_reason);
                *ret_reason = "failed to open";
                return r;
        }
        r = ha_fs_is_safe(fd, ret_reason);
        if (r == -EPERM)
                ha_fs_refused(path, *ret_reason);
        if (r == 0)
                r = ha_fs_read_fd(fd, max, ret, NULL, ret_reason);
        (void)close(fd);
        return r;
}

int ha_fs_read_small(const char *path, size_t max, char **ret, const char **ret_reason)
{
        const char *name, *dummy;
        int dfd, r;

        if (!ret_reason)
                ret_reason = &dummy;
        dfd = ha_fs_open_parent(path, &name);
        if (dfd < 0)
                return ha_fail(ret_reason, "failed to open its folder", dfd);
        r = ha_fs_read_at(dfd, name, path, max, ret, ret_reason);
        (void)close(dfd);
        return r;
}

int ha_fs_read_secret(const char *path, size_t max, char **ret, size_t *ret_len,
                      const char **ret_reason)
{
        const char *name, *dummy;
        struct stat st;
        int dfd, fd, r;

        if (!ret_reason)
                ret_reason = &dummy;
        dfd = ha_fs_open_parent(path, &name);
        if (dfd < 0) {
                *ret_reason = "failed to open its folder";
                return dfd;
        }
        fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        r = fd < 0 ? -errno : 0;
        (void)close(dfd);
        if (r == -ELOOP)
                return refuse(path, "a symbolic link", r, ret_reason);
        if (r < 0) {
                *ret_reason = "failed to open";
                return r;
        }
        r = ha_fs_is_safe(fd, ret_reason);
        if (r == 0 && fstat(fd, &st) < 0) {
                r = -errno;
                *ret_reason = "failed to stat";
        } else if (r == 0 && st.st_uid != 0) {
                r = refuse(path, "a secret not owned by root", -EPERM, ret_reason);
        } else if (r == 0 && (st.st_mode & (S_IRWXG | S_IRWXO))) {
                r = refuse(path, "a secret readable by group or others (mode must be 0600)", -EPERM,
                           ret_reason);
        } else if (r == -EPERM) {
                ha_fs_refused(path, *ret_reason);
        }
        if (r == 0)
                r = ha_fs_read_fd(fd, max, ret, ret_len, ret_reason);
        (void)close(fd);
        return r;
}

int ha_fs_read_untrusted(const char *path, size_t max, char **ret)
{
        const char *reason = NULL;
        struct stat st;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                r = -errno;
                return r == -ELOOP ? refuse(path, "a symbolic link", r, &reason) : r;
        }
        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (!S_ISREG(st.st_mode))
                r = refuse(path, "not a regular file", -EPERM, &reason);
        else
                r = ha_fs_read_fd(fd, max, ret, NULL, &reason);
        (void)close(fd);
        return r;
}

enum finish { FINISH_RENAME, FINISH_RENAME_DURABLE, FINISH_LINK };

static int write_at(int dfd, const char *name, const char *tmp_name, const void *data, size_t len,
                    mode_t mode, enum finish finish)
{
        const char *p = data;
        int fd, r = 0;

        (void)unlinkat(dfd, tmp_name, 0); /* a leftover of a killed run */
        /* O_EXCL never follows a link, and fails on anything planted since the unlink. */
        fd = openat(dfd, tmp_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;
        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        break;
                }
                p += n;
                len -= (size_t)n;
        }
        /* The mode must not depend on the caller's umask (keepalived's is 0177). */
        if (r == 0 && fchmod(fd, mode & 07777) < 0)
                r = -errno;
        if (r == 0 && finish != FINISH_RENAME && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (finish == FINISH_LINK) {
                /* linkat() never replaces: whatever is at `name` (a file, a link) stays. */
                if (r == 0 && linkat(dfd, tmp_name, dfd, name, 0) < 0)
                        r = -errno;
                (void)unlinkat(dfd, tmp_name, 0);
                return r;
        }
        /* rename() replaces a link planted at `name`; it never writes through it. */
        if (r == 0 && renameat(dfd, tmp_name, dfd, name) < 0)
                r = -errno;
        if (r < 0)
                (void)unlinkat(dfd, tmp_name, 0);
        return r;
}

int ha_fs_write_at(int dfd, const char *name, const char *tmp_name, const void *data, size_t len,
                   mode_t mode)
{
        return write_at(dfd, name, tmp_name, data, len, mode, FINISH_RENAME_DURABLE);
}

int ha_fs_create_at(int dfd, const char *name, const char *tmp_name, const void *data, size_t len,
                    mode_t mode)
{
        return write_at(dfd, name, tmp_name, data, len, mode, FINISH_LINK);
}

int ha_fs_replace_at(int dfd, const char *name, const char *tmp_name, const void *data, size_t len,
                     mode_t mode)
{
        return write_at(dfd, name, tmp_name, data, len, mode, FINISH_RENAME);
}

int ha_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
        const char *name;
        char *tmp;
        int dfd, r;

        dfd = ha_fs_open_parent(path, &name);
        if (dfd < 0)
                return dfd;
        if (asprintf(&tmp, "%s.tmp.%d", name, (int)getpid()) < 0) {
                (void)close(dfd);
                return -ENOMEM;
        }
        r = ha_fs_write_at(dfd, name, tmp, data, len, mode);
        free(tmp);
        (void)close(dfd);
        return r;
}

int ha_fs_state_dir(const char *path, const char **ret_reason)
{
        const char *dummy;
        struct stat st;

        if (!ret_reason)
                ret_reason = &dummy;
        if (mkdir(path, 0700) == 0) {
                /* mkdir() applies the umask: keepalived's 0177 would leave 0600. */
                if (chmod(path, 0700) < 0)
                        return ha_fail(ret_reason, "failed to chmod", -errno);
        } else if (errno != EEXIST) {
                return ha_fail(ret_reason, "failed to create", -errno);
        }
        if (lstat(path, &st) < 0)
                return ha_fail(ret_reason, "failed to stat", -errno);
        *ret_reason = S_ISLNK(st.st_mode)                        ? "a symbolic link, not a folder"
                      : !S_ISDIR(st.st_mode)                     ? "not a folder"
                      : st.st_uid != 0 && st.st_uid != geteuid() ? "not owned by root"
                                                                 : NULL;
        if (*ret_reason)
                return S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode) ? -EPERM : -ENOTDIR;
        if (!(st.st_mode & 077))
                return 0;
        /* Ours, but open to group or others (made by an older version, a tmpfiles line, an
         * admin's mkdir): closed rather than refused. Refusing would fail the check on every
         * node at once, and keepalived would take the VIP away from all of them. Every file in
         * it is still checked on its own (owner, mode, not a link) before it is trusted. */
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

        if (fd < 0)
                return ha_fail(ret_reason, "failed to open", -errno);
        int e = 0;

        if (fstat(fd, &st) < 0)
                e = errno;
        else if (!S_ISDIR(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()))
                e = EPERM; /* replaced between lstat() and open() */
        else if (fchmod(fd, 0700) < 0)
                e = errno;
        if (e) {
                (void)close(fd);
                *ret_reason = "group or others have access, and setting it to 0700 failed";
                return -e;
        }
        (void)close(fd);
        *ret_reason = "group or others had access: set to 0700";
        return 1;
}
