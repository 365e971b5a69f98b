/*
 * test_stats.c - the statistics calls (almos.h: get_cluster_info's memory figures,
 * get_processes, get_process_info, get_regions) against what the program itself does: its own
 * mappings, a forked child sharing pages copy-on-write, a stopped child, a zombie; the bad
 * arguments of each call; and the per-cluster counters back at their baseline afterwards.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "almos.h"
#include "ktap.h"
#include "memcheck.h"

#define PAGE 4096UL

static unsigned int clusters, cores;

/* The region of @pid containing @addr into @out; false if none (or the call failed). */
static bool region_at(int pid, const void *addr, struct almos_region *out)
{
	struct almos_region r[128];
	int n = get_regions(pid, r, 128);

	for (int i = 0; i < n && i < 128; i++)
		if (r[i].start <= (uintptr_t)addr && (uintptr_t)addr < r[i].end) {
			*out = r[i];
			return true;
		}
	return false;
}

static bool listed(unsigned int pid)
{
	static unsigned int pids[4096];
	int n = get_processes(pids, 4096);

	for (int i = 0; i < n && i < 4096; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

static void test_cluster_info(void)
{
	bool sane = true;

	for (unsigned int c = 0; c < clusters; c++) {
		struct almos_cluster_info i;
		if (get_cluster_info(c, &i) != 0) {
			sane = false;
			break;
		}
		sane &= i.largest_free_pages <= i.free_pages && i.largest_free_pages > 0;
		sane &= i.free_pages < i.total_pages && i.slab_objects > 0 && i.runnable <= i.threads;
		sane &= i.user_threads <= i.threads && i.reserved == 0;
	}
	ktap_ok(sane, "cluster_info_figures_consistent");

	struct almos_cluster_info mine;
	unsigned int cxy, lid;
	get_core_id(&cxy, &lid);
	ktap_ok(get_cluster_info(cxy, &mine) == 0 && mine.user_threads >= 1 && mine.runnable >= 1 &&
		mine.pt_pages >= 1 && mine.vsegs >= 1, "cluster_info_counts_the_caller");
}

static void test_self(void)
{
	struct almos_process_info me;
	struct almos_region r;
	int n;

	ktap_ok(listed((unsigned int)getpid()), "get_processes_lists_the_caller");
	n = get_processes(NULL, 0);
	ktap_ok(n >= 1, "get_processes_counts_without_buffer");
	ktap_ok(get_process_info(ALMOS_PID_SELF, &me) == 0 && me.pid == (unsigned int)getpid() &&
		me.ppid == (unsigned int)getppid() && me.threads == 1 && me.runnable == 1 &&
		me.state == 'R' && strstr(me.name, "test_stats") != NULL &&
		(me.copies_mask >> me.ref_cxy) & 1, "process_info_of_self");
	ktap_ok(me.pgid == (unsigned int)getpgid(0) && me.sid == (unsigned int)getsid(0),
		"process_info_group_and_session");

	/* 16 pages mapped, 5 touched: the region and the totals see exactly those */
	struct almos_process_info before, after;
	char *m = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	get_process_info(ALMOS_PID_SELF, &before);
	for (int i = 0; i < 5; i++)
		m[i * 3 * PAGE] = 1;
	get_process_info(ALMOS_PID_SELF, &after);
	ktap_ok(region_at(ALMOS_PID_SELF, m, &r) && r.start == (uintptr_t)m &&
		r.end == (uintptr_t)m + 16 * PAGE && r.type == ALMOS_REGION_ANON && r.prot == 3 &&
		!r.shared && r.mapped_pages == 5 && r.cow_pages == 0, "region_of_anonymous_mapping");
	ktap_ok(after.total_pages == before.total_pages + 5 && after.vsegs == before.vsegs,
		"process_total_pages_follow_faults");
	mprotect(m, 16 * PAGE, PROT_READ);
	ktap_ok(region_at(ALMOS_PID_SELF, m, &r) && r.prot == 1, "region_prot_follows_mprotect");
	munmap(m, 16 * PAGE);
	ktap_ok(!region_at(ALMOS_PID_SELF, m, &r), "region_gone_after_munmap");

	/* the program text: code, executable, mapped (each cluster maps its own replica of it) */
	ktap_ok(region_at(ALMOS_PID_SELF, (void *)test_self, &r) && r.type == ALMOS_REGION_CODE &&
		r.prot == 5 && r.mapped_pages > 0 && !r.shared, "code_region_of_the_program");

	/* shared memory: a shared region, its frames counted shared */
	char *sh = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; sh != MAP_FAILED && i < 4; i++)
		sh[i * PAGE] = 1;
	ktap_ok(sh != MAP_FAILED && region_at(ALMOS_PID_SELF, sh, &r) && r.shared &&
		r.mapped_pages == 4 && r.shared_pages == 4 && r.cow_pages == 0,
		"shared_mapping_pages_counted_shared");
	munmap(sh, 4 * PAGE);

	/* a too small buffer: the count, and only max entries written */
	struct almos_region two[3];
	memset(two, 0xa5, sizeof(two));
	n = get_regions(ALMOS_PID_SELF, two, 2);
	ktap_ok(n > 2 && two[2].start == 0xa5a5a5a5a5a5a5a5ULL, "regions_short_buffer");
}

static void test_children(void)
{
	struct almos_process_info child, me;
	int fds[2], status;
	char c;

	/* a child on another cluster sharing a written page copy-on-write */
	char *m = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(m, 7, 4 * PAGE);
	if (pipe(fds) != 0)
		ktap_diag("pipe: %s", strerror(errno));
	place_next((int)(clusters - 1), PLACE_ANY_CORE);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[1]);
		(void)!read(fds[0], &c, 1); /* wait for the parent's look, without touching m */
		_exit(m[0] == 7 ? 0 : 1);
	}
	close(fds[0]);
	bool asleep = false; /* once it waits in read() */
	for (int tries = 0; tries < 500 && pid > 0 && !asleep; tries++) {
		asleep = get_process_info(pid, &child) == 0 && child.state == 'S';
		if (!asleep)
			usleep(10000);
	}
	if (!asleep || child.cow_pages < 4)
		ktap_diag("child: state %c, cow pages %llu, owner %u", child.state,
			  (unsigned long long)child.cow_pages, child.owner_cxy);
	ktap_ok(asleep && child.ppid == (unsigned)getpid() && child.owner_cxy == clusters - 1 &&
		child.cow_pages >= 4, "child_shares_pages_cow");
	ktap_ok(get_process_info(ALMOS_PID_SELF, &me) == 0 && me.cow_pages >= 4,
		"parent_pages_cow_after_fork");
	struct almos_region r;
	ktap_ok(region_at(pid, m, &r) && r.cow_pages == 4 && r.mapped_pages == 4,
		"child_region_cow_pages");
	(void)!write(fds[1], "x", 1);
	close(fds[1]);

	/* once it ended and before wait: a zombie */
	bool zombie = false;
	for (int tries = 0; tries < 500 && !zombie; tries++) {
		usleep(10000);
		zombie = get_process_info(pid, &child) == 0 && child.state == 'Z';
	}
	ktap_ok(zombie && child.threads == 0, "ended_child_is_zombie");
	ktap_ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"child_saw_its_snapshot");
	ktap_ok(get_process_info(pid, &child) == -1 && errno == ESRCH && !listed((unsigned)pid),
		"reaped_child_gone");
	munmap(m, 4 * PAGE);

	/* a stopped child */
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	kill(pid, SIGSTOP);
	waitpid(pid, &status, WUNTRACED);
	ktap_ok(get_process_info(pid, &child) == 0 && child.state == 'T', "stopped_child_state_T");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

static void test_bad_arguments(void)
{
	struct almos_process_info info;
	struct almos_region r;

	ktap_ok(get_process_info(0x7fff0001, &info) == -1 && errno == ESRCH, "info_unknown_pid_esrch");
	ktap_ok(get_process_info(0, &info) == -1 && errno == ESRCH, "info_kernel_pid_esrch");
	ktap_ok(get_process_info(-2, &info) == -1 && errno == EINVAL, "info_pid_below_self_einval");
	ktap_ok(get_process_info(ALMOS_PID_SELF, (void *)16) == -1 && errno == EFAULT,
		"info_bad_pointer_efault");
	ktap_ok(get_regions(0x7fff0001, &r, 1) == -1 && errno == ESRCH, "regions_unknown_pid_esrch");
	ktap_ok(get_regions(ALMOS_PID_SELF, &r, 4097) == -1 && errno == EINVAL,
		"regions_max_too_big_einval");
	ktap_ok(get_regions(ALMOS_PID_SELF, (void *)16, 4) == -1 && errno == EFAULT,
		"regions_bad_pointer_efault");
	ktap_ok(get_processes((void *)16, 4) == -1 && errno == EFAULT, "processes_bad_pointer_efault");
	ktap_ok(get_cluster_info(clusters, (void *)&r) == -1 && errno == EINVAL,
		"cluster_info_bad_cluster_einval");
}

/* One round of everything that allocates: the figures must come back after the second. */
static void round_of_work(void)
{
	struct almos_process_info info;
	struct almos_region r[8];
	char *m = mmap(NULL, 64 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	for (int i = 0; i < 64; i++)
		m[i * PAGE] = 1;
	get_process_info(ALMOS_PID_SELF, &info);
	get_regions(ALMOS_PID_SELF, r, 8);
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	munmap(m, 64 * PAGE);
}

int main(void)
{
	struct memcheck quiet, base, now;

	ktap_plan(31);
	if (get_config(&clusters, &cores) != 0)
		return 1;
	memcheck_snapshot(&quiet);
	test_cluster_info();
	test_self();
	test_children();
	test_bad_arguments();
	round_of_work();
	ktap_ok(memcheck_settled(&quiet, &base), "settled_baseline");
	round_of_work();
	ktap_ok(memcheck_settled(&quiet, &now) && memcheck_same(&now, &base), "no_leak");
	return ktap_exit();
}
