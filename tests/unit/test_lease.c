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
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/lease.h"

static char dir[] = "/tmp/ha-test-lease.XXXXXX";
static char path[300];
static char state_dir[300];

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

/* One operation; `epoch` for RENEW and RELEASE, `gen` for ACQUIRE's expired generation. */
static int op(enum ha_lease_op o, const char *node, usec_t ttl, uint64_t epoch, uint64_t gen,
              struct ha_lease *ret)
{
        struct ha_lease_req q = {
                .op = o, .node = node, .ttl = ttl, .epoch = epoch, .expired_gen = gen};

        return ha_lease_do_here(&q, path, ret);
}

/* The path of generation `gen`. */
static void gen_path(uint64_t gen, char *buf, size_t len)
{
        (void)snprintf(buf, len, "%s.%020llu", path, (unsigned long long)gen);
}

/* Writes generation `gen` by hand (a file another version, a stale writer or a person left). */
static void plant(uint64_t gen, const char *text)
{
        char p[400];
        FILE *f;

        gen_path(gen, p, sizeof(p));
        f = fopen(p, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
        assert_int_equal(chmod(p, 0644), 0);
}

/* How many generation files there are. */
static int count_gens(void)
{
        const char *name = strrchr(path, '/') + 1;
        size_t n = strlen(name);
        struct dirent *e;
        DIR *d = opendir(dir);
        int count = 0;

        assert_non_null(d);
        while ((e = readdir(d)))
                if (strncmp(e->d_name, name, n) == 0 && e->d_name[n] == '.' &&
                    strlen(e->d_name + n + 1) == 20)
                        count++;
        closedir(d);
        return count;
}

static void test_acquire_renew_release(void **state)
{
        struct ha_lease l;

        (void)state;
        /* Never held: granted, epoch 1, generation 1. */
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl1", TTL, 0, 0, &l), 0);
        assert_string_equal(l.owner, "ctl1");
        assert_int_equal(l.epoch, 1);
        assert_int_equal(l.gen, 1);
        /* Ours: granted again, same epoch, next generation. */
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl1", TTL, 0, 0, &l), 0);
        assert_int_equal(l.epoch, 1);
        assert_int_equal(l.gen, 2);
        /* Renewed only under the epoch it is held under (rule 4). */
        assert_int_equal(op(HA_LEASE_RENEW, "ctl1", TTL, 1, 0, &l), 0);
        assert_int_equal(l.gen, 3);
        assert_int_equal(op(HA_LEASE_RENEW, "ctl1", TTL, 7, 0, &l), -ESTALE);
        assert_int_equal(op(HA_LEASE_RENEW, "ctl1", TTL, 0, 0, &l), -ESTALE);
        assert_int_equal(l.gen, 3);
        /* Held: denied to another node, which learns who holds it; a generation that is not
         * the current one is no reason to take it. */
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl2", TTL, 0, 0, &l), -EBUSY);
        assert_string_equal(l.owner, "ctl1");
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl2", TTL, 0, 2, &l), -EBUSY);
        /* Another node cannot renew or release it. */
        assert_int_equal(op(HA_LEASE_RENEW, "ctl2", TTL, 1, 0, &l), -ESTALE);
        assert_int_equal(op(HA_LEASE_RELEASE, "ctl2", TTL, 0, 0, &l), 0);
        assert_int_equal(op(HA_LEASE_READ, "ctl2", TTL, 0, 0, &l), 0);
        assert_false(l.released);
        assert_int_equal(l.gen, 3);
        /* Released by its owner: granted to the next at once, with a new epoch. */
        assert_int_equal(op(HA_LEASE_RELEASE, "ctl1", TTL, 1, 0, &l), 0);
        assert_true(l.released);
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl2", TTL, 0, 0, &l), 0);
        assert_string_equal(l.owner, "ctl2");
        assert_int_equal(l.epoch, 2);
        /* The old owner cannot renew a lease that is not its own any more. */
        assert_int_equal(op(HA_LEASE_RENEW, "ctl1", TTL, 1, 0, &l), -ESTALE);
        assert_string_equal(l.owner, "ctl2");
        /* The check claims only a lease that was never written (rule 4). */
        assert_int_equal(op(HA_LEASE_RELEASE, "ctl2", TTL, 2, 0, &l), 0);
        assert_int_equal(op(HA_LEASE_CLAIM, "ctl1", TTL, 0, 0, &l), -EBUSY);
        assert_true(l.released);
}

static void test_claim_fresh(void **state)
{
        struct ha_lease l;

        (void)state;
        assert_int_equal(op(HA_LEASE_CLAIM, "ctl1", TTL, 0, 0, &l), 0);
        assert_int_equal(l.epoch, 1);
        assert_int_equal(op(HA_LEASE_CLAIM, "ctl2", TTL, 0, 0, &l), -EBUSY);
        assert_int_equal(op(HA_LEASE_CLAIM, "ctl1", TTL, 0, 0, &l), -EBUSY);
}

/* Rule 2: another node's lease is taken when the caller says it saw the current generation
 * unchanged for its ttl, never on a time written in the file. */
static void test_expiry_by_generation(void **state)
{
        struct ha_lease l;
        uint64_t g;

        (void)state;
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl1", TTL, 0, 0, &l), 0);
        g = l.gen;
        assert_int_equal(op(HA_LEASE_RENEW, "ctl1", TTL, 1, 0, &l), 0);
        /* ctl2 saw generation g unchanged, but ctl1 renewed since: denied. */
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl2", TTL, 0, g, &l), -EBUSY);
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl2", TTL, 0, l.gen, &l), 0);
        assert_string_equal(l.owner, "ctl2");
        assert_int_equal(l.epoch, 2);
        /* A renewal time far in the future changes nothing. */
        plant(l.gen + 1, "ha-slurm-lease 1 owner=ctl3 epoch=3 renewed=18446744073709551615 "
                         "ttl=6000000 state=held\n");
        assert_int_equal(op(HA_LEASE_READ, "ctl2", TTL, 0, 0, &l), 0);
        assert_string_equal(l.owner, "ctl3");
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl2", TTL, 0, 0, &l), -EBUSY);
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl2", TTL, 0, l.gen, &l), 0);
        assert_int_equal(l.epoch, 4);
}

/* A writer that read generation G and writes G+1 after another node did (a child frozen past
 * its parent's deadline) fails: the link(2) of its G+1 finds the name taken. It then reads the
 * newer generation and decides again. A file below the newest is never the lease. */
static void test_stale_writer(void **state)
{
        struct ha_lease l;

        (void)state;
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl1", TTL, 0, 0, &l), 0);
        assert_int_equal(l.gen, 1);
        /* An old generation put back (a restored backup, a stale writer): not the lease. */
        for (int i = 0; i < 5; i++)
                assert_int_equal(op(HA_LEASE_RENEW, "ctl1", TTL, 1, 0, &l), 0);
        plant(2, "ha-slurm-lease 1 owner=ctl9 epoch=9 renewed=1 ttl=1 state=held\n");
        assert_int_equal(op(HA_LEASE_READ, "ctl2", TTL, 0, 0, &l), 0);
        assert_string_equal(l.owner, "ctl1");
        assert_int_equal(l.gen, 6);
        /* Garbage below the newest is ignored; at the newest it is an error, never "free". */
        plant(3, "not a lease\n");
        assert_int_equal(op(HA_LEASE_RENEW, "ctl1", TTL, 1, 0, &l), 0);
        plant(l.gen + 1, "not a lease\n");
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl1", TTL, 0, 0, &l), -EBADMSG);
        assert_int_equal(op(HA_LEASE_CLAIM, "ctl2", TTL, 0, 0, &l), -EBADMSG);
}

/* No lock file: a leftover one (of an older version, or dated in the future) changes nothing. */
static void test_leftover_lock(void **state)
{
        struct timespec future[2] = {{.tv_sec = 4102444800}, {.tv_sec = 4102444800}};
        struct ha_lease l;
        char lock[320];
        FILE *f;

        (void)state;
        (void)snprintf(lock, sizeof(lock), "%s.lock", path);
        f = fopen(lock, "w");
        assert_non_null(f);
        fclose(f);
        assert_int_equal(utimensat(AT_FDCWD, lock, future, 0), 0);
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl1", TTL, 0, 0, &l), 0);
        assert_int_equal(op(HA_LEASE_RENEW, "ctl1", TTL, 1, 0, &l), 0);
        assert_int_equal(unlink(lock), 0);
}

/* Old generations are removed as new ones come: a few stay for readers that listed them. */
static void test_collect(void **state)
{
        struct ha_lease l;

        (void)state;
        assert_int_equal(op(HA_LEASE_ACQUIRE, "ctl1", TTL, 0, 0, &l), 0);
        for (int i = 0; i < 100; i++)
                assert_int_equal(op(HA_LEASE_RENEW, "ctl1", TTL, 1, 0, &l), 0);
        assert_int_equal(l.gen, 101);
        assert_in_range(count_gens(), 1, 17);
}

/* Rule 7's race, for real: many processes take a released lease at the same moment, over and
 * over. Exactly one is granted each round, and the epoch rises by one per round. */
static void test_contention(void **state)
{
        enum { WORKERS = 6, ROUNDS = 40 };
        struct ha_lease l;
        uint64_t epoch = 0;

        (void)state;
        for (int round = 0; round < ROUNDS; round++) {
                int go[2], res[2], wins = 0;
                pid_t pids[WORKERS];

                assert_int_equal(pipe(go), 0);
                assert_int_equal(pipe(res), 0);
                for (int w = 0; w < WORKERS; w++) {
                        pids[w] = fork();
                        assert_true(pids[w] >= 0);
                        if (pids[w] == 0) {
                                char node[16], c, won;

                                (void)close(go[1]);
                                (void)snprintf(node, sizeof(node), "n%d", w);
                                if (read(go[0], &c, 1) != 0)
                                        _exit(2);
                                won = op(HA_LEASE_ACQUIRE, node, TTL, 0, 0, &l) == 0 ? 'y' : 'n';
                                _exit(write(res[1], &won, 1) == 1 ? 0 : 3);
                        }
                }
                (void)close(go[0]);
                (void)close(go[1]); /* all start at once */
                (void)close(res[1]);
                for (int w = 0; w < WORKERS; w++) {
                        int st;
                        char won;

                        assert_int_equal(read(res[0], &won, 1), 1);
                        wins += won == 'y';
                        assert_int_equal(waitpid(pids[w], &st, 0), pids[w]);
                        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
                }
                (void)close(res[0]);
                assert_int_equal(wins, 1);
                assert_int_equal(op(HA_LEASE_READ, "x", TTL, 0, 0, &l), 0);
                assert_int_equal(l.epoch, epoch + 1);
                epoch = l.epoch;
                assert_int_equal(op(HA_LEASE_RELEASE, l.owner, TTL, l.epoch, 0, &l), 0);
        }
}

/* Rules 2 and 3: what this node saw, on its own clock. */
static void test_seen(void **state)
{
        struct ha_lease l = {.gen = 5, .epoch = 2};
        const char *why = "";
        usec_t seen_for = 1;

        (void)state;
        strcpy(l.owner, "ctl1");
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), 0);
        assert_true(seen_for == 0);
        usleep(60000);
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), 0);
        assert_true(seen_for >= 60000 && seen_for < 10 * HA_USEC_PER_SEC);
        l.gen = 6;
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), 0);
        assert_true(seen_for < 60000);
        /* Backwards: an older generation, a lower epoch, none at all. */
        l.gen = 4;
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), -EUCLEAN);
        assert_string_equal(why, "the lease is older than one this node saw");
        l.gen = 7;
        l.epoch = 1;
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), -EUCLEAN);
        memset(&l, 0, sizeof(l));
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), -EUCLEAN);
        assert_string_equal(why, "the lease is missing, though this node saw one");
}

/* (b) of ha_lease_seen(): how long the lease has been unchanged, from the holder's own renewal
 * times, with the holder's clock minutes off this one's, across a stall in which this node
 * could not look. */
static void holder_clock(int64_t offset_s)
{
        struct ha_lease l = {.epoch = 3};
        const char *why = "";
        usec_t seen_for = 0;
        uint64_t r;

        strcpy(l.owner, "ctl2");
        r = (uint64_t)((int64_t)ha_now_realtime() + offset_s * (int64_t)HA_USEC_PER_SEC);
        l.gen = 10;
        l.renewed = r;
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), 0);
        assert_true(seen_for == 0);
        usleep(100000);
        l.gen = 11;
        l.renewed = r + 100000; /* renewed on time, seen at once */
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), 0);
        assert_true(seen_for < 100000);
        /* The storage stalls 1.5 s; generation 12 was written right after 11: once this node
         * sees it, it knows it has been the lease for about 1.4 s, less the 1 s margin. */
        usleep(1500000);
        l.gen = 12;
        l.renewed = r + 200000;
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), 0);
        assert_in_range(seen_for, 300000, 900000);
        /* The holder's clock stepped back 10 s: the samples before the step are dropped (with
         * them, generation 13 would look 10 s old), and new ones start from here. */
        l.gen = 13;
        l.renewed = r - 10 * HA_USEC_PER_SEC;
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), 0);
        assert_true(seen_for < 100000);
        usleep(1200000);
        l.gen = 14;
        l.renewed = r - 10 * HA_USEC_PER_SEC + 100000;
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), 0);
        assert_in_range(seen_for, 0, 400000); /* written ~1.1 s ago, less the margin */
}

static void test_seen_holder_ahead(void **state)
{
        (void)state;
        holder_clock(300);
}

static void test_seen_holder_behind(void **state)
{
        (void)state;
        holder_clock(-300);
}

/* A renewal time written far in the future is never believed: only (a) counts. */
static void test_seen_future(void **state)
{
        struct ha_lease l = {.epoch = 1, .gen = 1, .renewed = UINT64_MAX};
        const char *why = "";
        usec_t seen_for = 0;

        (void)state;
        strcpy(l.owner, "ctl1");
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), 0);
        assert_true(seen_for == 0);
        usleep(50000);
        assert_int_equal(ha_lease_seen(state_dir, &l, &seen_for, &why), 0);
        assert_in_range(seen_for, 50000, 5 * HA_USEC_PER_SEC);
}

static void test_epoch_record(void **state)
{
        (void)state;
        assert_true(ha_lease_epoch_get(state_dir) == 0);
        assert_int_equal(ha_lease_epoch_set(state_dir, 42), 0);
        assert_true(ha_lease_epoch_get(state_dir) == 42);
        assert_int_equal(ha_lease_epoch_set(state_dir, 0), 0);
        assert_true(ha_lease_epoch_get(state_dir) == 0);
}

static int setup(void **state)
{
        (void)state;
        if (!mkdtemp(dir))
                return -1;
        (void)snprintf(path, sizeof(path), "%s/ha-slurm.lease", dir);
        (void)snprintf(state_dir, sizeof(state_dir), "%s/state", dir);
        return mkdir(state_dir, 0700);
}

/* Every test starts with no lease and no record. */
static int reset(void **state)
{
        char cmd[700];

        (void)state;
        (void)snprintf(cmd, sizeof(cmd), "rm -f '%s'.* '%s'/*", path, state_dir);
        return system(cmd) == 0 ? 0 : -1;
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
                cmocka_unit_test_setup(test_claim_fresh, reset),
                cmocka_unit_test_setup(test_expiry_by_generation, reset),
                cmocka_unit_test_setup(test_stale_writer, reset),
                cmocka_unit_test_setup(test_leftover_lock, reset),
                cmocka_unit_test_setup(test_collect, reset),
                cmocka_unit_test_setup(test_contention, reset),
                cmocka_unit_test_setup(test_seen, reset),
                cmocka_unit_test_setup(test_seen_holder_ahead, reset),
                cmocka_unit_test_setup(test_seen_holder_behind, reset),
                cmocka_unit_test_setup(test_seen_future, reset),
                cmocka_unit_test_setup(test_epoch_record, reset),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
