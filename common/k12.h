/* k12.h: KangarooTwelve (RFC 9861), the hash Slurm's hash/k12 plugin puts in MUNGE credentials. */
#pragma once
#include <stddef.h>
#include <stdint.h>
/* Computes KangarooTwelve(input, customization) into out[outlen]. Inputs of any length (the tree
 * mode for inputs over 8192 bytes included). Never fails, allocates nothing. */
void ha_k12(const void *input, size_t inlen, const void *custom, size_t customlen, uint8_t *out,
            size_t outlen);
