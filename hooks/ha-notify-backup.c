/* ha-notify-backup: keepalived's notify_backup: this node became VRRP BACKUP, so the VIP should not
 * be here. Procedure: take the hook lock; check that the VIP really is gone; stop the follower
 * services; stop slurmctld (SIGTERM saves its state; SIGKILL after [notify] stop_timeout) so
 * that it cannot take control back; release the lease. If the VIP is here by then (a later
 * MASTER event won the race), promote instead.
 *
 * The steps are in common/hook.c (ha_hook_main) and common/reconcile.c; the exit status is
 * 0 done, 1 refused or failed, 2 usage or configuration error, 3 system error.
 */
#include "common/hook.h"

int main(int argc, char **argv)
{
        return ha_hook_main(argc, argv, "ha-notify-backup", HA_HINT_BACKUP);
}
