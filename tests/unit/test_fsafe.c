/* test_fsafe.c: unsafe files are refused with a reason, nothing is written through a planted
 * link, and nothing hangs on a planted FIFO (fsutil, lease, store probe, the metrics textfile's
 * folder, hook lock, pid files, commands, and a refusal inside a child reported by its parent).
 *
 * Every case plants something in a folder of its own and checks three things: the call fails
 * (or succeeds without following what was planted), the refusal was reported with the path and
 * the reason, and a canary file outside the folder is byte for byte unchanged. Each case runs
 * under alarm(): a FIFO opened with blocking would hang the test, and SIGALRM fails it.
 * Cases that give a file to another owner need root, and are skipped otherwise.
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

#include "common/child.h"
#include "common/exec.h"
#include "common/fsutil.h"
#include "common/lease.h"
#include "common/lock.h"
#include "common/proc.h"
#include "common/store.h"

#define CANARY_TEXT "canary: must never change\n"
#define NOBODY      65534

static char top[] = "/tmp/ha-test-fsafe.XXXXXX";
static char dir[512], canary[512];
static char refused_path[512], refused_reason[128];
static int refusals;

static void on_refusal(const char *path, const char *reason)
{
        refusals++;
        (void)snprintf(refused_path, sizeof(refused_path), "%s", path);
        (void)snprintf(refused_reason, sizeof(refused_reason), "%s", reason);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
        assert_int_equal(fchmod(fd, mode), 0);
        close(fd);
}

static void canary_unchanged(void)
{
        char buf[128] = "";
        int fd = open(canary, O_RDONLY);
        ssize_t n;

        assert_true(fd >= 0);
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        assert_true(n >= 0);
        buf[n] = '\0';
        assert_string_equal(buf, CANARY_TEXT);
}

static void reported(const char *path, const char *reason)
{
        assert_true(refusals > 0);
        assert_string_equal(refused_path, path);
        assert_string_equal(refused_reason, reason);
}

/* Each case: a fresh folder (root's, 0700) and canary; a 5 s alarm against hangs. */
static int setup(void **state)
{
        static int n;
        (void)state;
        (void)snprintf(dir, sizeof(dir), "%s/case%d", top, ++n);
        (void)snprintf(canary, sizeof(canary), "%s/canary.%d", top, n);
        assert_int_equal(mkdir(dir, 0700), 0);
        write_file(canary, CANARY_TEXT, 0644);
        refusals = 0;
        refused_path[0] = refused_reason[0] = '\0';
        (void)ha_fs_set_refusal_handler(on_refusal);
        umask(0177); /* keepalived's: no mode below may depend on it */
        alarm(5);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        alarm(0);
        umask(022);
        return 0;
}

static void at(char *buf, size_t len, const char *name)
{
        (void)snprintf(buf, len, "%s/%s", dir, name);
}

static bool is_root(void)
{
        return geteuid() == 0;
}

static void test_read_refusals(void **state)
{
        char p[600], *text = NULL;
        const char *why = NULL;

        (void)state;
        at(p, sizeof(p), "check.verdict");
        assert_int_equal(symlink(canary, p), 0);
        assert_int_equal(ha_fs_read_small(p, 100, &text, &why), -ELOOP);
        reported(p, "a symbolic link");

        assert_int_equal(unlink(p), 0);
        assert_int_equal(mkfifo(p, 0600), 0);
        assert_int_equal(ha_fs_read_small(p, 100, &text, &why), -EPERM);
        reported(p, "not a regular file");

        assert_int_equal(unlink(p), 0);
        write_file(p, "healthy - -\n", 0664);
        assert_int_equal(ha_fs_read_small(p, 100, &text, &why), -EPERM);
        reported(p, "writable by group or others");

        if (is_root()) {
                assert_int_equal(chmod(p, 0644), 0);
                assert_int_equal(chown(p, NOBODY, NOBODY), 0);
                assert_int_equal(ha_fs_read_small(p, 100, &text, &why), -EPERM);
                reported(p, "not owned by root");
                assert_int_equal(chown(p, 0, 0), 0);
        }
        assert_int_equal(chmod(p, 0644), 0);
        refusals = 0;
        assert_int_equal(ha_fs_read_small(p, 100, &text, &why), 0);
        assert_string_equal(text, "healthy - -\n");
        assert_int_equal(refusals, 0);
        free(text);
        canary_unchanged();
}

static void test_write_never_follows(void **state)
{
        char p[600], tmp[700];
        struct stat st;

        (void)state;
        at(p, sizeof(p), "protocol-127.0.0.1-6817");
        assert_int_equal(symlink(canary, p), 0);
        (void)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", p, (int)getpid());
        assert_int_equal(symlink(canary, tmp), 0); /* its temporary file, planted too */
        assert_int_equal(ha_fs_write_atomic(p, "10752\n", 6, 0644), 0);
        canary_unchanged();
        assert_int_equal(lstat(p, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0644); /* exact, whatever the umask */
        assert_int_equal(lstat(tmp, &st), -1);

        assert_int_equal(unlink(p), 0);
        assert_int_equal(mkfifo(p, 0600), 0);
        assert_int_equal(ha_fs_write_atomic(p, "10752\n", 6, 0600), 0); /* no hang */
        assert_int_equal(lstat(p, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_state_dir(void **state)
{
        char p[600], q[600];
        const char *why = NULL;
        struct stat st;

        (void)state;
        at(p, sizeof(p), "ha-slurm");
        assert_int_equal(ha_fs_state_dir(p, &why), 0); /* created */
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700); /* not 0600 from umask 0177 */
        assert_int_equal(ha_fs_state_dir(p, &why), 0);

        /* Ours but open: closed, not refused (a refusal would fail every node's check). */
        assert_int_equal(chmod(p, 0777), 0);
        assert_int_equal(ha_fs_state_dir(p, &why), 1);
        assert_string_equal(why, "group or others had access: set to 0700");
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        assert_int_equal(chmod(p, 0755), 0);
        assert_int_equal(ha_fs_state_dir(p, &why), 1);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0700);
        assert_int_equal(ha_fs_state_dir(p, &why), 0);

        if (is_root()) {
                assert_int_equal(chmod(p, 0700), 0);
                assert_int_equal(chown(p, NOBODY, NOBODY), 0);
                assert_int_equal(ha_fs_state_dir(p, &why), -EPERM);
                assert_string_equal(why, "not owned by root");
        }
        at(q, sizeof(q), "ha-slurm-link");
        assert_int_equal(symlink(top, q), 0);
        assert_int_equal(ha_fs_state_dir(q, &why), -EPERM);
        assert_string_equal(why, "a symbolic link, not a folder");
        at(q, sizeof(q), "ha-slurm-file");
        write_file(q, "", 0600);
        assert_int_equal(ha_fs_state_dir(q, &why), -ENOTDIR);
}

static void test_store_probe(void **state)
{
        char p[600];
        const char *step = "";

        (void)state;
        (void)snprintf(p, sizeof(p), "%s/.ha-slurm-probe.n1.%d", dir, (int)getpid());
        assert_int_equal(symlink(canary, p), 0);
        assert_int_equal(ha_store_write_probe(dir, "n1", &step), 0);
        canary_unchanged();
        assert_int_equal(access(p, F_OK), -1);
        assert_int_equal(mkfifo(p, 0600), 0);
        assert_int_equal(ha_store_write_probe(dir, "n1", &step), 0); /* no hang */
        assert_int_equal(access(p, F_OK), -1);
}

/* One lease operation on `p` for node n1. */
static int lease_op(enum ha_lease_op o, const char *p, struct ha_lease *ret)
{
        struct ha_lease_req q = {.op = o, .node = "n1", .ttl = HA_USEC_PER_SEC, .epoch = 1};

        return ha_lease_do_here(&q, p, ret);
}

static void test_lease_file(void **state)
{
        char p[600], g1[700], tmp[700];
        struct ha_lease l;
        struct stat st;

        (void)state;
        at(p, sizeof(p), "ha-slurm.lease");
        (void)snprintf(g1, sizeof(g1), "%s.%020d", p, 1);
        assert_int_equal(symlink(canary, g1), 0);
        assert_int_equal(lease_op(HA_LEASE_ACQUIRE, p, &l), -ELOOP);
        reported(g1, "a symbolic link");
        assert_int_equal(lease_op(HA_LEASE_RELEASE, p, &l), -ELOOP);
        canary_unchanged();

        assert_int_equal(unlink(g1), 0);
        assert_int_equal(mkfifo(g1, 0666), 0);
        assert_int_equal(lease_op(HA_LEASE_ACQUIRE, p, &l), -EPERM);
        reported(g1, "not a regular file");

        /* The temporary file planted as a link: replaced, never written through. */
        assert_int_equal(unlink(g1), 0);
        (void)snprintf(tmp, sizeof(tmp), "%s.n1.%d.tmp", p, (int)getpid());
        assert_int_equal(symlink(canary, tmp), 0);
        assert_int_equal(lease_op(HA_LEASE_ACQUIRE, p, &l), 0);
        canary_unchanged();
        assert_int_equal(lstat(g1, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0644); /* exact, whatever the umask */
        assert_int_equal(lstat(tmp, &st), -1);      /* and gone */

        /* SlurmUser rewrites the lease (the folder is its own): refused, not believed. */
        assert_int_equal(chmod(g1, 0666), 0);
        assert_int_equal(lease_op(HA_LEASE_READ, p, &l), -EPERM);
        reported(g1, "writable by group or others");
        if (is_root()) {
                assert_int_equal(chmod(g1, 0644), 0);
                assert_int_equal(chown(g1, NOBODY, NOBODY), 0);
                assert_int_equal(lease_op(HA_LEASE_ACQUIRE, p, &l), -EPERM);
                reported(g1, "not owned by root");
        }
        canary_unchanged();
}

static void test_lease_folder_link(void **state)
{
        char open_dir[600], link[700], p[800], real[700];
        struct ha_lease l;

        (void)state;
        /* A folder others may write (SlurmUser's StateSaveLocation), holding a link to a folder
         * of root's: the link may have been planted, so it is not followed. */
        at(open_dir, sizeof(open_dir), "state");
        assert_int_equal(mkdir(open_dir, 0700), 0);
        assert_int_equal(chmod(open_dir, 0777), 0);
        (void)snprintf(real, sizeof(real), "%s/etc", dir);
        assert_int_equal(mkdir(real, 0700), 0);
        (void)snprintf(link, sizeof(link), "%s/sub", open_dir);
        assert_int_equal(symlink(real, link), 0);
        (void)snprintf(p, sizeof(p), "%s/ha-slurm.lease", link);
        assert_int_equal(lease_op(HA_LEASE_ACQUIRE, p, &l), -EPERM);
        reported(link, "a symbolic link on the way, in a folder others may write");
        (void)snprintf(p, sizeof(p), "%s/ha-slurm.lease", real);
        assert_int_equal(access(p, F_OK), -1); /* nothing written there */
        /* The same link in a folder only root may write is the site's own layout. */
        assert_int_equal(chmod(open_dir, 0755), 0);
        (void)snprintf(p, sizeof(p), "%s/ha-slurm.lease", link);
        assert_int_equal(lease_op(HA_LEASE_ACQUIRE, p, &l), 0);
}

/* A folder written for another program (node_exporter's textfile folder): its owner and group
 * may write it, others may not; no link planted on the way; nothing written through a link. */
static void test_shared_dir(void **state)
{
        char d[600], p[700], tmp[700], open_dir[600], link[700];
        struct stat st;
        int fd;

        (void)state;
        at(d, sizeof(d), "textfile");
        assert_int_equal(mkdir(d, 0755), 0);
        assert_int_equal(chmod(d, 0755), 0);
        fd = ha_fs_open_dir_shared(d, NULL);
        assert_true(fd >= 0);
        (void)snprintf(p, sizeof(p), "%s/ha-slurm.prom", d);
        (void)snprintf(tmp, sizeof(tmp), "%s/ha-slurm.prom.tmp", d);
        assert_int_equal(symlink(canary, p), 0);
        assert_int_equal(symlink(canary, tmp), 0);
        assert_int_equal(
                ha_fs_replace_at(fd, "ha-slurm.prom", "ha-slurm.prom.tmp", "x 1\n", 4, 0644), 0);
        close(fd);
        canary_unchanged();
        assert_int_equal(lstat(p, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0644); /* exact, whatever the umask */
        assert_int_equal(lstat(tmp, &st), -1);
        assert_int_equal(refusals, 0);

        assert_int_equal(chmod(d, 0775), 0); /* its group's (node_exporter's): taken */
        fd = ha_fs_open_dir_shared(d, NULL);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(chmod(d, 01777), 0); /* anyone's, sticky or not: refused */
        assert_int_equal(ha_fs_open_dir_shared(d, NULL), -EPERM);
        reported(d, "a folder others may write");

        /* The folder a link in a folder others may write (the prometheus user's parent). */
        refusals = 0;
        assert_int_equal(chmod(d, 0755), 0);
        at(open_dir, sizeof(open_dir), "prometheus");
        assert_int_equal(mkdir(open_dir, 0700), 0);
        assert_int_equal(chmod(open_dir, 0777), 0);
        (void)snprintf(link, sizeof(link), "%s/node-exporter", open_dir);
        assert_int_equal(symlink(d, link), 0);
        assert_int_equal(ha_fs_open_dir_shared(link, NULL), -EPERM);
        reported(link, "a symbolic link on the way, in a folder others may write");
}

static void test_hook_lock(void **state)
{
        char p[600];
        int fd = -1;

        (void)state;
        at(p, sizeof(p), "hook.lock");
        assert_int_equal(symlink(canary, p), 0);
        assert_int_equal(ha_lock_take(dir, ha_deadline_in(HA_USEC_PER_SEC), &fd), -ELOOP);
        reported(p, "a symbolic link");
        canary_unchanged();
        assert_int_equal(unlink(p), 0);
        assert_int_equal(mkfifo(p, 0600), 0);
        assert_int_equal(ha_lock_take(dir, ha_deadline_in(HA_USEC_PER_SEC), &fd), -EPERM);
        reported(p, "not a regular file");
        assert_int_equal(unlink(p), 0);
        write_file(p, "", 0666);
        assert_int_equal(ha_lock_take(dir, ha_deadline_in(HA_USEC_PER_SEC), &fd), -EPERM);
        reported(p, "writable by group or others");
        assert_int_equal(unlink(p), 0);
        assert_int_equal(ha_lock_take(dir, ha_deadline_in(HA_USEC_PER_SEC), &fd), 0);
        ha_lock_release(dir, fd);
}

static void test_pid_file(void **state)
{
        char p[600];

        (void)state;
        at(p, sizeof(p), "slurmctld.pid");
        assert_int_equal(mkfifo(p, 0666), 0); /* as SlurmUser could, in its pid folder */
        assert_int_equal(ha_proc_read_pidfile(p), -EPERM);
        reported(p, "not a regular file");
        assert_int_equal(unlink(p), 0);
        assert_int_equal(symlink(canary, p), 0);
        assert_int_equal(ha_proc_read_pidfile(p), -ELOOP);
        reported(p, "a symbolic link");
        assert_int_equal(unlink(p), 0);
        write_file(p, "1\n", 0644);
        if (is_root())
                assert_int_equal(chown(p, NOBODY, NOBODY), 0); /* another owner: still read */
        assert_int_equal(ha_proc_read_pidfile(p), 1);
}

static void test_exec_check(void **state)
{
        char p[600];
        const char *why = NULL;

        (void)state;
        assert_int_equal(ha_exec_check("/usr/bin/touch", &why), 0);
        assert_int_equal(ha_exec_check("touch", &why), -EINVAL);
        assert_string_equal(why, "not an absolute path");
        at(p, sizeof(p), "alert");
        write_file(p, "#!/bin/sh\n", 0777);
        assert_int_equal(ha_exec_check(p, &why), -EPERM);
        assert_string_equal(why, "writable by group or others");
        assert_int_equal(chmod(p, 0755), 0);
        /* Its folder is in /tmp, which everybody may write. */
        assert_int_equal(ha_exec_check(p, &why), -EPERM);
        assert_string_equal(why, "a folder on its path is writable by group or others");

        /* Links, from a folder only root writes (made under /run: root's, 0755; as root only):
         * to a command in root's folders, accepted; to a root-owned file in a folder others may
         * write (its content could be swapped under the link), refused. */
        if (is_root()) {
                char rdir[] = "/run/ha-test-exec.XXXXXX", good[600], bad[600], w[600], real[700];

                assert_non_null(mkdtemp(rdir));
                assert_int_equal(chmod(rdir, 0755), 0);
                (void)snprintf(good, sizeof(good), "%s/good", rdir);
                (void)snprintf(bad, sizeof(bad), "%s/bad", rdir);
                at(w, sizeof(w), "open-folder");
                assert_int_equal(mkdir(w, 0755), 0);
                assert_int_equal(chmod(w, 0777), 0);
                (void)snprintf(real, sizeof(real), "%s/cmd", w);
                write_file(real, "#!/bin/sh\n", 0755);
                assert_int_equal(symlink("/usr/bin/touch", good), 0);
                assert_int_equal(symlink(real, bad), 0);
                assert_int_equal(ha_exec_check(good, &why), 0);
                assert_int_equal(ha_exec_check(bad, &why), -EPERM);
                assert_string_equal(why, "a folder on its real path (links followed) is "
                                         "writable by group or others");
                assert_int_equal(chmod(w, 0755), 0); /* its folder root's, but /tmp is open */
                assert_int_equal(ha_exec_check(bad, &why), -EPERM);
                assert_string_equal(why, "a folder on its real path (links followed) is "
                                         "writable by group or others");
                (void)unlink(good);
                (void)unlink(bad);
                (void)unlink(real);
                (void)rmdir(w);
                assert_int_equal(rmdir(rdir), 0);
        }
}

static ssize_t read_in_child(void *arg, void *out, size_t max)
{
        char *text = NULL;
        int r = ha_fs_read_small(arg, 100, &text, NULL);

        (void)out;
        (void)max;
        free(text);
        return r;
}

static void test_refusal_in_child(void **state)
{
        char p[600];

        (void)state;
        at(p, sizeof(p), "lease.stuck");
        assert_int_equal(symlink(canary, p), 0);
        assert_int_equal(ha_child_run(read_in_child, p, NULL, 0,
                                      ha_deadline_in(2 * HA_USEC_PER_SEC), NULL, NULL),
                         -ELOOP);
        /* The child's stderr is /dev/null: the parent reports what the child refused. */
        reported(p, "a symbolic link");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_read_refusals, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_never_follows, setup, teardown),
                cmocka_unit_test_setup_teardown(test_state_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_store_probe, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lease_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lease_folder_link, setup, teardown),
                cmocka_unit_test_setup_teardown(test_shared_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hook_lock, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pid_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_exec_check, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refusal_in_child, setup, teardown),
        };
        char cmd[600];
        int r;

        if (!mkdtemp(top))
                return 1;
        r = cmocka_run_group_tests(tests, NULL, NULL);
        (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
        if (system(cmd) != 0)
                r = r ? r : 1;
        return r;
}
