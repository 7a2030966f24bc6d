/* child.c: a child process with a deadline, and a record of children that got stuck. */
#include "common/child.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/proc.h"

#define ANSWER_MAX 4096

/* What a child sends back: its result, the first file it refused as unsafe (the parent reports
 * it: the child's stderr is /dev/null), and its answer. */
struct child_msg {
        int64_t result;
        char refused_path[256];
        char refused_reason[96];
        char answer[ANSWER_MAX];
};
#define HEADER_LEN offsetof(struct child_msg, answer)

static struct child_msg *child_msg; /* in the child only */

static void child_refusal(const char *path, const char *reason)
{
        if (child_msg && !child_msg->refused_path[0]) {
                (void)snprintf(child_msg->refused_path, sizeof(child_msg->refused_path), "%s",
                               path);
                (void)snprintf(child_msg->refused_reason, sizeof(child_msg->refused_reason), "%s",
                               reason);
        }
}

/* Is the child recorded in `stuck_file` still running? Clears a stale record. */
static bool still_stuck(const char *stuck_file, usec_t *ret_since)
{
        struct ha_proc_record rec;
        char *text = NULL;

        if (ha_fs_read_small(stuck_file, 128, &text, NULL) < 0)
                return false;
        if (ha_proc_record_parse(text, &rec) == 0 && ha_proc_running(rec.pid, rec.start)) {
                free(text);
                if (ret_since)
                        *ret_since = rec.since;
                return true;
        }
        free(text);
        (void)unlink(stuck_file);
        return false;
}

static void record_stuck(const char *stuck_file, pid_t pid, usec_t since)
{
        struct ha_proc_record rec = {pid, ha_proc_start_time(pid), since};
        char text[128];

        if (ha_proc_record_format(&rec, text, sizeof(text)) > 0)
                (void)ha_fs_write_atomic(stuck_file, text, strlen(text), 0644);
}

/* The child: closes what it does not need, runs the work, sends "result, answer" and exits. */
_Noreturn static void child_main(int fd, ha_child_fn fn, void *arg)
{
        static struct child_msg msg;
        ssize_t r;

        (void)signal(SIGPIPE, SIG_IGN);
        (void)signal(SIGTERM, SIG_DFL);
        (void)signal(SIGINT, SIG_DFL);
        /* Keep only the pipe: a child left stuck on a hung mount must hold nothing else, not
         * even the caller's stdout (a reader of a pipe would wait for the mount too). */
        {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (null >= 0) {
                        (void)dup2(null, 0);
                        (void)dup2(null, 1);
                        (void)dup2(null, 2);
                }
        }
        if (fd != 3 && dup2(fd, 3) == 3)
                fd = 3;
        if (fd != 3 || close_range(4, ~0U, 0) < 0)
                for (int i = 3; i < 1024; i++)
                        if (i != fd)
                                (void)close(i);
        child_msg = &msg;
        (void)ha_fs_set_refusal_handler(child_refusal);
        r = fn(arg, msg.answer, sizeof(msg.answer));
        msg.result = r;
        (void)!write(fd, &msg, HEADER_LEN + (r > 0 ? (size_t)r : 0));
        _exit(0);
}

ssize_t ha_child_run(ha_child_fn fn, void *arg, void *out, size_t max, usec_t deadline,
                     const char *stuck_file, usec_t *ret_stuck_since)
{
        struct child_msg msg;
        size_t got = 0;
        usec_t started = ha_now_realtime();
        ssize_t r = -ETIMEDOUT;
        int fds[2];
        pid_t pid;

        if (stuck_file && still_stuck(stuck_file, ret_stuck_since))
                return -EALREADY;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                (void)close(fds[0]);
                (void)close(fds[1]);
                return r;
        }
        if (pid == 0)
                child_main(fds[1], fn, arg);
        (void)close(fds[1]);

        /* Read until the child closes its end (it exited) or the deadline. */
        for (;;) {
                struct pollfd p = {.fd = fds[0], .events = POLLIN};
                int n = poll(&p, 1, ha_deadline_poll_ms(deadline));
                ssize_t k;

                if (n < 0 && errno == EINTR && !ha_deadline_passed(deadline))
                        continue;
                if (n <= 0)
                        break;
                k = read(fds[0], (char *)&msg + got, sizeof(msg) - got);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0) {
                        r = got >= HEADER_LEN ? 0 : -EIO;
                        break;
                }
                got += (size_t)k;
        }
        (void)close(fds[0]);

        if (r == -ETIMEDOUT) {
                if (stuck_file)
                        record_stuck(stuck_file, pid, started);
                /* Not waited for: it is reaped by init when it finally exits. */
                return r;
        }
        (void)waitpid(pid, NULL, 0); /* it has closed its pipe: it is exiting */
        if (r < 0)
                return r; /* died without an answer */
        if (msg.refused_path[0]) {
                msg.refused_path[sizeof(msg.refused_path) - 1] = '\0';
                msg.refused_reason[sizeof(msg.refused_reason) - 1] = '\0';
                ha_fs_refused(msg.refused_path, msg.refused_reason);
        }
        r = (ssize_t)msg.result;
        if (r > 0) {
                size_t n = (size_t)r;

                if (n > got - HEADER_LEN || n > max)
                        return -EIO;
                memcpy(out, msg.answer, n);
        }
        return r;
}
