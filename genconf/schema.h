/* schema.h: the sections of the cluster file, and the rules across their fields.
 *
 * gc_load() (load.c) opens the root mapping, then calls every section reader, then every rule
 * in the order below. A section reader reads its root key (one of cluster, network, storage,
 * database, nodes, slurm, ha) into the model: each value checked on its own (values.h), every
 * default filled, every problem recorded and the reading carried on. A rule runs after all the
 * sections and may rely on what they read, and on nothing more: a value that was wrong or
 * absent is unset (struct gc_val's `set`), and a rule that needs it skips it rather than
 * report a problem again. The rules also derive what the renderer uses: the controllers' order
 * and priorities, StateSaveLocation, the followers' default, the NodeName groups.
 */
#pragma once

#include "genconf/walk.h"

/* Limits that keep the output sane: Slurm host names, keepalived priorities (150 - 10 * k). */
#define MAX_NAME        63
#define MAX_CONTROLLERS 15
#define MAX_NODES       1000000
#define NODENAME_EXPR   900 /* characters of host list per NodeName line */

/* schema_site.c: the site's settings. */
void gc_read_cluster(struct walker *w, const struct map *root);
void gc_read_network(struct walker *w, const struct map *root);
void gc_read_storage(struct walker *w, const struct map *root);
/* Also records where database.mariadb is (or would be) in w->db_line, w->db_col. */
void gc_read_database(struct walker *w, const struct map *root);
void gc_read_ha(struct walker *w, const struct map *root);

/* schema_slurm.c: the hosts and Slurm. nodes makes room in w->priv->computes, which
 * gc_check_computes() fills; slurm's partitions are checked against the nodes by
 * gc_check_partitions(). */
void gc_read_nodes(struct walker *w, const struct map *root);
void gc_read_slurm(struct walker *w, const struct map *root);

/* rules.c, run in this order. */

/* Controllers: no duplicate name or address, none at the VIP's address, exactly one VIP owner
 * that runs slurmctld, 2 to MAX_CONTROLLERS Slurm controllers; then their order (the VIP owner
 * first) and keepalived priorities. */
void gc_check_controllers(struct walker *w);

/* Fencing: a fence only on Slurm controllers; power fencing (ha.fencing: power, or unset and
 * some controller has fence) needs a fence on every Slurm controller; fence_after and
 * fence_timeout only with power fencing. Sets m->fence_power. */
void gc_check_fencing(struct walker *w);

/* Compute nodes: no duplicate name; fills w->priv->computes. */
void gc_check_computes(struct walker *w);

/* Partitions: no duplicate name, at most one default, nodes that are compute nodes (their
 * Nodes= expression). Needs gc_check_computes() first. */
void gc_check_partitions(struct walker *w);

/* The state folder on the shared mount, slurmdbd's followers and password, accounting, the
 * lease against the check's interval. */
void gc_check_storage_and_services(struct walker *w);

/* Groups the compute nodes by hardware into NodeName lines (m->groups). Only for a model
 * without problems. Returns 0 or -ENOMEM. */
int gc_group_nodes(struct walker *w);
