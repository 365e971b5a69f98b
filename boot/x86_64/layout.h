/*
 * layout.h - the x86_64 kernel virtual layout and the physical places early boot uses.
 *
 * Included by assembly (entry.S, trampoline.S, the linker script through cpp) and C. The layout is
 * described in docs/boot_x86_64.md; in short, with 4-level paging (48-bit canonical addresses):
 *
 *   0x0000000000000000 - 0x00007fffffffffff  user space (128 TiB)
 *   0xffff800000000000 - 0xffffbfffffffffff  direct map of physical memory (64 TiB), pa + DMAP_BASE
 *   0xffffffff80000000 - +16 MiB             image window: this cluster's replica of the kernel image
 *
 * Both kernel ranges have their low 48 bits sign-extending back to the address, as the extended
 * pointers of hal_types.h require (GET_PTR sign-extends bit 47).
 * Early boot also maps physical [0, 4 GiB) at virtual 0 (identity): the 32-bit entry and the AP
 * trampoline run there while they turn paging on. Phase 2 drops it from the kernel's page tables.
 */
#ifndef BOOT_X86_64_LAYOUT_H
#define BOOT_X86_64_LAYOUT_H

#define KIMAGE_VBASE      0xffffffff80000000  /* start of the image window (linked address)     */
#define KIMAGE_PBASE      0x200000            /* where QEMU loads the image (2 MiB aligned)     */
#define KIMAGE_WINDOW     0x1000000           /* 16 MiB = CONFIG_KIMAGE_MAX_SIZE                */
#define DMAP_BASE         0xffff800000000000  /* direct map: virtual = DMAP_BASE + physical     */
#define DMAP_MAX          0x400000000000      /* 64 TiB of physical addresses at most           */
#define EARLY_MAP_LIMIT   0x100000000         /* early page tables map [0, 4 GiB) (2 MiB pages) */

#define BOOT_STACK_SIZE   0x4000              /* the boot core's stack (CONFIG_BOOT_STACK_SIZE) */
#define TRAMPOLINE_PA     0x8000              /* the AP trampoline's page: RAM below 1 MiB, in the
                                                 reserved first MiB; SIPI vector = its page number */

/* Segment selectors of the boot GDT (entry.S): the AP trampoline has the same ones. */
#define SEL_CODE64        0x08
#define SEL_DATA          0x10
#define SEL_CODE32        0x18

/* I/O ports of QEMU's q35 machine used before any driver runs. */
#define COM1_PORT         0x3f8               /* 16550 UART                                     */
#define DEBUG_EXIT_PORT   0xf4                /* -device isa-debug-exit,iobase=0xf4,iosize=0x04 */

#ifdef __ASSEMBLER__
/* Physical address of a symbol of the image, for code that runs before paging (or identity mapped). */
#define PA(sym)           ((sym) - KIMAGE_VBASE + KIMAGE_PBASE)
#endif

#endif /* BOOT_X86_64_LAYOUT_H */
