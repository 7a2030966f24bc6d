/* exec.c: a fixed environment, and commands started clean. */
#include "common/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/reason.h"

int ha_env_scrub(void)
{
        if (clearenv() != 0 || setenv("PATH", HA_ENV_PATH, 1) < 0 ||
            setenv("LANG", HA_ENV_LANG, 1) < 0)
                return -ENOMEM;
        return 0;
}

static int root_only(const struct stat *st, const char **ret_reason)
{
        if (st->st_uid != 0)
                return ha_fail(ret_reason, "not owned by root", -EPERM);
        if (st->st_mode & (S_IWGRP | S_IWOTH))
                return ha_fail(ret_reason, "writable by group or others", -EPERM);
        return 0;
}

/* Every folder above `path`: whoever may write one may swap what it holds. `real`: `path` is
 * the real path of the command (said so in the reasons). */
static int folders_root_only(const char *path, bool real, const char **ret_reason)
{
        char dir[PATH_MAX];
        struct stat st;
        char *slash;
        int r;

        if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
                return ha_fail(ret_reason, "path too long", -ENAMETOOLONG);
        while ((slash = strrchr(dir, '/'))) {
                slash[slash == dir ? 1 : 0] = '\0';
                if (stat(dir, &st) < 0) {
                        *ret_reason = real ? "failed to stat a folder on its real path"
                                           : "failed to stat a folder on its path";
                        return -errno;
                }
                r = root_only(&st, ret_reason);
                if (r < 0) {
                        if (st.st_uid != 0)
                                *ret_reason = real ? "a folder on its real path (links "
                                                     "followed) is not owned by root"
                                                   : "a folder on its path is not owned by root";
                        else
                                *ret_reason = real ? "a folder on its real path (links "
                                                     "followed) is writable by group or others"
                                                   : "a folder on its path is writable by group "
                                                     "or others";
                        return r;
                }
                if (slash == dir)
                        break;
        }
        return 0;
}

int ha_exec_check(const char *path, const char **ret_reason)
{
        char real[PATH_MAX];
        struct stat st;
        int r;

        if (path[0] != '/')
                return ha_fail(ret_reason, "not an absolute path", -EINVAL);
        if (stat(path, &st) < 0)
                return ha_fail(ret_reason, "failed to stat", -errno);
        if (!S_ISREG(st.st_mode))
                return ha_fail(ret_reason, "not a regular file", -EPERM);
        r = root_only(&st, ret_reason);
        if (r < 0)
                return r;
        /* The folders of the name as given: a link there could be pointed elsewhere. */
        r = folders_root_only(path, false, ret_reason);
        if (r < 0)
                return r;
        /* And, when links lead elsewhere, the folders of the file itself: a root-owned file in
         * a folder others may write could be swapped under the link. */
        if (!realpath(path, real))
                return ha_fail(ret_reason, "failed to resolve its path", -errno);
        if (strcmp(real, path) != 0)
                return folders_root_only(real, true, ret_reason);
        return 0;
}

/* ha_exec_clean(), with standard output to `out_fd` when it is not -1. */
static _Noreturn void exec_clean(char *const *argv, char *const *extra, int out_fd)
{
        char *env[2 + 8 + 1] = {"PATH=" HA_ENV_PATH, "LANG=" HA_ENV_LANG};
        size_t n = 2;
        sigset_t none;
        int fd;

        for (size_t i = 0; extra && extra[i] && i < 8; i++)
                env[n++] = extra[i];
        env[n] = NULL;
        (void)setsid();
        umask(022);
        if (chdir("/") < 0)
                _exit(127);
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
        /* SIG_IGN survives execve(): the hooks ignore SIGPIPE, their commands must not. */
        for (int sig = 1; sig < NSIG; sig++)
                (void)signal(sig, SIG_DFL);
        if (out_fd >= 0 && out_fd < 3)
                out_fd = fcntl(out_fd, F_DUPFD, 3);
        fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
                (void)dup2(fd, 0);
                (void)dup2(out_fd >= 0 ? out_fd : fd, 1);
                (void)dup2(fd, 2);
        }
        (void)close_range(3, ~0U, 0);
        execve(argv[0], argv, env);
        _exit(127);
}

_Noreturn void ha_exec_clean(char *const *argv, char *const *extra)
{
        exec_clean(argv, extra, -1);
}

/* Waits for `pid` until `deadline`, then kills its session. Returns 0 with its wait status in
 * *ret_status, -ETIMEDOUT if it was killed, or -errno from waitpid(2). */
static int reap(pid_t pid, usec_t deadline, int *ret_status)
{
        for (;;) {
                pid_t w = waitpid(pid, ret_status, WNOHANG);

                if (w == pid)
                        return 0;
                if (w < 0 && errno != EINTR)
                        return -errno;
                if (w == 0 && ha_deadline_passed(deadline)) {
                        (void)kill(-pid, SIGKILL);
                        (void)kill(pid, SIGKILL);
                        (void)waitpid(pid, ret_status, 0);
                        return -ETIMEDOUT;
                }
                (void)ha_sleep_until(deadline, 2 * HA_USEC_PER_MSEC);
        }
}

int ha_exec_output(char *const *argv, usec_t deadline, char *out, size_t size)
{
        int p[2], r = 0, w, status = 0;
        size_t n = 0;
        pid_t pid;

        if (size == 0)
                return -EINVAL;
        out[0] = '\0';
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                (void)close(p[0]);
                (void)close(p[1]);
                return r;
        }
        if (pid == 0)
                exec_clean(argv, NULL, p[1]);
        (void)close(p[1]);
        while (n < size - 1) {
                struct pollfd pfd = {.fd = p[0], .events = POLLIN};
                ssize_t got;
                int k = poll(&pfd, 1, ha_deadline_poll_ms(deadline));

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        r = k < 0 ? -errno : -ETIMEDOUT;
                        break;
                }
                got = read(p[0], out + n, size - 1 - n);
                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0) {
                        r = got < 0 ? -errno : 0;
                        break;
                }
                n += (size_t)got;
        }
        (void)close(p[0]);
        out[n] = '\0';
        w = reap(pid, r < 0 ? 0 : deadline, &status);
        if (r < 0)
                return r;
        if (w < 0)
                return w;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -EIO;
        return 0;
}
