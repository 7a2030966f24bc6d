/* test_k12.c: KangarooTwelve against the published test vectors and Slurm message hashes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/k12.h"

/* One KangarooTwelve vector. M is ptn(mlen) or mlen bytes 0xFF, C is ptn(clen) unless custom is
 * set; the expected hex is the last strlen(hex) / 2 bytes of an outlen-byte output. */
struct k12_vector {
        const char *name;
        int msg_ff;
        size_t mlen;
        size_t clen;
        const uint8_t *custom;
        size_t outlen;
        const char *hex;
};

/* Slurm customizations: msg_type as 2 bytes big-endian, as _compute_hash() in Slurm's
 * src/common/slurm_protocol_api.c passes htons(msg->msg_type) to hash_g_compute(). */
static const uint8_t msg_1008[2] = {0x03, 0xf0};
static const uint8_t msg_1012[2] = {0x03, 0xf4};
static const uint8_t msg_2053[2] = {0x08, 0x05};

/* KT128 vectors of RFC 9861 section 5 (the same values as in the KangarooTwelve paper and
 * XKCP's tests/TestVectors/KangarooTwelve.txt), then the Slurm message hashes. */
static const struct k12_vector vectors[] = {
        {"M=empty C=empty L=32", 0, 0, 0, NULL, 32,
         "1ac2d450fc3b4205d19da7bfca1b37513c0803577ac7167f06fe2ce1f0ef39e5"},
        {"M=empty C=empty L=64", 0, 0, 0, NULL, 64,
         "1ac2d450fc3b4205d19da7bfca1b37513c0803577ac7167f06fe2ce1f0ef39e5"
         "4269c056b8c82e48276038b6d292966cc07a3d4645272e31ff38508139eb0a71"},
        {"M=empty C=empty L=10032 last 32", 0, 0, 0, NULL, 10032,
         "e8dc563642f7228c84684c898405d3a834799158c079b12880277a1d28e2ff6d"},
        {"M=ptn(1) C=empty", 0, 1, 0, NULL, 32,
         "2bda92450e8b147f8a7cb629e784a058efca7cf7d8218e02d345dfaa65244a1f"},
        {"M=ptn(17) C=empty", 0, 17, 0, NULL, 32,
         "6bf75fa2239198db4772e36478f8e19b0f371205f6a9a93a273f51df37122888"},
        {"M=ptn(17^2) C=empty", 0, 289, 0, NULL, 32,
         "0c315ebcdedbf61426de7dcf8fb725d1e74675d7f5327a5067f367b108ecb67c"},
        {"M=ptn(17^3) C=empty", 0, 4913, 0, NULL, 32,
         "cb552e2ec77d9910701d578b457ddf772c12e322e4ee7fe417f92c758f0d59d0"},
        {"M=ptn(17^4) C=empty (tree)", 0, 83521, 0, NULL, 32,
         "8701045e22205345ff4dda05555cbb5c3af1a771c2b89baef37db43d9998b9fe"},
        {"M=ptn(17^5) C=empty (tree)", 0, 1419857, 0, NULL, 32,
         "844d610933b1b9963cbdeb5ae3b6b05cc7cbd67ceedf883eb678a0a8e0371682"},
        {"M=ptn(17^6) C=empty (tree)", 0, 24137569, 0, NULL, 32,
         "3c390782a8a4e89fa6367f72feaaf13255c8d95878481d3cd8ce85f58e880af8"},
        {"M=empty C=ptn(1)", 1, 0, 1, NULL, 32,
         "fab658db63e94a246188bf7af69a133045f46ee984c56e3c3328caaf1aa1a583"},
        {"M=FF C=ptn(41)", 1, 1, 41, NULL, 32,
         "d848c5068ced736f4462159b9867fd4c20b808acc3d5bc48e0b06ba0a3762ec4"},
        {"M=FF^3 C=ptn(41^2)", 1, 3, 1681, NULL, 32,
         "c389e5009ae57120854c2e8c64670ac01358cf4c1baf89447a724234dc7ced74"},
        {"M=FF^7 C=ptn(41^3) (tree)", 1, 7, 68921, NULL, 32,
         "75d2f86a2e644566726b4fbcfc5657b9dbcf070c7b0dca06450ab291d7443bcf"},
        /* Chunk boundaries, added in RFC 9861: |S| = 8192, 8193, 16384 and 16385. */
        {"M=ptn(8191) C=empty", 0, 8191, 0, NULL, 32,
         "1b577636f723643e990cc7d6a659837436fd6a103626600eb8301cd1dbe553d6"},
        {"M=ptn(8192) C=empty (tree)", 0, 8192, 0, NULL, 32,
         "48f256f6772f9edfb6a8b661ec92dc93b95ebd05a08a17b39ae3490870c926c3"},
        {"M=ptn(8192) C=ptn(8189) (tree)", 0, 8192, 8189, NULL, 32,
         "3ed12f70fb05ddb58689510ab3e4d23c6c6033849aa01e1d8c220a297fedcd0b"},
        {"M=ptn(8192) C=ptn(8190) (tree)", 0, 8192, 8190, NULL, 32,
         "6a7c1b6a5cd0d8c9ca943a4a216cc64604559a2ea45f78570a15253d67ba00ae"},
        /* Slurm: M = empty message body, C = msg_type big-endian; MUNGE credentials carry 0x02
         * (HASH_PLUGIN_K12) followed by these 32 bytes. */
        {"slurm msg_type 1008", 0, 0, 2, msg_1008, 32,
         "5d5247bbb9ae435b2674a601f4a615de08d36c074c352457612d21db790784f9"},
        {"slurm msg_type 1012", 0, 0, 2, msg_1012, 32,
         "01b9f8ba229ab964f7125ad92f87d0946b9f940e07861f77cdad390626624836"},
        {"slurm msg_type 2053", 0, 0, 2, msg_2053, 32,
         "37b55d49a92746ce1847b566f2560e8f4ecb6678fd759541e51ab4a58801aa1f"},
};

#define N_VECTORS (sizeof(vectors) / sizeof(vectors[0]))

/* ptn(n) of RFC 9861: the bytes 00 .. FA repeated, truncated to n bytes. */
static uint8_t *ptn(size_t n)
{
        uint8_t *p = malloc(n > 0 ? n : 1);
        size_t i;

        assert_non_null(p);
        for (i = 0; i < n; i++)
                p[i] = (uint8_t)(i % 251);
        return p;
}

/* Decodes the expected hex string of a vector. */
static void unhex(const char *hex, uint8_t *out, size_t len)
{
        size_t i;
        unsigned v;

        assert_int_equal(strlen(hex), 2 * len);
        for (i = 0; i < len; i++) {
                assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
                out[i] = (uint8_t)v;
        }
}

/* Runs one vector, handed over as the test's initial state. */
static void test_vector(void **state)
{
        const struct k12_vector *v = *state;
        size_t explen = strlen(v->hex) / 2;
        uint8_t *msg, *cst, *out, *exp;

        msg = ptn(v->mlen);
        if (v->msg_ff)
                memset(msg, 0xFF, v->mlen);
        cst = ptn(v->clen);
        if (v->custom != NULL)
                memcpy(cst, v->custom, v->clen);
        out = malloc(v->outlen);
        exp = malloc(explen);
        assert_non_null(out);
        assert_non_null(exp);
        unhex(v->hex, exp, explen);

        ha_k12(msg, v->mlen, cst, v->clen, out, v->outlen);
        assert_memory_equal(out + v->outlen - explen, exp, explen);

        free(exp);
        free(out);
        free(cst);
        free(msg);
}

/* Empty input and customization may be NULL, and a zero-length output touches nothing. */
static void test_null_empty(void **state)
{
        uint8_t expect[32], out[32];

        (void)state;
        unhex("1ac2d450fc3b4205d19da7bfca1b37513c0803577ac7167f06fe2ce1f0ef39e5", expect, 32);
        ha_k12(NULL, 0, NULL, 0, out, sizeof(out));
        assert_memory_equal(out, expect, sizeof(out));
        ha_k12(NULL, 0, NULL, 0, NULL, 0);
}

/* Unaligned input and customization pointers give the same digest as aligned ones. */
static void test_unaligned(void **state)
{
        uint8_t buf[1 + 1000 + 1 + 300];
        uint8_t a[32], b[32];
        size_t i;

        (void)state;
        for (i = 0; i < sizeof(buf); i++)
                buf[i] = (uint8_t)(i * 7 + 3);
        ha_k12(buf + 1, 1000, buf + 1002, 299, a, sizeof(a));
        memmove(buf, buf + 1, sizeof(buf) - 1);
        memmove(buf + 1000, buf + 1001, 299);
        ha_k12(buf, 1000, buf + 1000, 299, b, sizeof(b));
        assert_memory_equal(a, b, sizeof(a));
}

int main(void)
{
        struct CMUnitTest tests[N_VECTORS + 2];
        size_t i;

        for (i = 0; i < N_VECTORS; i++) {
                tests[i].name = vectors[i].name;
                tests[i].test_func = test_vector;
                tests[i].setup_func = NULL;
                tests[i].teardown_func = NULL;
                tests[i].initial_state = (void *)&vectors[i];
        }
        tests[N_VECTORS] = (struct CMUnitTest)cmocka_unit_test(test_null_empty);
        tests[N_VECTORS + 1] = (struct CMUnitTest)cmocka_unit_test(test_unaligned);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
