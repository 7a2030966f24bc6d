/* nameset.c: a set of names with open addressing (FNV-1a hash, linear probing). */
#include "genconf/nameset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_name(const char *s)
{
        uint64_t h = 1469598103934665603ULL;

        while (*s)
                h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
        return h;
}

/* The slot of `key` in a table of `cap` slots (a power of two, never full): where it is, or the
 * empty slot where it would go. */
static size_t slot(const char *const *keys, size_t cap, const char *key)
{
        size_t i = hash_name(key) & (cap - 1);

        while (keys[i] && strcmp(keys[i], key) != 0)
                i = (i + 1) & (cap - 1);
        return i;
}

bool gc_nameset_reserve(struct gc_nameset *s, size_t n)
{
        size_t cap = 64;

        while (cap < 2 * n + 2)
                cap *= 2;
        if (cap <= s->cap)
                return true;
        free(s->keys);
        free(s->values);
        s->keys = calloc(cap, sizeof(*s->keys));
        s->values = calloc(cap, sizeof(*s->values));
        s->cap = s->keys && s->values ? cap : 0;
        s->n = 0;
        s->failed = s->cap == 0;
        return !s->failed;
}

/* Doubles the table (64 slots for an empty set). Returns false when memory runs out. */
static bool grow(struct gc_nameset *s)
{
        size_t cap = s->cap ? s->cap * 2 : 64;
        const char **keys = calloc(cap, sizeof(*keys));
        size_t *values = calloc(cap, sizeof(*values));

        if (!keys || !values) {
                free(keys);
                free(values);
                return false;
        }
        for (size_t k = 0; k < s->cap; k++) {
                size_t i;

                if (!s->keys[k])
                        continue;
                i = slot(keys, cap, s->keys[k]);
                keys[i] = s->keys[k];
                values[i] = s->values[k];
        }
        free(s->keys);
        free(s->values);
        s->keys = keys;
        s->values = values;
        s->cap = cap;
        return true;
}

bool gc_nameset_add(struct gc_nameset *s, const char *key, size_t value, size_t *ret_old)
{
        size_t i;

        if ((s->n + 1) * 2 > s->cap && !grow(s)) {
                s->failed = true;
                return true;
        }
        i = slot(s->keys, s->cap, key);
        if (s->keys[i]) {
                *ret_old = s->values[i];
                return false;
        }
        s->keys[i] = key;
        s->values[i] = value;
        s->n++;
        return true;
}

bool gc_nameset_find(const struct gc_nameset *s, const char *key, size_t *ret)
{
        size_t i;

        if (s->cap == 0)
                return false;
        i = slot(s->keys, s->cap, key);
        if (!s->keys[i])
                return false;
        if (ret)
                *ret = s->values[i];
        return true;
}

void gc_nameset_free(struct gc_nameset *s)
{
        free(s->keys);
        free(s->values);
        *s = (struct gc_nameset){0};
}
