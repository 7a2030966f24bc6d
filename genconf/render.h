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
 * keepalived.conf gives the hooks the path they would read anyway (/etc/ha-slurm). */
#define GC_SLURM_DIR    "/etc/slurm"
#define GC_HA_CONF      HA_CFG_DEFAULT_PATH
#define GC_SLURMCTLD    "/usr/sbin/slurmctld"
#define GC_MAX_FILES    5
#define GC_INI_LINE_MAX 190 /* the distribution's libinih cuts longer lines */

struct gc_file {
        const char *name; /* file name, "slurm.conf" */
        mode_t mode;
        struct gc_buf text;
};

/* Renders every file `host` needs into files[0..*ret_n). `db_password` is needed only when the
 * host runs slurmdbd (gc_runs_slurmdbd()); it may be NULL otherwise. Returns 0; -EINVAL with
 * problems recorded (an unknown host, a line too long); -ENOMEM. Free the files with
 * gc_files_free() in any case. */
int gc_render_host(const struct gc_model *m, const char *host, const char *db_password,
                   struct gc_file files[GC_MAX_FILES], size_t *ret_n, struct gc_problems *problems);

void gc_files_free(struct gc_file *files, size_t n);
