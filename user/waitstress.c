/*
 * waitstress.c - many short children started in the background from several clusters and reaped
 * as a shell reaps them, with signals in flight (docs/stress.md): a lost wake-up hangs a round.
 *
 *     waitstress [-n rounds] [-k children] [-m mode] [-c clusters]
 *
 * Each round the main thread starts @children children (placed on the clusters of the list in
 * turn, each ending after a short random time, some after forking a grandchild of their own),
 * then reaps them all:
 *   mode 0 (BusyBox ash's `wait`): SIGCHLD's handler sets a flag; with every signal blocked, the
 *          shell loops on waitpid(WNOHANG) and sleeps in sigsuspend(old mask) until the flag is
 *          set; the handler runs in sigsuspend;
 *   mode 1: blocking waitpid(-1) with a SIGCHLD handler installed, EINTR retried;
 *   mode 2: blocking waitpid for each child's own pid, in the order started.
 * (-m 3: the three modes in turn, the default.) Meanwhile a helper thread, which blocks every
 * signal itself, sends the process SIGUSR1 and SIGWINCH (handlers that do nothing, one with
 * SA_RESTART, one without) at random moments, and watches: a round that makes no progress for
 * 20 s while a child is a zombie is a lost wake-up. The helper then prints the state of the
 * processes and a thread dump, and sends SIGUSR2 to unblock the round (which fails the run).
 * Each child's exit status is checked. The leak check of stress.h ends the run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "almos.h"
#include "memcheck.h"
#include "stress.h"

#define PROG "waitstress"
#define KIDS_MAX 64
#define STUCK_MS 20000

static struct stress_machine m;
static unsigned rounds = 100, kids = 4;
static int mode = 3;
static volatile sig_atomic_t got_sigchld, rescued;
static atomic_ulong progress;   /* children reaped so far: the helper watches it move */
static atomic_int round_done;    /* 1: the helper ends */
static pid_t pids[KIDS_MAX];

static void on_sigchld(int sig)
{
	(void)sig;
	got_sigchld = 1;
}

static void on_other(int sig)
{
	if (sig == SIGUSR2)
		rescued = 1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A child: a short random life (sometimes a grandchild of its own), then its exit code. */
static _Noreturn void child(unsigned i, uint64_t seed)
{
	uint64_t r = stress_rand(&seed);
	struct timespec ts = { 0, (long)(r % 4000) * 1000 };

	if (r % 5 == 0 && fork() == 0)
		_exit(0); /* an orphan for init */
	if (r % 3)
		nanosleep(&ts, NULL);
	_exit((int)(1 + i % 100));
}

static void start_children(unsigned round)
{
	for (unsigned i = 0; i < kids; i++) {
		place_next((int)m.list[(round + i) % m.n], PLACE_ANY_CORE);
		pids[i] = fork();
		if (pids[i] == 0)
			child(i, (uint64_t)round << 16 | i);
		if (pids[i] < 0)
			stress_fail(PROG, "round %u: fork: %s", round, strerror(errno));
	}
}

/* One reaped process: a child of the round, whose status must be its code (true), or an orphan
 * grandchild adopted when this program is init (false). */
static bool reaped(unsigned round, pid_t pid, int status)
{
	for (unsigned i = 0; i < kids; i++) {
		if (pids[i] != pid)
			continue;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != (int)(1 + i % 100))
			stress_fail(PROG, "round %u: child %x ended with status %x", round, pid, status);
		pids[i] = 0;
		atomic_fetch_add(&progress, 1);
		return true;
	}
	return false;
}

/* ash's wait: SIGCHLD blocked but in sigsuspend, which its handler ends. */
static void reap_like_ash(unsigned round)
{
	sigset_t all, old;
	unsigned left = kids;
	int status;
	pid_t pid;

	sigfillset(&all);
	while (left && !rescued) {
		sigprocmask(SIG_SETMASK, &all, &old);
		got_sigchld = 0;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			left -= reaped(round, pid, status);
		if (left && !got_sigchld && !rescued)
			sigsuspend(&old);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
}

static void reap_blocking(unsigned round, bool each)
{
	unsigned got = 0;
	int status;

	while (got < kids && !rescued) {
		pid_t pid = waitpid(each ? pids[got] : -1, &status, 0);
		if (pid > 0)
			got += reaped(round, pid, status);
		else if (errno != EINTR)
			stress_fail(PROG, "round %u: waitpid: %s", round, strerror(errno));
	}
}

/* The helper: signals in flight, and the watch for a round that hangs. */
static void *helper(void *arg)
{
	uint64_t seed = 12345;
	unsigned long seen = atomic_load(&progress);
	int64_t since = now_ms();
	pid_t self = getpid();
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	while (!atomic_load(&round_done)) {
		uint64_t r = stress_rand(&seed);
		struct timespec ts = { 0, (long)(r % 3000) * 1000 };

		nanosleep(&ts, NULL);
		if (r % 4 == 0)
			kill(self, r % 8 == 0 ? SIGUSR1 : SIGWINCH);
		if (atomic_load(&progress) != seen) {
			seen = atomic_load(&progress);
			since = now_ms();
		} else if (now_ms() - since > STUCK_MS) {
			stress_fail(PROG, "no child reaped for %d s: a lost wake-up?", STUCK_MS / 1000);
			for (unsigned i = 0; i < kids; i++) {
				struct almos_process_info info;
				if (pids[i] && get_process_info(pids[i], &info) == 0)
					printf(PROG ": child %x: state %c, %u threads\n", pids[i],
					       info.state, info.threads);
			}
			for (unsigned c = 0; c < m.clusters; c++)
				for (unsigned lid = 0; lid < m.cores; lid++)
					display(DISPLAY_SCHED, c, lid, 1);
			kill(self, SIGUSR2);
			since = now_ms();
		}
	}
	return NULL;
}

static void install(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct memcheck quiet, base;
	const char *list = NULL;
	pthread_t t;
	int opt;

	while ((opt = getopt(argc, argv, "n:k:m:c:")) != -1) {
		switch (opt) {
		case 'n': rounds = (unsigned)atoi(optarg); break;
		case 'k': kids = (unsigned)atoi(optarg); break;
		case 'm': mode = atoi(optarg); break;
		case 'c': list = optarg; break;
		default:
			fprintf(stderr, "usage: waitstress [-n rounds] [-k children] [-m mode] "
					"[-c clusters]\n");
			return 2;
		}
	}
	if (kids == 0 || kids > KIDS_MAX || mode < 0 || mode > 3 || !stress_machine_init(&m, list))
		return 2;
	install(SIGCHLD, on_sigchld, 0);
	install(SIGUSR1, on_other, SA_RESTART);
	install(SIGWINCH, on_other, 0);
	install(SIGUSR2, on_other, 0);
	memcheck_snapshot(&quiet);
	for (unsigned pass = 0; pass < 2 && !stress_failure[0]; pass++) {
		atomic_store(&round_done, 0);
		pthread_create(&t, NULL, helper, NULL);
		for (unsigned round = 0; round < rounds && !rescued; round++) {
			int how = mode == 3 ? (int)(round % 3) : mode;
			start_children(round);
			if (how == 0)
				reap_like_ash(round);
			else
				reap_blocking(round, how == 2);
			while (waitpid(-1, NULL, WNOHANG) > 0) /* orphans, when this is init */
				;
		}
		atomic_store(&round_done, 1);
		pthread_join(t, NULL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (pass == 0) { /* the first pass warms up: the baseline after it */
			if (!memcheck_settled(&quiet, &base))
				stress_fail(PROG, "the clusters never settled after the first pass");
			printf(PROG ": pass 1: %u rounds of %u children reaped\n", rounds, kids);
		}
	}
	if (!stress_failure[0] && !stress_no_leak(PROG, &quiet, &base))
		stress_fail(PROG, "memory not back at the baseline");
	{
		char what[96];
		snprintf(what, sizeof(what), "%u rounds of %u children, twice, reaped", rounds, kids);
		return stress_summary(PROG, what);
	}
}
