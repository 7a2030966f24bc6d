/* net.c: TCP with deadlines. */
#include "common/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Waits until `fd` is ready for `events` or the deadline passes. */
static int wait_fd(int fd, short events, usec_t deadline)
{
        for (;;) {
                struct pollfd p = {.fd = fd, .events = events};
                int r = poll(&p, 1, ha_deadline_poll_ms(deadline));

                if (r > 0)
                        return 0;
                if (r == 0)
                        return -ETIMEDOUT;
                if (errno != EINTR)
                        return -errno;
                if (ha_deadline_passed(deadline))
                        return -ETIMEDOUT;
        }
}

int ha_net_connect(const char *address, uint16_t port, usec_t deadline, int *ret_fd)
{
        struct sockaddr_storage ss = {0};
        socklen_t sl;
        int fd, r, err = 0;
        socklen_t el = sizeof(err);

        {
                struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

                if (inet_pton(AF_INET, address, &in4->sin_addr) == 1) {
                        in4->sin_family = AF_INET;
                        in4->sin_port = htons(port);
                        sl = sizeof(*in4);
                } else if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
                        in6->sin6_family = AF_INET6;
                        in6->sin6_port = htons(port);
                        sl = sizeof(*in6);
                } else {
                        return -EINVAL;
                }
        }

        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&ss, sl) == 0)
                goto done;
        if (errno != EINPROGRESS) {
                r = -errno;
                goto fail;
        }
        r = wait_fd(fd, POLLOUT, deadline);
        if (r < 0)
                goto fail;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0) {
                r = -errno;
                goto fail;
        }
        if (err != 0) {
                r = -err;
                goto fail;
        }
done:
        *ret_fd = fd;
        return 0;
fail:
        (void)close(fd);
        return r;
}

int ha_net_write_all(int fd, const void *buf, size_t len, usec_t deadline)
{
        const char *p = buf;

        while (len > 0) {
                ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

                if (n < 0) {
                        int r;

                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                return -errno;
                        r = wait_fd(fd, POLLOUT, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int ha_net_read_exact(int fd, void *buf, size_t len, usec_t deadline, size_t *ret_got)
{
        char *p = buf;
        size_t got = 0;
        int r = 0;

        while (got < len) {
                ssize_t n = recv(fd, p + got, len - got, 0);

                if (n == 0) {
                        r = -ECONNRESET;
                        break;
                }
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN) {
                                r = -errno;
                                break;
                        }
                        r = wait_fd(fd, POLLIN, deadline);
                        if (r < 0)
                                break;
                        continue;
                }
                got += (size_t)n;
        }
        if (ret_got)
                *ret_got = got;
        return r;
}
