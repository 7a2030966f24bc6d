/* output.h: writing a rendered file into the output folder, only when it changes.
 *
 * A file whose content and mode are already right is left alone (running twice changes nothing
 * the second time). Otherwise the new content goes to a temporary file in the same folder,
 * written, fsynced, given its mode and renamed over the old one (ha_fs_write_at()); the old
 * content is first kept as NAME.bak, written the same way.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

enum gc_write_result {
        GC_UNCHANGED,  /* same content and mode */
        GC_MODE_FIXED, /* same content; the mode was set */
        GC_CREATED,    /* there was no such file */
        GC_REPLACED,   /* the old content is in NAME.bak */
};

/* Reads the regular file open on `fd` whole (-EFBIG past `max` bytes), NUL-terminated, and
 * closes `fd`: *ret (free() it), *ret_len, and *ret_mode (its permission bits) unless NULL.
 * Returns 0 or -errno (-EINVAL for a file that is not regular). */
int gc_read_fd(int fd, size_t max, char **ret, size_t *ret_len, mode_t *ret_mode);

/* Writes `data` as `name` in the output folder `dfd` with `mode`. Returns 0 with what was done
 * in *ret, or -errno with the failed step in *ret_step (a static string: "read the old file",
 * ...). A symbolic link or anything but a regular file at the name is refused (-ELOOP,
 * -EINVAL). */
int gc_write_file(int dfd, const char *name, const char *data, size_t len, mode_t mode,
                  enum gc_write_result *ret, const char **ret_step);

/* Creates the output folder `dir` (mode 0755) if missing and opens it: no symbolic link on the
 * way unless only root could have made it (ha_fs_open_dir_nofollow()), owned by root or the
 * caller, not writable by group or others (others could swap a file ha-genconf just checked).
 * Returns the descriptor, or -errno with the reason in *ret_reason. */
int gc_open_output_dir(const char *dir, const char **ret_reason);

/* What gc_open_private_dir() did to the folder. */
enum gc_dir_result {
        GC_DIR_UNCHANGED,  /* there, mode 0700 */
        GC_DIR_MODE_FIXED, /* there; its mode was set to 0700 */
        GC_DIR_CREATED,
};

/* Creates the folder `name` in the output folder `dfd` (mode 0700: the files in it hold
 * secrets) if missing, and opens it: not a symbolic link, owned by root or the caller, not
 * writable by group or others (refused: another user may have put files in it); a folder that
 * is merely readable by others has its mode set to 0700. Returns the descriptor with what was
 * done in *ret, or -errno with the reason in *ret_reason. */
int gc_open_private_dir(int dfd, const char *name, enum gc_dir_result *ret,
                        const char **ret_reason);

/* Makes the renames in the output folder `dfd` durable (fsync of the folder). Returns 0 or
 * -errno. */
int gc_sync_dir(int dfd);
