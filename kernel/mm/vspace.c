/*
 * vspace.c - the STACK slot and MMAP zone allocators of user virtual space (see vspace.h).
 */
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <mm/vseg.h>
#include <mm/vspace.h>

/* The user layout (the architecture's <arch/user_layout.h> and params.h), checked once here. */
#define PAGE_ALIGNED(x) (((x) & (CONFIG_PAGE_SIZE - 1)) == 0)
_Static_assert(PAGE_ALIGNED(CONFIG_VMM_USER_MIN) && PAGE_ALIGNED(CONFIG_VMM_USER_END) &&
	       PAGE_ALIGNED(CONFIG_VMM_ELF_DYN_BASE) && PAGE_ALIGNED(CONFIG_VMM_ELF_END) &&
	       PAGE_ALIGNED(CONFIG_VMM_MMAP_BASE) && PAGE_ALIGNED(CONFIG_VMM_MMAP_END) &&
	       PAGE_ALIGNED(CONFIG_VMM_STACK_BASE) && PAGE_ALIGNED(CONFIG_VMM_STACK_TOP),
	       "user zones are page aligned");
_Static_assert(0 < CONFIG_VMM_USER_MIN && CONFIG_VMM_USER_MIN <= CONFIG_VMM_ELF_DYN_BASE &&
	       CONFIG_VMM_ELF_DYN_BASE < CONFIG_VMM_ELF_END && CONFIG_VMM_ELF_END <= CONFIG_VMM_MMAP_BASE &&
	       CONFIG_VMM_MMAP_BASE < CONFIG_VMM_MMAP_END && CONFIG_VMM_MMAP_END <= CONFIG_VMM_STACK_BASE &&
	       CONFIG_VMM_STACK_BASE < CONFIG_VMM_STACK_TOP && CONFIG_VMM_STACK_TOP <= CONFIG_VMM_USER_END,
	       "user zones in increasing order");
_Static_assert(CONFIG_VMM_STACK_SLOTS > 0 && CONFIG_VMM_STACK_SLOTS % 64 == 0,
	       "stack bitmap made of whole words");
_Static_assert(CONFIG_VMM_STACK_PAGES >= 2, "a stack slot holds its guard page and one usable page");
_Static_assert(CONFIG_VMM_SIGTRAMP_BASE >= CONFIG_VMM_STACK_TOP && PAGE_ALIGNED(CONFIG_VMM_SIGTRAMP_BASE) &&
	       CONFIG_VMM_SIGTRAMP_BASE + CONFIG_PAGE_SIZE <= CONFIG_VMM_USER_END,
	       "the signal trampoline page lies above the stacks, in user space");
_Static_assert(CONFIG_VMM_USER_END <= CONFIG_VMM_USER_VA_END, "usable user space inside the user half");

/* ---- STACK slots ---- */

void vspace_stack_init(vspace_stack_t *stacks)
{
	busylock_init(&stacks->lock, "vspace.stack", LOCK_KSTACK);
	stacks->used = 0;
	for (uint32_t w = 0; w < ARRAY_SIZE(stacks->bitmap); w++)
		stacks->bitmap[w] = 0;
}

void vspace_stack_range(uint32_t slot, vaddr_t *base, vaddr_t *size)
{
	kassert(slot < CONFIG_VMM_STACK_SLOTS);
	*base = CONFIG_VMM_STACK_BASE + slot * VSPACE_STACK_SLOT_SIZE + CONFIG_PAGE_SIZE;
	*size = VSPACE_STACK_SLOT_SIZE - CONFIG_PAGE_SIZE;
}

error_t vspace_stack_alloc(vspace_stack_t *stacks, uint32_t *slot, vaddr_t *base, vaddr_t *size)
{
	uint32_t found = CONFIG_VMM_STACK_SLOTS;

	busylock_acquire(&stacks->lock);
	for (uint32_t w = 0; w < ARRAY_SIZE(stacks->bitmap); w++) {
		if (stacks->bitmap[w] != ~0ull) {
			uint32_t bit = (uint32_t)__builtin_ctzll(~stacks->bitmap[w]);

			stacks->bitmap[w] |= 1ull << bit;
			stacks->used++;
			found = w * 64 + bit;
			break;
		}
	}
	busylock_release(&stacks->lock);

	if (found == CONFIG_VMM_STACK_SLOTS)
		return ENOMEM;
	*slot = found;
	vspace_stack_range(found, base, size);
	return 0;
}

void vspace_stack_free(vspace_stack_t *stacks, uint32_t slot)
{
	if (slot >= CONFIG_VMM_STACK_SLOTS)
		panic("%s: slot %u out of range (%u slots)", __func__, slot, CONFIG_VMM_STACK_SLOTS);

	uint64_t mask = 1ull << (slot % 64);

	busylock_acquire(&stacks->lock);
	if (!(stacks->bitmap[slot / 64] & mask)) {
		busylock_release(&stacks->lock);
		panic("%s: slot %u is not allocated", __func__, slot);
	}
	stacks->bitmap[slot / 64] &= ~mask;
	stacks->used--;
	busylock_release(&stacks->lock);
}

bool vspace_stack_slot_of(vaddr_t addr, uint32_t *slot)
{
	if (addr < CONFIG_VMM_STACK_BASE || addr >= CONFIG_VMM_STACK_TOP)
		return false;
	*slot = (uint32_t)((addr - CONFIG_VMM_STACK_BASE) / VSPACE_STACK_SLOT_SIZE);
	return true;
}

uint32_t vspace_stack_used(vspace_stack_t *stacks)
{
	busylock_acquire(&stacks->lock);
	uint32_t used = stacks->used;
	busylock_release(&stacks->lock);
	return used;
}

/* ---- MMAP zone ---- */

void vspace_mmap_init(vspace_mmap_t *mmap, vaddr_t zone_min, vaddr_t zone_max)
{
	kassert(PAGE_ALIGNED(zone_min) && PAGE_ALIGNED(zone_max) && zone_min < zone_max);
	busylock_init(&mmap->lock, "vspace.mmap", LOCK_KSTACK);
	mmap->min = zone_min;
	mmap->max = zone_max;
	mmap->alloc_nr = 0;
	mmap->fail_nr = 0;
}

/* True if [@base, @base + @size) lies inside [@lo, @hi) (no wrap-around) and is free in @vsl. */
static bool range_free_in(const vsl_t *vsl, vaddr_t base, vaddr_t size, vaddr_t lo, vaddr_t hi)
{
	if (base < lo || base > hi || hi - base < size)
		return false;
	return vsl_lookup_range(vsl, base, base + size) == NULL;
}

/* The decision of vspace_mmap_alloc, under the allocator's lock. */
static error_t mmap_choose(const vspace_mmap_t *mmap, const vsl_t *vsl, vaddr_t size, vaddr_t hint,
			   bool fixed, vaddr_t *base)
{
	if (fixed) {
		if (hint < CONFIG_VMM_USER_MIN || hint > CONFIG_VMM_STACK_BASE ||
		    CONFIG_VMM_STACK_BASE - hint < size)
			return ENOMEM;
		if (vsl_lookup_range(vsl, hint, hint + size) != NULL)
			return EEXIST;
		*base = hint;
		return 0;
	}
	if (hint != 0 && hint <= mmap->max) {
		vaddr_t h = ALIGN_UP(hint, (vaddr_t)CONFIG_PAGE_SIZE);

		if (range_free_in(vsl, h, size, mmap->min, mmap->max)) {
			*base = h;
			return 0;
		}
	}
	return vsl_find_gap(vsl, mmap->min, mmap->max, size, CONFIG_PAGE_SIZE, base);
}

error_t vspace_mmap_alloc(vspace_mmap_t *mmap, const vsl_t *vsl, vaddr_t size, vaddr_t hint,
			  bool fixed, vaddr_t *base)
{
	error_t err;

	if (size == 0 || !PAGE_ALIGNED(size) || (fixed && !PAGE_ALIGNED(hint)))
		return EINVAL;

	busylock_acquire(&mmap->lock);
	err = mmap_choose(mmap, vsl, size, hint, fixed, base);
	if (err == 0)
		mmap->alloc_nr++;
	else
		mmap->fail_nr++;
	busylock_release(&mmap->lock);
	return err;
}
