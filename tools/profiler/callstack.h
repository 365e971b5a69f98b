/*
 * callstack.h - archiprof's shadow call stacks and calling-context tree.
 *
 * The plugin reports what the guest executes as events; this module turns them into a
 * calling-context tree (CCT): one node per distinct chain of kernel calls from a thread's base
 * (root, trap entries, calls), with for each node the calls made into it, the instructions run
 * while it was the innermost frame (self) and the instructions run between its entry and its
 * return (inclusive). It knows no QEMU and no ISA, so a host test can drive it with a synthetic
 * run.
 *
 * The model:
 *  - Each guest thread has its own shadow stack of kernel frames. Threads are told apart by the
 *    address of their saved context: the context switch saves the outgoing thread's registers at
 *    one address and loads the incoming thread's from another (cs_switch_from/cs_switch_to). A
 *    vCPU runs one stack at a time; the others are parked under their context's address.
 *  - A block of code starting (cs_block) settles the control transfer that ended the vCPU's
 *    previous block: a call pushes a frame for its target, a return pops down to the frame it
 *    returns to, a trap return (sret) pops down to the innermost trap frame.
 *  - A block at a trap entry pushes a trap frame (riscv64 has one trap vector; x86_64 has a stub
 *    per IDT vector and the syscall instruction's entry). A trap from user mode finds its thread's
 *    kernel stack empty. A transfer still unsettled when a trap comes (an interrupt taken just
 *    after a call, before the callee's first block) is kept in the trap frame and settled after
 *    the trap returns.
 *  - Firmware blocks (M-mode, an SBI call or an M-mode interrupt) are transparent: their
 *    instructions count in the current frame and they settle nothing.
 *  - Instructions count only while a measurement window is open (the caller says): self and
 *    inclusive figures are then window instructions, and a call counts if it is made inside one.
 *    Inclusive time is per thread: instructions of other threads, run while a thread is switched
 *    out, are not in its frames.
 *
 * Single-threaded: the caller serialises every call (QEMU runs all vCPUs on one host thread
 * under -icount).
 */
#ifndef ARCHIPROF_CALLSTACK_H
#define ARCHIPROF_CALLSTACK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Where a block of code runs: the kernel (calls tracked), the firmware (transparent), or
 * anything else (user code, and the kernel's first instructions at physical addresses). */
enum cs_class { CS_OTHER, CS_KERNEL, CS_FIRMWARE };

#define CS_MAX_TRAPS 4

/* [lo, hi): addresses where a trap's first block may start. */
struct cs_range {
	uint64_t lo, hi;
};

struct cs_config {
	unsigned int vcpus;     /* vCPU indexes are 0 .. vcpus - 1 */
	struct cs_range traps[CS_MAX_TRAPS]; /* the trap entries: a trap starts its first block there */
	unsigned int ntraps;
	uint64_t thread_start;  /* where a new thread's context resumes (0: none) */
};

/* Counters of what the model could not match; printed with the profile ("S name value"). */
struct cs_stats {
	uint64_t switches;          /* context switches followed */
	uint64_t threads;           /* stacks created: threads seen, the boot stacks included */
	uint64_t unmatched_returns; /* a return to no frame of the stack (frame entered unseen) */
	uint64_t bare_trap_returns; /* sret with no trap frame: a new thread's first return to user */
	uint64_t resets;            /* a stack emptied because it could not be right */
	uint64_t stale_stacks;      /* a dead thread's stack found under a reused context address */
	uint64_t max_depth;
};

/* Set up for @cfg. Returns 0, or -1 if memory is short or @cfg has more than CS_MAX_TRAPS. */
int cs_init(const struct cs_config *cfg);

/* @n instructions ran on @vcpu since the last charge, in its current innermost frame; they count
 * only if @in_window. Call before every other event, for the vCPU that ran them. */
void cs_charge(unsigned int vcpu, uint64_t n, bool in_window);

/* Whether a block starting at @pc is a trap's first (cs_init's configuration). */
bool cs_is_trap_entry(uint64_t pc);

/* A block of code of class @cls starts at @pc on @vcpu. */
void cs_block(unsigned int vcpu, uint64_t pc, enum cs_class cls, bool in_window);

/* The block ends with a call returning to @ret / a return / a trap return: settled by the next
 * block of the same vCPU. */
void cs_call(unsigned int vcpu, uint64_t ret);
void cs_ret(unsigned int vcpu);
void cs_trap_return(unsigned int vcpu);

/* The context switch saves the outgoing thread at @key / loads the incoming thread from @key.
 * cs_switch_to makes the incoming thread's stack current on @vcpu. */
void cs_switch_from(unsigned int vcpu, uint64_t key);
void cs_switch_to(unsigned int vcpu, uint64_t key);

/* End of the run: every frame still open on any stack ends now. */
void cs_finish(void);

/* Print the tree, "N id parent fn calls inclusive self" (node 0 is the root of every stack,
 * with fn 0), nodes with nothing counted left out, then the counters as "S name value". */
void cs_write(FILE *out);

const struct cs_stats *cs_get_stats(void);

/* Free everything cs_init allocated. */
void cs_fini(void);

#endif
