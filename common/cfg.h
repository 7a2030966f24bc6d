/* cfg.h: the hooks' configuration file, /etc/ha-slurm/ha-slurm.conf by default.
 *
 * An INI file read with libinih, strictly: an unknown section or key, a key given twice, a value
 * of the wrong kind and a missing required key are all errors, each reported as
 * "FILE:LINE: [section] key: what is wrong". A file that is not owned by root (or the caller) or
 * that group or others may write is refused before it is read, as doas(1) does. See
 * ha-slurm.conf(5) for every key.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/clock.h"

/* HA_SYSCONFDIR is /etc/ha-slurm (CMakeLists.txt): where install.sh and the package put it. */
#define HA_CFG_DEFAULT_PATH HA_SYSCONFDIR "/ha-slurm.conf"

/* The most [fence NODE] sections: one per other controller (genconf allows 15 controllers). */
#define HA_CFG_FENCE_MAX 16

enum ha_fencing {
        HA_FENCING_AUTO,  /* unset: power when any [fence NODE] section is given, else wait */
        HA_FENCING_WAIT,  /* wait for the holder's lease to expire (its self-fence, guard.h) */
        HA_FENCING_POWER, /* power the holder off through its fence agent first (fence.h) */
};

/* A [fence NODE] section: how to power off controller NODE. */
struct ha_cfg_fence_node {
        char *node;          /* its name, as it writes it in the lease ([ha] node) */
        char *agent;         /* the fence agent, an absolute path */
        char *options;       /* root's 0600 file: the agent's key=value options */
        unsigned line;       /* the section's first line, for errors */
        unsigned agent_line; /* where each key was set, 0 if not */
        unsigned options_line;
};

struct ha_cfg {
        char *path; /* the file this was read from */

        struct {
                char *controller;   /* local slurmctld address, as the hooks reach it */
                uint16_t port;      /* SlurmctldPort */
                uid_t uid;          /* SlurmUser: credentials are restricted to this uid */
                uint16_t protocol;  /* wire protocol version; 0: auto (slurmrpc.h) */
                char *munge_socket; /* AuthInfo socket= */
                usec_t rpc_timeout; /* one RPC, connect to reply */
                char *conf;         /* slurm.conf, read by the check for readability */
                char *unit;         /* systemd unit of slurmctld */
                char *pid_file;     /* SlurmctldPidFile, without systemd */
                char **command;     /* how to start slurmctld without systemd (argv) */
                char **peers;       /* the other controllers' addresses; may be NULL */
        } slurm;

        struct {
                char *state_dir;     /* runtime state: protocol cache, locks, verdicts */
                char *node;          /* this node's name; default: the short host name */
                int service_manager; /* enum ha_svc_manager */
        } ha;

        struct {
                char *address;   /* the virtual IP slurmctld follows */
                char *interface; /* where keepalived puts it; NULL: any interface */
        } vip;

        struct {
                char *path;        /* StateSaveLocation, on the shared mount */
                char *fstype;      /* expected file-system type; NULL: any */
                char *mount_point; /* expected mount point; NULL: any but "/" */
                usec_t timeout;    /* the probe's own limit */
                usec_t grace;      /* a hang tolerated on a standby, waited for by a promotion */
        } storage;

        struct {
                usec_t deadline;        /* the whole check, below keepalived's script timeout */
                usec_t promotion_grace; /* healthy while a promotion runs, at most this long */
                uint16_t dbd_port;      /* slurmdbd's DbdPort at the VIP; 0: not probed */
                bool require_dbd;       /* a VIP holder whose slurmdbd does not answer fails */
        } check;

        struct {
                char *path;  /* the lease file; default: ha-slurm.lease in the storage path */
                usec_t ttl;  /* a lease not renewed for this long has expired */
                usec_t wait; /* how long a promotion waits for another node's lease */
        } lease;

        struct {
                usec_t deadline;      /* a whole hook run */
                usec_t stop_timeout;  /* SIGTERM to SIGKILL, stopping a daemon directly */
                char **followers;     /* services that follow the VIP, started after slurmctld */
                char **before_ctld;   /* followers started before slurmctld: it needs them */
                char **alert_command; /* run by ha-notify-fault, with a deadline; may be NULL */
                usec_t alert_timeout; /* the alert command's deadline */
        } notify;

        struct {
                int method;     /* enum ha_fencing, never AUTO once loaded */
                usec_t after;   /* a holder's lease unchanged this long: fence it */
                usec_t timeout; /* one fence: the agent's off and its status until OFF */
                struct ha_cfg_fence_node node[HA_CFG_FENCE_MAX];
                size_t n_nodes;
        } fence;

        struct {
                char *textfile; /* node_exporter textfile (*.prom); NULL: no metrics */
                usec_t timeout; /* writing it, in a child: never holds up a check or hook */
        } metrics;
};

/* Reads and validates `path`. On success stores a new configuration in *ret (free it with
 * ha_cfg_free()) and returns 0. On failure returns -errno with *ret_reason (reason.h); *ret is
 * untouched. -EPERM: the file is unsafe (owner or mode), reason "refused: WHY"; -EINVAL: its
 * contents are wrong, reason "N problems:" and then every problem, one per line, naming the
 * file, line and key; -ENOMEM; other errors from open(2). */
int ha_cfg_load(const char *path, struct ha_cfg **ret, const char **ret_reason);

/* Frees a configuration from ha_cfg_load(). NULL is allowed. */
void ha_cfg_free(struct ha_cfg *cfg);

/* The [fence NODE] section for `node`, or NULL. */
const struct ha_cfg_fence_node *ha_cfg_fence_node(const struct ha_cfg *cfg, const char *node);

/* Parses a duration such as "500ms", "2s" or "1.5s" into microseconds. Returns 0 or -EINVAL. */
int ha_parse_duration(const char *s, usec_t *ret);

/* Whether `name` is one of the NULL-terminated `names` (which may be NULL). */
bool ha_cfg_name_in(char *const *names, const char *name);

/* Parses a Slurm release ("22.05" to "26.05") or a raw protocol number ("38" to "45", or the
 * header value 9728 and up) into the header's protocol version, or "auto" into 0. */
int ha_parse_protocol(const char *s, uint16_t *ret);

/* The Slurm release ("24.11") for a protocol version, or NULL if unknown. */
const char *ha_protocol_release(uint16_t version);
