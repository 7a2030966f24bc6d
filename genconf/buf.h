/* buf.h: a growable text buffer, for rendering configuration files in memory.
 *
 * Out of memory is remembered rather than returned at every call: append as much as needed, then
 * ask gc_buf_failed() once. A failed buffer keeps its earlier content and ignores later appends.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct gc_buf {
        char *data; /* NUL-terminated; NULL until the first append */
        size_t len;
        size_t cap;
        bool failed; /* an allocation failed: the content is incomplete */
};

/* Appends formatted text. */
void gc_buf_printf(struct gc_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends `len` bytes of `s`. */
void gc_buf_append(struct gc_buf *b, const char *s, size_t len);

/* Appends a NUL-terminated string. */
void gc_buf_puts(struct gc_buf *b, const char *s);

/* Whether an append failed (out of memory). */
bool gc_buf_failed(const struct gc_buf *b);

/* Frees the content; the buffer may be used again. */
void gc_buf_free(struct gc_buf *b);
