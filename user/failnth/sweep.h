/*
 * sweep.h - the fail-nth sweep (test_failnth): what an operation is, and the operations.
 *
 * An operation is one system call, or one access that takes one page fault, made right after
 * fail_nth_set(n) (almos.h), so that its n-th allocation fails. The sweep runs it for n = 1, 2, ...
 * until it succeeds without the failure having fired (fail_nth_get() > 0: it made fewer than n
 * allocations). At each step:
 *   - a failed call must answer one of the operation's errnos, and only if the failure fired;
 *   - whatever the answer, once the step is undone every cluster's memory figures are back at
 *     the baseline taken after a warm-up (memcheck.h): an error path that does not undo its work
 *     is a leak found there;
 *   - the call that succeeds does what it should (each operation checks its effect).
 */
#ifndef FAILNTH_SWEEP_H
#define FAILNTH_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#define SWEEP_ERRNOS_MAX 3
#define SWEEP_WRONG      (-1) /* a call's answer: it did not do what it promised */

struct sweep_op {
	const char *name;
	/* Unarmed preparation of one step (NULL: none); false if it failed (the sweep stops). */
	bool (*setup)(void);
	/*
	 * The call: arm with fail_nth_set(@n) (sweep_arm), make exactly one system call or fault,
	 * then say in *@fired whether the failure fired (sweep_fired). @n 0: a warm-up, unarmed.
	 * Returns 0, an errno (> 0), or SWEEP_WRONG when its effect is not what the call promised.
	 */
	int (*call)(unsigned long n, bool *fired);
	/* Put everything back as it was before setup (unarmed); false if that failed. */
	bool (*undo)(int result);
	int errnos[SWEEP_ERRNOS_MAX];   /* the answers allowed when the failure fired (0: end)  */
};

/* The operations, in ops_memory.c and ops_process.c; each table ends with a NULL name. */
extern const struct sweep_op sweep_memory_ops[];
extern const struct sweep_op sweep_process_ops[];

/* fail_nth_set(@n) (nothing armed for @n 0), and fail_nth_get() == 0 right after the call. */
void sweep_arm(unsigned long n);
bool sweep_fired(unsigned long n);

/* The machine, for the operations: clusters, and a cluster other than the caller's. */
extern unsigned int sweep_clusters;
unsigned int sweep_other_cluster(void);

/* argv[0] of the program, for the exec operation; and its --report mode (after an exec). */
extern const char *sweep_self_path;
#define SWEEP_EXEC_FIRED   201 /* exit status of --report: the exec's failure fired */
#define SWEEP_EXEC_UNFIRED 200 /* ... it did not */
int sweep_exec_report(void);

#endif /* FAILNTH_SWEEP_H */
