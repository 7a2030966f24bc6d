/* sd.h: libsystemd, loaded on first use.
 *
 * Linking libsystemd makes every start of a program load it and its libraries (libgcrypt,
 * liblzma, libzstd, liblz4, libcap): about 5 ms of CPU here, a third of a health check that
 * keepalived runs every second on every controller. Most runs need none of it: the journal is
 * written only when a verdict changes, sd-bus only where systemd runs. So libsystemd.so.0 is
 * opened with dlopen() the first time it is needed, as systemd itself does with its optional
 * libraries. The types come from its headers; only the functions are looked up.
 */
#pragma once

#include <stdbool.h>
#include <sys/uio.h>
#include <systemd/sd-bus.h>

struct ha_sd {
        int (*journal_sendv)(const struct iovec *iov, int n);
        int (*bus_new)(sd_bus **ret);
        int (*bus_set_address)(sd_bus *bus, const char *address);
        int (*bus_start)(sd_bus *bus);
        int (*bus_open_system)(sd_bus **ret);
        sd_bus *(*bus_unref)(sd_bus *bus);
        sd_bus *(*bus_flush_close_unref)(sd_bus *bus);
        int (*bus_message_new_method_call)(sd_bus *bus, sd_bus_message **m, const char *destination,
                                           const char *path, const char *interface,
                                           const char *member);
        int (*bus_message_appendv)(sd_bus_message *m, const char *types, va_list ap);
        int (*bus_message_read)(sd_bus_message *m, const char *types, ...);
        sd_bus_message *(*bus_message_unref)(sd_bus_message *m);
        int (*bus_call)(sd_bus *bus, sd_bus_message *m, uint64_t usec, sd_bus_error *ret_error,
                        sd_bus_message **reply);
        int (*bus_match_signal)(sd_bus *bus, sd_bus_slot **ret, const char *sender,
                                const char *path, const char *interface, const char *member,
                                sd_bus_message_handler_t callback, void *userdata);
        int (*bus_process)(sd_bus *bus, sd_bus_message **r);
        int (*bus_wait)(sd_bus *bus, uint64_t timeout_usec);
        void (*bus_error_free)(sd_bus_error *e);
        int (*bus_error_has_name)(const sd_bus_error *e, const char *name);
};

/* The functions of libsystemd, loaded on the first call. Returns NULL if it cannot be loaded
 * (then *ret_reason, if not NULL, says why, from dlerror()). */
const struct ha_sd *ha_sd(const char **ret_reason);

/* Whether systemd runs as the init system: exactly sd_booted(3)'s test, without loading
 * libsystemd. */
bool ha_sd_booted(void);
