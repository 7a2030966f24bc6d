/* replay.c: runs a fuzz target over saved inputs, without libFuzzer.
 *
 *   replay_TARGET FILE|FOLDER...
 *
 * Calls the target's LLVMFuzzerTestOneInput() once per file (every file of a folder, in name
 * order), so any compiler builds it and the normal test run replays the seed corpus and every
 * regression input, under the sanitizers in the sanitizer build. A failed property abort()s, a
 * sanitizer stops the run: either is a failing test. Exit status: 0 every input ran, 1 an input
 * could not be read or none was given, 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

/* Targets may define it; libFuzzer calls it once before the first input, and so do we. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int replay_file(const char *path)
{
        struct stat st;
        uint8_t *data;
        size_t got = 0;
        FILE *f = fopen(path, "rb");

        if (!f || fstat(fileno(f), &st) < 0) {
                fprintf(stderr, "replay: Failed to read '%s': %m\n", path);
                if (f)
                        (void)fclose(f);
                return -1;
        }
        /* One byte more than the size, so an empty file is a valid pointer too. */
        data = malloc((size_t)st.st_size + 1);
        if (!data)
                abort();
        got = fread(data, 1, (size_t)st.st_size, f);
        (void)fclose(f);
        if (got != (size_t)st.st_size) {
                fprintf(stderr, "replay: short read of '%s'\n", path);
                free(data);
                return -1;
        }
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, got);
        /* An exact-size copy: a read past the end is caught by AddressSanitizer. */
        {
                uint8_t *exact = malloc(got ? got : 1);

                if (!exact)
                        abort();
                memcpy(exact, data, got);
                (void)LLVMFuzzerTestOneInput(exact, got);
                free(exact);
        }
        free(data);
        return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

/* Replays `path`, a file or a folder of files; adds the inputs run to *n. */
static int replay(const char *path, size_t *n)
{
        struct dirent **names;
        struct stat st;
        int count, r = 0;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "replay: Failed to read '%s': %m\n", path);
                return -1;
        }
        if (!S_ISDIR(st.st_mode)) {
                if (replay_file(path) < 0)
                        return -1;
                (*n)++;
                return 0;
        }
        count = scandir(path, &names, NULL, by_name);
        if (count < 0) {
                fprintf(stderr, "replay: cannot list '%s': %m\n", path);
                return -1;
        }
        for (int i = 0; i < count; i++) {
                char *file = NULL;

                if (names[i]->d_name[0] != '.' &&
                    asprintf(&file, "%s/%s", path, names[i]->d_name) >= 0) {
                        if (replay_file(file) < 0)
                                r = -1;
                        else
                                (*n)++;
                }
                free(file);
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char **argv)
{
        size_t n = 0;
        int r = 0;

        if (argc < 2) {
                fprintf(stderr, "Usage: %s FILE|FOLDER...\n", argv[0]);
                return 2;
        }
        if (LLVMFuzzerInitialize)
                (void)LLVMFuzzerInitialize(&argc, &argv);
        for (int i = 1; i < argc; i++)
                if (replay(argv[i], &n) < 0)
                        r = 1;
        fprintf(stderr, "replay: %zu inputs, %s\n", n, r || n == 0 ? "FAILED" : "all ran");
        return r || n == 0 ? 1 : 0;
}
