/* proc.h: processes by pid, told apart from later processes that reuse the pid. */
#pragma once

#include <stdbool.h>
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
