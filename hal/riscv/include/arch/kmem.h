/*
 * arch/kmem.h - RISC-V's kernel virtual layout, as far as code shared by every architecture needs it
 * (hal_remote.h and hal_special.h say what this header must define; hal/riscv/mmu.h draws the whole
 * Sv39 layout and builds on these). Plain numbers: assembly may include it.
 */
#ifndef ARCH_KMEM_H
#define ARCH_KMEM_H

#define KMEM_DMAP_BASE         0xffffffc000000000 /* + pa: the direct map of physical memory    */
#define KMEM_DMAP_SIZE         0x2000000000       /* 128 GiB of physical addresses at most      */
#define KMEM_KSTACK_BASE       0xffffffe000000000 /* + (cxy << AREA_SHIFT): cluster cxy's stacks */
#define KMEM_KSTACK_AREA_SHIFT 30                 /* one GiB of stack slots per cluster         */
#define KMEM_KSTACK_SLOT_SIZE  0x8000             /* 32 KiB: a stack at the top, its guard below */
#define KMEM_KIMAGE_VBASE      0xffffffff80000000 /* the image window (CONFIG_KIMAGE_MAX_SIZE)  */

#endif /* ARCH_KMEM_H */
