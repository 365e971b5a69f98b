/*
 * test_fsmeta.c - the calls on names and inodes (KTAP): chmod/fchmod/fchmodat, truncate/ftruncate,
 * renameat2 (NOREPLACE, EXCHANGE) and its checks, linkat and nlink, symlinkat, utimensat and
 * futimens, statfs/fstatfs; each success checked by its effect, each of Linux's errors asked for,
 * a rename race between clusters, and the leak check (memcheck.h) over a repeated round.
 * Raw syscall(2) calls: glibc's wrappers check nothing first.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <uarch.h>
#include "almos.h"
#include "ktap.h"
#include "memcheck.h"

#define KERNEL_ADDRESS ((void *)UARCH_KERNEL_IMAGE)
#define RAMFS_MAGIC  0x858458f6
#define TMPFS_MAGIC  0x01021994
#define PIPEFS_MAGIC 0x50495045

static bool fails(long ret, int err)
{
	return ret == -1 && errno == err;
}

static long rename2(const char *a, const char *b, unsigned int flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static bool put_file(const char *path, const char *text)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	close(fd);
	return ok;
}

/* The whole content of @path is @text. */
static bool has_text(const char *path, const char *text)
{
	char buf[256];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;

	close(fd);
	return n == (ssize_t)strlen(text) && !memcmp(buf, text, (size_t)n);
}

static nlink_t links_of(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 ? st.st_nlink : 0;
}

static void test_chmod(void)
{
	struct stat st;
	int fd, p[2];

	put_file("/tmp/m", "x");
	ktap_ok(syscall(SYS_fchmodat, AT_FDCWD, "/tmp/m", 04751) == 0 && stat("/tmp/m", &st) == 0 &&
		(st.st_mode & 07777) == 04751 && S_ISREG(st.st_mode), "fchmodat_sets_mode_bits");
	fd = open("/tmp/m", O_RDONLY);
	ktap_ok(syscall(SYS_fchmod, fd, 0600) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0600,
		"fchmod_on_a_read_only_fd");
	close(fd);
	symlink("/tmp/m", "/tmp/m_link");
	ktap_ok(syscall(SYS_fchmodat, AT_FDCWD, "/tmp/m_link", 0640) == 0 && stat("/tmp/m", &st) == 0 &&
		(st.st_mode & 07777) == 0640, "fchmodat_follows_links");
	pipe(p);
	ktap_ok(syscall(SYS_fchmod, p[0], 0644) == 0, "fchmod_pipe");
	close(p[0]);
	close(p[1]);
	ktap_ok(fails(syscall(SYS_fchmodat, AT_FDCWD, "/tmp/none", 0644), ENOENT) &&
		fails(syscall(SYS_fchmodat, AT_FDCWD, "/tmp/m/x", 0644), ENOTDIR) &&
		fails(syscall(SYS_fchmodat, AT_FDCWD, NULL, 0644), EFAULT) &&
		fails(syscall(SYS_fchmodat, AT_FDCWD, KERNEL_ADDRESS, 0644), EFAULT) &&
		fails(syscall(SYS_fchmod, 77, 0644), EBADF) && fails(syscall(SYS_fchmod, -1, 0644), EBADF),
		"chmod_bad_input");
	unlink("/tmp/m_link");
	unlink("/tmp/m");
}

static sigjmp_buf bus_jmp;
static volatile int bus_code;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_code = si->si_code;
	siglongjmp(bus_jmp, 1);
}

/* A shared mapping of a file, every page touched, then the file shrinks: a page beyond the new
 * end is SIGBUS (its mapping went), the first page keeps its bytes, its tail reads zeros. */
static bool sigbus_beyond_end(void)
{
	struct sigaction sa = { 0 }, old;
	volatile char *map;
	volatile bool got = false;
	int fd = open("/tmp/t_map", O_CREAT | O_TRUNC | O_RDWR, 0644);

	if (fd < 0 || ftruncate(fd, 3 * 4096) != 0)
		return false;
	map = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		return false;
	map[0] = 'a';
	map[4096] = 'b';
	map[2 * 4096] = 'c';
	ftruncate(fd, 100); /* the first page keeps 100 bytes; pages 1 and 2 are beyond the end */
	sa.sa_sigaction = on_bus;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, &old);
	bus_code = 0;
	if (sigsetjmp(bus_jmp, 1) == 0)
		(void)map[2 * 4096];
	else
		got = bus_code == BUS_ADRERR;
	sigaction(SIGBUS, &old, NULL);
	got = got && map[0] == 'a' && map[200] == 0; /* the tail of the last page reads zeros */
	munmap((void *)map, 3 * 4096);
	close(fd);
	unlink("/tmp/t_map");
	return got;
}

static void test_truncate(void)
{
	char buf[8192];
	struct stat st;
	bool zeros = true;
	int fd, ro, p[2];

	put_file("/tmp/t", "hello world");
	fd = open("/tmp/t", O_RDWR);
	ktap_ok(syscall(SYS_ftruncate, fd, 5) == 0 && fstat(fd, &st) == 0 && st.st_size == 5 &&
		has_text("/tmp/t", "hello"), "ftruncate_shrinks");
	ktap_ok(syscall(SYS_truncate, "/tmp/t", 8192) == 0 && stat("/tmp/t", &st) == 0 && st.st_size == 8192 &&
		pread(fd, buf, sizeof(buf), 0) == 8192 && !memcmp(buf, "hello", 5), "truncate_grows");
	for (int i = 5; i < 8192; i++)
		zeros = zeros && buf[i] == 0;
	ktap_ok(zeros, "truncate_grown_part_reads_zeros");
	ro = open("/tmp/t", O_RDONLY);
	pipe(p);
	ktap_ok(fails(syscall(SYS_ftruncate, fd, -1), EINVAL) && fails(syscall(SYS_ftruncate, ro, 0), EINVAL) &&
		fails(syscall(SYS_ftruncate, 77, 0), EBADF) && fails(syscall(SYS_ftruncate, p[1], 0), EINVAL) &&
		fails(syscall(SYS_ftruncate, -1, 0), EBADF), "ftruncate_bad_input");
	ktap_ok(fails(syscall(SYS_truncate, "/tmp/t", -1), EINVAL) && fails(syscall(SYS_truncate, "/tmp", 0), EISDIR) &&
		fails(syscall(SYS_truncate, "/tmp/none", 0), ENOENT) &&
		fails(syscall(SYS_truncate, "/dev/null", 0), EINVAL) &&
		fails(syscall(SYS_truncate, NULL, 0), EFAULT) &&
		fails(syscall(SYS_truncate, "/tmp/t/x", 0), ENOTDIR) &&
		fails(syscall(SYS_truncate, "/tmp/t", 1LL << 62), EFBIG), "truncate_bad_input");
	close(p[0]);
	close(p[1]);
	close(ro);
	close(fd);
	unlink("/tmp/t");
	ktap_ok(sigbus_beyond_end(), "shared_mapping_beyond_shrunk_end_sigbus");
}

static void test_rename(void)
{
	struct stat st, st2;
	nlink_t tmp_links;
	int fd;
	char cwd[64];

	mkdir("/tmp/r", 0755);
	mkdir("/tmp/r/d1", 0755);
	mkdir("/tmp/r/d2", 0755);
	put_file("/tmp/r/a", "alpha");
	ktap_ok(rename2("/tmp/r/a", "/tmp/r/d1/b", 0) == 0 && has_text("/tmp/r/d1/b", "alpha") &&
		fails(access("/tmp/r/a", F_OK), ENOENT) && links_of("/tmp/r/d1/b") == 1, "rename_moves_content");
	/* a directory moves: the parents' link counts follow its ".." */
	ktap_ok(links_of("/tmp/r/d1") == 2 && rename2("/tmp/r/d1", "/tmp/r/d2/d1", 0) == 0 &&
		links_of("/tmp/r/d2") == 3 && links_of("/tmp/r") == 3 && has_text("/tmp/r/d2/d1/b", "alpha") &&
		stat("/tmp/r/d2/d1/..", &st) == 0 && stat("/tmp/r/d2", &st2) == 0 && st.st_ino == st2.st_ino,
		"rename_directory_moves_dotdot_and_nlink");
	chdir("/tmp/r/d2/d1");
	rename2("/tmp/r/d2", "/tmp/r/d3", 0);
	ktap_ok(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/tmp/r/d3/d1") == 0 && has_text("../d1/b", "alpha"),
		"rename_of_an_ancestor_seen_by_getcwd");
	chdir("/");
	/* replacing a file: the old one loses its name but lives while open */
	put_file("/tmp/r/x", "x-old");
	put_file("/tmp/r/y", "y-new");
	fd = open("/tmp/r/x", O_RDONLY);
	ktap_ok(rename2("/tmp/r/y", "/tmp/r/x", 0) == 0 && has_text("/tmp/r/x", "y-new") &&
		fstat(fd, &st) == 0 && st.st_nlink == 0 && fails(access("/tmp/r/y", F_OK), ENOENT),
		"rename_replaces_atomically");
	close(fd);
	put_file("/tmp/r/y", "y2");
	ktap_ok(fails(rename2("/tmp/r/y", "/tmp/r/x", RENAME_NOREPLACE), EEXIST) && has_text("/tmp/r/x", "y-new"),
		"rename_noreplace_eexist");
	ktap_ok(rename2("/tmp/r/y", "/tmp/r/x", RENAME_EXCHANGE) == 0 && has_text("/tmp/r/x", "y2") &&
		has_text("/tmp/r/y", "y-new"), "rename_exchange_swaps");
	ktap_ok(rename2("/tmp/r/d3", "/tmp/r/y", RENAME_EXCHANGE) == 0 && has_text("/tmp/r/d3", "y-new") &&
		has_text("/tmp/r/y/d1/b", "alpha") && rename2("/tmp/r/d3", "/tmp/r/y", RENAME_EXCHANGE) == 0,
		"rename_exchange_file_and_directory");
	/* hard links of one inode: nothing happens */
	link("/tmp/r/x", "/tmp/r/x2");
	ktap_ok(rename2("/tmp/r/x", "/tmp/r/x2", 0) == 0 && links_of("/tmp/r/x") == 2 && links_of("/tmp/r/x2") == 2,
		"rename_same_inode_is_a_no_op");
	unlink("/tmp/r/x2");
	mkdir("/tmp/r/e", 0755);
	tmp_links = links_of("/tmp/r");
	ktap_ok(rename2("/tmp/r/d3", "/tmp/r/e", 0) == 0 && links_of("/tmp/r") == tmp_links - 1 &&
		has_text("/tmp/r/e/d1/b", "alpha") && rename2("/tmp/r/e", "/tmp/r/d3", 0) == 0,
		"rename_directory_over_empty_directory");
	mkdir("/tmp/r/full", 0755);
	put_file("/tmp/r/full/f", "f");
	ktap_ok(fails(rename2("/tmp/r/d3", "/tmp/r/full", 0), ENOTEMPTY) &&
		fails(rename2("/tmp/r/d3", "/tmp/r/d3/d1/sub", 0), EINVAL) &&
		fails(rename2("/tmp/r/d3", "/tmp/r/d3/d1", 0), EINVAL) &&
		fails(rename2("/tmp/r/d3/d1", "/tmp/r/d3", 0), ENOTEMPTY) &&
		fails(rename2("/tmp/r/x", "/tmp/r/d3", 0), EISDIR) &&
		fails(rename2("/tmp/r/d3", "/tmp/r/x", 0), ENOTDIR) &&
		fails(rename2("/tmp/r/none", "/tmp/r/z", 0), ENOENT) &&
		fails(rename2("/tmp/r/x", "/tmp/r/none/z", 0), ENOENT) &&
		fails(rename2("/tmp/r/x/", "/tmp/r/z", 0), ENOTDIR) &&
		fails(rename2("/tmp/r/x", "/tmp/r/z/", 0), ENOTDIR) &&
		fails(rename2("/tmp/r/x", "/tmp/r/none", RENAME_EXCHANGE), ENOENT),
		"rename_checks_of_linux");
	ktap_ok(fails(rename2("/dev/null", "/tmp/r/null", 0), EXDEV) &&
		fails(rename2("/tmp/r/x", "/dev/x", 0), EXDEV) &&
		fails(rename2("/", "/tmp/r/root", 0), EBUSY) && fails(rename2("/tmp/r/x", "/", 0), EBUSY) &&
		fails(rename2("/tmp/r/x", "/", RENAME_NOREPLACE), EEXIST) &&
		fails(rename2("/tmp/r/..", "/tmp/r/z", 0), EBUSY) &&
		fails(rename2("/dev", "/tmp/r/dev", 0), EBUSY) && fails(rename2("/tmp/r/d3", "/dev", 0), EBUSY),
		"rename_exdev_and_ebusy");
	ktap_ok(fails(rename2("/tmp/r/x", "/tmp/r/z", RENAME_NOREPLACE | RENAME_EXCHANGE), EINVAL) &&
		/* RENAME_WHITEOUT: EINVAL on a RAM file system (Linux's simple_rename; ext4 has it) */
		fails(rename2("/tmp/r/x", "/tmp/r/z", 8), EINVAL) && fails(rename2("/tmp/r/x", "/tmp/r/z", 4), EINVAL) &&
		fails(rename2(NULL, "/tmp/r/z", 0), EFAULT) && fails(rename2("/tmp/r/x", KERNEL_ADDRESS, 0), EFAULT),
		"rename_bad_flags_and_pointers");
}

static void test_link_symlink(void)
{
	struct stat st, st2;
	char buf[64];
	long n;

	put_file("/tmp/l", "shared");
	ktap_ok(syscall(SYS_linkat, AT_FDCWD, "/tmp/l", AT_FDCWD, "/tmp/l2", 0) == 0 && links_of("/tmp/l") == 2 &&
		put_file("/tmp/l2", "written through l2") && has_text("/tmp/l", "written through l2") &&
		unlink("/tmp/l") == 0 && links_of("/tmp/l2") == 1, "linkat_shares_the_inode_and_counts");
	syscall(SYS_symlinkat, "/tmp/l2", AT_FDCWD, "/tmp/sl");
	n = syscall(SYS_readlinkat, AT_FDCWD, "/tmp/sl", buf, sizeof(buf));
	ktap_ok(n == 7 && !memcmp(buf, "/tmp/l2", 7), "symlinkat_readlink");
	ktap_ok(syscall(SYS_linkat, AT_FDCWD, "/tmp/sl", AT_FDCWD, "/tmp/sl_nofollow", 0) == 0 &&
		lstat("/tmp/sl_nofollow", &st) == 0 && S_ISLNK(st.st_mode) &&
		syscall(SYS_linkat, AT_FDCWD, "/tmp/sl", AT_FDCWD, "/tmp/sl_follow", AT_SYMLINK_FOLLOW) == 0 &&
		lstat("/tmp/sl_follow", &st) == 0 && stat("/tmp/l2", &st2) == 0 && S_ISREG(st.st_mode) &&
		st.st_ino == st2.st_ino && st.st_nlink == 2, "linkat_symlink_follow_or_not");
	ktap_ok(fails(syscall(SYS_linkat, AT_FDCWD, "/tmp/l2", AT_FDCWD, "/tmp/sl", 0), EEXIST) &&
		fails(syscall(SYS_linkat, AT_FDCWD, "/tmp", AT_FDCWD, "/tmp/dirlink", 0), EPERM) &&
		fails(syscall(SYS_linkat, AT_FDCWD, "/dev/null", AT_FDCWD, "/tmp/nl", 0), EXDEV) &&
		fails(syscall(SYS_linkat, AT_FDCWD, "/tmp/none", AT_FDCWD, "/tmp/nl", 0), ENOENT) &&
		fails(syscall(SYS_linkat, AT_FDCWD, "/tmp/l2", AT_FDCWD, "/tmp/nl/", 0), ENOENT) &&
		fails(syscall(SYS_linkat, AT_FDCWD, "/tmp/l2", AT_FDCWD, "/", 0), EEXIST) &&
		fails(syscall(SYS_linkat, AT_FDCWD, "/tmp/l2", AT_FDCWD, "/tmp/nl", 0x8), EINVAL) &&
		fails(syscall(SYS_linkat, AT_FDCWD, NULL, AT_FDCWD, "/tmp/nl", 0), EFAULT),
		"linkat_bad_input");
	ktap_ok(fails(syscall(SYS_symlinkat, "x", AT_FDCWD, "/tmp/sl"), EEXIST) &&
		fails(syscall(SYS_symlinkat, "", AT_FDCWD, "/tmp/sl3"), ENOENT) &&
		fails(syscall(SYS_symlinkat, NULL, AT_FDCWD, "/tmp/sl3"), EFAULT) &&
		fails(syscall(SYS_symlinkat, "x", AT_FDCWD, "/tmp/none/sl3"), ENOENT),
		"symlinkat_bad_input");
	unlink("/tmp/sl_follow");
	unlink("/tmp/sl_nofollow");
	unlink("/tmp/sl");
	unlink("/tmp/l2");
}

static void test_utimens(void)
{
	struct timespec t[2] = { { 1000, 500 }, { 2000, 600 } }, now_t[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	struct stat st, lst;
	int fd;

	put_file("/tmp/u", "u");
	symlink("/tmp/u", "/tmp/u_link");
	ktap_ok(syscall(SYS_utimensat, AT_FDCWD, "/tmp/u", t, 0) == 0 && stat("/tmp/u", &st) == 0 &&
		st.st_atim.tv_sec == 1000 && st.st_atim.tv_nsec == 500 && st.st_mtim.tv_sec == 2000 &&
		st.st_mtim.tv_nsec == 600, "utimensat_sets_both_times");
	struct timespec before, after;
	clock_gettime(CLOCK_REALTIME, &before);
	ktap_ok(syscall(SYS_utimensat, AT_FDCWD, "/tmp/u", now_t, 0) == 0 && stat("/tmp/u", &st) == 0 &&
		clock_gettime(CLOCK_REALTIME, &after) == 0 && st.st_atim.tv_sec >= before.tv_sec &&
		st.st_atim.tv_sec <= after.tv_sec && st.st_mtim.tv_sec == 2000, "utimensat_now_and_omit");
	ktap_ok(syscall(SYS_utimensat, AT_FDCWD, "/tmp/u", NULL, 0) == 0 && stat("/tmp/u", &st) == 0 &&
		st.st_mtim.tv_sec != 2000, "utimensat_null_times_is_now");
	ktap_ok(syscall(SYS_utimensat, AT_FDCWD, "/tmp/u_link", t, AT_SYMLINK_NOFOLLOW) == 0 &&
		lstat("/tmp/u_link", &lst) == 0 && lst.st_mtim.tv_sec == 2000 && stat("/tmp/u", &st) == 0 &&
		st.st_mtim.tv_sec != 2000, "utimensat_nofollow_changes_the_link");
	fd = open("/tmp/u", O_RDONLY);
	ktap_ok(syscall(SYS_utimensat, fd, NULL, t, 0) == 0 && fstat(fd, &st) == 0 && st.st_mtim.tv_sec == 2000,
		"futimens_through_a_null_path");
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	ktap_ok(fails(syscall(SYS_utimensat, AT_FDCWD, "/tmp/u", bad, 0), EINVAL) &&
		fails(syscall(SYS_utimensat, AT_FDCWD, "/tmp/u", t, 0x8), EINVAL) &&
		fails(syscall(SYS_utimensat, fd, NULL, t, AT_SYMLINK_NOFOLLOW), EINVAL) &&
		fails(syscall(SYS_utimensat, 77, NULL, t, 0), EBADF) &&
		fails(syscall(SYS_utimensat, AT_FDCWD, NULL, t, 0), EFAULT) &&
		fails(syscall(SYS_utimensat, AT_FDCWD, "/tmp/u", KERNEL_ADDRESS, 0), EFAULT) &&
		fails(syscall(SYS_utimensat, AT_FDCWD, "/tmp/none", t, 0), ENOENT), "utimensat_bad_input");
	close(fd);
	unlink("/tmp/u_link");
	unlink("/tmp/u");
}

static void test_statfs(void)
{
	struct statfs root, dev, null, pipe_fs;
	int p[2];

	pipe(p);
	ktap_ok(syscall(SYS_statfs, "/", &root) == 0 && root.f_type == RAMFS_MAGIC && root.f_bsize == 4096 &&
		root.f_blocks > 0 && root.f_bfree <= root.f_blocks && root.f_namelen == 255,
		"statfs_root_is_ramfs");
	ktap_ok(syscall(SYS_statfs, "/dev", &dev) == 0 && dev.f_type == TMPFS_MAGIC &&
		syscall(SYS_statfs, "/dev/null", &null) == 0 && null.f_type == TMPFS_MAGIC &&
		syscall(SYS_fstatfs, p[0], &pipe_fs) == 0 && pipe_fs.f_type == PIPEFS_MAGIC,
		"statfs_devfs_and_fstatfs_pipe");
	ktap_ok(fails(syscall(SYS_statfs, "/none", &root), ENOENT) && fails(syscall(SYS_statfs, NULL, &root), EFAULT) &&
		fails(syscall(SYS_statfs, "/", KERNEL_ADDRESS), EFAULT) && fails(syscall(SYS_fstatfs, 77, &root), EBADF) &&
		fails(syscall(SYS_fstatfs, p[0], NULL), EFAULT), "statfs_bad_input");
	close(p[0]);
	close(p[1]);
}

/* Threads of several clusters: two move a directory back and forth, two look inside it. */
#define RACE_RENAMES 20
static volatile int race_stop;
static volatile long race_errors;

static void *mover(void *arg)
{
	for (int i = 0; i < RACE_RENAMES; i++) {
		if (rename2(i % 2 ? "/tmp/rr/b" : "/tmp/rr/a", i % 2 ? "/tmp/rr/a" : "/tmp/rr/b", 0) != 0 &&
		    errno != ENOENT)
			race_errors++;
	}
	(void)arg;
	return NULL;
}

static void *looker(void *arg)
{
	(void)arg;
	while (!race_stop) {
		struct stat st;
		if (stat("/tmp/rr/a/sub/..", &st) != 0 && errno != ENOENT)
			race_errors++;
		if (stat("/tmp/rr/b/sub/f", &st) != 0 && errno != ENOENT)
			race_errors++;
	}
	return NULL;
}

static bool rename_race(void)
{
	unsigned int clusters, cores;
	pthread_t t[4];
	struct timespec t0, t1;
	bool ok;

	get_config(&clusters, &cores);
	mkdir("/tmp/rr", 0755);
	mkdir("/tmp/rr/a", 0755);
	mkdir("/tmp/rr/a/sub", 0755);
	put_file("/tmp/rr/a/sub/f", "f");
	race_stop = 0;
	race_errors = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 4; i++) {
		place_next((int)((unsigned int)i % clusters), -1);
		pthread_create(&t[i], NULL, i < 2 ? mover : looker, NULL);
	}
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	race_stop = 1;
	pthread_join(t[2], NULL);
	pthread_join(t[3], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ktap_diag("rename race: %d renames by each of 2 threads in %ld ms", RACE_RENAMES,
		  (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
	/* exactly one of the two names remains, with its content */
	ok = race_errors == 0 && (access("/tmp/rr/a", F_OK) == 0) != (access("/tmp/rr/b", F_OK) == 0) &&
	     (has_text("/tmp/rr/a/sub/f", "f") || has_text("/tmp/rr/b/sub/f", "f"));
	rename2("/tmp/rr/b", "/tmp/rr/a", 0);
	unlink("/tmp/rr/a/sub/f");
	rmdir("/tmp/rr/a/sub");
	rmdir("/tmp/rr/a");
	rmdir("/tmp/rr");
	return ok;
}

/* A round of names made, moved, linked and removed, for the leak check. */
static bool names_round(void)
{
	bool ok = mkdir("/tmp/lk", 0755) == 0 && mkdir("/tmp/lk/d", 0755) == 0 && put_file("/tmp/lk/f", "f") &&
		  put_file("/tmp/lk/g", "g") && rename2("/tmp/lk/f", "/tmp/lk/d/f", 0) == 0 &&
		  rename2("/tmp/lk/g", "/tmp/lk/d/f", 0) == 0 && link("/tmp/lk/d/f", "/tmp/lk/h") == 0 &&
		  rename2("/tmp/lk/h", "/tmp/lk/d", RENAME_EXCHANGE) == 0 && symlink("x", "/tmp/lk/s") == 0 &&
		  truncate("/tmp/lk/d", 20000) == 0 && truncate("/tmp/lk/d", 10) == 0;
	unlink("/tmp/lk/s");
	unlink("/tmp/lk/d");
	unlink("/tmp/lk/h/f");
	rmdir("/tmp/lk/h");
	rmdir("/tmp/lk");
	return ok && rename_race();
}

int main(void)
{
	struct memcheck quiet, base, now;

	ktap_plan(41);
	ktap_ok(memcheck_snapshot(&quiet), "memcheck_snapshot");
	test_chmod();
	test_truncate();
	test_rename();
	test_link_symlink();
	test_utimens();
	test_statfs();
	ktap_ok(rename_race(), "rename_race_between_clusters");
	unlink("/tmp/r/x");
	unlink("/tmp/r/y");
	ktap_ok(names_round(), "names_round");
	ktap_ok(memcheck_settled(&quiet, &base) && names_round() && memcheck_settled(&quiet, &now) &&
		memcheck_same(&now, &base), "no_leak");
	return ktap_exit();
}
