/* k12.c: KangarooTwelve (KT128 of RFC 9861), written from the specification.
 *
 * Three layers: the permutation Keccak-p[1600, 12], the sponge TurboSHAKE128 on top of it
 * (rate 168 bytes, one domain-separation byte), and the KT128 tree mode on top of that. The
 * string S = M || C || length_encode(|C|) is streamed through the tree chunk by chunk, so
 * nothing is ever copied or allocated: the whole state is two sponges on the stack.
 */
#include "common/k12.h"

#include <stdbool.h>

#define K12_RATE   168  /* TurboSHAKE128 rate: 1600 - 256 bits of capacity, in bytes */
#define K12_LANES  25   /* 64-bit lanes in the 1600-bit state */
#define K12_ROUNDS 12   /* Keccak-p[1600, 12] */
#define K12_CHUNK  8192 /* B in RFC 9861: the size of every chunk of S */
#define K12_CV_LEN 32   /* chaining value of a leaf, in bytes */

#define K12_DOMAIN_SINGLE 0x07 /* |S| <= B: S is hashed as one node */
#define K12_DOMAIN_LEAF   0x0B /* a leaf S_i, i >= 1, giving CV_i */
#define K12_DOMAIN_FINAL  0x06 /* the final node of the tree */

/* Round constants of Keccak-f[1600] rounds 12 to 23 (FIPS 202, 3.2.5): Keccak-p[1600, 12] is
 * exactly the last 12 rounds of Keccak-f[1600]. */
static const uint64_t k12_rc[K12_ROUNDS] = {
        UINT64_C(0x000000008000808B), UINT64_C(0x800000000000008B), UINT64_C(0x8000000000008089),
        UINT64_C(0x8000000000008003), UINT64_C(0x8000000000008002), UINT64_C(0x8000000000000080),
        UINT64_C(0x000000000000800A), UINT64_C(0x800000008000000A), UINT64_C(0x8000000080008081),
        UINT64_C(0x8000000000008080), UINT64_C(0x0000000080000001), UINT64_C(0x8000000080008008),
};

/* Rotation offsets of the rho step (FIPS 202, 3.2.2), indexed by lane x + 5 * y. */
static const unsigned k12_rho[K12_LANES] = {
        0,  1,  62, 28, 27, /* y = 0 */
        36, 44, 6,  55, 20, /* y = 1 */
        3,  10, 43, 25, 39, /* y = 2 */
        41, 45, 15, 21, 8,  /* y = 3 */
        18, 2,  61, 56, 14, /* y = 4 */
};

/* A TurboSHAKE128 sponge: the Keccak state and the byte offset inside the current block, used
 * both while absorbing and while squeezing. */
struct ts128 {
        uint64_t lane[K12_LANES];
        size_t pos;
};

/* The KT128 tree being built: the final node's sponge, the sponge of the leaf being filled,
 * how many bytes of S went in so far and how many chaining values the final node holds. */
struct kt128 {
        struct ts128 final;
        struct ts128 leaf;
        uint64_t total;
        uint64_t leaves;
        bool leaf_open;
};

/* Rotates a lane left; the masked right shift keeps n == 0 defined. */
static uint64_t rotl64(uint64_t v, unsigned n)
{
        return (v << n) | (v >> ((64 - n) & 63));
}

/* Reads a little-endian lane byte by byte, so any alignment and any host byte order work. */
static uint64_t load64_le(const uint8_t *p)
{
        uint64_t v = 0;
        unsigned i;

        for (i = 0; i < 8; i++)
                v |= (uint64_t)p[i] << (8 * i);
        return v;
}

/* Keccak-p[1600, 12]: theta, rho, pi, chi and iota, once per round, with the round constants
 * of rounds 12..23. */
static void keccak_p12(uint64_t a[K12_LANES])
{
        uint64_t b[K12_LANES];
        uint64_t c[5];
        uint64_t d[5];
        unsigned round, x, y;

        for (round = 0; round < K12_ROUNDS; round++) {
                /* theta: every lane takes the parity of two neighbouring columns. */
                for (x = 0; x < 5; x++)
                        c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
                for (x = 0; x < 5; x++)
                        d[x] = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
                for (y = 0; y < 25; y += 5)
                        for (x = 0; x < 5; x++)
                                a[y + x] ^= d[x];

                /* rho and pi: lane (x, y) is rotated and moves to (y, 2x + 3y). */
                for (y = 0; y < 5; y++)
                        for (x = 0; x < 5; x++)
                                b[y + 5 * ((2 * x + 3 * y) % 5)] =
                                        rotl64(a[x + 5 * y], k12_rho[x + 5 * y]);

                /* chi: the only non-linear step, along each row. */
                for (y = 0; y < 25; y += 5)
                        for (x = 0; x < 5; x++)
                                a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);

                /* iota */
                a[0] ^= k12_rc[round];
        }
}

/* Starts a TurboSHAKE128 sponge on the all-zero state. */
static void ts_init(struct ts128 *ts)
{
        unsigned i;

        for (i = 0; i < K12_LANES; i++)
                ts->lane[i] = 0;
        ts->pos = 0;
}

/* XORs one byte into the state at the current offset of the block. */
static void ts_xor_byte(struct ts128 *ts, uint8_t byte)
{
        ts->lane[ts->pos / 8] ^= (uint64_t)byte << (8 * (ts->pos % 8));
}

/* Absorbs len bytes; whole blocks go in lane by lane, the rest byte by byte. */
static void ts_absorb(struct ts128 *ts, const uint8_t *p, size_t len)
{
        unsigned i;

        while (len > 0) {
                if (ts->pos == 0 && len >= K12_RATE) {
                        for (i = 0; i < K12_RATE / 8; i++)
                                ts->lane[i] ^= load64_le(p + 8 * i);
                        keccak_p12(ts->lane);
                        p += K12_RATE;
                        len -= K12_RATE;
                        continue;
                }
                ts_xor_byte(ts, *p);
                p++;
                len--;
                if (++ts->pos == K12_RATE) {
                        keccak_p12(ts->lane);
                        ts->pos = 0;
                }
        }
}

/* Ends absorption: the domain byte D after the message, then the final bit of pad10*1 in the
 * last byte of the block (D already holds the first padding bit), and switches to squeezing. */
static void ts_finish(struct ts128 *ts, uint8_t domain)
{
        ts_xor_byte(ts, domain);
        ts->pos = K12_RATE - 1;
        ts_xor_byte(ts, 0x80);
        keccak_p12(ts->lane);
        ts->pos = 0;
}

/* Squeezes len bytes, permuting whenever a whole block has been read out. */
static void ts_squeeze(struct ts128 *ts, uint8_t *out, size_t len)
{
        while (len > 0) {
                if (ts->pos == K12_RATE) {
                        keccak_p12(ts->lane);
                        ts->pos = 0;
                }
                *out = (uint8_t)(ts->lane[ts->pos / 8] >> (8 * (ts->pos % 8)));
                out++;
                len--;
                ts->pos++;
        }
}

/* length_encode(x) of RFC 9861: x big-endian on as few bytes as possible (none for 0), then
 * the number of those bytes. Returns the length of the encoding, at most 9. */
static size_t length_encode(uint64_t x, uint8_t out[9])
{
        size_t n = 0;
        size_t i;
        uint64_t v;

        for (v = x; v != 0; v >>= 8)
                n++;
        for (i = 0; i < n; i++)
                out[i] = (uint8_t)(x >> (8 * (n - 1 - i)));
        out[n] = (uint8_t)n;
        return n + 1;
}

/* Starts an empty tree: the final node is also S_0, the first chunk of S. */
static void kt_init(struct kt128 *kt)
{
        ts_init(&kt->final);
        ts_init(&kt->leaf);
        kt->total = 0;
        kt->leaves = 0;
        kt->leaf_open = false;
}

/* Closes the current leaf: CV_i = TurboSHAKE128(S_i, 0x0B, 32) goes into the final node. */
static void kt_close_leaf(struct kt128 *kt)
{
        uint8_t cv[K12_CV_LEN];

        ts_finish(&kt->leaf, K12_DOMAIN_LEAF);
        ts_squeeze(&kt->leaf, cv, sizeof(cv));
        ts_absorb(&kt->final, cv, sizeof(cv));
        kt->leaves++;
        kt->leaf_open = false;
}

/* Appends bytes to S. The first B bytes are S_0 and go straight into the final node; every
 * later chunk of B bytes is a leaf. A leaf is closed only when the next byte arrives (or at
 * the end), so that |S| == B stays a single node and no empty leaf is ever hashed. */
static void kt_feed(struct kt128 *kt, const uint8_t *p, size_t len)
{
        static const uint8_t tree_marker[8] = {0x03, 0, 0, 0, 0, 0, 0, 0};
        uint64_t off;
        size_t take;

        while (len > 0) {
                if (kt->total < K12_CHUNK) {
                        off = kt->total;
                        take = (size_t)(K12_CHUNK - off) < len ? (size_t)(K12_CHUNK - off) : len;
                        ts_absorb(&kt->final, p, take);
                } else {
                        off = (kt->total - K12_CHUNK) % K12_CHUNK;
                        if (off == 0) {
                                /* A new leaf starts: S is longer than one chunk after all. */
                                if (kt->total == K12_CHUNK)
                                        ts_absorb(&kt->final, tree_marker, sizeof(tree_marker));
                                else
                                        kt_close_leaf(kt);
                                ts_init(&kt->leaf);
                                kt->leaf_open = true;
                        }
                        take = (size_t)(K12_CHUNK - off) < len ? (size_t)(K12_CHUNK - off) : len;
                        ts_absorb(&kt->leaf, p, take);
                }
                kt->total += take;
                p += take;
                len -= take;
        }
}

/* Ends S and squeezes the output: a single node with domain 0x07 if |S| <= B, else the final
 * node S_0 || 03 00^7 || CV_1 .. CV_n || length_encode(n) || FF FF with domain 0x06. */
static void kt_finish(struct kt128 *kt, uint8_t *out, size_t outlen)
{
        static const uint8_t tree_end[2] = {0xFF, 0xFF};
        uint8_t enc[9];
        size_t enclen;

        if (kt->total <= K12_CHUNK) {
                ts_finish(&kt->final, K12_DOMAIN_SINGLE);
        } else {
                if (kt->leaf_open)
                        kt_close_leaf(kt);
                enclen = length_encode(kt->leaves, enc);
                ts_absorb(&kt->final, enc, enclen);
                ts_absorb(&kt->final, tree_end, sizeof(tree_end));
                ts_finish(&kt->final, K12_DOMAIN_FINAL);
        }
        ts_squeeze(&kt->final, out, outlen);
}

/* KT128(M = input, C = custom, L = outlen): streams M, C and length_encode(|C|) through the
 * tree. Empty inputs may be passed as NULL. */
void ha_k12(const void *input, size_t inlen, const void *custom, size_t customlen, uint8_t *out,
            size_t outlen)
{
        struct kt128 kt;
        uint8_t enc[9];
        size_t enclen;

        kt_init(&kt);
        if (inlen > 0)
                kt_feed(&kt, input, inlen);
        if (customlen > 0)
                kt_feed(&kt, custom, customlen);
        enclen = length_encode(customlen, enc);
        kt_feed(&kt, enc, enclen);
        kt_finish(&kt, out, outlen);
}
