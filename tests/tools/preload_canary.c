/* preload_canary: a library for LD_PRELOAD in tests/integration/hostile_env.sh. Every process it
 * is loaded into appends its command name to /run/ha-preload-canary.log (in a test host, whose
 * /run is its own), so the test sees which processes an inherited LD_PRELOAD reached. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void canary(void)
{
        char comm[64] = "?", line[128];
        int fd = open("/proc/self/comm", O_RDONLY | O_CLOEXEC);
        ssize_t n;

        if (fd >= 0) {
                n = read(fd, comm, sizeof(comm) - 1);
                comm[n > 0 ? n : 0] = '\0';
                comm[strcspn(comm, "\n")] = '\0';
                (void)close(fd);
        }
        fd = open("/run/ha-preload-canary.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0)
                return;
        n = snprintf(line, sizeof(line), "%s %d\n", comm, (int)getpid());
        if (n > 0)
                (void)!write(fd, line, (size_t)n);
        (void)close(fd);
}
