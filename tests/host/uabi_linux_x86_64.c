/*
 * uabi_linux_x86_64.c - hal/x86_64/include/arch/{uabi,syscall_table}.h against the host's own
 * Linux x86_64 UAPI headers (the host is x86_64 Debian: linux-libc-dev): every size and offset of
 * struct stat, struct sigaction and stack_t, the constants, and every number of the table.
 *
 * A translation unit of its own: the UAPI's struct sigaction and sigset_t clash with the C
 * library's <signal.h>, which the test runner includes. Compiled only into test_uabi_x86_64.
 */
#include <arch/syscall_table.h>
#include <arch/uabi.h>

#include <asm/prctl.h>
#include <asm/signal.h>
#include <asm/stat.h>
#include <asm/unistd_64.h>
#include <stdio.h>

static int mismatches;

static void same(const char *what, unsigned long ours, unsigned long theirs)
{
	if (ours != theirs) {
		printf("# %s: ours %lu, Linux %lu\n", what, ours, theirs);
		mismatches++;
	}
}

#define SAME_FIELD(ours_t, linux_t, field) do {                                              \
		same(#linux_t "." #field " offset", offsetof(ours_t, field), offsetof(linux_t, field)); \
		same(#linux_t "." #field " size", sizeof(((ours_t *)0)->field),                    \
		     sizeof(((linux_t *)0)->field));                                               \
	} while (0)

int uabi_linux_x86_64_mismatches(void)
{
	mismatches = 0;
	same("sizeof(struct stat)", sizeof(struct uabi_stat), sizeof(struct stat));
	SAME_FIELD(struct uabi_stat, struct stat, st_dev);
	SAME_FIELD(struct uabi_stat, struct stat, st_ino);
	SAME_FIELD(struct uabi_stat, struct stat, st_nlink);
	SAME_FIELD(struct uabi_stat, struct stat, st_mode);
	SAME_FIELD(struct uabi_stat, struct stat, st_uid);
	SAME_FIELD(struct uabi_stat, struct stat, st_gid);
	SAME_FIELD(struct uabi_stat, struct stat, st_rdev);
	SAME_FIELD(struct uabi_stat, struct stat, st_size);
	SAME_FIELD(struct uabi_stat, struct stat, st_blksize);
	SAME_FIELD(struct uabi_stat, struct stat, st_blocks);
	SAME_FIELD(struct uabi_stat, struct stat, st_atime);
	SAME_FIELD(struct uabi_stat, struct stat, st_atime_nsec);
	SAME_FIELD(struct uabi_stat, struct stat, st_mtime);
	SAME_FIELD(struct uabi_stat, struct stat, st_mtime_nsec);
	SAME_FIELD(struct uabi_stat, struct stat, st_ctime);
	SAME_FIELD(struct uabi_stat, struct stat, st_ctime_nsec);

	same("sizeof(struct sigaction)", sizeof(struct uabi_sigaction), sizeof(struct sigaction));
	same("sa_handler offset", offsetof(struct uabi_sigaction, sa_handler),
	     offsetof(struct sigaction, sa_handler));
	SAME_FIELD(struct uabi_sigaction, struct sigaction, sa_flags);
	SAME_FIELD(struct uabi_sigaction, struct sigaction, sa_restorer);
	SAME_FIELD(struct uabi_sigaction, struct sigaction, sa_mask);
	same("SA_RESTORER", UABI_SA_RESTORER, SA_RESTORER);

	same("sizeof(stack_t)", sizeof(uabi_stack_t), sizeof(stack_t));
	SAME_FIELD(uabi_stack_t, stack_t, ss_sp);
	SAME_FIELD(uabi_stack_t, stack_t, ss_flags);
	SAME_FIELD(uabi_stack_t, stack_t, ss_size);
	same("MINSIGSTKSZ", UABI_MINSIGSTKSZ, MINSIGSTKSZ);

	same("ARCH_SET_GS", UABI_ARCH_SET_GS, ARCH_SET_GS);
	same("ARCH_SET_FS", UABI_ARCH_SET_FS, ARCH_SET_FS);
	same("ARCH_GET_FS", UABI_ARCH_GET_FS, ARCH_GET_FS);
	same("ARCH_GET_GS", UABI_ARCH_GET_GS, ARCH_GET_GS);
	return mismatches;
}

/* Each entry's number against __NR_<name>: a name Linux does not know does not compile. */
#define CHECK_ENTRY(nr, name) same("__NR_" #name, nr, __NR_##name);

int uabi_linux_x86_64_table_mismatches(void)
{
	mismatches = 0;
	ARCH_SYSCALLS(CHECK_ENTRY)
	return mismatches;
}
