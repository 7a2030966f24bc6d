/* test_fence.c: the fencing module's parts that need no agent: the options file's parser (what
 * the agent gets on stdin, what is refused and that a refusal never shows a value), what a
 * status run's output and exit code say, the line of stderr given as the reason, and the options
 * file's safety (root's, mode 0600: cases that give the file to another owner need root, and are
 * skipped otherwise).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fence.h"
#include "common/fsutil.h"

static const char *reason = "";

static int parse(const char *text, char **out)
{
        size_t len = 0;

        *out = NULL;
        reason = "";
        return ha_fence_opts_parse(text, strlen(text), out, &len, &reason);
}

static void opts_canonical(void **state)
{
        char *out;

        (void)state;
        assert_int_equal(parse("# BMC of ctl2\n\n  ip=10.0.0.2  \nusername=admin\r\n"
                               "password=p=w #x\ncipher=3\nlanplus",
                               &out),
                         -EINVAL);
        assert_string_equal(reason, "line 7: not key=value");
        assert_int_equal(parse("# BMC of ctl2\n\n  ip=10.0.0.2  \nusername=admin\r\n"
                               "password=p=w #x\ncipher=3\nlanplus=1",
                               &out),
                         0);
        assert_string_equal(out, "ip=10.0.0.2\nusername=admin\npassword=p=w #x\ncipher=3\n"
                                 "lanplus=1\n");
        free(out);
        assert_int_equal(parse("", &out), 0);
        assert_string_equal(out, "");
        free(out);
        assert_int_equal(parse("power_timeout=4\nipmitool-timeout=2\npassword=", &out), 0);
        assert_string_equal(out, "power_timeout=4\nipmitool-timeout=2\npassword=\n");
        free(out);
}

static void opts_refused(void **state)
{
        static const struct {
                const char *text, *reason;
        } cases[] = {
                {"ip=1\naction=reboot\n", "line 2: action is not an option"},
                {"option=off\n", "line 1: option is not an option"},
                {"=x\n", "line 1: no key before"},
                {"pass word=secret1\n", "line 1: a key is letters"},
                {"ip=1\npassword=sec\x1bret\n", "line 2 (password): a control character"},
                {"password=sec\tret2\n", "line 1 (password): a control character"},
        };
        char *out;

        (void)state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(parse(cases[i].text, &out), -EINVAL);
                assert_null(out);
                assert_non_null(strstr(reason, cases[i].reason));
                /* Never the value: it may be the password. */
                assert_null(strstr(reason, "secret"));
                assert_null(strstr(reason, "sec"));
        }
        {
                static const char nul[] = "ip=1\npassword=a\0b\n";
                size_t len;

                assert_int_equal(ha_fence_opts_parse(nul, sizeof(nul) - 1, &out, &len, &reason),
                                 -EINVAL);
                assert_string_equal(reason, "a NUL byte in the file");
        }
        {
                char many[HA_FENCE_OPTS_KEYS * 8 + 16] = "";

                for (int i = 0; i <= HA_FENCE_OPTS_KEYS; i++)
                        (void)snprintf(many + strlen(many), sizeof(many) - strlen(many), "k%d=1\n",
                                       i);
                assert_int_equal(parse(many, &out), -EINVAL);
                assert_non_null(strstr(reason, "more than"));
        }
}

static enum ha_fence_power status(const char *out, int code)
{
        reason = "";
        return ha_fence_status_parse(out, code, &reason);
}

static void status_parse(void **state)
{
        (void)state;
        /* fencing.py's answers. */
        assert_int_equal(status("Status: ON\n", 0), HA_FENCE_ON);
        assert_int_equal(status("Status: OFF\n", 2), HA_FENCE_OFF);
        assert_int_equal(status("some banner\r\nStatus: OFF\r\n", 2), HA_FENCE_OFF);
        assert_int_equal(status("Status: OFF", 2), HA_FENCE_OFF);
        /* Exit 2 alone is not OFF: Python exits 2 when it cannot run the script at all. */
        assert_int_equal(status("", 2), HA_FENCE_UNKNOWN);
        assert_non_null(strstr(reason, "no \"Status: ON\" or \"Status: OFF\" line (exit 2)"));
        /* The two must agree. */
        assert_int_equal(status("Status: OFF\n", 0), HA_FENCE_UNKNOWN);
        assert_string_equal(reason, "\"Status: OFF\" but exit 0");
        assert_int_equal(status("Status: OFF\n", 1), HA_FENCE_UNKNOWN);
        assert_int_equal(status("Status: OFF\n", -1), HA_FENCE_UNKNOWN);
        assert_int_equal(status("Status: ON\n", 2), HA_FENCE_UNKNOWN);
        assert_int_equal(status("Status: ON\nStatus: OFF\n", 2), HA_FENCE_UNKNOWN);
        assert_non_null(strstr(reason, "both"));
        /* Only the whole line. */
        assert_int_equal(status("Status: OFFLINE\n", 2), HA_FENCE_UNKNOWN);
        assert_int_equal(status("Plug Status: OFF\n", 2), HA_FENCE_UNKNOWN);
        assert_int_equal(status("Status: UNKNOWN\n", 1), HA_FENCE_UNKNOWN);
        assert_string_equal(ha_fence_power_name(HA_FENCE_OFF), "off");
        assert_string_equal(ha_fence_power_name(HA_FENCE_ON), "on");
        assert_string_equal(ha_fence_power_name(HA_FENCE_UNKNOWN), "unknown");
}

static void err_line(void **state)
{
        char buf[64];

        (void)state;
        ha_fence_err_line("/usr/sbin/fence_ipmilan:5: DeprecationWarning: x\n"
                          "  from pipes import quote\n"
                          "2026-12-07 14:00:00,000 ERROR: Unable to connect/login to fencing "
                          "device\n\n"
                          "2026-12-07 14:00:00,000 ERROR: Please use '-h' for usage\n  \n",
                          buf, sizeof(buf));
        assert_string_equal(buf, "2026-12-07 14:00:00,000 ERROR: Unable to connect/login to fenci");
        ha_fence_err_line("warning\nlast\tline\r\n\n", buf, sizeof(buf));
        assert_string_equal(buf, "last?line");
        ha_fence_err_line("", buf, sizeof(buf));
        assert_string_equal(buf, "");
        ha_fence_err_line("ERROR: a very long line that does not fit in the buffer given, at all",
                          buf, 16);
        assert_string_equal(buf, "ERROR: a very l");
}

/* ---- the options file ---- */

static char top[] = "/tmp/ha-test-fence.XXXXXX";
static char path[512];
static char refused[128];

static void on_refusal(const char *p, const char *why)
{
        (void)p;
        (void)snprintf(refused, sizeof(refused), "%s", why);
}

static void write_opts(mode_t mode, uid_t uid)
{
        int fd;

        (void)unlink(path);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "password=x\n", 11), 11);
        assert_int_equal(fchmod(fd, mode), 0);
        if (uid != (uid_t)-1)
                assert_int_equal(fchown(fd, uid, (gid_t)-1), 0);
        close(fd);
}

static int read_secret(void)
{
        const char *why = NULL;
        char *text = NULL;
        size_t len = 0;
        int r;

        refused[0] = '\0';
        r = ha_fs_read_secret(path, HA_FENCE_OPTS_MAX, &text, &len, &why);
        if (r == 0) {
                assert_int_equal(len, 11);
                assert_string_equal(text, "password=x\n");
        }
        free(text);
        return r;
}

static void opts_file_safety(void **state)
{
        (void)state;
        if (geteuid() != 0)
                fail_msg("needs root: the options file's owner is part of the test");
        (void)ha_fs_set_refusal_handler(on_refusal);
        assert_non_null(mkdtemp(top));
        (void)snprintf(path, sizeof(path), "%s/ctl2.fence", top);
        write_opts(0600, (uid_t)-1);
        assert_int_equal(read_secret(), 0);
        write_opts(0400, (uid_t)-1);
        assert_int_equal(read_secret(), 0);
        write_opts(0640, (uid_t)-1);
        assert_int_equal(read_secret(), -EPERM);
        assert_non_null(strstr(refused, "readable by group or others"));
        write_opts(0604, (uid_t)-1);
        assert_int_equal(read_secret(), -EPERM);
        write_opts(0620, (uid_t)-1);
        assert_int_equal(read_secret(), -EPERM);
        assert_string_equal(refused, "writable by group or others");
        write_opts(0600, 65534);
        assert_int_equal(read_secret(), -EPERM);
        assert_string_equal(refused, "not owned by root");
        (void)unlink(path);
        assert_int_equal(symlink("/etc/hostname", path), 0);
        assert_int_equal(read_secret(), -ELOOP);
        assert_string_equal(refused, "a symbolic link");
        (void)unlink(path);
        assert_int_equal(read_secret(), -ENOENT);
        assert_int_equal(rmdir(top), 0);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(opts_canonical),   cmocka_unit_test(opts_refused),
                cmocka_unit_test(status_parse),     cmocka_unit_test(err_line),
                cmocka_unit_test(opts_file_safety),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
