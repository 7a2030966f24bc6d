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
        struct stat st;
        char *buf;
        size_t got = 0;
        int r = 0;

        if (fstat(fd, &st) < 0) {
                r = -errno;
                (void)close(fd);
                return r;
        }
        if (!S_ISREG(st.st_mode)) {
                (void)close(fd);
                return -EINVAL;
        }
        if ((size_t)st.st_size > max) {
                (void)close(fd);
                return -EFBIG;
        }
        buf = malloc((size_t)st.st_size + 1);
        if (!buf) {
                (void)close(fd);
                return -ENOMEM;
        }
        while (got < (size_t)st.st_size) {
                ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        break;
                }
                if (n == 0)
                        break;
                got += (size_t)n;
        }
        (void)close(fd);
        if (r < 0) {
                free(buf);
                return r;
        }
        buf[got] = '\0';
        *ret = buf;
        *ret_len = got;
        if (ret_mode)
                *ret_mode = st.st_mode & 07777;
        return 0;
}

/* Reads the regular file `path` (not a link) whole. -ENOENT when it does not exist. */
static int read_old(const char *path, char **ret, size_t *ret_len, mode_t *ret_mode)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);

        return fd < 0 ? -errno : gc_read_fd(fd, SIZE_MAX, ret, ret_len, ret_mode);
}

int gc_write_file(const char *dir, const char *name, const char *data, size_t len, mode_t mode,
                  enum gc_write_result *ret, const char **ret_step)
{
        char *path = NULL, *bak = NULL, *old = NULL;
        size_t old_len = 0;
        mode_t old_mode = 0;
        int r;

        if (asprintf(&path, "%s/%s", dir, name) < 0 || asprintf(&bak, "%s.bak", path) < 0) {
                free(path);
                *ret_step = "allocate memory";
                return -ENOMEM;
        }
        r = read_old(path, &old, &old_len, &old_mode);
        if (r == -ENOENT) {
                *ret_step = "write the new file";
                r = ha_fs_write_atomic(path, data, len, mode);
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
                r = chmod(path, mode) < 0 ? -errno : 0;
                if (r == 0)
                        *ret = GC_MODE_FIXED;
                goto out;
        }
        /* Keep the previous content, never more readable than either version. */
        *ret_step = "keep the old file as .bak";
        r = ha_fs_write_atomic(bak, old, old_len, old_mode & mode);
        if (r < 0)
                goto out;
        *ret_step = "write the new file";
        r = ha_fs_write_atomic(path, data, len, mode);
        if (r == 0)
                *ret = GC_REPLACED;
out:
        if (old) {
                explicit_bzero(old, old_len);
                free(old);
        }
        free(path);
        free(bak);
        return r;
}

int gc_sync_dir(const char *dir)
{
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int r = 0;

        if (fd < 0)
                return -errno;
        if (fsync(fd) < 0)
                r = -errno;
        (void)close(fd);
        return r;
}
