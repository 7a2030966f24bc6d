/* net.h: TCP with deadlines. Non-blocking sockets and poll(2); nothing here can block past the
 * deadline it is given. Addresses are numeric: no name look-ups. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "common/clock.h"

/* Connects to the numeric IPv4 or IPv6 `address` and `port`. Stores a non-blocking, close-on-
 * exec socket in *ret_fd and returns 0, or returns -ECONNREFUSED, -ETIMEDOUT, -EINVAL (not a
 * numeric address), or another -errno (-EHOSTUNREACH, -ENETUNREACH, ...). */
int ha_net_connect(const char *address, uint16_t port, usec_t deadline, int *ret_fd);

/* Writes all `len` bytes. Returns 0, -ETIMEDOUT, or -errno (-EPIPE: the peer closed). */
int ha_net_write_all(int fd, const void *buf, size_t len, usec_t deadline);

/* Reads exactly `len` bytes. Returns 0; -ECONNRESET when the peer closes first (the bytes read
 * so far are in *ret_got, which may be NULL); -ETIMEDOUT; or -errno. */
int ha_net_read_exact(int fd, void *buf, size_t len, usec_t deadline, size_t *ret_got);
