/* fence.h: powering off a host through a fence agent, before another controller takes over.
 *
 * The agents are the standard ones (Debian's fence-agents: fence_ipmilan and the others built on
 * fencing.py), run as Pacemaker's fencer runs them: the options as "key=value" lines on stdin,
 * never on the command line, "action=..." last. The options (address, user, password, cipher...)
 * come from a file only root may read (ha_fs_read_secret(): owned by root, mode 0600), so the
 * password is in no configuration file others read and on no command line of ours (an agent may
 * still put it on its own tool's: fence_ipmilan 4.12 runs `ipmitool -P PASSWORD`).
 *
 * The agent is an absolute path checked as every command the programs run (ha_exec_check()) and
 * started clean (ha_exec_run(): fixed PATH and LANG, nothing inherited, a process group of its
 * own). Nothing here logs: every failure comes back as -errno with a reason in *ret_reason
 * (common/reason.h).
 *
 * What the agent says (fencing.py's fence_action(), and the fence agent API):
 *   status: prints "Status: ON" and exits 0, or prints "Status: OFF" and exits 2; fails with
 *           exit 1 and its error on stderr.
 *   off:    exits 0 once the device reports the power off ("Success: Powered OFF", or "Success:
 *           Already OFF"); fails with exit 1.
 * Power is believed only when both agree: exit 2 alone is not OFF (Python exits 2 when it cannot
 * run the agent's script at all), and neither is "Status: OFF" with another exit code.
 *
 * Timing. One deadline (CLOCK_MONOTONIC) bounds the whole call; every agent run gets what is left
 * of it, and at the deadline the running agent's whole process group (the agent and the ipmitool
 * it runs) is killed with SIGKILL and reaped, so the call returns within tens of milliseconds
 * of the deadline (the kill and the reap of a Python agent: 14-44 ms past a 3 s deadline in
 * integration.fence) and leaves no process behind (the agent reaped; the ipmitool it started
 * killed too, reaped by init once its exit is done). Within it:
 *   - ha_fence_off(): the agent's action=off (fence_ipmilan: each ipmitool run bounded by the
 *     agent's power_timeout, 20 s by default, and the agent's own wait for the new power state,
 *     power_wait 2 s and stonith_status_sleep 1 s between checks); then action=status until it
 *     says OFF, `status_gap` (default 1 s) between the end of one status run and the next.
 *   - ha_fence_status(): one action=status run.
 * An agent's options may shorten its own waits (power_timeout=4) so that it fails, with its
 * reason, before the deadline would kill it.
 */
#pragma once

#include <stddef.h>

#include "common/clock.h"

/* The largest options file read, and the most option lines in it. */
#define HA_FENCE_OPTS_MAX  4096
#define HA_FENCE_OPTS_KEYS 64

enum ha_fence_power {
        HA_FENCE_UNKNOWN,
        HA_FENCE_ON,
        HA_FENCE_OFF,
};

struct ha_fence {
        const char *agent;        /* absolute path of the agent: /usr/sbin/fence_ipmilan */
        const char *options_file; /* root's, mode 0600: the agent's key=value options */
        usec_t status_gap;        /* between status runs while waiting for OFF; 0: 1 s */
};

/* "on", "off" or "unknown". */
const char *ha_fence_power_name(enum ha_fence_power p);

/* Powers the host off and confirms it: the agent's action=off, then action=status until it
 * reports OFF, all before `deadline`. Returns 0 only once the agent has reported OFF (exit 2 and
 * "Status: OFF"), with what was done in *ret_reason. Otherwise, with the reason:
 *   -EPERM       the agent or the options file refused as unsafe (nothing was run)
 *   -EINVAL      the options file malformed (which line and why; never a value)
 *   -ENOENT      the agent or the options file missing
 *   -EIO         the agent's off failed (its exit code and the last line of its stderr)
 *   -ETIMEDOUT   the deadline passed: the agent killed, or OFF not confirmed (the last status
 *                run's answer in the reason)
 *   other -errno the agent could not be started. */
int ha_fence_off(const struct ha_fence *f, usec_t deadline, const char **ret_reason);

/* One action=status run before `deadline`. Returns 0 with *ret ON or OFF, or -errno as above
 * with *ret HA_FENCE_UNKNOWN (-EIO: the agent failed, or its answer was neither ON nor OFF). */
int ha_fence_status(const struct ha_fence *f, usec_t deadline, enum ha_fence_power *ret,
                    const char **ret_reason);

/* ---- the parts, for the unit tests ---- */

/* Checks the options file's text (`len` bytes, the whole file) and makes the agent's stdin from
 * it: one "key=value\n" line per option, blank lines and "#" comments dropped, spaces around a
 * line trimmed. A key is letters, digits, "_" and "-"; a value has no control character. Refused
 * (-EINVAL, the line number and the reason, never the value: it may be the password): a line
 * without "=", an empty or bad key, a NUL byte, more than HA_FENCE_OPTS_KEYS options, and the keys
 * "action" and "option" (the action is ours to give). Returns 0 with *ret (malloc'd,
 * NUL-terminated, *ret_len bytes; it holds the password: the caller wipes it with
 * explicit_bzero() before free()) or -EINVAL / -ENOMEM. */
int ha_fence_opts_parse(const char *text, size_t len, char **ret, size_t *ret_len,
                        const char **ret_reason);

/* What a status run's stdout (`out`) and exit code (`code`; -1: killed by a signal) say, as
 * above: OFF only for exit 2 with a "Status: OFF" line, ON only for exit 0 with "Status: ON",
 * UNKNOWN otherwise (why in *ret_reason). */
enum ha_fence_power ha_fence_status_parse(const char *out, int code, const char **ret_reason);

/* The line of an agent's stderr (`err`) that says why it failed, into `buf` (`len` bytes): the
 * last line with "ERROR" in it (fencing.py's errors) but its "Please use '-h' for usage" hint,
 * else the last non-blank line but that hint; control
 * characters replaced by "?". "" when there is none. */
void ha_fence_err_line(const char *err, char *buf, size_t len);
