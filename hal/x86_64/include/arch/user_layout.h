/*
 * arch/user_layout.h - the user address space on x86_64 (hal_uabi.h says what this header must
 * define; docs/memory.md draws it).
 *
 * 4-level paging gives user space the lower canonical half, [0, 0x800000000000): 128 TiB. As
 * Linux (TASK_SIZE_MAX), its last page is never mapped: a `syscall` instruction at the very end
 * would return to a non-canonical address, which sysret turns into a fault in kernel mode on Intel
 * CPUs. Zones, from low to high addresses (the riscv64 plan, scaled to the larger space):
 *   [0, USER_MIN)                 never mapped (params.h): NULL-pointer accesses fault;
 *   ELF image                     a static x86_64 glibc binary links at 0x400000, a static-pie is
 *                                 loaded at ELF_DYN_BASE; ends below ELF_END (16 TiB);
 *   heap (brk)                    from the page after the image up to MMAP_BASE (32 TiB);
 *   [MMAP_BASE, MMAP_END)         mmap without MAP_FIXED: 64 TiB;
 *   [MMAP_END, STACK_BASE)        free: only MAP_FIXED mappings go there;
 *   [STACK_BASE, STACK_TOP)       the stack slots (kernel/mm/vspace.h): 8 GiB with params.h's sizes;
 *   [STACK_TOP, USER_END)         pages the kernel provides: the signal trampoline at
 *                                 SIGTRAMP_BASE (glibc's handlers return through sa_restorer
 *                                 instead, but the page is there for programs that do not).
 */
#ifndef ARCH_USER_LAYOUT_H
#define ARCH_USER_LAYOUT_H

#define CONFIG_VMM_USER_VA_END      0x800000000000UL /* 4-level user half: 128 TiB, exclusive   */
#define CONFIG_VMM_USER_END         0x7ffffffff000UL /* its last page excluded (TASK_SIZE_MAX)  */
#define CONFIG_VMM_ELF_DYN_BASE     0x400000UL       /* load address of a static-pie (ET_DYN)   */
#define CONFIG_VMM_ELF_END          0x100000000000UL /* ELF segments end at or below (16 TiB)   */
#define CONFIG_VMM_MMAP_BASE        0x200000000000UL /* MMAP zone (32 TiB); heap limit          */
#define CONFIG_VMM_MMAP_END         0x600000000000UL /* end of the MMAP zone (96 TiB)           */
#define CONFIG_VMM_STACK_TOP        0x7fff00000000UL /* end of the STACK zone (128 TiB - 4 GiB) */
#define CONFIG_VMM_SIGTRAMP_BASE    0x7fff00000000UL /* signal trampoline: one page at STACK_TOP */

#endif /* ARCH_USER_LAYOUT_H */
