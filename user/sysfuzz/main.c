/*
 * sysfuzz - random system calls from many processes and threads on every cluster at once, until
 * the kernel breaks or the time is up (docs/testing.md, "The fuzzer").
 *
 *     sysfuzz [-s seed] [-t seconds] [-n calls] [-w workers] [-l life] [-e exec%] [-W warm-up]
 *             [-S stuck] [-k] [-x worker-seed]
 *
 * The parent starts @workers worker processes (spread over the clusters) and starts each again,
 * with a new seed derived from @seed, when it ends: after @life calls, by an exec, or killed by
 * another worker. Each worker makes calls with generated arguments (calls.c, gen.c), forks
 * children that do the same, starts threads on other clusters, spawns and execs the program
 * itself (-X: it ends at once), and kills, stops and continues any process of the run.
 *
 * Findings: a worker or child that dies by a signal no fuzzer sends (a fault), or that saw a
 * result its call cannot return (worker.c's judge and the checks of calls.c), or a call that stays
 * blocked for @stuck seconds although a signal is sent to it every second, or a process still
 * listed 30 s after SIGKILL. Each is printed with the rings of the worker's last calls. A kernel
 * panic ends the machine: the seed printed at the start repeats the run's choices.
 *
 * The run has two phases: a warm-up (-W seconds), after which everything is killed, reaped and
 * removed, and the machine's counters, once they hold still, are the baseline; then the run
 * itself, ended the same way: the counters must be back at the baseline (stress.h's leak check).
 * The summary line is "sysfuzz: N calls in T s ok" or "sysfuzz: ... FAILED: reason".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "almos.h"
#include "memcheck.h"
#include "stress.h"
#include "sysfuzz.h"

#define GONE_LIMIT 30000 /* ms a killed process may stay listed */
#define POKE_MS 300      /* a call in flight that long gets SIGURG, and again each time */
/* Hangs are judged on what the parent saw, not on the clock alone: on a loaded host the parent
 * itself may not run for tens of seconds, and a call it saw before such a gap was no hang. A call
 * is stuck only after this many pokes as well; a killed process is gone too late only after this
 * many looks as well (each look is followed by a 20 ms sleep). */
#define STUCK_POKES 20
#define GONE_LOOKS 100

struct sf_shared *sf;

static uint64_t master_seed = 1;
static int64_t run_seconds = 20, warm_seconds = -1, stuck_limit = 60;
static uint64_t calls_budget;
static unsigned workers;
static bool keep_going;
static unsigned findings, started, ended, killed, execed;

/* Per ring of each worker: the watchdog's view of its call in flight. */
static struct {
	uint32_t seq;
	int64_t since, poked;
	unsigned pokes; /* SIGURGs sent to this call */
	bool gone; /* its thread is gone (an exec of its process leaves its last call "running") */
} watch[SF_WORKERS_MAX][SF_RINGS];

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf(SF_PROG ": ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static uint64_t total_calls(void)
{
	uint64_t n = 0;

	for (unsigned w = 0; w < workers; w++)
		n += __atomic_load_n(&sf->w[w].calls, __ATOMIC_RELAXED);
	return n;
}

static void print_ring(unsigned w, unsigned r)
{
	const struct sf_ring *ring = &sf->w[w].rings[r];
	uint32_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);

	if (head == 0)
		return;
	say("worker %u ring %u: pid %x tid %x seed 0x%llx%s%s", w, r, ring->pid, ring->tid,
	    (unsigned long long)ring->seed, ring->problem[0] ? ", problem: " : "", ring->problem);
	for (uint32_t i = head > SF_RING_LEN ? head - SF_RING_LEN : 0; i < head; i++) {
		const struct sf_entry *e = &ring->e[i % SF_RING_LEN];
		if (!e->seq)
			continue;
		if (e->call >= SF_ACTION_BASE)
			say("  #%u %s%s", e->seq, sf_call_name(e->call), e->pending ? " (running)" : "");
		else
			say("  #%u %s(%llx, %llx, %llx, %llx, %llx, %llx) = %s%lld", e->seq,
			    sf_call_name(e->call), (unsigned long long)e->args[0],
			    (unsigned long long)e->args[1], (unsigned long long)e->args[2],
			    (unsigned long long)e->args[3], (unsigned long long)e->args[4],
			    (unsigned long long)e->args[5], e->pending ? "(running) " : "",
			    (long long)e->ret);
	}
}

static void finding(unsigned w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void finding(unsigned w, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	findings++;
	stress_fail(SF_PROG, "worker %u (generation %u, seed 0x%llx): %s", w, sf->w[w].generation,
		    (unsigned long long)sf->w[w].seed, what);
	for (unsigned r = 0; r < SF_RINGS; r++)
		print_ring(w, r);
	say("to repeat this worker alone: sysfuzz -x 0x%llx -l %u -s %llu",
	    (unsigned long long)sf->w[w].seed, sf->life, (unsigned long long)master_seed);
}

/* A thread dump: every process copy of every cluster, every core's threads with the kernel
 * backtrace of each one waiting. Once per run: it is long. */
static void dump_machine(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	say("thread dump:");
	for (unsigned c = 0; c < sf->clusters; c++) {
		display(DISPLAY_PROCESS, c, 0, 0);
		for (unsigned lid = 0; lid < sf->cores; lid++)
			display(DISPLAY_SCHED, c, lid, 1);
	}
}

static void start_worker(unsigned w)
{
	struct sf_slot *s = &sf->w[w];
	uint64_t seed = sf_mix(master_seed, (uint64_t)w << 20 | s->generation);
	pid_t pid;

	s->seed = seed;
	s->generation++;
	s->killed_at = 0;
	memset(s->children, 0, sizeof(s->children));
	memset(watch[w], 0, sizeof(watch[w]));
	place_next((int)((w + s->generation) % sf->clusters), PLACE_ANY_CORE);
	pid = fork();
	if (pid == 0)
		_exit(sf_worker_main((int)w, seed));
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		return;
	}
	__atomic_store_n(&s->pid, pid, __ATOMIC_RELEASE);
	started++;
}

/* The signals a fuzzer sends that end a process by default (SIGVTALRM and SIGPROF: its own CPU
 * itimers): a death by another is a finding. */
static bool expected_death(int sig)
{
	return sig == SIGKILL || sig == SIGTERM || sig == SIGUSR1 || sig == SIGUSR2 ||
	       sig == SIGHUP || sig == SIGINT || sig == SIGALRM || sig == SIGPIPE || sig == SIGQUIT ||
	       sig == SIGIO || sig == SIGVTALRM || sig == SIGPROF || (sig >= 32 && sig <= 64);
}

/* A worker ended with @status: judge it, and start another unless the phase is ending. */
static void worker_ended(unsigned w, int status)
{
	struct sf_slot *s = &sf->w[w];

	__atomic_store_n(&s->pid, 0, __ATOMIC_RELEASE);
	ended++;
	if (WIFEXITED(status) && WEXITSTATUS(status) == SF_EXIT_EXECED) {
		execed++;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == SF_EXIT_PROBLEM) {
		finding(w, "found a result its call cannot return (see the problem in its rings)");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != SF_EXIT_OK) {
		finding(w, "exited with status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		killed++;
		if (!expected_death(WTERMSIG(status)))
			finding(w, "killed by signal %d, which no fuzzer sends", WTERMSIG(status));
	}
	if (!__atomic_load_n(&sf->stop, __ATOMIC_RELAXED) && (!findings || keep_going))
		start_worker(w);
}

static void reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG | __WALL)) > 0) {
		__atomic_store_n(&sf->dead[__atomic_fetch_add(&sf->dead_head, 1, __ATOMIC_RELAXED) %
					   SF_DEAD_MAX], pid, __ATOMIC_RELAXED);
		for (unsigned w = 0; w < workers; w++)
			if (__atomic_load_n(&sf->w[w].pid, __ATOMIC_ACQUIRE) == pid)
				worker_ended(w, status);
		/* else an orphan of a worker's (this program runs as init) */
	}
}

/*
 * The pids of this run's processes still listed, the parent excepted. Whether a pid is the run's
 * is asked once (get_process_info asks every cluster, an RPC each) and remembered while the pid
 * stays listed: on a loaded host, asking again for each of a hundred pids every 20 ms kept the
 * parent busy for tens of seconds. (A pid reused by a program of another name between two calls
 * would be missed: a run's machine runs nothing else.)
 */
static int run_processes(unsigned *pids, int max)
{
	static unsigned all[1024], known[1024];
	static bool known_run[1024];
	static int known_nr;
	unsigned next_known[1024];
	bool next_run[1024];
	int n = get_processes(all, 1024), found = 0, next_nr = 0;

	for (int i = 0; i < n && i < 1024; i++) {
		struct almos_process_info info;
		int k = 0;
		bool run;

		while (k < known_nr && known[k] != all[i])
			k++;
		if (k < known_nr)
			run = known_run[k];
		else if (get_process_info((int)all[i], &info) == 0)
			run = !sf_protected((long)all[i]) && strstr(info.name, SF_PROG);
		else
			continue; /* gone meanwhile: asked again if it is listed again */
		next_known[next_nr] = all[i];
		next_run[next_nr++] = run;
		if (!run)
			continue;
		if (found < max)
			pids[found] = all[i];
		found++;
	}
	memcpy(known, next_known, sizeof(known[0]) * (size_t)next_nr);
	memcpy(known_run, next_run, sizeof(known_run[0]) * (size_t)next_nr);
	known_nr = next_nr;
	return found;
}

/* A process of the run stopped by a fuzzer would stall whoever waits for it: continue them all. */
static void continue_all(void)
{
	unsigned pids[256];
	int n = run_processes(pids, 256);

	for (int i = 0; i < n && i < 256; i++)
		kill((pid_t)pids[i], SIGCONT);
}

/* Each call in flight for more than POKE_MS gets SIGURG (its handler ends an interruptible wait)
 * every POKE_MS; one in flight for @stuck_limit seconds and STUCK_POKES pokes is a finding. */
static void watchdog(int64_t now)
{
	for (unsigned w = 0; w < workers; w++) {
		struct sf_slot *s = &sf->w[w];
		if (!__atomic_load_n(&s->pid, __ATOMIC_ACQUIRE))
			continue;
		if (s->killed_at && now - s->killed_at > GONE_LIMIT) {
			finding(w, "pid %x still not reaped %d s after SIGKILL", s->pid, GONE_LIMIT / 1000);
			dump_machine();
			s->killed_at = now + 1000000000; /* once */
		}
		for (unsigned r = 0; r < SF_RINGS; r++) {
			struct sf_ring *ring = &s->rings[r];
			uint32_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
			const struct sf_entry *e = &ring->e[(head + SF_RING_LEN - 1) % SF_RING_LEN];

			if (!head || !__atomic_load_n(&e->pending, __ATOMIC_ACQUIRE) ||
			    e->seq != watch[w][r].seq) {
				watch[w][r].seq = head ? e->seq : 0;
				watch[w][r].since = now;
				watch[w][r].pokes = 0;
				watch[w][r].gone = false;
				continue;
			}
			if (watch[w][r].gone)
				continue;
			if (now - watch[w][r].since > POKE_MS && now - watch[w][r].poked > POKE_MS) {
				if (syscall(SYS_tgkill, ring->pid, ring->tid, SIGURG) != 0 && errno == ESRCH) {
					watch[w][r].gone = true;
					continue;
				}
				watch[w][r].poked = now;
				watch[w][r].pokes++;
			}
			if (now - watch[w][r].since > stuck_limit * 1000 &&
			    watch[w][r].pokes >= STUCK_POKES && !s->killed_at) {
				finding(w, "ring %u: %s in flight for %lld s", r, sf_call_name(e->call),
					(long long)stuck_limit);
				dump_machine();
				kill(s->pid, SIGKILL);
				s->killed_at = now;
			}
		}
	}
}

/* Remove @path and everything below it. */
static void remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)) != NULL) {
			char sub[512];
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			if (unlink(sub) != 0)
				remove_tree(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/* The end of a phase: workers end (then are killed), every process of the run is killed and
 * reaped, the files removed. False (a finding) if a process stays listed after SIGKILL. */
static bool end_phase(void)
{
	int64_t t0 = sf_now(), said = t0, killed_at = 0;
	unsigned pids[256], looks = 0;
	int left;

	__atomic_store_n(&sf->stop, 1, __ATOMIC_RELEASE);
	for (;;) {
		int64_t now = sf_now();
		unsigned alive = 0;

		reap();
		watchdog(now);
		for (unsigned w = 0; w < workers; w++)
			alive += __atomic_load_n(&sf->w[w].pid, __ATOMIC_ACQUIRE) != 0;
		left = run_processes(pids, 256);
		if (!alive && !left)
			break;
		if (now - said >= 5000) {
			say("ending: %u workers and %d processes of the run left", alive, left);
			said = now;
		}
		continue_all();
		if (now - t0 > 3000 && !killed_at) {
			for (int i = 0; i < left && i < 256; i++)
				kill((pid_t)pids[i], SIGKILL);
			killed_at = now;
		}
		looks += killed_at != 0;
		if (killed_at && now - killed_at > GONE_LIMIT && looks > GONE_LOOKS) {
			for (int i = 0; i < left && i < 256; i++) {
				struct almos_process_info info;
				if (get_process_info((int)pids[i], &info) == 0)
					stress_fail(SF_PROG, "process %x (%s) still listed %d s after "
						    "SIGKILL: state %c, %u threads, copies %llx", pids[i],
						    info.name, GONE_LIMIT / 1000, info.state, info.threads,
						    (unsigned long long)info.copies_mask);
			}
			findings++;
			dump_machine();
			return false;
		}
		if (killed_at)
			for (int i = 0; i < left && i < 256; i++)
				kill((pid_t)pids[i], SIGKILL);
		usleep(20000);
	}
	__atomic_store_n(&sf->stop, 0, __ATOMIC_RELEASE);
	remove_tree(SF_DIR);
	return true;
}

/* Run the workers for @seconds (and at most @budget calls more, 0: no limit). */
static void phase(int64_t seconds, uint64_t budget)
{
	int64_t t0 = sf_now(), last_cont = t0, last_say = t0;
	uint64_t calls0 = total_calls();

	for (unsigned w = 0; w < workers; w++)
		start_worker(w);
	for (;;) {
		int64_t now = sf_now();
		uint64_t calls = total_calls() - calls0;

		reap();
		watchdog(now);
		if (now - last_cont >= 1000) {
			continue_all();
			last_cont = now;
		}
		if (now - last_say >= 5000) {
			say("%lld s: %llu calls; workers started %u, ended %u (killed %u, exec'd %u); "
			    "findings %u", (long long)(now - t0) / 1000, (unsigned long long)calls,
			    started, ended, killed, execed, findings);
			last_say = now;
		}
		if (now - t0 >= seconds * 1000 || (budget && calls >= budget) || (findings && !keep_going))
			break;
		usleep(20000);
	}
}

/* Counters of every cluster once they hold still: two snapshots alike, @quiet's thread counts. */
static bool settled(const struct memcheck *quiet, struct memcheck *now)
{
	struct memcheck before;

	if (!memcheck_snapshot(&before))
		return false;
	for (int64_t t0 = sf_now(); sf_now() - t0 < 120000;) {
		usleep(20000);
		if (!memcheck_snapshot(now))
			return false;
		if (!memcmp(now, &before, sizeof(*now)) &&
		    !memcmp(now->threads, quiet->threads, sizeof(now->threads)))
			return true;
		before = *now;
	}
	return false;
}

static void usage(void)
{
	fprintf(stderr, "usage: sysfuzz [-s seed] [-t seconds] [-n calls] [-w workers] [-l life] "
			"[-e exec%%] [-W warm-up seconds] [-S stuck seconds] [-k] [-x worker-seed]\n");
	exit(2);
}

static void parse(int argc, char **argv, uint64_t *one_seed)
{
	int opt;

	while ((opt = getopt(argc, argv, "s:t:n:w:l:e:W:S:kx:X")) != -1) {
		switch (opt) {
		case 's': master_seed = strtoull(optarg, NULL, 0); break;
		case 't': run_seconds = atoll(optarg); break;
		case 'n': calls_budget = strtoull(optarg, NULL, 0); break;
		case 'w': workers = (unsigned)atoi(optarg); break;
		case 'l': sf->life = (unsigned)atoi(optarg); break;
		case 'e': sf->exec_weight = (unsigned)atoi(optarg); break;
		case 'W': warm_seconds = atoll(optarg); break;
		case 'S': stuck_limit = atoll(optarg); break;
		case 'k': keep_going = true; break;
		case 'x': *one_seed = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (workers == 0 || workers > SF_WORKERS_MAX || sf->life == 0 || optind != argc)
		usage();
}

/* -x: the worker of that seed alone, as the run made it (its children and threads too), under
 * the watchdog as in a run (without its SIGURGs, a wait nobody ends would hang the repeat). */
static int one_worker(uint64_t seed)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(sf_worker_main(0, seed));
	if (pid < 0) {
		stress_fail(SF_PROG, "fork: %s", strerror(errno));
		return stress_summary(SF_PROG, "one worker");
	}
	sf->w[0].pid = pid;
	sf->w[0].seed = seed;
	for (int64_t last_cont = sf_now();;) {
		pid_t got = waitpid(-1, &status, WNOHANG | __WALL);
		int64_t now = sf_now();

		if (got == pid || (got < 0 && errno == ECHILD))
			break;
		if (got > 0)
			continue; /* an orphan of its, when this program is init */
		watchdog(now);
		if (now - last_cont >= 1000) { /* as a run does: a SIGSTOP of its own stalls it */
			continue_all();
			last_cont = now;
		}
		usleep(20000);
	}
	sf->stop = 1; /* no other worker after this one */
	worker_ended(0, status);
	end_phase(); /* its children and orphans */
	return stress_summary(SF_PROG, "one worker");
}

int main(int argc, char **argv)
{
	struct memcheck quiet, base, now;
	uint64_t one_seed = 0;
	int64_t t0;

	/* A worker's execve with a NULL argv gets argv[0] = "" (as Linux since 5.18): taken for a
	 * run, it was a second fuzzer inside the first, "execve in flight" for the watchdog. */
	if (argc == 0 || (argc == 1 && !argv[0][0]) || (argc == 2 && !strcmp(argv[1], "-X")))
		return sf_exec_mode();
	/* Populated: a page of it first touched by a worker and mapped by the parent only later
	 * would count as the parent's at the end and not at the baseline (a false leak of 1 page). */
	sf = mmap(NULL, sizeof(*sf), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE,
		  -1, 0);
	if (sf != MAP_FAILED)
		memset(sf, 0, sizeof(*sf));
	if (sf == MAP_FAILED || get_config(&sf->clusters, &sf->cores) != 0) {
		fprintf(stderr, SF_PROG ": not on Archipel (no get_config): it would kill host processes\n");
		return 2;
	}
	workers = sf->clusters * sf->cores < 4 ? 4 : sf->clusters * sf->cores;
	if (workers > SF_WORKERS_MAX)
		workers = SF_WORKERS_MAX;
	sf->life = 2000;
	sf->exec_weight = 2;
	parse(argc, argv, &one_seed);
	sf->workers = workers;
	sf->protect[0] = getpid();
	sf->protect[1] = getppid();
	sf->protect[2] = 1;
	sf->protect[3] = getpgid(0);
	mkdir(SF_DIR, 0777);
	if (one_seed) {
		sf->workers = 1;
		workers = 1;
		say("one worker, seed 0x%llx, %u calls", (unsigned long long)one_seed, sf->life);
		return one_worker(one_seed);
	}
	if (warm_seconds < 0)
		warm_seconds = run_seconds / 5 < 2 ? 2 : run_seconds / 5 > 10 ? 10 : run_seconds / 5;
	say("seed %llu, %u workers over %u clusters, %lld s (warm-up %lld s), life %u calls, "
	    "exec %u%%", (unsigned long long)master_seed, workers, sf->clusters, (long long)run_seconds,
	    (long long)warm_seconds, sf->life, sf->exec_weight);
	if (!memcheck_snapshot(&quiet))
		return 2;
	t0 = sf_now();
	phase(warm_seconds, 0);
	if (!end_phase() || (findings && !keep_going))
		return stress_summary(SF_PROG, "warm-up");
	if (!settled(&quiet, &base)) {
		stress_fail(SF_PROG, "the clusters never settled after the warm-up");
		return stress_summary(SF_PROG, "warm-up");
	}
	phase(run_seconds - warm_seconds, calls_budget);
	if (end_phase() && !settled(&quiet, &now))
		stress_fail(SF_PROG, "the clusters never settled after the run");
	else if (!findings && !stress_no_leak(SF_PROG, &quiet, &base))
		stress_fail(SF_PROG, "the counters are not back at the baseline");
	say("%llu calls in %lld s by %u workers (%u started, %u killed, %u exec'd), seed %llu",
	    (unsigned long long)total_calls(), (long long)(sf_now() - t0) / 1000, workers, started,
	    killed, execed, (unsigned long long)master_seed);
	{
		char what[128];
		snprintf(what, sizeof(what), "%llu calls in %lld s", (unsigned long long)total_calls(),
			 (long long)(sf_now() - t0) / 1000);
		return stress_summary(SF_PROG, what);
	}
}
