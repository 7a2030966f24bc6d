/* slurmrpc.h: a client for slurmctld's native RPC, enough to ask who is in control.
 *
 * Three requests, each with an empty body: REQUEST_PING (is it up), REQUEST_CONTROL_STATUS (is
 * it the acting controller, and since when: the only way to tell an acting controller from a
 * standby, since a standby answers pings) and REQUEST_TAKEOVER (make a standby take control).
 * Authentication is auth/munge: the credential is restricted to the SlurmUser uid and carries a
 * KangarooTwelve hash of the message, so sites with
 * CommunicationParameters=block_null_hash,block_zero_hash work.
 *
 * The wire format (big-endian; tests/unit/test_slurmrpc.c has golden bytes):
 *   u32 length of what follows
 *   header: u16 version, u16 flags, u16 msg_type, u32 body_length, u16 forward_cnt,
 *           u16 ret_cnt, u16 address family (0, or AF_INET followed by u32 address, u16 port)
 *   auth:   u32 plugin id (101, auth/munge), u32 length + credential + NUL
 *           (absent in a reply whose flags carry SLURM_NO_AUTH_CRED, as from 24.11 on)
 *   body:   body_length bytes
 *
 * No single version talks to every release, and a slurmctld logs an error for each request in
 * a version it does not take. The version is configured; or remembered per controller in a
 * small file with the identity of the slurmctld binary; or the release that binary prints
 * with -V (a new binary is read once); or, when none of these works, probed oldest first
 * (22.05 up to 26.05) and remembered.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/clock.h"

#define HA_SLURM_REQUEST_SHUTDOWN        1005
#define HA_SLURM_REQUEST_PING            1008
#define HA_SLURM_REQUEST_CONTROL         1009
#define HA_SLURM_REQUEST_TAKEOVER        1012
#define HA_SLURM_REQUEST_CONTROL_STATUS  2053
#define HA_SLURM_RESPONSE_CONTROL_STATUS 2054
#define HA_SLURM_RESPONSE_SLURM_RC       8001

#define HA_SLURM_AUTH_MUNGE    101
#define HA_SLURM_FLAG_NO_AUTH  0x0040
#define HA_SLURM_MAX_REPLY     (64 * 1024) /* our replies are tens of bytes plus a credential */
#define HA_SLURM_PROTO_NEWEST  (45 << 8)   /* 26.05 */
#define HA_SLURM_PROTO_OLDEST  (38 << 8)   /* 22.05 */
#define HA_SLURM_PROTO_NO_AUTH (42 << 8)   /* 24.11: replies may come without a credential */

/* Slurm error codes the client tells apart. */
#define HA_ESLURM_PROTOCOL_VERSION 1005
#define HA_ESLURM_AUTHENTICATION   1007 /* 24.11 and later, for a credential it will not take */
#define HA_ESLURM_ACCESS_DENIED    2002
#define HA_ESLURM_USER_ID_MISSING  2010
#define HA_ESLURM_IN_STANDBY_MODE  2027

/* One controller, and how to reach it. */
struct ha_slurm_client {
        const char *address;      /* numeric IPv4 or IPv6 address */
        uint16_t port;            /* SlurmctldPort, 6817 by default */
        uid_t slurm_uid;          /* SlurmUser: the credential is restricted to it */
        const char *munge_socket; /* the AuthInfo socket */
        uint16_t version;         /* protocol version; 0: find it (then set to what worked) */
        const char *cache_dir;    /* where found versions are remembered; NULL: nowhere */
        const char *binary;       /* the controller's slurmctld executable, or NULL: its
                                     release (`slurmctld -V`) is the version tried first */
        pid_t pid;                /* the running slurmctld's pid when known, else 0 */
        usec_t probe_timeout;     /* one attempt while probing, and -V; 0: 300 ms */

        /* Filled by every call, for the caller's log line. */
        int32_t slurm_rc; /* Slurm's return code when it sent one, else 0 */
        char reason[256]; /* the calls' own: callers get it through *ret_reason */
};

/* What REQUEST_CONTROL_STATUS says. */
struct ha_slurm_control {
        uint16_t backup_inx;   /* this daemon's SlurmctldHost index: 0 primary, 1.. backups */
        uint64_t control_time; /* when it became the acting controller; 0: standby */
};

/* Asks the controller to answer a ping. A standby answers too. Returns 0, or -errno:
 *   -ECONNREFUSED     nothing listens (slurmctld not running)
 *   -ETIMEDOUT        no answer before the deadline (a hung daemon, a tarpit, a lost host)
 *   -ECONNRESET       closed without a reply (protocol version or authentication rejected)
 *   -EBUSY            it is in standby (only for requests a standby refuses)
 *   -EACCES           permission denied (not SlurmUser or root)
 *   -EBADMSG          a malformed reply, or one whose credential does not check out
 *   -EMSGSIZE         a reply claiming more than HA_SLURM_MAX_REPLY bytes
 *   -EPROTONOSUPPORT  it refused the protocol version
 *   -EREMOTEIO        another Slurm error: see slurm_rc
 *   others            from connect(2) or MUNGE (-EHOSTUNREACH, ...)
 * *ret_reason (reason.h) says what happened in words. */
int ha_slurm_ping(struct ha_slurm_client *c, usec_t deadline, const char **ret_reason);

/* Asks whether the controller is in control. Returns 0 and fills *ret, or -errno as above. */
int ha_slurm_control_status(struct ha_slurm_client *c, usec_t deadline,
                            struct ha_slurm_control *ret, const char **ret_reason);

/* Asks a standby to take control (SlurmUser or root only). A controller already in control
 * answers success. Slurm 22.05 acknowledges after about 2 s and is in control some seconds
 * later: poll ha_slurm_control_status() for that. Returns 0 or -errno as above. */
int ha_slurm_takeover(struct ha_slurm_client *c, usec_t deadline, const char **ret_reason);

/* ---- slurmdbd ---- */

#define HA_SLURM_REQUEST_PERSIST_INIT 6500
#define HA_SLURM_PERSIST_RC           1433
#define HA_SLURM_FLAG_GLOBAL_AUTH     0x0001
#define HA_SLURM_FLAG_DBD             0x0002
#define HA_SLURM_DBD_NEWEST           (42 << 8) /* 24.11: slurmdbd 24.11 to 26.05 take it */
#define HA_ESLURM_DB_CONNECTION       7000
#define HA_SLURM_MAX_DBD_REPLY        4096

/* Asks slurmdbd at c->address, c->port what a client's first message gets: a persistent
 * connection (REQUEST_PERSIST_INIT, the probe of `sacctmgr ping`), with a MUNGE credential
 * restricted to c->slurm_uid (slurmdbd runs as SlurmUser). slurmdbd answers only after it has
 * opened a connection to its database for it. c->version is slurmctld's release (a slurmdbd
 * is never older); releases after 24.11 are asked in 24.11's. Returns 0 (slurmdbd and its
 * database answer), or -errno:
 *   -ECONNREFUSED  nothing listens;  -ETIMEDOUT  connected, no answer before the deadline
 *   -ENOLINK       slurmdbd answers, but cannot reach its database (Slurm error 7000)
 *   -ECONNRESET    closed without an answer;  -EBADMSG / -EMSGSIZE  not a PERSIST_RC
 *   -EREMOTEIO     another Slurm error (slurm_rc; version or credential refused, ...)
 * *ret_reason (reason.h) says what happened in words. The answer carries no credential
 * (slurmdbd sends none): it shows that a slurmdbd answers at that address, not which one. */
int ha_slurmdbd_ping(struct ha_slurm_client *c, usec_t deadline, const char **ret_reason);

/* The REQUEST_PERSIST_INIT frame (length prefix included) for `version`, with no cluster name:
 * *ret (free() it), *ret_len. The credential must carry ha_slurm_hash() of the body, which
 * ha_slurmdbd_init_body() gives. Returns 0 or -ENOMEM. */
#define HA_SLURMDBD_INIT_BODY_LEN 10
void ha_slurmdbd_init_body(uint16_t version, uint8_t body[HA_SLURMDBD_INIT_BODY_LEN]);
int ha_slurmdbd_request_build(uint16_t version, const char *cred, uint8_t **ret, size_t *ret_len);

/* Parses slurmdbd's answer (what follows the u32 length prefix): PERSIST_RC. Never reads
 * outside [frame, frame + len). Returns 0 with *ret_rc, and the comment (may be "") copied
 * into `comment`; or -EBADMSG with a reason in *ret_reason (a static string). */
int ha_slurmdbd_reply_parse(const uint8_t *frame, size_t len, int32_t *ret_rc, char *comment,
                            size_t comment_size, const char **ret_reason);

/* A short description of a return value of the calls above ("connection refused", ...). */
const char *ha_slurm_strerror(int r);

/* ---- The wire format, exposed for tests and fuzzers. ---- */

/* The credential payload for a message: 0x02, then KangarooTwelve(body) with the message type
 * (big-endian) as customization, 32 bytes. */
#define HA_SLURM_HASH_LEN 33
void ha_slurm_hash(uint16_t msg_type, const void *body, size_t len, uint8_t out[HA_SLURM_HASH_LEN]);

/* Builds a whole request frame (length prefix included) with an empty body. Stores it in *ret
 * (free() it) and its length in *ret_len. Returns 0 or -ENOMEM. */
int ha_slurm_request_build(uint16_t version, uint16_t msg_type, const char *cred, uint8_t **ret,
                           size_t *ret_len);

/* A parsed reply; pointers point into the frame given to ha_slurm_reply_parse(). */
struct ha_slurm_reply {
        uint16_t version;
        uint16_t flags;
        uint16_t msg_type;
        const uint8_t *body;
        uint32_t body_len;
        const char *cred; /* NUL-terminated, or NULL when the reply has no auth section */
};

/* Parses a reply frame (what follows the u32 length prefix). Never reads outside
 * [frame, frame + len) and allocates nothing. Returns 0, or -EBADMSG with a reason in
 * *ret_reason (a static string). */
int ha_slurm_reply_parse(const uint8_t *frame, size_t len, struct ha_slurm_reply *ret,
                         const char **ret_reason);

/* Parses the body of RESPONSE_SLURM_RC. Returns 0 or -EBADMSG. */
int ha_slurm_parse_rc(const struct ha_slurm_reply *reply, int32_t *ret_rc);

/* Parses the body of RESPONSE_CONTROL_STATUS. Returns 0 or -EBADMSG. */
int ha_slurm_parse_control(const struct ha_slurm_reply *reply, struct ha_slurm_control *ret);
