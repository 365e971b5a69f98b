/*
 * lockdep.c - the lock-order and lock-usage checker of debug builds (see lockdep.h, docs/locks.md).
 *
 * Each thread keeps the locks it holds in acquisition order in its lockdep_state_t. Every check
 * validates first and changes the state only when the operation is allowed, so a refused
 * (expected) violation leaves the state as it was. The state is only ever touched by its own
 * thread, with IRQs masked so that an interrupt handler taking locks on the same thread's behalf
 * never sees a half-updated record. While a report is being printed, the checks are off for that
 * thread: printk takes the console lock, and the report may be about that very lock.
 */
#include <hal_irqmask.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/lockdep.h>
#include <libk/string.h>

/* Ranks are spaced by 10 so that a class can be inserted without renumbering the others. */
const lock_class_info_t lockdep_classes[LOCK_CLASS_NR] = {
	[LOCK_CLASS_NONE] = { "none",    0,   0,                false },
	[LOCK_TEST_A]     = { "test_a",  10,  LOCKDEP_ANY,      false },
	[LOCK_TEST_B]     = { "test_b",  20,  LOCKDEP_ANY,      true  },
	[LOCK_TEST_C]     = { "test_c",  30,  LOCKDEP_ANY,      false },
	[LOCK_PROCESS]    = { "process", 40,  LOCKDEP_BLOCKING, false },
	[LOCK_VFS_RENAME] = { "vfs_rename", 45, LOCKDEP_BLOCKING, false },
	[LOCK_VFS]        = { "vfs",     50,  LOCKDEP_BLOCKING, true  },
	[LOCK_VMM_VSL]    = { "vmm_vsl", 60,  LOCKDEP_BLOCKING, true  },
	[LOCK_VMM_VSL_REF] = { "vmm_vsl_ref", 65, LOCKDEP_BLOCKING, true  },
	[LOCK_MAPPER]     = { "mapper",  70,  LOCKDEP_BLOCKING, false },
	[LOCK_REPLICAS]   = { "replicas", 80, LOCKDEP_BUSY,     false },
	[LOCK_PAGE]       = { "page",    90,  LOCKDEP_BUSY,     false },
	[LOCK_PROCESS_STATE] = { "process_state", 95, LOCKDEP_BUSY, false },
	[LOCK_PIPE]       = { "pipe",    97,  LOCKDEP_BUSY,     false },
	[LOCK_TTY]        = { "tty",     98,  LOCKDEP_BUSY,     false },
	[LOCK_POLL]       = { "poll",    99,  LOCKDEP_BUSY,     false },
	[LOCK_SCHED]      = { "sched",   100, LOCKDEP_BUSY,     false },
	[LOCK_KTIMER]     = { "ktimer",  105, LOCKDEP_BUSY,     false },
	[LOCK_WAITQ]      = { "waitq",   110, LOCKDEP_BUSY,     false },
	[LOCK_FUTEX]      = { "futex",   112, LOCKDEP_BUSY,     true  },
	[LOCK_RPC_POOL]   = { "rpc_pool", 115, LOCKDEP_BUSY,    false },
	[LOCK_THREAD]     = { "thread",  120, LOCKDEP_BUSY,     false },
	[LOCK_SIGNAL]     = { "signal",  125, LOCKDEP_BUSY,     false },
	[LOCK_KSTACK]     = { "kstack",  130, LOCKDEP_BUSY,     false },
	[LOCK_KCM]        = { "kcm",     140, LOCKDEP_BUSY,     false },
	[LOCK_PPM]        = { "ppm",     150, LOCKDEP_BUSY,     false },
	[LOCK_DEVICE]     = { "device",  160, LOCKDEP_BUSY,     false },
	[LOCK_CONSOLE]    = { "console", 170, LOCKDEP_BUSY,     false },
};

static const char *const violation_names[LOCKDEP_VIOLATION_NR] = {
	[LOCKDEP_NONE]           = "no violation",
	[LOCKDEP_DOUBLE_ACQUIRE] = "double acquire",
	[LOCKDEP_NOT_HELD]       = "release of a lock not held",
	[LOCKDEP_BLOCK_IN_BUSY]  = "blocking while holding a busylock",
	[LOCKDEP_ORDER]          = "lock order violation",
	[LOCKDEP_DEPTH]          = "too many locks held",
	[LOCKDEP_BAD_CLASS]      = "bad lock class",
};

const char *lockdep_violation_name(lockdep_violation_t kind)
{
	return (unsigned)kind < LOCKDEP_VIOLATION_NR ? violation_names[kind] : "?";
}

#ifdef CONFIG_DEBUG

#define WHAT_MAX 128 /* longest description of the faulty operation in a report */

/* Per-core states for the time before threads; the last one serves boot phase 0 (no lid yet). */
static lockdep_state_t core_states[CONFIG_MAX_CORES_PER_CLUSTER + 1];

lockdep_state_t *lockdep_core_state(void)
{
	lid_t lid = hal_get_lid();

	return &core_states[lid < CONFIG_MAX_CORES_PER_CLUSTER ? lid : CONFIG_MAX_CORES_PER_CLUSTER];
}

/* Pre-thread fallback; the thread code's definition replaces it (see lockdep.h). */
__attribute__((weak)) lockdep_state_t *lockdep_current(void)
{
	return lockdep_core_state();
}

void lockdep_state_init(lockdep_state_t *st)
{
	memset(st, 0, sizeof(*st));
}

static bool class_valid(lock_class_t cls)
{
	return cls > LOCK_CLASS_NONE && (unsigned)cls < LOCK_CLASS_NR;
}

static const char *class_name(lock_class_t cls)
{
	return (unsigned)cls < LOCK_CLASS_NR ? lockdep_classes[cls].name : "?";
}

static const char *lock_name(const char *name)
{
	return name ? name : "?";
}

/* Index of @lock_xp in @st's held locks (the most recent if several), or -1. */
static int find_held(const lockdep_state_t *st, xptr_t lock_xp)
{
	for (int i = (int)st->depth - 1; i >= 0; i--)
		if (st->held[i].lock_xp == lock_xp)
			return i;
	return -1;
}

/* The most recently taken busylock of @st, or NULL. */
static const lockdep_held_t *last_busy(const lockdep_state_t *st)
{
	for (int i = (int)st->depth - 1; i >= 0; i--)
		if (st->held[i].kind == LOCKDEP_BUSY)
			return &st->held[i];
	return NULL;
}

static void print_one(int level, unsigned idx, const lockdep_held_t *h)
{
	printk_level(level, "LOCKDEP:   #%u '%s' (class %s, %s) lock %x:0x%lx", idx,
		     lock_name(h->name), class_name(h->cls), h->kind == LOCKDEP_BUSY ? "busy" : "blocking",
		     GET_CXY(h->lock_xp), (unsigned long)(uintptr_t)GET_PTR(h->lock_xp));
}

static void print_state(int level, const lockdep_state_t *st)
{
	printk_level(level, "LOCKDEP: %u lock(s) held (%u busy), in acquisition order:", st->depth,
		     st->busylocks);
	for (uint32_t i = 0; i < st->depth; i++)
		print_one(level, i, &st->held[i]);
}

/*
 * Report violation @kind of the operation described by @what, conflicting with @other (or NULL).
 * Expected by the thread: record it, print one line, return false. Otherwise print the report and
 * panic. Runs with the checks off for this thread (printk takes the console lock).
 */
static bool violation(lockdep_state_t *st, lockdep_violation_t kind, const char *what,
		      const lockdep_held_t *other)
{
	char ctx[WHAT_MAX] = "";
	bool expected = st->expect == kind;
	int level = expected ? LOG_NOTICE : LOG_ERR;

	st->reporting = 1;
	if (other)
		snprintf(ctx, sizeof(ctx), " while holding '%s' (class %s)", lock_name(other->name),
			 class_name(other->cls));
	printk_level(level, "LOCKDEP%s: %s: %s%s on core [%x,%u]", expected ? " (expected)" : "",
		     lockdep_violation_name(kind), what, ctx, local_cxy, hal_get_lid());
	if (expected) {
		st->expect = LOCKDEP_NONE;
		st->report = kind;
		st->reporting = 0;
		return false;
	}
	print_state(LOG_ERR, st);
	st->reporting = 0;
	panic("lockdep: %s: %s%s", lockdep_violation_name(kind), what, ctx);
}

/* Validate taking @lock_xp (@cls, @kind) in @st; on a violation, *other is the conflicting lock. */
static lockdep_violation_t check_acquire(const lockdep_state_t *st, xptr_t lock_xp, lock_class_t cls,
					 uint32_t kind, const lockdep_held_t **other)
{
	const lock_class_info_t *c;

	*other = NULL;
	if (!class_valid(cls) || !(lockdep_classes[cls].kinds & kind))
		return LOCKDEP_BAD_CLASS;
	c = &lockdep_classes[cls];
	for (uint32_t i = 0; i < st->depth; i++)
		if (st->held[i].lock_xp == lock_xp) {
			*other = &st->held[i];
			return LOCKDEP_DOUBLE_ACQUIRE;
		}
	if (kind == LOCKDEP_BLOCKING && st->busylocks) {
		*other = last_busy(st);
		return LOCKDEP_BLOCK_IN_BUSY;
	}
	for (uint32_t i = 0; i < st->depth; i++) {
		const lockdep_held_t *h = &st->held[i];
		uint32_t rank = lockdep_classes[h->cls].rank;

		/* ranks are unique, so equal ranks mean the same class */
		if (rank > c->rank || (rank == c->rank && !(c->nestable && lock_xp > h->lock_xp))) {
			*other = h;
			return LOCKDEP_ORDER;
		}
	}
	return st->depth >= CONFIG_LOCKDEP_DEPTH ? LOCKDEP_DEPTH : LOCKDEP_NONE;
}

/* Append a lock to @st; the caller checked that there is room. */
static void push_held(lockdep_state_t *st, xptr_t lock_xp, const char *name, lock_class_t cls,
		      uint32_t kind)
{
	st->held[st->depth] = (lockdep_held_t){ lock_xp, name, cls, kind };
	st->depth++;
	if (kind == LOCKDEP_BUSY)
		st->busylocks++;
}

/* Remove entry @idx of @st, keeping the others in acquisition order. */
static void remove_held(lockdep_state_t *st, uint32_t idx)
{
	if (st->held[idx].kind == LOCKDEP_BUSY)
		st->busylocks--;
	for (uint32_t i = idx; i + 1 < st->depth; i++)
		st->held[i] = st->held[i + 1];
	st->depth--;
}

bool lockdep_acquire(xptr_t lock_xp, const char *name, lock_class_t cls, bool busy)
{
	irqstate_t irq = hal_disable_irq();
	lockdep_state_t *st = lockdep_current();
	uint32_t kind = busy ? LOCKDEP_BUSY : LOCKDEP_BLOCKING;
	const lockdep_held_t *other;
	lockdep_violation_t v;
	bool ok = true;

	if (!st->reporting) {
		v = check_acquire(st, lock_xp, cls, kind, &other);
		if (v == LOCKDEP_NONE) {
			push_held(st, lock_xp, name, cls, kind);
		} else {
			char what[WHAT_MAX];

			snprintf(what, sizeof(what), "acquiring '%s' (class %s, %s)%s",
				 lock_name(name), class_name(cls), busy ? "busy" : "blocking",
				 v == LOCKDEP_DEPTH ? " beyond CONFIG_LOCKDEP_DEPTH locks" : "");
			ok = violation(st, v, what, other);
		}
	}
	hal_restore_irq(irq);
	return ok;
}

bool lockdep_release(xptr_t lock_xp, const char *name)
{
	irqstate_t irq = hal_disable_irq();
	lockdep_state_t *st = lockdep_current();
	bool ok = true;

	if (!st->reporting) {
		int idx = find_held(st, lock_xp);

		if (idx >= 0) {
			remove_held(st, (uint32_t)idx);
		} else {
			char what[WHAT_MAX];

			snprintf(what, sizeof(what),
				 "releasing '%s' (lock %x:0x%lx), not held by this thread",
				 lock_name(name), GET_CXY(lock_xp),
				 (unsigned long)(uintptr_t)GET_PTR(lock_xp));
			ok = violation(st, LOCKDEP_NOT_HELD, what, NULL);
		}
	}
	hal_restore_irq(irq);
	return ok;
}

bool lockdep_may_block(const char *what)
{
	irqstate_t irq = hal_disable_irq();
	lockdep_state_t *st = lockdep_current();
	bool ok = true;

	if (!st->reporting && st->busylocks)
		ok = violation(st, LOCKDEP_BLOCK_IN_BUSY, what ? what : "blocking", last_busy(st));
	hal_restore_irq(irq);
	return ok;
}

bool lockdep_handoff(xptr_t lock_xp, lockdep_state_t *to)
{
	irqstate_t irq = hal_disable_irq();
	lockdep_state_t *st = lockdep_current();
	int idx = find_held(st, lock_xp);
	bool ok = true;

	if (idx < 0) {
		char what[WHAT_MAX];

		snprintf(what, sizeof(what), "handing over lock %x:0x%lx, not held by this thread",
			 GET_CXY(lock_xp), (unsigned long)(uintptr_t)GET_PTR(lock_xp));
		ok = violation(st, LOCKDEP_NOT_HELD, what, NULL);
	} else if (to != st) {
		lockdep_held_t h = st->held[idx];

		if (to->depth >= CONFIG_LOCKDEP_DEPTH)
			panic("lockdep: %s: handing over '%s' to a thread holding %u locks",
			      lockdep_violation_name(LOCKDEP_DEPTH), lock_name(h.name), to->depth);
		remove_held(st, (uint32_t)idx);
		push_held(to, h.lock_xp, h.name, h.cls, h.kind);
	}
	hal_restore_irq(irq);
	return ok;
}

bool lockdep_is_held(xptr_t lock_xp)
{
	irqstate_t irq = hal_disable_irq();
	bool held = find_held(lockdep_current(), lock_xp) >= 0;

	hal_restore_irq(irq);
	return held;
}

void lockdep_expect(lockdep_violation_t kind)
{
	lockdep_state_t *st = lockdep_current();

	st->expect = kind;
	st->report = LOCKDEP_NONE;
}

lockdep_violation_t lockdep_take_report(void)
{
	lockdep_state_t *st = lockdep_current();
	lockdep_violation_t report = st->report;

	st->expect = LOCKDEP_NONE;
	st->report = LOCKDEP_NONE;
	return report;
}

void lockdep_state_print(const lockdep_state_t *st)
{
	print_state(LOG_INFO, st);
}

void lockdep_print_held(void)
{
	print_state(LOG_INFO, lockdep_current());
}

#endif /* CONFIG_DEBUG */
