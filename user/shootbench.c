/*
 * shootbench.c - what a TLB shootdown costs as the machine grows (docs/perf.md, "TLB shootdowns
 * as clusters grow"):
 *
 *     shootbench [ROUNDS]
 *
 * A page of a private anonymous mapping is touched by this thread, then the same operations are
 * timed: alone (no other thread has run: only this core can cache the page's translation), busy
 * (mprotect only, ROUNDS / 10 pairs: one more thread on every other core of every cluster touched
 * the page and keeps running, reading it, so every core holds its translation and is asked to
 * flush), and spread (the same threads now wait blocked in read(): their cores switched to other
 * threads, which flushed their TLBs, so they are no longer asked; docs/fork.md "TLB shootdown"):
 *
 *   mprotect   the page made read-only, then writable again (ROUNDS times each: ns per call);
 *              each copy of the process (one per cluster that ran a thread) gets the change and
 *              flushes the cores of its cluster that ran the process;
 *   fork_wait  fork, the child exits at once, wait (ROUNDS / 10 times): the fork write-protects
 *              the parent's pages in every copy (copy-on-write) and shoots down every core that
 *              ran the process, on every cluster, before the child runs.
 *
 * Each line gives the time per operation (the monotonic clock: virtual ns under -icount, i.e.
 * instructions) and, from get_cluster_info over every cluster, the shootdowns asked and the
 * cores asked to flush (IPIs sent) per operation. Exit status 0 if every call succeeded.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "almos.h"

#define MAX_WORKERS 1024

static unsigned int clusters, cores;
static volatile char *page;
static atomic_uint ready;
static atomic_bool spin = true; /* the workers read the page until it is false (the busy phase) */
static int release_fd[2];

struct counts {
	uint64_t shootdowns, targets;
};

static struct counts count_now(void)
{
	struct counts c = { 0, 0 };

	for (unsigned int cxy = 0; cxy < clusters; cxy++) {
		struct almos_cluster_info info;
		if (get_cluster_info(cxy, &info) == 0) {
			c.shootdowns += info.tlb_shootdowns;
			c.targets += info.tlb_targets;
		}
	}
	return c;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void report(const char *what, const char *phase, uint64_t ns, long ops, struct counts a,
		   struct counts b)
{
	printf("shootbench %s %s: %lu ns/op, %.2f shootdowns/op, %.2f cores targeted/op "
	       "(%ld ops, %u clusters)\n", what, phase, (unsigned long)(ns / (uint64_t)ops),
	       (double)(b.shootdowns - a.shootdowns) / (double)ops,
	       (double)(b.targets - a.targets) / (double)ops, ops, clusters);
}

/* @rounds mprotect pairs on the page; false if a call failed. */
static bool bench_mprotect(const char *phase, long rounds)
{
	struct counts a = count_now(), b;
	uint64_t t0 = now_ns(), t1;

	for (long r = 0; r < rounds; r++) {
		if (mprotect((void *)page, 4096, PROT_READ) != 0 ||
		    mprotect((void *)page, 4096, PROT_READ | PROT_WRITE) != 0)
			return false;
	}
	t1 = now_ns();
	b = count_now();
	report("mprotect", phase, t1 - t0, 2 * rounds, a, b);
	page[0]++; /* writable again, and mapped again where the change unmapped it */
	return true;
}

static bool bench_fork_wait(const char *phase, long rounds)
{
	struct counts a = count_now(), b;
	uint64_t t0 = now_ns(), t1;

	for (long r = 0; r < rounds; r++) {
		int status;
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			return false;
	}
	t1 = now_ns();
	b = count_now();
	report("fork_wait", phase, t1 - t0, rounds, a, b);
	page[0]++;
	return true;
}

/* A worker: touch the page (its core now caches the translation), then block until released. */
static void *worker(void *arg)
{
	char c;

	(void)arg;
	page[64]++;
	atomic_fetch_add(&ready, 1);
	while (atomic_load(&spin))
		(void)page[64];
	return read(release_fd[0], &c, 1) == 1 ? NULL : (void *)1;
}

int main(int argc, char **argv)
{
	static pthread_t t[MAX_WORKERS];
	unsigned int self_cxy, self_lid, n = 0;
	long rounds = argc > 1 ? atol(argv[1]) : 200;
	bool ok = true;

	if (rounds < 10 || get_config(&clusters, &cores) != 0 ||
	    get_core_id(&self_cxy, &self_lid) != 0 || pipe(release_fd) != 0)
		return 2;
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 2;
	page[0] = 1;
	printf("shootbench: %u clusters of %u cores, %ld rounds\n", clusters, cores, rounds);
	ok = bench_mprotect("alone", rounds) && bench_fork_wait("alone", rounds / 10);
	for (unsigned int cxy = 0; ok && cxy < clusters; cxy++) {
		for (unsigned int lid = 0; lid < cores && n < MAX_WORKERS; lid++) {
			if (cxy == self_cxy && lid == self_lid)
				continue;
			place_next((int)cxy, (int)lid);
			if (pthread_create(&t[n], NULL, worker, NULL) != 0) {
				ok = false;
				break;
			}
			n++;
		}
	}
	while (atomic_load(&ready) < n) /* every worker has touched the page */
		sched_yield();
	printf("shootbench: %u threads touched the page, on every other core\n", n);
	ok = ok && bench_mprotect("busy", rounds / 10);
	atomic_store(&spin, false); /* they go to read() and block */
	ok = ok && bench_mprotect("spread", rounds) && bench_fork_wait("spread", rounds / 10);
	for (unsigned int k = 0; k < n; k++) /* release them all, even after a failure */
		if (write(release_fd[1], "x", 1) != 1)
			ok = false;
	for (unsigned int k = 0; k < n; k++) {
		void *res;
		pthread_join(t[k], &res);
		ok = ok && res == NULL;
	}
	printf("shootbench done %s\n", ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
