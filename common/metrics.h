/* metrics.h: ha_slurm_* gauges for node_exporter's textfile collector.
 *
 * node_exporter reads every *.prom file of one folder at each scrape. The check and the hooks
 * each keep a record of their own samples in the state folder (metrics.check, metrics.hook,
 * metrics.promote, metrics.demote, metrics.transition), then render every record into the file
 * named by [metrics] textfile: one HELP and one TYPE line per family, then its samples. Records
 * and file are replaced atomically (a temporary file in the same folder, renamed; the file gets
 * mode 0644 whatever the umask), so a scrape sees a whole file; a check and a hook writing at
 * once both render every record, and the last rename wins without losing the other's samples.
 *
 * Metrics decide nothing. The writing runs in a child process with its own deadline ([metrics]
 * timeout), so a hung disk cannot hold up a check or a hook; its result is for the caller to
 * mention, never to act on. Without [metrics] textfile nothing is written.
 */
#pragma once

#include <stdbool.h>

#include "common/cfg.h"
#include "common/role.h"

/* The name of the state folder's record of a writer ("check", "hook", ...), for tests. */
#define HA_METRICS_RECORD_PREFIX "metrics."

/* Records the check's run (verdict, each probe's state and time, this node's role) and renders
 * the textfile. Returns 0 (also when metrics are off), or -errno: -ETIMEDOUT the writer did not
 * finish by the deadline (it is left to finish and recorded, see child.h), -EALREADY an earlier
 * writer is still stuck. */
int ha_metrics_check(const struct ha_cfg *cfg, const struct ha_observation *o,
                     const struct ha_verdict *v);

/* What one hook run did, for ha_metrics_hook(). */
struct ha_metrics_hook {
        bool promoting;        /* the VIP was here (promote), or not (demote) */
        bool acted;            /* a promotion or demotion was tried: not refused, and slurmctld
                                  was not already in control here (or, demoting, was running) */
        bool ok;               /* the host reached its target state */
        bool refused;          /* a precondition failed */
        bool transition;       /* slurmctld came into control here, or stopped being so */
        double seconds;        /* hook start to end */
        double action_seconds; /* the promotion's: hook start to slurmctld in control (to the
                                  end if it never was); the demotion's: hook start to end */
        double finished;       /* wall-clock time of the end, seconds since the epoch */
        const char *fenced;    /* the node a promotion tried to power off; NULL: none */
        bool fence_ok;         /* ... its fence agent confirmed it off */
        double fence_seconds;  /* ... how long that took */
};

/* Records a hook's run and renders the textfile; the promotion or demotion gauges only if it
 * `acted` (a run that found nothing to do, or was refused, leaves the last one's), the
 * transition gauges only for a transition. Returns as ha_metrics_check(). */
int ha_metrics_hook(const struct ha_cfg *cfg, const struct ha_metrics_hook *h);
