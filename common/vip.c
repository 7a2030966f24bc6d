/* vip.c: the virtual IP, from the interfaces. */
#include "common/vip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

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
