/*
 * test_sched_policy.c - the scheduler's choice of the next thread (kernel/kern/sched_policy.c).
 *
 * Thread descriptors are plain host objects (zeroed, with a type and a blocked mask) linked in a
 * kernel and a user list as sched_attach() would link them; no scheduler, lock or context switch is
 * involved. Directed cases (empty lists, class priority, round robin and fairness, blocked threads,
 * the running thread's position) and a random model test: random block / unblock / attach / detach
 * and picks with a fixed seed, each pick checked against a reference written over arrays.
 */
#include <kern/sched_policy.h>

#include "htest.h"

#include <string.h>

#define THREADS_MAX 32

static thread_t threads[THREADS_MAX];
static thread_t idle;
static list_entry_t k_root, u_root;

/* Empty lists, zeroed threads, a runnable idle thread. */
static void reset(void)
{
	memset(threads, 0, sizeof(threads));
	memset(&idle, 0, sizeof(idle));
	idle.type = THREAD_IDLE;
	list_root_init(&k_root);
	list_root_init(&u_root);
}

/* Link thread @i of type @type at the tail of its class's list, as sched_attach() does. */
static thread_t *attach(int i, thread_type_t type, uint32_t blocked)
{
	thread_t *t = &threads[i];

	t->type = type;
	t->blocked = blocked;
	t->trdid = (trdid_t)i;
	list_add_last(type == THREAD_USER ? &u_root : &k_root, &t->sched_list);
	return t;
}

static thread_t *pick(thread_t *current)
{
	return sched_policy_pick(&k_root, &u_root, current, &idle);
}

HT_TEST(empty_lists_give_idle)
{
	reset();
	HT_CHECK(pick(&idle) == &idle);
}

HT_TEST(all_blocked_gives_idle)
{
	thread_t *k, *u;

	reset();
	k = attach(0, THREAD_KERNEL, THREAD_BLOCKED_NEW);
	attach(1, THREAD_RPC, THREAD_BLOCKED_IDLE);
	u = attach(2, THREAD_USER, THREAD_BLOCKED_SLEEP | THREAD_BLOCKED_WAITQ);
	HT_CHECK(pick(&idle) == &idle);
	HT_CHECK(pick(k) == &idle); /* a running thread that just blocked itself */
	HT_CHECK(pick(u) == &idle);
}

HT_TEST(kernel_before_user)
{
	thread_t *k, *u;

	reset();
	u = attach(0, THREAD_USER, 0);
	k = attach(1, THREAD_KERNEL, 0);
	HT_CHECK(pick(&idle) == k);
	HT_CHECK(pick(u) == k);
	HT_CHECK(pick(k) == k); /* only kernel thread: stays, the user thread waits */
	k->blocked = THREAD_BLOCKED_SLEEP;
	HT_CHECK(pick(k) == u);
}

HT_TEST(rpc_threads_are_kernel_class)
{
	thread_t *u, *r;

	reset();
	u = attach(0, THREAD_USER, 0);
	r = attach(1, THREAD_RPC, 0);
	HT_CHECK(pick(u) == r);
	HT_CHECK(pick(r) == r);
}

/* With every thread runnable, @n threads of @type are each picked in turn, for @rounds rounds. */
static void check_round_robin(thread_type_t type, int n, int rounds)
{
	int count[THREADS_MAX] = { 0 };
	thread_t *current = &idle;

	reset();
	for (int i = 0; i < n; i++)
		attach(i, type, 0);
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < n; i++) {
			thread_t *next = pick(current);
			HT_REQUIRE(next == &threads[i]);
			count[next - threads]++;
			current = next;
		}
	}
	for (int i = 0; i < n; i++)
		HT_CHECK(count[i] == rounds);
}

HT_TEST(round_robin_kernel_class)
{
	check_round_robin(THREAD_KERNEL, 7, 50);
}

HT_TEST(round_robin_user_class)
{
	check_round_robin(THREAD_USER, THREADS_MAX, 20);
}

HT_TEST(round_robin_one_thread)
{
	check_round_robin(THREAD_USER, 1, 10);
}

HT_TEST(blocked_threads_are_skipped)
{
	thread_t *t[6];
	thread_t *current = &idle;

	reset();
	for (int i = 0; i < 6; i++)
		t[i] = attach(i, THREAD_KERNEL, (i % 2) ? THREAD_BLOCKED_WAITQ : 0);
	for (int r = 0; r < 10; r++) {
		for (int i = 0; i < 6; i += 2) {
			current = pick(current);
			HT_REQUIRE(current == t[i]);
		}
	}
	t[3]->blocked = 0; /* unblocked while t[4] ran: it is next after t[2] */
	HT_CHECK(pick(t[2]) == t[3]);
	HT_CHECK(pick(t[3]) == t[4]);
}

HT_TEST(current_blocked_gives_next)
{
	thread_t *a, *b, *c;

	reset();
	a = attach(0, THREAD_USER, 0);
	b = attach(1, THREAD_USER, 0);
	c = attach(2, THREAD_USER, 0);
	b->blocked = THREAD_BLOCKED_SLEEP;
	HT_CHECK(pick(b) == c);
	c->blocked = THREAD_BLOCKED_SLEEP;
	HT_CHECK(pick(c) == a); /* wraps around the root */
	a->blocked = THREAD_BLOCKED_EXIT;
	HT_CHECK(pick(a) == &idle);
}

HT_TEST(only_current_runnable_keeps_it)
{
	thread_t *a, *b;

	reset();
	a = attach(0, THREAD_KERNEL, THREAD_BLOCKED_IDLE);
	b = attach(1, THREAD_KERNEL, 0);
	attach(2, THREAD_USER, 0); /* a lower class does not take the core */
	HT_CHECK(pick(b) == b);
	a->blocked = 0;
	HT_CHECK(pick(b) == a);
}

HT_TEST(current_idle_starts_from_first)
{
	thread_t *k[3], *u[3];

	reset();
	for (int i = 0; i < 3; i++) {
		u[i] = attach(i, THREAD_USER, 0);
		k[i] = attach(3 + i, THREAD_KERNEL, 0);
	}
	HT_CHECK(pick(&idle) == k[0]);
	k[0]->blocked = THREAD_BLOCKED_TEST;
	HT_CHECK(pick(&idle) == k[1]);
	for (int i = 0; i < 3; i++)
		k[i]->blocked = THREAD_BLOCKED_TEST;
	HT_CHECK(pick(&idle) == u[0]);
	u[0]->blocked = THREAD_BLOCKED_TEST;
	HT_CHECK(pick(&idle) == u[1]);
}

/* A user thread runs; a kernel thread wakes up: it runs next, then the user round robin resumes. */
HT_TEST(user_current_yields_to_woken_kernel_thread)
{
	thread_t *k, *u[3];

	reset();
	k = attach(0, THREAD_KERNEL, THREAD_BLOCKED_SLEEP);
	for (int i = 0; i < 3; i++)
		u[i] = attach(1 + i, THREAD_USER, 0);
	HT_CHECK(pick(u[0]) == u[1]);
	k->blocked = 0;
	HT_CHECK(pick(u[1]) == k);
	k->blocked = THREAD_BLOCKED_SLEEP;
	HT_CHECK(pick(k) == u[0]); /* current not in the user class: from the head */
}

/* A kernel thread runs while only user threads are runnable: they start from the head of theirs. */
HT_TEST(kernel_current_blocked_user_from_head)
{
	thread_t *k, *u[2];

	reset();
	u[0] = attach(0, THREAD_USER, 0);
	u[1] = attach(1, THREAD_USER, 0);
	k = attach(2, THREAD_KERNEL, THREAD_BLOCKED_RPC);
	HT_CHECK(pick(k) == u[0]);
	u[0]->blocked = THREAD_BLOCKED_WAITQ;
	HT_CHECK(pick(k) == u[1]);
}

HT_TEST(idle_gives_way_only_to_a_runnable_thread)
{
	thread_t *u;

	reset();
	u = attach(0, THREAD_USER, THREAD_BLOCKED_NEW);
	attach(1, THREAD_KERNEL, THREAD_BLOCKED_NEW);
	HT_CHECK(pick(&idle) == &idle);
	u->blocked = 0;
	HT_CHECK(pick(&idle) == u);
}

HT_TEST(unlinked_current_is_caught)
{
	thread_t *a;

	reset();
	a = attach(0, THREAD_KERNEL, 0);
	attach(1, THREAD_KERNEL, 0);
	list_unlink(&a->sched_list);
	HT_EXPECT_PANIC(pick(a));
}

/* The state the reference policy sees: the lists as arrays of thread ids, the blocked flags. */
typedef struct model_s {
	int  ids[2][THREADS_MAX]; /* [0] kernel class, [1] user class, in list order */
	int  nr[2];
	bool blocked[THREADS_MAX];
	bool attached[THREADS_MAX];
	int  cur;                 /* running thread, -1: idle */
} model_t;

static int model_class_of(int id) { return threads[id].type == THREAD_USER ? 1 : 0; }

/*
 * Reference policy, written over the arrays: the first class with a runnable thread, scanned from
 * the one after the running thread when it is of that class (else from the first), ending with the
 * running thread. Returns the id to run, -1 for idle.
 */
static int model_pick(const model_t *m)
{
	for (int c = 0; c < 2; c++) {
		int n = m->nr[c], pos = -1;

		if (m->cur >= 0 && model_class_of(m->cur) == c)
			for (int i = 0; i < n; i++)
				if (m->ids[c][i] == m->cur)
					pos = i;
		/* From the one after the running thread (or the first), around, ending with it. */
		for (int k = 1; k <= n; k++) {
			int id = m->ids[c][(pos + k) % n];
			if (!m->blocked[id])
				return id;
		}
	}
	return -1;
}

/* Attach thread @id (not attached) to the model and to the lists. */
static void model_attach(model_t *m, int id, thread_type_t type)
{
	int c = type == THREAD_USER ? 1 : 0;

	attach(id, type, m->blocked[id] ? THREAD_BLOCKED_TEST : 0);
	m->ids[c][m->nr[c]++] = id;
	m->attached[id] = true;
}

/* Detach thread @id (attached, not running), as sched_switch_tail() does for a dead thread. */
static void model_detach(model_t *m, int id)
{
	int c = model_class_of(id), i = 0;

	while (m->ids[c][i] != id)
		i++;
	memmove(&m->ids[c][i], &m->ids[c][i + 1], (size_t)(m->nr[c] - i - 1) * sizeof(int));
	m->nr[c]--;
	m->attached[id] = false;
	list_unlink(&threads[id].sched_list);
}

/* A fixed pseudo-random sequence (xorshift32), the same with every C library. */
static uint32_t rnd_state;

static int rnd(int n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return (int)(rnd_state % (uint32_t)n);
}

/* One random step: block, unblock, attach or detach a thread (never the running one). */
static void model_step(model_t *m)
{
	int id = rnd(THREADS_MAX), op = rnd(10);

	if (op < 4) { /* 3 blocks for 1 unblock: often all blocked, or only the running thread */
		m->blocked[id] = op < 3;
		threads[id].blocked = m->blocked[id] ? THREAD_BLOCKED_TEST : 0;
	} else if (op < 6 && !m->attached[id]) {
		static const thread_type_t types[] = { THREAD_KERNEL, THREAD_RPC, THREAD_USER,
						       THREAD_USER };
		model_attach(m, id, types[rnd(4)]);
	} else if (op < 7 && m->attached[id] && id != m->cur) {
		model_detach(m, id);
	}
}

HT_TEST(random_against_model)
{
	model_t m;
	int picks[THREADS_MAX] = { 0 }, idle_picks = 0, stays = 0, user_picks_over_kernel = 0;

	rnd_state = 20240611;
	reset();
	memset(&m, 0, sizeof(m));
	m.cur = -1;
	for (int step = 0; step < 200000; step++) {
		int steps = rnd(4);
		thread_t *current = m.cur < 0 ? &idle : &threads[m.cur];
		thread_t *next;
		int want;

		for (int s = 0; s < steps; s++)
			model_step(&m);
		want = model_pick(&m);
		next = pick(current);
		HT_REQUIRE(next == (want < 0 ? &idle : &threads[want]));
		if (want >= 0 && want == m.cur)
			stays++;
		if (want >= 0 && threads[want].type == THREAD_USER && m.nr[0] > 0)
			user_picks_over_kernel++;
		m.cur = want;
		if (want < 0)
			idle_picks++;
		else
			picks[want]++;
	}
	/* The walk went through every interesting case: idle, the running thread staying, user
	 * threads over blocked kernel threads, and each thread many times. */
	HT_CHECK(idle_picks > 100);
	HT_CHECK(stays > 100);
	HT_CHECK(user_picks_over_kernel > 100);
	for (int i = 0; i < THREADS_MAX; i++)
		HT_CHECK(picks[i] > 100);
}
