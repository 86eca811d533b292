/*
 * Benchmark workloads; each prints its own elapsed wall time in ns on stdout.
 *   getppid N         — N getppid calls (syscall-heavy loop)
 *   openread N PATH   — N × open/read/close of PATH
 *   walk DIR [PASSES] — nftw over DIR, reading up to 4 KiB of every regular file (mixed real work),
 *                       PASSES times (default 1)
 *   meta N DIR        — N × (chmod, utimensat, rename, rename back) of a file in DIR, relative to
 *                       DIR as the cwd: four calls with path records each, relative paths resolved
 *   spawn N           — N × fork + exec /bin/true with this process's environment, waited for
 *   sockets N         — N × (socket(AF_INET, SOCK_DGRAM), setsockopt(SO_REUSEADDR), close): the
 *                       calls whose exit programs filter raw and packet sockets and socket filters
 *                       on their arguments, on ordinary sockets (no record)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static char buf[4096];
static long files;

static int visit(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	if (type == FTW_F) {
		int fd = open(path, O_RDONLY | O_NOFOLLOW);
		if (fd >= 0) {
			if (read(fd, buf, sizeof(buf)) > 0)
				files++;
			close(fd);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long long t0 = now_ns();
	if (strcmp(argv[1], "getppid") == 0) {
		long n = atol(argv[2]);
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
	} else if (strcmp(argv[1], "openread") == 0) {
		long n = atol(argv[2]);
		for (long i = 0; i < n; i++) {
			int fd = open(argv[3], O_RDONLY);
			if (read(fd, buf, sizeof(buf)) < 0)
				return 1;
			close(fd);
		}
	} else if (strcmp(argv[1], "walk") == 0) {
		int passes = argc > 3 ? atoi(argv[3]) : 1;
		for (int i = 0; i < passes; i++)
			nftw(argv[2], visit, 64, FTW_PHYS);
	} else if (strcmp(argv[1], "meta") == 0 && argc > 3) {
		long n = atol(argv[2]);
		if (chdir(argv[3]))
			return 1;
		int fd = open("meta-a", O_CREAT | O_WRONLY, 0644);
		if (fd < 0)
			return 1;
		close(fd);
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			chmod("meta-a", (i & 1) ? 0644 : 0600);
			utimensat(AT_FDCWD, "meta-a", NULL, 0);
			rename("meta-a", "meta-b");
			rename("meta-b", "meta-a");
		}
		unlink("meta-a");
	} else if (strcmp(argv[1], "spawn") == 0) {
		long n = atol(argv[2]);
		for (long i = 0; i < n; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				execl("/bin/true", "true", (char *)NULL);
				_exit(127);
			}
			if (pid < 0 || waitpid(pid, NULL, 0) < 0)
				return 1;
		}
	} else if (strcmp(argv[1], "sockets") == 0) {
		long n = atol(argv[2]);
		int one = 1;
		for (long i = 0; i < n; i++) {
			int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
			if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
				return 1;
			close(fd);
		}
	} else {
		return 2;
	}
	printf("%lld\n", now_ns() - t0);
	return 0;
}
