/* exec.c: a fixed environment, and commands started clean. */
#include "common/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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

_Noreturn void ha_exec_clean_io(char *const *argv, char *const *extra, int in, int out, int err)
{
        char *env[2 + 8 + 1] = {"PATH=" HA_ENV_PATH, "LANG=" HA_ENV_LANG};
        int fds[3] = {in, out, err};
        size_t n = 2;
        sigset_t none;
        int null;

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
        /* Out of the way of 0-2 first, so that no dup2() below overwrites another's source. */
        for (int i = 0; i < 3; i++)
                if (fds[i] >= 0 && (fds[i] = fcntl(fds[i], F_DUPFD, 10)) < 0)
                        _exit(127);
        null = open("/dev/null", O_RDWR);
        for (int i = 0; i < 3; i++) {
                int from = fds[i] >= 0 ? fds[i] : null;

                if (from >= 0)
                        (void)dup2(from, i);
        }
        (void)close_range(3, ~0U, 0);
        execve(argv[0], argv, env);
        _exit(127);
}

_Noreturn void ha_exec_clean(char *const *argv, char *const *extra)
{
        ha_exec_clean_io(argv, extra, -1, -1, -1);
}

/* Appends `n` bytes to `o`, keeping only the last HA_EXEC_TAIL. */
static void tail_append(struct ha_exec_output *o, const char *p, size_t n)
{
        if (n >= HA_EXEC_TAIL) {
                p += n - HA_EXEC_TAIL;
                o->cut = o->cut || o->len > 0 || n > HA_EXEC_TAIL;
                n = HA_EXEC_TAIL;
                o->len = 0;
        } else if (o->len + n > HA_EXEC_TAIL) {
                size_t drop = o->len + n - HA_EXEC_TAIL;

                memmove(o->text, o->text + drop, o->len - drop);
                o->len -= drop;
                o->cut = true;
        }
        memcpy(o->text + o->len, p, n);
        o->len += n;
        o->text[o->len] = '\0';
}

static void close_fd(int *fd)
{
        if (*fd >= 0)
                (void)close(*fd);
        *fd = -1;
}

/* Reads what `*fd` has into `o`; closes it at its end. */
static void drain(int *fd, struct ha_exec_output *o)
{
        char buf[4096];

        for (;;) {
                ssize_t k = read(*fd, buf, sizeof(buf));

                if (k > 0) {
                        tail_append(o, buf, (size_t)k);
                        continue;
                }
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN)
                        return;
                close_fd(fd);
                return;
        }
}

/* Has `pid` exited? 1: yes, left a zombie (WNOWAIT): its process group cannot be reused until
 * it is reaped, so a kill(-pid) still reaches its own group; 0: not yet; -1: reaped already
 * (the caller ignores SIGCHLD): its pid and group may be another process's by now. */
static int exited(pid_t pid)
{
        siginfo_t si = {0};

        if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
                return errno == ECHILD ? -1 : 0;
        return si.si_pid == pid;
}

int ha_exec_run(char *const *argv, char *const *extra, const void *in, size_t in_len,
                usec_t deadline, struct ha_exec_result *ret)
{
        int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1}, pidfd = -1, r = 0;
        const char *inp = in;
        bool gone = false, reaped = false, piped = false;
        sigset_t pipe_set, old_set;
        size_t off = 0;
        pid_t pid;

        memset(ret, 0, sizeof(*ret));
        if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
                r = -errno;
                goto out;
        }
        pid = fork();
        if (pid < 0) {
                r = -errno;
                goto out;
        }
        if (pid == 0)
                ha_exec_clean_io(argv, extra, pin[0], pout[1], perr[1]);
        close_fd(&pin[0]);
        close_fd(&pout[1]);
        close_fd(&perr[1]);
        (void)fcntl(pin[1], F_SETFL, O_NONBLOCK);
        (void)fcntl(pout[0], F_SETFL, O_NONBLOCK);
        (void)fcntl(perr[0], F_SETFL, O_NONBLOCK);
        /* A pidfd tells the poll below when the command exits; without one (a kernel before
         * 5.3), the poll wakes every 20 ms to look. */
        pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        (void)pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);

        for (;;) {
                struct pollfd p[4];
                int n = 0, ms, k;

                if (pin[1] >= 0 && off == in_len)
                        close_fd(&pin[1]);
                if (gone && pout[0] < 0 && perr[0] < 0)
                        break;
                if (ha_deadline_passed(deadline))
                        break;
                if (pin[1] >= 0)
                        p[n++] = (struct pollfd){.fd = pin[1], .events = POLLOUT};
                if (pout[0] >= 0)
                        p[n++] = (struct pollfd){.fd = pout[0], .events = POLLIN};
                if (perr[0] >= 0)
                        p[n++] = (struct pollfd){.fd = perr[0], .events = POLLIN};
                if (!gone && pidfd >= 0)
                        p[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
                ms = ha_deadline_poll_ms(deadline);
                if (!gone && pidfd < 0 && (ms < 0 || ms > 20))
                        ms = 20;
                k = poll(p, (nfds_t)n, ms);
                if (k < 0 && errno != EINTR) {
                        r = -errno;
                        break;
                }
                if (pin[1] >= 0) {
                        ssize_t w = write(pin[1], inp + off, in_len - off);

                        if (w > 0)
                                off += (size_t)w;
                        else if (w < 0 && errno == EPIPE) {
                                piped = true;
                                close_fd(&pin[1]); /* it will not read the rest */
                        } else if (w < 0 && errno != EAGAIN && errno != EINTR)
                                close_fd(&pin[1]);
                }
                if (pout[0] >= 0)
                        drain(&pout[0], &ret->out);
                if (perr[0] >= 0)
                        drain(&perr[0], &ret->err);
                if (!gone) {
                        int e = exited(pid);

                        gone = e != 0;
                        reaped = e < 0;
                        /* Nothing it started outlives it (a child holding the pipes open). */
                        if (e > 0)
                                (void)kill(-pid, SIGKILL);
                }
        }
        if (!gone) {
                (void)kill(-pid, SIGKILL);
                (void)kill(pid, SIGKILL);
                if (r == 0)
                        r = -ETIMEDOUT;
        }
        if (reaped) {
                if (r == 0)
                        r = -ECHILD;
        } else if (waitpid(pid, &ret->status, 0) < 0 && r == 0) {
                r = -errno;
        }
        /* The SIGPIPE of a command that did not read its stdin, consumed before the mask is
         * restored. */
        if (piped) {
                struct timespec zero = {0, 0};

                (void)sigtimedwait(&pipe_set, NULL, &zero);
        }
        (void)pthread_sigmask(SIG_SETMASK, &old_set, NULL);
out:
        close_fd(&pidfd);
        close_fd(&pin[0]);
        close_fd(&pin[1]);
        close_fd(&pout[0]);
        close_fd(&pout[1]);
        close_fd(&perr[0]);
        close_fd(&perr[1]);
        return r;
}

int ha_exec_stdout(char *const *argv, usec_t deadline, char *out, size_t size)
{
        struct ha_exec_result *res;
        size_t n;
        int r;

        if (size == 0)
                return -EINVAL;
        out[0] = '\0';
        res = malloc(sizeof(*res));
        if (!res)
                return -ENOMEM;
        r = ha_exec_run(argv, NULL, NULL, 0, deadline, res);
        if (r == 0) {
                n = res->out.len < size - 1 ? res->out.len : size - 1;
                memcpy(out, res->out.text, n);
                out[n] = '\0';
                if (!WIFEXITED(res->status) || WEXITSTATUS(res->status) != 0)
                        r = -EIO;
        }
        free(res);
        return r;
}
