# The lock checker (kernel/libk/lockdep.c): its checks with CONFIG_DEBUG, as in the debug kernel,
# and its release stubs without it. test_lockdep.c defines lockdep_current() itself.
archipel_host_test(test_lockdep SOURCES test_lockdep.c kernel/libk/lockdep.c DEFINES CONFIG_DEBUG=1)
archipel_host_test(test_lockdep_release SOURCES test_lockdep.c kernel/libk/lockdep.c)
