# Host tests of the scheduler's policy (kernel/kern/sched_policy.c): which thread a core runs next,
# over thread descriptors and lists built by the test (no scheduler, lock or context switch).
archipel_host_test(test_sched_policy SOURCES test_sched_policy.c kernel/kern/sched_policy.c)
