/* output.c: writing a rendered file only when it changes, keeping the previous one. */
#include "genconf/output.h"

#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int gc_read_fd(int fd, size_t max, char **ret, size_t *ret_len, mode_t *ret_mode)
{
        const char *why = NULL;
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (!S_ISREG(st.st_mode))
                r = -EINVAL;
        else if ((size_t)st.st_size > max)
                r = -EFBIG;
        else
                r = ha_fs_read_fd(fd, (size_t)st.st_size, ret, ret_len, &why);
        (void)close(fd);
        if (r == 0 && ret_mode)
                *ret_mode = st.st_mode & 07777;
        return r;
}

/* Reads the regular file `name` in `dfd` (not a link) whole. -ENOENT when it does not exist. */
static int read_old(int dfd, const char *name, char **ret, size_t *ret_len, mode_t *ret_mode)
{
        int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);

        return fd < 0 ? -errno : gc_read_fd(fd, SIZE_MAX, ret, ret_len, ret_mode);
}

/* Sets the mode of the regular file `name` in `dfd` through a descriptor (never through a link
 * swapped in since it was read). */
static int set_mode(int dfd, const char *name, mode_t mode)
{
        int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        int r = 0;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                r = -errno;
        else if (!S_ISREG(st.st_mode))
                r = -EINVAL;
        else if (fchmod(fd, mode) < 0)
                r = -errno;
        (void)close(fd);
        return r;
}

/* Writes `name` in `dfd` through "NAME.tmp.PID" (ha_fs_write_at()). */
static int write_new(int dfd, const char *name, const char *data, size_t len, mode_t mode)
{
        char *tmp;
        int r;

        if (asprintf(&tmp, "%s.tmp.%d", name, (int)getpid()) < 0)
                return -ENOMEM;
        r = ha_fs_write_at(dfd, name, tmp, data, len, mode);
        free(tmp);
        return r;
}

int gc_write_file(int dfd, const char *name, const char *data, size_t len, mode_t mode,
                  enum gc_write_result *ret, const char **ret_step)
{
        char *bak = NULL, *old = NULL;
        size_t old_len = 0;
        mode_t old_mode = 0;
        int r;

        if (asprintf(&bak, "%s.bak", name) < 0) {
                *ret_step = "allocate memory";
                return -ENOMEM;
        }
        r = read_old(dfd, name, &old, &old_len, &old_mode);
        if (r == -ENOENT) {
                *ret_step = "write the new file";
                r = write_new(dfd, name, data, len, mode);
                if (r == 0)
                        *ret = GC_CREATED;
                goto out;
        }
        if (r < 0) {
                *ret_step = "read the old file";
                goto out;
        }
        if (old_len == len && memcmp(old, data, len) == 0) {
                if (old_mode == mode) {
                        *ret = GC_UNCHANGED;
                        goto out;
                }
                *ret_step = "set the mode";
                r = set_mode(dfd, name, mode);
                if (r == 0)
                        *ret = GC_MODE_FIXED;
                goto out;
        }
        /* Keep the previous content, never more readable than either version. */
        *ret_step = "keep the old file as .bak";
        r = write_new(dfd, bak, old, old_len, old_mode & mode);
        if (r < 0)
                goto out;
        *ret_step = "write the new file";
        r = write_new(dfd, name, data, len, mode);
        if (r == 0)
                *ret = GC_REPLACED;
out:
        if (old) {
                explicit_bzero(old, old_len);
                free(old);
        }
        free(bak);
        return r;
}

int gc_open_output_dir(const char *dir, const char **ret_reason)
{
        char *abs = NULL;
        bool made = false;
        struct stat st;
        int fd, r = 0;

        if (mkdir(dir, 0755) == 0) {
                made = true;
        } else if (errno != EEXIST) {
                *ret_reason = "failed to create";
                return -errno;
        }
        /* From the root down, a link on the way only where only root could have made it. */
        if (dir[0] != '/') {
                char *cwd = getcwd(NULL, 0);

                r = cwd && asprintf(&abs, "%s/%s", cwd, dir) >= 0 ? 0 : -ENOMEM;
                free(cwd);
                if (r < 0) {
                        *ret_reason = "failed to find the current folder";
                        return r;
                }
        }
        fd = ha_fs_open_dir_nofollow(abs ? abs : dir, ret_reason);
        free(abs);
        if (fd < 0)
                return fd;
        /* The mode through the descriptor: mkdir() applied the umask. */
        if (made && fchmod(fd, 0755) < 0) {
                *ret_reason = "failed to set its mode";
                r = -errno;
        } else if (fstat(fd, &st) < 0) {
                *ret_reason = "failed to stat";
                r = -errno;
        } else if (st.st_uid != 0 && st.st_uid != geteuid()) {
                *ret_reason = "not owned by root";
                r = -EPERM;
        } else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
                *ret_reason = "writable by group or others";
                r = -EPERM;
        }
        if (r < 0) {
                (void)close(fd);
                return r;
        }
        return fd;
}

int gc_open_private_dir(int dfd, const char *name, enum gc_dir_result *ret, const char **ret_reason)
{
        bool made = false;
        struct stat st;
        int fd, r = 0;

        if (mkdirat(dfd, name, 0700) == 0) {
                made = true;
        } else if (errno != EEXIST) {
                *ret_reason = "failed to create";
                return -errno;
        }
        fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                *ret_reason = r == -ELOOP || r == -ENOTDIR ? "not a folder (a symbolic link?)"
                                                           : "failed to open";
                return r;
        }
        *ret = made ? GC_DIR_CREATED : GC_DIR_UNCHANGED;
        if (fstat(fd, &st) < 0) {
                *ret_reason = "failed to stat";
                r = -errno;
        } else if (st.st_uid != 0 && st.st_uid != geteuid()) {
                *ret_reason = "not owned by root";
                r = -EPERM;
        } else if (!made && st.st_mode & (S_IWGRP | S_IWOTH)) {
                *ret_reason = "writable by group or others";
                r = -EPERM;
        } else if ((st.st_mode & 07777) != 0700) {
                /* Through the descriptor: mkdirat() applied the umask. */
                if (fchmod(fd, 0700) < 0) {
                        *ret_reason = "failed to set its mode";
                        r = -errno;
                } else if (!made) {
                        *ret = GC_DIR_MODE_FIXED;
                }
        }
        if (r < 0) {
                (void)close(fd);
                return r;
        }
        return fd;
}

int gc_sync_dir(int dfd)
{
        return fsync(dfd) < 0 ? -errno : 0;
}
