/* child.h: work that may hang, done in a child process with a deadline.
 *
 * A hung GlusterFS or NFS mount blocks every process that touches it, in the kernel, where no
 * timer reaches. So anything that touches the shared state folder runs in a child: the parent
 * waits for its answer until the deadline and then goes on without it. The child is not
 * killed (on a hung mount it may not die anyway): it is recorded in a "stuck file", and later
 * runs see it still stuck and report "hung since ..." at once instead of starting another child
 * that would hang too. When the mount recovers, the child finishes and the record is cleared.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "common/clock.h"

/* The work: runs in the child, writes at most `max` bytes of answer into `out` and returns how
 * many (or -errno, passed to the parent as the result). */
typedef ssize_t (*ha_child_fn)(void *arg, void *out, size_t max);

/* Runs `fn` in a child and waits for its answer until `deadline`. Returns the child's result
 * (its answer's length in bytes, copied into `out`, or its -errno), or:
 *   -ETIMEDOUT  no answer in time; the child is left running and recorded in `stuck_file`
 *   -EALREADY   a child recorded in `stuck_file` is still running: nothing was started, and
 *               *ret_stuck_since (may be NULL) is when that child was started (wall clock, us)
 * `stuck_file` may be NULL (no record is kept). */
ssize_t ha_child_run(ha_child_fn fn, void *arg, void *out, size_t max, usec_t deadline,
                     const char *stuck_file, usec_t *ret_stuck_since);
