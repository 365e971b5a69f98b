/*
 * hal_types.h - the basic types every layer of Archipel shares.
 *
 * Addresses of different kinds have different types and are converted only through named functions
 * (hal_special.h for physical <-> kernel virtual, the XPTR macros below for extended pointers):
 *   paddr_t  a physical address;
 *   vaddr_t  a virtual address as a number (user or kernel);
 *   xptr_t   an extended pointer: a cluster id and a kernel pointer, valid in every cluster;
 *   ppn_t / vpn_t  physical and virtual page numbers.
 */
#ifndef HAL_TYPES_H
#define HAL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;   /* physical address                          */
typedef uint64_t vaddr_t;   /* virtual address as a number               */
typedef uint64_t xptr_t;    /* extended pointer (cluster, kernel pointer) */
typedef uint64_t ppn_t;     /* physical page number                      */
typedef uint64_t vpn_t;     /* virtual page number                       */
typedef uint16_t cxy_t;     /* cluster index (= NUMA node id)            */
typedef uint32_t lid_t;     /* core index inside its cluster             */
typedef uint32_t hwid_t;    /* hardware core id (hart id, APIC id)       */
typedef int      error_t;   /* 0 on success, a positive code of errno.h  */
typedef uint64_t cycle_t;   /* a count of cycles or timer ticks          */

/*
 * Extended pointers. The cluster id sits in the top 16 bits; the low 48 bits are the low bits of a
 * kernel virtual address, sign-extended back by GET_PTR. A pointer into the kernel image window names
 * that object in the *target* cluster's replica of the image (hal_remote.h does the translation);
 * any other kernel pointer (direct map) is the same in every cluster.
 */
#define XPTR_CXY_SHIFT  48
#define XPTR_PTR_MASK   ((1ULL << XPTR_CXY_SHIFT) - 1)
#define XPTR_NULL       ((xptr_t)0)

#define XPTR(cxy, ptr)  ((((xptr_t)(cxy)) << XPTR_CXY_SHIFT) | ((xptr_t)(uintptr_t)(ptr) & XPTR_PTR_MASK))
#define GET_CXY(xp)     ((cxy_t)((xp) >> XPTR_CXY_SHIFT))
#define GET_PTR(xp)     ((void *)(uintptr_t)((int64_t)((uint64_t)(xp) << (64 - XPTR_CXY_SHIFT)) >> \
                                             (64 - XPTR_CXY_SHIFT)))

/*
 * The extended pointer of @field in the @type object at extended pointer @xp (same cluster, the
 * field's address): the one way to name a field of an object that may be remote. A header may
 * wrap it for its type (PROC_XP, PAGE_XP, VMM_XP, THREAD_XP), a file for a type of its own.
 */
#define XPTR_FIELD(xp, type, field) ((xptr_t)(xp) + offsetof(type, field))

/* The cluster this kernel instance manages. Each replica of the image holds its own value. */
extern cxy_t local_cxy;

#endif /* HAL_TYPES_H */
