/*
 * test_usage.c - the calls that tell a program about its resources and its placement, with Linux's
 * semantics and errors (KTAP): sysinfo, getrusage, wait4's rusage (and a zombie's memory, back before
 * the reap), times, umask,
 * prctl(PR_SET_NAME/PR_GET_NAME),
 * getcpu, sched_getaffinity/sched_setaffinity, clock_getres and the CPU time clocks, and the ENOSYS
 * log (the harness looks for its line). Raw syscall(2) calls: glibc's wrappers check nothing first.
 * Every success is checked by its effect; waits are for conditions, bounded, never for a time.
 * The thread and child groups run twice, the second time under the leak check (memcheck.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uarch.h>
#include "almos.h"
#include "ktap.h"
#include "memcheck.h"

#define KERNEL_ADDRESS ((void *)UARCH_KERNEL_IMAGE)
#define SPIN_LIMIT     2000000000L /* iterations: bounds a wait for a condition */

static bool fails(long ret, int err)
{
	return ret == -1 && errno == err;
}

static uint64_t tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ULL + (uint64_t)tv.tv_usec * 1000ULL;
}

static uint64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static volatile uint64_t sink;

/* The calling thread's user time. */
static uint64_t thread_utime(void)
{
	struct rusage ru;

	syscall(SYS_getrusage, RUSAGE_THREAD, &ru);
	return tv_ns(ru.ru_utime);
}

/*
 * Burn user time until the thread's user time advanced by @ns (bounded). The user time is read
 * only once the thread's CPU time (a local read) says it can have got there, then after each
 * further eighth: reading it costs an RPC to every cluster (RUSAGE_THREAD's maxrss is the
 * process's), and probing it every 65536 turns made the loop mostly kernel time on a loaded
 * host, where the tick's samples then found too little user time for the loop to end (x86_64
 * 4x2 under --load: 22 000 probes in 30 s without 30 ms of user time).
 */
static bool spin_cpu(uint64_t ns)
{
	uint64_t start = thread_utime(), probe = clock_ns(CLOCK_THREAD_CPUTIME_ID) + ns;

	for (long i = 0; i < SPIN_LIMIT; i++) {
		sink += (uint64_t)i * 7;
		if (i % 65536 || clock_ns(CLOCK_THREAD_CPUTIME_ID) < probe)
			continue;
		if (thread_utime() - start >= ns)
			return true;
		probe = clock_ns(CLOCK_THREAD_CPUTIME_ID) + ns / 8;
	}
	return false;
}

static void test_sysinfo(void)
{
	struct sysinfo si;
	bool ok;

	ok = syscall(SYS_sysinfo, &si) == 0;
	ktap_diag("sysinfo: uptime %ld, totalram %lu, freeram %lu, procs %u, mem_unit %u, loads %lu %lu %lu",
		  si.uptime, si.totalram, si.freeram, si.procs, si.mem_unit, si.loads[0], si.loads[1],
		  si.loads[2]);
	ktap_ok(ok && si.uptime > 0 && si.mem_unit == 1 && si.totalram > si.freeram && si.freeram > 0 &&
		si.procs >= 1 && si.totalswap == 0, "sysinfo_figures");
	ktap_ok(fails(syscall(SYS_sysinfo, NULL), EFAULT) && fails(syscall(SYS_sysinfo, KERNEL_ADDRESS), EFAULT),
		"sysinfo_bad_pointer_efault");
	/* the 1-minute load becomes positive once a 5-second sample saw this runnable thread (at
	 * most 2 periods; bounded at 60 s of the clock for a loaded host) */
	ok = false;
	uint64_t start = clock_ns(CLOCK_MONOTONIC);
	for (long i = 0; !ok && clock_ns(CLOCK_MONOTONIC) - start < 60000000000ULL; i++) {
		for (int j = 0; j < 65536; j++)
			sink += (uint64_t)j;
		ok = syscall(SYS_sysinfo, &si) == 0 && si.loads[0] > 0;
	}
	ktap_diag("loads %lu %lu %lu (1/65536)", si.loads[0], si.loads[1], si.loads[2]);
	ktap_ok(ok, "sysinfo_load_rises_while_running");
}

static void test_rusage_self(void)
{
	struct rusage a, b;
	long pages = 64;
	char *map;

	bool spun;

	syscall(SYS_getrusage, RUSAGE_SELF, &a);
	spun = spin_cpu(30000000);
	syscall(SYS_getrusage, RUSAGE_SELF, &b);
	ktap_diag("utime %lu -> %lu ns, stime %lu -> %lu ns", (unsigned long)tv_ns(a.ru_utime),
		  (unsigned long)tv_ns(b.ru_utime), (unsigned long)tv_ns(a.ru_stime), (unsigned long)tv_ns(b.ru_stime));
	ktap_ok(spun && tv_ns(b.ru_utime) >= tv_ns(a.ru_utime) + 30000000, "getrusage_utime_grows_with_work");
	syscall(SYS_getrusage, RUSAGE_SELF, &a);
	for (long i = 0; i < SPIN_LIMIT / 1000; i++) {
		syscall(SYS_getppid);
		if (i % 256 == 0 && syscall(SYS_getrusage, RUSAGE_SELF, &b) == 0 &&
		    tv_ns(b.ru_stime) > tv_ns(a.ru_stime) + 1000000)
			break;
	}
	ktap_ok(tv_ns(b.ru_stime) > tv_ns(a.ru_stime) + 1000000, "getrusage_stime_grows_with_syscalls");
	syscall(SYS_getrusage, RUSAGE_SELF, &a);
	map = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (long i = 0; map != MAP_FAILED && i < pages; i++)
		map[i * 4096] = 1;
	syscall(SYS_getrusage, RUSAGE_SELF, &b);
	ktap_diag("minflt %ld -> %ld, maxrss %ld KiB", a.ru_minflt, b.ru_minflt, b.ru_maxrss);
	ktap_ok(b.ru_minflt >= a.ru_minflt + pages && b.ru_majflt == 0 && b.ru_maxrss >= pages * 4,
		"getrusage_minflt_and_maxrss_count_touched_pages");
	munmap(map, pages * 4096);
	/* Each sleep that blocks is a voluntary switch. A sleep may end before its thread blocks:
	 * a virtual core the host stops for the sleep's whole length takes the tick that ends it
	 * right at the block (as Linux's nanosleep skips schedule() when its timer has already
	 * fired). So the test sleeps until five are counted; only a kernel that does not count
	 * them reaches the bound (five sleeps made fewer than five switches twice in the usage
	 * tests' 10 runs each under --load). */
	syscall(SYS_getrusage, RUSAGE_SELF, &a);
	int sleeps = 0;
	do {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
		sleeps++;
		syscall(SYS_getrusage, RUSAGE_SELF, &b);
	} while (b.ru_nvcsw < a.ru_nvcsw + 5 && sleeps < 100);
	if (sleeps > 5)
		ktap_diag("%d sleeps for 5 voluntary switches", sleeps);
	ktap_ok(b.ru_nvcsw >= a.ru_nvcsw + 5, "getrusage_nvcsw_counts_sleeps");
	ktap_ok(fails(syscall(SYS_getrusage, 2, &a), EINVAL) && fails(syscall(SYS_getrusage, -2, &a), EINVAL),
		"getrusage_bad_who_einval");
	ktap_ok(fails(syscall(SYS_getrusage, RUSAGE_SELF, NULL), EFAULT) &&
		fails(syscall(SYS_getrusage, RUSAGE_THREAD, KERNEL_ADDRESS), EFAULT), "getrusage_bad_pointer_efault");
}

static volatile int worker_go;
static volatile int worker_cpu = -1;
static volatile int worker_stop;

static void *spinner(void *arg)
{
	(void)arg;
	spin_cpu(60000000);
	return NULL;
}

/* A thread's own figures are part of the process's, and less than them when others worked. */
static bool rusage_thread_round(void)
{
	struct rusage self, thread;
	pthread_t t;

	if (pthread_create(&t, NULL, spinner, NULL))
		return false;
	pthread_join(t, NULL);
	syscall(SYS_getrusage, RUSAGE_THREAD, &thread);
	syscall(SYS_getrusage, RUSAGE_SELF, &self);
	ktap_diag("thread utime %lu, process utime %lu", (unsigned long)tv_ns(thread.ru_utime),
		  (unsigned long)tv_ns(self.ru_utime));
	return syscall(SYS_getrusage, RUSAGE_THREAD, &thread) == 0 &&
	       syscall(SYS_getrusage, RUSAGE_SELF, &self) == 0 &&
	       tv_ns(self.ru_utime) >= tv_ns(thread.ru_utime) + 60000000;
}

/* A child's times reach the parent's RUSAGE_CHILDREN and times(2)'s cutime at wait. */
static bool children_round(void)
{
	struct rusage before, mid, after;
	struct tms t;
	int status;
	pid_t pid;

	syscall(SYS_getrusage, RUSAGE_CHILDREN, &before);
	pid = fork();
	if (pid == 0)
		_exit(spin_cpu(50000000) ? 0 : 1);
	if (pid < 0)
		return false;
	for (long i = 0; i < SPIN_LIMIT / 1000; i++) { /* until it ended, not yet reaped */
		struct almos_process_info info;
		if (get_process_info(pid, &info) == 0 && info.state == 'Z')
			break;
		sched_yield();
	}
	syscall(SYS_getrusage, RUSAGE_CHILDREN, &mid);
	if (waitpid(pid, &status, 0) != pid || status != 0)
		return false;
	syscall(SYS_getrusage, RUSAGE_CHILDREN, &after);
	ktap_diag("children utime %lu, before the wait %lu, after %lu", (unsigned long)tv_ns(before.ru_utime),
		  (unsigned long)tv_ns(mid.ru_utime), (unsigned long)tv_ns(after.ru_utime));
	return tv_ns(mid.ru_utime) == tv_ns(before.ru_utime) &&
	       tv_ns(after.ru_utime) >= tv_ns(before.ru_utime) + 50000000 &&
	       syscall(SYS_times, &t) >= 0 && t.tms_cutime >= 4;
}

/* A child that works 30 ms of user time and reaps a grandchild that worked as much. */
static void working_child(void)
{
	pid_t grandchild = fork();
	struct rusage ru;
	int status;

	if (grandchild == 0) {
		bool spun = spin_cpu(30000000);
		ktap_diag("grandchild: utime %lu ns", (unsigned long)thread_utime());
		_exit(spun ? 0 : 1);
	}
	if (grandchild < 0 || !spin_cpu(30000000) ||
	    syscall(SYS_wait4, grandchild, &status, 0, &ru) != grandchild || status != 0)
		_exit(1);
	ktap_diag("child: utime %lu ns, its reaped grandchild's %lu ns", (unsigned long)thread_utime(),
		  (unsigned long)tv_ns(ru.ru_utime));
	_exit(0);
}

/*
 * wait4's rusage is the reaped child's own totals with those of the children it reaped (Linux's):
 * both workers' user time, and exactly what the parent's RUSAGE_CHILDREN gained at the reap (to a
 * microsecond of rounding per figure).
 */
static void test_wait4_rusage(void)
{
	struct rusage before, after, ru;
	uint64_t gained;
	int status = -1;
	pid_t pid;

	syscall(SYS_getrusage, RUSAGE_CHILDREN, &before);
	pid = fork();
	if (pid == 0)
		working_child();
	memset(&ru, 0, sizeof(ru));
	ktap_ok(pid > 0 && syscall(SYS_wait4, pid, &status, 0, &ru) == pid && status == 0,
		"wait4_reaps_a_working_child");
	syscall(SYS_getrusage, RUSAGE_CHILDREN, &after);
	gained = tv_ns(after.ru_utime) - tv_ns(before.ru_utime);
	ktap_diag("wait4 rusage: utime %lu ns, stime %lu ns, minflt %ld; RUSAGE_CHILDREN gained %lu ns",
		  (unsigned long)tv_ns(ru.ru_utime), (unsigned long)tv_ns(ru.ru_stime), ru.ru_minflt,
		  (unsigned long)gained);
	ktap_ok(tv_ns(ru.ru_utime) >= 60000000 && ru.ru_minflt > 0 &&
		tv_ns(ru.ru_utime) + 1000 >= gained && gained + 1000 >= tv_ns(ru.ru_utime) &&
		after.ru_minflt - before.ru_minflt == ru.ru_minflt, "wait4_rusage_is_the_child_totals");

	/* A bad rusage pointer: EFAULT, and the child is reaped all the same (Linux's order). */
	pid = fork();
	if (pid == 0)
		_exit(0);
	ktap_ok(pid > 0 && fails(syscall(SYS_wait4, pid, &status, 0, KERNEL_ADDRESS), EFAULT) &&
		fails(syscall(SYS_wait4, pid, &status, WNOHANG, NULL), ECHILD),
		"wait4_bad_rusage_efault_child_reaped");
}

#define ZOMBIE_PAGES 32

/* Wait until ps sees @pid as a zombie; its figures then in *@info. False if it never is one. */
static bool wait_zombie(pid_t pid, struct almos_process_info *info)
{
	for (int tries = 0; tries < 20000; tries++) {
		if (get_process_info(pid, info) == 0 && info->state == 'Z')
			return true;
		usleep(1000);
	}
	return false;
}

/* True if every cluster of @now has @base's pages outside the caches, page tables and vsegs. */
static bool memory_back(const struct memcheck *now, const struct memcheck *base)
{
	bool same = now->clusters == base->clusters;

	for (unsigned int c = 0; c < now->clusters; c++) {
		bool ok = now->pages[c] == base->pages[c] && now->pt_pages[c] == base->pt_pages[c] &&
			  now->vsegs[c] == base->vsegs[c];
		ktap_diag("cluster %u: pages outside the caches %lu, page tables %lu, vsegs %u; "
			  "before the fork %lu, %lu, %u%s", c, (unsigned long)now->pages[c],
			  (unsigned long)now->pt_pages[c], now->vsegs[c], (unsigned long)base->pages[c],
			  (unsigned long)base->pt_pages[c], base->vsegs[c], ok ? "" : "  <- differs");
		same &= ok;
	}
	return same;
}

/* A child in cluster @cxy that exits at once, waited for until it is a zombie; its pid or -1. */
static pid_t idle_zombie(int cxy)
{
	struct almos_process_info info;
	pid_t pid;

	place_next(cxy, PLACE_ANY_CORE);
	pid = fork();
	if (pid == 0)
		_exit(0);
	return pid > 0 && wait_zombie(pid, &info) ? pid : -1;
}

/*
 * A zombie holds no memory (as Linux's exit_mm before exit_notify): once a child that mapped and
 * wrote ZOMBIE_PAGES pages has ended, and before its parent reaps it, every cluster has the pages
 * outside the caches, page tables and vsegs it had with a zombie that never touched anything
 * (same cluster: all a zombie keeps is its descriptor), and ps shows it with none. The reap then
 * still returns its status and its rusage: its CPU time (user and system together: how a loaded
 * host's ticks split them is test_wait4_rusage's business), its faults, and exactly what
 * RUSAGE_CHILDREN gained.
 */
static void test_zombie_holds_no_memory(const struct memcheck *quiet)
{
	struct memcheck base, zombie;
	struct almos_process_info info;
	struct rusage before, after, ru;
	unsigned int clusters = 1, cores;
	int status = -1;
	bool is_zombie;
	pid_t idle, pid;

	memset(&info, 0xff, sizeof(info));
	get_config(&clusters, &cores);
	idle = idle_zombie((int)clusters - 1);
	memcheck_settled(quiet, &base);
	if (idle > 0)
		waitpid(idle, &status, 0);
	syscall(SYS_getrusage, RUSAGE_CHILDREN, &before);
	place_next((int)clusters - 1, PLACE_ANY_CORE);
	pid = fork();
	if (pid == 0) {
		char *p = mmap(NULL, ZOMBIE_PAGES * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			_exit(1);
		for (int i = 0; i < ZOMBIE_PAGES; i++)
			p[i * 4096] = 1;
		_exit(spin_cpu(10000000) ? 42 : 1);
	}
	is_zombie = pid > 0 && wait_zombie(pid, &info);
	ktap_diag("the zombie: vsegs %u, page tables %u, pages %lu", info.vsegs, info.pt_pages,
		  (unsigned long)info.total_pages);
	ktap_ok(idle > 0 && is_zombie && memcheck_settled(quiet, &zombie) &&
		memory_back(&zombie, &base) && info.vsegs == 0 && info.pt_pages == 0 &&
		info.total_pages == 0, "zombie_memory_back_before_reap");
	memset(&ru, 0, sizeof(ru));
	ktap_ok(pid > 0 && syscall(SYS_wait4, pid, &status, 0, &ru) == pid && WIFEXITED(status) &&
		WEXITSTATUS(status) == 42 && syscall(SYS_getrusage, RUSAGE_CHILDREN, &after) == 0 &&
		tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime) >= 10000000 && ru.ru_minflt >= ZOMBIE_PAGES &&
		tv_ns(ru.ru_utime) + 1000 >= tv_ns(after.ru_utime) - tv_ns(before.ru_utime) &&
		tv_ns(after.ru_utime) - tv_ns(before.ru_utime) + 1000 >= tv_ns(ru.ru_utime),
		"zombie_reaped_with_status_and_rusage");
}

/* A thread that reports where it runs until told to stop. */
static void *where_am_i(void *arg)
{
	(void)arg;
	worker_go = 1;
	while (!worker_stop) {
		unsigned int cpu, node;
		syscall(SYS_getcpu, &cpu, &node, NULL);
		worker_cpu = (int)cpu;
	}
	return NULL;
}

static void test_times(void)
{
	struct tms t;
	struct rusage ru;
	long t1, t2;

	t1 = syscall(SYS_times, NULL);
	spin_cpu(20000000);
	t2 = syscall(SYS_times, &t);
	syscall(SYS_getrusage, RUSAGE_SELF, &ru);
	ktap_ok(t1 > 0 && t2 >= t1 + 1 && t.tms_utime >= 2 &&
		(uint64_t)t.tms_utime <= tv_ns(ru.ru_utime) / 10000000 + 1, "times_ticks_and_return_value");
	ktap_ok(fails(syscall(SYS_times, KERNEL_ADDRESS), EFAULT), "times_bad_pointer_efault");
}

static void test_umask(void)
{
	struct stat st;
	bool ok;
	int fd, status = -1;
	pid_t pid;

	ok = syscall(SYS_umask, 027) == 022 && syscall(SYS_umask, 027) == 027;
	unlink("/tmp/umask_file");
	rmdir("/tmp/umask_dir");
	fd = open("/tmp/umask_file", O_CREAT | O_WRONLY, 0666);
	ok = ok && fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0640;
	close(fd);
	ok = ok && mkdir("/tmp/umask_dir", 0777) == 0 && stat("/tmp/umask_dir", &st) == 0 &&
	     (st.st_mode & 07777) == 0750;
	pid = fork();
	if (pid == 0)
		_exit(syscall(SYS_umask, 0) == 027 ? 0 : 1);
	ok = ok && pid > 0 && waitpid(pid, &status, 0) == pid && status == 0;
	ok = ok && syscall(SYS_umask, 07777) == 027 && syscall(SYS_umask, 022) == 0777;
	unlink("/tmp/umask_file");
	rmdir("/tmp/umask_dir");
	ktap_ok(ok, "umask_masks_creations_and_is_inherited");
}

static void test_prctl(void)
{
	char name[32];
	struct almos_process_info info;

	memset(name, 'x', sizeof(name));
	memset(&info, 0, sizeof(info));
	ktap_ok(syscall(SYS_prctl, PR_SET_NAME, "a-name-much-too-long", 0, 0, 0) == 0 &&
		syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0) == 0 && strcmp(name, "a-name-much-too") == 0 &&
		get_process_info(ALMOS_PID_SELF, &info) == 0 && strcmp(info.name, "a-name-much-too") == 0,
		"prctl_set_name_cut_at_15_and_shown_by_ps");
	ktap_diag("name '%s', ps '%s'", name, info.name);
	ktap_ok(fails(syscall(SYS_prctl, PR_SET_NAME, NULL, 0, 0, 0), EFAULT) &&
		fails(syscall(SYS_prctl, PR_GET_NAME, KERNEL_ADDRESS, 0, 0, 0), EFAULT), "prctl_name_bad_pointer_efault");
	ktap_ok(fails(syscall(SYS_prctl, 0x7fff, 0, 0, 0, 0), EINVAL), "prctl_unknown_option_einval");
	syscall(SYS_prctl, PR_SET_NAME, "test_usage", 0, 0, 0);
}

static void test_placement(void)
{
	unsigned int clusters, cores, cpu, node, first = 0, mine;
	cpu_set_t set, got;
	long n;
	bool ok;

	get_config(&clusters, &cores);
	ok = syscall(SYS_getcpu, &cpu, &node, NULL) == 0 && node < clusters;
	for (unsigned int c = 0; c < node; c++) {
		struct almos_cluster_info ci;
		get_cluster_info(c, &ci);
		first += ci.cores;
	}
	struct almos_cluster_info here;
	get_cluster_info(node, &here);
	mine = here.cores;
	ktap_ok(ok && cpu >= first && cpu < first + mine, "getcpu_cpu_and_node");
	ktap_ok(syscall(SYS_getcpu, NULL, NULL, NULL) == 0 && fails(syscall(SYS_getcpu, KERNEL_ADDRESS, NULL, NULL), EFAULT),
		"getcpu_null_ok_bad_pointer_efault");
	CPU_ZERO(&got);
	n = syscall(SYS_sched_getaffinity, 0, sizeof(got), &got);
	ok = n == (long)((clusters * cores + 63) / 64 * 8) && CPU_COUNT(&got) == (int)mine;
	for (unsigned int c = first; c < first + mine; c++)
		ok = ok && CPU_ISSET(c, &got);
	ktap_ok(ok, "sched_getaffinity_is_the_cluster_cores");
	ktap_ok(fails(syscall(SYS_sched_getaffinity, 0, 0, &got), EINVAL) &&
		fails(syscall(SYS_sched_getaffinity, 0, 12, &got), EINVAL) &&
		fails(syscall(SYS_sched_getaffinity, 0, sizeof(got), NULL), EFAULT) &&
		fails(syscall(SYS_sched_getaffinity, 0x7ffffffe, sizeof(got), &got), ESRCH),
		"sched_getaffinity_bad_input");
	/* each core of the cluster in turn: the thread moves there and getcpu agrees */
	ok = true;
	for (unsigned int c = first; c < first + mine; c++) {
		CPU_ZERO(&set);
		CPU_SET(c, &set);
		ok = ok && syscall(SYS_sched_setaffinity, 0, sizeof(set), &set) == 0 &&
		     syscall(SYS_getcpu, &cpu, NULL, NULL) == 0 && cpu == c &&
		     syscall(SYS_sched_getaffinity, 0, sizeof(got), &got) > 0 && CPU_EQUAL(&got, &set);
	}
	ktap_ok(ok, "sched_setaffinity_moves_the_caller");
	CPU_ZERO(&set);
	for (unsigned int c = 0; c < clusters * cores; c++)
		if (c < first || c >= first + mine)
			CPU_SET(c, &set);
	syscall(SYS_sched_getaffinity, 0, sizeof(got), &got);
	ok = (clusters == 1 || fails(syscall(SYS_sched_setaffinity, 0, sizeof(set), &set), EINVAL));
	CPU_ZERO(&set);
	ok = ok && fails(syscall(SYS_sched_setaffinity, 0, sizeof(set), &set), EINVAL) &&
	     fails(syscall(SYS_sched_setaffinity, 0, sizeof(set), NULL), EFAULT) &&
	     fails(syscall(SYS_sched_setaffinity, 0x7ffffffe, sizeof(got), &got), ESRCH);
	cpu_set_t after;
	CPU_ZERO(&after);
	syscall(SYS_sched_getaffinity, 0, sizeof(after), &after);
	ktap_ok(ok && CPU_EQUAL(&after, &got), "sched_setaffinity_other_clusters_or_empty_einval_unchanged");
	CPU_ZERO(&set);
	for (unsigned int c = first; c < first + mine; c++)
		CPU_SET(c, &set);
	syscall(SYS_sched_setaffinity, 0, sizeof(set), &set);
}

/* Another thread of the process moved by the caller's sched_setaffinity (pthread_setaffinity). */
static bool move_other_round(void)
{
	unsigned int node, first = 0, last;
	struct almos_cluster_info ci;
	pthread_attr_t attr;
	cpu_set_t set;
	pthread_t t;
	bool ok = true;

	syscall(SYS_getcpu, NULL, &node, NULL);
	for (unsigned int c = 0; c < node; c++) {
		get_cluster_info(c, &ci);
		first += ci.cores;
	}
	get_cluster_info(node, &ci);
	last = first + ci.cores - 1;
	worker_go = worker_stop = 0;
	worker_cpu = -1;
	/* the new thread in the caller's cluster (almos.h's placement attribute) */
	pthread_attr_init(&attr);
	place_next(node, -1);
	if (pthread_create(&t, &attr, where_am_i, NULL))
		return false;
	while (!worker_go)
		sched_yield();
	for (unsigned int target = first; target <= last && ok; target++) {
		CPU_ZERO(&set);
		CPU_SET(target, &set);
		ok = pthread_setaffinity_np(t, sizeof(set), &set) == 0;
		for (long i = 0; ok && i < SPIN_LIMIT / 1000 && worker_cpu != (int)target; i++)
			sched_yield();
		ok = ok && worker_cpu == (int)target;
	}
	worker_stop = 1;
	pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
	return ok;
}

static void test_clocks(void)
{
	static const clockid_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
					    CLOCK_THREAD_CPUTIME_ID, CLOCK_MONOTONIC_RAW,
					    CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME };
	struct timespec res, now;
	bool ok = true;

	for (unsigned int i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		long want = clocks[i] == CLOCK_REALTIME_COARSE || clocks[i] == CLOCK_MONOTONIC_COARSE ? 10000000 : 1;
		ok = ok && syscall(SYS_clock_getres, clocks[i], &res) == 0 && res.tv_sec == 0 &&
		     res.tv_nsec == want && syscall(SYS_clock_getres, clocks[i], NULL) == 0 &&
		     syscall(SYS_clock_gettime, clocks[i], &now) == 0;
	}
	ktap_ok(ok, "clock_getres_of_every_clock_gettime_clock");
	ktap_ok(fails(syscall(SYS_clock_getres, 8, &res), EINVAL) &&
		fails(syscall(SYS_clock_getres, 100, &res), EINVAL) &&
		fails(syscall(SYS_clock_getres, -1, &res), EINVAL) &&
		fails(syscall(SYS_clock_gettime, 100, &res), EINVAL), "clock_getres_bad_clock_einval");
	ktap_ok(fails(syscall(SYS_clock_getres, CLOCK_MONOTONIC, KERNEL_ADDRESS), EFAULT),
		"clock_getres_bad_pointer_efault");
	uint64_t a = clock_ns(CLOCK_THREAD_CPUTIME_ID), p = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	spin_cpu(10000000);
	ktap_ok(clock_ns(CLOCK_THREAD_CPUTIME_ID) >= a + 10000000 && clock_ns(CLOCK_PROCESS_CPUTIME_ID) >= p + 10000000,
		"cputime_clocks_count_work");
}

/* The thread and child groups; false on the first failure (used again under the leak check). */
static bool groups(bool report)
{
	bool a = rusage_thread_round(), b = children_round(), c = move_other_round();

	if (report) {
		ktap_ok(a, "getrusage_thread_within_self");
		ktap_ok(b, "getrusage_children_and_cutime_at_wait");
		ktap_ok(c, "sched_setaffinity_moves_another_thread");
	}
	return a && b && c;
}

int main(void)
{
	struct memcheck quiet, base, now;

	ktap_plan(36);
	ktap_ok(memcheck_snapshot(&quiet), "memcheck_snapshot");
	syscall(SYS_prctl, PR_SET_NAME, "test_usage", 0, 0, 0);
	test_sysinfo();
	test_rusage_self();
	test_times();
	test_wait4_rusage();
	test_zombie_holds_no_memory(&quiet);
	test_umask();
	test_prctl();
	test_placement();
	test_clocks();
	groups(true);
	/* a call Linux has and Archipel does not: ENOSYS, and the kernel names it (harness) */
	ktap_ok(fails(syscall(SYS_acct, NULL), ENOSYS), "unimplemented_call_enosys");
	ktap_ok(memcheck_settled(&quiet, &base) && groups(false) && memcheck_settled(&quiet, &now) &&
		memcheck_same(&now, &base), "no_leak");
	return ktap_exit();
}
