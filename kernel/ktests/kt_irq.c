/*
 * kt_irq.c - in-kernel tests of the external interrupt registration (hal_interrupt.h).
 *
 * Each cluster tests its own controller (registration must run in the controller's cluster), on
 * its lid 0. Controllers are named by their neutral id, their index in boot_info.irqc[]; the
 * cluster's own is the entry of the cluster that delivers to the kernel, as the HAL chooses it.
 */
#include <hal_boot.h>
#include <hal_interrupt.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <libk/errno.h>

static uint32_t test_handler_calls;

static void test_handler(void *arg)
{
	(void)arg;
	test_handler_calls++;
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
 * The last source of each controller (QEMU virt wires no device to it, so it never fires) can be
 * registered once; the second registration is refused. The registration stays (there is no
 * unregistration), harmless for a source that nothing drives.
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
	KT_EXPECT_EQ(ctx, test_handler_calls, 0);
}
