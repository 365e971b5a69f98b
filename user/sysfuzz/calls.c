/*
 * calls.c - the calls the fuzzer makes: for each, a generator that knows its arguments' types and
 * an optional follow-up (bookkeeping of fds and children, a check of what only this call can tell).
 * The checks every call shares (an errno Linux has, no bytes through a bad pointer, no success
 * writing through one) are worker.c's judge().
 *
 * Memory calls act on the arena only (MAP_FIXED, munmap, mprotect, mremap, madvise, msync), or on
 * a mapping the same thread makes, touches and unmaps at once: the fuzzer's own code, stacks,
 * rings and scratch are never unmapped or changed under it. Signals a fault raises are never sent,
 * nor blocked, nor their handlers changed (the probes need them); SIGURG (the watchdog's) neither.
 */
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "almos.h"
#include "sysfuzz.h"
#include "uarch_fuzz.h"

#define MAP_FIXED_NOREPLACE_ 0x100000

long sf_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	return uarch_syscall6(nr, a0, a1, a2, a3, a4, a5);
}

/* Structures built for one call, private to the thread. */
static __thread uint64_t tls_words[64];
static __thread struct iovec tls_iov[8];

/* ---- files ---- */

/* openat: anything may be opened for reading; only the process's own files for writing. */
static void g_openat(struct sf_ctx *c, long a[6])
{
	long flags = sf_flags(c, O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK |
				     O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_PATH | O_NOCTTY);

	a[0] = sf_dirfd(c);
	a[1] = sf_path(c, (flags & O_CREAT) != 0);
	if (!c->path_own)
		flags &= ~(O_ACCMODE | O_CREAT | O_TRUNC);
	a[2] = flags;
	a[3] = (long)sf_below(c, 01000);
}

static void after_fd(struct sf_ctx *c, const long a[6], long ret)
{
	(void)a;
	if (ret >= 64)
		sf_impossible(c, "a new fd %ld, beyond the table", ret);
	if (ret > 2)
		sf_fd_add((int)ret);
}

static void g_close(struct sf_ctx *c, long a[6])
{
	a[0] = sf_fd(c);
	if (a[0] == sp.dirfd)
		a[0] = sf_fd(c);
}

static void after_close(struct sf_ctx *c, const long a[6], long ret)
{
	(void)c;
	if (ret == 0)
		sf_fd_closed((int)a[0]);
}

static void g_read(struct sf_ctx *c, long a[6])
{
	a[0] = sf_fd(c);
	sf_buffer(c, a, 1, 2, true);
}

static void g_write(struct sf_ctx *c, long a[6])
{
	a[0] = sf_fd(c);
	sf_buffer(c, a, 1, 2, false);
}

static long offset(struct sf_ctx *c)
{
	static const long odd[] = { -1, -4096, 1L << 40, (1L << 40) - 1, 1L << 62, 0x7fffffffffffffffL };

	if (sf_chance(c, 80))
		return (long)sf_below(c, 1 << 20);
	return odd[sf_below(c, 6)];
}

static void g_pread(struct sf_ctx *c, long a[6])
{
	g_read(c, a);
	a[3] = offset(c);
}

static void g_pwrite(struct sf_ctx *c, long a[6])
{
	g_write(c, a);
	a[3] = offset(c);
}

static void g_iov(struct sf_ctx *c, long a[6])
{
	unsigned n = (unsigned)sf_below(c, 8);
	int kind;

	a[0] = sf_fd(c);
	for (unsigned i = 0; i < n; i++) {
		tls_iov[i].iov_len = (size_t)(sf_chance(c, 80) ? sf_below(c, 8192) : (uint64_t)sf_len(c));
		tls_iov[i].iov_base = (void *)sf_ptr(c, tls_iov[i].iov_len, &kind);
	}
	a[1] = sf_chance(c, 90) ? (long)tls_iov : sf_bad_ptr(c);
	a[2] = sf_chance(c, 90) ? (long)n : (sf_chance(c, 50) ? 1025 : -1);
}

static void g_lseek(struct sf_ctx *c, long a[6])
{
	a[0] = sf_fd(c);
	a[1] = sf_chance(c, 50) ? offset(c) : -(long)sf_below(c, 8192);
	a[2] = (long)sf_below(c, 6);
}

static void g_dup(struct sf_ctx *c, long a[6])
{
	a[0] = sf_fd(c);
}

static void g_dup3(struct sf_ctx *c, long a[6])
{
	a[0] = sf_fd(c);
	a[1] = sf_fd(c);
	a[2] = sf_flags(c, O_CLOEXEC);
}

static void g_fcntl(struct sf_ctx *c, long a[6])
{
	static const long cmds[] = { F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC,
				     F_GETLK, 1024, -1 };

	a[0] = sf_fd(c);
	a[1] = cmds[sf_below(c, 9)];
	a[2] = sf_chance(c, 70) ? (long)sf_below(c, 70) : sf_flags(c, O_NONBLOCK | O_APPEND | 1);
}

static void after_fcntl(struct sf_ctx *c, const long a[6], long ret)
{
	if ((a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC) && ret >= 0)
		after_fd(c, a, ret);
}

static void g_ioctl(struct sf_ctx *c, long a[6])
{
	static const long reqs[] = { 0x541B, 0x5401, 0x5402, 0x5413, 0x5414, 0x540F, 0x5410,
				     0x5421, 0x540E, 0x540B, 0x5429, 0xdeadbeef };
	int kind;

	a[0] = sf_fd(c);
	a[1] = reqs[sf_below(c, sizeof(reqs) / sizeof(reqs[0]))];
	a[2] = sf_ptr(c, 64, &kind);
}

static void g_pipe2(struct sf_ctx *c, long a[6])
{
	sf_struct(c, a, 0, 8, false);
	a[1] = sf_flags(c, O_CLOEXEC | O_NONBLOCK | O_DIRECT);
}

static void after_pipe2(struct sf_ctx *c, const long a[6], long ret)
{
	if (ret == 0 && c->struct_kind == PK_VALID) {
		const int *fds = (const int *)a[0];
		int f0 = fds[0], f1 = fds[1];
		if (f0 >= 0 && f0 < 64 && f1 >= 0 && f1 < 64) {
			sf_fd_add(f0);
			sf_fd_add(f1);
		}
	}
}

static void g_getdents(struct sf_ctx *c, long a[6])
{
	a[0] = sf_chance(c, 40) ? sp.dirfd : sf_fd(c);
	sf_buffer(c, a, 1, 2, true);
}

static void g_mkdirat(struct sf_ctx *c, long a[6])
{
	a[0] = sf_chance(c, 70) ? -100 : sp.dirfd;
	a[1] = sf_path(c, true);
	a[2] = (long)sf_below(c, 01000);
}

static void g_unlinkat(struct sf_ctx *c, long a[6])
{
	a[0] = sf_chance(c, 70) ? -100 : sp.dirfd;
	a[1] = sf_path(c, true);
	a[2] = sf_flags(c, AT_REMOVEDIR);
}

static void g_faccessat(struct sf_ctx *c, long a[6])
{
	a[0] = sf_dirfd(c);
	a[1] = sf_path(c, false);
	a[2] = sf_flags(c, 7);
	a[3] = sf_flags(c, AT_EACCESS | AT_SYMLINK_NOFOLLOW);
}

static void g_chdir(struct sf_ctx *c, long a[6])
{
	a[0] = sf_path(c, false);
}

static void g_getcwd(struct sf_ctx *c, long a[6])
{
	sf_buffer(c, a, 0, 1, true);
}

static void g_readlinkat(struct sf_ctx *c, long a[6])
{
	a[0] = sf_dirfd(c);
	a[1] = sf_path(c, false);
	sf_buffer(c, a, 2, 3, true);
}

static void g_fstatat(struct sf_ctx *c, long a[6])
{
	a[0] = sf_dirfd(c);
	a[1] = sf_path(c, false);
	sf_struct(c, a, 2, 128, false);
	a[3] = sf_flags(c, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH);
}

static void g_fstat(struct sf_ctx *c, long a[6])
{
	a[0] = sf_fd(c);
	sf_struct(c, a, 1, 128, false);
}

static void g_ppoll(struct sf_ctx *c, long a[6])
{
	struct pollfd *p = (struct pollfd *)tls_words;
	unsigned n = (unsigned)sf_below(c, 5);

	for (unsigned i = 0; i < n; i++) {
		p[i].fd = (int)sf_fd(c);
		p[i].events = (short)sf_flags(c, POLLIN | POLLOUT | POLLPRI | POLLHUP | POLLERR);
	}
	tls_words[16] = sf_sigmask(c);
	a[0] = sf_chance(c, 90) ? (long)p : sf_bad_ptr(c);
	a[1] = sf_chance(c, 90) ? (long)n : (long)sf_rand(c);
	a[2] = sf_timeout(c, false);
	a[3] = sf_chance(c, 60) ? 0 : sf_chance(c, 90) ? (long)&tls_words[16] : sf_bad_ptr(c);
	a[4] = sf_chance(c, 95) ? 8 : (long)sf_below(c, 16);
}

static void g_pselect(struct sf_ctx *c, long a[6])
{
	uint64_t *sets = &tls_words[20]; /* three one-word sets: fds 0..63 */

	for (int i = 0; i < 3; i++)
		sets[i] = sf_chance(c, 50) ? 0 : sf_rand(c) & sf_rand(c);
	tls_words[30] = sf_sigmask(c);
	tls_words[31] = (uint64_t)&tls_words[30];
	tls_words[32] = 8;
	a[0] = sf_chance(c, 90) ? (long)sf_below(c, 65) : (long)sf_rand(c);
	for (int i = 0; i < 3; i++)
		a[1 + i] = sf_chance(c, 30) ? 0 : sf_chance(c, 90) ? (long)&sets[i] : sf_bad_ptr(c);
	a[4] = sf_timeout(c, false);
	a[5] = sf_chance(c, 60) ? 0 : sf_chance(c, 90) ? (long)&tls_words[31] : sf_bad_ptr(c);
}

/* ---- processes, time, signals ---- */

static void g_none(struct sf_ctx *c, long a[6])
{
	(void)c;
	(void)a;
}

static void after_getpid(struct sf_ctx *c, const long a[6], long ret)
{
	(void)a;
	if (ret != sp.pid)
		sf_impossible(c, "getpid returned %lx, the process is %x", ret, sp.pid);
}

static void g_uname(struct sf_ctx *c, long a[6])
{
	sf_struct(c, a, 0, 390, false);
}

static void g_clock_gettime(struct sf_ctx *c, long a[6])
{
	a[0] = sf_chance(c, 90) ? (long)sf_below(c, 12) : (long)sf_rand(c);
	sf_struct(c, a, 1, 16, false);
	if (a[0] > 11 || a[0] < 0)
		c->struct_arg = -1; /* EINVAL may come first */
}

static void g_getrandom(struct sf_ctx *c, long a[6])
{
	sf_buffer(c, a, 0, 1, true);
	a[2] = sf_flags(c, 1 | 2 | 4);
}

static void g_nanosleep(struct sf_ctx *c, long a[6])
{
	int kind;

	a[0] = sf_timeout(c, false);
	a[1] = sf_chance(c, 50) ? 0 : sf_ptr(c, 16, &kind);
}

static void g_clock_nanosleep(struct sf_ctx *c, long a[6])
{
	int kind;

	a[0] = sf_chance(c, 90) ? (long)sf_below(c, 2) : (long)sf_below(c, 20);
	a[1] = sf_flags(c, 1);
	a[2] = sf_timeout(c, false);
	a[3] = sf_chance(c, 50) ? 0 : sf_ptr(c, 16, &kind);
}

static void g_kill(struct sf_ctx *c, long a[6])
{
	a[0] = sf_pid(c);
	a[1] = sf_sig(c);
	if (a[0] == -1)
		a[1] = 0; /* every process but init: only whether one exists */
}

/* A thread id: of a thread of the run (its rings name them), or one nobody has. Never a number
 * drawn at random: tgkill and tkill reach any process's thread, the parent's and the shell's too,
 * and the protected list holds pids, not thread ids. */
static long some_tid(struct sf_ctx *c)
{
	static const long none[] = { 0x7fff0000L, 0x7fffffffL, 0, -1, 0xffffL };
	struct sf_slot *s = &sf->w[sf_below(c, sf->workers)];

	if (sf_chance(c, 85))
		return __atomic_load_n(&s->rings[sf_below(c, SF_RINGS)].tid, __ATOMIC_RELAXED);
	return none[sf_below(c, 5)];
}

/* POSIX and interval timers. Their signals are sf_sig's, to the worker itself (a SIGKILL timer
 * ends it: the parent respawns it); values up to 20 ms, some bad. Pointers come from sf_ptr,
 * not judged: Linux checks the clock, the sigevent and the timespec in an order of its own. */
static __thread struct itimerspec tls_its[2];
static __thread struct sigevent tls_ev;

static long timer_id(struct sf_ctx *c)
{
	return sf_chance(c, 90) ? (long)sf_below(c, 34) : (long)sf_rand(c);
}

static long small_ns(struct sf_ctx *c)
{
	unsigned r = (unsigned)sf_below(c, 100);

	return r < 30 ? 0 : r < 95 ? (long)(1 + sf_below(c, 20000000)) : sf_chance(c, 50) ? -1 : 1000000000L;
}

static void g_timer_create(struct sf_ctx *c, long a[6])
{
	static const int notify[] = { SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, 4 /* THREAD_ID */, 4 | SIGEV_SIGNAL, 99 };
	int kind;

	a[0] = sf_chance(c, 90) ? (long)sf_below(c, 12) : (long)sf_rand(c);
	memset(&tls_ev, 0, sizeof(tls_ev));
	tls_ev.sigev_notify = notify[sf_below(c, 6)];
	tls_ev.sigev_signo = (int)sf_sig(c);
	tls_ev._sigev_un._tid = (int)some_tid(c);
	tls_ev.sigev_value.sival_ptr = (void *)(uintptr_t)sf_rand(c);
	a[1] = sf_chance(c, 70) ? (long)&tls_ev : sf_chance(c, 50) ? 0 : sf_ptr(c, sizeof(tls_ev), &kind);
	a[2] = sf_chance(c, 80) ? (long)&tls_words[sf_below(c, 64)] : sf_ptr(c, 4, &kind);
}

static void g_timer_settime(struct sf_ctx *c, long a[6])
{
	struct itimerspec *its = &tls_its[0];
	int kind;

	a[0] = timer_id(c);
	a[1] = sf_flags(c, 1); /* TIMER_ABSTIME */
	its->it_value.tv_sec = sf_chance(c, 95) ? 0 : sf_chance(c, 50) ? -1 : 1;
	its->it_value.tv_nsec = small_ns(c);
	its->it_interval.tv_sec = 0;
	its->it_interval.tv_nsec = sf_chance(c, 50) ? 0 : small_ns(c);
	a[2] = sf_chance(c, 85) ? (long)its : sf_ptr(c, sizeof(*its), &kind);
	a[3] = sf_chance(c, 50) ? 0 : sf_chance(c, 80) ? (long)&tls_its[1] : sf_ptr(c, sizeof(*its), &kind);
}

static void g_timer_id_ptr(struct sf_ctx *c, long a[6])
{
	int kind;

	a[0] = timer_id(c);
	a[1] = sf_chance(c, 80) ? (long)&tls_its[1] : sf_ptr(c, sizeof(tls_its[1]), &kind);
}

static void g_timer_id(struct sf_ctx *c, long a[6])
{
	a[0] = timer_id(c);
}

static void g_setitimer(struct sf_ctx *c, long a[6])
{
	struct itimerval *it = (struct itimerval *)&tls_its[0];
	int kind;

	a[0] = (long)sf_below(c, 4);
	it->it_value.tv_sec = sf_chance(c, 95) ? 0 : -1;
	it->it_value.tv_usec = small_ns(c) / 1000;
	it->it_interval.tv_sec = 0;
	it->it_interval.tv_usec = sf_chance(c, 50) ? 0 : small_ns(c) / 1000;
	a[1] = sf_chance(c, 85) ? (long)it : sf_chance(c, 50) ? 0 : sf_ptr(c, sizeof(*it), &kind);
	a[2] = sf_chance(c, 50) ? 0 : sf_chance(c, 80) ? (long)&tls_its[1] : sf_ptr(c, sizeof(*it), &kind);
}

static void g_getitimer(struct sf_ctx *c, long a[6])
{
	int kind;

	a[0] = (long)sf_below(c, 4);
	a[1] = sf_chance(c, 80) ? (long)&tls_its[1] : sf_ptr(c, sizeof(struct itimerval), &kind);
}

static void g_tgkill(struct sf_ctx *c, long a[6])
{
	a[0] = sf_pid(c);
	a[1] = some_tid(c);
	a[2] = sf_sig(c);
}

static void g_tkill(struct sf_ctx *c, long a[6])
{
	a[0] = some_tid(c);
	a[1] = sf_sig(c);
}

static bool kept_signal(long sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGURG || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGTRAP || sig == SIGSYS;
}

static void g_sigaction(struct sf_ctx *c, long a[6])
{
	static const long handlers[] = { 0 /* SIG_DFL */, 1 /* SIG_IGN */, 0 };
	uint64_t *act = &tls_words[40];
	int kind;

	a[0] = sf_chance(c, 95) ? 1 + (long)sf_below(c, 64) : sf_sig(c);
	act[0] = sf_chance(c, 40) ? (uint64_t)sf_handler_address() : (uint64_t)handlers[sf_below(c, 3)];
	act[1] = (uint64_t)sf_flags(c, SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK |
					   SA_RESTART | SA_NODEFER | SA_RESETHAND);
	act[1] &= ~(uint64_t)UARCH_SA_RESTORER; /* a handler returns through the kernel's trampoline */
	act[UARCH_SA_MASK_WORD] = sf_sigmask(c);
	if (act[0] == (uint64_t)sf_handler_address())
		act[UARCH_SA_MASK_WORD] = ~0ull; /* as install_handlers: frames never pile up */
	if (UARCH_SA_MASK_WORD > 2)
		act[2] = SF_HOLE_BASE; /* sa_restorer, ignored without SA_RESTORER */
	a[1] = sf_chance(c, 30) ? 0 : sf_chance(c, 90) ? (long)act : sf_bad_ptr(c);
	a[2] = sf_chance(c, 50) ? 0 : sf_ptr(c, 24, &kind);
	a[3] = sf_chance(c, 95) ? 8 : (long)sf_below(c, 16);
	if (kept_signal(a[0]) || a[0] == 32 || a[0] == 33)
		a[1] = 0; /* only asked, never changed */
}

static void g_sigprocmask(struct sf_ctx *c, long a[6])
{
	int kind;

	tls_words[44] = sf_sigmask(c);
	a[0] = sf_chance(c, 95) ? (long)sf_below(c, 3) : (long)sf_rand(c);
	a[1] = sf_chance(c, 20) ? 0 : sf_chance(c, 90) ? (long)&tls_words[44] : sf_bad_ptr(c);
	a[2] = sf_chance(c, 50) ? 0 : sf_ptr(c, 8, &kind);
	a[3] = sf_chance(c, 95) ? 8 : (long)sf_below(c, 16);
}

static void g_sigpending(struct sf_ctx *c, long a[6])
{
	sf_struct(c, a, 0, 8, false);
	a[1] = sf_chance(c, 95) ? 8 : (long)sf_below(c, 16);
	if (a[1] != 8)
		c->struct_arg = -1;
}

static void g_sigsuspend(struct sf_ctx *c, long a[6])
{
	tls_words[45] = sf_sigmask(c);
	a[0] = sf_chance(c, 90) ? (long)&tls_words[45] : sf_bad_ptr(c);
	a[1] = sf_chance(c, 95) ? 8 : (long)sf_below(c, 16);
}

/* sigaltstack: the thread's own stack at most (signals are delivered there: a stack shared with
 * another thread, or larger than its memory, would break the fuzzer, not the kernel), too small
 * ones, bad flags, bad pointers. */
static void g_sigaltstack(struct sf_ctx *c, long a[6])
{
	static const uint64_t sizes[] = { 4 * SF_PAGE, 2 * SF_PAGE, 2 * SF_PAGE, 1000, 0 };
	uint64_t *ss = &tls_words[48]; /* { ss_sp, ss_flags (int) + pad, ss_size } */
	int kind;

	ss[0] = (uint64_t)(sp.altstack + c->alt * 4 * SF_PAGE);
	ss[1] = (uint64_t)sf_flags(c, SS_DISABLE | SS_ONSTACK);
	ss[2] = sizes[sf_below(c, 5)];
	a[0] = sf_chance(c, 30) ? 0 : sf_chance(c, 90) ? (long)ss : sf_bad_ptr(c);
	a[1] = sf_chance(c, 50) ? 0 : sf_ptr(c, 24, &kind);
}

static void g_setpgid(struct sf_ctx *c, long a[6])
{
	a[0] = sf_chance(c, 40) ? 0 : sf_pid(c);
	a[1] = sf_chance(c, 40) ? 0 : sf_pid(c);
}

static void g_pid_arg(struct sf_ctx *c, long a[6])
{
	a[0] = sf_chance(c, 30) ? 0 : sf_pid(c);
}

static void g_wait4(struct sf_ctx *c, long a[6])
{
	int kind;

	a[0] = sf_chance(c, 50) ? -1 : sf_pid(c);
	a[1] = sf_chance(c, 20) ? 0 : sf_ptr(c, 4, &kind);
	/* The status is judged (after_wait4): a valid one goes to a word of this thread's. In the
	 * scratch pages, shared by the process's threads, another thread's getrandom or read could
	 * overwrite it before it is read, and a random word taken for "killed by signal 11" was
	 * a finding of the fuzzer's own (x86_64 1x1, seed 104). */
	if (a[1] && kind == PK_VALID)
		a[1] = (long)&tls_words[56];
	a[2] = sf_chance(c, 85) ? WNOHANG | sf_flags(c, WUNTRACED | WCONTINUED)
				: sf_flags(c, WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE);
	a[3] = sf_chance(c, 80) ? 0 : sf_ptr(c, 144, &kind);
	c->ptr_kind = kind;
	c->struct_kind = a[1] == (long)&tls_words[56] ? PK_VALID : PK_ARENA; /* else not read */
}

static void after_wait4(struct sf_ctx *c, const long a[6], long ret)
{
	if (ret <= 0)
		return;
	if (c->struct_kind == PK_VALID)
		sf_child_status(c, (pid_t)ret, *(const int *)a[1]);
	else
		sf_child_status(c, (pid_t)ret, 0);
}

/* execve: of the program itself (which then ends at once, -X) or of what cannot run. A worker
 * that execs ends, so a worker's exec may succeed only in -e percent of them, a child's often. */
static void g_execve(struct sf_ctx *c, long a[6])
{
	static const char *const argv_ok[] = { "sysfuzz", "-X", NULL };
	static __thread const char *argv_bad[3];
	unsigned r = (unsigned)sf_below(c, 10);
	bool may_run = sf_chance(c, c->is_child ? 60 : sf->exec_weight);

	argv_bad[0] = "sysfuzz";
	argv_bad[1] = (const char *)sf_bad_ptr(c);
	argv_bad[2] = NULL;
	a[0] = sf_chance(c, 50) ? (long)SF_SELF : sf_path(c, false);
	a[1] = r < 7 ? (long)argv_ok : r < 8 ? 0 : r < 9 ? sf_bad_ptr(c) : (long)argv_bad;
	a[2] = sf_chance(c, 80) ? 0 : sf_bad_ptr(c);
	if (!may_run)
		a[2] = sf_bad_ptr(c); /* EFAULT, whatever the rest */
}

static void g_clone(struct sf_ctx *c, long a[6])
{
	static const long bad[] = { 0x10000 /* CLONE_THREAD */, 0x800 /* CLONE_SIGHAND */,
				    0x100 /* CLONE_VM */, 1L << 40, 65, 0x10900 | SIGCHLD };
	unsigned r = (unsigned)sf_below(c, 10);
	int kind;

	if (r < 5) /* fork; random flags keep SIGCHLD as the exit signal: a child that ends sends
		    * its parent the one it was cloned with (SIGXFSZ ended a worker, 2x2 seed 28) */
		a[0] = SIGCHLD | (sf_flags(c, 0x00100000 | 0x01000000 | 0x00200000) & ~0xffL);
	else if (r < 7)
		a[0] = 0x100 | 0x4000 | SIGCHLD; /* vfork */
	else
		a[0] = bad[sf_below(c, 6)];
	a[1] = sf_chance(c, 80) ? 0 : sf_chance(c, 50) ? (long)(sp.scratch + 8) : (long)sp.prot_none;
	a[2] = sf_ptr(c, 4, &kind);
	a[UARCH_CLONE_TLS_ARG] = 0;
	a[UARCH_CLONE_CTID_ARG] = sf_ptr(c, 4, &kind);
}

static void g_rlimit(struct sf_ctx *c, long a[6])
{
	uint64_t *lim = &tls_words[52];
	int kind;

	lim[0] = sf_chance(c, 50) ? ~0UL : (uint64_t)sf_len(c);
	lim[1] = sf_chance(c, 50) ? ~0UL : (uint64_t)sf_len(c);
	a[0] = sf_chance(c, 60) ? 0 : sf_pid(c);
	a[1] = sf_chance(c, 90) ? (long)sf_below(c, 16) : (long)sf_rand(c);
	a[2] = sf_chance(c, 70) ? 0 : sf_chance(c, 90) ? (long)lim : sf_bad_ptr(c);
	if (a[1] == RLIMIT_NOFILE && a[2])
		a[2] = 0; /* the fuzzer needs its fds */
	a[3] = sf_chance(c, 50) ? 0 : sf_ptr(c, 16, &kind);
}

static void g_ptr_len(struct sf_ctx *c, long a[6])
{
	int kind;

	a[0] = sf_ptr(c, 24, &kind);
	a[1] = sf_chance(c, 80) ? 24 : sf_len(c);
}

static void g_reboot(struct sf_ctx *c, long a[6])
{
	a[0] = (long)(sf_rand(c) | 1) & 0x7ffffffe; /* never LINUX_REBOOT_MAGIC1 (0xfee1dead) */
	a[1] = 672274793;
	a[2] = 0x4321fedc;
}

static void after_einval(struct sf_ctx *c, const long a[6], long ret)
{
	(void)a;
	if (ret != -22)
		sf_impossible(c, "reboot without its magic returned %ld", ret);
}

static void after_clone(struct sf_ctx *c, const long a[6], long ret)
{
	(void)a;
	if (ret > 0)
		sf_child_add(c, (pid_t)ret);
}

long sf_invoke(const struct sf_call *k, const long a[6])
{
	if (k->nr == SYS_clone)
		return uarch_clone_raw(a);
	return sf_syscall(k->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

const struct sf_call sf_calls[] = {
	{ "openat", SYS_openat, 30, g_openat, after_fd },
	{ "close", SYS_close, 12, g_close, after_close },
	{ "read", SYS_read, 20, g_read, NULL },
	{ "write", SYS_write, 20, g_write, NULL },
	{ "pread64", SYS_pread64, 8, g_pread, NULL },
	{ "pwrite64", SYS_pwrite64, 8, g_pwrite, NULL },
	{ "readv", SYS_readv, 4, g_iov, NULL },
	{ "writev", SYS_writev, 4, g_iov, NULL },
	{ "lseek", SYS_lseek, 6, g_lseek, NULL },
	{ "dup", SYS_dup, 5, g_dup, after_fd },
	{ "dup3", SYS_dup3, 5, g_dup3, after_fd },
	{ "fcntl", SYS_fcntl, 6, g_fcntl, after_fcntl },
	{ "ioctl", SYS_ioctl, 5, g_ioctl, NULL },
	{ "pipe2", SYS_pipe2, 8, g_pipe2, after_pipe2 },
	{ "getdents64", SYS_getdents64, 4, g_getdents, NULL },
	{ "mkdirat", SYS_mkdirat, 4, g_mkdirat, NULL },
	{ "unlinkat", SYS_unlinkat, 6, g_unlinkat, NULL },
	{ "faccessat", SYS_faccessat, 3, g_faccessat, NULL },
	{ "chdir", SYS_chdir, 2, g_chdir, NULL },
	{ "getcwd", SYS_getcwd, 3, g_getcwd, NULL },
	{ "readlinkat", SYS_readlinkat, 3, g_readlinkat, NULL },
	{ "newfstatat", SYS_newfstatat, 5, g_fstatat, NULL },
	{ "fstat", SYS_fstat, 5, g_fstat, NULL },
	{ "ppoll", SYS_ppoll, 5, g_ppoll, NULL },
	{ "pselect6", SYS_pselect6, 4, g_pselect, NULL },
	{ "getpid", SYS_getpid, 2, g_none, after_getpid },
	{ "getppid", SYS_getppid, 2, g_none, NULL },
	{ "gettid", SYS_gettid, 2, g_none, NULL },
	{ "getuid", SYS_getuid, 1, g_none, NULL },
	{ "sched_yield", SYS_sched_yield, 2, g_none, NULL },
	{ "sync", SYS_sync, 1, g_none, NULL },
	{ "uname", SYS_uname, 2, g_uname, NULL },
	{ "clock_gettime", SYS_clock_gettime, 3, g_clock_gettime, NULL },
	{ "getrandom", SYS_getrandom, 3, g_getrandom, NULL },
	{ "nanosleep", SYS_nanosleep, 3, g_nanosleep, NULL },
	{ "clock_nanosleep", SYS_clock_nanosleep, 2, g_clock_nanosleep, NULL },
	{ "kill", SYS_kill, 10, g_kill, NULL },
	{ "tgkill", SYS_tgkill, 4, g_tgkill, NULL },
	{ "tkill", SYS_tkill, 3, g_tkill, NULL },
	{ "timer_create", SYS_timer_create, 3, g_timer_create, NULL },
	{ "timer_settime", SYS_timer_settime, 3, g_timer_settime, NULL },
	{ "timer_gettime", SYS_timer_gettime, 2, g_timer_id_ptr, NULL },
	{ "timer_getoverrun", SYS_timer_getoverrun, 1, g_timer_id, NULL },
	{ "timer_delete", SYS_timer_delete, 3, g_timer_id, NULL },
	{ "setitimer", SYS_setitimer, 2, g_setitimer, NULL },
	{ "getitimer", SYS_getitimer, 1, g_getitimer, NULL },
	{ "rt_sigaction", SYS_rt_sigaction, 6, g_sigaction, NULL },
	{ "rt_sigprocmask", SYS_rt_sigprocmask, 6, g_sigprocmask, NULL },
	{ "rt_sigpending", SYS_rt_sigpending, 2, g_sigpending, NULL },
	{ "rt_sigsuspend", SYS_rt_sigsuspend, 1, g_sigsuspend, NULL },
	{ "sigaltstack", SYS_sigaltstack, 3, g_sigaltstack, NULL },
	{ "setpgid", SYS_setpgid, 3, g_setpgid, NULL },
	{ "getpgid", SYS_getpgid, 2, g_pid_arg, NULL },
	{ "getsid", SYS_getsid, 2, g_pid_arg, NULL },
	{ "setsid", SYS_setsid, 1, g_none, NULL },
	{ "wait4", SYS_wait4, 8, g_wait4, after_wait4 },
	{ "execve", SYS_execve, 2, g_execve, NULL },
	{ "clone", SYS_clone, 3, g_clone, after_clone },
	{ "prlimit64", SYS_prlimit64, 2, g_rlimit, NULL },
	{ "set_tid_address", SYS_set_tid_address, 1, g_ptr_len, NULL },
	{ "set_robust_list", SYS_set_robust_list, 1, g_ptr_len, NULL },
	{ "reboot", SYS_reboot, 1, g_reboot, after_einval },
	{ "mmap", SYS_mmap, 10, g_mmap, after_mmap },
	{ "munmap", SYS_munmap, 6, g_munmap, NULL },
	{ "mprotect", SYS_mprotect, 6, g_mprotect, NULL },
	{ "mremap", SYS_mremap, 4, g_mremap, after_mremap },
	{ "madvise", SYS_madvise, 4, g_madvise, NULL },
	{ "msync", SYS_msync, 2, g_msync, NULL },
	{ "brk", SYS_brk, 3, g_brk, NULL },
	{ "futex", SYS_futex, 5, g_futex, NULL },
	{ "get_config", SYS_ALMOS_GET_CONFIG, 1, g_two_uints, NULL },
	{ "get_core_id", SYS_ALMOS_GET_CORE_ID, 1, g_two_uints, NULL },
	{ "get_cycle", SYS_ALMOS_GET_CYCLE, 1, g_cycle, NULL },
	{ "place_next", SYS_ALMOS_PLACE_NEXT, 3, g_place, NULL },
	{ "get_cluster_info", SYS_ALMOS_GET_CLUSTER_INFO, 2, g_cluster_info, NULL },
	{ "get_vmm_info", SYS_ALMOS_GET_VMM_INFO, 2, g_vmm_info, NULL },
	{ "get_processes", SYS_ALMOS_GET_PROCESSES, 2, g_processes, NULL },
	{ "get_process_info", SYS_ALMOS_GET_PROCESS_INFO, 2, g_process_info, NULL },
	{ "get_regions", SYS_ALMOS_GET_REGIONS, 1, g_regions, NULL },
	{ "nosys_500", 500, 1, g_enosys, after_enosys },
	{ "nosys_1099", ALMOS_SYSCALL_LAST, 1, g_enosys, after_enosys }, /* unused, in the ALMOS range */
	{ "nosys_9999", 9999, 1, g_enosys, after_enosys },
};

const unsigned sf_calls_nr = sizeof(sf_calls) / sizeof(sf_calls[0]);
