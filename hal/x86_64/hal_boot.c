/*
 * hal_boot.c - bringing cores of a cluster into the kernel on x86_64.
 *
 * Every core enters hal_core_entry(lid) on its cluster's kernel page table and its boot stack
 * (boot/x86_64: ap_entry64 for a started core, boot_switch for the boot core). It sets up what the
 * CPU needs before the generic kernel runs: its GDT, TSS and the cluster's IDT (lid 0 builds the
 * IDT first: the others start after it), its GS base, its control registers and syscall MSRs, its
 * local APIC; then kernel_init(lid).
 */
#include <hal_boot.h>
#include <hal_pageops.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/errno.h>

#include "boot.h"
#include "hal_cpu.h"
#include "x86.h"

_Noreturn void hal_core_entry(uint64_t lid)
{
	hal_cpu_t *cpu = &hal_cpus[lid];

	cpu->self = cpu;
	cpu->lid = (lid_t)lid;
	cpu->hwid = boot_info.core[boot_info.cluster[local_cxy].first_core + lid].hwid;
	if (lid == 0)
		x86_idt_init();
	x86_seg_core_init(cpu);
	wrmsr(MSR_GS_BASE, (uintptr_t)cpu);
	wrmsr(MSR_KERNEL_GS_BASE, 0); /* the user's GS base: user programs cannot set one */
	x86_cpu_core_init();
	x86_fpu_core_init();
	x86_lapic_core_init();
	if (x86_lapic_id() != cpu->hwid)
		panic("%s: core %lu of cluster %u has APIC id %u, not %u", __func__, lid, local_cxy,
		      x86_lapic_id(), cpu->hwid);
	/* The boot core, when it is not a lid 0, waits for its cluster's lid 0 (hal_core_start). */
	while (cpu->hwid == boot_info.boot_hwid && lid != 0 &&
	       !__atomic_load_n(&cpu->released, __ATOMIC_ACQUIRE))
		cpu_relax();
	if (lid == 0 && local_cxy == 0) {
		char name[32];
		printk("page ops: %s", hal_pageops_name(name, sizeof(name)));
	}
	kernel_init((lid_t)lid);
	panic("%s: kernel_init returned", __func__);
}

error_t hal_core_start(lid_t lid)
{
	hwid_t hw = boot_info.core[boot_info.cluster[local_cxy].first_core + lid].hwid;

	if (hw == boot_info.boot_hwid) { /* already in the kernel, waiting in hal_core_entry */
		__atomic_store_n(&hal_cpus[lid].released, 1, __ATOMIC_RELEASE);
		return 0;
	}
	return boot_start_core(local_cxy, lid);
}
