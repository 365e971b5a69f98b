/*
 * arch/user_layout.h - the user address space on riscv64 (hal_uabi.h says what this header must
 * define; docs/memory.md draws it).
 *
 * Sv39 gives user space the lower half of a 39-bit space: [0, 0x4000000000), 256 GiB. Zones, from
 * low to high addresses:
 *   [0, USER_MIN)                 never mapped (params.h): NULL-pointer accesses fault;
 *   ELF image                     where the linker put it (a static riscv64 glibc binary links at
 *                                 0x10000; a static-pie at ELF_DYN_BASE); must end below ELF_END;
 *   heap (brk)                    from the page after the ELF image up to MMAP_BASE, growing up;
 *   [MMAP_BASE, MMAP_END)         mmap without MAP_FIXED, first fit, growing up (kernel/mm/vspace.h);
 *   [MMAP_END, STACK_BASE)        free: only MAP_FIXED mappings go there;
 *   [STACK_BASE, STACK_TOP)       the stack slots (kernel/mm/vspace.h): 8 GiB with params.h's sizes;
 *   [STACK_TOP, USER_END)         pages the kernel provides to user space: the signal return
 *                                 trampoline at SIGTRAMP_BASE (kernel/mm/vmm_query.h).
 */
#ifndef ARCH_USER_LAYOUT_H
#define ARCH_USER_LAYOUT_H

#define CONFIG_VMM_USER_VA_END      0x4000000000UL /* Sv39 user half: 256 GiB, exclusive        */
#define CONFIG_VMM_USER_END         0x4000000000UL /* all of it is usable                       */
#define CONFIG_VMM_ELF_DYN_BASE     0x400000UL     /* load address of a static-pie (ET_DYN)     */
#define CONFIG_VMM_ELF_END          0x1000000000UL /* ELF segments end at or below (64 GiB)     */
#define CONFIG_VMM_MMAP_BASE        0x2000000000UL /* MMAP zone (128 GiB); heap limit           */
#define CONFIG_VMM_MMAP_END         0x3000000000UL /* end of the MMAP zone (192 GiB), exclusive */
#define CONFIG_VMM_STACK_TOP        0x3fc0000000UL /* end of the STACK zone (255 GiB)           */
#define CONFIG_VMM_SIGTRAMP_BASE    0x3fc0000000UL /* signal trampoline: one page at STACK_TOP  */

#endif /* ARCH_USER_LAYOUT_H */
