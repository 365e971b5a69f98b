/*
 * hal_interrupt.h - external interrupts (devices), as seen by the generic kernel.
 *
 * Each cluster has its own interrupt controller (one PLIC or one supervisor APLIC per NUMA node on
 * QEMU virt), initialised by that cluster. A device interrupt is identified by its controller
 * (the device tree phandle recorded in boot_info, e.g. boot_info.uart.irq_parent) and its source
 * number there; it is delivered to one core chosen at registration.
 */
#ifndef HAL_INTERRUPT_H
#define HAL_INTERRUPT_H

#include <hal_types.h>

/* Handler of one interrupt source: runs on the target core, IRQs off, in interrupt context
 * (must not block, sleep or yield; may take busylocks and wake threads up). */
typedef void (*hal_irq_handler_t)(void *arg);

/*
 * Initialise the local cluster's interrupt controller (all sources masked). Runs once per cluster,
 * on its lid 0, before any hal_irq_register() of that cluster.
 */
void hal_irq_cluster_init(void);

/*
 * Let the calling core take external interrupts (its controller context and SIE.SEIE); runs once
 * per core, after hal_irq_cluster_init() of its cluster. Interrupts stay masked in sstatus until the
 * core enables them (hal_enable_irq).
 */
void hal_irq_core_init(void);

/*
 * Route source @source of controller @controller (phandle) to core @lid of the cluster owning that
 * controller, call @handler(@arg) for each interrupt, and unmask it. Must run in the controller's
 * cluster. Returns EINVAL for an unknown controller or a source out of range, EBUSY if the source
 * already has a handler.
 */
error_t hal_irq_register(uint32_t controller, uint32_t source, lid_t lid, hal_irq_handler_t handler,
			 void *arg);

/* Counters of the calling cluster's controller: interrupts taken since boot (all sources). */
uint64_t hal_irq_count(void);

#endif /* HAL_INTERRUPT_H */
