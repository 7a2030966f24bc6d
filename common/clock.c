/* clock.c: monotonic deadlines. */
#include "common/clock.h"

#include <errno.h>
#include <time.h>

static usec_t now_on(clockid_t id)
{
        struct timespec ts;

        /* clock_gettime() cannot fail for these clocks on Linux. */
        (void)clock_gettime(id, &ts);
        return (usec_t)ts.tv_sec * HA_USEC_PER_SEC + (usec_t)ts.tv_nsec / 1000;
}

usec_t ha_now(void)
{
        return now_on(CLOCK_MONOTONIC);
}

usec_t ha_now_boottime(void)
{
        return now_on(CLOCK_BOOTTIME);
}

usec_t ha_now_realtime(void)
{
        return now_on(CLOCK_REALTIME);
}

usec_t ha_deadline_in(usec_t timeout)
{
        usec_t now = ha_now();

        if (timeout == HA_USEC_INFINITY || timeout > HA_USEC_INFINITY - now)
                return HA_USEC_INFINITY;
        return now + timeout;
}

usec_t ha_deadline_min(usec_t a, usec_t b)
{
        return a < b ? a : b;
}

usec_t ha_deadline_left(usec_t deadline)
{
        usec_t now;

        if (deadline == HA_USEC_INFINITY)
                return HA_USEC_INFINITY;
        now = ha_now();
        return deadline > now ? deadline - now : 0;
}

bool ha_deadline_passed(usec_t deadline)
{
        return ha_deadline_left(deadline) == 0;
}

int ha_deadline_poll_ms(usec_t deadline)
{
        usec_t left = ha_deadline_left(deadline);

        if (left == HA_USEC_INFINITY)
                return -1;
        if (left / HA_USEC_PER_MSEC >= (usec_t)INT32_MAX)
                return INT32_MAX;
        return (int)((left + HA_USEC_PER_MSEC - 1) / HA_USEC_PER_MSEC);
}

int ha_sleep_until(usec_t deadline, usec_t usec)
{
        usec_t left = ha_deadline_left(deadline);
        struct timespec ts;

        if (usec < left)
                left = usec;
        if (left == HA_USEC_INFINITY)
                left = HA_USEC_PER_SEC * 3600;
        ts.tv_sec = (time_t)(left / HA_USEC_PER_SEC);
        ts.tv_nsec = (long)(left % HA_USEC_PER_SEC) * 1000;
        if (nanosleep(&ts, NULL) < 0)
                return -errno;
        return 0;
}

double ha_msec_between(usec_t start, usec_t end)
{
        if (end < start)
                return 0.0;
        return (double)(end - start) / 1000.0;
}
