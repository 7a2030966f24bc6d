/* tree.h: a YAML document as a plain tree, built from libyaml's events.
 *
 * libyaml's own document API (yaml_parser_load) costs several times more than its parser for
 * a large file (an allocation and a tag string per node); this tree keeps only what ha-genconf
 * reads: the kind of each node, its place, and a scalar's text. One document per file.
 * An alias is the node its anchor names (the same index), as in libyaml's documents.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "genconf/model.h"

enum gc_node_type {
        GC_SCALAR,
        GC_SEQUENCE,
        GC_MAPPING,
};

/* 24 bytes: a large file has a node per 10 bytes of YAML, and on some machines every page of
 * memory touched costs more than the instructions that fill it. */
struct gc_node {
        uint32_t line; /* 1-based */
        uint16_t col;  /* 1-based; 65535 for any column past it */
        uint8_t type;  /* enum gc_node_type */
        bool plain;    /* a scalar written without quotes */
        union {
                struct {              /* GC_SCALAR */
                        char *value;  /* NUL-terminated (it may hold a NUL: see len) */
                        uint32_t len; /* of value */
                };
                struct {                /* GC_SEQUENCE, GC_MAPPING */
                        uint32_t first; /* where its children start in gc_tree.kids */
                        uint32_t count; /* items; or pairs (2 * count kids: key, value) */
                };
        };
};

#define GC_TREE_MAX_BYTES (256u << 20)

struct gc_tree {
        struct gc_node *nodes;
        size_t n_nodes, cap_nodes;
        uint32_t *kids; /* node indexes */
        size_t n_kids, cap_kids;
        char **chunks; /* where the scalars' text is kept, packed */
        size_t n_chunks;
        size_t chunk_size, chunk_used; /* of the last chunk */
        bool empty;                    /* the file holds no document (or only comments) */
        size_t root;
};

/* Parses `len` bytes of `text` (at most GC_TREE_MAX_BYTES). Returns 0; -EINVAL with the syntax
 * problem (libyaml's problem at its mark) recorded in `problems`; -ENOMEM. Free the tree with
 * gc_tree_free() in any case. */
int gc_tree_load(struct gc_tree *t, const char *text, size_t len, struct gc_problems *problems);

void gc_tree_free(struct gc_tree *t);
