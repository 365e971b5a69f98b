/*
 * hal_cpu.h - per-core state of the RISC-V HAL (HAL internal).
 *
 * While a core runs kernel code, `tp` points to its hal_cpu_t: one cache-line aligned entry per core
 * of the cluster, in the cluster's replica, holding the arch part (hart id, scratch for trap entry)
 * and a pointer to the generic core descriptor.
 */
#ifndef HAL_RISCV_HAL_CPU_H
#define HAL_RISCV_HAL_CPU_H

#include <arch/fpu.h>
#include <hal_context.h>
#include <hal_types.h>
#include <params.h>

#include "trap_frame.h"

#define HAL_LID_PHASE0 0xffffu /* lid shown while the boot hart runs phase 0 */

typedef struct hal_cpu_s {
	lid_t    lid;      /* index in the cluster (HAL_LID_PHASE0 during phase 0) */
	hwid_t   hwid;     /* hart id                                               */
	void    *core;     /* generic core descriptor (hal_set_core_ptr)            */
	uint64_t scratch[4]; /* trap entry spill slots (offset HAL_CPU_SCRATCH)      */
	uint64_t emergency_sp; /* top of the stack used when a kernel stack overflowed */
	uint64_t kstack_top; /* top of the running thread's kernel stack: user traps land there */
	uint64_t timer_next; /* time of the next tick (timer.c)                     */
	uint64_t timer_period; /* tick period in time units                         */
	uint32_t timer_sstc; /* 1 if the tick uses stimecmp                         */
	uint32_t probing;    /* 1 while probing a CSR; 2 once the probe trapped     */
	struct riscv_fpu_area_s *fpu_owner; /* the FP area whose values the FP registers
	                        hold; NULL: nobody's (fpu.c)                         */
	uint64_t fpu_saves;  /* FP registers saved into a thread's area (fpu.c)     */
	uint64_t fpu_restores; /* a thread's area loaded into the FP registers      */
	uint64_t fpu_traps;  /* FP instructions that found the FPU off              */
	uint32_t vec_vlenb;  /* VLEN / 8 if the page ops use V on this core, else 0 (pageops.c) */
} __attribute__((aligned(64))) hal_cpu_t;

extern hal_cpu_t hal_cpus[CONFIG_MAX_CORES_PER_CLUSTER];

_Static_assert(__builtin_offsetof(hal_cpu_t, scratch) == HAL_CPU_SCRATCH, "trap.S layout");
_Static_assert(__builtin_offsetof(hal_cpu_t, emergency_sp) == HAL_CPU_EMERGENCY_SP, "trap.S layout");
_Static_assert(__builtin_offsetof(hal_cpu_t, kstack_top) == HAL_CPU_KSTACK_TOP, "trap.S layout");
_Static_assert(__builtin_offsetof(hal_cpu_t, fpu_owner) == HAL_CPU_FPU_OWNER, "context.S layout");
_Static_assert(__builtin_offsetof(hal_cpu_t, fpu_saves) == HAL_CPU_FPU_SAVES, "context.S layout");
_Static_assert(__builtin_offsetof(hal_cpu_t, vec_vlenb) == HAL_CPU_VEC_VLENB, "pageops.S layout");

static inline hal_cpu_t *hal_cpu_self(void)
{
	hal_cpu_t *cpu;
	__asm__ volatile("mv %0, tp" : "=r"(cpu));
	return cpu;
}

/* Phase 0: give the boot hart an identity before anything prints. */
void hal_cpu_init_phase0(hwid_t hartid);
/*
 * Console: switch this cluster's kernel instance from the SBI console to the UART of boot_info.
 * The device itself is programmed once (@program_device, phase 0); each cluster then only maps it.
 */
void hal_console_init(bool program_device);

/* pageops.c: probe this core's V extension (hal_core_entry, before anything zeroes a page). */
void riscv_pageops_core_init(void);

/* trap.c: execute a CSR write that may not exist; false if it raised an illegal instruction. */
bool riscv_probe_csr_write_stimecmp(uint64_t value);
/*
 * A thread's FP area, at the top of its kernel stack (trap_frame.h): its saved registers, and
 * whether it changed them in its last time slice (then they are loaded as soon as it is switched in
 * again; else at its first FP instruction: fpu.c).
 */
typedef struct riscv_fpu_area_s {
	hal_fpu_t state;  /* f0..f31, fcsr, in_use                                   */
	uint32_t  recent; /* 1: FS was Dirty when the thread was last switched out     */
	uint32_t  pad;
} riscv_fpu_area_t;

_Static_assert(sizeof(riscv_fpu_area_t) == FPU_AREA_SIZE, "FP area");
_Static_assert(__builtin_offsetof(riscv_fpu_area_t, recent) == FPU_RECENT, "context.S layout");

/*
 * fpu.c: the user FP state of the running thread (docs/fpu.md).
 *   riscv_fpu_area       the FP area of the thread whose kernel stack top is @kstack_top;
 *   riscv_fpu_trap       an illegal instruction from user mode (@tf: its frame; IRQs masked):
 *                        true if it is an FP instruction that found the FPU off, which is now on
 *                        for the thread with its values loaded (the instruction runs again);
 *   riscv_fpu_switch_in  context.S: @area's values into the registers for the thread switched in
 *                        (IRQs masked; it changed them in its last slice, and they are not there);
 *   riscv_fpu_get        the thread's current state into @fpu (its live registers saved first);
 *   riscv_fpu_set        the thread's state becomes @fpu (NULL: the initial state);
 *   riscv_fpu_save/load  fpu.S (IRQs masked).
 * The last two work on the running thread, which must be a thread with a kernel stack.
 */
static inline riscv_fpu_area_t *riscv_fpu_area(uint64_t kstack_top)
{
	return (riscv_fpu_area_t *)(uintptr_t)kstack_top;
}

bool riscv_fpu_trap(hal_trap_frame_t *tf);
void riscv_fpu_switch_in(riscv_fpu_area_t *area);
void riscv_fpu_get(hal_fpu_t *fpu);
void riscv_fpu_set(const hal_fpu_t *fpu);
void riscv_fpu_save(hal_fpu_t *fpu);
void riscv_fpu_load(const hal_fpu_t *fpu);
/* timer.c and ipi.c: interrupt handlers called by the trap dispatcher. */
void riscv_timer_interrupt(bool from_user);
void riscv_ipi_interrupt(void);

#endif /* HAL_RISCV_HAL_CPU_H */
