/* fsutil.c: trusted reads and atomic writes. */
#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int stat_is_safe(const struct stat *st, const char **ret_reason)
{
        if (st->st_uid != 0 && st->st_uid != geteuid()) {
                *ret_reason = "not owned by root";
                return -EPERM;
        }
        if (st->st_mode & (S_IWGRP | S_IWOTH)) {
                *ret_reason = "writable by group or others";
                return -EPERM;
        }
        return 0;
}

int ha_fs_is_safe(int fd, const char **ret_reason)
{
        struct stat st;

        if (fstat(fd, &st) < 0) {
                *ret_reason = "cannot stat";
                return -errno;
        }
        if (!S_ISREG(st.st_mode)) {
                *ret_reason = "not a regular file";
                return -EPERM;
        }
        return stat_is_safe(&st, ret_reason);
}

int ha_fs_read_small(const char *path, size_t max, char **ret, const char **ret_reason)
{
        const char *dummy;
        char *buf;
        size_t got = 0;
        int fd, r;

        if (!ret_reason)
                ret_reason = &dummy;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                *ret_reason = errno == ELOOP ? "a symbolic link" : "cannot open";
                return -errno;
        }
        r = ha_fs_is_safe(fd, ret_reason);
        if (r < 0) {
                (void)close(fd);
                return r;
        }
        buf = malloc(max + 1);
        if (!buf) {
                (void)close(fd);
                return -ENOMEM;
        }
        for (;;) {
                ssize_t n = read(fd, buf + got, max + 1 - got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        *ret_reason = "cannot read";
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
        (void)close(fd);
        if (r < 0) {
                free(buf);
                return r;
        }
        buf[got] = '\0';
        *ret = buf;
        return 0;
}

int ha_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
        char *tmp;
        const char *p = data;
        int fd, r = 0;

        if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
                return -ENOMEM;
        (void)unlink(tmp); /* a leftover of a killed run with the same pid */
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
        if (fd < 0) {
                r = -errno;
                free(tmp);
                return r;
        }
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
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void)unlink(tmp);
        free(tmp);
        return r;
}

int ha_fs_ensure_dir(const char *path, mode_t mode, const char **ret_reason)
{
        const char *dummy;
        struct stat st;

        if (!ret_reason)
                ret_reason = &dummy;
        if (mkdir(path, mode) == 0) {
                /* mkdir() applies the umask: set the mode we mean. */
                if (chmod(path, mode) < 0) {
                        *ret_reason = "cannot chmod";
                        return -errno;
                }
                return 0;
        }
        if (errno != EEXIST) {
                *ret_reason = "cannot create";
                return -errno;
        }
        if (lstat(path, &st) < 0) {
                *ret_reason = "cannot stat";
                return -errno;
        }
        if (!S_ISDIR(st.st_mode)) {
                *ret_reason = "not a folder";
                return -ENOTDIR;
        }
        return stat_is_safe(&st, ret_reason);
}
