/* values.c: ${NAME} expansion, and the readers of one value with its kind and check: text,
 * whole number, boolean, text of a character set, secret, IPv4 address, absolute path
 * (values.h). */
#include "genconf/values.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The longest variable name in ${NAME}, and its NUL. */
#define VARIABLE_NAME_SIZE 128

bool gc_only_chars(const char *s, const char *set)
{
        return strspn(s, set) == strlen(s);
}

bool gc_chars_ok(const char *s, const char *set, size_t max_len)
{
        return *s && gc_only_chars(s, set) && strlen(s) <= max_len;
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

static bool has_control_char(const char *s)
{
        for (const char *p = s; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        return true;
        return false;
}

/* The reference "${NAME}" that starts at `p`: its closing "}" in *ret_end and NAME in `name`.
 * Returns 0; -EINVAL for a name that is not a variable's (*ret_end set); -ENOENT when no "}"
 * closes it. */
static int reference(const char *p, char name[VARIABLE_NAME_SIZE], const char **ret_end)
{
        const char *end = strchr(p + 2, '}');
        size_t len;

        if (!end)
                return -ENOENT;
        *ret_end = end;
        len = (size_t)(end - p - 2);
        if (len == 0 || len >= VARIABLE_NAME_SIZE || (p[2] >= '0' && p[2] <= '9') ||
            strspn(p + 2, VARIABLE_CHARS) != len)
                return -EINVAL;
        memcpy(name, p + 2, len);
        name[len] = '\0';
        return 0;
}

const char *gc_expand(struct walker *w, const struct gc_node *n, const char *path)
{
        const char *s = n->value, *p, *end, *value;
        char name[VARIABLE_NAME_SIZE], *out;
        size_t out_len = 0;
        bool ok = true;
        int r;

        if (strlen(s) != n->len) {
                problem_at(w, n, path, "contains a NUL character");
                return NULL;
        }
        if (has_control_char(s)) {
                problem_at(w, n, path,
                           "contains a control character (a line break or a tab): one line of "
                           "text is expected");
                return NULL;
        }
        if (!strstr(s, "${"))
                return s;

        /* First pass: check every reference and measure. */
        for (p = s; *p; p = end + 1) {
                if (p[0] != '$' || p[1] != '{') {
                        end = p;
                        out_len++;
                        continue;
                }
                r = reference(p, name, &end);
                if (r == -ENOENT) {
                        problem_at(w, n, path, "\"${\" without a closing \"}\"");
                        return NULL;
                }
                value = r == 0 ? getenv(name) : NULL;
                if (r < 0)
                        problem_at(w, n, path, "bad variable name in \"%.*s\"", (int)(end - p + 1),
                                   p);
                else if (!value)
                        problem_at(w, n, path, "${%s} is not set in the environment", name);
                else
                        out_len += strlen(value);
                ok = ok && value;
        }
        if (!ok)
                return NULL;

        /* Second pass: every reference is known good. */
        out = gc_alloc(w, out_len + 1);
        if (!out)
                return NULL;
        out_len = 0;
        for (p = s; *p; p = end + 1) {
                end = p;
                if (p[0] != '$' || p[1] != '{') {
                        out[out_len++] = *p;
                        continue;
                }
                (void)reference(p, name, &end);
                value = getenv(name);
                memcpy(out + out_len, value, strlen(value));
                out_len += strlen(value);
        }
        out[out_len] = '\0';
        if (has_control_char(out)) {
                problem_at(w, n, path,
                           "the environment gives a control character (a line break or a tab): "
                           "one line of text is expected");
                return NULL;
        }
        return out;
}

/* ---- readers ---- */

/* Records that the value read at `key` of `m` is wrong (what is expected, formatted), unsets
 * it, and returns false. */
static bool reject(struct walker *w, const struct map *m, const char *key, struct gc_val *v,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static bool reject(struct walker *w, const struct map *m, const char *key, struct gc_val *v,
                   const char *fmt, ...)
{
        char path[PATH_LEN], *what = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&what, fmt, ap);
        va_end(ap);
        gc_join(path, m->path, key);
        if (r < 0)
                w->problems->out_of_memory = true;
        else
                problem_val(w, v, path, "%s", what);
        free(what);
        v->set = false;
        return false;
}

bool gc_read_str(struct walker *w, const struct map *m, const char *key, bool required,
                 struct gc_val *v)
{
        char path[PATH_LEN];
        struct gc_node *n = gc_lookup(w, m, key);
        const char *s;

        if (!n) {
                if (required) {
                        gc_join(path, m->path, key);
                        gc_missing(w, m, path);
                }
                return false;
        }
        v->line = n->line;
        v->col = n->col;
        /* The path is built only for a problem: a large file has many values. */
        if (n->type == GC_SCALAR && simple_text(n)) {
                s = n->value;
        } else {
                gc_join(path, m->path, key);
                if (n->type != GC_SCALAR) {
                        problem_at(w, n, path, "expected a single value, not %s", gc_kind(n));
                        return false;
                }
                s = gc_expand(w, n, path);
                if (!s)
                        return false;
        }
        v->s = s;
        v->set = true;
        return true;
}

bool gc_read_int(struct walker *w, const struct map *m, const char *key, bool required,
                 long long min, long long max, struct gc_val *v)
{
        char *end;
        long long n;

        if (!gc_read_str(w, m, key, required, v))
                return false;
        errno = 0;
        n = strtoll(v->s, &end, 10);
        if (!*v->s || *end || errno != 0 || !gc_only_chars(v->s, DIGITS) || n < min || n > max)
                return reject(w, m, key, v, "expected a whole number from %lld to %lld, not \"%s\"",
                              min, max, v->s);
        v->n = n;
        return true;
}

bool gc_read_bool(struct walker *w, const struct map *m, const char *key, struct gc_val *v)
{
        static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no",
                                                                               "off"};

        if (!gc_read_str(w, m, key, OPTIONAL, v))
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
        return reject(w, m, key, v, "expected true or false, not \"%s\"", v->s);
}

bool gc_read_chars(struct walker *w, const struct map *m, const char *key, bool required,
                   struct gc_val *v, const char *set, size_t max_len, const char *what)
{
        if (!gc_read_str(w, m, key, required, v))
                return false;
        return gc_chars_ok(v->s, set, max_len) ||
               reject(w, m, key, v, "expected %s, not \"%s\"", what, v->s);
}

bool gc_read_secret(struct walker *w, const struct map *m, const char *key, bool required,
                    struct gc_val *v, const char *set, size_t max_len, const char *what)
{
        if (!gc_read_str(w, m, key, required, v))
                return false;
        return gc_chars_ok(v->s, set, max_len) ||
               reject(w, m, key, v, "expected %s (the value is a secret: not shown)", what);
}

bool gc_read_ipv4(struct walker *w, const struct map *m, const char *key, bool required,
                  struct gc_val *v)
{
        struct in_addr a;

        if (!gc_read_str(w, m, key, required, v))
                return false;
        return inet_pton(AF_INET, v->s, &a) == 1 ||
               reject(w, m, key, v, "expected an IPv4 address such as 192.168.1.10, not \"%s\"",
                      v->s);
}

bool gc_read_abs_path(struct walker *w, const struct map *m, const char *key, bool required,
                      struct gc_val *v)
{
        const char *s;

        if (!gc_read_str(w, m, key, required, v))
                return false;
        s = v->s;
        return (s[0] == '/' && gc_only_chars(s, PATH_CHARS) && strlen(s) < 128 &&
                !strstr(s, "//") && !strstr(s, "/./") && !strstr(s, "/../")) ||
               reject(w, m, key, v,
                      "expected an absolute path of letters, digits and \"/-_.+@%%:,\" (no "
                      "blanks or quotes, under 128 characters), not \"%s\"",
                      s);
}

void gc_default_str(struct gc_val *v, const char *s)
{
        if (!v->set)
                v->s = s;
}

void gc_default_int(struct gc_val *v, long long n)
{
        if (!v->set)
                v->n = n;
}

bool gc_check_chars(struct walker *w, struct gc_val *v, const char *path, const char *set,
                    size_t max_len, const char *what)
{
        if (!v->set)
                return false;
        if (gc_chars_ok(v->s, set, max_len))
                return true;
        problem_val(w, v, path, "expected %s, not \"%s\"", what, v->s);
        v->set = false;
        return false;
}
