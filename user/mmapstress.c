/*
 * mmapstress.c - random mmap / munmap / mprotect / touch sequences from threads on every cluster,
 * checked against a model (docs/stress.md).
 *
 *     mmapstress [-n ops] [-t threads per cluster] [-s max pages] [-r seed] [-R rounds] [-c clusters]
 *
 * Each thread draws @ops operations from its own seeded generator (seed + thread index: a run is
 * reproducible) over SLOTS slots of its own, and keeps a model of every page of them: mapped or
 * not, its protection, and the value its first and last words must hold (0 for a fresh page):
 *   - map:      a slot with nothing mapped gets mmap(NULL, 1..@max pages, random protection);
 *   - remap:    MAP_FIXED over a random run of mapped pages of a slot (fresh zero pages);
 *   - munmap:   a random run of mapped pages;
 *   - mprotect: a random run of mapped pages, a random protection;
 *   - mremap:   a mapped page moves onto another mapped page of the slot (MREMAP_MAYMOVE |
 *               MREMAP_FIXED): the destination takes its protection and value, the source is
 *               unmapped (a single page always lies in one vseg, which mremap requires);
 *   - touch:    a random mapped page: a read must fault if it is PROT_NONE, else return the model's
 *               value; a write must fault unless it is PROT_READ|PROT_WRITE, else it stores a new
 *               value. Faults are caught by a SIGSEGV handler that siglongjmps back.
 * A thread only ever maps, unmaps or changes runs of pages it has mapped itself: a page it unmapped
 * may be another thread's next mapping, so it never touches it again. At the end each thread checks
 * all its pages against the model and unmaps them. MAP_SHARED is not used.
 *
 * Each round runs in a child process (the same sequences each time). Round 1 of @rounds warms
 * up; the memory after it is the baseline, and after the others the pages (all clusters together)
 * and every cluster's slab bytes must be back to it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "almos.h"
#include "memcheck.h"
#include "stress.h"

#define PROG "mmapstress"
#define SLOTS 8
#define PAGES_MAX 16
#define THREADS_MAX 256
#define WORDS (STRESS_PAGE / sizeof(uint64_t))
#define OPS 6 /* map, fixed, munmap, mprotect, mremap, touch */

struct page_model {
	bool mapped;
	int prot;          /* PROT_NONE, PROT_READ or PROT_READ | PROT_WRITE */
	uint64_t value;    /* what its first and last words hold             */
};

struct slot {
	char *base;        /* of the last mmap; NULL if it never had one      */
	unsigned int pages;
	struct page_model page[PAGES_MAX];
};

struct worker {
	pthread_t t;
	unsigned int index;
	uint64_t rng;
	struct slot slot[SLOTS];
	unsigned long ops[OPS], faults, errors;
};

static struct stress_machine m;
static unsigned int nops = 400, max_pages = 8, nthreads;
static uint64_t seed = 1;
static struct worker workers[THREADS_MAX];

static __thread sigjmp_buf fault_jump;
static __thread volatile int fault_armed;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	if (!fault_armed) { /* a fault the model did not expect outside a probe: die of it */
		signal(sig, SIG_DFL);
		return;
	}
	fault_armed = 0;
	siglongjmp(fault_jump, 1);
}

/* Read (write == false) or write @value at @p; true if the access faulted. */
static bool probe(volatile uint64_t *p, bool write, uint64_t *value)
{
	if (sigsetjmp(fault_jump, 1)) {
		return true;
	}
	fault_armed = 1;
	if (write)
		*p = *value;
	else
		*value = *p;
	fault_armed = 0;
	return false;
}

static const int prots[3] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE };

static void error(struct worker *w, const char *what, unsigned int op, struct slot *s,
		  unsigned int page, int err)
{
	w->errors++;
	if (w->errors <= 3)
		printf(PROG ": thread %u op %u: %s (slot page %u of %u at %p, prot %d, errno %d)\n",
		       w->index, op, what, page, s->pages, (void *)s->base,
		       s->page[page].prot, err);
}

static unsigned int pick(struct worker *w, unsigned int n)
{
	return (unsigned int)(stress_rand(&w->rng) % n);
}

/* A random run [first, first + count) of mapped pages of @s; false if it has none. */
static bool mapped_run(struct worker *w, struct slot *s, unsigned int *first, unsigned int *count)
{
	unsigned int p = pick(w, s->pages ? s->pages : 1), n = 0;

	if (!s->base || !s->page[p].mapped)
		return false;
	while (p + n < s->pages && s->page[p + n].mapped && n < 1 + pick(w, 4))
		n++;
	*first = p;
	*count = n;
	return true;
}

/* Check a page's first and last words against the model (if it is readable). */
static void check_page(struct worker *w, struct slot *s, unsigned int p, unsigned int op)
{
	volatile uint64_t *words = (volatile uint64_t *)(s->base + p * STRESS_PAGE);
	uint64_t first = 0, last = 0;
	bool f1 = probe(&words[0], false, &first), f2 = probe(&words[WORDS - 1], false, &last);

	if (s->page[p].prot == PROT_NONE) {
		if (!f1 || !f2)
			error(w, "a read of a PROT_NONE page did not fault", op, s, p, 0);
		else
			w->faults++;
	} else if (f1 || f2) {
		error(w, "a read of a readable page faulted", op, s, p, 0);
	} else if (first != s->page[p].value || last != s->page[p].value) {
		error(w, "a page does not hold its last value", op, s, p, 0);
	}
}

static void one_op(struct worker *w, unsigned int op)
{
	struct slot *s = &w->slot[pick(w, SLOTS)];
	unsigned int kind = pick(w, OPS), first, count;
	int prot = prots[pick(w, 3)];

	w->ops[kind]++;
	switch (kind) {
	case 0: { /* map a slot that has nothing mapped */
		unsigned int n = 1 + pick(w, max_pages);
		void *p;

		for (unsigned int i = 0; i < s->pages; i++)
			if (s->page[i].mapped)
				return;
		p = mmap(NULL, n * STRESS_PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			error(w, "mmap failed", op, s, 0, errno);
			return;
		}
		s->base = p;
		s->pages = n;
		for (unsigned int i = 0; i < n; i++)
			s->page[i] = (struct page_model){ true, prot, 0 };
		return;
	}
	case 1: /* MAP_FIXED over mapped pages of ours: fresh zero pages */
		if (!mapped_run(w, s, &first, &count))
			return;
		if (mmap(s->base + first * STRESS_PAGE, count * STRESS_PAGE, prot,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
		    s->base + first * STRESS_PAGE) {
			error(w, "mmap MAP_FIXED failed", op, s, first, errno);
			return;
		}
		for (unsigned int i = first; i < first + count; i++)
			s->page[i] = (struct page_model){ true, prot, 0 };
		return;
	case 2: /* munmap a run of mapped pages */
		if (!mapped_run(w, s, &first, &count))
			return;
		if (munmap(s->base + first * STRESS_PAGE, count * STRESS_PAGE) != 0) {
			error(w, "munmap failed", op, s, first, errno);
			return;
		}
		for (unsigned int i = first; i < first + count; i++)
			s->page[i].mapped = false;
		return;
	case 3: /* mprotect a run of mapped pages */
		if (!mapped_run(w, s, &first, &count))
			return;
		if (mprotect(s->base + first * STRESS_PAGE, count * STRESS_PAGE, prot) != 0) {
			error(w, "mprotect failed", op, s, first, errno);
			return;
		}
		for (unsigned int i = first; i < first + count; i++)
			s->page[i].prot = prot;
		return;
	case 4: { /* mremap a mapped page onto another mapped page of ours */
		unsigned int to = pick(w, s->pages ? s->pages : 1);
		char *src, *dst;

		if (!mapped_run(w, s, &first, &count) || to == first || !s->page[to].mapped)
			return;
		src = s->base + first * STRESS_PAGE;
		dst = s->base + to * STRESS_PAGE;
		if (mremap(src, STRESS_PAGE, STRESS_PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, dst) != dst) {
			error(w, "mremap failed", op, s, first, errno);
			return;
		}
		s->page[to] = s->page[first];
		s->page[first].mapped = false;
		return;
	}
	default: { /* touch a mapped page: read, then write, as the protection says */
		volatile uint64_t *words;
		uint64_t value = stress_rand(&w->rng) | 1;
		bool f1, f2;

		if (!mapped_run(w, s, &first, &count))
			return;
		check_page(w, s, first, op);
		words = (volatile uint64_t *)(s->base + first * STRESS_PAGE);
		f1 = probe(&words[0], true, &value);
		f2 = probe(&words[WORDS - 1], true, &value);
		if (s->page[first].prot != (PROT_READ | PROT_WRITE)) {
			if (!f1 || !f2)
				error(w, "a write to a page without PROT_WRITE did not fault", op, s,
				      first, 0);
			else
				w->faults++;
		} else if (f1 || f2) {
			error(w, "a write to a writable page faulted", op, s, first, 0);
		} else {
			s->page[first].value = value;
		}
		return;
	}
	}
}

static void *run(void *arg)
{
	struct worker *w = arg;

	for (unsigned int op = 0; op < nops; op++)
		one_op(w, op);
	/* the whole model, then unmap everything still mapped */
	for (unsigned int k = 0; k < SLOTS; k++) {
		struct slot *s = &w->slot[k];

		for (unsigned int p = 0; p < s->pages; p++) {
			if (!s->page[p].mapped)
				continue;
			check_page(w, s, p, nops);
			if (munmap(s->base + p * STRESS_PAGE, STRESS_PAGE) != 0)
				error(w, "final munmap failed", nops, s, p, errno);
			s->page[p].mapped = false;
		}
	}
	return NULL;
}

/* One round: every thread runs its sequence from the same seed. */
static bool round_of(unsigned int r)
{
	unsigned long errors = 0, faults = 0, ops[OPS] = { 0 };
	double t0 = stress_now();

	for (unsigned int t = 0; t < nthreads; t++) {
		struct worker *w = &workers[t];

		memset(w, 0, sizeof(*w));
		w->index = t;
		w->rng = seed * 0x100000001b3ULL + t + 1;
		if (stress_start_on(&w->t, m.list[t % m.n], PLACE_ANY_CORE, run, w) != 0) {
			stress_fail(PROG, "no thread in cluster %u", m.list[t % m.n]);
			nthreads = t;
			break;
		}
	}
	for (unsigned int t = 0; t < nthreads; t++) {
		pthread_join(workers[t].t, NULL);
		errors += workers[t].errors;
		faults += workers[t].faults;
		for (int k = 0; k < OPS; k++)
			ops[k] += workers[t].ops[k];
	}
	printf(PROG ": round %u: %lu map, %lu fixed, %lu munmap, %lu mprotect, %lu mremap, %lu "
	       "touch; %lu expected faults caught, %lu errors, %.2f s\n", r, ops[0], ops[1], ops[2],
	       ops[3], ops[4], ops[5], faults, errors, stress_now() - t0);
	fflush(stdout);
	if (errors)
		stress_fail(PROG, "round %u: %lu differences from the model", r, errors);
	return !stress_failure[0];
}

/*
 * Run round @r in a child process: its page tables (which keep the table pages of every range it
 * ever mapped) go with it, so the memory after it is comparable with the baseline whatever
 * addresses the threads' interleaving gave the mappings.
 */
static bool round_in_child(unsigned int r)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(round_of(r) ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		stress_fail(PROG, "round %u: the child process failed (status %x)", r,
			    pid < 0 ? -1 : status);
	return !stress_failure[0];
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " [-n ops] [-t threads per cluster] [-s max pages (1..%d)] "
		"[-r seed] [-R rounds (>= 2)] [-c clusters]\n", PAGES_MAX);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int per_cluster = 1, rounds = 3;
	const char *spec = NULL;
	struct memcheck quiet, base;
	struct sigaction sa = { 0 };
	char what[160];
	int opt;

	while ((opt = getopt(argc, argv, "n:t:s:r:R:c:")) != -1) {
		switch (opt) {
		case 'n': nops = (unsigned int)atoi(optarg); break;
		case 't': per_cluster = (unsigned int)atoi(optarg); break;
		case 's': max_pages = (unsigned int)atoi(optarg); break;
		case 'r': seed = strtoull(optarg, NULL, 0); break;
		case 'R': rounds = (unsigned int)atoi(optarg); break;
		case 'c': spec = optarg; break;
		default: usage();
		}
	}
	if (!stress_machine_init(&m, spec))
		return 2;
	nthreads = m.n * per_cluster;
	if (max_pages < 1 || max_pages > PAGES_MAX || rounds < 2 || nthreads < 1 ||
	    nthreads > THREADS_MAX)
		usage();
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	snprintf(what, sizeof(what), "%u rounds of %u ops in %u threads on %u clusters, seed %llu",
		 rounds, nops, nthreads, m.n, (unsigned long long)seed);
	printf(PROG ": %s\n", what);
	fflush(stdout);
	memcheck_snapshot(&quiet);
	if (round_in_child(0)) {
		if (!memcheck_settled(&quiet, &base))
			stress_fail(PROG, "no baseline: the clusters do not settle");
		for (unsigned int r = 1; r < rounds && !stress_failure[0]; r++)
			round_in_child(r);
		if (!stress_failure[0] && !stress_no_leak(PROG, &quiet, &base))
			stress_fail(PROG, "memory not back to its baseline after %u rounds",
				    rounds - 1);
	}
	return stress_summary(PROG, what);
}
