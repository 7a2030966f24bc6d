/* problems.c: what is wrong with the input, and where. */
#include "genconf/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gc_problem_add(struct gc_problems *p, unsigned line, unsigned col, const char *path,
                    const char *fmt, ...)
{
        struct gc_problem *grown;
        char *what = NULL, *copy;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&what, fmt, ap);
        va_end(ap);
        copy = strdup(path ? path : "");
        grown = realloc(p->v, (p->n + 1) * sizeof(*p->v));
        if (grown)
                p->v = grown;
        if (r < 0 || !copy || !grown) {
                if (r >= 0)
                        free(what);
                free(copy);
                p->out_of_memory = true;
                return;
        }
        p->v[p->n] = (struct gc_problem){
                .line = line, .col = col, .path = copy, .what = what, .seq = p->n};
        p->n++;
}

/* By place; problems without one (line 0) first; found order among equals. */
static int by_place(const void *a, const void *b)
{
        const struct gc_problem *x = a, *y = b;

        if (x->line != y->line)
                return x->line < y->line ? -1 : 1;
        if (x->col != y->col)
                return x->col < y->col ? -1 : 1;
        return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void gc_problems_print(struct gc_problems *p, const char *file, FILE *f)
{
        qsort(p->v, p->n, sizeof(*p->v), by_place);
        for (size_t i = 0; i < p->n; i++) {
                const struct gc_problem *e = &p->v[i];

                if (e->line > 0)
                        fprintf(f, "%s:%u:%u: ", file, e->line, e->col);
                else
                        fprintf(f, "%s: ", file);
                if (*e->path)
                        fprintf(f, "%s: ", e->path);
                fprintf(f, "%s\n", e->what);
        }
        if (p->out_of_memory)
                fprintf(f, "%s: out of memory: some problems are not shown\n", file);
}

void gc_problems_free(struct gc_problems *p)
{
        for (size_t i = 0; i < p->n; i++) {
                free(p->v[i].path);
                free(p->v[i].what);
        }
        free(p->v);
        *p = (struct gc_problems){0};
}
