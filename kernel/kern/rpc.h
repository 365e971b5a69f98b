/*
 * rpc.h - remote procedure calls between clusters.
 *
 * Use an RPC only where the work must run in the target cluster (create a thread there, allocate
 * in its structures under its local-only locks...); otherwise access the remote memory directly.
 *
 * Protocol. The client fills an rpc_desc_t in its own memory (usually on its stack: kernel stacks
 * are mapped in every cluster) and posts XPTR(client_cxy, desc) in the RPC FIFO of one core of the
 * target cluster (the core with the client's lid, modulo the target's cores), then sends that core
 * an IPI. An RPC server thread of that core takes the descriptor, reads and writes it through
 * hal_remote_*, runs the service of its type, then decrements the response counter the descriptor
 * names; the server that brings it to 0 wakes the client. A client thread blocks while it waits
 * (blocking mode); the idle thread and boot code poll the counter instead (polling mode). A full
 * FIFO makes the client wait and retry: requests are never dropped.
 *
 * Parallel mode: one request to several clusters with one shared response counter; the client
 * wakes up once, when the last server is done.
 *
 * Server pool: each core starts one server thread; when a server takes a request and more are
 * waiting with no idle server left, it creates another (up to CONFIG_RPC_SERVERS_MAX), so a
 * service that blocks does not stall the FIFO; servers beyond CONFIG_RPC_SERVERS_MIN exit when they
 * find no work. A server that waits for something other than work (an RPC of its own, a blocking
 * lock: rpc_server_away_begin) first makes sure an idle server is left on its core, and servers do
 * not count as spare while they wait so: a request that comes while it waits, and that its own
 * answer may depend on (a copy's true fault, which holds the copy's VSL lock that an invalidation
 * needs; any holder of a lock the server sleeps on), is served.
 */
#ifndef KERN_RPC_H
#define KERN_RPC_H

#include <hal_types.h>
#include <libk/busylock.h>
#include <params.h>

typedef enum rpc_type_e {
	RPC_ECHO = 0,           /* test: rpc_echo_args_t                                     */
	RPC_SLEEP,              /* test: a service that blocks, rpc_sleep_args_t             */
	RPC_THREAD_CREATE,      /* create and start a kernel thread in the target cluster   */
	RPC_PROCESS_THREAD_CREATE, /* create a user thread (process.c)                      */
	RPC_VMM_GET_VSEG,       /* copy a vseg of the reference VSL (vmm.c)                  */
	RPC_VMM_TRUE_FAULT,     /* resolve a true page fault in the reference GPT (vmm.c)    */
	RPC_VMM_DISPLAY,        /* print a VMM copy where it lives, or report its figures    */
	RPC_VMM_INVALIDATE,     /* a copy forgets a range of its VSL and GPT (vmm.c)         */
	RPC_VMM_OP,             /* brk/mmap/munmap/mprotect in the reference (sys_mem.c)     */
	RPC_PROCESS_DISPLAY,    /* print the process copies of the cluster (process.c)        */
	RPC_PROCESS_KILL,       /* end the threads of a process copy (process.c)              */
	RPC_EXEC_LOAD,          /* execve's new image into the reference VMM (sys_exec.c)     */
	RPC_PROCESS_FORK,       /* make a forked process in the target cluster (process.c)    */
	RPC_PROCESS_INFO,       /* a process copy's figures (sys_almos_stats.c)               */
	RPC_ALMOS_REGIONS,      /* the region list of a reference VMM (sys_almos_stats.c)     */
	RPC_FILE_SHRUNK,        /* drop a process's mappings beyond a file's end (vfs_shrink.c) */
	RPC_VMM_EXIT,           /* an ended process's memory goes back (vmm_ops.c: vmm_exit)  */
	RPC_TYPES_NR
} rpc_type_t;

/*
 * A request. [C] written by the client before posting, read-only afterwards;
 * [S] written by the server before it decrements the response counter.
 *
 * Arguments and results: each type has one struct of its own, rpc_<name>_args_t, declared next
 * to its service, which the client and the server both use. The client fills one in its own
 * memory and names it in the descriptor (RPC_DESC); the server copies it in (rpc_args_get), runs,
 * and copies it back with the results filled (rpc_reply). The size travels with it: a server
 * given another type's struct panics instead of reading the wrong fields.
 */
typedef struct rpc_desc_s {
	uint32_t type;           /* [C] rpc_type_t                                            */
	uint32_t blocking;       /* [C] 1: wake thread_xp when the counter reaches 0           */
	xptr_t   rsp_xp;         /* [C] response counter (uint32_t in the client's memory)     */
	xptr_t   thread_xp;      /* [C] the client thread                                      */
	xptr_t   failnth_xp;     /* [C] the fail-nth counter the client's allocations count on,
	                            which the server's count on too (mm/failnth.h); or XPTR_NULL */
	xptr_t   args_xp;        /* [C] the type's argument struct ([S] its results)          */
	uint32_t args_size;      /* [C] its size                                              */
	int32_t  error;          /* [S] error_t of the service                                 */
} rpc_desc_t;

/* A descriptor of @type whose arguments are the struct at @args (a pointer, client side). */
#define RPC_DESC(type_, args_)                                                                     \
	((rpc_desc_t){ .type = (type_), .args_xp = XPTR(local_cxy, (args_)),                      \
		       .args_size = sizeof(*(args_)) })

/* Server side: copy the arguments of the request @desc_xp into @args, the service's struct of
 * @size bytes. Panics if the client's struct has another size (another type's). */
void rpc_args_get(xptr_t desc_xp, void *args, size_t size);

/* Server side: copy @args (@size bytes, results filled; NULL, 0: nothing to give back) to the
 * client's struct and set the request's @error. The last access to the descriptor's arguments. */
void rpc_reply(xptr_t desc_xp, const void *args, size_t size, error_t error);

/* RPC_ECHO (a test): every word comes back complemented; the error is words[7] as sent. */
#define RPC_ECHO_WORDS 8
typedef struct rpc_echo_args_s {
	uint64_t words[RPC_ECHO_WORDS];
} rpc_echo_args_t;

/* RPC_SLEEP (a test of a service that blocks): the server sleeps @ns or, if @lock_xp is not
 * XPTR_NULL, takes that rwlock for reading and releases it; then complements @proof. */
typedef struct rpc_sleep_args_s {
	uint64_t ns;
	uint64_t proof;
	xptr_t   lock_xp;
} rpc_sleep_args_t;

/* RPC_THREAD_CREATE: a kernel thread of @type running @entry(@arg) on core @lid of the target
 * cluster (RPC_ANY_CORE: the least loaded), named by the string at @name_xp; [out] @thread. */
#define RPC_ANY_CORE UINT32_MAX
typedef struct rpc_thread_create_args_s {
	void (*entry)(void *);
	void *arg;
	uint32_t lid;
	uint32_t type;           /* thread_type_t */
	xptr_t name_xp;
	struct thread_s *thread; /* [out] in the target cluster */
} rpc_thread_create_args_t;

/* Per-cluster counters, by type. [A] */
typedef struct rpc_stats_s {
	uint64_t sent[RPC_TYPES_NR];    /* requests posted by this cluster's clients */
	uint64_t served[RPC_TYPES_NR];  /* requests served by this cluster           */
	uint64_t fifo_full;             /* posts that found the FIFO full and waited  */
} rpc_stats_t;

/* RPC servers of one core. Lock legend: [L] lock (busylock, IRQs off). */
typedef struct rpc_server_pool_s {
	busylock_t lock;           /* serializes the FIFO's single reader, protects the fields */
	uint32_t   servers;        /* [L] server threads of this core                          */
	uint32_t   idle;           /* [L] of which blocked waiting for work                    */
	uint32_t   away;           /* [L] of which waiting for something else than work: their
	                              own RPC, a blocking lock (rpc_server_away_begin)          */
	uint64_t   created;        /* [L] server threads created since boot                    */
	struct thread_s *idle_list[CONFIG_RPC_SERVERS_MAX]; /* [L] idle servers                */
} rpc_server_pool_t;

/* Name of an RPC type ("?" if out of range). */
const char *rpc_type_name(uint32_t type);

/*
 * Initialise the calling core's FIFO and server pool and start its first server. Runs once per
 * core, after sched_init. Panics if the server cannot be created (boot cannot go on without it).
 */
void rpc_core_init(void);

/*
 * Send @desc (made by RPC_DESC, its arguments filled) to cluster @cxy and wait for the response:
 * the client blocks, or polls when it cannot block (idle thread). On return the argument struct
 * holds the results and desc->error the service's error. Never fails: a full FIFO makes the
 * client wait.
 */
void rpc_send(cxy_t cxy, rpc_desc_t *desc);

/*
 * The same in polling mode whatever the caller: it spins on the response counter instead of
 * blocking. For code that must not block (the idle thread, boot); rpc_send() chooses it by itself
 * when the caller cannot block.
 */
void rpc_send_polling(cxy_t cxy, rpc_desc_t *desc);

/*
 * Test hook (ktests only, NULL otherwise): a blocking client's wait calls it, for its thread,
 * after it found the response counter @rsp above 0 (RPC_WAIT_LOOKED, IRQs on) and after it set
 * its blocked bit, before it looks again (RPC_WAIT_BLOCKED, IRQs off: the ordering that keeps a
 * reply landing between the two looks from being lost). A ktest places a reply and an interrupt
 * exactly there (kt_rpc.c, rpc.no_lost_wakeup_between_look_and_block).
 */
#define RPC_WAIT_LOOKED  1u
#define RPC_WAIT_BLOCKED 2u
extern void (*rpc_wait_hook)(uint32_t point, volatile uint32_t *rsp);

/*
 * Send @desc[i] to cluster @cxy[i] for i < @n, all sharing one response counter, and wait once for
 * all of them.
 */
void rpc_send_parallel(uint32_t n, const cxy_t *cxy, rpc_desc_t *desc);

/*
 * The calling thread is about to wait for something other than work: an RPC of its own, a blocking
 * lock that another thread holds (rwlock.c, queuelock.c). If it is an RPC server, it is not one
 * while it waits: a request that comes meanwhile would wait for it, and the answer may be what it
 * waits for (the lock's holder, or a writer queued on it ahead of this reader, waiting for an RPC
 * to this core: a copy's fault holds its VSL lock while its true fault is served). So the core
 * must keep a server that can take requests: one is created if none is idle (up to
 * CONFIG_RPC_SERVERS_MAX), and the pool does not count the waiting server as spare until
 * rpc_server_away_end(). Returns true if the caller is a server (then it must call
 * rpc_server_away_end() when done waiting), false otherwise (nothing was done). Caller: a thread
 * that may block, no busylock held.
 */
bool rpc_server_away_begin(void);
void rpc_server_away_end(void);

/* The IPI handler's part: wake an idle server of the calling core (interrupt context). */
void rpc_server_wakeup(void);

/* Print the RPC state of cluster @cxy: counters by type, FIFO fill and servers of each core. */
void rpc_display(cxy_t cxy);

#endif /* KERN_RPC_H */
