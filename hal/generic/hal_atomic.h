/*
 * hal_atomic.h - atomic operations on *local* memory (this cluster's data or any direct-map
 * address the caller owns). For another cluster's data use hal_remote.h.
 * The read-modify-write operations are sequentially consistent; add, or and and return the value
 * before the operation, cas whether it stored. hal_atomic_load32 is an acquire load and
 * hal_atomic_store32 a release store.
 */
#ifndef HAL_ATOMIC_H
#define HAL_ATOMIC_H

#include <hal_types.h>

static inline uint32_t hal_atomic_add32(volatile uint32_t *p, int32_t inc)
{
	return __atomic_fetch_add(p, (uint32_t)inc, __ATOMIC_SEQ_CST);
}

static inline uint64_t hal_atomic_add64(volatile uint64_t *p, int64_t inc)
{
	return __atomic_fetch_add(p, (uint64_t)inc, __ATOMIC_SEQ_CST);
}

static inline bool hal_atomic_cas32(volatile uint32_t *p, uint32_t old, uint32_t new)
{
	return __atomic_compare_exchange_n(p, &old, new, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static inline uint32_t hal_atomic_or32(volatile uint32_t *p, uint32_t mask)
{
	return __atomic_fetch_or(p, mask, __ATOMIC_SEQ_CST);
}

static inline uint32_t hal_atomic_and32(volatile uint32_t *p, uint32_t mask)
{
	return __atomic_fetch_and(p, mask, __ATOMIC_SEQ_CST);
}

static inline uint32_t hal_atomic_load32(const volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void hal_atomic_store32(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

#endif /* HAL_ATOMIC_H */
