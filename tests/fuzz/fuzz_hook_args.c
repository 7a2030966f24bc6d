/* fuzz_hook_args: the notify hooks' command line, as keepalived passes it.
 *
 * parse_args() is static in common/hook.c, and ha_hook_main() acts on the host: this target
 * compiles hook.c into itself (its static functions become callable here; the library's copy
 * is then not linked) and calls only the parser. The input is the arguments after the program
 * name, separated by NUL bytes (at most 16). Its first byte picks the hint the hook is installed
 * for. The parser must accept exactly: no arguments, or options, or "INSTANCE|GROUP NAME STATE
 * PRIORITY" with a state word ha_hint_parse() knows; and then the hint must be a known one.
 * ha_hint_parse() also gets each argument on its own.
 */
#include "tests/fuzz/fuzz.h"

#include <getopt.h>

#include "common/hook.c"

#define MAX_ARGS 16

/* The parser prints usage and getopt's complaints: not to the fuzzer's output. */
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        devnull = fopen("/dev/null", "w");
        if (!devnull)
                abort();
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct hook h = {.program = "ha-notify-fuzz"};
        const char *config = HA_CFG_DEFAULT_PATH;
        char *argv[MAX_ARGS + 2], *buf;
        FILE *out = stdout, *err = stderr;
        int argc = 0, r;

        if (size < 1)
                return 0;
        h.hint = (enum ha_hint)(data[0] % (HA_HINT_STOP + 1));
        data++;
        size--;

        /* The arguments: NUL-separated pieces of one writable copy (getopt permutes argv). */
        buf = fuzz_strndup(data, size);
        argv[argc++] = "ha-notify-fuzz";
        for (size_t off = 0; off <= size && argc <= MAX_ARGS; off += strlen(buf + off) + 1)
                argv[argc++] = buf + off;
        argv[argc] = NULL;

        for (int i = 1; i < argc; i++) {
                enum ha_hint hint = HA_HINT_NONE;

                if (ha_hint_parse(argv[i], &hint) == 0)
                        FUZZ_ASSERT(hint > HA_HINT_NONE && hint <= HA_HINT_STOP);
                FUZZ_ASSERT(ha_hint_name(hint) != NULL);
        }

        optind = 0; /* glibc: start over, as a fresh process would */
        stdout = devnull;
        stderr = devnull;
        r = parse_args(argc, argv, &h, &config);
        stdout = out;
        stderr = err;

        FUZZ_ASSERT(r == 1 || r == 0 || r == -EINVAL);
        FUZZ_ASSERT(h.hint <= HA_HINT_STOP && strcmp(ha_hint_name(h.hint), "?") != 0);
        FUZZ_ASSERT(config != NULL);
        if (r == 1 && argc - optind == 4)
                FUZZ_ASSERT(strcmp(argv[optind], "INSTANCE") == 0 ||
                            strcmp(argv[optind], "GROUP") == 0);
        if (r == 1)
                FUZZ_ASSERT(argc - optind == 0 || argc - optind == 4);
        free(buf);
        return 0;
}
