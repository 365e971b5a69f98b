/*
 * busylock.c - test-and-set spinlocks reached through extended pointers (see busylock.h).
 *
 * Why not a ticket lock, which is fair: a ticket lock hands the lock to one chosen waiter, which
 * must be running to take it. Under QEMU every core is a host thread, and on a loaded host most of
 * them are descheduled at any moment: each hand-off then waits for the host to run that one core,
 * while the others spin. With seven cores of a 4x2 machine queued on one lock (a file's mapper
 * during the fuzzer's execs) the machine made some 25 hand-offs a second and looked dead (issue
 * 14). Here the lock goes to whichever waiter runs when it is freed, as Linux's guests do without
 * paravirtual spinlocks (virt_spin_lock: "fair locks have horrible lock 'holder' preemption
 * issues"). Critical sections are short, so no waiter is passed over for long.
 *
 * The uncontended path is short and straight: mask IRQs, one compare-and-swap of the word that
 * names the holder, keep the IRQ state; release: check the word, clear it. Everything else (the
 * wait, the panics) is out of line. The lock checker runs in debug builds only (lockdep.h: its
 * calls and their arguments vanish from release builds); the holder checks stay in both.
 */
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/busylock.h>

#define LOCK_FIELD(xp, field) XPTR_FIELD(xp, busylock_t, field)

/* Spins on a taken lock before the waiter lets the other cores run (hal_cpu_wait_other). */
#define BUSYLOCK_SPINS_BEFORE_YIELD 32

/* The holder word of a lock this core holds. */
static inline uint32_t my_holder_id(void)
{
	return (((uint32_t)local_cxy << 16) | hal_get_lid()) + 1;
}

void remote_busylock_init(xptr_t lock_xp, const char *name, lock_class_t cls)
{
	hal_remote_s32(LOCK_FIELD(lock_xp, holder), 0);
	hal_remote_s32(LOCK_FIELD(lock_xp, cls), cls);
	hal_remote_spt(LOCK_FIELD(lock_xp, name), (void *)name);
}

static const char *lock_name(xptr_t lock_xp)
{
	return hal_remote_lpt(LOCK_FIELD(lock_xp, name));
}

static __attribute__((noinline, cold, noreturn)) void double_acquire(xptr_t lock_xp)
{
	panic("%s: double acquire of lock '%s' by core [%x,%u]", __func__, lock_name(lock_xp),
	      local_cxy, hal_get_lid());
}

static __attribute__((noinline, cold, noreturn)) void foreign_release(xptr_t lock_xp,
								     uint32_t holder)
{
	if (!holder)
		panic("%s: lock '%s' released by core [%x,%u] but free", __func__,
		      lock_name(lock_xp), local_cxy, hal_get_lid());
	panic("%s: lock '%s' released by core [%x,%u] but held by core [%x,%u]", __func__,
	      lock_name(lock_xp), local_cxy, hal_get_lid(), (holder - 1) >> 16,
	      (holder - 1) & 0xffffu);
}

/* The lock is the caller's: keep the IRQ state to restore at its release. */
static inline void spin_own(xptr_t lock_xp, irqstate_t saved)
{
	hal_fence(); /* the critical section reads nothing before the lock is ours */
	hal_remote_s64(LOCK_FIELD(lock_xp, saved_irq), saved);
}

/*
 * The compare-and-swap found the lock held: wait until it is free and take it. Waiters only read
 * the word while it is held (test and test-and-set): the compare-and-swap, which takes the line
 * exclusively, is tried only when the lock looks free. A word that names this core is a double
 * acquire. After a while the waiter lets the other cores run (hal_cpu_wait_other: under an
 * emulator that runs the cores one at a time, the holder may be waiting for this core's turn to
 * end). Out of line and called last, so that the uncontended path calls nothing.
 */
static __attribute__((noinline)) void spin_wait(xptr_t lock_xp, irqstate_t saved, uint32_t me)
{
	uint32_t spins = 0, holder;

	do {
		while ((holder = hal_remote_l32(LOCK_FIELD(lock_xp, holder))) != 0) {
			if (holder == me)
				double_acquire(lock_xp);
			if (++spins < BUSYLOCK_SPINS_BEFORE_YIELD) {
				hal_cpu_relax();
			} else {
				hal_cpu_wait_other();
				spins = 0;
			}
		}
	} while (!hal_remote_atomic_cas32(LOCK_FIELD(lock_xp, holder), 0, me));
	spin_own(lock_xp, saved);
}

/* Take the lock; IRQs are already masked, @saved is the state to restore at release. One
 * compare-and-swap when it is free: the word it writes names the holder. */
static inline void spin_acquire(xptr_t lock_xp, irqstate_t saved)
{
	uint32_t me = my_holder_id();

	if (__builtin_expect(!hal_remote_atomic_cas32(LOCK_FIELD(lock_xp, holder), 0, me), 0))
		spin_wait(lock_xp, saved, me);
	else
		spin_own(lock_xp, saved);
}

void remote_busylock_acquire(xptr_t lock_xp)
{
	/* IRQs go off first: an interrupt on this core must never find the lock held by it. */
	irqstate_t saved = hal_disable_irq();

	if (!lockdep_acquire(lock_xp, lock_name(lock_xp),
			     (lock_class_t)hal_remote_l32(LOCK_FIELD(lock_xp, cls)), true)) {
		hal_restore_irq(saved);
		return; /* a violation a test expected: the lock is not taken */
	}
	spin_acquire(lock_xp, saved);
}

static inline void spin_release(xptr_t lock_xp)
{
	uint32_t holder = hal_remote_l32(LOCK_FIELD(lock_xp, holder));

	if (__builtin_expect(holder != my_holder_id(), 0))
		foreign_release(lock_xp, holder);

	irqstate_t saved = hal_remote_l64(LOCK_FIELD(lock_xp, saved_irq)); /* before the next holder's */
	hal_fence(); /* every access of the critical section is done before the next holder runs */
	hal_remote_s32(LOCK_FIELD(lock_xp, holder), 0);
	hal_restore_irq(saved);
}

void remote_busylock_release(xptr_t lock_xp)
{
	if (!lockdep_release(lock_xp, lock_name(lock_xp)))
		return;
	spin_release(lock_xp);
}

void remote_busylock_acquire_raw(xptr_t lock_xp)
{
	spin_acquire(lock_xp, hal_disable_irq());
}

void remote_busylock_release_raw(xptr_t lock_xp)
{
	spin_release(lock_xp);
}

bool remote_busylock_is_held_by_me(xptr_t lock_xp)
{
	return hal_remote_l32(LOCK_FIELD(lock_xp, holder)) == my_holder_id();
}

void busylock_init(busylock_t *lock, const char *name, lock_class_t cls)
{
	remote_busylock_init(XPTR(local_cxy, lock), name, cls);
}

void busylock_acquire(busylock_t *lock)
{
	remote_busylock_acquire(XPTR(local_cxy, lock));
}

void busylock_release(busylock_t *lock)
{
	remote_busylock_release(XPTR(local_cxy, lock));
}

void busylock_acquire_raw(busylock_t *lock)
{
	remote_busylock_acquire_raw(XPTR(local_cxy, lock));
}

void busylock_release_raw(busylock_t *lock)
{
	remote_busylock_release_raw(XPTR(local_cxy, lock));
}

bool busylock_is_held_by_me(busylock_t *lock)
{
	return remote_busylock_is_held_by_me(XPTR(local_cxy, lock));
}
