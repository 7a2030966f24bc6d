/* store.c: the shared state folder: the mount table, then a probe in a child. */
#include "common/store.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/reason.h"

/* Undoes mountinfo's octal escapes ("\040" for a space) in place. */
static void unescape(char *s)
{
        char *w = s;

        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
                    s[3] >= '0' && s[3] <= '7') {
                        *w++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
                        s += 3;
                } else {
                        *w++ = *s;
                }
        }
        *w = '\0';
}

/* Is `mp` the path `path` or one of its parent folders? */
static size_t covers(const char *mp, const char *path)
{
        size_t n = strlen(mp);

        if (strcmp(mp, "/") == 0)
                return 1;
        if (strncmp(mp, path, n) == 0 && (path[n] == '/' || path[n] == '\0'))
                return n;
        return 0;
}

static bool has_option(const char *opts, const char *opt)
{
        size_t n = strlen(opt);

        for (const char *p = opts; p; p = strchr(p, ',')) {
                if (*p == ',')
                        p++;
                if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
                        return true;
        }
        return false;
}

int ha_store_mount_of(const char *path, char *ret_mount_point, size_t mp_len, char *ret_fstype,
                      size_t type_len, int *ret_ro)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char *line = NULL;
        size_t n = 0, best = 0;

        if (!f)
                return -errno;
        while (getline(&line, &n, f) > 0) {
                /* id parent maj:min root mountpoint options [optional...] - type source super */
                char *fields[6] = {NULL}, *save = NULL, *tok, *type = NULL, *super = NULL;
                int i = 0;
                size_t len;

                for (tok = strtok_r(line, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
                        if (i < 6) {
                                fields[i++] = tok;
                        } else if (strcmp(tok, "-") == 0) {
                                type = strtok_r(NULL, " \n", &save);
                                (void)strtok_r(NULL, " \n", &save); /* source */
                                super = strtok_r(NULL, " \n", &save);
                                break;
                        }
                }
                if (!type)
                        continue;
                unescape(fields[4]);
                len = covers(fields[4], path);
                /* The last of equally long mount points is the one on top. */
                if (len == 0 || len < best)
                        continue;
                best = len;
                (void)snprintf(ret_mount_point, mp_len, "%s", fields[4]);
                (void)snprintf(ret_fstype, type_len, "%s", type);
                *ret_ro = has_option(fields[5], "ro") || (super && has_option(super, "ro"));
        }
        free(line);
        fclose(f);
        return best ? 0 : -ENOENT;
}

int ha_store_write_probe(const char *path, const char *node, const char **ret_step)
{
        char name[NAME_MAX + 1], buf[64], back[64];
        ssize_t len;
        int dfd, fd, r;

        *ret_step = "open the folder";
        dfd = ha_fs_open_dir_nofollow(path, NULL);
        if (dfd < 0)
                return dfd;
        (void)snprintf(name, sizeof(name), ".ha-slurm-probe.%s.%d", node, (int)getpid());
        (void)snprintf(buf, sizeof(buf), "ha-slurm probe %ld\n", (long)time(NULL));
        *ret_step = "create a file in the folder";
        /* The folder is SlurmUser's: whatever it planted under this name goes, and O_EXCL
         * creates a new file or fails. */
        (void)unlinkat(dfd, name, 0);
        fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
                r = -errno;
                (void)close(dfd);
                return r;
        }
        len = (ssize_t)strlen(buf);
        errno = EIO;
        *ret_step = "write a file in the folder";
        if (write(fd, buf, (size_t)len) != len)
                goto fail;
        *ret_step = "fsync a file in the folder";
        if (fsync(fd) < 0)
                goto fail;
        *ret_step = "read back a file in the folder";
        errno = EIO;
        if (pread(fd, back, (size_t)len, 0) != len || memcmp(back, buf, (size_t)len) != 0)
                goto fail;
        (void)close(fd);
        *ret_step = "remove a file in the folder";
        r = unlinkat(dfd, name, 0) < 0 ? -errno : 0;
        (void)close(dfd);
        return r;
fail:
        r = -errno;
        (void)close(fd);
        (void)unlinkat(dfd, name, 0);
        (void)close(dfd);
        return r;
}

int ha_store_check_mount(const struct ha_store *s, const char **ret_reason)
{
        char mp[PATH_MAX], type[64];
        int r, ro = 0;

        r = ha_store_mount_of(s->path, mp, sizeof(mp), type, sizeof(type), &ro);
        if (r < 0) {
                return ha_fail(ret_reason,
                               ha_reason("failed to read the mount table: %s", strerror(-r)), r);
        }
        if (s->mount_point ? strcmp(mp, s->mount_point) != 0 : strcmp(mp, "/") == 0) {
                return ha_fail(ret_reason,
                               ha_reason("%s is not mounted (it is on %s)",
                                         s->mount_point ? s->mount_point : s->path, mp),
                               -ENOTCONN);
        }
        if (s->fstype && strcmp(type, s->fstype) != 0) {
                return ha_fail(ret_reason,
                               ha_reason("%s is mounted as %s, not %s", mp, type, s->fstype),
                               -EMEDIUMTYPE);
        }
        if (ro) {
                return ha_fail(ret_reason, ha_reason("%s is mounted read-only", mp), -EROFS);
        }
        return 0;
}
