/* tarpit: listens on ADDRESS:PORT, accepts connections and never answers, as a hung daemon
 * whose kernel still accepts would. For the time-out tests. Runs until killed.
 *
 *   tarpit ADDRESS PORT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct sockaddr_in sa = {.sin_family = AF_INET};
        int one = 1, fd;

        if (argc != 3 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
                fprintf(stderr, "usage: tarpit ADDRESS PORT\n");
                return 2;
        }
        sa.sin_port = htons((uint16_t)atoi(argv[2]));
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
            bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
                perror("tarpit");
                return 1;
        }
        for (;;) {
                /* Keep every connection open and read nothing. */
                if (accept(fd, NULL, NULL) < 0)
                        perror("accept");
        }
}
