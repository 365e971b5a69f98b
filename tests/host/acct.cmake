# Host tests of the CPU time split (kernel/kern/acct.c, included by the test with a clock it sets):
# the tick's samples, acct=precise's exact split, figures that never go down.
archipel_host_test(test_acct SOURCES test_acct.c kernel/libk/cmdline.c)
