# The line discipline of the console (kernel/fs/tty.c): editing, echo, signal characters, raw
# mode, a full buffer. The console device around it (kernel/fs/console.c) runs in the QEMU tests
# (user/test_tty.c).
archipel_host_test(test_tty SOURCES test_tty.c kernel/fs/tty.c)
