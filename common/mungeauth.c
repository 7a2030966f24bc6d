/* mungeauth.c: libmunge in a thread, waited for with a deadline. */
#include "common/mungeauth.h"

#include <errno.h>
#include <munge.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "common/reason.h"

enum op { OP_ENCODE, OP_DECODE };

/* One libmunge call, shared by the caller and the worker thread. Whoever drops the last
 * reference frees it, so an abandoned worker cleans up after itself. */
struct call {
        atomic_int refs;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool done;

        enum op op;
        char *socket;
        uid_t uid_restriction;
        void *in; /* payload to encode, or credential to decode */
        size_t in_len;

        munge_err_t err;
        char reason[256];
        char *cred; /* encode's result */
        void *out;  /* decode's payload */
        int out_len;
        uid_t uid;
};

static void call_unref(struct call *c)
{
        if (atomic_fetch_sub(&c->refs, 1) != 1)
                return;
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->cond);
        free(c->socket);
        free(c->in);
        free(c->cred);
        free(c->out);
        free(c);
}

static void *worker(void *arg)
{
        struct call *c = arg;
        munge_ctx_t ctx = munge_ctx_create();
        munge_err_t err;
        gid_t gid;

        if (!ctx) {
                err = EMUNGE_NO_MEMORY;
                goto out;
        }
        err = munge_ctx_set(ctx, MUNGE_OPT_SOCKET, c->socket);
        if (err == EMUNGE_SUCCESS && c->op == OP_ENCODE)
                err = munge_ctx_set(ctx, MUNGE_OPT_UID_RESTRICTION, c->uid_restriction);
        if (err == EMUNGE_SUCCESS) {
                if (c->op == OP_ENCODE)
                        err = munge_encode(&c->cred, ctx, c->in, (int)c->in_len);
                else
                        err = munge_decode(c->in, ctx, &c->out, &c->out_len, &c->uid, &gid);
        }
        if (err != EMUNGE_SUCCESS) {
                const char *s = munge_ctx_strerror(ctx);

                (void)snprintf(c->reason, sizeof(c->reason), "%s", s ? s : munge_strerror(err));
        }
out:
        if (ctx)
                munge_ctx_destroy(ctx);
        pthread_mutex_lock(&c->lock);
        c->err = err;
        c->done = true;
        pthread_cond_signal(&c->cond);
        pthread_mutex_unlock(&c->lock);
        call_unref(c);
        return NULL;
}

static int err_to_errno(munge_err_t err)
{
        switch (err) {
        case EMUNGE_SUCCESS:
                return 0;
        case EMUNGE_SOCKET:
                return -ECONNREFUSED;
        case EMUNGE_NO_MEMORY:
                return -ENOMEM;
        case EMUNGE_BAD_CRED:
        case EMUNGE_BAD_VERSION:
        case EMUNGE_BAD_CIPHER:
        case EMUNGE_BAD_MAC:
        case EMUNGE_BAD_ZIP:
        case EMUNGE_BAD_REALM:
        case EMUNGE_CRED_INVALID:
        case EMUNGE_CRED_EXPIRED:
        case EMUNGE_CRED_REWOUND:
        case EMUNGE_CRED_REPLAYED:
        case EMUNGE_CRED_UNAUTHORIZED:
                return -EACCES;
        default:
                return -EIO;
        }
}

/* Runs `c` in a thread and waits for it until `deadline`. Returns 0 with the call done and its
 * thread gone, or -ETIMEDOUT with the call abandoned to its (detached) thread, or -errno if no
 * thread could be made. A finished thread is joined, not left to end on its own: a fork right
 * after the call (the storage probe, slurmctld's start) would otherwise copy memory that only
 * the vanished thread still pointed to, and valgrind counts it lost in the child. */
static int run(struct call *c, usec_t deadline)
{
        pthread_condattr_t attr;
        pthread_t thread;
        int r = 0;

        atomic_init(&c->refs, 2);
        pthread_mutex_init(&c->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&c->cond, &attr);
        pthread_condattr_destroy(&attr);

        r = pthread_create(&thread, NULL, worker, c);
        if (r != 0) {
                atomic_store(&c->refs, 1);
                return -r;
        }

        pthread_mutex_lock(&c->lock);
        while (!c->done && r == 0) {
                if (deadline == HA_USEC_INFINITY) {
                        pthread_cond_wait(&c->cond, &c->lock);
                } else {
                        struct timespec ts = {
                                .tv_sec = (time_t)(deadline / HA_USEC_PER_SEC),
                                .tv_nsec = (long)(deadline % HA_USEC_PER_SEC) * 1000,
                        };

                        if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT &&
                            !c->done)
                                r = -ETIMEDOUT;
                }
        }
        pthread_mutex_unlock(&c->lock);
        if (r == 0)
                (void)pthread_join(thread, NULL); /* it is past its signal: returns at once */
        else
                (void)pthread_detach(thread);
        return r;
}

static struct call *call_new(enum op op, const char *socket, const void *in, size_t in_len)
{
        struct call *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->op = op;
        c->socket = strdup(socket);
        c->in = malloc(in_len + 1);
        if (!c->socket || !c->in) {
                free(c->socket);
                free(c->in);
                free(c);
                return NULL;
        }
        if (in_len)
                memcpy(c->in, in, in_len);
        ((char *)c->in)[in_len] = '\0';
        c->in_len = in_len;
        return c;
}

/* Finishes a call: copies the reason out, maps the error, drops the caller's reference. */
static int finish(struct call *c, int r, const char **ret_reason)
{
        const char *reason = NULL;

        if (r == -ETIMEDOUT)
                reason = "munged did not answer before the deadline";
        else if (r < 0)
                reason = ha_reason("failed to start a thread: %s", strerror(-r));
        else if (c->err != EMUNGE_SUCCESS)
                reason = ha_reason("%s", c->reason);
        if (r == 0)
                r = err_to_errno(c->err);
        if (r < 0)
                (void)ha_fail(ret_reason, reason ? reason : strerror(-r), r);
        call_unref(c);
        return r;
}

int ha_munge_encode(const char *socket, uid_t uid_restriction, const void *payload, size_t len,
                    usec_t deadline, char **ret_cred, const char **ret_reason)
{
        struct call *c = call_new(OP_ENCODE, socket, payload, len);
        int r;

        if (!c)
                return -ENOMEM;
        c->uid_restriction = uid_restriction;
        r = run(c, deadline);
        if (r == 0 && c->err == EMUNGE_SUCCESS) {
                *ret_cred = c->cred;
                c->cred = NULL;
        }
        return finish(c, r, ret_reason);
}

int ha_munge_decode(const char *socket, const char *cred, usec_t deadline, void **ret_payload,
                    size_t *ret_len, uid_t *ret_uid, const char **ret_reason)
{
        struct call *c = call_new(OP_DECODE, socket, cred, strlen(cred));
        int r;

        if (!c)
                return -ENOMEM;
        r = run(c, deadline);
        if (r == 0 && c->err == EMUNGE_SUCCESS) {
                *ret_payload = c->out;
                *ret_len = c->out_len > 0 ? (size_t)c->out_len : 0;
                *ret_uid = c->uid;
                c->out = NULL;
        }
        return finish(c, r, ret_reason);
}

int ha_munge_selftest(const char *socket, usec_t deadline, const char **ret_reason)
{
        unsigned char nonce[16];
        char *cred = NULL;
        void *payload = NULL;
        size_t len = 0;
        uid_t uid;
        int r;

        if (getrandom(nonce, sizeof(nonce), GRND_NONBLOCK) != (ssize_t)sizeof(nonce))
                for (size_t i = 0; i < sizeof(nonce); i++)
                        nonce[i] = (unsigned char)(ha_now() >> (i % 8));
        r = ha_munge_encode(socket, geteuid(), nonce, sizeof(nonce), deadline, &cred, ret_reason);
        if (r < 0)
                return r;
        r = ha_munge_decode(socket, cred, deadline, &payload, &len, &uid, ret_reason);
        free(cred);
        if (r < 0)
                return r;
        if (len != sizeof(nonce) || memcmp(payload, nonce, len) != 0 || uid != geteuid()) {
                r = ha_fail(ret_reason, "round trip returned a different payload or uid", -EBADMSG);
        }
        free(payload);
        return r;
}
