/* nameset.h: a set of names (host names), each with the index it was first seen at.
 *
 * Open addressing over a power-of-two table, for the compute nodes of a large file. The set
 * keeps pointers: a name must outlive the set. Out of memory is remembered in `failed` (some
 * names were not added) rather than returned by every call.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct gc_nameset {
        const char **keys;
        size_t *values;
        size_t cap; /* a power of two; 0 when empty */
        size_t n;
        bool failed; /* out of memory: some names were not added */
};

/* Makes room for `n` names in an empty set. Returns false (and sets s->failed) when memory runs
 * out. */
bool gc_nameset_reserve(struct gc_nameset *s, size_t n);

/* Adds `key` with `value`; when it is there already, returns false and its value in *ret_old.
 * Out of memory returns true and sets s->failed. */
bool gc_nameset_add(struct gc_nameset *s, const char *key, size_t value, size_t *ret_old);

/* Whether `key` is in the set; its value in *ret unless `ret` is NULL. */
bool gc_nameset_find(const struct gc_nameset *s, const char *key, size_t *ret);

/* Frees the table; the set is empty again. */
void gc_nameset_free(struct gc_nameset *s);
