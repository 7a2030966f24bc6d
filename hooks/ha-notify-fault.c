/* ha-notify-fault: keepalived's notify_fault: this node went to VRRP FAULT (its check failed, or an
 * interface). Procedure: as ha-notify-backup (followers stopped, slurmctld stopped, lease
 * released), then an alert: a LOG_CRIT journal entry and the optional [notify] alert_command, run
 * with a deadline and a clean environment (HA_NODE, HA_STATE).
 *
 * The steps are in common/hook.c (ha_hook_main) and common/reconcile.c; the exit status is
 * 0 done, 1 refused or failed, 2 usage or configuration error, 3 system error.
 */
#include "common/hook.h"

int main(int argc, char **argv)
{
        return ha_hook_main(argc, argv, "ha-notify-fault", HA_HINT_FAULT);
}
