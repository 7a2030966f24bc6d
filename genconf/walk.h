/* walk.h: walking the parsed cluster file (tree.h) against the schema: the walker, paths,
 * mappings and lists.
 *
 * The contract every section reader (schema.h) relies on:
 *  - A problem is recorded with the place of the node it is about (or, for a missing key, of
 *    the mapping that lacks it) and the path of the field, such as
 *    "nodes.controllers[1].ip_address"; nothing stops at a problem.
 *  - A mapping, or a list opened with gc_open_list(), is walked at most once: an alias that
 *    repeats one is a problem, so a "billion laughs" file is refused, not expanded.
 *  - An absent mapping is opened all the same (node NULL) and reads as empty: its keys are
 *    then absent, and a required one is reported missing only when the mapping's own absence
 *    was not reported already.
 *  - A key whose value is null ("", "~", "null") is absent.
 *  - Memory from gc_alloc() lives as long as the model; running out of memory sets
 *    problems->out_of_memory rather than add a problem.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "genconf/model.h"
#include "genconf/nameset.h"
#include "genconf/tree.h"

/* The longest field path kept; a longer one is cut and ends in "...". */
#define PATH_LEN 160

/* Character sets of the kinds of text. */
#define DIGITS          "0123456789"
#define LETTERS         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LOWER           "abcdefghijklmnopqrstuvwxyz"
#define HOST_CHARS      LETTERS DIGITS "-"
#define NODE_CHARS      LETTERS DIGITS "-_."
#define NAME_CHARS      LETTERS DIGITS "-_.:@"
#define PATH_CHARS      LETTERS DIGITS "/-_.+@%:,"
#define PLUGIN_CHARS    LOWER DIGITS "/_,"
#define VARIABLE_CHARS  LETTERS DIGITS "_"
#define MAXTIME_CHARS   DIGITS ":-"
#define DBHOST_CHARS    LETTERS DIGITS "-.:"
#define PARTITION_CHARS LETTERS DIGITS "-_"

/* What the model owns besides its fields (gc_model_free() releases it). */
struct gc_model_private {
        struct gc_tree tree;
        void **allocs; /* gc_alloc()'s blocks */
        size_t n_allocs, cap_allocs;
        struct gc_nameset computes; /* compute node names, each with its index */
};

/* One walk of the tree into a model. */
struct walker {
        struct gc_model *m;
        struct gc_model_private *priv;
        struct gc_problems *problems;
        unsigned char *visited; /* per node: a mapping or list already walked */
        size_t n_nodes;
        unsigned db_line, db_col; /* database.mariadb, or where it would be */
};

/* A mapping being read: its node (NULL when absent), path and place (of the node, or where it
 * would have been). */
struct map {
        struct gc_node *node;
        char path[PATH_LEN];
        unsigned line, col;
        bool reported; /* absent, and reported as missing: its keys are not reported again */
};

/* A list being read: its node (NULL: nothing to read), path and number of items. */
struct list {
        struct gc_node *node;
        char path[PATH_LEN];
        size_t n;
};

enum { OPTIONAL = false, REQUIRED = true };

/* Records a problem at a place, at a node, at a value read (struct gc_val). */
#define problem(w, line, col, path, ...) gc_problem_add((w)->problems, line, col, path, __VA_ARGS__)
#define problem_at(w, node, path, ...)                                                             \
        gc_problem_add((w)->problems, (node)->line, (node)->col, path, __VA_ARGS__)
#define problem_val(w, v, path, ...)                                                               \
        gc_problem_add((w)->problems, (v)->line, (v)->col, path, __VA_ARGS__)

/* Zeroed memory that lives as long as the model; NULL (out of memory recorded) when there is
 * none. */
void *gc_alloc(struct walker *w, size_t size);

/* "parent.key" into `out` (PATH_LEN bytes). */
void gc_join(char *out, const char *parent, const char *key);

/* "list[index]" into `out` (PATH_LEN bytes). */
void gc_item_path(char *out, const char *list, size_t index);

/* "a mapping", "a list" or "a single value": what node `n` is, for a problem. */
const char *gc_kind(const struct gc_node *n);

/* Item `i` of the list node `s`. */
struct gc_node *gc_seq_item(struct walker *w, const struct gc_node *s, size_t i);

/* The value of `key` in `m`, or NULL when absent or null. */
struct gc_node *gc_lookup(struct walker *w, const struct map *m, const char *key);

/* Reports `path`, a key of `m`, as missing (unless m's own absence was reported). */
void gc_missing(struct walker *w, const struct map *m, const char *path);

/* Opens mapping node `n` (NULL: absent) as `out`, at `path`, placed at `line:col` when absent,
 * and reports its keys that are not in `known` (NULL-terminated; NULL: any single word is a
 * key) or are given twice. A node that is not a mapping, or one walked already, is reported
 * and opened as absent. */
void gc_open_node(struct walker *w, struct gc_node *n, const char *path, unsigned line,
                  unsigned col, const char *const *known, struct map *out);

/* Opens the mapping at `key` of `parent` (a problem when `required` and absent). */
void gc_open_map(struct walker *w, const struct map *parent, const char *key, bool required,
                 const char *const *known, struct map *out);

/* The pairs of an opened mapping whose keys are the user's (opened with `known` NULL): their
 * number (0 when absent), the key of pair `i` (NULL when it is not a single value: reported
 * when opened), and its value (NULL when null). */
size_t gc_map_count(const struct map *m);
struct gc_node *gc_map_key(struct walker *w, const struct map *m, size_t i);
struct gc_node *gc_map_value(struct walker *w, const struct map *m, size_t i);

/* Opens the list at `key` of `parent` as `out`. Returns false (out->node NULL) when there is
 * nothing to read: absent (a problem when `required`), not a list ("expected a list of WHAT")
 * or walked already. */
bool gc_open_list(struct walker *w, const struct map *parent, const char *key, bool required,
                  const char *what, struct list *out);

/* Opens item `i` of `list` as a mapping with the keys `known`, at "LIST[i]". Returns false when
 * it is nothing to read: null ("empty item") or not a mapping, each reported. */
bool gc_open_item(struct walker *w, const struct list *list, size_t i, const char *const *known,
                  struct map *out);
