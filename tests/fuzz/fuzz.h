/* fuzz.h: what every fuzz target shares.
 *
 * A target defines LLVMFuzzerTestOneInput() (and may define LLVMFuzzerInitialize()). It is
 * linked either with libFuzzer (clang, -fsanitize=fuzzer: tests/fuzz/run.sh) or with replay.c,
 * which calls it once per file (any compiler: the normal test run replays every seed and every
 * regression input). A target returns 0 for every input, and abort()s when a property it checks
 * does not hold, so both drivers report it as a crash.
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Fails the run, naming the property: a crash for both drivers. */
#define FUZZ_ASSERT(cond)                                                                          \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        fprintf(stderr, "%s:%d: property does not hold: %s\n", __FILE__, __LINE__, \
                                #cond);                                                            \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

/* A NUL-terminated copy of the input (free() it), as the programs hold text they read. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);

        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

/* Private files for loaders that take a path: each made once with mkstemps() (mode 0600, owned
 * by the caller, so loaders that refuse unsafe files read it) and removed at exit. */
#define FUZZ_FILES 2
static char fuzz_file_paths[FUZZ_FILES][64];

static inline void fuzz_files_remove(void)
{
        for (int i = 0; i < FUZZ_FILES; i++)
                if (*fuzz_file_paths[i])
                        (void)unlink(fuzz_file_paths[i]);
}

/* Replaces private file number `slot` (0 or 1) with `size` bytes of `data`; returns its path,
 * which ends with `suffix` (".conf"). */
static inline const char *fuzz_file_write(int slot, const void *data, size_t size,
                                          const char *suffix)
{
        char *path = fuzz_file_paths[slot];
        int fd;

        if (!*path) {
                const char *tmp = getenv("TMPDIR");

                (void)snprintf(path, sizeof(fuzz_file_paths[slot]), "%s/ha-fuzz.XXXXXX%s",
                               tmp && *tmp && strlen(tmp) < 32 ? tmp : "/tmp", suffix);
                fd = mkstemps(path, (int)strlen(suffix));
                if (fd < 0) {
                        perror("mkstemps");
                        abort();
                }
                (void)close(fd);
                (void)atexit(fuzz_files_remove);
        }
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size) || close(fd) < 0) {
                perror(path);
                abort();
        }
        return path;
}
