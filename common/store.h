/* store.h: the shared state folder (Slurm's StateSaveLocation, on GlusterFS or NFS).
 *
 * Two looks at it. The mount table (/proc/self/mountinfo, which never touches the file system
 * itself) says whether the folder is on the expected mount, of the expected type, and whether
 * that is read-only. Then a child process (see child.h) stats the folder and writes, fsyncs,
 * reads back and removes a probe file, with a deadline: a hung mount fails the probe on time.
 */
#pragma once

#include <stddef.h>

#include "common/clock.h"

struct ha_store {
        const char *path;        /* the folder; canonical (no symbolic links, no "..") */
        const char *fstype;      /* expected type ("fuse.glusterfs"), or NULL for any */
        const char *mount_point; /* expected mount point, or NULL: any but "/" */
        const char *node;        /* this node's name, for the probe file's name */
};

/* The mount holding `path`, from /proc/self/mountinfo. Fills mount point and type (as mounted:
 * "fuse.glusterfs", "nfs4", ...) and *ret_ro. Returns 0, -ENOENT if no mount holds it (not
 * possible unless /proc is odd), or -errno. */
int ha_store_mount_of(const char *path, char *ret_mount_point, size_t mp_len, char *ret_fstype,
                      size_t type_len, int *ret_ro);

/* Checks, from the mount table only, that the folder is on the expected mount, of the expected
 * type, and not read-only. Returns 0, or -ENOTCONN (not mounted), -EMEDIUMTYPE (another type),
 * -EROFS (read-only), with *ret_reason (reason.h). */
int ha_store_check_mount(const struct ha_store *s, const char **ret_reason);

/* The probe proper, which touches the folder and so may hang: run it in a child (child.h).
 * Opens the folder (no link planted on the way: fsutil.h), then creates (O_EXCL, after removing
 * whatever has that name: never through a planted link or FIFO), writes, fsyncs, reads back and
 * removes a probe file named after `node`. Returns 0 or -errno, with the step that failed in
 * *ret_step. */
int ha_store_write_probe(const char *path, const char *node, const char **ret_step);
