/* model.h: the cluster as ha-genconf reads it from the YAML file, and the problems found.
 *
 * gc_load() reads the file with libyaml, checks it against the schema (every key known, every
 * required key present, every value of its kind) and the rules that span fields (one VIP owner,
 * no duplicate host or address, partitions naming known nodes...), and fills defaults. Every
 * problem is recorded with the place it was found, "FILE:LINE:COLUMN: field.path: what", and
 * loading goes on, so one run reports them all.
 *
 * Strings point into memory owned by the model (gc_model_free() releases everything).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One value from the file: its text after ${VAR} expansion, its number or boolean when it is
 * one, and where it was written (line 0 when it was not: a default). */
struct gc_val {
        const char *s;
        long long n;
        bool b;
        bool set; /* given in the file (not a default) */
        unsigned line, col;
};

/* One option of a controller's fence agent (nodes.controllers[].fence.options): a line
 * "key=value" of its options file, in the order of the YAML file. */
struct gc_fence_option {
        struct gc_val key, value;
};

struct gc_controller {
        struct gc_val hostname, ip_address, vip_owner, slurm, slurmdbd;
        unsigned line, col; /* the item in nodes.controllers */
        unsigned priority;  /* keepalived priority; 0 for a controller without services.slurm */
        /* fence: how the other controllers power this one off. `fence` is set (with its place)
         * when the mapping is given; the password is read only when rendering (secret.c). */
        struct gc_val fence, fence_agent, fence_password_env, fence_password_file;
        struct gc_fence_option *fence_options;
        size_t n_fence_options;
};

struct gc_compute {
        struct gc_val hostname, cpus, real_memory, tmp_disk;
};

struct gc_partition {
        struct gc_val name, nodes, is_default, max_time, state;
        char *nodes_expr; /* Nodes= value: "ALL" or a compressed host list */
};

struct gc_model {
        const char *file;

        struct gc_val cluster_name;

        struct gc_val vip, vip_interface, vip_prefix;
        struct gc_val vrrp_router_id, vrrp_advert_int, vrrp_auth_pass;
        struct gc_val check_interval, check_timeout, check_fall, check_rise;

        struct gc_val mount_point, fstype;

        struct gc_val db_host, db_port, db_user, db_name, db_password_env, db_password_file,
                db_root_password;
        struct gc_val db_galera; /* a Galera node on every controller: StorageHost is its own */

        struct gc_controller *controllers;
        size_t n_controllers;
        size_t *order; /* indexes of the Slurm controllers: the VIP owner, then file order */
        size_t n_order;

        struct gc_compute *computes;
        size_t n_computes;

        struct gc_partition *partitions;
        size_t n_partitions;

        struct gc_val slurm_port, slurm_user, slurmctld_timeout, slurm_state_dir, accounting,
                proctrack_type, task_plugin, mail_prog, dbd_port, tcp_timeout;
        const char **followers;
        size_t n_followers;
        struct gc_val followers_val; /* where slurm.followers was written */
        bool dbd_follows_vip;        /* "slurmdbd" is one of the followers */

        struct gc_val lease_ttl, hooks_dir, ha_state_dir, alert_command, service_manager;
        uint64_t lease_ttl_us;
        /* ha.metrics: ha-slurm.conf's [metrics], written only when textfile is given. */
        struct gc_val metrics_textfile, metrics_timeout;
        uint64_t metrics_timeout_us; /* 0: not given (the programs' default) */
        /* ha.fencing, fence_after, fence_timeout: ha-slurm.conf's [fence] and [fence NODE]. */
        struct gc_val fencing, fence_after, fence_timeout;
        uint64_t fence_after_us, fence_timeout_us; /* 0: not given (the hooks' default) */
        bool fence_power; /* power fencing (given, or every Slurm controller has fence) */

        /* NodeName lines: the compute nodes grouped by identical hardware. */
        struct gc_node_group *groups;
        size_t n_groups;

        struct gc_model_private *priv;
};

/* Nodes of one hardware kind, in the order the kind first appears in the file. */
struct gc_node_group {
        const struct gc_compute *first; /* cpus, real_memory, tmp_disk of the kind */
        char **exprs;                   /* compressed host lists, each a NodeName line */
        size_t n_exprs;
        size_t n_nodes;
};

/* One problem. */
struct gc_problem {
        unsigned line, col; /* 1-based; 0: no place */
        char *path;         /* "nodes.controllers[1].ip_address", or "" */
        char *what;
        size_t seq; /* the order it was found in */
};

struct gc_problems {
        struct gc_problem *v;
        size_t n;
        bool out_of_memory;
};

/* Records a problem (the message is formatted). */
void gc_problem_add(struct gc_problems *p, unsigned line, unsigned col, const char *path,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Sorts the problems by place (stable) and prints them on `f`, one line each:
 * "FILE:LINE:COLUMN: path: what". */
void gc_problems_print(struct gc_problems *p, const char *file, FILE *f);

void gc_problems_free(struct gc_problems *p);

/* Reads and checks `path`. Returns 0 with a model in *ret (free with gc_model_free()) when no
 * problem was found; -EINVAL with the problems in `problems` when the file is wrong; another
 * -errno (with a problem saying which) when the file cannot be read or memory runs out. */
int gc_load(const char *path, struct gc_model **ret, struct gc_problems *problems);

void gc_model_free(struct gc_model *m);

/* The controller named `name`, or NULL. */
const struct gc_controller *gc_find_controller(const struct gc_model *m, const char *name);

/* Whether `name` is a compute node. */
bool gc_is_compute(const struct gc_model *m, const char *name);

/* Whether host `c` runs slurmdbd: services.slurmdbd, or a Slurm controller while slurmdbd
 * follows the VIP. */
bool gc_runs_slurmdbd(const struct gc_model *m, const struct gc_controller *c);

/* Reads the database password (database.mariadb.password_env or password_file) into a
 * malloc()ed string. Returns 0, or -errno with the problem recorded in `problems`. */
int gc_db_password(const struct gc_model *m, char **ret, struct gc_problems *problems);

/* Reads the fence passwords the options files of host `self` need (every Slurm controller's
 * but self's; self NULL: every Slurm controller's) into *ret: m->n_controllers entries, each a
 * malloc()ed password or NULL (the controller gives none, or none is needed). *ret is NULL
 * without power fencing. Reads them all and records every problem. Returns 0, or -errno (the
 * problems recorded; *ret NULL). Free with gc_fence_passwords_free(). */
int gc_fence_passwords(const struct gc_model *m, const struct gc_controller *self, char ***ret,
                       struct gc_problems *problems);

/* Wipes and frees the passwords from gc_fence_passwords() (NULL is allowed). */
void gc_fence_passwords_free(const struct gc_model *m, char **passwords);
