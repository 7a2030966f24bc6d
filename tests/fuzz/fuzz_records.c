/* fuzz_records: the small records the programs read back from the state folder: a hook's
 * intent (hook.intent, read by the check every second) and a child stuck on a hung mount
 * (storage-probe.stuck, lease.stuck, metrics.stuck).
 *
 * The input is what the readers hand the parsers: at most 200 bytes (the intent's reader; the
 * stuck files' takes 128), NUL-terminated. Whatever a parser accepts names a pid from 1 to
 * INT_MAX, and is exactly what the writer would have written for it (the same text, the final
 * newline aside), so it parses back to the same values.
 */
#include "tests/fuzz/fuzz.h"

#include <limits.h>

#include "common/lock.h"
#include "common/proc.h"

#define READ_MAX 200

/* `text` is `buf`, but for a final newline `text` may lack. */
static int same_record(const char *text, const char *buf)
{
        size_t n = strlen(text);

        return strcmp(text, buf) == 0 ||
               (strlen(buf) == n + 1 && strncmp(text, buf, n) == 0 && buf[n] == '\n');
}

static void stuck_record(const char *text)
{
        struct ha_proc_record r, back;
        char buf[128];
        int n;

        if (ha_proc_record_parse(text, &r) < 0)
                return;
        FUZZ_ASSERT(r.pid > 0 && r.pid <= INT_MAX);
        n = ha_proc_record_format(&r, buf, sizeof(buf));
        FUZZ_ASSERT(n > 0 && buf[n - 1] == '\n');
        FUZZ_ASSERT(same_record(text, buf));
        FUZZ_ASSERT(ha_proc_record_parse(buf, &back) == 0);
        FUZZ_ASSERT(back.pid == r.pid && back.start == r.start && back.since == r.since);
}

static void intent_record(const char *text)
{
        struct ha_proc_record r;
        char intent[64], buf[256];
        int n;

        memset(intent, 'x', sizeof(intent));
        if (ha_lock_intent_parse(text, intent, sizeof(intent), &r) < 0)
                return;
        FUZZ_ASSERT(memchr(intent, '\0', sizeof(intent)));
        FUZZ_ASSERT(*intent && strspn(intent, "abcdefghijklmnopqrstuvwxyz") == strlen(intent));
        FUZZ_ASSERT(r.pid > 0);
        n = snprintf(buf, sizeof(buf), "%s ", intent);
        FUZZ_ASSERT(n > 0 && ha_proc_record_format(&r, buf + n, sizeof(buf) - (size_t)n) > 0);
        FUZZ_ASSERT(same_record(text, buf));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = fuzz_strndup(data, size < READ_MAX ? size : READ_MAX);

        stuck_record(text);
        intent_record(text);
        free(text);
        return 0;
}
