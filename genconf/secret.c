/* secret.c: the database password slurmdbd.conf needs, and the fence passwords of the fence
 * agents' options files, each from the environment variable or the file the cluster file names
 * (database.mariadb.password_env, password_file; nodes.controllers[].fence.password_env,
 * password_file). Read only when a host to render needs them, and never written into a
 * problem: a problem says where the password was looked for and what is wrong with it.
 */
#include "genconf/model.h"
#include "genconf/output.h"
#include "genconf/tree.h"

#include "common/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SECRET_BYTES 4096

/* What is wrong with a secret for the file it goes to, or NULL. */
typedef const char *secret_check(const char *s);

/* Whether a secret can be written as a slurmdbd.conf value: one line, no double quote (Slurm
 * cannot escape one inside a quoted value). */
static const char *secret_problem(const char *s)
{
        if (!*s)
                return "is empty";
        for (const char *p = s; *p; p++) {
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        return "contains a control character (only one line is allowed)";
                if (*p == '"')
                        return "contains a double quote, which slurmdbd.conf cannot hold";
        }
        return NULL;
}

/* Whether a secret can be written as a fence options file's "password=" line (common/fence.h):
 * one line, without the blank at its end that the file's reader trims. */
static const char *fence_secret_problem(const char *s)
{
        size_t len = strlen(s);

        if (!*s)
                return "is empty";
        for (const char *p = s; *p; p++)
                if ((unsigned char)*p < 0x20 || *p == 0x7f)
                        return "contains a control character (only one line is allowed)";
        if (s[len - 1] == ' ')
                return "ends with a blank, which the fence options file does not keep";
        return NULL;
}

/* From the environment variable password_env `v` (at `path`) names. */
static int password_from_env(const struct gc_val *v, const char *path, secret_check *check,
                             char **ret, struct gc_problems *problems)
{
        const char *value = getenv(v->s), *why;
        char *s;

        if (!value) {
                gc_problem_add(problems, v->line, v->col, path,
                               "the environment variable %s is not set", v->s);
                return -ENOENT;
        }
        why = check(value);
        if (why) {
                gc_problem_add(problems, v->line, v->col, path, "the password in %s %s", v->s, why);
                return -EINVAL;
        }
        s = strdup(value);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* From the file password_file `v` (at `path`) names: one line, in a file nobody but its owner
 * (root, or the caller) may read, let alone write. */
static int password_from_file(const struct gc_val *v, const char *path, secret_check *check,
                              char **ret, struct gc_problems *problems)
{
        const char *why = NULL;
        struct stat st;
        char *text = NULL;
        size_t len = 0;
        int fd, r;

        fd = open(v->s, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                r = -errno;
                if (r == -ELOOP)
                        gc_problem_add(problems, v->line, v->col, path,
                                       "refused %s: a symbolic link", v->s);
                else
                        gc_problem_add(problems, v->line, v->col, path, "failed to open '%s': %s",
                                       v->s, strerror(-r));
                return r;
        }
        /* The rule of every trusted file (ha_fs_is_safe()), and nobody else may read it. */
        if (fstat(fd, &st) < 0)
                why = "failed to stat it";
        else if (ha_fs_is_safe(fd, &why) == 0 &&
                 st.st_mode & (S_IRGRP | S_IROTH | S_IXGRP | S_IXOTH))
                why = "readable by group or others";
        if (why) {
                (void)close(fd);
                gc_problem_add(problems, v->line, v->col, path,
                               "refused %s: %s (it holds a password: chown root, chmod 0600)", v->s,
                               why);
                return -EPERM;
        }
        /* The very file just checked: read through the same descriptor, never the path again
         * (it could be another file by now). */
        r = gc_read_fd(fd, GC_TREE_MAX_BYTES, &text, &len, NULL);
        if (r < 0 || len > MAX_SECRET_BYTES) {
                if (text)
                        explicit_bzero(text, len);
                free(text);
                gc_problem_add(problems, v->line, v->col, path, "failed to read '%s': %s", v->s,
                               r < 0 ? strerror(-r) : "larger than 4 KiB");
                return r < 0 ? r : -EFBIG;
        }
        /* One line; its line break is not part of the password. */
        if (len > 0 && text[len - 1] == '\n')
                text[--len] = '\0';
        if (len > 0 && text[len - 1] == '\r')
                text[--len] = '\0';
        why = strlen(text) != len ? "contains a NUL character" : check(text);
        if (why) {
                explicit_bzero(text, len);
                free(text);
                gc_problem_add(problems, v->line, v->col, path, "the password in %s %s", v->s, why);
                return -EINVAL;
        }
        *ret = text;
        return 0;
}

int gc_db_password(const struct gc_model *m, char **ret, struct gc_problems *problems)
{
        if (m->db_password_env.set)
                return password_from_env(&m->db_password_env, "database.mariadb.password_env",
                                         secret_problem, ret, problems);
        if (m->db_password_file.set)
                return password_from_file(&m->db_password_file, "database.mariadb.password_file",
                                          secret_problem, ret, problems);
        gc_problem_add(problems, 0, 0, "database.mariadb",
                       "no password_env or password_file for slurmdbd");
        return -EINVAL;
}

/* The fence password of controller `i`, or NULL in *ret when it gives none. */
static int fence_password(const struct gc_model *m, size_t i, char **ret,
                          struct gc_problems *problems)
{
        const struct gc_controller *c = &m->controllers[i];
        char path[96];

        *ret = NULL;
        if (c->fence_password_env.set) {
                (void)snprintf(path, sizeof(path), "nodes.controllers[%zu].fence.password_env", i);
                return password_from_env(&c->fence_password_env, path, fence_secret_problem, ret,
                                         problems);
        }
        if (c->fence_password_file.set) {
                (void)snprintf(path, sizeof(path), "nodes.controllers[%zu].fence.password_file", i);
                return password_from_file(&c->fence_password_file, path, fence_secret_problem, ret,
                                          problems);
        }
        return 0;
}

int gc_fence_passwords(const struct gc_model *m, const struct gc_controller *self, char ***ret,
                       struct gc_problems *problems)
{
        char **v;
        int r = 0;

        *ret = NULL;
        /* Only a Slurm controller's files hold the others' options. */
        if (!m->fence_power || (self && !self->slurm.b))
                return 0;
        v = calloc(m->n_controllers ? m->n_controllers : 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_controllers; i++) {
                const struct gc_controller *c = &m->controllers[i];
                int q;

                if (c == self || !c->slurm.b || !c->fence.set)
                        continue;
                q = fence_password(m, i, &v[i], problems);
                if (q < 0 && r != -ENOMEM)
                        r = q;
        }
        if (r < 0) {
                gc_fence_passwords_free(m, v);
                return r;
        }
        *ret = v;
        return 0;
}

void gc_fence_passwords_free(const struct gc_model *m, char **passwords)
{
        if (!passwords)
                return;
        for (size_t i = 0; i < m->n_controllers; i++) {
                if (passwords[i])
                        explicit_bzero(passwords[i], strlen(passwords[i]));
                free(passwords[i]);
        }
        free(passwords);
}
