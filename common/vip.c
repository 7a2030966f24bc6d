/* vip.c: the virtual IP, from the interfaces. */
#include "common/vip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int ha_vip_held(const char *address, const char *ifname, bool *ret)
{
        struct in6_addr want6;
        struct in_addr want4;
        struct ifaddrs *list, *i;
        int family;
        bool held = false;

        if (inet_pton(AF_INET, address, &want4) == 1)
                family = AF_INET;
        else if (inet_pton(AF_INET6, address, &want6) == 1)
                family = AF_INET6;
        else
                return -EINVAL;
        if (getifaddrs(&list) < 0)
                return -errno;
        for (i = list; i && !held; i = i->ifa_next) {
                if (!i->ifa_addr || i->ifa_addr->sa_family != family)
                        continue;
                /* keepalived may label the address "eth0:vip"; it is still on eth0. */
                if (ifname && strcmp(i->ifa_name, ifname) != 0 &&
                    !(strncmp(i->ifa_name, ifname, strlen(ifname)) == 0 &&
                      i->ifa_name[strlen(ifname)] == ':'))
                        continue;
                if (family == AF_INET)
                        held = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == want4.s_addr;
                else
                        held = memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, &want6,
                                      sizeof(want6)) == 0;
        }
        freeifaddrs(list);
        *ret = held;
        return 0;
}

/* The interface index and prefix length of `address` (family `family`, bytes `want`) here. */
static int find_address(int family, const void *want, const char *ifname, unsigned *ret_index,
                        unsigned char *ret_prefix)
{
        struct ifaddrs *list, *i;
        int r = -ENOENT;

        if (getifaddrs(&list) < 0)
                return -errno;
        for (i = list; i; i = i->ifa_next) {
                const void *a, *m;
                size_t n = family == AF_INET ? 4 : 16;
                unsigned char prefix = 0;

                if (!i->ifa_addr || i->ifa_addr->sa_family != family || !i->ifa_netmask)
                        continue;
                if (ifname && strcmp(i->ifa_name, ifname) != 0 &&
                    !(strncmp(i->ifa_name, ifname, strlen(ifname)) == 0 &&
                      i->ifa_name[strlen(ifname)] == ':'))
                        continue;
                a = family == AF_INET
                            ? (const void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr
                            : (const void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
                m = family == AF_INET
                            ? (const void *)&((struct sockaddr_in *)i->ifa_netmask)->sin_addr
                            : (const void *)&((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr;
                if (memcmp(a, want, n) != 0)
                        continue;
                for (size_t b = 0; b < n; b++)
                        prefix += (unsigned char)__builtin_popcount(((const unsigned char *)m)[b]);
                /* keepalived's label ("eth0:vip") names the same interface. */
                {
                        char base[IF_NAMESIZE + 1];

                        (void)snprintf(base, sizeof(base), "%.*s", (int)strcspn(i->ifa_name, ":"),
                                       i->ifa_name);
                        *ret_index = if_nametoindex(base);
                }
                *ret_prefix = prefix;
                r = *ret_index ? 0 : -ENODEV;
                break;
        }
        freeifaddrs(list);
        return r;
}

int ha_vip_drop(const char *address, const char *ifname, usec_t deadline)
{
        struct {
                struct nlmsghdr nh;
                struct ifaddrmsg ifa;
                char attrs[64];
        } req;
        unsigned char want[16];
        unsigned index = 0;
        unsigned char prefix = 0;
        int family, fd, r;
        size_t n;

        if (inet_pton(AF_INET, address, want) == 1)
                family = AF_INET, n = 4;
        else if (inet_pton(AF_INET6, address, want) == 1)
                family = AF_INET6, n = 16;
        else
                return -EINVAL;
        r = find_address(family, want, ifname, &index, &prefix);
        if (r == -ENOENT)
                return 0; /* not here: nothing to drop */
        if (r < 0)
                return r;
        memset(&req, 0, sizeof(req));
        req.nh.nlmsg_type = RTM_DELADDR;
        req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
        req.nh.nlmsg_seq = 1;
        req.ifa.ifa_family = (unsigned char)family;
        req.ifa.ifa_prefixlen = prefix;
        req.ifa.ifa_index = index;
        {
                struct rtattr *rta = (struct rtattr *)req.attrs;

                rta->rta_type = IFA_LOCAL;
                rta->rta_len = (unsigned short)RTA_LENGTH(n);
                memcpy(RTA_DATA(rta), want, n);
                req.nh.nlmsg_len =
                        (unsigned)(NLMSG_LENGTH(sizeof(req.ifa)) + RTA_ALIGN(rta->rta_len));
        }
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
        if (fd < 0)
                return -errno;
        if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
                r = -errno;
                (void)close(fd);
                return r;
        }
        /* The kernel's answer: an error message, 0 for done. */
        for (;;) {
                char buf[1024];
                struct pollfd p = {.fd = fd, .events = POLLIN};
                ssize_t got;
                int w = poll(&p, 1, ha_deadline_poll_ms(deadline));

                if (w == 0) {
                        r = -ETIMEDOUT;
                        break;
                }
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0) {
                        r = -errno;
                        break;
                }
                got = recv(fd, buf, sizeof(buf), 0);
                if (got < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (got < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
                        r = got < 0 ? -errno : -EIO;
                        break;
                }
                {
                        struct nlmsghdr *h = (struct nlmsghdr *)buf;

                        if (h->nlmsg_type != NLMSG_ERROR)
                                continue;
                        r = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
                        break;
                }
        }
        (void)close(fd);
        return r == -EADDRNOTAVAIL ? 0 : r;
}
