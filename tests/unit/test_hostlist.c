/* test_hostlist.c: Slurm host lists, compressed and expanded (genconf/hostlist.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genconf/hostlist.h"

/* Compresses the names of `csv` (comma separated, no brackets) into one line. */
static char *compress_csv(const char *csv, size_t max_len, size_t *ret_pieces)
{
        char *copy = strdup(csv), *save = NULL, *w, **pieces = NULL, *joined;
        const char *names[64];
        size_t n = 0, n_pieces = 0, len = 0;

        assert_non_null(copy);
        for (w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
                names[n++] = w;
        assert_int_equal(gc_hostlist_compress(names, n, max_len, &pieces, &n_pieces), 0);
        for (size_t i = 0; i < n_pieces; i++)
                len += strlen(pieces[i]) + 1;
        joined = calloc(1, len + 1);
        assert_non_null(joined);
        for (size_t i = 0; i < n_pieces; i++) {
                if (i)
                        strcat(joined, " ");
                strcat(joined, pieces[i]);
        }
        gc_hostlist_free(pieces, n_pieces);
        free(copy);
        if (ret_pieces)
                *ret_pieces = n_pieces;
        return joined;
}

static void check(const char *csv, const char *expected)
{
        char *got = compress_csv(csv, (size_t)-1, NULL);

        if (strcmp(got, expected) != 0)
                fail_msg("%s -> \"%s\", expected \"%s\"", csv, got, expected);
        free(got);
}

static void test_ranges(void **state)
{
        (void)state;
        check("node001,node002,node003,node004,node005,node006,node007,node008,node009,node010",
              "node[001-010]");
        check("node001,node002,node003,node007", "node[001-003,007]");
        check("node003,node001,node002", "node[001-003]"); /* any order in */
        check("node5", "node5");
        check("a1,b2", "a1,b2");
        check("gpu1,node01,gpu2,node02", "gpu[1-2],node[01-02]");
        check("login,node1,node2", "node[1-2],login"); /* names without a number last */
}

/* Zero padding is kept; a width change starts a new range. */
static void test_widths(void **state)
{
        (void)state;
        check("n9,n10,n11", "n[9-11]");        /* no padding: 9 then 10 */
        check("n099,n100,n101", "n[099-101]"); /* padded to 3, 100 needs no padding */
        check("n9,n010", "n[9,010]");          /* 010 is not what width 1 prints */
        check("n1,n01", "n[1,01]");            /* two names, the same number */
        check("n08,n09,n10,n11", "n[08-11]");
        check("rack1-node3,rack1-node4", "rack1-node[3-4]");
        check("123,124", "123,124"); /* digits only: no prefix, kept whole */
        check("n1234567890123456789,n2", "n2,n1234567890123456789"); /* too many digits */
}

/* Long lists are cut into pieces of at most max_len characters. */
static void test_pieces(void **state)
{
        char *got;
        size_t n = 0;

        (void)state;
        got = compress_csv("n1,n3,n5,n7,n9,n11,n13", 12, &n);
        assert_string_equal(got, "n[1,3,5,7,9] n[11,13]");
        assert_int_equal(n, 2);
        free(got);
        got = compress_csv("aa1,bb1,cc1", 8, &n);
        assert_string_equal(got, "aa1,bb1 cc1");
        free(got);
}

struct collected {
        char names[16][32];
        size_t n;
        size_t stop_after;
};

static bool collect(const char *name, void *userdata)
{
        struct collected *c = userdata;

        if (c->n < 16)
                (void)snprintf(c->names[c->n], sizeof(c->names[0]), "%s", name);
        c->n++;
        return c->stop_after == 0 || c->n < c->stop_after;
}

static void test_expand(void **state)
{
        struct collected c = {0};
        const char *why = NULL;

        (void)state;
        assert_int_equal(gc_hostlist_expand("cn[1-3],login,n[08-10]x", 100, collect, &c, &why), 0);
        assert_int_equal(c.n, 7);
        assert_string_equal(c.names[0], "cn1");
        assert_string_equal(c.names[2], "cn3");
        assert_string_equal(c.names[3], "login");
        assert_string_equal(c.names[4], "n08x");
        assert_string_equal(c.names[6], "n10x");

        memset(&c, 0, sizeof(c));
        assert_int_equal(gc_hostlist_expand("n[9-11]", 100, collect, &c, &why), 0);
        assert_string_equal(c.names[0], "n9");
        assert_string_equal(c.names[1], "n10");

        /* Stops when asked. */
        memset(&c, 0, sizeof(c));
        c.stop_after = 2;
        assert_int_equal(gc_hostlist_expand("n[1-1000]", 10000, collect, &c, &why), 0);
        assert_int_equal(c.n, 2);
}

static void test_expand_errors(void **state)
{
        static const char *const bad[] = {
                "n[1-3", "n1-3]",       "n[1,]",   "n[3-1]",        "n[]", "n[a-b]",
                "a,,b",  "n[1-2][3-4]", "n[1-2x]", "n[1-99999999]", /* more than max_names */
        };
        struct collected c = {0};

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                const char *why = NULL;

                if (gc_hostlist_expand(bad[i], 1000, collect, &c, &why) != -EINVAL)
                        fail_msg("\"%s\" was accepted", bad[i]);
                assert_non_null(why);
        }
}

/* What compress writes, expand reads back: the same names. */
static void test_round_trip(void **state)
{
        const char *names[] = {"node001", "node002", "node004", "n9",  "n10", "gpu01",
                               "gpu3",    "login",   "x08",     "x09", "x10"};
        size_t n = sizeof(names) / sizeof(names[0]), n_pieces = 0;
        struct collected c = {0};
        char **pieces = NULL;
        const char *why = NULL;

        (void)state;
        assert_int_equal(gc_hostlist_compress(names, n, (size_t)-1, &pieces, &n_pieces), 0);
        assert_int_equal(n_pieces, 1);
        assert_int_equal(gc_hostlist_expand(pieces[0], 100, collect, &c, &why), 0);
        assert_int_equal(c.n, n);
        for (size_t i = 0; i < n; i++) {
                bool found = false;

                for (size_t j = 0; j < c.n; j++)
                        found = found || strcmp(names[i], c.names[j]) == 0;
                if (!found)
                        fail_msg("%s is missing from %s", names[i], pieces[0]);
        }
        gc_hostlist_free(pieces, n_pieces);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ranges),        cmocka_unit_test(test_widths),
                cmocka_unit_test(test_pieces),        cmocka_unit_test(test_expand),
                cmocka_unit_test(test_expand_errors), cmocka_unit_test(test_round_trip),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
