/*
 * gen.c - argument generators of the fuzzer: each draws a value of one kind, mostly plausible,
 * often at a boundary, sometimes hostile, from the calling thread's seeded generator.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sysfuzz.h"
#include "uarch_fuzz.h"

#define KERNEL_HALF 0xffffffc000000000UL

struct sf_proc sp;

uint64_t sf_rand(struct sf_ctx *c)
{
	uint64_t x = c->rng ? c->rng : 0x9e3779b97f4a7c15ULL; /* xorshift64* */

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	c->rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

uint64_t sf_below(struct sf_ctx *c, uint64_t n)
{
	return n ? sf_rand(c) % n : 0;
}

bool sf_chance(struct sf_ctx *c, unsigned percent)
{
	return sf_below(c, 100) < percent;
}

/* A seed for a sub-generator: the same (a, b) always gives the same one. */
uint64_t sf_mix(uint64_t a, uint64_t b)
{
	uint64_t x = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));

	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ULL;
	x ^= x >> 27;
	return x ? x : 1;
}

/* Pick one of @n weights; returns its index. */
static unsigned pick(struct sf_ctx *c, const unsigned *weights, unsigned n)
{
	unsigned total = 0, r;

	for (unsigned i = 0; i < n; i++)
		total += weights[i];
	r = (unsigned)sf_below(c, total);
	for (unsigned i = 0; i < n; i++) {
		if (r < weights[i])
			return i;
		r -= weights[i];
	}
	return 0;
}

void sf_fd_add(int fd)
{
	if (fd < 0)
		return;
	for (int i = 0; i < SF_FDS_MAX; i++) {
		int free = -1;
		if (__atomic_compare_exchange_n(&sp.fds[i], &free, fd, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return;
	}
}

void sf_fd_closed(int fd)
{
	static unsigned next;

	for (int i = 0; i < SF_FDS_MAX; i++) {
		int was = fd;
		__atomic_compare_exchange_n(&sp.fds[i], &was, -1, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED);
	}
	__atomic_store_n(&sp.closed[__atomic_fetch_add(&next, 1, __ATOMIC_RELAXED) % 8], fd,
			 __ATOMIC_RELAXED);
}

long sf_fd(struct sf_ctx *c)
{
	static const unsigned w[] = { 55, 10, 8, 7, 20 };
	static const long odd[] = { 63, 64, 65, 1000, 0x7fffffff, -1, -100, -2, 0x100000003L };

	switch (pick(c, w, 5)) {
	case 0:
		for (int tries = 0; tries < 4; tries++) {
			int fd = __atomic_load_n(&sp.fds[sf_below(c, SF_FDS_MAX)], __ATOMIC_RELAXED);
			if (fd >= 0)
				return fd;
		}
		return sp.dirfd;
	case 1:
		return __atomic_load_n(&sp.closed[sf_below(c, 8)], __ATOMIC_RELAXED);
	case 2:
		return (long)sf_below(c, 3);
	case 3:
		return odd[sf_below(c, sizeof(odd) / sizeof(odd[0]))];
	default:
		return (long)sf_below(c, 70);
	}
}

long sf_dirfd(struct sf_ctx *c)
{
	unsigned r = (unsigned)sf_below(c, 10);

	return r < 5 ? AT_FDCWD : r < 7 ? sp.dirfd : sf_fd(c);
}

/*
 * A user pointer for a buffer of @len bytes and its kind. A VALID buffer lies wholly inside the
 * scratch; a length the scratch cannot hold makes it a BOUNDARY one (the scratch's end then the
 * PROT_NONE page).
 */
long sf_ptr(struct sf_ctx *c, uint64_t len, int *kind)
{
	static const unsigned w[PK_COUNT] = { 45, 7, 8, 6, 6, 6, 8, 8, 3, 3 };
	uint64_t scratch = SF_SCRATCH_PAGES * SF_PAGE;
	int k = (int)pick(c, w, PK_COUNT);

	*kind = k;
	switch (k) {
	case PK_VALID:
		if (len > scratch) {
			*kind = PK_BOUNDARY;
			return (long)sp.scratch;
		}
		return (long)(sp.scratch + sf_below(c, scratch - len + 1));
	case PK_NULL:
		return 0;
	case PK_KERNEL:
		return (long)(sf_chance(c, 50) ? KERNEL_HALF + sf_below(c, 1UL << 30)
					       : 0xffffffff80000000UL + sf_below(c, 1UL << 20));
	case PK_HOLE:
		return (long)(SF_HOLE_BASE + sf_below(c, 1UL << 24) * 8);
	case PK_PROT_NONE:
		return (long)(sp.prot_none + sf_below(c, SF_PAGE));
	case PK_READONLY:
		return (long)(sp.readonly + sf_below(c, SF_PAGE / 2));
	case PK_BOUNDARY:
		return (long)(sp.prot_none - 1 - sf_below(c, 64));
	case PK_ARENA:
		return (long)(sp.arena + sf_below(c, SF_ARENA_PAGES * SF_PAGE));
	case PK_USER_END:
		return (long)(UARCH_USER_VA_END - 1 - sf_below(c, 64));
	default:
		return sf_chance(c, 50) ? -1L : (long)sf_below(c, 0x10000);
	}
}

long sf_len(struct sf_ctx *c)
{
	static const unsigned w[] = { 8, 8, 25, 10, 15, 10, 8, 3 };
	static const long page[] = { 4095, 4096, 4097, 8192, 12288 };
	static const long huge[] = { -1L, 1L << 62, 0x7fffffffL, 0x80000000L, -4096L, 1L << 40 };

	switch (pick(c, w, 8)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return 1 + (long)sf_below(c, 256);
	case 3:
		return page[sf_below(c, 5)];
	case 4:
		return 1 + (long)sf_below(c, SF_SCRATCH_PAGES * SF_PAGE);
	case 5:
		return 1 + (long)sf_below(c, 1 << 16);
	case 6:
		return huge[sf_below(c, 6)];
	default:
		return (long)sf_rand(c);
	}
}

long sf_flags(struct sf_ctx *c, uint64_t known)
{
	unsigned r = (unsigned)sf_below(c, 100);

	if (r < 70)
		return (long)(sf_rand(c) & known);
	if (r < 85)
		return 0;
	if (r < 95)
		return (long)((sf_rand(c) & known) | (1UL << sf_below(c, 32)));
	return (long)sf_rand(c);
}

/* Signals a fuzzer may send. Never the ones a fault raises: a death by those is a finding. */
long sf_sig(struct sf_ctx *c)
{
	static const long sigs[] = { 0,       SIGKILL, SIGSTOP, SIGCONT, SIGTERM, SIGUSR1, SIGUSR2,
				     SIGHUP,  SIGINT,  SIGALRM, SIGCHLD, SIGWINCH, SIGURG, SIGPIPE,
				     SIGTSTP, SIGTTIN, SIGTTOU, SIGQUIT, SIGIO };
	static const long bad[] = { 65, 100, -1, 0x10009, 1000 };
	unsigned r = (unsigned)sf_below(c, 100);

	if (r < 80)
		return sigs[sf_below(c, sizeof(sigs) / sizeof(sigs[0]))];
	if (r < 92)
		return 34 + (long)sf_below(c, 31); /* real-time; glibc keeps 32 and 33 */
	return bad[sf_below(c, 5)];
}

bool sf_protected(long pid)
{
	long a = pid < 0 ? -pid : pid;

	for (int i = 0; i < 4; i++)
		if (sf->protect[i] && a == sf->protect[i])
			return true;
	return false;
}

/* A pid: of a live worker or child, of the caller, of a dead process, of another cluster... */
long sf_pid(struct sf_ctx *c)
{
	static const unsigned w[] = { 20, 15, 10, 10, 15, 5, 5, 5, 5 };
	static const long junk[] = { -2147483647L - 1, 0x7fffffff, 0xffff, 0x10000, 0x20000, 1 };
	unsigned n = sf->workers;
	long pid = 0;

	switch (pick(c, w, 9)) {
	case 0:
		pid = __atomic_load_n(&sf->w[sf_below(c, n)].pid, __ATOMIC_RELAXED);
		break;
	case 1:
		pid = __atomic_load_n(&sf->w[sf_below(c, n)].children[sf_below(c, 8)],
				      __ATOMIC_RELAXED);
		break;
	case 2:
		pid = sp.pid;
		break;
	case 3:
		pid = __atomic_load_n(&sf->dead[sf_below(c, SF_DEAD_MAX)], __ATOMIC_RELAXED);
		break;
	case 4:
		pid = (long)(sf_below(c, sf->clusters) << 16 | (1 + sf_below(c, 16)));
		break;
	case 5:
		pid = 0;
		break;
	case 6:
		pid = -1;
		break;
	case 7:
		pid = -(long)__atomic_load_n(&sf->w[sf_below(c, n)].pid, __ATOMIC_RELAXED);
		break;
	default:
		pid = junk[sf_below(c, 6)];
		break;
	}
	return sf_protected(pid) ? 0x7fff0000L : pid;
}

/* A long path (5000 bytes: ENAMETOOLONG) and a path without its NUL before the PROT_NONE page. */
static char long_path[5001];

long sf_path(struct sf_ctx *c, bool creating)
{
	static const char *const own[] = { "f0", "f1", "f2", "f3", "d0", "d0/f4", "" };
	static const char *const others[] = { "/", "/bin", SF_SELF, "/dev/null", "/dev/zero",
					       "/tmp", SF_DIR, "/nonexistent/x", ".", "..",
					       "", "a/../../b", "/bin/../bin/./sysfuzz" };
	static __thread char built[96];
	unsigned r = (unsigned)sf_below(c, 100);

	c->path_own = r < 55;
	if (r < 55) {
		snprintf(built, sizeof(built), "%s/%s", sp.dir, own[sf_below(c, 7)]);
		return (long)built;
	}
	if (r < 75 && !creating)
		return (long)others[sf_below(c, sizeof(others) / sizeof(others[0]))];
	if (r < 80) {
		if (!long_path[0]) {
			memset(long_path, 'a', sizeof(long_path) - 1);
			for (unsigned i = 0; i < sizeof(long_path) - 1; i += 64)
				long_path[i] = '/';
		}
		return (long)long_path;
	}
	if (r < 85) {
		char *p = sp.prot_none - 3;
		memcpy(p, "/tm", 3);
		return (long)p;
	}
	if (r < 90)
		return creating ? (long)"/nonexistent/x" : (long)"/";
	return sf_bad_ptr(c);
}

/* A pointer no access may go through: NULL, the kernel, a hole, PROT_NONE, past user space. */
long sf_bad_ptr(struct sf_ctx *c)
{
	static const int kinds[] = { PK_NULL, PK_KERNEL, PK_HOLE, PK_PROT_NONE, PK_USER_END };
	int kind;
	long p;

	do
		p = sf_ptr(c, 8, &kind);
	while (kind != kinds[sf_below(c, 5)]);
	return p;
}

/* A page-aligned address in the arena (sometimes not aligned) and the bytes from it to its end. */
long sf_arena_addr(struct sf_ctx *c, uint64_t *room)
{
	uint64_t page = sf_below(c, SF_ARENA_PAGES);

	*room = (SF_ARENA_PAGES - page) * SF_PAGE;
	if (sf_chance(c, 5))
		return (long)(sp.arena + page * SF_PAGE + 1 + sf_below(c, SF_PAGE - 1));
	return (long)(sp.arena + page * SF_PAGE);
}

/* Structures the generators build, private to the thread: no other thread overwrites them. */
static __thread struct timespec tls_ts[2];

/* A timeout (timespec, or timeval with @timeval): mostly short; NULL blocks (the watchdog's
 * SIGURG ends such a wait), sometimes invalid or behind a bad pointer. */
long sf_timeout(struct sf_ctx *c, bool timeval)
{
	unsigned r = (unsigned)sf_below(c, 100);
	struct timespec *ts = &tls_ts[sf_below(c, 2)];
	long unit = timeval ? 1000 : 1;

	if (r < 10)
		return 0;
	if (r < 15)
		return sf_bad_ptr(c);
	ts->tv_sec = 0;
	if (r < 35)
		ts->tv_nsec = 0;
	else if (r < 85)
		ts->tv_nsec = (long)(1 + sf_below(c, 20000000)) / unit;
	else if (r < 95)
		ts->tv_nsec = sf_chance(c, 50) ? -1 : 1000000000L / unit + (long)sf_below(c, 5);
	else
		ts->tv_sec = sf_chance(c, 50) ? 2 : -1;
	return (long)ts;
}

/* A signal mask: never SIGSEGV, SIGBUS (the probes need them) nor SIGURG (the watchdog's). */
uint64_t sf_sigmask(struct sf_ctx *c)
{
	uint64_t keep = (1UL << (SIGSEGV - 1)) | (1UL << (SIGBUS - 1)) | (1UL << (SIGURG - 1));
	uint64_t m = sf_chance(c, 30) ? 0 : sf_rand(c) & sf_rand(c);

	return m & ~keep;
}

/* A buffer argument @buf of length argument @len, judged by the oracle afterwards. */
void sf_buffer(struct sf_ctx *c, long a[6], int buf, int len, bool kernel_writes)
{
	int kind;

	a[len] = sf_len(c);
	a[buf] = sf_ptr(c, (uint64_t)a[len], &kind);
	c->buf_arg = buf;
	c->ptr_kind = kind;
	c->kernel_writes = kernel_writes;
	c->buf_valid = kind == PK_BOUNDARY ? (uint64_t)(sp.prot_none - (char *)a[buf]) : 0;
}

/* A structure of @size bytes the call must write if it succeeds (NULL allowed if @optional). */
void sf_struct(struct sf_ctx *c, long a[6], int i, uint64_t size, bool optional)
{
	int kind;

	a[i] = sf_ptr(c, size, &kind);
	if (kind == PK_NULL && optional)
		kind = PK_ARENA; /* not judged */
	c->struct_arg = i;
	c->struct_kind = kind;
}
