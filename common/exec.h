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

/* Runs argv (an absolute path the caller has checked with ha_exec_check()) as ha_exec_clean()
 * does, with its standard output into `out` (NUL-terminated; at most size - 1 bytes, the rest
 * unread). A command still running at `deadline` is killed. Returns 0 if it exited with status
 * 0, -ETIMEDOUT, -EIO for another end, or -errno from pipe2(2), fork(2) or waitpid(2). */
int ha_exec_output(char *const *argv, usec_t deadline, char *out, size_t size);
