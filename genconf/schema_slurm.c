/* schema_slurm.c: the Slurm sections of the cluster file: nodes (the controllers, with their
 * address, VIP ownership and services, and the compute nodes with their hardware) and slurm
 * (partitions, the services that follow the VIP, and slurmctld's settings). Each item and
 * value is checked on its own; what spans items (duplicates, one VIP owner, partitions naming
 * known nodes) is checked by the rules in rules.c.
 */
#include "genconf/buf.h"
#include "genconf/schema.h"
#include "genconf/values.h"

#include "common/fence.h"

#include <string.h>

/* fence.options: the agent's options, "key=value" lines of the options file the other
 * controllers give it on stdin (common/fence.h reads that file). The keys are the agent's, so
 * any key of the options file's characters is accepted but the action (ha-slurm's to give) and
 * the password (never in this file). */
static void read_fence_options(struct walker *w, const struct map *fence, struct gc_controller *ctl)
{
        struct map opts;
        char path[PATH_LEN];
        size_t n;

        gc_open_map(w, fence, "options", OPTIONAL, NULL, &opts);
        n = gc_map_count(&opts);
        if (n == 0)
                return;
        ctl->fence_options = gc_alloc(w, n * sizeof(*ctl->fence_options));
        if (!ctl->fence_options)
                return;
        /* The options file holds at most HA_FENCE_OPTS_KEYS options, the password one of them. */
        if (n > HA_FENCE_OPTS_KEYS - 1) {
                problem(w, opts.line, opts.col, opts.path, "more than %d options",
                        HA_FENCE_OPTS_KEYS - 1);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                struct gc_fence_option *o = &ctl->fence_options[ctl->n_fence_options];
                struct gc_node *k = gc_map_key(w, &opts, i), *v;
                bool twice = false;
                const char *s;
                size_t len;

                if (!k)
                        continue; /* reported when opened */
                gc_join(path, opts.path, k->value);
                o->key =
                        (struct gc_val){.s = k->value, .set = true, .line = k->line, .col = k->col};
                if (!gc_chars_ok(k->value, LETTERS DIGITS "_-", 64)) {
                        problem_at(w, k, path,
                                   "expected an option name of letters, digits, \"_\" and \"-\" "
                                   "(at most 64), as the fence agent reads them on stdin");
                        continue;
                }
                if (strcmp(k->value, "action") == 0 || strcmp(k->value, "option") == 0) {
                        problem_at(w, k, path,
                                   "is not an option of the file: ha-slurm gives the action");
                        continue;
                }
                if (strcmp(k->value, "password") == 0 || strcmp(k->value, "passwd") == 0) {
                        problem_at(w, k, path,
                                   "a literal password is not accepted (it would sit in this "
                                   "file and in logs): give fence.password_env (the name of an "
                                   "environment variable) or fence.password_file (a file only "
                                   "root reads)");
                        continue;
                }
                for (size_t j = 0; j < i && !twice; j++)
                        twice = gc_map_key(w, &opts, j) &&
                                strcmp(gc_map_key(w, &opts, j)->value, k->value) == 0;
                if (twice)
                        continue; /* reported when opened */
                v = gc_map_value(w, &opts, i);
                if (!v) {
                        problem_at(w, k, path, "expected a value (such as 1 for a flag)");
                        continue;
                }
                if (v->type != GC_SCALAR) {
                        problem_at(w, v, path, "expected a single value, not %s", gc_kind(v));
                        continue;
                }
                s = gc_expand(w, v, path);
                if (!s)
                        continue;
                o->value = (struct gc_val){.s = s, .set = true, .line = v->line, .col = v->col};
                /* The agent's options file keeps no blank at the end of a line. */
                len = strlen(o->value.s);
                if (len == 0) {
                        problem_val(w, &o->value, path, "expected a value (such as 1 for a flag)");
                        continue;
                }
                if (o->value.s[0] == ' ' || o->value.s[len - 1] == ' ') {
                        problem_val(w, &o->value, path,
                                    "starts or ends with a blank, which the options file does "
                                    "not keep");
                        continue;
                }
                ctl->n_fence_options++;
        }
}

/* fence: how the other controllers power this one off (ha.fencing: power): its fence agent,
 * the agent's options and where its password comes from. */
static void read_fence(struct walker *w, const struct map *item, struct gc_controller *ctl)
{
        static const char *const fence_keys[] = {"agent",        "options",       "password",
                                                 "password_env", "password_file", NULL};
        struct map fence;
        struct gc_node *n;
        char path[PATH_LEN];

        if (!gc_lookup(w, item, "fence"))
                return;
        gc_open_map(w, item, "fence", OPTIONAL, fence_keys, &fence);
        /* Given, even when wrong (reported): the rules do not report it as missing. */
        ctl->fence = (struct gc_val){.set = true, .line = fence.line, .col = fence.col};
        if (!fence.node)
                return;
        (void)gc_read_abs_path(w, &fence, "agent", REQUIRED, &ctl->fence_agent);
        read_fence_options(w, &fence, ctl);
        n = gc_lookup(w, &fence, "password");
        gc_join(path, fence.path, "password");
        if (n)
                problem_at(w, n, path,
                           "a literal password is not accepted (it would sit in this file and "
                           "in logs): give password_env (the name of an environment variable) "
                           "or password_file (a file only root reads)");
        (void)gc_read_chars(w, &fence, "password_env", OPTIONAL, &ctl->fence_password_env,
                            VARIABLE_CHARS, 127,
                            "the name of an environment variable (letters, digits, \"_\")");
        (void)gc_read_abs_path(w, &fence, "password_file", OPTIONAL, &ctl->fence_password_file);
        gc_join(path, fence.path, "password_file");
        if (ctl->fence_password_env.set && ctl->fence_password_file.set)
                problem_val(w, &ctl->fence_password_file, path,
                            "give password_env or password_file, not both");
}

static void read_controllers(struct walker *w, const struct map *nodes)
{
        static const char *const keys[] = {"hostname", "ip_address", "vip_owner",
                                           "services", "fence",      NULL};
        static const char *const svc_keys[] = {"slurm", "slurmdbd", NULL};
        struct gc_model *c = w->m;
        struct list list;

        if (!gc_open_list(w, nodes, "controllers", REQUIRED, "controllers", &list))
                return;
        if (list.n == 0) {
                problem_at(w, list.node, list.path, "the list is empty");
                return;
        }
        c->controllers = gc_alloc(w, list.n * sizeof(*c->controllers));
        if (!c->controllers)
                return;
        for (size_t i = 0; i < list.n; i++) {
                struct gc_controller *ctl = &c->controllers[c->n_controllers];
                struct map m, svc;

                if (!gc_open_item(w, &list, i, keys, &m))
                        continue;
                c->n_controllers++;
                ctl->line = m.line;
                ctl->col = m.col;
                (void)gc_read_chars(w, &m, "hostname", REQUIRED, &ctl->hostname, HOST_CHARS,
                                    MAX_NAME,
                                    "a short host name (letters, digits and \"-\"; "
                                    "slurmctld matches its short name)");
                (void)gc_read_ipv4(w, &m, "ip_address", REQUIRED, &ctl->ip_address);
                (void)gc_read_bool(w, &m, "vip_owner", &ctl->vip_owner);
                gc_open_map(w, &m, "services", OPTIONAL, svc_keys, &svc);
                if (!gc_read_bool(w, &svc, "slurm", &ctl->slurm))
                        ctl->slurm.b = true;
                (void)gc_read_bool(w, &svc, "slurmdbd", &ctl->slurmdbd);
                read_fence(w, &m, ctl);
        }
}

static void read_computes(struct walker *w, const struct map *nodes)
{
        static const char *const keys[] = {"hostname", "cpus", "real_memory", "tmp_disk", NULL};
        struct gc_model *c = w->m;
        struct list list;

        if (!gc_open_list(w, nodes, "compute_nodes", OPTIONAL, "nodes", &list))
                return;
        if (list.n > MAX_NODES) {
                problem_at(w, list.node, list.path, "more than %d nodes", MAX_NODES);
                return;
        }
        c->computes = gc_alloc(w, (list.n ? list.n : 1) * sizeof(*c->computes));
        if (!c->computes)
                return;
        /* Filled by gc_check_computes(). */
        if (!gc_nameset_reserve(&w->priv->computes, list.n)) {
                w->problems->out_of_memory = true;
                return;
        }
        for (size_t i = 0; i < list.n; i++) {
                struct gc_compute *cn = &c->computes[c->n_computes];
                struct map m;

                if (!gc_open_item(w, &list, i, keys, &m))
                        continue;
                c->n_computes++;
                (void)gc_read_chars(w, &m, "hostname", REQUIRED, &cn->hostname, NODE_CHARS,
                                    MAX_NAME, "a host name (letters, digits and \"-_.\")");
                (void)gc_read_int(w, &m, "cpus", REQUIRED, 1, 1000000, &cn->cpus);
                (void)gc_read_int(w, &m, "real_memory", OPTIONAL, 1, 1LL << 40, &cn->real_memory);
                (void)gc_read_int(w, &m, "tmp_disk", OPTIONAL, 0, 1LL << 40, &cn->tmp_disk);
        }
}

void gc_read_nodes(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {"controllers", "compute_nodes", NULL};
        struct map nodes;

        gc_open_map(w, root, "nodes", REQUIRED, keys, &nodes);
        read_controllers(w, &nodes);
        read_computes(w, &nodes);
}

/* A partition's nodes given as a list (`nodes`, at `path`) of host lists: joined with commas
 * into `v`. */
static void read_node_names(struct walker *w, const struct gc_node *nodes, const char *path,
                            struct gc_val *v)
{
        struct gc_buf joined = {0};

        v->line = nodes->line;
        v->col = nodes->col;
        for (size_t k = 0; k < nodes->count; k++) {
                struct gc_node *one = gc_seq_item(w, nodes, k);
                const char *s;

                if (one->type != GC_SCALAR) {
                        problem_at(w, one, path, "expected node names, not %s", gc_kind(one));
                        continue;
                }
                s = gc_expand(w, one, path);
                if (!s)
                        continue;
                if (joined.len)
                        gc_buf_puts(&joined, ",");
                gc_buf_puts(&joined, s);
        }
        if (joined.len && !gc_buf_failed(&joined)) {
                char *s = gc_alloc(w, joined.len + 1);

                if (s) {
                        memcpy(s, joined.data, joined.len + 1);
                        v->s = s;
                        v->set = true;
                }
        } else if (!joined.len) {
                problem_at(w, nodes, path, "the list is empty");
        }
        gc_buf_free(&joined);
}

/* Partitions are read here and checked against the nodes later (gc_check_partitions()). */
static void read_partitions(struct walker *w, const struct map *slurm)
{
        static const char *const keys[] = {"name", "nodes", "default", "max_time", "state", NULL};
        struct gc_model *c = w->m;
        struct list list;

        if (!gc_open_list(w, slurm, "partitions", OPTIONAL, "partitions", &list))
                return;
        c->partitions = gc_alloc(w, (list.n ? list.n : 1) * sizeof(*c->partitions));
        if (!c->partitions)
                return;
        for (size_t i = 0; i < list.n; i++) {
                struct gc_partition *pt = &c->partitions[c->n_partitions];
                struct gc_node *nodes;
                char path[PATH_LEN];
                struct map m;

                if (!gc_open_item(w, &list, i, keys, &m))
                        continue;
                c->n_partitions++;
                (void)gc_read_chars(w, &m, "name", REQUIRED, &pt->name, PARTITION_CHARS, MAX_NAME,
                                    "a partition name of letters, digits, \"-\" and "
                                    "\"_\"");

                /* nodes: "ALL", a host list "node[001-010],gpu1", or a list of those. */
                gc_join(path, m.path, "nodes");
                nodes = gc_lookup(w, &m, "nodes");
                if (nodes && nodes->type == GC_SEQUENCE)
                        read_node_names(w, nodes, path, &pt->nodes);
                else
                        (void)gc_read_str(w, &m, "nodes", REQUIRED, &pt->nodes);
                (void)gc_read_bool(w, &m, "default", &pt->is_default);
                gc_join(path, m.path, "max_time");
                if (gc_read_str(w, &m, "max_time", OPTIONAL, &pt->max_time) &&
                    strcmp(pt->max_time.s, "INFINITE") != 0 &&
                    strcmp(pt->max_time.s, "UNLIMITED") != 0)
                        (void)gc_check_chars(w, &pt->max_time, path, MAXTIME_CHARS, 20,
                                             "INFINITE, UNLIMITED, MINUTES, HOURS:MINUTES:SECONDS "
                                             "or DAYS-HOURS:MINUTES:SECONDS");
                gc_join(path, m.path, "state");
                if (gc_read_str(w, &m, "state", OPTIONAL, &pt->state) &&
                    strcmp(pt->state.s, "UP") != 0 && strcmp(pt->state.s, "DOWN") != 0 &&
                    strcmp(pt->state.s, "DRAIN") != 0 && strcmp(pt->state.s, "INACTIVE") != 0) {
                        problem_val(w, &pt->state, path,
                                    "expected UP, DOWN, DRAIN or INACTIVE, not \"%s\"",
                                    pt->state.s);
                        pt->state.set = false;
                }
                gc_default_str(&pt->state, "UP");
        }
}

/* slurm.followers: the services that run where the VIP is. A list of names, not of mappings:
 * an alias of one is read again rather than refused. */
static void read_followers(struct walker *w, const struct map *slurm)
{
        struct gc_model *c = w->m;
        struct gc_node *seq = gc_lookup(w, slurm, "followers");
        size_t n;

        if (!seq)
                return;
        c->followers_val.line = seq->line;
        c->followers_val.col = seq->col;
        c->followers_val.set = true;
        if (seq->type != GC_SEQUENCE) {
                problem_at(w, seq, "slurm.followers",
                           "expected a list of service names such as [slurmdbd], not %s",
                           gc_kind(seq));
                return;
        }
        n = seq->count;
        c->followers = gc_alloc(w, (n ? n : 1) * sizeof(*c->followers));
        if (!c->followers)
                return;
        for (size_t i = 0; i < n; i++) {
                struct gc_node *one = gc_seq_item(w, seq, i);
                char path[PATH_LEN];
                const char *s;

                gc_item_path(path, "slurm.followers", i);
                if (one->type != GC_SCALAR) {
                        problem_at(w, one, path, "expected a service name");
                        continue;
                }
                s = gc_expand(w, one, path);
                if (!s)
                        continue;
                if (!*s || !gc_only_chars(s, NAME_CHARS) || strlen(s) > 64) {
                        problem_at(w, one, path,
                                   "expected a service name of letters, digits and \"-_.:@\", "
                                   "not \"%s\"",
                                   s);
                        continue;
                }
                c->followers[c->n_followers++] = s;
                if (strcmp(s, "slurmdbd") == 0 || strcmp(s, "slurmdbd.service") == 0)
                        c->dbd_follows_vip = true;
        }
}

void gc_read_slurm(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {
                "partitions",  "port",      "user",       "slurmctld_timeout",
                "state_dir",   "followers", "accounting", "proctrack_type",
                "task_plugin", "mail_prog", "dbd_port",   "tcp_timeout",
                NULL};
        struct gc_model *c = w->m;
        struct map slurm;

        gc_open_map(w, root, "slurm", OPTIONAL, keys, &slurm);
        read_partitions(w, &slurm);
        (void)gc_read_int(w, &slurm, "port", OPTIONAL, 1, 65535, &c->slurm_port);
        gc_default_int(&c->slurm_port, 6817);
        (void)gc_read_int(w, &slurm, "dbd_port", OPTIONAL, 1, 65535, &c->dbd_port);
        gc_default_int(&c->dbd_port, 6819);
        (void)gc_read_chars(w, &slurm, "user", OPTIONAL, &c->slurm_user, LETTERS DIGITS "-_", 32,
                            "a user name of letters, digits, \"-\" and \"_\"");
        gc_default_str(&c->slurm_user, "slurm");
        (void)gc_read_int(w, &slurm, "slurmctld_timeout", OPTIONAL, 3, 65533,
                          &c->slurmctld_timeout);
        gc_default_int(&c->slurmctld_timeout, 120);
        /* Unset: Slurm's own default (2 s). A failover's new slurmctld waits this long for
         * each lost controller it tells to give up control (REQUEST_CONTROL). */
        (void)gc_read_int(w, &slurm, "tcp_timeout", OPTIONAL, 1, 60, &c->tcp_timeout);
        (void)gc_read_abs_path(w, &slurm, "state_dir", OPTIONAL, &c->slurm_state_dir);
        read_followers(w, &slurm);
        (void)gc_read_bool(w, &slurm, "accounting", &c->accounting);
        (void)gc_read_chars(w, &slurm, "proctrack_type", OPTIONAL, &c->proctrack_type, PLUGIN_CHARS,
                            64, "a plugin name such as proctrack/cgroup");
        gc_default_str(&c->proctrack_type, "proctrack/cgroup");
        (void)gc_read_chars(w, &slurm, "task_plugin", OPTIONAL, &c->task_plugin, PLUGIN_CHARS, 128,
                            "plugin names such as task/cgroup,task/affinity");
        gc_default_str(&c->task_plugin, "task/cgroup,task/affinity");
        (void)gc_read_abs_path(w, &slurm, "mail_prog", OPTIONAL, &c->mail_prog);
}
