/*
 * arch/remote.h - the host tests' part of hal_remote.h (see hal_host.c): one address space, so an
 * extended pointer's pointer part is used as is, whatever its cluster.
 *
 * Loads are acquire and stores release, stronger than the kernel's contract, so that
 * ThreadSanitizer (which does not model stand-alone fences) sees the ordering that the fences of
 * the code under test provide on the target. tests/host/CMakeLists.txt puts this folder before
 * hal/riscv/include.
 */
#ifndef ARCH_REMOTE_H
#define ARCH_REMOTE_H

#include <hal_types.h>

#define HAL_REMOTE_LOAD(T, p)      __atomic_load_n((T *)(p), __ATOMIC_ACQUIRE)
#define HAL_REMOTE_STORE(T, p, v)  __atomic_store_n((T *)(p), (v), __ATOMIC_RELEASE)

static inline void *hal_remote_kva(xptr_t xp)
{
	return GET_PTR(xp);
}

#endif /* ARCH_REMOTE_H */
