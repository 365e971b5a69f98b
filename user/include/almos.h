/*
 * almos.h - the ALMOS-MKH extension system calls of Archipel, for user programs.
 *
 * Everything else a program needs is Linux: Archipel answers the Linux system calls of its
 * architecture (riscv64's asm-generic table; x86_64's own) with Linux's numbers and semantics, so
 * programs use glibc as on Linux. The calls below have no Linux counterpart: they expose the
 * machine's clusters and the kernel's per-cluster state.
 *
 * Numbers: the private range 1000..1099 (ALMOS_SYSCALL_FIRST..ALMOS_SYSCALL_LAST), the same on
 * every architecture. Linux riscv64 uses the asm-generic table, which is dense from 0 and grows by
 * a handful of numbers per release (451 numbers in Linux 6.1, __NR_syscalls; the riscv-specific
 * calls sit inside it, from __NR_arch_specific_syscall = 244); x86_64's table ends below 512 (its
 * x32 calls carry bit 30). A number of 1000 or more is therefore not a Linux call: it would take
 * some 500 more system calls, decades at the current pace. The asm-generic range 1024..1079 once
 * held deprecated calls (__NR_open = 1024, ...) that riscv64 never had and that Linux removed from
 * the header; it cannot come back for riscv64, whose ABI is fixed. The build checks the bound
 * against the Linux headers it compiles with (see below), and the kernel that every number of its
 * table is below the range (kernel/syscalls/syscall.c).
 *
 * Calling convention: as every Linux call of the architecture (riscv64: number in a7, arguments in
 * a0..a5, `ecall`, result in a0: >= 0 or -errno). The wrappers go through glibc's syscall(), so
 * they return 0 on success and -1 with errno set on failure. Cluster numbers (cxy) are
 * 0..clusters-1 and local core indexes (lid) 0..cores-1, as get_config() reports them. Output of
 * display() goes to the kernel console, not to the caller's standard output.
 *
 * The kernel includes this header with ALMOS_ABI_ONLY defined: it then gets the numbers and
 * constants only, without the C library.
 */
#ifndef ARCHIPEL_ALMOS_H
#define ARCHIPEL_ALMOS_H

/* The private range, and the numbers in it. Numbers once given out are never reused. */
#define ALMOS_SYSCALL_FIRST     1000
#define ALMOS_SYSCALL_LAST      1099

#define SYS_ALMOS_DISPLAY       1000
#define SYS_ALMOS_GET_CONFIG    1001
#define SYS_ALMOS_GET_CORE_ID   1002
#define SYS_ALMOS_GET_CYCLE     1003
#define SYS_ALMOS_PLACE_NEXT    1004
#define SYS_ALMOS_TRACE         1005
#define SYS_ALMOS_GET_CLUSTER_INFO 1006
#define SYS_ALMOS_GET_VMM_INFO  1007
#define SYS_ALMOS_GET_PROCESSES 1008
#define SYS_ALMOS_GET_PROCESS_INFO 1009
#define SYS_ALMOS_GET_REGIONS   1010
#define SYS_ALMOS_FAIL_NTH      1011

/* What display() prints (its @type); 0 is no type, so that a zeroed argument is refused. */
#define DISPLAY_VMM             1  /* arg0 cxy, arg1 pid, arg2 1 with the PTEs, 0 without */
#define DISPLAY_SCHED           2  /* arg0 cxy, arg1 lid: the scheduler of that core; arg2 1: with
                                      the kernel backtrace of each thread not running */
#define DISPLAY_PROCESS         3  /* arg0 cxy, arg1 1 = owned there only, 0 = every copy there */
#define DISPLAY_CLUSTER         4  /* arg0 cxy: the cluster manager (cores, memory, counters) */
#define DISPLAY_DQDT            5  /* no argument: the load tree of the whole machine */
#define DISPLAY_PPM             6  /* arg0 cxy: the physical page allocator of the cluster */
#define DISPLAY_RPC             7  /* arg0 cxy: the RPC FIFOs and servers of the cluster */
#define DISPLAY_VFS             8  /* no argument: the file system tree from the root */

/*
 * mmap() flag of ALMOS-MKH's remote mappings: with MAP_PRIVATE | MAP_ANONYMOUS, every frame of the
 * mapping comes from the cluster passed as the fd argument (a REMOTE vseg), whichever thread
 * touches it: mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_REMOTE, cxy, 0). EINVAL if
 * the fd is not a cluster. Linux has no such bit (it ignores unknown mmap flags).
 */
#define MAP_REMOTE              0x40000000

/* fail_nth() operations. */
#define FAIL_NTH_SET            0  /* arg n: the next call's n-th allocation fails (0: disarm) */
#define FAIL_NTH_GET            1  /* no argument: did it fire (see fail_nth_get)             */

/* get_vmm_info()'s pid for the caller's process (pid 0 is cluster 0's kernel process). */
#define ALMOS_PID_SELF          (-1)

/* place_next() arguments: any core of the cluster; no hint (default placement). */
#define PLACE_ANY_CORE          (-1)
#define PLACE_DEFAULT           (-1)

#ifndef ALMOS_ABI_ONLY
#include <stdint.h>
#endif

/*
 * What get_cluster_info() reports: one cluster, at the time of the call. Leak check: once the same
 * threads and processes run again, free_pages + slab_pages + kstack_pages (the pages outside those
 * caches) and slab_bytes are back where they were, unless the kernel lost memory; free_pages alone
 * also moves with the caches' peaks and their fragmentation.
 */
struct almos_cluster_info {
	uint64_t total_pages;     /* pages of the cluster's memory                               */
	uint64_t free_pages;      /* pages free in its physical page allocator                    */
	uint64_t slab_pages;      /* pages of the kernel object caches (KCM), used or empty       */
	uint64_t slab_bytes;      /* bytes of the objects allocated in those caches               */
	uint64_t kstack_pages;    /* pages of the kernel stack allocator (stacks, used or cached, */
	                          /* and their page tables): it keeps its peak                    */
	uint32_t cores;           /* cores of the cluster                                        */
	uint32_t threads;         /* threads there, of every kind (idle, kernel, RPC, user)      */
	uint32_t process_copies;  /* processes with a copy there (those it owns included)        */
	uint32_t processes_owned; /* processes whose owner it is                                 */
	uint64_t tlb_shootdowns;  /* TLB shootdowns asked by its cores since boot                */
	uint64_t tlb_targets;     /* cores they asked to flush (the asking core excluded)        */
	uint64_t tlb_acks;        /* acknowledgements received                                   */
	uint64_t cache_pages;     /* pages of the page cache (file mappers) in its memory         */
	uint64_t largest_free_pages; /* pages of its largest free block (contiguous allocations) */
	uint64_t pt_pages;        /* pages of user page tables (every GPT in its memory)          */
	uint64_t slab_objects;    /* kernel objects allocated in its caches (KCM)                 */
	uint32_t vsegs;           /* vsegs allocated there (every VSL copy of the cluster)        */
	uint32_t user_threads;    /* threads running user programs                               */
	uint32_t runnable;        /* threads not blocked (running or ready), idle ones excluded   */
	uint32_t reserved;        /* 0                                                            */
	/* The user FP state, all its cores together, since boot (docs/fpu.md): a thread that never
	 * touches the FPU adds to none of these. */
	uint64_t fpu_saves;       /* a thread's FP registers saved into its area                  */
	uint64_t fpu_restores;    /* a thread's area loaded into the FP registers                 */
	uint64_t fpu_traps;       /* FP instructions that found the FPU off (a first use)          */
};

/* What get_vmm_info() reports: one VMM copy, the figures of its `display` dump (docs/vmm.md). */
struct almos_vmm_info {
	uint32_t ref_cxy;         /* the process's reference cluster                             */
	uint32_t vsegs;           /* vsegs in this copy's VSL                                    */
	uint32_t threads;         /* threads of the process in this cluster                     */
	uint32_t reserved;        /* 0                                                           */
	uint64_t mapped_pages;    /* user pages mapped in this copy's page table                 */
	uint64_t false_faults;    /* page faults resolved by copying the reference PTE           */
	uint64_t local_faults;    /* page faults resolved in this copy's own table               */
	uint64_t global_faults;   /* true faults resolved in the reference for this copy         */
	uint64_t failed_faults;   /* faults outside every vseg or against its rights             */
	uint64_t false_cycles;    /* cycles spent in each kind of fault (get_cycle units)        */
	uint64_t local_cycles;
	uint64_t global_cycles;
	uint64_t cow_faults;      /* writes to copy-on-write pages of this copy                  */
	uint64_t cow_copies;      /* ... that copied the frame (shared by another process)       */
	uint64_t cow_cycles;      /* cycles spent in them                                        */
	uint64_t shared_pages;    /* mapped pages another address space may map too (page cache, */
	                          /* shared memory)                                              */
	uint64_t cow_pages;       /* mapped pages shared copy-on-write (since a fork)            */
};

/*
 * What get_process_info() reports: one process, gathered from its copies (MINIX's process
 * figures). The page figures are those of its reference VMM, the authoritative one.
 */
struct almos_process_info {
	uint32_t pid, ppid, pgid, sid;
	uint32_t owner_cxy;       /* the cluster that gave its pid (and keeps its family)        */
	uint32_t ref_cxy;         /* the cluster of its reference VMM                            */
	uint64_t copies_mask;     /* bit c set: a copy (some of its threads) in cluster c        */
	uint32_t threads;         /* live threads, all clusters together                         */
	uint32_t runnable;        /* of them, not blocked (running or ready to run)              */
	char     state;           /* 'R' runnable thread(s), 'S' all blocked, 'T' stopped,       */
	                          /* 'Z' zombie (ended, not reaped)                              */
	char     name[31];        /* its command (the program's path at exec), NUL-terminated    */
	uint32_t vsegs;           /* vsegs of its reference VSL                                  */
	uint32_t pt_pages;        /* page-table pages of its reference GPT                       */
	uint64_t total_pages;     /* user pages mapped in its reference GPT                      */
	uint64_t shared_pages;    /* of them, pages other address spaces may map too             */
	uint64_t cow_pages;       /* of them, pages shared copy-on-write                         */
};

/* One region (vseg) of a process: get_regions(). */
struct almos_region {
	uint64_t start, end;      /* [start, end), page aligned                                  */
	uint32_t type;            /* ALMOS_REGION_*                                             */
	uint32_t prot;            /* PROT_READ | PROT_WRITE | PROT_EXEC bits (1, 2, 4)           */
	uint32_t shared;          /* 1: a shared mapping (MAP_SHARED, page cache); 0: private    */
	uint32_t cxy;             /* REMOTE: the cluster of its frames; otherwise 0              */
	uint64_t offset;          /* file regions: offset in the file of start; otherwise 0     */
	uint64_t mapped_pages;    /* pages mapped in the reference GPT                           */
	uint64_t shared_pages;    /* of them, shared with other address spaces (as above)        */
	uint64_t cow_pages;       /* of them, copy-on-write                                      */
};

/* Region types (the kernel's vseg types). */
#define ALMOS_REGION_CODE       0  /* program text and read-only data, from the file       */
#define ALMOS_REGION_DATA       1  /* program data and bss                                 */
#define ALMOS_REGION_STACK      2  /* a thread's stack                                     */
#define ALMOS_REGION_ANON       3  /* anonymous memory: heap, mmap                         */
#define ALMOS_REGION_FILE       4  /* a file mapping                                       */
#define ALMOS_REGION_REMOTE     5  /* anonymous memory in a named cluster (MAP_REMOTE)     */
#define ALMOS_REGION_TRAMP      9  /* the signal return trampoline                         */

#ifndef ALMOS_ABI_ONLY

#include <sys/syscall.h>
#include <unistd.h>

#if defined(__NR_syscalls) && __NR_syscalls > ALMOS_SYSCALL_FIRST
#error "Linux system call numbers have reached the private ALMOS-MKH range"
#endif

/*
 * display - print a kernel structure on the kernel console.
 * [in] type  one of DISPLAY_*; arg0..arg2 as the DISPLAY_* comment says; arguments a type does not
 *            use must be 0.
 * Returns 0 once the dump is printed; -1 and errno:
 *   EINVAL  unknown type, cxy or lid out of range, an unused argument not 0, arg2 of DISPLAY_VMM
 *           (or arg1 of DISPLAY_PROCESS) neither 0 nor 1;
 *   ESRCH   DISPLAY_VMM: process @pid has no copy in cluster @cxy;
 *   ENOSYS  a known type the kernel does not implement yet.
 */
static inline int display(int type, long arg0, long arg1, long arg2)
{
	return (int)syscall(SYS_ALMOS_DISPLAY, type, arg0, arg1, arg2);
}

/*
 * get_config - the shape of the machine.
 * [out] clusters           number of clusters (cxy 0..clusters-1)
 * [out] cores_per_cluster  number of cores in each cluster (lid 0..cores_per_cluster-1)
 * Returns 0; -1 and errno EFAULT if a pointer is not writable (nothing is written then).
 */
static inline int get_config(unsigned int *clusters, unsigned int *cores_per_cluster)
{
	return (int)syscall(SYS_ALMOS_GET_CONFIG, clusters, cores_per_cluster);
}

/*
 * get_core_id - the core running the caller at the time of the call. Threads are not migrated
 * today, so the answer holds for the thread's life; a kernel that migrates would make it a snapshot.
 * [out] cxy  its cluster;  lid  its index in the cluster
 * Returns 0; -1 and errno EFAULT if a pointer is not writable.
 */
static inline int get_core_id(unsigned int *cxy, unsigned int *lid)
{
	return (int)syscall(SYS_ALMOS_GET_CORE_ID, cxy, lid);
}

/*
 * get_cycle - the cycle counter of the core running the caller (not comparable between cores:
 * use clock_gettime() to compare times across cores).
 * [out] cycles  the counter
 * Returns 0; -1 and errno EFAULT if @cycles is not writable.
 */
static inline int get_cycle(uint64_t *cycles)
{
	return (int)syscall(SYS_ALMOS_GET_CYCLE, cycles);
}

/*
 * place_next - choose where the caller's next thread (or its next child process) runs, instead
 * of the kernel's default placement (the DQDT: least loaded cluster, and core).
 * [in] cxy  the cluster, or PLACE_DEFAULT (-1) to clear the hint (@lid is then ignored)
 * [in] lid  the core in that cluster, or PLACE_ANY_CORE (-1) to let the kernel choose one there
 * The hint belongs to the calling thread and is used once: the next clone() (pthread_create) or
 * fork() of that thread consumes it; a call that fails leaves it set. A
 * second place_next() replaces the first.
 * Returns 0; -1 and errno EINVAL if @cxy is not a cluster or @lid not a core of it (or below -1).
 */
static inline int place_next(int cxy, int lid)
{
	return (int)syscall(SYS_ALMOS_PLACE_NEXT, cxy, lid);
}

/*
 * trace - switch the system call trace of cores on or off: while on, the kernel logs on its
 * console each system call made on the core (thread, number, arguments) and its result.
 * [in] on   1 to start, 0 to stop
 * [in] cxy  a cluster, or -1 for every cluster
 * [in] lid  a core of it, or -1 for every core of the cluster(s)
 * Returns 0; -1 and errno EINVAL if @on is not 0 or 1, or @cxy / @lid is out of range.
 */
static inline int trace(int on, int cxy, int lid)
{
	return (int)syscall(SYS_ALMOS_TRACE, on, cxy, lid);
}

/*
 * get_cluster_info - memory, threads and processes of a cluster.
 * [in]  cxy   the cluster
 * [out] info  its figures
 * Returns 0; -1 and errno EINVAL (@cxy is not a cluster) or EFAULT (@info not writable).
 */
static inline int get_cluster_info(unsigned int cxy, struct almos_cluster_info *info)
{
	return (int)syscall(SYS_ALMOS_GET_CLUSTER_INFO, cxy, info);
}

/*
 * get_vmm_info - the figures of the VMM copy of process @pid in cluster @cxy (what
 * display(DISPLAY_VMM, cxy, pid, 0) prints, as numbers).
 * [in]  cxy   the cluster;  pid  a process, or ALMOS_PID_SELF (-1) for the caller's
 * [out] info  the figures
 * Every cluster has a kernel process, pid (cxy << 16) | 0: its vsegs are the kernel's ranges.
 * Returns 0; -1 and errno EINVAL (@cxy is not a cluster, @pid below -1), ESRCH (no copy of @pid
 * there), EFAULT.
 */
static inline int get_vmm_info(unsigned int cxy, int pid, struct almos_vmm_info *info)
{
	return (int)syscall(SYS_ALMOS_GET_VMM_INFO, cxy, pid, info);
}

/*
 * get_processes - the pids of the user processes of the machine, cluster by cluster (a snapshot).
 * [out] pids  up to @max pids;  [in] max  room in @pids (0: just count)
 * Returns the number of processes (more than @max if @pids was too small); -1 and errno EFAULT
 * if @pids is not writable.
 */
static inline int get_processes(unsigned int *pids, unsigned int max)
{
	return (int)syscall(SYS_ALMOS_GET_PROCESSES, pids, max);
}

/*
 * get_process_info - the figures of process @pid (ALMOS_PID_SELF: the caller's).
 * Returns 0; -1 and errno ESRCH (no such process), EINVAL (@pid below -1), EFAULT.
 */
static inline int get_process_info(int pid, struct almos_process_info *info)
{
	return (int)syscall(SYS_ALMOS_GET_PROCESS_INFO, pid, info);
}

/*
 * get_regions - the region list of process @pid (ALMOS_PID_SELF: the caller's), in address order,
 * from its reference VMM: up to @max regions into @regions.
 * Returns the number of regions (more than @max if @regions was too small); -1 and errno ESRCH,
 * EINVAL (@pid below -1, @max above 4096), ENOMEM, EFAULT.
 */
static inline int get_regions(int pid, struct almos_region *regions, unsigned int max)
{
	return (int)syscall(SYS_ALMOS_GET_REGIONS, pid, regions, max);
}

/*
 * fail_nth_set - fault injection for tests, Linux's /proc/self/task/TID/fail-nth as the model: the
 * calling thread's *next* system call or page fault (the first to come after this one) has its
 * @n-th allocation fail, whichever allocator makes it (a frame, a page table, a kernel object, a
 * kernel stack) and whichever cluster or kernel thread makes it on the call's behalf. Only that
 * allocation fails; the call answers as it would without memory (ENOMEM, EAGAIN...). A page fault
 * whose allocation fails so is taken again, as Linux retries a fault whose allocation failed
 * without the machine being out of memory. @n 0 disarms. The setting belongs to the thread.
 * Returns 0; -1 and errno EINVAL if @n is above INT32_MAX.
 */
static inline int fail_nth_set(unsigned long n)
{
	return (int)syscall(SYS_ALMOS_FAIL_NTH, FAIL_NTH_SET, n);
}

/*
 * fail_nth_get - after the armed call: 0 if its @n-th allocation was made and failed; otherwise
 * the number of allocations it was short of @n (> 0): a sweep over n = 1, 2, ... stops there.
 * Before the armed call comes: @n. 0 if nothing was ever armed (as Linux's fail-nth reads).
 */
static inline long fail_nth_get(void)
{
	return syscall(SYS_ALMOS_FAIL_NTH, FAIL_NTH_GET, 0);
}

#endif /* !ALMOS_ABI_ONLY */

#endif /* ARCHIPEL_ALMOS_H */
