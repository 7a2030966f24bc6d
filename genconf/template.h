/* template.h: configuration files rendered from templates, which ha-genconf carries built in.
 *
 * A template is the file as it is written, with placeholders (keepalived/keepalived.conf.in
 * explains them at its top, for its readers):
 *
 *   ## text          a note on the template: not written.
 *   @NAME@           replaced by the value of NAME (A-Z, 0-9 and "_", a letter first).
 *   @if NAME@        a line of its own: the lines up to @end@ are written when NAME has a value.
 *   @for NAME@       a line of its own: the lines up to @end@ are written once for each value of
 *                    NAME, which stands for that value there.
 *   @end@            a line of its own: closes @if or @for; they do not nest.
 *
 * Outside @if and @for a placeholder has exactly one value; "@" has no other use. A template
 * that names a placeholder the caller does not fill, or does not use one the caller fills, is
 * refused, whether or not the placeholder's lines are written this time: a template and its
 * caller that disagree fail every rendering (and so the tests), not only some.
 *
 * The build (genconf/embed.cmake) makes a C array of each template file and refuses one that
 * is malformed.
 */
#pragma once

#include <stddef.h>

#include "genconf/buf.h"

/* keepalived/keepalived.conf.in, NUL-terminated (generated: keepalived_conf_in.c). */
extern const char gc_keepalived_conf_in[];

/* The value or values of one placeholder. */
struct gc_tpl_var {
        const char *name;          /* "PRIORITY" for @PRIORITY@ */
        const char *const *values; /* n values, none NULL */
        size_t n;
};

/* A placeholder with the one value `value`, in an initializer: it lasts as long as the block
 * it is in. */
#define GC_TPL_ONE(name, value) ((struct gc_tpl_var){(name), (const char *const[]){(value)}, 1})

#define GC_TPL_MAX_VARS 64

/* Appends `tpl` rendered with `vars` to `b`. Returns 0, or -EINVAL when the template is
 * malformed or disagrees with `vars` (more than GC_TPL_MAX_VARS of them, too): then `err` holds
 * "LINE: what" (LINE 0 when the problem has no line) and what was appended is incomplete. An
 * out-of-memory `b` is the caller's to check (gc_buf_failed()). */
int gc_tpl_render(struct gc_buf *b, const char *tpl, const struct gc_tpl_var *vars, size_t n_vars,
                  char *err, size_t err_size);
