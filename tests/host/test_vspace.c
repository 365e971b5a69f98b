/*
 * test_vspace.c - the STACK slot and MMAP zone allocators (mm/vspace.c) on the host.
 */
#include <libk/bits.h>
#include <libk/errno.h>
#include <mm/vseg.h>
#include <mm/vsl.h>
#include <mm/vspace.h>

#include "htest.h"

#include <stdlib.h>
#include <string.h>

#define PAGE  CONFIG_PAGE_SIZE
#define SLOT  VSPACE_STACK_SLOT_SIZE
#define URW   (VSEG_USER | VSEG_READ | VSEG_WRITE)

static vspace_stack_t stacks;
static vspace_mmap_t  mm;
static vsl_t          vsl;

/* A pool of ANON vsegs for the mmap tests. */
static vseg_t pool[64];
static int    pool_used;

static vseg_t *map(vaddr_t base, vaddr_t size)
{
	vseg_t *v = &pool[pool_used++];

	memset(v, 0, sizeof(*v));
	if (vseg_init(v, VSEG_TYPE_ANON, base, base + size, URW, 0, NULL) != 0 || vsl_insert(&vsl, v) != 0)
		abort();
	return v;
}

static void mmap_reset(vaddr_t zone_min, vaddr_t zone_max)
{
	vsl_init(&vsl);
	pool_used = 0;
	vspace_mmap_init(&mm, zone_min, zone_max);
}

/* ---- STACK slots ---- */

HT_TEST(stack_slots_are_handed_out_lowest_first_until_enomem)
{
	uint32_t slot;
	vaddr_t base, size;

	vspace_stack_init(&stacks);
	for (uint32_t i = 0; i < CONFIG_VMM_STACK_SLOTS; i++) {
		HT_REQUIRE(vspace_stack_alloc(&stacks, &slot, &base, &size) == 0);
		HT_CHECK(slot == i);
		HT_CHECK(base == CONFIG_VMM_STACK_BASE + i * SLOT + PAGE);
		HT_CHECK(size == SLOT - PAGE);
	}
	HT_CHECK(base + size == CONFIG_VMM_STACK_TOP);
	HT_CHECK(vspace_stack_used(&stacks) == CONFIG_VMM_STACK_SLOTS);
	HT_CHECK(vspace_stack_alloc(&stacks, &slot, &base, &size) == ENOMEM);

	vspace_stack_free(&stacks, 700);
	vspace_stack_free(&stacks, 5);
	HT_CHECK(vspace_stack_used(&stacks) == CONFIG_VMM_STACK_SLOTS - 2);
	HT_CHECK(vspace_stack_alloc(&stacks, &slot, &base, &size) == 0 && slot == 5);
	HT_CHECK(vspace_stack_alloc(&stacks, &slot, &base, &size) == 0 && slot == 700);
	HT_CHECK(vspace_stack_alloc(&stacks, &slot, &base, &size) == ENOMEM);
	for (uint32_t i = 0; i < CONFIG_VMM_STACK_SLOTS; i++)
		vspace_stack_free(&stacks, i);
	HT_CHECK(vspace_stack_used(&stacks) == 0);
	HT_CHECK(stacks.lock.holder == 0);
}

HT_TEST(stack_free_of_a_bad_or_free_slot_panics)
{
	uint32_t slot;
	vaddr_t base, size;

	vspace_stack_init(&stacks);
	HT_EXPECT_PANIC(vspace_stack_free(&stacks, 0));
	HT_EXPECT_PANIC(vspace_stack_free(&stacks, CONFIG_VMM_STACK_SLOTS));
	HT_REQUIRE(vspace_stack_alloc(&stacks, &slot, &base, &size) == 0);
	vspace_stack_free(&stacks, slot);
	HT_EXPECT_PANIC(vspace_stack_free(&stacks, slot)); /* double free */
	HT_CHECK(stacks.lock.holder == 0);  /* released before the panic */
	HT_CHECK(vspace_stack_used(&stacks) == 0);
}

HT_TEST(stack_guard_page_is_outside_the_stack_vseg)
{
	uint32_t s0, s1, found;
	vaddr_t b0, z0, b1, z1;
	vseg_t v0, v1;

	vspace_stack_init(&stacks);
	vsl_init(&vsl);
	HT_REQUIRE(vspace_stack_alloc(&stacks, &s0, &b0, &z0) == 0);
	HT_REQUIRE(vspace_stack_alloc(&stacks, &s1, &b1, &z1) == 0);
	memset(&v0, 0, sizeof(v0));
	memset(&v1, 0, sizeof(v1));
	HT_REQUIRE(vseg_init(&v0, VSEG_TYPE_STACK, b0, b0 + z0, URW, 0, NULL) == 0);
	HT_REQUIRE(vseg_init(&v1, VSEG_TYPE_STACK, b1, b1 + z1, URW, 0, NULL) == 0);
	HT_REQUIRE(vsl_insert(&vsl, &v0) == 0 && vsl_insert(&vsl, &v1) == 0);
	/* Slot 1's guard page lies right above slot 0's stack and is covered by no vseg. */
	HT_CHECK(b0 + z0 == b1 - PAGE);
	HT_CHECK(vsl_lookup(&vsl, b1 - 1) == NULL && vsl_lookup(&vsl, b1 - PAGE) == NULL);
	HT_CHECK(vsl_lookup(&vsl, b1) == &v1 && vsl_lookup(&vsl, b0 + z0 - 1) == &v0);
	HT_CHECK(vsl_lookup(&vsl, b0 - 1) == NULL);
	HT_CHECK(vspace_stack_slot_of(b1 - 1, &found) && found == s1); /* the guard is the slot's */
	HT_CHECK(vspace_stack_slot_of(b0, &found) && found == s0);
	HT_CHECK(!vspace_stack_slot_of(CONFIG_VMM_STACK_BASE - 1, &found));
	HT_CHECK(!vspace_stack_slot_of(CONFIG_VMM_STACK_TOP, &found));
	HT_CHECK(vspace_stack_slot_of(CONFIG_VMM_STACK_TOP - 1, &found) &&
		 found == CONFIG_VMM_STACK_SLOTS - 1);
	vspace_stack_free(&stacks, s0);
	vspace_stack_free(&stacks, s1);
}

/* ---- MMAP zone ---- */

#define Z      CONFIG_VMM_MMAP_BASE
#define ZP(n)  (Z + (vaddr_t)(n) * PAGE)

HT_TEST(mmap_first_fit_from_the_zone_start)
{
	vaddr_t base = 0;

	mmap_reset(CONFIG_VMM_MMAP_BASE, CONFIG_VMM_MMAP_END);
	HT_REQUIRE(vspace_mmap_alloc(&mm, &vsl, 4 * PAGE, 0, false, &base) == 0);
	HT_CHECK(base == ZP(0));
	map(base, 4 * PAGE);
	HT_REQUIRE(vspace_mmap_alloc(&mm, &vsl, PAGE, 0, false, &base) == 0);
	HT_CHECK(base == ZP(4));
	map(base, PAGE);
	/* A vseg below the zone does not matter; one straddling its start does. */
	map(Z - 2 * PAGE, PAGE);
	HT_REQUIRE(vspace_mmap_alloc(&mm, &vsl, PAGE, 0, false, &base) == 0 && base == ZP(5));
	HT_CHECK(mm.alloc_nr == 3 && mm.fail_nr == 0);
	HT_CHECK(mm.lock.holder == 0);
}

HT_TEST(mmap_hint_is_honoured_only_when_free_and_in_the_zone)
{
	vaddr_t base = 0;

	mmap_reset(ZP(0), ZP(64));
	map(ZP(10), 4 * PAGE);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(20), false, &base) == 0 && base == ZP(20));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(20) + 1, false, &base) == 0 &&
		 base == ZP(21)); /* rounded up */
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(8), false, &base) == 0 && base == ZP(8));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(14), false, &base) == 0 && base == ZP(14));
	/* Overlapping a vseg, below or across the zone end, outside it: first fit instead. */
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(9), false, &base) == 0 && base == ZP(0));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(13), false, &base) == 0 && base == ZP(0));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(63), false, &base) == 0 && base == ZP(0));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(62), false, &base) == 0 && base == ZP(62));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(0) - PAGE, false, &base) == 0 && base == ZP(0));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, CONFIG_VMM_ELF_DYN_BASE, false, &base) == 0 &&
		 base == ZP(0));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ~(vaddr_t)0, false, &base) == 0 && base == ZP(0));
}

HT_TEST(mmap_fixed_anywhere_below_the_stack_zone)
{
	vaddr_t base = 0;

	mmap_reset(ZP(0), ZP(64));
	map(ZP(10), 4 * PAGE);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE, CONFIG_VMM_USER_MIN, true, &base) == 0 &&
		 base == CONFIG_VMM_USER_MIN);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE, CONFIG_VMM_STACK_BASE - PAGE, true, &base) == 0);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(14), true, &base) == 0 && base == ZP(14));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(13), true, &base) == EEXIST);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(9), true, &base) == EEXIST);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE, CONFIG_VMM_USER_MIN - PAGE, true, &base) == ENOMEM);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, CONFIG_VMM_STACK_BASE - PAGE, true, &base) == ENOMEM);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE, CONFIG_VMM_STACK_BASE, true, &base) == ENOMEM);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE, CONFIG_VMM_USER_END, true, &base) == ENOMEM);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE, ~(vaddr_t)0 - PAGE + 1, true, &base) == ENOMEM);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE, ZP(20) + 8, true, &base) == EINVAL);
	HT_CHECK(mm.fail_nr == 7); /* EINVAL is checked before the allocator counts */
}

HT_TEST(mmap_bad_sizes_are_einval)
{
	vaddr_t base = 0;

	mmap_reset(ZP(0), ZP(64));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 0, 0, false, &base) == EINVAL);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE + 1, 0, false, &base) == EINVAL);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 100, ZP(3), true, &base) == EINVAL);
	HT_CHECK(mm.alloc_nr == 0 && mm.fail_nr == 0);
}

HT_TEST(mmap_zone_exhaustion_is_enomem)
{
	vaddr_t base = 0;

	mmap_reset(ZP(0), ZP(16));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 17 * PAGE, 0, false, &base) == ENOMEM);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, ~(vaddr_t)0 - PAGE + 1, 0, false, &base) == ENOMEM);
	HT_REQUIRE(vspace_mmap_alloc(&mm, &vsl, 16 * PAGE, 0, false, &base) == 0 && base == ZP(0));
	map(base, 16 * PAGE);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE, 0, false, &base) == ENOMEM);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE, ZP(3), false, &base) == ENOMEM);
	HT_CHECK(mm.alloc_nr == 1 && mm.fail_nr == 4);
	/* The whole default zone in one piece, then nothing left. */
	mmap_reset(CONFIG_VMM_MMAP_BASE, CONFIG_VMM_MMAP_END);
	HT_REQUIRE(vspace_mmap_alloc(&mm, &vsl, CONFIG_VMM_MMAP_END - CONFIG_VMM_MMAP_BASE, 0, false, &base) == 0);
	map(base, CONFIG_VMM_MMAP_END - CONFIG_VMM_MMAP_BASE);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE, 0, false, &base) == ENOMEM);
}

HT_TEST(mmap_fragmentation_then_reuse)
{
	vseg_t *v[16];
	vaddr_t base = 0;

	mmap_reset(ZP(0), ZP(64));
	for (int i = 0; i < 16; i++) {
		HT_REQUIRE(vspace_mmap_alloc(&mm, &vsl, 4 * PAGE, 0, false, &base) == 0);
		HT_CHECK(base == ZP(4 * i));
		v[i] = map(base, 4 * PAGE);
	}
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE, 0, false, &base) == ENOMEM);
	for (int i = 1; i < 16; i += 2) /* holes of 4 pages at 4, 12, 20, ... */
		vsl_remove(&vsl, v[i]);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 8 * PAGE, 0, false, &base) == ENOMEM);
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 4 * PAGE, 0, false, &base) == 0 && base == ZP(4));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, ZP(22), false, &base) == 0 && base == ZP(22));
	map(ZP(4), 3 * PAGE); /* the first hole keeps one page */
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, PAGE, 0, false, &base) == 0 && base == ZP(7));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 2 * PAGE, 0, false, &base) == 0 && base == ZP(12));
	/* Two neighbouring holes joined by removing the vseg between them. */
	vsl_remove(&vsl, v[6]); /* [24, 28): joins the holes at 20 and 28 into [20, 32) */
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 12 * PAGE, 0, false, &base) == 0 && base == ZP(20));
	HT_CHECK(vspace_mmap_alloc(&mm, &vsl, 13 * PAGE, 0, false, &base) == ENOMEM);
	HT_CHECK(vsl_check(&vsl));
}
