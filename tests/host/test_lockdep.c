/*
 * test_lockdep.c - the lock checker (kernel/libk/lockdep.c) on the host.
 *
 * Built twice (lockdep.cmake): with CONFIG_DEBUG, the checks themselves, "threads" being two
 * lockdep_state_t this file switches between (it defines lockdep_current); without it, the release
 * stubs. Locks are plain objects named by extended pointers: lockdep never dereferences them.
 */
#include <hal_irqmask.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/lockdep.h>

#include "htest.h"

#include <string.h>

extern __thread lid_t host_lid; /* hal_host.c: per host thread */

/* Things to name by extended pointers; nothing reads them. */
static char locks[CONFIG_LOCKDEP_DEPTH + 4];
#define LK(i)      XPTR(0, &locks[i])

HT_TEST(class_table_is_sorted_by_rank_with_unique_names)
{
	HT_CHECK(lockdep_classes[LOCK_CLASS_NONE].rank == 0);
	HT_CHECK(lockdep_classes[LOCK_CLASS_NONE].kinds == 0);
	for (unsigned i = 1; i < LOCK_CLASS_NR; i++) {
		const lock_class_info_t *c = &lockdep_classes[i];

		HT_REQUIRE(c->name != NULL && c->name[0] != 0);
		HT_CHECK(c->kinds != 0 && (c->kinds & ~LOCKDEP_ANY) == 0);
		HT_CHECK(c->rank > lockdep_classes[i - 1].rank);
		for (unsigned j = 0; j < i; j++)
			HT_CHECK(strcmp(c->name, lockdep_classes[j].name) != 0);
	}
	/* printk may run under any lock: the console must rank above everything */
	HT_CHECK(LOCK_CONSOLE == LOCK_CLASS_NR - 1);
}

HT_TEST(violation_names)
{
	for (unsigned k = 0; k < LOCKDEP_VIOLATION_NR; k++) {
		HT_REQUIRE(lockdep_violation_name((lockdep_violation_t)k) != NULL);
		HT_CHECK(strcmp(lockdep_violation_name((lockdep_violation_t)k), "?") != 0);
	}
	HT_CHECK(strcmp(lockdep_violation_name(LOCKDEP_VIOLATION_NR), "?") == 0);
}

#ifdef CONFIG_DEBUG

static lockdep_state_t threads[2];
static unsigned cur; /* the running "thread" */

lockdep_state_t *lockdep_current(void)
{
	return &threads[cur];
}

static void reset(void)
{
	lockdep_state_init(&threads[0]);
	lockdep_state_init(&threads[1]);
	cur = 0;
	hal_enable_irq();
}

/* Run @stmt, which must panic with a message containing @text; then undo the host IRQ mask. */
#define EXPECT_LOCKDEP_PANIC(stmt, text)                                                            \
	do {                                                                                        \
		HT_EXPECT_PANIC(stmt);                                                              \
		HT_CHECK(strstr(ht_panic_msg, "lockdep: ") == ht_panic_msg);                        \
		HT_CHECK(strstr(ht_panic_msg, (text)) != NULL);                                     \
		hal_enable_irq();                                                                   \
	} while (0)

#define ACQ_BUSY(i, name, cls)  lockdep_acquire(LK(i), (name), (cls), true)
#define ACQ_BLOCK(i, name, cls) lockdep_acquire(LK(i), (name), (cls), false)
#define REL(i, name)            lockdep_release(LK(i), (name))

HT_TEST(increasing_order_is_accepted)
{
	reset();
	HT_CHECK(ACQ_BLOCK(0, "proc", LOCK_PROCESS));
	HT_CHECK(ACQ_BLOCK(1, "vsl", LOCK_VMM_VSL));
	HT_CHECK(ACQ_BUSY(2, "page", LOCK_PAGE));
	HT_CHECK(ACQ_BUSY(3, "kcm", LOCK_KCM));
	HT_CHECK(ACQ_BUSY(4, "ppm", LOCK_PPM));
	HT_CHECK(ACQ_BUSY(5, "console", LOCK_CONSOLE));
	HT_CHECK(threads[0].depth == 6 && threads[0].busylocks == 4);
	HT_CHECK(hal_irq_enabled()); /* lockdep restores the IRQ state it found */
	for (int i = 5; i >= 0; i--)
		HT_CHECK(REL(i, "x"));
	HT_CHECK(threads[0].depth == 0 && threads[0].busylocks == 0);
	HT_CHECK(lockdep_take_report() == LOCKDEP_NONE);
}

HT_TEST(inversion_is_reported_with_both_names)
{
	reset();
	HT_CHECK(ACQ_BUSY(0, "alpha", LOCK_TEST_A));
	HT_CHECK(ACQ_BUSY(1, "beta", LOCK_TEST_B));
	HT_CHECK(REL(1, "beta") && REL(0, "alpha"));

	HT_CHECK(ACQ_BUSY(1, "beta", LOCK_TEST_B));
	EXPECT_LOCKDEP_PANIC(ACQ_BUSY(0, "alpha", LOCK_TEST_A), "lock order violation");
	HT_CHECK(strstr(ht_panic_msg, "acquiring 'alpha' (class test_a") != NULL);
	HT_CHECK(strstr(ht_panic_msg, "while holding 'beta' (class test_b)") != NULL);
	/* nothing was recorded for the refused lock */
	HT_CHECK(threads[0].depth == 1 && lockdep_is_held(LK(1)) && !lockdep_is_held(LK(0)));
	HT_CHECK(REL(1, "beta"));
}

HT_TEST(inversion_across_kernel_classes)
{
	reset();
	HT_CHECK(ACQ_BUSY(0, "ppm", LOCK_PPM));
	EXPECT_LOCKDEP_PANIC(ACQ_BUSY(1, "kcm", LOCK_KCM), "'kcm' (class kcm");
	HT_CHECK(strstr(ht_panic_msg, "'ppm' (class ppm)") != NULL);
	HT_CHECK(REL(0, "ppm"));
}

HT_TEST(expected_violation_is_recorded_and_refused)
{
	reset();
	HT_CHECK(ACQ_BUSY(1, "beta", LOCK_TEST_B));
	lockdep_expect(LOCKDEP_ORDER);
	HT_CHECK(!ACQ_BUSY(0, "alpha", LOCK_TEST_A));
	HT_CHECK(threads[0].depth == 1 && threads[0].busylocks == 1);
	HT_CHECK(!lockdep_is_held(LK(0)));
	HT_CHECK(hal_irq_enabled());
	HT_CHECK(lockdep_take_report() == LOCKDEP_ORDER);
	HT_CHECK(lockdep_take_report() == LOCKDEP_NONE);
	/* the checker still works after a report */
	HT_CHECK(ACQ_BUSY(2, "gamma", LOCK_TEST_C));
	HT_CHECK(REL(2, "gamma") && REL(1, "beta"));
	HT_CHECK(threads[0].depth == 0);
}

HT_TEST(expectation_is_one_shot_and_of_one_kind)
{
	reset();
	HT_CHECK(ACQ_BUSY(1, "beta", LOCK_TEST_B));
	lockdep_expect(LOCKDEP_ORDER);
	HT_CHECK(!ACQ_BUSY(0, "alpha", LOCK_TEST_A));
	/* consumed: the same violation again panics */
	EXPECT_LOCKDEP_PANIC(ACQ_BUSY(0, "alpha", LOCK_TEST_A), "lock order violation");
	HT_CHECK(lockdep_take_report() == LOCKDEP_ORDER);

	/* armed for another kind: still panics */
	lockdep_expect(LOCKDEP_DOUBLE_ACQUIRE);
	EXPECT_LOCKDEP_PANIC(ACQ_BUSY(0, "alpha", LOCK_TEST_A), "lock order violation");
	HT_CHECK(lockdep_take_report() == LOCKDEP_NONE);

	/* take_report disarms an expectation that did not fire */
	lockdep_expect(LOCKDEP_ORDER);
	HT_CHECK(lockdep_take_report() == LOCKDEP_NONE);
	EXPECT_LOCKDEP_PANIC(ACQ_BUSY(0, "alpha", LOCK_TEST_A), "lock order violation");

	/* expectations are per thread */
	cur = 1;
	lockdep_expect(LOCKDEP_ORDER);
	cur = 0;
	EXPECT_LOCKDEP_PANIC(ACQ_BUSY(0, "alpha", LOCK_TEST_A), "lock order violation");
	HT_CHECK(REL(1, "beta"));
}

HT_TEST(double_acquire)
{
	reset();
	HT_CHECK(ACQ_BLOCK(0, "mutex", LOCK_TEST_A));
	EXPECT_LOCKDEP_PANIC(ACQ_BLOCK(0, "mutex", LOCK_TEST_A), "double acquire");
	HT_CHECK(strstr(ht_panic_msg, "while holding 'mutex'") != NULL);
	lockdep_expect(LOCKDEP_DOUBLE_ACQUIRE);
	HT_CHECK(!ACQ_BLOCK(0, "mutex", LOCK_TEST_A));
	HT_CHECK(lockdep_take_report() == LOCKDEP_DOUBLE_ACQUIRE);
	HT_CHECK(threads[0].depth == 1);
	HT_CHECK(REL(0, "mutex"));
	HT_CHECK(!lockdep_is_held(LK(0)));
}

HT_TEST(release_of_a_lock_not_held)
{
	reset();
	EXPECT_LOCKDEP_PANIC(REL(3, "ghost"), "release of a lock not held");
	HT_CHECK(strstr(ht_panic_msg, "'ghost'") != NULL);
	lockdep_expect(LOCKDEP_NOT_HELD);
	HT_CHECK(!REL(3, "ghost"));
	HT_CHECK(lockdep_take_report() == LOCKDEP_NOT_HELD);
	/* released twice */
	HT_CHECK(ACQ_BUSY(3, "once", LOCK_TEST_A));
	HT_CHECK(REL(3, "once"));
	EXPECT_LOCKDEP_PANIC(REL(3, "once"), "release of a lock not held");
	/* a NULL name is reported as '?' */
	EXPECT_LOCKDEP_PANIC(lockdep_release(LK(3), NULL), "'?'");
}

HT_TEST(release_by_another_thread)
{
	reset();
	HT_CHECK(ACQ_BUSY(0, "mine", LOCK_TEST_A));
	cur = 1;
	EXPECT_LOCKDEP_PANIC(REL(0, "mine"), "release of a lock not held");
	lockdep_expect(LOCKDEP_NOT_HELD);
	HT_CHECK(!REL(0, "mine"));
	HT_CHECK(lockdep_take_report() == LOCKDEP_NOT_HELD);
	/* the other thread may take a lock of a class the first one holds: order is per thread */
	HT_CHECK(ACQ_BUSY(1, "other", LOCK_TEST_A));
	HT_CHECK(REL(1, "other"));
	cur = 0;
	HT_CHECK(threads[0].depth == 1);
	HT_CHECK(REL(0, "mine"));
}

HT_TEST(release_out_of_order_is_allowed)
{
	reset();
	HT_CHECK(ACQ_BLOCK(0, "a", LOCK_TEST_A));
	HT_CHECK(ACQ_BUSY(1, "b", LOCK_TEST_B));
	HT_CHECK(ACQ_BUSY(2, "c", LOCK_TEST_C));
	HT_CHECK(REL(0, "a"));
	HT_CHECK(threads[0].depth == 2 && threads[0].busylocks == 2);
	HT_CHECK(threads[0].held[0].lock_xp == LK(1) && threads[0].held[1].lock_xp == LK(2));
	HT_CHECK(REL(2, "c"));
	HT_CHECK(threads[0].busylocks == 1);
	/* still holding b: a lower class is still refused */
	lockdep_expect(LOCKDEP_ORDER);
	HT_CHECK(!ACQ_BUSY(0, "a", LOCK_TEST_A));
	HT_CHECK(lockdep_take_report() == LOCKDEP_ORDER);
	HT_CHECK(REL(1, "b"));
	HT_CHECK(threads[0].depth == 0 && threads[0].busylocks == 0);
}

HT_TEST(nestable_class_in_address_order)
{
	reset();
	HT_CHECK(lockdep_classes[LOCK_TEST_B].nestable && !lockdep_classes[LOCK_TEST_A].nestable);
	HT_CHECK(ACQ_BUSY(1, "b1", LOCK_TEST_B));
	HT_CHECK(ACQ_BUSY(2, "b2", LOCK_TEST_B));
	HT_CHECK(ACQ_BUSY(5, "b5", LOCK_TEST_B));
	EXPECT_LOCKDEP_PANIC(ACQ_BUSY(3, "b3", LOCK_TEST_B), "lock order violation");
	HT_CHECK(strstr(ht_panic_msg, "while holding 'b5'") != NULL);
	/* a higher class is fine on top */
	HT_CHECK(ACQ_BUSY(6, "c", LOCK_TEST_C));
	HT_CHECK(REL(6, "c") && REL(5, "b5") && REL(2, "b2") && REL(1, "b1"));

	/* the cluster is the most significant part of the order */
	HT_CHECK(lockdep_acquire(XPTR(0, &locks[9]), "c0", LOCK_TEST_B, true));
	HT_CHECK(lockdep_acquire(XPTR(1, &locks[0]), "c1", LOCK_TEST_B, true));
	lockdep_expect(LOCKDEP_ORDER);
	HT_CHECK(!lockdep_acquire(XPTR(0, &locks[10]), "c0b", LOCK_TEST_B, true));
	HT_CHECK(lockdep_take_report() == LOCKDEP_ORDER);
	HT_CHECK(lockdep_release(XPTR(0, &locks[9]), "c0"));
	HT_CHECK(lockdep_release(XPTR(1, &locks[0]), "c1"));
}

HT_TEST(non_nestable_class_refuses_a_second_lock)
{
	reset();
	HT_CHECK(ACQ_BUSY(1, "a1", LOCK_TEST_A));
	EXPECT_LOCKDEP_PANIC(ACQ_BUSY(2, "a2", LOCK_TEST_A), "lock order violation");
	HT_CHECK(strstr(ht_panic_msg, "while holding 'a1' (class test_a)") != NULL);
	HT_CHECK(REL(1, "a1"));
}

HT_TEST(may_block)
{
	reset();
	HT_CHECK(lockdep_may_block("sched_yield"));
	HT_CHECK(ACQ_BLOCK(0, "mutex", LOCK_TEST_A));
	HT_CHECK(lockdep_may_block("sched_yield")); /* a blocking lock may be held while blocking */
	HT_CHECK(ACQ_BUSY(1, "spin", LOCK_TEST_B));
	EXPECT_LOCKDEP_PANIC(lockdep_may_block("sched_yield"), "blocking while holding a busylock");
	HT_CHECK(strstr(ht_panic_msg, "sched_yield while holding 'spin' (class test_b)") != NULL);
	lockdep_expect(LOCKDEP_BLOCK_IN_BUSY);
	HT_CHECK(!lockdep_may_block("thread_sleep"));
	HT_CHECK(lockdep_take_report() == LOCKDEP_BLOCK_IN_BUSY);
	HT_CHECK(REL(1, "spin"));
	HT_CHECK(lockdep_may_block("sched_yield"));
	HT_CHECK(REL(0, "mutex"));
}

HT_TEST(blocking_lock_under_a_busylock)
{
	reset();
	HT_CHECK(ACQ_BUSY(0, "spin", LOCK_TEST_A));
	EXPECT_LOCKDEP_PANIC(ACQ_BLOCK(1, "mutex", LOCK_TEST_B), "blocking while holding a busylock");
	HT_CHECK(strstr(ht_panic_msg, "acquiring 'mutex' (class test_b, blocking)") != NULL);
	HT_CHECK(threads[0].depth == 1);
	HT_CHECK(REL(0, "spin"));
}

HT_TEST(depth_overflow)
{
	reset();
	for (unsigned i = 0; i < CONFIG_LOCKDEP_DEPTH; i++)
		HT_REQUIRE(ACQ_BUSY(i, "deep", LOCK_TEST_B));
	EXPECT_LOCKDEP_PANIC(ACQ_BUSY(CONFIG_LOCKDEP_DEPTH, "one-too-many", LOCK_TEST_B),
			     "too many locks held");
	HT_CHECK(strstr(ht_panic_msg, "'one-too-many'") != NULL);
	lockdep_expect(LOCKDEP_DEPTH);
	HT_CHECK(!ACQ_BUSY(CONFIG_LOCKDEP_DEPTH, "one-too-many", LOCK_TEST_B));
	HT_CHECK(lockdep_take_report() == LOCKDEP_DEPTH);
	HT_CHECK(threads[0].depth == CONFIG_LOCKDEP_DEPTH);
	for (unsigned i = 0; i < CONFIG_LOCKDEP_DEPTH; i++)
		HT_CHECK(REL(i, "deep"));
	HT_CHECK(threads[0].depth == 0 && threads[0].busylocks == 0);
}

HT_TEST(bad_class)
{
	reset();
	EXPECT_LOCKDEP_PANIC(ACQ_BUSY(0, "nameless", LOCK_CLASS_NONE), "bad lock class");
	EXPECT_LOCKDEP_PANIC(ACQ_BUSY(0, "bogus", (lock_class_t)(LOCK_CLASS_NR + 3)), "bad lock class");
	HT_CHECK(strstr(ht_panic_msg, "(class ?") != NULL);
	/* a class is for one kind of lock */
	EXPECT_LOCKDEP_PANIC(ACQ_BLOCK(0, "kcm", LOCK_KCM), "bad lock class");
	EXPECT_LOCKDEP_PANIC(ACQ_BUSY(0, "proc", LOCK_PROCESS), "bad lock class");
	lockdep_expect(LOCKDEP_BAD_CLASS);
	HT_CHECK(!ACQ_BUSY(0, "nameless", LOCK_CLASS_NONE));
	HT_CHECK(lockdep_take_report() == LOCKDEP_BAD_CLASS);
	HT_CHECK(threads[0].depth == 0);
}

HT_TEST(handoff_moves_the_record_to_the_next_thread)
{
	reset();
	HT_CHECK(ACQ_BLOCK(0, "mutex", LOCK_TEST_A));
	HT_CHECK(ACQ_BUSY(1, "sched", LOCK_SCHED));
	HT_CHECK(lockdep_handoff(LK(1), &threads[1]));
	HT_CHECK(threads[0].depth == 1 && threads[0].busylocks == 0);
	HT_CHECK(threads[1].depth == 1 && threads[1].busylocks == 1);
	HT_CHECK(!lockdep_is_held(LK(1)));
	cur = 1; /* the switch */
	HT_CHECK(lockdep_is_held(LK(1)));
	HT_CHECK(strcmp(threads[1].held[0].name, "sched") == 0 && threads[1].held[0].cls == LOCK_SCHED);
	HT_CHECK(REL(1, "sched"));
	EXPECT_LOCKDEP_PANIC(lockdep_handoff(LK(1), &threads[0]), "release of a lock not held");
	cur = 0;
	HT_CHECK(REL(0, "mutex"));
	/* a handoff to a thread with no room left panics */
	for (unsigned i = 0; i < CONFIG_LOCKDEP_DEPTH; i++)
		HT_REQUIRE(ACQ_BUSY(i, "deep", LOCK_TEST_B));
	cur = 1;
	HT_CHECK(ACQ_BUSY(CONFIG_LOCKDEP_DEPTH, "sched", LOCK_SCHED));
	EXPECT_LOCKDEP_PANIC(lockdep_handoff(LK(CONFIG_LOCKDEP_DEPTH), &threads[0]),
			     "too many locks held");
}

HT_TEST(print_held_lists_every_lock)
{
	reset();
	HT_CHECK(ACQ_BLOCK(0, "mutex", LOCK_TEST_A));
	HT_CHECK(ACQ_BUSY(1, "spin", LOCK_TEST_B));
	lockdep_print_held();
	lockdep_state_print(&threads[1]);
	HT_CHECK(REL(1, "spin") && REL(0, "mutex"));
}

HT_TEST(per_core_fallback_state)
{
	lockdep_state_t *s0, *s1, *boot;

	host_lid = 0;
	s0 = lockdep_core_state();
	host_lid = 1;
	s1 = lockdep_core_state();
	host_lid = 0xffff; /* boot phase 0 */
	boot = lockdep_core_state();
	host_lid = CONFIG_MAX_CORES_PER_CLUSTER;
	HT_CHECK(lockdep_core_state() == boot);
	host_lid = 0;
	HT_CHECK(s0 != s1 && s0 != boot && s1 != boot);
	HT_CHECK(lockdep_core_state() == s0);
	HT_CHECK(s0->depth == 0 && s0->busylocks == 0);
}

#else /* release build: the stubs accept everything and record nothing */

HT_TEST(release_stubs_accept_everything)
{
	lockdep_state_t st;

	lockdep_state_init(&st);
	lockdep_expect(LOCKDEP_ORDER);
	HT_CHECK(lockdep_acquire(LK(1), "b", LOCK_TEST_B, true));
	HT_CHECK(lockdep_acquire(LK(0), "a", LOCK_TEST_A, true));
	HT_CHECK(lockdep_acquire(LK(0), "a", LOCK_TEST_A, true));
	HT_CHECK(lockdep_may_block("sched_yield"));
	HT_CHECK(lockdep_release(LK(3), "never taken"));
	HT_CHECK(lockdep_handoff(LK(3), &st));
	HT_CHECK(lockdep_is_held(LK(7)));
	HT_CHECK(lockdep_take_report() == LOCKDEP_NONE);
	lockdep_print_held();
	HT_CHECK(sizeof(lockdep_state_t) < sizeof(lockdep_held_t));
}

#endif /* CONFIG_DEBUG */
