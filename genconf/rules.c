/* rules.c: the rules across fields of the cluster file, run once every section is read
 * (schema.h), and what they derive for the renderer: the controllers' order and keepalived
 * priorities, the partitions' Nodes= expressions, StateSaveLocation on the shared mount,
 * slurmdbd following the VIP, and the compute nodes grouped into NodeName lines.
 */
#include "genconf/buf.h"
#include "genconf/hostlist.h"
#include "genconf/schema.h"
#include "genconf/values.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether `a` and `b` were both given, as the same text. */
static bool same_text(const struct gc_val *a, const struct gc_val *b)
{
        return a->set && b->set && strcmp(a->s, b->s) == 0;
}

/* Reports the name `a`, at "LIST[i].KEY", as a WHAT already given at `b`. */
static void duplicate(struct walker *w, const char *list, size_t i, const char *key,
                      const struct gc_val *a, const struct gc_val *b, const char *what)
{
        char path[PATH_LEN];

        (void)snprintf(path, sizeof(path), "%s[%zu].%s", list, i, key);
        problem_val(w, a, path, "duplicate %s \"%s\" (also on line %u)", what, a->s, b->line);
}

void gc_check_controllers(struct walker *w)
{
        struct gc_model *c = w->m;
        const struct gc_controller *owner = NULL;
        size_t n_slurm = 0;
        char path[PATH_LEN];

        for (size_t i = 0; i < c->n_controllers; i++) {
                struct gc_controller *a = &c->controllers[i];

                for (size_t j = 0; j < i; j++) {
                        const struct gc_controller *b = &c->controllers[j];

                        if (same_text(&a->hostname, &b->hostname))
                                duplicate(w, "nodes.controllers", i, "hostname", &a->hostname,
                                          &b->hostname, "host name");
                        if (!same_text(&a->ip_address, &b->ip_address))
                                continue;
                        (void)snprintf(path, sizeof(path), "nodes.controllers[%zu].ip_address", i);
                        problem_val(w, &a->ip_address, path,
                                    "duplicate address %s (also on line %u)", a->ip_address.s,
                                    b->ip_address.line);
                }
                if (c->vip.set && a->ip_address.set && strcmp(c->vip.s, a->ip_address.s) == 0)
                        problem_val(w, &c->vip, "network.vip.address",
                                    "the virtual IP must not be a host's own address, and %s is "
                                    "the address of %s (line %u)",
                                    c->vip.s, a->hostname.set ? a->hostname.s : "a controller",
                                    a->ip_address.line);
                if (a->slurm.b)
                        n_slurm++;
                if (!a->vip_owner.b)
                        continue;
                (void)snprintf(path, sizeof(path), "nodes.controllers[%zu].vip_owner", i);
                if (!a->slurm.b)
                        problem_val(w, &a->vip_owner, path,
                                    "the VIP owner must run slurmctld (services.slurm)");
                else if (owner)
                        problem_val(w, &a->vip_owner, path,
                                    "several controllers have vip_owner: true (also %s on line "
                                    "%u): exactly one must",
                                    owner->hostname.set ? owner->hostname.s : "another",
                                    owner->vip_owner.line);
                else
                        owner = a;
        }
        if (c->n_controllers == 0)
                return;
        if (!owner && c->n_controllers > 0) {
                bool any = false;

                for (size_t i = 0; i < c->n_controllers; i++)
                        any = any || c->controllers[i].vip_owner.b;
                if (!any)
                        problem(w, c->controllers[0].line, c->controllers[0].col,
                                "nodes.controllers",
                                "no controller has vip_owner: true: exactly one must (it is "
                                "the Slurm primary and keepalived's highest priority)");
        }
        if (n_slurm < 2)
                problem(w, c->controllers[0].line, c->controllers[0].col, "nodes.controllers",
                        "an HA set needs at least two controllers with services.slurm (found "
                        "%zu)",
                        n_slurm);
        if (n_slurm > MAX_CONTROLLERS)
                problem(w, c->controllers[0].line, c->controllers[0].col, "nodes.controllers",
                        "at most %d controllers with services.slurm (found %zu)", MAX_CONTROLLERS,
                        n_slurm);

        /* The deliberate order: the VIP owner first (Slurm index 0, priority 150), then the
         * others as the file lists them. */
        c->order = gc_alloc(w, c->n_controllers * sizeof(*c->order));
        if (!c->order)
                return;
        if (owner)
                c->order[c->n_order++] = (size_t)(owner - c->controllers);
        for (size_t i = 0; i < c->n_controllers; i++)
                if (c->controllers[i].slurm.b && &c->controllers[i] != owner)
                        c->order[c->n_order++] = i;
        for (size_t k = 0; k < c->n_order; k++)
                c->controllers[c->order[k]].priority =
                        k < MAX_CONTROLLERS ? (unsigned)(150 - 10 * k) : 1;
}

void gc_check_fencing(struct walker *w)
{
        struct gc_model *c = w->m;
        const struct gc_controller *first = NULL;
        struct gc_buf names = {0};
        size_t with = 0, first_i = 0;
        char path[PATH_LEN];
        bool power = c->fencing.set && strcmp(c->fencing.s, "power") == 0;
        bool wait = c->fencing.set && strcmp(c->fencing.s, "wait") == 0;

        for (size_t i = 0; i < c->n_controllers; i++) {
                const struct gc_controller *a = &c->controllers[i];

                if (!a->slurm.b) {
                        if (!a->fence.set)
                                continue;
                        (void)snprintf(path, sizeof(path), "nodes.controllers[%zu].fence", i);
                        problem_val(w, &a->fence, path,
                                    "has no use on a controller without services.slurm: only "
                                    "the controller that holds the lease is fenced");
                        continue;
                }
                if (a->fence.set) {
                        with++;
                        continue;
                }
                if (!first) {
                        first = a;
                        first_i = i;
                }
                if (a->hostname.set)
                        gc_buf_printf(&names, "%s%s", names.len ? ", " : "", a->hostname.s);
        }
        /* Power fencing is all or nothing: a controller without a fence agent could not be
         * powered off, and the hooks would wait for its lease after all. */
        if (first && !wait && (power || with > 0)) {
                (void)snprintf(path, sizeof(path), "nodes.controllers[%zu].fence", first_i);
                problem(w, first->line, first->col, path,
                        "required key missing: %s, every controller with services.slurm needs "
                        "fence, and it is missing on %s (give each a fence, or set ha.fencing: "
                        "wait)",
                        power ? "with ha.fencing: power" : "when another controller has fence",
                        names.len && !names.failed ? names.data : "some");
        } else {
                c->fence_power = !wait && with > 0;
        }
        if (names.failed)
                w->problems->out_of_memory = true;
        gc_buf_free(&names);
        if (c->fence_power) {
                /* The hooks' [lease] wait: 8 s, or ttl + 2 s past 8 s (render.c). */
                uint64_t lease_wait =
                        c->lease_ttl_us > 8000000 ? c->lease_ttl_us + 2000000 : 8000000;

                if (c->fence_after.set && c->fence_after_us >= lease_wait)
                        problem_val(w, &c->fence_after, "ha.fence_after",
                                    "must be shorter than the hooks' lease wait (%llus: 8s, or "
                                    "lease_ttl + 2s), or a promotion stops waiting before it "
                                    "fences the holder",
                                    (unsigned long long)(lease_wait / 1000000));
                return;
        }
        if (c->fence_after.set)
                problem_val(w, &c->fence_after, "ha.fence_after",
                            "has no use without power fencing (ha.fencing: wait, or no "
                            "controller has fence): leave it out");
        if (c->fence_timeout.set)
                problem_val(w, &c->fence_timeout, "ha.fence_timeout",
                            "has no use without power fencing (ha.fencing: wait, or no "
                            "controller has fence): leave it out");
}

void gc_check_computes(struct walker *w)
{
        struct gc_model *c = w->m;

        for (size_t i = 0; i < c->n_computes; i++) {
                struct gc_compute *cn = &c->computes[i];
                size_t old;

                if (cn->hostname.set &&
                    !gc_nameset_add(&w->priv->computes, cn->hostname.s, i, &old))
                        duplicate(w, "nodes.compute_nodes", i, "hostname", &cn->hostname,
                                  &c->computes[old].hostname, "host name");
        }
}

/* Hardware kinds: sort by (cpus, memory, disk, position), then cut into runs. */
static const struct gc_model *sort_model;

static int compare_hw(const void *a, const void *b)
{
        const struct gc_compute *x = &sort_model->computes[*(const size_t *)a];
        const struct gc_compute *y = &sort_model->computes[*(const size_t *)b];
        long long kx[3] = {x->cpus.n, x->real_memory.set ? x->real_memory.n : -1,
                           x->tmp_disk.set ? x->tmp_disk.n : -1};
        long long ky[3] = {y->cpus.n, y->real_memory.set ? y->real_memory.n : -1,
                           y->tmp_disk.set ? y->tmp_disk.n : -1};

        for (int i = 0; i < 3; i++)
                if (kx[i] != ky[i])
                        return kx[i] < ky[i] ? -1 : 1;
        return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static bool same_hw(const struct gc_compute *x, const struct gc_compute *y)
{
        return x->cpus.n == y->cpus.n && x->real_memory.set == y->real_memory.set &&
               (!x->real_memory.set || x->real_memory.n == y->real_memory.n) &&
               x->tmp_disk.set == y->tmp_disk.set &&
               (!x->tmp_disk.set || x->tmp_disk.n == y->tmp_disk.n);
}

static int compare_groups(const void *a, const void *b)
{
        const struct gc_node_group *x = a, *y = b;

        return x->first < y->first ? -1 : x->first > y->first;
}

int gc_group_nodes(struct walker *w)
{
        struct gc_model *c = w->m;
        size_t *idx, n = c->n_computes;
        const char **names;

        if (n == 0)
                return 0;
        idx = malloc(n * sizeof(*idx));
        names = malloc(n * sizeof(*names));
        c->groups = gc_alloc(w, n * sizeof(*c->groups));
        if (!idx || !names || !c->groups) {
                free(idx);
                free(names);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                idx[i] = i;
        sort_model = c;
        qsort(idx, n, sizeof(*idx), compare_hw);
        sort_model = NULL;
        for (size_t i = 0; i < n;) {
                struct gc_node_group *g = &c->groups[c->n_groups];
                size_t j = i;
                int r;

                while (j < n && same_hw(&c->computes[idx[i]], &c->computes[idx[j]])) {
                        names[j - i] = c->computes[idx[j]].hostname.s;
                        j++;
                }
                /* idx is sorted by position within a kind: the first is where it appears. */
                g->first = &c->computes[idx[i]];
                g->n_nodes = j - i;
                r = gc_hostlist_compress(names, j - i, NODENAME_EXPR, &g->exprs, &g->n_exprs);
                if (r < 0) {
                        free(idx);
                        free(names);
                        return r;
                }
                c->n_groups++;
                i = j;
        }
        qsort(c->groups, c->n_groups, sizeof(*c->groups), compare_groups);
        free(idx);
        free(names);
        return 0;
}

struct partition_walk {
        struct walker *w;
        const struct gc_nameset *computes;
        const char **names;
        size_t n, cap;
        size_t unknown;
        char first_unknown[128];
        bool failed;
        struct gc_nameset seen;
};

static bool partition_node(const char *name, void *userdata)
{
        struct partition_walk *pw = userdata;
        size_t idx, old;

        if (!gc_nameset_find(pw->computes, name, &idx)) {
                if (pw->unknown++ == 0)
                        (void)snprintf(pw->first_unknown, sizeof(pw->first_unknown), "%s", name);
                return true;
        }
        /* A node named twice is listed once. */
        if (!gc_nameset_add(&pw->seen, pw->w->m->computes[idx].hostname.s, idx, &old))
                return true;
        if (pw->n == pw->cap) {
                size_t cap = pw->cap ? pw->cap * 2 : 64;
                const char **grown = realloc(pw->names, cap * sizeof(*grown));

                if (!grown) {
                        pw->failed = true;
                        return false;
                }
                pw->names = grown;
                pw->cap = cap;
        }
        pw->names[pw->n++] = pw->w->m->computes[idx].hostname.s;
        return true;
}

void gc_check_partitions(struct walker *w)
{
        struct gc_model *c = w->m;
        const struct gc_partition *default_part = NULL;
        char path[PATH_LEN];

        for (size_t i = 0; i < c->n_partitions; i++) {
                struct gc_partition *pt = &c->partitions[i];
                struct partition_walk pw = {.w = w, .computes = &w->priv->computes};
                const char *why = NULL;
                char **exprs = NULL;
                size_t n_exprs = 0;
                int r;

                for (size_t j = 0; j < i; j++) {
                        if (same_text(&pt->name, &c->partitions[j].name)) {
                                duplicate(w, "slurm.partitions", i, "name", &pt->name,
                                          &c->partitions[j].name, "partition");
                                break;
                        }
                }
                if (pt->is_default.b) {
                        (void)snprintf(path, sizeof(path), "slurm.partitions[%zu].default", i);
                        if (default_part)
                                problem_val(w, &pt->is_default, path,
                                            "several partitions are the default (also line %u): "
                                            "at most one may be",
                                            default_part->is_default.line);
                        default_part = pt;
                }
                if (!pt->nodes.set)
                        continue;
                (void)snprintf(path, sizeof(path), "slurm.partitions[%zu].nodes", i);
                if (strcmp(pt->nodes.s, "ALL") == 0) {
                        pt->nodes_expr = gc_alloc(w, 4);
                        if (pt->nodes_expr)
                                memcpy(pt->nodes_expr, "ALL", 4);
                        continue;
                }
                if (!gc_only_chars(pt->nodes.s, NODE_CHARS "[],")) {
                        problem_val(w, &pt->nodes, path,
                                    "expected ALL or a host list such as node[001-010],gpu1, "
                                    "not \"%s\"",
                                    pt->nodes.s);
                        continue;
                }
                r = gc_hostlist_expand(pt->nodes.s, MAX_NODES, partition_node, &pw, &why);
                if (r == -EINVAL)
                        problem_val(w, &pt->nodes, path, "%s in \"%s\"", why, pt->nodes.s);
                else if (r < 0 || pw.failed || pw.seen.failed)
                        w->problems->out_of_memory = true;
                else if (pw.unknown > 0)
                        problem_val(w, &pt->nodes, path,
                                    "names %s, which is not in nodes.compute_nodes%s",
                                    pw.first_unknown,
                                    pw.unknown > 1 ? " (nor are other names it lists)" : "");
                else if (gc_hostlist_compress(pw.names, pw.n, (size_t)-1, &exprs, &n_exprs) < 0)
                        w->problems->out_of_memory = true;
                else if (n_exprs == 1) {
                        size_t len = strlen(exprs[0]);

                        pt->nodes_expr = gc_alloc(w, len + 1);
                        if (pt->nodes_expr)
                                memcpy(pt->nodes_expr, exprs[0], len + 1);
                }
                gc_hostlist_free(exprs, n_exprs);
                gc_nameset_free(&pw.seen);
                free(pw.names);
        }
}

void gc_check_storage_and_services(struct walker *w)
{
        struct gc_model *c = w->m;
        bool any_dbd = false;

        /* StateSaveLocation: on the shared mount. */
        if (!c->slurm_state_dir.set && c->mount_point.set) {
                size_t len = strlen(c->mount_point.s) + sizeof("/slurm/state");
                char *s = gc_alloc(w, len);

                if (s) {
                        (void)snprintf(s, len, "%s/slurm/state", c->mount_point.s);
                        c->slurm_state_dir.s = s;
                }
        } else if (c->slurm_state_dir.set && c->mount_point.set) {
                size_t len = strlen(c->mount_point.s);

                if (strncmp(c->slurm_state_dir.s, c->mount_point.s, len) != 0 ||
                    c->slurm_state_dir.s[len] != '/')
                        problem_val(w, &c->slurm_state_dir, "slurm.state_dir",
                                    "must be on the shared mount %s (every controller reads the "
                                    "same state)",
                                    c->mount_point.s);
        }

        /* slurmdbd follows the VIP by default when some controller runs it. */
        for (size_t i = 0; i < c->n_controllers; i++)
                any_dbd = any_dbd || c->controllers[i].slurmdbd.b;
        if (!c->followers_val.set && any_dbd) {
                static const char *dbd[] = {"slurmdbd"};

                c->followers = dbd;
                c->n_followers = 1;
                c->dbd_follows_vip = true;
        }
        any_dbd = any_dbd || c->dbd_follows_vip;
        if (!c->accounting.set)
                c->accounting.b = any_dbd;
        else if (c->accounting.b && !any_dbd)
                problem_val(w, &c->accounting, "slurm.accounting",
                            "accounting needs slurmdbd: set services.slurmdbd on a controller, "
                            "or add slurmdbd to slurm.followers");
        if (any_dbd && !c->db_password_env.set && !c->db_password_file.set) {
                bool literal = false;

                /* A literal password was reported already, saying what to write instead. */
                for (size_t i = 0; i < w->problems->n; i++)
                        literal = literal ||
                                  strcmp(w->problems->v[i].path, "database.mariadb.password") == 0;
                if (!literal)
                        problem(w, w->db_line, w->db_col, "database.mariadb",
                                "slurmdbd runs on the controllers and needs the database "
                                "password: give password_env (an environment variable's name) or "
                                "password_file");
        }
        gc_default_str(&c->db_host, c->vip.set ? c->vip.s : "");

        /* The lease must outlive the gap between two checks. */
        if (c->lease_ttl_us <= (uint64_t)(c->check_interval.n + c->check_timeout.n) * 1000000) {
                if (c->lease_ttl.set)
                        problem_val(w, &c->lease_ttl, "ha.lease_ttl",
                                    "must be longer than network.vrrp.check interval + timeout "
                                    "(%llds), or the lease expires between two checks",
                                    c->check_interval.n + c->check_timeout.n);
                else
                        problem(w, c->check_timeout.set ? c->check_timeout.line : 0,
                                c->check_timeout.set ? c->check_timeout.col : 0, "ha.lease_ttl",
                                "the default 6s is not longer than network.vrrp.check interval "
                                "+ timeout (%llds): set a longer lease_ttl",
                                c->check_interval.n + c->check_timeout.n);
        }
}
