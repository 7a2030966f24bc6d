/* test_template.c: templates and their placeholders (genconf/template.c), and the built-in
 * copy of keepalived/keepalived.conf.in. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genconf/template.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char err[256];

/* Renders `tpl` with `vars`; returns the text (to free), NULL when refused (err says why). */
static char *render(const char *tpl, const struct gc_tpl_var *vars, size_t n)
{
        struct gc_buf b = {0};
        int r = gc_tpl_render(&b, tpl, vars, n, err, sizeof(err));

        assert_false(gc_buf_failed(&b));
        if (r < 0) {
                assert_int_equal(r, -EINVAL);
                assert_true(err[0] != '\0');
                gc_buf_free(&b);
                return NULL;
        }
        assert_string_equal(err, "");
        return b.data ? b.data : strdup("");
}

static void expect(const char *tpl, const struct gc_tpl_var *vars, size_t n, const char *want)
{
        char *got = render(tpl, vars, n);

        if (!got)
                fail_msg("refused: %s", err);
        assert_string_equal(got, want);
        free(got);
}

/* Refused, with `want` in the message (which starts with the line number). */
static void refused(const char *tpl, const struct gc_tpl_var *vars, size_t n, const char *want)
{
        char *got = render(tpl, vars, n);

        if (got)
                fail_msg("accepted, gave \"%s\"", got);
        if (!strstr(err, want))
                fail_msg("message \"%s\" lacks \"%s\"", err, want);
}

static void test_placeholders(void **state)
{
        const struct gc_tpl_var vars[] = {
                GC_TPL_ONE("A", "one"), GC_TPL_ONE("B_2", ""),
                GC_TPL_ONE("C", "@A@ stays"), /* a value is not read again */
        };

        (void)state;
        expect("x @A@/@B_2@ y @A@@C@\n\nlast line, no newline @A@", vars, N(vars),
               "x one/ y one@A@ stays\n\nlast line, no newline one");
        expect("## a note, @NOT_A_PLACEHOLDER@ @\n@A@@B_2@@C@\n## another\n", vars, N(vars),
               "one@A@ stays\n");
        expect("", NULL, 0, "");
}

static void test_sections(void **state)
{
        const char *tpl = "head @H@\n"
                          "@if OPT@\n"
                          "  opt @OPT@ (@H@)\n"
                          "## a note in a section\n"
                          "@end@\n"
                          "list {\n"
                          "@for ITEM@\n"
                          "  item @ITEM@ of @H@\n"
                          "@end@\n"
                          "}\n";
        const char *three[] = {"a", "b", "c"};
        struct gc_tpl_var vars[] = {
                GC_TPL_ONE("H", "h"),
                {"OPT", (const char *const[]){"secret"}, 1},
                {"ITEM", three, 3},
        };

        (void)state;
        expect(tpl, vars, N(vars),
               "head h\n  opt secret (h)\nlist {\n  item a of h\n  item b of h\n  item c of "
               "h\n}\n");
        vars[1].n = 0;
        vars[2].n = 1;
        expect(tpl, vars, N(vars), "head h\nlist {\n  item a of h\n}\n");
        vars[2].n = 0;
        expect(tpl, vars, N(vars), "head h\nlist {\n}\n");
        /* Sections one after the other, and the last one at the end without a newline. */
        vars[1].n = 1;
        vars[2].n = 2;
        expect("@if OPT@\n@OPT@\n@end@\n@for ITEM@\n@ITEM@\n@end@\n@for ITEM@\n@ITEM@@H@\n@end@",
               vars, N(vars), "secret\na\nb\nah\nbh\n");
}

/* The template and its caller must agree, whatever this rendering writes. */
static void test_disagreements(void **state)
{
        const char *two[] = {"1", "2"};
        const struct gc_tpl_var vars[] = {
                GC_TPL_ONE("A", "a"),
                {"NONE", two, 0},
                {"TWO", two, 2},
        };
        const struct gc_tpl_var one_a[] = {GC_TPL_ONE("A", "a")};

        (void)state;
        refused("@A@ @B@\n", one_a, N(one_a), "1: @B@ is a placeholder ha-genconf does not fill");
        /* Left out this time, checked all the same. */
        refused("@A@\n@if NONE@\n@TYPO@\n@end@\n@for TWO@\n@TWO@\n@end@\n", vars, N(vars),
                "3: @TYPO@ is a placeholder ha-genconf does not fill");
        refused("@A@\n@if MISSING@\n@end@\n", one_a, N(one_a),
                "2: @MISSING@ is a placeholder ha-genconf does not fill");
        refused("@A@\n", vars, N(vars), "0: @NONE@ is filled by ha-genconf but the template");
        refused("@A@ @NONE@ @TWO@\n", vars, N(vars), "1: @NONE@ has 0 values");
        refused("@A@\n@if NONE@\n@end@\n@TWO@\n", vars, N(vars), "4: @TWO@ has 2 values");
        refused("@A@\n@if NONE@\n@TWO@\n@end@\n", vars, N(vars), "3: @TWO@ has 2 values");
        refused("@if TWO@\n@TWO@\n@end@\n@A@ @NONE@\n", vars, N(vars),
                "1: @if TWO@: it has 2 values, where @if takes none or one");
}

static void test_malformed(void **state)
{
        const struct gc_tpl_var vars[] = {GC_TPL_ONE("A", "a"), GC_TPL_ONE("B", "b")};
        struct gc_tpl_var many[GC_TPL_MAX_VARS + 1];

        (void)state;
        refused("@A@\nmail me@example\n@B@\n", vars, N(vars), "2: an \"@\" that is no placeholder");
        refused("@A@ @B@ @a@\n", vars, N(vars), "1: an \"@\" that is no placeholder");
        refused("@A@ @B@ @1X@\n", vars, N(vars), "1: an \"@\" that is no placeholder");
        refused("@A@ @B@ @@\n", vars, N(vars), "1: an \"@\" that is no placeholder");
        refused("@A@ @B@ @\n", vars, N(vars), "1: an \"@\" that is no placeholder");
        /* A directive is a line of its own. */
        refused("@A@\n  @if B@\n@end@\n", vars, N(vars), "2: an \"@\" that is no placeholder");
        refused("@A@\n@if B@ \n@end@\n", vars, N(vars), "2: an \"@\" that is no placeholder");
        refused("@A@\n@if B@\n", vars, N(vars), "2: @if or @for without its @end@");
        refused("@A@\n@if B@\n@B@\n", vars, N(vars), "2: @if or @for without its @end@");
        refused("@A@ @B@\n@end@\n", vars, N(vars), "2: @end@ with no @if or @for before it");
        refused("@if A@\n@for B@\n@end@\n@end@\n", vars, N(vars),
                "2: @for B@ inside the @if or @for of line 1: they do not nest");
        for (size_t i = 0; i < N(many); i++)
                many[i] = GC_TPL_ONE("A", "a");
        refused("@A@\n", many, N(many), "0: 65 placeholders, more than 64");
}

/* The built-in copy is the file in the tree, byte for byte (the build makes it again when the
 * file changes). */
static void test_builtin(void **state)
{
        const char *path = getenv("HA_KEEPALIVED_TEMPLATE");
        size_t len = strlen(gc_keepalived_conf_in);
        char *text = calloc(1, len + 2);
        FILE *f;
        size_t got;

        (void)state;
        assert_non_null(path);
        assert_non_null(text);
        f = fopen(path, "rb");
        assert_non_null(f);
        got = fread(text, 1, len + 1, f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(got, len);
        assert_memory_equal(text, gc_keepalived_conf_in, len);
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_placeholders),  cmocka_unit_test(test_sections),
                cmocka_unit_test(test_disagreements), cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_builtin),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
