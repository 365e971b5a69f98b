/*
 * stress.h - what the stress programs (user/forkstress.c and the others of docs/stress.md) share: the cluster list of
 * their -c option, thread placement, a reproducible PRNG, the leak check and the summary line.
 *
 * A stress program prints progress lines "NAME: ..." and ends with one summary line,
 * "NAME: ... ok" or "NAME: ... FAILED: reason", and exits 0 only in the first case. The state
 * here is private to the including file (one program = one file).
 */
#ifndef ARCHIPEL_STRESS_H
#define ARCHIPEL_STRESS_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "almos.h"
#include "memcheck.h"

#define STRESS_PAGE 4096UL
#define STRESS_CLUSTERS_MAX 64

/* The machine and the clusters a program may use (its -c option). */
struct stress_machine {
	unsigned int clusters;                 /* of the machine                          */
	unsigned int cores;                    /* per cluster                             */
	unsigned int n;                        /* clusters in use                         */
	unsigned int list[STRESS_CLUSTERS_MAX]; /* their numbers, increasing              */
};

/*
 * Fill @m from get_config() and @spec, a list such as "0,2-3" (NULL: every cluster). False with a
 * message on stderr if the list is malformed or names a cluster the machine does not have.
 */
static inline bool stress_machine_init(struct stress_machine *m, const char *spec)
{
	bool want[STRESS_CLUSTERS_MAX] = { false };

	memset(m, 0, sizeof(*m));
	if (get_config(&m->clusters, &m->cores) != 0 || m->clusters == 0 ||
	    m->clusters > STRESS_CLUSTERS_MAX) {
		fprintf(stderr, "get_config failed\n");
		return false;
	}
	if (!spec) {
		for (unsigned int c = 0; c < m->clusters; c++)
			m->list[m->n++] = c;
		return true;
	}
	for (const char *p = spec; *p;) {
		char *end;
		unsigned long lo = strtoul(p, &end, 10), hi = lo;

		if (end == p)
			goto bad;
		if (*end == '-') {
			p = end + 1;
			hi = strtoul(p, &end, 10);
			if (end == p)
				goto bad;
		}
		if (lo > hi || hi >= m->clusters)
			goto bad;
		for (unsigned long c = lo; c <= hi; c++)
			want[c] = true;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
	}
	for (unsigned int c = 0; c < m->clusters; c++)
		if (want[c])
			m->list[m->n++] = c;
	return m->n > 0;
bad:
	fprintf(stderr, "bad cluster list '%s' (clusters 0..%u)\n", spec, m->clusters - 1);
	return false;
}

/* pthread_create on core @lid (PLACE_ANY_CORE: any) of cluster @cxy; pthread_create's result. */
static inline int stress_start_on(pthread_t *t, unsigned int cxy, int lid, void *(*fn)(void *),
				  void *arg)
{
	if (place_next((int)cxy, lid) != 0)
		return -1;
	return pthread_create(t, NULL, fn, arg);
}

/* xorshift64*: a small seeded generator, the same sequence for the same seed everywhere. */
static inline uint64_t stress_rand(uint64_t *state)
{
	uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ULL;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* Seconds since an arbitrary origin (CLOCK_MONOTONIC). */
static inline double stress_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The leak check of a measured round against the baseline taken after the warm-up round: the pages
 * outside the kernel's caches plus the user pages the checking process maps, all clusters together
 * (a copy-on-write copy or a first-touch frame made by a thread of another cluster legitimately
 * moves a page between clusters; the checking process may touch a new page of its own, its stack
 * or its heap, after the baseline: that is its memory, not a kernel leak), and the slab bytes,
 * page-table pages, vsegs and process copies of each cluster. Prints the figures that differ;
 * false if any does or the clusters never settle back to @quiet's thread counts.
 */
static inline bool stress_no_leak(const char *prog, const struct memcheck *quiet,
				  const struct memcheck *base)
{
	struct memcheck now;
	uint64_t a = 0, b = 0;
	bool same = true;

	if (!memcheck_settled(quiet, &now)) {
		printf("%s: the clusters do not settle back to their thread counts\n", prog);
		return false;
	}
	a = now.self_pages;
	b = base->self_pages;
	for (unsigned int c = 0; c < now.clusters; c++) {
		a += now.pages[c];
		b += base->pages[c];
		if (now.slab_bytes[c] != base->slab_bytes[c] || now.pt_pages[c] != base->pt_pages[c] ||
		    now.vsegs[c] != base->vsegs[c] || now.copies[c] != base->copies[c]) {
			printf("%s: cluster %u: slab bytes %lu, page tables %lu, vsegs %u, process copies "
			       "%u; baseline %lu, %lu, %u, %u\n", prog, c, (unsigned long)now.slab_bytes[c],
			       (unsigned long)now.pt_pages[c], now.vsegs[c], now.copies[c],
			       (unsigned long)base->slab_bytes[c], (unsigned long)base->pt_pages[c],
			       base->vsegs[c], base->copies[c]);
			same = false;
		}
	}
	printf("%s: pages outside the caches and its own, all clusters: %lu, baseline %lu\n", prog,
	       (unsigned long)a, (unsigned long)b);
	if (a != b)
		for (unsigned int c = 0; c < now.clusters; c++)
			printf("%s: cluster %u: pages outside the caches %lu, baseline %lu\n", prog, c,
			       (unsigned long)now.pages[c], (unsigned long)base->pages[c]);
	fflush(stdout);
	return same && a == b;
}

/* The first failure's reason, kept for the summary line (the first one is the interesting one);
 * every failure is also printed as it happens. Thread-safe. */
static char stress_failure[256];
static pthread_mutex_t stress_failure_lock = PTHREAD_MUTEX_INITIALIZER;

static inline __attribute__((format(printf, 2, 3))) void stress_fail(const char *prog,
								      const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&stress_failure_lock);
	printf("%s: error: %s\n", prog, line);
	fflush(stdout);
	if (!stress_failure[0])
		memcpy(stress_failure, line, sizeof(line));
	pthread_mutex_unlock(&stress_failure_lock);
}

/* Print the summary line "PROG: WHAT ok" or "PROG: WHAT FAILED: reason"; the exit status. */
static inline int stress_summary(const char *prog, const char *what)
{
	if (stress_failure[0])
		printf("%s: %s FAILED: %s\n", prog, what, stress_failure);
	else
		printf("%s: %s ok\n", prog, what);
	fflush(stdout);
	return stress_failure[0] ? 1 : 0;
}

#endif /* ARCHIPEL_STRESS_H */
