/*
 * trap.S - supervisor trap entry and exit.
 *
 * Every trap (exception or interrupt) enters hal_trap_entry (stvec, direct mode). The context is
 * saved in a hal_trap_frame_t (trap_frame.h): on the current kernel stack for a trap from the
 * kernel, at the top of the running thread's kernel stack for a trap from user mode.
 *
 * From the kernel: the whole integer context, then hal_trap_handler(frame); on return everything
 * is restored and sret resumes the interrupted code.
 *
 * From user mode: the registers the C calling convention lets a callee change (ra, gp, t0-t6,
 * a0-a7), sp and tp, and the CSRs; not s0-s11, which every C function the trap runs gives back as
 * it found them, so they still hold the user's values when the C code returns (and across a
 * context switch: hal_context_switch keeps them for the thread). riscv_user_trap(frame) handles
 * the trap and answers whether the generic kernel has work before the return (kernel_user_work):
 * usually not, and the exit restores what the entry saved. Otherwise the exit completes the frame
 * with s0-s11 first (signal delivery reads and writes every register) and calls
 * kernel_user_return. The frame's `full` word says whether s0-s11 are in it; the exit restores
 * them only then. The system calls that read them (clone, which copies them into the child) get a
 * complete frame at entry; those that replace them (execve, rt_sigreturn) mark the frame full
 * themselves (hal_context.c, hal_signal.c).
 *
 * The FP registers are not saved here: the kernel does not use them. It runs with sstatus.FS = Off
 * (an FP instruction by mistake traps), so the entry turns the FPU off once sstatus, whose FS field
 * tells the state of the user's FP registers, is in the frame; the exit restores it (docs/fpu.md).
 * The same instruction clears VS: user mode never has V on, and the kernel turns it on only inside
 * the page ops, IRQs masked (pageops.S); clearing it here too keeps a trap in the kernel from ever
 * running its handler with V on.
 */
#include "trap_frame.h"

#define KSTACK_BASE_HI     0xffffffe0     /* KSTACK_BASE >> 32 (mmu.h)                   */
#define KSTACK_AREA_SHIFT  34             /* 16 clusters x 1 GiB (CONFIG_MAX_CLUSTERS)   */
#define KSTACK_SLOT_SIZE   (32 << 10)
#define KSTACK_STACK_SIZE  (16 << 10)     /* CONFIG_KSTACK_SIZE                          */
#define SSTATUS_SIE_BIT    0x2
#define SSTATUS_SPP_BIT    0x100
#define SSTATUS_FS_VS_BITS 0x6600         /* FS and VS: both Off in the kernel           */
#define EXC_ECALL_U        8
#define NR_CLONE           220            /* riscv64's clone (trap.c checks the table)   */

/* Save the registers a C callee may change: ra, gp, t0-t2, a0-a7, t3-t6 (not sp, tp, s0-s11). */
.macro SAVE_CALLER_GPRS
	.irp n, 1, 3, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31
	sd	x\n, TF_REG(\n)(sp)
	.endr
.endm

.macro LOAD_CALLER_GPRS
	.irp n, 1, 3, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31
	ld	x\n, TF_REG(\n)(sp)
	.endr
.endm

/* s0-s11: x8, x9, x18..x27. */
.macro SAVE_CALLEE_GPRS
	.irp n, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27
	sd	x\n, TF_REG(\n)(sp)
	.endr
.endm

.macro LOAD_CALLEE_GPRS
	.irp n, 8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27
	ld	x\n, TF_REG(\n)(sp)
	.endr
.endm

	.section .text
	.globl hal_trap_entry
	.balign 4
hal_trap_entry:
	/*
	 * sscratch is 0 while the core runs kernel code and holds its hal_cpu_t while it runs user
	 * code: swapping it with tp tells where the trap came from.
	 */
	csrrw	tp, sscratch, tp
	bnez	tp, from_user
	csrrw	tp, sscratch, tp		/* from the kernel: tp back, sscratch 0 again */

	/*
	 * Overflow check: if the frame would not fit above the guard of a thread's stack, the stack
	 * overflowed (or is about to): save the frame on the core's emergency stack instead, so
	 * that the trap handler can report it rather than fault again and again. Whatever the trap
	 * (a fault in the guard, or an interrupt that found no room), the handler then panics.
	 */
	sd	t0, HAL_CPU_SCRATCH(tp)
	sd	t1, HAL_CPU_SCRATCH + 8(tp)
	sd	sp, HAL_CPU_SCRATCH + 16(tp)	/* the interrupted sp */
	li	t0, KSTACK_BASE_HI
	slli	t0, t0, 32
	sub	t0, sp, t0			/* offset of sp in the stack area */
	srli	t1, t0, KSTACK_AREA_SHIFT
	bnez	t1, 1f				/* not a thread stack */
	li	t1, KSTACK_SLOT_SIZE - 1
	and	t0, t0, t1			/* offset of sp in its slot */
	li	t1, KSTACK_SLOT_SIZE - KSTACK_STACK_SIZE + TF_SIZE
	bgeu	t0, t1, 1f			/* room for the frame: fine */
	ld	sp, HAL_CPU_EMERGENCY_SP(tp)	/* no room: fatal, reported by the handler */
1:	ld	t0, HAL_CPU_SCRATCH(tp)
	ld	t1, HAL_CPU_SCRATCH + 8(tp)
	addi	sp, sp, -TF_SIZE
	SAVE_CALLER_GPRS
	SAVE_CALLEE_GPRS
	sd	tp, TF_REG(4)(sp)
	ld	t0, HAL_CPU_SCRATCH + 16(tp)
	sd	t0, TF_REG(2)(sp)
	li	t0, 1
	sd	t0, TF_FULL(sp)
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	li	t1, SSTATUS_FS_VS_BITS
	csrrc	t0, sstatus, t1			/* and the kernel runs with the FPU and V off */
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)
	mv	a0, sp
	call	hal_trap_handler
	/* fall through: hal_debug.c knows a trap frame by this return address */

/*
 * hal_trap_return: resume the context of the frame at sp (a trap's, or one built by
 * hal_user_enter). Going back to user mode (SPP clear), sscratch gets this core's hal_cpu_t and tp
 * the user's; s0-s11 come from the frame only if it holds them (`full`). Going back to the kernel,
 * tp stays as it is: it is this core's hal_cpu_t, and the frame's may be another core's. A thread
 * switched out inside an interrupt handler can resume on another core (a move, sched_migrate_self,
 * preempted before its own switch): taking tp from the frame then gave it the core it left, and
 * two harts ran on one core's scheduler (the riscv64 test_usage hangs of the eighth round).
 */
	.globl hal_trap_return
hal_trap_return:
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	andi	t0, t0, SSTATUS_SPP_BIT
	bnez	t0, 5f
	csrw	sscratch, tp
	ld	tp, TF_REG(4)(sp)		/* the user's */
5:	ld	t0, TF_FULL(sp)
	beqz	t0, restore_caller
	LOAD_CALLEE_GPRS
restore_caller:
	LOAD_CALLER_GPRS
	ld	x2, TF_REG(2)(sp)		/* last: sp addressed the frame */
	sret

from_user:
	/* tp = this core's hal_cpu_t, sscratch = the user's tp. Go to the thread's kernel stack. */
	sd	sp, HAL_CPU_SCRATCH(tp)
	ld	sp, HAL_CPU_KSTACK_TOP(tp)
	addi	sp, sp, -TF_SIZE
	SAVE_CALLER_GPRS
	ld	t0, HAL_CPU_SCRATCH(tp)
	sd	t0, TF_REG(2)(sp)		/* the user's sp */
	csrrw	t0, sscratch, zero		/* the user's tp; sscratch 0: we are in the kernel */
	sd	t0, TF_REG(4)(sp)
	li	t1, SSTATUS_FS_VS_BITS
	csrrc	t0, sstatus, t1			/* and the kernel runs with the FPU and V off */
	sd	t0, TF_SSTATUS(sp)
	csrr	t1, stval
	sd	t1, TF_STVAL(sp)
	csrr	t2, sepc
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	li	t1, EXC_ECALL_U
	bne	t0, t1, user_trap
	/* A system call. The frame's pc is the next instruction (ecall has no compressed form). */
	addi	t2, t2, 4
	sd	t2, TF_SEPC(sp)
	li	t1, NR_CLONE
	bne	a7, t1, 1f
	SAVE_CALLEE_GPRS			/* clone copies every register into the child */
	li	t0, 1
	j	2f
1:	li	t0, 0				/* s0-s11 stay in the registers */
2:	sd	t0, TF_FULL(sp)
	call	kernel_user_enter		/* IRQs off */
	csrsi	sstatus, SSTATUS_SIE_BIT
	ld	a0, TF_REG(17)(sp)		/* kernel_syscall(a7, &frame a0..a5) */
	addi	a1, sp, TF_REG(10)
	call	kernel_syscall
	sd	a0, TF_REG(10)(sp)		/* the result */
	csrci	sstatus, SSTATUS_SIE_BIT
	call	kernel_user_work
	ld	t0, TF_FULL(sp)
	or	t1, a0, t0
	bnez	t1, user_work
	ld	t0, TF_SEPC(sp)			/* nothing to do: straight back to user mode */
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	csrw	sscratch, tp
	ld	tp, TF_REG(4)(sp)		/* the user's */
	j	restore_caller

user_trap:					/* any other trap from user mode */
	sd	t2, TF_SEPC(sp)
	sd	zero, TF_FULL(sp)
	mv	a0, sp
	call	riscv_user_trap			/* returns with IRQs off: the work word */
	beqz	a0, hal_trap_return
user_work:
	ld	t0, TF_FULL(sp)
	bnez	t0, 3f
	SAVE_CALLEE_GPRS			/* the user's s0-s11, untouched by the C code */
	li	t0, 1
	sd	t0, TF_FULL(sp)
3:	call	kernel_user_return		/* IRQs off on return; the frame may have changed */
	j	hal_trap_return
	.globl hal_trap_text_end
hal_trap_text_end:				/* (hal_debug.c: a return into trap.S is a trap's) */

/* riscv_resume_frame(frame): resume the context saved in @frame (never returns). */
	.globl riscv_resume_frame
riscv_resume_frame:
	mv	sp, a0
	j	hal_trap_return
