/* svc.h: start, stop and look at a service: through systemd (sd-bus) when systemd runs, by pid
 * file and /proc otherwise.
 *
 * With systemd, the unit is the truth: its ActiveState says whether it runs, and StartUnit and
 * StopUnit jobs are waited for (JobRemoved) until the deadline. systemd's private socket is used
 * (root only), so a stuck dbus-daemon cannot stall a failover.
 *
 * Without systemd (a container, a test host), the service is a daemon started with a clean
 * environment and umask 022 (never keepalived's umask 0177, which breaks slurmctld's job
 * folders), found again through its pid file and /proc/PID/comm, and stopped with SIGTERM, then
 * SIGKILL if it has not exited by the deadline.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/clock.h"

enum ha_svc_manager {
        HA_SVC_AUTO, /* systemd if it runs (sd_booted()), else direct */
        HA_SVC_SYSTEMD,
        HA_SVC_DIRECT,
};

struct ha_svc {
        enum ha_svc_manager manager;
        const char *unit;     /* systemd unit, "slurmctld.service" */
        const char *pid_file; /* direct: where the daemon writes its pid */
        const char *comm;     /* direct: its process name, "slurmctld" */
        char *const *argv;    /* direct: the start command, argv[0] an absolute path */
};

/* Whether `s` is handled through systemd. */
bool ha_svc_uses_systemd(const struct ha_svc *s);

/* Sets *ret_running (and *ret_pid, may be NULL: the main pid, 0 if unknown; with systemd the
 * unit's MainPID). Running: a live process that is not a zombie; with systemd, a unit active,
 * reloading, or on its way up or down (activating, deactivating, refreshing). Returns 0 or
 * -errno with *ret_reason (reason.h). */
int ha_svc_state(const struct ha_svc *s, usec_t deadline, bool *ret_running, pid_t *ret_pid,
                 const char **ret_reason);

/* Starts the service and waits until it runs (systemd: the start job is done; direct: the pid
 * file names a live process of the right name). Running already is success. Returns 0 or
 * -errno with *ret_reason (reason.h). */
int ha_svc_start(const struct ha_svc *s, usec_t deadline, const char **ret_reason);

/* Stops the service and waits until it has stopped. Stopped already is success, and so is a
 * systemd unit that does not exist. Direct: SIGTERM, and SIGKILL when `kill_at` passes (then
 * waits until `deadline`). systemd: StopUnit, and KillUnit with SIGKILL when `kill_at` passes
 * with the stop job still running (systemd alone would wait the unit's TimeoutStopSec).
 * Returns 0 or -errno with *ret_reason (reason.h). */
int ha_svc_stop(const struct ha_svc *s, usec_t kill_at, usec_t deadline, const char **ret_reason);
