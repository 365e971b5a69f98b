/*
 * layout.h - the physical places and early page tables of x86_64 early boot (boot internal).
 *
 * Included by assembly (entry.S, trampoline.S) and C. The kernel's virtual layout is mmu.h's
 * (hal/x86_64): the direct map at DMAP_BASE, the stack area, the image window at KIMAGE_VBASE.
 * Early boot (entry.S) maps physical [0, 4 GiB) at virtual 0 (identity: the 32-bit entry and the
 * AP trampoline run there while they turn paging on) and in the direct map, and the image window
 * onto the load address, with 2 MiB pages. Phase 0 (boot.c) then moves onto cluster 0's kernel page
 * table; the early tables stay for the trampoline, which each starting core passes through
 * (docs/boot_x86_64.md).
 */
#ifndef BOOT_X86_64_LAYOUT_H
#define BOOT_X86_64_LAYOUT_H

#include "mmu.h"

#define KIMAGE_PBASE      0x200000            /* where QEMU loads the image (2 MiB aligned)     */
#define EARLY_MAP_LIMIT   0x100000000         /* early page tables map [0, 4 GiB) (2 MiB pages) */

#define PHASE0_STACK_SIZE 0x4000              /* the boot core's stack in phase 0               */
#define TRAMPOLINE_PA     0x8000              /* the AP trampoline's page: RAM below 1 MiB, in the
                                                 reserved first MiB; SIPI vector = its page number */

/* Segment selectors of the boot GDT (entry.S): the AP trampoline has the same ones. */
#define SEL_CODE64        0x08
#define SEL_DATA          0x10
#define SEL_CODE32        0x18

/* I/O ports of QEMU's q35 machine used before any driver runs. */
#define COM1_PORT         0x3f8               /* 16550 UART                                     */
#define DEBUG_EXIT_PORT   0xf4                /* -device isa-debug-exit,iobase=0xf4,iosize=0x04 */

/*
 * The start block of a core being started, ap_start[APIC id] in the loaded image (cluster 0's
 * replica), 64 bytes: what the trampoline's 64-bit part loads (boot.h has the C struct).
 */
#define AP_START_CR3      0
#define AP_START_SP       8
#define AP_START_ENTRY    16
#define AP_START_ARG      24
#define AP_START_CHECKIN  32
#define AP_START_SIZE     64

#ifdef __ASSEMBLER__
/* Physical address of a symbol of the loaded image, for code that runs before paging (or at the
 * identity mapping). */
#define PA(sym)           ((sym) - KIMAGE_VBASE + KIMAGE_PBASE)
#endif

#endif /* BOOT_X86_64_LAYOUT_H */
