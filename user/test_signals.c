/*
 * test_signals.c - Linux signal delivery (docs/signals.md), as a KTAP suite:
 *
 *     test_signals            handlers of faults (SIGSEGV MAPERR/ACCERR, SIGILL, SIGBUS) left by
 *                             siglongjmp or by moving the pc in the ucontext; kill/tgkill siginfo;
 *                             blocked then unblocked signals; sigsuspend; sigaltstack; SA_RESETHAND,
 *                             SA_NODEFER, SA_RESTART; EINTR of nanosleep and of a futex wait on
 *                             another cluster; a process-directed signal taken by one thread;
 *                             SIG_IGN; refusals; process groups and sessions.
 *
 * and modes whose verdict is the process's end (QEMU's exit status, 128 + signal):
 *     term        kill(getpid(), SIGTERM), default action           143
 *     quit        kill(getpid(), SIGQUIT) from a thread of the last cluster, default core dump  131
 *     blocked     a NULL write with SIGSEGV blocked: still the end   139
 *     badframe    rt_sigreturn with a stack pointer to nothing       139
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "almos.h"
#include <uarch.h>
#include "ktap.h"

static unsigned int clusters, cores;
static void *volatile null_pointer; /* volatile: the compiler may not assume what happens */

/* What the last handler saw. */
static volatile int got_sig, got_code, got_count;
static volatile uintptr_t got_addr;
static volatile pid_t got_pid;
static sigjmp_buf jump;

static void on_fault_jump(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	got_count++;
	siglongjmp(jump, 1);
}

/* Go on after the faulting instruction (uarch.h's): move the pc of the interrupted context. */
static void on_fault_skip(int sig, siginfo_t *si, void *ucv)
{
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	got_count++;
	uarch_ucontext_skip(ucv);
}

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_pid = si->si_pid;
	got_count++;
}

static void set_action(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void reset(void)
{
	got_sig = got_code = got_count = 0;
	got_addr = 0;
	got_pid = 0;
}

static pid_t gettid_(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void test_faults(void)
{
	volatile int *unmapped = (volatile int *)((uintptr_t)null_pointer + 0x1000);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t where = 0;
	char *buf = malloc(64);

	reset();
	set_action(SIGSEGV, on_fault_jump, 0);
	if (sigsetjmp(jump, 1) == 0)
		*unmapped = 1;
	ktap_ok(got_count == 1 && got_sig == SIGSEGV && got_code == SEGV_MAPERR && got_addr == 0x1000,
		"SIGSEGV of an unmapped address: SEGV_MAPERR, si_addr, left by siglongjmp");

	reset();
	set_action(SIGSEGV, on_fault_skip, 0);
	uarch_store_zero(ro);
	ktap_ok(got_count == 1 && got_sig == SIGSEGV && got_code == SEGV_ACCERR &&
		got_addr == (uintptr_t)ro, "SIGSEGV of a write to PROT_READ: SEGV_ACCERR, left by the pc");

	reset();
	set_action(SIGILL, on_fault_skip, 0);
	where = uarch_illegal_instruction();
	ktap_ok(got_count == 1 && got_sig == SIGILL && got_code == ILL_ILLOPC && got_addr == where,
		"SIGILL: ILL_ILLOPC, si_addr = the instruction's pc (%lx)", (unsigned long)where);

	reset();
	set_action(SIGBUS, on_fault_skip, 0);
	uarch_misaligned_atomic(buf + 1);
	if (got_count == 0 && UARCH_ALIGNMENT_CHECK_OPTIONAL)
		ktap_skip("SIGBUS of a misaligned atomic: BUS_ADRALN",
			  "this CPU does not check alignment (QEMU's TCG has no #AC)");
	else
		ktap_ok(got_count == 1 && got_sig == SIGBUS && got_code == BUS_ADRALN &&
		got_addr == (uintptr_t)(buf + 1), "SIGBUS of a misaligned atomic: BUS_ADRALN (code %d)",
		got_code);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	munmap(ro, 4096);
	free(buf);
}

static void test_kill_info(void)
{
	sigset_t set, pending;

	reset();
	set_action(SIGUSR1, on_info, 0);
	ktap_ok(kill(getpid(), SIGUSR1) == 0 && got_count == 1 && got_sig == SIGUSR1 &&
		got_code == SI_USER && got_pid == getpid(), "kill(getpid()): SI_USER, si_pid, at once");
	reset();
	ktap_ok(syscall(SYS_tgkill, getpid(), gettid_(), SIGUSR1) == 0 && got_count == 1 &&
		got_code == SI_TKILL && got_pid == getpid(), "tgkill: SI_TKILL");

	reset();
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1); /* not queued: one delivery */
	sigpending(&pending);
	int before = got_count, was_pending = sigismember(&pending, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	int after = got_count;
	sigpending(&pending);
	ktap_ok(before == 0 && was_pending == 1 && after == 1 && !sigismember(&pending, SIGUSR1),
		"blocked: pending (%d), delivered once when unblocked (%d)", was_pending, after);
	signal(SIGUSR1, SIG_DFL);
}

static volatile int nested, max_nested, mask_had_self;

static void on_nest(int sig)
{
	sigset_t cur;

	sigprocmask(SIG_BLOCK, NULL, &cur);
	mask_had_self = sigismember(&cur, sig);
	nested++;
	if (nested > max_nested)
		max_nested = nested;
	if (got_count++ == 0)
		raise(sig);
	nested--;
}

static void set_plain(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void test_flags(void)
{
	struct sigaction old;

	reset();
	set_action(SIGUSR2, on_info, SA_RESETHAND);
	kill(getpid(), SIGUSR2);
	sigaction(SIGUSR2, NULL, &old);
	ktap_ok(got_count == 1 && old.sa_handler == SIG_DFL, "SA_RESETHAND: once, then SIG_DFL");

	reset();
	nested = max_nested = 0;
	set_plain(SIGUSR1, on_nest, SA_NODEFER);
	kill(getpid(), SIGUSR1);
	int nodefer_nest = max_nested, nodefer_mask = mask_had_self;
	reset();
	nested = max_nested = 0;
	set_plain(SIGUSR1, on_nest, 0);
	kill(getpid(), SIGUSR1);
	ktap_ok(nodefer_nest == 2 && nodefer_mask == 0 && max_nested == 1 && mask_had_self == 1 &&
		got_count == 2, "SA_NODEFER nests (%d), without it the signal waits for the handler",
		nodefer_nest);
	signal(SIGUSR1, SIG_DFL);

	signal(SIGUSR1, SIG_IGN);
	kill(getpid(), SIGUSR1);
	sigset_t pending;
	sigpending(&pending);
	reset();
	set_action(SIGUSR1, on_info, 0);
	ktap_ok(!sigismember(&pending, SIGUSR1) && got_count == 0, "SIG_IGN: the signal vanishes");
	signal(SIGUSR1, SIG_DFL);

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	errno = 0;
	int r1 = sigaction(SIGKILL, &sa, NULL), e1 = errno;
	errno = 0;
	int r2 = sigaction(SIGSTOP, &sa, NULL), e2 = errno;
	ktap_ok(r1 == -1 && e1 == EINVAL && r2 == -1 && e2 == EINVAL, "sigaction SIGKILL/SIGSTOP: EINVAL");
	errno = 0;
	int k1 = kill(getpid(), 65), ke1 = errno;
	errno = 0;
	int k2 = kill(0x7ffe0005, SIGUSR1), ke2 = errno;
	ktap_ok(k1 == -1 && ke1 == EINVAL && k2 == -1 && ke2 == ESRCH && kill(getpid(), 0) == 0 &&
		kill(0, 0) == 0, "kill: bad signal EINVAL, no process ESRCH, signal 0 checks");
}

/* A thread that sends @sig to the main thread after @ms milliseconds. */
struct sender { pid_t tid; int sig; int ms; int process; };

static void *send_later(void *arg)
{
	struct sender *s = arg;

	usleep((useconds_t)s->ms * 1000);
	if (s->process)
		kill(getpid(), s->sig);
	else
		syscall(SYS_tgkill, getpid(), s->tid, s->sig);
	return NULL;
}

static pthread_t start_sender(struct sender *s, int cxy)
{
	pthread_t t;

	place_next(cxy, PLACE_ANY_CORE);
	pthread_create(&t, NULL, send_later, s);
	return t;
}

static void test_suspend_sleep(void)
{
	sigset_t block, old, empty, now;
	struct sender s = { gettid_(), SIGUSR2, 20, 0 };
	pthread_t t;

	reset();
	set_action(SIGUSR2, on_info, 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &old);
	t = start_sender(&s, (int)clusters - 1);
	sigemptyset(&empty);
	errno = 0;
	int r = sigsuspend(&empty), e = errno;
	sigprocmask(SIG_BLOCK, NULL, &now);
	pthread_join(t, NULL);
	ktap_ok(r == -1 && e == EINTR && got_count == 1 && sigismember(&now, SIGUSR2),
		"sigsuspend: EINTR after the handler, the old mask back");
	sigprocmask(SIG_SETMASK, &old, NULL);

	reset();
	set_action(SIGUSR1, on_info, 0); /* no SA_RESTART */
	s.sig = SIGUSR1;
	t = start_sender(&s, (int)clusters - 1);
	struct timespec req = { 2, 0 }, rem = { 0, 0 };
	errno = 0;
	r = nanosleep(&req, &rem);
	e = errno;
	pthread_join(t, NULL);
	ktap_ok(r == -1 && e == EINTR && got_count == 1 && rem.tv_sec <= 1 &&
		(rem.tv_sec > 0 || rem.tv_nsec > 0), "nanosleep: EINTR, %ld.%09ld s left",
		(long)rem.tv_sec, rem.tv_nsec);
}

static atomic_int word;

struct restart_helper { pid_t tid; };

static void *interrupt_then_wake(void *arg)
{
	struct restart_helper *h = arg;

	usleep(20000);
	syscall(SYS_tgkill, getpid(), h->tid, SIGUSR1);
	usleep(20000);
	atomic_store(&word, 1);
	syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return NULL;
}

/* A futex wait of the main thread interrupted by a handler: restarted with SA_RESTART (it then
 * ends by the wake, 0, or EAGAIN if the word changed meanwhile), EINTR without. */
static long futex_interrupted(int flags, int *err)
{
	struct restart_helper h = { gettid_() };
	pthread_t t;
	long r;

	atomic_store(&word, 0);
	set_action(SIGUSR1, on_info, flags);
	place_next((int)clusters - 1, PLACE_ANY_CORE);
	pthread_create(&t, NULL, interrupt_then_wake, &h);
	errno = 0;
	r = syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	*err = errno;
	pthread_join(t, NULL);
	return r;
}

static atomic_int waiter_result = 1, waiter_errno, waiter_ready, waiter_tid;
static atomic_int go;

static void *futex_waiter(void *arg)
{
	(void)arg;
	atomic_store(&waiter_tid, gettid_());
	atomic_store(&waiter_ready, 1);
	errno = 0;
	long r = syscall(SYS_futex, &go, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	atomic_store(&waiter_errno, errno);
	atomic_store(&waiter_result, (int)r);
	return NULL;
}

static void test_restart(void)
{
	int err;
	long r;

	reset();
	r = futex_interrupted(SA_RESTART, &err);
	ktap_ok(got_count == 1 && (r == 0 || (r == -1 && err == EAGAIN)),
		"SA_RESTART: the interrupted futex wait goes on (%ld, errno %d)", r, err);
	reset();
	r = futex_interrupted(0, &err);
	ktap_ok(got_count == 1 && r == -1 && err == EINTR, "no SA_RESTART: futex wait EINTR");

	/* a thread of the last cluster waiting in the futex: tgkill from here ends its wait */
	pthread_t t;
	pid_t tid;
	reset();
	atomic_store(&go, 0);
	set_action(SIGUSR1, on_info, 0);
	place_next((int)clusters - 1, PLACE_ANY_CORE);
	pthread_create(&t, NULL, futex_waiter, NULL);
	while (!atomic_load(&waiter_ready))
		usleep(1000);
	usleep(20000); /* in the wait by now (EINTR either way: the signal comes before or in it) */
	tid = atomic_load(&waiter_tid);
	syscall(SYS_tgkill, getpid(), tid, SIGUSR1);
	pthread_join(t, NULL);
	ktap_ok(got_count == 1 && atomic_load(&waiter_result) == -1 &&
		atomic_load(&waiter_errno) == EINTR, "a futex wait on cluster %u: EINTR by tgkill",
		clusters - 1);
	signal(SIGUSR1, SIG_DFL);
}

static atomic_int taken, taken_by_main, workers_ready;
static pid_t main_tid;

static void on_usr2_count(int sig)
{
	(void)sig;
	atomic_fetch_add(&taken, 1);
	if (gettid_() == main_tid)
		atomic_fetch_add(&taken_by_main, 1);
}

static void *worker(void *arg)
{
	sigset_t set;

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	atomic_fetch_add(&workers_ready, 1);
	while (!atomic_load(&go)) /* ended by the handler's EINTR, or by the final wake */
		syscall(SYS_futex, &go, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return NULL;
}

static void test_process_directed(void)
{
	pthread_t t[8];
	unsigned int n = clusters < 8 ? clusters : 8;
	sigset_t set;

	main_tid = gettid_();
	atomic_store(&go, 0);
	set_plain(SIGUSR2, on_usr2_count, SA_RESTART);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (unsigned int i = 0; i < n; i++) {
		place_next((int)i, PLACE_ANY_CORE);
		pthread_create(&t[i], NULL, worker, NULL);
	}
	while (atomic_load(&workers_ready) < (int)n)
		usleep(1000);
	usleep(20000);
	kill(getpid(), SIGUSR2);
	for (int i = 0; i < 1000 && atomic_load(&taken) == 0; i++)
		usleep(1000);
	usleep(50000);
	int count = atomic_load(&taken), by_main = atomic_load(&taken_by_main);
	atomic_store(&go, 1);
	syscall(SYS_futex, &go, FUTEX_WAKE_PRIVATE, 64, NULL, NULL, 0);
	for (unsigned int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	sigset_t pending;
	sigpending(&pending);
	ktap_ok(count == 1 && by_main == 0 && !sigismember(&pending, SIGUSR2),
		"kill(getpid()): one thread of %u takes it (%d), not the main thread that blocks it", n,
		count);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGUSR2, SIG_DFL);
}

static volatile uintptr_t local_addr;
static volatile int alt_flags, alt_eperm;

static void on_alt(int sig)
{
	int local = sig;
	stack_t ss, now;

	local_addr = (uintptr_t)&local;
	sigaltstack(NULL, &now);
	alt_flags = now.ss_flags;
	memset(&ss, 0, sizeof(ss));
	ss.ss_size = 1 << 16;
	ss.ss_sp = malloc(ss.ss_size);
	errno = 0;
	alt_eperm = sigaltstack(&ss, NULL) == -1 && errno == EPERM;
	free(ss.ss_sp);
}

static void test_altstack(void)
{
	size_t size = 1 << 16;
	char *stack = malloc(size);
	stack_t ss = { .ss_sp = stack, .ss_size = size, .ss_flags = 0 }, old;
	struct sigaction sa;

	ktap_ok(sigaltstack(&ss, NULL) == 0, "sigaltstack set");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alt;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	ktap_ok(local_addr >= (uintptr_t)stack && local_addr < (uintptr_t)stack + size &&
		alt_flags == SS_ONSTACK && alt_eperm, "SA_ONSTACK: the handler's local at %lx is on it, "
		"SS_ONSTACK, EPERM to change it there", (unsigned long)local_addr);

	stack_t small = { .ss_sp = stack, .ss_size = 100, .ss_flags = 0 };
	stack_t badflags = { .ss_sp = stack, .ss_size = size, .ss_flags = 0x55 };
	errno = 0;
	int r1 = sigaltstack(&small, NULL), e1 = errno;
	errno = 0;
	int r2 = sigaltstack(&badflags, NULL), e2 = errno;
	long r3 = syscall(SYS_sigaltstack, (void *)8, NULL);
	int e3 = errno;
	sigaltstack(NULL, &old);
	ktap_ok(r1 == -1 && e1 == ENOMEM && r2 == -1 && e2 == EINVAL && r3 == -1 && e3 == EFAULT &&
		old.ss_sp == stack && old.ss_size == size && old.ss_flags == 0,
		"sigaltstack: ENOMEM (size 100), EINVAL (flags), EFAULT, the stack kept");
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	sigaltstack(NULL, &old);
	ktap_ok(old.ss_flags == SS_DISABLE, "SS_DISABLE");
	signal(SIGUSR1, SIG_DFL);
	free(stack);
}

static void test_groups(void)
{
	pid_t me = getpid();

	ktap_ok(getpgid(0) == me && getpgrp() == me && getsid(0) == me && getpgid(me) == me,
		"the first process leads its group and session");
	errno = 0;
	int r1 = setsid(), e1 = errno;
	errno = 0;
	int r2 = setpgid(0, -1), e2 = errno;
	errno = 0;
	int r3 = setpgid(0x7ffe0005, 0), e3 = errno;
	errno = 0;
	int r4 = getpgid(0x7ffe0005), e4 = errno;
	errno = 0;
	int r5 = setpgid(0, 0), e5 = errno;
	errno = 0;
	int r6 = getsid(-3), e6 = errno;
	ktap_ok(r1 == -1 && e1 == EPERM && r2 == -1 && e2 == EINVAL && r3 == -1 && e3 == ESRCH &&
		r4 == -1 && e4 == ESRCH && r5 == -1 && e5 == EPERM && r6 == -1 && e6 == ESRCH,
		"setsid EPERM, setpgid EINVAL/ESRCH/EPERM (session leader), getpgid/getsid ESRCH");
}

static void *quit_later(void *arg)
{
	(void)arg;
	kill(getpid(), SIGQUIT);
	for (;;)
		pause();
	return NULL;
}

static int mode(const char *m)
{
	if (!strcmp(m, "term")) {
		kill(getpid(), SIGTERM);
	} else if (!strcmp(m, "quit")) {
		pthread_t t;
		place_next((int)clusters - 1, PLACE_ANY_CORE);
		pthread_create(&t, NULL, quit_later, NULL);
		pthread_join(t, NULL);
	} else if (!strcmp(m, "blocked")) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGSEGV);
		sigprocmask(SIG_BLOCK, &set, NULL);
		*(volatile int *)null_pointer = 1;
	} else if (!strcmp(m, "badframe")) {
		uarch_sigreturn_bad_stack();
	}
	return 1; /* not reached when the mode works */
}

int main(int argc, char **argv)
{
	get_config(&clusters, &cores);
	if (argc > 1)
		return mode(argv[1]);
	ktap_plan(24);
	test_faults();
	test_kill_info();
	test_flags();
	test_suspend_sleep();
	test_restart();
	test_process_directed();
	test_altstack();
	test_groups();
	return ktap_exit();
}
