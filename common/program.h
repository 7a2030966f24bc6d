/* program.h: what every program shares: the meaning of its exit status, and the first steps of
 * ha-check-slurmctld and the notify hooks, which log what they find (CONTRIBUTING.md). */
#pragma once

#include <stdio.h>

struct ha_cfg;

/* Exit status, one meaning in every program (and in every man page's EXIT STATUS). */
enum {
        HA_EXIT_OK = 0,      /* healthy, or done */
        HA_EXIT_REFUSED = 1, /* unhealthy, or the action was refused or failed */
        HA_EXIT_CONFIG = 2,  /* usage or configuration error: the command line or a file it names */
        HA_EXIT_SYSTEM = 3,  /* system error: the program itself could not run */
};

/* Loads the configuration `path` (ha_cfg_load()) into *ret. Returns HA_EXIT_OK, or logs
 * "Failed to load 'PATH': REASON" and returns HA_EXIT_CONFIG (HA_EXIT_SYSTEM: out of memory). */
int ha_program_load_cfg(const char *path, struct ha_cfg **ret);

/* Checks (and creates or repairs) the state folder `path` (ha_fs_state_dir()), logging a
 * refusal, a failure or a repair. Returns HA_EXIT_OK or HA_EXIT_SYSTEM. */
int ha_program_state_dir(const char *path);

/* The options every program answers the same way, from its getopt loop's default case: -h
 * prints `usage` to stdout (HA_EXIT_OK), -V prints "PROGRAM (PACKAGE) VERSION" (HA_EXIT_OK),
 * anything else prints `usage` to stderr (HA_EXIT_CONFIG). Returns that exit status. */
int ha_program_option(int opt, const char *program, void (*usage)(FILE *f));
