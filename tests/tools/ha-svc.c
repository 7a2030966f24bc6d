/* ha-svc: one call of the library's service control (common/svc.c), for tests and for people.
 *
 *   ha-svc [--manager systemd|direct|auto] [--timeout DURATION] [--kill-after DURATION]
 *          UNIT start|stop|state
 *
 * Prints one line of key=value pairs, so a test can assert on it:
 *   op=stop unit=ha-slurmctld.service result=ok error=- running=no pid=0 ms=412.3 reason=-
 * `state` reports running and the main pid; `start` and `stop` wait for systemd's job to end
 * (JobRemoved) or the deadline (--timeout, default 10s); `stop` kills the unit with SIGKILL when
 * --kill-after passes (default: the timeout). Only the systemd manager is driven by a unit
 * name; direct mode needs a pid file and a command, which this tool does not take.
 * Exit status: 0 the call succeeded, 1 it failed, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cfg.h"
#include "common/clock.h"
#include "common/svc.h"

/* A stable name for the errors a test asserts on (strerrorname_np() is glibc 2.32 and later). */
static const char *errno_name(int r)
{
        switch (-r) {
        case 0:
                return "-";
        case ETIMEDOUT:
                return "ETIMEDOUT";
        case EIO:
                return "EIO";
        case ENOENT:
                return "ENOENT";
        case EACCES:
                return "EACCES";
        case ELIBACC:
                return "ELIBACC";
        default:
                return "EOTHER";
        }
}

static void usage(FILE *f)
{
        fprintf(f, "Usage: ha-svc [--manager systemd|direct|auto] [--timeout DURATION]\n"
                   "              [--kill-after DURATION] UNIT start|stop|state\n");
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"manager", required_argument, NULL, 'm'},
                {"timeout", required_argument, NULL, 't'},
                {"kill-after", required_argument, NULL, 'k'},
                {"help", no_argument, NULL, 'h'},
                {0},
        };
        struct ha_svc s = {.manager = HA_SVC_SYSTEMD};
        usec_t timeout = 10 * HA_USEC_PER_SEC, kill_after = HA_USEC_INFINITY, start, deadline;
        char reason[256] = "";
        const char *op;
        bool running = false;
        pid_t pid = 0;
        int c, r;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'm':
                        if (strcmp(optarg, "systemd") == 0)
                                s.manager = HA_SVC_SYSTEMD;
                        else if (strcmp(optarg, "direct") == 0)
                                s.manager = HA_SVC_DIRECT;
                        else if (strcmp(optarg, "auto") == 0)
                                s.manager = HA_SVC_AUTO;
                        else {
                                usage(stderr);
                                return 2;
                        }
                        break;
                case 't':
                case 'k':
                        if (ha_parse_duration(optarg, c == 't' ? &timeout : &kill_after) < 0) {
                                fprintf(stderr, "ha-svc: bad duration \"%s\"\n", optarg);
                                return 2;
                        }
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (argc - optind != 2) {
                usage(stderr);
                return 2;
        }
        s.unit = argv[optind];
        op = argv[optind + 1];
        if (!ha_svc_uses_systemd(&s)) {
                fprintf(stderr, "ha-svc: systemd does not run here (or --manager direct)\n");
                return 2;
        }
        start = ha_now();
        deadline = ha_deadline_in(timeout);
        if (strcmp(op, "start") == 0) {
                r = ha_svc_start(&s, deadline, reason, sizeof(reason));
        } else if (strcmp(op, "stop") == 0) {
                r = ha_svc_stop(&s, ha_deadline_min(deadline, ha_deadline_in(kill_after)), deadline,
                                reason, sizeof(reason));
        } else if (strcmp(op, "state") == 0) {
                r = ha_svc_state(&s, deadline, &running, &pid, reason, sizeof(reason));
        } else {
                usage(stderr);
                return 2;
        }
        if (r >= 0 && strcmp(op, "state") != 0)
                (void)ha_svc_state(&s, ha_deadline_in(timeout), &running, &pid, reason,
                                   sizeof(reason));
        printf("op=%s unit=%s result=%s error=%s running=%s pid=%d ms=%.1f reason=%s\n", op, s.unit,
               r < 0 ? "failed" : "ok", errno_name(r < 0 ? r : 0), running ? "yes" : "no", (int)pid,
               ha_msec_between(start, ha_now()), reason[0] ? reason : "-");
        return r < 0 ? 1 : 0;
}
