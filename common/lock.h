/* lock.h: one hook at a time on this host, and what that hook is doing.
 *
 * keepalived runs notify scripts fire and forget: a MASTER hook may still run when the BACKUP
 * hook starts. Each hook takes an exclusive flock(2) on STATE_DIR/hook.lock (waiting, with a
 * deadline) before it looks at anything, and writes what it is doing ("promote", "demote") to
 * STATE_DIR/hook.intent while it holds the lock. The check reads the intent to give a promotion
 * in progress its grace. The kernel drops the lock when a hook dies, however it dies.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "common/clock.h"
#include "common/proc.h"

/* Takes the hook lock in `state_dir`, waiting until `deadline`. Stores the locked descriptor in
 * *ret_fd and returns 0, or -ETIMEDOUT, or -errno. */
int ha_lock_take(const char *state_dir, usec_t deadline, int *ret_fd);

/* Records what the lock holder is doing ("promote", "demote", ...); "" clears the record. */
int ha_lock_set_intent(const char *state_dir, const char *intent);

/* Releases the lock (clearing the intent first). */
void ha_lock_release(const char *state_dir, int fd);

/* If a live hook holds the lock, stores its intent (at most `len` bytes) and since when it has
 * held it (monotonic, us), and returns true. A record left by a hook that died is ignored. */
bool ha_lock_holder(const char *state_dir, char *ret_intent, size_t len, usec_t *ret_since);

/* Parses the intent record, "INTENT PID START SINCE\n" (INTENT in lowercase letters, shorter
 * than `len`; the rest as ha_proc_record_parse() takes it): 0 with the intent copied into
 * `ret_intent` and the process in *ret, or -EBADMSG. */
int ha_lock_intent_parse(const char *text, char *ret_intent, size_t len,
                         struct ha_proc_record *ret);
