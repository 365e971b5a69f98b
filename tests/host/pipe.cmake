# The arithmetic of a pipe's ring buffer (kernel/fs/pipe_ring.h); the pipe itself runs in the QEMU
# tests (user/test_pipe.c).
archipel_host_test(test_pipe_ring SOURCES test_pipe_ring.c)
