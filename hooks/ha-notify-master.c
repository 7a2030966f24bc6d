/* ha-notify-master: keepalived's notify_master: this node became VRRP MASTER, so the VIP should be
 * here. Procedure: take the hook lock; check that the VIP really is here; check MUNGE and the
 * shared state folder; take the lease (waiting for a dead master's lease to expire, at most [lease]
 * wait); start slurmctld (systemd unit, or directly with umask 022 and a clean environment);
 * if it is in standby, ask it to take over; wait until it says it is in control; start the
 * follower services. If the VIP is gone by then, demote instead.
 *
 * The steps are in common/hook.c (ha_hook_main) and common/reconcile.c; the exit status is
 * 0 done, 1 refused or failed, 2 usage or configuration error, 3 system error.
 */
#include "common/hook.h"

int main(int argc, char **argv)
{
        return ha_hook_main(argc, argv, "ha-notify-master", HA_HINT_MASTER);
}
