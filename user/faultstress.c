/*
 * faultstress.c - page faults from every core at once, on shared and disjoint pages of fresh
 * mappings (docs/stress.md).
 *
 *     faultstress [-s pages] [-S shared] [-n rounds] [-c clusters]
 *
 * One thread on each core of each cluster of the list (place_next(cxy, lid)). Each round maps a
 * fresh private anonymous region: @shared pages all threads touch, then @pages pages of each
 * thread's own. At a barrier, every thread faults the shared pages (half of the threads read
 * first, the others write first, each from its own starting page so that they collide), writing
 * its own word of each, then writes every word of its own pages. After a second barrier the main
 * thread checks every word of the region and unmaps it.
 *
 * Per cluster, the false / local / global / failed fault counters of the process's VMM copy
 * (get_vmm_info) are printed before and after the rounds: each cluster's copy must have taken at
 * least one fault per page its threads touched (the reference: per page of its threads' own, as
 * the true faults of other clusters map the shared pages in its GPT), and none may have failed.
 *
 * The first round warms up; the memory after it is the baseline, and after the others the pages
 * (all clusters together) and every cluster's slab bytes must be back to it.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "almos.h"
#include "memcheck.h"
#include "stress.h"

#define PROG "faultstress"
#define WORDS (STRESS_PAGE / sizeof(uint64_t))
#define THREADS_MAX 512  /* a word of each shared page per thread */

struct worker {
	pthread_t t;
	unsigned int index, cxy, lid;
};

static struct stress_machine m;
static size_t own_pages = 16, shared_pages = 32;
static unsigned int nthreads, round_no;
static struct worker workers[THREADS_MAX];
static volatile uint64_t *region;
static pthread_barrier_t mapped, done;
static volatile int quit;

static uint64_t tag(unsigned int r, size_t p, size_t w, unsigned int t)
{
	return ((uint64_t)(r + 1) << 48) ^ ((uint64_t)t << 32) ^ (p << 12) ^ w;
}

static volatile uint64_t *own(unsigned int t)
{
	return region + (shared_pages + (size_t)t * own_pages) * WORDS;
}

/* One thread: each round, fault the shared pages and its own between the two barriers. */
static void *fault_pages(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		pthread_barrier_wait(&mapped);
		if (quit)
			return NULL;
		for (size_t k = 0; k < shared_pages; k++) {
			size_t p = (k + w->index) % shared_pages;
			volatile uint64_t *word = region + p * WORDS + w->index;

			if (w->index % 2 && *word != 0) /* a read fault first: a zero page */
				printf(PROG ": thread %u reads %llx in a fresh page\n", w->index,
				       (unsigned long long)*word);
			*word = tag(round_no, p, w->index, w->index);
		}
		for (size_t p = 0; p < own_pages; p++)
			for (size_t i = 0; i < WORDS; i++)
				own(w->index)[p * WORDS + i] = tag(round_no, p, i, w->index);
		pthread_barrier_wait(&done);
	}
}

/* Check every word of the region after round @r; the number of wrong words. */
static size_t check(unsigned int r)
{
	size_t bad = 0;

	for (size_t p = 0; p < shared_pages; p++)
		for (size_t i = 0; i < WORDS; i++) {
			uint64_t want = i < nthreads ? tag(r, p, i, (unsigned int)i) : 0;
			if (region[p * WORDS + i] != want && bad++ < 4)
				printf(PROG ": shared page %zu word %zu: %llx, expected %llx\n", p, i,
				       (unsigned long long)region[p * WORDS + i],
				       (unsigned long long)want);
		}
	for (unsigned int t = 0; t < nthreads; t++)
		for (size_t p = 0; p < own_pages; p++)
			for (size_t i = 0; i < WORDS; i++) {
				uint64_t want = tag(r, p, i, t);
				if (own(t)[p * WORDS + i] != want && bad++ < 4)
					printf(PROG ": page %zu of thread %u word %zu: %llx, "
					       "expected %llx\n", p, t, i,
					       (unsigned long long)own(t)[p * WORDS + i],
					       (unsigned long long)want);
			}
	return bad;
}

/* One round (the threads wait at the barrier); false with the reason kept on an inconsistency. */
static bool round_of(unsigned int r)
{
	size_t len = (shared_pages + (size_t)nthreads * own_pages) * STRESS_PAGE, bad;
	double t0 = stress_now();

	round_no = r;
	region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		stress_fail(PROG, "round %u: mmap of %zu bytes: %s", r, len, strerror(errno));
		quit = 1;
		pthread_barrier_wait(&mapped);
		return false;
	}
	pthread_barrier_wait(&mapped);
	pthread_barrier_wait(&done);
	bad = check(r);
	if (munmap((void *)region, len) != 0)
		stress_fail(PROG, "round %u: munmap: %s", r, strerror(errno));
	printf(PROG ": round %u: %zu pages, %zu bad words, %.2f s\n", r, len / STRESS_PAGE, bad,
	       stress_now() - t0);
	fflush(stdout);
	if (bad)
		stress_fail(PROG, "round %u: %zu words do not hold what was written", r, bad);
	return !stress_failure[0];
}

/* The fault counters of our VMM copy in each cluster of the list. */
static void counters(struct almos_vmm_info info[])
{
	for (unsigned int k = 0; k < m.n; k++)
		if (get_vmm_info(m.list[k], ALMOS_PID_SELF, &info[k]) != 0)
			memset(&info[k], 0, sizeof(info[k]));
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " [-s pages per thread] [-S shared pages] [-n rounds (>= 2)] "
		"[-c clusters]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct almos_vmm_info before[STRESS_CLUSTERS_MAX] = { 0 }, after[STRESS_CLUSTERS_MAX] = { 0 };
	unsigned int rounds = 4;
	const char *spec = NULL;
	struct memcheck quiet, base;
	unsigned int measured = 0;
	char what[160];
	int opt;

	while ((opt = getopt(argc, argv, "s:S:n:c:")) != -1) {
		switch (opt) {
		case 's': own_pages = (size_t)atol(optarg); break;
		case 'S': shared_pages = (size_t)atol(optarg); break;
		case 'n': rounds = (unsigned int)atoi(optarg); break;
		case 'c': spec = optarg; break;
		default: usage();
		}
	}
	if (!stress_machine_init(&m, spec))
		return 2;
	nthreads = m.n * m.cores;
	if (rounds < 2 || nthreads > THREADS_MAX || nthreads > WORDS)
		usage();
	snprintf(what, sizeof(what), "%u rounds, %u threads on %u clusters, %zu shared pages and "
		 "%zu pages per thread", rounds, nthreads, m.n, shared_pages, own_pages);
	printf(PROG ": %s\n", what);
	fflush(stdout);
	pthread_barrier_init(&mapped, NULL, nthreads + 1);
	pthread_barrier_init(&done, NULL, nthreads + 1);
	for (unsigned int k = 0, t = 0; k < m.n; k++)
		for (unsigned int lid = 0; lid < m.cores; lid++, t++) {
			workers[t] = (struct worker){ .index = t, .cxy = m.list[k], .lid = lid };
			if (stress_start_on(&workers[t].t, m.list[k], (int)lid, fault_pages,
					    &workers[t]) != 0) {
				printf(PROG ": no thread on core [%u,%u]\n", m.list[k], lid);
				return 1; /* the barriers would never open */
			}
		}
	/* the threads live through all rounds: the quiet thread counts are with them (waiting) */
	memcheck_snapshot(&quiet);
	if (round_of(0)) {
		/* the counters and the memory are measured over the rounds after the warm-up */
		if (!memcheck_settled(&quiet, &base))
			stress_fail(PROG, "no baseline: the clusters do not settle");
		counters(before);
		for (unsigned int r = 1; r < rounds && round_of(r); r++)
			measured++;
		counters(after);
		if (!stress_failure[0] && !stress_no_leak(PROG, &quiet, &base))
			stress_fail(PROG, "memory not back to its baseline after %u rounds", measured);
	}
	if (!quit) {
		quit = 1;
		pthread_barrier_wait(&mapped);
	}
	for (unsigned int t = 0; t < nthreads; t++)
		pthread_join(workers[t].t, NULL);
	/*
	 * Each cluster's copy faults at least once per page its threads touched, per round; but the
	 * reference's GPT also gets the shared pages that threads of other clusters fault first (their
	 * true faults map them there): its own threads then find them mapped. So the reference owes
	 * a fault only for its threads' own pages.
	 */
	for (unsigned int k = 0; k < m.n; k++) {
		uint64_t faults = (after[k].false_faults - before[k].false_faults) +
				  (after[k].local_faults - before[k].local_faults) +
				  (after[k].global_faults - before[k].global_faults);
		bool reference = after[k].ref_cxy == m.list[k];
		uint64_t least = (uint64_t)measured * ((reference ? 0 : shared_pages) +
						      m.cores * own_pages);

		printf(PROG ": cluster %u: faults false %llu -> %llu, local %llu -> %llu, global %llu "
		       "-> %llu, failed %llu -> %llu\n", m.list[k],
		       (unsigned long long)before[k].false_faults,
		       (unsigned long long)after[k].false_faults,
		       (unsigned long long)before[k].local_faults,
		       (unsigned long long)after[k].local_faults,
		       (unsigned long long)before[k].global_faults,
		       (unsigned long long)after[k].global_faults,
		       (unsigned long long)before[k].failed_faults,
		       (unsigned long long)after[k].failed_faults);
		if (!stress_failure[0] && faults < least)
			stress_fail(PROG, "cluster %u: %llu faults for %llu page touches by its %u "
				    "threads", m.list[k], (unsigned long long)faults,
				    (unsigned long long)least, m.cores);
		if (!stress_failure[0] && after[k].failed_faults != before[k].failed_faults)
			stress_fail(PROG, "cluster %u: %llu faults failed", m.list[k],
				    (unsigned long long)(after[k].failed_faults -
							 before[k].failed_faults));
	}
	return stress_summary(PROG, what);
}
