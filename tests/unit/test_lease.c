/* test_lease.c: the lease rules, on a folder of our own (no child needed: ha_lease_do_here). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lease.h"

static char dir[] = "/tmp/ha-test-lease.XXXXXX";
static char path[300];

#define TTL (2 * HA_USEC_PER_SEC)

static void test_format_parse(void **state)
{
        struct ha_lease l = {.epoch = 7, .renewed = 1795906928300592ULL, .ttl = 6000000}, back;
        char buf[256];
        int n;

        (void)state;
        strcpy(l.owner, "ctl1");
        n = ha_lease_format(&l, buf, sizeof(buf));
        assert_int_equal(n, 160); /* every record the same length: see lease.c */
        assert_int_equal(strlen(buf), 160);
        assert_int_equal(buf[159], '\n');
        assert_int_equal(ha_lease_parse(buf, &back), 0);
        assert_string_equal(back.owner, "ctl1");
        assert_true(back.epoch == 7 && back.renewed == l.renewed && back.ttl == l.ttl);
        assert_false(back.released);
        l.released = true;
        l.owner[0] = '\0';
        assert_int_equal(ha_lease_format(&l, buf, sizeof(buf)), 160);
        assert_int_equal(ha_lease_parse(buf, &back), 0);
        assert_true(back.released && back.owner[0] == '\0');
        /* A record cut short (a stale size in a cache) is refused, not half read. */
        buf[60] = '\0';
        assert_int_equal(ha_lease_parse(buf, &back), -EBADMSG);
        assert_int_equal(ha_lease_parse("garbage\n", &back), -EBADMSG);
        assert_int_equal(ha_lease_parse("ha-slurm-lease 1 owner=a epoch=1 renewed=2 ttl=3 "
                                        "state=maybe\n",
                                        &back),
                         -EBADMSG);
        assert_int_equal(ha_lease_format(&l, buf, 100), -ENOBUFS);
}

static void test_acquire_renew_release(void **state)
{
        struct ha_lease l;

        (void)state;
        /* Free: granted, epoch 1. */
        assert_int_equal(ha_lease_do_here(HA_LEASE_ACQUIRE, path, "ctl1", TTL, &l), 0);
        assert_string_equal(l.owner, "ctl1");
        assert_int_equal(l.epoch, 1);
        /* Ours: granted again, same epoch (a renewal). */
        assert_int_equal(ha_lease_do_here(HA_LEASE_ACQUIRE, path, "ctl1", TTL, &l), 0);
        assert_int_equal(l.epoch, 1);
        assert_int_equal(ha_lease_do_here(HA_LEASE_RENEW, path, "ctl1", TTL, &l), 0);
        /* Held and fresh: denied to another node, which learns who holds it. */
        assert_int_equal(ha_lease_do_here(HA_LEASE_ACQUIRE, path, "ctl2", TTL, &l), -EBUSY);
        assert_string_equal(l.owner, "ctl1");
        /* Another node cannot renew or release it. */
        assert_int_equal(ha_lease_do_here(HA_LEASE_RENEW, path, "ctl2", TTL, &l), -ESTALE);
        assert_int_equal(ha_lease_do_here(HA_LEASE_RELEASE, path, "ctl2", TTL, &l), 0);
        assert_int_equal(ha_lease_do_here(HA_LEASE_READ, path, "ctl2", TTL, &l), 0);
        assert_false(l.released);
        /* Released by its owner: granted to the next at once, with a new epoch. */
        assert_int_equal(ha_lease_do_here(HA_LEASE_RELEASE, path, "ctl1", TTL, &l), 0);
        assert_true(l.released);
        assert_int_equal(ha_lease_do_here(HA_LEASE_ACQUIRE, path, "ctl2", TTL, &l), 0);
        assert_string_equal(l.owner, "ctl2");
        assert_int_equal(l.epoch, 2);
        /* The old owner cannot renew a lease that is not its own any more. */
        assert_int_equal(ha_lease_do_here(HA_LEASE_RENEW, path, "ctl1", TTL, &l), -ESTALE);
        assert_string_equal(l.owner, "ctl2");
}

static void test_expiry(void **state)
{
        struct ha_lease l;

        (void)state;
        assert_int_equal(ha_lease_do_here(HA_LEASE_ACQUIRE, path, "ctl1", 200000, &l), 0);
        assert_int_equal(ha_lease_do_here(HA_LEASE_ACQUIRE, path, "ctl2", 200000, &l), -EBUSY);
        assert_false(ha_lease_expired(&l, l.renewed + 100000));
        assert_true(ha_lease_expired(&l, l.renewed + 200001));
        /* Found by fuzzing: renewed + ttl must not wrap into "expired". */
        {
                struct ha_lease far = {.renewed = UINT64_MAX - 5, .ttl = 100};

                assert_false(ha_lease_expired(&far, 1795906928300592ULL));
                assert_false(ha_lease_expired(&far, UINT64_MAX));
        }
        usleep(300000);
        /* Not renewed for its ttl: another node may take it, with a new epoch. */
        assert_int_equal(ha_lease_do_here(HA_LEASE_ACQUIRE, path, "ctl2", 200000, &l), 0);
        assert_string_equal(l.owner, "ctl2");
        assert_int_equal(l.epoch, 2);
}

static void test_stale_lock_and_garbage(void **state)
{
        struct ha_lease l;
        char lock[320];
        FILE *f;

        (void)state;
        /* A lock file left by a node that died holding it is taken over after it is stale. */
        (void)snprintf(lock, sizeof(lock), "%s.lock", path);
        f = fopen(lock, "w");
        assert_non_null(f);
        fclose(f);
        {
                struct timespec old[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};

                assert_int_equal(utimensat(AT_FDCWD, lock, old, 0), 0);
        }
        assert_int_equal(ha_lease_do_here(HA_LEASE_ACQUIRE, path, "ctl1", TTL, &l), 0);
        assert_int_equal(access(lock, F_OK), -1);
        /* A garbage lease file is reported, never taken as free. */
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("not a lease\n", f);
        fclose(f);
        assert_int_equal(ha_lease_do_here(HA_LEASE_ACQUIRE, path, "ctl1", TTL, &l), -EBADMSG);
}

static int setup(void **state)
{
        (void)state;
        if (!mkdtemp(dir))
                return -1;
        (void)snprintf(path, sizeof(path), "%s/ha-slurm.lease", dir);
        return 0;
}

static int reset(void **state)
{
        char lock[320];

        (void)state;
        (void)unlink(path);
        (void)snprintf(lock, sizeof(lock), "%s.lock", path);
        (void)unlink(lock);
        return 0;
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
                cmocka_unit_test(test_format_parse),
                cmocka_unit_test_setup(test_acquire_renew_release, reset),
                cmocka_unit_test_setup(test_expiry, reset),
                cmocka_unit_test_setup(test_stale_lock_and_garbage, reset),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
