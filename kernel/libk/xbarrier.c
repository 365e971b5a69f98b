/*
 * xbarrier.c - barrier across clusters (see xbarrier.h).
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <libk/xbarrier.h>

void xbarrier_wait(xptr_t barrier_xp, uint32_t count)
{
	xbarrier_wait_relax(barrier_xp, count, hal_cpu_relax);
}

void xbarrier_wait_relax(xptr_t barrier_xp, uint32_t count, void (*relax)(void))
{
	xbarrier_wait_sleep(barrier_xp, count, relax, NULL);
}

void xbarrier_wait_sleep(xptr_t barrier_xp, uint32_t count, void (*sleep)(void),
			 void (*wake_all)(void))
{
	xptr_t arrived_xp = XPTR_FIELD(barrier_xp, xbarrier_t, arrived);
	xptr_t gen_xp = XPTR_FIELD(barrier_xp, xbarrier_t, generation);
	uint32_t gen = hal_remote_l32(gen_xp);

	hal_fence(); /* read the generation before announcing the arrival */
	if (hal_remote_atomic_add32(arrived_xp, 1) == count - 1) {
		hal_remote_s32(arrived_xp, 0);
		hal_fence(); /* the reset is visible before anyone can start the next round */
		hal_remote_atomic_add32(gen_xp, 1);
		if (wake_all) {
			hal_fence(); /* the new generation before the wake-ups */
			wake_all();
		}
		return;
	}
	while (hal_remote_l32(gen_xp) == gen)
		sleep();
	hal_fence();
}
