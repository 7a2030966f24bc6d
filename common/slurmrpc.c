/* slurmrpc.c: slurmctld's native RPC over TCP with MUNGE authentication. */
#include "common/slurmrpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cfg.h"
#include "common/exec.h"
#include "common/fsutil.h"
#include "common/k12.h"
#include "common/mungeauth.h"
#include "common/net.h"
#include "common/reason.h"

#define HEADER_LEN 16 /* version .. address family, with an AF_UNSPEC address */

/* ---- Big-endian packing ---- */

static void put16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

/* A bounded reader: every get fails, rather than reads past the end, once the bytes run out. */
struct reader {
        const uint8_t *p;
        size_t len;
        size_t off;
};

static bool get_bytes(struct reader *r, size_t n, const uint8_t **ret)
{
        if (n > r->len - r->off)
                return false;
        *ret = r->p + r->off;
        r->off += n;
        return true;
}

static bool get16(struct reader *r, uint16_t *ret)
{
        const uint8_t *p;

        if (!get_bytes(r, 2, &p))
                return false;
        *ret = (uint16_t)(p[0] << 8 | p[1]);
        return true;
}

static bool get32(struct reader *r, uint32_t *ret)
{
        const uint8_t *p;

        if (!get_bytes(r, 4, &p))
                return false;
        *ret = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        return true;
}

static bool get64(struct reader *r, uint64_t *ret)
{
        uint32_t hi, lo;

        if (!get32(r, &hi) || !get32(r, &lo))
                return false;
        *ret = (uint64_t)hi << 32 | lo;
        return true;
}

/* ---- Wire format ---- */

void ha_slurm_hash(uint16_t msg_type, const void *body, size_t len, uint8_t out[HA_SLURM_HASH_LEN])
{
        uint8_t custom[2];

        put16(custom, msg_type);
        out[0] = 0x02; /* HASH_PLUGIN_K12 */
        ha_k12(body, len, custom, sizeof(custom), out + 1, HA_SLURM_HASH_LEN - 1);
}

/* Writes a request's header (with an AF_UNSPEC address) and its auth/munge section at p;
 * returns where the body goes. */
static uint8_t *put_header_auth(uint8_t *p, uint16_t version, uint16_t flags, uint16_t msg_type,
                                uint32_t body_len, const char *cred, size_t cred_len)
{
        put16(p, version);
        put16(p + 2, flags);
        put16(p + 4, msg_type);
        put32(p + 6, body_len);
        put16(p + 10, 0); /* forward_cnt */
        put16(p + 12, 0); /* ret_cnt */
        put16(p + 14, 0); /* orig_addr: AF_UNSPEC */
        p += HEADER_LEN;
        put32(p, HA_SLURM_AUTH_MUNGE);
        put32(p + 4, (uint32_t)cred_len);
        memcpy(p + 8, cred, cred_len);
        return p + 8 + cred_len;
}

int ha_slurm_request_build(uint16_t version, uint16_t msg_type, const char *cred, uint8_t **ret,
                           size_t *ret_len)
{
        size_t cred_len = strlen(cred) + 1; /* packstr counts the NUL */
        size_t len = 4 + HEADER_LEN + 4 + 4 + cred_len;
        uint8_t *f = malloc(len), *p;

        if (!f)
                return -ENOMEM;
        p = f;
        put32(p, (uint32_t)(len - 4));
        (void)put_header_auth(p + 4, version, 0, msg_type, 0, cred, cred_len);
        *ret = f;
        *ret_len = len;
        return 0;
}

int ha_slurm_reply_parse(const uint8_t *frame, size_t len, struct ha_slurm_reply *ret,
                         const char **ret_reason)
{
        struct reader r = {.p = frame, .len = len};
        struct ha_slurm_reply reply = {0};
        uint16_t forward_cnt, ret_cnt, family;
        uint32_t body_len;
        const uint8_t *skip;

#define BAD(why)                                                                                   \
        do {                                                                                       \
                *ret_reason = why;                                                                 \
                return -EBADMSG;                                                                   \
        } while (0)

        if (!get16(&r, &reply.version) || !get16(&r, &reply.flags) || !get16(&r, &reply.msg_type) ||
            !get32(&r, &body_len) || !get16(&r, &forward_cnt) || !get16(&r, &ret_cnt) ||
            !get16(&r, &family))
                BAD("reply shorter than a message header");
        if (reply.version < HA_SLURM_PROTO_OLDEST || reply.version > HA_SLURM_PROTO_NEWEST)
                BAD("reply has an unknown protocol version");
        if (forward_cnt != 0 || ret_cnt != 0)
                BAD("reply carries forwarding data a controller never sends");
        if (family == 2) { /* AF_INET: address and port */
                if (!get_bytes(&r, 6, &skip))
                        BAD("reply header truncated in its address");
        } else if (family != 0) {
                BAD("reply header has an unexpected address family");
        }
        if (!(reply.flags & HA_SLURM_FLAG_NO_AUTH)) {
                uint32_t plugin, cred_len;
                const uint8_t *cred;

                if (!get32(&r, &plugin) || !get32(&r, &cred_len))
                        BAD("reply truncated in its authentication section");
                if (plugin != HA_SLURM_AUTH_MUNGE)
                        BAD("reply authenticated by a plugin other than auth/munge");
                if (cred_len == 0 || cred_len > 4096)
                        BAD("reply credential length out of range");
                if (!get_bytes(&r, cred_len, &cred))
                        BAD("reply truncated in its credential");
                if (cred[cred_len - 1] != '\0' ||
                    memchr(cred, '\0', cred_len) != cred + cred_len - 1)
                        BAD("reply credential is not one NUL-terminated string");
                reply.cred = (const char *)cred;
        }
        if (body_len != len - r.off)
                BAD("reply body length does not match the bytes received");
        reply.body = frame + r.off;
        reply.body_len = body_len;
#undef BAD
        *ret = reply;
        return 0;
}

int ha_slurm_parse_rc(const struct ha_slurm_reply *reply, int32_t *ret_rc)
{
        struct reader r = {.p = reply->body, .len = reply->body_len};
        uint32_t rc;

        if (reply->msg_type != HA_SLURM_RESPONSE_SLURM_RC || !get32(&r, &rc) || r.off != r.len)
                return -EBADMSG;
        *ret_rc = (int32_t)rc;
        return 0;
}

int ha_slurm_parse_control(const struct ha_slurm_reply *reply, struct ha_slurm_control *ret)
{
        struct reader r = {.p = reply->body, .len = reply->body_len};
        struct ha_slurm_control c;

        if (reply->msg_type != HA_SLURM_RESPONSE_CONTROL_STATUS || !get16(&r, &c.backup_inx) ||
            !get64(&r, &c.control_time) || r.off != r.len)
                return -EBADMSG;
        *ret = c;
        return 0;
}

/* ---- One exchange ---- */

#define FAIL(c, r, ...)                                                                            \
        do {                                                                                       \
                (void)snprintf((c)->reason, sizeof((c)->reason), __VA_ARGS__);                     \
                return (r);                                                                        \
        } while (0)

/* Checks the credential of a reply: decodable by us, made by SlurmUser or root, and carrying
 * the hash of this very reply. */
static int verify_reply(struct ha_slurm_client *c, const struct ha_slurm_reply *reply,
                        uint16_t version, usec_t deadline)
{
        uint8_t want[HA_SLURM_HASH_LEN];
        const char *why = NULL;
        void *payload = NULL;
        size_t len = 0;
        uid_t uid;
        int r;

        if (!reply->cred) {
                /* From 24.11 on, slurmctld answers on the connection we opened without a
                 * credential of its own, whatever version we asked in (its reply carries its
                 * own). Older releases always sign. */
                if (version >= HA_SLURM_PROTO_NO_AUTH || reply->version >= HA_SLURM_PROTO_NO_AUTH)
                        return 0;
                FAIL(c, -EBADMSG, "reply without a credential from a release that signs replies");
        }
        r = ha_munge_decode(c->munge_socket, reply->cred, deadline, &payload, &len, &uid, &why);
        if (r == -ETIMEDOUT || r == -ECONNREFUSED)
                FAIL(c, r, "failed to check the reply's credential: munged: %s", why);
        if (r < 0)
                FAIL(c, -EBADMSG, "reply credential rejected by MUNGE: %s", why);
        if (uid != c->slurm_uid && uid != 0) {
                free(payload);
                FAIL(c, -EBADMSG, "reply credential made by uid %u, not SlurmUser (%u) or root",
                     (unsigned)uid, (unsigned)c->slurm_uid);
        }
        ha_slurm_hash(reply->msg_type, reply->body, reply->body_len, want);
        r = 0;
        if (len == HA_SLURM_HASH_LEN && ((uint8_t *)payload)[0] == 0x02) {
                if (memcmp(payload, want, len) != 0)
                        r = -EBADMSG;
        } else if (len == 3 && ((uint8_t *)payload)[0] == 0x01) {
                /* "no hash": only the message type, accepted as slurmctld accepts it. */
                if (((uint8_t *)payload)[1] != (reply->msg_type >> 8) ||
                    ((uint8_t *)payload)[2] != (reply->msg_type & 0xff))
                        r = -EBADMSG;
        } else if (len != 0) {
                r = -EBADMSG;
        }
        free(payload);
        if (r < 0)
                FAIL(c, r, "reply credential does not match the reply (hash mismatch)");
        return 0;
}

/* A MUNGE credential for a message of `msg_type` with this body, restricted to SlurmUser. */
static int sign(struct ha_slurm_client *c, uint16_t msg_type, const void *body, size_t body_len,
                usec_t deadline, char **ret_cred)
{
        uint8_t hash[HA_SLURM_HASH_LEN];
        const char *why = NULL;
        int r;

        ha_slurm_hash(msg_type, body, body_len, hash);
        r = ha_munge_encode(c->munge_socket, c->slurm_uid, hash, sizeof(hash), deadline, ret_cred,
                            &why);
        if (r < 0)
                FAIL(c, r, "failed to make a MUNGE credential: %s", why);
        return 0;
}

/* Connects to c and sends `req` (freed here). *ret_fd is the connection, or -1 when there is
 * none (c->reason then says why); a failed write returns -errno with *ret_fd still open. */
static int connect_send(struct ha_slurm_client *c, const char *daemon, uint8_t *req, size_t req_len,
                        usec_t deadline, int *ret_fd)
{
        int r;

        *ret_fd = -1;
        r = ha_net_connect(c->address, c->port, deadline, ret_fd);
        if (r < 0) {
                free(req);
                *ret_fd = -1;
                if (r == -ECONNREFUSED)
                        FAIL(c, r, "connection to %s port %u refused (%s not running?)", c->address,
                             c->port, daemon);
                if (r == -ETIMEDOUT)
                        FAIL(c, r, "no connection to %s port %u before the deadline", c->address,
                             c->port);
                FAIL(c, r, "failed to connect to %s port %u: %s", c->address, c->port,
                     strerror(-r));
        }
        r = ha_net_write_all(*ret_fd, req, req_len, deadline);
        free(req);
        return r;
}

/* Signs a request of `msg_type` with this body (slurmctld's requests have none; slurmdbd's
 * REQUEST_PERSIST_INIT has ha_slurmdbd_init_body()), builds its frame at `version` and sends it:
 * as connect_send(). */
static int sign_send(struct ha_slurm_client *c, const char *daemon, uint16_t version,
                     uint16_t msg_type, const void *body, size_t body_len, usec_t deadline,
                     int *ret_fd)
{
        uint8_t *req = NULL;
        char *cred = NULL;
        size_t req_len;
        int r;

        *ret_fd = -1;
        r = sign(c, msg_type, body, body_len, deadline, &cred);
        if (r < 0)
                return r;
        r = msg_type == HA_SLURM_REQUEST_PERSIST_INIT
                    ? ha_slurmdbd_request_build(version, cred, &req, &req_len)
                    : ha_slurm_request_build(version, msg_type, cred, &req, &req_len);
        free(cred);
        if (r < 0)
                FAIL(c, r, "out of memory");
        return connect_send(c, daemon, req, req_len, deadline, ret_fd);
}

/* Sends one request at `version` and receives the reply. On success stores the frame in
 * *ret_frame (free() it) and the parsed reply in *ret. */
static int exchange(struct ha_slurm_client *c, uint16_t version, uint16_t msg_type, usec_t deadline,
                    uint8_t **ret_frame, struct ha_slurm_reply *ret)
{
        uint8_t lenbuf[4], *frame = NULL;
        const char *why = NULL;
        size_t got;
        uint32_t len;
        int fd = -1, r;

        r = sign_send(c, "slurmctld", version, msg_type, NULL, 0, deadline, &fd);
        if (r < 0 && fd < 0)
                return r;
        if (r < 0)
                goto io_error;

        r = ha_net_read_exact(fd, lenbuf, sizeof(lenbuf), deadline, &got);
        if (r < 0)
                goto io_error;
        len = (uint32_t)lenbuf[0] << 24 | (uint32_t)lenbuf[1] << 16 | (uint32_t)lenbuf[2] << 8 |
              lenbuf[3];
        if (len > HA_SLURM_MAX_REPLY) {
                (void)close(fd);
                FAIL(c, -EMSGSIZE,
                     "reply claims %u bytes, more than the %u accepted (not a "
                     "slurmctld, or one that does not speak this protocol version)",
                     len, HA_SLURM_MAX_REPLY);
        }
        frame = malloc(len ? len : 1);
        if (!frame) {
                (void)close(fd);
                FAIL(c, -ENOMEM, "out of memory");
        }
        r = ha_net_read_exact(fd, frame, len, deadline, &got);
        if (r < 0) {
                free(frame);
                goto io_error;
        }
        (void)close(fd);

        r = ha_slurm_reply_parse(frame, len, ret, &why);
        if (r < 0) {
                free(frame);
                FAIL(c, r, "malformed reply: %s", why);
        }
        r = verify_reply(c, ret, version, deadline);
        if (r < 0) {
                free(frame);
                return r;
        }
        *ret_frame = frame;
        return 0;

io_error:
        (void)close(fd);
        if (r == -ETIMEDOUT)
                FAIL(c, r, "no reply from %s port %u before the deadline", c->address, c->port);
        if (r == -ECONNRESET || r == -EPIPE)
                FAIL(c, -ECONNRESET,
                     "%s port %u closed the connection without a reply "
                     "(protocol version or authentication rejected)",
                     c->address, c->port);
        FAIL(c, r, "exchange with %s port %u failed: %s", c->address, c->port, strerror(-r));
}

/* Maps a RESPONSE_SLURM_RC return code to -errno. */
static int map_rc(struct ha_slurm_client *c, int32_t rc)
{
        c->slurm_rc = rc;
        switch (rc) {
        case 0:
                return 0;
        case HA_ESLURM_IN_STANDBY_MODE:
                FAIL(c, -EBUSY, "controller is in standby (Slurm error %d)", rc);
        case HA_ESLURM_ACCESS_DENIED:
        case HA_ESLURM_USER_ID_MISSING:
                FAIL(c, -EACCES, "permission denied by the controller (Slurm error %d)", rc);
        case HA_ESLURM_AUTHENTICATION:
                FAIL(c, -EACCES,
                     "controller rejected our credential (Slurm error %d: MUNGE key, "
                     "or the SlurmUser uid it is restricted to?)",
                     rc);
        case HA_ESLURM_PROTOCOL_VERSION:
                FAIL(c, -EPROTONOSUPPORT,
                     "controller refused the protocol version (Slurm "
                     "error %d)",
                     rc);
        default:
                FAIL(c, -EREMOTEIO, "controller answered with Slurm error %d", rc);
        }
}

/* One request at one version, interpreted. For CONTROL_STATUS *ret_control is filled. */
static int call_at(struct ha_slurm_client *c, uint16_t version, uint16_t msg_type, usec_t deadline,
                   struct ha_slurm_control *ret_control)
{
        struct ha_slurm_reply reply;
        uint8_t *frame = NULL;
        int32_t rc;
        int r;

        r = exchange(c, version, msg_type, deadline, &frame, &reply);
        if (r < 0)
                return r;
        if (reply.msg_type == HA_SLURM_RESPONSE_SLURM_RC) {
                r = ha_slurm_parse_rc(&reply, &rc);
                free(frame);
                if (r < 0)
                        FAIL(c, r, "malformed return-code reply");
                r = map_rc(c, rc);
                if (r == 0 && msg_type == HA_SLURM_REQUEST_CONTROL_STATUS)
                        FAIL(c, -EBADMSG,
                             "controller answered a status request with a bare "
                             "return code");
                return r;
        }
        if (reply.msg_type == HA_SLURM_RESPONSE_CONTROL_STATUS &&
            msg_type == HA_SLURM_REQUEST_CONTROL_STATUS) {
                r = ha_slurm_parse_control(&reply, ret_control);
                free(frame);
                if (r < 0)
                        FAIL(c, r, "malformed control-status reply");
                return 0;
        }
        free(frame);
        FAIL(c, -EBADMSG, "unexpected reply type %u to request %u", reply.msg_type, msg_type);
}

/* ---- Protocol version: configured, remembered, known from the binary, or probed ---- */

/* The local slurmctld's executable as it is on disk: a package upgrade changes it. */
struct binary_id {
        bool known;
        unsigned long long dev, ino, size, mtime_sec, mtime_nsec;
};

static struct binary_id binary_id_of(const char *path)
{
        struct stat st;

        if (!path || stat(path, &st) < 0 || !S_ISREG(st.st_mode))
                return (struct binary_id){0};
        return (struct binary_id){
                .known = true,
                .dev = (unsigned long long)st.st_dev,
                .ino = (unsigned long long)st.st_ino,
                .size = (unsigned long long)st.st_size,
                .mtime_sec = (unsigned long long)st.st_mtim.tv_sec,
                .mtime_nsec = (unsigned long long)st.st_mtim.tv_nsec,
        };
}

static bool same_binary(const struct binary_id *a, const struct binary_id *b)
{
        return a->known && b->known && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
               a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}

/* The release of the binary the running slurmctld was started from: c->binary, unless the
 * daemon (c->pid) runs another file (the package was upgraded and slurmctld not restarted yet:
 * what is on disk would be asked in a release newer than the daemon's). `slurmctld -V` prints
 * "slurm 24.11.5" ("slurm-wlm 22.05.8" on Debian). Only a program named slurmctld is run: a
 * start script in its place might start a daemon whatever its arguments. Returns the protocol
 * version, or 0. */
static uint16_t binary_release(const struct ha_slurm_client *c, const struct binary_id *id,
                               usec_t deadline)
{
        char *argv[] = {(char *)c->binary, "-V", NULL}, out[128], proc[64], release[16];
        const char *why, *word, *base;
        struct binary_id running;
        unsigned major, minor;
        uint16_t v;

        if (!id->known)
                return 0;
        /* By the name configured: Debian's slurmctld is a link through the alternatives system
         * to slurmctld-wlm, so the file a link leads to has a name of its own. */
        base = strrchr(c->binary, '/');
        if (strcmp(base ? base + 1 : c->binary, "slurmctld") != 0)
                return 0;
        if (c->pid > 0) {
                (void)snprintf(proc, sizeof(proc), "/proc/%d/exe", (int)c->pid);
                running = binary_id_of(proc);
                if (running.known && !same_binary(&running, id))
                        return 0;
        }
        if (ha_exec_check(c->binary, &why) < 0 || ha_exec_stdout(argv, deadline, out, sizeof(out)))
                return 0;
        out[strcspn(out, "\n")] = '\0';
        word = strrchr(out, ' ');
        word = word ? word + 1 : out;
        if (sscanf(word, "%2u.%2u", &major, &minor) != 2)
                return 0;
        (void)snprintf(release, sizeof(release), "%02u.%02u", major, minor);
        if (ha_parse_protocol(release, &v) < 0 || !v)
                return 0;
        return v;
}

static char *cache_path(const struct ha_slurm_client *c)
{
        char *p;

        if (!c->cache_dir)
                return NULL;
        if (asprintf(&p, "%s/protocol-%s-%u", c->cache_dir, c->address, c->port) < 0)
                return NULL;
        return p;
}

/* The cache holds the version that worked, and the identity of the binary it was found with:
 * "9728" or "9728 DEV INO SIZE MTIME_SEC MTIME_NSEC". */
static uint16_t cache_load(const struct ha_slurm_client *c, struct binary_id *ret_id)
{
        char *path = cache_path(c), *text = NULL;
        struct binary_id id = {0};
        unsigned long v = 0;
        int used = 0;

        if (path && ha_fs_read_small(path, 128, &text, NULL) == 0) {
                if (sscanf(text, "%lu %llu %llu %llu %llu %llu%n", &v, &id.dev, &id.ino, &id.size,
                           &id.mtime_sec, &id.mtime_nsec, &used) == 6)
                        id.known = true;
                else if (sscanf(text, "%lu%n", &v, &used) != 1)
                        v = 0;
                if (text[used] != '\n' && text[used] != '\0')
                        v = 0;
        }
        free(path);
        free(text);
        *ret_id = v ? id : (struct binary_id){0};
        if (v < HA_SLURM_PROTO_OLDEST || v > HA_SLURM_PROTO_NEWEST || (v & 0xff))
                return 0;
        return (uint16_t)v;
}

static void cache_store(const struct ha_slurm_client *c, uint16_t version,
                        const struct binary_id *id)
{
        char *path, text[128];

        if (!c->cache_dir || ha_fs_state_dir(c->cache_dir, NULL) < 0)
                return;
        path = cache_path(c);
        if (!path)
                return;
        if (id->known)
                (void)snprintf(text, sizeof(text), "%u %llu %llu %llu %llu %llu\n", version,
                               id->dev, id->ino, id->size, id->mtime_sec, id->mtime_nsec);
        else
                (void)snprintf(text, sizeof(text), "%u\n", version);
        /* Only a cache: a failure to write it costs a probe next time, nothing else. */
        (void)ha_fs_write_atomic(path, text, strlen(text), 0644);
        free(path);
}

/* Errors that may say "wrong version" rather than "controller down": worth trying another.
 * 22.05 closes the connection on a version it does not speak; 24.11 answers a newer one with
 * an authentication error (1007); 26.05 answers an old one with HTTP (too large, malformed). */
static bool version_mismatch(const struct ha_slurm_client *c, int r)
{
        return r == -ECONNRESET || r == -EPROTONOSUPPORT || r == -EMSGSIZE || r == -EBADMSG ||
               (r == -EACCES && c->slurm_rc == HA_ESLURM_AUTHENTICATION);
}

/* slurmctld answered at this version: the reply was understood, whatever it said. */
static bool answered(const struct ha_slurm_client *c, int r)
{
        return r == 0 || (c->slurm_rc != 0 && !version_mismatch(c, r));
}

/* Finds the protocol version of the controller and makes the request with it. Returns the
 * result of that request. */
static int call(struct ha_slurm_client *c, uint16_t msg_type, usec_t deadline,
                struct ha_slurm_control *ret_control);

/* A request that may take long to answer (a takeover is acknowledged after about 2 s) is not
 * probed with: the version is found with a ping first, then the request is sent once. */
static int call_slow(struct ha_slurm_client *c, uint16_t msg_type, usec_t deadline)
{
        int r;

        if (!c->version) {
                r = call(c, HA_SLURM_REQUEST_PING, deadline, NULL);
                if (r < 0)
                        return r;
        }
        c->slurm_rc = 0;
        c->reason[0] = '\0';
        return call_at(c, c->version, msg_type, deadline, NULL);
}

/* Every slurmctld logs an error for a request in a version it does not take, so a version is
 * known before it is used where it can be: configured; remembered from the last call with the
 * same binary; the release of the binary itself (read once with -V); what was remembered before
 * the binary changed. Only when all of these fail are the versions probed, oldest first: a
 * slurmctld takes its own release and the 2 before it (3 from 24.11), so the oldest versions
 * are refused only by the newest releases, and fewer errors are logged than newest first. */
static int call(struct ha_slurm_client *c, uint16_t msg_type, usec_t deadline,
                struct ha_slurm_control *ret_control)
{
        usec_t probe = c->probe_timeout ? c->probe_timeout : 300 * HA_USEC_PER_MSEC;
        struct binary_id id, cached_id;
        uint16_t cached, tried[3];
        int r = -ETIMEDOUT, first = 0;
        size_t n_tried = 0;
        int32_t first_rc = 0;
        bool same;

        c->slurm_rc = 0;
        c->reason[0] = '\0';
        if (c->version)
                return call_at(c, c->version, msg_type, deadline, ret_control);

        id = binary_id_of(c->binary);
        cached = cache_load(c, &cached_id);
        same = !id.known || same_binary(&id, &cached_id);
        /* The versions known: remembered for this binary, its release, remembered for another. */
        for (int i = 0; i < 3; i++) {
                bool again = false;
                uint16_t v = 0;

                if (i == 0 && same)
                        v = cached;
                else if (i == 1)
                        v = binary_release(c, &id,
                                           ha_deadline_min(deadline, ha_deadline_in(probe)));
                else if (i == 2 && !same)
                        v = cached;
                for (size_t k = 0; k < n_tried; k++)
                        again = again || tried[k] == v;
                if (!v || again)
                        continue;
                c->slurm_rc = 0;
                tried[n_tried++] = v;
                r = call_at(c, v, msg_type, deadline, ret_control);
                if (version_mismatch(c, r))
                        continue;
                if (answered(c, r)) {
                        c->version = v;
                        if (v != cached || (id.known && !same_binary(&id, &cached_id)))
                                cache_store(c, v, &id);
                }
                return r;
        }
        for (uint16_t v = HA_SLURM_PROTO_OLDEST; v <= HA_SLURM_PROTO_NEWEST; v += 0x100) {
                usec_t attempt = ha_deadline_min(deadline, ha_deadline_in(probe));
                bool skip = false;

                for (size_t i = 0; i < n_tried; i++)
                        skip = skip || tried[i] == v;
                if (skip)
                        continue;
                if (ha_deadline_passed(deadline))
                        break;
                c->slurm_rc = 0;
                r = call_at(c, v, msg_type, attempt, ret_control);
                if (r == 0 || (!version_mismatch(c, r) && r != -ETIMEDOUT)) {
                        if (answered(c, r)) {
                                c->version = v;
                                cache_store(c, v, &id);
                        }
                        return r;
                }
                /* The error to report if no version works: an authentication error says
                 * most (the key or the uid), then the first one seen. */
                if (!first || (r == -EACCES && first != -EACCES)) {
                        first = r;
                        first_rc = c->slurm_rc;
                }
        }
        c->slurm_rc = first_rc;
        if (ha_deadline_passed(deadline) && r == -ETIMEDOUT)
                FAIL(c, -ETIMEDOUT,
                     "no usable reply from %s port %u at any protocol version "
                     "before the deadline",
                     c->address, c->port);
        {
                char last[sizeof(c->reason)];

                memcpy(last, c->reason, sizeof(last));
                FAIL(c, first ? first : r,
                     "no usable reply from %s port %u at any protocol "
                     "version from 22.05 to 26.05 (last: %.120s)",
                     c->address, c->port, last);
        }
}

/* Hands the reason of a failed call to the caller (reason.h), and returns `r`. */
static int said(const struct ha_slurm_client *c, int r, const char **ret_reason)
{
        return r < 0 ? ha_fail(ret_reason, ha_reason("%s", c->reason), r) : r;
}

int ha_slurm_ping(struct ha_slurm_client *c, usec_t deadline, const char **ret_reason)
{
        return said(c, call(c, HA_SLURM_REQUEST_PING, deadline, NULL), ret_reason);
}

int ha_slurm_control_status(struct ha_slurm_client *c, usec_t deadline,
                            struct ha_slurm_control *ret, const char **ret_reason)
{
        struct ha_slurm_control control;
        int r = call(c, HA_SLURM_REQUEST_CONTROL_STATUS, deadline, &control);

        if (r == 0)
                *ret = control;
        return said(c, r, ret_reason);
}

int ha_slurm_takeover(struct ha_slurm_client *c, usec_t deadline, const char **ret_reason)
{
        return said(c, call_slow(c, HA_SLURM_REQUEST_TAKEOVER, deadline), ret_reason);
}

const char *ha_slurm_strerror(int r)
{
        switch (r) {
        case 0:
                return "success";
        case -ECONNREFUSED:
                return "connection refused";
        case -ETIMEDOUT:
                return "timed out";
        case -ECONNRESET:
                return "closed without reply";
        case -EBUSY:
                return "in standby";
        case -EACCES:
                return "permission denied";
        case -EBADMSG:
                return "malformed reply";
        case -EMSGSIZE:
                return "reply too large";
        case -EPROTONOSUPPORT:
                return "protocol version refused";
        case -EREMOTEIO:
                return "Slurm error";
        default:
                return strerror(-r);
        }
}

/* ---- slurmdbd ---- */

void ha_slurmdbd_init_body(uint16_t version, uint8_t body[HA_SLURMDBD_INIT_BODY_LEN])
{
        put16(body, version); /* persist_init_req: version first, for old releases */
        put32(body + 2, 0);   /* cluster name: none (slurmdbd does not check it here) */
        put16(body + 6, 0);   /* persist_type: none, as `sacctmgr ping` */
        put16(body + 8, 0);   /* port: none (only a registering slurmctld gives one) */
}

int ha_slurmdbd_request_build(uint16_t version, const char *cred, uint8_t **ret, size_t *ret_len)
{
        size_t cred_len = strlen(cred) + 1;
        size_t len = 4 + 2 + HEADER_LEN + 4 + 4 + cred_len + HA_SLURMDBD_INIT_BODY_LEN;
        uint8_t *f = malloc(len), *p;

        if (!f)
                return -ENOMEM;
        p = f;
        put32(p, (uint32_t)(len - 4));
        /* A connection to slurmdbd: the message type comes first, then the usual header. */
        put16(p + 4, HA_SLURM_REQUEST_PERSIST_INIT);
        p = put_header_auth(p + 6, version, HA_SLURM_FLAG_GLOBAL_AUTH | HA_SLURM_FLAG_DBD,
                            HA_SLURM_REQUEST_PERSIST_INIT, HA_SLURMDBD_INIT_BODY_LEN, cred,
                            cred_len);
        ha_slurmdbd_init_body(version, p);
        *ret = f;
        *ret_len = len;
        return 0;
}

int ha_slurmdbd_reply_parse(const uint8_t *frame, size_t len, int32_t *ret_rc, char *comment,
                            size_t comment_size, const char **ret_reason)
{
        struct reader r = {.p = frame, .len = len};
        uint16_t msg_type, flags, ret_info;

#define BAD(why)                                                                                   \
        do {                                                                                       \
                *ret_reason = why;                                                                 \
                return -EBADMSG;                                                                   \
        } while (0)

        uint32_t comment_len, rc;
        const uint8_t *text = NULL;

        if (!get16(&r, &msg_type))
                BAD("answer shorter than its message type");
        if (msg_type != HA_SLURM_PERSIST_RC)
                BAD("answer is not a PERSIST_RC");
        if (!get32(&r, &comment_len))
                BAD("answer truncated before its comment");
        if (comment_len > 0) {
                if (comment_len > HA_SLURM_MAX_DBD_REPLY || !get_bytes(&r, comment_len, &text))
                        BAD("answer truncated in its comment");
                if (memchr(text, '\0', comment_len) != text + comment_len - 1)
                        BAD("answer comment not a string");
        }
        if (!get16(&r, &flags) || !get32(&r, &rc) || !get16(&r, &ret_info))
                BAD("answer truncated after its comment");
        if (r.off != r.len)
                BAD("answer longer than a PERSIST_RC");
        *ret_rc = (int32_t)rc;
        if (comment_size > 0)
                (void)snprintf(comment, comment_size, "%s", text ? (const char *)text : "");
        return 0;
}
#undef BAD

static int dbd_ping(struct ha_slurm_client *c, usec_t deadline)
{
        uint16_t version =
                c->version && c->version <= HA_SLURM_DBD_NEWEST ? c->version : HA_SLURM_DBD_NEWEST;
        uint8_t body[HA_SLURMDBD_INIT_BODY_LEN], lenbuf[4];
        uint8_t *frame = NULL;
        const char *why = NULL;
        char comment[128];
        size_t got;
        uint32_t len = 0;
        int32_t rc = 0;
        int fd = -1, r;

        c->slurm_rc = 0;
        ha_slurmdbd_init_body(version, body);
        r = sign_send(c, "slurmdbd", version, HA_SLURM_REQUEST_PERSIST_INIT, body, sizeof(body),
                      deadline, &fd);
        if (r < 0 && fd < 0)
                return r;
        if (r == 0)
                r = ha_net_read_exact(fd, lenbuf, sizeof(lenbuf), deadline, &got);
        if (r == 0) {
                len = (uint32_t)lenbuf[0] << 24 | (uint32_t)lenbuf[1] << 16 |
                      (uint32_t)lenbuf[2] << 8 | lenbuf[3];
                if (len > HA_SLURM_MAX_DBD_REPLY) {
                        (void)close(fd);
                        FAIL(c, -EMSGSIZE, "answer claims %u bytes, more than the %u accepted", len,
                             HA_SLURM_MAX_DBD_REPLY);
                }
                frame = malloc(len ? len : 1);
                r = frame ? ha_net_read_exact(fd, frame, len, deadline, &got) : -ENOMEM;
        }
        (void)close(fd);
        if (r < 0) {
                free(frame);
                if (r == -ETIMEDOUT)
                        FAIL(c, r,
                             "%s port %u accepted the connection but did not answer before the "
                             "deadline (slurmdbd hung, busy, or waiting on its database)",
                             c->address, c->port);
                if (r == -ECONNRESET || r == -EPIPE)
                        FAIL(c, -ECONNRESET, "%s port %u closed the connection without an answer",
                             c->address, c->port);
                FAIL(c, r, "exchange with %s port %u failed: %s", c->address, c->port,
                     strerror(-r));
        }
        r = ha_slurmdbd_reply_parse(frame, len, &rc, comment, sizeof(comment), &why);
        free(frame);
        if (r < 0)
                FAIL(c, r, "malformed answer: %s", why);
        c->slurm_rc = rc;
        if (rc == 0)
                return 0;
        if (rc == HA_ESLURM_DB_CONNECTION)
                FAIL(c, -ENOLINK, "slurmdbd answers but cannot reach its database (%s)",
                     *comment ? comment : "Slurm error 7000");
        FAIL(c, -EREMOTEIO, "slurmdbd answered with Slurm error %d%s%s%s (asked in protocol %s)",
             rc, *comment ? " (" : "", comment, *comment ? ")" : "", ha_protocol_release(version));
}

int ha_slurmdbd_ping(struct ha_slurm_client *c, usec_t deadline, const char **ret_reason)
{
        return said(c, dbd_ping(c, deadline), ret_reason);
}
