/* reason.h: how a call into common/ says why it failed (CONTRIBUTING.md, "Errors").
 *
 * A function returns 0 (or a count) on success and -errno on failure. One that can say more
 * than the errno takes `const char **ret_reason` as its last parameter and, on failure, points
 * it at a short phrase ("not owned by root", "slurmctld.service ended as \"failed\""): a string
 * literal, or text made by ha_reason(). The caller never frees it, and logs or copies it before
 * its next call into common/: ha_reason() reuses its storage.
 */
#pragma once

/* Formats a reason into this process's reason storage and returns it. Its arguments may be an
 * earlier reason (the storage alternates between two buffers). For the program's own thread:
 * helper threads (mungeauth.c) leave their words to it. */
const char *ha_reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets *ret_reason (if `ret_reason` is not NULL) to `reason`, and returns `r`: for
 * "return ha_fail(ret_reason, "not a folder", -ENOTDIR);". */
int ha_fail(const char **ret_reason, const char *reason, int r);
