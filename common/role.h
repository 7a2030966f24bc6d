/* role.h: what this host is, observed; and what the health check makes of it.
 *
 * Every program computes the same picture: who holds the VIP, whether slurmctld runs here and
 * whether it says it is in control, whether MUNGE and the shared state folder work, and whether
 * a hook is at work. The check judges the picture; the hooks reconcile the host towards the
 * invariant from it. One code path, so they never disagree about what "healthy" means.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/cfg.h"
#include "common/clock.h"
#include "common/slurmrpc.h"
#include "common/svc.h"

enum ha_probe_id {
        HA_PROBE_VIP,     /* does this host hold the VIP */
        HA_PROBE_HOOK,    /* is a hook at work here (promotion or demotion in progress) */
        HA_PROBE_PROCESS, /* does slurmctld run here */
        HA_PROBE_CONTROL, /* is it in control (REQUEST_CONTROL_STATUS) */
        HA_PROBE_MUNGE,   /* MUNGE round trip */
        HA_PROBE_STORAGE, /* shared state folder mounted, of its type, writable */
        HA_PROBE_CONF,    /* slurm.conf readable */
        HA_PROBE_LEASE,   /* the split-brain guard: the lease is ours (renewed by the check) */
        HA_PROBE_DBD,     /* VIP holder in control: slurmdbd accepts connections at the VIP */
        HA_PROBE_COUNT,
};

enum ha_probe_state {
        HA_PROBE_SKIPPED, /* not needed, or no time left */
        HA_PROBE_OK,
        HA_PROBE_FAILED,
};

struct ha_probe {
        enum ha_probe_state state;
        int error;        /* -errno when failed */
        double ms;        /* how long it took */
        char detail[256]; /* what was seen, in words */
};

struct ha_observation {
        struct ha_probe probe[HA_PROBE_COUNT];
        bool vip_here;
        bool ctld_running;
        pid_t ctld_pid;                  /* 0 if unknown (systemd) or not running */
        bool ctld_answers;               /* the control-status call succeeded */
        struct ha_slurm_control control; /* its answer */
        uint16_t protocol;               /* the protocol version that worked */
        bool hook_running;               /* a live hook holds the lock */
        char hook_intent[32];            /* "promote", "demote", ... */
        double hook_ms;                  /* how long it has held it */
        double storage_hung_ms;          /* the storage probe hangs: since how long (else 0) */
        bool storage_stuck_new;          /* this run's storage probe got stuck and was recorded */
        bool lease_tried;                /* the storage child also renewed the lease */
        int lease_result;                /* its result: 0, -EBUSY (another holds it), ... */
        char lease_owner[64];
        unsigned long long lease_epoch;
        double renewed_ago_ms; /* since this node last granted or renewed itself the lease, under
                                  the epoch its slurmctld runs under (lease.renewed); -1: none */
        double total_ms;
};

/* Observes this host; every probe is bounded by `deadline`. Probes that cannot matter are
 * skipped (no RPC when no slurmctld runs here). Never fails: a probe that cannot run is FAILED
 * with its reason. */
void ha_observe(const struct ha_cfg *cfg, usec_t deadline, bool renew_lease,
                struct ha_observation *ret);

/* The local slurmctld as a service (systemd unit, or pid file and start command), and as an RPC
 * peer, from the configuration. */
void ha_slurmctld_svc(const struct ha_cfg *cfg, struct ha_svc *ret);
struct ha_slurm_client ha_slurmctld_client(const struct ha_cfg *cfg);

/* The probe names, for tables and log fields. */
const char *ha_probe_name(enum ha_probe_id id);

struct ha_verdict {
        bool healthy;
        bool split_brain;       /* slurmctld in control here without the VIP */
        bool grace;             /* healthy only because a hook is at work */
        enum ha_probe_id probe; /* the probe that decided an unhealthy verdict */
        bool dbd_down;          /* the dbd probe failed (unhealthy only with require_dbd) */
        char reason[320];
};

/* The check's judgement of an observation. On the VIP holder: slurmctld runs, answers and is
 * in control, MUNGE works, the shared folder is mounted and writable. On another node: ready to
 * take over (MUNGE, storage, slurm.conf) and not in control here. A promotion (on the VIP
 * holder) or a demotion in progress for less than promotion_grace is healthy. A VIP holder whose
 * slurmdbd does not answer ([check] dbd_port) is reported in dbd_down and the reason, and is
 * unhealthy only with [check] require_dbd: accounting waits in slurmctld's queue, jobs do not. */
void ha_judge(const struct ha_cfg *cfg, const struct ha_observation *o, struct ha_verdict *ret);

/* The lease holder's VRRP priority bonus. keepalived tracks "STATE_DIR/vrrp.holder"
 * (track_file, weight 150 in the keepalived.conf ha-genconf writes): "1" adds 150 to this
 * node's priority (keepalived caps it at 254), "0" nothing. Only the VIP holder whose check
 * just found slurmctld in control and renewed the lease under its epoch is a holder; any other
 * verdict, and every demotion, writes "0".
 *
 * Why: during a partition between the controllers each side elects a VRRP master, and only
 * the lease holder's promotion stood (the other side's are refused). When the partition heals
 * the two masters see each other's adverts and the lower priority one leaves. Without the
 * bonus that is decided by the configured priorities alone, and a lease holder configured
 * below the other side's master would give up the VIP, demote, and hand control over: a
 * failover nobody needed. With it, the holder's priority is above every other controller's
 * (150 + the lowest configured priority, 10, is 160; the highest configured is 150), and it
 * keeps the VIP. The bonus decides nothing else: a failing check still puts the node in
 * FAULT, and a BACKUP never preempts (nopreempt).
 * ha_holder_record(): written only when it changes, atomically (keepalived follows the
 * rename with inotify). */
int ha_holder_record(const char *state_dir, bool holder);
bool ha_holder_of(const struct ha_observation *o, const struct ha_verdict *v);

/* With `renew_lease`, ha_observe() also renews the lease (or takes it if free) in the same child
 * as the storage probe, when this node holds the VIP and its slurmctld is in control and no hook
 * is at work (the lease rules, lease.h); ha_judge() then turns the verdict unhealthy if another
 * node holds the lease (it has replaced this one, whatever the interfaces say) or the lease
 * cannot be written. */
