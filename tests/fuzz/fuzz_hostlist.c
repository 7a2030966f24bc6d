/* fuzz_hostlist: ha-genconf's Slurm host lists ("node[001-010,015],gpu1").
 *
 * The input is a host list expression. Expanding it must never overrun (names are built in a
 * fixed buffer) and stop at the name limit. When it expands to distinct names of the characters
 * the loader allows in host names, compressing those names (into pieces of a length from the
 * input's last byte) and expanding every piece again must give back exactly the same names:
 * the NodeName and Nodes= lines ha-genconf writes name the hosts the file listed.
 */
#include "tests/fuzz/fuzz.h"

#include "genconf/hostlist.h"

#define MAX_NAMES  1000
#define NODE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_."

struct names {
        char **v;
        size_t n;
        bool ok; /* distinct, and each of NODE_CHARS */
};

static bool add_name(const char *name, void *userdata)
{
        struct names *s = userdata;
        char **grown;

        FUZZ_ASSERT(strlen(name) < 512);
        if (!*name || strspn(name, NODE_CHARS) != strlen(name))
                s->ok = false;
        grown = realloc(s->v, (s->n + 1) * sizeof(*s->v));
        if (!grown || !(grown[s->n] = strdup(name)))
                abort();
        s->v = grown;
        s->n++;
        return true;
}

static int by_string(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(struct names *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct names first = {.ok = true}, back = {.ok = true};
        const char *why = NULL;
        char **pieces = NULL;
        size_t n_pieces = 0, max_len;
        char *expr;
        int r;

        if (size < 1)
                return 0;
        max_len = 8 + data[size - 1] % 128; /* pieces from very short to ha-genconf's 900 */
        if (data[size - 1] == 0xff)
                max_len = 900;
        expr = fuzz_strndup(data, size - 1);
        r = gc_hostlist_expand(expr, MAX_NAMES, add_name, &first, &why);
        free(expr);
        if (r < 0) {
                FUZZ_ASSERT(r == -EINVAL && why && *why);
                names_free(&first);
                return 0;
        }
        FUZZ_ASSERT(first.n <= MAX_NAMES);
        qsort(first.v, first.n, sizeof(*first.v), by_string);
        for (size_t i = 1; i < first.n; i++)
                if (strcmp(first.v[i - 1], first.v[i]) == 0)
                        first.ok = false;
        if (!first.ok || first.n == 0) {
                names_free(&first);
                return 0;
        }

        FUZZ_ASSERT(gc_hostlist_compress((const char *const *)first.v, first.n, max_len, &pieces,
                                         &n_pieces) == 0);
        for (size_t i = 0; i < n_pieces; i++) {
                r = gc_hostlist_expand(pieces[i], MAX_NAMES, add_name, &back, &why);
                if (r < 0)
                        fprintf(stderr, "piece \"%s\" does not expand: %s\n", pieces[i], why);
                FUZZ_ASSERT(r == 0);
        }
        qsort(back.v, back.n, sizeof(*back.v), by_string);
        if (back.n != first.n)
                fprintf(stderr, "%zu names compressed, %zu expanded back\n", first.n, back.n);
        FUZZ_ASSERT(back.n == first.n);
        for (size_t i = 0; i < first.n; i++) {
                if (strcmp(first.v[i], back.v[i]) != 0)
                        fprintf(stderr, "name \"%s\" came back as \"%s\"\n", first.v[i], back.v[i]);
                FUZZ_ASSERT(strcmp(first.v[i], back.v[i]) == 0);
        }
        gc_hostlist_free(pieces, n_pieces);
        names_free(&first);
        names_free(&back);
        return 0;
}
