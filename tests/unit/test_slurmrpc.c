/* test_slurmrpc.c: the wire format against golden bytes, a reply parser that survives
 * truncated, oversized and garbage replies, and the command runner that reads slurmctld's
 * release (`slurmctld -V`). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/exec.h"
#include "common/slurmrpc.h"

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
        size_t n = 0;

        while (*hex && n < max) {
                unsigned v;

                if (*hex == ' ' || *hex == '|') {
                        hex++;
                        continue;
                }
                assert_int_equal(sscanf(hex, "%2x", &v), 1);
                out[n++] = (uint8_t)v;
                hex += 2;
        }
        return n;
}

/* The credential payloads slurmctld expects for our three empty-bodied requests. */
static void test_hash_golden(void **state)
{
        static const struct {
                uint16_t type;
                const char *hex;
        } golden[] = {
                {1008, "025d5247bbb9ae435b2674a601f4a615de08d36c074c352457612d21db790784f9"},
                {1012, "0201b9f8ba229ab964f7125ad92f87d0946b9f940e07861f77cdad390626624836"},
                {2053, "0237b55d49a92746ce1847b566f2560e8f4ecb6678fd759541e51ab4a58801aa1f"},
        };
        (void)state;
        for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
                uint8_t want[HA_SLURM_HASH_LEN], got[HA_SLURM_HASH_LEN];

                assert_int_equal(unhex(golden[i].hex, want, sizeof(want)), HA_SLURM_HASH_LEN);
                ha_slurm_hash(golden[i].type, NULL, 0, got);
                assert_memory_equal(got, want, HA_SLURM_HASH_LEN);
        }
}

/* A ping at 22.05 and a status request at 26.05, byte for byte. */
static void test_request_golden(void **state)
{
        uint8_t want[128], *got;
        size_t want_len, got_len;

        (void)state;
        want_len = unhex("00000022"                /* length of what follows: 34 */
                         "2600 0000 03f0 00000000" /* 22.05, flags, PING, empty body */
                         "0000 0000 0000"          /* forward, ret, AF_UNSPEC */
                         "00000065 0000000a"       /* auth/munge, packstr length */
                         "4d554e47453a61626300",   /* "MUNGE:abc\0" */
                         want, sizeof(want));
        assert_int_equal(ha_slurm_request_build(0x2600, 1008, "MUNGE:abc", &got, &got_len), 0);
        assert_int_equal(got_len, want_len);
        assert_memory_equal(got, want, want_len);
        free(got);

        want_len = unhex("0000001b 2d00 0000 0805 00000000 0000 0000 0000 00000065 00000003"
                         "787900",
                         want, sizeof(want));
        assert_int_equal(ha_slurm_request_build(0x2d00, 2053, "xy", &got, &got_len), 0);
        assert_int_equal(got_len, want_len);
        assert_memory_equal(got, want, want_len);
        free(got);
}

/* The 24.11/26.05 reply seen on the wire: flags 0x44, no auth section, status "in control". */
static void test_parse_noauth_status(void **state)
{
        uint8_t f[64];
        size_t n = unhex("2a00 0044 0806 0000000a 0000 0000 0000 | 0000 000000006b0b51e6", f,
                         sizeof(f));
        struct ha_slurm_reply reply;
        struct ha_slurm_control ctl;
        const char *why = NULL;

        (void)state;
        assert_int_equal(ha_slurm_reply_parse(f, n, &reply, &why), 0);
        assert_int_equal(reply.version, 0x2a00);
        assert_int_equal(reply.msg_type, HA_SLURM_RESPONSE_CONTROL_STATUS);
        assert_null(reply.cred);
        assert_int_equal(ha_slurm_parse_control(&reply, &ctl), 0);
        assert_int_equal(ctl.backup_inx, 0);
        assert_int_equal(ctl.control_time, 0x6b0b51e6);
}

/* A 22.05 return-code reply with a credential, and one with an AF_INET origin address. */
static void test_parse_auth_rc(void **state)
{
        uint8_t f[128];
        size_t n = unhex("2600 0000 1f41 00000004 0000 0000 0000"
                         "00000065 00000004 41424300"
                         "000007eb",
                         f, sizeof(f));
        struct ha_slurm_reply reply;
        const char *why = NULL;
        int32_t rc;

        (void)state;
        assert_int_equal(ha_slurm_reply_parse(f, n, &reply, &why), 0);
        assert_string_equal(reply.cred, "ABC");
        assert_int_equal(ha_slurm_parse_rc(&reply, &rc), 0);
        assert_int_equal(rc, HA_ESLURM_IN_STANDBY_MODE);
        /* A status parser refuses a return-code reply. */
        {
                struct ha_slurm_control ctl;

                assert_int_equal(ha_slurm_parse_control(&reply, &ctl), -EBADMSG);
        }

        n = unhex("2600 0000 1f41 00000004 0000 0000 0002 0a000001 1a91"
                  "00000065 00000004 41424300 00000000",
                  f, sizeof(f));
        assert_int_equal(ha_slurm_reply_parse(f, n, &reply, &why), 0);
        assert_int_equal(ha_slurm_parse_rc(&reply, &rc), 0);
        assert_int_equal(rc, 0);
}

/* Every prefix of a valid reply is refused, and nothing is read past the end (ASan watches). */
static void test_parse_truncated(void **state)
{
        uint8_t f[128];
        size_t n = unhex("2600 0000 1f41 00000004 0000 0000 0000 00000065 00000004 41424300"
                         "00000000",
                         f, sizeof(f));

        (void)state;
        for (size_t len = 0; len < n; len++) {
                struct ha_slurm_reply reply;
                const char *why = NULL;
                uint8_t *copy = malloc(len ? len : 1);

                memcpy(copy, f, len);
                assert_int_equal(ha_slurm_reply_parse(copy, len, &reply, &why), -EBADMSG);
                assert_non_null(why);
                free(copy);
        }
}

/* Replies that lie about lengths, or carry what a controller never sends. */
static void test_parse_hostile(void **state)
{
        static const char *bad[] = {
                /* body length larger than the bytes */
                "2600 0000 1f41 00000400 0000 0000 0000 00000065 00000004 41424300 00000000",
                /* body length smaller than the bytes */
                "2600 0000 1f41 00000001 0000 0000 0000 00000065 00000004 41424300 00000000",
                /* credential length huge */
                "2600 0000 1f41 00000004 0000 0000 0000 00000065 ffffffff 41424300 00000000",
                /* credential length zero */
                "2600 0000 1f41 00000004 0000 0000 0000 00000065 00000000 00000000",
                /* credential without its NUL */
                "2600 0000 1f41 00000004 0000 0000 0000 00000065 00000004 41424344 00000000",
                /* credential with a NUL inside */
                "2600 0000 1f41 00000004 0000 0000 0000 00000065 00000004 41004300 00000000",
                /* another auth plugin */
                "2600 0000 1f41 00000004 0000 0000 0000 00000066 00000004 41424300 00000000",
                /* forwarding */
                "2600 0000 1f41 00000004 0001 0000 0000 00000065 00000004 41424300 00000000",
                /* unknown address family */
                "2600 0000 1f41 00000004 0000 0000 0007 00000065 00000004 41424300 00000000",
                /* version too old, and too new */
                "2500 0044 1f41 00000004 0000 0000 0000 00000000",
                "2e00 0044 1f41 00000004 0000 0000 0000 00000000",
                /* an HTTP answer, as 26.05 gives to an old version (after its length) */
                "5450 2f31 2e31 2034 3030 2042 6164",
        };

        (void)state;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                uint8_t f[128];
                size_t n = unhex(bad[i], f, sizeof(f));
                uint8_t *copy = malloc(n);
                struct ha_slurm_reply reply;
                const char *why = NULL;

                memcpy(copy, f, n);
                assert_int_equal(ha_slurm_reply_parse(copy, n, &reply, &why), -EBADMSG);
                free(copy);
        }
}

/* Random garbage never crashes the parser, and bodies of the wrong size are refused. */
static void test_parse_garbage(void **state)
{
        unsigned seed = 12345;

        (void)state;
        for (int i = 0; i < 20000; i++) {
                size_t n = (size_t)(rand_r(&seed) % 96);
                uint8_t *f = malloc(n ? n : 1);
                struct ha_slurm_reply reply;
                const char *why = NULL;

                for (size_t j = 0; j < n; j++)
                        f[j] = (uint8_t)rand_r(&seed);
                /* Make some look plausible so the deeper paths run. */
                if (n >= 16 && (i & 1)) {
                        f[0] = 0x26 + (uint8_t)(i % 8);
                        f[1] = 0;
                        f[8] = f[9] = f[10] = f[11] = 0;
                        f[12] = f[13] = f[14] = f[15] = 0;
                }
                if (ha_slurm_reply_parse(f, n, &reply, &why) == 0) {
                        struct ha_slurm_control ctl;
                        int32_t rc;

                        assert_true(reply.body + reply.body_len == f + n);
                        (void)ha_slurm_parse_control(&reply, &ctl);
                        (void)ha_slurm_parse_rc(&reply, &rc);
                }
                free(f);
        }
}

/* slurmdbd's first message (REQUEST_PERSIST_INIT) at 22.05, byte for byte: the message type
 * before the header (a connection to slurmdbd), flags GLOBAL_AUTH|DBD, then the init body. */
static void test_dbd_request_golden(void **state)
{
        uint8_t want[128], *got, body[HA_SLURMDBD_INIT_BODY_LEN];
        size_t want_len, got_len;

        (void)state;
        want_len = unhex("0000002e"                 /* length of what follows: 46 */
                         "1964"                     /* REQUEST_PERSIST_INIT first */
                         "2600 0003 1964 0000000a"  /* 22.05, flags 3, type, body 10 bytes */
                         "0000 0000 0000"           /* forward, ret, AF_UNSPEC */
                         "00000065 0000000a"        /* auth/munge, packstr length */
                         "4d554e47453a61626300"     /* "MUNGE:abc\0" */
                         "2600 00000000 0000 0000", /* version, no cluster, type, port */
                         want, sizeof(want));
        assert_int_equal(ha_slurmdbd_request_build(0x2600, "MUNGE:abc", &got, &got_len), 0);
        assert_int_equal(got_len, want_len);
        assert_memory_equal(got, want, want_len);
        free(got);
        ha_slurmdbd_init_body(0x2a00, body);
        assert_memory_equal(body, "\x2a\x00\0\0\0\0\0\0\0\0", sizeof(body));
}

/* slurmdbd's PERSIST_RC: success (18 bytes on the wire), the database down, and broken ones. */
static void test_dbd_reply_parse(void **state)
{
        uint8_t f[128];
        char comment[64];
        const char *why = NULL;
        int32_t rc = -2;
        size_t n;

        (void)state;
        n = unhex("0599 00000000 0000 00000000 2600", f, sizeof(f));
        assert_int_equal(ha_slurmdbd_reply_parse(f, n, &rc, comment, sizeof(comment), &why), 0);
        assert_int_equal(rc, 0);
        assert_string_equal(comment, "");

        n = unhex("0599 00000004 61626300 0000 00001b58 2600", f, sizeof(f)); /* "abc", 7000 */
        assert_int_equal(ha_slurmdbd_reply_parse(f, n, &rc, comment, sizeof(comment), &why), 0);
        assert_int_equal(rc, HA_ESLURM_DB_CONNECTION);
        assert_string_equal(comment, "abc");

        n = unhex("0599 00000000 0000 ffffffff 1964", f, sizeof(f)); /* 22.05's -1 */
        assert_int_equal(ha_slurmdbd_reply_parse(f, n, &rc, comment, sizeof(comment), &why), 0);
        assert_int_equal(rc, -1);

        static const char *const bad[] = {
                "",                                          /* empty */
                "0599",                                      /* no comment length */
                "1f41 00000000 0000 00000000 2600",          /* RESPONSE_SLURM_RC, not PERSIST_RC */
                "0599 00000000 0000 00000000",               /* truncated */
                "0599 00000000 0000 00000000 2600 00",       /* a byte too many */
                "0599 00000004 61626364 0000 00000000 0000", /* comment without its NUL */
                "0599 00000002 610000 0000 00000000 0000",   /* a NUL inside the comment */
                "0599 ffffffff 0000 00000000 0000",          /* a comment larger than the frame */
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                why = NULL;
                n = unhex(bad[i], f, sizeof(f));
                assert_int_equal(ha_slurmdbd_reply_parse(f, n, &rc, comment, sizeof(comment), &why),
                                 -EBADMSG);
                assert_non_null(why);
        }
}

static void test_strerror_distinct(void **state)
{
        static const int codes[] = {-ECONNREFUSED, -ETIMEDOUT, -ECONNRESET, -EBUSY,
                                    -EACCES,       -EBADMSG,   -EMSGSIZE,   -EPROTONOSUPPORT};

        (void)state;
        for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
                for (size_t j = i + 1; j < sizeof(codes) / sizeof(codes[0]); j++)
                        assert_string_not_equal(ha_slurm_strerror(codes[i]),
                                                ha_slurm_strerror(codes[j]));
}

/* What slurmctld's release is read with: the output of a command, within a deadline. */
static void test_exec_output(void **state)
{
        char *echo[] = {"/bin/echo", "slurm-wlm", "22.05.8", NULL};
        char *fail[] = {"/bin/false", NULL};
        char *hang[] = {"/bin/sleep", "5", NULL};
        char *none[] = {"/nonexistent/slurmctld", "-V", NULL};
        char out[64], tiny[8];
        usec_t start;

        (void)state;
        assert_int_equal(
                ha_exec_stdout(echo, ha_deadline_in(5 * HA_USEC_PER_SEC), out, sizeof(out)), 0);
        assert_string_equal(out, "slurm-wlm 22.05.8\n");
        /* Longer output is cut, not overflowed. */
        assert_int_equal(
                ha_exec_stdout(echo, ha_deadline_in(5 * HA_USEC_PER_SEC), tiny, sizeof(tiny)), 0);
        assert_string_equal(tiny, "slurm-w");
        assert_int_equal(
                ha_exec_stdout(fail, ha_deadline_in(5 * HA_USEC_PER_SEC), out, sizeof(out)), -EIO);
        assert_int_equal(
                ha_exec_stdout(none, ha_deadline_in(5 * HA_USEC_PER_SEC), out, sizeof(out)), -EIO);
        start = ha_now();
        assert_int_equal(
                ha_exec_stdout(hang, ha_deadline_in(200 * HA_USEC_PER_MSEC), out, sizeof(out)),
                -ETIMEDOUT);
        /* Killed at the deadline, not waited for (the bound leaves room for a loaded machine). */
        assert_true(ha_now() - start < 2 * HA_USEC_PER_SEC);
}

/* A caller that ignores SIGCHLD: the kernel reaps the command at once, so its exit status is
 * lost and its pid may be another process's by then: -ECHILD, and no kill(-pid) after it. */
static void test_exec_sigchld_ignored(void **state)
{
        char *cmd[] = {"/bin/true", NULL};
        struct ha_exec_result *res = malloc(sizeof(*res));
        void (*old)(int) = signal(SIGCHLD, SIG_IGN);

        (void)state;
        assert_non_null(res);
        assert_int_equal(ha_exec_run(cmd, NULL, NULL, 0, ha_deadline_in(5 * HA_USEC_PER_SEC), res),
                         -ECHILD);
        (void)signal(SIGCHLD, old);
        assert_int_equal(ha_exec_run(cmd, NULL, NULL, 0, ha_deadline_in(5 * HA_USEC_PER_SEC), res),
                         0);
        free(res);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hash_golden),
                cmocka_unit_test(test_request_golden),
                cmocka_unit_test(test_parse_noauth_status),
                cmocka_unit_test(test_parse_auth_rc),
                cmocka_unit_test(test_parse_truncated),
                cmocka_unit_test(test_parse_hostile),
                cmocka_unit_test(test_parse_garbage),
                cmocka_unit_test(test_dbd_request_golden),
                cmocka_unit_test(test_dbd_reply_parse),
                cmocka_unit_test(test_strerror_distinct),
                cmocka_unit_test(test_exec_output),
                cmocka_unit_test(test_exec_sigchld_ignored),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
