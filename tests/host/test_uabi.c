/*
 * test_uabi.c - the user ABI of an architecture and its conversions (kernel/syscalls/uabi.c,
 * hal_uabi.h), built once per architecture: with hal/riscv/include (test_uabi_riscv) and with
 * hal/x86_64/include first on the include path (test_uabi_x86_64). That the layouts and numbers
 * are Linux's is user/uabi_check.c's business, compiled against each architecture's UAPI headers.
 *
 * Checked: the syscall table (numbers unique and below SYSCALLS_NR, the calls every Linux
 * architecture must have listed), the user layout's order, struct stat conversion (every field,
 * padding zeroed, the identity's extremes), struct sigaction both ways (the
 * restorer where the ABI has one), clone's argument order, and the time conversions of poll,
 * select and ppoll.
 */
#include "htest.h"

#include <fs/vfs.h>
#include <kern/signal.h>
#include <libk/errno.h>
#include <syscalls/syscall.h>

#include <string.h>

/* ---- the table ---- */

typedef struct { unsigned nr; const char *name; } entry_t;

#define LIST_ENTRY(nr, name) { nr, #name },
static const entry_t table[] = { ARCH_SYSCALLS(LIST_ENTRY) };
#undef LIST_ENTRY
#define TABLE_SIZE (sizeof(table) / sizeof(table[0]))

static const entry_t *find(const char *name)
{
	for (size_t i = 0; i < TABLE_SIZE; i++)
		if (!strcmp(table[i].name, name))
			return &table[i];
	return NULL;
}

HT_TEST(table_numbers_unique_and_in_range)
{
	for (size_t i = 0; i < TABLE_SIZE; i++) {
		HT_CHECK(table[i].nr < SYSCALLS_NR);
		for (size_t j = i + 1; j < TABLE_SIZE; j++) {
			HT_CHECK(table[i].nr != table[j].nr);
			HT_CHECK(strcmp(table[i].name, table[j].name) != 0);
		}
	}
}

/* What a static glibc program needs whatever the architecture: the successors every table has. */
HT_TEST(table_has_the_calls_every_architecture_has)
{
	static const char *const names[] = {
		"read", "write", "openat", "close", "newfstatat", "fstat", "mmap", "munmap", "brk",
		"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "clone", "execve", "exit",
		"exit_group", "wait4", "ppoll", "pselect6", "pipe2", "dup3", "getdents64", "futex",
		"set_tid_address", "clock_gettime", "getpid", "gettid", "tgkill",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!find(names[i]))
			printf("# %s is missing from the table\n", names[i]);
		HT_CHECK(find(names[i]) != NULL);
	}
}

/* A table's number, or -1: the x86_64 build checks the old calls are there, riscv64's that they
 * are not (its glibc never makes them: a number there would be some other call). */
static int number_of(const char *name)
{
	const entry_t *e = find(name);

	return e ? (int)e->nr : -1;
}

HT_TEST(table_old_calls_where_the_abi_has_them)
{
	static const char *const old[] = {
		"open", "stat", "lstat", "access", "pipe", "dup2", "fork", "vfork", "poll", "select",
		"pause", "readlink", "mkdir", "rmdir", "unlink", "time", "getpgrp", "arch_prctl",
	};
	bool x86 = !strcmp(UABI_PLATFORM, "x86_64");

	for (size_t i = 0; i < sizeof(old) / sizeof(old[0]); i++)
		HT_CHECK((number_of(old[i]) >= 0) == x86);
	if (x86) { /* a few numbers of arch/x86/entry/syscalls/syscall_64.tbl */
		HT_CHECK(number_of("read") == 0 && number_of("open") == 2 && number_of("fork") == 57 &&
			 number_of("arch_prctl") == 158 && number_of("openat") == 257);
	} else { /* asm-generic */
		HT_CHECK(number_of("read") == 63 && number_of("openat") == 56 && number_of("clone") == 220 &&
			 number_of("rt_sigreturn") == 139);
	}
}

/* ---- the user layout ---- */

HT_TEST(user_layout_in_order)
{
	HT_CHECK(CONFIG_VMM_USER_MIN < CONFIG_VMM_ELF_DYN_BASE);
	HT_CHECK(CONFIG_VMM_ELF_END <= CONFIG_VMM_MMAP_BASE);
	HT_CHECK(CONFIG_VMM_MMAP_END <= CONFIG_VMM_STACK_TOP - (uint64_t)CONFIG_VMM_STACK_SLOTS *
		 CONFIG_VMM_STACK_PAGES * CONFIG_PAGE_SIZE);
	HT_CHECK(CONFIG_VMM_SIGTRAMP_BASE + CONFIG_PAGE_SIZE <= CONFIG_VMM_USER_END);
	HT_CHECK(CONFIG_VMM_USER_END <= CONFIG_VMM_USER_VA_END);
	HT_CHECK((CONFIG_VMM_USER_VA_END & (CONFIG_VMM_USER_VA_END - 1)) == 0); /* a half of a space */
}

/* ---- struct stat ---- */

static struct vfs_stat sample_stat(void)
{
	struct vfs_stat k = {
		.st_dev = 1, .st_ino = 0x123456789aULL, .st_mode = 0100644, .st_nlink = 3,
		.st_uid = 1000, .st_gid = 100, .st_rdev = 0x501, .st_size = 0x1234567890LL,
		.st_blksize = 4096, .st_blocks = 77, .st_atime = 1700000000, .st_atime_nsec = 1,
		.st_mtime = 1700000001, .st_mtime_nsec = 999999999, .st_ctime = 1700000002,
		.st_ctime_nsec = 500,
	};
	return k;
}

HT_TEST(stat_every_field)
{
	struct vfs_stat k = sample_stat();
	struct uabi_stat u;

	memset(&u, 0xa5, sizeof(u));
	HT_REQUIRE(uabi_stat_from(&u, &k) == 0);
	HT_CHECK(u.st_dev == 1 && u.st_ino == 0x123456789aULL && u.st_mode == 0100644);
	HT_CHECK(u.st_nlink == 3 && u.st_uid == 1000 && u.st_gid == 100 && u.st_rdev == 0x501);
	HT_CHECK(u.st_size == 0x1234567890LL && u.st_blksize == 4096 && u.st_blocks == 77);
	HT_CHECK(u.st_atime == 1700000000 && u.st_atime_nsec == 1);
	HT_CHECK(u.st_mtime == 1700000001 && u.st_mtime_nsec == 999999999);
	HT_CHECK(u.st_ctime == 1700000002 && u.st_ctime_nsec == 500);
}

/* Every byte that is not a field is zero: nothing of the kernel's stack reaches user space. */
HT_TEST(stat_padding_zeroed)
{
	struct vfs_stat k;
	struct uabi_stat u, fields;
	const unsigned char *p = (const unsigned char *)&u, *f = (const unsigned char *)&fields;

	memset(&k, 0, sizeof(k));
	memset(&u, 0xa5, sizeof(u));
	HT_REQUIRE(uabi_stat_from(&u, &k) == 0);
	memset(&fields, 0, sizeof(fields));
	for (size_t i = 0; i < sizeof(u); i++)
		HT_CHECK(p[i] == f[i]);
}

/* The identity fields keep their largest values on every 64-bit ABI (no EOVERFLOW: the check is
 * for an ABI with narrower fields). */
HT_TEST(stat_identity_extremes)
{
	struct vfs_stat k = sample_stat();
	struct uabi_stat u;

	k.st_nlink = UINT32_MAX;
	k.st_ino = UINT64_MAX;
	k.st_dev = UINT64_MAX;
	k.st_rdev = UINT64_MAX;
	HT_CHECK(uabi_stat_from(&u, &k) == 0);
	HT_CHECK(u.st_nlink == UINT32_MAX && u.st_ino == UINT64_MAX && u.st_dev == UINT64_MAX &&
		 u.st_rdev == UINT64_MAX);
}

/* ---- sigaction ---- */

HT_TEST(sigaction_both_ways)
{
	struct uabi_sigaction u, back;
	k_sigaction_t k;

	memset(&u, 0, sizeof(u));
	u.sa_handler = 0x10234;
	u.sa_flags = SA_SIGINFO | SA_RESTART | UABI_SA_RESTORER;
	u.sa_mask = 0x8000000000000001ULL;
	uabi_sigaction_set_restorer(&u, 0x10400);
	uabi_sigaction_to_kernel(&u, &k);
	HT_CHECK(k.handler == 0x10234 && k.mask == 0x8000000000000001ULL);
	HT_CHECK(k.flags == (SA_SIGINFO | SA_RESTART | UABI_SA_RESTORER));
	/* the restorer exists where the ABI has one */
	HT_CHECK(k.restorer == (UABI_SA_RESTORER ? 0x10400u : 0u));
	memset(&back, 0xa5, sizeof(back));
	uabi_sigaction_from_kernel(&k, &back);
	HT_CHECK(memcmp(&back, &u, sizeof(u)) == 0);
	HT_CHECK(sizeof(u) == (UABI_SA_RESTORER ? 32u : 24u));
}

/* ---- clone ---- */

HT_TEST(clone_argument_order)
{
	const uint64_t args[6] = { CLONE_VM | CLONE_THREAD | 17, 0x7000, 0x1111, 0x2222, 0x3333, 0 };
	bool backwards = !strcmp(UABI_PLATFORM, "riscv64"); /* CONFIG_CLONE_BACKWARDS */
	clone_req_t req;

	uabi_clone_decode(args, &req);
	HT_CHECK(req.flags == (CLONE_VM | CLONE_THREAD | 17) && req.sp == 0x7000 && req.ptid == 0x1111);
	if (backwards)
		HT_CHECK(req.tls == 0x2222 && req.ctid == 0x3333);
	else
		HT_CHECK(req.ctid == 0x2222 && req.tls == 0x3333);
}

/* ---- time ---- */

HT_TEST(deadline_of_a_timeout)
{
	uint64_t d = 12345;

	HT_CHECK(uabi_deadline(1000, 0, 0, &d) == 0 && d == 0);             /* look once */
	HT_CHECK(uabi_deadline(1000, 2, 5, &d) == 0 && d == 1000 + 2000000005ULL);
	HT_CHECK(uabi_deadline(1000, INT64_MAX, 0, &d) == 0 && d == UABI_FOREVER);
	d = 7;
	HT_CHECK(uabi_deadline(1000, -1, 0, &d) == EINVAL && d == 7);       /* nothing written */
	HT_CHECK(uabi_deadline(1000, 0, -1, &d) == EINVAL);
	HT_CHECK(uabi_deadline(1000, 0, 1000000000, &d) == EINVAL);
	/* the largest finite deadline stays below FOREVER */
	HT_CHECK(uabi_deadline(UABI_FOREVER - 10, 0, 999999999, &d) == 0 && d < UABI_FOREVER);
}

HT_TEST(timeval_split_carries_microseconds)
{
	int64_t sec, nsec;
	const int64_t a[2] = { 1, 2500000 }, b[2] = { 0, -1 }, c[2] = { INT64_MAX, 1000000 };
	const int64_t d[2] = { 3, 999999 };

	uabi_timeval_split(a, &sec, &nsec);
	HT_CHECK(sec == 3 && nsec == 500000000);
	uabi_timeval_split(b, &sec, &nsec); /* Linux refuses a negative tv_usec */
	HT_CHECK(nsec < 0 && uabi_deadline(0, sec, nsec, &(uint64_t){ 0 }) == EINVAL);
	uabi_timeval_split(c, &sec, &nsec); /* the carry saturates: for ever */
	HT_CHECK(sec == INT64_MAX && nsec == 0);
	uabi_timeval_split(d, &sec, &nsec);
	HT_CHECK(sec == 3 && nsec == 999999000);
}

HT_TEST(time_left)
{
	int64_t t[2];

	uabi_time_left_timespec(100, 100 + 3 * UABI_NSEC_PER_SEC + 7, t);
	HT_CHECK(t[0] == 3 && t[1] == 7);
	uabi_time_left_timespec(200, 100, t); /* passed */
	HT_CHECK(t[0] == 0 && t[1] == 0);
	uabi_time_left_timeval(0, 2 * UABI_NSEC_PER_SEC + 1999, t); /* nanoseconds truncated */
	HT_CHECK(t[0] == 2 && t[1] == 1);
}

