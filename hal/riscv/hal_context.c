/*
 * hal_context.c - thread contexts and the mapping of kernel stacks on RISC-V (see hal_context.h;
 * the allocator is hal/common/hal_kstack.c).
 *
 * The kernel stack area gives each cluster c one gigabyte of virtual space at
 * KSTACK_BASE + c GiB, described by one level-1 table in cluster c's memory; boot phase 0 installs
 * every cluster's level-1 table in every cluster's root table, so a stack is mapped at the same
 * address everywhere and its level-0 tables, added later by its cluster, are seen by all.
 * The area is cut into 32 KiB slots: the stack at the top, unmapped pages below it (the guard).
 */
#include <hal_boot.h>
#include <hal_context.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/busylock.h>
#include <libk/string.h>
#include <mm/ppm.h>

#include "mmu.h"
#include "riscv.h"
#include "hal_cpu.h"
#include "trap_frame.h"

_Static_assert(HAL_CONTEXT_WORDS >= 16, "hal_context_t too small for ra, sp, s0..s11, stack, sstatus");
_Static_assert(__builtin_offsetof(hal_context_t, regs[14]) == CTX_KSTACK_TOP, "context.S layout");
/* trap.S repeats these to detect an overflow: keep them in step. */
_Static_assert(KSTACK_BASE == 0xffffffe0UL << 32, "trap.S: KSTACK_BASE_HI");
_Static_assert(((uint64_t)CONFIG_MAX_CLUSTERS << 30) == 1UL << 34, "trap.S: KSTACK_AREA_SHIFT");
_Static_assert(KSTACK_SLOT_SIZE == 32 << 10 && CONFIG_KSTACK_SIZE == 16 << 10, "trap.S: slot sizes");
_Static_assert(CONFIG_KSTACK_SIZE <= KSTACK_SLOT_SIZE - CONFIG_PAGE_SIZE, "no room for the guard page");

void hal_context_start(void);

void hal_context_init(hal_context_t *ctx, void *stack_top, void (*entry)(void *), void *arg)
{
	/* At the top: the thread's FP area, then the user trap frame's place, which hal_user_enter
	 * fills while it runs on this stack (a clone's registers are copied there from a local of the
	 * thread); sp below both (trap_frame.h). */
	uint64_t top = (uint64_t)(uintptr_t)stack_top - FPU_AREA_SIZE;

	kassert(((uintptr_t)stack_top & 15) == 0);
	memset(ctx, 0, sizeof(*ctx));
	ctx->regs[0] = (uint64_t)(uintptr_t)hal_context_start; /* ra */
	ctx->regs[1] = top - sizeof(hal_trap_frame_t);
	ctx->regs[2] = (uint64_t)(uintptr_t)entry;             /* s0 */
	ctx->regs[3] = (uint64_t)(uintptr_t)arg;               /* s1 */
	ctx->regs[14] = top;                                   /* user frames go below (trap.S) */
	/* sstatus: supervisor, IRQs off until the new thread enables them, no user access, FPU and V
	 * off. */
	ctx->regs[15] = csr_read(sstatus) & ~(SSTATUS_SIE | SSTATUS_SUM | SSTATUS_FS | SSTATUS_VS);
	/* A reused stack holds a dead thread's frame and FP area: the frame's place says FS = Off
	 * until hal_user_enter fills it (a switch reads it: context.S), the area says unused. */
	((hal_trap_frame_t *)(uintptr_t)top - 1)->sstatus = 0;
	riscv_fpu_area(top)->state.in_use = 0;
	riscv_fpu_area(top)->recent = 0;
}

void riscv_resume_frame(hal_trap_frame_t *frame);

uintptr_t hal_user_return_pc(void)
{
	hal_cpu_t *cpu = hal_cpu_self();
	const hal_trap_frame_t *tf = (const hal_trap_frame_t *)(cpu->kstack_top - sizeof(*tf));

	return tf->sepc; /* trap.c moved it past the ecall already */
}

_Static_assert(sizeof(((hal_user_regs_t *)0)->words) == sizeof(((hal_trap_frame_t *)0)->x),
	       "hal_user_regs_t: x1..x31");

uintptr_t hal_user_regs_sp(const hal_user_regs_t *regs)
{
	return regs->words[2 - 1];
}

uintptr_t hal_user_regs_tls(const hal_user_regs_t *regs)
{
	return regs->words[4 - 1]; /* tp */
}

void hal_user_set_tls(uintptr_t tls)
{
	hal_cpu_t *cpu = hal_cpu_self();
	hal_trap_frame_t *tf = (hal_trap_frame_t *)(cpu->kstack_top - sizeof(*tf));

	kassert(cpu->kstack_top != 0);
	tf->x[4 - 1] = tls; /* tp */
}

void hal_user_regs_current(hal_user_regs_t *regs)
{
	hal_cpu_t *cpu = hal_cpu_self();
	const hal_trap_frame_t *tf = (const hal_trap_frame_t *)(cpu->kstack_top - sizeof(*tf));

	kassert(RISCV_FRAME_FULL(tf)); /* trap.S saves s0-s11 before the calls that come here */
	memcpy(regs->words, tf->x, sizeof(regs->words));
	riscv_fpu_get(&regs->fpu);
}

/*
 * The trap frame at the top of the running thread's kernel stack, rebuilt so that the return from
 * the trap enters user mode at @pc with @sp, @tls and @arg, the other registers those of @regs or
 * zero.
 */
static hal_trap_frame_t *set_user_frame(const hal_user_regs_t *regs, uintptr_t pc, uintptr_t sp,
					 uintptr_t tls, uintptr_t arg)
{
	hal_cpu_t *cpu = hal_cpu_self();
	hal_trap_frame_t *tf = (hal_trap_frame_t *)(cpu->kstack_top - sizeof(hal_trap_frame_t));

	kassert(cpu->kstack_top != 0);
	if (regs) /* gp, saved registers...: a clone continues with its parent's */
		memcpy(tf->x, regs->words, sizeof(tf->x));
	else
		memset(tf->x, 0, sizeof(tf->x));
	tf->scause = 0;
	tf->stval = 0;
	tf->full = 1; /* every register written: the return restores them all */
	tf->sepc = pc;
	tf->x[2 - 1] = sp;
	tf->x[4 - 1] = tls;
	tf->x[10 - 1] = arg;
	/* Return to user mode (SPP clear) with interrupts on (SPIE), user pages off limits (SUM);
	 * off (SIE) until the sret, whoever calls with them on: trap.S restores this sstatus first. */
	tf->sstatus = (csr_read(sstatus) & ~(SSTATUS_SPP | SSTATUS_SUM | SSTATUS_SIE | SSTATUS_VS)) |
		      SSTATUS_SPIE;
	/* and its FP registers: a clone's parent's, or the initial state */
	riscv_fpu_set(regs ? &regs->fpu : NULL);
	return tf;
}

_Noreturn void hal_user_enter(const hal_user_regs_t *regs, uintptr_t pc, uintptr_t sp, uintptr_t tls,
			      uintptr_t arg)
{
	hal_disable_irq(); /* until the sret: an interrupt meanwhile would overwrite sepc */
	riscv_resume_frame(set_user_frame(regs, pc, sp, tls, arg));
	__builtin_unreachable();
}

void hal_user_regs_reset(uintptr_t pc, uintptr_t sp)
{
	/* a system call runs below its frame: an interrupt meanwhile saves its own frame lower */
	set_user_frame(NULL, pc, sp, 0, 0);
}

/* ---- the kernel stack area (the allocator: hal/common/hal_kstack.c) ---- */

static pte_t *kstack_l1(void)
{
	return hal_paddr_to_kva(boot_info.cluster[local_cxy].pt_root_pa + 2 * CONFIG_PAGE_SIZE);
}

bool hal_kstack_map(uintptr_t stack, uint32_t *table_pages)
{
	pte_t *l1e = &kstack_l1()[PT_INDEX(stack, 1)];
	pte_t *l0;
	xptr_t frames;

	if (!(*l1e & PTE_V)) {
		xptr_t table = ppm_alloc_pages(0);
		if (table == XPTR_NULL)
			return false;
		memset(ppm_page2kva(table), 0, CONFIG_PAGE_SIZE);
		hal_fence();
		*l1e = pte_make(ppm_page2base(table), PTE_V);
		(*table_pages)++;
	}
	l0 = hal_paddr_to_kva(pte_paddr(*l1e));
	frames = ppm_alloc_pages(ilog2_u64(CONFIG_KSTACK_SIZE / CONFIG_PAGE_SIZE));
	if (frames == XPTR_NULL)
		return false;
	for (uintptr_t off = 0; off < CONFIG_KSTACK_SIZE; off += CONFIG_PAGE_SIZE)
		l0[PT_INDEX(stack + off, 0)] = pte_make(ppm_page2base(frames) + off,
							PTE_V | PTE_R | PTE_W | PTE_A | PTE_D | PTE_G);
	sfence_vma_all();
	return true;
}
