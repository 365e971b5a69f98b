/*
 * hal_special.h - identity of the running core, time, address conversions, power.
 *
 * All functions may be called from any context on any core and never sleep.
 */
#ifndef HAL_SPECIAL_H
#define HAL_SPECIAL_H

#include <hal_types.h>

/*
 * Provided by the architecture in <arch/special.h>, defined there static inline (or declared, for
 * an out-of-line implementation), because the locks and every remote access use them:
 *   lid_t hal_get_lid(void)      index of the running core inside its cluster; valid once
 *                                kernel_init() has started on this core;
 *   void  hal_cpu_relax(void)    spin hint inside busy-wait loops;
 *   void  hal_fence(void)        full memory fence between the accesses before and after it;
 *   void *hal_get_core_ptr(void) the per-core pointer below (thread_current() reads it);
 *   void *hal_paddr_to_kva(paddr_t pa)
 *                                the direct-map address of physical address @pa (the direct map
 *                                maps all physical memory identically in every cluster); every
 *                                page-table walk and page conversion takes it, so it is inline.
 *                                Debug builds (NDEBUG unset) check that @pa is in the direct map
 *                                and call hal_paddr_bad(pa) if not. Every architecture's is
 *                                hal_dmap.h's, over KMEM_DMAP_BASE/SIZE of its <arch/kmem.h>.
 */
_Noreturn void hal_paddr_bad(paddr_t pa); /* panics: @pa is outside the direct map */
#include <arch/special.h>

/* Per-core pointer kept by the HAL for the generic kernel (the core descriptor): set once per core. */
void  hal_set_core_ptr(void *core);

/* Free-running counter of the core, counting at boot_info.timebase_hz. */
cycle_t hal_get_cycles(void);
/* Nanoseconds since reset, monotonic, from the platform timer. */
uint64_t hal_get_time_ns(void);

/*
 * Kernel virtual -> physical (hal_paddr_to_kva is above, inline): accepts direct-map addresses and
 * image-window addresses (translated to the local replica); anything else is a bug and panics.
 */
paddr_t hal_kva_to_paddr(const void *kva);

/* True if @kva lies in the kernel image window (a replicated global or code address). */
bool hal_is_image_addr(const void *kva);

/*
 * The kernel's own ranges of virtual addresses as the local cluster's cores see them, for the list
 * of vsegs of the cluster's kernel process (displays): the image's code, its data, the kernel
 * stacks of the cluster, the direct map of the cluster's memory, the device registers the kernel
 * reaches. Up to @max in @out; returns how many were written.
 */
typedef enum { HAL_KRANGE_CODE, HAL_KRANGE_DATA, HAL_KRANGE_DEV } hal_krange_kind_t;
typedef struct hal_krange_s {
	hal_krange_kind_t kind;
	uintptr_t         min, max; /* [min, max), page aligned */
} hal_krange_t;
uint32_t hal_kernel_ranges(hal_krange_t *out, uint32_t max);

/*
 * hal_get_time_ns, hal_kva_to_paddr, hal_paddr_bad and hal_kernel_ranges are hal/common/hal_special.c's.
 * What the architecture provides for them: its layout in <arch/kmem.h> (KMEM_DMAP_BASE and
 * KMEM_DMAP_SIZE: physical address pa < KMEM_DMAP_SIZE is at KMEM_DMAP_BASE + pa;
 * KMEM_KIMAGE_VBASE: the image window, CONFIG_KIMAGE_MAX_SIZE bytes; KMEM_KSTACK_BASE and
 * KMEM_KSTACK_AREA_SHIFT: cluster c's kernel stacks fill [KMEM_KSTACK_BASE + (c << SHIFT),
 * KMEM_KSTACK_BASE + ((c + 1) << SHIFT))), and the function below, for hal_kernel_ranges only:
 * it calls @add(@ctx, pa, size) for each physical range of device registers the local cluster's
 * kernel reaches through the direct map.
 */
void hal_kernel_dev_ranges(void (*add)(void *ctx, paddr_t pa, size_t size), void *ctx);

/* What user programs see of the machine: ELF e_machine of native executables, AT_HWCAP, and the
 * machine name of uname(2). */
uint16_t    hal_elf_machine(void);
uint64_t    hal_elf_hwcap(void);
const char *hal_machine_name(void);

/*
 * Inside a wait for something another core must do (free a lock, set a flag), after spinning a
 * while: let the other cores run, where the platform runs them in turn on one processor (an
 * emulator: QEMU's -icount runs every hart round-robin on one host thread, so the core waited for
 * may not run until the waiter's turn ends); elsewhere a spin hint. Returns soon in either case;
 * may leave a spurious inter-processor interrupt pending (kernel_ipi() handles it as one with no
 * request). Any context, IRQs on or off.
 */
void hal_cpu_wait_other(void);
/* Wait for an interrupt (or return spuriously): the core is idle. */
void hal_cpu_idle(void);

/*
 * Sleep until an interrupt is pending, then take it, with no wake-up lost. Called with interrupts
 * off, after the caller looked at what it waits for: an interrupt that becomes pending after that
 * look, before or during the sleep, ends the sleep (the check and the sleep are atomic with
 * respect to it). Interrupts are then on for one moment, so that the pending ones are taken
 * (kernel_tick, kernel_ipi, device handlers, and kernel_irq_exit, which may switch threads), and
 * the call returns with interrupts off; the caller looks again. May return spuriously. The core
 * gives its processor back meanwhile (an emulator's host thread sleeps) instead of spinning. An
 * armed tick bounds the sleep: a wake-up IPI that is lost costs at most one tick period.
 * Caller: interrupts off, a context that may take interrupts (its core's handlers initialised).
 */
void hal_cpu_wait_irq(void);

/*
 * Stop the machine with @status: 0 means success, 1..255 a failure (a larger value counts as 255).
 * Every end of the machine goes through here: a panic (255), the end of the in-kernel tests (0 or 1),
 * reboot(2)'s power off (0), the end of the first user program (its exit status, 128 + S when killed
 * by signal S). The architecture hands @status to its exit device, which makes it the emulator's
 * exit status in the device's own encoding (RISC-V's test finisher: as is; x86's isa-debug-exit:
 * (status << 1) | 1); config/arch/<arch>.conf names the device, and the driver and the QEMU harness
 * decode through it. Never returns. May be called by any core in any state (after a panic too).
 */
_Noreturn void hal_poweroff(unsigned status);

/* Make instructions this core wrote to memory visible to its own instruction fetches. */
void hal_icache_sync(void);

#endif /* HAL_SPECIAL_H */
