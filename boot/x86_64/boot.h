/*
 * boot.h - x86_64 early boot: phase 0 and the start of cores (boot internal, also used by
 * hal/x86_64/hal_boot.c).
 *
 * Phase 0 runs once, on the core QEMU entered the kernel with (the bootstrap processor), on the
 * loaded image, which becomes cluster 0's replica: it reads the PVH start info and the ACPI tables
 * into boot_info, places and fills one replica of the image and one kernel page table per cluster,
 * and starts the first core (lid 0) of every cluster, which then starts its own cores.
 */
#ifndef BOOT_X86_64_BOOT_H
#define BOOT_X86_64_BOOT_H

#include <hal_types.h>
#include <params.h>

#include "layout.h"

/*
 * What ap_entry64 (entry.S) needs to enter the kernel on a newly started core; one per APIC id, in
 * the loaded image (cluster 0's replica), written by the core that starts it through XPTR(0, ...).
 */
typedef struct ap_start_s {
	uint64_t cr3;     /* its cluster's kernel page table                     */
	uint64_t sp;      /* top of its boot stack (image window address)        */
	uint64_t entry;   /* function to call (image window), never returns      */
	uint64_t arg;     /* its argument: the core's lid                        */
	uint64_t checkin; /* set to 1 by the core once it runs ap_entry64        */
	uint64_t pad[3];
} ap_start_t;

_Static_assert(sizeof(ap_start_t) == AP_START_SIZE, "entry.S: AP_START_SIZE");
_Static_assert(__builtin_offsetof(ap_start_t, cr3) == AP_START_CR3, "entry.S layout");
_Static_assert(__builtin_offsetof(ap_start_t, sp) == AP_START_SP, "entry.S layout");
_Static_assert(__builtin_offsetof(ap_start_t, entry) == AP_START_ENTRY, "entry.S layout");
_Static_assert(__builtin_offsetof(ap_start_t, arg) == AP_START_ARG, "entry.S layout");
_Static_assert(__builtin_offsetof(ap_start_t, checkin) == AP_START_CHECKIN, "entry.S layout");
_Static_assert(CONFIG_MAX_HWID == 1024, "entry.S: AP_MAX_HWID");

extern ap_start_t ap_start[CONFIG_MAX_HWID];
/* Boot (and later idle) stack of each core of the cluster, in each replica. */
extern uint8_t boot_stacks[CONFIG_MAX_CORES_PER_CLUSTER][CONFIG_BOOT_STACK_SIZE];

/*
 * Start core @lid of cluster @cxy (its lid 0 from phase 0, the others from their cluster's lid 0):
 * fill its start block with the cluster's page table, its boot stack and hal_core_entry(@lid), then
 * INIT, start-up IPI, a second start-up IPI if it has not checked in after 200 us, and wait up to
 * 10 s for its check-in (every wait with pause). Returns 0, or EIO (said on the console) if it
 * did not check in. The caller's local APIC is enabled; any core of any cluster may call it, for
 * different targets at once.
 */
error_t boot_start_core(cxy_t cxy, lid_t lid);

/* entry.S */
_Noreturn void boot_switch(paddr_t cr3, uintptr_t sp, void (*entry)(uint64_t), uint64_t arg);
extern const uint8_t trampoline_start[], trampoline_end[];

/* hal_boot.c: C entry of every core once its cluster's page table and its stack are set. */
_Noreturn void hal_core_entry(uint64_t lid);

/* Phase 0, before any other core starts: the trampoline at TRAMPOLINE_PA; the 8259 pair remapped
 * to VEC_PIC_BASE and masked (smp.c). */
void boot_install_trampoline(void);
void boot_mask_pic(void);

/*
 * kpt.c, phase 0: place each cluster's kernel region (cluster 0 keeps the loaded image at
 * @load_pa; the others take the first 2 MiB-aligned place of their memory free of reserved ranges),
 * fill the replicas of clusters 1.. (cluster 0's is the loaded image) and build every cluster's
 * kernel page table. Cluster 0's is built first and the boot core moves onto it, whose direct map
 * reaches all memory (the early tables reach the first 4 GiB only). Panics when a cluster has no
 * room.
 */
void boot_build_clusters(paddr_t load_pa);

#endif /* BOOT_X86_64_BOOT_H */
