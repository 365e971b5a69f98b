/*
 * test_fp.c - every thread keeps its own FP registers (docs/fpu.md), as a KTAP suite:
 *
 *     test_fp              values in all 32 FP registers and the control word across sched_yield
 *                          and nanosleep; several processes and threads per core (per cluster on
 *                          several clusters) doing the same at once; busy loops that keep changing
 *                          their registers, preempted in the middle; handlers that use FP, called
 *                          synchronously and in the middle of such loops; the interrupted FP
 *                          registers read and changed through the ucontext, a frame with unknown
 *                          extension state refused; fork (the child starts with its parent's
 *                          values, then changes its own), pthread_create (the same), execve
 *                          (every register and the control word zero), moves between cores
 *                          (sched_setaffinity); on Archipel, threads that
 *                          touch no FP register cost no FP save, load or trap, and threads that
 *                          do are counted (get_cluster_info).
 *     test_fp eager        the same, the kernel's FP policy eager (x86_64's default, fpu=eager: a
 *                          user thread's registers loaded at its switch-in): threads that touch no
 *                          FP register in a slice are loaded at every switch and never trap
 *     test_fp bench        ns per switch between two threads of one core that sched_yield in
 *                          turn: both integer-only, both changing all their FP registers every
 *                          round, one of each (figures for docs/fpu.md; run under
 *                          `./archipel run --release --icount`)
 *
 * and modes the suite and the bench exec: exec-check (the registers of a new image), int-only (the
 * counter check), bench-pair. The FP instructions are in the architecture's fpregs.h. On Linux
 * (ctest user.test_fp, under qemu-riscv64) the Archipel-only checks are skipped.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "almos.h"
#include "fpregs.h"
#include "ktap.h"

#define ROUNDS      200     /* system calls per worker thread                      */
#define SPIN_CHUNK  100000  /* fp_spin iterations between two checks               */
#define SPIN_GOAL   2       /* chunks a spinner must see interrupted               */
#define WORKERS_PER_CORE 2  /* processes per core, each with a second thread       */

static unsigned int clusters = 1, cores = 1;
static bool archipel;       /* the extension calls answer (not Linux)              */
static const char *self_path;

/* ---- Patterns ---- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dULL;
	return x ^ (x >> 33);
}

/* Register values and a control word that belong to @seed alone. */
static void pattern(unsigned int seed, uint64_t v[FP_NREGS], uint32_t *ctrl)
{
	for (int i = 0; i < FP_NREGS; i++)
		v[i] = mix((uint64_t)seed * FP_NREGS + (uint64_t)i + 1);
	*ctrl = fp_ctrl_make(seed);
}

static bool same(const uint64_t *a, const uint64_t *b, int n)
{
	return memcmp(a, b, (size_t)n * sizeof(*a)) == 0;
}

/* The caller's next thread or child process goes to cluster @cxy, core @lid (a fork: any core
 * of that cluster); nothing on Linux. */
static void place(unsigned int cxy, int lid)
{
	if (archipel)
		place_next((int)cxy, lid);
}

/* Start @fn(@arg) on core (@cxy, @lid) (anywhere on Linux); 0 or an errno. */
static int start_on(pthread_t *t, unsigned int cxy, unsigned int lid, void *(*fn)(void *), void *arg)
{
	place(cxy, (int)lid);
	return pthread_create(t, NULL, fn, arg);
}

/* ---- Workers: system calls with every register loaded ---- */

/* @rounds system calls (sched_yield; nanosleep of 1 ms every 8th) with every FP register and the
 * control word set to a pattern of @seed and the round: the number that came back changed. */
static int fp_rounds(unsigned int seed, int rounds)
{
	struct timespec ms = { 0, 1000000 };
	int bad = 0;

	for (int r = 0; r < rounds; r++) {
		uint64_t in[FP_NREGS], out[FP_NREGS];
		uint32_t ctrl, ctrl_out;
		long nr = r % 8 == 7 ? SYS_nanosleep : SYS_sched_yield;

		pattern(seed * 1000u + (unsigned int)r, in, &ctrl);
		if (fp_syscall(nr, (long)&ms, 0, 0, in, ctrl, out, &ctrl_out) != 0 ||
		    !same(in, out, FP_NREGS) || ctrl != ctrl_out)
			bad++;
	}
	return bad;
}

static void *thread_rounds(void *arg)
{
	return (void *)(intptr_t)fp_rounds((unsigned int)(uintptr_t)arg, ROUNDS);
}

/* A worker process on (@cxy, @lid): itself and a second thread of that core run fp_rounds. */
static int worker_process(unsigned int seed, unsigned int cxy, unsigned int lid)
{
	pthread_t t;
	void *res = (void *)1;
	int bad;

	if (start_on(&t, cxy, lid, thread_rounds, (void *)(uintptr_t)(seed + 1)) != 0)
		return 2;
	bad = fp_rounds(seed, ROUNDS);
	pthread_join(t, &res);
	return bad != 0 || res != NULL;
}

static bool test_workers(void)
{
	int n = 0, failed = 0, status;
	pid_t pid;

	for (unsigned int c = 0; c < clusters; c++) {
		for (unsigned int l = 0; l < cores; l++) {
			for (int k = 0; k < WORKERS_PER_CORE; k++, n++) {
				place(c, (int)l);
				pid = fork();
				if (pid == 0)
					_exit(worker_process(100u + 10u * (unsigned int)n, c, l));
				failed += pid < 0;
			}
		}
	}
	while ((pid = wait(&status)) > 0)
		failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	ktap_diag("workers: %d processes of 2 threads, %d rounds each, %d failed", n, ROUNDS, failed);
	return failed == 0;
}

/* ---- Spinners: registers changing all the time, preempted or interrupted ---- */

struct spin_shared {
	_Atomic uint64_t chunks[2];  /* chunks done by each spinner of a pair */
	_Atomic int goal[2];         /* 1: that spinner reached its goal       */
	_Atomic int signals_in_loop; /* handlers that interrupted fp_spin       */
};

static struct spin_shared *shared;
static volatile sig_atomic_t in_loop;

/* Junk in every FP register and the control word, and some arithmetic, as a handler would. */
static void clobber_fp(unsigned int seed)
{
	uint64_t junk[FP_NREGS];
	uint32_t ctrl;
	volatile double x = seed;

	pattern(seed ^ 0xdeadu, junk, &ctrl);
	fp_write(junk, ctrl);
	for (int i = 0; i < 50; i++)
		x = x * 1.000001 + 0.5;
}

static void on_signal_clobber(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uintptr_t pc = fp_uc_pc(uc);

	(void)si;
	if (pc >= (uintptr_t)fp_spin && pc < (uintptr_t)fp_spin_end)
		in_loop++;
	clobber_fp((unsigned int)sig + (unsigned int)in_loop);
}

/*
 * Spin @pair's spinner @me in chunks, each checked: exact sums, the control word kept. Goal: see
 * SPIN_GOAL chunks during which the other spinner progressed (preempted in the middle), or with
 * @signals, during which a handler ran. Goes on until both spinners reached their goal.
 */
static int spinner(struct spin_shared *pair, int me, bool signals)
{
	double regs[FP_NREGS], expect = 0;
	uint32_t ctrl = fp_ctrl_make((unsigned int)me + 7), ctrl0 = ctrl;
	int seen = 0, bad = 0;

	for (int i = 0; i < FP_NREGS - 1; i++)
		regs[i] = (double)(1000 * me + i);
	regs[FP_NREGS - 1] = 1.0;
	while (!atomic_load(&pair->goal[0]) || !atomic_load(&pair->goal[1])) {
		uint64_t other = atomic_load(&pair->chunks[1 - me]);
		int before = in_loop;

		fp_spin(regs, &ctrl, SPIN_CHUNK);
		expect += SPIN_CHUNK;
		for (int i = 0; i < FP_NREGS - 1; i++)
			bad += regs[i] != (double)(1000 * me + i) + expect;
		bad += regs[FP_NREGS - 1] != 1.0 || ctrl != ctrl0;
		atomic_fetch_add(&pair->chunks[me], 1);
		seen += signals ? in_loop != before : atomic_load(&pair->chunks[1 - me]) != other;
		if (seen >= SPIN_GOAL)
			atomic_store(&pair->goal[me], 1);
	}
	if (signals)
		atomic_fetch_add(&pair->signals_in_loop, in_loop);
	return bad != 0;
}

struct spin_arg {
	struct spin_shared *pair;
	int me;
};

static void *spinner_thread(void *arg)
{
	struct spin_arg *a = arg;

	return (void *)(intptr_t)spinner(a->pair, a->me, false);
}

/* A process on cluster @cxy whose two spinner threads share core @lid. */
static int spin_pair(unsigned int cxy, unsigned int lid)
{
	struct spin_shared pair;
	struct spin_arg args[2] = { { &pair, 0 }, { &pair, 1 } };
	pthread_t t[2];
	void *res;
	int bad = 0;

	memset(&pair, 0, sizeof(pair));
	for (int me = 0; me < 2; me++)
		if (start_on(&t[me], cxy, lid, spinner_thread, &args[me]) != 0)
			return 2;
	for (int me = 0; me < 2; me++) {
		pthread_join(t[me], &res);
		bad |= res != NULL;
	}
	return bad;
}

/* On each core, two threads whose registers keep changing, each seeing the other run in the middle
 * of its loop (so it was preempted there), in processes of their own. */
static bool test_preempt(void)
{
	int failed = 0, status;
	pid_t pid;

	for (unsigned int c = 0; c < clusters; c++) {
		for (unsigned int l = 0; l < cores; l++) {
			place(c, PLACE_ANY_CORE);
			pid = fork();
			if (pid == 0)
				_exit(spin_pair(c, l));
			failed += pid < 0;
		}
	}
	while ((pid = wait(&status)) > 0)
		failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	ktap_diag("preempt: %u pairs of spinners, %d failed", clusters * cores, failed);
	return failed == 0;
}

/* A spinner interrupted by handlers that use FP: the parent sends signals until it is done. */
static bool test_signal_spin(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal_clobber, .sa_flags = SA_SIGINFO | SA_RESTART };
	struct timespec ms = { 0, 1000000 };
	int status = -1;
	pid_t pid;

	memset(shared, 0, sizeof(*shared));
	atomic_store(&shared->goal[1], 1); /* one spinner: nobody else to wait for */
	sigaction(SIGUSR1, &sa, NULL);
	pid = fork();
	if (pid == 0)
		_exit(spinner(shared, 0, true));
	while (pid > 0 && !atomic_load(&shared->goal[0])) {
		kill(pid, SIGUSR1);
		nanosleep(&ms, NULL);
	}
	waitpid(pid, &status, 0);
	signal(SIGUSR1, SIG_DFL);
	ktap_diag("signals: %d handlers ran in the middle of the loop",
		  atomic_load(&shared->signals_in_loop));
	return pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	       atomic_load(&shared->signals_in_loop) >= SPIN_GOAL;
}

/* ---- Signals and the ucontext ---- */

static uint64_t uc_expect[FP_NREGS];
static uint32_t uc_expect_ctrl;
static volatile int uc_seen_ok, uc_reserved_ok;
static bool uc_corrupt; /* the handler writes a reserved word (a bad frame) */

#define UC_NEW_F9   0x4009000000000009ULL
#define UC_NEW_F20  0x4014000000000014ULL
#define UC_NEW_CTRL fp_ctrl_make(9) /* another rounding mode, a flag */

static void on_signal_uc(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uint64_t *f = fp_uc_regs(uc);
	uint32_t *reserved;
	int n;

	(void)si;
	uc_seen_ok = same(f, uc_expect, FP_NREGS) && *fp_uc_ctrl(uc) == uc_expect_ctrl;
	reserved = fp_uc_reserved(uc, &n);
	uc_reserved_ok = 1;
	for (int i = 0; i < n; i++)
		uc_reserved_ok &= reserved[i] == 0;
	clobber_fp((unsigned int)sig);
	f[9] = UC_NEW_F9;
	f[20] = UC_NEW_F20;
	*fp_uc_ctrl(uc) = UC_NEW_CTRL;
	if (uc_corrupt)
		reserved[0] = 1;
}

/* kill(self, @sig) with every register loaded: what the handler changed comes back, nothing else. */
static void test_uc(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal_uc, .sa_flags = SA_SIGINFO };
	uint64_t out[FP_NREGS];
	uint32_t ctrl_out;

	sigaction(SIGUSR2, &sa, NULL);
	pattern(4242, uc_expect, &uc_expect_ctrl);
	fp_syscall(SYS_kill, getpid(), SIGUSR2, 0, uc_expect, uc_expect_ctrl, out, &ctrl_out);
	ktap_ok(uc_seen_ok && uc_reserved_ok, "ucontext_shows_interrupted_fp_registers");
	uc_expect[9] = UC_NEW_F9;
	uc_expect[20] = UC_NEW_F20;
	ktap_ok(same(out, uc_expect, FP_NREGS) && ctrl_out == UC_NEW_CTRL,
		"ucontext_changes_reach_interrupted_code");
}

/* A handler that puts a value in a reserved word of the frame: rt_sigreturn refuses the frame. */
static void test_uc_reserved(void)
{
	int status = 0;
	pid_t pid;

	if (!archipel) { /* Linux refuses it (-EINVAL); qemu-user does not check */
		ktap_skip("bad_fp_frame_kills_with_sigsegv", "qemu-user does not check the frame");
		return;
	}
	pid = fork();
	if (pid == 0) {
		uc_corrupt = true;
		raise(SIGUSR2);
		_exit(0); /* the frame was taken: wrong */
	}
	waitpid(pid, &status, 0);
	ktap_ok(pid > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
		"bad_fp_frame_kills_with_sigsegv");
}

/* ---- Fork, threads, exec ---- */

static bool test_fork(void)
{
	uint64_t in[FP_NREGS], out[FP_NREGS];
	uint32_t ctrl, ctrl_out;
	int status = -1;
	long pid;

	pattern(777, in, &ctrl);
	pid = fp_syscall(SYS_clone, SIGCHLD, 0, 0, in, ctrl, out, &ctrl_out);
	if (pid == 0) /* the child: its parent's values, then values of its own */
		_exit((!same(in, out, FP_NREGS) || ctrl != ctrl_out) | (fp_rounds(778, ROUNDS) != 0) << 1);
	if (pid < 0 || !same(in, out, FP_NREGS) || ctrl != ctrl_out) {
		ktap_diag("fork: clone returned %ld, parent's values %s", pid,
			  same(in, out, FP_NREGS) && ctrl == ctrl_out ? "kept" : "changed");
		return false;
	}
	/* the parent's values stay while the child changes its own */
	if ((pid = fp_syscall(SYS_wait4, pid, (long)&status, 0, in, ctrl, out, &ctrl_out)) < 0) {
		ktap_diag("fork: wait4 returned %ld", pid);
		return false;
	}
	ktap_diag("fork: child status %d", status);
	return same(in, out, FP_NREGS) && ctrl == ctrl_out && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/* ---- Moves between cores: the values go with the thread ---- */

#define MOVE_ROUNDS 40 /* moves of the calling thread, to each core it may use in turn */

/*
 * The caller moves to each CPU of its affinity mask in turn (on Archipel: the cores of its
 * cluster), MOVE_ROUNDS times, each move a sched_setaffinity made with every FP register loaded
 * with a pattern of its own: the values must come back on the new core, and the thread must be
 * there. A core's registers may hold the values the thread had when it last left that core
 * (RISC-V), or its newest values may still be in the registers of the core it left (x86_64): the
 * test catches a kernel that takes either for the thread's. -1: fewer than two CPUs, else the
 * number of bad moves.
 */
static int test_moves(void)
{
	uint64_t in[FP_NREGS], out[FP_NREGS];
	uint32_t ctrl, ctrl_out;
	int cpus[CPU_SETSIZE], n = 0, bad = 0;
	cpu_set_t allowed, one;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &allowed))
			cpus[n++] = c;
	if (n < 2)
		return -1;
	for (int r = 0; r < MOVE_ROUNDS; r++) {
		unsigned int cpu = ~0u;
		long ret;

		CPU_ZERO(&one);
		CPU_SET(cpus[r % n], &one);
		pattern(5000u + (unsigned int)r, in, &ctrl);
		ret = fp_syscall(SYS_sched_setaffinity, 0, sizeof(one), (long)&one, in, ctrl, out,
				 &ctrl_out);
		syscall(SYS_getcpu, &cpu, NULL, NULL);
		if (ret != 0 || !same(in, out, FP_NREGS) || ctrl != ctrl_out ||
		    cpu != (unsigned int)cpus[r % n]) {
			if (bad++ < 3)
				ktap_diag("move %d to CPU %d: result %ld, on CPU %u, FP registers %s", r,
					  cpus[r % n], ret, cpu,
					  same(in, out, FP_NREGS) && ctrl == ctrl_out ? "kept" : "changed");
		}
	}
	sched_setaffinity(0, sizeof(allowed), &allowed);
	ktap_diag("moves: %d between %d CPUs, %d bad", MOVE_ROUNDS, n, bad);
	return bad;
}

static uint64_t thread_in[FP_NSAVED];
static uint32_t thread_ctrl;

/* A new thread: the callee-saved registers and the control word of its creator at clone time. */
static void *thread_inherits(void *arg)
{
	uint64_t all[FP_NREGS];
	uint32_t ctrl;
	int bad;

	(void)arg;
	fp_read(all, &ctrl);
	bad = ctrl != thread_ctrl;
	for (int i = 0; i < FP_NSAVED; i++)
		bad |= all[fp_saved_index[i]] != thread_in[i];
	bad |= (fp_rounds(555, ROUNDS) != 0) << 1;
	return (void *)(intptr_t)bad;
}

static long create_thread(void *t)
{
	unsigned int cxy = 0, lid = 0;

	if (archipel && get_core_id(&cxy, &lid) == 0) /* the same FPU as its creator */
		place(cxy, (int)lid);
	return pthread_create(t, NULL, thread_inherits, NULL);
}

static long join_thread(void *t)
{
	void *res = (void *)-1;

	pthread_join(*(pthread_t *)t, &res);
	return (long)(intptr_t)res;
}

static bool test_thread(void)
{
	uint64_t all[FP_NREGS], out[FP_NSAVED];
	uint32_t ctrl_out;
	pthread_t t;
	long res;

	pattern(999, all, &thread_ctrl);
	for (int i = 0; i < FP_NSAVED; i++)
		thread_in[i] = all[fp_saved_index[i]];
	if (fp_keep_across(thread_in, thread_ctrl, out, &ctrl_out, create_thread, &t) != 0)
		return false;
	if (!same(thread_in, out, FP_NSAVED) || ctrl_out != thread_ctrl)
		return false;
	res = fp_keep_across(thread_in, thread_ctrl, out, &ctrl_out, join_thread, &t);
	ktap_diag("thread: result %ld (1: did not inherit, 2: its own values changed)", res);
	return res == 0 && same(thread_in, out, FP_NSAVED) && ctrl_out == thread_ctrl;
}

/* Fork, then exec @mode of this program with every FP register loaded; its exit status. */
static int exec_mode(const char *mode, const char *arg)
{
	char *argv[] = { (char *)self_path, (char *)mode, (char *)arg, NULL };
	uint64_t in[FP_NREGS], out[FP_NREGS];
	uint32_t ctrl, ctrl_out;
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		pattern(31337, in, &ctrl);
		fp_syscall(SYS_execve, (long)self_path, (long)argv, (long)environ, in, ctrl, out,
			   &ctrl_out);
		_exit(99);
	}
	waitpid(pid, &status, 0);
	return pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* exec-check: the new image's registers are all zero (where its start-up code uses none of them:
 * FP_REGS_ZERO_AT_MAIN) and its control word is the initial one. */
static int mode_exec_check(void)
{
	uint64_t all[FP_NREGS];
	uint32_t ctrl;
	int nonzero = 0;

	fp_read(all, &ctrl);
	for (int i = 0; i < FP_NREGS; i++)
		nonzero += all[i] != 0;
	printf("# exec-check: %d registers not zero, control word %#x\n", nonzero, ctrl);
	return (FP_REGS_ZERO_AT_MAIN && nonzero != 0) || ctrl != FP_CTRL_INITIAL;
}

/* ---- What the FPU costs (Archipel's counters) ---- */

/* Once a byte comes on @go_fd: ROUNDS sched_yield and nanosleep, no FP instruction. */
static void int_loop(int go_fd)
{
	struct timespec ms = { 0, 1000000 };
	char go;

	if (read(go_fd, &go, 1) != 1)
		return;
	for (int r = 0; r < ROUNDS; r++) {
		if (r % 8 == 7)
			nanosleep(&ms, NULL);
		else
			sched_yield();
	}
}

static void *int_thread(void *arg)
{
	int_loop((int)(intptr_t)arg);
	return NULL;
}

/*
 * int-only [eager] (exec'd, a new image): this process, a child and a second thread, all on this
 * core, are made first (glibc's start of a thread stores its FP registers once: setjmp); then,
 * once the suite waits for this process, they yield and sleep touching no FP register, and the
 * cluster's FP saves, loads and traps must not move meanwhile. @eager (fpu=eager): where glibc
 * made them FPU users (FP_LIBC_USES_FP), they are loaded at every switch instead (at least
 * ROUNDS / 2 loads), and still never trap. Exit status: bit 0 they moved (eager: they trapped or
 * were not loaded), bit 2 the set-up failed.
 */
static int mode_int_only(bool eager)
{
	struct almos_cluster_info a, b;
	struct almos_process_info parent;
	unsigned int cxy, lid;
	int status = -1, go[2];
	pthread_t t;
	pid_t child;

	if (pipe(go) != 0 || get_core_id(&cxy, &lid) != 0)
		return 4;
	place_next((int)cxy, (int)lid);
	child = fork();
	if (child == 0) {
		int_loop(go[0]);
		_exit(0);
	}
	place_next((int)cxy, (int)lid);
	if (child < 0 || pthread_create(&t, NULL, int_thread, (void *)(intptr_t)go[0]) != 0)
		return 4;
	do /* the suite blocks in waitpid: it may not run in between */
		sched_yield();
	while (get_process_info(getppid(), &parent) == 0 && parent.runnable != 0);
	if (get_cluster_info(cxy, &a) != 0 || write(go[1], "ggg", 3) != 3)
		return 4;
	int_loop(go[0]);
	pthread_join(t, NULL);
	waitpid(child, &status, 0);
	get_cluster_info(cxy, &b);
	printf("# int-only: cluster %u: %lu saves, %lu loads, %lu traps meanwhile\n", cxy,
	       (unsigned long)(b.fpu_saves - a.fpu_saves),
	       (unsigned long)(b.fpu_restores - a.fpu_restores),
	       (unsigned long)(b.fpu_traps - a.fpu_traps));
	/* 3 threads (this one, t, the child): where glibc's own code uses FP registers (x86_64's
	 * string functions), each may take its first FP trap in it, once, not once per switch */
	if (eager)
		return (b.fpu_traps - a.fpu_traps > 3 * FP_LIBC_USES_FP ||
			(FP_LIBC_USES_FP && b.fpu_restores - a.fpu_restores < ROUNDS / 2)) |
		       (status != 0) << 2;
	return (b.fpu_saves - a.fpu_saves > 3 * FP_LIBC_USES_FP ||
		b.fpu_restores - a.fpu_restores > 3 * FP_LIBC_USES_FP ||
		b.fpu_traps - a.fpu_traps > 3 * FP_LIBC_USES_FP) | (status != 0) << 2;
}

/* Two threads changing their FP registers every round on this core: saves and loads counted. */
static bool test_counted(void)
{
	struct almos_cluster_info a, b;
	unsigned int cxy, lid;
	pthread_t t[2];
	void *res;
	int failed = 0;

	if (get_core_id(&cxy, &lid) != 0 || get_cluster_info(cxy, &a) != 0)
		return false;
	for (int k = 0; k < 2; k++)
		failed += start_on(&t[k], cxy, lid, thread_rounds, (void *)(uintptr_t)(300 + k)) != 0;
	for (int k = 0; k < 2 && !failed; k++) {
		pthread_join(t[k], &res);
		failed += res != NULL;
	}
	get_cluster_info(cxy, &b);
	ktap_diag("counted: %lu saves, %lu loads, %lu traps for 2 x %d rounds",
		  (unsigned long)(b.fpu_saves - a.fpu_saves),
		  (unsigned long)(b.fpu_restores - a.fpu_restores),
		  (unsigned long)(b.fpu_traps - a.fpu_traps), ROUNDS);
	return failed == 0 && b.fpu_saves - a.fpu_saves >= ROUNDS &&
	       b.fpu_restores - a.fpu_restores >= ROUNDS;
}

/* ---- bench ---- */

#define BENCH_ROUNDS 2000

static _Atomic int bench_ready;

/* One thread of a bench pair: BENCH_ROUNDS sched_yield (with every FP register loaded each time
 * if @arg says "fp"); the time per switch (two per round: to the partner and back). */
static void *bench_thread(void *arg)
{
	bool fp = strcmp(arg, "fp") == 0;
	uint64_t in[FP_NREGS], out[FP_NREGS];
	uint32_t ctrl, ctrl_out;
	struct timespec t0, t1;

	pattern(1, in, &ctrl);
	atomic_fetch_add(&bench_ready, 1);
	while (atomic_load(&bench_ready) < 2) /* both running: each yield then goes to the other */
		sched_yield();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < BENCH_ROUNDS; i++) {
		if (fp)
			fp_syscall(SYS_sched_yield, 0, 0, 0, in, ctrl, out, &ctrl_out);
		else
			sched_yield();
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (void *)(intptr_t)(((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec)) /
				  (2 * BENCH_ROUNDS));
}

/* bench-pair KIND KIND (exec'd: a new image): two threads of this core, one of each kind. */
static int mode_bench_pair(char **argv)
{
	unsigned int cxy = 0, lid = 0;
	pthread_t t[2];
	void *ns[2];

	get_core_id(&cxy, &lid);
	for (int k = 0; k < 2; k++)
		if (start_on(&t[k], cxy, lid, bench_thread, argv[2 + k]) != 0)
			return 1;
	for (int k = 0; k < 2; k++)
		pthread_join(t[k], &ns[k]);
	printf("# bench %s-%s: %ld ns per switch (%d rounds each, core [%u,%u])\n", argv[2], argv[3],
	       ((long)(intptr_t)ns[0] + (long)(intptr_t)ns[1]) / 2, BENCH_ROUNDS, cxy, lid);
	return 0;
}

/* bench: the three pairs, each in a new image (start-up code aside, its FPU unused). */
static int mode_bench(void)
{
	static const char *const pairs[][2] = { { "int", "int" }, { "fp", "fp" }, { "fp", "int" } };

	for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
		char *argv[] = { (char *)self_path, "bench-pair", (char *)pairs[p][0],
				 (char *)pairs[p][1], NULL };
		int status;

		if (fork() == 0) {
			execv(self_path, argv);
			_exit(1);
		}
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_signal_clobber, .sa_flags = SA_SIGINFO };
	uint64_t in[FP_NREGS], out[FP_NREGS];
	uint32_t ctrl, ctrl_out;
	char path[256];
	bool eager;
	int status;

	if (argc > 1 && !strcmp(argv[1], "exec-check")) /* first: its FP registers untouched */
		return mode_exec_check();
	/* this program, to exec again: argv[0], found in /bin when a shell found it through PATH */
	if (strchr(argv[0], '/') == NULL &&
	    snprintf(path, sizeof(path), "/bin/%s", argv[0]) < (int)sizeof(path))
		self_path = path;
	else
		self_path = argv[0];
	archipel = get_config(&clusters, &cores) == 0;
	if (!archipel)
		clusters = cores = 1;
	if (argc > 1 && !strcmp(argv[1], "int-only"))
		return mode_int_only(argc > 2 && !strcmp(argv[2], "eager"));
	if (argc > 3 && !strcmp(argv[1], "bench-pair"))
		return mode_bench_pair(argv);
	if (argc > 1 && !strcmp(argv[1], "bench"))
		return mode_bench();
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return 1;

	eager = argc > 1 && !strcmp(argv[1], "eager");
	ktap_plan(14);
	ktap_ok(fp_rounds(1, ROUNDS) == 0, "yield_and_nanosleep_keep_fp_registers");
	ktap_ok(test_workers(), "processes_and_threads_per_core_keep_their_fp_registers");
	ktap_ok(test_preempt(), "preempted_fp_loops_keep_their_registers");
	sigaction(SIGUSR1, &sa, NULL);
	pattern(2024, in, &ctrl);
	fp_syscall(SYS_kill, getpid(), SIGUSR1, 0, in, ctrl, out, &ctrl_out);
	ktap_ok(same(in, out, FP_NREGS) && ctrl == ctrl_out, "fp_handler_leaves_interrupted_registers");
	ktap_ok(test_signal_spin(), "fp_loops_interrupted_by_fp_handlers");
	test_uc();
	test_uc_reserved();
	ktap_ok(test_fork(), "fork_child_inherits_then_diverges");
	ktap_ok(test_thread(), "thread_inherits_then_diverges");
	status = test_moves();
	if (status < 0)
		ktap_skip("moves_between_cores_keep_fp_registers", "fewer than two CPUs to move to");
	else
		ktap_ok(status == 0, "moves_between_cores_keep_fp_registers");
	status = exec_mode("exec-check", NULL);
	if (status == 99 && !archipel) /* qemu-user cannot exec a RISC-V program without binfmt */
		ktap_skip("exec_resets_fp_registers", "execve of this program failed");
	else
		ktap_ok(status == 0, "exec_resets_fp_registers");
	if (archipel) {
		status = exec_mode("int-only", eager ? "eager" : NULL);
		ktap_diag("int-only: exit status %d", status);
		if (eager)
			ktap_ok(status == 0, "integer_only_threads_loaded_at_switch_never_trap");
		else
			ktap_ok(status == 0, "integer_only_threads_cost_no_fp_save_load_or_trap");
		ktap_ok(test_counted(), "fp_threads_sharing_a_core_are_saved_and_loaded");
	} else {
		ktap_skip("integer_only_threads_cost_no_fp_save_load_or_trap", "not Archipel");
		ktap_skip("fp_threads_sharing_a_core_are_saved_and_loaded", "not Archipel");
	}
	return ktap_exit();
}
