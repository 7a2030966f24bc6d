/* ha-genconf: the cluster's YAML file in, every configuration file one host needs out.
 *
 * For a controller: slurm.conf (the view of clients, without itself), ha-slurmctld.conf (itself
 * first: the file the hooks start slurmctld with), keepalived.conf, the hooks' ha-slurm.conf,
 * slurmdbd.conf where slurmdbd runs, and with power fencing fence/NODE.conf, the options of
 * each other controller's fence agent (mode 0600, in a folder of mode 0700). For a compute
 * node: slurm.conf. The whole file is checked first and every problem reported,
 * "FILE:LINE:COLUMN: field: what"; then every file is rendered in memory; only then is
 * anything written, each file atomically and only if it changes, the previous one kept as
 * FILE.bak.
 *
 * Exit status (common/program.h):
 *   0  done (or, with --check, the file is valid)
 *   2  usage or configuration error: the cluster file (or a file it names) is missing, refused
 *      or wrong, or --host names no host; every problem is printed, nothing is written
 *   3  system error: the output folder is refused, a file cannot be written, out of memory
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/program.h"
#include "genconf/model.h"
#include "genconf/output.h"
#include "genconf/render.h"

static void usage(FILE *f)
{
        fprintf(f,
                "Usage: ha-genconf --config FILE --host NAME --output-dir DIR\n"
                "       ha-genconf --config FILE --check [--host NAME]\n"
                "Turns the cluster's YAML file into the configuration files of one host:\n"
                "slurm.conf, ha-slurmctld.conf, keepalived.conf, ha-slurm.conf, slurmdbd.conf\n"
                "and fence/NODE.conf for a controller, slurm.conf for a compute node.\n\n"
                "Options:\n"
                "  -c, --config FILE      the cluster's YAML file (for example\n"
                "                         %s/cluster.yaml)\n"
                "  -H, --host NAME        the host to write files for\n"
                "  -o, --output-dir DIR   where to write them (created if missing)\n"
                "  -n, --check            check the file (and render NAME's files) only\n"
                "  -h, --help             print this help and exit\n"
                "  -V, --version          print the version and exit\n\n"
                "Exit status:\n"
                "  0  done (with --check: the file is valid)\n"
                "  2  usage or configuration error: the cluster file is missing, refused or\n"
                "     wrong (every problem printed, nothing written)\n"
                "  3  system error: the output folder is refused, a file cannot be written,\n"
                "     out of memory\n\n"
                "See ha-genconf(8) and ha-slurm-cluster.yaml(5).\n",
                HA_SYSCONFDIR);
}

/* Reads the database password when some host of `hosts` runs slurmdbd. */
static int password_for(const struct gc_model *m, const struct gc_controller *const *hosts,
                        size_t n, char **ret, struct gc_problems *problems)
{
        *ret = NULL;
        for (size_t i = 0; i < n; i++)
                if (hosts[i] && gc_runs_slurmdbd(m, hosts[i]))
                        return gc_db_password(m, ret, problems);
        return 0;
}

/* Renders every file of every host (--check without --host): problems show without writing.
 * Stops at the first host with a problem, since the others would repeat it. */
static int render_all(const struct gc_model *m, const char *password, char *const *fence,
                      struct gc_problems *problems)
{
        struct gc_file files[GC_MAX_FILES];
        size_t n = 0;
        int r = 0;

        for (size_t i = 0; i < m->n_controllers && r == 0; i++) {
                r = gc_render_host(m, m->controllers[i].hostname.s, password, fence, files, &n,
                                   problems);
                gc_files_free(files, n);
        }
        if (r == 0 && m->n_computes > 0) {
                r = gc_render_host(m, m->computes[0].hostname.s, password, NULL, files, &n,
                                   problems);
                gc_files_free(files, n);
        }
        return r;
}

static void print_summary(const struct gc_model *m)
{
        size_t lines = 0;

        for (size_t g = 0; g < m->n_groups; g++)
                lines += m->groups[g].n_exprs;
        printf("%s: valid: cluster %s, %zu controllers (%s first), %zu compute nodes in %zu "
               "NodeName line%s, %zu partition%s\n",
               m->file, m->cluster_name.s, m->n_order, m->controllers[m->order[0]].hostname.s,
               m->n_computes, lines, lines == 1 ? "" : "s", m->n_partitions,
               m->n_partitions == 1 ? "" : "s");
}

/* The folder a file of the output goes in ("fence" of "fence/ctl2.conf"; NULL: the output
 * folder itself), opened once and kept in *sub_fd (0700, gc_open_private_dir()). Returns the
 * descriptor to write in and the file's own name in *ret_name, or -errno (said on stderr). */
static int folder_for(int dfd, const char *outdir, const char *name, int *sub_fd,
                      const char **ret_name)
{
        const char *slash = strchr(name, '/'), *reason = "";
        enum gc_dir_result done = GC_DIR_UNCHANGED;
        char sub[64];

        *ret_name = name;
        if (!slash)
                return dfd;
        *ret_name = slash + 1;
        if (*sub_fd >= 0)
                return *sub_fd;
        (void)snprintf(sub, sizeof(sub), "%.*s", (int)(slash - name), name);
        *sub_fd = gc_open_private_dir(dfd, sub, &done, &reason);
        if (*sub_fd < 0) {
                fprintf(stderr, "ha-genconf: Failed to open the folder '%s/%s': %s%s%s\n", outdir,
                        sub, reason, *sub_fd == -EPERM ? "" : ": ",
                        *sub_fd == -EPERM ? "" : strerror(-*sub_fd));
                return *sub_fd;
        }
        if (done == GC_DIR_CREATED)
                printf("%s/%s/: created (mode 0700)\n", outdir, sub);
        else if (done == GC_DIR_MODE_FIXED)
                printf("%s/%s/: mode set to 0700\n", outdir, sub);
        return *sub_fd;
}

static void forget_secret(char *s)
{
        if (s) {
                explicit_bzero(s, strlen(s));
                free(s);
        }
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"host", required_argument, NULL, 'H'},
                {"output-dir", required_argument, NULL, 'o'},
                {"check", no_argument, NULL, 'n'},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},
                {0},
        };
        const char *config = NULL, *host = NULL, *outdir = NULL, *reason = "";
        struct gc_problems problems = {0};
        struct gc_file files[GC_MAX_FILES];
        const struct gc_controller *self;
        struct gc_model *m = NULL;
        char *password = NULL, **fence = NULL;
        size_t n_files = 0;
        bool check = false;
        int o, r, q, dfd = -1, sub_fd = -1, status = HA_EXIT_OK;

        /* 1. Arguments. */
        while ((o = getopt_long(argc, argv, "c:H:o:nhV", opts, NULL)) != -1) {
                switch (o) {
                case 'c':
                        config = optarg;
                        break;
                case 'H':
                        host = optarg;
                        break;
                case 'o':
                        outdir = optarg;
                        break;
                case 'n':
                        check = true;
                        break;
                default:
                        return ha_program_option(o, "ha-genconf", usage);
                }
        }
        if (optind != argc || !config || (check && outdir) || (!check && (!host || !outdir))) {
                fprintf(stderr, "ha-genconf: %s\n",
                        optind != argc ? "unexpected argument"
                        : !config      ? "--config is required"
                        : check        ? "--check writes nothing: no --output-dir"
                                       : "--host and --output-dir are required (or --check)");
                usage(stderr);
                return HA_EXIT_CONFIG;
        }

        /* 2. Load and check the cluster file: every problem, nothing written. */
        r = gc_load(config, &m, &problems);
        if (r < 0) {
                gc_problems_print(&problems, config, stderr);
                gc_problems_free(&problems);
                if (r == -ENOMEM)
                        return HA_EXIT_SYSTEM;
                fprintf(stderr, "ha-genconf: Failed to render '%s': nothing written\n", config);
                return HA_EXIT_CONFIG;
        }

        /* 3. The host, the database password where it runs slurmdbd, and the other
         *    controllers' fence passwords where it is a controller with power fencing. */
        self = host ? gc_find_controller(m, host) : NULL;
        if (host && !self && !gc_is_compute(m, host)) {
                gc_problem_add(&problems, 0, 0, "--host",
                               "no host \"%s\" in nodes.controllers or nodes.compute_nodes", host);
                gc_problems_print(&problems, config, stderr);
                gc_problems_free(&problems);
                gc_model_free(m);
                return HA_EXIT_CONFIG;
        }
        if (host) {
                r = password_for(m, &self, 1, &password, &problems);
        } else {
                const struct gc_controller **all = calloc(m->n_controllers, sizeof(*all));

                r = all ? 0 : -ENOMEM;
                for (size_t i = 0; all && i < m->n_controllers; i++)
                        all[i] = &m->controllers[i];
                if (all)
                        r = password_for(m, all, m->n_controllers, &password, &problems);
                free(all);
        }
        /* Every password problem at once: the fence passwords also when the database's failed. */
        q = host && !self ? 0 : gc_fence_passwords(m, self, &fence, &problems);
        if (q < 0 && r != -ENOMEM)
                r = q;

        /* 4. Render every file in memory. */
        if (r == 0 && host)
                r = gc_render_host(m, host, password, fence, files, &n_files, &problems);
        else if (r == 0)
                r = render_all(m, password, fence, &problems);
        forget_secret(password);
        gc_fence_passwords_free(m, fence);
        if (r < 0) {
                gc_problems_print(&problems, config, stderr);
                if (r == -ENOMEM)
                        fprintf(stderr, "ha-genconf: Failed to render '%s': %s\n", config,
                                strerror(-r));
                else
                        fprintf(stderr, "ha-genconf: Failed to render '%s': nothing written\n",
                                config);
                status = r == -ENOMEM ? HA_EXIT_SYSTEM : HA_EXIT_CONFIG;
                goto out;
        }

        /* 5. --check: say what would be written, write nothing. */
        if (check) {
                print_summary(m);
                for (size_t i = 0; i < n_files; i++)
                        printf("%s: would write %s (%zu bytes, mode %04o)\n", host, files[i].name,
                               files[i].text.len, (unsigned)files[i].mode);
                goto out;
        }

        /* 6. Write, file by file, only what changed. */
        dfd = gc_open_output_dir(outdir, &reason);
        if (dfd < 0) {
                fprintf(stderr, "ha-genconf: Failed to open the output folder '%s': %s%s%s\n",
                        outdir, reason, dfd == -EPERM ? "" : ": ",
                        dfd == -EPERM ? "" : strerror(-dfd));
                status = HA_EXIT_SYSTEM;
                goto out;
        }
        for (size_t i = 0; i < n_files; i++) {
                enum gc_write_result done = GC_UNCHANGED;
                const char *step = "", *name;
                int fd = folder_for(dfd, outdir, files[i].name, &sub_fd, &name);

                if (fd < 0) {
                        status = HA_EXIT_SYSTEM;
                        continue;
                }
                r = gc_write_file(fd, name, files[i].text.data, files[i].text.len, files[i].mode,
                                  &done, &step);
                if (r < 0) {
                        fprintf(stderr, "ha-genconf: Failed to %s for '%s/%s': %s\n", step, outdir,
                                files[i].name,
                                r == -EINVAL  ? "not a regular file"
                                : r == -ELOOP ? "a symbolic link (refused)"
                                              : strerror(-r));
                        status = HA_EXIT_SYSTEM;
                        continue;
                }
                switch (done) {
                case GC_UNCHANGED:
                        printf("%s/%s: unchanged\n", outdir, files[i].name);
                        break;
                case GC_MODE_FIXED:
                        printf("%s/%s: unchanged (mode set to %04o)\n", outdir, files[i].name,
                               (unsigned)files[i].mode);
                        break;
                case GC_CREATED:
                        printf("%s/%s: written\n", outdir, files[i].name);
                        break;
                case GC_REPLACED:
                        printf("%s/%s: written (previous kept as %s.bak)\n", outdir, files[i].name,
                               files[i].name);
                        break;
                }
        }
        r = sub_fd >= 0 ? gc_sync_dir(sub_fd) : 0;
        if (r == 0)
                r = gc_sync_dir(dfd);
        if (r < 0) {
                fprintf(stderr, "ha-genconf: Failed to sync '%s': %s\n", outdir, strerror(-r));
                status = HA_EXIT_SYSTEM;
        }

out:
        if (sub_fd >= 0)
                (void)close(sub_fd);
        if (dfd >= 0)
                (void)close(dfd);
        gc_files_free(files, n_files);
        gc_problems_free(&problems);
        gc_model_free(m);
        return status;
}
