/* vip.h: does this host hold the virtual IP now?
 *
 * Read from the interfaces (getifaddrs(3), a netlink dump: it cannot hang on a network or a
 * file system), never assumed from the last keepalived event: notify scripts run late and out
 * of order, the interfaces say what is true.
 */
#pragma once

#include <stdbool.h>

#include "common/clock.h"

/* Sets *ret to whether the numeric IPv4 or IPv6 `address` is configured on an interface of
 * this network namespace (on `ifname` only, if not NULL). Returns 0, or -EINVAL for an address
 * that is not numeric, or -errno from getifaddrs(). */
int ha_vip_held(const char *address, const char *ifname, bool *ret);

/* Removes `address` from this network namespace's interface that has it (on `ifname` only, if
 * not NULL), as keepalived does when it leaves MASTER: for the self-fence, when keepalived may
 * be gone (guard.h). An address that is not here is not an error. Returns 0 or -errno (a
 * netlink request with its answer bounded by `deadline`: -ETIMEDOUT). */
int ha_vip_drop(const char *address, const char *ifname, usec_t deadline);
