/*
 * ops_memory.c - the sweep's address-space operations (sweep.h): mmap (and MAP_POPULATE), munmap
 * and mprotect splitting a mapping, mremap moving one, brk growing and shrinking, and page faults:
 * anonymous (from this thread, and from a thread of another cluster: the copy's fault), copy on
 * write, a shared file's hole, a private file's page.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "almos.h"
#include "sweep.h"

#define PAGE      4096UL
#define PAGES     8
#define FILE_PATH "/tmp/failnth.data"

static char *region;     /* the mapping of the current step (NULL: none)            */
static char *blocker;    /* mremap: the mapping that keeps the region from growing   */
static uintptr_t brk_start;
static int file_fd = -1;
static pid_t cow_child;
static int cow_pipe[2] = { -1, -1 };

/* The regions of the process whose start is @start: its mapped pages and prot, false if none. */
static bool region_at(const void *start, uint64_t *mapped, uint32_t *prot)
{
	static struct almos_region r[64];
	int n = get_regions(ALMOS_PID_SELF, r, 64);

	for (int i = 0; i < n && i < 64; i++)
		if (r[i].start == (uintptr_t)start) {
			*mapped = r[i].mapped_pages;
			*prot = r[i].prot;
			return true;
		}
	return false;
}

static char *map_pages(size_t pages, int flags)
{
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Write byte i + @tag at the start of page i of @p, for @pages pages. */
static void fill(char *p, size_t pages, char tag)
{
	for (size_t i = 0; i < pages; i++)
		p[i * PAGE] = (char)(i + tag);
}

static bool filled(const char *p, size_t pages, char tag)
{
	for (size_t i = 0; i < pages; i++)
		if (p[i * PAGE] != (char)(i + tag))
			return false;
	return true;
}

static bool unmap_region(int result)
{
	(void)result;
	if (region && munmap(region, PAGES * PAGE) != 0)
		return false;
	region = NULL;
	return true;
}

/* ---- mmap ----------------------------------------------------------------------------------- */

static int call_mmap(unsigned long n, bool *fired)
{
	sweep_arm(n);
	region = map_pages(PAGES, 0);
	int err = region ? 0 : errno;
	*fired = sweep_fired(n);
	if (region)
		fill(region, PAGES, 1);
	return err || filled(region, PAGES, 1) ? err : SWEEP_WRONG;
}

/* MAP_POPULATE: every page mapped before any access; or ENOMEM and nothing mapped. */
static int call_mmap_populate(unsigned long n, bool *fired)
{
	static struct almos_region r[64];
	int before = get_regions(ALMOS_PID_SELF, r, 64);
	uint64_t mapped = 0;
	uint32_t prot;

	sweep_arm(n);
	region = map_pages(PAGES, MAP_POPULATE);
	int err = region ? 0 : errno;
	*fired = sweep_fired(n);
	if (err)
		return get_regions(ALMOS_PID_SELF, r, 64) == before ? err : SWEEP_WRONG;
	return region_at(region, &mapped, &prot) && mapped == PAGES ? 0 : SWEEP_WRONG;
}

/* ---- munmap, mprotect: splitting a mapping ------------------------------------------------- */

static bool setup_filled(void)
{
	region = map_pages(PAGES, 0);
	if (region)
		fill(region, PAGES, 3);
	return region != NULL;
}

static int call_munmap_split(unsigned long n, bool *fired)
{
	uint64_t mapped;
	uint32_t prot;

	sweep_arm(n);
	int err = munmap(region + 2 * PAGE, 2 * PAGE) ? errno : 0;
	*fired = sweep_fired(n);
	if (err) /* nothing changed */
		return region_at(region, &mapped, &prot) && mapped == PAGES &&
		       filled(region, PAGES, 3) ? err : SWEEP_WRONG;
	return region_at(region, &mapped, &prot) && mapped == 2 &&
	       region_at(region + 4 * PAGE, &mapped, &prot) && mapped == 4 ? 0 : SWEEP_WRONG;
}

static int call_mprotect_split(unsigned long n, bool *fired)
{
	uint64_t mapped;
	uint32_t prot;

	sweep_arm(n);
	int err = mprotect(region + 2 * PAGE, 2 * PAGE, PROT_READ) ? errno : 0;
	*fired = sweep_fired(n);
	if (err)
		return region_at(region, &mapped, &prot) && mapped == PAGES &&
		       prot == (PROT_READ | PROT_WRITE) ? err : SWEEP_WRONG;
	return region_at(region + 2 * PAGE, &mapped, &prot) && prot == PROT_READ &&
	       region_at(region + 4 * PAGE, &mapped, &prot) && prot == (PROT_READ | PROT_WRITE) &&
	       filled(region, PAGES, 3) ? 0 : SWEEP_WRONG;
}

/* ---- mremap: a move ------------------------------------------------------------------------- */

/* The region's first half, filled, with another mapping right after it: it cannot grow there. */
static bool setup_mremap(void)
{
	if (!setup_filled() || munmap(region + 4 * PAGE, 4 * PAGE))
		return false;
	blocker = mmap(region + 4 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_FIXED_NOREPLACE, -1, 0);
	return blocker != MAP_FAILED;
}

static int call_mremap(unsigned long n, bool *fired)
{
	sweep_arm(n);
	char *moved = mremap(region, 4 * PAGE, PAGES * PAGE, MREMAP_MAYMOVE);
	int err = moved == MAP_FAILED ? errno : 0;
	*fired = sweep_fired(n);
	if (err)
		return filled(region, 4, 3) ? err : SWEEP_WRONG;
	region = moved; /* PAGES long now */
	return moved != blocker - 4 * PAGE && filled(moved, 4, 3) ? 0 : SWEEP_WRONG;
}

static bool undo_mremap(int result)
{
	bool ok = munmap(blocker, PAGE) == 0;

	blocker = NULL;
	if (result && region) /* the old 4 pages */
		ok &= munmap(region, 4 * PAGE) == 0;
	else
		ok &= unmap_region(result);
	region = NULL;
	return ok;
}

/* ---- brk: raw calls, glibc's heap is left as it was before anything prints ----------------- */

static bool setup_brk(void)
{
	brk_start = (uintptr_t)syscall(SYS_brk, 0);
	return brk_start != 0;
}

static int call_brk_grow(unsigned long n, bool *fired)
{
	uintptr_t want = brk_start + PAGES * PAGE;

	sweep_arm(n);
	uintptr_t got = (uintptr_t)syscall(SYS_brk, want);
	*fired = sweep_fired(n);
	if (got != want) /* Linux: the old break, which glibc's sbrk makes ENOMEM */
		return got == brk_start ? ENOMEM : SWEEP_WRONG;
	fill((char *)brk_start, PAGES, 5);
	return filled((char *)brk_start, PAGES, 5) ? 0 : SWEEP_WRONG;
}

/* The heap grown by PAGES pages, filled: the call gives 6 of them back (a split of the heap). */
static bool setup_brk_shrink(void)
{
	if (!setup_brk() || (uintptr_t)syscall(SYS_brk, brk_start + PAGES * PAGE) !=
	    brk_start + PAGES * PAGE)
		return false;
	fill((char *)brk_start, PAGES, 6);
	return true;
}

static int call_brk_shrink(unsigned long n, bool *fired)
{
	uintptr_t want = brk_start + 2 * PAGE;

	sweep_arm(n);
	uintptr_t got = (uintptr_t)syscall(SYS_brk, want);
	*fired = sweep_fired(n);
	if (got != want)
		return got == brk_start + PAGES * PAGE && filled((char *)brk_start, PAGES, 6) ?
		       ENOMEM : SWEEP_WRONG;
	return filled((char *)brk_start, 2, 6) ? 0 : SWEEP_WRONG;
}

static bool undo_brk(int result)
{
	(void)result;
	return (uintptr_t)syscall(SYS_brk, brk_start) == brk_start;
}

/* ---- page faults ---------------------------------------------------------------------------- */

static bool setup_untouched(void)
{
	region = map_pages(PAGES, 0);
	return region != NULL;
}

/* A write to an untouched page: a frame (and maybe page tables). */
static int call_fault_anon(unsigned long n, bool *fired)
{
	sweep_arm(n);
	*(volatile char *)(region + 5 * PAGE) = 42;
	*fired = sweep_fired(n);
	return region[5 * PAGE] == 42 ? 0 : SWEEP_WRONG;
}

struct remote_fault {
	unsigned long n;
	bool fired;
};

static void *remote_fault_thread(void *arg)
{
	struct remote_fault *rf = arg;
	/* read before arming: the pages of `region` and of *rf fault here first (a copy's) */
	volatile char *page = region + 3 * PAGE;
	unsigned long n = rf->n;
	bool fired;

	sweep_arm(n);
	*page = 43;
	fired = sweep_fired(n);
	rf->fired = fired;
	return NULL;
}

/* The same from a thread of another cluster: its copy fetches the vseg, then a true fault. */
static int call_fault_remote(unsigned long n, bool *fired)
{
	struct remote_fault rf = { n, false };
	pthread_t t;

	place_next((int)sweep_other_cluster(), PLACE_ANY_CORE);
	if (pthread_create(&t, NULL, remote_fault_thread, &rf) || pthread_join(t, NULL))
		return SWEEP_WRONG;
	*fired = rf.fired;
	return region[3 * PAGE] == 43 ? 0 : SWEEP_WRONG;
}

/* A page written before a fork, shared with a child that keeps it: the write copies it. */
static bool setup_cow(void)
{
	if (!setup_filled() || pipe(cow_pipe))
		return false;
	cow_child = fork();
	if (cow_child == 0) {
		char c;
		bool same = read(cow_pipe[0], &c, 1) == 1 && filled(region, PAGES, 3);
		_exit(same ? 0 : 1);
	}
	return cow_child > 0;
}

static int call_fault_cow(unsigned long n, bool *fired)
{
	sweep_arm(n);
	*(volatile char *)(region + 6 * PAGE) = 44;
	*fired = sweep_fired(n);
	return region[6 * PAGE] == 44 ? 0 : SWEEP_WRONG;
}

static bool undo_cow(int result)
{
	int status = -1;
	bool ok = write(cow_pipe[1], "x", 1) == 1 && waitpid(cow_child, &status, 0) == cow_child &&
		  status == 0; /* the child still saw the old page */

	close(cow_pipe[0]);
	close(cow_pipe[1]);
	return unmap_region(result) && ok;
}

/* A file of 5 pages: page 0 written, pages 1..3 a hole, page 4 one byte; mapped whole. */
static bool setup_file(int flags)
{
	char page[PAGE];

	memset(page, 'f', sizeof(page));
	file_fd = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (file_fd < 0 || write(file_fd, page, PAGE) != (ssize_t)PAGE ||
	    lseek(file_fd, 4 * PAGE, SEEK_SET) < 0 || write(file_fd, "e", 1) != 1)
		return false;
	region = mmap(NULL, 5 * PAGE, PROT_READ | PROT_WRITE, flags, file_fd, 0);
	if (region == MAP_FAILED)
		region = NULL;
	return region != NULL;
}

static bool setup_file_shared(void)
{
	return setup_file(MAP_SHARED);
}

static bool setup_file_private(void)
{
	return setup_file(MAP_PRIVATE);
}

/* A read of the hole: the page cache gets a page of zeros, which the mapping maps. */
static int call_fault_file_hole(unsigned long n, bool *fired)
{
	sweep_arm(n);
	char c = *(volatile char *)(region + 2 * PAGE);
	*fired = sweep_fired(n);
	return c == 0 ? 0 : SWEEP_WRONG;
}

/* A read of a private file mapping: a frame of its own, filled from the page cache. */
static int call_fault_file_private(unsigned long n, bool *fired)
{
	sweep_arm(n);
	char c = *(volatile char *)(region + 100);
	*fired = sweep_fired(n);
	return c == 'f' ? 0 : SWEEP_WRONG;
}

static bool undo_file(int result)
{
	bool ok = true;

	(void)result;
	if (region)
		ok = munmap(region, 5 * PAGE) == 0;
	region = NULL;
	ok &= close(file_fd) == 0 && unlink(FILE_PATH) == 0;
	file_fd = -1;
	return ok;
}

const struct sweep_op sweep_memory_ops[] = {
	{ "mmap", NULL, call_mmap, unmap_region, { ENOMEM } },
	{ "mmap_populate", NULL, call_mmap_populate, unmap_region, { ENOMEM } },
	{ "munmap_split", setup_filled, call_munmap_split, unmap_region, { ENOMEM } },
	{ "mprotect_split", setup_filled, call_mprotect_split, unmap_region, { ENOMEM } },
	{ "mremap_move", setup_mremap, call_mremap, undo_mremap, { ENOMEM } },
	{ "brk_grow", setup_brk, call_brk_grow, undo_brk, { ENOMEM } },
	{ "brk_shrink", setup_brk_shrink, call_brk_shrink, undo_brk, { ENOMEM } },
	{ "fault_anon", setup_untouched, call_fault_anon, unmap_region, { 0 } },
	{ "fault_anon_other_cluster", setup_untouched, call_fault_remote, unmap_region, { 0 } },
	{ "fault_cow", setup_cow, call_fault_cow, undo_cow, { 0 } },
	{ "fault_file_hole", setup_file_shared, call_fault_file_hole, undo_file, { 0 } },
	{ "fault_file_private", setup_file_private, call_fault_file_private, undo_file, { 0 } },
	{ NULL, NULL, NULL, NULL, { 0 } },
};
