/* fsutil.h: files the programs trust, and files they write. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Checks that an open file may be trusted, as doas(1) does: a regular file owned by root or by
 * the effective uid, not writable by group or others. Returns 0, or -EPERM with a reason in
 * *ret_reason (a static string). */
int ha_fs_is_safe(int fd, const char **ret_reason);

/* Reads a small trusted file (ha_fs_is_safe()) of at most `max` bytes into a NUL-terminated
 * buffer (free() it). Symbolic links are refused. Returns 0 or -errno (-EPERM: unsafe, -EFBIG:
 * larger than `max`). */
int ha_fs_read_small(const char *path, size_t max, char **ret, const char **ret_reason);

/* Replaces `path` atomically with `data`: a new file in the same folder, written, fsynced, given
 * `mode`, then renamed over the old one; a reader sees the old file or the new one, never a part.
 * Never follows a symbolic link. Returns 0 or -errno. */
int ha_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Creates the folder `path` (not its parents) with `mode` if missing. An existing folder must be
 * safe as above (owned by root or us, not writable by group or others). Returns 0 or -errno. */
int ha_fs_ensure_dir(const char *path, mode_t mode, const char **ret_reason);
