/*
 * kt_irq.c - in-kernel tests of the external interrupt registration (hal_interrupt.h).
 *
 * Each cluster tests its own controller (registration must run in the controller's cluster), on
 * its lid 0. The controller is found in boot_info like the HAL does: the cluster's entry that
 * serves supervisor external interrupts.
 */
#include <hal_boot.h>
#include <hal_interrupt.h>
#include <kern/cluster.h>
#include <kern/ktest.h>
#include <libk/errno.h>

#define NO_SUCH_PHANDLE 0xfffffff0u

static uint32_t test_handler_calls;

static void test_handler(void *arg)
{
	(void)arg;
	test_handler_calls++;
}

/* This cluster's supervisor-level controller, NULL if none. */
static const boot_irqc_t *local_controller(void)
{
	for (uint32_t i = 0; i < boot_info.irqc_nr; i++)
		if (boot_info.irqc[i].cxy == local_cxy && boot_info.irqc[i].supervisor)
			return &boot_info.irqc[i];
	return NULL;
}

/* A controller that this cluster does not drive: another cluster's, or a machine-level one. */
static const boot_irqc_t *foreign_controller(void)
{
	for (uint32_t i = 0; i < boot_info.irqc_nr; i++)
		if (boot_info.irqc[i].cxy != local_cxy || !boot_info.irqc[i].supervisor)
			return &boot_info.irqc[i];
	return NULL;
}

KTEST(irq, register_rejects_bad_arguments)
{
	const boot_irqc_t *q = local_controller();
	const boot_irqc_t *other = foreign_controller();
	uint32_t cores = cluster_cores_of(local_cxy);

	if (ctx->lid != 0 || !q)
		return;
	KT_EXPECT_EQ(ctx, hal_irq_register(NO_SUCH_PHANDLE, 1, 0, test_handler, NULL), EINVAL);
	KT_EXPECT_EQ(ctx, hal_irq_register(q->phandle, 0, 0, test_handler, NULL), EINVAL);
	KT_EXPECT_EQ(ctx, hal_irq_register(q->phandle, q->sources + 1, 0, test_handler, NULL), EINVAL);
	KT_EXPECT_EQ(ctx, hal_irq_register(q->phandle, 1, cores, test_handler, NULL), EINVAL);
	KT_EXPECT_EQ(ctx, hal_irq_register(q->phandle, 1, 0, NULL, NULL), EINVAL);
	if (other && other->phandle)
		KT_EXPECT_EQ(ctx, hal_irq_register(other->phandle, 1, 0, test_handler, NULL), EINVAL);
}

/*
 * The last source of each controller (QEMU virt wires no device to it, so it never fires) can be
 * registered once; the second registration is refused. The registration stays (there is no
 * unregistration), harmless for a source that nothing drives.
 */
KTEST(irq, second_registration_busy)
{
	const boot_irqc_t *q = local_controller();
	lid_t last = cluster_cores_of(local_cxy) - 1;

	if (ctx->lid != 0 || !q)
		return;
	KT_EXPECT_EQ(ctx, hal_irq_register(q->phandle, q->sources, last, test_handler, NULL), 0);
	KT_EXPECT_EQ(ctx, hal_irq_register(q->phandle, q->sources, 0, test_handler, NULL), EBUSY);
	if (local_cxy == 0 && boot_info.uart.base) /* the console registered the UART at boot */
		KT_EXPECT_EQ(ctx, hal_irq_register(boot_info.uart.irq_parent, boot_info.uart.irq, 0,
						   test_handler, NULL), EBUSY);
	KT_EXPECT_EQ(ctx, test_handler_calls, 0);
}
