/* reconcile.h: move this host towards the invariant.
 *
 * The invariant: at every moment at most one slurmctld is in control, and it runs on the node
 * that holds the VIP. The notify hooks call ha_reconcile() with the event they were run for as
 * a hint only: what they do follows from what is true when they run (the hook lock is held, so
 * one hook at a time), so hooks that overlap or finish out of order still converge.
 *
 *   VIP here   -> promote: preconditions (MUNGE, shared storage, the lease), slurmctld started,
 *                 asked to take over if it is in standby, waited for until in control, then
 *                 the follower services started.
 *   VIP absent -> demote: followers stopped, slurmctld stopped (a stopped slurmctld cannot take
 *                 control back), then the lease released. A FAULT hint also raises an alert.
 */
#pragma once

#include <stdbool.h>

#include "common/cfg.h"
#include "common/clock.h"
#include "common/role.h"

enum ha_hint {
        HA_HINT_NONE,
        HA_HINT_MASTER,
        HA_HINT_BACKUP,
        HA_HINT_FAULT,
        HA_HINT_STOP,
};

/* Parses keepalived's state word ("MASTER", "BACKUP", "FAULT", "STOP", "DELETED"). */
int ha_hint_parse(const char *state, enum ha_hint *ret);
const char *ha_hint_name(enum ha_hint hint);

/* One step taken (or, in a dry run, that would be taken), reported as it finishes. */
struct ha_step {
        const char *name; /* "lease", "start slurmctld", "takeover", ... */
        int result;       /* 0 or -errno */
        bool dry_run;     /* not done: a dry run */
        bool refused;     /* a precondition failed: nothing more is done */
        double ms;
        char detail[384];
};

typedef void (*ha_step_fn)(void *userdata, const struct ha_step *step);

struct ha_reconcile {
        bool promoted; /* this host ended in control */
        bool demoted;  /* this host ended with no slurmctld */
        bool refused;  /* a precondition failed */
        int result;    /* 0 when the host reached its target state */
        double total_ms;
        char summary[384];
        bool fence_tried;    /* a promotion tried to power off the lease's holder */
        bool fence_ok;       /* ... and its fence agent confirmed it off */
        double fence_ms;     /* how long that took */
        char fence_node[64]; /* the holder */
};

/* Reconciles this host. `obs` is a fresh observation (ha_observe()) taken under the hook lock.
 * `deadline` is the hook's: [notify] deadline after the hook started (a demotion counts its
 * stop budget from that start). Each step is reported to `step` (may be NULL) as it ends. With
 * `dry_run`, nothing is changed and each step says what would be done. */
void ha_reconcile(const struct ha_cfg *cfg, const struct ha_observation *obs, enum ha_hint hint,
                  bool dry_run, usec_t deadline, ha_step_fn step, void *userdata,
                  struct ha_reconcile *ret);
