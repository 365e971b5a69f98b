/*
 * test_callstack.c - the profiler's call-stack model (callstack.c) on synthetic runs: each case
 * plays the events QEMU would report for a small scenario and checks the tree's figures.
 */
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callstack.h"

#define TRAP   0xffffffff80001000ULL
#define START  0xffffffff80002000ULL      /* a new thread's first instructions */
#define FN_A   0xffffffff80010000ULL
#define FN_B   0xffffffff80020000ULL
#define FN_C   0xffffffff80030000ULL
#define USER   0x10000ULL
#define FW     0x80001000ULL

struct node {
	unsigned int id, parent;
	unsigned long long fn, calls, incl, self;
};

static struct node tree[256];
static unsigned int ntree;
static unsigned int failures;

#define CHECK(cond)                                                                               \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			fprintf(stderr, "%s:%d: %s: check failed: %s\n", __FILE__, __LINE__,     \
				__func__, #cond);                                                 \
			failures++;                                                               \
		}                                                                                 \
	} while (0)

static void start(unsigned int vcpus)
{
	struct cs_config cfg = { .vcpus = vcpus, .traps = { { TRAP, TRAP + 1 } }, .ntraps = 1,
				  .thread_start = START };

	if (cs_init(&cfg) != 0) {
		fprintf(stderr, "cs_init failed\n");
		exit(1);
	}
}

/* Finish the run and read the tree back from cs_write's output. */
static void finish(void)
{
	char *text = NULL, *line, *save;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	cs_finish();
	cs_write(f);
	fclose(f);
	ntree = 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct node *n = &tree[ntree];

		if (line[0] == 'N' && ntree < 256 &&
		    sscanf(line, "N %u %u %llx %llu %llu %llu", &n->id, &n->parent, &n->fn, &n->calls,
			   &n->incl, &n->self) == 6)
			ntree++;
	}
	free(text);
}

/* The node reached from the root by the functions of the 0-terminated @path. */
static const struct node *find(const unsigned long long *path)
{
	unsigned int at = 0;
	const struct node *found = NULL;

	for (; *path; path++) {
		found = NULL;
		for (unsigned int i = 0; i < ntree; i++)
			if (tree[i].id != 0 && tree[i].parent == at && tree[i].fn == *path)
				found = &tree[i];
		if (found == NULL)
			return NULL;
		at = found->id;
	}
	return found;
}

#define NODE(...) find((const unsigned long long[]){ __VA_ARGS__, 0 })

static const struct node *root(void)
{
	for (unsigned int i = 0; i < ntree; i++)
		if (tree[i].id == 0)
			return &tree[i];
	return NULL;
}

/* A block of @n instructions at @pc: the event, then its instructions. */
static void block(unsigned int vcpu, unsigned long long pc, enum cs_class cls, unsigned long long n)
{
	cs_block(vcpu, pc, cls, true);
	cs_charge(vcpu, n, true);
}

/* user (10) -> trap (5) -> A: 4, calls B (7), 3 more -> sret -> user (10) */
static void test_syscall(void)
{
	start(1);
	block(0, USER, CS_OTHER, 10);
	block(0, TRAP, CS_KERNEL, 5);
	cs_call(0, TRAP + 8);
	block(0, FN_A, CS_KERNEL, 4);
	cs_call(0, FN_A + 16);
	block(0, FN_B, CS_KERNEL, 7);
	cs_ret(0);
	block(0, FN_A + 16, CS_KERNEL, 3);
	cs_ret(0);
	block(0, TRAP + 8, CS_KERNEL, 2);
	cs_trap_return(0);
	block(0, USER + 4, CS_OTHER, 10);
	finish();
	const struct node *t = NODE(TRAP), *a = NODE(TRAP, FN_A), *b = NODE(TRAP, FN_A, FN_B);

	CHECK(t && t->calls == 1 && t->incl == 21 && t->self == 7);
	CHECK(a && a->calls == 1 && a->incl == 14 && a->self == 7);
	CHECK(b && b->calls == 1 && b->incl == 7 && b->self == 7);
	CHECK(root() && root()->self == 20);
	CHECK(cs_get_stats()->unmatched_returns == 0 && cs_get_stats()->resets == 0);
	cs_fini();
}

/* An interrupt between a call and its callee's first block: the callee is still the caller's
 * child, and the interrupt's frames are under the trap, not under the callee. */
static void test_interrupt_after_call(void)
{
	start(1);
	block(0, TRAP, CS_KERNEL, 1);           /* a syscall */
	cs_call(0, TRAP + 8);
	block(0, FN_A, CS_KERNEL, 2);
	cs_call(0, FN_A + 4);                   /* A calls B ... */
	block(0, TRAP, CS_KERNEL, 3);           /* ... and a timer interrupt comes first */
	cs_call(0, TRAP + 8);
	block(0, FN_C, CS_KERNEL, 4);
	cs_ret(0);
	block(0, TRAP + 8, CS_KERNEL, 1);
	cs_trap_return(0);
	block(0, FN_B, CS_KERNEL, 5);           /* B's first block at last */
	cs_ret(0);
	block(0, FN_A + 4, CS_KERNEL, 1);
	finish();
	const struct node *b = NODE(TRAP, FN_A, FN_B), *irq = NODE(TRAP, FN_A, TRAP);

	CHECK(b && b->calls == 1 && b->incl == 5);
	CHECK(irq && irq->calls == 1 && irq->incl == 8);
	CHECK(NODE(TRAP, FN_A, TRAP, FN_C) && NODE(TRAP, FN_A, TRAP, FN_C)->incl == 4);
	CHECK(NODE(TRAP, FN_A, FN_B, TRAP) == NULL);
	CHECK(cs_get_stats()->unmatched_returns == 0);
	cs_fini();
}

/* A new thread's first return to user mode (no trap frame: its kernel stack was made, not
 * trapped into), and the first user instruction faults at fetch, before any user block: the fault
 * nests on the kernel frames, and its return settles the first return, which empties the stack. */
static void test_first_return_faults(void)
{
	start(1);
	cs_call(0, START + 4);
	block(0, FN_A, CS_KERNEL, 2);           /* the new thread's entry ... */
	cs_call(0, FN_A + 4);
	block(0, FN_B, CS_KERNEL, 3);           /* ... resumes a made-up frame: sret */
	cs_trap_return(0);
	block(0, TRAP, CS_KERNEL, 4);           /* instruction page fault at the user PC */
	cs_trap_return(0);
	block(0, USER, CS_OTHER, 5);
	block(0, TRAP, CS_KERNEL, 1);           /* a system call finds an empty kernel stack */
	cs_trap_return(0);
	block(0, USER + 4, CS_OTHER, 1);
	finish();
	CHECK(NODE(FN_A, FN_B, TRAP) && NODE(FN_A, FN_B, TRAP)->incl == 4);
	CHECK(NODE(FN_A) && NODE(FN_A)->incl == 9);
	CHECK(NODE(TRAP) && NODE(TRAP)->calls == 1 && NODE(TRAP)->incl == 1);
	CHECK(cs_get_stats()->bare_trap_returns == 1 && cs_get_stats()->resets == 0);
	cs_fini();
}

/* Thread X (context 0x100) switches to a new thread Y (0x200), which calls C and switches back:
 * X's frames do not count Y's instructions, and Y's stack resumes where it left off. */
static void test_context_switch(void)
{
	start(1);
	block(0, TRAP, CS_KERNEL, 1);
	cs_call(0, TRAP + 8);
	block(0, FN_A, CS_KERNEL, 2);           /* A = the switch function, in thread X */
	cs_switch_from(0, 0x100);
	cs_switch_to(0, 0x200);
	cs_ret(0);
	block(0, START, CS_KERNEL, 3);          /* Y starts */
	cs_call(0, START + 8);
	block(0, FN_C, CS_KERNEL, 4);
	cs_call(0, FN_C + 8);
	block(0, FN_A, CS_KERNEL, 5);           /* Y calls the switch */
	cs_switch_from(0, 0x200);
	cs_switch_to(0, 0x100);
	cs_ret(0);
	block(0, TRAP + 8, CS_KERNEL, 6);       /* back in X, after its call of A */
	cs_trap_return(0);
	block(0, USER, CS_OTHER, 1);
	finish();
	const struct node *xa = NODE(TRAP, FN_A), *t = NODE(TRAP);

	CHECK(xa && xa->incl == 2);             /* X's A: its own 2, not Y's 12 */
	CHECK(t && t->incl == 9);
	CHECK(NODE(FN_C) && NODE(FN_C)->incl == 9 && NODE(FN_C, FN_A)->incl == 5);
	CHECK(cs_get_stats()->switches == 2 && cs_get_stats()->threads == 2);
	CHECK(cs_get_stats()->unmatched_returns == 0 && cs_get_stats()->stale_stacks == 0);
	cs_fini();
}

/* A thread ends inside the switch; a new thread gets its context address: the dead stack's
 * frames end, and the new thread's stack starts empty. */
static void test_reused_context(void)
{
	start(1);
	cs_call(0, START + 4);
	block(0, FN_A, CS_KERNEL, 1);           /* boot stack calls A (the switch) */
	cs_switch_from(0, 0x100);
	cs_switch_to(0, 0x300);                 /* to a new thread */
	cs_ret(0);
	block(0, START, CS_KERNEL, 1);
	cs_call(0, START + 8);
	block(0, FN_B, CS_KERNEL, 1);           /* it exits: switches away for ever */
	cs_switch_from(0, 0x300);
	cs_switch_to(0, 0x100);
	cs_ret(0);
	block(0, START + 4, CS_KERNEL, 1);      /* the boot stack's A returns */
	cs_call(0, START + 12);
	block(0, FN_A, CS_KERNEL, 1);
	cs_switch_from(0, 0x100);
	cs_switch_to(0, 0x300);                 /* a new thread at the dead one's address */
	cs_ret(0);
	block(0, START, CS_KERNEL, 1);
	cs_call(0, START + 8);
	block(0, FN_C, CS_KERNEL, 1);
	finish();
	CHECK(cs_get_stats()->stale_stacks == 1);
	CHECK(NODE(FN_C) && NODE(FN_C)->calls == 1); /* on an empty stack, not under B */
	CHECK(NODE(FN_B) && NODE(FN_B)->incl == 1);
	CHECK(cs_get_stats()->unmatched_returns == 0);
	cs_fini();
}

/* Only window instructions and window calls count; firmware blocks settle nothing. */
static void test_window_and_firmware(void)
{
	start(1);
	cs_block(0, TRAP, CS_KERNEL, false);
	cs_charge(0, 100, false);
	cs_call(0, TRAP + 8);
	cs_block(0, FW, CS_FIRMWARE, false);    /* an M-mode interrupt before the callee */
	cs_charge(0, 50, false);
	cs_block(0, FN_A, CS_KERNEL, true);     /* the window opened meanwhile */
	cs_charge(0, 7, true);
	cs_block(0, FW + 64, CS_FIRMWARE, true); /* an SBI call from A */
	cs_charge(0, 3, true);
	cs_ret(0);
	cs_block(0, TRAP + 8, CS_KERNEL, true);
	cs_charge(0, 1, false);                 /* closed again */
	finish();
	const struct node *t = NODE(TRAP), *a = NODE(TRAP, FN_A);

	CHECK(t && t->calls == 0 && t->incl == 10 && t->self == 0);
	CHECK(a && a->calls == 1 && a->incl == 10 && a->self == 10);
	cs_fini();
}

/* Two vCPUs keep their own stacks; unmatched returns and runaway depth are counted, not fatal. */
static void test_vcpus_and_damage(void)
{
	start(2);
	block(0, TRAP, CS_KERNEL, 1);
	block(1, TRAP, CS_KERNEL, 1);
	cs_call(0, TRAP + 8);
	block(0, FN_A, CS_KERNEL, 2);
	cs_call(1, TRAP + 8);
	block(1, FN_B, CS_KERNEL, 3);
	cs_ret(0);
	block(0, TRAP + 8, CS_KERNEL, 1);
	cs_ret(1);
	block(1, FN_C, CS_KERNEL, 1);           /* returns nowhere known */
	for (int i = 0; i < 3000; i++) {
		cs_call(1, FN_C + 4);
		block(1, FN_C, CS_KERNEL, 1);
	}
	finish();
	CHECK(NODE(TRAP, FN_A) && NODE(TRAP, FN_A)->incl == 2);
	CHECK(NODE(TRAP, FN_B) && NODE(TRAP, FN_B)->calls == 1);
	CHECK(cs_get_stats()->unmatched_returns == 1);
	CHECK(cs_get_stats()->resets >= 2 && cs_get_stats()->max_depth == 1024);
	cs_fini();
}

/* x86_64's trap entries: a stub per IDT vector (a range) and the syscall instruction's entry.
 * user (3) -> syscall entry (1) -> A (2) -> an interrupt at stub 32 (1), which jumps to the common
 * code (2, no transfer) -> iretq -> A (1) -> ret -> entry (1) -> sysretq -> user (3). */
#define STUBS   0xffffffff80004000ULL
#define SYSCALL 0xffffffff80006000ULL
static void test_several_trap_entries(void)
{
	struct cs_config cfg = { .vcpus = 1, .ntraps = 2, .thread_start = START,
				 .traps = { { STUBS, STUBS + 256 * 16 }, { SYSCALL, SYSCALL + 1 } } };
	struct cs_config too_many = { .vcpus = 1, .ntraps = CS_MAX_TRAPS + 1 };

	CHECK(cs_init(&too_many) == -1);
	if (cs_init(&cfg) != 0) {
		fprintf(stderr, "cs_init failed\n");
		exit(1);
	}
	CHECK(cs_is_trap_entry(STUBS + 14 * 16) && cs_is_trap_entry(SYSCALL));
	CHECK(!cs_is_trap_entry(STUBS + 256 * 16) && !cs_is_trap_entry(SYSCALL + 1));
	block(0, USER, CS_OTHER, 3);
	block(0, SYSCALL, CS_KERNEL, 1);
	cs_call(0, SYSCALL + 8);
	block(0, FN_A, CS_KERNEL, 2);
	block(0, STUBS + 32 * 16, CS_KERNEL, 1);
	block(0, STUBS + 256 * 16 + 64, CS_KERNEL, 2); /* the common code, reached by a jump */
	cs_trap_return(0);
	block(0, FN_A + 8, CS_KERNEL, 1);
	cs_ret(0);
	block(0, SYSCALL + 8, CS_KERNEL, 1);
	cs_trap_return(0);
	block(0, USER + 2, CS_OTHER, 3);
	finish();
	const struct node *t = NODE(SYSCALL), *a = NODE(SYSCALL, FN_A);
	const struct node *irq = NODE(SYSCALL, FN_A, STUBS + 32 * 16);

	CHECK(t && t->calls == 1 && t->incl == 8 && t->self == 2);
	CHECK(a && a->calls == 1 && a->incl == 6 && a->self == 3);
	CHECK(irq && irq->calls == 1 && irq->incl == 3 && irq->self == 3);
	CHECK(root() && root()->self == 6);
	CHECK(cs_get_stats()->unmatched_returns == 0 && cs_get_stats()->resets == 0);
	cs_fini();
}

int main(void)
{
	test_syscall();
	test_interrupt_after_call();
	test_first_return_faults();
	test_context_switch();
	test_reused_context();
	test_window_and_firmware();
	test_vcpus_and_damage();
	test_several_trap_entries();
	if (failures) {
		fprintf(stderr, "test_callstack: %u checks failed\n", failures);
		return 1;
	}
	printf("test_callstack: all passed\n");
	return 0;
}
