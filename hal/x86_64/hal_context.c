/*
 * hal_context.c - thread contexts, user entry and the kernel stack area on x86_64 (see
 * hal_context.h).
 *
 * The kernel stack area gives each cluster c one gigabyte of virtual space at KSTACK_BASE + c GiB,
 * described by one page directory in cluster c's kernel region (KPT_STK_PD); boot phase 0 puts
 * every cluster's page directory in every cluster's stack PDPT, so a stack is mapped at the same
 * address everywhere and its page tables, added later by its cluster, are seen by all. The area is
 * cut into 32 KiB slots: the stack at the top, unmapped pages below it (the guard).
 *
 * A user thread's user registers live in a trap frame at the top of its kernel stack (trap.S puts
 * the frame of every entry from user mode there); its thread pointer is its FS base, kept in its
 * context (context.S loads it at each switch).
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

#include "hal_cpu.h"
#include "mmu.h"
#include "trap_frame.h"
#include "x86.h"

enum { CTX_RSP, CTX_RBX, CTX_RBP, CTX_R12, CTX_R13, CTX_R14, CTX_R15, CTX_RFLAGS, CTX_KSTACK,
       CTX_FSBASE, CTX_WORDS };

_Static_assert(HAL_CONTEXT_WORDS >= CTX_WORDS, "hal_context_t too small (context.S)");
_Static_assert(KSTACK_SLOT_SIZE == 32 << 10 && CONFIG_KSTACK_SIZE == 16 << 10, "slot sizes");
_Static_assert(CONFIG_KSTACK_SIZE <= KSTACK_SLOT_SIZE - CONFIG_PAGE_SIZE, "no room for the guard page");
_Static_assert(((uint64_t)CONFIG_MAX_CLUSTERS << KSTACK_AREA_SHIFT) <= 512ULL << 30,
	       "the stack area is one PDPT");

void hal_context_start(void);

void hal_context_init(hal_context_t *ctx, void *stack_top, void (*entry)(void *), void *arg)
{
	/* At the top: the thread's FP area, then the user trap frame's place, which hal_user_enter
	 * fills while it runs on this stack; the first switch "returns" into hal_context_start below
	 * both. */
	uintptr_t top = (uintptr_t)stack_top - sizeof(hal_fpu_t);
	uint64_t *sp = (uint64_t *)(top - TF_SIZE) - 1;

	kassert(((uintptr_t)stack_top & 15) == 0);
	memset(ctx, 0, sizeof(*ctx));
	*sp = (uintptr_t)hal_context_start;
	ctx->regs[CTX_RSP] = (uintptr_t)sp;
	ctx->regs[CTX_RBX] = (uintptr_t)entry;
	ctx->regs[CTX_R12] = (uintptr_t)arg;
	ctx->regs[CTX_RFLAGS] = RFLAGS_FIXED; /* IRQs off until the new thread enables them */
	ctx->regs[CTX_KSTACK] = top;
	((hal_fpu_t *)top)->in_use = 0; /* a reused stack holds a dead thread's area */
}

void hal_context_destroy(hal_context_t *ctx)
{
	x86_fpu_forget(ctx->regs[CTX_KSTACK]);
}

void hal_context_migrate(hal_context_t *ctx)
{
	if (ctx->regs[CTX_KSTACK])
		x86_fpu_migrate(ctx->regs[CTX_KSTACK]);
}

hal_trap_frame_t *x86_user_frame(void)
{
	hal_cpu_t *cpu = hal_cpu_self();

	kassert(cpu->kstack_top != 0);
	return (hal_trap_frame_t *)(cpu->kstack_top - sizeof(hal_trap_frame_t));
}

uintptr_t hal_user_return_pc(void)
{
	return x86_user_frame()->rip;
}

/* hal_user_regs_t's words: the trap frame, then the FS base. */
#define REGS_FS_BASE (sizeof(hal_trap_frame_t) / sizeof(uint64_t))
_Static_assert(REGS_FS_BASE < HAL_USER_REGS_WORDS, "hal_user_regs_t layout");
_Static_assert(sizeof(hal_fpu_t) % 16 == 0, "the user frame below the FP area stays aligned");

uintptr_t hal_user_regs_sp(const hal_user_regs_t *regs)
{
	return ((const hal_trap_frame_t *)regs->words)->rsp;
}

uintptr_t hal_user_regs_tls(const hal_user_regs_t *regs)
{
	return regs->words[REGS_FS_BASE];
}

/* The running thread's FS base becomes @tls: in its context (switch-ins load it) and now. */
static void set_fs_base(uint64_t tls)
{
	hal_cpu_t *cpu = hal_cpu_self();
	uint64_t *ctx = ((hal_context_t *)cpu->cur_ctx)->regs;

	ctx[CTX_FSBASE] = tls;
	cpu->fs_base = tls;
	wrmsr(MSR_FS_BASE, tls);
}

void hal_user_set_tls(uintptr_t tls)
{
	irqstate_t irq = hal_disable_irq(); /* the context and the MSR change together */

	set_fs_base(tls);
	hal_restore_irq(irq);
}

void hal_user_regs_current(hal_user_regs_t *regs)
{
	hal_cpu_t *cpu = hal_cpu_self();

	memset(regs->words, 0, sizeof(regs->words));
	memcpy(regs->words, x86_user_frame(), sizeof(hal_trap_frame_t));
	regs->words[REGS_FS_BASE] = ((hal_context_t *)cpu->cur_ctx)->regs[CTX_FSBASE];
	x86_fpu_get(&regs->fpu);
}

/* The flags user code may set (status flags, DF, TF, AC, ID...); IF is always on in user mode. */
#define RFLAGS_USER 0x00240dd5ULL

/*
 * The trap frame at the top of the running thread's kernel stack, rebuilt so that the return from
 * the trap enters user mode at @pc with @sp, the other registers those of @regs or zero. The
 * caller places its argument.
 */
static hal_trap_frame_t *set_user_frame(const hal_user_regs_t *regs, uintptr_t pc, uintptr_t sp)
{
	hal_trap_frame_t *tf = x86_user_frame();
	uint64_t flags = regs ? ((const hal_trap_frame_t *)regs->words)->rflags & RFLAGS_USER : 0;

	if (regs) /* callee-saved registers...: a clone continues with its parent's */
		memcpy(tf, regs->words, sizeof(*tf));
	else
		memset(tf, 0, sizeof(*tf));
	tf->rip = pc;
	tf->rsp = sp;
	tf->cs = SEL_UCODE;
	tf->ss = SEL_UDATA;
	tf->rflags = flags | RFLAGS_IF | RFLAGS_FIXED;
	tf->vector = 0;
	tf->error = 0;
	/* and its FP registers: a clone's parent's, or the initial state */
	x86_fpu_set(regs ? &regs->fpu : NULL);
	return tf;
}

/*
 * x86_64 has no register that is both the first argument and the result of a system call (RISC-V's
 * a0): with @regs (a clone or fork child) @arg is the result, rax, and rdi stays the parent's, as
 * glibc's syscall wrappers expect of a register they gave as input; without @regs (a thread's first
 * user code) it is the first argument, rdi, and rax too.
 */
_Noreturn void hal_user_enter(const hal_user_regs_t *regs, uintptr_t pc, uintptr_t sp, uintptr_t tls,
			      uintptr_t arg)
{
	hal_trap_frame_t *tf;

	hal_disable_irq(); /* until the iretq: the frame and the FS base are this thread's */
	tf = set_user_frame(regs, pc, sp);
	tf->rax = arg;
	if (!regs)
		tf->rdi = arg;
	set_fs_base(tls);
	x86_resume_frame(tf);
}

void hal_user_regs_reset(uintptr_t pc, uintptr_t sp)
{
	irqstate_t irq = hal_disable_irq();

	/* a system call runs below its frame: an interrupt meanwhile saves its own frame lower */
	set_user_frame(NULL, pc, sp);
	set_fs_base(0);
	hal_restore_irq(irq);
}

/* ---- the kernel stack area (the allocator: hal/common/hal_kstack.c) ---- */

static kpte_t *kstack_pd(void)
{
	return hal_paddr_to_kva(boot_info.cluster[local_cxy].pt_root_pa + KPT_STK_PD * CONFIG_PAGE_SIZE);
}

bool hal_kstack_map(uintptr_t stack, uint32_t *table_pages)
{
	kpte_t *pde = &kstack_pd()[PT_INDEX(stack, 1)];
	kpte_t nx = x86_has(X86_FEAT_NX) ? KPTE_NX : 0;
	kpte_t *pt;
	xptr_t frames;

	if (!(*pde & KPTE_P)) {
		xptr_t table = ppm_alloc_pages(0);
		if (table == XPTR_NULL)
			return false;
		memset(ppm_page2kva(table), 0, CONFIG_PAGE_SIZE);
		/* x86 stores are ordered: the zeroed table is seen before the entry pointing at it */
		*(volatile kpte_t *)pde = ppm_page2base(table) | KPTE_P | KPTE_RW | KPTE_A;
		(*table_pages)++;
	}
	pt = hal_paddr_to_kva(*pde & KPTE_ADDR);
	frames = ppm_alloc_pages(ilog2_u64(CONFIG_KSTACK_SIZE / CONFIG_PAGE_SIZE));
	if (frames == XPTR_NULL)
		return false;
	/* New translations only: no core can hold a stale entry for them, nothing to flush. */
	for (uintptr_t off = 0; off < CONFIG_KSTACK_SIZE; off += CONFIG_PAGE_SIZE)
		pt[PT_INDEX(stack + off, 0)] = (ppm_page2base(frames) + off) | KPTE_P | KPTE_RW | KPTE_A |
					       KPTE_D | KPTE_G | nx;
	return true;
}
