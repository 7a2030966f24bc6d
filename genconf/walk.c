/* walk.c: the walker's memory, field paths, and the mappings and lists of the tree (walk.h). */
#include "genconf/walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *gc_alloc(struct walker *w, size_t size)
{
        struct gc_model_private *p = w->priv;
        void *v;

        if (p->n_allocs == p->cap_allocs) {
                size_t cap = p->cap_allocs ? p->cap_allocs * 2 : 32;
                void **grown = realloc(p->allocs, cap * sizeof(*grown));

                if (!grown) {
                        w->problems->out_of_memory = true;
                        return NULL;
                }
                p->allocs = grown;
                p->cap_allocs = cap;
        }
        v = calloc(1, size ? size : 1);
        if (!v) {
                w->problems->out_of_memory = true;
                return NULL;
        }
        p->allocs[p->n_allocs++] = v;
        return v;
}

/* ---- paths ---- */

/* A path too long to print ends in "...". */
void gc_join(char *out, const char *parent, const char *key)
{
        int n = snprintf(out, PATH_LEN, "%s%s%s", parent, *parent ? "." : "", key);

        if (n < 0 || n >= PATH_LEN)
                memcpy(out + PATH_LEN - 4, "...", 4);
}

/* Copies a path (PATH_LEN bytes at most; cut if longer). snprintf is too slow for 10,000 nodes
 * with a path each. */
static void copy_path(char *out, const char *path)
{
        size_t len = strnlen(path, PATH_LEN - 1);

        memcpy(out, path, len);
        out[len] = '\0';
}

void gc_item_path(char *out, const char *list, size_t index)
{
        char digits[24];
        size_t len = strnlen(list, PATH_LEN - 24), n = 0;

        do {
                digits[n++] = (char)('0' + index % 10);
                index /= 10;
        } while (index > 0);
        memcpy(out, list, len);
        out[len++] = '[';
        while (n > 0)
                out[len++] = digits[--n];
        out[len++] = ']';
        out[len] = '\0';
}

/* ---- nodes ---- */

const char *gc_kind(const struct gc_node *n)
{
        switch (n->type) {
        case GC_MAPPING:
                return "a mapping";
        case GC_SEQUENCE:
                return "a list";
        default:
                return "a single value";
        }
}

/* An empty value, "~" or "null" (plain, not quoted): the same as leaving the key out. */
static bool is_null(const struct gc_node *n)
{
        const char *s;

        if (n->type != GC_SCALAR || !n->plain)
                return false;
        s = n->value;
        return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
               strcmp(s, "NULL") == 0;
}

static struct gc_node *node_at(struct walker *w, size_t index)
{
        return &w->priv->tree.nodes[index];
}

/* The key and value of pair `i` of mapping `m`. */
static struct gc_node *pair_key(struct walker *w, const struct gc_node *m, size_t i)
{
        return node_at(w, w->priv->tree.kids[m->first + 2 * i]);
}

static struct gc_node *pair_value(struct walker *w, const struct gc_node *m, size_t i)
{
        return node_at(w, w->priv->tree.kids[m->first + 2 * i + 1]);
}

struct gc_node *gc_seq_item(struct walker *w, const struct gc_node *s, size_t i)
{
        return node_at(w, w->priv->tree.kids[s->first + i]);
}

/* A mapping or list may be walked once: an alias that repeats one (a "billion laughs" file)
 * is refused rather than expanded. */
static bool enter(struct walker *w, struct gc_node *n, const char *path)
{
        size_t i = (size_t)(n - w->priv->tree.nodes);

        if (i >= w->n_nodes)
                return false;
        if (w->visited[i]) {
                problem_at(w, n, path, "an alias of a mapping or list is not supported here");
                return false;
        }
        w->visited[i] = 1;
        return true;
}

/* ---- mappings ---- */

/* Reports keys of `m` that are not in `known` (NULL-terminated) or are given twice. */
static void check_keys(struct walker *w, const struct map *m, const char *const *known)
{
        char path[PATH_LEN];

        if (!m->node)
                return;
        for (size_t p = 0; p < m->node->count; p++) {
                struct gc_node *k = pair_key(w, m->node, p);
                bool found = false;

                if (k->type != GC_SCALAR) {
                        problem_at(w, k, m->path, "a key must be a single word, not %s",
                                   gc_kind(k));
                        continue;
                }
                for (size_t i = 0; known && known[i] && !found; i++)
                        found = strcmp(known[i], k->value) == 0;
                found = found || !known;
                if (!found) {
                        char list[512] = "";
                        size_t len = 0;

                        gc_join(path, m->path, k->value);
                        for (size_t i = 0; known[i] && len < sizeof(list); i++)
                                len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
                                                        i ? ", " : "", known[i]);
                        problem_at(w, k, path, "unknown key (expected one of: %s)", list);
                        continue;
                }
                for (size_t q = 0; q < p; q++) {
                        struct gc_node *earlier = pair_key(w, m->node, q);

                        if (earlier->type == GC_SCALAR && strcmp(earlier->value, k->value) == 0) {
                                gc_join(path, m->path, k->value);
                                problem_at(w, k, path, "given twice (first on line %u)",
                                           earlier->line);
                                break;
                        }
                }
        }
}

struct gc_node *gc_lookup(struct walker *w, const struct map *m, const char *key)
{
        if (!m->node)
                return NULL;
        for (size_t p = 0; p < m->node->count; p++) {
                struct gc_node *k = pair_key(w, m->node, p), *v;

                if (k->type != GC_SCALAR || strcmp(k->value, key) != 0)
                        continue;
                v = pair_value(w, m->node, p);
                return !is_null(v) ? v : NULL;
        }
        return NULL;
}

size_t gc_map_count(const struct map *m)
{
        return m->node ? m->node->count : 0;
}

struct gc_node *gc_map_key(struct walker *w, const struct map *m, size_t i)
{
        struct gc_node *k = pair_key(w, m->node, i);

        return k->type == GC_SCALAR ? k : NULL;
}

struct gc_node *gc_map_value(struct walker *w, const struct map *m, size_t i)
{
        struct gc_node *v = pair_value(w, m->node, i);

        return !is_null(v) ? v : NULL;
}

void gc_missing(struct walker *w, const struct map *m, const char *path)
{
        if (!m->reported)
                problem(w, m->line, m->col, path, "required key missing");
}

void gc_open_node(struct walker *w, struct gc_node *n, const char *path, unsigned line,
                  unsigned col, const char *const *known, struct map *out)
{
        *out = (struct map){.line = line, .col = col};
        copy_path(out->path, path);
        if (!n)
                return;
        out->line = n->line;
        out->col = n->col;
        if (n->type != GC_MAPPING) {
                problem_at(w, n, path, "expected a mapping (keys and values), not %s", gc_kind(n));
                return;
        }
        if (!enter(w, n, path))
                return;
        out->node = n;
        check_keys(w, out, known);
}

void gc_open_map(struct walker *w, const struct map *parent, const char *key, bool required,
                 const char *const *known, struct map *out)
{
        char path[PATH_LEN];
        struct gc_node *n = gc_lookup(w, parent, key);

        gc_join(path, parent->path, key);
        if (!n && required)
                gc_missing(w, parent, path);
        gc_open_node(w, n, path, parent->line, parent->col, known, out);
        /* Absent and required, or not a mapping: its own keys would only repeat that. */
        out->reported = n ? !out->node : (required || parent->reported);
}

/* ---- lists ---- */

bool gc_open_list(struct walker *w, const struct map *parent, const char *key, bool required,
                  const char *what, struct list *out)
{
        struct gc_node *n = gc_lookup(w, parent, key);

        *out = (struct list){0};
        gc_join(out->path, parent->path, key);
        if (!n) {
                if (required)
                        gc_missing(w, parent, out->path);
                return false;
        }
        if (n->type != GC_SEQUENCE) {
                problem_at(w, n, out->path, "expected a list of %s, not %s", what, gc_kind(n));
                return false;
        }
        if (!enter(w, n, out->path))
                return false;
        out->node = n;
        out->n = n->count;
        return true;
}

bool gc_open_item(struct walker *w, const struct list *list, size_t i, const char *const *known,
                  struct map *out)
{
        struct gc_node *item = gc_seq_item(w, list->node, i);
        char path[PATH_LEN];

        gc_item_path(path, list->path, i);
        if (is_null(item)) {
                problem_at(w, list->node, path, "empty item");
                out->node = NULL;
                return false;
        }
        gc_open_node(w, item, path, 0, 0, known, out);
        return out->node != NULL;
}
