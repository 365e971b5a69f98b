/*
 * cowstress.c - copy on write under repeated forks, threads on several clusters on both sides
 * (docs/stress.md).
 *
 *     cowstress [-s pages] [-n forks] [-t threads] [-c clusters]
 *
 * A private anonymous region of @pages pages is filled with a pattern, then the process forks
 * @forks times in turn (the child placed on the next cluster of the list). After each fork, parent
 * and child each start @threads threads spread over the clusters and write their own marker into
 * pages: page p with p % 4 == 0 is written by the parent only, 1 by the child only, 2 by both, 3
 * by nobody. Both sides wait for each other (two pipes) before checking their whole region: each
 * sees exactly its own markers and the pattern everywhere else. The child reports through its exit
 * status (0, or 10 + what was wrong). Then the parent writes the pattern of the next round.
 *
 * The first fork warms up; the memory after it is the baseline, and after the others the pages
 * (all clusters together: a copy made by a thread of another cluster moves a page there) and every
 * cluster's slab bytes must be back to it.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
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

#define PROG "cowstress"
#define WORDS (STRESS_PAGE / sizeof(uint64_t))
#define THREADS_MAX 64

enum { PARENT = 0, CHILD = 1 };

static struct stress_machine m;
static uint64_t *region;
static size_t pages = 512;
static unsigned int threads = 4;
static unsigned int round_no;
static pthread_barrier_t start;

/* The pattern of word @w of page @p in round @r. */
static uint64_t pattern(unsigned int r, size_t p, size_t w)
{
	return 0x5a5a000000000000ULL ^ ((uint64_t)r << 40) ^ (p << 12) ^ w;
}

/* The marker @side writes into word @w of page @p in round @r (never a pattern value). */
static uint64_t marker(int side, unsigned int r, size_t p, size_t w)
{
	return (side == PARENT ? 0xa000000000000000ULL : 0xc000000000000000ULL) ^
	       ((uint64_t)r << 40) ^ (p << 12) ^ w;
}

/* True if @side writes page @p. */
static bool writes(int side, size_t p)
{
	return p % 4 == 2 || p % 4 == (size_t)side;
}

struct worker {
	pthread_t t;
	int side;
	unsigned int index;
};

/* Thread @index of a side writes its markers into the pages p with (p / 4) % threads == index. */
static void *write_pages(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(&start);
	for (size_t p = 0; p < pages; p++)
		if ((p / 4) % threads == w->index && writes(w->side, p))
			for (size_t i = 0; i < WORDS; i += 8) /* one word per 64 bytes */
				region[p * WORDS + i] = marker(w->side, round_no, p, i);
	return NULL;
}

/* Run @threads writers of @side, thread i on the list's cluster (i + side) % n; false on failure. */
static bool write_side(int side)
{
	struct worker w[THREADS_MAX];
	bool ok = true;

	pthread_barrier_init(&start, NULL, threads);
	for (unsigned int i = 0; i < threads; i++) {
		w[i].side = side;
		w[i].index = i;
		if (i > 0 && stress_start_on(&w[i].t, m.list[(i + (unsigned int)side) % m.n],
					     PLACE_ANY_CORE, write_pages, &w[i]) != 0) {
			/* a barrier of @threads would never open: there is no way on */
			printf(PROG ": pthread_create failed\n");
			exit(3);
		}
	}
	write_pages(&w[0]);
	for (unsigned int i = 1; i < threads; i++)
		ok &= pthread_join(w[i].t, NULL) == 0;
	pthread_barrier_destroy(&start);
	return ok;
}

/* The number of words of the region that differ from what @side must see. */
static size_t check_side(int side)
{
	size_t bad = 0;

	for (size_t p = 0; p < pages; p++)
		for (size_t i = 0; i < WORDS; i++) {
			uint64_t want = writes(side, p) && i % 8 == 0 ? marker(side, round_no, p, i) :
				pattern(round_no, p, i);
			if (region[p * WORDS + i] != want && bad++ < 4)
				printf(PROG ": %s: page %zu word %zu holds %llx, expected %llx\n",
				       side == PARENT ? "parent" : "child", p, i,
				       (unsigned long long)region[p * WORDS + i],
				       (unsigned long long)want);
		}
	return bad;
}

static bool sync_write(int fd)
{
	return write(fd, "x", 1) == 1;
}

static bool sync_read(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

/* The child: write, tell the parent, wait for its writes, check. Its exit status. */
static int child(int to_parent, int from_parent)
{
	size_t bad;

	if (!write_side(CHILD))
		return 11;
	if (!sync_write(to_parent) || !sync_read(from_parent))
		return 12;
	bad = check_side(CHILD);
	return bad ? 13 : 0;
}

/* One fork; false (with the reason kept) on any inconsistency. */
static bool round_of(unsigned int r)
{
	int to_parent[2], to_child[2], status;
	double t0 = stress_now();
	size_t bad;
	pid_t pid;

	round_no = r;
	for (size_t p = 0; p < pages; p++)
		for (size_t i = 0; i < WORDS; i++)
			region[p * WORDS + i] = pattern(r, p, i);
	if (pipe(to_parent) != 0 || pipe(to_child) != 0) {
		stress_fail(PROG, "pipe: %s", strerror(errno));
		return false;
	}
	place_next((int)m.list[r % m.n], PLACE_ANY_CORE);
	pid = fork();
	if (pid == 0)
		_exit(child(to_parent[1], to_child[0]));
	if (pid < 0) {
		stress_fail(PROG, "fork: %s", strerror(errno));
		return false;
	}
	/* both sides write at once; each checks once the other is done */
	if (!write_side(PARENT))
		stress_fail(PROG, "round %u: a writer thread of the parent failed", r);
	sync_write(to_child[1]);
	sync_read(to_parent[0]);
	bad = check_side(PARENT);
	if (waitpid(pid, &status, 0) != pid)
		status = -1;
	for (int i = 0; i < 2; i++) {
		close(to_parent[i]);
		close(to_child[i]);
	}
	printf(PROG ": round %u: child %x, parent %zu bad words, child status %x, %.2f s\n", r, pid,
	       bad, status, stress_now() - t0);
	fflush(stdout);
	if (bad)
		stress_fail(PROG, "round %u: the parent sees %zu words it should not", r, bad);
	else if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		stress_fail(PROG, "round %u: the child ended with status %x (13: it saw words it "
			    "should not)", r, status);
	return !stress_failure[0];
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " [-s pages] [-n forks (>= 2)] [-t threads (1..%d)] "
		"[-c clusters]\n", THREADS_MAX);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int forks = 4;
	const char *spec = NULL;
	struct memcheck quiet, base;
	bool threads_set = false;
	char what[128];
	int opt;

	while ((opt = getopt(argc, argv, "s:n:t:c:")) != -1) {
		switch (opt) {
		case 's': pages = (size_t)atol(optarg); break;
		case 'n': forks = (unsigned int)atoi(optarg); break;
		case 't': threads = (unsigned int)atoi(optarg); threads_set = true; break;
		case 'c': spec = optarg; break;
		default: usage();
		}
	}
	if (!stress_machine_init(&m, spec))
		return 2;
	if (!threads_set)
		threads = m.n < 2 ? 2 : m.n; /* one per cluster in use, at least two */
	if (pages < 4 || forks < 2 || threads < 1 || threads > THREADS_MAX)
		usage();
	region = mmap(NULL, pages * STRESS_PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED) {
		printf(PROG ": mmap of %zu pages: %s\n", pages, strerror(errno));
		return 1;
	}
	snprintf(what, sizeof(what), "%u forks of %zu pages, %u threads a side over %u clusters",
		 forks, pages, threads, m.n);
	printf(PROG ": %s\n", what);
	fflush(stdout);
	memcheck_snapshot(&quiet);
	if (round_of(0)) {
		if (!memcheck_settled(&quiet, &base))
			stress_fail(PROG, "no baseline: the clusters do not settle");
		for (unsigned int r = 1; r < forks && !stress_failure[0]; r++)
			round_of(r);
		if (!stress_failure[0] && !stress_no_leak(PROG, &quiet, &base))
			stress_fail(PROG, "memory not back to its baseline after %u forks", forks - 1);
	}
	return stress_summary(PROG, what);
}
