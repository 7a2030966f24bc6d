/* hostlist.c: Slurm host lists, compressed and expanded. */
#include "genconf/hostlist.h"

#include "genconf/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Enough digits for any number we handle: 18 digits always fit in 64 bits. */
#define MAX_DIGITS 18

struct item {
        const char *name;
        size_t prefix_len; /* characters before the trailing digits */
        unsigned width;    /* number of trailing digits; 0: no number */
        unsigned long long number;
};

static unsigned digits(unsigned long long v)
{
        unsigned d = 1;

        while (v >= 10) {
                v /= 10;
                d++;
        }
        return d;
}

static int compare_items(const void *a, const void *b)
{
        const struct item *x = a, *y = b;
        size_t n = x->prefix_len < y->prefix_len ? x->prefix_len : y->prefix_len;
        int c;

        /* Names without a number sort by name, after those with one. */
        if ((x->width == 0) != (y->width == 0))
                return x->width == 0 ? 1 : -1;
        if (x->width == 0)
                return strcmp(x->name, y->name);
        c = memcmp(x->name, y->name, n);
        if (c != 0)
                return c;
        if (x->prefix_len != y->prefix_len)
                return x->prefix_len < y->prefix_len ? -1 : 1;
        if (x->number != y->number)
                return x->number < y->number ? -1 : 1;
        return x->width < y->width ? -1 : x->width > y->width;
}

/* Whether `it` is what a range of width `width` prints for its number: node010 is, in a range
 * of width 3 or less; node10 is in a range of width 1 or 2, not 3 (that prints node010). */
static bool fits_width(const struct item *it, unsigned width)
{
        unsigned d = digits(it->number);

        return it->width == (width > d ? width : d);
}

struct pieces {
        char **v;
        size_t n;
        size_t max_len;
        struct gc_buf cur; /* the piece being filled */
        bool failed;
};

/* Ends the current piece. */
static void flush_piece(struct pieces *p)
{
        char **grown;

        if (p->cur.len == 0)
                return;
        if (gc_buf_failed(&p->cur)) {
                p->failed = true;
                gc_buf_free(&p->cur);
                return;
        }
        grown = realloc(p->v, (p->n + 1) * sizeof(*p->v));
        if (!grown) {
                p->failed = true;
                gc_buf_free(&p->cur);
                return;
        }
        p->v = grown;
        p->v[p->n++] = p->cur.data;
        p->cur = (struct gc_buf){0};
}

/* Adds one expression ("node[001-004]" or "login") to the pieces, comma separated. */
static void add_expr(struct pieces *p, const char *expr, size_t len)
{
        if (p->cur.len > 0 && p->cur.len + 1 + len > p->max_len)
                flush_piece(p);
        if (p->cur.len > 0)
                gc_buf_append(&p->cur, ",", 1);
        gc_buf_append(&p->cur, expr, len);
}

/* Writes the items of one prefix, [first, end), as bracketed ranges. */
static void add_prefix_group(struct pieces *p, const struct item *it, size_t first, size_t end)
{
        struct gc_buf expr = {0};
        size_t i = first, ranges = 0;
        size_t prefix_len = it[first].prefix_len;

        if (end - first == 1) {
                add_expr(p, it[first].name, strlen(it[first].name));
                return;
        }
        while (i < end) {
                size_t j = i;
                unsigned width = it[i].width;
                char range[2 * MAX_DIGITS + 2];
                int n;

                while (j + 1 < end && it[j + 1].number == it[j].number + 1 &&
                       fits_width(&it[j + 1], width))
                        j++;
                if (j == i)
                        n = snprintf(range, sizeof(range), "%0*llu", (int)width, it[i].number);
                else
                        n = snprintf(range, sizeof(range), "%0*llu-%0*llu", (int)width,
                                     it[i].number, (int)width, it[j].number);
                /* Close the bracket before it outgrows a piece; go on in a new one. */
                if (ranges > 0 && expr.len + 1 + (size_t)n + 1 > p->max_len) {
                        gc_buf_append(&expr, "]", 1);
                        add_expr(p, expr.data, expr.len);
                        gc_buf_free(&expr);
                        ranges = 0;
                }
                if (ranges == 0) {
                        gc_buf_append(&expr, it[first].name, prefix_len);
                        gc_buf_append(&expr, "[", 1);
                } else {
                        gc_buf_append(&expr, ",", 1);
                }
                gc_buf_append(&expr, range, (size_t)n);
                ranges++;
                i = j + 1;
        }
        gc_buf_append(&expr, "]", 1);
        if (gc_buf_failed(&expr))
                p->failed = true;
        else
                add_expr(p, expr.data, expr.len);
        gc_buf_free(&expr);
}

int gc_hostlist_compress(const char *const *names, size_t n, size_t max_len, char ***ret,
                         size_t *ret_n)
{
        struct pieces p = {.max_len = max_len};
        struct item *it;
        size_t i;

        it = calloc(n ? n : 1, sizeof(*it));
        if (!it)
                return -ENOMEM;
        for (i = 0; i < n; i++) {
                const char *s = names[i];
                size_t len = strlen(s), k = len;

                while (k > 0 && s[k - 1] >= '0' && s[k - 1] <= '9' && len - k < MAX_DIGITS)
                        k--;
                /* A name of digits only, or with more digits than we count, stays whole. */
                it[i].name = s;
                if (k == len || k == 0 || (k > 0 && s[k - 1] >= '0' && s[k - 1] <= '9'))
                        continue;
                it[i].prefix_len = k;
                it[i].width = (unsigned)(len - k);
                it[i].number = strtoull(s + k, NULL, 10);
        }
        qsort(it, n, sizeof(*it), compare_items);
        for (i = 0; i < n;) {
                size_t j = i + 1;

                if (it[i].width > 0)
                        while (j < n && it[j].width > 0 && it[j].prefix_len == it[i].prefix_len &&
                               memcmp(it[j].name, it[i].name, it[i].prefix_len) == 0)
                                j++;
                if (it[i].width == 0)
                        add_expr(&p, it[i].name, strlen(it[i].name));
                else
                        add_prefix_group(&p, it, i, j);
                i = j;
        }
        flush_piece(&p);
        free(it);
        if (p.failed) {
                gc_hostlist_free(p.v, p.n);
                return -ENOMEM;
        }
        *ret = p.v;
        *ret_n = p.n;
        return 0;
}

void gc_hostlist_free(char **pieces, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(pieces[i]);
        free(pieces);
}

/* Parses a decimal number of at most MAX_DIGITS digits at *s. */
static bool parse_number(const char **s, unsigned long long *ret, unsigned *ret_width)
{
        const char *p = *s;
        unsigned long long v = 0;
        unsigned w = 0;

        while (*p >= '0' && *p <= '9') {
                if (++w > MAX_DIGITS)
                        return false;
                v = v * 10 + (unsigned long long)(*p - '0');
                p++;
        }
        if (w == 0)
                return false;
        *s = p;
        *ret = v;
        *ret_width = w;
        return true;
}

/* Expands one name or "prefix[ranges]suffix" (no commas outside the brackets). */
static int expand_one(const char *tok, size_t len, size_t max_names, size_t *count,
                      bool (*each)(const char *, void *), void *userdata, bool *stop,
                      const char **ret_why)
{
        const char *open = memchr(tok, '[', len), *close, *p;
        char name[512];

        if (len == 0) {
                *ret_why = "empty name (two commas in a row?)";
                return -EINVAL;
        }
        if (!open) {
                if (memchr(tok, ']', len)) {
                        *ret_why = "\"]\" without \"[\"";
                        return -EINVAL;
                }
                if (len >= sizeof(name)) {
                        *ret_why = "name too long";
                        return -EINVAL;
                }
                memcpy(name, tok, len);
                name[len] = '\0';
                if (++*count > max_names) {
                        *ret_why = "too many names";
                        return -EINVAL;
                }
                *stop = !each(name, userdata);
                return 0;
        }
        close = memchr(open, ']', len - (size_t)(open - tok));
        if (!close) {
                *ret_why = "\"[\" without \"]\"";
                return -EINVAL;
        }
        if (memchr(close + 1, '[', len - (size_t)(close + 1 - tok)) ||
            memchr(close + 1, ']', len - (size_t)(close + 1 - tok))) {
                *ret_why = "only one [...] per name is supported";
                return -EINVAL;
        }
        if ((size_t)(open - tok) + (size_t)(tok + len - close) + MAX_DIGITS >= sizeof(name)) {
                *ret_why = "name too long";
                return -EINVAL;
        }
        p = open + 1;
        while (p < close) {
                unsigned long long lo, hi;
                unsigned wlo, whi;

                if (!parse_number(&p, &lo, &wlo)) {
                        *ret_why = "expected a number or a range such as 1-10 in [...]";
                        return -EINVAL;
                }
                hi = lo;
                if (*p == '-') {
                        p++;
                        if (!parse_number(&p, &hi, &whi) || hi < lo) {
                                *ret_why = "expected a range LOW-HIGH with LOW <= HIGH in [...]";
                                return -EINVAL;
                        }
                }
                if (p < close && *p != ',') {
                        *ret_why = "expected \",\" or \"]\" after a range";
                        return -EINVAL;
                }
                if (*p == ',' && ++p == close) {
                        *ret_why = "a \",\" before \"]\"";
                        return -EINVAL;
                }
                if (hi - lo >= max_names || *count + (hi - lo) + 1 > max_names) {
                        *ret_why = "too many names";
                        return -EINVAL;
                }
                for (unsigned long long v = lo; v <= hi && !*stop; v++) {
                        int n = snprintf(name, sizeof(name), "%.*s%0*llu%.*s", (int)(open - tok),
                                         tok, (int)wlo, v, (int)(tok + len - close - 1), close + 1);

                        if (n < 0 || (size_t)n >= sizeof(name)) {
                                *ret_why = "name too long";
                                return -EINVAL;
                        }
                        ++*count;
                        *stop = !each(name, userdata);
                }
                if (*stop)
                        return 0;
        }
        if (close == open + 1) {
                *ret_why = "empty [] in a host list";
                return -EINVAL;
        }
        return 0;
}

int gc_hostlist_expand(const char *expr, size_t max_names,
                       bool (*each)(const char *name, void *userdata), void *userdata,
                       const char **ret_why)
{
        const char *p = expr;
        size_t count = 0;
        bool stop = false;

        while (!stop) {
                const char *start = p;
                int depth = 0, r;

                while (*p && (depth > 0 || *p != ',')) {
                        if (*p == '[')
                                depth++;
                        else if (*p == ']')
                                depth--;
                        p++;
                }
                r = expand_one(start, (size_t)(p - start), max_names, &count, each, userdata, &stop,
                               ret_why);
                if (r < 0)
                        return r;
                if (!*p)
                        break;
                p++;
        }
        return 0;
}
