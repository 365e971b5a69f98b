/*
 * hal_boot.c - bringing cores of a cluster into the kernel on RISC-V.
 */
#include <hal_boot.h>
#include <hal_pageops.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/errno.h>

#include "boot.h"
#include "hal_cpu.h"
#include "riscv.h"
#include "sbi.h"
#include "trap_frame.h"

#define SBI_HSM_STOPPED 1
#define HSM_WAIT_LOOPS  100000000UL

/* Where a core's traps go when its kernel stack overflowed (trap.S). */
static uint8_t emergency_stacks[CONFIG_MAX_CORES_PER_CLUSTER][EMERGENCY_STACK_SIZE]
	__attribute__((aligned(16)));

_Noreturn void hal_core_entry(uint64_t lid)
{
	hal_cpu_t *cpu = &hal_cpus[lid];

	cpu->lid = (lid_t)lid;
	cpu->hwid = boot_info.core[boot_info.cluster[local_cxy].first_core + lid].hwid;
	cpu->emergency_sp = (uint64_t)(uintptr_t)&emergency_stacks[lid][EMERGENCY_STACK_SIZE];
	__asm__ volatile("mv tp, %0" ::"r"(cpu));
	csr_write(sscratch, 0);
	/* The kernel runs with the FPU and V off (docs/fpu.md; docs/memory.md, "Page ops"). */
	csr_clear(sstatus, SSTATUS_FS | SSTATUS_VS);
	csr_write(stvec, (uintptr_t)hal_trap_entry);
	sfence_vma_all();
	riscv_pageops_core_init(); /* a probe that may trap: after stvec */
	if (lid == 0)
		hal_console_init(false);
	if (lid == 0 && local_cxy == 0) {
		char name[32];
		printk("page ops: %s", hal_pageops_name(name, sizeof(name)));
	}
	kernel_init((lid_t)lid);
	panic("%s: kernel_init returned", __func__);
}

error_t hal_core_start(lid_t lid)
{
	const boot_cluster_t *cl = &boot_info.cluster[local_cxy];
	hwid_t hw = boot_info.core[cl->first_core + lid].hwid;
	unsigned long waited = 0;
	long err;

	core_start[lid] = (core_start_t){
		.satp = csr_read(satp),
		.sp = (uint64_t)(uintptr_t)&boot_stacks[lid][CONFIG_BOOT_STACK_SIZE],
		.entry = (uint64_t)(uintptr_t)hal_core_entry,
		.arg = lid,
	};
	hal_fence();
	/* The boot hart of phase 0 may still be on its way to stopping itself. */
	while (sbi_hart_status(hw) != SBI_HSM_STOPPED) {
		if (++waited == HSM_WAIT_LOOPS) {
			pr_err("%s: hart %u never stopped", __func__, hw);
			return EIO;
		}
		hal_cpu_relax();
	}
	err = boot_start_hart(hw, hal_kva_to_paddr(_secondary_start), hal_kva_to_paddr(&core_start[lid]));
	if (err) {
		pr_err("%s: SBI could not start hart %u: error %ld", __func__, hw, err);
		return EIO;
	}
	return 0;
}
