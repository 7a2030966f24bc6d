/* mungeauth.h: MUNGE credentials with deadlines.
 *
 * libmunge has no timeout of its own (EMUNGE_TIMEOUT is "NOT USED"): a munged that is stopped
 * with SIGSTOP, or wedged, leaves a caller blocked forever. Each call here runs libmunge in a
 * thread and waits for it until the deadline; on time-out the thread is abandoned (it frees its
 * own memory if it ever returns) and the caller gets -ETIMEDOUT. The programs are short-lived,
 * so an abandoned thread ends with the process.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "common/clock.h"

/* Encodes `payload` into a credential that only `uid_restriction` (and root) may decode, through
 * munged at `socket`. Stores the credential in *ret_cred (free() it) and returns 0, or returns
 * -errno: -ETIMEDOUT past the deadline, -ECONNREFUSED if munged cannot be reached, -EIO for
 * other MUNGE errors. On failure *ret_reason (may be NULL) gets MUNGE's own message
 * (reason.h). */
int ha_munge_encode(const char *socket, uid_t uid_restriction, const void *payload, size_t len,
                    usec_t deadline, char **ret_cred, const char **ret_reason);

/* Decodes `cred`. Stores the payload in *ret_payload (free() it; may be NULL when empty), its
 * length in *ret_len and the encoding uid in *ret_uid, and returns 0; or returns -ETIMEDOUT,
 * -ECONNREFUSED (munged unreachable), -EACCES (credential invalid, expired, replayed or not
 * for us), -EIO (other), with MUNGE's message in *ret_reason. */
int ha_munge_decode(const char *socket, const char *cred, usec_t deadline, void **ret_payload,
                    size_t *ret_len, uid_t *ret_uid, const char **ret_reason);

/* A round trip: encodes a random payload, decodes it, and checks that the payload and the uid
 * came back unchanged. Returns 0 or -errno as above (-EBADMSG if something came back changed),
 * with a reason in *ret_reason. */
int ha_munge_selftest(const char *socket, usec_t deadline, const char **ret_reason);
