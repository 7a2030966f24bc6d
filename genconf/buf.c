/* buf.c: a growable text buffer. */
#include "genconf/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Makes room for `extra` more bytes and the terminating NUL. Returns false when out of memory. */
static bool reserve(struct gc_buf *b, size_t extra)
{
        size_t need, cap;
        char *grown;

        if (b->failed)
                return false;
        if (extra > (size_t)-1 / 2 - b->len) {
                b->failed = true;
                return false;
        }
        need = b->len + extra + 1;
        if (need <= b->cap)
                return true;
        cap = b->cap ? b->cap : 256;
        while (cap < need)
                cap *= 2;
        grown = realloc(b->data, cap);
        if (!grown) {
                b->failed = true;
                return false;
        }
        b->data = grown;
        b->cap = cap;
        return true;
}

void gc_buf_append(struct gc_buf *b, const char *s, size_t len)
{
        if (!reserve(b, len))
                return;
        memcpy(b->data + b->len, s, len);
        b->len += len;
        b->data[b->len] = '\0';
}

void gc_buf_puts(struct gc_buf *b, const char *s)
{
        gc_buf_append(b, s, strlen(s));
}

void gc_buf_printf(struct gc_buf *b, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (!reserve(b, 128))
                return;
        va_start(ap, fmt);
        n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->failed = true;
                return;
        }
        if ((size_t)n >= b->cap - b->len) {
                if (!reserve(b, (size_t)n))
                        return;
                va_start(ap, fmt);
                (void)vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
                va_end(ap);
        }
        b->len += (size_t)n;
}

bool gc_buf_failed(const struct gc_buf *b)
{
        return b->failed;
}

void gc_buf_free(struct gc_buf *b)
{
        free(b->data);
        *b = (struct gc_buf){0};
}
