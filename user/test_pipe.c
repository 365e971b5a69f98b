/*
 * test_pipe.c - pipes (pipe2) between threads of several clusters, and the fd calls around them
 * (KTAP).
 *
 * Usage:
 *   test_pipe              the suite; its last case execs "test_pipe exec-check ..." with two
 *                          close-on-exec fds and two kept ones, which prints a second suite;
 *   test_pipe exec-check A B C D   (after the exec) A and B must be closed, C and D (a pipe) open;
 *   test_pipe kill         a thread of the last cluster blocks reading an empty pipe, another of
 *                          cluster 0 writing a full one; the main thread calls exit_group(7): both
 *                          must leave their waits so that the process ends with status 7.
 * Writers and readers are threads placed with place_next() (almos.h) on different clusters (all in
 * cluster 0 on a one-cluster machine); the pipe itself lives in the main thread's cluster.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "almos.h"
#include <uarch.h>
#include "ktap.h"
#include "memcheck.h"

#define KERNEL_ADDRESS kernel_address
#define BAD_ADDRESS    bad_address
#define STREAM_BYTES   (1u << 20)
#define RECORD_WRITERS 4
#define RECORDS        64
#define MAX_FDS        64        /* the kernel's CONFIG_MAX_FILES */

static unsigned int clusters, cores;
/* Bad buffers (volatile: the compiler would check the calls against them). */
static char *volatile bad_address = (char *)16;
static char *volatile kernel_address = (char *)UARCH_KERNEL_ADDRESS;

int main(int argc, char **argv);

static bool fails(long ret, int err)
{
	if (ret == -1 && errno == err)
		return true;
	ktap_diag("expected errno %d, got ret %ld errno %d", err, ret, errno);
	return false;
}

/* Raw pipe2: the bad pointers are the point. */
static long sys_pipe2(void *fds, long flags)
{
	return syscall(SYS_pipe2, fds, flags);
}

/* Start @fn(@arg) on cluster @cxy; 0 or an errno. */
static int start_on(pthread_t *t, unsigned int cxy, void *(*fn)(void *), void *arg)
{
	if (place_next((int)cxy, PLACE_ANY_CORE) != 0)
		return errno;
	return pthread_create(t, NULL, fn, arg);
}

/* The byte at position @i of the test stream. */
static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + (i >> 8) + (i >> 16));
}

/* ---- one stream across clusters ---- */

struct stream {
	int fd;
	unsigned int cxy, lid;   /* where the thread ran       */
	uint64_t bytes;          /* moved                      */
	bool ok;
};

static void *stream_writer(void *arg)
{
	struct stream *s = arg;
	static uint8_t buf[9001];
	uint64_t pos = 0;

	get_core_id(&s->cxy, &s->lid);
	s->ok = true;
	for (size_t chunk = 1; pos < STREAM_BYTES; chunk = chunk * 3 % 9001 + 1) {
		size_t n = STREAM_BYTES - pos < chunk ? STREAM_BYTES - pos : chunk;

		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(pos + i);
		for (size_t done = 0; done < n;) {
			ssize_t w = write(s->fd, buf + done, n - done);
			if (w <= 0) {
				s->ok = false;
				return NULL;
			}
			done += (size_t)w;
		}
		pos += n;
	}
	s->bytes = pos;
	s->ok = close(s->fd) == 0;
	return NULL;
}

static void *stream_reader(void *arg)
{
	struct stream *s = arg;
	static uint8_t buf[10007];
	uint64_t pos = 0;
	ssize_t r;

	get_core_id(&s->cxy, &s->lid);
	s->ok = true;
	for (size_t want = 5; (r = read(s->fd, buf, want)) > 0; want = want * 5 % 10007 + 1) {
		for (ssize_t i = 0; i < r; i++)
			if (buf[i] != pattern(pos + (uint64_t)i)) {
				if (s->ok)
					ktap_diag("byte %lu: %u, expected %u", (unsigned long)(pos + i),
						  buf[i], pattern(pos + (uint64_t)i));
				s->ok = false;
			}
		pos += (uint64_t)r;
	}
	s->bytes = pos;
	s->ok = s->ok && r == 0; /* the end of file, once the writer closed */
	return NULL;
}

static bool stream_across_clusters(void)
{
	int fds[2];
	struct stream rd = { 0 }, wr = { 0 };
	pthread_t tr, tw;
	unsigned int rcxy = 0, wcxy = clusters - 1;
	bool ok;

	if (pipe(fds) != 0)
		return false;
	rd.fd = fds[0];
	wr.fd = fds[1];
	ok = start_on(&tr, rcxy, stream_reader, &rd) == 0 && start_on(&tw, wcxy, stream_writer, &wr) == 0;
	ok = ok && pthread_join(tw, NULL) == 0 && pthread_join(tr, NULL) == 0;
	ktap_diag("writer on [%u,%u] wrote %lu bytes, reader on [%u,%u] read %lu bytes then EOF",
		  wr.cxy, wr.lid, (unsigned long)wr.bytes, rd.cxy, rd.lid, (unsigned long)rd.bytes);
	ok = ok && wr.ok && rd.ok && wr.bytes == STREAM_BYTES && rd.bytes == STREAM_BYTES &&
	     rd.cxy == rcxy && wr.cxy == wcxy;
	return close(fds[0]) == 0 && ok;
}

/* ---- simple semantics ---- */

static bool eof_and_epipe(void)
{
	int fds[2];
	char buf[8];
	sigset_t set, old, pending;
	bool ok;

	if (pipe(fds) != 0)
		return false;
	ok = write(fds[1], "hello", 5) == 5 && close(fds[1]) == 0;
	ok = ok && read(fds[0], buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5);
	ok = ok && read(fds[0], buf, sizeof(buf)) == 0 && read(fds[0], buf, sizeof(buf)) == 0;
	ok = ok && close(fds[0]) == 0;
	/* no reader: EPIPE and SIGPIPE, blocked here: it stays pending, seen by sigpending, and is
	 * then taken with SIGPIPE ignored (ignoring a signal discards it), so the test goes on */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	ok = ok && sigprocmask(SIG_BLOCK, &set, &old) == 0 && pipe(fds) == 0;
	ok = ok && close(fds[0]) == 0 && fails(write(fds[1], "x", 1), EPIPE);
	ok = ok && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);
	ok = ok && write(fds[1], "", 0) == 0; /* an empty write checks nothing, as on Linux */
	ok = ok && close(fds[1]) == 0 && signal(SIGPIPE, SIG_IGN) != SIG_ERR;
	ok = ok && sigpending(&pending) == 0 && !sigismember(&pending, SIGPIPE);
	ok = ok && sigprocmask(SIG_SETMASK, &old, NULL) == 0 && signal(SIGPIPE, SIG_DFL) != SIG_ERR;
	return ok;
}

static bool not_a_file(void)
{
	int fds[2];
	struct stat st;
	char c;
	bool ok;

	if (pipe(fds) != 0)
		return false;
	ok = fails(lseek(fds[0], 0, SEEK_SET), ESPIPE) && fails(lseek(fds[1], 0, SEEK_CUR), ESPIPE);
	ok = ok && fails(pread(fds[0], &c, 1, 0), ESPIPE) && fails(pwrite(fds[1], &c, 1, 0), ESPIPE);
	ok = ok && fstat(fds[0], &st) == 0 && S_ISFIFO(st.st_mode) && st.st_nlink == 1;
	ok = ok && fstat(fds[1], &st) == 0 && S_ISFIFO(st.st_mode);
	ok = ok && fails(read(fds[1], &c, 1), EBADF) && fails(write(fds[0], &c, 1), EBADF);
	ok = ok && fcntl(fds[0], F_GETFL) == O_RDONLY && fcntl(fds[1], F_GETFL) == O_WRONLY;
	ok = ok && fails(write(fds[1], BAD_ADDRESS, 1), EFAULT) &&
	     fails(write(fds[1], KERNEL_ADDRESS, 1), EFAULT);
	ok = ok && write(fds[1], "z", 1) == 1 && fails(read(fds[0], BAD_ADDRESS, 1), EFAULT) &&
	     read(fds[0], &c, 1) == 1 && c == 'z'; /* the byte stayed for a good buffer */
	return close(fds[0]) == 0 && close(fds[1]) == 0 && ok;
}

/* O_NONBLOCK by pipe2 and by F_SETFL: EAGAIN when empty (with a writer) and when full. */
static bool nonblocking(void)
{
	static char buf[1 << 16];
	int fds[2];
	long total = 0, w;
	bool ok;

	if (pipe2(fds, O_NONBLOCK) != 0)
		return false;
	ok = (fcntl(fds[0], F_GETFL) & O_NONBLOCK) && (fcntl(fds[1], F_GETFL) & O_NONBLOCK);
	ok = ok && fails(read(fds[0], buf, 1), EAGAIN);
	while ((w = write(fds[1], buf, PIPE_BUF)) > 0)
		total += w;
	ok = ok && fails(w, EAGAIN);
	ktap_diag("a non-blocking pipe took %ld bytes", total);
	ok = ok && total == 65536; /* Linux's size */
	/* room for 100: a PIPE_BUF write is atomic, so it does not start; a larger one writes 100 */
	ok = ok && read(fds[0], buf, 100) == 100 && fails(write(fds[1], buf, PIPE_BUF), EAGAIN);
	ok = ok && write(fds[1], buf, PIPE_BUF + 1) == 100;
	/* F_SETFL clears and sets O_NONBLOCK */
	ok = ok && fcntl(fds[0], F_SETFL, 0) == 0 && !(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
	ok = ok && read(fds[0], buf, sizeof(buf)) == 65536;
	ok = ok && fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0 && fails(read(fds[0], buf, 1), EAGAIN);
	return close(fds[0]) == 0 && close(fds[1]) == 0 && ok;
}

/* ---- atomic records from several clusters ---- */

struct recorder {
	int fd, id;
	bool ok;
};

static void *record_writer(void *arg)
{
	struct recorder *r = arg;
	static __thread uint8_t rec[PIPE_BUF];

	r->ok = true;
	for (int seq = 0; seq < RECORDS; seq++) {
		memset(rec, 'A' + r->id, sizeof(rec));
		rec[0] = (uint8_t)r->id;
		rec[1] = (uint8_t)seq;
		if (write(r->fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec))
			r->ok = false;
	}
	return NULL;
}

static bool atomic_records(void)
{
	static uint8_t rec[PIPE_BUF];
	struct recorder w[RECORD_WRITERS];
	pthread_t t[RECORD_WRITERS];
	int fds[2], next[RECORD_WRITERS] = { 0 };
	size_t have = 0;
	long records = 0;
	ssize_t r;
	bool ok = pipe(fds) == 0;

	for (int i = 0; ok && i < RECORD_WRITERS; i++) {
		w[i] = (struct recorder){ fds[1], i, false };
		ok = start_on(&t[i], (unsigned int)i % clusters, record_writer, &w[i]) == 0;
	}
	if (!ok)
		return false;
	/* reads of odd sizes: records are cut at any place by the reader, never by the writers */
	while (records < RECORD_WRITERS * RECORDS &&
	       (r = read(fds[0], rec + have, sizeof(rec) - have < 3001 ? sizeof(rec) - have : 3001)) > 0) {
		have += (size_t)r;
		if (have < sizeof(rec))
			continue;
		have = 0;
		records++;
		if (rec[0] >= RECORD_WRITERS || rec[1] != next[rec[0]]) {
			ok = false;
			continue;
		}
		for (size_t i = 2; i < sizeof(rec); i++)
			if (rec[i] != 'A' + rec[0]) {
				ktap_diag("record %ld of writer %u torn at byte %zu", records, rec[0], i);
				ok = false;
				break;
			}
		next[rec[0]]++;
	}
	for (int i = 0; i < RECORD_WRITERS; i++)
		ok = pthread_join(t[i], NULL) == 0 && ok;
	/* every writer done: the write end closed, nothing more comes */
	ok = close(fds[1]) == 0 && read(fds[0], rec, 1) == 0 && ok;
	for (int i = 0; i < RECORD_WRITERS; i++)
		ok = w[i].ok && next[i] == RECORDS && ok;
	ktap_diag("%ld records of %d bytes from %d writers, none torn: %s", records, PIPE_BUF,
		  RECORD_WRITERS, ok ? "yes" : "no");
	return close(fds[0]) == 0 && ok && have == 0 && records == RECORD_WRITERS * RECORDS;
}

/* ---- pipe2's errors and the fd table ---- */

/* The lowest free fd (by opening /dev/null there). */
static int lowest_free_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);

	if (fd >= 0)
		close(fd);
	return fd;
}

static bool pipe2_errors(void)
{
	int fds[2] = { -1, -1 }, low = lowest_free_fd();
	bool ok;

	ok = fails(sys_pipe2(fds, O_RDWR), EINVAL) && fails(sys_pipe2(fds, O_APPEND), EINVAL) &&
	     fails(sys_pipe2(fds, 0x1000000), EINVAL) && fds[0] == -1;
	ok = ok && fails(sys_pipe2(NULL, 0), EFAULT) && fails(sys_pipe2(BAD_ADDRESS, 0), EFAULT) &&
	     fails(sys_pipe2(KERNEL_ADDRESS, O_CLOEXEC), EFAULT);
	ok = ok && fails(sys_pipe2((void *)main, 0), EFAULT); /* mapped, but not writable */
	return ok && lowest_free_fd() == low; /* nothing installed */
}

/* Pipes made and closed in rounds give everything back, EMFILE included. */
static bool pipe_round(void)
{
	int fds[2], low = lowest_free_fd(), dups[MAX_FDS], n = 0, fd;
	bool ok = true;

	for (int i = 0; i < 16 && ok; i++) {
		ok = pipe(fds) == 0 && write(fds[1], "abc", 3) == 3;
		ok = ok && close(fds[0]) == 0 && close(fds[1]) == 0;
	}
	/* fill the table: EMFILE with none free and with only one free, and nothing installed */
	while ((fd = dup(0)) >= 0)
		dups[n++] = fd;
	ok = ok && fails(fd, EMFILE) && fails(pipe(fds), EMFILE);
	ok = ok && close(dups[--n]) == 0 && fails(pipe(fds), EMFILE);
	ok = ok && lowest_free_fd() == dups[n];
	while (n > 0)
		close(dups[--n]);
	return ok && lowest_free_fd() == low;
}

static bool no_leak(const struct memcheck *quiet)
{
	struct memcheck base, now;
	bool ok = pipe_round() && memcheck_settled(quiet, &base);

	for (int round = 0; ok && round < 4; round++)
		ok = pipe_round();
	return ok && memcheck_settled(quiet, &now) && memcheck_same(&now, &base);
}

/* dup, dup2, dup3, F_DUPFD(_CLOEXEC): the copies share the end, which stays open while one is. */
static bool dup_calls(void)
{
	int fds[2], d2, d3, dc;
	char buf[8];
	bool ok;

	if (pipe(fds) != 0)
		return false;
	ok = fails(dup3(fds[0], fds[0], 0), EINVAL) && fails(dup3(fds[0], 40, 0x1), EINVAL);
	ok = ok && fails(dup3(-1, 40, 0), EBADF) && fails(dup3(55, 40, 0), EBADF) &&
	     fails(dup3(fds[0], MAX_FDS, 0), EBADF) && fails(dup3(fds[0], -1, 0), EBADF);
	ok = ok && (d3 = dup3(fds[1], 40, O_CLOEXEC)) == 40 && fcntl(40, F_GETFD) == FD_CLOEXEC;
	ok = ok && (d2 = dup2(fds[1], 41)) == 41 && fcntl(41, F_GETFD) == 0;
	ok = ok && dup2(fds[1], fds[1]) == fds[1] && fails(dup2(55, 55), EBADF);
	ok = ok && (dc = fcntl(fds[1], F_DUPFD_CLOEXEC, 42)) == 42 && fcntl(42, F_GETFD) == FD_CLOEXEC;
	ok = ok && fcntl(42, F_SETFD, 0) == 0 && fcntl(42, F_GETFD) == 0;
	ok = ok && fcntl(fds[1], F_DUPFD, 43) == 43 && fails(fcntl(fds[1], F_DUPFD, MAX_FDS), EINVAL);
	/* dup3 over an open fd closes it: 43 now names the read end */
	ok = ok && dup3(fds[0], 43, 0) == 43 && fails(write(43, "x", 1), EBADF);
	/* the write end is open while any of its copies is */
	ok = ok && close(fds[1]) == 0 && close(40) == 0 && close(41) == 0;
	ok = ok && write(42, "dup", 3) == 3 && read(43, buf, sizeof(buf)) == 3;
	ok = ok && close(42) == 0 && read(fds[0], buf, sizeof(buf)) == 0; /* all closed: EOF */
	(void)d2; (void)d3; (void)dc;
	return close(43) == 0 && close(fds[0]) == 0 && ok;
}

/* ---- close-on-exec ---- */

static int exec_check(int argc, char **argv)
{
	int a, b, c, d;
	char buf[4];
	struct stat st;

	ktap_plan(2);
	if (argc != 6)
		return 1;
	a = atoi(argv[2]); b = atoi(argv[3]); c = atoi(argv[4]); d = atoi(argv[5]);
	ktap_ok(fails(fcntl(a, F_GETFD), EBADF) && fails(fcntl(b, F_GETFD), EBADF) &&
		lowest_free_fd() == (a < b ? a : b), "cloexec_pipe_closed_by_execve");
	ktap_ok(fstat(c, &st) == 0 && S_ISFIFO(st.st_mode) && fcntl(d, F_GETFD) == 0 &&
		read(c, buf, sizeof(buf)) == 3 && !memcmp(buf, "old", 3) &&
		write(d, "new", 3) == 3 && read(c, buf, sizeof(buf)) == 3 && !memcmp(buf, "new", 3),
		"kept_pipe_works_after_execve");
	return ktap_exit();
}

/* Exec this program in exec-check mode with a close-on-exec pipe and a kept one. */
static void exec_with_pipes(void)
{
	int cl[2], kept[2];
	char args[4][12];
	char *argv[7] = { "test_pipe", "exec-check", args[0], args[1], args[2], args[3], NULL };

	if (pipe2(cl, O_CLOEXEC) != 0 || pipe(kept) != 0 || write(kept[1], "old", 3) != 3)
		return;
	snprintf(args[0], sizeof(args[0]), "%d", cl[0]);
	snprintf(args[1], sizeof(args[1]), "%d", cl[1]);
	snprintf(args[2], sizeof(args[2]), "%d", kept[0]);
	snprintf(args[3], sizeof(args[3]), "%d", kept[1]);
	printf("# test_pipe: all passed, execve exec-check\n");
	fflush(stdout);
	execv("/bin/test_pipe", argv);
}

/* ---- waits ended by exit_group ---- */

static int kill_fds[2], full_fds[2];

static void *block_reading(void *arg)
{
	char c;

	(void)arg;
	read(kill_fds[0], &c, 1);
	printf("test_pipe: a blocked read returned\n"); /* must not be printed */
	return NULL;
}

static void *block_writing(void *arg)
{
	static char buf[1 << 17];

	(void)arg;
	write(full_fds[1], buf, sizeof(buf));
	printf("test_pipe: a blocked write returned\n");
	return NULL;
}

static int kill_mode(void)
{
	pthread_t r, w;

	if (pipe(kill_fds) != 0 || pipe(full_fds) != 0 ||
	    start_on(&r, clusters - 1, block_reading, NULL) != 0 ||
	    start_on(&w, 0, block_writing, NULL) != 0)
		return 1;
	usleep(200000);
	printf("test_pipe: a reader and a writer wait; exit_group(7) comes\n");
	fflush(stdout);
	syscall(SYS_exit_group, 7);
	return 1;
}

int main(int argc, char **argv)
{
	struct memcheck quiet;
	int status;

	if (get_config(&clusters, &cores) != 0)
		return 1;
	if (argc > 1 && !strcmp(argv[1], "exec-check"))
		return exec_check(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "kill"))
		return kill_mode();

	ktap_plan(10);
	ktap_ok(memcheck_snapshot(&quiet), "get_config_and_cluster_info");
	ktap_ok(stream_across_clusters(), "1MiB_from_cluster_%u_to_cluster_0_then_eof", clusters - 1);
	ktap_ok(eof_and_epipe(), "eof_and_epipe");
	ktap_ok(not_a_file(), "espipe_fstat_fifo_ebadf_efault");
	ktap_ok(nonblocking(), "nonblock_eagain_both_ways_and_setfl");
	ktap_ok(atomic_records(), "pipe_buf_writes_from_%d_threads_never_torn", RECORD_WRITERS);
	ktap_ok(pipe2_errors(), "pipe2_einval_efault_nothing_installed");
	ktap_ok(dup_calls(), "dup_dup2_dup3_fdupfd_cloexec");
	ktap_ok(no_leak(&quiet), "emfile_and_pipes_freed");
	ktap_ok(fcntl(0, F_GETFD) >= 0 && fcntl(0, 12345) == -1 && errno == EINVAL, "fcntl_bad_cmd");
	status = ktap_exit();
	if (status == 0)
		exec_with_pipes(); /* returns only if the exec failed */
	return status == 0 ? 1 : status;
}
