/*
 * fpu.c - user FP state on x86_64 (hal_context.h "Extended state", docs/fpu.md, docs/hal_x86_64.md).
 *
 * A core's FP registers (x87, MMX, SSE) hold the values of at most one thread, cpu->fpu_owner (the
 * FP area of that thread; NULL: nobody's). A thread's area lies at the top of its kernel stack.
 * CR0.TS makes every FP instruction trap (#NM): the context switch sets it unless the thread
 * switched in owns the registers (x86_fpu_switch_in), so a thread that uses the FPU after another
 * one did traps once (x86_fpu_trap), which saves the owner's values into the owner's area (the
 * owner does not run: a thread that moves to another core leaves its values in its area and the
 * core forgets it, x86_fpu_migrate) and loads the trapping thread's. So the
 * registers are saved only when another thread needs them, loaded only when their thread uses
 * them, and a thread that never touches the FPU never pays either. x86 has no cheap "dirty" bit
 * without XSAVEOPT (qemu64 has neither XSAVE nor it), which is why the save waits for the next
 * user rather than happening at every switch as on RISC-V.
 * That is fpu=lazy on the kernel command line. The default, fpu=eager (each core reads the option at
 * boot: hal_cpu_t.fpu_eager), makes every user thread an FPU user from its start (x86_fpu_set:
 * the initial state loaded, its area in_use), and a thread whose area is in use gets its registers
 * at the switch that brings it in, the owner's saved first: no #NM, and no user code ever runs with
 * another thread's values in the registers. Kernel threads never have theirs loaded. docs/fpu.md
 * has both measured, and why eager is the default. The kernel uses no FP register
 * (-mgeneral-regs-only): a #NM in the kernel is a bug (trap.c panics). Every change of an owner,
 * of CR0.TS or of an area happens with IRQs masked on the owner's core.
 */
#include <hal_boot.h>
#include <hal_context.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_upcalls.h>
#include <kern/printk.h>
#include <libk/cmdline.h>
#include <libk/string.h>

#include "hal_cpu.h"
#include "x86.h"

/* FNINIT's state with SSE's reset MXCSR: FCW 0x37f (every exception masked, 64-bit precision),
 * the tag word empty, MXCSR 0x1f80 (every exception masked, round to nearest), registers 0. */
static const hal_fpu_t fpu_initial = {
	.fx = { [0] = 0x7f, [1] = 0x03, [X86_FX_MXCSR] = 0x80, [X86_FX_MXCSR + 1] = 0x1f },
};

static uint32_t mxcsr_mask;

static inline void fxsave(hal_fpu_t *area)
{
	__asm__ volatile("fxsave64 %0" : "=m"(area->fx) : : "memory");
}

static inline void fxrstor(const hal_fpu_t *area)
{
	__asm__ volatile("fxrstor64 %0" : : "m"(area->fx) : "memory");
}

static hal_fpu_t *area_of(uint64_t kstack_top)
{
	return (hal_fpu_t *)(uintptr_t)kstack_top;
}

/* CR0.TS as @ts wants it; the register is written only when it changes (a serializing write). */
static void set_ts(hal_cpu_t *cpu, bool ts)
{
	if (cpu->fpu_ts == ts)
		return;
	if (ts)
		write_cr0(read_cr0() | CR0_TS);
	else
		__asm__ volatile("clts" ::: "memory");
	cpu->fpu_ts = ts;
}

/* fpu=eager (the default) or fpu=lazy from the kernel command line, for this core; the boot core
 * of cluster 0 says which and warns about a bad value. */
static bool boot_policy_eager(const hal_cpu_t *cpu)
{
	bool report = local_cxy == 0 && cpu->lid == 0, eager = true;
	char val[16];

	if (cmdline_get(boot_info.cmdline, "fpu", val, sizeof(val))) {
		if (!strcmp(val, "lazy"))
			eager = false;
		else if (strcmp(val, "eager") && report)
			pr_warn("fpu=%s: expected lazy or eager; keeping eager", val);
	}
	if (report)
		pr_info("fpu: user FP registers loaded %s", eager ? "at the switch (fpu=eager)" :
			"at the first FP instruction (fpu=lazy)");
	return eager;
}

void x86_fpu_core_init(void)
{
	hal_cpu_t *cpu = hal_cpu_self();
	hal_fpu_t probe;

	cpu->fpu_eager = boot_policy_eager(cpu);

	__asm__ volatile("clts" ::: "memory");
	fxsave(&probe);
	__atomic_store_n(&mxcsr_mask, *(uint32_t *)&probe.fx[X86_FX_MXCSR_MASK] ?: 0xffbf,
			 __ATOMIC_RELAXED);
	cpu->fpu_owner = NULL;
	cpu->fpu_ts = 0;
	set_ts(cpu, true);
}

uint32_t x86_fpu_mxcsr_mask(void)
{
	return __atomic_load_n(&mxcsr_mask, __ATOMIC_RELAXED);
}

/* The registers become @area's thread's: the owner's values saved first. Caller: IRQs masked,
 * CR0.TS clear. */
static void take(hal_cpu_t *cpu, hal_fpu_t *area)
{
	if (cpu->fpu_owner == area)
		return;
	if (cpu->fpu_owner) {
		fxsave(cpu->fpu_owner);
		cpu->fpu_owner->in_use = 1;
		cpu->fpu_saves++;
	}
	fxrstor(area->in_use ? area : &fpu_initial);
	area->in_use = 1;
	cpu->fpu_restores++;
	cpu->fpu_owner = area;
}

void x86_fpu_switch_in(uint64_t kstack_top)
{
	hal_cpu_t *cpu = hal_cpu_self();
	hal_fpu_t *area = kstack_top ? area_of(kstack_top) : NULL;

	if (area && cpu->fpu_eager && area->in_use) { /* a user of the FPU: loaded now, no #NM */
		set_ts(cpu, false);
		take(cpu, area);
		return;
	}
	set_ts(cpu, !area || cpu->fpu_owner != area);
}

void x86_fpu_trap(void)
{
	hal_cpu_t *cpu = hal_cpu_self();

	kassert(!hal_irq_enabled() && cpu->kstack_top != 0);
	set_ts(cpu, false);
	take(cpu, area_of(cpu->kstack_top));
	cpu->fpu_traps++;
}

void x86_fpu_get(hal_fpu_t *fpu)
{
	irqstate_t irq = hal_disable_irq();
	hal_cpu_t *cpu = hal_cpu_self();
	hal_fpu_t *area = area_of(cpu->kstack_top);

	kassert(cpu->kstack_top != 0);
	if (cpu->fpu_owner == area) { /* its values are live: TS is clear (switch-in, trap) */
		fxsave(fpu);
		fpu->in_use = 1;
	} else {
		memcpy(fpu, area->in_use ? area : &fpu_initial, sizeof(*fpu));
		fpu->in_use = area->in_use;
	}
	hal_restore_irq(irq);
}

void x86_fpu_set(const hal_fpu_t *fpu)
{
	irqstate_t irq = hal_disable_irq();
	hal_cpu_t *cpu = hal_cpu_self();
	hal_fpu_t *area = area_of(cpu->kstack_top);

	kassert(cpu->kstack_top != 0);
	if (cpu->fpu_owner == area) /* the registers are not its values any more */
		cpu->fpu_owner = NULL;
	if (fpu)
		memcpy(area, fpu, sizeof(*area));
	else
		area->in_use = 0;
	if (cpu->fpu_eager) {
		/* every user thread is an FPU user: it runs with its own values in the registers,
		 * never with another thread's behind CR0.TS (LazyFP, docs/fpu.md) */
		if (!area->in_use) {
			memcpy(area, &fpu_initial, sizeof(*area));
			area->in_use = 1;
		}
		set_ts(cpu, false);
		take(cpu, area);
	} else {
		set_ts(cpu, true); /* loaded at its next FP instruction */
	}
	hal_restore_irq(irq);
}

/* FXSAVE's x87 control and status words, the flag bits of both and of MXCSR (IE, DE, ZE, OE, UE,
 * PE: bits 0-5; the masks are the same bits of FCW, and MXCSR's bits 7-12). */
#define FX_FCW 0
#define FX_FSW 2
#define FP_IE  0x01u
#define FP_DE  0x02u
#define FP_ZE  0x04u
#define FP_OE  0x08u
#define FP_UE  0x10u
#define FP_PE  0x20u

hal_user_exc_t x86_fpu_exception_kind(bool simd)
{
	hal_fpu_t fp;
	uint32_t raised;

	x86_fpu_get(&fp);
	if (simd) {
		uint32_t mxcsr = *(const uint32_t *)&fp.fx[X86_FX_MXCSR];
		raised = mxcsr & ~(mxcsr >> 7);
	} else {
		raised = *(const uint16_t *)&fp.fx[FX_FSW] & ~*(const uint16_t *)&fp.fx[FX_FCW];
	}
	/* Linux's order (fpu__exception_code): one cause is expected, the first wins */
	if (raised & FP_IE)
		return HAL_EXC_FP_INVALID;
	if (raised & FP_ZE)
		return HAL_EXC_FP_DIVZERO;
	if (raised & FP_OE)
		return HAL_EXC_FP_OVERFLOW;
	if (raised & (FP_DE | FP_UE))
		return HAL_EXC_FP_UNDERFLOW;
	if (raised & FP_PE)
		return HAL_EXC_FP_INEXACT;
	return 0;
}

void x86_fpu_forget(uint64_t kstack_top)
{
	irqstate_t irq = hal_disable_irq();
	hal_cpu_t *cpu = hal_cpu_self();

	if (cpu->fpu_owner == area_of(kstack_top))
		cpu->fpu_owner = NULL;
	hal_restore_irq(irq);
}

void x86_fpu_migrate(uint64_t kstack_top)
{
	hal_cpu_t *cpu = hal_cpu_self();
	hal_fpu_t *area = area_of(kstack_top);
	bool ts = cpu->fpu_ts;

	kassert(!hal_irq_enabled());
	if (cpu->fpu_owner != area)
		return; /* its values are in its area already */
	/* the registers may be newer than its area (nothing is saved at a switch): save them */
	set_ts(cpu, false);
	fxsave(area);
	area->in_use = 1;
	cpu->fpu_saves++;
	cpu->fpu_owner = NULL;
	set_ts(cpu, ts);
}

void hal_fpu_stats(cxy_t cxy, lid_t lid, hal_fpu_stats_t *stats)
{
	stats->saves = hal_remote_l64(XPTR(cxy, &hal_cpus[lid].fpu_saves));
	stats->restores = hal_remote_l64(XPTR(cxy, &hal_cpus[lid].fpu_restores));
	stats->traps = hal_remote_l64(XPTR(cxy, &hal_cpus[lid].fpu_traps));
}
