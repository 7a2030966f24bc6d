/* fuzz_lease: the lease record, read from the shared state folder.
 *
 * The input is what read_lease_once() hands the parser: at most 511 bytes read from the file,
 * NUL-terminated. Whatever the parser accepts must not have expired at its own renewal time, and
 * must format back (when it fits the fixed-length record) to a record that parses to the same
 * lease.
 */
#include "tests/fuzz/fuzz.h"

#include "common/lease.h"

#define READ_MAX 511 /* read_lease_once()'s buffer, less its NUL */

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
        /* At the instant it was granted or renewed, a lease has not expired, whatever its ttl. */
        FUZZ_ASSERT(!ha_lease_expired(&l, l.renewed));

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
