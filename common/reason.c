/* reason.c: the reason storage of reason.h. */
#include "common/reason.h"

#include <stdarg.h>
#include <stdio.h>

/* Large enough for every problem of a configuration file, one per line (cfg.h). */
#define REASON_MAX 8192

const char *ha_reason(const char *fmt, ...)
{
        static char buf[2][REASON_MAX];
        static unsigned next;
        char *out = buf[next++ % 2];
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(out, REASON_MAX, fmt, ap);
        va_end(ap);
        return out;
}

int ha_fail(const char **ret_reason, const char *reason, int r)
{
        if (ret_reason)
                *ret_reason = reason;
        return r;
}
