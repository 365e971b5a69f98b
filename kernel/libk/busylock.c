/*
 * busylock.c - ticket spinlocks reached through extended pointers (see busylock.h).
 */
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/busylock.h>

#define LOCK_FIELD(xp, field) ((xp) + offsetof(busylock_t, field))

static uint32_t my_owner_id(void)
{
	return ((uint32_t)local_cxy << 16) | hal_get_lid();
}

void remote_busylock_init(xptr_t lock_xp, const char *name, lock_class_t cls)
{
	hal_remote_s32(LOCK_FIELD(lock_xp, next), 0);
	hal_remote_s32(LOCK_FIELD(lock_xp, current), 0);
	hal_remote_s32(LOCK_FIELD(lock_xp, owner), BUSYLOCK_NO_OWNER);
	hal_remote_s32(LOCK_FIELD(lock_xp, cls), cls);
	hal_remote_spt(LOCK_FIELD(lock_xp, name), (void *)name);
}

static const char *lock_name(xptr_t lock_xp)
{
	return hal_remote_lpt(LOCK_FIELD(lock_xp, name));
}

/* Take the ticket lock; IRQs are already masked, @saved is the state to restore at release. */
static void ticket_acquire(xptr_t lock_xp, irqstate_t saved)
{
	uint32_t me = my_owner_id();

	if (hal_remote_l32(LOCK_FIELD(lock_xp, owner)) == me)
		panic("%s: double acquire of lock '%s' by core [%x,%u]", __func__, lock_name(lock_xp),
		      local_cxy, hal_get_lid());

	uint32_t ticket = hal_remote_atomic_add32(LOCK_FIELD(lock_xp, next), 1);
	while (hal_remote_l32(LOCK_FIELD(lock_xp, current)) != ticket)
		hal_cpu_relax();
	hal_fence(); /* the critical section reads nothing before the lock is ours */

	hal_remote_s32(LOCK_FIELD(lock_xp, owner), me);
	hal_remote_s64(LOCK_FIELD(lock_xp, saved_irq), saved);
}

void remote_busylock_acquire(xptr_t lock_xp)
{
	/* IRQs go off first: an interrupt must never find the lock recorded but not taken. */
	irqstate_t saved = hal_disable_irq();

	if (!lockdep_acquire(lock_xp, lock_name(lock_xp),
			     (lock_class_t)hal_remote_l32(LOCK_FIELD(lock_xp, cls)), true)) {
		hal_restore_irq(saved);
		return; /* a violation a test expected: the lock is not taken */
	}
	ticket_acquire(lock_xp, saved);
}

void remote_busylock_release(xptr_t lock_xp)
{
	if (!lockdep_release(lock_xp, lock_name(lock_xp)))
		return;
	remote_busylock_release_raw(lock_xp);
}

void remote_busylock_acquire_raw(xptr_t lock_xp)
{
	ticket_acquire(lock_xp, hal_disable_irq());
}

void remote_busylock_release_raw(xptr_t lock_xp)
{
	uint32_t me = my_owner_id();
	uint32_t owner = hal_remote_l32(LOCK_FIELD(lock_xp, owner));

	if (owner != me)
		panic("%s: lock '%s' released by core [%x,%u] but held by %x", __func__,
		      lock_name(lock_xp), local_cxy, hal_get_lid(), owner);

	irqstate_t saved = hal_remote_l64(LOCK_FIELD(lock_xp, saved_irq));
	hal_remote_s32(LOCK_FIELD(lock_xp, owner), BUSYLOCK_NO_OWNER);
	hal_fence(); /* every write of the critical section is visible before the next holder runs */
	hal_remote_s32(LOCK_FIELD(lock_xp, current), hal_remote_l32(LOCK_FIELD(lock_xp, current)) + 1);
	hal_restore_irq(saved);
}

bool remote_busylock_is_held_by_me(xptr_t lock_xp)
{
	return hal_remote_l32(LOCK_FIELD(lock_xp, owner)) == my_owner_id();
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
