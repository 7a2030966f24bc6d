/* proc.h: processes by pid, told apart from later processes that reuse the pid. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The start time of `pid` in clock ticks since boot (/proc/PID/stat field 22); 0 if gone. */
unsigned long long ha_proc_start_time(pid_t pid);

/* Is the process `pid`, started at `start` (ha_proc_start_time()), still running? A zombie
 * (exited, not yet reaped) is not. */
bool ha_proc_running(pid_t pid, unsigned long long start);

/* Is `pid` alive and is its command name (/proc/PID/comm) `comm`? */
bool ha_proc_is(pid_t pid, const char *comm);

/* Reads a pid file (a trusted, small file holding a decimal pid). Returns the pid, or -errno
 * (-ENOENT: no file; -EBADMSG: not a pid). */
pid_t ha_proc_read_pidfile(const char *path);

/* A process as the programs record it in the state folder (a hook's intent, a child stuck on a
 * hung mount), so that a later run can tell whether it still runs: "PID START SINCE\n" in
 * decimal, START its start time (ha_proc_start_time()), SINCE a time in microseconds. */
struct ha_proc_record {
        pid_t pid;
        unsigned long long start;
        uint64_t since;
};

/* Formats `r` into `buf` (`len` bytes, NUL included). Returns the length, or -ENAMETOOLONG. */
int ha_proc_record_format(const struct ha_proc_record *r, char *buf, size_t len);

/* Parses what ha_proc_record_format() writes, strictly, without sscanf(): three numbers without
 * sign or leading zero, one space between them, then a newline (or the end) and nothing after
 * it; PID from 1 to INT_MAX, the others within 64 bits. Returns 0 with *ret, or -EBADMSG
 * (*ret untouched). For files a later run reads back: a record that is not exactly ours is not
 * believed. */
int ha_proc_record_parse(const char *text, struct ha_proc_record *ret);
