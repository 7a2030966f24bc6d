/* schema_site.c: the site's sections of the cluster file: cluster (its name), network (the
 * virtual IP, VRRP and keepalived's check), storage (the shared GlusterFS mount), database
 * (MariaDB for slurmdbd: where, who, and where its password comes from) and ha (the hooks'
 * lease, folders, alerts, service manager and metrics). Each value is checked on its own and
 * its default filled; the rules across sections are in rules.c.
 */
#include "genconf/schema.h"
#include "genconf/values.h"

#include "common/cfg.h"

#include <stdio.h>
#include <string.h>

void gc_read_cluster(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {"name", NULL};
        struct map m;

        gc_open_map(w, root, "cluster", REQUIRED, keys, &m);
        (void)gc_read_chars(w, &m, "name", REQUIRED, &w->m->cluster_name, LOWER DIGITS "_-", 40,
                            "a cluster name of lower-case letters, digits, \"_\" and \"-\" "
                            "(at most 40; Slurm lower-cases ClusterName)");
}

void gc_read_network(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {"vip", "vrrp", NULL};
        static const char *const vip_keys[] = {"address", "interface", "prefix", NULL};
        static const char *const vrrp_keys[] = {"router_id", "advert_int", "auth_pass", "check",
                                                NULL};
        static const char *const check_keys[] = {"interval", "timeout", "fall", "rise", NULL};
        struct gc_model *c = w->m;
        struct map net, vip, vrrp, check;

        gc_open_map(w, root, "network", REQUIRED, keys, &net);
        gc_open_map(w, &net, "vip", REQUIRED, vip_keys, &vip);
        (void)gc_read_ipv4(w, &vip, "address", REQUIRED, &c->vip);
        (void)gc_read_chars(w, &vip, "interface", OPTIONAL, &c->vip_interface,
                            LETTERS DIGITS "-_.@", 15,
                            "an interface name of at most 15 letters, digits and \"-_.@\"");
        gc_default_str(&c->vip_interface, "eth0");
        (void)gc_read_int(w, &vip, "prefix", OPTIONAL, 1, 32, &c->vip_prefix);
        gc_default_int(&c->vip_prefix, 24);

        gc_open_map(w, &net, "vrrp", OPTIONAL, vrrp_keys, &vrrp);
        (void)gc_read_int(w, &vrrp, "router_id", OPTIONAL, 1, 255, &c->vrrp_router_id);
        gc_default_int(&c->vrrp_router_id, 51);
        (void)gc_read_int(w, &vrrp, "advert_int", OPTIONAL, 1, 255, &c->vrrp_advert_int);
        gc_default_int(&c->vrrp_advert_int, 1);
        (void)gc_read_secret(w, &vrrp, "auth_pass", OPTIONAL, &c->vrrp_auth_pass,
                             LETTERS DIGITS "-_.+=@%:,/", 8,
                             "1 to 8 letters, digits or \"-_.+=@%:,/\" (PASS authentication "
                             "uses 8 characters; keepalived reads # and ! as comments)");

        gc_open_map(w, &vrrp, "check", OPTIONAL, check_keys, &check);
        (void)gc_read_int(w, &check, "interval", OPTIONAL, 1, 3600, &c->check_interval);
        gc_default_int(&c->check_interval, 1);
        /* The check's own deadline is one second less, and stays below the hooks' 25 s. */
        (void)gc_read_int(w, &check, "timeout", OPTIONAL, 2, 25, &c->check_timeout);
        gc_default_int(&c->check_timeout, 3);
        (void)gc_read_int(w, &check, "fall", OPTIONAL, 1, 255, &c->check_fall);
        gc_default_int(&c->check_fall, 2);
        (void)gc_read_int(w, &check, "rise", OPTIONAL, 1, 255, &c->check_rise);
        gc_default_int(&c->check_rise, 2);
}

void gc_read_storage(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {"glusterfs", NULL};
        static const char *const gl_keys[] = {"mount_point", "fstype", NULL};
        struct gc_model *c = w->m;
        struct map st, gl;

        gc_open_map(w, root, "storage", REQUIRED, keys, &st);
        gc_open_map(w, &st, "glusterfs", REQUIRED, gl_keys, &gl);
        if (gc_read_abs_path(w, &gl, "mount_point", REQUIRED, &c->mount_point) &&
            strcmp(c->mount_point.s, "/") == 0) {
                problem_val(w, &c->mount_point, "storage.glusterfs.mount_point",
                            "must be a mount point of its own, not \"/\"");
                c->mount_point.set = false;
        }
        (void)gc_read_chars(w, &gl, "fstype", OPTIONAL, &c->fstype, NAME_CHARS, 64,
                            "a file-system type such as fuse.glusterfs");
        gc_default_str(&c->fstype, "fuse.glusterfs");
}

void gc_read_database(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {"mariadb", NULL};
        static const char *const db_keys[] = {
                "host",         "port",          "user",          "database", "password",
                "password_env", "password_file", "root_password", "galera",   NULL};
        struct gc_model *c = w->m;
        struct map db, maria;
        struct gc_node *n;

        gc_open_map(w, root, "database", OPTIONAL, keys, &db);
        gc_open_map(w, &db, "mariadb", OPTIONAL, db_keys, &maria);
        w->db_line = maria.line;
        w->db_col = maria.col;
        (void)gc_read_chars(w, &maria, "host", OPTIONAL, &c->db_host, DBHOST_CHARS, 253,
                            "a host name or an address");
        (void)gc_read_int(w, &maria, "port", OPTIONAL, 1, 65535, &c->db_port);
        gc_default_int(&c->db_port, 3306);
        /* Galera on the controllers: each slurmdbd talks to its own host's node, which is up
         * wherever the VIP goes; one fixed host would be a single point of failure again. */
        if (gc_read_bool(w, &maria, "galera", &c->db_galera) && c->db_galera.b && c->db_host.set)
                problem_val(w, &c->db_host, "database.mariadb.host",
                            "with galera: true, each controller's slurmdbd uses the Galera node "
                            "on its own host: leave host out");
        (void)gc_read_chars(w, &maria, "user", OPTIONAL, &c->db_user, NAME_CHARS, 80,
                            "a user name of letters, digits and \"-_.:@\"");
        gc_default_str(&c->db_user, "slurm");
        (void)gc_read_chars(w, &maria, "database", OPTIONAL, &c->db_name, LETTERS DIGITS "_$", 64,
                            "a database name of letters, digits and \"_\"");
        gc_default_str(&c->db_name, "slurm_acct_db");

        n = gc_lookup(w, &maria, "password");
        if (n)
                problem_at(w, n, "database.mariadb.password",
                           "a literal password is not accepted (it would sit in this file and "
                           "in logs): give password_env (the name of an environment variable) "
                           "or password_file (a file only root reads)");
        (void)gc_read_chars(w, &maria, "password_env", OPTIONAL, &c->db_password_env,
                            VARIABLE_CHARS, 127,
                            "the name of an environment variable (letters, digits, \"_\")");
        (void)gc_read_abs_path(w, &maria, "password_file", OPTIONAL, &c->db_password_file);
        if (c->db_password_env.set && c->db_password_file.set)
                problem_val(w, &c->db_password_file, "database.mariadb.password_file",
                            "give password_env or password_file, not both");

        /* The root password is install.sh's, never written by ha-genconf; it must still not
         * be written into this file. */
        n = gc_lookup(w, &maria, "root_password");
        if (n && n->type == GC_SCALAR && !strstr(n->value, "${"))
                problem_at(w, n, "database.mariadb.root_password",
                           "a literal password is not accepted: write ${VARIABLE} and set it in "
                           "the environment");
        else
                (void)gc_read_str(w, &maria, "root_password", OPTIONAL, &c->db_root_password);
}
/* ha.metrics: the node_exporter textfile the check and the hooks write (ha-slurm.conf's
 * [metrics]), and the deadline of that writing. */
static void read_metrics(struct walker *w, const struct map *ha)
{
        static const char *const metrics_keys[] = {"textfile", "timeout", NULL};
        struct gc_model *c = w->m;
        struct map metrics;

        gc_open_map(w, ha, "metrics", OPTIONAL, metrics_keys, &metrics);
        if (gc_read_abs_path(w, &metrics, "textfile", OPTIONAL, &c->metrics_textfile)) {
                const char *base = strrchr(c->metrics_textfile.s, '/') + 1;
                size_t n = strlen(base);

                /* node_exporter reads only *.prom files of its folder. */
                if (n <= 5 || strcmp(base + n - 5, ".prom") != 0) {
                        problem_val(w, &c->metrics_textfile, "ha.metrics.textfile",
                                    "expected a file name ending in \".prom\" (node_exporter "
                                    "reads only those), not \"%s\"",
                                    c->metrics_textfile.s);
                        c->metrics_textfile.set = false;
                }
        }
        if (gc_read_str(w, &metrics, "timeout", OPTIONAL, &c->metrics_timeout)) {
                usec_t us = 0;

                /* The check gives up 1 s before keepalived's timeout (network.vrrp.check) and
                 * writes the metrics after it decided: the writing must fit in that second. */
                if (strlen(c->metrics_timeout.s) > 20 ||
                    ha_parse_duration(c->metrics_timeout.s, &us) < 0 || us < 1000 || us > 900000 ||
                    us % 1000 != 0) {
                        problem_val(w, &c->metrics_timeout, "ha.metrics.timeout",
                                    "expected a duration from 1ms to 900ms, such as 500ms or "
                                    "0.5s (the check writes the metrics in the second between "
                                    "its deadline and keepalived's timeout), not \"%s\"",
                                    c->metrics_timeout.s);
                        c->metrics_timeout.set = false;
                } else if (!gc_lookup(w, &metrics, "textfile")) {
                        problem_val(w, &c->metrics_timeout, "ha.metrics.timeout",
                                    "has no use without ha.metrics.textfile: give the file too, "
                                    "or leave timeout out");
                        c->metrics_timeout.set = false;
                } else {
                        c->metrics_timeout_us = us;
                }
        }
}

/* A duration read as ha.lease_ttl is (a bare number is seconds; whole milliseconds), from
 * `min_us` to `max_us`, into *ret_us; the problem says "expected WHAT". */
static bool read_duration(struct walker *w, const struct map *ha, const char *key, struct gc_val *v,
                          uint64_t min_us, uint64_t max_us, const char *what, uint64_t *ret_us)
{
        char text[64], path[PATH_LEN];
        usec_t us = 0;

        if (!gc_read_str(w, ha, key, OPTIONAL, v))
                return false;
        (void)snprintf(text, sizeof(text), "%s%s", v->s, gc_only_chars(v->s, DIGITS) ? "s" : "");
        if (strlen(v->s) > 20 || ha_parse_duration(text, &us) < 0 || us < min_us || us > max_us ||
            us % 1000 != 0) {
                gc_join(path, ha->path, key);
                problem_val(w, v, path, "expected %s, not \"%s\"", what, v->s);
                v->set = false;
                return false;
        }
        *ret_us = us;
        return true;
}

/* ha.fencing, fence_after, fence_timeout: ha-slurm.conf's [fence]. Whether fencing is power
 * when not given, and whether every controller has its fence, is gc_check_fencing()'s. */
static void read_fencing(struct walker *w, const struct map *ha)
{
        struct gc_model *c = w->m;

        if (gc_read_str(w, ha, "fencing", OPTIONAL, &c->fencing) &&
            strcmp(c->fencing.s, "power") != 0 && strcmp(c->fencing.s, "wait") != 0) {
                problem_val(w, &c->fencing, "ha.fencing", "expected power or wait, not \"%s\"",
                            c->fencing.s);
                c->fencing.set = false;
        }
        (void)read_duration(w, ha, "fence_after", &c->fence_after, 1000000, 3600000000,
                            "a duration from 1s to 3600s, such as 3s, 3 or 2500ms",
                            &c->fence_after_us);
        /* A promotion fences within its [notify] deadline, which ha-genconf leaves at the
         * hooks' default (25s). */
        (void)read_duration(w, ha, "fence_timeout", &c->fence_timeout, 1000000, 24999000,
                            "a duration from 1s to under 25s (the hooks' [notify] deadline, "
                            "within which a promotion fences), such as 15s",
                            &c->fence_timeout_us);
}

void gc_read_ha(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {
                "lease_ttl", "hooks_dir", "state_dir",   "alert_command", "service_manager",
                "metrics",   "fencing",   "fence_after", "fence_timeout", NULL};
        struct gc_model *c = w->m;
        struct map ha;

        gc_open_map(w, root, "ha", OPTIONAL, keys, &ha);
        if (gc_read_str(w, &ha, "lease_ttl", OPTIONAL, &c->lease_ttl)) {
                char text[64];
                usec_t us = 0;

                /* A bare number is seconds. */
                (void)snprintf(text, sizeof(text), "%s%s", c->lease_ttl.s,
                               gc_only_chars(c->lease_ttl.s, DIGITS) ? "s" : "");
                if (strlen(c->lease_ttl.s) > 20 || ha_parse_duration(text, &us) < 0 ||
                    us < 1000000 || us % 1000 != 0) {
                        problem_val(w, &c->lease_ttl, "ha.lease_ttl",
                                    "expected a duration of at least 1s, such as 6s, 6 or 6500ms, "
                                    "not \"%s\"",
                                    c->lease_ttl.s);
                        c->lease_ttl.set = false;
                } else {
                        c->lease_ttl_us = us;
                }
        }
        if (!c->lease_ttl.set)
                c->lease_ttl_us = 6000000;
        (void)gc_read_abs_path(w, &ha, "hooks_dir", OPTIONAL, &c->hooks_dir);
        gc_default_str(&c->hooks_dir, "/usr/libexec/ha-slurm");
        (void)gc_read_abs_path(w, &ha, "state_dir", OPTIONAL, &c->ha_state_dir);
        gc_default_str(&c->ha_state_dir, "/run/ha-slurm");
        if (gc_read_str(w, &ha, "alert_command", OPTIONAL, &c->alert_command) &&
            c->alert_command.s[0] != '/') {
                problem_val(w, &c->alert_command, "ha.alert_command",
                            "expected a command starting with an absolute path, not \"%s\"",
                            c->alert_command.s);
                c->alert_command.set = false;
        }
        if (gc_read_str(w, &ha, "service_manager", OPTIONAL, &c->service_manager) &&
            strcmp(c->service_manager.s, "auto") != 0 &&
            strcmp(c->service_manager.s, "systemd") != 0 &&
            strcmp(c->service_manager.s, "direct") != 0) {
                problem_val(w, &c->service_manager, "ha.service_manager",
                            "expected auto, systemd or direct, not \"%s\"", c->service_manager.s);
                c->service_manager.set = false;
        }
        read_metrics(w, &ha);
        read_fencing(w, &ha);
}
