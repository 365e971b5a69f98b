/*
 * test_vmm.c - the VMM of one process seen from every cluster (KTAP).
 *
 *     test_vmm [private]
 *
 * Run it with the reference of the process away from cluster 0 (`launch_cluster=1` on the kernel
 * command line) and under either true-fault protocol (`vmm=rpc` or `vmm=direct`): the counters of
 * every VMM copy must be exactly what the protocol predicts (docs/vmm.md). Threads are placed with
 * place_next(); each measures its own faults with get_vmm_info() around the touching loop, once
 * everything else it runs (its code, its stack, the result buffers) has been faulted in.
 *   phase 1: a thread in the reference writes pages [0, N)       reference: N local faults
 *   phase 2: a thread in each other cluster writes [0, N)         that copy: N false faults
 *   phase 3: a thread in copy c1 writes [N, 2N)                   c1: N global faults; reference: 0
 *   phase 4: a thread in copy c2 writes [N, 2N)                   c2: N false faults
 * The group runs again after the dump test below: that second run must leave every cluster's
 * memory exactly where it was before it (user/include/memcheck.h).
 *
 * Then the dump test: threads in every cluster but the reference write one slice each of a fresh
 * region and wait while the main thread prints `display vmm` (with PTEs) for every cluster. The
 * "# vmmcheck:" lines say what was touched where; tests/qemu/check_vmm_dump.py reads them and the
 * dumps from the console and checks that the reference holds the whole region and each copy
 * exactly its slice, with the reference's frames.
 *
 * Last, the stack policy: a thread in the last cluster writes through a pointer into the main
 * thread's stack. With public stacks (the default) the main thread sees the value; with
 * `stack=private` on the command line (pass "private" to the program too) a thread of another
 * cluster writes its own replica of the page, and the main thread does not see it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "almos.h"
#include "ktap.h"
#include "memcheck.h"

#define PAGE   4096UL
#define N      16          /* pages per phase */
#define SLICE  4           /* pages per cluster in the dump test */
#define STACK  (64 * 1024) /* bytes of each thread stack */
#define STACKS 64          /* thread stacks: one per thread alive at once */

static char *stacks;

static unsigned int clusters, cores, ref;
static int pid;

/* Write one byte in each page [first, first + count) of @base. Small and on one cache line. */
__attribute__((noinline, aligned(64))) static void touch(volatile char *base, size_t first,
							   size_t count)
{
	for (size_t i = first; i < first + count; i++)
		base[i * PAGE] = 1;
}

struct phase {
	unsigned int cxy;                 /* where the thread runs                      */
	char *base;                       /* the region                                 */
	size_t first, count;              /* pages it writes                            */
	unsigned int ran_on;              /* get_core_id's cluster                      */
	int error;                        /* a get_vmm_info() failed                    */
	uint64_t touch_ns;                /* time of the touching loop                  */
	struct almos_vmm_info scratch, before, after, ref_before, ref_after;
};

static struct phase phases[4 + 64];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *run_phase(void *arg)
{
	struct phase *ph = arg;
	uint64_t t0;
	unsigned int lid;

	get_core_id(&ph->ran_on, &lid);
	/* Fault in everything the measured part uses: the results, the loop's code, the call. */
	memset(&ph->before, 0, 4 * sizeof(ph->before));
	touch(ph->base, 0, 0);
	ph->error |= get_vmm_info(ph->cxy, ALMOS_PID_SELF, &ph->scratch);
	ph->error |= get_vmm_info(ref, ALMOS_PID_SELF, &ph->scratch);
	ph->touch_ns = now_ns();

	ph->error |= get_vmm_info(ph->cxy, ALMOS_PID_SELF, &ph->before);
	ph->error |= get_vmm_info(ref, ALMOS_PID_SELF, &ph->ref_before);
	t0 = now_ns();
	touch(ph->base, ph->first, ph->count);
	ph->touch_ns = now_ns() - t0;
	ph->error |= get_vmm_info(ph->cxy, ALMOS_PID_SELF, &ph->after);
	ph->error |= get_vmm_info(ref, ALMOS_PID_SELF, &ph->ref_after);
	return NULL;
}

/*
 * Start @fn(@arg) in cluster @cxy on thread stack @slot. The stacks are the test's, touched in
 * advance by the main thread: glibc would otherwise cache the stacks of joined threads, and which
 * cached stack a thread gets would decide how many new stack pages it faults in, blurring the
 * free page counts.
 */
static bool start_on(pthread_t *t, unsigned int cxy, unsigned int slot, void *(*fn)(void *),
		     void *arg)
{
	pthread_attr_t attr;
	bool ok;

	if (place_next((int)cxy, PLACE_ANY_CORE) != 0 || pthread_attr_init(&attr) != 0)
		return false;
	ok = pthread_attr_setstack(&attr, stacks + (size_t)slot * STACK, STACK) == 0 &&
	     pthread_create(t, &attr, fn, arg) == 0;
	pthread_attr_destroy(&attr);
	return ok;
}

/* Run @ph in its cluster and wait for it; false if it could not run. */
static bool run_there(struct phase *ph)
{
	pthread_t t;

	return start_on(&t, ph->cxy, 0, run_phase, ph) && pthread_join(t, NULL) == 0;
}

/* Check the deltas of @ph: its copy's (local, false, global), and none in the reference. */
static bool expect(const struct phase *ph, const char *what, uint64_t local, uint64_t false_,
		   uint64_t global)
{
	uint64_t dl = ph->after.local_faults - ph->before.local_faults;
	uint64_t df = ph->after.false_faults - ph->before.false_faults;
	uint64_t dg = ph->after.global_faults - ph->before.global_faults;
	uint64_t rl = ph->ref_after.local_faults - ph->ref_before.local_faults;
	uint64_t rf = ph->ref_after.false_faults - ph->ref_before.false_faults;
	uint64_t rg = ph->ref_after.global_faults - ph->ref_before.global_faults;
	bool in_ref = ph->cxy == ref;
	bool ok = !ph->error && ph->ran_on == ph->cxy && dl == local && df == false_ && dg == global &&
		  (in_ref || (rl == 0 && rf == 0 && rg == 0));

	ktap_diag("%s: cluster %u: local %lu false %lu global %lu (expected %lu %lu %lu); "
		  "reference: %lu %lu %lu%s", what, ph->cxy, dl, df, dg, local, false_, global, rl,
		  rf, rg, ok ? "" : "  <- wrong");
	if (ph->count) /* a figure, not a check: with --icount it is reproducible (docs/perf.md) */
		ktap_diag("%s: %lu ns per page written (the fault included)", what,
			  (unsigned long)(ph->touch_ns / ph->count));
	return ok;
}

static void *nothing(void *arg)
{
	return arg;
}

/* Create and join a thread once: pthread_create and pthread_join are then faulted in. */
static void warm_up(void)
{
	pthread_t t;

	if (start_on(&t, ref, 0, nothing, NULL))
		pthread_join(t, NULL);
}

/* One group of the four phases on a fresh region; true if every count was as predicted. */
static bool fault_group(void)
{
	unsigned int c1 = (ref + 1) % clusters, c2 = (ref + 2) % clusters;
	char *region = mmap(NULL, 2 * N * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	struct phase *ph = phases;
	bool ok = true;

	if (region == MAP_FAILED)
		return false;
	memset(phases, 0, sizeof(phases));
	*ph = (struct phase){ .cxy = ref, .base = region, .first = 0, .count = N };
	ok = run_there(ph) && expect(ph, "phase 1", N, 0, 0) && ok;
	for (unsigned int c = 0; c < clusters; c++) {
		if (c == ref)
			continue;
		*++ph = (struct phase){ .cxy = c, .base = region, .first = 0, .count = N };
		ok = run_there(ph) && expect(ph, "phase 2", 0, N, 0) && ok;
	}
	if (clusters >= 2) {
		*++ph = (struct phase){ .cxy = c1, .base = region, .first = N, .count = N };
		ok = run_there(ph) && expect(ph, "phase 3", 0, 0, N) && ok;
	}
	if (clusters >= 3) {
		*++ph = (struct phase){ .cxy = c2, .base = region, .first = N, .count = N };
		ok = run_there(ph) && expect(ph, "phase 4", 0, N, 0) && ok;
	}
	return munmap(region, 2 * N * PAGE) == 0 && ok;
}

/* The dump test's threads: write a slice, then wait until the dumps are printed. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static unsigned int written;
static int dumped;

static void *write_slice(void *arg)
{
	struct phase *ph = arg;
	unsigned int lid;

	get_core_id(&ph->ran_on, &lid);
	touch(ph->base, ph->first, ph->count);
	pthread_mutex_lock(&lock);
	written++;
	pthread_cond_broadcast(&cond);
	while (!dumped)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static bool dump_test(void)
{
	unsigned int writers = clusters > 1 ? clusters - 1 : 1, i = 0;
	size_t pages = (size_t)writers * SLICE;
	char *region = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
	pthread_t t[64];
	bool ok = true;

	if (region == MAP_FAILED)
		return false;
	written = 0;
	dumped = 0;
	for (unsigned int c = 0; c < clusters; c++) {
		if (c == ref && clusters > 1)
			continue;
		phases[i] = (struct phase){ .cxy = c, .base = region, .first = i * SLICE, .count = SLICE };
		if (!start_on(&t[i], c, i, write_slice, &phases[i]))
			return false;
		i++;
	}
	pthread_mutex_lock(&lock);
	while (written < writers)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);

	printf("# vmmcheck: pid %x region %lx pages %zu reference %u\n", pid,
	       (unsigned long)region, pages, ref);
	for (i = 0; i < writers; i++)
		printf("# vmmcheck: cluster %u wrote %lx pages %zu\n", phases[i].ran_on,
		       (unsigned long)(region + phases[i].first * PAGE), phases[i].count);
	fflush(stdout);
	for (unsigned int c = 0; c < clusters; c++)
		ok = display(DISPLAY_VMM, c, pid, 1) == 0 && ok; /* every cluster has a copy now */
	printf("# vmmcheck: end\n");
	fflush(stdout);

	pthread_mutex_lock(&lock);
	dumped = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (i = 0; i < writers; i++)
		ok = pthread_join(t[i], NULL) == 0 && ok;
	for (i = 0; i < writers; i++)
		ok = ok && phases[i].ran_on == phases[i].cxy;
	return munmap(region, pages * PAGE) == 0 && ok;
}

/* MAP_REMOTE (almos.h): the main thread touches a mapping whose frames come from another cluster. */
static bool remote_mapping(void)
{
	unsigned int target = clusters > 1 ? (ref + 1) % clusters : 0;
	const size_t pages = 256;
	struct almos_cluster_info there0, there1, here0, here1;
	char *m = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_REMOTE, (int)target, 0);
	bool refused = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_REMOTE,
			    (int)clusters, 0) == MAP_FAILED && errno == EINVAL;
	bool ok;

	if (m == MAP_FAILED)
		return false;
	touch(m, 0, 0);
	ok = get_cluster_info(target, &there0) == 0 && get_cluster_info(ref, &here0) == 0;
	touch(m, 0, pages);
	ok = ok && get_cluster_info(target, &there1) == 0 && get_cluster_info(ref, &here1) == 0;
	ktap_diag("%zu pages written from cluster %u: free pages of cluster %u %lu -> %lu, of cluster "
		  "%u %lu -> %lu", pages, ref, target, (unsigned long)there0.free_pages,
		  (unsigned long)there1.free_pages, ref, (unsigned long)here0.free_pages,
		  (unsigned long)here1.free_pages);
	/* the frames are the named cluster's; the writer's cluster gives a few page tables at most */
	ok = ok && there0.free_pages - there1.free_pages >= pages &&
	     (target == ref || here0.free_pages - here1.free_pages < pages / 8);
	return munmap(m, pages * PAGE) == 0 && ok && refused;
}

static void *write_there(void *arg)
{
	*(volatile long *)arg = 0x5eed;
	return (void *)(intptr_t)(*(volatile long *)arg == 0x5eed); /* it sees its own write */
}

static bool stack_policy(bool private)
{
	volatile long on_my_stack = 0;
	unsigned int main_cxy, lid, there = clusters - 1;
	void *saw_own = NULL;
	pthread_t t;
	bool visible;

	get_core_id(&main_cxy, &lid);
	if (!start_on(&t, there, 0, write_there, (void *)&on_my_stack) ||
	    pthread_join(t, &saw_own) != 0)
		return false;
	visible = !private || there == main_cxy;
	ktap_diag("stacks %s: the main thread (cluster %u) reads %#lx after a write from cluster %u",
		  private ? "private" : "public", main_cxy, (long)on_my_stack, there);
	return saw_own && on_my_stack == (visible ? 0x5eed : 0);
}

int main(int argc, char **argv)
{
	bool private = argc > 1 && !strcmp(argv[1], "private");
	struct almos_vmm_info mine;
	unsigned int cxy, lid;
	struct memcheck quiet, baseline, now;

	ktap_plan(7);
	pid = getpid();
	stacks = mmap(NULL, STACKS * STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stacks == MAP_FAILED)
		return 1;
	memset(stacks, 0, STACKS * STACK);
	if (get_config(&clusters, &cores) != 0 || clusters > 64 || !memcheck_snapshot(&quiet))
		return 1; /* the threads of every cluster before the test starts its own */
	get_core_id(&cxy, &lid);
	ktap_ok(get_vmm_info(cxy, ALMOS_PID_SELF, &mine) == 0 && mine.ref_cxy == cxy, "main_thread_in_reference");
	ref = mine.ref_cxy;
	warm_up(); /* the main thread's own faults must not land in phase 1's window */
	ktap_diag("process %x: reference in cluster %u of %u", pid, ref, clusters);
	ktap_ok(fault_group(), "fault_counters_as_the_protocol_predicts");
	ktap_ok(dump_test(), "dumps_of_every_cluster_printed");
	ktap_ok(memcheck_settled(&quiet, &baseline) && fault_group(), "fault_counters_again");
	ktap_ok(memcheck_settled(&quiet, &now) && memcheck_same(&now, &baseline),
		"memory_back_to_baseline");
	ktap_ok(stack_policy(private), "stack_policy_%s", private ? "private" : "public");
	ktap_ok(remote_mapping(), "map_remote_frames_from_the_named_cluster");
	return ktap_exit();
}
