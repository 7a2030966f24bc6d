/* load.c: the cluster YAML file, read with libyaml and checked against the schema.
 *
 * The file is parsed into a tree (tree.h: every node keeps its place), then walked
 * once: each mapping is checked for unknown and repeated keys, each value read with its kind
 * (text, whole number, boolean) and ${VAR} expanded. Then the rules across fields run. Nothing
 * stops at the first problem: a missing or wrong value is left unset, and the rules that need it
 * are skipped, so every problem of the file is reported in one run.
 */
#include "genconf/output.h"
#include "genconf/model.h"

#include "common/cfg.h"
#include "genconf/buf.h"
#include "genconf/hostlist.h"
#include "genconf/tree.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_LEN 160

/* Limits that keep the output sane: Slurm host names, keepalived priorities (150 - 10 * k). */
#define MAX_NAME         63
#define MAX_CONTROLLERS  15
#define MAX_NODES        1000000
#define NODENAME_EXPR    900 /* characters of host list per NodeName line */
#define MAX_SECRET_BYTES 4096

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

/* A set of names (host names) with the index each was first seen at. */
struct nameset {
        const char **keys;
        size_t *values;
        size_t cap; /* a power of two; 0 when empty */
        size_t n;
        bool failed; /* out of memory: some names were not added */
};

struct gc_model_private {
        struct gc_tree tree;
        void **allocs;
        size_t n_allocs, cap_allocs;
        struct nameset computes;
};

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

enum { OPTIONAL = false, REQUIRED = true };

/* ---- small helpers ---- */

static uint64_t hash_name(const char *s)
{
        uint64_t h = 1469598103934665603ULL;

        while (*s)
                h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
        return h;
}

/* Makes room for `n` names in an empty set. */
static bool nameset_reserve(struct nameset *s, size_t n)
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

/* Adds `key` with `value`; when it is there already, returns false and its value in *ret_old.
 * Out of memory returns true and sets s->failed. */
static bool nameset_add(struct nameset *s, const char *key, size_t value, size_t *ret_old)
{
        size_t i;

        if ((s->n + 1) * 2 > s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 64;
                const char **keys = calloc(cap, sizeof(*keys));
                size_t *values = calloc(cap, sizeof(*values));

                if (!keys || !values) {
                        free(keys);
                        free(values);
                        s->failed = true;
                        return true;
                }
                for (size_t k = 0; k < s->cap; k++) {
                        if (!s->keys[k])
                                continue;
                        i = hash_name(s->keys[k]) & (cap - 1);
                        while (keys[i])
                                i = (i + 1) & (cap - 1);
                        keys[i] = s->keys[k];
                        values[i] = s->values[k];
                }
                free(s->keys);
                free(s->values);
                s->keys = keys;
                s->values = values;
                s->cap = cap;
        }
        i = hash_name(key) & (s->cap - 1);
        while (s->keys[i]) {
                if (strcmp(s->keys[i], key) == 0) {
                        *ret_old = s->values[i];
                        return false;
                }
                i = (i + 1) & (s->cap - 1);
        }
        s->keys[i] = key;
        s->values[i] = value;
        s->n++;
        return true;
}

static bool nameset_find(const struct nameset *s, const char *key, size_t *ret)
{
        size_t i;

        if (s->cap == 0)
                return false;
        i = hash_name(key) & (s->cap - 1);
        while (s->keys[i]) {
                if (strcmp(s->keys[i], key) == 0) {
                        if (ret)
                                *ret = s->values[i];
                        return true;
                }
                i = (i + 1) & (s->cap - 1);
        }
        return false;
}

static void nameset_free(struct nameset *s)
{
        free(s->keys);
        free(s->values);
        *s = (struct nameset){0};
}

/* Memory that lives as long as the model. */
static void *w_alloc(struct walker *w, size_t size)
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

/* "parent.key" into out (PATH_LEN bytes); a path too long to print ends in "...". */
static void join(char *out, const char *parent, const char *key)
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

/* "list[index]" into out (PATH_LEN bytes). */
static void item_path(char *out, const char *list, size_t index)
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

static unsigned line_of(const struct gc_node *n)
{
        return n->line;
}

static unsigned col_of(const struct gc_node *n)
{
        return n->col;
}

#define problem(w, line, col, path, ...) gc_problem_add((w)->problems, line, col, path, __VA_ARGS__)
#define problem_at(w, node, path, ...)                                                             \
        gc_problem_add((w)->problems, line_of(node), col_of(node), path, __VA_ARGS__)
#define problem_val(w, v, path, ...)                                                               \
        gc_problem_add((w)->problems, (v)->line, (v)->col, path, __VA_ARGS__)

static const char *kind_of(const struct gc_node *n)
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

static const char *scalar(const struct gc_node *n)
{
        return n->value;
}

/* An empty value, "~" or "null" (plain, not quoted): the same as leaving the key out. */
static bool is_null(const struct gc_node *n)
{
        const char *s;

        if (n->type != GC_SCALAR || !n->plain)
                return false;
        s = scalar(n);
        return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
               strcmp(s, "NULL") == 0;
}

static struct gc_node *node_at(struct walker *w, size_t index)
{
        return &w->priv->tree.nodes[index];
}

/* The key and value of pair `i` of mapping `m`, and item `i` of sequence `s`. */
static struct gc_node *pair_key(struct walker *w, const struct gc_node *m, size_t i)
{
        return node_at(w, w->priv->tree.kids[m->first + 2 * i]);
}

static struct gc_node *pair_value(struct walker *w, const struct gc_node *m, size_t i)
{
        return node_at(w, w->priv->tree.kids[m->first + 2 * i + 1]);
}

static struct gc_node *seq_item(struct walker *w, const struct gc_node *s, size_t i)
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

static bool only_chars(const char *s, const char *set)
{
        return strspn(s, set) == strlen(s);
}

/* Whether scalar `n` is one line of text without ${...}: used as it is. */
static bool simple_text(const struct gc_node *n)
{
        const unsigned char *p = (const unsigned char *)n->value;

        for (size_t i = 0; i < n->len; i++)
                if (p[i] < 0x20 || p[i] == 0x7f || (p[i] == '$' && p[i + 1] == '{'))
                        return false;
        return true;
}

/* Expands ${NAME} from the environment in the scalar `n`. Returns the text, or NULL with the
 * problem recorded. A "$" not followed by "{" is kept as it is. */
static const char *expand(struct walker *w, const struct gc_node *n, const char *path)
{
        const char *s = scalar(n), *p;
        size_t len = n->len, out_len = 0;
        char *out;
        bool ok = true;

        if (strlen(s) != len) {
                problem_at(w, n, path, "contains a NUL character");
                return NULL;
        }
        for (p = s; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                        problem_at(w, n, path,
                                   "contains a control character (a line break or a tab): one "
                                   "line of text is expected");
                        return NULL;
                }
        if (!strstr(s, "${"))
                return s;

        /* First pass: check every reference and measure. */
        for (p = s; *p;) {
                const char *end, *value;
                char name[128];
                size_t nlen;

                if (p[0] != '$' || p[1] != '{') {
                        p++;
                        out_len++;
                        continue;
                }
                end = strchr(p + 2, '}');
                if (!end) {
                        problem_at(w, n, path, "\"${\" without a closing \"}\"");
                        return NULL;
                }
                nlen = (size_t)(end - p - 2);
                if (nlen == 0 || nlen >= sizeof(name) || (p[2] >= '0' && p[2] <= '9') ||
                    strspn(p + 2, VARIABLE_CHARS) != nlen) {
                        problem_at(w, n, path, "bad variable name in \"%.*s\"", (int)(end - p + 1),
                                   p);
                        ok = false;
                        p = end + 1;
                        continue;
                }
                memcpy(name, p + 2, nlen);
                name[nlen] = '\0';
                value = getenv(name);
                if (!value) {
                        problem_at(w, n, path, "${%s} is not set in the environment", name);
                        ok = false;
                } else {
                        out_len += strlen(value);
                }
                p = end + 1;
        }
        if (!ok)
                return NULL;

        out = w_alloc(w, out_len + 1);
        if (!out)
                return NULL;
        out_len = 0;
        for (p = s; *p;) {
                const char *end;
                char name[128];
                size_t nlen;

                if (p[0] != '$' || p[1] != '{') {
                        out[out_len++] = *p++;
                        continue;
                }
                end = strchr(p + 2, '}');
                nlen = (size_t)(end - p - 2);
                memcpy(name, p + 2, nlen);
                name[nlen] = '\0';
                p = getenv(name);
                memcpy(out + out_len, p, strlen(p));
                out_len += strlen(p);
                p = end + 1;
        }
        out[out_len] = '\0';
        for (p = out; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                        problem_at(w, n, path,
                                   "the environment gives a control character (a line break or "
                                   "a tab): one line of text is expected");
                        return NULL;
                }
        return out;
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
                                   kind_of(k));
                        continue;
                }
                for (size_t i = 0; known[i] && !found; i++)
                        found = strcmp(known[i], scalar(k)) == 0;
                if (!found) {
                        char list[512] = "";
                        size_t len = 0;

                        join(path, m->path, scalar(k));
                        for (size_t i = 0; known[i] && len < sizeof(list); i++)
                                len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
                                                        i ? ", " : "", known[i]);
                        problem_at(w, k, path, "unknown key (expected one of: %s)", list);
                        continue;
                }
                for (size_t q = 0; q < p; q++) {
                        struct gc_node *earlier = pair_key(w, m->node, q);

                        if (earlier->type == GC_SCALAR && strcmp(scalar(earlier), scalar(k)) == 0) {
                                join(path, m->path, scalar(k));
                                problem_at(w, k, path, "given twice (first on line %u)",
                                           line_of(earlier));
                                break;
                        }
                }
        }
}

/* The value of `key` in `m`, or NULL when absent or null. */
static struct gc_node *lookup(struct walker *w, const struct map *m, const char *key)
{
        if (!m->node)
                return NULL;
        for (size_t p = 0; p < m->node->count; p++) {
                struct gc_node *k = pair_key(w, m->node, p), *v;

                if (k->type != GC_SCALAR || strcmp(scalar(k), key) != 0)
                        continue;
                v = pair_value(w, m->node, p);
                return !is_null(v) ? v : NULL;
        }
        return NULL;
}

static void missing(struct walker *w, const struct map *m, const char *path)
{
        if (!m->reported)
                problem(w, m->line, m->col, path, "required key missing");
}

/* Opens mapping node `n` (may be NULL: absent) as `out`, at `path`, placed at `line:col` when
 * absent, and checks its keys. */
static void open_node(struct walker *w, struct gc_node *n, const char *path, unsigned line,
                      unsigned col, const char *const *known, struct map *out)
{
        *out = (struct map){.line = line, .col = col};
        copy_path(out->path, path);
        if (!n)
                return;
        out->line = line_of(n);
        out->col = col_of(n);
        if (n->type != GC_MAPPING) {
                problem_at(w, n, path, "expected a mapping (keys and values), not %s", kind_of(n));
                return;
        }
        if (!enter(w, n, path))
                return;
        out->node = n;
        check_keys(w, out, known);
}

/* Opens the mapping at `key` of `parent`. */
static void open_map(struct walker *w, const struct map *parent, const char *key, bool required,
                     const char *const *known, struct map *out)
{
        char path[PATH_LEN];
        struct gc_node *n = lookup(w, parent, key);

        join(path, parent->path, key);
        if (!n && required)
                missing(w, parent, path);
        open_node(w, n, path, parent->line, parent->col, known, out);
        /* Absent and required, or not a mapping: its own keys would only repeat that. */
        out->reported = n ? !out->node : (required || parent->reported);
}

/* ---- values ---- */

/* Reads the text at `key` into `v` (set, place). Returns whether it is there and is text. */
static bool read_str(struct walker *w, const struct map *m, const char *key, bool required,
                     struct gc_val *v)
{
        char path[PATH_LEN];
        struct gc_node *n = lookup(w, m, key);
        const char *s;

        if (!n) {
                if (required) {
                        join(path, m->path, key);
                        missing(w, m, path);
                }
                return false;
        }
        v->line = line_of(n);
        v->col = col_of(n);
        /* The path is built only for a problem: a large file has many values. */
        if (n->type == GC_SCALAR && simple_text(n)) {
                s = n->value;
        } else {
                join(path, m->path, key);
                if (n->type != GC_SCALAR) {
                        problem_at(w, n, path, "expected a single value, not %s", kind_of(n));
                        return false;
                }
                s = expand(w, n, path);
                if (!s)
                        return false;
        }
        v->s = s;
        v->set = true;
        return true;
}

static bool read_int(struct walker *w, const struct map *m, const char *key, bool required,
                     long long min, long long max, struct gc_val *v)
{
        char path[PATH_LEN], *end;
        long long n;

        if (!read_str(w, m, key, required, v))
                return false;
        errno = 0;
        n = strtoll(v->s, &end, 10);
        if (!*v->s || *end || errno != 0 || !only_chars(v->s, DIGITS) || n < min || n > max) {
                join(path, m->path, key);
                problem_val(w, v, path, "expected a whole number from %lld to %lld, not \"%s\"",
                            min, max, v->s);
                v->set = false;
                return false;
        }
        v->n = n;
        return true;
}

static bool read_bool(struct walker *w, const struct map *m, const char *key, struct gc_val *v)
{
        static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no",
                                                                               "off"};
        char path[PATH_LEN];

        if (!read_str(w, m, key, OPTIONAL, v))
                return false;
        for (size_t i = 0; i < 3; i++) {
                if (strcasecmp(v->s, yes[i]) == 0) {
                        v->b = true;
                        return true;
                }
                if (strcasecmp(v->s, no[i]) == 0) {
                        v->b = false;
                        return true;
                }
        }
        join(path, m->path, key);
        problem_val(w, v, path, "expected true or false, not \"%s\"", v->s);
        v->set = false;
        return false;
}

static void default_str(struct gc_val *v, const char *s)
{
        if (!v->set)
                v->s = s;
}

static void default_int(struct gc_val *v, long long n)
{
        if (!v->set)
                v->n = n;
}

static bool chars_ok(const char *s, const char *set, size_t max_len)
{
        return *s && only_chars(s, set) && strlen(s) <= max_len;
}

/* Checks a value that was read: each returns false (problem recorded, value unset) when bad. */
static bool check_chars(struct walker *w, struct gc_val *v, const char *path, const char *set,
                        size_t max_len, const char *what)
{
        if (!v->set)
                return false;
        if (chars_ok(v->s, set, max_len))
                return true;
        problem_val(w, v, path, "expected %s, not \"%s\"", what, v->s);
        v->set = false;
        return false;
}

/* The same for a secret: the problem says what is wrong, never the value (it goes to a
 * terminal, install.sh's output, a CI log). */
static bool check_secret_chars(struct walker *w, struct gc_val *v, const char *path,
                               const char *set, size_t max_len, const char *what)
{
        if (!v->set)
                return false;
        if (chars_ok(v->s, set, max_len))
                return true;
        problem_val(w, v, path, "expected %s (the value is a secret: not shown)", what);
        v->set = false;
        return false;
}

static bool check_ipv4(struct walker *w, struct gc_val *v, const char *path)
{
        struct in_addr a;

        if (!v->set)
                return false;
        if (inet_pton(AF_INET, v->s, &a) == 1)
                return true;
        problem_val(w, v, path, "expected an IPv4 address such as 192.168.1.10, not \"%s\"", v->s);
        v->set = false;
        return false;
}

static bool check_abs_path(struct walker *w, struct gc_val *v, const char *path)
{
        if (!v->set)
                return false;
        if (v->s[0] == '/' && only_chars(v->s, PATH_CHARS) && strlen(v->s) < 128 &&
            !strstr(v->s, "//") && !strstr(v->s, "/./") && !strstr(v->s, "/../"))
                return true;
        problem_val(w, v, path,
                    "expected an absolute path of letters, digits and \"/-_.+@%%:,\" (no blanks "
                    "or quotes, under 128 characters), not \"%s\"",
                    v->s);
        v->set = false;
        return false;
}

/* ---- the sections ---- */

static void read_cluster(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {"name", NULL};
        struct map m;

        open_map(w, root, "cluster", REQUIRED, keys, &m);
        if (read_str(w, &m, "name", REQUIRED, &w->m->cluster_name))
                (void)check_chars(w, &w->m->cluster_name, "cluster.name", LOWER DIGITS "_-", 40,
                                  "a cluster name of lower-case letters, digits, \"_\" and \"-\" "
                                  "(at most 40; Slurm lower-cases ClusterName)");
}

static void read_network(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {"vip", "vrrp", NULL};
        static const char *const vip_keys[] = {"address", "interface", "prefix", NULL};
        static const char *const vrrp_keys[] = {"router_id", "advert_int", "auth_pass", "check",
                                                NULL};
        static const char *const check_keys_[] = {"interval", "timeout", "fall", "rise", NULL};
        struct gc_model *c = w->m;
        struct map net, vip, vrrp, check;

        open_map(w, root, "network", REQUIRED, keys, &net);
        open_map(w, &net, "vip", REQUIRED, vip_keys, &vip);
        if (read_str(w, &vip, "address", REQUIRED, &c->vip))
                (void)check_ipv4(w, &c->vip, "network.vip.address");
        if (read_str(w, &vip, "interface", OPTIONAL, &c->vip_interface))
                (void)check_chars(w, &c->vip_interface, "network.vip.interface",
                                  LETTERS DIGITS "-_.@", 15,
                                  "an interface name of at most 15 letters, digits and \"-_.@\"");
        default_str(&c->vip_interface, "eth0");
        (void)read_int(w, &vip, "prefix", OPTIONAL, 1, 32, &c->vip_prefix);
        default_int(&c->vip_prefix, 24);

        open_map(w, &net, "vrrp", OPTIONAL, vrrp_keys, &vrrp);
        (void)read_int(w, &vrrp, "router_id", OPTIONAL, 1, 255, &c->vrrp_router_id);
        default_int(&c->vrrp_router_id, 51);
        (void)read_int(w, &vrrp, "advert_int", OPTIONAL, 1, 255, &c->vrrp_advert_int);
        default_int(&c->vrrp_advert_int, 1);
        if (read_str(w, &vrrp, "auth_pass", OPTIONAL, &c->vrrp_auth_pass))
                (void)check_secret_chars(
                        w, &c->vrrp_auth_pass, "network.vrrp.auth_pass",
                        LETTERS DIGITS "-_.+=@%:,/", 8,
                        "1 to 8 letters, digits or \"-_.+=@%:,/\" (PASS authentication "
                        "uses 8 characters; keepalived reads # and ! as comments)");

        open_map(w, &vrrp, "check", OPTIONAL, check_keys_, &check);
        (void)read_int(w, &check, "interval", OPTIONAL, 1, 3600, &c->check_interval);
        default_int(&c->check_interval, 1);
        /* The check's own deadline is one second less, and stays below the hooks' 25 s. */
        (void)read_int(w, &check, "timeout", OPTIONAL, 2, 25, &c->check_timeout);
        default_int(&c->check_timeout, 3);
        (void)read_int(w, &check, "fall", OPTIONAL, 1, 255, &c->check_fall);
        default_int(&c->check_fall, 2);
        (void)read_int(w, &check, "rise", OPTIONAL, 1, 255, &c->check_rise);
        default_int(&c->check_rise, 2);
}

static void read_storage(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {"glusterfs", NULL};
        static const char *const gl_keys[] = {"mount_point", "fstype", NULL};
        struct gc_model *c = w->m;
        struct map st, gl;

        open_map(w, root, "storage", REQUIRED, keys, &st);
        open_map(w, &st, "glusterfs", REQUIRED, gl_keys, &gl);
        if (read_str(w, &gl, "mount_point", REQUIRED, &c->mount_point) &&
            check_abs_path(w, &c->mount_point, "storage.glusterfs.mount_point") &&
            strcmp(c->mount_point.s, "/") == 0) {
                problem_val(w, &c->mount_point, "storage.glusterfs.mount_point",
                            "must be a mount point of its own, not \"/\"");
                c->mount_point.set = false;
        }
        if (read_str(w, &gl, "fstype", OPTIONAL, &c->fstype))
                (void)check_chars(w, &c->fstype, "storage.glusterfs.fstype", NAME_CHARS, 64,
                                  "a file-system type such as fuse.glusterfs");
        default_str(&c->fstype, "fuse.glusterfs");
}

static void read_database(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {"mariadb", NULL};
        static const char *const db_keys[] = {
                "host",         "port",          "user",          "database", "password",
                "password_env", "password_file", "root_password", "galera",   NULL};
        struct gc_model *c = w->m;
        struct map db, maria;
        struct gc_node *n;

        open_map(w, root, "database", OPTIONAL, keys, &db);
        open_map(w, &db, "mariadb", OPTIONAL, db_keys, &maria);
        w->db_line = maria.line;
        w->db_col = maria.col;
        if (read_str(w, &maria, "host", OPTIONAL, &c->db_host))
                (void)check_chars(w, &c->db_host, "database.mariadb.host", DBHOST_CHARS, 253,
                                  "a host name or an address");
        (void)read_int(w, &maria, "port", OPTIONAL, 1, 65535, &c->db_port);
        default_int(&c->db_port, 3306);
        /* Galera on the controllers: each slurmdbd talks to its own host's node, which is up
         * wherever the VIP goes; one fixed host would be a single point of failure again. */
        if (read_bool(w, &maria, "galera", &c->db_galera) && c->db_galera.b && c->db_host.set)
                problem_val(w, &c->db_host, "database.mariadb.host",
                            "with galera: true, each controller's slurmdbd uses the Galera node "
                            "on its own host: leave host out");
        if (read_str(w, &maria, "user", OPTIONAL, &c->db_user))
                (void)check_chars(w, &c->db_user, "database.mariadb.user", NAME_CHARS, 80,
                                  "a user name of letters, digits and \"-_.:@\"");
        default_str(&c->db_user, "slurm");
        if (read_str(w, &maria, "database", OPTIONAL, &c->db_name))
                (void)check_chars(w, &c->db_name, "database.mariadb.database", LETTERS DIGITS "_$",
                                  64, "a database name of letters, digits and \"_\"");
        default_str(&c->db_name, "slurm_acct_db");

        n = lookup(w, &maria, "password");
        if (n)
                problem_at(w, n, "database.mariadb.password",
                           "a literal password is not accepted (it would sit in this file and "
                           "in logs): give password_env (the name of an environment variable) "
                           "or password_file (a file only root reads)");
        if (read_str(w, &maria, "password_env", OPTIONAL, &c->db_password_env))
                (void)check_chars(w, &c->db_password_env, "database.mariadb.password_env",
                                  VARIABLE_CHARS, 127,
                                  "the name of an environment variable (letters, digits, \"_\")");
        if (read_str(w, &maria, "password_file", OPTIONAL, &c->db_password_file))
                (void)check_abs_path(w, &c->db_password_file, "database.mariadb.password_file");
        if (c->db_password_env.set && c->db_password_file.set)
                problem_val(w, &c->db_password_file, "database.mariadb.password_file",
                            "give password_env or password_file, not both");

        /* The root password is install.sh's, never written by ha-genconf; it must still not
         * be written into this file. */
        n = lookup(w, &maria, "root_password");
        if (n && n->type == GC_SCALAR && !strstr(scalar(n), "${"))
                problem_at(w, n, "database.mariadb.root_password",
                           "a literal password is not accepted: write ${VARIABLE} and set it in "
                           "the environment");
        else
                (void)read_str(w, &maria, "root_password", OPTIONAL, &c->db_root_password);
}

static void read_controllers(struct walker *w, const struct map *nodes)
{
        static const char *const keys[] = {"hostname", "ip_address", "vip_owner", "services", NULL};
        static const char *const svc_keys[] = {"slurm", "slurmdbd", NULL};
        struct gc_model *c = w->m;
        struct gc_node *seq = lookup(w, nodes, "controllers");
        size_t n;

        if (!seq) {
                missing(w, nodes, "nodes.controllers");
                return;
        }
        if (seq->type != GC_SEQUENCE) {
                problem_at(w, seq, "nodes.controllers", "expected a list of controllers, not %s",
                           kind_of(seq));
                return;
        }
        if (!enter(w, seq, "nodes.controllers"))
                return;
        n = seq->count;
        if (n == 0) {
                problem_at(w, seq, "nodes.controllers", "the list is empty");
                return;
        }
        c->controllers = w_alloc(w, n * sizeof(*c->controllers));
        if (!c->controllers)
                return;
        for (size_t i = 0; i < n; i++) {
                struct gc_controller *ctl = &c->controllers[c->n_controllers];
                struct gc_node *item = seq_item(w, seq, i);
                char path[PATH_LEN], p2[PATH_LEN];
                struct map m, svc;

                (void)snprintf(path, sizeof(path), "nodes.controllers[%zu]", i);
                if (is_null(item)) {
                        problem(w, line_of(seq), col_of(seq), path, "empty item");
                        continue;
                }
                open_node(w, item, path, 0, 0, keys, &m);
                if (!m.node)
                        continue;
                c->n_controllers++;
                ctl->line = m.line;
                ctl->col = m.col;
                join(p2, path, "hostname");
                if (read_str(w, &m, "hostname", REQUIRED, &ctl->hostname))
                        (void)check_chars(w, &ctl->hostname, p2, HOST_CHARS, MAX_NAME,
                                          "a short host name (letters, digits and \"-\"; "
                                          "slurmctld matches its short name)");
                join(p2, path, "ip_address");
                if (read_str(w, &m, "ip_address", REQUIRED, &ctl->ip_address))
                        (void)check_ipv4(w, &ctl->ip_address, p2);
                (void)read_bool(w, &m, "vip_owner", &ctl->vip_owner);
                open_map(w, &m, "services", OPTIONAL, svc_keys, &svc);
                if (!read_bool(w, &svc, "slurm", &ctl->slurm))
                        ctl->slurm.b = true;
                (void)read_bool(w, &svc, "slurmdbd", &ctl->slurmdbd);
        }
}

static void read_computes(struct walker *w, const struct map *nodes)
{
        static const char *const keys[] = {"hostname", "cpus", "real_memory", "tmp_disk", NULL};
        struct gc_model *c = w->m;
        struct gc_node *seq = lookup(w, nodes, "compute_nodes");
        size_t n;

        if (!seq)
                return;
        if (seq->type != GC_SEQUENCE) {
                problem_at(w, seq, "nodes.compute_nodes", "expected a list of nodes, not %s",
                           kind_of(seq));
                return;
        }
        if (!enter(w, seq, "nodes.compute_nodes"))
                return;
        n = seq->count;
        if (n > MAX_NODES) {
                problem_at(w, seq, "nodes.compute_nodes", "more than %d nodes", MAX_NODES);
                return;
        }
        c->computes = w_alloc(w, (n ? n : 1) * sizeof(*c->computes));
        if (!c->computes)
                return;
        if (!nameset_reserve(&w->priv->computes, n)) {
                w->problems->out_of_memory = true;
                return;
        }
        for (size_t i = 0; i < n; i++) {
                struct gc_compute *cn = &c->computes[c->n_computes];
                struct gc_node *item = seq_item(w, seq, i);
                char path[PATH_LEN], p2[PATH_LEN];
                struct map m;

                item_path(path, "nodes.compute_nodes", i);
                if (is_null(item)) {
                        problem(w, line_of(seq), col_of(seq), path, "empty item");
                        continue;
                }
                open_node(w, item, path, 0, 0, keys, &m);
                if (!m.node)
                        continue;
                c->n_computes++;
                if (read_str(w, &m, "hostname", REQUIRED, &cn->hostname) &&
                    !chars_ok(cn->hostname.s, NODE_CHARS, MAX_NAME)) {
                        join(p2, path, "hostname");
                        (void)check_chars(w, &cn->hostname, p2, NODE_CHARS, MAX_NAME,
                                          "a host name (letters, digits and \"-_.\")");
                }
                (void)read_int(w, &m, "cpus", REQUIRED, 1, 1000000, &cn->cpus);
                (void)read_int(w, &m, "real_memory", OPTIONAL, 1, 1LL << 40, &cn->real_memory);
                (void)read_int(w, &m, "tmp_disk", OPTIONAL, 0, 1LL << 40, &cn->tmp_disk);
        }
}

static void read_nodes(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {"controllers", "compute_nodes", NULL};
        struct map nodes;

        open_map(w, root, "nodes", REQUIRED, keys, &nodes);
        read_controllers(w, &nodes);
        read_computes(w, &nodes);
}

/* Partitions are read here and checked against the nodes later (check_partitions). */
static void read_partitions(struct walker *w, const struct map *slurm)
{
        static const char *const keys[] = {"name", "nodes", "default", "max_time", "state", NULL};
        struct gc_model *c = w->m;
        struct gc_node *seq = lookup(w, slurm, "partitions");
        size_t n;

        if (!seq)
                return;
        if (seq->type != GC_SEQUENCE) {
                problem_at(w, seq, "slurm.partitions", "expected a list of partitions, not %s",
                           kind_of(seq));
                return;
        }
        if (!enter(w, seq, "slurm.partitions"))
                return;
        n = seq->count;
        c->partitions = w_alloc(w, (n ? n : 1) * sizeof(*c->partitions));
        if (!c->partitions)
                return;
        for (size_t i = 0; i < n; i++) {
                struct gc_partition *pt = &c->partitions[c->n_partitions];
                struct gc_node *item = seq_item(w, seq, i), *nodes;
                char path[PATH_LEN], p2[PATH_LEN];
                struct map m;

                (void)snprintf(path, sizeof(path), "slurm.partitions[%zu]", i);
                if (is_null(item)) {
                        problem(w, line_of(seq), col_of(seq), path, "empty item");
                        continue;
                }
                open_node(w, item, path, 0, 0, keys, &m);
                if (!m.node)
                        continue;
                c->n_partitions++;
                join(p2, path, "name");
                if (read_str(w, &m, "name", REQUIRED, &pt->name))
                        (void)check_chars(w, &pt->name, p2, PARTITION_CHARS, MAX_NAME,
                                          "a partition name of letters, digits, \"-\" and \"_\"");

                /* nodes: "ALL", a host list "node[001-010],gpu1", or a list of those. */
                join(p2, path, "nodes");
                nodes = lookup(w, &m, "nodes");
                if (nodes && nodes->type == GC_SEQUENCE) {
                        struct gc_buf joined = {0};

                        pt->nodes.line = line_of(nodes);
                        pt->nodes.col = col_of(nodes);
                        for (size_t k = 0; k < nodes->count; k++) {
                                struct gc_node *one = seq_item(w, nodes, k);
                                const char *s;

                                if (one->type != GC_SCALAR) {
                                        problem_at(w, one, p2, "expected node names, not %s",
                                                   kind_of(one));
                                        continue;
                                }
                                s = expand(w, one, p2);
                                if (!s)
                                        continue;
                                if (joined.len)
                                        gc_buf_puts(&joined, ",");
                                gc_buf_puts(&joined, s);
                        }
                        if (joined.len && !gc_buf_failed(&joined)) {
                                char *s = w_alloc(w, joined.len + 1);

                                if (s) {
                                        memcpy(s, joined.data, joined.len + 1);
                                        pt->nodes.s = s;
                                        pt->nodes.set = true;
                                }
                        } else if (!joined.len) {
                                problem_at(w, nodes, p2, "the list is empty");
                        }
                        gc_buf_free(&joined);
                } else {
                        (void)read_str(w, &m, "nodes", REQUIRED, &pt->nodes);
                }
                (void)read_bool(w, &m, "default", &pt->is_default);
                join(p2, path, "max_time");
                if (read_str(w, &m, "max_time", OPTIONAL, &pt->max_time) &&
                    strcmp(pt->max_time.s, "INFINITE") != 0 &&
                    strcmp(pt->max_time.s, "UNLIMITED") != 0)
                        (void)check_chars(w, &pt->max_time, p2, MAXTIME_CHARS, 20,
                                          "INFINITE, UNLIMITED, MINUTES, HOURS:MINUTES:SECONDS "
                                          "or DAYS-HOURS:MINUTES:SECONDS");
                join(p2, path, "state");
                if (read_str(w, &m, "state", OPTIONAL, &pt->state) &&
                    strcmp(pt->state.s, "UP") != 0 && strcmp(pt->state.s, "DOWN") != 0 &&
                    strcmp(pt->state.s, "DRAIN") != 0 && strcmp(pt->state.s, "INACTIVE") != 0) {
                        problem_val(w, &pt->state, p2,
                                    "expected UP, DOWN, DRAIN or INACTIVE, not \"%s\"",
                                    pt->state.s);
                        pt->state.set = false;
                }
                default_str(&pt->state, "UP");
        }
}

static void read_followers(struct walker *w, const struct map *slurm)
{
        struct gc_model *c = w->m;
        struct gc_node *seq = lookup(w, slurm, "followers");
        size_t n;

        if (!seq)
                return;
        c->followers_val.line = line_of(seq);
        c->followers_val.col = col_of(seq);
        c->followers_val.set = true;
        if (seq->type != GC_SEQUENCE) {
                problem_at(w, seq, "slurm.followers",
                           "expected a list of service names such as [slurmdbd], not %s",
                           kind_of(seq));
                return;
        }
        n = seq->count;
        c->followers = w_alloc(w, (n ? n : 1) * sizeof(*c->followers));
        if (!c->followers)
                return;
        for (size_t i = 0; i < n; i++) {
                struct gc_node *one = seq_item(w, seq, i);
                char path[PATH_LEN];
                const char *s;

                (void)snprintf(path, sizeof(path), "slurm.followers[%zu]", i);
                if (one->type != GC_SCALAR) {
                        problem_at(w, one, path, "expected a service name");
                        continue;
                }
                s = expand(w, one, path);
                if (!s)
                        continue;
                if (!*s || !only_chars(s, NAME_CHARS) || strlen(s) > 64) {
                        problem_at(w, one, path,
                                   "expected a service name of letters, digits and \"-_.:@\", "
                                   "not \"%s\"",
                                   s);
                        continue;
                }
                c->followers[c->n_followers++] = s;
                if (strcmp(s, "slurmdbd") == 0 || strcmp(s, "slurmdbd.service") == 0)
                        c->dbd_follows_vip = true;
        }
}

static void read_slurm(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {
                "partitions",  "port",      "user",       "slurmctld_timeout",
                "state_dir",   "followers", "accounting", "proctrack_type",
                "task_plugin", "mail_prog", "dbd_port",   "tcp_timeout",
                NULL};
        struct gc_model *c = w->m;
        struct map slurm;

        open_map(w, root, "slurm", OPTIONAL, keys, &slurm);
        read_partitions(w, &slurm);
        (void)read_int(w, &slurm, "port", OPTIONAL, 1, 65535, &c->slurm_port);
        default_int(&c->slurm_port, 6817);
        (void)read_int(w, &slurm, "dbd_port", OPTIONAL, 1, 65535, &c->dbd_port);
        default_int(&c->dbd_port, 6819);
        if (read_str(w, &slurm, "user", OPTIONAL, &c->slurm_user))
                (void)check_chars(w, &c->slurm_user, "slurm.user", LETTERS DIGITS "-_", 32,
                                  "a user name of letters, digits, \"-\" and \"_\"");
        default_str(&c->slurm_user, "slurm");
        (void)read_int(w, &slurm, "slurmctld_timeout", OPTIONAL, 3, 65533, &c->slurmctld_timeout);
        default_int(&c->slurmctld_timeout, 120);
        /* Unset: Slurm's own default (2 s). A failover's new slurmctld waits this long for
         * each lost controller it tells to give up control (REQUEST_CONTROL). */
        (void)read_int(w, &slurm, "tcp_timeout", OPTIONAL, 1, 60, &c->tcp_timeout);
        if (read_str(w, &slurm, "state_dir", OPTIONAL, &c->slurm_state_dir))
                (void)check_abs_path(w, &c->slurm_state_dir, "slurm.state_dir");
        read_followers(w, &slurm);
        (void)read_bool(w, &slurm, "accounting", &c->accounting);
        if (read_str(w, &slurm, "proctrack_type", OPTIONAL, &c->proctrack_type))
                (void)check_chars(w, &c->proctrack_type, "slurm.proctrack_type", PLUGIN_CHARS, 64,
                                  "a plugin name such as proctrack/cgroup");
        default_str(&c->proctrack_type, "proctrack/cgroup");
        if (read_str(w, &slurm, "task_plugin", OPTIONAL, &c->task_plugin))
                (void)check_chars(w, &c->task_plugin, "slurm.task_plugin", PLUGIN_CHARS, 128,
                                  "plugin names such as task/cgroup,task/affinity");
        default_str(&c->task_plugin, "task/cgroup,task/affinity");
        if (read_str(w, &slurm, "mail_prog", OPTIONAL, &c->mail_prog))
                (void)check_abs_path(w, &c->mail_prog, "slurm.mail_prog");
}

/* ha.metrics: the node_exporter textfile the check and the hooks write (ha-slurm.conf's
 * [metrics]), and the deadline of that writing. */
static void read_metrics(struct walker *w, const struct map *ha)
{
        static const char *const metrics_keys[] = {"textfile", "timeout", NULL};
        struct gc_model *c = w->m;
        struct map metrics;

        open_map(w, ha, "metrics", OPTIONAL, metrics_keys, &metrics);
        if (read_str(w, &metrics, "textfile", OPTIONAL, &c->metrics_textfile) &&
            check_abs_path(w, &c->metrics_textfile, "ha.metrics.textfile")) {
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
        if (read_str(w, &metrics, "timeout", OPTIONAL, &c->metrics_timeout)) {
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
                } else if (!lookup(w, &metrics, "textfile")) {
                        problem_val(w, &c->metrics_timeout, "ha.metrics.timeout",
                                    "has no use without ha.metrics.textfile: give the file too, "
                                    "or leave timeout out");
                        c->metrics_timeout.set = false;
                } else {
                        c->metrics_timeout_us = us;
                }
        }
}

static void read_ha(struct walker *w, const struct map *root)
{
        static const char *const keys[] = {
                "lease_ttl",       "hooks_dir", "state_dir", "alert_command",
                "service_manager", "metrics",   NULL};
        struct gc_model *c = w->m;
        struct map ha;

        open_map(w, root, "ha", OPTIONAL, keys, &ha);
        if (read_str(w, &ha, "lease_ttl", OPTIONAL, &c->lease_ttl)) {
                char text[64];
                usec_t us = 0;

                /* A bare number is seconds. */
                (void)snprintf(text, sizeof(text), "%s%s", c->lease_ttl.s,
                               only_chars(c->lease_ttl.s, DIGITS) ? "s" : "");
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
        if (read_str(w, &ha, "hooks_dir", OPTIONAL, &c->hooks_dir))
                (void)check_abs_path(w, &c->hooks_dir, "ha.hooks_dir");
        default_str(&c->hooks_dir, "/usr/libexec/ha-slurm");
        if (read_str(w, &ha, "state_dir", OPTIONAL, &c->ha_state_dir))
                (void)check_abs_path(w, &c->ha_state_dir, "ha.state_dir");
        default_str(&c->ha_state_dir, "/run/ha-slurm");
        if (read_str(w, &ha, "alert_command", OPTIONAL, &c->alert_command) &&
            c->alert_command.s[0] != '/') {
                problem_val(w, &c->alert_command, "ha.alert_command",
                            "expected a command starting with an absolute path, not \"%s\"",
                            c->alert_command.s);
                c->alert_command.set = false;
        }
        if (read_str(w, &ha, "service_manager", OPTIONAL, &c->service_manager) &&
            strcmp(c->service_manager.s, "auto") != 0 &&
            strcmp(c->service_manager.s, "systemd") != 0 &&
            strcmp(c->service_manager.s, "direct") != 0) {
                problem_val(w, &c->service_manager, "ha.service_manager",
                            "expected auto, systemd or direct, not \"%s\"", c->service_manager.s);
                c->service_manager.set = false;
        }
        read_metrics(w, &ha);
}

/* ---- rules across fields ---- */

static void check_controllers(struct walker *w)
{
        struct gc_model *c = w->m;
        const struct gc_controller *owner = NULL;
        size_t n_slurm = 0;
        char path[PATH_LEN];

        for (size_t i = 0; i < c->n_controllers; i++) {
                struct gc_controller *a = &c->controllers[i];

                for (size_t j = 0; j < i; j++) {
                        const struct gc_controller *b = &c->controllers[j];

                        (void)snprintf(path, sizeof(path), "nodes.controllers[%zu].hostname", i);
                        if (a->hostname.set && b->hostname.set &&
                            strcmp(a->hostname.s, b->hostname.s) == 0)
                                problem_val(w, &a->hostname, path,
                                            "duplicate host name \"%s\" (also on line %u)",
                                            a->hostname.s, b->hostname.line);
                        (void)snprintf(path, sizeof(path), "nodes.controllers[%zu].ip_address", i);
                        if (a->ip_address.set && b->ip_address.set &&
                            strcmp(a->ip_address.s, b->ip_address.s) == 0)
                                problem_val(w, &a->ip_address, path,
                                            "duplicate address %s (also on line %u)",
                                            a->ip_address.s, b->ip_address.line);
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
        c->order = w_alloc(w, c->n_controllers * sizeof(*c->order));
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

static void check_computes(struct walker *w)
{
        struct gc_model *c = w->m;
        char path[PATH_LEN];

        for (size_t i = 0; i < c->n_computes; i++) {
                struct gc_compute *cn = &c->computes[i];
                size_t old;

                if (!cn->hostname.set)
                        continue;
                if (!nameset_add(&w->priv->computes, cn->hostname.s, i, &old)) {
                        (void)snprintf(path, sizeof(path), "nodes.compute_nodes[%zu].hostname", i);
                        problem_val(w, &cn->hostname, path,
                                    "duplicate host name \"%s\" (also on line %u)", cn->hostname.s,
                                    c->computes[old].hostname.line);
                }
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

static int group_nodes(struct walker *w)
{
        struct gc_model *c = w->m;
        size_t *idx, n = c->n_computes;
        const char **names;

        if (n == 0)
                return 0;
        idx = malloc(n * sizeof(*idx));
        names = malloc(n * sizeof(*names));
        c->groups = w_alloc(w, n * sizeof(*c->groups));
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
        const struct nameset *computes;
        const char **names;
        size_t n, cap;
        size_t unknown;
        char first_unknown[128];
        bool failed;
        struct nameset seen;
};

static bool partition_node(const char *name, void *userdata)
{
        struct partition_walk *pw = userdata;
        size_t idx, old;

        if (!nameset_find(pw->computes, name, &idx)) {
                if (pw->unknown++ == 0)
                        (void)snprintf(pw->first_unknown, sizeof(pw->first_unknown), "%s", name);
                return true;
        }
        /* A node named twice is listed once. */
        if (!nameset_add(&pw->seen, pw->w->m->computes[idx].hostname.s, idx, &old))
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

static void check_partitions(struct walker *w)
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

                for (size_t j = 0; j < i && pt->name.set; j++) {
                        if (!c->partitions[j].name.set ||
                            strcmp(c->partitions[j].name.s, pt->name.s) != 0)
                                continue;
                        (void)snprintf(path, sizeof(path), "slurm.partitions[%zu].name", i);
                        problem_val(w, &pt->name, path,
                                    "duplicate partition \"%s\" (also on line %u)", pt->name.s,
                                    c->partitions[j].name.line);
                        break;
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
                        pt->nodes_expr = w_alloc(w, 4);
                        if (pt->nodes_expr)
                                memcpy(pt->nodes_expr, "ALL", 4);
                        continue;
                }
                if (!only_chars(pt->nodes.s, NODE_CHARS "[],")) {
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

                        pt->nodes_expr = w_alloc(w, len + 1);
                        if (pt->nodes_expr)
                                memcpy(pt->nodes_expr, exprs[0], len + 1);
                }
                gc_hostlist_free(exprs, n_exprs);
                nameset_free(&pw.seen);
                free(pw.names);
        }
}

static void check_storage_and_services(struct walker *w)
{
        struct gc_model *c = w->m;
        bool any_dbd = false;

        /* StateSaveLocation: on the shared mount. */
        if (!c->slurm_state_dir.set && c->mount_point.set) {
                size_t len = strlen(c->mount_point.s) + sizeof("/slurm/state");
                char *s = w_alloc(w, len);

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
        default_str(&c->db_host, c->vip.set ? c->vip.s : "");

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

/* ---- loading ---- */

/* Maps the file `path` (read only, its pages read at once: cheaper than copying it, for a
 * large file). An empty file is "" (unmapped). The file is the operator's own: one truncated
 * while ha-genconf reads it would end the run with SIGBUS, as for any reader of a mapping.
 * What it describes ends up in root's configuration, so it is trusted as doas(1) trusts
 * doas.conf: the file opened (a link is followed) must be a regular file owned by root or the
 * caller and not writable by group or others; anything else is -EPERM with the reason in
 * *ret_reason. Opened without blocking: a FIFO is refused, not waited on. */
static int map_file(const char *path, char **ret, size_t *ret_len, const char **ret_reason)
{
        struct stat st;
        void *p;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                (void)close(fd);
                return r;
        }
        *ret_reason = !S_ISREG(st.st_mode)                       ? "not a regular file"
                      : st.st_uid != 0 && st.st_uid != geteuid() ? "not owned by root"
                      : st.st_mode & (S_IWGRP | S_IWOTH)         ? "writable by group or others"
                                                                 : NULL;
        if (*ret_reason) {
                (void)close(fd);
                return -EPERM;
        }
        if (st.st_size > GC_TREE_MAX_BYTES) {
                (void)close(fd);
                return -EFBIG;
        }
        if (st.st_size == 0) {
                (void)close(fd);
                *ret = (char *)"";
                *ret_len = 0;
                return 0;
        }
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        r = p == MAP_FAILED ? -errno : 0;
        (void)close(fd);
        if (r < 0)
                return r;
        *ret = p;
        *ret_len = (size_t)st.st_size;
        return 0;
}

int gc_load(const char *path, struct gc_model **ret, struct gc_problems *problems)
{
        static const char *const root_keys[] = {"cluster",  "nodes", "network", "storage",
                                                "database", "slurm", "ha",      NULL};
        struct gc_model *m = calloc(1, sizeof(*m));
        struct gc_model_private *priv = calloc(1, sizeof(*priv));
        struct walker w = {.m = m, .priv = priv, .problems = problems};
        struct gc_node *root;
        struct map rootmap;
        const char *why = NULL;
        char *text = NULL;
        size_t len = 0;
        int r;

        if (!m || !priv) {
                free(m);
                free(priv);
                gc_problem_add(problems, 0, 0, "", "out of memory");
                return -ENOMEM;
        }
        m->file = path;
        m->priv = priv;

        r = map_file(path, &text, &len, &why);
        if (r < 0) {
                if (r == -EPERM && why)
                        gc_problem_add(problems, 0, 0, "", "refused: %s (chown root, chmod go-w)",
                                       why);
                else
                        gc_problem_add(problems, 0, 0, "", "cannot read: %s", strerror(-r));
                gc_model_free(m);
                return r;
        }
        r = gc_tree_load(&priv->tree, text, len, problems);
        /* The tree holds copies of the text it needs. */
        if (len > 0)
                (void)munmap(text, len);
        if (r < 0) {
                if (r == -ENOMEM)
                        gc_problem_add(problems, 0, 0, "", "out of memory");
                gc_model_free(m);
                return r;
        }
        if (priv->tree.empty) {
                gc_problem_add(problems, 1, 1, "",
                               "the file is empty: expected a mapping with cluster, nodes, "
                               "network and storage");
                gc_model_free(m);
                return -EINVAL;
        }
        root = node_at(&w, priv->tree.root);
        w.n_nodes = priv->tree.n_nodes;
        w.visited = calloc(w.n_nodes ? w.n_nodes : 1, 1);
        if (!w.visited) {
                gc_problem_add(problems, 0, 0, "", "out of memory");
                gc_model_free(m);
                return -ENOMEM;
        }
        open_node(&w, root, "", 1, 1, root_keys, &rootmap);

        read_cluster(&w, &rootmap);
        read_network(&w, &rootmap);
        read_storage(&w, &rootmap);
        read_database(&w, &rootmap);
        read_nodes(&w, &rootmap);
        read_slurm(&w, &rootmap);
        read_ha(&w, &rootmap);

        check_controllers(&w);
        check_computes(&w);
        check_partitions(&w);
        check_storage_and_services(&w);
        free(w.visited);
        if (priv->computes.failed)
                problems->out_of_memory = true;

        if (problems->n == 0 && !problems->out_of_memory && group_nodes(&w) < 0)
                problems->out_of_memory = true;
        if (problems->out_of_memory) {
                gc_model_free(m);
                return -ENOMEM;
        }
        if (problems->n > 0) {
                gc_model_free(m);
                return -EINVAL;
        }
        *ret = m;
        return 0;
}

void gc_model_free(struct gc_model *m)
{
        if (!m)
                return;
        for (size_t i = 0; i < m->n_groups; i++)
                gc_hostlist_free(m->groups[i].exprs, m->groups[i].n_exprs);
        if (m->priv) {
                gc_tree_free(&m->priv->tree);
                for (size_t i = 0; i < m->priv->n_allocs; i++)
                        free(m->priv->allocs[i]);
                free(m->priv->allocs);
                nameset_free(&m->priv->computes);
                free(m->priv);
        }
        free(m);
}

const struct gc_controller *gc_find_controller(const struct gc_model *m, const char *name)
{
        for (size_t i = 0; i < m->n_controllers; i++)
                if (strcmp(m->controllers[i].hostname.s, name) == 0)
                        return &m->controllers[i];
        return NULL;
}

bool gc_is_compute(const struct gc_model *m, const char *name)
{
        return nameset_find(&m->priv->computes, name, NULL);
}

bool gc_runs_slurmdbd(const struct gc_model *m, const struct gc_controller *c)
{
        return c->slurmdbd.b || (m->dbd_follows_vip && c->slurm.b);
}

/* Whether a secret can be written as a slurmdbd.conf value: one line, no double quote (Slurm
 * cannot escape one inside a quoted value). */
static const char *secret_problem(const char *s)
{
        if (!*s)
                return "is empty";
        for (const char *p = s; *p; p++) {
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        return "contains a control character (only one line is allowed)";
                if (*p == '"')
                        return "contains a double quote, which slurmdbd.conf cannot hold";
        }
        return NULL;
}

int gc_db_password(const struct gc_model *m, char **ret, struct gc_problems *problems)
{
        const struct gc_val *v;
        const char *why;
        char *s;

        if (m->db_password_env.set) {
                const char *value = getenv(m->db_password_env.s);

                v = &m->db_password_env;
                if (!value) {
                        gc_problem_add(problems, v->line, v->col, "database.mariadb.password_env",
                                       "the environment variable %s is not set", v->s);
                        return -ENOENT;
                }
                why = secret_problem(value);
                if (why) {
                        gc_problem_add(problems, v->line, v->col, "database.mariadb.password_env",
                                       "the password in %s %s", v->s, why);
                        return -EINVAL;
                }
                s = strdup(value);
        } else if (m->db_password_file.set) {
                struct stat st;
                char *text = NULL;
                size_t len = 0;
                int fd, r;

                v = &m->db_password_file;
                fd = open(v->s, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
                if (fd < 0) {
                        r = -errno;
                        if (r == -ELOOP)
                                gc_problem_add(problems, v->line, v->col,
                                               "database.mariadb.password_file",
                                               "refused %s: a symbolic link", v->s);
                        else
                                gc_problem_add(problems, v->line, v->col,
                                               "database.mariadb.password_file",
                                               "cannot open %s: %s", v->s, strerror(-r));
                        return r;
                }
                /* A secret: nobody but its owner may read it, let alone write it. */
                why = fstat(fd, &st) < 0                         ? "cannot stat it"
                      : !S_ISREG(st.st_mode)                     ? "not a regular file"
                      : st.st_uid != 0 && st.st_uid != geteuid() ? "not owned by root"
                      : st.st_mode & (S_IWGRP | S_IWOTH)         ? "writable by group or others"
                      : st.st_mode & (S_IRGRP | S_IROTH | S_IXGRP | S_IXOTH)
                              ? "readable by group or others"
                              : NULL;
                if (why) {
                        (void)close(fd);
                        gc_problem_add(problems, v->line, v->col, "database.mariadb.password_file",
                                       "refused %s: %s (it holds a password: chown root, "
                                       "chmod 0600)",
                                       v->s, why);
                        return -EPERM;
                }
                /* The very file just checked: read through the same descriptor, never the
                 * path again (it could be another file by now). */
                r = gc_read_fd(fd, GC_TREE_MAX_BYTES, &text, &len, NULL);
                if (r < 0 || len > MAX_SECRET_BYTES) {
                        free(text);
                        gc_problem_add(problems, v->line, v->col, "database.mariadb.password_file",
                                       "cannot read %s: %s", v->s,
                                       r < 0 ? strerror(-r) : "larger than 4 KiB");
                        return r < 0 ? r : -EFBIG;
                }
                /* One line; its line break is not part of the password. */
                if (len > 0 && text[len - 1] == '\n')
                        text[--len] = '\0';
                if (len > 0 && text[len - 1] == '\r')
                        text[--len] = '\0';
                why = strlen(text) != len ? "contains a NUL character" : secret_problem(text);
                if (why) {
                        free(text);
                        gc_problem_add(problems, v->line, v->col, "database.mariadb.password_file",
                                       "the password in %s %s", v->s, why);
                        return -EINVAL;
                }
                s = text;
        } else {
                gc_problem_add(problems, 0, 0, "database.mariadb",
                               "no password_env or password_file for slurmdbd");
                return -EINVAL;
        }
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
