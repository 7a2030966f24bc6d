/* lease.h: the split-brain guard, a lease kept in the shared state folder.
 *
 * The lease is a series of generations: files named LEASE.GGGGGGGGGGGGGGGGGGGG (the lease's
 * configured path, a dot, the generation in 20 digits) in the shared folder, each one line
 * (ha_lease_format()). The highest generation is the lease. Every change (a grant, a renewal, a
 * release) writes the next generation, complete, under a temporary name, then links it to its
 * name: link(2) fails if that name exists, so of two nodes that read generation G and write
 * G+1, exactly one succeeds and the other reads again. There is no lock to break and nothing to
 * undo: a writer that was frozen for minutes and wakes up can only fail (its G+1 exists), or
 * write a generation below the highest (the older ones are removed as new ones come: such a
 * file is never the lease).
 *
 * The rules. Each is cited where the code enforces it.
 *  1. A node MUST NOT start slurmctld unless it holds the VIP and has been granted the lease
 *     (reconcile.c).
 *  2. A node MUST NOT take a lease another node holds unless that node released it, or this
 *     node has known the same generation unchanged for the lease's ttl on its own
 *     CLOCK_BOOTTIME: since it first saw it, or from the holder's own renewal times set
 *     against this node's clock (ha_lease_seen(), with the argument). No wall clock is compared
 *     across hosts: a clock minutes off, here or on the holder, neither grants early nor blocks
 *     (lease.c).
 *  3. Every grant to a new owner MUST raise the epoch; the epoch and the generation never go
 *     down. A node that saw generation G or epoch E refuses a lease below them, and a missing
 *     lease once it saw one: an old file put back, or the files removed, is an error for an
 *     administrator, never "free" (ha_lease_seen()).
 *  4. Only the holder of the epoch its running slurmctld was started under renews the lease
 *     (HA_LEASE_RENEW with that epoch), and only while it holds the VIP and its slurmctld is in
 *     control (role.c), or while a demotion stops that slurmctld with SIGTERM, up to the
 *     demotion's SIGKILL, inside the new holder's [lease] wait (reconcile.c, stop_budget()):
 *     a clean handover is not fenced however slowly slurmctld saves its state. The check takes
 *     a lease only where none was ever granted (a cluster's first start): never a released or
 *     expired one, which a promotion takes.
 *  5. A node that finds the lease moved on (another owner, or another epoch) MUST stop its
 *     slurmctld with SIGKILL, no state saved: that state is older than the new holder's
 *     (reconcile.c).
 *  6. A node MUST stop slurmctld before it releases the lease, never after (reconcile.c).
 *  7. Every read and write of the lease MUST run in a child with a deadline (child.h): the lease
 *     lives on the shared mount, which may hang. The decision is made in the child on what it
 *     read, and its write succeeds only if nobody wrote in between (link): a child that outlives
 *     its parent's deadline cannot undo a newer grant.
 *  8. Before it starts slurmctld, a node with the lease MUST see no other controller in control
 *     ([slurm] peers). One that answers in control is watched until it no longer does (its
 *     self-fence or its check stops it, rule 5); one still in control after that refuses the
 *     promotion. It is never asked to give up control (REQUEST_CONTROL): that makes it save
 *     its state, which may be older than the shared one. One that does not answer is not
 *     waited for: it is gone, or frozen, and a frozen one's slurmctld is stopped by its
 *     self-fence or its check (rule 5) when it runs again. slurmctld itself is started knowing
 *     no other controller (ha-slurmctld.conf lists this host only): as a primary it would send
 *     each one REQUEST_CONTROL, and wait 30 s on a frozen one (reconcile.c, quiet_peers()).
 *  9. With [fence] method = power, a node MUST NOT take a lease another node holds (not released)
 *     until that node has been powered off and its fence agent has confirmed it OFF (fence.h);
 *     expiry alone (rule 2) is not enough, since a frozen holder runs again when it is thawed. The
 *     generation read after the confirmation is taken at once: nothing of the holder runs to write
 *     a newer one (a write it sent before it went is ordered by link(2), rule 7's). The holder is
 *     fenced only once this node has seen its generation unchanged for [fence] after: a master's
 *     check renews every second, and a master handing over cleanly (its BACKUP hook stops
 *     slurmctld, renewing the lease, then releases) changes it at least every second until the
 *     release (rule 4). A fence that fails refuses the promotion. While this node's storage stalls
 *     (the holder's host lost stalls a replicated volume for seconds), the fence may start on this
 *     node's own record of the lease (ha_lease_seen_holder()); the lease read once the storage
 *     answers must still name the node confirmed OFF. Without fencing ([fence] method = wait) rule
 *     2 holds alone, and the guarantee is the self-fence's (guard.h): the holder kills its
 *     slurmctld by ttl - 1 s after its last renewal, if its CPU runs by then (reconcile.c,
 *     take_lease()).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"

struct ha_lease {
        char owner[64];   /* node name, "" when never held */
        uint64_t epoch;   /* raised at every grant to a new owner */
        uint64_t renewed; /* wall clock, us, when it was written: for people, never compared */
        uint64_t ttl;     /* us */
        bool released;    /* its owner gave it up */
        uint64_t gen;     /* its generation (0: no lease was ever written) */
};

enum ha_lease_op {
        HA_LEASE_READ,
        HA_LEASE_ACQUIRE, /* take it if never held, released, ours, or seen expired; else denied */
        HA_LEASE_RENEW,   /* renew it if ours under `epoch`; else lost */
        HA_LEASE_RELEASE, /* give it up if ours (under `epoch`, unless 0) */
        HA_LEASE_CLAIM,   /* take it only if no lease was ever written (the check, rule 4) */
};

struct ha_lease_req {
        enum ha_lease_op op;
        const char *node;
        usec_t ttl;
        uint64_t epoch;       /* RENEW, RELEASE: the epoch this node holds */
        uint64_t expired_gen; /* ACQUIRE: a generation seen unchanged for its ttl (rule 2) */
};

/* Does one operation on the lease at `path` (the generations LEASE.G beside it) in a child
 * bounded by `deadline` (`stuck_file` as for ha_child_run()). Fills *ret with the lease as it is
 * after the operation. Returns 0 when granted (ACQUIRE, RENEW, CLAIM), done (RELEASE, READ), or:
 *   -EBUSY      ACQUIRE or CLAIM denied: the lease is held (*ret says by whom)
 *   -ESTALE     RENEW refused: the lease is not ours under that epoch any more (*ret says whose)
 *   -ETIMEDOUT, -EALREADY: the shared folder hung (see child.h)
 *   -EBADMSG    the highest generation is unreadable garbage
 *   -EPERM, -ELOOP: a generation that may not be trusted (another owner's, a link)
 *   -errno      other file-system errors */
int ha_lease_do(const struct ha_lease_req *req, const char *path, usec_t deadline,
                const char *stuck_file, struct ha_lease *ret);

/* The same, in this process: for a caller already in a child of its own (the check does the
 * storage probe and the lease in one child). Never call it outside a child. */
int ha_lease_do_here(const struct ha_lease_req *req, const char *path, struct ha_lease *ret);

/* What this node has seen of the lease, kept in STATE_DIR/lease.seen (node-local): the
 * generation, since when (CLOCK_BOOTTIME, us) this node has seen it unchanged, and the highest
 * generation and epoch it ever saw. Updates the record with `l`, just read, and sets *ret_for
 * to how long this node has seen l->gen unchanged (0 when new to it). Returns 0, or
 * -EUCLEAN (with *ret_reason) when `l` is below what this node saw (rule 3): a lease that
 * went backwards or went missing; -errno when the record cannot be kept. */
int ha_lease_seen(const char *state_dir, const struct ha_lease *l, usec_t *ret_for,
                  const char **ret_reason);

/* What this node last saw of the lease, without reading it: the owner of the generation it
 * last saw held (not released), in `owner` (`len` bytes), and how long it has seen that
 * generation unchanged (as ha_lease_seen() counts, up to now). Returns 0, or -ENOENT when the
 * record says nothing of a held lease (none kept, another boot, the last generation seen
 * released or never granted). For a promotion that fences the holder while its storage stalls
 * (rule 9). */
int ha_lease_seen_holder(const char *state_dir, char *owner, size_t len, usec_t *ret_for);

/* The epoch the running slurmctld was started under (STATE_DIR/lease.epoch, rule 4): 0 when
 * none is recorded. set writes it (0 removes it). */
uint64_t ha_lease_epoch_get(const char *state_dir);
int ha_lease_epoch_set(const char *state_dir, uint64_t epoch);

/* The last grant or renewal this node made under `epoch`, by when it started on CLOCK_BOOTTIME
 * (STATE_DIR/lease.renewed): the generation it wrote became visible to others no earlier. The
 * self-fence (guard.h) counts from it. get returns 0, or -ENOENT when none is recorded. */
int ha_lease_renewed_set(const char *state_dir, uint64_t epoch, usec_t started);
int ha_lease_renewed_get(const char *state_dir, uint64_t *ret_epoch, usec_t *ret_started);

/* Formats and parses the one-line lease file; for tests and fuzzers. parse returns 0 or
 * -EBADMSG. The generation is the file's name, not its text. */
int ha_lease_format(const struct ha_lease *l, char *buf, size_t len);
int ha_lease_parse(const char *text, struct ha_lease *ret);
