/* test_cfg.c: the configuration file, strictly: every problem named with file, line and key. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cfg.h"

static char dir[] = "/tmp/ha-test-cfg.XXXXXX";

#define REQUIRED "[vip]\naddress = 10.0.0.100\n[storage]\npath = /mnt/gluster/state\n"

/* Writes `text` to a new file in the test folder with `mode`; returns its path (static). */
static const char *write_file(const char *text, mode_t mode)
{
        static char path[256];
        static int n;
        FILE *f;

        (void)snprintf(path, sizeof(path), "%s/ha-slurm-%d.conf", dir, n++);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(path, mode), 0);
        return path;
}

/* Loads `text`; expects failure with every string of `want` (NULL-terminated) in the reason. */
static void expect_error(const char *text, mode_t mode, int want_r, const char *const *want)
{
        const char *path = write_file(text, mode);
        struct ha_cfg *cfg = NULL;
        const char *err = NULL;

        assert_int_equal(ha_cfg_load(path, &cfg, &err), want_r);
        assert_null(cfg);
        assert_non_null(err);
        /* The problems name the file and line; a refusal's reason is only why (the program
         * names the file). */
        if (want_r == -EINVAL)
                assert_non_null(strstr(err, path));
        for (size_t i = 0; want[i]; i++) {
                if (!strstr(err, want[i]))
                        fail_msg("error \"%s\" lacks \"%s\"", err, want[i]);
        }
}

static void test_defaults(void **state)
{
        struct ha_cfg *cfg = NULL;
        const char *err = NULL;

        (void)state;
        assert_int_equal(ha_cfg_load(write_file(REQUIRED, 0600), &cfg, &err), 0);
        assert_string_equal(cfg->slurm.controller, "127.0.0.1");
        assert_int_equal(cfg->slurm.port, 6817);
        assert_int_equal(cfg->slurm.protocol, 0);
        assert_int_equal(cfg->slurm.rpc_timeout, HA_USEC_PER_SEC);
        assert_string_equal(cfg->ha.state_dir, "/run/ha-slurm");
        assert_string_equal(cfg->slurm.command[0], "/usr/sbin/slurmctld");
        assert_null(cfg->slurm.command[1]);
        assert_null(cfg->storage.fstype);
        assert_int_equal(cfg->check.deadline, 3 * HA_USEC_PER_SEC);
        assert_int_equal(cfg->check.dbd_port, 0);
        assert_false(cfg->check.require_dbd);
        assert_null(cfg->notify.before_ctld);
        assert_non_null(cfg->ha.node);
        ha_cfg_free(cfg);
}

/* slurmdbd: probed at DbdPort, required or not, started before slurmctld. */
static void test_dbd(void **state)
{
        struct ha_cfg *cfg = NULL;
        const char *err = NULL;
        char text[512];

        (void)state;
        (void)snprintf(text, sizeof(text),
                       "%s[check]\ndbd_port = 6819\nrequire_dbd = yes\n"
                       "[notify]\nfollowers = slurmdbd other\nbefore_slurmctld = slurmdbd\n",
                       REQUIRED);
        assert_int_equal(ha_cfg_load(write_file(text, 0600), &cfg, &err), 0);
        assert_int_equal(cfg->check.dbd_port, 6819);
        assert_true(cfg->check.require_dbd);
        assert_true(ha_cfg_name_in(cfg->notify.before_ctld, "slurmdbd"));
        assert_false(ha_cfg_name_in(cfg->notify.before_ctld, "other"));
        assert_false(ha_cfg_name_in(NULL, "slurmdbd"));
        assert_null(cfg->slurm.peers);
        ha_cfg_free(cfg);

        /* [slurm] peers: numeric addresses, IPv4 and IPv6, in order. */
        cfg = NULL;
        (void)snprintf(text, sizeof(text), "[slurm]\npeers = 10.0.0.12  fd00::13\n%s", REQUIRED);
        assert_int_equal(ha_cfg_load(write_file(text, 0600), &cfg, &err), 0);
        assert_non_null(cfg->slurm.peers);
        assert_string_equal(cfg->slurm.peers[0], "10.0.0.12");
        assert_string_equal(cfg->slurm.peers[1], "fd00::13");
        assert_null(cfg->slurm.peers[2]);
        ha_cfg_free(cfg);

        expect_error(REQUIRED "[check]\nrequire_dbd = maybe\n", 0600, -EINVAL,
                     (const char *[]){"[check] require_dbd:", "\"yes\" or \"no\"", NULL});
        expect_error(REQUIRED "[notify]\nfollowers = slurmdbd\nbefore_slurmctld = munge\n", 0600,
                     -EINVAL,
                     (const char *[]){"[notify] before_slurmctld:",
                                      "\"munge\" is not one of [notify] followers", NULL});
}

static void test_required(void **state)
{
        (void)state;
        expect_error("[slurm]\nport = 6817\n", 0600, -EINVAL,
                     (const char *[]){": [vip] address: required key missing",
                                      ": [storage] path: required key missing", NULL});
}

static void test_values(void **state)
{
        struct ha_cfg *cfg = NULL;
        const char *err = NULL;
        const char *text = "[slurm]\n"
                           "controller = 10.0.0.5\n"
                           "port = 7817\n"
                           "user = 4242\n"
                           "protocol = 24.11\n"
                           "rpc_timeout = 250ms ; inline comment\n"
                           "munge_socket = /run/munge/other.socket\n"
                           "command = /opt/slurm/sbin/slurmctld -f /etc/slurm/own.conf\n"
                           "[ha]\n"
                           "state_dir = /run/x\n"
                           "service_manager = direct\n"
                           "[vip]\n"
                           "address = fd00::10\n"
                           "interface = eth0\n"
                           "[storage]\n"
                           "path = /mnt/gluster/slurm/state\n"
                           "fstype = fuse.glusterfs\n";

        (void)state;
        assert_int_equal(ha_cfg_load(write_file(text, 0644), &cfg, &err), 0);
        assert_string_equal(cfg->slurm.controller, "10.0.0.5");
        assert_int_equal(cfg->slurm.port, 7817);
        assert_int_equal(cfg->slurm.uid, 4242);
        assert_int_equal(cfg->slurm.protocol, 42 << 8);
        assert_int_equal(cfg->slurm.rpc_timeout, 250 * HA_USEC_PER_MSEC);
        assert_string_equal(cfg->slurm.munge_socket, "/run/munge/other.socket");
        assert_string_equal(cfg->ha.state_dir, "/run/x");
        assert_string_equal(cfg->slurm.command[0], "/opt/slurm/sbin/slurmctld");
        assert_string_equal(cfg->slurm.command[2], "/etc/slurm/own.conf");
        assert_null(cfg->slurm.command[3]);
        assert_int_equal(cfg->ha.service_manager, 2);
        assert_string_equal(cfg->vip.address, "fd00::10");
        assert_string_equal(cfg->storage.fstype, "fuse.glusterfs");
        ha_cfg_free(cfg);
}

static void test_unknown_section_and_key(void **state)
{
        (void)state;
        expect_error("[slurm]\nport = 6817\n[bogus]\nx = 1\n", 0600, -EINVAL,
                     (const char *[]){":3: [bogus]", "unknown section", NULL});
        expect_error("[slurm]\nprot = 22.05\n", 0600, -EINVAL,
                     (const char *[]){":2: [slurm] prot: unknown key", NULL});
}

static void test_bad_values(void **state)
{
        (void)state;
        expect_error("[slurm]\nport = 70000\n", 0600, -EINVAL,
                     (const char *[]){":2: [slurm] port:", "1 to 65535", "70000", NULL});
        expect_error("[ha]\nservice_manager = upstart\n", 0600, -EINVAL,
                     (const char *[]){":2: [ha] service_manager:", NULL});
        expect_error("[slurm]\ncommand = slurmctld -D\n", 0600, -EINVAL,
                     (const char *[]){":2: [slurm] command:", "absolute", NULL});
        expect_error("[slurm]\nunit = slurm ctld\n", 0600, -EINVAL,
                     (const char *[]){":2: [slurm] unit:", NULL});
        expect_error("[slurm]\nrpc_timeout = 5\n", 0600, -EINVAL,
                     (const char *[]){":2: [slurm] rpc_timeout:", "500ms", NULL});
        expect_error("[slurm]\ncontroller = ctl1.example\n", 0600, -EINVAL,
                     (const char *[]){":2: [slurm] controller:", "numeric", NULL});
        expect_error("[slurm]\npeers = 10.0.0.12 ctl3\n", 0600, -EINVAL,
                     (const char *[]){":2: [slurm] peers:", "numeric", "no host names", NULL});
        expect_error("[slurm]\nprotocol = 21.08\n", 0600, -EINVAL,
                     (const char *[]){":2: [slurm] protocol:", NULL});
        expect_error("[slurm]\nuser = no-such-user-here\n", 0600, -EINVAL,
                     (const char *[]){":2: [slurm] user:", "no such user", NULL});
        expect_error("[ha]\nstate_dir = relative/path\n", 0600, -EINVAL,
                     (const char *[]){":2: [ha] state_dir:", "absolute", NULL});
        /* Nothing is run through a PATH look-up: the alert command too is an absolute path. */
        expect_error("[notify]\n\nalert_command = mail -s fault root\n", 0600, -EINVAL,
                     (const char *[]){":3: [notify] alert_command:", "absolute", NULL});
}

/* All problems in one run, each with its own line. */
static void test_all_errors_reported(void **state)
{
        (void)state;
        expect_error("[slurm]\nport = 0\nport = 1\nfoo = bar\n[ha]\nstate_dir = x\n", 0600, -EINVAL,
                     (const char *[]){":2: [slurm] port:", ":3: [slurm] port: given twice",
                                      ":4: [slurm] foo: unknown key", ":6: [ha] state_dir:", NULL});
}

static void test_syntax_and_long_lines(void **state)
{
        char text[400];

        (void)state;
        expect_error("[slurm]\nthis is not a key value line\n", 0600, -EINVAL,
                     (const char *[]){":2: syntax error", NULL});
        (void)snprintf(text, sizeof(text), "[slurm]\nmunge_socket = /%0300d\nport = 1\n", 0);
        expect_error(text, 0600, -EINVAL, (const char *[]){":2: line longer than", NULL});
}

/* Unsafe files are refused before they are read, as doas does. */
static void test_unsafe_files(void **state)
{
        const char *path;
        struct ha_cfg *cfg = NULL;
        const char *err = NULL;
        char link[300];

        (void)state;
        expect_error("[slurm]\n", 0666, -EPERM,
                     (const char *[]){"refused: writable by group or others", NULL});
        expect_error("[slurm]\n", 0620, -EPERM,
                     (const char *[]){"refused: writable by group or others", NULL});

        path = write_file("[slurm]\n", 0600);
        if (geteuid() == 0) {
                assert_int_equal(chown(path, 65534, 65534), 0);
                assert_int_equal(ha_cfg_load(path, &cfg, &err), -EPERM);
                assert_non_null(strstr(err, "refused: not owned by root"));
        }

        path = write_file("[slurm]\n", 0600);
        (void)snprintf(link, sizeof(link), "%s/link.conf", dir);
        assert_int_equal(symlink(path, link), 0);
        assert_int_equal(ha_cfg_load(link, &cfg, &err), -ELOOP);
        assert_non_null(strstr(err, "symbolic link"));

        assert_int_equal(ha_cfg_load("/nonexistent/ha-slurm.conf", &cfg, &err), -ENOENT);
        assert_string_equal(err, "No such file or directory");
        assert_null(cfg);
}

/* [metrics]: off unless set; a textfile node_exporter would never read is refused. */
static void test_metrics(void **state)
{
        struct ha_cfg *cfg = NULL;
        const char *err = NULL;

        (void)state;
        assert_int_equal(ha_cfg_load(write_file(REQUIRED, 0600), &cfg, &err), 0);
        assert_null(cfg->metrics.textfile);
        assert_int_equal(cfg->metrics.timeout, 500 * HA_USEC_PER_MSEC);
        ha_cfg_free(cfg);
        assert_int_equal(ha_cfg_load(write_file(REQUIRED "[metrics]\ntextfile = /var/lib/x/"
                                                         "ha-slurm.prom\ntimeout = 2s\n",
                                                0600),
                                     &cfg, &err),
                         0);
        assert_string_equal(cfg->metrics.textfile, "/var/lib/x/ha-slurm.prom");
        assert_int_equal(cfg->metrics.timeout, 2 * HA_USEC_PER_SEC);
        ha_cfg_free(cfg);
        expect_error(REQUIRED "[metrics]\ntextfile = /var/lib/x/ha-slurm.txt\n", 0600, -EINVAL,
                     (const char *[]){":6: [metrics] textfile: expected a file name ending in "
                                      "\".prom\"",
                                      NULL});
        expect_error(REQUIRED "[metrics]\ntextfile = /var/lib/x/.prom\n", 0600, -EINVAL,
                     (const char *[]){"[metrics] textfile: expected a file name", NULL});
        expect_error(REQUIRED "[metrics]\ntextfile = ha-slurm.prom\n", 0600, -EINVAL,
                     (const char *[]){"[metrics] textfile: expected an absolute path", NULL});
}

/* [fence] and the [fence NODE] sections. */
static void test_fence(void **state)
{
        struct ha_cfg *cfg = NULL;
        const char *err = NULL;
        const struct ha_cfg_fence_node *f;

        (void)state;
        /* None: wait for the lease's expiry. */
        assert_int_equal(ha_cfg_load(write_file(REQUIRED, 0600), &cfg, &err), 0);
        assert_int_equal(cfg->fence.method, HA_FENCING_WAIT);
        assert_int_equal(cfg->fence.after, 3 * HA_USEC_PER_SEC);
        assert_int_equal(cfg->fence.timeout, 15 * HA_USEC_PER_SEC);
        assert_null(ha_cfg_fence_node(cfg, "ctl2"));
        ha_cfg_free(cfg);

        /* Sections given: power, unless said otherwise. */
        cfg = NULL;
        assert_int_equal(ha_cfg_load(write_file(REQUIRED "[fence ctl2]\n"
                                                         "agent = /usr/sbin/fence_ipmilan\n"
                                                         "options = /etc/ha-slurm/fence/ctl2.conf\n"
                                                         "[fence ctl-3.a]\n"
                                                         "options = /etc/ha-slurm/fence/ctl3.conf\n"
                                                         "agent = /usr/sbin/fence_redfish\n"
                                                         "[fence]\nafter = 2s\ntimeout = 12s\n",
                                                0600),
                                     &cfg, &err),
                         0);
        assert_int_equal(cfg->fence.method, HA_FENCING_POWER);
        assert_int_equal(cfg->fence.after, 2 * HA_USEC_PER_SEC);
        assert_int_equal(cfg->fence.timeout, 12 * HA_USEC_PER_SEC);
        assert_int_equal(cfg->fence.n_nodes, 2);
        f = ha_cfg_fence_node(cfg, "ctl2");
        assert_non_null(f);
        assert_string_equal(f->agent, "/usr/sbin/fence_ipmilan");
        assert_string_equal(f->options, "/etc/ha-slurm/fence/ctl2.conf");
        f = ha_cfg_fence_node(cfg, "ctl-3.a");
        assert_non_null(f);
        assert_string_equal(f->agent, "/usr/sbin/fence_redfish");
        assert_null(ha_cfg_fence_node(cfg, "ctl"));
        ha_cfg_free(cfg);

        /* method = wait keeps the sections, unused. */
        cfg = NULL;
        assert_int_equal(ha_cfg_load(write_file(REQUIRED "[fence]\nmethod = wait\n[fence ctl2]\n"
                                                         "agent = /a\noptions = /b\n",
                                                0600),
                                     &cfg, &err),
                         0);
        assert_int_equal(cfg->fence.method, HA_FENCING_WAIT);
        ha_cfg_free(cfg);

        expect_error(REQUIRED "[fence]\nmethod = power\n", 0600, -EINVAL,
                     (const char *[]){":6: [fence] method:", "a [fence NODE] section", NULL});
        expect_error(REQUIRED "[fence]\nmethod = stonith\n", 0600, -EINVAL,
                     (const char *[]){":6: [fence] method:", "\"power\" or \"wait\"", NULL});
        expect_error(REQUIRED "[fence ctl2]\nagent = /a\n", 0600, -EINVAL,
                     (const char *[]){":5: [fence ctl2] options: required key missing", NULL});
        expect_error(REQUIRED "[fence ctl2]\nagent = fence_ipmilan\noptions = /b\nagent = /a\n"
                              "password = x\n",
                     0600, -EINVAL,
                     (const char *[]){":6: [fence ctl2] agent: expected an absolute path",
                                      ":8: [fence ctl2] agent: given twice (first on line 6)",
                                      ":9: [fence ctl2] password: unknown key", NULL});
        expect_error(REQUIRED "[fence ctl/2]\nagent = /a\n", 0600, -EINVAL,
                     (const char *[]){":5: [fence ctl/2]: unknown section", NULL});
        expect_error(
                REQUIRED "[fence ctl2]\nagent = /a\noptions = /b\n[fence]\ntimeout = 25s\n", 0600,
                -EINVAL,
                (const char *[]){":9: [fence] timeout:", "shorter than [notify] deadline", NULL});
        expect_error(REQUIRED "[fence ctl2]\nagent = /a\noptions = /b\n[fence]\nafter = 8s\n", 0600,
                     -EINVAL,
                     (const char *[]){":9: [fence] after:", "shorter than [lease] wait", NULL});
        /* Unset, it fits in a short [notify] deadline, fencing or not. */
        cfg = NULL;
        assert_int_equal(
                ha_cfg_load(write_file(REQUIRED "[notify]\ndeadline = 10s\n", 0600), &cfg, &err),
                0);
        assert_int_equal(cfg->fence.timeout, 5 * HA_USEC_PER_SEC);
        ha_cfg_free(cfg);
}

static void test_parsers(void **state)
{
        usec_t u;
        uint16_t v;

        (void)state;
        assert_int_equal(ha_parse_duration("1.5s", &u), 0);
        assert_int_equal(u, 1500000);
        assert_int_equal(ha_parse_duration("20ms", &u), 0);
        assert_int_equal(u, 20000);
        assert_int_equal(ha_parse_duration("20", &u), -EINVAL);
        assert_int_equal(ha_parse_duration("-1s", &u), -EINVAL);
        assert_int_equal(ha_parse_duration("2h", &u), -EINVAL);
        /* Found by fuzzing: strtod() takes these, a duration must not. */
        assert_int_equal(ha_parse_duration("nans", &u), -EINVAL);
        assert_int_equal(ha_parse_duration("infs", &u), -EINVAL);
        assert_int_equal(ha_parse_duration("0x10s", &u), -EINVAL);
        assert_int_equal(ha_parse_duration("1.2.3s", &u), -EINVAL);
        assert_int_equal(ha_parse_duration(".5s", &u), -EINVAL);
        assert_int_equal(ha_parse_duration("1e3ms", &u), -EINVAL);
        assert_int_equal(ha_parse_protocol("22.05", &v), 0);
        assert_int_equal(v, 0x2600);
        assert_int_equal(ha_parse_protocol("26.05", &v), 0);
        assert_int_equal(v, 0x2d00);
        assert_int_equal(ha_parse_protocol("9728", &v), 0);
        assert_int_equal(v, 0x2600);
        assert_int_equal(ha_parse_protocol("42", &v), 0);
        assert_int_equal(v, 0x2a00);
        assert_int_equal(ha_parse_protocol("auto", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(ha_parse_protocol("27.05", &v), -EINVAL);
        assert_string_equal(ha_protocol_release(0x2a00), "24.11");
        assert_null(ha_protocol_release(0x1000));
}

static int setup(void **state)
{
        (void)state;
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
        char cmd[300];

        (void)state;
        (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_dbd),
                cmocka_unit_test(test_required),
                cmocka_unit_test(test_unknown_section_and_key),
                cmocka_unit_test(test_bad_values),
                cmocka_unit_test(test_all_errors_reported),
                cmocka_unit_test(test_syntax_and_long_lines),
                cmocka_unit_test(test_unsafe_files),
                cmocka_unit_test(test_metrics),
                cmocka_unit_test(test_fence),
                cmocka_unit_test(test_parsers),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
