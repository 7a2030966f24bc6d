/* load.c: gc_load(), the cluster YAML file into a model (model.h), and the model's queries.
 *
 * The file is mapped and parsed into a tree (tree.h: every node keeps its place), then walked
 * once (walk.h): each section of the schema is read (schema_site.c, schema_slurm.c), each
 * mapping checked for unknown and repeated keys, each value read with its kind (values.c) and
 * ${VAR} expanded. Then the rules across fields run (rules.c). Nothing stops at the first
 * problem: a missing or wrong value is left unset, and the rules that need it are skipped, so
 * every problem of the file is reported in one run. The database password is read apart, only
 * when needed (secret.c).
 */
#include "genconf/hostlist.h"
#include "genconf/model.h"
#include "genconf/schema.h"

#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Maps the file `path` (read only, its pages read at once: cheaper than copying it, for a
 * large file). An empty file is "" (unmapped). The file is the operator's own: one truncated
 * while ha-genconf reads it would end the run with SIGBUS, as for any reader of a mapping.
 * What it describes ends up in root's configuration, so it is trusted as doas(1) trusts
 * doas.conf (ha_fs_is_safe()): the file opened (a link is followed) must be a regular file
 * owned by root or the caller and not writable by group or others; anything else is -EPERM
 * with the reason in *ret_reason. Opened without blocking: a FIFO is refused, not waited on. */
static int map_file(const char *path, char **ret, size_t *ret_len, const char **ret_reason)
{
        struct stat st;
        void *p;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        r = ha_fs_is_safe(fd, ret_reason);
        if (r == 0 && fstat(fd, &st) < 0)
                r = -errno;
        if (r < 0) {
                (void)close(fd);
                return r;
        }
        if (st.st_size > GC_TREE_MAX_BYTES) {
                (void)close(fd);
                return -EFBIG;
        }
        if (st.st_size == 0) {
                (void)close(fd);
                *ret = (char *)"";
                *ret_len = 0;
                return 0;
        }
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        r = p == MAP_FAILED ? -errno : 0;
        (void)close(fd);
        if (r < 0)
                return r;
        *ret = p;
        *ret_len = (size_t)st.st_size;
        return 0;
}

int gc_load(const char *path, struct gc_model **ret, struct gc_problems *problems)
{
        static const char *const root_keys[] = {"cluster",  "nodes", "network", "storage",
                                                "database", "slurm", "ha",      NULL};
        struct gc_model *m = calloc(1, sizeof(*m));
        struct gc_model_private *priv = calloc(1, sizeof(*priv));
        struct walker w = {.m = m, .priv = priv, .problems = problems};
        struct gc_node *root;
        struct map rootmap;
        const char *why = NULL;
        char *text = NULL;
        size_t len = 0;
        int r;

        if (!m || !priv) {
                free(m);
                free(priv);
                gc_problem_add(problems, 0, 0, "", "out of memory");
                return -ENOMEM;
        }
        m->file = path;
        m->priv = priv;

        r = map_file(path, &text, &len, &why);
        if (r < 0) {
                if (r == -EPERM && why)
                        gc_problem_add(problems, 0, 0, "", "refused: %s (chown root, chmod go-w)",
                                       why);
                else
                        gc_problem_add(problems, 0, 0, "", "failed to read: %s", strerror(-r));
                gc_model_free(m);
                return r;
        }
        r = gc_tree_load(&priv->tree, text, len, problems);
        /* The tree holds copies of the text it needs. */
        if (len > 0)
                (void)munmap(text, len);
        if (r < 0) {
                if (r == -ENOMEM)
                        gc_problem_add(problems, 0, 0, "", "out of memory");
                gc_model_free(m);
                return r;
        }
        if (priv->tree.empty) {
                gc_problem_add(problems, 1, 1, "",
                               "the file is empty: expected a mapping with cluster, nodes, "
                               "network and storage");
                gc_model_free(m);
                return -EINVAL;
        }
        root = &priv->tree.nodes[priv->tree.root];
        w.n_nodes = priv->tree.n_nodes;
        w.visited = calloc(w.n_nodes ? w.n_nodes : 1, 1);
        if (!w.visited) {
                gc_problem_add(problems, 0, 0, "", "out of memory");
                gc_model_free(m);
                return -ENOMEM;
        }
        gc_open_node(&w, root, "", 1, 1, root_keys, &rootmap);

        gc_read_cluster(&w, &rootmap);
        gc_read_network(&w, &rootmap);
        gc_read_storage(&w, &rootmap);
        gc_read_database(&w, &rootmap);
        gc_read_nodes(&w, &rootmap);
        gc_read_slurm(&w, &rootmap);
        gc_read_ha(&w, &rootmap);

        gc_check_controllers(&w);
        gc_check_fencing(&w);
        gc_check_computes(&w);
        gc_check_partitions(&w);
        gc_check_storage_and_services(&w);
        free(w.visited);
        if (priv->computes.failed)
                problems->out_of_memory = true;

        if (problems->n == 0 && !problems->out_of_memory && gc_group_nodes(&w) < 0)
                problems->out_of_memory = true;
        if (problems->out_of_memory) {
                gc_model_free(m);
                return -ENOMEM;
        }
        if (problems->n > 0) {
                gc_model_free(m);
                return -EINVAL;
        }
        *ret = m;
        return 0;
}

void gc_model_free(struct gc_model *m)
{
        if (!m)
                return;
        for (size_t i = 0; i < m->n_groups; i++)
                gc_hostlist_free(m->groups[i].exprs, m->groups[i].n_exprs);
        if (m->priv) {
                gc_tree_free(&m->priv->tree);
                for (size_t i = 0; i < m->priv->n_allocs; i++)
                        free(m->priv->allocs[i]);
                free(m->priv->allocs);
                gc_nameset_free(&m->priv->computes);
                free(m->priv);
        }
        free(m);
}

const struct gc_controller *gc_find_controller(const struct gc_model *m, const char *name)
{
        for (size_t i = 0; i < m->n_controllers; i++)
                if (strcmp(m->controllers[i].hostname.s, name) == 0)
                        return &m->controllers[i];
        return NULL;
}

bool gc_is_compute(const struct gc_model *m, const char *name)
{
        return gc_nameset_find(&m->priv->computes, name, NULL);
}

bool gc_runs_slurmdbd(const struct gc_model *m, const struct gc_controller *c)
{
        return c->slurmdbd.b || (m->dbd_follows_vip && c->slurm.b);
}
