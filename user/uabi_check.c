/*
 * uabi_check.c - the kernel's view of the user ABI (hal/<arch>/include/arch/{uabi,syscall_table}.h)
 * against Linux's own UAPI headers: every size, offset and constant, and every number of the
 * system call table. Compiled, never run: a difference is a build error. Compiled twice: by the user
 * programs' toolchain against its architecture's headers (user/CMakeLists.txt, target uabi_check:
 * riscv64 with Debian's linux-libc-dev-riscv64-cross), and by the host compiler of an x86_64 host
 * against x86_64's (tests/host/uabi.cmake, target uabi_check_x86_64: linux-libc-dev).
 */
#include <arch/syscall_table.h>
#include <arch/uabi.h>

#include <asm/signal.h>
#include <asm/stat.h>
#include <asm/unistd.h>

#define SAME_FIELD(ours, theirs, field)                                                              \
	_Static_assert(offsetof(ours, field) == offsetof(theirs, field) &&                          \
		       sizeof(((ours *)0)->field) == sizeof(((theirs *)0)->field), #theirs "." #field)

_Static_assert(sizeof(struct uabi_stat) == sizeof(struct stat), "struct stat");
SAME_FIELD(struct uabi_stat, struct stat, st_dev);
SAME_FIELD(struct uabi_stat, struct stat, st_ino);
SAME_FIELD(struct uabi_stat, struct stat, st_mode);
SAME_FIELD(struct uabi_stat, struct stat, st_nlink);
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

_Static_assert(sizeof(struct uabi_sigaction) == sizeof(struct sigaction), "struct sigaction");
_Static_assert(offsetof(struct uabi_sigaction, sa_handler) == offsetof(struct sigaction, sa_handler),
	       "sa_handler");
SAME_FIELD(struct uabi_sigaction, struct sigaction, sa_flags);
SAME_FIELD(struct uabi_sigaction, struct sigaction, sa_mask);
#ifdef SA_RESTORER /* x86_64 */
_Static_assert(UABI_SA_RESTORER == SA_RESTORER, "SA_RESTORER");
SAME_FIELD(struct uabi_sigaction, struct sigaction, sa_restorer);
#else /* riscv64 */
_Static_assert(UABI_SA_RESTORER == 0, "no SA_RESTORER: no restorer field");
#endif

_Static_assert(sizeof(uabi_stack_t) == sizeof(stack_t), "stack_t");
SAME_FIELD(uabi_stack_t, stack_t, ss_sp);
SAME_FIELD(uabi_stack_t, stack_t, ss_flags);
SAME_FIELD(uabi_stack_t, stack_t, ss_size);
_Static_assert(UABI_MINSIGSTKSZ == MINSIGSTKSZ, "MINSIGSTKSZ");

/* Each entry's number against __NR_<name>: a name Linux does not know does not compile. */
#define CHECK_ENTRY(nr, name) _Static_assert((nr) == __NR_##name, "__NR_" #name);
ARCH_SYSCALLS(CHECK_ENTRY)

/* A translation unit must declare something. */
int uabi_check_compiled;
