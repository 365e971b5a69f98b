/*
 * hal_remote.h - access to data of any cluster through an extended pointer.
 *
 * Every access to another cluster's data goes through these functions, so that remote traffic is
 * visible, countable (debug builds count accesses whose target is not local_cxy) and greppable.
 * They may be called from any core, in any context (IRQs on or off, locks held); they never sleep.
 *
 * Address translation: if GET_PTR(xp) lies in the kernel image window, the access reaches the same
 * object in cluster GET_CXY(xp)'s replica of the image; otherwise the pointer is used as is (direct
 * map, identical everywhere). GET_CXY(xp) must be an online cluster (asserted in debug builds).
 *
 * Loads and stores are single-copy atomic for naturally aligned operands. The atomics are sequentially
 * consistent (full fences on both sides). hal_remote_memcpy/memset/strcpy are not atomic.
 *
 * The loads, stores and atomics are inline: on the local path (the target is this cluster) an access
 * costs the translation's test and the access itself. The out-of-line functions are
 * hal/common/hal_remote.c's. What <arch/remote.h> provides (hal/<arch>/include/arch/remote.h: every
 * architecture takes the shared translation of hal_remote_replica.h there, parameterised by its
 * <arch/kmem.h>; the host tests have their own):
 *   void *hal_remote_kva(xptr_t xp)   static inline: the address that reaches @xp from this cluster
 *                                     (the replica's translation; debug builds count an access to
 *                                     another cluster and assert that it is online);
 *   HAL_REMOTE_LOAD(T, p), HAL_REMOTE_STORE(T, p, v)
 *                                     a plain load / store of type T at address p, single-copy
 *                                     atomic, never merged nor elided (volatile on a target).
 * Code outside the HAL never calls hal_remote_kva itself: every access is one of the functions below.
 */
#ifndef HAL_REMOTE_H
#define HAL_REMOTE_H

#include <hal_types.h>
#include <arch/remote.h>

static inline uint8_t hal_remote_lb(xptr_t xp)
{
	return HAL_REMOTE_LOAD(uint8_t, hal_remote_kva(xp));
}
static inline uint32_t hal_remote_l32(xptr_t xp)
{
	return HAL_REMOTE_LOAD(uint32_t, hal_remote_kva(xp));
}
static inline uint64_t hal_remote_l64(xptr_t xp)
{
	return HAL_REMOTE_LOAD(uint64_t, hal_remote_kva(xp));
}
/* load a pointer */
static inline void *hal_remote_lpt(xptr_t xp)
{
	return (void *)HAL_REMOTE_LOAD(uintptr_t, hal_remote_kva(xp));
}
/* load an extended pointer */
static inline xptr_t hal_remote_lxp(xptr_t xp)
{
	return HAL_REMOTE_LOAD(xptr_t, hal_remote_kva(xp));
}

static inline void hal_remote_sb(xptr_t xp, uint8_t value)
{
	HAL_REMOTE_STORE(uint8_t, hal_remote_kva(xp), value);
}
static inline void hal_remote_s32(xptr_t xp, uint32_t value)
{
	HAL_REMOTE_STORE(uint32_t, hal_remote_kva(xp), value);
}
static inline void hal_remote_s64(xptr_t xp, uint64_t value)
{
	HAL_REMOTE_STORE(uint64_t, hal_remote_kva(xp), value);
}
/* store a pointer */
static inline void hal_remote_spt(xptr_t xp, void *value)
{
	HAL_REMOTE_STORE(uintptr_t, hal_remote_kva(xp), (uintptr_t)value);
}
/* store an extended pointer */
static inline void hal_remote_sxp(xptr_t xp, xptr_t value)
{
	HAL_REMOTE_STORE(xptr_t, hal_remote_kva(xp), value);
}

/* Compare-and-swap: stores @new if the current value is @old; returns true if it did. */
static inline bool hal_remote_atomic_cas32(xptr_t xp, uint32_t old, uint32_t new)
{
	return __atomic_compare_exchange_n((uint32_t *)hal_remote_kva(xp), &old, new, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
static inline bool hal_remote_atomic_cas64(xptr_t xp, uint64_t old, uint64_t new)
{
	return __atomic_compare_exchange_n((uint64_t *)hal_remote_kva(xp), &old, new, false,
					   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

/* Fetch-and-op: apply the operation atomically and return the value *before* it. */
static inline uint32_t hal_remote_atomic_add32(xptr_t xp, int32_t inc)
{
	return __atomic_fetch_add((uint32_t *)hal_remote_kva(xp), (uint32_t)inc, __ATOMIC_SEQ_CST);
}
static inline uint64_t hal_remote_atomic_add64(xptr_t xp, int64_t inc)
{
	return __atomic_fetch_add((uint64_t *)hal_remote_kva(xp), (uint64_t)inc, __ATOMIC_SEQ_CST);
}
static inline uint32_t hal_remote_atomic_or32(xptr_t xp, uint32_t mask)
{
	return __atomic_fetch_or((uint32_t *)hal_remote_kva(xp), mask, __ATOMIC_SEQ_CST);
}
static inline uint32_t hal_remote_atomic_and32(xptr_t xp, uint32_t mask)
{
	return __atomic_fetch_and((uint32_t *)hal_remote_kva(xp), mask, __ATOMIC_SEQ_CST);
}
static inline uint64_t hal_remote_atomic_or64(xptr_t xp, uint64_t mask)
{
	return __atomic_fetch_or((uint64_t *)hal_remote_kva(xp), mask, __ATOMIC_SEQ_CST);
}

/* Copy @size bytes between any two clusters (regions must not overlap). */
void hal_remote_memcpy(xptr_t dst, xptr_t src, size_t size);
void hal_remote_memset(xptr_t dst, int byte, size_t size);
/* Copy the NUL-terminated string at @src to @dst, at most @size bytes including the NUL; the
 * result is always terminated when size > 0. Returns the length copied (without the NUL). */
size_t hal_remote_strcpy(xptr_t dst, xptr_t src, size_t size);

/*
 * The index of the first of the @n naturally aligned 64-bit words at @xp whose value has a bit of
 * @mask set, or @n if none: a scan of a table of any cluster in one call (the page tables' walks and
 * iterators). Each word is read once, single-copy atomic; the scan as a whole is not atomic.
 */
size_t hal_remote_find64(xptr_t xp, size_t n, uint64_t mask);

/* Number of accesses this cluster made to other clusters (0 in release builds). */
uint64_t hal_remote_count(void);

#endif /* HAL_REMOTE_H */
