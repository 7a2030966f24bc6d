/* values.h: reading one value of a mapping with its kind and checking it.
 *
 * A value is text after ${NAME} expansion from the environment (one line: no control
 * character, no NUL), a whole number, or a boolean. Each reader records the value's text and
 * place in a struct gc_val and sets `set`; an absent value (a problem when required) or a wrong
 * one (a problem saying what was expected) leaves `set` false, and the rules that need it are
 * skipped: each reader returns whether the value is there and good. A problem names the field
 * by its path (walk.h) and quotes the value, but never a secret's.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "genconf/walk.h"

/* Whether every character of `s` is in `set`. */
bool gc_only_chars(const char *s, const char *set);

/* Whether `s` is not empty, of characters of `set`, at most `max_len` long. */
bool gc_chars_ok(const char *s, const char *set, size_t max_len);

/* The text of scalar `n` at `path` with ${NAME} expanded from the environment (a "$" not
 * followed by "{" stays as it is). Returns the text (the node's own, or memory of the model),
 * or NULL with the problem recorded. */
const char *gc_expand(struct walker *w, const struct gc_node *n, const char *path);

/* Reads the text at `key` of `m` into `v`. Returns whether it is there and is text. */
bool gc_read_str(struct walker *w, const struct map *m, const char *key, bool required,
                 struct gc_val *v);

/* The same for a whole number from `min` to `max` (digits only), into v->n. */
bool gc_read_int(struct walker *w, const struct map *m, const char *key, bool required,
                 long long min, long long max, struct gc_val *v);

/* The same for an optional boolean (true/yes/on, false/no/off, any case), into v->b. */
bool gc_read_bool(struct walker *w, const struct map *m, const char *key, struct gc_val *v);

/* The same for text of `set`, 1 to `max_len` characters: the problem says "expected WHAT, not
 * "VALUE"". */
bool gc_read_chars(struct walker *w, const struct map *m, const char *key, bool required,
                   struct gc_val *v, const char *set, size_t max_len, const char *what);

/* The same for a secret: the problem says what is wrong, never the value (it goes to a
 * terminal, install.sh's output, a CI log). */
bool gc_read_secret(struct walker *w, const struct map *m, const char *key, bool required,
                    struct gc_val *v, const char *set, size_t max_len, const char *what);

/* The same for an IPv4 address in dotted decimal. */
bool gc_read_ipv4(struct walker *w, const struct map *m, const char *key, bool required,
                  struct gc_val *v);

/* The same for an absolute path of PATH_CHARS, under 128 characters, without "//", "/./" or
 * "/../". */
bool gc_read_abs_path(struct walker *w, const struct map *m, const char *key, bool required,
                      struct gc_val *v);

/* The default of a value that was not read. */
void gc_default_str(struct gc_val *v, const char *s);
void gc_default_int(struct gc_val *v, long long n);

/* Checks a value already read (false without a problem when it was not) as gc_read_chars()
 * does, for a field at `path`. */
bool gc_check_chars(struct walker *w, struct gc_val *v, const char *path, const char *set,
                    size_t max_len, const char *what);
