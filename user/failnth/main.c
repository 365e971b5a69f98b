/*
 * test_failnth - the fail-nth sweep (KTAP; docs/testing.md "Fault injection", sweep.h).
 *
 *     test_failnth [OPERATION...]     (all by default; names as printed)
 *     test_failnth --report           (internal: what the exec operation runs)
 *
 * Each operation is swept in a child process of its own, so that a crash of one (a fault that
 * kills, a call that hangs the caller) shows as its result and the next still run; the child
 * takes its memory baseline after a warm-up of the operation and prints diagnostics, its exit
 * status says how the sweep went. Two results per operation: the sweep itself (each failure with
 * an allowed errno and only when injected, then the call succeeding), and no leak at any step.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "almos.h"
#include "ktap.h"
#include "ktap_groups.h"
#include "memcheck.h"
#include "sweep.h"

#define STEPS_MAX    1500 /* more allocations than any swept call makes        */
#define EXIT_SWEEP   1    /* child status bits: the sweep went wrong           */
#define EXIT_LEAK    2    /*                    some step left memory behind    */
#define EXIT_SETUP   4    /*                    the preparation failed          */
#define STACK_PREFAULT (96 * 1024)

unsigned int sweep_clusters;
const char *sweep_self_path;

void sweep_arm(unsigned long n)
{
	fail_nth_set(n);
}

bool sweep_fired(unsigned long n)
{
	return n > 0 && fail_nth_get() == 0;
}

unsigned int sweep_other_cluster(void)
{
	unsigned int cxy, lid;

	get_core_id(&cxy, &lid);
	return (cxy + 1) % sweep_clusters;
}

int sweep_exec_report(void)
{
	return fail_nth_get() == 0 ? SWEEP_EXEC_FIRED : SWEEP_EXEC_UNFIRED;
}

static bool errno_allowed(const struct sweep_op *op, int err)
{
	for (int i = 0; i < SWEEP_ERRNOS_MAX && op->errnos[i]; i++)
		if (op->errnos[i] == err)
			return true;
	return false;
}

/* @now equals @base (memcheck_same, without its diagnostics unless they differ). */
static bool same_quietly(const struct memcheck *now, const struct memcheck *base)
{
	for (unsigned int c = 0; c < now->clusters; c++)
		if (now->pages[c] != base->pages[c] || now->slab_bytes[c] != base->slab_bytes[c] ||
		    now->pt_pages[c] != base->pt_pages[c] || now->vsegs[c] != base->vsegs[c] ||
		    now->copies[c] != base->copies[c])
			return memcheck_same(now, base);
	return now->clusters == base->clusters;
}

/*
 * Give the sweep's process now every page it will run or write: its code (each cluster maps its
 * own replica), its stack (deep enough for the sweep and the memory checks), its data and its
 * heap, which it shares copy-on-write with its parent since the fork. A page first used during a
 * step would otherwise be a page less at the check.
 */
static void prefault(void)
{
	static struct almos_region r[64];
	volatile char stack[STACK_PREFAULT];
	int n = get_regions(ALMOS_PID_SELF, r, 64);
	uint64_t data_end = 0;

	ktap_groups_map_own_image(); /* the code is a replica per cluster: ours, here */
	for (size_t i = 0; i < sizeof(stack); i += 4096)
		stack[i] = 0;
	for (int i = 0; i < n && i < 64; i++) {
		bool heap = r[i].type == ALMOS_REGION_ANON && r[i].start == data_end;
		if (r[i].type != ALMOS_REGION_DATA && !heap)
			continue;
		data_end = r[i].end;
		if (!(r[i].prot & PROT_WRITE)) /* its read-only part (RELRO) */
			continue;
		for (uint64_t a = r[i].start; a < r[i].end; a += 4096)
			*(volatile char *)a = *(volatile char *)a;
	}
}

/* The process's regions, after a leak: tells a page of ours from the kernel's. */
static void own_regions_diag(void)
{
	static struct almos_region r[64];
	int n = get_regions(ALMOS_PID_SELF, r, 64);

	for (int i = 0; i < n && i < 64; i++)
		ktap_diag("  region %#lx-%#lx type %u prot %u: %lu pages mapped",
			  (unsigned long)r[i].start, (unsigned long)r[i].end, r[i].type, r[i].prot,
			  (unsigned long)r[i].mapped_pages);
}

/* One unarmed round of @op (n = 0); false if it did not succeed. */
static bool warm_up(const struct sweep_op *op)
{
	bool fired;
	int r;

	if (op->setup && !op->setup())
		return false;
	r = op->call(0, &fired);
	if (!op->undo(r) || r != 0) {
		ktap_diag("%s: the unarmed call answers %d (%s)", op->name, r, r > 0 ? strerror(r) : "");
		return false;
	}
	return true;
}

/* What the sweep of one operation saw. */
struct tally {
	unsigned long steps;     /* n of the last step: the call succeeded without injection */
	int failed;              /* steps whose call failed (injected)                      */
	int absorbed;            /* steps whose injected failure the call absorbed          */
	int bad;                 /* wrong answers: a failure not injected, a wrong errno... */
	int leaks;               /* steps after which memory was not back at the baseline   */
};

/* One step of the sweep with @n; true when the sweep is over (success without injection). */
static bool step(const struct sweep_op *op, unsigned long n, const struct memcheck *quiet,
		 const struct memcheck *base, struct tally *t)
{
	struct memcheck now;
	bool fired = false, done;
	int r;

	if (op->setup && !op->setup()) {
		ktap_diag("%s: n=%lu: the preparation failed", op->name, n);
		t->bad++;
		return true;
	}
	r = op->call(n, &fired);
	done = r == 0 && !fired;
	if (!op->undo(r)) {
		ktap_diag("%s: n=%lu: the undo failed", op->name, n);
		t->bad++;
		done = true;
	}
	if (r == 0 && fired)
		t->absorbed++;
	if (r != 0)
		t->failed++;
	if (r == SWEEP_WRONG || (r > 0 && (!fired || !errno_allowed(op, r)))) {
		ktap_diag("%s: n=%lu: %s (%d)%s", op->name, n, r > 0 ? strerror(r) : "wrong effect", r,
			  fired ? "" : ", not injected");
		t->bad++;
	}
	if (!memcheck_settled(quiet, &now) || !same_quietly(&now, base)) {
		ktap_diag("%s: n=%lu: memory not back at the baseline (answer %d, %s; the process "
			  "maps %lu pages, %lu at the baseline)", op->name, n, r,
			  fired ? "injected" : "not injected", (unsigned long)now.self_pages,
			  (unsigned long)base->self_pages);
		t->leaks++;
		own_regions_diag();
	}
	t->steps = n;
	return done || t->leaks > 3 || t->bad > 10;
}

/* The sweep of @op (in its own child process); returns the child's exit status. */
static int sweep_child(const struct sweep_op *op)
{
	struct memcheck quiet, base;
	struct tally t = { 0 };

	memcheck_snapshot(&quiet);
	prefault();
	if (!warm_up(op) || !warm_up(op))
		return EXIT_SETUP;
	if (!memcheck_settled(&quiet, &base) || !warm_up(op) || !memcheck_settled(&quiet, &base))
		return EXIT_SETUP;
	for (unsigned long n = 1; n <= STEPS_MAX; n++) {
		if (step(op, n, &quiet, &base, &t))
			break;
		if (n % 50 == 0)
			ktap_diag("%s: %lu steps", op->name, n);
	}
	ktap_diag("%s: %lu steps: %d failed as injected, %d absorbed an injected failure, %d wrong, "
		  "%d left memory behind", op->name, t.steps, t.failed, t.absorbed, t.bad, t.leaks);
	return (t.bad || t.steps >= STEPS_MAX ? EXIT_SWEEP : 0) | (t.leaks ? EXIT_LEAK : 0);
}

static void sweep(const struct sweep_op *op)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(sweep_child(op));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		ktap_ok(false, "%s: the sweep's process ended with status %#x", op->name, status);
		ktap_ok(false, "%s: no leak (not known)", op->name);
		return;
	}
	status = WEXITSTATUS(status);
	ktap_ok(!(status & (EXIT_SWEEP | EXIT_SETUP)), "%s: every injected failure answered as "
		"Linux would, then the call succeeded (status %d)", op->name, status);
	ktap_ok(status == 0 || status == EXIT_SWEEP, "%s: memory back at the baseline after every "
		"step", op->name);
}

/* fail_nth's own answers: its bad arguments, and what it reads around an armed call. */
static void check_the_call(void)
{
	long r1, r2, r3, r4, armed, after;

	errno = 0;
	r1 = syscall(SYS_ALMOS_FAIL_NTH, 7, 1);
	r2 = syscall(SYS_ALMOS_FAIL_NTH, FAIL_NTH_SET, (unsigned long)INT32_MAX + 1);
	r3 = syscall(SYS_ALMOS_FAIL_NTH, FAIL_NTH_SET, -1L);
	r4 = syscall(SYS_ALMOS_FAIL_NTH, FAIL_NTH_GET, 1);
	ktap_ok(r1 == -1 && r2 == -1 && r3 == -1 && r4 == -1 && errno == EINVAL,
		"fail_nth: an unknown operation, n above INT32_MAX or negative, an argument to "
		"FAIL_NTH_GET: EINVAL (%ld %ld %ld %ld)", r1, r2, r3, r4);
	fail_nth_set(1000000);
	armed = fail_nth_get(); /* not the armed call: fail_nth's own readings are not counted */
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0); /* 1 vseg */
	after = fail_nth_get();
	munmap(p, 4096);
	fail_nth_set(5);
	fail_nth_set(0);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ktap_ok(armed == 1000000 && after == 999999 && fail_nth_get() == 999999,
		"fail_nth: reads n while armed, then what is left after the call (n less its one "
		"allocation), and a disarmed setting arms nothing (%ld %ld)", armed, after);
	munmap(p, 4096);
}

int main(int argc, char **argv)
{
	static const struct sweep_op *const tables[] = { sweep_memory_ops, sweep_process_ops };
	unsigned int cores;
	int plan = 0;

	if (argc == 2 && !strcmp(argv[1], "--report"))
		return sweep_exec_report();
	sweep_self_path = argv[0];
	if (get_config(&sweep_clusters, &cores) != 0)
		return 1;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct sweep_op *op = tables[t]; op->name; op++)
			plan += ktap_groups_chosen(op->name, argc, argv) ? 2 : 0;
	ktap_plan(plan + 2);
	ktap_groups_map_own_image(); /* a code page first run late is no leak */
	check_the_call();
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (const struct sweep_op *op = tables[t]; op->name; op++)
			if (ktap_groups_chosen(op->name, argc, argv))
				sweep(op);
	return ktap_exit();
}
