/* log.h: one structured event per decision, to journald and to stderr.
 *
 * Library modules do not log: they return -errno and, where useful, a reason string. The
 * programs log once, where a decision is made. Under keepalived the journal is what people read
 * at 3 a.m., so every decision carries a fixed MESSAGE_ID (see the catalog) and its reason in
 * fields of its own; stderr is for a person running a program by hand.
 */
#pragma once

#include <stdarg.h>
#include <syslog.h>

/* MESSAGE_IDs, one per kind of decision; `journalctl MESSAGE_ID=...` finds each. Each has an
 * entry in catalog/ha-slurm.catalog (tests/unit/ecosystem/catalog.sh checks both ways); never
 * renumber one, since admins' journal queries and alerts name them. */
#define HA_MID_CONFIG     "305a86bdf4f74fceb5f27645e2941103" /* configuration refused */
#define HA_MID_CHECK      "36d0fcfab8224567b2c2ec19bab51bb5" /* health verdict changed */
#define HA_MID_PROMOTE    "f56a3633e13f4919b2bb290a36138c01" /* promotion step or result */
#define HA_MID_DEMOTE     "01ce9666cf444274b88d26a262d55073" /* demotion step or result */
#define HA_MID_REFUSED    "946d3dd1487f497e99bf4b914301f9b7" /* an action refused, and why */
#define HA_MID_FAULT      "637c990c59c94724b74a58552175db9e" /* this node entered FAULT */
#define HA_MID_SPLITBRAIN "64ff8eb607024673bf28894358bb09fa" /* two controllers in control */
#define HA_MID_STORAGE    "b9c55308314943a5a68bf3796b90c2f0" /* shared storage hung */
#define HA_MID_SYSTEM     "3bcdadbd7d70453ea65e718669e4d7f2" /* a system call failed */
#define HA_MID_UNSAFE     "096647fa78f045e8af78f6ca1b53416a" /* a file or folder refused as unsafe */

enum {
        HA_LOG_STDERR = 1 << 0,  /* one line per event on stderr */
        HA_LOG_JOURNAL = 1 << 1, /* one structured entry per event in the journal */
};

/* Sets the program name used as SYSLOG_IDENTIFIER and stderr prefix, where events go, and the
 * least urgent priority still written to stderr (LOG_INFO prints info and above). */
void ha_log_open(const char *program, unsigned flags, int stderr_max_priority);

/* The program name given to ha_log_open(), "ha-slurm" before. */
const char *ha_log_program(void);

/* Logs one event. `message_id` may be NULL; `fields` is NULL or a NULL-terminated list of
 * "KEY=value" journal fields (keys upper case, for example "HA_REASON=storage hung"), sent to the
 * journal only. A journal that cannot be reached is not an error: stderr still has the line. */
void ha_log_event(int priority, const char *message_id, const char *const *fields, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));

/* The same, with a va_list. */
void ha_log_eventv(int priority, const char *message_id, const char *const *fields, const char *fmt,
                   va_list ap) __attribute__((format(printf, 4, 0)));

/* Logs the refusal of an unsafe file or folder: "refused PATH: REASON", one line, with
 * HA_PATH and HA_REASON fields; the same refusal right again is not logged twice. Fits
 * ha_fs_set_refusal_handler(). */
void ha_log_refusal(const char *path, const char *reason);

/* Logs that the shared state folder `path` did not answer a probe within `ms`, whose process
 * is left to finish and recorded (child.h), as HA_MID_STORAGE with HA_PATH and HA_PROBE fields.
 * Called once per such process: by the run whose probe got stuck, not by the later runs that
 * find it still stuck. */
void ha_log_storage_hung(const char *path, double ms);

#define ha_log(priority, ...) ha_log_event(priority, NULL, NULL, __VA_ARGS__)
