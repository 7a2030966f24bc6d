/* guard.h: the self-fence, which does not need keepalived.
 *
 * While slurmctld runs here under the lease, a process of its own (`ha-check-slurmctld
 * --self-fence`, started by the promotion in a session of its own, so that keepalived's death
 * or restart does not take it along) watches the last grant or renewal this node made
 * (lease.renewed, on CLOCK_BOOTTIME). When the lease has not been renewed for ttl less
 * HA_GUARD_MARGIN less HA_GUARD_GRACE (but never before half of ttl), it removes the VIP from
 * this host if keepalived is gone (a keepalived that runs removes it itself when the check
 * fails), forgets the epoch (nothing renews the lease for that slurmctld again) and stops
 * slurmctld: SIGTERM, so that it saves its state while the lease is still its own, then SIGKILL
 * at ttl less HA_GUARD_MARGIN.
 *
 * The timing argument (rule 2 of lease.h): a renewal that started at T wrote a generation no
 * other node saw before T, and no other node takes the lease before it has known that
 * generation unchanged for ttl on its own clock: not before T + ttl. The guard looks every
 * HA_GUARD_POLL; slurmctld gets SIGKILL at T + ttl - HA_GUARD_MARGIN and is gone within
 * HA_GUARD_KILL: by T + ttl - 0.5 s with the values below (the clocks' rates differ by parts
 * per million). With the default ttl of 6 s: SIGTERM at T + 3 s, SIGKILL at T + 5 s, while a
 * healthy master renews every second.
 *
 * What it does not cover: a host frozen whole (its guard is frozen too, and slurmctld may run
 * a moment after the host wakes, before the guard does). That takes power fencing.
 */
#pragma once

#include "common/cfg.h"
#include "common/clock.h"

#define HA_GUARD_MARGIN (1 * HA_USEC_PER_SEC)
#define HA_GUARD_GRACE  (2 * HA_USEC_PER_SEC)

/* keepalived's pid file (Debian's unit; the test hosts start it with -p the same). */
#define HA_GUARD_KEEPALIVED_PID "/run/keepalived.pid"
#define HA_GUARD_POLL           (100 * HA_USEC_PER_MSEC)
#define HA_GUARD_KILL           (500 * HA_USEC_PER_MSEC)

/* How long after the last renewal the guard stops slurmctld (SIGTERM): ttl less
 * HA_GUARD_MARGIN less HA_GUARD_GRACE, but never before half of ttl. Until then the VIP holder
 * rides out a storage stall (role.c, ha_judge()). */
usec_t ha_guard_term_after(usec_t ttl);

/* Runs the guard until the epoch it guards is no longer recorded (the demotion released the
 * lease, or another guard took over) or it has fenced. Returns an exit status (program.h). */
int ha_guard_run(const struct ha_cfg *cfg);

/* Starts the guard, unless one runs for this state folder: `check` (the path of
 * ha-check-slurmctld, checked as exec.h says) with --self-fence -c cfg->path, detached.
 * Returns 0 or -errno with *ret_reason. */
int ha_guard_start(const struct ha_cfg *cfg, const char *check, const char **ret_reason);
