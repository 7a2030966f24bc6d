/* clock.h: monotonic deadlines.
 *
 * Every call in ha-slurm that can block takes an absolute deadline on CLOCK_MONOTONIC, in
 * microseconds. A program derives all of them from one budget, so the whole run fits inside
 * keepalived's script timeout by construction.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t usec_t;

#define HA_USEC_PER_MSEC ((usec_t)1000)
#define HA_USEC_PER_SEC  ((usec_t)1000000)
#define HA_USEC_INFINITY UINT64_MAX

/* The current time on CLOCK_MONOTONIC in microseconds. */
usec_t ha_now(void);

/* The current time on CLOCK_BOOTTIME in microseconds: CLOCK_MONOTONIC that also counts a
 * suspend, comparable across the processes of one boot (the lease's record of what it saw). */
usec_t ha_now_boottime(void);

/* The current wall-clock time (CLOCK_REALTIME) in microseconds since the epoch. */
usec_t ha_now_realtime(void);

/* A deadline `timeout` microseconds from now. HA_USEC_INFINITY stays infinite. */
usec_t ha_deadline_in(usec_t timeout);

/* The earlier of two deadlines. */
usec_t ha_deadline_min(usec_t a, usec_t b);

/* Microseconds left until `deadline`; 0 once it has passed. */
usec_t ha_deadline_left(usec_t deadline);

/* True once `deadline` has passed. */
bool ha_deadline_passed(usec_t deadline);

/* The time left until `deadline` as a poll(2) timeout in milliseconds, rounded up so that a
 * poll never returns before the deadline; 0 once it has passed, -1 for an infinite deadline. */
int ha_deadline_poll_ms(usec_t deadline);

/* Sleeps until `deadline` or `usec` microseconds, whichever comes first. Returns 0, or -EINTR
 * if a signal interrupted the sleep (a caller that honours SIGTERM checks its flag then). */
int ha_sleep_until(usec_t deadline, usec_t usec);

/* Milliseconds (with fraction) between two monotonic times, for log lines and tables. */
double ha_msec_between(usec_t start, usec_t end);
