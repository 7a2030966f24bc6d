/* fuzz_lease: the lease record, read from the shared state folder.
 *
 * The input is what read_current() hands the parser: at most 511 bytes read from a generation
 * file, NUL-terminated. Whatever the parser accepts has no generation of its own (that is the
 * file's name, never its text), and formats back (when it fits the fixed-length record) to a
 * record that parses to the same lease.
 */
#include "tests/fuzz/fuzz.h"

#include "common/lease.h"

#define READ_MAX 511 /* read_current()'s buffer, less its NUL */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ha_lease l, back;
        char *text, buf[512];
        int n;

        text = fuzz_strndup(data, size < READ_MAX ? size : READ_MAX);
        if (ha_lease_parse(text, &l) < 0) {
                free(text);
                return 0;
        }
        free(text);
        FUZZ_ASSERT(memchr(l.owner, '\0', sizeof(l.owner)));
        FUZZ_ASSERT(strcmp(l.owner, "-") != 0);
        FUZZ_ASSERT(l.gen == 0);

        n = ha_lease_format(&l, buf, sizeof(buf));
        if (n == -ENAMETOOLONG)
                return 0; /* a long owner with long numbers: never written by us */
        FUZZ_ASSERT(n == 160 && strlen(buf) == 160 && buf[159] == '\n');
        FUZZ_ASSERT(ha_lease_parse(buf, &back) == 0);
        FUZZ_ASSERT(strcmp(back.owner, l.owner) == 0 && back.epoch == l.epoch);
        FUZZ_ASSERT(back.renewed == l.renewed && back.ttl == l.ttl);
        FUZZ_ASSERT(back.released == l.released);
        return 0;
}
