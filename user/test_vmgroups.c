/*
 * test_vmgroups.c - mmap, munmap, mprotect and brk against bad input, exhaustion, leaks and
 * concurrency (KTAP; the groups of docs/testing.md).
 *
 *     test_vmgroups [GROUP...]     groups: mmap munmap mprotect brk race protect fixed (all: none)
 *
 * Every group runs twice. The first round reports each check; then the per-cluster memory figures
 * are taken as the baseline (user/include/memcheck.h), the group runs again with its checks
 * folded into one result, and every cluster must be back at the baseline.
 *
 * The probes: probe_read / probe_write touch one word with a SIGSEGV handler armed (per thread,
 * sigsetjmp without the mask and SA_NODEFER, so no system call per probe); a fault comes back as
 * "faulted" instead of ending the process. Pages carry a pattern naming the page (and the round),
 * so a probe tells which mapping it reached, not only that one was there.
 *
 * The concurrent groups run one thread on each other cluster (on 1x1, one beside the main thread):
 *   race     readers loop over a region while the main thread munmaps it, fills the freed frames
 *            with poison through another mapping and maps a fresh region at the same address
 *            (MAP_FIXED) with the next round's pattern. A reader may fault only if the unmap
 *            window overlapped its read, and may read only the old pattern, zero (the fresh
 *            page before it is filled) or the new pattern: never the poison, never anything else;
 *   protect  threads write their slot, the main thread makes the region read-only: every write
 *            of every thread must fault and leave the old value; read-write again: they succeed;
 *   fixed    a thread reads every page of a mapping, the main thread maps over two pieces of its
 *            middle (MAP_FIXED, read-write and PROT_NONE), and both probe every page: the old data,
 *            zero, or a fault, exactly where the new map says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "almos.h"
#include <uarch.h>
#include "ktap.h"
#include "ktap_groups.h"
#include "memcheck.h"

#define PAGE           4096UL
#define KERNEL_ADDRESS UARCH_KERNEL_ADDRESS
#define GIB            (1UL << 30)
#define WORDS          (PAGE / sizeof(uint64_t))
#define THREADS_MAX    16
#define BRK_LOW        0x10000UL /* the lowest user address: below any break */

static unsigned int clusters, cores;


/* The raw calls: glibc's wrappers check some arguments themselves (mmap's offset). */
static long sys_mmap(uintptr_t addr, size_t len, long prot, long flags, long fd, long off)
{
	errno = 0;
	return syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static char *map_anon(void *hint, size_t len, int prot, int extra)
{
	char *p = mmap(hint, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | extra, -1, 0);

	if (p == MAP_FAILED) {
		ktap_diag("mmap of %zu bytes: %s", len, strerror(errno));
		exit(1);
	}
	return p;
}

/* ---- probes ---- */

static __thread sigjmp_buf probe_jump;
static __thread volatile int probe_armed;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (!probe_armed) { /* a fault outside a probe: die of it as the default action would */
		signal(sig, SIG_DFL);
		return;
	}
	probe_armed = 0;
	siglongjmp(probe_jump, 1);
}

/* Read the word at @p into *@value; false if the read faulted. */
static bool probe_read(const volatile uint64_t *p, uint64_t *value)
{
	if (sigsetjmp(probe_jump, 0))
		return false;
	probe_armed = 1;
	*value = *p;
	probe_armed = 0;
	return true;
}

/* Write @value at @p; false if the write faulted. */
static bool probe_write(volatile uint64_t *p, uint64_t value)
{
	if (sigsetjmp(probe_jump, 0))
		return false;
	probe_armed = 1;
	*p = value;
	probe_armed = 0;
	return true;
}

static void install_probe_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER; /* left by siglongjmp: SIGSEGV must not stay blocked */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
}

/* ---- page contents and page maps ---- */

static uint64_t pattern(uint64_t tag, unsigned int page, unsigned int word)
{
	return 0xa500000000000000ULL | (tag & 0xffffffffULL) << 20 | (uint64_t)page << 9 | word;
}

static void fill(char *base, unsigned int pages, uint64_t tag)
{
	for (unsigned int pg = 0; pg < pages; pg++) {
		uint64_t *w = (uint64_t *)(base + pg * PAGE);
		for (unsigned int i = 0; i < WORDS; i++)
			w[i] = pattern(tag, pg, i);
	}
}

/*
 * The page map of @pages pages at @base, one letter per page: 'o' every word probed holds
 * pattern(@tag) for this page, 'z' zero, 'F' the read faults, '?' anything else. Probes the
 * first, a middle and the last word of each page.
 */
static void page_map(const char *base, unsigned int pages, uint64_t tag, char *out)
{
	static const unsigned int words[3] = { 0, WORDS / 2 + 3, WORDS - 1 };

	for (unsigned int pg = 0; pg < pages; pg++) {
		char c = 0;
		for (unsigned int k = 0; k < 3; k++) {
			uint64_t v;
			char now;
			if (!probe_read((const uint64_t *)(base + pg * PAGE) + words[k], &v))
				now = 'F';
			else if (v == pattern(tag, pg, words[k]))
				now = 'o';
			else
				now = v == 0 ? 'z' : '?';
			c = (c == 0 || c == now) ? now : '?';
		}
		out[pg] = c;
	}
	out[pages] = 0;
}

/* True if the page map of @base is @want (see page_map); a diagnostic shows both if not. */
static bool map_is(const char *base, const char *want, uint64_t tag)
{
	char got[64];
	unsigned int pages = (unsigned int)strlen(want);

	page_map(base, pages, tag, got);
	if (strcmp(got, want) == 0)
		return true;
	ktap_diag("page map at %p: %s, expected %s", (void *)base, got, want);
	return false;
}

/* ---- regions ---- */

static struct almos_region regions[512];

static int region_count(void)
{
	return get_regions(ALMOS_PID_SELF, regions, 512);
}

/*
 * The regions inside [base, base + len) as "start-end:prot" page offsets from @base, e.g.
 * "0-2:3 5-8:1"; false if the call failed.
 */
static bool regions_in(const char *base, size_t len, char *out, size_t size)
{
	int n = region_count();
	size_t used = 0;

	out[0] = 0;
	if (n < 0 || n > 512)
		return false;
	for (int i = 0; i < n; i++) {
		uintptr_t s = regions[i].start, e = regions[i].end, b = (uintptr_t)base;
		if (e <= b || s >= b + len)
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s%ld-%ld:%u", used ? " " : "",
					 ((long)s - (long)b) / (long)PAGE, ((long)e - (long)b) / (long)PAGE,
					 regions[i].prot);
		if (used >= size)
			return false;
	}
	return true;
}

static bool regions_are(const char *base, size_t len, const char *want)
{
	char got[256];

	if (regions_in(base, len, got, sizeof(got)) && strcmp(got, want) == 0)
		return true;
	ktap_diag("regions at %p: \"%s\", expected \"%s\"", (void *)base, got, want);
	return false;
}

/* ---- threads ---- */

/* Start @fn on cluster @cxy (any core there). */
static void start_on(pthread_t *t, unsigned int cxy, void *(*fn)(void *), void *arg)
{
	place_next((int)cxy, PLACE_ANY_CORE);
	if (pthread_create(t, NULL, fn, arg) != 0) {
		ktap_diag("pthread_create on cluster %u failed", cxy);
		exit(1);
	}
}

/* The clusters of the helper threads: every other cluster, or cluster 0 on a single cluster. */
static unsigned int helpers(unsigned int *cxy)
{
	unsigned int n = 0;

	for (unsigned int c = 1; c < clusters && n < THREADS_MAX; c++)
		cxy[n++] = c;
	if (n == 0)
		cxy[n++] = 0;
	return n;
}

/* ---- mmap ---- */

static void group_mmap(void)
{
	char *canary = map_anon(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, 0);
	int before;
	long r;

	fill(canary, 2, 7);
	before = region_count();

	r = sys_mmap(0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(fails(r, EINVAL), "mmap: length 0 EINVAL");
	r = sys_mmap((uintptr_t)canary + 2 * PAGE + 100, PAGE, PROT_READ,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(fails(r, EINVAL), "mmap: MAP_FIXED at an unaligned address EINVAL");
	r = sys_mmap(0, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0);
	check(fails(r, EINVAL), "mmap: neither MAP_PRIVATE nor MAP_SHARED EINVAL");
	r = sys_mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check(fails(r, EINVAL), "mmap: MAP_PRIVATE and MAP_SHARED (MAP_SHARED_VALIDATE) anonymous "
	      "EINVAL");
	r = sys_mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1);
	check(fails(r, EINVAL), "mmap: unaligned offset EINVAL");
	r = sys_mmap(0, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, PAGE - 1);
	check(fails(r, EINVAL), "mmap: offset one byte short of a page EINVAL");

	/* Linux keeps only the bits it knows of mmap's prot (mprotect refuses the others) */
	r = sys_mmap(0, PAGE, PROT_READ | PROT_WRITE | 0x100, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	{
		struct almos_region *reg = NULL;
		int n = region_count();
		for (int i = 0; r != -1 && i < n && i < 512; i++)
			if (regions[i].start == (uintptr_t)r)
				reg = &regions[i];
		check(r != -1 && reg && reg->prot == (PROT_READ | PROT_WRITE) &&
		      probe_write((uint64_t *)r, 1), "mmap: an unknown prot bit is ignored, as Linux "
		      "does (prot %u)", reg ? reg->prot : 99);
		if (r != -1)
			munmap((void *)r, PAGE);
	}

	r = sys_mmap(KERNEL_ADDRESS, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(fails(r, ENOMEM), "mmap: MAP_FIXED over the kernel ENOMEM");
	r = sys_mmap(-4 * PAGE, 8 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(fails(r, ENOMEM), "mmap: MAP_FIXED wrapping around the end of the address space ENOMEM");
	r = sys_mmap(0, 1UL << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(fails(r, ENOMEM), "mmap: length 2^62 ENOMEM");
	r = sys_mmap(0, SIZE_MAX, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(fails(r, ENOMEM), "mmap: length SIZE_MAX (0 once page aligned) ENOMEM");
	r = sys_mmap(0, (UARCH_MMAP_ZONE_GIB + 1) * GIB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(fails(r, ENOMEM), "mmap: more than the mmap zone ENOMEM");
	r = sys_mmap(0, PAGE, PROT_READ, MAP_PRIVATE, -1, 0);
	check(fails(r, EBADF), "mmap: a file mapping of fd -1 EBADF");
	r = sys_mmap(0, PAGE, PROT_READ, MAP_SHARED, 1000, 0);
	check(fails(r, EBADF), "mmap: a file mapping of a closed fd EBADF");
	check(region_count() == before && map_is(canary, "oo", 7),
	      "mmap: the refused calls changed nothing (%d regions, %d before)", region_count(),
	      before);

	/* Exhaustion of the address space: 1 GiB pieces until ENOMEM, one page of each touched.
	 * MAP_NORESERVE: a piece may be more than the machine's memory (1x1), which Linux's
	 * overcommit heuristic refuses otherwise; the address space is what is exhausted here. */
	enum { PIECES = UARCH_MMAP_ZONE_GIB + 1 }; /* ENOMEM comes first */
	static char *piece[PIECES];
	int n = 0, err = 0;
	bool touched = true;
	for (; n < PIECES; n++) {
		piece[n] = mmap(NULL, GIB, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (piece[n] == MAP_FAILED) {
			err = errno;
			break;
		}
		touched &= probe_write((uint64_t *)(piece[n] + GIB - PAGE), (uint64_t)n + 1);
	}
	for (int i = 0; i < n; i++) {
		uint64_t v = 0;
		touched &= probe_read((uint64_t *)(piece[i] + GIB - PAGE), &v) && v == (uint64_t)i + 1;
	}
	check(err == ENOMEM && n >= 32 && touched, "mmap: 1 GiB pieces until ENOMEM: %d pieces, "
	      "then %s; a page of each written and read back", n, strerror(err));
	bool unmapped = true;
	for (int i = 0; i < n; i++)
		unmapped &= munmap(piece[i], GIB) == 0;
	int after = region_count();
	char *again = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(unmapped && after == before && again != MAP_FAILED &&
	      probe_write((uint64_t *)again, 5), "mmap: all unmapped, the regions back (%d, %d "
	      "before), and a new mapping works", after, before);
	munmap(again, PAGE);

	/* A large populated mapping: a quarter of the free memory of the reference cluster */
	struct almos_process_info me;
	struct almos_cluster_info ci;
	unsigned long pages = 0;
	if (get_process_info(ALMOS_PID_SELF, &me) == 0 && get_cluster_info(me.ref_cxy, &ci) == 0)
		pages = ci.free_pages / 4 < 16384 ? ci.free_pages / 4 : 16384;
	char *big = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	struct almos_region *reg = NULL;
	int count = region_count();
	for (int i = 0; big != MAP_FAILED && i < count && i < 512; i++)
		if (regions[i].start == (uintptr_t)big)
			reg = &regions[i];
	check(pages > 0 && big != MAP_FAILED && reg && reg->mapped_pages == pages,
	      "mmap: MAP_POPULATE of %lu pages maps them all (%lu)", pages,
	      reg ? (unsigned long)reg->mapped_pages : 0UL);
	if (big != MAP_FAILED) {
		bool zero = true;
		for (unsigned long i = 0; i < pages; i += 257)
			zero &= big[i * PAGE] == 0;
		check(zero && munmap(big, pages * PAGE) == 0, "mmap: ... reading zero, and unmapped");
	} else {
		check(false, "mmap: ... reading zero, and unmapped");
	}
	munmap(canary, 2 * PAGE);
}

/* ---- munmap ---- */

static void group_munmap(void)
{
	char *p = map_anon(NULL, 12 * PAGE, PROT_READ | PROT_WRITE, 0);
	long r;

	fill(p, 12, 1);
	errno = 0;
	r = munmap(p + 100, PAGE);
	check(fails(r, EINVAL), "munmap: unaligned address EINVAL");
	errno = 0;
	r = munmap(p, 0);
	check(fails(r, EINVAL), "munmap: length 0 EINVAL");
	errno = 0;
	r = munmap((void *)KERNEL_ADDRESS, PAGE);
	check(fails(r, EINVAL), "munmap: a kernel address EINVAL");
	errno = 0;
	r = munmap((void *)(-4 * PAGE), 8 * PAGE);
	check(fails(r, EINVAL), "munmap: a range wrapping around EINVAL");
	check(map_is(p, "oooooooooooo", 1), "munmap: the refused calls changed nothing");
	munmap(p, 12 * PAGE);
	check(munmap(p, 12 * PAGE) == 0, "munmap: a hole is success");

	/* holes inside the range */
	p = map_anon(NULL, 6 * PAGE, PROT_READ | PROT_WRITE, 0);
	fill(p, 6, 2);
	munmap(p + PAGE, PAGE);
	munmap(p + 3 * PAGE, PAGE);
	check(map_is(p, "oFoFoo", 2) && munmap(p, 6 * PAGE) == 0 && map_is(p, "FFFFFF", 2) &&
	      regions_are(p, 6 * PAGE, ""), "munmap: a range over holes succeeds and leaves nothing");

	/* left, right, middle */
	p = map_anon(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, 0);
	fill(p, 8, 3);
	check(munmap(p, PAGE) == 0 && map_is(p, "Fooooooo", 3) && regions_are(p, 8 * PAGE, "1-8:3"),
	      "munmap: the first page of a mapping");
	check(munmap(p + 7 * PAGE, PAGE) == 0 && map_is(p, "FooooooF", 3) &&
	      regions_are(p, 8 * PAGE, "1-7:3"), "munmap: the last page");
	check(munmap(p + 3 * PAGE, 2 * PAGE) == 0 && map_is(p, "FooFFooF", 3) &&
	      regions_are(p, 8 * PAGE, "1-3:3 5-7:3"), "munmap: two pages of the middle split it");
	check(probe_write((uint64_t *)(p + 2 * PAGE), 1) && probe_write((uint64_t *)(p + 5 * PAGE), 1) &&
	      !probe_write((uint64_t *)(p + 4 * PAGE), 1), "munmap: both halves still writable, the "
	      "hole not");
	munmap(p, 8 * PAGE);

	/* across three vsegs (different rights keep them apart) */
	p = map_anon(NULL, 12 * PAGE, PROT_READ | PROT_WRITE, 0);
	fill(p, 12, 4);
	mprotect(p + 4 * PAGE, 4 * PAGE, PROT_READ);
	bool three = regions_are(p, 12 * PAGE, "0-4:3 4-8:1 8-12:3");
	check(three && munmap(p + 2 * PAGE, 8 * PAGE) == 0 && map_is(p, "ooFFFFFFFFoo", 4) &&
	      regions_are(p, 12 * PAGE, "0-2:3 10-12:3"),
	      "munmap: from the middle of a vseg across one to the middle of a third");
	munmap(p, 12 * PAGE);
	check(regions_are(p, 12 * PAGE, ""), "munmap: ... and the rest");
}

/* ---- mprotect ---- */

static void group_mprotect(void)
{
	char *p = map_anon(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, 0);
	long r;

	fill(p, 8, 5);
	errno = 0;
	r = mprotect(p + 1, PAGE, PROT_READ);
	check(fails(r, EINVAL), "mprotect: unaligned address EINVAL");
	errno = 0;
	r = mprotect(p, PAGE, 0x100 | PROT_READ);
	check(fails(r, EINVAL), "mprotect: an unknown prot bit EINVAL");
	errno = 0;
	r = mprotect((void *)KERNEL_ADDRESS, PAGE, PROT_READ);
	check(fails(r, ENOMEM), "mprotect: a kernel address ENOMEM");
	check(mprotect(p, 0, PROT_READ) == 0, "mprotect: length 0 succeeds");
	check(regions_are(p, 8 * PAGE, "0-8:3") && probe_write((uint64_t *)p, pattern(5, 0, 0)),
	      "mprotect: the refused calls changed nothing");
	munmap(p + 6 * PAGE, 2 * PAGE);
	errno = 0;
	r = mprotect(p + 6 * PAGE, 2 * PAGE, PROT_READ);
	check(fails(r, ENOMEM), "mprotect: an unmapped range ENOMEM");
	errno = 0;
	r = mprotect(p + 4 * PAGE, 4 * PAGE, PROT_READ);
	check(fails(r, ENOMEM), "mprotect: a range running into a hole ENOMEM");
	p = map_anon(p, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_FIXED);
	fill(p, 8, 5);

	/* split in three, then two kinds of refusal in the middle */
	check(mprotect(p + 2 * PAGE, 3 * PAGE, PROT_READ) == 0 &&
	      regions_are(p, 8 * PAGE, "0-2:3 2-5:1 5-8:3"), "mprotect: the middle read-only splits");
	bool writes = true;
	for (unsigned int pg = 0; pg < 8; pg++)
		writes &= probe_write((uint64_t *)(p + pg * PAGE), pattern(5, pg, 0)) ==
			  (pg < 2 || pg >= 5);
	check(writes && map_is(p, "oooooooo", 5), "mprotect: writes fault exactly on the read-only "
	      "pages, every page readable with its data");
	check(mprotect(p + 3 * PAGE, PAGE, PROT_NONE) == 0 && map_is(p, "oooFoooo", 5) &&
	      regions_are(p, 8 * PAGE, "0-2:3 2-3:1 3-4:0 4-5:1 5-8:3"),
	      "mprotect: PROT_NONE in the middle of the read-only part: reads fault there only");
	check(mprotect(p + 2 * PAGE, 3 * PAGE, PROT_READ | PROT_WRITE) == 0 && map_is(p, "oooooooo", 5) &&
	      probe_write((uint64_t *)(p + 3 * PAGE), pattern(5, 3, 0)),
	      "mprotect: back to read-write, every page readable and writable");
	char got[256];
	regions_in(p, 8 * PAGE, got, sizeof(got));
	check(strcmp(got, "0-8:3") == 0, "mprotect: neighbours of the same rights merge again (%s)",
	      got);
	munmap(p, 8 * PAGE);
}

/* ---- brk ---- */

static uintptr_t sys_brk(uintptr_t to)
{
	return (uintptr_t)syscall(SYS_brk, to);
}

static void group_brk(void)
{
	/* glibc's malloc lives below the break: nothing here prints until the break is restored */
	uintptr_t cur = sys_brk(0), up = cur + 5 * PAGE + 100, down, top, r_low, r_one, r_huge,
		  r_kernel, r_over, r_grow, r_down, r_back;
	uintptr_t fence_at;
	char *fence;
	bool grown = true, kept, beyond;

	r_grow = sys_brk(up);
	for (uintptr_t a = (cur + 7) & ~7UL; r_grow == up && a + 8 <= up; a += PAGE)
		grown &= probe_write((uint64_t *)a, a);
	grown &= r_grow == up && probe_write((uint64_t *)((up - 8) & ~7UL), 1);
	down = cur + PAGE;
	top = (up + PAGE - 1) & ~(PAGE - 1);
	r_down = sys_brk(down);
	uint64_t v;
	kept = probe_read((uint64_t *)((cur + 7) & ~7UL), &v) && v == ((cur + 7) & ~7UL);
	beyond = true;
	for (uintptr_t a = (down + PAGE - 1) & ~(PAGE - 1); a < top; a += PAGE)
		beyond &= !probe_read((uint64_t *)a, &v);
	r_low = sys_brk(BRK_LOW);
	r_one = sys_brk(1);
	r_huge = sys_brk(down + (1UL << 40));
	r_kernel = sys_brk(KERNEL_ADDRESS);
	/* a mapping 16 pages above the break: a break beyond it is refused */
	fence_at = ((down + PAGE - 1) & ~(PAGE - 1)) + 16 * PAGE;
	fence = mmap((void *)fence_at, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		     MAP_FIXED_NOREPLACE, -1, 0);
	r_over = sys_brk(fence_at + 4 * PAGE);
	if (fence != MAP_FAILED)
		munmap(fence, PAGE);
	r_back = sys_brk(cur);

	check(cur != 0 && r_grow == up && grown, "brk: grows by 5 pages and 100 bytes, every page "
	      "writable (%#lx -> %#lx)", (unsigned long)cur, (unsigned long)r_grow);
	check(r_down == down && kept && beyond, "brk: shrinks to one page above: the data below "
	      "kept, every page beyond the new break faults");
	check(r_low == down && r_one == down, "brk: below the start returns the current break "
	      "(%#lx, %#lx)", (unsigned long)r_low, (unsigned long)r_one);
	check(r_huge == down && r_kernel == down, "brk: 1 TiB up or a kernel address returns the "
	      "old break (%#lx, %#lx)", (unsigned long)r_huge, (unsigned long)r_kernel);
	check(fence == (char *)fence_at && r_over == down, "brk: over a mapping returns the old "
	      "break (%#lx)", (unsigned long)r_over);
	check(r_back == cur && sys_brk(0) == cur, "brk: back where it was");
}

/* ---- race: munmap and MAP_FIXED under readers on other clusters ---- */

#define RACE_PAGES  16
#define RACE_ROUNDS 24
#define POISON      0xdeadbeefdeadbeefULL

struct race_reader {
	pthread_t t;
	unsigned int index;
	unsigned long reads, faults, bad_faults, bad_values;
	uint64_t bad_value;
	unsigned long bad_epoch[2];
};

static struct {
	char *base;
	_Atomic uint64_t epoch;   /* 3 * round + phase */
	atomic_int stop;
} race;

/*
 * What a read may give in epoch @e: phase 0 of round r, pattern(r); phase 1 (unmapping, polluting,
 * mapping afresh), pattern(r), zero or a fault; phase 2 (filling the fresh region), zero or
 * pattern(r + 1). @fault stands for "the read faulted".
 */
static bool allowed_in(uint64_t e, bool fault, uint64_t v, unsigned int pg, unsigned int w)
{
	uint64_t round = e / 3;

	switch (e % 3) {
	case 0:
		return !fault && v == pattern(round, pg, w);
	case 1:
		return fault || v == 0 || v == pattern(round, pg, w);
	default:
		return !fault && (v == 0 || v == pattern(round + 1, pg, w));
	}
}

static void *race_read(void *arg)
{
	struct race_reader *r = arg;
	unsigned int pg = r->index % RACE_PAGES, w = (r->index * 37) % WORDS;

	while (!atomic_load(&race.stop)) {
		uint64_t e1 = atomic_load(&race.epoch), v = 0;
		bool ok = probe_read((const uint64_t *)(race.base + pg * PAGE) + w, &v);
		uint64_t e2 = atomic_load(&race.epoch);
		bool allowed = false;

		for (uint64_t e = e1; e <= e2 && !allowed; e++)
			allowed = allowed_in(e, !ok, v, pg, w);
		r->reads++;
		r->faults += !ok;
		if (!allowed) {
			if (!ok)
				r->bad_faults++;
			else
				r->bad_values++;
			r->bad_value = v;
			r->bad_epoch[0] = (unsigned long)e1;
			r->bad_epoch[1] = (unsigned long)e2;
		}
		pg = (pg + 1) % RACE_PAGES;
		w = (w + 61) % WORDS;
	}
	return NULL;
}

static void group_race(void)
{
	static struct race_reader readers[THREADS_MAX];
	unsigned int cxy[THREADS_MAX], n = helpers(cxy);
	unsigned long reads = 0, faults = 0, bad_faults = 0, bad_values = 0;
	bool remapped = true;

	/* reserved once: a mapping made in the window could take the unmapped range itself */
	char *poison = map_anon(NULL, RACE_PAGES * PAGE, PROT_READ | PROT_WRITE, 0);

	race.base = map_anon(NULL, RACE_PAGES * PAGE, PROT_READ | PROT_WRITE, 0);
	fill(race.base, RACE_PAGES, 0);
	atomic_store(&race.epoch, 0);
	atomic_store(&race.stop, 0);
	for (unsigned int i = 0; i < n; i++) {
		memset(&readers[i], 0, sizeof(readers[i]));
		readers[i].index = i;
		start_on(&readers[i].t, cxy[i], race_read, &readers[i]);
	}
	for (uint64_t round = 0; round < RACE_ROUNDS; round++) {
		usleep(2000); /* let the readers read the stable region */
		atomic_store(&race.epoch, 3 * round + 1);
		remapped &= munmap(race.base, RACE_PAGES * PAGE) == 0;
		/* the freed frames are the likeliest to come back here: poison them */
		for (unsigned int i = 0; i < RACE_PAGES * WORDS; i++)
			((uint64_t *)poison)[i] = POISON;
		remapped &= mmap(race.base, RACE_PAGES * PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == race.base;
		atomic_store(&race.epoch, 3 * round + 2);
		fill(race.base, RACE_PAGES, round + 1);
		atomic_store(&race.epoch, 3 * (round + 1));
		madvise(poison, RACE_PAGES * PAGE, MADV_DONTNEED); /* its frames go back */
	}
	usleep(2000);
	atomic_store(&race.stop, 1);
	for (unsigned int i = 0; i < n; i++) {
		struct race_reader *r = &readers[i];
		pthread_join(r->t, NULL);
		reads += r->reads;
		faults += r->faults;
		bad_faults += r->bad_faults;
		bad_values += r->bad_values;
		if (r->bad_faults || r->bad_values)
			ktap_diag("reader %u (cluster %u): %lu faults outside an unmap window, %lu values "
				  "neither old, zero nor new; last %#lx between epochs %lu and %lu", i,
				  cxy[i], r->bad_faults, r->bad_values, (unsigned long)r->bad_value,
				  r->bad_epoch[0], r->bad_epoch[1]);
	}
	if (!ktap_groups_second_round())
		ktap_diag("race: %u readers, %d rounds, %lu reads, %lu faults in unmap windows", n,
			  RACE_ROUNDS, reads, faults);
	check(remapped && reads >= (unsigned long)RACE_ROUNDS, "race: munmap + MAP_FIXED under "
	      "readers on other clusters: %lu reads", reads);
	check(bad_faults == 0, "race: readers fault only inside the unmap windows (%lu outside)",
	      bad_faults);
	check(bad_values == 0, "race: readers see only the old pattern, zero or the new one, never "
	      "the freed frames' new content (%lu bad)", bad_values);
	check(map_is(race.base, "oooooooooooooooo", RACE_ROUNDS), "race: the last region holds the "
	      "last pattern");
	munmap(race.base, RACE_PAGES * PAGE);
	munmap(poison, RACE_PAGES * PAGE);
}

/* ---- protect: mprotect read-only under writers on other clusters ---- */

#define PROTECT_TRIES 16

struct protect_writer {
	pthread_t t;
	unsigned int index;
	unsigned int ro_faults, rw_faults;
	bool read_ok;
};

static struct {
	char *base;
	pthread_barrier_t step;
} prot;

static void *protect_write(void *arg)
{
	struct protect_writer *w = arg;
	volatile uint64_t *slot = (uint64_t *)(prot.base + w->index * PAGE);
	uint64_t v = 0;

	probe_write(slot, pattern(1, w->index, 0));        /* phase 0: read-write */
	pthread_barrier_wait(&prot.step);
	pthread_barrier_wait(&prot.step);                   /* the main thread made it read-only */
	for (int i = 0; i < PROTECT_TRIES; i++)
		w->ro_faults += !probe_write(slot, pattern(2, w->index, (unsigned int)i));
	w->read_ok = probe_read(slot, &v) && v == pattern(1, w->index, 0);
	pthread_barrier_wait(&prot.step);
	pthread_barrier_wait(&prot.step);                   /* read-write again */
	for (int i = 0; i < PROTECT_TRIES; i++)
		w->rw_faults += !probe_write(slot, pattern(3, w->index, (unsigned int)i));
	pthread_barrier_wait(&prot.step);
	return NULL;
}

static void group_protect(void)
{
	static struct protect_writer writers[THREADS_MAX];
	unsigned int cxy[THREADS_MAX], n = helpers(cxy);
	bool all_ro = true, none_rw = true, reads = true, old_kept = true, new_seen = true;

	prot.base = map_anon(NULL, n * PAGE, PROT_READ | PROT_WRITE, 0);
	pthread_barrier_init(&prot.step, NULL, n + 1);
	for (unsigned int i = 0; i < n; i++) {
		memset(&writers[i], 0, sizeof(writers[i]));
		writers[i].index = i;
		start_on(&writers[i].t, cxy[i], protect_write, &writers[i]);
	}
	pthread_barrier_wait(&prot.step);
	bool ro = mprotect(prot.base, n * PAGE, PROT_READ) == 0;
	pthread_barrier_wait(&prot.step);
	pthread_barrier_wait(&prot.step);
	for (unsigned int i = 0; i < n; i++)
		old_kept &= *(uint64_t *)(prot.base + i * PAGE) == pattern(1, i, 0);
	bool rw = mprotect(prot.base, n * PAGE, PROT_READ | PROT_WRITE) == 0;
	pthread_barrier_wait(&prot.step);
	pthread_barrier_wait(&prot.step);
	for (unsigned int i = 0; i < n; i++) {
		pthread_join(writers[i].t, NULL);
		all_ro &= writers[i].ro_faults == PROTECT_TRIES;
		none_rw &= writers[i].rw_faults == 0;
		reads &= writers[i].read_ok;
		new_seen &= *(uint64_t *)(prot.base + i * PAGE) ==
			    pattern(3, i, PROTECT_TRIES - 1);
		if (writers[i].ro_faults != PROTECT_TRIES || writers[i].rw_faults)
			ktap_diag("writer %u (cluster %u): %u of %d writes faulted read-only, %u "
				  "read-write", i, cxy[i], writers[i].ro_faults, PROTECT_TRIES,
				  writers[i].rw_faults);
	}
	pthread_barrier_destroy(&prot.step);
	check(ro && all_ro && old_kept && reads, "protect: read-only, every write of %u threads on "
	      "other clusters faults and the old values stay readable", n);
	check(rw && none_rw && new_seen, "protect: read-write again, every write succeeds and the "
	      "main thread sees it");
	munmap(prot.base, n * PAGE);
}

/* ---- fixed: MAP_FIXED over the middle of a vseg, seen from two clusters ---- */

#define FIXED_PAGES 16
#define FIXED_MAP   "oooozzzzooFFoooo"

static struct {
	char *base;
	pthread_barrier_t step;
	char seen_before[FIXED_PAGES + 1], seen_after[FIXED_PAGES + 1];
} fx;

static void *fixed_look(void *arg)
{
	(void)arg;
	page_map(fx.base, FIXED_PAGES, 6, fx.seen_before); /* its copy maps every page */
	pthread_barrier_wait(&fx.step);
	pthread_barrier_wait(&fx.step);                    /* the main thread mapped over them */
	page_map(fx.base, FIXED_PAGES, 6, fx.seen_after);
	return NULL;
}

static void group_fixed(void)
{
	unsigned int cxy[THREADS_MAX];
	pthread_t t;
	char *a, *b;

	helpers(cxy);
	fx.base = map_anon(NULL, FIXED_PAGES * PAGE, PROT_READ | PROT_WRITE, 0);
	fill(fx.base, FIXED_PAGES, 6);
	pthread_barrier_init(&fx.step, NULL, 2);
	start_on(&t, cxy[0], fixed_look, NULL);
	pthread_barrier_wait(&fx.step);
	a = mmap(fx.base + 4 * PAGE, 4 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	b = mmap(fx.base + 10 * PAGE, 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	pthread_barrier_wait(&fx.step);
	pthread_join(t, NULL);
	pthread_barrier_destroy(&fx.step);
	check(a == fx.base + 4 * PAGE && b == fx.base + 10 * PAGE &&
	      regions_are(fx.base, FIXED_PAGES * PAGE, "0-4:3 4-8:3 8-10:3 10-12:0 12-16:3"),
	      "fixed: two MAP_FIXED in the middle of a vseg make five regions");
	check(map_is(fx.base, FIXED_MAP, 6), "fixed: the main thread's page map");
	if (strcmp(fx.seen_before, "oooooooooooooooo") || strcmp(fx.seen_after, FIXED_MAP))
		ktap_diag("cluster %u saw %s before, %s after; expected %s", cxy[0], fx.seen_before,
			  fx.seen_after, FIXED_MAP);
	check(!strcmp(fx.seen_before, "oooooooooooooooo") && !strcmp(fx.seen_after, FIXED_MAP),
	      "fixed: a thread of cluster %u that mapped every page before sees the same map",
	      cxy[0]);
	munmap(fx.base, FIXED_PAGES * PAGE);
}

/* ---- the groups and their rounds ---- */

static const struct ktap_group groups[] = {
	{ "mmap", group_mmap, 19 },
	{ "munmap", group_munmap, 13 },
	{ "mprotect", group_mprotect, 12 },
	{ "brk", group_brk, 6 },
	{ "race", group_race, 4 },
	{ "protect", group_protect, 2 },
	{ "fixed", group_fixed, 3 },
};

int main(int argc, char **argv)
{
	if (get_config(&clusters, &cores) != 0)
		return 1;
	install_probe_handler();
	return ktap_groups_main(groups, sizeof(groups) / sizeof(groups[0]), argc, argv);
}
