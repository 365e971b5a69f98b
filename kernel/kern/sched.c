/*
 * sched.c - the per-core scheduler (see sched.h).
 *
 * Switching protocol: sched_yield() masks IRQs, takes the core's scheduler lock and switches; the
 * lock is released by whichever thread runs next, right after the switch (sched_switch_tail), and
 * each thread restores its own IRQ state. The scheduler lock is taken "raw" (without lockdep),
 * because it is handed from one thread to another across the switch.
 */
#include <hal_context.h>
#include <hal_debug.h>
#include <hal_gpt.h>
#include <hal_ipi.h>
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <hal_upcalls.h>
#include <kern/acct.h>
#include <kern/cluster.h>
#include <kern/ipi.h>
#include <kern/ksyms.h>
#include <kern/printk.h>
#include <kern/process.h>
#include <kern/dqdt.h>
#include <kern/loadavg.h>
#include <kern/sched.h>
#include <kern/sched_policy.h>
#include <kern/thread.h>
#include <libk/string.h>

static sched_t *local_sched(void)
{
	return &cluster_current_core()->sched;
}

void sched_init(void)
{
	sched_t *s = local_sched();

	busylock_init(&s->lock, "sched", LOCK_SCHED);
	list_root_init(&s->k_root);
	list_root_init(&s->u_root);
	s->idle = thread_idle_init();
	s->current = s->idle;
	s->quantum_left = CONFIG_SCHED_QUANTUM_TICKS;
}

void sched_attach(thread_t *thread, lid_t lid)
{
	sched_t *s = &cluster_manager.core[lid].sched;
	irqstate_t irq = hal_disable_irq();

	busylock_acquire_raw(&s->lock);
	if (thread->type == THREAD_USER) {
		list_add_last(&s->u_root, &thread->sched_list);
		s->u_threads_nr++;
	} else {
		list_add_last(&s->k_root, &thread->sched_list);
		s->k_threads_nr++;
	}
	busylock_release_raw(&s->lock);
	hal_restore_irq(irq);
}

/* Take @t out of this core's lists (caller holds the lock). */
static void detach(sched_t *s, thread_t *t)
{
	kassert(busylock_is_held_by_me(&s->lock));
	list_unlink(&t->sched_list);
	if (t->type == THREAD_USER)
		s->u_threads_nr--;
	else
		s->k_threads_nr--;
}

/*
 * After a switch, in the thread that now runs: destroy an exited predecessor, or hand a migrating
 * one (now switched out: its context is saved) to its new core, and drop the lock. The new core's
 * lock is taken after this one is released: two cores never hold each other's. A CPU itimer the
 * switch's charge brought to 0 expires here too, the lock released (its signal takes locks that
 * rank below the scheduler's) and before the predecessor can run again.
 */
void sched_switch_tail(void)
{
	sched_t *s = local_sched();
	thread_t *dead = s->dead, *moving = s->migrating;

	if (dead) {
		s->dead = NULL;
		detach(s, dead);
	}
	if (moving) {
		s->migrating = NULL;
		detach(s, moving);
	}
	busylock_release_raw(&s->lock);
	acct_switch_tail(&s->acct_owed);
	if (dead)
		thread_destroy(dead);
	if (moving) {
		hal_context_migrate(&moving->ctx); /* IRQs still masked, on the core it leaves */
		__atomic_store_n(&moving->lid, moving->migrate_lid, __ATOMIC_RELEASE);
		sched_attach(moving, moving->migrate_lid);
		thread_unblock(XPTR(local_cxy, moving), THREAD_BLOCKED_MIGRATE);
	}
}

void (*sched_migrate_hook)(void);

void sched_migrate_self(lid_t lid)
{
	thread_t *self = thread_current();
	irqstate_t irq;

	if (lid == self->lid || lid >= cluster_manager.cores_nr)
		return;
	irq = hal_disable_irq();
	self->migrate_lid = lid;
	thread_block(XPTR(local_cxy, self), THREAD_BLOCKED_MIGRATE);
	if (sched_migrate_hook)
		sched_migrate_hook();
	hal_restore_irq(irq);
	sched_yield(); /* this one, or a preemption before it: either hands the thread over */
}

void sched_yield(void)
{
	sched_t *s = local_sched();
	irqstate_t irq;
	thread_t *prev, *next;

	if (!lockdep_may_block("sched_yield"))
		return; /* a violation a test expected: do not switch */
	irq = hal_disable_irq();
	busylock_acquire_raw(&s->lock);
	__atomic_store_n(&s->need_resched, 0, __ATOMIC_RELAXED);
	prev = s->current;
	next = sched_policy_pick(&s->k_root, &s->u_root, prev, s->idle);
	if (next == prev) {
		busylock_release_raw(&s->lock);
		hal_restore_irq(irq);
		return;
	}
	if (prev->exiting)
		s->dead = prev;
	else if (__atomic_load_n(&prev->blocked, __ATOMIC_RELAXED) & THREAD_BLOCKED_MIGRATE)
		s->migrating = prev;
	acct_switch(prev, next, __atomic_load_n(&prev->blocked, __ATOMIC_RELAXED) != 0, &s->acct_owed);
	s->current = next;
	s->switches++;
	next->switches++;
	s->quantum_left = CONFIG_SCHED_QUANTUM_TICKS;
	/* The running thread's address space is always the one loaded: a dead thread's table is
	 * never left active while it is freed. */
	if (next->gpt != s->active_gpt) {
		vmm_t *left = s->active_gpt && prev->process &&
			      s->active_gpt == &prev->process->vmm.gpt ? &prev->process->vmm : NULL;
		vmm_t *entered = next->type == THREAD_USER && next->process ? &next->process->vmm
									 : NULL;

		/* Before the table is loaded, with a full barrier: a shootdown that does not see
		 * the bit changed its PTEs before this core walks them (vmm_cores_to_flush). */
		if (entered)
			__atomic_fetch_or(&entered->cores_mask, 1u << hal_get_lid(), __ATOMIC_SEQ_CST);
		hal_gpt_activate(next->gpt);
		s->active_gpt = next->gpt;
		/* The activation flushed the TLB: this core caches none of prev's translations,
		 * and its shootdowns need not wait for it (an idle core is not woken for them). */
		if (left && left != entered)
			vmm_forget_core(left);
	}
	hal_context_switch(&prev->ctx, &next->ctx);
	sched_switch_tail();
	hal_restore_irq(irq);
}

bool sched_resched_pending(void)
{
	return __atomic_load_n(&local_sched()->need_resched, __ATOMIC_RELAXED) != 0;
}

/* Wake the sleepers of one list whose deadline has passed (caller holds the lock). */
static void wake_sleepers(list_entry_t *root, uint64_t now)
{
	list_entry_t *e;

	kassert(busylock_is_held_by_me(&local_sched()->lock));
	LIST_FOREACH(root, e) {
		thread_t *t = LIST_ELEMENT(e, thread_t, sched_list);
		/* WAITQ with SLEEP is a timed wait (waitq.c): its deadline ends both. */
		if ((__atomic_load_n(&t->blocked, __ATOMIC_ACQUIRE) & THREAD_BLOCKED_SLEEP) &&
		    now >= t->wakeup_ns)
			thread_unblock(XPTR(local_cxy, t), THREAD_BLOCKED_SLEEP | THREAD_BLOCKED_WAITQ);
	}
}

/* Runnable threads of one list, the idle thread excluded (caller holds the lock). */
static uint32_t count_running(list_entry_t *root, thread_t *idle)
{
	list_entry_t *e;
	uint32_t n = 0;

	kassert(busylock_is_held_by_me(&local_sched()->lock));
	LIST_FOREACH(root, e) {
		thread_t *t = LIST_ELEMENT(e, thread_t, sched_list);
		n += t != idle && __atomic_load_n(&t->blocked, __ATOMIC_RELAXED) == 0;
	}
	return n;
}

void sched_tick(bool from_user)
{
	sched_t *s = local_sched();
	uint64_t now = hal_get_time_ns();
	uint32_t running = 0;

	acct_tick(s->current, from_user);
	busylock_acquire_raw(&s->lock);
	s->ticks++;
	if (s->current == s->idle)
		s->idle_ticks++;
	wake_sleepers(&s->k_root, now);
	wake_sleepers(&s->u_root, now);
	if (loadavg_sample_due(cluster_current_core()->lid, now))
		running = count_running(&s->k_root, s->idle) + count_running(&s->u_root, s->idle);
	busylock_release_raw(&s->lock);
	dqdt_tick(cluster_current_core()->lid, s->ticks);
	loadavg_tick(cluster_current_core()->lid, now, running);
	if (--s->quantum_left == 0) {
		s->quantum_left = CONFIG_SCHED_QUANTUM_TICKS;
		sched_resched_local();
	}
}

void sched_resched_local(void)
{
	irqstate_t irq = hal_disable_irq(); /* this core's current thread stays */
	sched_t *s = local_sched();

	__atomic_store_n(&s->need_resched, 1, __ATOMIC_RELAXED);
	/* a user thread sees it on its way back to user mode */
	thread_post_work(XPTR(local_cxy, s->current), THREAD_WORK_RESCHED);
	hal_restore_irq(irq);
}

void sched_irq_exit(bool interrupted_irq_enabled)
{
	sched_t *s = local_sched();

	if (interrupted_irq_enabled && __atomic_load_n(&s->need_resched, __ATOMIC_RELAXED))
		sched_yield();
}

void sched_kick(cxy_t cxy, lid_t lid)
{
	xptr_t flag = XPTR(cxy, &cluster_manager.core[lid].sched.need_resched);

	if (cxy == local_cxy && lid == hal_get_lid()) {
		sched_resched_local();
		return;
	}
	hal_remote_s32(flag, 1);
	ipi_send(cxy, lid, IPI_RESCHED); /* whose handler posts the work to the thread it finds */
}

void sched_leave_user_space(void)
{
	sched_t *s = local_sched();
	thread_t *self = s->current;
	irqstate_t irq = hal_disable_irq();

	bool left = self->process && s->active_gpt == &self->process->vmm.gpt;

	self->gpt = NULL;
	s->active_gpt = NULL;
	hal_gpt_activate(NULL);
	if (left) /* flushed: as a switch to another address space */
		vmm_forget_core(&self->process->vmm);
	hal_restore_irq(irq);
}

lid_t sched_least_loaded_core(void)
{
	lid_t best = 0;
	uint32_t best_load = UINT32_MAX;

	for (lid_t lid = 0; lid < cluster_manager.cores_nr; lid++) {
		sched_t *s = &cluster_manager.core[lid].sched;
		uint32_t load = __atomic_load_n(&s->k_threads_nr, __ATOMIC_RELAXED) +
				__atomic_load_n(&s->u_threads_nr, __ATOMIC_RELAXED);
		if (load < best_load) {
			best_load = load;
			best = lid;
		}
	}
	return best;
}

static bool print_saved_frame(void *arg, const hal_frame_t *frame)
{
	uintptr_t off;
	const char *name = ksyms_lookup(frame->pc, &off);

	(void)arg;
	if (frame->kind == HAL_FRAME_USER) {
		printk_raw("        -- entered from user mode at pc 0x%lx (%s)\n", frame->pc, frame->trap);
		return false;
	}
	if (frame->kind == HAL_FRAME_TRAP)
		printk_raw("        -- %s in the kernel, at:\n", frame->trap);
	else
		printk_raw("        0x%016lx %s+0x%lx\n", frame->pc, name ? name : "?", name ? off : 0);
	return true;
}

/* The kernel backtrace of the switched-out thread @t_xp (its scheduler's lock held). */
static void display_stack(xptr_t t_xp)
{
	hal_context_t ctx;

	hal_remote_memcpy(XPTR(local_cxy, &ctx), t_xp + offsetof(thread_t, ctx), sizeof(ctx));
	hal_backtrace_saved(&ctx, 24, print_saved_frame, NULL);
}

/* The signal state of the user thread @t_xp: what may wake it and what it waits for. */
static void display_signals(xptr_t t_xp)
{
	process_t *p = hal_remote_lpt(t_xp + offsetof(thread_t, process));
	uint64_t pending = 0;

	if (p) {
		xptr_t owner = hal_remote_lxp(XPTR(GET_CXY(t_xp), &p->owner_xp));
		pending = hal_remote_l64(owner + offsetof(process_t, sig_pending));
	}
	printk_raw("        mask %lx pending %lx, process %lx; wait %u, killed %u\n",
		   hal_remote_l64(t_xp + offsetof(thread_t, sigmask)),
		   hal_remote_l64(t_xp + offsetof(thread_t, sigpending)), pending,
		   hal_remote_l32(t_xp + offsetof(thread_t, intr_wait)),
		   hal_remote_l32(t_xp + offsetof(thread_t, killed)));
}

/* One line per thread of a (possibly remote) list, and with @stacks the kernel backtrace of each
 * thread not running; caller holds that scheduler's lock. */
static void display_list(cxy_t cxy, list_entry_t *root, thread_t *current, bool stacks)
{
	xptr_t root_xp = XPTR(cxy, root);
	list_entry_t *e = hal_remote_lpt(root_xp + offsetof(list_entry_t, next));

	while (e != root) {
		thread_t *t = LIST_ELEMENT(e, thread_t, sched_list);
		xptr_t t_xp = XPTR(cxy, t);
		char name[THREAD_NAME_MAX], causes[64];
		uint32_t blocked = hal_remote_l32(t_xp + offsetof(thread_t, blocked));

		hal_remote_strcpy(XPTR(local_cxy, name), t_xp + offsetof(thread_t, name), sizeof(name));
		printk_raw("  %c %08x %-6s %-12s %-8s %-20s switches %lu\n", t == current ? '*' : ' ',
			   hal_remote_l32(t_xp + offsetof(thread_t, trdid)),
			   thread_type_name(hal_remote_l32(t_xp + offsetof(thread_t, type))), name,
			   blocked ? "BLOCKED" : (t == current ? "RUNNING" : "READY"),
			   thread_blocked_names(blocked, causes, sizeof(causes)),
			   hal_remote_l64(t_xp + offsetof(thread_t, switches)));
		if (stacks && t != current) {
			if (hal_remote_l32(t_xp + offsetof(thread_t, type)) == THREAD_USER)
				display_signals(t_xp);
			display_stack(t_xp);
		}
		e = hal_remote_lpt(XPTR(cxy, e) + offsetof(list_entry_t, next));
	}
}

void sched_display(cxy_t cxy, lid_t lid, bool stacks)
{
	sched_t *s = &cluster_manager.core[lid].sched;
	xptr_t s_xp = XPTR(cxy, s);
	thread_t *current;
	irqstate_t irq;

	if (cxy >= cluster_count() || lid >= cluster_cores_of(cxy)) {
		printk_raw("sched: no core [%x,%u]\n", cxy, lid);
		return;
	}
	irq = hal_disable_irq();
	remote_busylock_acquire_raw(s_xp + offsetof(sched_t, lock));
	current = hal_remote_lpt(s_xp + offsetof(sched_t, current));
	printk_raw("scheduler of core [%x,%u]: %u kernel, %u user threads, ticks %lu (idle %lu), "
		   "switches %lu\n", cxy, lid, hal_remote_l32(s_xp + offsetof(sched_t, k_threads_nr)),
		   hal_remote_l32(s_xp + offsetof(sched_t, u_threads_nr)),
		   hal_remote_l64(s_xp + offsetof(sched_t, ticks)),
		   hal_remote_l64(s_xp + offsetof(sched_t, idle_ticks)),
		   hal_remote_l64(s_xp + offsetof(sched_t, switches)));
	printk_raw("    trdid    type   name         state    blocked\n");
	display_list(cxy, &s->k_root, current, stacks);
	display_list(cxy, &s->u_root, current, stacks);
	if (current == hal_remote_lpt(s_xp + offsetof(sched_t, idle)))
		printk_raw("  * idle thread running\n");
	remote_busylock_release_raw(s_xp + offsetof(sched_t, lock));
	hal_restore_irq(irq);
}

void sched_let_holders_run(void)
{
	thread_t *self = thread_current();

	if (!hal_irq_enabled() || !self || self->type == THREAD_IDLE)
		return;
	if (self->type == THREAD_USER)
		sched_yield(); /* the holder, if a user thread of this core, is in the same round */
	else
		thread_sleep_ns(1); /* a tick: the user threads of this core run meanwhile */
}

void kernel_lock_wait(uint32_t rounds)
{
	hal_cpu_relax();
	if (rounds % 256 == 0)
		sched_let_holders_run();
}
