/*
 * hal_interrupt.h - external interrupts (devices), as seen by the generic kernel.
 *
 * The boot code lists the machine's interrupt controllers in boot_info.irqc[] (hal_boot.h), each
 * with the cluster that drives it. A cluster drives at most one controller, initialised by that
 * cluster (on RISC-V's QEMU virt: one PLIC or one supervisor APLIC per NUMA node). A device
 * interrupt is identified by its controller's id (its index in boot_info.irqc[], as a boot_dev_t
 * names it, e.g. boot_info.console.irqc) and its source number there; it is delivered to one core
 * chosen at registration.
 */
#ifndef HAL_INTERRUPT_H
#define HAL_INTERRUPT_H

#include <hal_types.h>

/*
 * Handler of one interrupt source: runs on the target core, IRQs off, in interrupt context (must
 * not block, sleep or yield; may take busylocks and wake threads up). Returns true if its device
 * had something to say (the handler found work and quieted the device), false if not.
 *
 * A source whose handler answers false HAL_IRQ_UNANSWERED_LIMIT times in a row is a wire stuck
 * asserted: a level-triggered line that no handler can lower would otherwise interrupt its core
 * forever (its timer, lower in priority, starved with everything else). The HAL then masks it for
 * good and says so on the console; the registration stays (a second one is still EBUSY). One
 * answer of true starts the count again, so an occasional spurious interrupt costs nothing.
 */
typedef bool (*hal_irq_handler_t)(void *arg);

#define HAL_IRQ_UNANSWERED_LIMIT 1000

/* For the HAL's dispatchers: count a handler's @answered in its source's @unanswered (written by
 * the target core only); true when the limit is just reached and the source must be masked. */
static inline bool hal_irq_note_answer(uint32_t *unanswered, bool answered)
{
	if (answered) {
		*unanswered = 0;
		return false;
	}
	return ++*unanswered == HAL_IRQ_UNANSWERED_LIMIT;
}

/*
 * Initialise the local cluster's interrupt controller (all sources masked). Runs once per cluster,
 * on its lid 0, before any hal_irq_register() of that cluster.
 */
void hal_irq_cluster_init(void);

/*
 * Let the calling core take external interrupts (opens its delivery at the controller and at the
 * core); runs once per core, after hal_irq_cluster_init() of its cluster. Interrupts stay masked
 * until the core enables them (hal_enable_irq).
 */
void hal_irq_core_init(void);

/*
 * Route source @source of controller @controller (its id: index in boot_info.irqc[]) to core @lid of
 * the calling cluster, call @handler(@arg) for each interrupt, and unmask it. Must run in the
 * controller's cluster (boot_info.irqc[@controller].cxy). Returns EINVAL for a controller this
 * cluster does not drive (an id out of the table or BOOT_IRQC_NONE, another cluster's, one that does
 * not deliver to the kernel), a source outside 1..sources, a core the controller cannot reach or a
 * NULL handler; EBUSY if the source already has a handler. Nothing changes on failure.
 */
error_t hal_irq_register(uint32_t controller, uint32_t source, lid_t lid, hal_irq_handler_t handler,
			 void *arg);

/*
 * For the tests: make registered source @source of controller @controller (the calling cluster's)
 * behave as a wire stuck asserted, which its handler cannot lower. 0 on success; EOPNOTSUPP where
 * the controller cannot be made to (only the RISC-V APLIC can: a source switched to level-low
 * sensing on a wire that nothing drives); EINVAL for a controller or source hal_irq_register()
 * refuses, or one without a handler.
 */
error_t hal_irq_test_stuck(uint32_t controller, uint32_t source);

/* Counters of the calling cluster's controller: interrupts taken since boot (all sources). */
uint64_t hal_irq_count(void);

#endif /* HAL_INTERRUPT_H */
