/* sd.c: libsystemd through dlopen(). */
#include "common/sd.h"

#include <dlfcn.h>
#include <stddef.h>
#include <unistd.h>

static struct ha_sd table;
static const char *load_error;
static int loaded; /* 0 not tried, 1 loaded, -1 failed */

/* Each entry: the symbol, and where its address goes in the table. */
static const struct {
        const char *name;
        size_t offset;
} symbols[] = {
#define SYM(field, name)                                                                           \
        {                                                                                          \
                name, offsetof(struct ha_sd, field)                                                \
        }
        SYM(journal_sendv, "sd_journal_sendv"),
        SYM(bus_new, "sd_bus_new"),
        SYM(bus_set_address, "sd_bus_set_address"),
        SYM(bus_start, "sd_bus_start"),
        SYM(bus_open_system, "sd_bus_open_system"),
        SYM(bus_unref, "sd_bus_unref"),
        SYM(bus_flush_close_unref, "sd_bus_flush_close_unref"),
        SYM(bus_message_new_method_call, "sd_bus_message_new_method_call"),
        SYM(bus_message_appendv, "sd_bus_message_appendv"),
        SYM(bus_message_read, "sd_bus_message_read"),
        SYM(bus_message_unref, "sd_bus_message_unref"),
        SYM(bus_call, "sd_bus_call"),
        SYM(bus_match_signal, "sd_bus_match_signal"),
        SYM(bus_process, "sd_bus_process"),
        SYM(bus_wait, "sd_bus_wait"),
        SYM(bus_error_free, "sd_bus_error_free"),
        SYM(bus_error_has_name, "sd_bus_error_has_name"),
#undef SYM
};

const struct ha_sd *ha_sd(const char **ret_reason)
{
        void *lib;

        if (loaded == 0) {
                loaded = -1;
                lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
                if (!lib) {
                        load_error = dlerror();
                } else {
                        loaded = 1;
                        for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
                                void *f = dlsym(lib, symbols[i].name);

                                if (!f) {
                                        load_error = dlerror();
                                        loaded = -1;
                                        break;
                                }
                                /* POSIX: a data pointer from dlsym() converts to a function. */
                                *(void **)((char *)&table + symbols[i].offset) = f;
                        }
                }
        }
        if (loaded < 0) {
                if (ret_reason)
                        *ret_reason = load_error ? load_error : "failed to load libsystemd.so.0";
                return NULL;
        }
        return &table;
}

bool ha_sd_booted(void)
{
        return access("/run/systemd/system/", F_OK) >= 0;
}
