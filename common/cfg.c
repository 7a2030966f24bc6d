/* cfg.c: strict INI configuration through libinih. */
#include "common/cfg.h"
#include "common/fsutil.h"
#include "common/reason.h"
#include "common/svc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum kind {
        KIND_PATH,      /* an absolute path */
        KIND_ADDRESS,   /* a numeric IPv4 or IPv6 address: no name look-up in a health check */
        KIND_PORT,      /* 1..65535 */
        KIND_USER,      /* a user name or a numeric uid */
        KIND_PROTOCOL,  /* "auto" or a Slurm release */
        KIND_DURATION,  /* "500ms", "2s" */
        KIND_NAME,      /* a host, unit or interface name: letters, digits, "-_.:@" */
        KIND_MANAGER,   /* "auto", "systemd" or "direct" */
        KIND_COMMAND,   /* an absolute path and arguments, split on spaces */
        KIND_NAMES,     /* names separated by spaces */
        KIND_ADDRESSES, /* numeric addresses separated by spaces */
        KIND_BOOL,      /* "yes" or "no" */
        KIND_FENCING,   /* "power" or "wait" */
};

struct key {
        const char *section;
        const char *name;
        enum kind kind;
        size_t offset;
        const char *default_value; /* NULL: optional and unset, unless required */
        bool required;
};

#define F(field) offsetof(struct ha_cfg, field)

/* Every key the programs know, with its default. Keep in step with ha-slurm.conf(5). */
static const struct key keys[] = {
        {"slurm", "controller", KIND_ADDRESS, F(slurm.controller), "127.0.0.1", false},
        {"slurm", "port", KIND_PORT, F(slurm.port), "6817", false},
        {"slurm", "user", KIND_USER, F(slurm.uid), "slurm", false},
        {"slurm", "protocol", KIND_PROTOCOL, F(slurm.protocol), "auto", false},
        {"slurm", "munge_socket", KIND_PATH, F(slurm.munge_socket), "/run/munge/munge.socket.2",
         false},
        {"slurm", "rpc_timeout", KIND_DURATION, F(slurm.rpc_timeout), "1s", false},
        {"slurm", "conf", KIND_PATH, F(slurm.conf), "/etc/slurm/slurm.conf", false},
        {"slurm", "unit", KIND_NAME, F(slurm.unit), "ha-slurmctld.service", false},
        {"slurm", "pid_file", KIND_PATH, F(slurm.pid_file), "/run/slurmctld.pid", false},
        {"slurm", "command", KIND_COMMAND, F(slurm.command), "/usr/sbin/slurmctld", false},
        {"slurm", "peers", KIND_ADDRESSES, F(slurm.peers), NULL, false},
        {"ha", "state_dir", KIND_PATH, F(ha.state_dir), "/run/ha-slurm", false},
        {"ha", "node", KIND_NAME, F(ha.node), NULL, false},
        {"ha", "service_manager", KIND_MANAGER, F(ha.service_manager), "auto", false},
        {"vip", "address", KIND_ADDRESS, F(vip.address), NULL, true},
        {"vip", "interface", KIND_NAME, F(vip.interface), NULL, false},
        {"storage", "path", KIND_PATH, F(storage.path), NULL, true},
        {"storage", "fstype", KIND_NAME, F(storage.fstype), NULL, false},
        {"storage", "mount_point", KIND_PATH, F(storage.mount_point), NULL, false},
        {"storage", "timeout", KIND_DURATION, F(storage.timeout), "1s", false},
        {"storage", "grace", KIND_DURATION, F(storage.grace), "10s", false},
        {"check", "deadline", KIND_DURATION, F(check.deadline), "3s", false},
        {"check", "promotion_grace", KIND_DURATION, F(check.promotion_grace), "30s", false},
        {"check", "dbd_port", KIND_PORT, F(check.dbd_port), NULL, false},
        {"check", "require_dbd", KIND_BOOL, F(check.require_dbd), "no", false},
        {"lease", "path", KIND_PATH, F(lease.path), NULL, false},
        {"lease", "ttl", KIND_DURATION, F(lease.ttl), "6s", false},
        {"lease", "wait", KIND_DURATION, F(lease.wait), "8s", false},
        {"notify", "deadline", KIND_DURATION, F(notify.deadline), "25s", false},
        {"notify", "stop_timeout", KIND_DURATION, F(notify.stop_timeout), "10s", false},
        {"notify", "followers", KIND_NAMES, F(notify.followers), NULL, false},
        {"notify", "before_slurmctld", KIND_NAMES, F(notify.before_ctld), NULL, false},
        {"notify", "alert_command", KIND_COMMAND, F(notify.alert_command), NULL, false},
        {"notify", "alert_timeout", KIND_DURATION, F(notify.alert_timeout), "5s", false},
        {"fence", "method", KIND_FENCING, F(fence.method), NULL, false},
        {"fence", "after", KIND_DURATION, F(fence.after), "3s", false},
        {"fence", "timeout", KIND_DURATION, F(fence.timeout), "15s", false},
        {"metrics", "textfile", KIND_PATH, F(metrics.textfile), NULL, false},
        {"metrics", "timeout", KIND_DURATION, F(metrics.timeout), "500ms", false},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Slurm releases and their wire protocol numbers (major << 8 is the header value). */
static const struct {
        const char *release;
        uint16_t major;
} releases[] = {
        {"22.05", 38}, {"23.02", 39}, {"23.11", 40}, {"24.05", 41},
        {"24.11", 42}, {"25.05", 43}, {"25.11", 44}, {"26.05", 45},
};

/* The index of a key in the table (it must be there). */
static size_t key_index(const char *section, const char *name)
{
        size_t i;

        for (i = 0; i < N_KEYS - 1; i++)
                if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
                        break;
        return i;
}

struct parser {
        struct ha_cfg *cfg;
        const char *path;
        FILE *file;
        unsigned line;         /* the line the reader handed to inih last */
        bool line_too_long;    /* the reader cut a line: inih would read the rest as a new one */
        bool section_unknown;  /* the current section was reported as unknown */
        unsigned section_line; /* the current section's line */
        unsigned seen[N_KEYS]; /* line where each key was set, 0 if not */
        char *errors;          /* newline-separated messages */
        size_t n_errors;
};

static void add_error(struct parser *p, unsigned line, const char *section, const char *name,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_error(struct parser *p, unsigned line, const char *section, const char *name,
                      const char *fmt, ...)
{
        char what[512], where[128] = "", *joined;
        size_t n = 0;
        va_list ap;
        int r;

        va_start(ap, fmt);
        (void)vsnprintf(what, sizeof(what), fmt, ap);
        va_end(ap);
        /* "FILE:LINE: [section] key: what", each part only where known. */
        if (section)
                n += (size_t)snprintf(where + n, sizeof(where) - n, " [%s]", section);
        if (name && n < sizeof(where))
                (void)snprintf(where + n, sizeof(where) - n, " %s", name);
        if (line > 0)
                r = asprintf(&joined, "%s%s%s:%u:%s%s %s", p->errors ? p->errors : "",
                             p->errors ? "\n" : "", p->path, line, where, *where ? ":" : "", what);
        else
                r = asprintf(&joined, "%s%s%s:%s%s %s", p->errors ? p->errors : "",
                             p->errors ? "\n" : "", p->path, where, *where ? ":" : "", what);
        if (r < 0)
                return;
        free(p->errors);
        p->errors = joined;
        p->n_errors++;
}

bool ha_cfg_name_in(char *const *names, const char *name)
{
        for (size_t i = 0; names && names[i]; i++)
                if (strcmp(names[i], name) == 0)
                        return true;
        return false;
}

int ha_parse_duration(const char *s, usec_t *ret)
{
        char *end;
        double v;
        double scale;
        size_t n;

        if (!s || !*s)
                return -EINVAL;
        /* Digits and one dot only: strtod() would also take "nan", "inf" and hex floats. */
        n = strspn(s, "0123456789.");
        if (n == 0 || memchr(s, '.', n) != memrchr(s, '.', n) || s[0] == '.')
                return -EINVAL;
        errno = 0;
        v = strtod(s, &end);
        if (errno != 0 || end != s + n || !(v >= 0.0))
                return -EINVAL;
        if (strcmp(end, "ms") == 0)
                scale = 1e3;
        else if (strcmp(end, "s") == 0)
                scale = 1e6;
        else
                return -EINVAL;
        if (!(v * scale <= 3600e6)) /* an hour is already absurd for a health check */
                return -ERANGE;
        *ret = (usec_t)(v * scale + 0.5);
        return 0;
}

int ha_parse_protocol(const char *s, uint16_t *ret)
{
        char *end;
        unsigned long v;

        if (strcmp(s, "auto") == 0) {
                *ret = 0;
                return 0;
        }
        for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++)
                if (strcmp(s, releases[i].release) == 0) {
                        *ret = (uint16_t)(releases[i].major << 8);
                        return 0;
                }
        errno = 0;
        v = strtoul(s, &end, 10);
        if (errno != 0 || *end || end == s)
                return -EINVAL;
        if (v >= 256)
                v >>= 8;
        for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++)
                if (v == releases[i].major) {
                        *ret = (uint16_t)(v << 8);
                        return 0;
                }
        return -EINVAL;
}

const char *ha_protocol_release(uint16_t version)
{
        for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++)
                if (version >> 8 == releases[i].major)
                        return releases[i].release;
        return NULL;
}

/* Splits a command line on blanks (no quoting: keep commands simple) into a NULL-terminated
 * array. */
static char **split_words(const char *value)
{
        char *copy = strdup(value), *save = NULL, *w;
        char **argv = NULL;
        size_t n = 0;

        if (!copy)
                return NULL;
        for (w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                char **grown = realloc(argv, (n + 2) * sizeof(*argv));

                if (!grown || !(grown[n] = strdup(w))) {
                        argv = grown ? grown : argv;
                        if (argv)
                                argv[n] = NULL;
                        while (argv && n > 0)
                                free(argv[--n]);
                        free(argv);
                        free(copy);
                        return NULL;
                }
                argv = grown;
                argv[++n] = NULL;
        }
        free(copy);
        return argv;
}

static void free_words(char **argv)
{
        for (size_t i = 0; argv && argv[i]; i++)
                free(argv[i]);
        free(argv);
}

/* Parses `value` for key `k` into the configuration. Returns NULL or what is wrong. */
static const char *set_value(struct ha_cfg *cfg, const struct key *k, const char *value)
{
        void *field = (char *)cfg + k->offset;
        char *end;
        unsigned long n;

        switch (k->kind) {
        case KIND_NAME:
                if (strlen(value) > 255 ||
                    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789-_.:@") != strlen(value))
                        return "expected a name of letters, digits and \"-_.:@\"";
                /* fall through */
        case KIND_PATH:
        case KIND_ADDRESS: {
                char *copy;

                if (k->kind == KIND_PATH && value[0] != '/')
                        return "expected an absolute path";
                if (k->kind == KIND_ADDRESS) {
                        unsigned char buf[sizeof(struct in6_addr)];

                        if (inet_pton(AF_INET, value, buf) != 1 &&
                            inet_pton(AF_INET6, value, buf) != 1)
                                return "expected a numeric IPv4 or IPv6 address (no host names: "
                                       "a health check must not wait for DNS)";
                }
                copy = strdup(value);
                if (!copy)
                        return "out of memory";
                free(*(char **)field);
                *(char **)field = copy;
                return NULL;
        }
        case KIND_PORT:
                errno = 0;
                n = strtoul(value, &end, 10);
                if (errno || *end || end == value || n < 1 || n > 65535)
                        return "expected a port number from 1 to 65535";
                *(uint16_t *)field = (uint16_t)n;
                return NULL;
        case KIND_USER: {
                struct passwd *pw;

                errno = 0;
                n = strtoul(value, &end, 10);
                if (!errno && !*end && end != value && n < UINT32_MAX) {
                        *(uid_t *)field = (uid_t)n;
                        return NULL;
                }
                pw = getpwnam(value);
                if (!pw)
                        return "no such user (give the SlurmUser's name or numeric uid)";
                *(uid_t *)field = pw->pw_uid;
                return NULL;
        }
        case KIND_PROTOCOL:
                if (ha_parse_protocol(value, (uint16_t *)field) < 0)
                        return "expected \"auto\" or a Slurm release from 22.05 to 26.05";
                return NULL;
        case KIND_DURATION:
                if (ha_parse_duration(value, (usec_t *)field) < 0 || *(usec_t *)field == 0)
                        return "expected a duration such as 500ms or 2s, at most an hour";
                return NULL;
        case KIND_MANAGER:
                if (strcmp(value, "auto") == 0)
                        *(int *)field = HA_SVC_AUTO;
                else if (strcmp(value, "systemd") == 0)
                        *(int *)field = HA_SVC_SYSTEMD;
                else if (strcmp(value, "direct") == 0)
                        *(int *)field = HA_SVC_DIRECT;
                else
                        return "expected \"auto\", \"systemd\" or \"direct\"";
                return NULL;
        case KIND_FENCING:
                if (strcmp(value, "power") == 0)
                        *(int *)field = HA_FENCING_POWER;
                else if (strcmp(value, "wait") == 0)
                        *(int *)field = HA_FENCING_WAIT;
                else
                        return "expected \"power\" or \"wait\"";
                return NULL;
        case KIND_BOOL:
                if (strcmp(value, "yes") == 0)
                        *(bool *)field = true;
                else if (strcmp(value, "no") == 0)
                        *(bool *)field = false;
                else
                        return "expected \"yes\" or \"no\"";
                return NULL;
        case KIND_NAMES:
        case KIND_ADDRESSES:
        case KIND_COMMAND: {
                char **argv;

                if (k->kind == KIND_COMMAND && value[0] != '/')
                        return "expected a command starting with an absolute path";
                if (k->kind == KIND_NAMES &&
                    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                  "0123456789-_.:@ \t") != strlen(value))
                        return "expected names of letters, digits and \"-_.:@\", "
                               "separated by spaces";
                argv = split_words(value);
                if (!argv)
                        return "out of memory";
                for (size_t i = 0; k->kind == KIND_ADDRESSES && argv[i]; i++) {
                        unsigned char buf[sizeof(struct in6_addr)];

                        if (inet_pton(AF_INET, argv[i], buf) != 1 &&
                            inet_pton(AF_INET6, argv[i], buf) != 1) {
                                free_words(argv);
                                return "expected numeric IPv4 or IPv6 addresses separated by "
                                       "spaces (no host names: a hook must not wait for DNS)";
                        }
                }
                free_words(*(char ***)field);
                *(char ***)field = argv;
                return NULL;
        }
        }
        return "unknown kind of key";
}

static const char name_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                 "0123456789-_.:@";

/* The length of "fence " when `name` (`len` bytes) is a "[fence NODE]" section, else 0. */
static size_t fence_node_section(const char *name, size_t len)
{
        const size_t n = strlen("fence ");
        size_t i;

        if (len <= n || strncmp(name, "fence ", n) != 0 || len - n > 255)
                return 0;
        for (i = n; i < len && name[i] && strchr(name_chars, name[i]); i++)
                ;
        return i == len ? n : 0;
}

static bool section_known(const char *name, size_t len)
{
        if (fence_node_section(name, len))
                return true;
        for (size_t i = 0; i < N_KEYS; i++)
                if (strlen(keys[i].section) == len && strncmp(keys[i].section, name, len) == 0)
                        return true;
        return false;
}

/* Reports an unknown "[section]" at its own line, even when no key follows it. */
static void check_section_line(struct parser *p, const char *line)
{
        const char *end;

        line += strspn(line, " \t");
        if (*line != '[')
                return;
        end = strchr(line, ']');
        if (!end)
                return; /* inih reports the syntax error */
        line++;
        p->section_line = p->line;
        p->section_unknown = !section_known(line, (size_t)(end - line));
        if (p->section_unknown)
                add_error(p, p->line, NULL, NULL, "[%.*s]: unknown section", (int)(end - line),
                          line);
}

/* A reader for ini_parse_stream() that counts lines, since the distribution's libinih does not
 * pass line numbers to the handler, and notices lines cut at inih's buffer size. */
static char *reader(char *str, int num, void *stream)
{
        struct parser *p = stream;
        char *r = fgets(str, num, p->file);
        size_t len;

        if (!r)
                return NULL;
        p->line++;
        len = strlen(r);
        if (len > 0 && r[len - 1] != '\n' && !feof(p->file)) {
                int c;

                p->line_too_long = true;
                add_error(p, p->line, NULL, NULL, "line longer than %d characters", num - 2);
                /* Skip the rest of the line so it is not read as a line of its own. */
                while ((c = fgetc(p->file)) != EOF && c != '\n')
                        ;
                r[0] = '\0';
        }
        check_section_line(p, r);
        return r;
}

/* A key of a "[fence NODE]" section. */
static void fence_node_key(struct parser *p, const char *section, const char *node,
                           const char *name, const char *value)
{
        struct ha_cfg *cfg = p->cfg;
        struct ha_cfg_fence_node *f = NULL;
        unsigned *line;
        char **field;
        size_t i;

        for (i = 0; i < cfg->fence.n_nodes; i++)
                if (strcmp(cfg->fence.node[i].node, node) == 0)
                        f = &cfg->fence.node[i];
        if (!f) {
                if (cfg->fence.n_nodes == HA_CFG_FENCE_MAX) {
                        add_error(p, p->line, section, NULL, "more than %d [fence NODE] sections",
                                  HA_CFG_FENCE_MAX);
                        return;
                }
                f = &cfg->fence.node[cfg->fence.n_nodes];
                f->node = strdup(node);
                if (!f->node) {
                        add_error(p, p->line, section, NULL, "out of memory");
                        return;
                }
                f->line = p->section_line;
                cfg->fence.n_nodes++;
        }
        if (strcmp(name, "agent") == 0) {
                line = &f->agent_line;
                field = &f->agent;
        } else if (strcmp(name, "options") == 0) {
                line = &f->options_line;
                field = &f->options;
        } else {
                add_error(p, p->line, section, name, "unknown key (expected agent or options)");
                return;
        }
        if (*line) {
                add_error(p, p->line, section, name, "given twice (first on line %u)", *line);
                return;
        }
        *line = p->line;
        if (!value || !*value) {
                add_error(p, p->line, section, name, "empty value");
                return;
        }
        if (value[0] != '/') {
                add_error(p, p->line, section, name, "expected an absolute path: \"%s\"", value);
                return;
        }
        *field = strdup(value);
        if (!*field)
                add_error(p, p->line, section, name, "out of memory");
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
        struct parser *p = user;
        size_t fence_prefix;

        if (p->section_unknown)
                return 1; /* reported at the section's line */
        fence_prefix = fence_node_section(section, strlen(section));
        if (fence_prefix) {
                fence_node_key(p, section, section + fence_prefix, name, value);
                return 1;
        }
        for (size_t i = 0; i < N_KEYS; i++) {
                const char *why;

                if (strcmp(keys[i].section, section) != 0)
                        continue;
                if (strcmp(keys[i].name, name) != 0)
                        continue;
                if (p->seen[i]) {
                        add_error(p, p->line, section, name, "given twice (first on line %u)",
                                  p->seen[i]);
                        return 1;
                }
                p->seen[i] = p->line;
                if (!value || !*value) {
                        add_error(p, p->line, section, name, "empty value");
                        return 1;
                }
                why = set_value(p->cfg, &keys[i], value);
                if (why)
                        add_error(p, p->line, section, name, "%s: \"%s\"", why, value);
                return 1;
        }
        if (!*section)
                add_error(p, p->line, NULL, name, "key outside of any [section]");
        else
                add_error(p, p->line, section, name, "unknown key");
        /* Keep going: report every problem in one run. */
        return 1;
}

void ha_cfg_free(struct ha_cfg *cfg)
{
        if (!cfg)
                return;
        for (size_t i = 0; i < N_KEYS; i++) {
                void *field = (char *)cfg + keys[i].offset;

                if (keys[i].kind == KIND_PATH || keys[i].kind == KIND_ADDRESS ||
                    keys[i].kind == KIND_NAME)
                        free(*(char **)field);
                else if (keys[i].kind == KIND_COMMAND || keys[i].kind == KIND_NAMES ||
                         keys[i].kind == KIND_ADDRESSES)
                        free_words(*(char ***)field);
        }
        for (size_t i = 0; i < cfg->fence.n_nodes; i++) {
                free(cfg->fence.node[i].node);
                free(cfg->fence.node[i].agent);
                free(cfg->fence.node[i].options);
        }
        free(cfg->path);
        free(cfg);
}

const struct ha_cfg_fence_node *ha_cfg_fence_node(const struct ha_cfg *cfg, const char *node)
{
        for (size_t i = 0; i < cfg->fence.n_nodes; i++)
                if (strcmp(cfg->fence.node[i].node, node) == 0)
                        return &cfg->fence.node[i];
        return NULL;
}

/* Frees what the parser built and returns -EINVAL with every problem as the reason. */
static int refuse_contents(struct parser *p, const char **ret_reason)
{
        const char *reason = ha_reason("%zu problem%s:\n%s", p->n_errors,
                                       p->n_errors == 1 ? "" : "s", p->errors ? p->errors : "");

        ha_cfg_free(p->cfg);
        free(p->errors);
        return ha_fail(ret_reason, reason, -EINVAL);
}

int ha_cfg_load(const char *path, struct ha_cfg **ret, const char **ret_reason)
{
        struct parser p = {.path = path};
        const char *reason;
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                return ha_fail(ret_reason,
                               ha_reason("%s%s", strerror(-r),
                                         r == -ELOOP ? " (a symbolic link is not accepted)" : ""),
                               r);
        }
        r = ha_fs_is_safe(fd, &reason);
        if (r < 0) {
                (void)close(fd);
                return ha_fail(ret_reason, ha_reason("refused: %s", reason), r);
        }
        p.file = fdopen(fd, "r");
        if (!p.file) {
                r = -errno;
                (void)close(fd);
                return ha_fail(ret_reason, "out of memory", r);
        }
        p.cfg = calloc(1, sizeof(*p.cfg));
        if (!p.cfg) {
                (void)fclose(p.file);
                return ha_fail(ret_reason, "out of memory", -ENOMEM);
        }
        for (size_t i = 0; i < N_KEYS; i++)
                if (keys[i].default_value) {
                        const char *why = set_value(p.cfg, &keys[i], keys[i].default_value);

                        /* Only a default user missing from this system can fail here. */
                        if (why && keys[i].kind != KIND_USER)
                                add_error(&p, 0, keys[i].section, keys[i].name, "bad default: %s",
                                          why);
                }

        r = ini_parse_stream(reader, &p, handler, &p);
        (void)fclose(p.file);
        if (r > 0 && !p.line_too_long)
                add_error(&p, (unsigned)r, NULL, NULL,
                          "syntax error (expected \"[section]\" or \"key = value\")");
        else if (r < 0)
                add_error(&p, 0, NULL, NULL, "failed to read");

        for (size_t i = 0; i < N_KEYS; i++) {
                if (p.seen[i])
                        continue;
                if (keys[i].required)
                        add_error(&p, 0, keys[i].section, keys[i].name, "required key missing");
                else if (keys[i].kind == KIND_USER &&
                         set_value(p.cfg, &keys[i], keys[i].default_value))
                        add_error(&p, 0, keys[i].section, keys[i].name,
                                  "the default user \"%s\" does not exist here: set it",
                                  keys[i].default_value);
        }

        if (p.n_errors > 0)
                return refuse_contents(&p, ret_reason);
        if (!p.cfg->lease.path && p.cfg->storage.path &&
            asprintf(&p.cfg->lease.path, "%s/ha-slurm.lease", p.cfg->storage.path) < 0)
                p.cfg->lease.path = NULL;
        /* Unset, the grace fits in a short [notify] deadline: at most half of it. */
        if (!p.seen[key_index("storage", "grace")] &&
            p.cfg->storage.grace >= p.cfg->notify.deadline / 2)
                p.cfg->storage.grace = p.cfg->notify.deadline / 2;
        if (p.cfg->storage.grace >= p.cfg->notify.deadline)
                add_error(&p, p.seen[key_index("storage", "grace")], "storage", "grace",
                          "must be shorter than [notify] deadline");
        if (p.cfg->check.deadline >= p.cfg->notify.deadline)
                add_error(&p, 0, "check", "deadline", "must be shorter than [notify] deadline");
        if (p.cfg->metrics.textfile) {
                const char *base = strrchr(p.cfg->metrics.textfile, '/') + 1;
                size_t n = strlen(base);

                /* node_exporter reads only *.prom files of its folder. */
                if (n <= 5 || strcmp(base + n - 5, ".prom") != 0)
                        add_error(&p, p.seen[key_index("metrics", "textfile")], "metrics",
                                  "textfile",
                                  "expected a file name ending in \".prom\" (node_exporter "
                                  "reads only those)");
        }
        for (size_t i = 0; p.cfg->notify.before_ctld && p.cfg->notify.before_ctld[i]; i++)
                if (!ha_cfg_name_in(p.cfg->notify.followers, p.cfg->notify.before_ctld[i]))
                        add_error(&p, 0, "notify", "before_slurmctld",
                                  "\"%s\" is not one of [notify] followers",
                                  p.cfg->notify.before_ctld[i]);
        for (size_t i = 0; i < p.cfg->fence.n_nodes; i++) {
                const struct ha_cfg_fence_node *f = &p.cfg->fence.node[i];
                char section[300];

                (void)snprintf(section, sizeof(section), "fence %s", f->node);
                if (!f->agent_line)
                        add_error(&p, f->line, section, "agent", "required key missing");
                if (!f->options_line)
                        add_error(&p, f->line, section, "options", "required key missing");
        }
        if (p.cfg->fence.method == HA_FENCING_AUTO)
                p.cfg->fence.method = p.cfg->fence.n_nodes > 0 ? HA_FENCING_POWER : HA_FENCING_WAIT;
        if (p.cfg->fence.method == HA_FENCING_POWER && p.cfg->fence.n_nodes == 0)
                add_error(&p, p.seen[key_index("fence", "method")], "fence", "method",
                          "power needs a [fence NODE] section for each other controller");
        /* Unset, the fence fits in a short [notify] deadline: half of it. */
        if (!p.seen[key_index("fence", "timeout")] &&
            p.cfg->fence.timeout >= p.cfg->notify.deadline)
                p.cfg->fence.timeout = p.cfg->notify.deadline / 2;
        if (p.cfg->fence.timeout >= p.cfg->notify.deadline)
                add_error(&p, p.seen[key_index("fence", "timeout")], "fence", "timeout",
                          "must be shorter than [notify] deadline");
        if (p.cfg->fence.method == HA_FENCING_POWER && p.cfg->fence.after >= p.cfg->lease.wait)
                add_error(&p, p.seen[key_index("fence", "after")], "fence", "after",
                          "must be shorter than [lease] wait, or a promotion stops waiting "
                          "before it fences the holder");
        if (p.cfg->lease.wait < p.cfg->lease.ttl)
                add_error(&p, 0, "lease", "wait",
                          "must be at least [lease] ttl, or a promotion could never outwait "
                          "a dead holder");
        if (p.n_errors > 0)
                return refuse_contents(&p, ret_reason);
        if (!p.cfg->ha.node) {
                char host[256] = "";

                (void)gethostname(host, sizeof(host) - 1);
                host[strcspn(host, ".")] = '\0';
                p.cfg->ha.node = strdup(*host ? host : "localhost");
        }
        p.cfg->path = strdup(path);
        if (!p.cfg->path) {
                ha_cfg_free(p.cfg);
                return ha_fail(ret_reason, "out of memory", -ENOMEM);
        }
        *ret = p.cfg;
        return 0;
}
