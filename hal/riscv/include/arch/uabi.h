/*
 * arch/uabi.h - the Linux riscv64 layouts and constants that differ between architectures
 * (hal_uabi.h says what this header must define).
 *
 * riscv64 takes the asm-generic definitions: struct stat of include/uapi/asm-generic/stat.h,
 * struct sigaction of include/uapi/asm-generic/signal.h without sa_restorer (riscv defines no
 * SA_RESTORER: the kernel's vDSO holds the return trampoline; Archipel's is a page of its own),
 * stack_t, MINSIGSTKSZ 2048, and clone's argument order of CONFIG_CLONE_BACKWARDS. The user build
 * compares these layouts with the cross toolchain's UAPI headers (user/uabi_check.c).
 */
#ifndef ARCH_UABI_H
#define ARCH_UABI_H

#include <stddef.h>
#include <stdint.h>

/* struct stat (asm-generic, 64-bit): 128 bytes. */
struct uabi_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint32_t st_mode;
	uint32_t st_nlink;
	uint32_t st_uid;
	uint32_t st_gid;
	uint64_t st_rdev;
	uint64_t pad1;
	int64_t  st_size;
	int32_t  st_blksize;
	int32_t  pad2;
	int64_t  st_blocks;
	int64_t  st_atime;
	uint64_t st_atime_nsec;
	int64_t  st_mtime;
	uint64_t st_mtime_nsec;
	int64_t  st_ctime;
	uint64_t st_ctime_nsec;
	uint32_t unused4;
	uint32_t unused5;
};
_Static_assert(sizeof(struct uabi_stat) == 128, "riscv64 struct stat");
_Static_assert(offsetof(struct uabi_stat, st_nlink) == 20 && offsetof(struct uabi_stat, st_rdev) == 32 &&
	       offsetof(struct uabi_stat, st_size) == 48 && offsetof(struct uabi_stat, st_blksize) == 56 &&
	       offsetof(struct uabi_stat, st_blocks) == 64 && offsetof(struct uabi_stat, st_atime) == 72 &&
	       offsetof(struct uabi_stat, st_ctime_nsec) == 112, "riscv64 struct stat offsets");

/* struct sigaction as rt_sigaction reads and writes it: no restorer. */
struct uabi_sigaction {
	uint64_t sa_handler;
	uint64_t sa_flags;
	uint64_t sa_mask;
};
_Static_assert(sizeof(struct uabi_sigaction) == 24 && offsetof(struct uabi_sigaction, sa_mask) == 16,
	       "riscv64 struct sigaction");

#define UABI_SA_RESTORER 0 /* riscv64 has no SA_RESTORER */

static inline uint64_t uabi_sigaction_restorer(const struct uabi_sigaction *act)
{
	(void)act;
	return 0;
}

static inline void uabi_sigaction_set_restorer(struct uabi_sigaction *act, uint64_t restorer)
{
	(void)act;
	(void)restorer;
}

/* stack_t of sigaltstack. */
typedef struct uabi_stack_s {
	uint64_t ss_sp;
	int32_t  ss_flags;
	int32_t  pad;
	uint64_t ss_size;
} uabi_stack_t;
_Static_assert(sizeof(uabi_stack_t) == 24 && offsetof(uabi_stack_t, ss_size) == 16, "riscv64 stack_t");

#define UABI_MINSIGSTKSZ 2048

/* clone(flags, newsp, parent_tid, tls, child_tid): CONFIG_CLONE_BACKWARDS. */
#define UABI_CLONE_ARG_PTID 2
#define UABI_CLONE_ARG_TLS  3
#define UABI_CLONE_ARG_CTID 4

/* AT_PLATFORM's string (AT_HWCAP: one bit per single-letter extension, hal_elf_hwcap). */
#define UABI_PLATFORM "riscv64"

/*
 * arch_prctl(2) is x86's only: riscv64's table does not list it (its programs set tp themselves,
 * or through clone's tls). The codes are x86's (asm/prctl.h), so that the one generic
 * implementation compiles for every architecture and its host test runs with either header.
 */
#define UABI_ARCH_SET_GS 0x1001
#define UABI_ARCH_SET_FS 0x1002
#define UABI_ARCH_GET_FS 0x1003
#define UABI_ARCH_GET_GS 0x1004

#endif /* ARCH_UABI_H */
