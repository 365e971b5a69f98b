/*
 * rpc.c - RPC clients, server threads and services (see rpc.h).
 */
#include <hal_irqmask.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/cluster.h>
#include <kern/ipi.h>
#include <kern/printk.h>
#include <kern/rpc.h>
#include <kern/rwlock.h>
#include <kern/sched.h>
#include <kern/thread.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/failnth.h>
#include <kern/process.h>
#include <fs/vfs.h>
#include <mm/vmm.h>
#include <syscalls/syscall.h>

#define DESC_FIELD(desc_xp, field) XPTR_FIELD(desc_xp, rpc_desc_t, field)
#define FULL_FIFO_WAIT_NS 100000 /* a blocked client retries a full FIFO every 0.1 ms */

typedef void (*rpc_service_t)(xptr_t desc_xp);

static void service_echo(xptr_t desc_xp);
static void service_sleep(xptr_t desc_xp);
static void service_thread_create(xptr_t desc_xp);

static const struct {
	const char   *name;
	rpc_service_t service;
} rpc_table[RPC_TYPES_NR] = {
	[RPC_ECHO]          = { "ECHO", service_echo },
	[RPC_SLEEP]         = { "SLEEP", service_sleep },
	[RPC_THREAD_CREATE] = { "THREAD_CREATE", service_thread_create },
	[RPC_PROCESS_THREAD_CREATE] = { "USER_THREAD", process_rpc_thread_create },
	[RPC_VMM_GET_VSEG]  = { "VMM_GET_VSEG", vmm_rpc_get_vseg },
	[RPC_VMM_TRUE_FAULT] = { "VMM_FAULT", vmm_rpc_true_fault },
	[RPC_VMM_DISPLAY]   = { "VMM_DISPLAY", vmm_rpc_display },
	[RPC_VMM_INVALIDATE] = { "VMM_INVALIDATE", vmm_rpc_invalidate },
	[RPC_PROCESS_FORK] = { "PROCESS_FORK", process_rpc_fork },
	[RPC_PROCESS_INFO]  = { "PROCESS_INFO", sys_almos_rpc_process_info },
	[RPC_ALMOS_REGIONS] = { "REGIONS", sys_almos_rpc_regions },
	[RPC_FILE_SHRUNK]   = { "FILE_SHRUNK", vfs_rpc_file_shrunk },
	[RPC_VMM_OP]        = { "VMM_OP", sys_mem_rpc_op },
	[RPC_PROCESS_DISPLAY] = { "PROCESS_DISPLAY", process_rpc_display },
	[RPC_PROCESS_KILL]  = { "PROCESS_KILL", process_rpc_kill },
	[RPC_EXEC_LOAD]     = { "EXEC_LOAD", sys_exec_rpc_load },
	[RPC_VMM_EXIT]      = { "VMM_EXIT", vmm_rpc_exit },
};

const char *rpc_type_name(uint32_t type)
{
	return type < RPC_TYPES_NR ? rpc_table[type].name : "?";
}

/* ------------------------------------------------------------------------------------------- */
/* client side                                                                                  */

/* A client that may not block: the idle thread (and a core without a running scheduler). */
static bool client_can_block(void)
{
	thread_t *self = thread_current();
	return self && self->type != THREAD_IDLE;
}

static lid_t server_lid(cxy_t cxy)
{
	return hal_get_lid() % cluster_cores_of(cxy);
}

/*
 * One attempt to put @desc_xp in the FIFO @fifo_xp, with IRQs masked: between its reservation and
 * its publication the item blocks every later one (the reader takes them in reservation order), so
 * the writer must not be preempted there. A user thread preempted in that window by a tick never
 * ran again when the FIFO was its own core's: the core's RPC servers, kernel threads and thus
 * always picked first, yielded to each other forever waiting for the slot (found by forkstress).
 */
static error_t put(xptr_t fifo_xp, xptr_t desc_xp)
{
	irqstate_t irq = hal_disable_irq();
	error_t error = remote_fifo_put_item(fifo_xp, desc_xp);

	hal_restore_irq(irq);
	return error;
}

/* Post one request; waits (sleeping or spinning) while the target FIFO is full. */
static void post(cxy_t cxy, xptr_t desc_xp, bool can_block)
{
	lid_t lid = server_lid(cxy);
	xptr_t fifo_xp = XPTR(cxy, &cluster_manager.core[lid].rpc_fifo);
	uint32_t type = hal_remote_l32(DESC_FIELD(desc_xp, type));

	hal_remote_atomic_add64(XPTR(local_cxy, &cluster_manager.rpc_stats.sent[type]), 1);
	while (put(fifo_xp, desc_xp) != 0) {
		hal_remote_atomic_add64(XPTR(local_cxy, &cluster_manager.rpc_stats.fifo_full), 1);
		ipi_send(cxy, lid, IPI_RPC);
		if (can_block)
			thread_sleep_ns(FULL_FIFO_WAIT_NS);
		else
			hal_cpu_relax();
	}
	ipi_send(cxy, lid, IPI_RPC);
}

void (*rpc_wait_hook)(uint32_t point, volatile uint32_t *rsp);

/* Wait until the response counter at @rsp reaches 0. */
static void wait_responses(volatile uint32_t *rsp, bool can_block)
{
	thread_t *self = thread_current();

	while (__atomic_load_n(rsp, __ATOMIC_ACQUIRE) != 0) {
		if (!can_block) {
			hal_cpu_relax();
			continue;
		}
		/* Block first, then look again: a server that finished in between has already
		 * cleared the bit or will clear it, so no wake-up is lost. IRQs off between the two:
		 * an interrupt there once switched the thread out blocked before it looked, after the
		 * server's unblock had found no bit to clear, and it slept for good (the fuzzer). */
		if (rpc_wait_hook)
			rpc_wait_hook(RPC_WAIT_LOOKED, rsp);
		irqstate_t irq = hal_disable_irq();
		thread_block(XPTR(local_cxy, self), THREAD_BLOCKED_RPC);
		if (rpc_wait_hook)
			rpc_wait_hook(RPC_WAIT_BLOCKED, rsp);
		if (__atomic_load_n(rsp, __ATOMIC_ACQUIRE) == 0) {
			thread_unblock(XPTR(local_cxy, self), THREAD_BLOCKED_RPC);
			hal_restore_irq(irq);
			break;
		}
		hal_restore_irq(irq);
		sched_yield();
	}
}

static error_t server_create(lid_t lid);

/* Give back a server counted by the caller whose creation failed. */
static void server_uncount(rpc_server_pool_t *pool)
{
	irqstate_t irq = hal_disable_irq();

	busylock_acquire(&pool->lock);
	pool->servers--;
	busylock_release(&pool->lock);
	hal_restore_irq(irq);
}

bool rpc_server_away_begin(void)
{
	thread_t *self = thread_current();
	core_t *core;
	rpc_server_pool_t *pool;
	irqstate_t irq;
	bool spawn;

	if (!self || self->type != THREAD_RPC)
		return false;
	core = cluster_current_core();
	pool = &core->rpc;
	irq = hal_disable_irq();
	busylock_acquire(&pool->lock);
	pool->away++;
	spawn = pool->idle == 0 && pool->servers < CONFIG_RPC_SERVERS_MAX;
	if (spawn)
		pool->servers++;
	busylock_release(&pool->lock);
	hal_restore_irq(irq);
	if (spawn && server_create(core->lid) != 0)
		server_uncount(pool);
	return true;
}

void rpc_server_away_end(void)
{
	rpc_server_pool_t *pool = &cluster_current_core()->rpc;
	irqstate_t irq = hal_disable_irq();

	busylock_acquire(&pool->lock);
	pool->away--;
	busylock_release(&pool->lock);
	hal_restore_irq(irq);
}

/* Post @n requests sharing one response counter and wait for them, blocking if @can_block. */
static void send(uint32_t n, const cxy_t *cxy, rpc_desc_t *desc, bool can_block)
{
	volatile uint32_t responses = n;
	bool away = false;
	xptr_t failnth_xp = failnth_current(); /* the work done for us counts as ours */

	for (uint32_t i = 0; i < n; i++) {
		kassert(cxy[i] < cluster_count() && desc[i].type < RPC_TYPES_NR);
		desc[i].blocking = can_block;
		desc[i].rsp_xp = XPTR(local_cxy, (void *)&responses);
		desc[i].thread_xp = XPTR(local_cxy, thread_current());
		desc[i].failnth_xp = failnth_xp;
		desc[i].error = 0;
	}
	hal_fence(); /* the descriptors are complete before any server can see them */
	if (can_block)
		away = rpc_server_away_begin(); /* a server waiting for its own RPC */
	for (uint32_t i = 0; i < n; i++)
		post(cxy[i], XPTR(local_cxy, &desc[i]), can_block);
	wait_responses(&responses, can_block);
	if (away)
		rpc_server_away_end();
	/* The last server may still be on its way out of thread_unblock(): see serve(). */
	while (__atomic_load_n(&thread_current()->rpc_servers, __ATOMIC_ACQUIRE) != 0)
		hal_cpu_relax();
}

void rpc_send_parallel(uint32_t n, const cxy_t *cxy, rpc_desc_t *desc)
{
	send(n, cxy, desc, client_can_block());
}

void rpc_send(cxy_t cxy, rpc_desc_t *desc)
{
	send(1, &cxy, desc, client_can_block());
}

void rpc_send_polling(cxy_t cxy, rpc_desc_t *desc)
{
	send(1, &cxy, desc, false);
}

/* ------------------------------------------------------------------------------------------- */
/* server side                                                                                  */

/* Run one request, then answer it. */
static void serve(xptr_t desc_xp)
{
	uint32_t type = hal_remote_l32(DESC_FIELD(desc_xp, type));
	uint32_t blocking = hal_remote_l32(DESC_FIELD(desc_xp, blocking));
	xptr_t rsp_xp = hal_remote_lxp(DESC_FIELD(desc_xp, rsp_xp));
	xptr_t thread_xp = hal_remote_lxp(DESC_FIELD(desc_xp, thread_xp));
	xptr_t failnth = failnth_adopt(hal_remote_lxp(DESC_FIELD(desc_xp, failnth_xp)));

	if (type >= RPC_TYPES_NR)
		panic("%s: request %lx has unknown type %u", __func__, desc_xp, type);
	rpc_table[type].service(desc_xp);
	failnth_restore(failnth); /* before the answer: the client's call may end right after it */
	hal_remote_atomic_add64(XPTR(local_cxy, &cluster_manager.rpc_stats.served[type]), 1);
	/*
	 * After the last decrement the descriptor may vanish: nothing reads it past this point.
	 * The client thread must outlive our unblock: it waits for rpc_servers to drop to 0 before
	 * leaving rpc_send, and we raise it while the counter still holds it there.
	 */
	hal_remote_atomic_add32(THREAD_XP(thread_xp, rpc_servers), 1);
	hal_fence(); /* results are visible before the counter says so */
	if (hal_remote_atomic_add32(rsp_xp, -1) == 1 && blocking)
		thread_unblock(thread_xp, THREAD_BLOCKED_RPC);
	hal_remote_atomic_add32(THREAD_XP(thread_xp, rpc_servers), -1);
}

/* Take the next request of this core's FIFO; false when there is none. */
static bool take_request(core_t *core, xptr_t *desc_xp, bool *spawn)
{
	rpc_server_pool_t *pool = &core->rpc;
	uint64_t item;
	irqstate_t irq = hal_disable_irq();
	bool got;

	busylock_acquire(&pool->lock);
	got = remote_fifo_get_item(XPTR(local_cxy, &core->rpc_fifo), &item) == 0;
	/* More work queued and nobody idle to take it if this service blocks: add a server. */
	*spawn = got && !remote_fifo_is_empty(XPTR(local_cxy, &core->rpc_fifo)) && pool->idle == 0 &&
		 pool->servers < CONFIG_RPC_SERVERS_MAX;
	if (*spawn)
		pool->servers++;
	busylock_release(&pool->lock);
	hal_restore_irq(irq);
	*desc_xp = (xptr_t)item;
	return got;
}

/*
 * No work: exit if the pool has more than its minimum, else wait as an idle server. Returns false
 * if the thread must exit.
 */
static bool wait_for_work(core_t *core, thread_t *self)
{
	rpc_server_pool_t *pool = &core->rpc;
	irqstate_t irq = hal_disable_irq();
	bool stay = true;

	busylock_acquire(&pool->lock);
	if (!remote_fifo_is_empty(XPTR(local_cxy, &core->rpc_fifo))) {
		/* a request arrived meanwhile */
	} else if (pool->servers - pool->away > CONFIG_RPC_SERVERS_MIN) {
		pool->servers--;
		stay = false;
	} else {
		pool->idle_list[pool->idle++] = self;
		thread_block(XPTR(local_cxy, self), THREAD_BLOCKED_IDLE);
	}
	busylock_release(&pool->lock);
	hal_restore_irq(irq);
	if (stay)
		sched_yield();
	return stay;
}

static void server_loop(void *arg)
{
	core_t *core = cluster_current_core();
	thread_t *self = thread_current();
	xptr_t desc_xp;
	bool spawn;

	(void)arg;
	for (;;) {
		if (take_request(core, &desc_xp, &spawn)) {
			if (spawn && server_create(core->lid) != 0)
				server_uncount(&core->rpc);
			serve(desc_xp);
		} else if (!wait_for_work(core, self)) {
			return; /* the thread exits */
		}
	}
}

void rpc_server_wakeup(void)
{
	rpc_server_pool_t *pool = &cluster_current_core()->rpc;
	thread_t *server = NULL;

	busylock_acquire(&pool->lock);
	if (pool->idle)
		server = pool->idle_list[--pool->idle];
	busylock_release(&pool->lock);
	if (server)
		thread_unblock(XPTR(local_cxy, server), THREAD_BLOCKED_IDLE);
}

/* Create and start one more server on core @lid of the local cluster (counted by the caller). */
static error_t server_create(lid_t lid)
{
	thread_t *server;
	error_t error = thread_kernel_create(&server, THREAD_RPC, "rpc", lid, server_loop, NULL);

	if (error)
		return error;
	cluster_manager.core[lid].rpc.created++;
	thread_start(server);
	return 0;
}

void rpc_core_init(void)
{
	core_t *core = cluster_current_core();

	remote_fifo_init(XPTR(local_cxy, &core->rpc_fifo));
	busylock_init(&core->rpc.lock, "rpc pool", LOCK_RPC_POOL);
	core->rpc.servers = 1;
	if (server_create(core->lid))
		panic("%s: cannot create the RPC server of core [%x,%u]", __func__, local_cxy, core->lid);
}

/* ------------------------------------------------------------------------------------------- */
/* services                                                                                     */

void rpc_args_get(xptr_t desc_xp, void *args, size_t size)
{
	uint32_t sent = hal_remote_l32(DESC_FIELD(desc_xp, args_size));

	if (sent != size)
		panic("%s: RPC %s sent %u bytes of arguments, its service takes %lu", __func__,
		      rpc_type_name(hal_remote_l32(DESC_FIELD(desc_xp, type))), sent, size);
	hal_remote_memcpy(XPTR(local_cxy, args), hal_remote_lxp(DESC_FIELD(desc_xp, args_xp)), size);
}

void rpc_reply(xptr_t desc_xp, const void *args, size_t size, error_t error)
{
	if (size)
		hal_remote_memcpy(hal_remote_lxp(DESC_FIELD(desc_xp, args_xp)),
				  XPTR(local_cxy, (void *)args), size);
	hal_remote_s32(DESC_FIELD(desc_xp, error), (uint32_t)error);
}

static void service_echo(xptr_t desc_xp)
{
	rpc_echo_args_t a;
	error_t error;

	rpc_args_get(desc_xp, &a, sizeof(a));
	error = (error_t)(uint32_t)a.words[RPC_ECHO_WORDS - 1];
	for (int i = 0; i < RPC_ECHO_WORDS; i++)
		a.words[i] = ~a.words[i];
	rpc_reply(desc_xp, &a, sizeof(a), error);
}

static void service_sleep(xptr_t desc_xp)
{
	rpc_sleep_args_t a;

	rpc_args_get(desc_xp, &a, sizeof(a));
	if (a.lock_xp != XPTR_NULL) {
		remote_rwlock_rd_acquire(a.lock_xp);
		remote_rwlock_rd_release(a.lock_xp);
	} else {
		thread_sleep_ns(a.ns);
	}
	a.proof = ~a.proof;
	rpc_reply(desc_xp, &a, sizeof(a), 0);
}

static void service_thread_create(xptr_t desc_xp)
{
	rpc_thread_create_args_t a;
	char name[THREAD_NAME_MAX];
	error_t error;

	rpc_args_get(desc_xp, &a, sizeof(a));
	hal_remote_strcpy(XPTR(local_cxy, name), a.name_xp, sizeof(name));
	if (a.lid == RPC_ANY_CORE)
		a.lid = sched_least_loaded_core();
	a.thread = NULL;
	error = thread_kernel_create(&a.thread, (thread_type_t)a.type, name, (lid_t)a.lid, a.entry,
				     a.arg);
	if (!error)
		thread_start(a.thread);
	rpc_reply(desc_xp, &a, sizeof(a), error);
}

/* ------------------------------------------------------------------------------------------- */
/* display                                                                                      */

void rpc_display(cxy_t cxy)
{
	xptr_t stats_xp = XPTR(cxy, &cluster_manager.rpc_stats);

	if (cxy >= cluster_count()) {
		printk_raw("rpc: no cluster %x\n", cxy);
		return;
	}
	printk_raw("RPC of cluster %x: %lu posts found a full FIFO\n", cxy,
		   hal_remote_l64(XPTR_FIELD(stats_xp, rpc_stats_t, fifo_full)));
	printk_raw("    type            sent     served\n");
	for (uint32_t t = 0; t < RPC_TYPES_NR; t++)
		printk_raw("    %-14s %6lu %10lu\n", rpc_type_name(t),
			   hal_remote_l64(XPTR_FIELD(stats_xp, rpc_stats_t, sent) + t * 8),
			   hal_remote_l64(XPTR_FIELD(stats_xp, rpc_stats_t, served) + t * 8));
	for (lid_t lid = 0; lid < cluster_cores_of(cxy); lid++) {
		xptr_t core_xp = XPTR(cxy, &cluster_manager.core[lid]);
		xptr_t pool_xp = XPTR_FIELD(core_xp, core_t, rpc);
		printk_raw("    core %u: fifo %u queued, servers %u (idle %u), created %lu\n", lid,
			   remote_fifo_count(XPTR_FIELD(core_xp, core_t, rpc_fifo)),
			   hal_remote_l32(XPTR_FIELD(pool_xp, rpc_server_pool_t, servers)),
			   hal_remote_l32(XPTR_FIELD(pool_xp, rpc_server_pool_t, idle)),
			   hal_remote_l64(XPTR_FIELD(pool_xp, rpc_server_pool_t, created)));
	}
}
