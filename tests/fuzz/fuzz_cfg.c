/* fuzz_cfg: the hooks' INI configuration, through the loader the hooks use.
 *
 * ha_cfg_load() takes a path and refuses files that are not the caller's or root's, or that
 * group or others may write: the input goes to a private file made with mode 0600. A loaded
 * configuration must keep the promises the hooks rely on (required keys set, paths absolute,
 * the deadlines in order); a refused one must say why, naming the file. The value parsers the
 * loader uses (durations, protocol versions) also get the whole input as one value.
 */
#include "tests/fuzz/fuzz.h"

#include "common/cfg.h"
#include "common/slurmrpc.h"

#define HOUR (3600 * HA_USEC_PER_SEC)

static void check_loaded(const struct ha_cfg *cfg, const char *path)
{
        FUZZ_ASSERT(cfg->path && strcmp(cfg->path, path) == 0);
        FUZZ_ASSERT(cfg->vip.address && cfg->storage.path && cfg->storage.path[0] == '/');
        FUZZ_ASSERT(cfg->lease.path && cfg->lease.path[0] == '/');
        FUZZ_ASSERT(cfg->slurm.controller && cfg->slurm.port > 0);
        FUZZ_ASSERT(cfg->slurm.munge_socket && cfg->slurm.munge_socket[0] == '/');
        FUZZ_ASSERT(cfg->ha.state_dir && cfg->ha.state_dir[0] == '/');
        FUZZ_ASSERT(cfg->ha.node && *cfg->ha.node);
        FUZZ_ASSERT(cfg->slurm.command && cfg->slurm.command[0] && cfg->slurm.command[0][0] == '/');
        FUZZ_ASSERT(!cfg->notify.alert_command ||
                    (cfg->notify.alert_command[0] && cfg->notify.alert_command[0][0] == '/'));
        FUZZ_ASSERT(cfg->check.deadline > 0 && cfg->check.deadline < cfg->notify.deadline);
        FUZZ_ASSERT(cfg->lease.ttl > 0 && cfg->lease.wait >= cfg->lease.ttl);
        /* Every duration is positive and at most an hour (ha-slurm.conf(5)). */
        {
                const usec_t durations[] = {
                        cfg->slurm.rpc_timeout,
                        cfg->storage.timeout,
                        cfg->check.deadline,
                        cfg->check.promotion_grace,
                        cfg->lease.ttl,
                        cfg->lease.wait,
                        cfg->notify.deadline,
                        cfg->notify.stop_timeout,
                        cfg->notify.alert_timeout,
                };

                for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++)
                        FUZZ_ASSERT(durations[i] > 0 && durations[i] <= HOUR);
        }
        FUZZ_ASSERT(cfg->slurm.protocol == 0 || ha_protocol_release(cfg->slurm.protocol));
}

static void check_values(const uint8_t *data, size_t size)
{
        char *s = fuzz_strndup(data, size);
        usec_t us = 0;
        uint16_t v = 0;

        if (ha_parse_duration(s, &us) == 0)
                FUZZ_ASSERT(us <= HOUR);
        if (ha_parse_protocol(s, &v) == 0)
                FUZZ_ASSERT(v == 0 || (v >= HA_SLURM_PROTO_OLDEST && ha_protocol_release(v)));
        free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *path = fuzz_file_write(0, data, size, ".conf");
        struct ha_cfg *cfg = NULL;
        const char *error = NULL;
        int r;

        r = ha_cfg_load(path, &cfg, &error);
        if (r == 0) {
                FUZZ_ASSERT(cfg && !error);
                check_loaded(cfg, path);
                ha_cfg_free(cfg);
        } else {
                FUZZ_ASSERT(!cfg);
                FUZZ_ASSERT(r == -EINVAL || r == -ENOMEM);
                FUZZ_ASSERT(error && (r != -EINVAL || strstr(error, path)));
        }
        check_values(data, size);
        return 0;
}
