/*
 * uabi_linux.h - Linux user layouts that are the same on every 64-bit architecture Archipel runs
 * (riscv64 and x86_64: struct rusage, tms, sysinfo, statfs, itimerval, itimerspec, sigevent), and
 * the constants of the calls that use them. Those that differ are <arch/uabi.h>'s (hal_uabi.h).
 *
 * Only <stdint.h> and <stddef.h> types: user/uabi_check.c includes this header too and compares
 * every size and offset with the toolchain's Linux UAPI headers at build time.
 */
#ifndef SYSCALLS_UABI_LINUX_H
#define SYSCALLS_UABI_LINUX_H

#include <stddef.h>
#include <stdint.h>

struct uabi_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

struct uabi_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

/* getrusage(2) */
#define UABI_RUSAGE_SELF     0
#define UABI_RUSAGE_CHILDREN (-1)
#define UABI_RUSAGE_THREAD   1

struct uabi_rusage {
	struct uabi_timeval ru_utime;
	struct uabi_timeval ru_stime;
	int64_t ru_maxrss;   /* KiB */
	int64_t ru_ixrss;
	int64_t ru_idrss;
	int64_t ru_isrss;
	int64_t ru_minflt;
	int64_t ru_majflt;
	int64_t ru_nswap;
	int64_t ru_inblock;
	int64_t ru_oublock;
	int64_t ru_msgsnd;
	int64_t ru_msgrcv;
	int64_t ru_nsignals;
	int64_t ru_nvcsw;
	int64_t ru_nivcsw;
};
_Static_assert(sizeof(struct uabi_rusage) == 144, "struct rusage");

/* times(2): clock ticks of USER_HZ */
struct uabi_tms {
	int64_t tms_utime;
	int64_t tms_stime;
	int64_t tms_cutime;
	int64_t tms_cstime;
};

/* sysinfo(2) */
#define UABI_SI_LOAD_SHIFT 16

struct uabi_sysinfo {
	int64_t  uptime;
	uint64_t loads[3];
	uint64_t totalram;
	uint64_t freeram;
	uint64_t sharedram;
	uint64_t bufferram;
	uint64_t totalswap;
	uint64_t freeswap;
	uint16_t procs;
	uint16_t pad;
	uint64_t totalhigh;
	uint64_t freehigh;
	uint32_t mem_unit;
	char     _f[4];   /* Linux's char _f[20 - 2 * sizeof(long) - sizeof(int)] is empty: padding */
};
_Static_assert(sizeof(struct uabi_sysinfo) == 112 && offsetof(struct uabi_sysinfo, procs) == 80 &&
	       offsetof(struct uabi_sysinfo, mem_unit) == 104, "struct sysinfo");

/* statfs(2), fstatfs(2): the asm-generic struct statfs with 64-bit words */
struct uabi_statfs {
	int64_t  f_type;
	int64_t  f_bsize;
	uint64_t f_blocks;
	uint64_t f_bfree;
	uint64_t f_bavail;
	uint64_t f_files;
	uint64_t f_ffree;
	int32_t  f_fsid[2];
	int64_t  f_namelen;
	int64_t  f_frsize;
	int64_t  f_flags;
	int64_t  f_spare[4];
};
_Static_assert(sizeof(struct uabi_statfs) == 120, "struct statfs");

/* The f_type of each file system (include/uapi/linux/magic.h). */
#define UABI_RAMFS_MAGIC  0x858458f6
#define UABI_TMPFS_MAGIC  0x01021994
#define UABI_PIPEFS_MAGIC 0x50495045
#define UABI_DEVPTS_MAGIC 0x1cd1

/* f_flags (ST_* of statvfs, as Linux's statfs reports them with ST_VALID) */
#define UABI_ST_NOSUID   0x0002
#define UABI_ST_NOEXEC   0x0008
#define UABI_ST_NOATIME  0x0400
#define UABI_ST_VALID    0x0020

/* setitimer(2), getitimer(2) */
#define UABI_ITIMER_REAL    0
#define UABI_ITIMER_VIRTUAL 1
#define UABI_ITIMER_PROF    2

struct uabi_itimerval {
	struct uabi_timeval it_interval;
	struct uabi_timeval it_value;
};

/* timer_settime(2), timer_gettime(2) */
struct uabi_itimerspec {
	struct uabi_timespec it_interval;
	struct uabi_timespec it_value;
};

/* timer_create(2)'s struct sigevent (64 bytes) */
#define UABI_SIGEV_SIGNAL    0
#define UABI_SIGEV_NONE      1
#define UABI_SIGEV_THREAD    2
#define UABI_SIGEV_THREAD_ID 4

struct uabi_sigevent {
	uint64_t sigev_value;   /* union sigval */
	int32_t  sigev_signo;
	int32_t  sigev_notify;
	union {
		int32_t pad[12];
		int32_t tid;        /* SIGEV_THREAD_ID */
	} un;
};
_Static_assert(sizeof(struct uabi_sigevent) == 64 && offsetof(struct uabi_sigevent, un) == 16,
	       "struct sigevent");

/* utimensat(2) */
#define UABI_UTIME_NOW  ((1L << 30) - 1L)
#define UABI_UTIME_OMIT ((1L << 30) - 2L)

/* renameat2(2) */
#define UABI_RENAME_NOREPLACE 0x1
#define UABI_RENAME_EXCHANGE  0x2
#define UABI_RENAME_WHITEOUT  0x4

/* linkat(2) */
#define UABI_AT_SYMLINK_FOLLOW 0x400

/* prctl(2) */
#define UABI_PR_SET_NAME 15
#define UABI_PR_GET_NAME 16
#define UABI_TASK_COMM_LEN 16

#endif /* SYSCALLS_UABI_LINUX_H */
