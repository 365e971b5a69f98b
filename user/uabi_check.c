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

#include <syscalls/uabi_linux.h>

#include <asm/siginfo.h>
#include <asm/signal.h>
#include <asm/stat.h>
#include <asm/statfs.h>
#include <asm/unistd.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/prctl.h>
#include <linux/resource.h>
#include <linux/sysinfo.h>
#include <linux/time.h>
#include <linux/times.h>

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

/* The layouts every 64-bit architecture shares (syscalls/uabi_linux.h). */
_Static_assert(sizeof(struct uabi_rusage) == sizeof(struct rusage), "struct rusage");
SAME_FIELD(struct uabi_rusage, struct rusage, ru_utime);
SAME_FIELD(struct uabi_rusage, struct rusage, ru_stime);
SAME_FIELD(struct uabi_rusage, struct rusage, ru_maxrss);
SAME_FIELD(struct uabi_rusage, struct rusage, ru_minflt);
SAME_FIELD(struct uabi_rusage, struct rusage, ru_majflt);
SAME_FIELD(struct uabi_rusage, struct rusage, ru_nvcsw);
SAME_FIELD(struct uabi_rusage, struct rusage, ru_nivcsw);
_Static_assert(sizeof(struct uabi_tms) == sizeof(struct tms), "struct tms");
SAME_FIELD(struct uabi_tms, struct tms, tms_cstime);
_Static_assert(sizeof(struct uabi_sysinfo) == sizeof(struct sysinfo), "struct sysinfo");
SAME_FIELD(struct uabi_sysinfo, struct sysinfo, uptime);
SAME_FIELD(struct uabi_sysinfo, struct sysinfo, loads);
SAME_FIELD(struct uabi_sysinfo, struct sysinfo, totalram);
SAME_FIELD(struct uabi_sysinfo, struct sysinfo, freeram);
SAME_FIELD(struct uabi_sysinfo, struct sysinfo, freeswap);
SAME_FIELD(struct uabi_sysinfo, struct sysinfo, procs);
SAME_FIELD(struct uabi_sysinfo, struct sysinfo, totalhigh);
SAME_FIELD(struct uabi_sysinfo, struct sysinfo, freehigh);
SAME_FIELD(struct uabi_sysinfo, struct sysinfo, mem_unit);
_Static_assert(UABI_SI_LOAD_SHIFT == SI_LOAD_SHIFT, "SI_LOAD_SHIFT");
_Static_assert(sizeof(struct uabi_statfs) == sizeof(struct statfs), "struct statfs");
SAME_FIELD(struct uabi_statfs, struct statfs, f_type);
SAME_FIELD(struct uabi_statfs, struct statfs, f_bsize);
SAME_FIELD(struct uabi_statfs, struct statfs, f_blocks);
SAME_FIELD(struct uabi_statfs, struct statfs, f_files);
SAME_FIELD(struct uabi_statfs, struct statfs, f_fsid);
SAME_FIELD(struct uabi_statfs, struct statfs, f_namelen);
SAME_FIELD(struct uabi_statfs, struct statfs, f_frsize);
SAME_FIELD(struct uabi_statfs, struct statfs, f_flags);
_Static_assert(UABI_RAMFS_MAGIC == RAMFS_MAGIC && UABI_TMPFS_MAGIC == TMPFS_MAGIC &&
	       UABI_PIPEFS_MAGIC == PIPEFS_MAGIC && UABI_DEVPTS_MAGIC == DEVPTS_SUPER_MAGIC, "magic");
_Static_assert(sizeof(struct uabi_itimerval) == sizeof(struct itimerval), "struct itimerval");
SAME_FIELD(struct uabi_itimerval, struct itimerval, it_value);
_Static_assert(sizeof(struct uabi_itimerspec) == sizeof(struct itimerspec), "struct itimerspec");
SAME_FIELD(struct uabi_itimerspec, struct itimerspec, it_value);
_Static_assert(UABI_ITIMER_REAL == ITIMER_REAL && UABI_ITIMER_VIRTUAL == ITIMER_VIRTUAL &&
	       UABI_ITIMER_PROF == ITIMER_PROF, "ITIMER_*");
_Static_assert(sizeof(struct uabi_sigevent) == sizeof(struct sigevent), "struct sigevent");
SAME_FIELD(struct uabi_sigevent, struct sigevent, sigev_signo);
SAME_FIELD(struct uabi_sigevent, struct sigevent, sigev_notify);
_Static_assert(offsetof(struct uabi_sigevent, un.tid) == offsetof(struct sigevent, sigev_notify_thread_id),
	       "sigev_notify_thread_id");
_Static_assert(UABI_SIGEV_SIGNAL == SIGEV_SIGNAL && UABI_SIGEV_NONE == SIGEV_NONE &&
	       UABI_SIGEV_THREAD == SIGEV_THREAD && UABI_SIGEV_THREAD_ID == SIGEV_THREAD_ID, "SIGEV_*");
_Static_assert(UABI_RENAME_NOREPLACE == RENAME_NOREPLACE && UABI_RENAME_EXCHANGE == RENAME_EXCHANGE &&
	       UABI_RENAME_WHITEOUT == RENAME_WHITEOUT, "RENAME_*");
_Static_assert(UABI_AT_SYMLINK_FOLLOW == AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW");
_Static_assert(UABI_PR_SET_NAME == PR_SET_NAME && UABI_PR_GET_NAME == PR_GET_NAME, "PR_*_NAME");

/* Each entry's number against __NR_<name>: a name Linux does not know does not compile. */
#define CHECK_ENTRY(nr, name) _Static_assert((nr) == __NR_##name, "__NR_" #name);
ARCH_SYSCALLS(CHECK_ENTRY)

/* A translation unit must declare something. */
int uabi_check_compiled;
