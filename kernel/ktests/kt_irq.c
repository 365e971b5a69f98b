/*
 * kt_irq.c - in-kernel tests of the external interrupt registration (hal_interrupt.h).
 *
 * Each cluster tests its own controller (registration must run in the controller's cluster), on
 * its lid 0. Controllers are named by their neutral id, their index in boot_info.irqc[]; the
 * cluster's own is the entry of the cluster that delivers to the kernel, as the HAL chooses it.
 */
#include <hal_boot.h>
#include <hal_interrupt.h>
#include <hal_remote.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <libk/errno.h>

/* A handler with no device behind it: it never has anything to answer. */
static bool test_handler(void *arg)
{
	(void)arg;
	return false;
}

/* The same, counting its calls in the uint32_t at @arg (written by one core, read by another). */
static bool counting_handler(void *arg)
{
	uint32_t *calls = arg;

	__atomic_store_n(calls, *calls + 1, __ATOMIC_RELAXED);
	return false;
}

/* The id of this cluster's controller, BOOT_IRQC_NONE if none. */
static uint32_t local_controller(void)
{
	for (uint32_t i = 0; i < boot_info.irqc_nr; i++)
		if (boot_info.irqc[i].cxy == local_cxy && boot_info.irqc[i].kernel)
			return i;
	return BOOT_IRQC_NONE;
}

/* The id of a controller that this cluster does not drive: another cluster's, or one that does not
 * deliver to the kernel (a firmware's); BOOT_IRQC_NONE if none. */
static uint32_t foreign_controller(void)
{
	for (uint32_t i = 0; i < boot_info.irqc_nr; i++)
		if (boot_info.irqc[i].cxy != local_cxy || !boot_info.irqc[i].kernel)
			return i;
	return BOOT_IRQC_NONE;
}

KTEST(irq, register_rejects_bad_arguments)
{
	uint32_t q = local_controller();
	uint32_t other = foreign_controller();
	uint32_t cores = cluster_cores_of(local_cxy);

	if (ctx->lid != 0 || q == BOOT_IRQC_NONE)
		return;
	KT_EXPECT_EQ(ctx, hal_irq_register(BOOT_IRQC_NONE, 1, 0, test_handler, NULL), EINVAL);
	KT_EXPECT_EQ(ctx, hal_irq_register(boot_info.irqc_nr, 1, 0, test_handler, NULL), EINVAL);
	KT_EXPECT_EQ(ctx, hal_irq_register(q, 0, 0, test_handler, NULL), EINVAL);
	KT_EXPECT_EQ(ctx, hal_irq_register(q, boot_info.irqc[q].sources + 1, 0, test_handler, NULL),
		     EINVAL);
	KT_EXPECT_EQ(ctx, hal_irq_register(q, 1, cores, test_handler, NULL), EINVAL);
	KT_EXPECT_EQ(ctx, hal_irq_register(q, 1, 0, NULL, NULL), EINVAL);
	if (other != BOOT_IRQC_NONE)
		KT_EXPECT_EQ(ctx, hal_irq_register(other, 1, 0, test_handler, NULL), EINVAL);
}

/*
 * The last source of each controller can be registered once; the second registration is refused.
 * The registration stays (there is no unregistration). QEMU virt wires no device to that source,
 * but it is not always quiet: QEMU 7.2's APLIC starts with its sources' state uninitialised, so
 * an undriven wire may read asserted; the handler, which cannot answer it, is then called until
 * the HAL masks the source (docs/traps.md, "A wire stuck asserted").
 */
KTEST(irq, second_registration_busy)
{
	uint32_t q = local_controller();
	const boot_dev_t *con = &boot_info.console;
	lid_t last = cluster_cores_of(local_cxy) - 1;

	if (ctx->lid != 0 || q == BOOT_IRQC_NONE)
		return;
	KT_EXPECT_EQ(ctx, hal_irq_register(q, boot_info.irqc[q].sources, last, test_handler, NULL), 0);
	KT_EXPECT_EQ(ctx, hal_irq_register(q, boot_info.irqc[q].sources, 0, test_handler, NULL), EBUSY);
	if (con->present && con->irqc == q) /* the console registered its interrupt at boot */
		KT_EXPECT_EQ(ctx, hal_irq_register(q, con->source, 0, test_handler, NULL), EBUSY);
}

static uint32_t stuck_calls;

/*
 * A wire stuck asserted, which its handler cannot answer, is masked after exactly
 * HAL_IRQ_UNANSWERED_LIMIT calls, and its core goes on (it takes its ticks again: an interrupt
 * storm starves the timer). Before the limit existed, such a wire held its core in the interrupt
 * handler for good: the ktest barrier then waited for it forever. The next-to-last source (the
 * last is second_registration_busy's), on the cluster's last core; where the controller cannot
 * fake a stuck wire (a PLIC, an IOAPIC), only the registration is checked.
 */
KTEST(irq, stuck_wire_is_masked)
{
	uint32_t q = local_controller();
	lid_t last = cluster_cores_of(local_cxy) - 1;
	xptr_t ticks_xp = XPTR(local_cxy, &cluster_manager.core[last].sched.ticks);
	uint32_t source;
	uint64_t ticks;
	error_t error;

	if (ctx->lid != 0 || q == BOOT_IRQC_NONE)
		return;
	source = boot_info.irqc[q].sources - 1;
	KT_EXPECT_EQ(ctx, hal_irq_test_stuck(q, source), EINVAL); /* no handler yet */
	KT_EXPECT_EQ(ctx, hal_irq_register(q, source, last, counting_handler, &stuck_calls), 0);
	error = hal_irq_test_stuck(q, source);
	if (error == EOPNOTSUPP)
		return;
	KT_EXPECT_EQ(ctx, error, 0);
	KT_EXPECT(ctx, KTEST_WAIT_UNTIL(__atomic_load_n(&stuck_calls, __ATOMIC_RELAXED) >=
					HAL_IRQ_UNANSWERED_LIMIT));
	ticks = hal_remote_l64(ticks_xp);
	KT_EXPECT(ctx, KTEST_WAIT_UNTIL(hal_remote_l64(ticks_xp) >= ticks + 2));
	KT_EXPECT_EQ(ctx, __atomic_load_n(&stuck_calls, __ATOMIC_RELAXED), HAL_IRQ_UNANSWERED_LIMIT);
	KT_EXPECT_EQ(ctx, hal_irq_register(q, source, last, counting_handler, &stuck_calls), EBUSY);
}
