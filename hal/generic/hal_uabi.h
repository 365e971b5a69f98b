/*
 * hal_uabi.h - the user ABI of the architecture: what generic code needs to answer the Linux system
 * calls of that architecture's programs, and where its user address space lies (docs/user.md, "One
 * ABI per architecture").
 *
 * Generic code speaks Linux semantics once; what differs between architectures comes from three
 * headers of hal/<arch>/include/arch/, included here:
 *
 * <arch/syscall_table.h> defines ARCH_SYSCALLS(ENTRY), a list of ENTRY(nr, name): system call
 *   number nr runs the generic sys_<name> (kernel/syscalls/syscall.h), <name> being Linux's name of
 *   the call (__NR_<name>). Every number is below SYSCALLS_NR (syscall.h) and listed once; the
 *   list holds the calls of the architecture only (riscv64 has no open(2), x86_64 has).
 *
 * <arch/uabi.h> defines the layouts and constants that differ between Linux architectures:
 *   - struct uabi_stat: struct stat of stat/fstat/newfstatat, fields named as Linux's (st_dev,
 *     st_ino, st_mode, st_nlink, st_uid, st_gid, st_rdev, st_size, st_blksize, st_blocks,
 *     st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec);
 *   - struct uabi_sigaction: rt_sigaction's struct (sa_handler, sa_flags, sa_mask, and sa_restorer
 *     where the architecture has one), with uabi_sigaction_restorer() / _set_restorer() (0 and
 *     nothing where it has none) and UABI_SA_RESTORER, the flag that says the restorer is set (0
 *     where there is no such flag);
 *   - uabi_stack_t: sigaltstack's stack_t (ss_sp, ss_flags, ss_size); UABI_MINSIGSTKSZ;
 *   - UABI_CLONE_ARG_PTID, _CTID, _TLS: the argument index of clone(2)'s parent tid, child tid and
 *     tls pointers (flags and stack are arguments 0 and 1 everywhere);
 *   - UABI_PLATFORM: the string of the auxiliary vector's AT_PLATFORM (AT_HWCAP's value comes
 *     from hal_elf_hwcap(), hal_special.h);
 *   - UABI_ARCH_SET_FS, _GET_FS, _SET_GS, _GET_GS: arch_prctl(2)'s codes, whose SET_FS/GET_FS set
 *     and get the thread pointer (hal_user_set_tls, hal_context.h);
 *   - static_asserts on every size and offset, looked up in the Linux UAPI headers.
 *   The constants Linux gives every architecture the same value (signal numbers, SA_* other than
 *   SA_RESTORER, CLONE_*, AT_*) are generic: kernel/kern/signal.h and kernel/syscalls/uabi.h.
 *
 * <arch/user_layout.h> defines the user address space, from low to high addresses (all page
 *   aligned; kernel/mm/vspace.c checks their order at build time):
 *   - CONFIG_VMM_ELF_DYN_BASE: load address of a static-pie (ET_DYN) image;
 *   - CONFIG_VMM_ELF_END: ELF segments end at or below it; the heap (brk) starts above the image;
 *   - CONFIG_VMM_MMAP_BASE, CONFIG_VMM_MMAP_END: the zone of mmap without MAP_FIXED (the heap
 *     stops at its base);
 *   - CONFIG_VMM_STACK_TOP: end of the STACK zone, whose size is generic (CONFIG_VMM_STACK_SLOTS
 *     slots of CONFIG_VMM_STACK_PAGES pages, params.h; its base is kernel/mm/vspace.h's);
 *   - CONFIG_VMM_SIGTRAMP_BASE: the page of the signal return trampoline, at or above STACK_TOP;
 *   - CONFIG_VMM_USER_END: end of the usable user space (exclusive);
 *   - CONFIG_VMM_USER_VA_END: end of the user half of a page table, >= CONFIG_VMM_USER_END
 *     (hal_gpt.h's GPT_USER_VA_END).
 *   The lowest user address (CONFIG_VMM_USER_MIN) is generic (params.h).
 */
#ifndef HAL_UABI_H
#define HAL_UABI_H

#include <arch/syscall_table.h>
#include <arch/uabi.h>
#include <arch/user_layout.h>

#endif /* HAL_UABI_H */
