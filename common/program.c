/* program.c: the first steps the check and the hooks share. */
#include "common/program.h"

#include <errno.h>
#include <string.h>

#include "common/cfg.h"
#include "common/fsutil.h"
#include "common/log.h"

int ha_program_load_cfg(const char *path, struct ha_cfg **ret)
{
        const char *reason = NULL;
        int r;

        r = ha_cfg_load(path, ret, &reason);
        if (r < 0) {
                ha_log_event(LOG_ERR, HA_MID_CONFIG, NULL, "Failed to load '%s': %s", path,
                             reason ? reason : strerror(-r));
                return r == -ENOMEM ? HA_EXIT_SYSTEM : HA_EXIT_CONFIG;
        }
        return HA_EXIT_OK;
}

int ha_program_state_dir(const char *path)
{
        const char *reason = "";
        int r;

        r = ha_fs_state_dir(path, &reason);
        if (r == -EPERM || r == -ENOTDIR)
                ha_log_refusal(path, reason);
        else if (r < 0)
                ha_log_event(LOG_ERR, HA_MID_SYSTEM, NULL,
                             "Failed to use the state folder '%s': %s: %s", path, reason,
                             strerror(-r));
        else if (r > 0)
                ha_log_event(LOG_WARNING, HA_MID_SYSTEM, NULL, "state folder '%s': %s", path,
                             reason);
        return r < 0 ? HA_EXIT_SYSTEM : HA_EXIT_OK;
}

int ha_program_option(int opt, const char *program, void (*usage)(FILE *f))
{
        switch (opt) {
        case 'h':
                usage(stdout);
                return HA_EXIT_OK;
        case 'V':
                printf("%s (%s) %s\n", program, HA_PACKAGE, HA_VERSION);
                return HA_EXIT_OK;
        default:
                usage(stderr);
                return HA_EXIT_CONFIG;
        }
}
