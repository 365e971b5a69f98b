/*
 * boot.h - RISC-V early boot: phase 0 and starting cores (arch internal).
 *
 * Phase 0 runs once, on the hart OpenSBI entered the kernel with, on the loaded image (which becomes
 * cluster 0's replica): it reads the device tree into boot_info, places and fills one replica of the
 * image and one kernel page table per cluster, and starts the first core (lid 0) of every cluster.
 */
#ifndef BOOT_RISCV_BOOT_H
#define BOOT_RISCV_BOOT_H

#include <hal_types.h>
#include <params.h>

/* What _secondary_start needs to enter the kernel on a newly started core (read with the MMU off). */
typedef struct core_start_s {
	uint64_t satp;   /* the cluster's kernel page table                 */
	uint64_t sp;     /* top of the core's boot stack (virtual)          */
	uint64_t entry;  /* function to call (virtual), never returns       */
	uint64_t arg;    /* its argument: the core's lid                    */
} core_start_t;

/* One per core of the cluster, in each replica. Written by whoever starts the core. */
extern core_start_t core_start[CONFIG_MAX_CORES_PER_CLUSTER];
/* Boot (and later idle) stack of each core of the cluster, in each replica. */
extern uint8_t boot_stacks[CONFIG_MAX_CORES_PER_CLUSTER][CONFIG_BOOT_STACK_SIZE];

/*
 * Physical address of the start block of each hart being started, by hart id, in the loaded image
 * (cluster 0's replica): see _start in entry.S for the OpenSBI race it covers. Written through
 * XPTR(0, ...) before each SBI HSM start.
 */
extern uint64_t early_start_pa[CONFIG_MAX_HWID];

/* Publish @start_pa for @hart, then ask SBI to start it at @entry_pa. Returns the SBI error. */
long boot_start_hart(hwid_t hart, paddr_t entry_pa, paddr_t start_pa);

/* entry.S */
void _secondary_start(void);
_Noreturn void boot_switch(const core_start_t *cs);

/* hal_boot.c: C entry of every core once its cluster's table and its stack are set. */
_Noreturn void hal_core_entry(uint64_t lid);

#endif /* BOOT_RISCV_BOOT_H */
