/* exec.h: running other programs with nothing inherited.
 *
 * keepalived runs notify and check scripts with its own environment: 2.2.7 (Debian 12) passes
 * `environ` to execve() unchanged (later releases drop IFS, LD_PRELOAD and LD_LIBRARY_PATH), with
 * its umask (0177), as the configured script_user. That environment comes from keepalived's
 * own start (root's), and what the dynamic loader takes from it (LD_PRELOAD and the like) is
 * applied before main() runs: no program can undo that, only its caller can. What the programs
 * do is not pass anything on, and not let anything inherited steer them:
 *  1. At start, the environment is replaced by a fixed minimal one (ha_env_scrub()): no library
 *     reads an inherited variable afterwards (libsystemd reads DBUS_SYSTEM_BUS_ADDRESS and
 *     SYSTEMD_*, glibc reads TZ).
 *  2. Every command (slurmctld and followers without systemd, the alert command) is an absolute
 *     path, checked before it runs like keepalived's script security does (ha_exec_check()),
 *     and starts through ha_exec_clean(): fixed environment, umask 022, folder /, default
 *     signals, /dev/null for stdio, no other descriptor, a session of its own.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/clock.h"

/* The environment every program and command gets: */
#define HA_ENV_PATH "/usr/sbin:/usr/bin:/sbin:/bin"
#define HA_ENV_LANG "C"

/* Replaces this process's environment by PATH=HA_ENV_PATH and LANG=HA_ENV_LANG. Returns 0 or
 * -ENOMEM. */
int ha_env_scrub(void);

/* Checks that `path` may be run as root: an absolute path to a regular file owned by root and
 * not writable by group or others, in folders that are all owned by root and not writable by
 * group or others; where symbolic links lead elsewhere, the folders of the real path too (a
 * link in a root-only folder to a file in a folder others may write is refused). Returns 0, or
 * -errno with the reason in *ret_reason (a static string). */
int ha_exec_check(const char *path, const char **ret_reason);

/* For a forked child: makes a clean process (see above) and execs argv[0] (an absolute path)
 * with the environment PATH=HA_ENV_PATH, LANG=HA_ENV_LANG and the "HA_...=..." strings of
 * `extra` (NULL-terminated, may be NULL; at most 8). Never returns: exits 127 if execve()
 * fails. */
_Noreturn void ha_exec_clean(char *const *argv, char *const *extra);

/* ha_exec_clean() with the command's stdin, stdout and stderr on `in`, `out` and `err`
 * (descriptors of the forked child; -1: /dev/null). */
_Noreturn void ha_exec_clean_io(char *const *argv, char *const *extra, int in, int out, int err);

/* What ha_exec_run() keeps of a command's output: the last HA_EXEC_TAIL bytes of each stream
 * (earlier bytes are dropped, `cut` says so), NUL-terminated. Bounded whatever the command
 * writes. */
#define HA_EXEC_TAIL 4096
struct ha_exec_output {
        char text[HA_EXEC_TAIL + 1];
        size_t len;
        bool cut;
};

struct ha_exec_result {
        int status; /* waitpid() status of the command */
        struct ha_exec_output out, err;
};

/* Runs argv[0] (an absolute path the caller has checked with ha_exec_check()) as
 * ha_exec_clean_io() starts it, in a session and process group of its own, writes `in_len`
 * bytes of `in` to its stdin and closes it, and keeps the tails of its stdout and stderr in
 * *ret. When the command exits, whatever is left of its process group is killed with SIGKILL
 * (nothing it started outlives it) and the command is reaped. At `deadline` the whole process
 * group is killed with SIGKILL and the command reaped: the call returns within a few tens of
 * milliseconds of the deadline. Its descendants get the SIGKILL too and run nothing more, but
 * one may still be finishing its exit when the call returns; init (or the nearest subreaper)
 * reaps them. A descendant that left the process group (setsid()) is out of reach. SIGPIPE from
 * a command that exits without reading its stdin is blocked and consumed in this thread.
 * Returns 0 (the command exited: ret->status), -ETIMEDOUT (killed at the deadline; the output
 * so far in *ret), -ECHILD (the caller ignores SIGCHLD: the command's exit status is lost) or
 * -errno (nothing ran). */
int ha_exec_run(char *const *argv, char *const *extra, const void *in, size_t in_len,
                usec_t deadline, struct ha_exec_result *ret);

/* Runs argv as ha_exec_run() does, with no input, and copies its standard output into `out`
 * (NUL-terminated; at most size - 1 bytes from the start of the HA_EXEC_TAIL bytes kept). Returns 0
 * if it exited with status 0, -ETIMEDOUT (killed at `deadline`), -EIO for another end, or
 * ha_exec_run()'s -errno. */
int ha_exec_stdout(char *const *argv, usec_t deadline, char *out, size_t size);
