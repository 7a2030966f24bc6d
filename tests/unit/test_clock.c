/* test_clock.c: deadline arithmetic. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/clock.h"

static void test_infinity(void **state)
{
        (void)state;
        assert_true(ha_deadline_in(HA_USEC_INFINITY) == HA_USEC_INFINITY);
        assert_true(ha_deadline_left(HA_USEC_INFINITY) == HA_USEC_INFINITY);
        assert_int_equal(ha_deadline_poll_ms(HA_USEC_INFINITY), -1);
        assert_false(ha_deadline_passed(HA_USEC_INFINITY));
        assert_true(ha_deadline_in(HA_USEC_INFINITY - 1) == HA_USEC_INFINITY);
}

static void test_passed(void **state)
{
        usec_t past = ha_now() - 1;

        (void)state;
        assert_true(ha_deadline_passed(past));
        assert_int_equal(ha_deadline_left(past), 0);
        assert_int_equal(ha_deadline_poll_ms(past), 0);
}

/* poll() timeouts round up: a poll never returns before its deadline. */
static void test_poll_rounds_up(void **state)
{
        usec_t d = ha_now() + 1500;
        int ms = ha_deadline_poll_ms(d);

        (void)state;
        assert_true(ms == 2 || ms == 1); /* 1 only if more than 500 us passed in between */
        assert_true(ha_deadline_min(5, 7) == 5);
        assert_true(ha_msec_between(1000, 3500) == 2.5);
        assert_true(ha_msec_between(3500, 1000) == 0.0);
}

static void test_sleep_bounded(void **state)
{
        usec_t start = ha_now();

        (void)state;
        assert_int_equal(ha_sleep_until(start + 2000, HA_USEC_PER_SEC), 0);
        assert_true(ha_now() - start >= 2000);
        assert_true(ha_now() - start < HA_USEC_PER_SEC);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_infinity),
                cmocka_unit_test(test_passed),
                cmocka_unit_test(test_poll_rounds_up),
                cmocka_unit_test(test_sleep_bounded),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
