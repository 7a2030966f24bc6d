/* render.h: the configuration files of one host, rendered in memory from a checked model.
 *
 * Nothing here touches the file system: every file of a host is rendered (and checked, for the
 * few limits only the rendered text shows) before any is written.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "common/cfg.h"
#include "genconf/buf.h"
#include "genconf/model.h"

/* Where the files go on a host; the rendered files name each other by these paths.
 * keepalived.conf gives the hooks the path they would read anyway (/etc/ha-slurm), and
 * ha-slurm.conf the fence options files in its folder's fence/ (GC_FENCE_SUBDIR). */
#define GC_SLURM_DIR    "/etc/slurm"
#define GC_HA_CONF      HA_CFG_DEFAULT_PATH
#define GC_FENCE_SUBDIR "fence"
#define GC_FENCE_DIR    HA_SYSCONFDIR "/" GC_FENCE_SUBDIR
#define GC_SLURMCTLD    "/usr/sbin/slurmctld"
/* Five files, and an options file per other Slurm controller (MAX_CONTROLLERS - 1). */
#define GC_MAX_FILES    (5 + 14)
#define GC_INI_LINE_MAX 190 /* the distribution's libinih cuts longer lines */

struct gc_file {
        /* File name, "slurm.conf"; or "fence/NODE.conf", in the output folder's subfolder
         * GC_FENCE_SUBDIR (mode 0700). */
        const char *name;
        char *owned_name; /* name, when it was allocated: freed by gc_files_free() */
        mode_t mode;
        struct gc_buf text;
};

/* Renders every file `host` needs into files[0..*ret_n). `db_password` is needed only when the
 * host runs slurmdbd (gc_runs_slurmdbd()); it may be NULL otherwise. `fence_passwords` are
 * those of gc_fence_passwords() for this host (NULL without power fencing). Returns 0; -EINVAL
 * with problems recorded (an unknown host, a line too long); -ENOMEM. Free the files with
 * gc_files_free() in any case. */
int gc_render_host(const struct gc_model *m, const char *host, const char *db_password,
                   char *const *fence_passwords, struct gc_file files[GC_MAX_FILES], size_t *ret_n,
                   struct gc_problems *problems);

void gc_files_free(struct gc_file *files, size_t n);
