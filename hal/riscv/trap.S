/*
 * trap.S - supervisor trap entry and exit.
 *
 * Every trap (exception or interrupt) enters hal_trap_entry (stvec, direct mode). The full integer
 * context is saved in a hal_trap_frame_t (trap_frame.h): on the current kernel stack for a trap
 * from the kernel, at the top of the running thread's kernel stack for a trap from user mode. Then
 * hal_trap_handler(frame) runs; on return the context, sepc and sstatus are restored and sret
 * resumes the interrupted code.
 *
 * The FP registers are not saved here: the kernel does not use them. It runs with sstatus.FS = Off
 * (an FP instruction by mistake traps), so the entry turns the FPU off once sstatus, whose FS field
 * tells the state of the user's FP registers, is in the frame; the exit restores it (docs/fpu.md).
 */
#include "trap_frame.h"

#define KSTACK_BASE_HI     0xffffffe0     /* KSTACK_BASE >> 32 (mmu.h)                   */
#define KSTACK_AREA_SHIFT  34             /* 16 clusters x 1 GiB (CONFIG_MAX_CLUSTERS)   */
#define KSTACK_SLOT_SIZE   (32 << 10)
#define KSTACK_STACK_SIZE  (16 << 10)     /* CONFIG_KSTACK_SIZE                          */
#define SSTATUS_SPP_BIT    0x100
#define SSTATUS_FS_BITS    0x6000

/* Save x1, x3 and x5..x31 in the frame at sp (x2 and x4 depend on where the trap came from). */
.macro SAVE_GPRS
	sd	x1, TF_REG(1)(sp)
	sd	x3, TF_REG(3)(sp)
	.irp n, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
	sd	x\n, TF_REG(\n)(sp)
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
	SAVE_GPRS
	sd	tp, TF_REG(4)(sp)
	ld	t0, HAL_CPU_SCRATCH + 16(tp)
	sd	t0, TF_REG(2)(sp)
	j	save_csrs

from_user:
	/* tp = this core's hal_cpu_t, sscratch = the user's tp. Go to the thread's kernel stack. */
	sd	sp, HAL_CPU_SCRATCH(tp)
	ld	sp, HAL_CPU_KSTACK_TOP(tp)
	addi	sp, sp, -TF_SIZE
	SAVE_GPRS
	ld	t0, HAL_CPU_SCRATCH(tp)
	sd	t0, TF_REG(2)(sp)		/* the user's sp */
	csrrw	t0, sscratch, zero		/* the user's tp; sscratch 0: we are in the kernel */
	sd	t0, TF_REG(4)(sp)

save_csrs:
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	li	t1, SSTATUS_FS_BITS
	csrrc	t0, sstatus, t1			/* and the kernel runs with the FPU off */
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)
	mv	a0, sp
	call	hal_trap_handler

/*
 * hal_trap_return: resume the context of the frame at sp (a trap's, or one built by
 * hal_user_enter). Going back to user mode (SPP clear), sscratch gets this core's hal_cpu_t.
 */
	.globl hal_trap_return
hal_trap_return:
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	andi	t0, t0, SSTATUS_SPP_BIT
	bnez	t0, 2f
	csrw	sscratch, tp
2:	ld	x1, TF_REG(1)(sp)
	ld	x3, TF_REG(3)(sp)
	ld	x5, TF_REG(5)(sp)
	ld	x6, TF_REG(6)(sp)
	ld	x7, TF_REG(7)(sp)
	ld	x8, TF_REG(8)(sp)
	ld	x9, TF_REG(9)(sp)
	ld	x10, TF_REG(10)(sp)
	ld	x11, TF_REG(11)(sp)
	ld	x12, TF_REG(12)(sp)
	ld	x13, TF_REG(13)(sp)
	ld	x14, TF_REG(14)(sp)
	ld	x15, TF_REG(15)(sp)
	ld	x16, TF_REG(16)(sp)
	ld	x17, TF_REG(17)(sp)
	ld	x18, TF_REG(18)(sp)
	ld	x19, TF_REG(19)(sp)
	ld	x20, TF_REG(20)(sp)
	ld	x21, TF_REG(21)(sp)
	ld	x22, TF_REG(22)(sp)
	ld	x23, TF_REG(23)(sp)
	ld	x24, TF_REG(24)(sp)
	ld	x25, TF_REG(25)(sp)
	ld	x26, TF_REG(26)(sp)
	ld	x27, TF_REG(27)(sp)
	ld	x28, TF_REG(28)(sp)
	ld	x29, TF_REG(29)(sp)
	ld	x30, TF_REG(30)(sp)
	ld	x31, TF_REG(31)(sp)
	ld	x4, TF_REG(4)(sp)
	ld	x2, TF_REG(2)(sp)		/* last: sp addressed the frame */
	sret

/* riscv_resume_frame(frame): resume the context saved in @frame (never returns). */
	.globl riscv_resume_frame
riscv_resume_frame:
	mv	sp, a0
	j	hal_trap_return
