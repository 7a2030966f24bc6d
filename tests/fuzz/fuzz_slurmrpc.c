/* fuzz_slurmrpc: a reply from whatever answers on the controller port.
 *
 * The input is a reply frame as exchange() hands it to the parser: what follows the u32 length
 * prefix (at most HA_SLURM_MAX_REPLY bytes). The parser must never read outside the frame; what
 * it accepts must be consistent (the body and credential inside the frame, the credential one
 * NUL-terminated string); the body parsers and the credential's hash run on whatever body it
 * accepts, as the client does. A request built from an accepted reply's fields parses back the
 * same, so builder and parser agree on the format. The same input is also given to the parser of
 * slurmdbd's answer (PERSIST_RC), which the check's slurmdbd probe reads.
 */
#include "tests/fuzz/fuzz.h"

#include "common/slurmrpc.h"

static void check_request_round_trip(const struct ha_slurm_reply *reply)
{
        struct ha_slurm_reply back;
        const char *why = NULL;
        uint8_t *req = NULL;
        size_t req_len = 0;

        if (ha_slurm_request_build(reply->version, reply->msg_type, reply->cred, &req, &req_len) <
            0)
                abort();
        FUZZ_ASSERT(req_len > 4);
        FUZZ_ASSERT(((size_t)req[0] << 24 | (size_t)req[1] << 16 | (size_t)req[2] << 8 | req[3]) ==
                    req_len - 4);
        FUZZ_ASSERT(ha_slurm_reply_parse(req + 4, req_len - 4, &back, &why) == 0);
        FUZZ_ASSERT(back.version == reply->version && back.msg_type == reply->msg_type);
        FUZZ_ASSERT(back.flags == 0 && back.body_len == 0);
        FUZZ_ASSERT(back.cred && strcmp(back.cred, reply->cred) == 0);
        free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ha_slurm_reply reply;
        struct ha_slurm_control ctl;
        uint8_t hash[HA_SLURM_HASH_LEN];
        const char *why = NULL;
        int32_t rc;
        int r;

        if (size > HA_SLURM_MAX_REPLY)
                return 0; /* exchange() refuses these before parsing */
        /* The same bytes as slurmdbd's answer to the check's probe (PERSIST_RC). */
        if (size <= HA_SLURM_MAX_DBD_REPLY) {
                char comment[128];

                r = ha_slurmdbd_reply_parse(data, size, &rc, comment, sizeof(comment), &why);
                FUZZ_ASSERT(r == 0 || (r == -EBADMSG && why && *why));
                if (r == 0)
                        FUZZ_ASSERT(strlen(comment) < sizeof(comment));
                why = NULL;
        }
        r = ha_slurm_reply_parse(data, size, &reply, &why);
        if (r < 0) {
                FUZZ_ASSERT(r == -EBADMSG && why && *why);
                return 0;
        }
        FUZZ_ASSERT(reply.version >= HA_SLURM_PROTO_OLDEST &&
                    reply.version <= HA_SLURM_PROTO_NEWEST);
        FUZZ_ASSERT(reply.body >= data && reply.body + reply.body_len == data + size);
        if (reply.cred) {
                const uint8_t *c = (const uint8_t *)reply.cred;
                size_t len = strlen(reply.cred);

                FUZZ_ASSERT(!(reply.flags & HA_SLURM_FLAG_NO_AUTH));
                FUZZ_ASSERT(c > data && c + len < reply.body);
                check_request_round_trip(&reply);
        } else {
                FUZZ_ASSERT(reply.flags & HA_SLURM_FLAG_NO_AUTH);
        }

        /* What the client does with an accepted reply. */
        ha_slurm_hash(reply.msg_type, reply.body, reply.body_len, hash);
        FUZZ_ASSERT(hash[0] == 0x02);
        if (ha_slurm_parse_rc(&reply, &rc) == 0)
                FUZZ_ASSERT(reply.msg_type == HA_SLURM_RESPONSE_SLURM_RC && reply.body_len == 4);
        if (ha_slurm_parse_control(&reply, &ctl) == 0)
                FUZZ_ASSERT(reply.msg_type == HA_SLURM_RESPONSE_CONTROL_STATUS &&
                            reply.body_len == 10);
        (void)ha_slurm_strerror(-EBADMSG);
        return 0;
}
