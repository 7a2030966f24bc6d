/* template.c: a template rendered with the values of its placeholders (template.h). */
#include "genconf/template.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct render {
        struct gc_buf *b;
        const struct gc_tpl_var *vars;
        size_t n_vars;
        bool used[GC_TPL_MAX_VARS];
        char *err;
        size_t err_size;
};

enum directive { NONE, IF, FOR, END };

static int fail(struct render *r, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(struct render *r, unsigned line, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (r->err_size == 0)
                return -EINVAL;
        n = snprintf(r->err, r->err_size, "%u: ", line);
        if (n >= 0 && (size_t)n < r->err_size) {
                va_start(ap, fmt);
                (void)vsnprintf(r->err + n, r->err_size - (size_t)n, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

static bool is_name(const char *s, size_t len)
{
        if (len == 0 || s[0] < 'A' || s[0] > 'Z')
                return false;
        for (size_t i = 1; i < len; i++)
                if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
                        return false;
        return true;
}

static bool is_note(const char *s, size_t len)
{
        return len >= 2 && s[0] == '#' && s[1] == '#';
}

/* The placeholder `s` (its name, `len` bytes), marked used; NULL when the caller has none. */
static const struct gc_tpl_var *lookup(struct render *r, const char *s, size_t len)
{
        for (size_t i = 0; i < r->n_vars; i++)
                if (strlen(r->vars[i].name) == len && memcmp(r->vars[i].name, s, len) == 0) {
                        r->used[i] = true;
                        return &r->vars[i];
                }
        return NULL;
}

/* Whether the line `s` (`len` bytes, no newline) is a directive; the name of @if and @for in
 * *name. */
static enum directive directive(const char *s, size_t len, const char **name, size_t *name_len)
{
        static const struct {
                const char *prefix;
                enum directive d;
        } opens[] = {{"@if ", IF}, {"@for ", FOR}};

        if (len == 5 && memcmp(s, "@end@", 5) == 0)
                return END;
        for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
                size_t plen = strlen(opens[i].prefix);

                if (len > plen + 1 && memcmp(s, opens[i].prefix, plen) == 0 && s[len - 1] == '@' &&
                    is_name(s + plen, len - plen - 1)) {
                        *name = s + plen;
                        *name_len = len - plen - 1;
                        return opens[i].d;
                }
        }
        return NONE;
}

/* One line of text, line number `no`: each placeholder replaced by its value, `item_var` by its
 * item-th. Appended (with `newline`) only when `write`; checked in any case. */
static int text_line(struct render *r, unsigned no, const char *s, size_t len, bool newline,
                     const struct gc_tpl_var *item_var, size_t item, bool write)
{
        const char *end = s + len;

        while (s < end) {
                const char *at = memchr(s, '@', (size_t)(end - s)), *close;
                const struct gc_tpl_var *v;
                size_t name_len;

                if (!at) {
                        if (write)
                                gc_buf_append(r->b, s, (size_t)(end - s));
                        break;
                }
                if (write)
                        gc_buf_append(r->b, s, (size_t)(at - s));
                close = memchr(at + 1, '@', (size_t)(end - at - 1));
                if (!close || !is_name(at + 1, (size_t)(close - at - 1)))
                        return fail(r, no,
                                    "an \"@\" that is no placeholder @NAME@ nor directive line "
                                    "(@if NAME@, @for NAME@, @end@)");
                name_len = (size_t)(close - at - 1);
                v = lookup(r, at + 1, name_len);
                if (!v)
                        return fail(r, no, "@%.*s@ is a placeholder ha-genconf does not fill",
                                    (int)name_len, at + 1);
                if (v != item_var && v->n != 1)
                        return fail(r, no,
                                    "@%.*s@ has %zu values: only @if %.*s@ (none or one) or "
                                    "@for %.*s@ may hold it",
                                    (int)name_len, at + 1, v->n, (int)name_len, at + 1,
                                    (int)name_len, at + 1);
                if (write)
                        gc_buf_puts(r->b, v == item_var ? v->values[item] : v->values[0]);
                s = close + 1;
        }
        if (write && newline)
                gc_buf_puts(r->b, "\n");
        return 0;
}

/* The lines [body, end) of @if or @for `v`, whose directive is line `no`: written once for each
 * value of `v`; checked once when it has none. */
static int section(struct render *r, const char *body, const char *end, unsigned no,
                   const struct gc_tpl_var *v)
{
        size_t times = v->n > 0 ? v->n : 1;

        for (size_t item = 0; item < times; item++) {
                unsigned line_no = no;

                for (const char *p = body; p < end;) {
                        const char *nl = memchr(p, '\n', (size_t)(end - p));
                        size_t len = (size_t)(nl - p); /* `end` starts a line */
                        int rc;

                        line_no++;
                        if (!is_note(p, len)) {
                                rc = text_line(r, line_no, p, len, true, v, item, v->n > 0);
                                if (rc < 0)
                                        return rc;
                        }
                        p = nl + 1;
                }
        }
        return 0;
}

int gc_tpl_render(struct gc_buf *b, const char *tpl, const struct gc_tpl_var *vars, size_t n_vars,
                  char *err, size_t err_size)
{
        struct render r = {
                .b = b, .vars = vars, .n_vars = n_vars, .err = err, .err_size = err_size};
        const struct gc_tpl_var *open = NULL;
        const char *p = tpl, *body = NULL;
        unsigned no = 0, open_no = 0;
        int rc;

        if (err_size > 0)
                err[0] = '\0';
        if (n_vars > GC_TPL_MAX_VARS)
                return fail(&r, 0, "%zu placeholders, more than %d", n_vars, GC_TPL_MAX_VARS);
        while (*p) {
                const char *line = p, *nl = strchr(p, '\n'), *name = NULL;
                size_t len = nl ? (size_t)(nl - p) : strlen(p), name_len = 0;
                enum directive d;

                no++;
                p = line + len + (nl ? 1 : 0);
                if (is_note(line, len))
                        continue;
                d = directive(line, len, &name, &name_len);
                if (d == IF || d == FOR) {
                        const char *what = d == IF ? "if" : "for";

                        if (open)
                                return fail(&r, no,
                                            "@%s %.*s@ inside the @if or @for of line %u: they do "
                                            "not nest",
                                            what, (int)name_len, name, open_no);
                        open = lookup(&r, name, name_len);
                        if (!open)
                                return fail(&r, no,
                                            "@%.*s@ is a placeholder ha-genconf does not fill",
                                            (int)name_len, name);
                        if (d == IF && open->n > 1)
                                return fail(&r, no,
                                            "@if %.*s@: it has %zu values, where @if takes none "
                                            "or one",
                                            (int)name_len, name, open->n);
                        body = p;
                        open_no = no;
                } else if (d == END) {
                        if (!open)
                                return fail(&r, no, "@end@ with no @if or @for before it");
                        rc = section(&r, body, line, open_no, open);
                        if (rc < 0)
                                return rc;
                        open = NULL;
                } else if (!open) {
                        rc = text_line(&r, no, line, len, nl != NULL, NULL, 0, true);
                        if (rc < 0)
                                return rc;
                }
        }
        if (open)
                return fail(&r, open_no, "@if or @for without its @end@");
        for (size_t i = 0; i < n_vars; i++)
                if (!r.used[i])
                        return fail(&r, 0,
                                    "@%s@ is filled by ha-genconf but the template does not use "
                                    "it",
                                    vars[i].name);
        return 0;
}
