/* hostlist.h: Slurm host lists, "node[001-010,015],gpu1".
 *
 * Compression groups names by their prefix (everything before the trailing digits) and writes
 * runs of consecutive numbers as ranges. Zero padding is kept: node001..node010 is
 * node[001-010], while node9 and node10 make node[9-10]; a number that the range's width would
 * print differently (node010 after node9) starts a new range. Names without trailing digits stay
 * as they are.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Compresses `n` distinct names into host list expressions joined by commas, in a stable order
 * (by prefix, then number). The result is cut into pieces of at most `max_len` characters (a
 * single name longer than that is a piece of its own): several NodeName lines rather than one
 * very long one. Stores a malloc()ed array of malloc()ed strings in *ret and their count in
 * *ret_n (free with gc_hostlist_free()). Returns 0 or -ENOMEM. */
int gc_hostlist_compress(const char *const *names, size_t n, size_t max_len, char ***ret,
                         size_t *ret_n);

/* Frees what gc_hostlist_compress() returned. */
void gc_hostlist_free(char **pieces, size_t n);

/* Calls `each` for every name of the host list expression `expr` ("a,b[1-3],c[01,07-09]"), in
 * order, until it returns false. At most `max_names` names are produced. Returns 0, or -EINVAL
 * with a reason (static string) in *ret_why when `expr` is malformed or too large, or -ENOMEM. */
int gc_hostlist_expand(const char *expr, size_t max_names,
                       bool (*each)(const char *name, void *userdata), void *userdata,
                       const char **ret_why);
