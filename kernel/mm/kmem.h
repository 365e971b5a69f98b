/*
 * kmem.h - the kernel heap: objects of any size, in any cluster.
 *
 * kmem is a front end over the kcm caches and the PPM of a cluster:
 *   size <= 2^CONFIG_KCM_MAX_ORDER  -> one object of the kcm of the smallest order >= size
 *                                      (at least CONFIG_KCM_MIN_ORDER), aligned on 2^order;
 *   larger, up to KMEM_MAX_SIZE     -> a PPM block of the smallest order holding size bytes, its head
 *                                      page flagged PG_KMEM, aligned on its size.
 * kmem_remote_free finds which of the two an object is from its page descriptor, so callers never
 * pass the size back. Fault injection (mm/failnth.h) is counted by the allocator kmem calls, once
 * per kmem_remote_alloc.
 * Like kcm and ppm it may run on any core for any cluster, with IRQs on or off,
 * never sleeps, and takes only the target cluster's kcm and/or PPM locks.
 */
#ifndef MM_KMEM_H
#define MM_KMEM_H

#include <hal_types.h>
#include <params.h>

#define KMEM_ZERO     0x1u /* clear the object before returning it */

/* Largest object kmem hands out: one PPM block of the largest order. */
#define KMEM_MAX_SIZE ((size_t)CONFIG_PAGE_SIZE << CONFIG_PPM_MAX_ORDER)

/*
 * Allocate @size bytes in cluster @cxy's memory; @flags is 0 or KMEM_ZERO. Returns a direct-map
 * pointer, or NULL if @size is 0, larger than KMEM_MAX_SIZE, or the cluster's memory is exhausted.
 */
void *kmem_remote_alloc(cxy_t cxy, size_t size, uint32_t flags);

/*
 * Free @ptr, returned by kmem_remote_alloc(@cxy, ...); NULL is ignored. Panics with a clear message
 * if @ptr is not a live kmem object of cluster @cxy: foreign pointer, pointer inside an object,
 * double free.
 */
void kmem_remote_free(cxy_t cxy, void *ptr);

/*
 * Allocate @n objects of @size bytes (at most 2^CONFIG_KCM_MAX_ORDER: kcm objects) in the local
 * cluster into @objs[0..n), content undefined, under one kcm lock pair (kcm_remote_alloc_array):
 * all or nothing, ENOMEM with none allocated; EINVAL for a size 0 or above the kcm's.
 */
error_t kmem_alloc_array(size_t size, void **objs, uint32_t n);

/* Free @objs[0..n), local kcm objects (from kmem_alloc_array or small kmem_alloc calls), with
 * kcm_remote_free_array's lock pairs; panics as kmem_free does on anything else. */
void kmem_free_array(void **objs, uint32_t n);

/* The same in the local cluster (kmem_free panics on an object of another cluster). */
void *kmem_alloc(size_t size, uint32_t flags);
void  kmem_free(void *ptr);

#endif /* MM_KMEM_H */
