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

/* hal_cpu_t fields used by trap.S and context.S (checked in hal_cpu.h). */
#define HAL_CPU_SCRATCH      16
#define HAL_CPU_EMERGENCY_SP 48
#define HAL_CPU_KSTACK_TOP   56
#define HAL_CPU_FPU_OWNER    88
#define HAL_CPU_FPU_SAVES    96
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
	uint64_t pad;
} hal_trap_frame_t;

_Static_assert(sizeof(hal_trap_frame_t) == TF_SIZE, "trap frame layout");
_Static_assert(__builtin_offsetof(hal_trap_frame_t, sepc) == TF_SEPC, "trap frame layout");
_Static_assert(__builtin_offsetof(hal_trap_frame_t, stval) == TF_STVAL, "trap frame layout");

void hal_trap_entry(void);
void hal_trap_handler(hal_trap_frame_t *tf);
_Noreturn void hal_trap_return(void);

/* The name of a trap's cause: "load page fault", "timer interrupt"... */
const char *riscv_cause_name(uint64_t scause);
#endif

#endif /* HAL_RISCV_TRAP_FRAME_H */
