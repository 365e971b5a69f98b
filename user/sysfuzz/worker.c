/*
 * worker.c - a worker of the fuzzer: a process (and up to SF_THREADS_MAX - 1 threads of it on other
 * clusters) making random calls, and the actions between them: fork a child that fuzzes in turn,
 * start a thread, spawn or exec a small program, touch memory, sweep a cluster's pids with kills.
 *
 * Every call is written to the thread's ring in shared memory before it is made and completed
 * after, so that whoever reads the ring (the parent, after a death) sees the call in flight.
 * Faults are expected only inside probes (touches): a SIGSEGV or SIGBUS the kernel raises anywhere
 * else, or a fault signal of any kind the kernel raises, is a finding, as is a result the call
 * cannot return (sf_impossible): the process writes what it saw in its ring and exits with
 * SF_EXIT_PROBLEM, or dies by the signal, and the parent reports it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "almos.h"
#include "sysfuzz.h"

extern char **environ;

/* Milliseconds since an arbitrary origin. (No floating point in the fuzzer: it must not depend
 * on the kernel's handling of the FP registers.) */
int64_t sf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- rings ---- */

static __thread struct sf_ctx *self_ctx; /* the calling thread's context (signal handler) */
static uint32_t seq_next = 1;

static struct sf_entry *record_begin(struct sf_ctx *c, unsigned call, const long a[6])
{
	struct sf_ring *r = c->ring;
	struct sf_entry *e = &r->e[r->head % SF_RING_LEN];

	e->seq = 0;
	e->call = (uint16_t)call;
	for (int i = 0; i < 6; i++)
		e->args[i] = a[i];
	e->ret = 0;
	e->pending = 1;
	__atomic_store_n(&e->seq, __atomic_fetch_add(&seq_next, 1, __ATOMIC_RELAXED),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
	return e;
}

static void record_end(struct sf_entry *e, long ret)
{
	e->ret = ret;
	__atomic_store_n(&e->pending, 0, __ATOMIC_RELEASE);
}

_Noreturn void sf_impossible(struct sf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->ring->problem, sizeof(c->ring->problem), fmt, ap);
	va_end(ap);
	sf_syscall(SYS_exit_group, SF_EXIT_PROBLEM, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

/* ---- signals and probes ---- */

static __thread sigjmp_buf probe_jmp;
static __thread volatile int probe_armed;
static uint64_t signals_taken;

static bool is_fault_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP ||
	       sig == SIGSYS;
}

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	__atomic_fetch_add(&signals_taken, 1, __ATOMIC_RELAXED);
	if (!is_fault_signal(sig) || si->si_code <= 0)
		return; /* sent by someone: counted, nothing more */
	if (probe_armed) {
		probe_armed = 0;
		siglongjmp(probe_jmp, 1);
	}
	if (self_ctx)
		sf_impossible(self_ctx, "signal %d (code %d, address %p) outside a probe", sig,
			      si->si_code, si->si_addr);
	sf_syscall(SYS_exit_group, SF_EXIT_PROBLEM, 0, 0, 0, 0, 0);
}

/* Handlers for every signal a handler may catch; SIGCHLD too (a child's end interrupts waits). */
static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	/* Every other signal waits while the handler runs: the workers send each other signals in
	 * bursts, and a kernel that delivers several pending ones before returning to user mode (as
	 * Linux does) would nest their frames on the alternate stack until it overflowed, which ends
	 * the thread with SIGSEGV on Linux too (x86_64, seed 5: seven ~1.1 KiB frames in 8 KiB). */
	sigfillset(&sa.sa_mask);
	for (int sig = 1; sig < 65; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != 32 && sig != 33)
			sigaction(sig, &sa, NULL);
}

/* The calling thread's alternate stack: signals with SA_ONSTACK run there. */
static void set_altstack(unsigned index)
{
	stack_t ss = { .ss_sp = sp.altstack + index * 4 * SF_PAGE, .ss_size = 4 * SF_PAGE };

	sigaltstack(&ss, NULL);
}

/* Read or write one word of @addr; a fault comes back as false. */
bool sf_probe(volatile uint64_t *addr, bool write, uint64_t value)
{
	if (sigsetjmp(probe_jmp, 1))
		return false;
	probe_armed = 1;
	if (write)
		*addr = value;
	else
		value = *addr;
	probe_armed = 0;
	(void)value;
	return true;
}

/* ---- the process's fixed regions ---- */

static void make_dir(void)
{
	mkdir(SF_DIR, 0777);
	mkdir(sp.dir, 0777);
	if (sp.dirfd >= 0)
		close(sp.dirfd);
	sp.dirfd = open(sp.dir, O_RDONLY | O_DIRECTORY);
}

static void setup_process(int worker)
{
	int null = open("/dev/null", O_RDWR);
	char *m;

	for (int fd = 0; fd < 3; fd++)
		dup2(null, fd);
	if (null > 2)
		close(null);
	setpgid(0, 0);
	sp.pid = getpid();
	sp.brk_floor = (uintptr_t)sbrk(0);
	/* scratch | PROT_NONE page, then the read-only page, then guard | arena | guard */
	m = mmap(NULL, (SF_SCRATCH_PAGES + 2) * SF_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sp.scratch = m;
	sp.prot_none = m + SF_SCRATCH_PAGES * SF_PAGE;
	sp.readonly = sp.prot_none + SF_PAGE;
	memset(sp.readonly, 0x5a, SF_PAGE);
	mprotect(sp.prot_none, SF_PAGE, PROT_NONE);
	mprotect(sp.readonly, SF_PAGE, PROT_READ);
	/* Outside the zone where mmap places what it chooses: a hole the fuzzing leaves in the arena
	 * never becomes a thread's stack. */
	m = mmap((void *)(SF_ARENA_BASE - SF_PAGE), (SF_ARENA_PAGES + 2) * SF_PAGE, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (m != (void *)(SF_ARENA_BASE - SF_PAGE))
		sf_syscall(SYS_exit_group, SF_EXIT_PROBLEM, 0, 0, 0, 0, 0);
	sp.arena = m + SF_PAGE;
	mprotect(sp.arena, SF_ARENA_PAGES * SF_PAGE, PROT_READ | PROT_WRITE);
	sp.altstack = mmap(NULL, SF_THREADS_MAX * 4 * SF_PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < SF_FDS_MAX; i++)
		sp.fds[i] = -1;
	for (int i = 0; i < 8; i++)
		sp.closed[i] = 3 + i;
	snprintf(sp.dir, sizeof(sp.dir), "%s/w%d", SF_DIR, worker);
	sp.dirfd = -1;
	make_dir();
	install_handlers();
}

/* ---- calls ---- */

static unsigned calls_weight;

/* True if @fd names a character device: /dev/null takes any buffer without reading it. */
static bool is_device(long fd)
{
	struct stat st;

	return fstat((int)fd, &st) == 0 && S_ISCHR(st.st_mode);
}

/* Judge a result against what the call may return (the generator's notes in @c). */
static void judge(struct sf_ctx *c, const struct sf_call *k, const long a[6], long ret)
{
	bool bad_buf = c->ptr_kind == PK_NULL || c->ptr_kind == PK_KERNEL || c->ptr_kind == PK_HOLE ||
		       c->ptr_kind == PK_PROT_NONE || c->ptr_kind == PK_USER_END ||
		       (c->ptr_kind == PK_READONLY && c->kernel_writes);
	bool bad_struct = c->struct_kind == PK_NULL || c->struct_kind == PK_KERNEL ||
			  c->struct_kind == PK_HOLE || c->struct_kind == PK_PROT_NONE ||
			  c->struct_kind == PK_USER_END || c->struct_kind == PK_READONLY;

	if (ret < 0 && ret > -4096 && -ret > 133)
		sf_impossible(c, "%s returned %ld, not an errno of Linux", k->name, ret);
	if (c->buf_arg >= 0 && ret > 0 && (k->nr == SYS_read || k->nr == SYS_write ||
					    k->nr == SYS_pread64 || k->nr == SYS_pwrite64 ||
					    k->nr == SYS_getrandom || k->nr == SYS_getdents64 ||
					    k->nr == SYS_readlinkat || k->nr == SYS_getcwd) &&
	    (c->kernel_writes || !(c->fd_was_device || is_device(a[0])))) {
		if ((uint64_t)ret > (uint64_t)a[c->buf_arg + 1])
			sf_impossible(c, "%s returned %ld for %lu bytes", k->name, ret,
				      (unsigned long)a[c->buf_arg + 1]);
		if (bad_buf)
			sf_impossible(c, "%s moved %ld bytes through the bad pointer %lx (kind %d)",
				      k->name, ret, (unsigned long)a[c->buf_arg], c->ptr_kind);
		if (c->ptr_kind == PK_BOUNDARY && (uint64_t)ret > c->buf_valid)
			sf_impossible(c, "%s moved %ld bytes through a buffer of %lu valid bytes",
				      k->name, ret, (unsigned long)c->buf_valid);
	}
	if (c->struct_arg >= 0 && ret == 0 && bad_struct)
		sf_impossible(c, "%s succeeded writing through the bad pointer %lx (kind %d)", k->name,
			      (unsigned long)a[c->struct_arg], c->struct_kind);
}

/* Make call @idx of the table with arguments from its generator. */
static long do_call(struct sf_ctx *c, unsigned idx)
{
	const struct sf_call *k = &sf_calls[idx];
	long a[6] = { 0 };
	struct sf_entry *e;
	long ret;

	c->buf_arg = -1;
	c->struct_arg = -1;
	c->ptr_kind = PK_VALID;
	c->struct_kind = PK_VALID;
	k->gen(c, a);
	/* Another thread may close the fd or dup over it meanwhile: a device before or after the
	 * call may have taken the buffer unread (a write to /dev/null judged as to a file once). */
	c->fd_was_device = c->buf_arg >= 0 && !c->kernel_writes && is_device(a[0]);
	e = record_begin(c, idx, a);
	ret = sf_invoke(k, a);
	record_end(e, ret);
	judge(c, k, a, ret);
	if (k->after)
		k->after(c, a, ret);
	return ret;
}

long sf_call_by_nr(struct sf_ctx *c, long nr, const long a[6])
{
	for (unsigned idx = 0; idx < sf_calls_nr; idx++) {
		if (sf_calls[idx].nr == nr) {
			struct sf_entry *e = record_begin(c, idx, a);
			long ret = sf_invoke(&sf_calls[idx], a);
			record_end(e, ret);
			return ret;
		}
	}
	return -38;
}

void *sf_handler_address(void)
{
	return (void *)handler;
}

/* ---- actions ---- */

enum { ACT_FORK, ACT_THREAD, ACT_SPAWN, ACT_EXEC, ACT_TOUCH, ACT_SWEEP, ACT_REAP, ACT_DIR,
       ACT_NR };
static const char *const action_names[ACT_NR] = { "fork",  "thread", "spawn", "exec",
						  "touch", "sweep",  "reap",  "dir" };

const char *sf_call_name(unsigned call)
{
	if (call >= SF_ACTION_BASE)
		return call - SF_ACTION_BASE < ACT_NR ? action_names[call - SF_ACTION_BASE] : "?";
	return call < sf_calls_nr ? sf_calls[call].name : "?";
}

static void fuzz_loop(struct sf_ctx *c, unsigned calls);
static void end_children(struct sf_ctx *c);

/* Remember a live child @pid of this process (a kill target of every worker). */
void sf_child_add(struct sf_ctx *c, pid_t pid)
{
	struct sf_slot *s = &sf->w[c->worker];

	for (int i = 0; i < 8; i++) {
		int32_t zero = 0;
		if (__atomic_compare_exchange_n(&s->children[i], &zero, pid, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return;
	}
}

static void child_gone(struct sf_ctx *c, pid_t pid)
{
	struct sf_slot *s = &sf->w[c->worker];

	for (int i = 0; i < 8; i++) {
		int32_t was = pid;
		__atomic_compare_exchange_n(&s->children[i], &was, 0, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	}
	__atomic_store_n(&sf->dead[__atomic_fetch_add(&sf->dead_head, 1, __ATOMIC_RELAXED) %
				   SF_DEAD_MAX], pid, __ATOMIC_RELAXED);
}

/* A child's end as a wait reported it: a fault signal or a problem found is a finding. */
void sf_child_status(struct sf_ctx *c, pid_t pid, int status)
{
	child_gone(c, pid);
	if (WIFSIGNALED(status) && (is_fault_signal(WTERMSIG(status)) || WTERMSIG(status) == SIGABRT))
		sf_impossible(c, "child %x killed by signal %d", pid, WTERMSIG(status));
	if (WIFEXITED(status) && WEXITSTATUS(status) == SF_EXIT_PROBLEM)
		sf_impossible(c, "child %x found a problem (its ring says what)", pid);
}

static unsigned children_made;

static void act_fork(struct sf_ctx *c)
{
	unsigned ring = 4 + __atomic_fetch_add(&children_made, 1, __ATOMIC_RELAXED) % 4;
	uint64_t seed = sf_mix(c->ring->seed, 1000 + children_made);
	pid_t pid;

	if (c->depth >= 2 || __atomic_load_n(&sf->stop, __ATOMIC_RELAXED))
		return;
	if (sf_chance(c, 60))
		place_next((int)sf_below(c, sf->clusters), PLACE_ANY_CORE);
	pid = fork();
	if (pid == 0) {
		struct sf_ctx child = { .rng = seed, .worker = c->worker, .is_child = true,
					.depth = c->depth + 1, .alt = c->alt };
		struct sf_ring *r = &sf->w[c->worker].rings[ring];

		sp.pid = getpid();
		sp.threads = SF_THREADS_MAX; /* a child makes no thread */
		memset(r, 0, sizeof(*r));
		r->pid = sp.pid;
		r->tid = (int32_t)syscall(SYS_gettid); /* a thread id is not the pid */
		r->seed = seed;
		child.ring = r;
		self_ctx = &child;
		if (sf_chance(&child, 50))
			setpgid(0, 0);
		fuzz_loop(&child, sf->life / 8 + 1);
		end_children(&child);
		_exit(SF_EXIT_OK);
	}
	if (pid > 0)
		sf_child_add(c, pid);
}

/* A thread of the worker on a cluster of its own choosing: it fuzzes like the main thread. */
struct thread_arg {
	int worker;
	unsigned index;
	uint64_t seed;
};

static void *thread_main(void *p)
{
	struct thread_arg *t = p;
	struct sf_ctx c = { .rng = t->seed, .worker = t->worker, .alt = t->index,
			    .ring = &sf->w[t->worker].rings[t->index] };

	memset(c.ring, 0, sizeof(*c.ring));
	c.ring->pid = sp.pid;
	c.ring->tid = (int32_t)syscall(SYS_gettid);
	c.ring->seed = t->seed;
	self_ctx = &c;
	set_altstack(t->index);
	fuzz_loop(&c, sf->life);
	return NULL;
}

static void act_thread(struct sf_ctx *c)
{
	static struct thread_arg args[SF_THREADS_MAX];
	unsigned index = __atomic_fetch_add(&sp.threads, 1, __ATOMIC_RELAXED);
	pthread_attr_t attr;
	pthread_t t;

	if (c->is_child || index >= SF_THREADS_MAX) {
		__atomic_store_n(&sp.threads, SF_THREADS_MAX, __ATOMIC_RELAXED);
		return;
	}
	args[index] = (struct thread_arg){ c->worker, index, sf_mix(c->ring->seed, 2000 + index) };
	place_next((int)sf_below(c, sf->clusters),
		   sf_chance(c, 50) ? PLACE_ANY_CORE : (int)sf_below(c, sf->cores));
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	if (pthread_create(&t, &attr, thread_main, &args[index]) != 0)
		__atomic_fetch_sub(&sp.threads, 1, __ATOMIC_RELAXED);
	pthread_attr_destroy(&attr);
}

static char *const exec_argv[] = { "sysfuzz", "-X", NULL };

static void act_spawn(struct sf_ctx *c)
{
	pid_t pid;

	if (__atomic_load_n(&sf->stop, __ATOMIC_RELAXED))
		return;
	if (sf_chance(c, 50))
		place_next((int)sf_below(c, sf->clusters), PLACE_ANY_CORE);
	if (posix_spawn(&pid, SF_SELF, NULL, NULL, exec_argv, environ) == 0)
		sf_child_add(c, pid);
}

static void act_exec(struct sf_ctx *c)
{
	(void)c;
	if (!__atomic_load_n(&sf->stop, __ATOMIC_RELAXED))
		execve(SF_SELF, exec_argv, environ);
}

/* Read or write a few words of the arena: any of it may be mapped or not, with any protection. */
static void act_touch(struct sf_ctx *c)
{
	for (unsigned n = 1 + (unsigned)sf_below(c, 8); n > 0; n--) {
		uint64_t *w = (uint64_t *)(sp.arena + sf_below(c, SF_ARENA_PAGES) * SF_PAGE) +
			      sf_below(c, SF_PAGE / 8);
		sf_probe(w, sf_chance(c, 50), sf_rand(c));
	}
}

static bool is_worker(long pid)
{
	for (unsigned w = 0; w < sf->workers; w++)
		if (__atomic_load_n(&sf->w[w].pid, __ATOMIC_RELAXED) == pid)
			return true;
	return false;
}

/*
 * SIGKILL (or stop, or continue, or terminate) every pid of a cluster's first lpids, children being
 * made by a fork included. Workers are mostly spared: each one killed is a life of calls cut short.
 */
static void act_sweep(struct sf_ctx *c)
{
	static const int sigs[] = { SIGKILL, SIGSTOP, SIGCONT, SIGTERM };
	long cxy = (long)sf_below(c, sf->clusters);
	int sig = sigs[sf_below(c, 4)];

	for (long lpid = 1; lpid <= 32; lpid++) {
		long pid = cxy << 16 | lpid;
		if (!sf_protected(pid) && pid != sp.pid && (!is_worker(pid) || sf_chance(c, 10)))
			sf_syscall(SYS_kill, pid, sig, 0, 0, 0, 0);
	}
}

/* Reap one child, waiting for it (a stop is continued, a child that takes too long killed). */
static void act_reap(struct sf_ctx *c)
{
	int status;
	pid_t pid = waitpid(-1, &status, WNOHANG);

	if (pid > 0)
		sf_child_status(c, pid, status);
}

static void act_dir(struct sf_ctx *c)
{
	(void)c;
	make_dir();
}

static const unsigned action_weight[ACT_NR] = { 6, 3, 2, 0, 30, 1, 8, 2 };

static void do_action(struct sf_ctx *c, unsigned act)
{
	long a[6] = { act, 0, 0, 0, 0, 0 };
	struct sf_entry *e = record_begin(c, SF_ACTION_BASE + act, a);

	switch (act) {
	case ACT_FORK: act_fork(c); break;
	case ACT_THREAD: act_thread(c); break;
	case ACT_SPAWN: act_spawn(c); break;
	case ACT_EXEC: act_exec(c); break;
	case ACT_TOUCH: act_touch(c); break;
	case ACT_SWEEP: act_sweep(c); break;
	case ACT_REAP: act_reap(c); break;
	default: act_dir(c); break;
	}
	record_end(e, 0);
}

static void fuzz_loop(struct sf_ctx *c, unsigned calls)
{
	unsigned exec_w = c->is_child ? 8 : 0; /* a worker execs through execve (calls.c) */
	unsigned actions = exec_w;

	for (unsigned i = 0; i < ACT_NR; i++)
		actions += action_weight[i];
	for (unsigned i = 0; i < calls && !__atomic_load_n(&sf->stop, __ATOMIC_RELAXED); i++) {
		uint64_t r = sf_below(c, calls_weight + actions);

		__atomic_fetch_add(&sf->w[c->worker].calls, 1, __ATOMIC_RELAXED);
		if (r >= calls_weight) {
			r -= calls_weight;
			for (unsigned act = 0; act < ACT_NR; act++) {
				unsigned w = act == ACT_EXEC ? exec_w : action_weight[act];
				if (r < w) {
					do_action(c, act);
					break;
				}
				r -= w;
			}
			continue;
		}
		for (unsigned k = 0; k < sf_calls_nr; k++) {
			if (r < sf_calls[k].weight) {
				do_call(c, k);
				break;
			}
			r -= sf_calls[k].weight;
		}
	}
}

/* SIGKILL every child of this process, those it does not know of too (a spawn, a raw clone). */
static void kill_my_children(void)
{
	static unsigned pids[1024];
	int n = get_processes(pids, 1024);

	for (int i = 0; i < n; i++) {
		struct almos_process_info info;
		if (get_process_info((int)pids[i], &info) == 0 && info.ppid == (uint32_t)sp.pid)
			kill((pid_t)pids[i], SIGKILL);
	}
}

/* The end of a worker or child: its children killed and reaped. */
static void end_children(struct sf_ctx *c)
{
	int status;
	pid_t pid;

	for (;;) {
		kill_my_children();
		pid = waitpid(-1, &status, __WALL);
		if (pid > 0)
			sf_child_status(c, pid, status);
		else if (errno != EINTR)
			break;
	}
}

int sf_worker_main(int worker, uint64_t seed)
{
	struct sf_ctx c = { .rng = seed, .worker = worker, .ring = &sf->w[worker].rings[0] };

	for (unsigned k = 0; k < sf_calls_nr; k++)
		calls_weight += sf_calls[k].weight;
	setup_process(worker);
	memset(c.ring, 0, sizeof(*c.ring));
	c.ring->pid = sp.pid;
	c.ring->tid = (int32_t)syscall(SYS_gettid);
	c.ring->seed = seed;
	self_ctx = &c;
	sp.threads = 1;
	set_altstack(0);
	fuzz_loop(&c, sf->life);
	end_children(&c);
	return SF_EXIT_OK;
}

/* The image a worker or child execs: a few calls, then a known status. */
int sf_exec_mode(void)
{
	void *m = mmap(NULL, 3 * SF_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m != MAP_FAILED) {
		memset(m, 1, 3 * SF_PAGE);
		munmap(m, 3 * SF_PAGE);
	}
	return SF_EXIT_EXECED;
}
