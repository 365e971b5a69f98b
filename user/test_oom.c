/*
 * test_oom.c - the out-of-memory policy (KTAP; docs/memory.md "Out of memory"). Run as the first
 * process (the OOM killer spares it): `-- /bin/test_oom`.
 *
 * Groups, each followed by a check that every cluster's memory is back at the baseline:
 *   beyond    requests beyond the machine's memory fail with Linux's errno and map nothing:
 *             a private writable mmap and a brk growth larger than the machine (the overcommit
 *             heuristic), a MAP_POPULATE of more than a cluster's free memory (MAP_REMOTE);
 *   fallback  (several clusters) a hog fills a cluster (MAP_REMOTE, MAP_POPULATE); anonymous
 *             faults of a process of that cluster take frames of another one, and nobody dies;
 *   killer    one hog per cluster fills the whole machine; then fork fails (ENOMEM or EAGAIN)
 *             and so does a MAP_POPULATE of one page; then two innocent processes fault: a
 *             parent writing pages it shares copy-on-write with its child, and a process
 *             touching fresh anonymous pages. The OOM killer kills a hog (SIGKILL, a console
 *             line the harness looks for), the innocents complete, their data intact;
 *   self      a process alone fills its cluster and faults in it (MAP_REMOTE: no fallback): it
 *             is the one holding the most memory, so it is the one killed.
 * The hogs fill with MAP_REMOTE mappings, so that each cluster is exactly full: their own page
 * tables are in their cluster too, which then has nothing left at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
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

#define PAGE        4096UL
#define HOG_CHUNK   4096UL      /* pages of the hogs' first mappings (16 MiB) */
#define INNOCENT    128UL       /* pages an innocent process writes */
#define PROGRESS    (64UL << 20 >> 12) /* a line per 64 MiB a hog takes */
#define CLUSTERS_MAX 64

static unsigned int clusters;
static struct memcheck quiet, base;

/* ---- processes ---------------------------------------------------------------------------- */

/*
 * Every process of the test is this program run anew (fork, then exec of a role): a plain fork
 * would share the parent's pages copy-on-write, and the parent's next write to its stack would
 * need a frame while the machine is full, making it a fault of the test itself.
 */
static const char *self_path;

/*
 * Start the role @role in cluster @cxy, with a pipe to talk to it: the role gets the write end of
 * *@from (it reports there) and the read end of *@to (it waits there for its orders); the test
 * keeps the other ends only, so that a role that dies is an end of file, not a wait forever.
 */
static pid_t spawn_role(unsigned int cxy, const char *role, int *from, int *to)
{
	int up[2], down[2];
	char sa[16], sb[16];
	char *argv[] = { (char *)self_path, (char *)role, sa, sb, NULL };

	if (pipe(up) || pipe(down))
		exit(1);
	snprintf(sa, sizeof(sa), "%d", up[1]);
	snprintf(sb, sizeof(sb), "%d", down[0]);
	place_next((int)cxy, PLACE_ANY_CORE);
	pid_t pid = fork();
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		execv(self_path, argv);
		_exit(127);
	}
	close(up[1]);
	close(down[0]);
	*from = up[0];
	*to = down[1];
	return pid;
}

/* A role that needs no pipe: both ends closed at once. */
static pid_t spawn_quiet(unsigned int cxy, const char *role)
{
	int from, to;
	pid_t pid = spawn_role(cxy, role, &from, &to);

	close(from);
	close(to);
	return pid;
}

/* Give the process now the pages of stack it will write (a fresh one needs a frame). */
static void prefault_stack(void)
{
	volatile char stack[64 * 1024];

	for (size_t i = 0; i < sizeof(stack); i += PAGE)
		stack[i] = 0;
}

static bool send_byte(int fd)
{
	return write(fd, "g", 1) == 1;
}

static bool recv_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

/* The status of the child @pid once it ended. */
static int reap(pid_t pid)
{
	int status = -1;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static bool exited_ok(int status)
{
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool killed_by(int status, int sig)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* Free pages of cluster @cxy now. */
static uint64_t free_pages(unsigned int cxy)
{
	struct almos_cluster_info info;

	return get_cluster_info(cxy, &info) == 0 ? info.free_pages : 0;
}

static uint64_t machine_pages(void)
{
	uint64_t total = 0;

	for (unsigned int c = 0; c < clusters; c++) {
		struct almos_cluster_info info;
		if (get_cluster_info(c, &info) == 0)
			total += info.total_pages;
	}
	return total;
}

/* The memory of every cluster back at the baseline (after @what). */
static void check_baseline(const char *what)
{
	struct memcheck now;

	ktap_ok(memcheck_settled(&quiet, &now) && memcheck_same(&now, &base),
		"%s: every cluster's memory back at the baseline", what);
}

/* ---- hogs --------------------------------------------------------------------------------- */

/* Map populated memory of cluster @cxy until it has none left; returns the pages taken. */
static uint64_t fill_cluster(unsigned int cxy)
{
	uint64_t pages = 0;

	for (uint64_t chunk = HOG_CHUNK; chunk;) {
		void *p = mmap(NULL, chunk * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
			       MAP_POPULATE | MAP_REMOTE, (int)cxy, 0);
		if (p != MAP_FAILED) {
			pages += chunk;
			if (pages % PROGRESS == 0) /* a loaded host fills slowly: the harness waits */
				ktap_diag("cluster %u: %lu MiB taken", cxy, pages * PAGE >> 20);
		} else if (errno == ENOMEM) {
			chunk /= 2;
		} else {
			return 0;
		}
	}
	return pages;
}

/*
 * A hog: on its order (fd @go), fill its cluster, report the pages on fd @fd, then wait to be
 * killed. The test starts every hog before any fills: a fork, a pipe need memory too.
 */
static int hog(int fd, int go)
{
	unsigned int cxy, lid;
	uint64_t pages;

	prefault_stack(); /* a page of stack wanted in the full machine: an OOM of the hog */
	get_core_id(&cxy, &lid);
	if (!recv_byte(go))
		return 2;
	pages = fill_cluster(cxy);
	if (write(fd, &pages, sizeof(pages)) != sizeof(pages))
		return 2;
	for (;;)
		pause();
}

/* ---- innocents ---------------------------------------------------------------------------- */

static bool filled(const char *p, char tag)
{
	for (unsigned long i = 0; i < INNOCENT; i++)
		if (p[i * PAGE] != (char)(i + tag))
			return false;
	return true;
}

static void fill(char *p, char tag)
{
	for (unsigned long i = 0; i < INNOCENT; i++)
		p[i * PAGE] = (char)(i + tag);
}

/* A parent sharing its pages copy-on-write with a child: its writes need new frames. */
static int innocent_cow(int ready_fd, int go_fd)
{
	int child_pipe[2];
	char *p = mmap(NULL, INNOCENT * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED || pipe(child_pipe))
		return 3;
	prefault_stack();
	fill(p, 1);
	pid_t child = fork();
	if (child == 0)
		_exit(recv_byte(child_pipe[0]) && filled(p, 1) ? 0 : 4); /* the old pages */
	if (child < 0 || !send_byte(ready_fd) || !recv_byte(go_fd))
		return 5;
	fill(p, 2);
	bool mine = filled(p, 2);
	send_byte(child_pipe[1]);
	return mine && exited_ok(reap(child)) && send_byte(ready_fd) && recv_byte(go_fd) ? 0 : 6;
}

/* A process touching fresh anonymous pages (their page tables made beforehand). */
static int innocent_anon(int ready_fd, int go_fd)
{
	char *p = mmap(NULL, INNOCENT * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return 3;
	prefault_stack();
	p[0] = 0; /* the tables of the range: a fault of the test must not need one */
	p[(INNOCENT - 1) * PAGE] = (char)(INNOCENT - 1 + 3);
	if (!send_byte(ready_fd) || !recv_byte(go_fd))
		return 5;
	fill(p, 3);
	/* done: the test looks at the memory before this process's goes */
	return filled(p, 3) && send_byte(ready_fd) && recv_byte(go_fd) ? 0 : 6;
}

/* Fill the cluster, then fault in it with no fallback: the process is the biggest, so it dies. */
static int self_victim(void)
{
	unsigned int cxy, lid;
	char *p;

	prefault_stack();
	get_core_id(&cxy, &lid);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_REMOTE,
		 (int)cxy, 0);
	if (p == MAP_FAILED || fill_cluster(cxy) == 0)
		return 3;
	*(volatile char *)p = 1; /* the OOM killer's victim: this process */
	return 4;
}

/* Requests beyond the machine's memory, in a process of their own (its page tables go with it). */
static int beyond(void)
{
	uint64_t total = machine_pages();
	unsigned int last = clusters - 1;
	uintptr_t brk0 = (uintptr_t)syscall(SYS_brk, 0);
	int failed = 0;
	void *p;

	errno = 0;
	p = mmap(NULL, (total + 1) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	failed |= (p == MAP_FAILED && errno == ENOMEM) ? 0 : 1;
	p = mmap(NULL, (total + 1) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_NORESERVE, -1, 0);
	failed |= (p != MAP_FAILED && munmap(p, (total + 1) * PAGE) == 0) ? 0 : 2;
	failed |= (uintptr_t)syscall(SYS_brk, brk0 + (total + 1) * PAGE) == brk0 ? 0 : 4;
	uint64_t want = free_pages(last) + 256;
	errno = 0;
	p = mmap(NULL, want * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_POPULATE | MAP_REMOTE, (int)last, 0);
	failed |= (p == MAP_FAILED && errno == ENOMEM) ? 0 : 8;
	return failed;
}

/* ---- groups ------------------------------------------------------------------------------- */

static void group_beyond(void)
{
	int status = reap(spawn_quiet(0, "beyond"));

	ktap_ok(exited_ok(status), "beyond: a private writable mmap larger than the machine: ENOMEM "
		"(Linux's overcommit heuristic), granted with MAP_NORESERVE; brk growing by as much: "
		"the break stays; MAP_POPULATE of more than a cluster has free (MAP_REMOTE): ENOMEM "
		"and the mapping gone (status %#x: a bit per failed check)", status);
	check_baseline("beyond");
}

/* The free pages of every cluster but @x. */
static uint64_t free_elsewhere(unsigned int x)
{
	uint64_t n = 0;

	for (unsigned int c = 0; c < clusters; c++)
		n += c == x ? 0 : free_pages(c);
	return n;
}

/* Start the hogs of the @n clusters @cxy[] (pids in @pid), then have them all fill their
 * clusters; returns how many did, and their pages in *@pages. */
static unsigned int start_hogs(unsigned int n, const unsigned int *cxy, pid_t *pid,
			       uint64_t *pages)
{
	int from[CLUSTERS_MAX], to[CLUSTERS_MAX];
	unsigned int filled = 0;

	for (unsigned int i = 0; i < n; i++)
		pid[i] = spawn_role(cxy[i], "hog", &from[i], &to[i]);
	for (unsigned int i = 0; i < n; i++)
		send_byte(to[i]);
	*pages = 0;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t got = 0;
		if (read(from[i], &got, sizeof(got)) == sizeof(got) && got > 0)
			filled++;
		*pages += got;
		close(from[i]);
		close(to[i]);
	}
	return filled;
}

static void group_fallback(void)
{
	unsigned int x = clusters - 1;
	int from, to;
	uint64_t pages;

	if (clusters < 2) {
		ktap_skip("fallback: faults of a full cluster take another cluster's frames",
			  "one cluster");
		ktap_skip("fallback: every cluster's memory back at the baseline", "one cluster");
		return;
	}
	pid_t innocent = spawn_role(x, "anon", &from, &to), h;
	bool setup = recv_byte(from) && start_hogs(1, &x, &h, &pages) == 1;
	uint64_t before = free_elsewhere(x), full = free_pages(x);
	bool done = send_byte(to) && recv_byte(from);
	int64_t taken = (int64_t)(before - free_elsewhere(x));
	send_byte(to);
	int status = reap(innocent);
	bool hog_alive = waitpid(h, NULL, WNOHANG) == 0;
	kill(h, SIGTERM);
	bool hog_term = killed_by(reap(h), SIGTERM);
	ktap_diag("fallback: the hog filled cluster %u with %lu pages (%lu free left); the "
		  "innocent (status %#x) took %ld pages of the other clusters", x,
		  (unsigned long)pages, (unsigned long)full, status, (long)taken);
	ktap_ok(setup && done && exited_ok(status) && full == 0 &&
		taken >= (int64_t)INNOCENT - 2 && hog_alive && hog_term, "fallback: faults of a "
		"full cluster take another cluster's frames, and nobody is killed");
	close(from);
	close(to);
	check_baseline("fallback");
}

/* fork and MAP_POPULATE fail in the full machine. */
static void full_machine_calls(void)
{
	errno = 0;
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	int err = errno;
	ktap_ok(child < 0 && (err == ENOMEM || err == EAGAIN), "killer: fork in a full machine: %s",
		child < 0 ? strerror(err) : "it succeeded");
	if (child > 0)
		reap(child);
	errno = 0;
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_POPULATE, -1, 0);
	err = errno;
	ktap_ok(p == MAP_FAILED && err == ENOMEM, "killer: MAP_POPULATE of one page: %s",
		p == MAP_FAILED ? strerror(err) : "it succeeded");
	if (p != MAP_FAILED)
		munmap(p, PAGE);
}

/* The innocents: start, then (once the machine is full) work; true if they did. */
static bool innocents_work(const pid_t *pid, const int *from, const int *to, int *status)
{
	bool ok = true;

	for (int i = 0; i < 2; i++)
		ok &= send_byte(to[i]);
	for (int i = 0; i < 2; i++)
		ok &= recv_byte(from[i]); /* done */
	for (int i = 0; i < 2; i++) {
		send_byte(to[i]);
		status[i] = reap(pid[i]);
		close(from[i]);
		close(to[i]);
	}
	return ok;
}

static void group_killer(void)
{
	static const char *const roles[2] = { "cow", "anon" };
	pid_t hogs[CLUSTERS_MAX], innocent[2];
	unsigned int every[CLUSTERS_MAX], n;
	int from[2], to[2], status[2], oom_killed = 0, others = 0;
	uint64_t pages;
	bool setup = true;

	for (int i = 0; i < 2; i++) {
		innocent[i] = spawn_role(i ? clusters - 1 : 0, roles[i], &from[i], &to[i]);
		setup &= recv_byte(from[i]);
	}
	for (unsigned int c = 0; c < clusters; c++)
		every[c] = c;
	n = start_hogs(clusters, every, hogs, &pages);
	ktap_ok(setup && n == clusters, "killer: %u hogs filled the machine (%lu pages)", n,
		(unsigned long)pages);
	full_machine_calls();
	bool worked = innocents_work(innocent, from, to, status);
	ktap_ok(worked && exited_ok(status[0]), "killer: a parent writing its copy-on-write pages "
		"completes, its child still sees the old ones (status %#x)", status[0]);
	ktap_ok(worked && exited_ok(status[1]), "killer: a process touching fresh anonymous pages "
		"completes (status %#x)", status[1]);
	for (unsigned int c = 0; c < clusters; c++)
		kill(hogs[c], SIGTERM); /* those the killer spared: a SIGKILL came first otherwise */
	for (unsigned int c = 0; c < clusters; c++) {
		int st = reap(hogs[c]);
		oom_killed += killed_by(st, SIGKILL);
		others += !killed_by(st, SIGKILL) && !killed_by(st, SIGTERM);
	}
	ktap_ok(oom_killed >= 1 && others == 0, "killer: the OOM killer killed %d hog(s) with SIGKILL "
		"(the console says which), the others were still there", oom_killed);
	check_baseline("killer");
}

static void group_self(void)
{
	int status = reap(spawn_quiet(clusters - 1, "self"));

	ktap_ok(killed_by(status, SIGKILL), "self: a process faulting in the cluster it filled is "
		"the one killed, with SIGKILL (status %#x)", status);
	check_baseline("self");
}

/* The roles of the processes the test starts (spawn_role). */
static int role(const char *name, int a, int b)
{
	if (!strcmp(name, "hog"))
		return hog(a, b);
	if (!strcmp(name, "cow"))
		return innocent_cow(a, b);
	if (!strcmp(name, "anon"))
		return innocent_anon(a, b);
	if (!strcmp(name, "self"))
		return self_victim();
	if (!strcmp(name, "beyond"))
		return beyond();
	return !strcmp(name, "nothing") ? 0 : 126;
}

int main(int argc, char **argv)
{
	unsigned int cores;

	self_path = argv[0];
	if (get_config(&clusters, &cores) != 0 || clusters > CLUSTERS_MAX)
		return 1;
	if (argc == 4)
		return role(argv[1], atoi(argv[2]), atoi(argv[3]));
	ktap_plan(13);
	ktap_groups_map_own_image();
	prefault_stack();
	memcheck_snapshot(&quiet);
	/* the warm-up: a process made and reaped in each cluster, then the baseline */
	for (unsigned int c = 0; c < clusters; c++)
		reap(spawn_quiet(c, "nothing"));
	if (!memcheck_settled(&quiet, &base))
		ktap_diag("no baseline: the clusters do not settle");
	group_beyond();
	group_fallback();
	group_killer();
	group_self();
	return ktap_exit();
}
