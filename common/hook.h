/* hook.h: the procedure every notify hook follows (ha-notify-master, -backup, -fault).
 *
 *   1. parse arguments: none (notify_master), or keepalived's generic notify form
 *      "INSTANCE|GROUP NAME STATE PRIORITY", whose STATE then becomes the hint
 *   2. load the configuration (strict; refused files are not read)
 *   3. take the hook lock (one hook at a time on this host), with a deadline
 *   4. observe this host (who holds the VIP, slurmctld, MUNGE, storage)
 *   5. reconcile: promote if the VIP is here, demote if not; the event is only a hint
 *   6. log every step (journal: one entry per step decision, with its time)
 *   7. write the node_exporter metrics, if configured (metrics.h: never changing the result),
 *      and exit
 *
 * Exit status: 0 the host reached its target state (or a dry run planned it), 1 refused (a
 * precondition failed) or failed, 2 usage or configuration error, 3 system error.
 */
#pragma once

#include "common/reconcile.h"

/* Runs a hook. `program` names it in logs; `hint` is the event it is installed for. */
int ha_hook_main(int argc, char **argv, const char *program, enum ha_hint hint);
