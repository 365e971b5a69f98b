/*
 * thread.c - creation, blocking and destruction of threads (see thread.h).
 */
#include <hal_context.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/dqdt.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <kern/futex.h>
#include <hal_uspace.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/failnth.h>
#include <mm/kmem.h>

#define BLOCKED_XP(thread_xp) THREAD_XP(thread_xp, blocked)

thread_t *thread_current(void)
{
	core_t *core = hal_get_core_ptr();

	return core ? core->sched.current : NULL;
}

#ifdef CONFIG_DEBUG
/* The lock records of the running thread; before the scheduler runs, the core's own. */
lockdep_state_t *lockdep_current(void)
{
	thread_t *thread = thread_current();

	return thread ? &thread->lockdep : lockdep_core_state();
}
#endif

/* Take a free local thread index; returns false when the table is full. */
static bool ltid_alloc(thread_t *thread, uint32_t *ltid)
{
	cluster_t *cl = LOCAL_CLUSTER;
	bool found = false;

	busylock_acquire(&cl->threads_lock);
	for (uint32_t i = 0; i < CONFIG_MAX_THREADS_PER_CLUSTER; i++) {
		uint32_t idx = (cl->threads_next + i) % CONFIG_MAX_THREADS_PER_CLUSTER;
		if (!cl->threads[idx]) {
			cl->threads[idx] = thread;
			cl->threads_next = idx + 1;
			cl->threads_nr++;
			*ltid = idx;
			found = true;
			break;
		}
	}
	busylock_release(&cl->threads_lock);
	if (found)
		dqdt_threads_changed();
	return found;
}

/* Give @ltid back; the thread stays counted until ltid_uncount(), once its memory is freed. */
static void ltid_free(uint32_t ltid)
{
	cluster_t *cl = LOCAL_CLUSTER;

	busylock_acquire(&cl->threads_lock);
	kassert(cl->threads[ltid] != NULL);
	cl->threads[ltid] = NULL;
	busylock_release(&cl->threads_lock);
}

/*
 * A thread's memory is freed: it leaves the count. A leak check waits for the thread count to
 * come back before it reads the free pages; counted down before the frees, the count let it read
 * them while a core the host ran late had not freed the stack yet.
 */
static void ltid_uncount(void)
{
	cluster_t *cl = LOCAL_CLUSTER;

	busylock_acquire(&cl->threads_lock);
	cl->threads_nr--;
	busylock_release(&cl->threads_lock);
	dqdt_threads_changed();
}

thread_t *thread_by_ltid(uint32_t ltid)
{
	return ltid < CONFIG_MAX_THREADS_PER_CLUSTER ? LOCAL_CLUSTER->threads[ltid] : NULL;
}

uint32_t thread_count(void)
{
	return LOCAL_CLUSTER->threads_nr;
}

error_t thread_kernel_create(thread_t **out, thread_type_t type, const char *name, lid_t lid,
			     void (*entry)(void *), void *arg)
{
	thread_t *thread;
	uint32_t ltid;

	if (lid >= LOCAL_CLUSTER->cores_nr || type == THREAD_IDLE)
		return EINVAL;
	thread = kmem_alloc(sizeof(*thread), KMEM_ZERO);
	if (!thread)
		return ENOMEM;
	thread->kstack = hal_kstack_alloc();
	if (!thread->kstack) {
		kmem_free(thread);
		return ENOMEM;
	}
	if (!ltid_alloc(thread, &ltid)) {
		hal_kstack_free(thread->kstack);
		kmem_free(thread);
		return ENOMEM;
	}
	thread->trdid = ((trdid_t)local_cxy << 16) | ltid;
	thread->type = type;
	thread->lid = lid;
	thread->blocked = THREAD_BLOCKED_NEW;
	/* a user thread looks at its signals on its first return: its process's may be pending */
	thread->work = type == THREAD_USER ? THREAD_WORK_SIGNAL | acct_thread_work() : 0;
	thread->entry = entry;
	thread->arg = arg;
	strlcpy(thread->name, name, sizeof(thread->name));
	xlist_entry_init(XPTR(local_cxy, &thread->wait_list));
	busylock_init(&thread->sig_lock, "thread.signal", LOCK_SIGNAL);
	lockdep_state_init(&thread->lockdep);
	hal_context_init(&thread->ctx, (char *)thread->kstack + CONFIG_KSTACK_SIZE, thread_entry,
			 thread);
	if (type != THREAD_USER) /* a user thread's process is set by its creator */
		process_kernel_attach(thread);
	sched_attach(thread, lid);
	*out = thread;
	return 0;
}

void thread_post_work(xptr_t thread_xp, uint32_t bits)
{
	/* sequentially consistent: the work recorded before is seen by whoever sees the bit */
	hal_remote_atomic_or32(thread_xp + offsetof(thread_t, work), bits);
}

void thread_start(thread_t *thread)
{
	thread_unblock(XPTR(local_cxy, thread), THREAD_BLOCKED_NEW);
}

/* First code of every new thread: finish the switch that brought it here, then run its entry. */
_Noreturn void thread_entry(void *arg)
{
	thread_t *thread = arg;

	sched_switch_tail();
	hal_enable_irq();
	thread->entry(thread->arg);
	thread_exit();
}

_Noreturn void thread_exit(void)
{
	thread_t *self = thread_current();

	kassert(self->type != THREAD_IDLE);
	self->exiting = 1;
	thread_block(XPTR(local_cxy, self), THREAD_BLOCKED_EXIT);
	sched_yield();
	panic("%s: thread %x scheduled after its exit", __func__, self->trdid);
}

_Noreturn void thread_user_exit(int status)
{
	thread_t *self = thread_current();

	failnth_thread_exit(self); /* an exit inside an armed call: what follows is not the call's */

	/* CLONE_CHILD_CLEARTID: a joiner waits for this word to become 0 (while user space is ours) */
	if (self->clear_child_tid) {
		uint32_t zero = 0;
		if (!hal_copy_to_uspace(self->clear_child_tid, &zero, sizeof(zero)))
			futex_wake(self->clear_child_tid, 1, ~0u);
		self->clear_child_tid = 0;
	}
	if (self->on_exit)
		self->on_exit(self, status);
	thread_exit();
}

void thread_leave_process(thread_t *thread)
{
	busylock_acquire(&LOCAL_CLUSTER->threads_lock);
	thread->process = NULL;
	busylock_release(&LOCAL_CLUSTER->threads_lock);
}

/* Free everything of an exited thread; its core runs this once it is switched out for good. */
void thread_destroy(thread_t *thread)
{
	kassert(thread->exiting && thread != thread_current());
	if (thread->type != THREAD_USER)
		process_kernel_detach(thread);
	hal_context_destroy(&thread->ctx); /* on its core: its FP registers there are nobody's now */
	ltid_free(thread->trdid & 0xffff);
	hal_kstack_free(thread->kstack);
	kmem_free(thread);
	ltid_uncount();
}

void thread_block(xptr_t thread_xp, uint32_t cause)
{
	hal_remote_atomic_or32(BLOCKED_XP(thread_xp), cause);
}

void thread_unblock(xptr_t thread_xp, uint32_t cause)
{
	xptr_t blocked_xp = BLOCKED_XP(thread_xp);
	cxy_t cxy = GET_CXY(thread_xp);
	/* Read while the thread cannot go: once runnable it may run, exit and be freed at once. */
	lid_t lid = (lid_t)hal_remote_l32(thread_xp + offsetof(thread_t, lid));

	for (;;) {
		uint32_t before = hal_remote_l32(blocked_xp);

		if (!(before & cause))
			return;
		if (before & ~cause) { /* still blocked by another cause afterwards */
			if (hal_remote_atomic_cas32(blocked_xp, before, before & ~cause))
				return;
			continue;
		}
		/* this unblock makes it runnable: count it first, while it still cannot run */
		hal_remote_atomic_add64(thread_xp + offsetof(thread_t, wakeups), 1);
		if (hal_remote_atomic_cas32(blocked_xp, before, 0))
			break;
		hal_remote_atomic_add64(thread_xp + offsetof(thread_t, wakeups), (uint64_t)-1);
	}
	sched_kick(cxy, lid);
}

void thread_sleep_ns(uint64_t ns)
{
	thread_t *self = thread_current();
	irqstate_t irq = hal_disable_irq();

	/* The deadline is read by this core's tick only, and IRQs are off while it is written. */
	self->wakeup_ns = hal_get_time_ns() + ns;
	thread_wait_begin(self, THREAD_WAIT_SIGNAL);
	thread_block(XPTR(local_cxy, self), THREAD_BLOCKED_SLEEP);
	/* A kill or a signal ends announced waits after it is recorded: if it came before our
	 * block, do not sleep. */
	if (thread_interrupted(self, THREAD_WAIT_SIGNAL))
		thread_unblock(XPTR(local_cxy, self), THREAD_BLOCKED_SLEEP);
	hal_restore_irq(irq);
	sched_yield();
	thread_wait_end(self);
}

const char *thread_type_name(uint32_t type)
{
	static const char *const names[] = { "IDLE", "KERNEL", "RPC", "USER" };
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "?";
}

thread_t *thread_idle_init(void)
{
	thread_t *idle = kmem_alloc(sizeof(*idle), KMEM_ZERO);
	uint32_t ltid;

	if (!idle || !ltid_alloc(idle, &ltid))
		panic("%s: no memory for the idle thread of core [%x,%u]", __func__, local_cxy,
		      hal_get_lid());
	idle->trdid = ((trdid_t)local_cxy << 16) | ltid;
	idle->type = THREAD_IDLE;
	idle->lid = hal_get_lid();
	strlcpy(idle->name, "idle", sizeof(idle->name));
	xlist_entry_init(XPTR(local_cxy, &idle->wait_list));
	busylock_init(&idle->sig_lock, "thread.signal", LOCK_SIGNAL);
	lockdep_state_init(&idle->lockdep);
	process_kernel_attach(idle);
	return idle; /* its context is saved at its first switch; its stack is the boot stack */
}

const char *thread_blocked_names(uint32_t blocked, char *buf, size_t size)
{
	static const char *const names[] = { "NEW", "SLEEP", "WAITQ", "RPC", "IDLE", "EXIT", "TEST",
						     "STOPPED", "MIGRATE" };
	size_t n = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (blocked & (1u << i))
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? "|" : "",
					      names[i]);
	if (n == 0)
		strlcpy(buf, "-", size);
	return buf;
}
