/*
 * test_poll.c - poll, ppoll, select and pause (ppoll 73, pselect6 72) over pipes, always-ready
 * files and the console (KTAP; docs/poll.md).
 *
 * Pipes both ways (empty, data, full, no writer: POLLHUP, no reader: POLLERR), timeouts (0 and a
 * short one that must last), a writer thread of the last cluster waking a poller of cluster 0,
 * POLLNVAL and negative fds, the errors, pause() and ppoll() ended by a signal handler (with
 * ppoll's temporary mask), select() (read and write sets, EBADF, timeout), /dev/null, a regular
 * file, the console with nothing typed; then a round of it all gives the memory back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "almos.h"
#include "ktap.h"
#include "memcheck.h"

#define MAX_FDS 64 /* the kernel's CONFIG_MAX_FILES (RLIMIT_NOFILE) */
#define MS      1000000ULL

static unsigned int clusters, cores;
static void *volatile bad_address = (void *)16;

static bool fails(long ret, int err)
{
	if (ret == -1 && errno == err)
		return true;
	ktap_diag("expected errno %d, got ret %ld errno %d", err, ret, errno);
	return false;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Raw ppoll: bad arguments are the point. */
static long sys_ppoll(void *fds, unsigned long nfds, void *tmo, void *mask, unsigned long size)
{
	return syscall(SYS_ppoll, fds, nfds, tmo, mask, size);
}

/* Start @fn(@arg) on cluster @cxy; 0 or an errno. */
static int start_on(pthread_t *t, unsigned int cxy, void *(*fn)(void *), void *arg)
{
	if (place_next((int)cxy, PLACE_ANY_CORE) != 0)
		return errno;
	return pthread_create(t, NULL, fn, arg);
}

/* The revents of one fd polled with @events and no wait (-1 on error). */
static int revents(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };
	int n = poll(&p, 1, 0);

	if (n < 0 || (n == 0) != (p.revents == 0))
		return -1;
	return p.revents;
}

/* ---- pipes ---- */

static bool pipe_readiness(void)
{
	static char buf[1 << 16];
	int fds[2], full[2];
	long w;
	bool ok;

	if (pipe(fds) != 0)
		return false;
	ok = revents(fds[0], POLLIN) == 0 && revents(fds[1], POLLOUT) == (POLLOUT);
	ok = ok && revents(fds[1], POLLOUT | POLLWRNORM) == (POLLOUT | POLLWRNORM);
	ok = ok && write(fds[1], "abc", 3) == 3 &&
	     revents(fds[0], POLLIN | POLLRDNORM) == (POLLIN | POLLRDNORM);
	ok = ok && revents(fds[0], POLLOUT) == 0; /* what is not asked is not told */
	/* the writer gone: POLLHUP, asked or not, with POLLIN while data is left */
	ok = ok && close(fds[1]) == 0 && revents(fds[0], POLLIN) == (POLLIN | POLLHUP);
	ok = ok && read(fds[0], buf, sizeof(buf)) == 3 && revents(fds[0], POLLIN) == POLLHUP &&
	     revents(fds[0], 0) == POLLHUP;
	ok = close(fds[0]) == 0 && ok;
	/* full: no POLLOUT until PIPE_BUF bytes of room */
	if (pipe2(full, O_NONBLOCK) != 0)
		return false;
	while ((w = write(full[1], buf, PIPE_BUF)) > 0)
		;
	ok = ok && revents(full[1], POLLOUT) == 0 && revents(full[0], POLLIN) == POLLIN;
	ok = ok && read(full[0], buf, PIPE_BUF) == PIPE_BUF && revents(full[1], POLLOUT) == POLLOUT;
	/* the reader gone: POLLERR, asked or not */
	ok = ok && close(full[0]) == 0 && revents(full[1], POLLOUT) == (POLLOUT | POLLERR) &&
	     revents(full[1], 0) == POLLERR;
	return close(full[1]) == 0 && ok;
}

static bool timeouts(void)
{
	int fds[2];
	struct pollfd p;
	uint64_t t0, t1;
	struct timespec ts = { 0, 150 * MS };
	bool ok;

	if (pipe(fds) != 0)
		return false;
	p = (struct pollfd){ fds[0], POLLIN, 0 };
	t0 = now_ns();
	ok = poll(&p, 1, 0) == 0 && p.revents == 0;
	t1 = now_ns();
	ok = ok && t1 - t0 < 50 * MS;
	t0 = now_ns();
	ok = ok && poll(&p, 1, 100) == 0 && p.revents == 0;
	t1 = now_ns();
	ktap_diag("poll with a 100 ms timeout returned 0 after %lu ms", (unsigned long)((t1 - t0) / MS));
	ok = ok && t1 - t0 >= 100 * MS;
	/* the raw call writes back the time left: 0 after a timeout */
	t0 = now_ns();
	ok = ok && sys_ppoll(&p, 1, &ts, NULL, 0) == 0 && ts.tv_sec == 0 && ts.tv_nsec == 0;
	ok = ok && now_ns() - t0 >= 150 * MS;
	return close(fds[0]) == 0 && close(fds[1]) == 0 && ok;
}

struct late_writer {
	int fd;
	unsigned int cxy, lid;
};

static void *write_late(void *arg)
{
	struct late_writer *w = arg;

	get_core_id(&w->cxy, &w->lid);
	usleep(100000);
	if (write(w->fd, "!", 1) != 1)
		w->fd = -1;
	return NULL;
}

/* A poller of cluster 0 asleep until a writer of the last cluster writes. */
static bool woken_across_clusters(void)
{
	int fds[2];
	struct late_writer w;
	struct pollfd p[2];
	pthread_t t;
	uint64_t t0, t1;
	bool ok;
	int n;

	if (pipe(fds) != 0)
		return false;
	w = (struct late_writer){ fds[1], 0, 0 };
	p[0] = (struct pollfd){ fds[0], POLLIN, 0 };
	p[1] = (struct pollfd){ -1, POLLIN, 0 };
	t0 = now_ns();
	if (start_on(&t, clusters - 1, write_late, &w) != 0)
		return false;
	n = poll(p, 2, 10000);
	t1 = now_ns();
	ok = pthread_join(t, NULL) == 0 && w.fd >= 0;
	ktap_diag("writer on [%u,%u]; poll returned %d (revents %#x) after %lu ms", w.cxy, w.lid, n,
		  p[0].revents, (unsigned long)((t1 - t0) / MS));
	ok = ok && n == 1 && p[0].revents == POLLIN && t1 - t0 >= 50 * MS && t1 - t0 < 5000 * MS;
	ok = ok && w.cxy == clusters - 1;
	return close(fds[0]) == 0 && close(fds[1]) == 0 && ok;
}

static bool nval_and_negative(void)
{
	struct pollfd p[3] = { { -1, POLLIN, 0x55 }, { 60, POLLIN, 0 }, { -7, POLLOUT, 0 } };

	/* fd 60 is not open: POLLNVAL, counted; negative fds are ignored, revents 0 */
	return fcntl(60, F_GETFD) == -1 && poll(p, 3, 0) == 1 && p[0].revents == 0 &&
	       p[1].revents == POLLNVAL && p[2].revents == 0;
}

static bool errors(void)
{
	struct pollfd p[MAX_FDS + 1];
	struct timespec bad = { 0, 1000000000 }, neg = { -1, 0 }, zero = { 0, 0 };
	sigset_t mask;
	bool ok;

	for (int i = 0; i <= MAX_FDS; i++)
		p[i] = (struct pollfd){ -1, 0, 0 };
	sigemptyset(&mask);
	ok = fails(sys_ppoll(bad_address, 1, &zero, NULL, 0), EFAULT);
	ok = ok && fails(sys_ppoll(p, 1, bad_address, NULL, 0), EFAULT);
	ok = ok && fails(sys_ppoll(p, 1, &zero, bad_address, 8), EFAULT);
	ok = ok && fails(sys_ppoll(p, MAX_FDS + 1, &zero, NULL, 0), EINVAL);
	ok = ok && sys_ppoll(p, MAX_FDS, &zero, NULL, 0) == 0;
	ok = ok && fails(sys_ppoll(p, 1, &bad, NULL, 0), EINVAL);
	ok = ok && fails(sys_ppoll(p, 1, &neg, NULL, 0), EINVAL);
	ok = ok && fails(sys_ppoll(p, 1, &zero, &mask, 4), EINVAL);
	ok = ok && sys_ppoll(p, 1, &zero, NULL, 4) == 0; /* no mask: its size is not looked at */
	ok = ok && fails(select(-1, NULL, NULL, NULL, NULL), EINVAL);
	return ok;
}

/* ---- signals ---- */

static volatile sig_atomic_t caught;
static pthread_t main_thread;

static void on_signal(int sig)
{
	caught = sig;
}

static void *send_alarm(void *arg)
{
	(void)arg;
	usleep(100000);
	pthread_kill(main_thread, SIGALRM);
	return NULL;
}

/* pause() (ppoll without fd nor timeout) sleeps until a handler runs, then fails with EINTR. */
static bool pause_interrupted(void)
{
	struct sigaction sa = { 0 }, old;
	pthread_t t;
	uint64_t t0;
	long r;
	int err;
	bool ok;

	sa.sa_handler = on_signal; /* no SA_RESTART: pause never restarts anyway */
	sigemptyset(&sa.sa_mask);
	caught = 0;
	main_thread = pthread_self();
	if (sigaction(SIGALRM, &sa, &old) != 0 || start_on(&t, clusters - 1, send_alarm, NULL) != 0)
		return false;
	t0 = now_ns();
	r = pause();
	err = errno;
	ok = pthread_join(t, NULL) == 0;
	ktap_diag("pause returned %ld errno %d after %lu ms, handler saw %d", r, err,
		  (unsigned long)((now_ns() - t0) / MS), (int)caught);
	ok = ok && r == -1 && err == EINTR && caught == SIGALRM && now_ns() - t0 >= 50 * MS;
	return sigaction(SIGALRM, &old, NULL) == 0 && ok;
}

/*
 * ppoll's mask: SIGUSR1 blocked and pending; ppoll with a mask that unblocks it runs the handler
 * and fails with EINTR, and the old mask is back. With a ready fd instead, ppoll returns 1 and the
 * signal stays pending (the old mask comes back at once).
 */
static bool ppoll_sigmask(void)
{
	struct sigaction sa = { 0 }, old;
	sigset_t usr1, none, now, pending;
	struct timespec ts = { 5, 0 };
	struct pollfd p;
	int fds[2];
	long r;
	bool ok;

	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&none);
	caught = 0;
	if (pipe(fds) != 0 || sigaction(SIGUSR1, &sa, &old) != 0 ||
	    sigprocmask(SIG_BLOCK, &usr1, NULL) != 0)
		return false;
	ok = raise(SIGUSR1) == 0 && caught == 0;
	/* a ready fd: the call succeeds, the signal is not delivered */
	p = (struct pollfd){ fds[1], POLLOUT, 0 };
	ok = ok && ppoll(&p, 1, &ts, &none) == 1 && caught == 0;
	ok = ok && sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1);
	/* nothing ready: the signal ends the wait at once */
	p = (struct pollfd){ fds[0], POLLIN, 0 };
	r = ppoll(&p, 1, &ts, &none);
	ok = ok && fails(r, EINTR) && caught == SIGUSR1;
	ok = ok && sigprocmask(SIG_BLOCK, NULL, &now) == 0 && sigismember(&now, SIGUSR1);
	/* the same signal blocked by the temporary mask too: it stays pending, the timeout ends */
	caught = 0;
	ok = ok && raise(SIGUSR1) == 0;
	ts = (struct timespec){ 0, 50 * MS };
	ok = ok && ppoll(&p, 1, &ts, &usr1) == 0 && caught == 0;
	ok = ok && sigprocmask(SIG_UNBLOCK, &usr1, NULL) == 0 && caught == SIGUSR1;
	ok = sigaction(SIGUSR1, &old, NULL) == 0 && ok;
	return close(fds[0]) == 0 && close(fds[1]) == 0 && ok;
}

/* ---- select ---- */

static bool select_pipe(void)
{
	int fds[2], nfds;
	fd_set rd, wr;
	struct timeval tv;
	uint64_t t0;
	bool ok;

	if (pipe(fds) != 0)
		return false;
	nfds = (fds[0] > fds[1] ? fds[0] : fds[1]) + 1;
	/* empty: writable only */
	FD_ZERO(&rd); FD_ZERO(&wr);
	FD_SET(fds[0], &rd); FD_SET(fds[1], &wr);
	tv = (struct timeval){ 0, 0 };
	ok = select(nfds, &rd, &wr, NULL, &tv) == 1 && !FD_ISSET(fds[0], &rd) && FD_ISSET(fds[1], &wr);
	/* with data: both */
	FD_ZERO(&rd); FD_ZERO(&wr);
	FD_SET(fds[0], &rd); FD_SET(fds[1], &wr);
	ok = ok && write(fds[1], "x", 1) == 1 &&
	     select(nfds, &rd, &wr, NULL, &tv) == 2 && FD_ISSET(fds[0], &rd) && FD_ISSET(fds[1], &wr);
	/* a timeout: 0, the sets cleared, the time left written back */
	FD_ZERO(&rd);
	FD_SET(fds[0], &rd);
	tv = (struct timeval){ 0, 80000 };
	t0 = now_ns();
	ok = ok && read(fds[0], &nfds, 1) == 1 &&
	     select(fds[0] + 1, &rd, NULL, NULL, &tv) == 0 && !FD_ISSET(fds[0], &rd);
	ok = ok && now_ns() - t0 >= 80 * MS && tv.tv_sec == 0 && tv.tv_usec == 0;
	/* a closed fd in a set: EBADF */
	FD_ZERO(&rd);
	FD_SET(60, &rd);
	tv = (struct timeval){ 0, 0 };
	ok = ok && fails(select(61, &rd, NULL, NULL, &tv), EBADF);
	/* the writer gone: readable (end of file) */
	FD_ZERO(&rd);
	FD_SET(fds[0], &rd);
	ok = ok && close(fds[1]) == 0 && select(fds[0] + 1, &rd, NULL, NULL, &tv) == 1 &&
	     FD_ISSET(fds[0], &rd);
	return close(fds[0]) == 0 && ok;
}

/* ---- files that are always ready, and the console ---- */

static bool always_ready(void)
{
	int null = open("/dev/null", O_RDWR), zero = open("/dev/zero", O_RDONLY);
	int reg = open("/tmp/test_poll.file", O_RDWR | O_CREAT | O_TRUNC, 0644);
	short both = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
	bool ok = null >= 0 && zero >= 0 && reg >= 0;

	ok = ok && revents(null, both) == both && revents(zero, POLLIN) == POLLIN &&
	     revents(reg, both) == both && revents(reg, POLLOUT) == POLLOUT;
	if (null >= 0) close(null);
	if (zero >= 0) close(zero);
	if (reg >= 0) close(reg);
	return unlink("/tmp/test_poll.file") == 0 && ok;
}

static bool console_idle(void)
{
	struct pollfd p = { 0, POLLIN, 0 };
	fd_set rd;
	struct timeval tv = { 0, 0 };

	FD_ZERO(&rd);
	FD_SET(0, &rd);
	/* nothing typed: not readable; always writable */
	return poll(&p, 1, 0) == 0 && p.revents == 0 && revents(1, POLLOUT) == POLLOUT &&
	       select(1, &rd, NULL, NULL, &tv) == 0 && !FD_ISSET(0, &rd);
}

/* ---- memory ---- */

static bool one_round(void)
{
	return pipe_readiness() && woken_across_clusters() && nval_and_negative() && select_pipe();
}

static bool no_leak(const struct memcheck *quiet)
{
	struct memcheck base, now;
	bool ok = one_round() && memcheck_settled(quiet, &base);

	for (int round = 0; ok && round < 3; round++)
		ok = one_round();
	return ok && memcheck_settled(quiet, &now) && memcheck_same(&now, &base);
}

int main(void)
{
	struct memcheck quiet;

	if (get_config(&clusters, &cores) != 0)
		return 1;
	ktap_plan(13);
	ktap_ok(memcheck_snapshot(&quiet), "get_config_and_cluster_info");
	ktap_ok(pipe_readiness(), "pipe_empty_data_full_pollhup_pollerr");
	ktap_ok(timeouts(), "timeout_0_and_100ms_and_time_left");
	ktap_ok(woken_across_clusters(), "writer_on_cluster_%u_wakes_poller", clusters - 1);
	ktap_ok(nval_and_negative(), "pollnval_and_negative_fd_ignored");
	ktap_ok(errors(), "efault_einval");
	ktap_ok(pause_interrupted(), "pause_ended_by_sigalrm_handler_eintr");
	ktap_ok(ppoll_sigmask(), "ppoll_temporary_sigmask");
	ktap_ok(select_pipe(), "select_read_write_timeout_ebadf");
	ktap_ok(always_ready(), "dev_null_dev_zero_regular_file_ready");
	ktap_ok(console_idle(), "console_nothing_typed_not_readable");
	ktap_ok(no_leak(&quiet), "memory_back_after_rounds");
	ktap_ok(revents(0, POLLOUT) == POLLOUT, "console_writable");
	return ktap_exit();
}
