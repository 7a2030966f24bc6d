/* test_records.c: the state folder's process records (hook.intent, *.stuck) are read back
 * strictly: exactly what the writer writes, nothing that sscanf() would have let through. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/lock.h"
#include "common/proc.h"

static void test_proc_record(void **state)
{
        struct ha_proc_record r = {0}, w = {4242, 123456, 98765432100ULL};
        char buf[128];

        (void)state;
        assert_int_equal(ha_proc_record_format(&w, buf, sizeof(buf)), 24);
        assert_string_equal(buf, "4242 123456 98765432100\n");
        assert_int_equal(ha_proc_record_parse(buf, &r), 0);
        assert_int_equal(r.pid, 4242);
        assert_true(r.start == 123456 && r.since == 98765432100ULL);
        assert_int_equal(ha_proc_record_parse("1 0 0", &r), 0); /* no newline: taken */
        assert_int_equal(ha_proc_record_parse("2147483647 18446744073709551615 "
                                              "18446744073709551615\n",
                                              &r),
                         0);
        assert_int_equal(r.pid, 2147483647);
        assert_int_equal(ha_proc_record_format(&w, buf, 10), -ENAMETOOLONG);

        static const char *const bad[] = {
                "",
                "\n",
                "0 1 1\n",                     /* pid 0 */
                "-5 1 1\n",                    /* a sign (sscanf's %d took it) */
                "+5 1 1\n",                    /* a sign */
                "2147483648 1 1\n",            /* pid beyond INT_MAX (sscanf: undefined) */
                "42 18446744073709551616 1\n", /* start beyond 64 bits */
                "42 1 18446744073709551616\n", /* since beyond 64 bits */
                "042 1 1\n",                   /* a leading zero */
                " 42 1 1\n",                   /* leading space (sscanf skipped it) */
                "42  1 1\n",                   /* two spaces */
                "42\t1 1\n",                   /* a tab */
                "42 1\n",                      /* cut */
                "42 1 1 7\n",                  /* a fourth number (sscanf ignored it) */
                "42 1 1\n\n",                  /* after the newline */
                "42 1 1x\n",                   /* trailing garbage */
                "canary: must never change\n",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                r.pid = 77;
                assert_int_equal(ha_proc_record_parse(bad[i], &r), -EBADMSG);
                assert_int_equal(r.pid, 77); /* untouched */
        }
}

static void test_intent_record(void **state)
{
        struct ha_proc_record r = {0};
        char intent[64];

        (void)state;
        assert_int_equal(ha_lock_intent_parse("promote 4242 1 2\n", intent, sizeof(intent), &r), 0);
        assert_string_equal(intent, "promote");
        assert_true(r.pid == 4242 && r.start == 1 && r.since == 2);
        assert_int_equal(ha_lock_intent_parse("demote 1 0 0", intent, sizeof(intent), &r), 0);
        assert_string_equal(intent, "demote");
        /* An intent that does not fit the caller's buffer is refused, not cut. */
        assert_int_equal(ha_lock_intent_parse("promote 1 0 0\n", intent, 7, &r), -EBADMSG);
        assert_int_equal(ha_lock_intent_parse("promote 1 0 0\n", intent, 8, &r), 0);

        static const char *const bad[] = {
                "promote\n",        "promote  1 0 0\n", "Promote 1 0 0\n",
                "promote\t1 0 0\n", " promote 1 0 0\n", "1 0 0\n",
                "promote 0 0 0\n",  "pro-mote 1 0 0\n", "promote 1 0 0 x\n",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(ha_lock_intent_parse(bad[i], intent, sizeof(intent), &r),
                                 -EBADMSG);
}

/* A process by its name: alive, then a zombie (exited, not reaped: it runs nothing, as a
 * slurmctld whose parent is stopped), then gone. */
static void test_proc_is_alive(void **state)
{
        int go[2];
        pid_t pid;
        char c = 0;

        (void)state;
        assert_int_equal(pipe(go), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                (void)prctl(PR_SET_NAME, "ha-zombie-test");
                (void)close(go[1]);
                _exit(read(go[0], &c, 1) == 0 ? 0 : 1); /* until the parent closes the pipe */
        }
        (void)close(go[0]);
        for (int i = 0; i < 200 && !ha_proc_is(pid, "ha-zombie-test"); i++)
                usleep(5000);
        assert_true(ha_proc_is(pid, "ha-zombie-test"));
        assert_false(ha_proc_is(pid, "slurmctld"));
        (void)close(go[1]);
        {
                siginfo_t si;

                /* Exited, and left unreaped: WNOWAIT. */
                assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
        }
        assert_false(ha_proc_is(pid, "ha-zombie-test"));
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        assert_false(ha_proc_is(pid, "ha-zombie-test"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_proc_record),
                cmocka_unit_test(test_intent_record),
                cmocka_unit_test(test_proc_is_alive),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
