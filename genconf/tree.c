/* tree.c: a YAML document as a plain tree, from libyaml's events. */
#include "genconf/tree.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define CHUNK (64u << 10)

struct anchor {
        char *name;
        size_t node;
};

struct builder {
        struct gc_tree *t;
        size_t *stack; /* children collected for the open sequences and mappings */
        size_t n_stack, cap_stack;
        size_t *open; /* per open sequence or mapping: its node, then where its children start */
        size_t n_open, cap_open;
        struct anchor *anchors;
        size_t n_anchors;
};

static bool grow(void **v, size_t *cap, size_t need, size_t size)
{
        size_t c = *cap ? *cap : 64;
        void *g;

        if (need <= *cap)
                return true;
        while (c < need)
                c *= 2;
        g = realloc(*v, c * size);
        if (!g)
                return false;
        *v = g;
        *cap = c;
        return true;
}

static bool push(size_t **v, size_t *n, size_t *cap, size_t value)
{
        if (!grow((void **)v, cap, *n + 1, sizeof(**v)))
                return false;
        (*v)[(*n)++] = value;
        return true;
}

/* Copies a scalar's text into the tree's chunks: packed, rather than one allocation each (the
 * event's own copy is freed at once and its memory reused). Returns NULL when out of memory. */
static char *keep_text(struct gc_tree *t, const char *s, size_t len)
{
        char *out;

        if (t->n_chunks == 0 || len + 1 > t->chunk_size - t->chunk_used) {
                size_t size = len + 1 > CHUNK ? len + 1 : CHUNK;
                char **grown = realloc(t->chunks, (t->n_chunks + 1) * sizeof(*grown));

                if (!grown)
                        return NULL;
                t->chunks = grown;
                t->chunks[t->n_chunks] = malloc(size);
                if (!t->chunks[t->n_chunks])
                        return NULL;
                t->n_chunks++;
                t->chunk_size = size;
                t->chunk_used = 0;
        }
        out = t->chunks[t->n_chunks - 1] + t->chunk_used;
        memcpy(out, s, len);
        out[len] = '\0';
        t->chunk_used += len + 1;
        return out;
}

/* Adds a node at `mark`, named by `anchor` (may be NULL), as a child of the open parent. */
static int add_node(struct builder *b, enum gc_node_type type, const yaml_mark_t *mark,
                    const yaml_char_t *anchor, size_t *ret)
{
        struct gc_tree *t = b->t;
        size_t i = t->n_nodes;

        if (!grow((void **)&t->nodes, &t->cap_nodes, i + 1, sizeof(*t->nodes)))
                return -ENOMEM;
        t->nodes[i] = (struct gc_node){
                .type = (uint8_t)type,
                .line = (uint32_t)mark->line + 1,
                .col = mark->column < UINT16_MAX ? (uint16_t)(mark->column + 1) : UINT16_MAX};
        t->n_nodes++;
        if (anchor) {
                struct anchor *g = realloc(b->anchors, (b->n_anchors + 1) * sizeof(*g));
                char *name = strdup((const char *)anchor);

                if (g)
                        b->anchors = g;
                if (!g || !name) {
                        free(name);
                        return -ENOMEM;
                }
                b->anchors[b->n_anchors++] = (struct anchor){.name = name, .node = i};
        }
        if (b->n_open > 0 && !push(&b->stack, &b->n_stack, &b->cap_stack, i))
                return -ENOMEM;
        *ret = i;
        return 0;
}

/* Closes the innermost sequence or mapping: its children move to the tree's kids. */
static int close_node(struct builder *b)
{
        struct gc_tree *t = b->t;
        size_t node = b->open[b->n_open - 2], start = b->open[b->n_open - 1];
        size_t n = b->n_stack - start;

        if (!grow((void **)&t->kids, &t->cap_kids, t->n_kids + n, sizeof(*t->kids)))
                return -ENOMEM;
        for (size_t k = 0; k < n; k++)
                t->kids[t->n_kids + k] = (uint32_t)b->stack[start + k];
        t->nodes[node].first = (uint32_t)t->n_kids;
        t->nodes[node].count = (uint32_t)(t->nodes[node].type == GC_MAPPING ? n / 2 : n);
        t->n_kids += n;
        b->n_stack = start;
        b->n_open -= 2;
        return 0;
}

static int on_event(struct builder *b, yaml_event_t *e, struct gc_problems *problems)
{
        struct gc_tree *t = b->t;
        size_t node;
        int r;

        switch (e->type) {
        case YAML_SCALAR_EVENT:
                r = add_node(b, GC_SCALAR, &e->start_mark, e->data.scalar.anchor, &node);
                if (r < 0)
                        return r;
                if (e->data.scalar.length >= UINT32_MAX)
                        return -EFBIG;
                t->nodes[node].value =
                        keep_text(t, (const char *)e->data.scalar.value, e->data.scalar.length);
                if (!t->nodes[node].value)
                        return -ENOMEM;
                t->nodes[node].len = (uint32_t)e->data.scalar.length;
                t->nodes[node].plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
                break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
                r = add_node(b, e->type == YAML_MAPPING_START_EVENT ? GC_MAPPING : GC_SEQUENCE,
                             &e->start_mark,
                             e->type == YAML_MAPPING_START_EVENT ? e->data.mapping_start.anchor
                                                                 : e->data.sequence_start.anchor,
                             &node);
                if (r < 0)
                        return r;
                if (!push(&b->open, &b->n_open, &b->cap_open, node) ||
                    !push(&b->open, &b->n_open, &b->cap_open, b->n_stack))
                        return -ENOMEM;
                break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
                return close_node(b);
        case YAML_ALIAS_EVENT: {
                const char *name = (const char *)e->data.alias.anchor;

                for (size_t i = b->n_anchors; i-- > 0;)
                        if (strcmp(b->anchors[i].name, name) == 0) {
                                if (b->n_open > 0 && !push(&b->stack, &b->n_stack, &b->cap_stack,
                                                           b->anchors[i].node))
                                        return -ENOMEM;
                                return 0;
                        }
                gc_problem_add(problems, (unsigned)e->start_mark.line + 1,
                               (unsigned)e->start_mark.column + 1, "",
                               "YAML syntax: the alias *%s names no anchor", name);
                return -EINVAL;
        }
        default:
                break;
        }
        return 0;
}

static void syntax_problem(struct gc_problems *problems, const yaml_parser_t *parser,
                           const char *text, size_t len)
{
        unsigned line = (unsigned)parser->problem_mark.line + 1;
        unsigned col = (unsigned)parser->problem_mark.column + 1;

        /* A reader error (bad UTF-8) has a byte offset, not a mark. */
        if (parser->error == YAML_READER_ERROR) {
                line = 1;
                col = 1;
                for (size_t i = 0; i < parser->problem_offset && i < len; i++) {
                        if (text[i] == '\n') {
                                line++;
                                col = 1;
                        } else {
                                col++;
                        }
                }
        }
        if (parser->context)
                gc_problem_add(problems, line, col, "", "YAML syntax: %s (%s at line %u column %u)",
                               parser->problem ? parser->problem : "error", parser->context,
                               (unsigned)parser->context_mark.line + 1,
                               (unsigned)parser->context_mark.column + 1);
        else
                gc_problem_add(problems, line, col, "", "YAML syntax: %s",
                               parser->problem ? parser->problem : "error");
}

int gc_tree_load(struct gc_tree *t, const char *text, size_t len, struct gc_problems *problems)
{
        struct builder b = {.t = t};
        yaml_parser_t parser;
        int documents = 0, r = 0;

        *t = (struct gc_tree){.empty = true};
        if (len > GC_TREE_MAX_BYTES)
                return -EFBIG;
        /* About one node per 10 bytes of YAML: room for most files without growing. */
        if (!grow((void **)&t->nodes, &t->cap_nodes, len / 10 + 64, sizeof(*t->nodes)) ||
            !grow((void **)&t->kids, &t->cap_kids, len / 10 + 64, sizeof(*t->kids)))
                return -ENOMEM;
        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
        for (;;) {
                yaml_event_t e;
                yaml_event_type_t type;

                if (!yaml_parser_parse(&parser, &e)) {
                        if (parser.error == YAML_MEMORY_ERROR) {
                                r = -ENOMEM;
                        } else {
                                syntax_problem(problems, &parser, text, len);
                                r = -EINVAL;
                        }
                        break;
                }
                type = e.type;
                if (type == YAML_DOCUMENT_START_EVENT && ++documents > 1) {
                        gc_problem_add(problems, (unsigned)e.start_mark.line + 1,
                                       (unsigned)e.start_mark.column + 1, "",
                                       "a second YAML document: one is expected");
                        r = -EINVAL;
                }
                if (r == 0)
                        r = on_event(&b, &e, problems);
                yaml_event_delete(&e);
                if (r < 0 || type == YAML_STREAM_END_EVENT)
                        break;
        }
        yaml_parser_delete(&parser);
        if (r == 0 && t->n_nodes > 0) {
                t->empty = false;
                t->root = 0;
        }
        for (size_t i = 0; i < b.n_anchors; i++)
                free(b.anchors[i].name);
        free(b.anchors);
        free(b.stack);
        free(b.open);
        return r;
}

void gc_tree_free(struct gc_tree *t)
{
        for (size_t i = 0; i < t->n_chunks; i++)
                free(t->chunks[i]);
        free(t->chunks);
        free(t->nodes);
        free(t->kids);
        *t = (struct gc_tree){0};
}
