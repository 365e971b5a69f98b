/*
 * cat.c - /bin/cat: copy each file (or stdin, also for "-") to stdout. Exit status 1 if a file
 * could not be read, 0 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Copy @fd to stdout; returns 0, or the errno of the failing read or write. */
static int copy(int fd)
{
	char buf[4096];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : 0;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(1, buf + done, (size_t)(n - done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return errno ? errno : EIO;
			done += w;
		}
	}
}

int main(int argc, char **argv)
{
	int status = 0;

	if (argc < 2)
		argv[argc++] = "-"; /* argv[argc] is NULL, so there is room */
	for (int i = 1; i < argc; i++) {
		int fd = strcmp(argv[i], "-") ? open(argv[i], O_RDONLY) : 0;
		int error;

		if (fd < 0) {
			fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		error = copy(fd);
		if (error) {
			fprintf(stderr, "cat: %s: %s\n", argv[i], strerror(error));
			status = 1;
		}
		if (fd != 0)
			close(fd);
	}
	return status;
}
