# Host tests of the pure part of signal delivery (kernel/kern/signal_policy.c): which signal is
# taken, the handler's mask, default actions, the alternate stack test, what a signal discards.
archipel_host_test(test_signal_policy SOURCES test_signal_policy.c kernel/kern/signal_policy.c)
