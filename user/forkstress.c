/*
 * forkstress.c - fork trees over every cluster, exec chains, every zombie reaped (docs/stress.md).
 *
 *     forkstress [-d depth] [-f fanout] [-n rounds] [-e every] [-x chain] [-c clusters]
 *
 * Each round grows a tree of processes: the program is its root, every node of depth > 0 forks
 * @fanout children, alternately placed by place_next() on the next cluster of the list and by the
 * kernel's default placement (the DQDT; with -c, always by place_next). A leaf whose id is a
 * multiple of @every execs /bin/forkstress in leaf mode, which execs itself again @chain times
 * before it ends. Every node exits with a code derived from its id; its parent reaps all its
 * children and checks each status, and that a child placed by place_next runs in that cluster.
 * Each node (exec'd leaves included) writes one record {forks, reaps, execs, errors} into a pipe
 * the root drains: the totals must be the tree's (forks == reaps == nodes - 1). While a round runs,
 * the root prints the number of processes alive every half second.
 *
 * The first round warms up; the memory after it is the baseline, and after the other rounds the
 * pages (all clusters together) and every cluster's slab bytes must be back to it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "almos.h"
#include "memcheck.h"
#include "stress.h"

#define PROG "forkstress"
#define SELF "/bin/forkstress"
#define FANOUT_MAX 16
#define BAD_STATUS 250   /* a node's exit code when something in its subtree was wrong */

/* What each node reports to the root through the pipe (8 bytes: one atomic pipe write). */
struct record {
	uint16_t forks;      /* children it forked               */
	uint16_t reaps;      /* children it reaped               */
	uint16_t execs;      /* 1 for the last image of an exec chain */
	uint16_t errors;     /* inconsistencies it saw           */
};

static struct stress_machine m;
static unsigned int fanout = 3, every = 2, chain = 2;
static bool hint_only;            /* -c given: every child placed by place_next */
static int report_fd = -1;        /* the pipe's write end */

/* The exit code node @id must end with (1..200, never BAD_STATUS). */
static int expected_code(uint64_t id)
{
	return 1 + (int)(id % 200);
}

static void report(unsigned int forks, unsigned int reaps, unsigned int execs, unsigned int errors)
{
	struct record r = { (uint16_t)forks, (uint16_t)reaps, (uint16_t)execs, (uint16_t)errors };

	if (write(report_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(BAD_STATUS);
}

/* An exec'd leaf: exec again while @left > 0, then report and end with @id's code. */
static int leaf_mode(uint64_t id, unsigned int left)
{
	if (left > 0) {
		char ids[32], lefts[16], fds[16];

		snprintf(ids, sizeof(ids), "%llu", (unsigned long long)id);
		snprintf(lefts, sizeof(lefts), "%u", left - 1);
		snprintf(fds, sizeof(fds), "%d", report_fd);
		char *argv[] = { SELF, "-L", ids, "-C", lefts, "-w", fds, NULL };
		execv(SELF, argv);
		report(0, 0, 0, 1); /* the exec failed */
		return BAD_STATUS;
	}
	report(0, 0, 1, 0);
	return expected_code(id);
}

/*
 * Node @id at @depth: fork its children, reap them, report, and return its exit code. @next is
 * the index of the next cluster for a place_next child (per node: no shared state between them).
 */
static int node(uint64_t id, unsigned int depth)
{
	pid_t pids[FANOUT_MAX];
	int hinted[FANOUT_MAX];
	unsigned int forks = 0, reaps = 0, errors = 0;

	if (depth == 0) {
		if (id % every == 0)
			return leaf_mode(id, chain);
		report(0, 0, 0, 0);
		return expected_code(id);
	}
	for (unsigned int i = 0; i < fanout; i++) {
		uint64_t child = id * fanout + i + 1;

		hinted[i] = -1;
		if (hint_only || (id + i) % 2 == 0) {
			hinted[i] = (int)m.list[(id + i) % m.n];
			place_next(hinted[i], PLACE_ANY_CORE);
		}
		pids[i] = fork();
		if (pids[i] == 0) {
			_exit(node(child, depth - 1));
		}
		if (pids[i] < 0) {
			printf(PROG ": node %llu: fork: %s\n", (unsigned long long)id, strerror(errno));
			errors++;
			continue;
		}
		forks++;
		if (hinted[i] >= 0 && ((unsigned int)pids[i] >> 16) != (unsigned int)hinted[i]) {
			printf(PROG ": node %llu: child %x is not in cluster %d as place_next said\n",
			       (unsigned long long)id, pids[i], hinted[i]);
			errors++;
		}
	}
	/* reap in any order (wait4 -1), and match each pid to its child */
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		unsigned int i;

		if (pid < 0) {
			if (errno != ECHILD) {
				printf(PROG ": node %llu: wait4: %s\n", (unsigned long long)id,
				       strerror(errno));
				errors++;
			}
			break;
		}
		reaps++;
		for (i = 0; i < fanout && pids[i] != pid; i++)
			;
		if (i == fanout) {
			printf(PROG ": node %llu: reaped %x, not a child of ours\n",
			       (unsigned long long)id, pid);
			errors++;
		} else if (!WIFEXITED(status) ||
			   WEXITSTATUS(status) != expected_code(id * fanout + i + 1)) {
			printf(PROG ": node %llu: child %x status %x, expected exit code %d\n",
			       (unsigned long long)id, pid, status, expected_code(id * fanout + i + 1));
			errors++;
		}
	}
	if (forks != reaps)
		errors++;
	report(forks, reaps, 0, errors);
	return errors ? BAD_STATUS : expected_code(id);
}

/* ---- the root ------------------------------------------------------------------------------ */

struct totals {
	int fd;                  /* the pipe's read end */
	uint64_t records, forks, reaps, execs, errors;
};

/* Processes owned by all clusters together: the machine's processes (the kernel's included). */
static unsigned int live_processes(void)
{
	unsigned int n = 0;

	for (unsigned int c = 0; c < m.clusters; c++) {
		struct almos_cluster_info info;
		if (get_cluster_info(c, &info) == 0)
			n += info.processes_owned;
	}
	return n;
}

/* Drain the records until EOF (every write end closed). */
static void *drain(void *arg)
{
	struct totals *t = arg;

	for (;;) {
		struct record r;
		ssize_t n = read(t->fd, &r, sizeof(r));

		if (n == 0)
			break;
		if (n != (ssize_t)sizeof(r)) {
			t->errors++; /* a torn record */
			if (n < 0)
				break;
			continue;
		}
		t->records++;
		t->forks += r.forks;
		t->reaps += r.reaps;
		t->execs += r.execs;
		t->errors += r.errors;
	}
	return NULL;
}

/* Wait for @pid, printing the number of processes alive every half second; its status or -1. */
static int wait_watching(pid_t pid, const struct totals *t)
{
	double last = stress_now();
	int status;

	for (;;) {
		pid_t got = waitpid(pid, &status, WNOHANG);

		if (got == pid)
			return status;
		if (got != 0)
			return -1;
		usleep(50000);
		if (stress_now() - last >= 0.5) {
			last = stress_now();
			printf(PROG ": %u processes alive, %llu nodes done\n", live_processes(),
			       (unsigned long long)t->records);
			fflush(stdout);
		}
	}
}

/* One tree; false (with the reason kept) if anything was inconsistent. */
__attribute__((noinline)) static void prefault_stack(void)
{
	volatile char deep[64 * 1024];

	for (size_t i = 0; i < sizeof(deep); i += 4096)
		deep[i] = 0;
}

static bool round_of(unsigned int round, unsigned int depth)
{
	struct totals t = { 0 };
	uint64_t nodes = 0, width = 1, leaves, execs = 0;
	int fds[2], code, status;
	pthread_t drainer;
	double start = stress_now();
	pid_t pid;

	for (unsigned int d = 0; d <= depth; d++, width *= fanout)
		nodes += width;
	leaves = width / fanout;
	for (uint64_t id = nodes - leaves; id < nodes; id++) /* leaves: the last ids */
		execs += id % every == 0;
	if (pipe2(fds, O_CLOEXEC) != 0 || fcntl(fds[1], F_SETFD, 0) != 0) {
		stress_fail(PROG, "pipe: %s", strerror(errno));
		return false;
	}
	t.fd = fds[0];
	report_fd = fds[1];
	/* the tree's root is a child of ours, so that the drainer thread is not in every fork */
	if (pthread_create(&drainer, NULL, drain, &t) != 0) {
		stress_fail(PROG, "pthread_create failed");
		return false;
	}
	place_next((int)m.list[round % m.n], PLACE_ANY_CORE);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		_exit(node(0, depth));
	}
	close(fds[1]);
	status = pid > 0 ? wait_watching(pid, &t) : -1;
	pthread_join(drainer, NULL);
	close(fds[0]);
	code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	printf(PROG ": round %u: %llu nodes, %llu forks, %llu reaps, %llu exec chains, %llu errors, "
	       "%.2f s\n", round, (unsigned long long)t.records, (unsigned long long)t.forks + 1,
	       (unsigned long long)t.reaps + 1, (unsigned long long)t.execs,
	       (unsigned long long)t.errors, stress_now() - start);
	fflush(stdout);
	if (code != expected_code(0))
		stress_fail(PROG, "round %u: the tree's root ended with status %x", round, status);
	else if (t.records != nodes || t.forks != nodes - 1 || t.reaps != nodes - 1 ||
		 t.execs != execs || t.errors)
		stress_fail(PROG, "round %u: %llu nodes, %llu forks, %llu reaps, %llu execs, "
			    "%llu errors; expected %llu nodes, %llu forks and reaps, %llu execs",
			    round, (unsigned long long)t.records, (unsigned long long)t.forks,
			    (unsigned long long)t.reaps, (unsigned long long)t.execs,
			    (unsigned long long)t.errors, (unsigned long long)nodes,
			    (unsigned long long)nodes - 1, (unsigned long long)execs);
	else if (waitpid(-1, &status, WNOHANG) != -1 || errno != ECHILD)
		stress_fail(PROG, "round %u: a child is left after the tree was reaped", round);
	return !stress_failure[0];
}

static void usage(void)
{
	fprintf(stderr, "usage: " PROG " [-d depth] [-f fanout (1..%d)] [-n rounds (>= 2)] "
		"[-e every] [-x chain] [-c clusters]\n", FANOUT_MAX);
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int depth = 3, rounds = 3;
	const char *spec = NULL;
	long long leaf_id = -1;
	unsigned int left = 0;
	struct memcheck quiet, base;
	char what[128];
	int opt;

	while ((opt = getopt(argc, argv, "d:f:n:e:x:c:L:C:w:")) != -1) {
		switch (opt) {
		case 'd': depth = (unsigned int)atoi(optarg); break;
		case 'f': fanout = (unsigned int)atoi(optarg); break;
		case 'n': rounds = (unsigned int)atoi(optarg); break;
		case 'e': every = (unsigned int)atoi(optarg); break;
		case 'x': chain = (unsigned int)atoi(optarg); break;
		case 'c': spec = optarg; hint_only = true; break;
		case 'L': leaf_id = atoll(optarg); break;      /* leaf mode (what exec chains run) */
		case 'C': left = (unsigned int)atoi(optarg); break;
		case 'w': report_fd = atoi(optarg); break;
		default: usage();
		}
	}
	if (leaf_id >= 0)
		return leaf_mode((uint64_t)leaf_id, left);
	if (fanout < 1 || fanout > FANOUT_MAX || rounds < 2 || every < 1 || depth > 12)
		usage();
	if (!stress_machine_init(&m, spec))
		return 2;
	snprintf(what, sizeof(what), "%u rounds of depth %u, fan-out %u over %u clusters", rounds,
		 depth, fanout, m.n);
	printf(PROG ": %s, exec chains of %u every %u leaves\n", what, chain, every);
	fflush(stdout);
	/* The root's stack keeps the pages its deepest call touched; a path taken late (the progress
	 * line, whose timing varies) would grow it after the baseline: touch 64 KiB of it first. */
	prefault_stack();
	memcheck_snapshot(&quiet);
	if (round_of(0, depth)) {
		/* the warm-up round grew what the kernel and glibc keep: the baseline is after it */
		if (!memcheck_settled(&quiet, &base))
			stress_fail(PROG, "no baseline: the clusters do not settle");
		for (unsigned int r = 1; r < rounds && !stress_failure[0]; r++)
			round_of(r, depth);
		if (!stress_failure[0] && !stress_no_leak(PROG, &quiet, &base))
			stress_fail(PROG, "memory not back to its baseline after %u rounds", rounds - 1);
	}
	return stress_summary(PROG, what);
}
