/* fuzz_genconf: ha-genconf's cluster YAML file, loaded and rendered in memory.
 *
 * gc_load() reads a path: the input goes to a private file. A file it accepts is rendered for
 * every controller and for one compute node, as `ha-genconf --check` does, and nothing is
 * written. What it refuses must carry at least one problem. The hooks must accept the
 * ha-slurm.conf rendered for a controller (ha_cfg_load()), unless the Slurm user it names does
 * not exist on this machine. ${VAR} references may name the variables set below.
 */
#include "tests/fuzz/fuzz.h"

#include <pwd.h>

#include "common/cfg.h"
#include "genconf/model.h"
#include "genconf/render.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        /* The variables the golden scenarios use. */
        (void)setenv("VRRP_PASS", "fuzz-vrrp", 1);
        (void)setenv("MARIADB_ROOT_PASSWORD", "fuzz-root", 1);
        (void)setenv("SLURM_DB_PASS", "fuzz-db", 1);
        (void)setenv("GENCONF_DB_PASSWORD_FILE", "/etc/ha-slurm/db-password", 1);
        return 0;
}

/* Whether the hooks could look up `user` here: a uid, or a name this machine knows. */
static int user_known(const char *user)
{
        char *end;

        (void)strtoul(user, &end, 10);
        return (*user && !*end) || getpwnam(user);
}

static void check_hooks_accept(const struct gc_model *m, const struct gc_file *f)
{
        struct ha_cfg *cfg = NULL;
        const char *error = NULL, *path;
        int r;

        if (!m->slurm_user.s || !user_known(m->slurm_user.s))
                return;
        path = fuzz_file_write(1, f->text.data, f->text.len, ".conf");
        r = ha_cfg_load(path, &cfg, &error);
        if (r < 0)
                fprintf(stderr, "ha-slurm.conf refused by the hooks:\n%s\n--- the file:\n%s\n",
                        error ? error : "?", f->text.data);
        FUZZ_ASSERT(r == 0);
        ha_cfg_free(cfg);
}

static void render(const struct gc_model *m, const char *host)
{
        struct gc_problems problems = {0};
        struct gc_file files[GC_MAX_FILES];
        char **fence = calloc(m->n_controllers ? m->n_controllers : 1, sizeof(*fence));
        size_t n = 0;
        int r;

        /* A fence password for every controller that names one (never read from the file or
         * the environment here). */
        FUZZ_ASSERT(fence);
        for (size_t i = 0; i < m->n_controllers; i++)
                if (m->controllers[i].fence_password_env.set ||
                    m->controllers[i].fence_password_file.set)
                        fence[i] = "fuzz-bmc";
        r = gc_render_host(m, host, "fuzz-db", fence, files, &n, &problems);
        free(fence);
        FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM);
        FUZZ_ASSERT(r != -EINVAL || problems.n > 0);
        FUZZ_ASSERT(n <= GC_MAX_FILES);
        for (size_t i = 0; i < n && r == 0; i++) {
                FUZZ_ASSERT(files[i].name && files[i].text.data);
                FUZZ_ASSERT(strlen(files[i].text.data) == files[i].text.len);
                if (strcmp(files[i].name, "ha-slurm.conf") == 0)
                        check_hooks_accept(m, &files[i]);
        }
        gc_files_free(files, n);
        gc_problems_free(&problems);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *path = fuzz_file_write(0, data, size, ".yaml");
        struct gc_problems problems = {0};
        struct gc_model *m = NULL;
        FILE *null;
        int r;

        r = gc_load(path, &m, &problems);
        if (r < 0) {
                FUZZ_ASSERT(!m);
                FUZZ_ASSERT(problems.n > 0 || problems.out_of_memory);
                /* Printing sorts and formats every problem: exercise it too. */
                null = fopen("/dev/null", "w");
                if (null) {
                        gc_problems_print(&problems, path, null);
                        (void)fclose(null);
                }
                gc_problems_free(&problems);
                return 0;
        }
        FUZZ_ASSERT(m && problems.n == 0);
        for (size_t i = 0; i < m->n_controllers; i++) {
                FUZZ_ASSERT(m->controllers[i].hostname.s);
                render(m, m->controllers[i].hostname.s);
        }
        if (m->n_computes > 0)
                render(m, m->computes[0].hostname.s);
        gc_model_free(m);
        gc_problems_free(&problems);
        return 0;
}
