/* render.c: slurm.conf, ha-slurmctld.conf, keepalived.conf, ha-slurm.conf, slurmdbd.conf and
 * the fence agents' options files. */
#include "genconf/render.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fence.h"
#include "genconf/schema.h"
#include "genconf/template.h"

_Static_assert(GC_MAX_FILES >= 5 + MAX_CONTROLLERS - 1, "room for every options file");

/* Which controllers a slurm.conf lists, and in which order. */
enum view {
        VIEW_ALL,    /* compute nodes and other hosts: every controller, the VIP owner first */
        VIEW_OTHERS, /* a controller's slurm.conf: every controller but itself */
        VIEW_SELF,   /* a controller's ha-slurmctld.conf: itself alone */
};

static void header(struct gc_buf *b, const struct gc_model *m, const char *file, const char *host)
{
        gc_buf_printf(b,
                      "# %s of host %s, cluster %s.\n"
                      "# Written by ha-genconf from the cluster's YAML file: edit that file and "
                      "run ha-genconf\n"
                      "# again rather than this one.\n",
                      file, host, m->cluster_name.s);
}

static void slurmctld_host(struct gc_buf *b, const struct gc_controller *c)
{
        gc_buf_printf(b, "SlurmctldHost=%s(%s)\n", c->hostname.s, c->ip_address.s);
}

/* The hosts running slurmdbd when it does not follow the VIP: AccountingStorageHost and
 * AccountingStorageBackupHost, in the deliberate order. */
static void dbd_hosts(const struct gc_model *m, const struct gc_controller **ret_first,
                      const struct gc_controller **ret_second)
{
        const struct gc_controller *found[2] = {NULL, NULL};
        size_t n = 0;

        for (size_t k = 0; k < m->n_order && n < 2; k++)
                if (m->controllers[m->order[k]].slurmdbd.b)
                        found[n++] = &m->controllers[m->order[k]];
        for (size_t i = 0; i < m->n_controllers && n < 2; i++)
                if (!m->controllers[i].slurm.b && m->controllers[i].slurmdbd.b)
                        found[n++] = &m->controllers[i];
        *ret_first = found[0];
        *ret_second = found[1];
}

static void render_slurm_conf(struct gc_buf *b, const struct gc_model *m, const char *host,
                              const struct gc_controller *self, enum view view)
{
        const char *file = view == VIEW_SELF ? "ha-slurmctld.conf" : "slurm.conf";

        header(b, m, file, host);
        switch (view) {
        case VIEW_ALL:
                gc_buf_puts(b, "#\n# Every controller, the VIP owner first (the Slurm primary).\n");
                break;
        case VIEW_OTHERS:
                gc_buf_printf(b,
                              "#\n"
                              "# The view of clients, slurmd and any slurmctld started by hand or "
                              "at boot. %s\n"
                              "# itself is left out on purpose: such a slurmctld exits at once "
                              "(\"not a valid\n"
                              "# controller\"). The HA hooks start slurmctld with "
                              "ha-slurmctld.conf instead.\n",
                              host);
                break;
        case VIEW_SELF:
                gc_buf_printf(b,
                              "#\n"
                              "# The file the HA hooks start slurmctld with: %s alone, so the "
                              "slurmctld\n"
                              "# started on the VIP holder takes control at once and waits for no "
                              "other\n"
                              "# controller (the hooks see that none is in control first). Only\n"
                              "# SlurmctldHost differs from slurm.conf.\n",
                              host);
                break;
        }
        gc_buf_printf(b, "ClusterName=%s\n", m->cluster_name.s);
        if (view == VIEW_SELF)
                slurmctld_host(b, self);
        for (size_t k = 0; k < m->n_order && view != VIEW_SELF; k++) {
                const struct gc_controller *c = &m->controllers[m->order[k]];

                if (view != VIEW_ALL && c == self)
                        continue;
                slurmctld_host(b, c);
        }
        gc_buf_printf(b,
                      "# Clients reach whichever controller is in control through the VIP "
                      "only.\n"
                      "SlurmctldAddr=%s\n"
                      "# A controller's slurm.conf and ha-slurmctld.conf differ on purpose: no "
                      "hash check.\n"
                      "DebugFlags=NO_CONF_HASH\n"
                      "SlurmctldPort=%lld\n"
                      "SlurmUser=%s\n"
                      "AuthType=auth/munge\n"
                      "CredType=cred/munge\n"
                      "# On the shared mount: every controller reads the same state.\n"
                      "StateSaveLocation=%s\n"
                      "SlurmctldTimeout=%lld\n"
                      "SlurmctldPidFile=/run/slurmctld.pid\n"
                      "SlurmdPidFile=/run/slurmd.pid\n"
                      "SlurmdSpoolDir=/var/spool/slurmd\n"
                      "SlurmctldLogFile=/var/log/slurm/slurmctld.log\n"
                      "SlurmdLogFile=/var/log/slurm/slurmd.log\n"
                      "ProctrackType=%s\n"
                      "TaskPlugin=%s\n"
                      "SelectType=select/cons_tres\n",
                      m->vip.s, m->slurm_port.n, m->slurm_user.s, m->slurm_state_dir.s,
                      m->slurmctld_timeout.n, m->proctrack_type.s, m->task_plugin.s);
        if (m->accounting.b) {
                const struct gc_controller *first = NULL, *second = NULL;

                gc_buf_puts(b, "AccountingStorageType=accounting_storage/slurmdbd\n");
                if (m->dbd_follows_vip) {
                        gc_buf_printf(b, "# slurmdbd follows the VIP.\nAccountingStorageHost=%s\n",
                                      m->vip.s);
                } else {
                        dbd_hosts(m, &first, &second);
                        if (first)
                                gc_buf_printf(b, "AccountingStorageHost=%s\n", first->hostname.s);
                        if (second)
                                gc_buf_printf(b, "AccountingStorageBackupHost=%s\n",
                                              second->hostname.s);
                }
                gc_buf_printf(b, "AccountingStoragePort=%lld\n", m->dbd_port.n);
        }
        if (m->mail_prog.set)
                gc_buf_printf(b, "MailProg=%s\n", m->mail_prog.s);
        if (m->tcp_timeout.set)
                gc_buf_printf(b, "TCPTimeout=%lld\n", m->tcp_timeout.n);

        if (m->n_groups > 0)
                gc_buf_puts(b, "# Nodes, grouped by identical hardware.\n");
        for (size_t g = 0; g < m->n_groups; g++) {
                const struct gc_node_group *grp = &m->groups[g];

                for (size_t e = 0; e < grp->n_exprs; e++) {
                        gc_buf_printf(b, "NodeName=%s CPUs=%lld", grp->exprs[e],
                                      grp->first->cpus.n);
                        if (grp->first->real_memory.set)
                                gc_buf_printf(b, " RealMemory=%lld", grp->first->real_memory.n);
                        if (grp->first->tmp_disk.set)
                                gc_buf_printf(b, " TmpDisk=%lld", grp->first->tmp_disk.n);
                        gc_buf_puts(b, " State=UNKNOWN\n");
                }
        }
        if (m->n_partitions > 0)
                gc_buf_puts(b, "# Partitions.\n");
        for (size_t i = 0; i < m->n_partitions; i++) {
                const struct gc_partition *p = &m->partitions[i];

                gc_buf_printf(b, "PartitionName=%s Nodes=%s Default=%s", p->name.s, p->nodes_expr,
                              p->is_default.b ? "YES" : "NO");
                if (p->max_time.set)
                        gc_buf_printf(b, " MaxTime=%s", p->max_time.s);
                gc_buf_printf(b, " State=%s\n", p->state.s);
        }
}

/* keepalived.conf: the template keepalived/keepalived.conf.in, built in, filled. Its top says
 * what each placeholder stands for; every one it names is filled here and every one filled
 * here is used there (gc_tpl_render() refuses a disagreement). */
static void render_keepalived(struct gc_buf *b, const struct gc_model *m, const char *host,
                              const struct gc_controller *self, struct gc_problems *problems)
{
        char interval[24], timeout[24], fall[24], rise[24], vrid[24], priority[24], advert[24],
                prefix[24], err[256];
        const char **peers = calloc(m->n_order ? m->n_order : 1, sizeof(*peers));
        size_t n_peers = 0;
        int r;

        if (!peers) {
                b->failed = true;
                return;
        }
        for (size_t k = 0; k < m->n_order; k++) {
                const struct gc_controller *c = &m->controllers[m->order[k]];

                if (c != self)
                        peers[n_peers++] = c->ip_address.s;
        }
        (void)snprintf(interval, sizeof(interval), "%lld", m->check_interval.n);
        (void)snprintf(timeout, sizeof(timeout), "%lld", m->check_timeout.n);
        (void)snprintf(fall, sizeof(fall), "%lld", m->check_fall.n);
        (void)snprintf(rise, sizeof(rise), "%lld", m->check_rise.n);
        (void)snprintf(vrid, sizeof(vrid), "%lld", m->vrrp_router_id.n);
        (void)snprintf(priority, sizeof(priority), "%u", self->priority);
        (void)snprintf(advert, sizeof(advert), "%lld", m->vrrp_advert_int.n);
        (void)snprintf(prefix, sizeof(prefix), "%lld", m->vip_prefix.n);
        const struct gc_tpl_var vars[] = {
                GC_TPL_ONE("HOST", host),
                GC_TPL_ONE("CLUSTER", m->cluster_name.s),
                GC_TPL_ONE("HOOKS_DIR", m->hooks_dir.s),
                GC_TPL_ONE("HA_CONF", GC_HA_CONF),
                GC_TPL_ONE("STATE_DIR", m->ha_state_dir.s),
                GC_TPL_ONE("CHECK_INTERVAL", interval),
                GC_TPL_ONE("CHECK_TIMEOUT", timeout),
                GC_TPL_ONE("CHECK_FALL", fall),
                GC_TPL_ONE("CHECK_RISE", rise),
                GC_TPL_ONE("INTERFACE", m->vip_interface.s),
                GC_TPL_ONE("VIRTUAL_ROUTER_ID", vrid),
                GC_TPL_ONE("PRIORITY", priority),
                GC_TPL_ONE("ADVERT_INT", advert),
                /* No value without network.vrrp.auth_pass: its @if block is left out. */
                {"AUTH_PASS", (const char *const[]){m->vrrp_auth_pass.s},
                 m->vrrp_auth_pass.set ? 1 : 0},
                GC_TPL_ONE("SRC_IP", self->ip_address.s),
                {"PEER_IP", peers, n_peers},
                GC_TPL_ONE("VIP", m->vip.s),
                GC_TPL_ONE("VIP_PREFIX", prefix),
        };

        r = gc_tpl_render(b, gc_keepalived_conf_in, vars, sizeof(vars) / sizeof(vars[0]), err,
                          sizeof(err));
        if (r < 0)
                gc_problem_add(problems, 0, 0, "", "keepalived/keepalived.conf.in:%s", err);
        free(peers);
}

/* One "key = value" line of ha-slurm.conf; a line libinih would cut is a problem of the field
 * it came from. */
static void ini(struct gc_buf *b, struct gc_problems *problems, const char *key, const char *value,
                const struct gc_val *from, const char *path)
{
        size_t len = strlen(key) + 3 + strlen(value);

        if (len > GC_INI_LINE_MAX)
                gc_problem_add(problems, from ? from->line : 0, from ? from->col : 0, path,
                               "makes a line of %zu characters in ha-slurm.conf, where at most "
                               "%d fit: shorten it",
                               len, GC_INI_LINE_MAX);
        gc_buf_printf(b, "%s = %s\n", key, value);
}

/* A duration as ha-slurm.conf reads it: "6s", or "6500ms" when not whole seconds. */
static void duration(char *out, size_t size, uint64_t us)
{
        if (us % 1000000 == 0)
                (void)snprintf(out, size, "%llus", (unsigned long long)(us / 1000000));
        else
                (void)snprintf(out, size, "%llums", (unsigned long long)(us / 1000));
}

static void render_ha_conf(struct gc_buf *b, const struct gc_model *m, const char *host,
                           const struct gc_controller *self, struct gc_problems *problems)
{
        char text[64];

        header(b, m, "ha-slurm.conf", host);
        gc_buf_puts(b, "# The HA hooks' settings (ha-slurm.conf(5)).\n\n[slurm]\n");
        ini(b, problems, "controller", "127.0.0.1", NULL, "");
        (void)snprintf(text, sizeof(text), "%lld", m->slurm_port.n);
        ini(b, problems, "port", text, NULL, "");
        ini(b, problems, "user", m->slurm_user.s, NULL, "");
        ini(b, problems, "command", GC_SLURMCTLD " -f " GC_SLURM_DIR "/ha-slurmctld.conf", NULL,
            "");
        ini(b, problems, "conf", GC_SLURM_DIR "/ha-slurmctld.conf", NULL, "");
        ini(b, problems, "pid_file", "/run/slurmctld.pid", NULL, "");
        {
                /* The other controllers, which a promotion sees out of control first (rule 8
                 * of lease.h). */
                struct gc_buf peers = {0};
                const struct gc_val *first = NULL;

                for (size_t k = 0; k < m->n_order; k++) {
                        const struct gc_controller *c = &m->controllers[m->order[k]];

                        if (c == self)
                                continue;
                        if (!first)
                                first = &c->ip_address;
                        gc_buf_printf(&peers, "%s%s", peers.len ? " " : "", c->ip_address.s);
                }
                if (peers.failed)
                        b->failed = true;
                else if (peers.len)
                        ini(b, problems, "peers", peers.data, first, "nodes.controllers");
                gc_buf_free(&peers);
        }

        gc_buf_puts(b, "\n[ha]\n");
        ini(b, problems, "state_dir", m->ha_state_dir.s, &m->ha_state_dir, "ha.state_dir");
        ini(b, problems, "node", self->hostname.s, NULL, "");
        if (m->service_manager.set)
                ini(b, problems, "service_manager", m->service_manager.s, NULL, "");

        gc_buf_puts(b, "\n[vip]\n");
        ini(b, problems, "address", m->vip.s, NULL, "");
        ini(b, problems, "interface", m->vip_interface.s, NULL, "");

        gc_buf_puts(b, "\n[storage]\n");
        ini(b, problems, "path", m->slurm_state_dir.s, &m->slurm_state_dir, "slurm.state_dir");
        ini(b, problems, "mount_point", m->mount_point.s, &m->mount_point,
            "storage.glusterfs.mount_point");
        ini(b, problems, "fstype", m->fstype.s, &m->fstype, "storage.glusterfs.fstype");

        /* The check gives up one second before keepalived would kill it. */
        gc_buf_puts(b, "\n[check]\n");
        (void)snprintf(text, sizeof(text), "%llds",
                       m->check_timeout.n > 2 ? m->check_timeout.n - 1 : 1);
        ini(b, problems, "deadline", text, NULL, "");
        /* slurmdbd on the VIP holder is probed (reported, not failed on). */
        if (m->dbd_follows_vip) {
                (void)snprintf(text, sizeof(text), "%lld", m->dbd_port.n);
                ini(b, problems, "dbd_port", text, &m->dbd_port, "slurm.dbd_port");
        }

        gc_buf_puts(b, "\n[lease]\n");
        duration(text, sizeof(text), m->lease_ttl_us);
        ini(b, problems, "ttl", text, NULL, "");
        /* A promotion must be able to outwait a dead holder's lease (the default wait is 8s). */
        if (m->lease_ttl_us > 8000000) {
                duration(text, sizeof(text), m->lease_ttl_us + 2000000);
                ini(b, problems, "wait", text, NULL, "");
        }

        if (m->n_followers > 0 || m->alert_command.set) {
                struct gc_buf names = {0};

                gc_buf_puts(b, "\n[notify]\n");
                for (size_t i = 0; i < m->n_followers; i++)
                        gc_buf_printf(&names, "%s%s", i ? " " : "", m->followers[i]);
                if (names.len > 0)
                        ini(b, problems, "followers", names.data, &m->followers_val,
                            "slurm.followers");
                /* slurmctld needs slurmdbd at its start: without it, a new cluster's first
                 * slurmctld stops ("no TRES") and any other one stays unconnected to
                 * accounting until it has something to send (seen with 22.05). */
                for (size_t i = 0; i < m->n_followers; i++)
                        if (strcmp(m->followers[i], "slurmdbd") == 0 ||
                            strcmp(m->followers[i], "slurmdbd.service") == 0)
                                ini(b, problems, "before_slurmctld", m->followers[i],
                                    &m->followers_val, "slurm.followers");
                if (names.failed)
                        b->failed = true;
                gc_buf_free(&names);
                if (m->alert_command.set)
                        ini(b, problems, "alert_command", m->alert_command.s, &m->alert_command,
                            "ha.alert_command");
        }

        /* Power fencing: how to power off each other controller before taking its lease. */
        if (m->fence_power) {
                gc_buf_puts(b, "\n[fence]\n");
                ini(b, problems, "method", "power", &m->fencing, "ha.fencing");
                if (m->fence_after_us > 0) {
                        duration(text, sizeof(text), m->fence_after_us);
                        ini(b, problems, "after", text, NULL, "");
                }
                if (m->fence_timeout_us > 0) {
                        duration(text, sizeof(text), m->fence_timeout_us);
                        ini(b, problems, "timeout", text, NULL, "");
                }
        }
        for (size_t k = 0; k < m->n_order && m->fence_power; k++) {
                const struct gc_controller *c = &m->controllers[m->order[k]];
                char path[96], options[256];

                if (c == self)
                        continue;
                (void)snprintf(path, sizeof(path), "nodes.controllers[%zu].fence.agent",
                               m->order[k]);
                (void)snprintf(options, sizeof(options), GC_FENCE_DIR "/%s.conf", c->hostname.s);
                gc_buf_printf(b, "\n[fence %s]\n", c->hostname.s);
                ini(b, problems, "agent", c->fence_agent.s, &c->fence_agent, path);
                ini(b, problems, "options", options, NULL, "");
        }

        if (m->metrics_textfile.set) {
                gc_buf_puts(b, "\n[metrics]\n");
                ini(b, problems, "textfile", m->metrics_textfile.s, &m->metrics_textfile,
                    "ha.metrics.textfile");
                if (m->metrics_timeout_us > 0) {
                        duration(text, sizeof(text), m->metrics_timeout_us);
                        ini(b, problems, "timeout", text, NULL, "");
                }
        }
}

/* A value for slurmdbd.conf: "\" and "#" escaped (Slurm reads "#" as a comment), in double
 * quotes when it holds a blank. */
static void slurm_value(struct gc_buf *b, const char *s)
{
        bool quote = strpbrk(s, " \t") != NULL;

        if (quote)
                gc_buf_puts(b, "\"");
        for (; *s; s++) {
                if (*s == '\\' || *s == '#')
                        gc_buf_puts(b, "\\");
                gc_buf_append(b, s, 1);
        }
        if (quote)
                gc_buf_puts(b, "\"");
}

static void render_slurmdbd(struct gc_buf *b, const struct gc_model *m,
                            const struct gc_controller *self, const char *password)
{
        const char *host = self->hostname.s;
        const char *storage = m->db_galera.b ? self->ip_address.s : m->db_host.s;

        header(b, m, "slurmdbd.conf", host);
        gc_buf_printf(b,
                      "# Mode 0600: it holds the database password.\n"
                      "AuthType=auth/munge\n"
                      "DbdHost=%s\n"
                      "DbdPort=%lld\n"
                      "SlurmUser=%s\n"
                      "LogFile=/var/log/slurm/slurmdbd.log\n"
                      "PidFile=/run/slurmdbd.pid\n"
                      "StorageType=accounting_storage/mysql\n"
                      "StorageHost=%s\n"
                      "StoragePort=%lld\n"
                      "StorageUser=%s\n"
                      "StorageLoc=%s\n"
                      "StoragePass=",
                      host, m->dbd_port.n, m->slurm_user.s, storage, m->db_port.n, m->db_user.s,
                      m->db_name.s);
        slurm_value(b, password);
        gc_buf_puts(b, "\n");
}

/* fence/NODE.conf: the options host `host` gives controller `c`'s fence agent on its stdin,
 * one "key=value" line each (common/fence.h reads it), the password last. */
static void render_fence_options(struct gc_buf *b, const struct gc_model *m, const char *host,
                                 const struct gc_controller *c, const char *password,
                                 struct gc_problems *problems)
{
        size_t i = (size_t)(c - m->controllers);
        char path[64];

        gc_buf_printf(b, "# " GC_FENCE_SUBDIR "/%s.conf of host %s, cluster %s.\n", c->hostname.s,
                      host, m->cluster_name.s);
        gc_buf_printf(b,
                      "# Written by ha-genconf from the cluster's YAML file: edit that file and "
                      "run ha-genconf\n"
                      "# again rather than this one.\n"
                      "#\n"
                      "# The options of %s's fence agent (%s), given on its stdin.\n"
                      "# Mode 0600: it may hold the password of %s's power controller.\n",
                      c->hostname.s, c->fence_agent.s, c->hostname.s);
        for (size_t k = 0; k < c->n_fence_options; k++)
                gc_buf_printf(b, "%s=%s\n", c->fence_options[k].key.s, c->fence_options[k].value.s);
        if (password)
                gc_buf_printf(b, "password=%s\n", password);
        (void)snprintf(path, sizeof(path), "nodes.controllers[%zu].fence", i);
        if (b->len > HA_FENCE_OPTS_MAX)
                gc_problem_add(problems, c->fence.line, c->fence.col, path,
                               "makes an options file of %zu bytes, where the hooks read at most "
                               "%d: shorten the options",
                               b->len, HA_FENCE_OPTS_MAX);
}

/* The options files of the other Slurm controllers, in files[*n...]. */
static void fence_files(const struct gc_model *m, const struct gc_controller *self,
                        char *const *passwords, struct gc_file *files, size_t *n,
                        struct gc_problems *problems)
{
        for (size_t k = 0; k < m->n_order; k++) {
                size_t i = m->order[k];
                const struct gc_controller *c = &m->controllers[i];
                const char *password = passwords ? passwords[i] : NULL;
                struct gc_file *f = &files[*n];
                char path[64];

                if (c == self)
                        continue;
                if (!password && (c->fence_password_env.set || c->fence_password_file.set)) {
                        (void)snprintf(path, sizeof(path), "nodes.controllers[%zu].fence", i);
                        gc_problem_add(problems, c->fence.line, c->fence.col, path,
                                       "no fence password for its options file");
                        continue;
                }
                *f = (struct gc_file){.mode = 0600};
                if (asprintf(&f->owned_name, GC_FENCE_SUBDIR "/%s.conf", c->hostname.s) < 0) {
                        f->owned_name = NULL;
                        f->text.failed = true;
                }
                f->name = f->owned_name ? f->owned_name : GC_FENCE_SUBDIR;
                (*n)++;
                render_fence_options(&f->text, m, self->hostname.s, c, password, problems);
        }
}

int gc_render_host(const struct gc_model *m, const char *host, const char *db_password,
                   char *const *fence_passwords, struct gc_file files[GC_MAX_FILES], size_t *ret_n,
                   struct gc_problems *problems)
{
        const struct gc_controller *self = gc_find_controller(m, host);
        size_t n = 0, before = problems->n;

        *ret_n = 0;
        if (!self && !gc_is_compute(m, host)) {
                gc_problem_add(problems, 0, 0, "",
                               "no host \"%s\" in nodes.controllers or nodes.compute_nodes", host);
                return -EINVAL;
        }
        for (size_t i = 0; i < GC_MAX_FILES; i++)
                files[i] = (struct gc_file){0};

        files[n] = (struct gc_file){.name = "slurm.conf", .mode = 0644};
        render_slurm_conf(&files[n++].text, m, host, self,
                          self && self->slurm.b ? VIEW_OTHERS : VIEW_ALL);
        if (self && self->slurm.b) {
                files[n] = (struct gc_file){.name = "ha-slurmctld.conf", .mode = 0644};
                render_slurm_conf(&files[n++].text, m, host, self, VIEW_SELF);
                /* The VRRP password is a secret too. */
                files[n] = (struct gc_file){.name = "keepalived.conf",
                                            .mode = m->vrrp_auth_pass.set ? 0600 : 0644};
                render_keepalived(&files[n++].text, m, host, self, problems);
                files[n] = (struct gc_file){.name = "ha-slurm.conf", .mode = 0644};
                render_ha_conf(&files[n++].text, m, host, self, problems);
        }
        if (self && gc_runs_slurmdbd(m, self)) {
                if (!db_password) {
                        gc_problem_add(problems, 0, 0, "database.mariadb",
                                       "no database password for slurmdbd.conf");
                } else {
                        files[n] = (struct gc_file){.name = "slurmdbd.conf", .mode = 0600};
                        render_slurmdbd(&files[n++].text, m, self, db_password);
                }
        }
        if (self && self->slurm.b && m->fence_power)
                fence_files(m, self, fence_passwords, files, &n, problems);
        *ret_n = n;
        for (size_t i = 0; i < n; i++)
                if (gc_buf_failed(&files[i].text))
                        return -ENOMEM;
        return problems->n > before ? -EINVAL : 0;
}

void gc_files_free(struct gc_file *files, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                /* slurmdbd.conf holds the database password, an options file a fence
                 * password. */
                if (files[i].text.data)
                        explicit_bzero(files[i].text.data, files[i].text.cap);
                gc_buf_free(&files[i].text);
                free(files[i].owned_name);
                files[i].owned_name = NULL;
        }
}
