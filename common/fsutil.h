/* fsutil.h: files the programs trust, and files they write.
 *
 * The rules, for every file the programs read or write:
 *  1. A file read as trusted (configuration, state under the state folder, the lease) MUST be a
 *     regular file, owned by root (or the caller), not writable by group or others, and not a
 *     symbolic link; anything else is refused with the path and the reason, and never read.
 *  2. Opening MUST NOT block: O_NONBLOCK, so a FIFO planted in place of a file is refused by
 *     its type instead of hanging the caller.
 *  3. A file is written as a new file (O_CREAT | O_EXCL | O_NOFOLLOW: never through a planted
 *     link), given its exact mode with fchmod() (not the caller's umask: keepalived's is 0177),
 *     fsynced (not the metrics, rewritten every second: ha_fs_replace_at()), then renamed over
 *     the old one, all relative to one opened folder.
 *  4. The state folder MUST be a folder (not a link) owned by root with mode 0700: created so,
 *     refused otherwise.
 * Refusals are reported to the handler set with ha_fs_set_refusal_handler() (the programs log
 * them), once, where they happen; the functions still return -errno as usual.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Receives every refusal of an unsafe file or folder: its path and why (a static string). */
typedef void (*ha_fs_refusal_fn)(const char *path, const char *reason);

/* Sets the refusal handler (NULL: none). Returns the previous one. */
ha_fs_refusal_fn ha_fs_set_refusal_handler(ha_fs_refusal_fn fn);

/* Reports a refusal to the handler; for modules that check files themselves. */
void ha_fs_refused(const char *path, const char *reason);

/* Checks that an open file may be trusted, as doas(1) does: a regular file owned by root or by
 * the effective uid, not writable by group or others. Returns 0, or -EPERM with a reason in
 * *ret_reason (a static string). Reports nothing. */
int ha_fs_is_safe(int fd, const char **ret_reason);

/* Opens the folder that holds `path` (O_DIRECTORY, close-on-exec) and points *ret_name at the
 * last component of `path`. Returns the descriptor or -errno. */
int ha_fs_open_parent(const char *path, const char **ret_name);

/* Opens the folder `path` for *at() calls, refusing a symbolic link anywhere on the way unless
 * the folder holding that link is owned by root and not writable by group or others (so only
 * root could have made it). For a shared folder other users may write into. Returns the
 * descriptor, or -errno (-EPERM: refused, reason in *ret_reason and reported). */
int ha_fs_open_dir_nofollow(const char *path, const char **ret_reason);

/* Opens a folder the programs write into for another program to read (node_exporter's textfile
 * folder), which may be that program's user's: as ha_fs_open_dir_nofollow() (no symbolic link
 * on the way unless root made it), and refused (-EPERM, reason "a folder others may write",
 * reported) if its mode lets others (o+w) write into it. Its owner and group may write: files
 * are put there only with ha_fs_write_at() or ha_fs_replace_at(). Returns the descriptor or
 * -errno, with the reason in *ret_reason. */
int ha_fs_open_dir_shared(const char *path, const char **ret_reason);

/* Reads a small trusted file `name` in folder `dfd` (rule 1) of at most `max` bytes into a
 * NUL-terminated buffer (free() it). `path` names it in reports. Returns 0 or -errno (-ENOENT:
 * missing, not reported; -EPERM or -ELOOP: unsafe, reported; -EFBIG: larger than `max`). */
int ha_fs_read_at(int dfd, const char *name, const char *path, size_t max, char **ret,
                  const char **ret_reason);

/* Reads `fd` from where it stands to its end into a new NUL-terminated buffer (*ret, the
 * caller frees it; its length, which may count NUL bytes, in *ret_len if not NULL). Returns 0,
 * -EFBIG (more than `max` bytes: "larger than expected"), -ENOMEM or -errno of read(2), with the
 * reason; a buffer given up is wiped first (it may hold a secret). Does not close `fd`. */
int ha_fs_read_fd(int fd, size_t max, char **ret, size_t *ret_len, const char **ret_reason);

/* The same by path (relative to its folder, opened first). */
int ha_fs_read_small(const char *path, size_t max, char **ret, const char **ret_reason);

/* Reads a small file that holds a secret (a fence agent's password): as ha_fs_read_small(), and
 * refused unless it is owned by root (not merely by the caller) and neither group nor others
 * have any permission on it (mode 0600 or 0400). *ret_len (may be NULL) is the length read (the
 * file may hold a NUL byte). The buffer holds the secret: the caller wipes
 * it (explicit_bzero()) before free(). Returns 0 or -errno (-EPERM: refused, reason in
 * *ret_reason and reported). */
int ha_fs_read_secret(const char *path, size_t max, char **ret, size_t *ret_len,
                      const char **ret_reason);

/* Reads a small file that another user may own (a pid file written by SlurmUser): a regular
 * file, not a link, opened without blocking, at most `max` bytes. The caller must check what
 * the contents point at. Returns 0 or -errno as above. */
int ha_fs_read_untrusted(const char *path, size_t max, char **ret);

/* Replaces `name` in folder `dfd` atomically with `data` (rule 3), through the temporary file
 * `tmp_name` in the same folder (a leftover of a killed run is removed first). Returns 0 or
 * -errno. */
int ha_fs_write_at(int dfd, const char *name, const char *tmp_name, const void *data, size_t len,
                   mode_t mode);

/* Creates `name` in folder `dfd` with `data`, complete or not at all, only if nothing is there:
 * written and synced through `tmp_name`, then linked to `name` (link(2) fails with -EEXIST when
 * the name exists, on every node of a shared file system at once). The temporary file is
 * removed in every case. */
int ha_fs_create_at(int dfd, const char *name, const char *tmp_name, const void *data, size_t len,
                    mode_t mode);

/* As ha_fs_write_at(), without the fsync: for a file rewritten every second that the next run
 * writes again after a crash (the metrics), where a disk flush a second would buy nothing. */
int ha_fs_replace_at(int dfd, const char *name, const char *tmp_name, const void *data, size_t len,
                     mode_t mode);

/* The same by path, through "PATH.tmp.PID": a reader sees the old file or the new one, never a
 * part. Never follows a symbolic link. Returns 0 or -errno. */
int ha_fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* The state folder (rule 4): created with mode 0700 if missing; refused unless it is a folder,
 * not a link, owned by root (or us). One of ours that group or others may access is set to 0700
 * (returns 1, with what was done in *ret_reason). Returns 0, 1 or -errno (-EPERM, -ENOTDIR:
 * refused), with the reason in *ret_reason. Reports nothing: the programs check it once at start
 * and say so themselves. */
int ha_fs_state_dir(const char *path, const char **ret_reason);
