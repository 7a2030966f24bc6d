/* fence.c: a fence agent's off and status, with a deadline. */
#include "common/fence.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/exec.h"
#include "common/fsutil.h"
#include "common/reason.h"

/* Sets the caller's reason (CONTRIBUTING.md: a reason travels as const char **ret_reason). */
#define SAY(...) (void)(ret_reason ? (*ret_reason = ha_reason(__VA_ARGS__)) : NULL)

const char *ha_fence_power_name(enum ha_fence_power p)
{
        switch (p) {
        case HA_FENCE_ON:
                return "on";
        case HA_FENCE_OFF:
                return "off";
        default:
                return "unknown";
        }
}

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

static bool key_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
}

int ha_fence_opts_parse(const char *text, size_t len, char **ret, size_t *ret_len,
                        const char **ret_reason)
{
        const char *p = text, *end = text + len;
        size_t used = 0;
        int line = 0, keys = 0;
        char *buf;

        if (memchr(text, '\0', len)) {
                SAY("a NUL byte in the file");
                return -EINVAL;
        }
        /* The canonical lines are never longer than the file, plus a newline for its last. */
        buf = malloc(len + 2);
        if (!buf)
                return -ENOMEM;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *e = nl ? nl : end, *s = p, *eq;
                size_t keylen;

                line++;
                p = nl ? nl + 1 : end;
                while (s < e && is_blank(*s))
                        s++;
                while (e > s && (is_blank(e[-1]) || e[-1] == '\r'))
                        e--;
                if (s == e || *s == '#')
                        continue;
                eq = memchr(s, '=', (size_t)(e - s));
                if (!eq) {
                        SAY("line %d: not key=value", line);
                        goto bad;
                }
                keylen = (size_t)(eq - s);
                if (keylen == 0) {
                        SAY("line %d: no key before \"=\"", line);
                        goto bad;
                }
                for (const char *k = s; k < eq; k++) {
                        if (!key_char(*k)) {
                                SAY("line %d: a key is letters, digits, \"_\" and \"-\"", line);
                                goto bad;
                        }
                }
                if ((keylen == 6 &&
                     (strncmp(s, "action", 6) == 0 || strncmp(s, "option", 6) == 0))) {
                        SAY("line %d: %.*s is not an option of the file: ha-slurm gives the action",
                            line, (int)keylen, s);
                        goto bad;
                }
                for (const char *v = eq + 1; v < e; v++) {
                        if ((unsigned char)*v < 0x20 || *v == 0x7f) {
                                SAY("line %d (%.*s): a control character in the value", line,
                                    (int)keylen, s);
                                goto bad;
                        }
                }
                if (++keys > HA_FENCE_OPTS_KEYS) {
                        SAY("more than %d options", HA_FENCE_OPTS_KEYS);
                        goto bad;
                }
                memcpy(buf + used, s, (size_t)(e - s));
                used += (size_t)(e - s);
                buf[used++] = '\n';
        }
        buf[used] = '\0';
        *ret = buf;
        *ret_len = used;
        return 0;
bad:
        explicit_bzero(buf, len + 2);
        free(buf);
        return -EINVAL;
}

/* A line of `text` from `s` to `e` equal to `want`, blanks and '\r' around it ignored. */
static bool line_is(const char *s, const char *e, const char *want)
{
        size_t n = strlen(want);

        while (s < e && is_blank(*s))
                s++;
        while (e > s && (is_blank(e[-1]) || e[-1] == '\r'))
                e--;
        return (size_t)(e - s) == n && strncmp(s, want, n) == 0;
}

enum ha_fence_power ha_fence_status_parse(const char *out, int code, const char **ret_reason)
{
        bool on = false, off = false;

        for (const char *p = out; *p;) {
                const char *nl = strchr(p, '\n'), *e = nl ? nl : p + strlen(p);

                on = on || line_is(p, e, "Status: ON");
                off = off || line_is(p, e, "Status: OFF");
                p = nl ? nl + 1 : e;
        }
        if (on && off) {
                SAY("both \"Status: ON\" and \"Status: OFF\" in its output (exit %d)", code);
                return HA_FENCE_UNKNOWN;
        }
        if (off && code == 2)
                return HA_FENCE_OFF;
        if (on && code == 0)
                return HA_FENCE_ON;
        if (off || on)
                SAY("\"Status: %s\" but exit %d", off ? "OFF" : "ON", code);
        else
                SAY("no \"Status: ON\" or \"Status: OFF\" line (exit %d)", code);
        return HA_FENCE_UNKNOWN;
}

void ha_fence_err_line(const char *err, char *buf, size_t len)
{
        const char *best = NULL, *best_end = NULL, *last = NULL, *last_end = NULL;
        size_t n = 0;

        for (const char *p = err; *p;) {
                const char *nl = strchr(p, '\n'), *e = nl ? nl : p + strlen(p), *s = p;

                while (s < e && (is_blank(*s) || *s == '\r'))
                        s++;
                while (e > s && (is_blank(e[-1]) || e[-1] == '\r'))
                        e--;
                /* fencing.py's fail_usage() ends with this hint after the real error. */
                if (s < e && !memmem(s, (size_t)(e - s), "Please use '-h' for usage", 25)) {
                        last = s;
                        last_end = e;
                        if (memmem(s, (size_t)(e - s), "ERROR", 5)) {
                                best = s;
                                best_end = e;
                        }
                }
                p = nl ? nl + 1 : p + strlen(p);
        }
        if (!best) {
                best = last;
                best_end = last_end;
        }
        if (len == 0)
                return;
        for (const char *c = best; c && c < best_end && n + 1 < len; c++)
                buf[n++] = (unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c;
        buf[n] = '\0';
}

/* The agent checked and the options read: the agent's stdin but for the action, in *ret
 * (wiped and freed by the caller). */
static int prepare(const struct ha_fence *f, char **ret, size_t *ret_len, const char **ret_reason)
{
        char *text = NULL;
        const char *r_why = NULL, *why = "";
        size_t len;
        int r;

        r = ha_exec_check(f->agent, &r_why);
        if (r < 0) {
                SAY("refused to run the fence agent %s: %s", f->agent, r_why);
                return r == -EPERM || r == -EINVAL ? -EPERM : r;
        }
        r = ha_fs_read_secret(f->options_file, HA_FENCE_OPTS_MAX, &text, &len, &r_why);
        if (r == -EFBIG) {
                SAY("fence options %s: larger than %d bytes", f->options_file, HA_FENCE_OPTS_MAX);
                return -EINVAL;
        }
        if (r < 0) {
                SAY("fence options %s: %s%s", f->options_file, r == -EPERM ? "refused: " : "",
                    r_why ? r_why : "failed to read it");
                return r;
        }
        /* The length read, not strlen(): the parser refuses a NUL byte. */
        r = ha_fence_opts_parse(text, len, ret, ret_len, &why);
        explicit_bzero(text, len);
        free(text);
        if (r < 0)
                SAY("fence options %s: %s", f->options_file, why);
        return r;
}

/* One run of the agent with `opts` and "action=ACTION". Returns 0 with its exit code in
 * *ret_code (-1: killed by a signal) and its output in *res, or -ETIMEDOUT / -errno. */
static int run_agent(const struct ha_fence *f, const char *opts, size_t opts_len,
                     const char *action, usec_t deadline, struct ha_exec_result *res, int *ret_code)
{
        char *argv[] = {(char *)f->agent, NULL};
        size_t n = opts_len + strlen("action=\n") + strlen(action);
        char *in = malloc(n + 1);
        int r;

        if (!in)
                return -ENOMEM;
        (void)snprintf(in, n + 1, "%saction=%s\n", opts, action);
        r = ha_exec_run(argv, NULL, in, n, deadline, res);
        explicit_bzero(in, n);
        free(in);
        if (r == 0)
                *ret_code = WIFEXITED(res->status) ? WEXITSTATUS(res->status) : -1;
        return r;
}

/* A status run: its power, and why it is not known in *ret_reason. */
static int status_once(const struct ha_fence *f, const char *opts, size_t opts_len, usec_t deadline,
                       enum ha_fence_power *ret, const char **ret_reason)
{
        struct ha_exec_result *res = malloc(sizeof(*res));
        const char *why = "";
        char line[200];
        int code = 0, r;

        *ret = HA_FENCE_UNKNOWN;
        if (!res)
                return -ENOMEM;
        r = run_agent(f, opts, opts_len, "status", deadline, res, &code);
        if (r == -ETIMEDOUT) {
                SAY("%s status: no answer before the deadline (killed)", f->agent);
        } else if (r < 0) {
                SAY("%s status: failed to run it: %s", f->agent, strerror(-r));
        } else {
                *ret = ha_fence_status_parse(res->out.text, code, &why);
                if (*ret == HA_FENCE_UNKNOWN) {
                        ha_fence_err_line(res->err.text, line, sizeof(line));
                        SAY("%s status: %s%s%s", f->agent, why, line[0] ? ": " : "", line);
                        r = -EIO;
                } else {
                        SAY("%s status: %s", f->agent, ha_fence_power_name(*ret));
                }
        }
        if (res)
                explicit_bzero(res, sizeof(*res)); /* an agent may echo its options */
        free(res);
        return r;
}

int ha_fence_status(const struct ha_fence *f, usec_t deadline, enum ha_fence_power *ret,
                    const char **ret_reason)
{
        char *opts = NULL;
        size_t opts_len = 0;
        int r;

        *ret = HA_FENCE_UNKNOWN;
        r = prepare(f, &opts, &opts_len, ret_reason);
        if (r < 0)
                return r;
        r = status_once(f, opts, opts_len, deadline, ret, ret_reason);
        explicit_bzero(opts, opts_len);
        free(opts);
        return r;
}

int ha_fence_off(const struct ha_fence *f, usec_t deadline, const char **ret_reason)
{
        usec_t gap = f->status_gap ? f->status_gap : HA_USEC_PER_SEC, t0 = ha_now();
        struct ha_exec_result *res = NULL;
        enum ha_fence_power p = HA_FENCE_UNKNOWN;
        char *opts = NULL, line[200];
        const char *last = "";
        size_t opts_len = 0;
        int code = 0, r, checks = 0;

        r = prepare(f, &opts, &opts_len, ret_reason);
        if (r < 0)
                return r;
        res = malloc(sizeof(*res));
        if (!res) {
                r = -ENOMEM;
                goto out;
        }
        r = run_agent(f, opts, opts_len, "off", deadline, res, &code);
        if (r == -ETIMEDOUT) {
                SAY("%s off: not done before the deadline (killed after %.0f ms)", f->agent,
                    ha_msec_between(t0, ha_now()));
                goto out;
        }
        if (r < 0) {
                SAY("%s off: failed to run it: %s", f->agent, strerror(-r));
                goto out;
        }
        if (code != 0) {
                ha_fence_err_line(res->err.text, line, sizeof(line));
                SAY("%s off failed (exit %d): %s", f->agent, code,
                    line[0] ? line : "nothing on its stderr");
                r = -EIO;
                goto out;
        }
        /* The agent says it is off: believed once its status says so. */
        for (;;) {
                checks++;
                r = status_once(f, opts, opts_len, deadline, &p, &last);
                if (r == 0 && p == HA_FENCE_OFF) {
                        SAY("%s: off, confirmed by status run %d after %.0f ms", f->agent, checks,
                            ha_msec_between(t0, ha_now()));
                        break;
                }
                (void)ha_sleep_until(deadline, gap);
                if (ha_deadline_passed(deadline)) {
                        SAY("%s off done, but OFF not confirmed before the deadline (%d status "
                            "runs; last: %s)",
                            f->agent, checks, last);
                        r = -ETIMEDOUT;
                        break;
                }
        }
out:
        if (res)
                explicit_bzero(res, sizeof(*res)); /* an agent may echo its options */
        free(res);
        explicit_bzero(opts, opts_len);
        free(opts);
        return r;
}
