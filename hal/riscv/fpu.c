/*
 * fpu.c - user FP state on RISC-V: sstatus.FS per thread (hal_context.h "Extended state",
 * docs/fpu.md).
 *
 * A core's FP registers hold the values of at most one thread, cpu->fpu_owner (the FP area of
 * that thread; NULL: nobody's). A thread's area lies above its user frame at the top of its kernel
 * stack (riscv_fpu_area_t). Its user sstatus.FS (the CSR while it runs user code, its user frame
 * while it is in the kernel) says where its values are:
 *   Off    in its area only: its next FP instruction traps (riscv_fpu_trap), which loads them and
 *          turns the FPU on;
 *   Clean  in its area and, the same, in the registers (it is the owner);
 *   Dirty  in the registers, newer than its area (it is the owner).
 * Switching out (context.S) saves Dirty registers and says Clean, so the area of a thread that does
 * not run is always up to date and its values may stay in the registers. Loading them again when
 * another thread took the registers meanwhile is lazy (at the thread's next FP instruction), except
 * for a thread that changed them in its last time slice (area->recent): that one is likely to use
 * them again at once, so the switch loads them (riscv_fpu_switch_in) rather than pay a trap.
 * Whoever loads a thread's values first turns the previous owner's FS to Off. So the way back to
 * user mode has nothing to do, and a thread that does not touch the FPU in a time slice saves and
 * loads nothing. Every change of an owner, an FS or an area happens with IRQs masked on the owner's
 * core: a switch never finds one half done.
 */
#include <hal_context.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <kern/printk.h>
#include <libk/string.h>

#include "hal_cpu.h"
#include "riscv.h"
#include "trap_frame.h"

#define FCSR_MASK 0xffu /* frm (7:5) and fflags (4:0); the rest of fcsr is reserved */

_Static_assert(__builtin_offsetof(riscv_fpu_area_t, state.fcsr) == FPU_FCSR, "fpu.S layout");

/* The user frame of the thread whose FP area is @area: right below it. */
static hal_trap_frame_t *user_frame(riscv_fpu_area_t *area)
{
	return (hal_trap_frame_t *)area - 1;
}

/* The FP area of the running thread. */
static riscv_fpu_area_t *current_area(hal_cpu_t *cpu)
{
	kassert(cpu->kstack_top != 0);
	return riscv_fpu_area(cpu->kstack_top);
}

/* FS of the user sstatus @tf, SD (bit 63, "some state is Dirty") kept in step. */
static void set_fs(hal_trap_frame_t *tf, uint64_t fs)
{
	tf->sstatus = (tf->sstatus & ~(SSTATUS_FS | SSTATUS_SD)) | fs;
	if (fs == SSTATUS_FS_DIRTY)
		tf->sstatus |= SSTATUS_SD;
}

/*
 * Load the values of @area into the registers of the calling core and make its thread their
 * owner, FS Clean; the thread they belonged to finds its FPU off. Caller: IRQs masked; @area is
 * the running thread's or the one being switched in.
 */
static void take(hal_cpu_t *cpu, riscv_fpu_area_t *area)
{
	riscv_fpu_area_t *prev = cpu->fpu_owner;

	if (prev && prev != area) /* switched out, so saved: its FS is Clean */
		set_fs(user_frame(prev), SSTATUS_FS_OFF);
	riscv_fpu_load(&area->state);
	cpu->fpu_restores++;
	cpu->fpu_owner = area;
	set_fs(user_frame(area), SSTATUS_FS_CLEAN);
}

void riscv_fpu_switch_in(riscv_fpu_area_t *area)
{
	hal_cpu_t *cpu = hal_cpu_self();

	kassert(area->recent && area->state.in_use && cpu->fpu_owner != area);
	take(cpu, area);
}

/*
 * Opcodes of the F and D extensions: LOAD-FP, STORE-FP, the fused multiply-adds, OP-FP; CSR
 * instructions on fflags, frm and fcsr; C.FLD, C.FSD, C.FLDSP and C.FSDSP.
 */
static bool is_fp_instruction(uint32_t insn)
{
	if ((insn & 3) != 3) { /* compressed: quadrant 0 or 2, funct3 001 (load) or 101 (store) */
		uint32_t quadrant = insn & 3, funct3 = (insn >> 13) & 7;
		return (quadrant == 0 || quadrant == 2) && (funct3 == 1 || funct3 == 5);
	}
	switch (insn & 0x7f) {
	case 0x07: case 0x27: case 0x43: case 0x47: case 0x4b: case 0x4f: case 0x53:
		return true;
	case 0x73: /* SYSTEM: a CSR access (funct3 != 0) to CSR 1, 2 or 3 */
		return ((insn >> 12) & 7) != 0 && (insn >> 20) >= 1 && (insn >> 20) <= 3;
	default:
		return false;
	}
}

bool riscv_fpu_trap(hal_trap_frame_t *tf)
{
	hal_cpu_t *cpu = hal_cpu_self();
	riscv_fpu_area_t *area = current_area(cpu);
	bool fp = (tf->sstatus & SSTATUS_FS) == SSTATUS_FS_OFF; /* else a genuinely illegal one */

	/* stval holds the instruction when the hart reports it; 0 when it does not (or for the
	 * all-zero instruction): then turn the FPU on and let the instruction tell, as it runs again
	 * and traps with the FPU on if it is not an FP one. */
	kassert(!hal_irq_enabled());
	if (fp && tf->stval != 0)
		fp = is_fp_instruction((uint32_t)tf->stval);
	if (fp) { /* FS Off: the registers are not its values, or it never used them */
		kassert(cpu->fpu_owner != area && user_frame(area) == tf);
		cpu->fpu_traps++;
		area->state.in_use = 1; /* its area holds the initial state (zeros) if it was unused */
		take(cpu, area);
	}
	return fp;
}

void riscv_fpu_get(hal_fpu_t *out)
{
	irqstate_t irq = hal_disable_irq();
	hal_cpu_t *cpu = hal_cpu_self();
	riscv_fpu_area_t *area = current_area(cpu);
	hal_trap_frame_t *tf = user_frame(area);

	if ((tf->sstatus & SSTATUS_FS) == SSTATUS_FS_DIRTY) {
		kassert(cpu->fpu_owner == area);
		riscv_fpu_save(&area->state);
		cpu->fpu_saves++;
		set_fs(tf, SSTATUS_FS_CLEAN);
	}
	*out = area->state;
	hal_restore_irq(irq);
}

void riscv_fpu_set(const hal_fpu_t *in)
{
	irqstate_t irq = hal_disable_irq();
	hal_cpu_t *cpu = hal_cpu_self();
	riscv_fpu_area_t *area = current_area(cpu);

	/* the live registers, Dirty or not, are not the thread's values any more: its next FP
	 * instruction loads the new ones */
	set_fs(user_frame(area), SSTATUS_FS_OFF);
	if (cpu->fpu_owner == area)
		cpu->fpu_owner = NULL;
	area->recent = 0;
	if (in && in->in_use) {
		area->state = *in;
		area->state.fcsr &= FCSR_MASK;
	} else { /* the initial state: an unused area always holds zeros */
		memset(&area->state, 0, sizeof(area->state));
	}
	hal_restore_irq(irq);
}

void hal_context_destroy(hal_context_t *ctx)
{
	irqstate_t irq = hal_disable_irq();
	hal_cpu_t *cpu = hal_cpu_self();
	uint64_t top = ctx->regs[14];

	if (top && cpu->fpu_owner == riscv_fpu_area(top))
		cpu->fpu_owner = NULL;
	hal_restore_irq(irq);
}

void hal_context_migrate(hal_context_t *ctx)
{
	hal_cpu_t *cpu = hal_cpu_self();
	uint64_t top = ctx->regs[14];
	riscv_fpu_area_t *area;

	kassert(!hal_irq_enabled());
	if (!top)
		return;
	area = riscv_fpu_area(top);
	/* Switched out, so Dirty values were saved: its area is up to date. Off in its frame: the
	 * registers of its next core are not its values, whatever its FS said here. */
	set_fs(user_frame(area), SSTATUS_FS_OFF);
	if (cpu->fpu_owner == area)
		cpu->fpu_owner = NULL;
}

void hal_fpu_stats(cxy_t cxy, lid_t lid, hal_fpu_stats_t *stats)
{
	hal_cpu_t *cpu = &hal_cpus[lid]; /* in the replicated image: XPTR(cxy, ...) is cxy's own */

	stats->saves = hal_remote_l64(XPTR(cxy, &cpu->fpu_saves));
	stats->restores = hal_remote_l64(XPTR(cxy, &cpu->fpu_restores));
	stats->traps = hal_remote_l64(XPTR(cxy, &cpu->fpu_traps));
}
