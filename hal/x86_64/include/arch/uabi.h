/*
 * arch/uabi.h - the Linux x86_64 layouts and constants that differ between architectures
 * (hal_uabi.h says what this header must define).
 *
 * From the UAPI headers of arch/x86/include/uapi/asm: struct stat of stat.h (the 64-bit one:
 * st_nlink before st_mode, 144 bytes), struct sigaction of signal.h with sa_restorer before
 * sa_mask and SA_RESTORER 0x04000000 (glibc always sets both: its handlers return through its
 * __restore_rt, which calls rt_sigreturn), stack_t, MINSIGSTKSZ 2048, clone's argument order
 * without CONFIG_CLONE_BACKWARDS (child tid before tls), and arch_prctl's codes of prctl.h.
 * user/uabi_check.c, compiled by the host-tests tree on an x86_64 host, compares every layout here
 * with the host's own x86_64 UAPI headers.
 */
#ifndef ARCH_UABI_H
#define ARCH_UABI_H

#include <stddef.h>
#include <stdint.h>

/* struct stat (x86_64): 144 bytes. */
struct uabi_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	uint32_t pad0;
	uint64_t st_rdev;
	int64_t  st_size;
	int64_t  st_blksize;
	int64_t  st_blocks;
	uint64_t st_atime;
	uint64_t st_atime_nsec;
	uint64_t st_mtime;
	uint64_t st_mtime_nsec;
	uint64_t st_ctime;
	uint64_t st_ctime_nsec;
	int64_t  unused[3];
};
_Static_assert(sizeof(struct uabi_stat) == 144, "x86_64 struct stat");
_Static_assert(offsetof(struct uabi_stat, st_nlink) == 16 && offsetof(struct uabi_stat, st_mode) == 24 &&
	       offsetof(struct uabi_stat, st_rdev) == 40 && offsetof(struct uabi_stat, st_size) == 48 &&
	       offsetof(struct uabi_stat, st_blksize) == 56 && offsetof(struct uabi_stat, st_atime) == 72 &&
	       offsetof(struct uabi_stat, st_ctime_nsec) == 112, "x86_64 struct stat offsets");

/* struct sigaction as rt_sigaction reads and writes it. */
struct uabi_sigaction {
	uint64_t sa_handler;
	uint64_t sa_flags;
	uint64_t sa_restorer;
	uint64_t sa_mask;
};
_Static_assert(sizeof(struct uabi_sigaction) == 32 && offsetof(struct uabi_sigaction, sa_restorer) == 16 &&
	       offsetof(struct uabi_sigaction, sa_mask) == 24, "x86_64 struct sigaction");

#define UABI_SA_RESTORER 0x04000000ULL

static inline uint64_t uabi_sigaction_restorer(const struct uabi_sigaction *act)
{
	return act->sa_restorer;
}

static inline void uabi_sigaction_set_restorer(struct uabi_sigaction *act, uint64_t restorer)
{
	act->sa_restorer = restorer;
}

/* stack_t of sigaltstack (the padding after ss_flags named, so that it is written as zero). */
typedef struct uabi_stack_s {
	uint64_t ss_sp;
	int32_t  ss_flags;
	int32_t  pad;
	uint64_t ss_size;
} uabi_stack_t;
_Static_assert(sizeof(uabi_stack_t) == 24 && offsetof(uabi_stack_t, ss_size) == 16, "x86_64 stack_t");

#define UABI_MINSIGSTKSZ 2048

/* clone(flags, newsp, parent_tid, child_tid, tls). */
#define UABI_CLONE_ARG_PTID 2
#define UABI_CLONE_ARG_CTID 3
#define UABI_CLONE_ARG_TLS  4

/* AT_PLATFORM's string (Linux: ELF_PLATFORM, the machine name). AT_HWCAP is CPUID.1:EDX. */
#define UABI_PLATFORM "x86_64"

/* arch_prctl(2) codes: the FS base is the thread pointer of x86_64's TLS. */
#define UABI_ARCH_SET_GS 0x1001
#define UABI_ARCH_SET_FS 0x1002
#define UABI_ARCH_GET_FS 0x1003
#define UABI_ARCH_GET_GS 0x1004

#endif /* ARCH_UABI_H */
