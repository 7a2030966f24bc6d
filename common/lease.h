/* lease.h: the split-brain guard, a lease kept in the shared state folder.
 *
 * The rules (also in lease.c):
 *  1. A node MUST NOT start slurmctld unless it holds the VIP and has been granted the lease.
 *  2. A node MUST NOT take a lease another node holds, unless that node released it or did
 *     not renew it for `ttl`.
 *  3. Every grant to a new owner MUST raise the epoch; the epoch never goes down.
 *  4. The holder MUST renew the lease only while it holds the VIP and its slurmctld is
 *     healthy and in control (the check renews it, every `interval`, well inside `ttl`).
 *  5. A node that finds the lease held by another owner MUST stop its own slurmctld: it has
 *     been replaced, whatever its interfaces say.
 *  6. A node MUST stop slurmctld before it releases the lease, never after.
 *  7. The controllers' clocks MUST agree to well within `ttl` (NTP): renewal times are wall
 *     clock, compared on another node.
 *  8. Every read and write of the lease MUST run in a child with a deadline (child.h): the lease
 *     lives on the shared mount, which may hang.
 * The lease file is replaced atomically (rename), under a lock file made with O_EXCL, so two
 * nodes acquiring at once cannot both win.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"

struct ha_lease {
        char owner[64];   /* node name, "" when never held */
        uint64_t epoch;   /* raised at every grant to a new owner */
        uint64_t renewed; /* wall clock, us, of the last grant, renewal or release */
        uint64_t ttl;     /* us */
        bool released;    /* its owner gave it up */
};

enum ha_lease_op {
        HA_LEASE_READ,
        HA_LEASE_ACQUIRE, /* take it if free, expired, released, or ours; else denied */
        HA_LEASE_RENEW,   /* renew it if ours; else lost */
        HA_LEASE_RELEASE, /* give it up if ours */
};

/* Does one operation on the lease file `path` for node `node`, in a child bounded by
 * `deadline` (`stuck_file` as for ha_child_run()). Fills *ret with the lease as it is after the
 * operation. Returns 0 when granted (ACQUIRE, RENEW), done (RELEASE, READ), or:
 *   -EBUSY      ACQUIRE denied: another node holds it (*ret says who and since when)
 *   -ESTALE     RENEW refused: the lease is not ours any more (*ret says whose)
 *   -ETIMEDOUT, -EALREADY: the shared folder hung (see child.h)
 *   -EBADMSG    the lease file is unreadable garbage
 *   -errno      other file-system errors */
int ha_lease_do(enum ha_lease_op op, const char *path, const char *node, usec_t ttl,
                usec_t deadline, const char *stuck_file, struct ha_lease *ret);

/* The same, in this process: for a caller already in a child of its own (the check does the
 * storage probe and the lease renewal in one child). Never call it outside a child. */
int ha_lease_do_here(enum ha_lease_op op, const char *path, const char *node, usec_t ttl,
                     struct ha_lease *ret);

/* Whether a lease has expired at wall-clock time `now` (us). */
bool ha_lease_expired(const struct ha_lease *l, uint64_t now);

/* Formats and parses the one-line lease file; for tests and fuzzers. parse returns 0 or
 * -EBADMSG. */
int ha_lease_format(const struct ha_lease *l, char *buf, size_t len);
int ha_lease_parse(const char *text, struct ha_lease *ret);
