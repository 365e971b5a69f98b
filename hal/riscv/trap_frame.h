/*
 * trap_frame.h - layout of the context saved by trap.S (HAL internal, shared by C and assembly).
 */
#ifndef HAL_RISCV_TRAP_FRAME_H
#define HAL_RISCV_TRAP_FRAME_H

#define TF_REG(n)   (((n) - 1) * 8)   /* x1..x31 */
#define TF_SEPC     (31 * 8)
#define TF_SSTATUS  (32 * 8)
#define TF_SCAUSE   (33 * 8)
#define TF_STVAL    (34 * 8)
#define TF_FULL     (35 * 8)          /* 1: s0-s11 are in the frame (trap.S)  */
#define TF_SIZE     (36 * 8)          /* 16-byte aligned */

/*
 * The top of a thread's kernel stack: the thread's FP area (riscv_fpu_area_t, hal_cpu.h; fpu.c),
 * then below it the user frame (TF_SIZE bytes), where a
 * trap from user mode saves the user's registers. The thread's "kernel stack top" (hal_context_t
 * regs[14], hal_cpu_t.kstack_top) is the address that separates the two: traps from user mode go
 * below it, the FP area is above it. The kernel stack proper starts below the frame.
 */
#define FPU_AREA_SIZE        (34 * 8)
#define FPU_FCSR             (32 * 8)  /* riscv_fpu_area_t fields used by fpu.S and context.S */
#define FPU_RECENT           (33 * 8)

/* hal_cpu_t fields used by trap.S, context.S and pageops.S (checked in hal_cpu.h). */
#define HAL_CPU_SCRATCH      16
#define HAL_CPU_EMERGENCY_SP 48
#define HAL_CPU_KSTACK_TOP   56
#define HAL_CPU_FPU_OWNER    88
#define HAL_CPU_FPU_SAVES    96
#define HAL_CPU_VEC_VLENB    120
#define EMERGENCY_STACK_SIZE 4096

/* hal_context_t: regs[14], the top of the thread's kernel stack (checked in hal_context.c). */
#define CTX_KSTACK_TOP       (14 * 8)

#ifndef __ASSEMBLER__
#include <hal_types.h>

typedef struct hal_trap_frame_s {
	uint64_t x[31];   /* x[i - 1] holds register xi */
	uint64_t sepc;
	uint64_t sstatus;
	uint64_t scause;
	uint64_t stval;
	uint64_t full;    /* 1: x[] holds every register; 0: s0-s11 (x8, x9, x18-x27) are
	                     not in it, the registers hold them (a trap from user mode, trap.S) */
} hal_trap_frame_t;

_Static_assert(sizeof(hal_trap_frame_t) == TF_SIZE, "trap frame layout");
_Static_assert(__builtin_offsetof(hal_trap_frame_t, sepc) == TF_SEPC, "trap frame layout");
_Static_assert(__builtin_offsetof(hal_trap_frame_t, stval) == TF_STVAL, "trap frame layout");
_Static_assert(__builtin_offsetof(hal_trap_frame_t, full) == TF_FULL, "trap frame layout");

void hal_trap_entry(void);
/* trap.S: a trap from the kernel, with a full frame */
void hal_trap_handler(hal_trap_frame_t *tf);
/* trap.S: a trap from user mode other than a system call (IRQs off; s0-s11 maybe not in @tf):
 * handled, with IRQs off again on return; answers kernel_user_work() */
uint32_t riscv_user_trap(hal_trap_frame_t *tf);
_Noreturn void hal_trap_return(void);
/* trap.S: the end of its code. Every call it makes has the trap frame at the callee's frame
 * pointer, so the backtrace knows a trap frame by a return address in [hal_trap_entry, here). */
void hal_trap_text_end(void);

/* The frame of a trap from user mode holds every register: the HAL functions that read or replace
 * s0-s11 check it (debug builds), or mark it (those that replace them all). */
#define RISCV_FRAME_FULL(tf) ((tf)->full != 0)

/* The name of a trap's cause: "load page fault", "timer interrupt"... */
const char *riscv_cause_name(uint64_t scause);
#endif

#endif /* HAL_RISCV_TRAP_FRAME_H */
