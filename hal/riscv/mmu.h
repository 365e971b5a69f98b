/*
 * mmu.h - the Sv39 virtual memory layout of Archipel (HAL internal; the PTE format is <arch/pte.h>).
 *
 * Virtual layout (kernel half, identical in every cluster except the image window):
 *   0xffffffc000000000 + pa   direct map of physical memory (1 GiB leaves, read/write, no execute)
 *   0xffffffe000000000 + c GiB kernel stacks of cluster c (4 KiB pages, guard pages unmapped),
 *                             mapped identically in every cluster (hal_context.c)
 *   0xffffffff80000000        image window: this cluster's replica of the kernel image (4 KiB pages)
 */
#ifndef HAL_RISCV_MMU_H
#define HAL_RISCV_MMU_H

#include <arch/kmem.h>
#include <arch/pte.h>
#include <hal_types.h>
#include <params.h>

#define DMAP_BASE      KMEM_DMAP_BASE
#define DMAP_MAX_GIB   (KMEM_DMAP_SIZE >> 30)    /* direct map covers pa < 128 GiB */
#define KSTACK_BASE    KMEM_KSTACK_BASE          /* = DMAP_BASE + DMAP_MAX_GIB GiB */
#define KSTACK_SLOT_SIZE KMEM_KSTACK_SLOT_SIZE   /* one stack and its guard        */
#define KIMAGE_VBASE   KMEM_KIMAGE_VBASE
#define KIMAGE_VEND    (KIMAGE_VBASE + CONFIG_KIMAGE_MAX_SIZE)

/* The Sv39 format is <arch/pte.h>'s; the names the boot and context code use for it. */
#define PT_ENTRIES        PTE_ENTRIES
#define PT_LEVEL_SHIFT(l) PTE_LEVEL_SHIFT(l)     /* level 2 = root (1 GiB), 1 (2 MiB), 0 (4 KiB) */
#define PT_INDEX(va, l)   (((va) >> PT_LEVEL_SHIFT(l)) & (PT_ENTRIES - 1))

#endif /* HAL_RISCV_MMU_H */
