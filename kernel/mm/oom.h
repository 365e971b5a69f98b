/*
 * oom.h - what the kernel does when memory runs out (docs/memory.md, "Out of memory").
 *
 * As Linux: an allocation that cannot be satisfied fails the system call that needs it, where the
 * call can fail (ENOMEM, EAGAIN; MAP_POPULATE too: docs/vmm.md). A page fault cannot fail that
 * way, so a fault that finds no frame first takes one in another cluster (oom_fault_frame), and if
 * the whole machine is out of frames it calls the OOM killer (oom_page_fault): the process holding
 * the most memory is killed with SIGKILL, a console line says so, and the faulting thread waits
 * until an address space comes back (every process's end releases its memory at once:
 * process_exit_mm), then takes its fault again. If the victim is the faulting
 * process itself, it dies.
 *
 * The state of the killer is the machine's: it lives in cluster 0 (oom_init), reached by extended
 * pointers from every cluster.
 */
#ifndef MM_OOM_H
#define MM_OOM_H

#include <hal_types.h>
#include <mm/vseg.h>

/*
 * Linux's heuristic overcommit (its default mode, OVERCOMMIT_GUESS): true if a request for
 * @pages pages of address space that may all need frames (a writable private mapping, a heap
 * growth) is more than the machine's memory (every cluster's pages but the reserved ones), which
 * the call then refuses with ENOMEM. Smaller requests are granted, the frames coming at the
 * faults. Any cluster.
 */
bool oom_exceeds_memory(uint64_t pages);

/* Boot, cluster 0, before the first user process: the killer's lock and wait queue. */
void oom_init(void);

/*
 * A frame for page @vpn of @vseg, faulted in cluster @faulting_cxy: in the cluster the vseg's rule
 * names (vseg_placement); when that cluster has no free frame, in the nearest other cluster that
 * has one (NUMA distance, then cluster order after the first choice), except for a REMOTE vseg,
 * whose cluster the user named (it has no fallback, as Linux's MPOL_BIND). Returns the page,
 * XPTR_NULL if none can be had. Any cluster; no lock taken but the PPMs'.
 */
xptr_t oom_fault_frame(const vseg_t *vseg, vpn_t vpn, cxy_t faulting_cxy);

/* How many address spaces were released since boot: read before an attempt that may fail. */
uint64_t oom_released(void);

/*
 * The process @pid ended and its memory went back (process_end, after process_exit_mm): it is no
 * victim any more, and the memory waiters retry.
 */
void oom_process_end(uint32_t pid);

/* The reference of the process @pid was destroyed (process_release): @pid is no victim any more
 * (before the pid can name another), and the memory waiters retry (a process that never had a
 * thread gives its memory back only then). */
void oom_process_released(uint32_t pid);

/*
 * The page fault of the calling user thread found no memory (ENOMEM, not injected by fail-nth),
 * @released being oom_released() before its attempt. If an address space was released since, 0 at
 * once (try again). Else, unless a victim of an earlier kill is still on its way out, the OOM
 * killer kills the process holding the most memory (never a kernel process, nor the first user
 * process while another one is a candidate), then the caller waits (killable) for a release.
 * Returns 0: take the fault again; EFAULT: the caller is being killed (by the killer or anyone):
 * it leaves at its return to user mode; ENOMEM: no candidate at all. May block; no lock held.
 */
error_t oom_page_fault(uint64_t released);

#endif /* MM_OOM_H */
