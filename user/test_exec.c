/*
 * test_exec.c - execve(2): Linux's errors with the caller intact, then a real exec (KTAP).
 *
 * Usage:
 *   test_exec          stage 1: every failing execve gets Linux's errno and leaves the process
 *                      intact; then, with a close-on-exec fd, a kept fd, a signal handler, an
 *                      ignored signal, a fixed mapping and 3 threads blocked on other clusters,
 *                      it execs itself as "test_exec stage2 ..." from /bin with a relative path;
 *   test_exec stage2 PID CLOEXEC_FD KEPT_FD KEPT_OFFSET MAP_ADDR
 *                      checks what the exec kept and what it dropped, asks the kernel to list
 *                      the process copies of every cluster (display), starts 3 blocked threads
 *                      again and execs /bin/test_startup after-exec stage2;
 *   test_exec thread   3 blocked threads, then a thread placed on the last cluster (not the main
 *                      thread) execs /bin/test_startup from-thread while the main thread waits;
 *   test_exec errors   the failing cases only, then exit: runs on Linux too (qemu-riscv64), which
 *                      is how the expected errors were checked.
 * Each stage prints its own KTAP suite and execs only if every result of it is ok, so the output
 * of test_startup (which checks its own startup) shows that everything before it passed; the
 * process then ends with test_startup's status. On Archipel: `./archipel run -- /bin/test_exec`.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "almos.h"
#include <uarch.h>
#include "ktap.h"

#define KERNEL_ADDRESS ((const char *)UARCH_KERNEL_ADDRESS)
#define BAD_ADDRESS    ((void *)16)                   /* in the never-mapped first page      */
#define ARG_LIMIT      (128 << 10)                    /* Linux's MAX_ARG_STRLEN, our total   */
#define MAP_ADDR       ((void *)0x1800000000UL)       /* above the image, below the mmap zone */
#define EM_NOBODY      0xbeef                         /* an e_machine no host can run         */
#define TMP            "/tmp"
#define BLOCKERS       3
#define FILE_CASES     7
#define POINTER_CASES  8
#define INTACT_CASES   3

extern char **environ;

static char *const test_env[] = { "ARCHIPEL_EXEC=test", NULL };

/* Raw execve: glibc's wrapper is declared nonnull, and the bad pointers are the point (so are
 * the untyped vectors: the compiler would check an array parameter against a bad address). */
static long sys_execve(const char *path, const void *argv, const void *envp)
{
	return syscall(SYS_execve, path, argv, envp);
}

static bool fails(long ret, int err)
{
	if (ret == -1 && errno == err)
		return true;
	ktap_diag("returned %ld, errno %d (%s), expected errno %d (%s)", ret, errno, strerror(errno),
		  err, strerror(err));
	return false;
}

static char *tmp_name(const char *what)
{
	static char names[4][64];
	static int next;
	char *name = names[next++ % 4];

	snprintf(name, sizeof(names[0]), TMP "/test_exec.%d.%s", (int)getpid(), what);
	return name;
}

/* Create @name with @mode and the @size bytes of @data; false on any error. */
static bool make_file(const char *name, mode_t mode, const void *data, size_t size)
{
	int fd = open(name, O_CREAT | O_WRONLY | O_TRUNC, mode);
	bool ok = fd >= 0 && write(fd, data, size) == (ssize_t)size;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* The first page of the executable @self (an ELF header and program headers of this machine). */
static bool read_header(const char *self, char page[4096])
{
	int fd = open(self, O_RDONLY);
	bool ok = fd >= 0 && read(fd, page, 4096) == 4096;

	if (fd >= 0)
		close(fd);
	return ok;
}

/* ---- stage 1 and "errors": failing execs ---- */

static void failing_file_cases(const char *self)
{
	char page[4096] = { 0 }, notdir[256], text[128];
	char *const argv[] = { "test_exec", NULL };

	mkdir(TMP, 01777); /* Archipel's root file system has none (EEXIST elsewhere) */
	ktap_ok(fails(sys_execve("/bin/no_such_program", argv, test_env), ENOENT),
		"missing_file_enoent");
	snprintf(notdir, sizeof(notdir), "%s/x", self);
	ktap_ok(fails(sys_execve(notdir, argv, test_env), ENOTDIR), "file_as_directory_enotdir");
	ktap_ok(fails(sys_execve("/bin", argv, test_env), EACCES), "directory_eacces");

	if (!read_header(self, page))
		ktap_diag("cannot read the first page of %s", self);
	/* A real ELF header, mode 0644: the mode alone refuses it (ramfs keeps modes). */
	ktap_ok(make_file(tmp_name("noexec"), 0644, page, sizeof(page)) &&
		fails(sys_execve(tmp_name("noexec"), argv, test_env), EACCES),
		"not_executable_file_eacces");
	ktap_ok(make_file(tmp_name("empty"), 0755, "", 0) &&
		fails(sys_execve(tmp_name("empty"), argv, test_env), ENOEXEC),
		"empty_file_enoexec");
	/* Text as long as an ELF header, so that the magic number is what is wrong. */
	memset(text, '#', sizeof(text));
	ktap_ok(make_file(tmp_name("text"), 0755, text, sizeof(text)) &&
		fails(sys_execve(tmp_name("text"), argv, test_env), ENOEXEC),
		"bad_magic_enoexec");
	/* The same header but for a machine nobody runs (18 = offset of e_machine). */
	page[18] = EM_NOBODY & 0xff;
	page[19] = EM_NOBODY >> 8;
	ktap_ok(make_file(tmp_name("machine"), 0755, page, sizeof(page)) &&
		fails(sys_execve(tmp_name("machine"), argv, test_env), ENOEXEC),
		"wrong_machine_enoexec");
	unlink(tmp_name("noexec"));
	unlink(tmp_name("empty"));
	unlink(tmp_name("text"));
	unlink(tmp_name("machine"));
}

/* The vectors' cases name @self, which exists: Linux opens the file first since 6.6. */
static void failing_pointer_cases(const char *self)
{
	char *const argv[] = { "test_exec", NULL };
	char *const bad_entry[] = { "test_exec", (char *)KERNEL_ADDRESS, NULL };
	char *big = malloc(2 * ARG_LIMIT), *many[81], *long_path = malloc(5000);

	if (!big || !long_path) {
		ktap_diag("no memory for the big arguments");
		exit(1);
	}

	ktap_ok(fails(sys_execve(NULL, argv, test_env), EFAULT), "null_path_efault");
	ktap_ok(fails(sys_execve(KERNEL_ADDRESS, argv, test_env), EFAULT),
		"kernel_address_path_efault");
	ktap_ok(fails(sys_execve(self, BAD_ADDRESS, test_env), EFAULT),
		"bad_argv_efault");
	ktap_ok(fails(sys_execve(self, bad_entry, test_env), EFAULT),
		"bad_pointer_in_argv_efault");
	ktap_ok(fails(sys_execve(self, argv, BAD_ADDRESS), EFAULT),
		"bad_envp_efault");
	/* One string of 256 KiB: over the limit of one string (Linux) and of all of them (us). */
	memset(big, 'x', 2 * ARG_LIMIT - 1);
	big[2 * ARG_LIMIT - 1] = 0;
	char *const one_big[] = { "test_exec", big, NULL };
	ktap_ok(fails(sys_execve(self, one_big, test_env), E2BIG),
		"one_argument_of_256KiB_e2big");
	/* 80 strings of 100 KiB: each under one string's limit, 8 MB together. */
	big[100 << 10] = 0;
	for (int i = 0; i < 80; i++)
		many[i] = big;
	many[80] = NULL;
	ktap_ok(fails(sys_execve(self, argv, many), E2BIG),
		"environment_of_8MB_e2big");
	long_path[0] = '/';
	memset(long_path + 1, 'a', 4998);
	long_path[4999] = 0;
	ktap_ok(fails(sys_execve(long_path, argv, test_env), ENAMETOOLONG),
		"path_of_5000_bytes_enametoolong");
	free(big);
	free(long_path);
}

/* ---- the caller is intact after the failures ---- */

#define HEAP_BYTES (64 << 10)

struct before {
	unsigned char *heap;
	unsigned char *map;
	int fd;
	pid_t pid;
};

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31 + seed);
}

static bool filled(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(i * 31 + seed))
			return false;
	return true;
}

static bool set_up_before(struct before *b)
{
	b->pid = getpid();
	b->heap = malloc(HEAP_BYTES);
	b->map = mmap(NULL, HEAP_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b->fd = open(tmp_name("fd"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	if (!b->heap || b->map == MAP_FAILED || b->fd < 0 || write(b->fd, "before\n", 7) != 7)
		return false;
	fill(b->heap, HEAP_BYTES, 1);
	fill(b->map, HEAP_BYTES, 2);
	return true;
}

static void intact_cases(struct before *b)
{
	char buf[16] = { 0 };
	void *more = malloc(HEAP_BYTES);

	ktap_ok(getpid() == b->pid && filled(b->heap, HEAP_BYTES, 1) &&
		filled(b->map, HEAP_BYTES, 2), "memory_intact_after_failures");
	ktap_ok(write(b->fd, "after\n", 6) == 6 && pread(b->fd, buf, 13, 0) == 13 &&
		memcmp(buf, "before\nafter\n", 13) == 0, "fd_intact_after_failures");
	ktap_ok(more != NULL && memset(more, 7, HEAP_BYTES) == more &&
		mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED,
		"can_allocate_after_failures");
	free(more);
	close(b->fd);
	unlink(tmp_name("fd"));
}

/* ---- threads blocked for good, on other clusters ---- */

static unsigned int clusters = 1, cores = 1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t started_cond = PTHREAD_COND_INITIALIZER, never = PTHREAD_COND_INITIALIZER;
static unsigned int started, where[BLOCKERS];

static void *block_forever(void *arg)
{
	unsigned int cxy = 99, lid;

	get_core_id(&cxy, &lid);
	pthread_mutex_lock(&lock);
	where[(intptr_t)arg] = cxy;
	started++;
	pthread_cond_signal(&started_cond);
	for (;;) /* a futex wait that only a kill ends */
		pthread_cond_wait(&never, &lock);
	return NULL;
}

static int start_on(unsigned int cxy, void *(*fn)(void *), void *arg)
{
	pthread_t t;

	if (place_next((int)cxy, PLACE_ANY_CORE) != 0)
		return errno;
	return pthread_create(&t, NULL, fn, arg);
}

/* Start the blockers on clusters 1, 2, 3 (modulo the clusters) and wait until they block. */
static bool start_blockers(void)
{
	bool ok = true;

	for (intptr_t i = 0; i < BLOCKERS; i++)
		ok = ok && start_on((unsigned int)(i + 1) % clusters, block_forever, (void *)i) == 0;
	pthread_mutex_lock(&lock);
	while (ok && started < BLOCKERS)
		pthread_cond_wait(&started_cond, &lock);
	pthread_mutex_unlock(&lock);
	for (int i = 0; ok && i < BLOCKERS; i++) {
		ktap_diag("blocked thread %d runs on cluster %u", i, where[i]);
		ok = where[i] == (unsigned int)(i + 1) % clusters;
	}
	return ok;
}

/* Print the totals; exec @path if every result was ok. Returns only on failure. */
static int exec_if_passed(const char *stage, const char *path, char *const argv[],
			  char *const envp[])
{
	int status = ktap_exit();

	if (status != 0)
		return status;
	ktap_diag("test_exec %s: all %d passed, execve %s", stage, ktap_state()->done, path);
	sys_execve(path, argv, envp);
	ktap_diag("execve %s failed: %s", path, strerror(errno));
	return 1;
}

/* ---- the modes ---- */

static int errors_only(const char *self)
{
	struct before b;

	ktap_plan(FILE_CASES + POINTER_CASES + INTACT_CASES);
	if (!set_up_before(&b))
		ktap_diag("cannot set up the memory and fd to check");
	failing_file_cases(self);
	failing_pointer_cases(self);
	intact_cases(&b);
	return ktap_exit();
}

static void handler(int sig)
{
	(void)sig;
}

static int stage1(const char *self)
{
	struct before b;
	struct sigaction sa = { .sa_handler = handler };
	char pid[16], cloexec_fd[16], kept_fd[16], kept_offset[16], map_addr[32];
	int cfd, kfd;

	ktap_plan(FILE_CASES + POINTER_CASES + INTACT_CASES + 2);
	sa.sa_flags = SA_RESTART; /* flags and mask go at exec with the handler */
	sigaddset(&sa.sa_mask, SIGINT);
	if (!set_up_before(&b))
		ktap_diag("cannot set up the memory and fd to check");
	failing_file_cases(self);
	failing_pointer_cases(self);
	intact_cases(&b);

	/* What stage 2 checks: kept and dropped across the exec. */
	cfd = open("/etc/motd", O_RDONLY | O_CLOEXEC);
	kfd = open(tmp_name("kept"), O_CREAT | O_RDWR | O_TRUNC, 0644);
	ktap_ok(cfd >= 0 && kfd >= 0 && write(kfd, "kept\n", 5) == 5 &&
		sigaction(SIGUSR1, &sa, NULL) == 0 && signal(SIGUSR2, SIG_IGN) != SIG_ERR &&
		mmap(MAP_ADDR, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		-1, 0) == MAP_ADDR && memset(MAP_ADDR, 0x5a, 4096) == MAP_ADDR &&
		chdir("/bin") == 0, "state_to_check_after_exec");
	ktap_ok(get_config(&clusters, &cores) == 0 && start_blockers(), "three_threads_blocked");
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(cloexec_fd, sizeof(cloexec_fd), "%d", cfd);
	snprintf(kept_fd, sizeof(kept_fd), "%d", kfd);
	snprintf(kept_offset, sizeof(kept_offset), "%d", 5);
	snprintf(map_addr, sizeof(map_addr), "%p", MAP_ADDR);
	char *const argv[] = { "test_exec", "stage2", pid, cloexec_fd, kept_fd, kept_offset,
			  map_addr, NULL };
	char *const envp[] = { "ARCHIPEL_EXEC=stage2", NULL };
	/* relative to the current directory, /bin: the process is renamed "test_exec" */
	return exec_if_passed("stage1", "test_exec", argv, envp);
}

static int stage2(int argc, char **argv)
{
	struct sigaction usr1, usr2;
	char buf[8] = { 0 };
	int cfd, kfd;
	void *map;

	ktap_plan(8);
	if (argc != 7) {
		ktap_diag("usage: test_exec stage2 PID CLOEXEC_FD KEPT_FD KEPT_OFFSET MAP_ADDR");
		return 2;
	}
	cfd = atoi(argv[3]);
	kfd = atoi(argv[4]);
	map = (void *)strtoul(argv[6], NULL, 16);
	ktap_ok(getpid() == atoi(argv[2]), "same_pid");
	ktap_ok(strcmp(argv[0], "test_exec") == 0 && environ[0] && !environ[1] &&
		getenv("ARCHIPEL_EXEC") && strcmp(getenv("ARCHIPEL_EXEC"), "stage2") == 0,
		"new_argv_and_environment");
	ktap_ok(fcntl(cfd, F_GETFD) == -1 && errno == EBADF, "close_on_exec_fd_closed");
	ktap_ok(lseek(kfd, 0, SEEK_CUR) == atoi(argv[5]) && pread(kfd, buf, 5, 0) == 5 &&
		memcmp(buf, "kept\n", 5) == 0, "other_fd_kept_with_its_offset");
	ktap_ok(sigaction(SIGUSR1, NULL, &usr1) == 0 && usr1.sa_handler == SIG_DFL &&
		usr1.sa_flags == 0 && !sigismember(&usr1.sa_mask, SIGINT), "handler_back_to_default");
	/* signal() set SA_RESTART: Linux's exec clears the flags of an ignored signal too */
	ktap_ok(sigaction(SIGUSR2, NULL, &usr2) == 0 && usr2.sa_handler == SIG_IGN &&
		usr2.sa_flags == 0, "ignored_signal_still_ignored");
	ktap_ok(mprotect(map, 4096, PROT_READ) == -1 && errno == ENOMEM, "old_mapping_gone");
	close(kfd);
	unlink(tmp_name("kept")); /* stage 1's name: the pid is the same */
	/* the kernel lists the copies: one thread, in cluster 0, named after the exec's path */
	get_config(&clusters, &cores);
	for (unsigned int c = 0; c < clusters; c++)
		display(DISPLAY_PROCESS, c, 0, 0);
	ktap_ok(start_blockers(), "three_threads_blocked");
	char *const next_argv[] = { "test_startup", "after-exec", "stage2", NULL };
	char *const next_envp[] = { "ARCHIPEL_TEST=exec", "HOME=/", NULL };
	return exec_if_passed("stage2", "/bin/test_startup", next_argv, next_envp);
}

static void *exec_from_thread(void *arg)
{
	unsigned int cxy = 99, lid;
	char *const argv[] = { "test_startup", "from-thread", NULL };
	char *const envp[] = { "ARCHIPEL_TEST=thread", NULL };

	(void)arg;
	get_core_id(&cxy, &lid);
	ktap_ok(cxy == clusters - 1, "exec_thread_on_cluster_%u", clusters - 1);
	exit(exec_if_passed("thread", "/bin/test_startup", argv, envp));
}

static int from_thread(void)
{
	ktap_plan(3);
	ktap_ok(get_config(&clusters, &cores) == 0, "get_config");
	ktap_ok(start_blockers(), "three_threads_blocked");
	if (start_on(clusters - 1, exec_from_thread, NULL) != 0)
		return 1;
	pthread_mutex_lock(&lock);
	for (;;) /* the exec ends this thread */
		pthread_cond_wait(&never, &lock);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "errors") == 0)
		return errors_only(argv[0]);
	if (argc >= 2 && strcmp(argv[1], "stage2") == 0)
		return stage2(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "thread") == 0)
		return from_thread();
	return stage1(argv[0]);
}
