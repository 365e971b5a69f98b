/*
 * test_busylock.c - the busylock's owner checks and IRQ masking, on the host.
 */
#include <kern/printk.h>
#include <libk/busylock.h>

#include "htest.h"

#include <string.h>

extern __thread lid_t host_lid; /* hal_host.c: per host thread */

HT_TEST(acquire_release_masks_and_restores_irqs)
{
	busylock_t lock = BUSYLOCK_INITIALIZER("t", LOCK_TEST_A);

	hal_enable_irq();
	busylock_acquire(&lock);
	HT_CHECK(!hal_irq_enabled());
	HT_CHECK(busylock_is_held_by_me(&lock));
	busylock_release(&lock);
	HT_CHECK(hal_irq_enabled());
	HT_CHECK(!busylock_is_held_by_me(&lock));
	HT_CHECK(lock.next == 1 && lock.current == 1);
}

HT_TEST(double_acquire_panics)
{
	busylock_t lock = BUSYLOCK_INITIALIZER("twice", LOCK_TEST_A);

	busylock_acquire(&lock);
	HT_EXPECT_PANIC(busylock_acquire(&lock));
	HT_CHECK(strstr(ht_panic_msg, "double acquire") != NULL);
	hal_enable_irq();
}

HT_TEST(release_by_non_owner_panics)
{
	busylock_t lock = BUSYLOCK_INITIALIZER("other", LOCK_TEST_A);

	busylock_acquire(&lock);
	host_lid = 1;
	HT_EXPECT_PANIC(busylock_release(&lock));
	HT_CHECK(strstr(ht_panic_msg, "released by core") != NULL);
	host_lid = 0;
	busylock_release(&lock);
	HT_CHECK(hal_irq_enabled());
}
