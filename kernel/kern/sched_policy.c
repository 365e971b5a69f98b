/*
 * sched_policy.c - which thread a core runs next (see sched_policy.h).
 *
 * Only thread.h and list.h: no cluster manager, no HAL beyond the atomic load, so that the host
 * tests compile this file unchanged.
 */
#include <kern/printk.h>
#include <kern/sched_policy.h>

/* True if @t may run: no blocking cause (acquire: pairs with the release of thread_unblock). */
static bool runnable(const thread_t *t)
{
	return __atomic_load_n(&t->blocked, __ATOMIC_ACQUIRE) == 0;
}

/*
 * Next runnable thread of one class (the user list if @user, else the kernel list), round robin:
 * the search starts after @current when @current belongs to that list, and ends with @current
 * itself. NULL if none is runnable.
 */
static thread_t *pick_in(list_entry_t *root, bool user, thread_t *current)
{
	bool current_in_list = current->type != THREAD_IDLE && (current->type == THREAD_USER) == user;
	list_entry_t *start, *e;

	if (list_is_empty(root))
		return NULL;
	kassert(!current_in_list || list_is_linked(&current->sched_list));
	start = current_in_list ? current->sched_list.next : root->next;
	e = start;
	do {
		if (e != root) {
			thread_t *t = LIST_ELEMENT(e, thread_t, sched_list);
			if (runnable(t))
				return t;
		}
		e = e->next;
	} while (e != start);
	return NULL;
}

thread_t *sched_policy_pick(list_entry_t *k_root, list_entry_t *u_root, thread_t *current,
			    thread_t *idle)
{
	thread_t *t = pick_in(k_root, false, current);

	if (!t)
		t = pick_in(u_root, true, current);
	return t ? t : idle;
}
