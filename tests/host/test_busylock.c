/*
 * test_busylock.c - the busylock's owner checks, IRQ masking and mutual exclusion, on the host.
 * Tests named tsan_* also run under ThreadSanitizer (ctest host.tsan.busylock, preset host-tsan).
 */
#include <kern/printk.h>
#include <libk/busylock.h>

#include "htest.h"

#include <pthread.h>
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
	HT_CHECK(lock.holder == 0);
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

/* Host threads as cores (each its own host_lid) add to one plain counter under one lock. */
#define CORES 4
#define ROUNDS 20000

static busylock_t shared_lock = BUSYLOCK_INITIALIZER("shared", LOCK_TEST_A);
static uint64_t shared_count;
static uint32_t inside; /* cores inside the critical section: never more than one */
static uint32_t overlaps;

static void *adder(void *arg)
{
	host_lid = (lid_t)(uintptr_t)arg;
	for (int i = 0; i < ROUNDS; i++) {
		busylock_acquire(&shared_lock);
		if (__atomic_add_fetch(&inside, 1, __ATOMIC_RELAXED) != 1)
			__atomic_add_fetch(&overlaps, 1, __ATOMIC_RELAXED);
		shared_count++;
		__atomic_sub_fetch(&inside, 1, __ATOMIC_RELAXED);
		busylock_release(&shared_lock);
	}
	return NULL;
}

HT_TEST(tsan_contended_lock_excludes)
{
	pthread_t tid[CORES];

	for (uintptr_t c = 0; c < CORES; c++)
		HT_REQUIRE(pthread_create(&tid[c], NULL, adder, (void *)(c + 1)) == 0);
	for (int c = 0; c < CORES; c++)
		pthread_join(tid[c], NULL);
	HT_CHECK(shared_count == (uint64_t)CORES * ROUNDS);
	HT_CHECK(overlaps == 0);
	HT_CHECK(shared_lock.holder == 0);
}
