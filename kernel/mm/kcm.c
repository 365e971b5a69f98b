/*
 * kcm.c - slab caches of kernel objects, usable on any cluster (see kcm.h).
 *
 * A slab page is one PPM page of the kcm's cluster, its descriptor flagged PG_KCM with owner_xp the
 * kcm_t. The header (kcm_slab_t) sits at the start of the page, in slot 0; slot i (1 <= i <
 * PAGE_SIZE >> order) is the object at offset i << order. The bitmap has one bit per slot, set when
 * the slot is busy; slot 0 and any bit beyond the last slot are always set, so a slab is full when
 * the bitmap is all ones. Slab headers and kcm_t are only touched through hal_remote_*.
 */
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/busylock.h>
#include <libk/errno.h>
#include <libk/xlist.h>
#include <mm/failnth.h>
#include <mm/kcm.h>
#include <mm/page.h>
#include <mm/ppm.h>


_Static_assert(sizeof(kcm_slab_t) <= (1u << CONFIG_KCM_MIN_ORDER), "slab header fits in slot 0");
_Static_assert((CONFIG_PAGE_SIZE >> CONFIG_KCM_MIN_ORDER) <= 64, "one bitmap word per slab");
_Static_assert(CONFIG_KCM_MAX_ORDER < CONFIG_PAGE_SHIFT, "a slab holds at least one object");

#define KCM_F(kcm_xp, field)   XPTR_FIELD(kcm_xp, kcm_t, field)
#define KCM_LOCK(kcm_xp)       KCM_F(kcm_xp, lock)
#define SLAB_F(slab_xp, field) XPTR_FIELD(slab_xp, kcm_slab_t, field)
#define KCM_ROOT(kcm_xp, l)    (KCM_F(kcm_xp, root) + (l) * sizeof(xlist_entry_t))
#define KCM_NR(kcm_xp, l)      (KCM_F(kcm_xp, pages_nr) + (l) * sizeof(uint32_t))

static void xp_add32(xptr_t xp, int32_t delta)
{
	hal_remote_s32(xp, hal_remote_l32(xp) + (uint32_t)delta);
}

static void xp_add64(xptr_t xp, int64_t delta)
{
	hal_remote_s64(xp, hal_remote_l64(xp) + (uint64_t)delta);
}

/* Move the slab @slab_xp of @kcm_xp from the list @from to the head of the list @to. Caller
 * holds L. */
static void kcm_move(xptr_t kcm_xp, xptr_t slab_xp, enum kcm_list from, enum kcm_list to)
{
	kassert(remote_busylock_is_held_by_me(KCM_LOCK(kcm_xp)));
	xlist_unlink(SLAB_F(slab_xp, list));
	xp_add32(KCM_NR(kcm_xp, from), -1);
	xlist_add_first(KCM_ROOT(kcm_xp, to), SLAB_F(slab_xp, list));
	xp_add32(KCM_NR(kcm_xp, to), 1);
}

void kcm_init(kcm_t *kcm, uint32_t order)
{
	xptr_t kcm_xp = XPTR(local_cxy, kcm);

	kassert(order >= CONFIG_KCM_MIN_ORDER && order <= CONFIG_KCM_MAX_ORDER);
	kassert(cluster_kcm_xp(local_cxy, order) == kcm_xp);
	remote_busylock_init(KCM_LOCK(kcm_xp), "kcm", LOCK_KCM);
	hal_remote_s32(KCM_F(kcm_xp, order), order);
	hal_remote_s32(KCM_F(kcm_xp, objs_per_page), (uint32_t)(CONFIG_PAGE_SIZE >> order) - 1);
	for (uint32_t l = 0; l < KCM_LISTS_NR; l++) {
		xlist_root_init(KCM_ROOT(kcm_xp, l));
		hal_remote_s32(KCM_NR(kcm_xp, l), 0);
	}
	hal_remote_s64(KCM_F(kcm_xp, objs_used), 0);
	hal_remote_s64(KCM_F(kcm_xp, alloc_calls), 0);
	hal_remote_s64(KCM_F(kcm_xp, free_calls), 0);
}

/* Take a page from cluster @cxy's PPM and make it an empty slab of @kcm_xp in the active list.
 * Caller holds L. Returns the slab, XPTR_NULL if the PPM has no page. */
static xptr_t kcm_slab_create(xptr_t kcm_xp, cxy_t cxy)
{
	xptr_t page_xp;

	kassert(remote_busylock_is_held_by_me(KCM_LOCK(kcm_xp)));
	page_xp = ppm_remote_alloc_block(cxy, 0); /* kcm_remote_alloc counted the request */
	if (page_xp == XPTR_NULL)
		return XPTR_NULL;
	hal_remote_sxp(PAGE_XP(page_xp, owner_xp), kcm_xp);
	hal_remote_atomic_or32(PAGE_XP(page_xp, flags), PG_KCM);

	uint32_t objs = hal_remote_l32(KCM_F(kcm_xp, objs_per_page));
	uint64_t map = 1; /* slot 0: the header */
	if (objs + 1 < 64)
		map |= ~0ull << (objs + 1);
	xptr_t slab_xp = XPTR(cxy, ppm_page2kva(page_xp));
	hal_remote_s64(SLAB_F(slab_xp, busy_map), map);
	hal_remote_s32(SLAB_F(slab_xp, free_nr), objs);
	xlist_add_first(KCM_ROOT(kcm_xp, KCM_ACTIVE), SLAB_F(slab_xp, list));
	xp_add32(KCM_NR(kcm_xp, KCM_ACTIVE), 1);
	return slab_xp;
}

/* A slab of @kcm_xp with a free slot, in the active list: an active one, else a cached empty one,
 * else a new one. Caller holds L. XPTR_NULL if the PPM has no page. */
static xptr_t kcm_get_slab(xptr_t kcm_xp, cxy_t cxy)
{
	xptr_t entry_xp = xlist_first(KCM_ROOT(kcm_xp, KCM_ACTIVE));

	kassert(remote_busylock_is_held_by_me(KCM_LOCK(kcm_xp)));
	if (entry_xp != XPTR_NULL)
		return XLIST_ELEMENT(entry_xp, kcm_slab_t, list);
	entry_xp = xlist_first(KCM_ROOT(kcm_xp, KCM_EMPTY));
	if (entry_xp != XPTR_NULL) {
		xptr_t slab_xp = XLIST_ELEMENT(entry_xp, kcm_slab_t, list);

		kcm_move(kcm_xp, slab_xp, KCM_EMPTY, KCM_ACTIVE);
		return slab_xp;
	}
	return kcm_slab_create(kcm_xp, cxy);
}

/* One object of @kcm_xp (cluster @cxy, objects of 2^@order bytes), counted in objs_used; NULL if
 * the PPM has no page for a new slab. Caller holds L and counts the call in alloc_calls. */
static void *kcm_take(xptr_t kcm_xp, cxy_t cxy, uint32_t order)
{
	xptr_t slab_xp = kcm_get_slab(kcm_xp, cxy);

	kassert(remote_busylock_is_held_by_me(KCM_LOCK(kcm_xp)));
	if (slab_xp == XPTR_NULL)
		return NULL;
	uint64_t map = hal_remote_l64(SLAB_F(slab_xp, busy_map));
	kassert(map != ~0ull);
	uint32_t slot = (uint32_t)__builtin_ctzll(~map);
	uint32_t free_nr = hal_remote_l32(SLAB_F(slab_xp, free_nr)) - 1;
	hal_remote_s64(SLAB_F(slab_xp, busy_map), map | (1ull << slot));
	hal_remote_s32(SLAB_F(slab_xp, free_nr), free_nr);
	if (free_nr == 0)
		kcm_move(kcm_xp, slab_xp, KCM_ACTIVE, KCM_FULL);
	xp_add64(KCM_F(kcm_xp, objs_used), 1);
	return (char *)GET_PTR(slab_xp) + ((size_t)slot << order);
}

void *kcm_remote_alloc(cxy_t cxy, uint32_t order)
{
	kassert(order >= CONFIG_KCM_MIN_ORDER && order <= CONFIG_KCM_MAX_ORDER);
	if (failnth_should_fail()) /* the injection point of every kernel object */
		return NULL;
	xptr_t kcm_xp = cluster_kcm_xp(cxy, order);

	remote_busylock_acquire(KCM_LOCK(kcm_xp));
	void *obj = kcm_take(kcm_xp, cxy, order);
	if (obj)
		xp_add64(KCM_F(kcm_xp, alloc_calls), 1);
	remote_busylock_release(KCM_LOCK(kcm_xp));
	return obj;
}

/* The kcm of cluster @cxy owning the slab page of @obj; *@page_xp gets the page. Panics if @obj is
 * not in a slab page of one of @cxy's kcms. No lock: kcm_remote_free checks again under L. */
static xptr_t kcm_of_object(cxy_t cxy, const void *obj, xptr_t *page_xp)
{
	*page_xp = ppm_base2page(hal_kva_to_paddr(obj));
	if (*page_xp == XPTR_NULL || GET_CXY(*page_xp) != cxy)
		panic("%s: %p is not in the memory of cluster %x", __func__, obj, cxy);
	if (!(hal_remote_l32(PAGE_XP(*page_xp, flags)) & PG_KCM))
		panic("%s: %p of cluster %x is not in a slab page (double free or foreign pointer)",
		      __func__, obj, cxy);

	xptr_t kcm_xp = hal_remote_lxp(PAGE_XP(*page_xp, owner_xp));
	for (uint32_t order = CONFIG_KCM_MIN_ORDER; order <= CONFIG_KCM_MAX_ORDER; order++)
		if (kcm_xp == cluster_kcm_xp(cxy, order))
			return kcm_xp;
	panic("%s: the slab page of %p has no kcm of cluster %x (%llx)", __func__, obj, cxy,
	      (unsigned long long)kcm_xp);
}

/* Why @obj, in the slab @slab_xp of @kcm_xp (page @page_xp), cannot be freed, NULL if it can;
 * *@slot gets its slot. Caller holds L. */
static const char *kcm_check_free(xptr_t kcm_xp, xptr_t page_xp, xptr_t slab_xp, const void *obj,
				  uint32_t *slot)
{
	uint32_t order = hal_remote_l32(KCM_F(kcm_xp, order));
	uintptr_t offset = (uintptr_t)obj - (uintptr_t)GET_PTR(slab_xp);

	kassert(remote_busylock_is_held_by_me(KCM_LOCK(kcm_xp)));
	if (!(hal_remote_l32(PAGE_XP(page_xp, flags)) & PG_KCM) ||
	    hal_remote_lxp(PAGE_XP(page_xp, owner_xp)) != kcm_xp)
		return "the slab page was released (double free)";
	if (!IS_ALIGNED(offset, (uintptr_t)1 << order))
		return "not at an object boundary";
	*slot = (uint32_t)(offset >> order);
	if (*slot == 0)
		return "points at the slab header";
	if (!(hal_remote_l64(SLAB_F(slab_xp, busy_map)) & (1ull << *slot)))
		return "double free";
	return NULL;
}

/* After a free in @slab_xp, move it to the list its new free count calls for. Returns true if the
 * slab left the kcm and its page must be given back to the PPM. Caller holds L. */
static bool kcm_settle(xptr_t kcm_xp, xptr_t page_xp, xptr_t slab_xp, uint32_t free_nr)
{
	uint32_t objs = hal_remote_l32(KCM_F(kcm_xp, objs_per_page));

	kassert(remote_busylock_is_held_by_me(KCM_LOCK(kcm_xp)));
	if (free_nr == 1) /* it was full */
		kcm_move(kcm_xp, slab_xp, KCM_FULL, KCM_ACTIVE);
	if (free_nr < objs)
		return false;
	if (hal_remote_l32(KCM_NR(kcm_xp, KCM_EMPTY)) < CONFIG_KCM_EMPTY_PAGES_MAX) {
		kcm_move(kcm_xp, slab_xp, KCM_ACTIVE, KCM_EMPTY);
		return false;
	}
	xlist_unlink(SLAB_F(slab_xp, list));
	xp_add32(KCM_NR(kcm_xp, KCM_ACTIVE), -1);
	hal_remote_sxp(PAGE_XP(page_xp, owner_xp), XPTR_NULL);
	hal_remote_atomic_and32(PAGE_XP(page_xp, flags), ~PG_KCM);
	return true;
}

/*
 * Give @obj (slab page @page_xp of @kcm_xp) back, counted in objs_used and free_calls: panics
 * (after releasing L) if it cannot be freed. Returns true if its slab left the kcm and the page must
 * go back to the PPM. Caller holds L.
 */
static bool kcm_put(xptr_t kcm_xp, cxy_t cxy, xptr_t page_xp, void *obj)
{
	xptr_t slab_xp = XPTR(cxy, ppm_page2kva(page_xp));
	uint32_t slot = 0;
	const char *why = kcm_check_free(kcm_xp, page_xp, slab_xp, obj, &slot);

	kassert(remote_busylock_is_held_by_me(KCM_LOCK(kcm_xp)));
	if (why) {
		remote_busylock_release(KCM_LOCK(kcm_xp));
		panic("%s: %p of cluster %x (object size %u): %s", __func__, obj, cxy,
		      1u << hal_remote_l32(KCM_F(kcm_xp, order)), why);
	}
#ifndef NDEBUG
	/* Poison, as Linux's slab debugging: a use after free reads 0x6b... (a pointer into no
	 * memory, a lock of no class), which faults or asserts at once instead of going unseen. */
	hal_remote_memset(XPTR(cxy, obj), KCM_POISON, 1ul << hal_remote_l32(KCM_F(kcm_xp, order)));
#endif
	uint64_t map = hal_remote_l64(SLAB_F(slab_xp, busy_map));
	uint32_t free_nr = hal_remote_l32(SLAB_F(slab_xp, free_nr)) + 1;
	hal_remote_s64(SLAB_F(slab_xp, busy_map), map & ~(1ull << slot));
	hal_remote_s32(SLAB_F(slab_xp, free_nr), free_nr);
	xp_add64(KCM_F(kcm_xp, objs_used), -1);
	xp_add64(KCM_F(kcm_xp, free_calls), 1);
	return kcm_settle(kcm_xp, page_xp, slab_xp, free_nr);
}

void kcm_remote_free(cxy_t cxy, void *obj)
{
	xptr_t page_xp;
	xptr_t kcm_xp = kcm_of_object(cxy, obj, &page_xp);

	remote_busylock_acquire(KCM_LOCK(kcm_xp));
	if (kcm_put(kcm_xp, cxy, page_xp, obj))
		ppm_remote_free_pages(page_xp); /* lock order: kcm, then ppm */
	remote_busylock_release(KCM_LOCK(kcm_xp));
}

error_t kcm_remote_alloc_array(cxy_t cxy, uint32_t order, void **objs, uint32_t n)
{
	kassert(order >= CONFIG_KCM_MIN_ORDER && order <= CONFIG_KCM_MAX_ORDER);
	if (n == 0)
		return 0;
	if (failnth_should_fail()) /* one injection point: the array is one allocation */
		return ENOMEM;
	xptr_t kcm_xp = cluster_kcm_xp(cxy, order);
	uint32_t i;

	remote_busylock_acquire(KCM_LOCK(kcm_xp));
	for (i = 0; i < n && (objs[i] = kcm_take(kcm_xp, cxy, order)) != NULL; i++)
		;
	if (i == n) {
		xp_add64(KCM_F(kcm_xp, alloc_calls), n);
	} else {
		while (i--) { /* undone in reverse order; the frees are no calls of the caller's */
			xptr_t page_xp = ppm_base2page(hal_kva_to_paddr(objs[i]));

			if (kcm_put(kcm_xp, cxy, page_xp, objs[i]))
				ppm_remote_free_pages(page_xp);
			xp_add64(KCM_F(kcm_xp, free_calls), -1);
		}
	}
	remote_busylock_release(KCM_LOCK(kcm_xp));
	return i == n ? 0 : ENOMEM;
}

void kcm_remote_free_array(cxy_t cxy, void **objs, uint32_t n)
{
	uint32_t i = 0;

	while (i < n) { /* a run of objects of one kcm under one lock pair */
		xptr_t page_xp;
		xptr_t kcm_xp = kcm_of_object(cxy, objs[i], &page_xp);

		remote_busylock_acquire(KCM_LOCK(kcm_xp));
		do {
			if (kcm_put(kcm_xp, cxy, page_xp, objs[i]))
				ppm_remote_free_pages(page_xp); /* lock order: kcm, then ppm */
		} while (++i < n && kcm_of_object(cxy, objs[i], &page_xp) == kcm_xp);
		remote_busylock_release(KCM_LOCK(kcm_xp));
	}
}

void *kcm_alloc(uint32_t order)
{
	return kcm_remote_alloc(local_cxy, order);
}

void kcm_free(void *obj)
{
	kcm_remote_free(local_cxy, obj);
}

uint32_t kcm_remote_shrink(cxy_t cxy, uint32_t order)
{
	kassert(order >= CONFIG_KCM_MIN_ORDER && order <= CONFIG_KCM_MAX_ORDER);
	xptr_t kcm_xp = cluster_kcm_xp(cxy, order);
	xptr_t entry_xp;
	uint32_t released = 0;

	remote_busylock_acquire(KCM_LOCK(kcm_xp));
	while ((entry_xp = xlist_first(KCM_ROOT(kcm_xp, KCM_EMPTY))) != XPTR_NULL) {
		xptr_t slab_xp = XLIST_ELEMENT(entry_xp, kcm_slab_t, list);
		xptr_t page_xp = ppm_base2page(hal_kva_to_paddr(GET_PTR(slab_xp)));

		xlist_unlink(entry_xp);
		xp_add32(KCM_NR(kcm_xp, KCM_EMPTY), -1);
		hal_remote_sxp(PAGE_XP(page_xp, owner_xp), XPTR_NULL);
		hal_remote_atomic_and32(PAGE_XP(page_xp, flags), ~PG_KCM);
		ppm_remote_free_pages(page_xp);
		released++;
	}
	remote_busylock_release(KCM_LOCK(kcm_xp));
	return released;
}

void kcm_remote_stats(cxy_t cxy, uint32_t order, kcm_stats_t *out)
{
	kassert(order >= CONFIG_KCM_MIN_ORDER && order <= CONFIG_KCM_MAX_ORDER);
	xptr_t kcm_xp = cluster_kcm_xp(cxy, order);

	remote_busylock_acquire(KCM_LOCK(kcm_xp));
	out->order = hal_remote_l32(KCM_F(kcm_xp, order));
	out->objs_per_page = hal_remote_l32(KCM_F(kcm_xp, objs_per_page));
	out->objs_used = hal_remote_l64(KCM_F(kcm_xp, objs_used));
	out->full_pages = hal_remote_l32(KCM_NR(kcm_xp, KCM_FULL));
	out->active_pages = hal_remote_l32(KCM_NR(kcm_xp, KCM_ACTIVE));
	out->empty_pages = hal_remote_l32(KCM_NR(kcm_xp, KCM_EMPTY));
	out->pages = out->full_pages + out->active_pages + out->empty_pages;
	out->alloc_calls = hal_remote_l64(KCM_F(kcm_xp, alloc_calls));
	out->free_calls = hal_remote_l64(KCM_F(kcm_xp, free_calls));
	remote_busylock_release(KCM_LOCK(kcm_xp));
}

void kcm_display(cxy_t cxy)
{
	kcm_stats_t s;

	printk("KCM of cluster %x: size, objects in use, pages (full/active/empty)", cxy);
	for (uint32_t order = CONFIG_KCM_MIN_ORDER; order <= CONFIG_KCM_MAX_ORDER; order++) {
		kcm_remote_stats(cxy, order, &s);
		printk("  %5u bytes: %8llu objects, %u pages (%u/%u/%u)", 1u << order,
		       (unsigned long long)s.objs_used, s.pages, s.full_pages, s.active_pages,
		       s.empty_pages);
	}
}
