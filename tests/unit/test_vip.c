/* test_vip.c: the VIP read from the interfaces and removed (the self-fence), in a network
 * namespace of this test's own (unshare(2): needs root, as the whole test run does). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/vip.h"

static int in_own_netns(void **state)
{
        (void)state;
        if (geteuid() != 0) {
                fprintf(stderr, "unit.vip needs root (a network namespace of its own)\n");
                return -1;
        }
        if (unshare(CLONE_NEWNET) < 0)
                return -1;
        /* lo is down in a new namespace; the addresses are set up with ip(8). */
        return system("ip link set lo up && ip addr add 10.99.7.1/24 dev lo && "
                      "ip addr add 10.99.7.100/24 dev lo label lo:vip && "
                      "ip addr add fd00:99:7::100/64 dev lo") == 0
                       ? 0
                       : -1;
}

static bool held(const char *address, const char *ifname)
{
        bool here = false;

        assert_int_equal(ha_vip_held(address, ifname, &here), 0);
        return here;
}

static void test_drop(void **state)
{
        (void)state;
        assert_true(held("10.99.7.100", "lo"));
        assert_true(held("10.99.7.100", NULL));
        assert_false(held("10.99.7.100", "eth9"));
        /* On another interface than the one named: not touched. */
        assert_int_equal(ha_vip_drop("10.99.7.100", "eth9", ha_deadline_in(HA_USEC_PER_SEC)), 0);
        assert_true(held("10.99.7.100", "lo"));
        /* Its label (keepalived's "lo:vip") names the same interface. */
        assert_int_equal(ha_vip_drop("10.99.7.100", "lo", ha_deadline_in(HA_USEC_PER_SEC)), 0);
        assert_false(held("10.99.7.100", NULL));
        assert_true(held("10.99.7.1", "lo")); /* the interface's own address stays */
        /* Not here (any more): nothing to do. */
        assert_int_equal(ha_vip_drop("10.99.7.100", NULL, ha_deadline_in(HA_USEC_PER_SEC)), 0);
        assert_true(held("fd00:99:7::100", NULL));
        assert_int_equal(ha_vip_drop("fd00:99:7::100", NULL, ha_deadline_in(HA_USEC_PER_SEC)), 0);
        assert_false(held("fd00:99:7::100", NULL));
        assert_int_equal(ha_vip_drop("not-an-address", NULL, ha_deadline_in(HA_USEC_PER_SEC)),
                         -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_drop),
        };

        return cmocka_run_group_tests(tests, in_own_netns, NULL);
}
