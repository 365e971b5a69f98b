/*
 * sysfuzz.h - the parts of the system call fuzzer (docs/testing.md, "The fuzzer").
 *
 *   main.c    the parent: options, workers started and started again, the watchdog, the end of a
 *             phase (everything killed and reaped, the counters back at the baseline), reports;
 *   worker.c  a worker process and its threads: the loop of calls, the actions (fork, threads,
 *             spawn, exec, kill sweeps, touches), signal handling and probes, the oracle's verdict;
 *   gen.c     argument generators: fds, user pointers, lengths, flags, signals, pids, paths;
 *   calls.c   the table of calls: how to make each one's arguments and what it may return.
 *
 * Memory shared by every process of a run (struct sf_shared, MAP_SHARED before the first fork)
 * holds each worker's rings of its last calls, so that the parent can print what a worker did
 * even after it died. A worker never writes another worker's slot.
 */
#ifndef SYSFUZZ_H
#define SYSFUZZ_H

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define SF_PROG "sysfuzz"
#define SF_SELF "/bin/sysfuzz"
#define SF_DIR "/tmp/sf"              /* every file a run makes lives below it        */
#define SF_PAGE 4096UL
#define SF_WORKERS_MAX 16
#define SF_THREADS_MAX 4              /* fuzzing threads of a worker, its main one included */
#define SF_RINGS 8                    /* per worker: 0..3 its threads, 4..7 its children */
#define SF_RING_LEN 32
#define SF_ARENA_PAGES 64             /* where MAP_FIXED, munmap, mprotect, mremap act   */
#define SF_ARENA_BASE 0x1400000000UL  /* below the mmap zone: nothing lands there unasked */
#define SF_HOLE_BASE  0x1800000000UL  /* above the heap's reach, below the mmap zone: never mapped */
#define SF_SCRATCH_PAGES 8            /* always mapped read-write: valid buffers         */
#define SF_FDS_MAX 32
#define SF_DEAD_MAX 64

/* Exit codes of the processes of a run. */
#define SF_EXIT_OK      0             /* a worker or child that made its calls            */
#define SF_EXIT_EXECED  42            /* the image exec'd by a worker or child (-X)       */
#define SF_EXIT_PROBLEM 99            /* it found an impossible result: see its ring      */

/* One call as a worker made it: what it asked and what it got. */
struct sf_entry {
	uint32_t seq;                 /* 0: empty                                          */
	uint16_t call;                /* index in sf_calls, or SF_ACTION_BASE + action     */
	uint16_t pending;             /* 1 while the call runs                             */
	int64_t args[6];
	int64_t ret;
};

#define SF_ACTION_BASE 0x8000

struct sf_ring {
	uint32_t head;                /* next entry to write                              */
	int32_t pid, tid;             /* of the thread or child writing it                */
	uint64_t seed;                /* its generator's seed: a run of it alone repeats it */
	char problem[160];            /* what went wrong, if something did                */
	struct sf_entry e[SF_RING_LEN];
};

struct sf_slot {
	int32_t pid;                  /* the live worker, 0 if none                       */
	uint32_t generation;          /* how many workers this slot has had               */
	uint64_t seed;                /* the current one's                                */
	uint64_t calls;               /* calls it made, its threads and children included */
	int32_t children[8];          /* its live children (kill targets of everyone)     */
	int64_t killed_at;            /* when the parent SIGKILLed it, ms (0: never)      */
	struct sf_ring rings[SF_RINGS];
};

struct sf_shared {
	uint32_t stop;                /* 1: workers end, and start no new child           */
	uint32_t workers;
	int32_t protect[4];           /* pids no signal may reach: the parent, its parent, 1 */
	int32_t dead[SF_DEAD_MAX];    /* pids recently reaped                             */
	uint32_t dead_head;
	uint32_t clusters, cores;
	uint32_t life;                /* calls a worker makes before it ends (-l)          */
	uint32_t exec_weight;         /* 0: no worker execs                               */
	struct sf_slot w[SF_WORKERS_MAX];
};

extern struct sf_shared *sf;

/* What one fuzzing thread knows: its generator, its ring, and the last call's oracle notes. */
struct sf_ctx {
	uint64_t rng;
	int worker;                   /* slot index                                       */
	struct sf_ring *ring;
	bool is_child;                /* a forked child of a worker                       */
	unsigned depth;               /* fork depth below the worker                      */
	unsigned alt;                 /* its alternate signal stack (sf_proc.altstack slot)  */
	/* set by the generator of the call being made, read by the oracle */
	int buf_arg;                  /* index of the buffer argument judged, -1 if none   */
	int ptr_kind;                 /* its pointer kind (enum sf_ptr_kind)               */
	uint64_t buf_valid;           /* BOUNDARY: bytes of it before the PROT_NONE page   */
	bool kernel_writes;           /* the call writes into the buffer (read-like)       */
	bool fd_was_device;           /* its fd named a character device before the call   */
	int struct_arg;               /* a struct the call must write on success, or -1   */
	int struct_kind;
	bool path_own;                /* the last sf_path is one of the process's own files  */
};

/* Per process: the fixed regions of its address space and the pools of its numbers. */
struct sf_proc {
	char *scratch;                /* SF_SCRATCH_PAGES read-write, never unmapped      */
	char *prot_none;              /* one PROT_NONE page right after the scratch        */
	char *readonly;               /* one read-only page                               */
	char *arena;                  /* SF_ARENA_PAGES: mapped, unmapped, changed at will */
	char *altstack;               /* SF_THREADS_MAX alternate signal stacks            */
	uintptr_t brk_floor;          /* glibc's break: raw brk never goes below it        */
	int fds[SF_FDS_MAX];          /* fds it opened (-1: free)                         */
	int closed[8];                /* fds it closed lately                             */
	int dirfd;                    /* its directory, opened                             */
	char dir[64];                 /* SF_DIR/wN                                        */
	pid_t pid;
	unsigned threads;             /* fuzzing threads started                           */
};

extern struct sf_proc sp;

enum sf_ptr_kind {
	PK_VALID,                     /* inside the scratch, the whole length              */
	PK_NULL,
	PK_KERNEL,                    /* the kernel half                                  */
	PK_HOLE,                      /* user space nothing ever maps                     */
	PK_PROT_NONE,
	PK_READONLY,                  /* valid for the kernel to read, not to write       */
	PK_BOUNDARY,                  /* the scratch's last bytes, running into PROT_NONE  */
	PK_ARENA,                     /* the arena: mapped or not, nobody knows           */
	PK_USER_END,                  /* running past the end of user space               */
	PK_ODD,                       /* (uint64_t)-1 and other junk                      */
	PK_COUNT
};

/* gen.c */
uint64_t sf_rand(struct sf_ctx *c);
uint64_t sf_below(struct sf_ctx *c, uint64_t n);          /* 0..n-1 */
bool sf_chance(struct sf_ctx *c, unsigned percent);
uint64_t sf_mix(uint64_t a, uint64_t b);
long sf_fd(struct sf_ctx *c);
long sf_dirfd(struct sf_ctx *c);
long sf_ptr(struct sf_ctx *c, uint64_t len, int *kind);
long sf_bad_ptr(struct sf_ctx *c);
long sf_len(struct sf_ctx *c);
long sf_flags(struct sf_ctx *c, uint64_t known);
long sf_sig(struct sf_ctx *c);
long sf_pid(struct sf_ctx *c);
long sf_path(struct sf_ctx *c, bool creating);
long sf_arena_addr(struct sf_ctx *c, uint64_t *room);
long sf_timeout(struct sf_ctx *c, bool timeval);
uint64_t sf_sigmask(struct sf_ctx *c);
void sf_buffer(struct sf_ctx *c, long a[6], int buf, int len, bool kernel_writes);
void sf_struct(struct sf_ctx *c, long a[6], int i, uint64_t size, bool optional);
void sf_fd_add(int fd);
void sf_fd_closed(int fd);
bool sf_protected(long pid);

/* calls.c */
struct sf_call {
	const char *name;
	long nr;
	unsigned weight;
	void (*gen)(struct sf_ctx *c, long a[6]);
	void (*after)(struct sf_ctx *c, const long a[6], long ret);   /* bookkeeping, oracle */
};
extern const struct sf_call sf_calls[];
extern const unsigned sf_calls_nr;
long sf_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
long sf_invoke(const struct sf_call *k, const long a[6]);   /* clone's child runs no C */

/* calls_mem.c: generators and follow-ups of the memory calls and the extensions */
void g_mmap(struct sf_ctx *c, long a[6]);
void after_mmap(struct sf_ctx *c, const long a[6], long ret);
void g_munmap(struct sf_ctx *c, long a[6]);
void g_mprotect(struct sf_ctx *c, long a[6]);
void g_mremap(struct sf_ctx *c, long a[6]);
void after_mremap(struct sf_ctx *c, const long a[6], long ret);
void g_madvise(struct sf_ctx *c, long a[6]);
void g_msync(struct sf_ctx *c, long a[6]);
void g_brk(struct sf_ctx *c, long a[6]);
void g_futex(struct sf_ctx *c, long a[6]);
void g_two_uints(struct sf_ctx *c, long a[6]);
void g_cycle(struct sf_ctx *c, long a[6]);
void g_place(struct sf_ctx *c, long a[6]);
void g_cluster_info(struct sf_ctx *c, long a[6]);
void g_vmm_info(struct sf_ctx *c, long a[6]);
void g_processes(struct sf_ctx *c, long a[6]);
void g_process_info(struct sf_ctx *c, long a[6]);
void g_regions(struct sf_ctx *c, long a[6]);
void g_enosys(struct sf_ctx *c, long a[6]);
void after_enosys(struct sf_ctx *c, const long a[6], long ret);

/* worker.c */
int sf_worker_main(int worker, uint64_t seed);
int sf_exec_mode(void);
_Noreturn void sf_impossible(struct sf_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *sf_call_name(unsigned call);
int64_t sf_now(void);
void *sf_handler_address(void);
bool sf_probe(volatile uint64_t *addr, bool write, uint64_t value);
long sf_call_by_nr(struct sf_ctx *c, long nr, const long a[6]);   /* recorded and judged */
void sf_child_add(struct sf_ctx *c, pid_t pid);
void sf_child_status(struct sf_ctx *c, pid_t pid, int status);

#endif /* SYSFUZZ_H */
