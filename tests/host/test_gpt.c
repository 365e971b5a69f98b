/*
 * test_gpt.c - the generic page table (hal/common/hal_gpt.c), one PTE at a time, over simulated
 * page-table memory and the PTE format of the architecture the executable was built for
 * (gpt.cmake: Sv39, x86_64 4-level paging).
 *
 * The tables are pages of the simulated clusters' PPMs; the fixture (gpt_fixture.h) gives each
 * cluster a fake kernel root, the format as the architecture's manual states it and a walker of its
 * own, so the tests check the PTE layout in memory as well as what the API reports. Walks over
 * ranges (iterators, cursors, destroy) are test_gpt_walks.c's. Tests named tsan_* run host threads
 * as cores (host_lid per thread); gpt.tsan.cmake runs them under ThreadSanitizer.
 */
#include <hal_gpt.h>
#include <libk/errno.h>
#include <mm/ppm.h>

#include "gpt_fixture.h"
#include "htest.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE CONFIG_PAGE_SIZE

extern __thread lid_t host_lid; /* hal_host.c */

HT_TEST(create_copies_kernel_half_only)
{
	gpt_t gpt;
	uint64_t base;

	gfix_setup(1);
	base = gfix_free_pages(0);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	HT_CHECK(gpt.tables_nr == 1 && gfix_free_pages(0) == base - 1);
	HT_CHECK(gpt.root_pa == (paddr_t)(uintptr_t)gpt.root && cluster_of_paddr(gpt.root_pa) == 0);
	HT_CHECK(gpt.root != gfix_kroot[0]);
	HT_CHECK(gfix_kernel_half_ok(&gpt, 0));
	for (uint32_t i = 0; i < PTE_ROOT_USER_ENTRIES; i++)
		HT_CHECK(((pte_t *)gpt.root)[i] == 0);
	HT_CHECK(gfix_pte_is(XPTR(0, &gpt), 0, 0, 0));
	HT_CHECK(gfix_pte_is(XPTR(0, &gpt), VPN_END - 1, 0, 0));
	hal_gpt_destroy(&gpt);
	HT_CHECK(gpt.root == NULL && gpt.tables_nr == 0 && gfix_free_pages(0) == base);
	fix_teardown();
}

HT_TEST(every_attribute_combination_round_trips)
{
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	const vpn_t vpn = 0x12345;
	gpt_pte_t pte, again;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	uint32_t prev_attr = 0;
	ppn_t prev_ppn = 0;
	for (uint32_t combo = 0; combo < 512; combo++) {
		uint32_t attr = 0, a;
		ppn_t ppn = 0x80000 + combo * 7, p;

		for (uint32_t b = 0, bit = 1; bit <= GPT_LOCKED; bit <<= 1)
			if (GFIX_SETTABLE & bit)
				attr |= (combo >> b++ & 1) ? bit : 0;
		HT_REQUIRE(hal_gpt_lock_pte(xp, vpn, &pte, &a, &p) == 0);
		HT_CHECK(pte.vpn == vpn && GET_PTR(pte.xp) == gfix_raw_leaf(&gpt, vpn));
		HT_CHECK(a == prev_attr && p == prev_ppn); /* the previous state, without LOCKED */
		HT_CHECK(gfix_raw(&gpt, vpn) & gfix_arch.locked_bit);
		hal_gpt_pte_set(&pte, attr | GPT_MAPPED, ppn);
		HT_CHECK(gfix_pte_is(xp, vpn, gfix_attr(attr), ppn));

		/* the layout the architecture's manual gives, without the lock bit */
		pte_t raw = gfix_raw(&gpt, vpn);
		HT_CHECK(raw == gfix_arch.leaf(attr, ppn));
		HT_CHECK(!!(raw & gfix_arch.cow_bit) == !!(attr & GPT_COW));

		/* locked: get reports LOCKED; unlock leaves the PTE as it was */
		HT_REQUIRE(hal_gpt_lock_pte(xp, vpn, &again, &a, &p) == 0);
		HT_CHECK(again.xp == pte.xp && a == gfix_attr(attr) && p == ppn);
		HT_CHECK(gfix_pte_is(xp, vpn, gfix_attr(attr) | GPT_LOCKED, ppn));
		hal_gpt_pte_get(&again, &a, &p);
		HT_CHECK(a == (gfix_attr(attr) | GPT_LOCKED) && p == ppn);
		HT_CHECK(gfix_raw(&gpt, vpn) == (raw | gfix_arch.locked_bit));
		hal_gpt_pte_unlock(&again);
		HT_CHECK(gfix_raw(&gpt, vpn) == raw);
		prev_attr = gfix_attr(attr);
		prev_ppn = ppn;
	}
	/* GPT_LOCKED passed to set is ignored: set always releases */
	HT_REQUIRE(hal_gpt_lock_pte(xp, vpn, &pte, &prev_attr, &prev_ppn) == 0);
	hal_gpt_pte_set(&pte, GPT_MAPPED | GPT_READABLE | GPT_CACHABLE | GPT_LOCKED, 5);
	HT_CHECK(gfix_pte_is(xp, vpn, gfix_attr(GPT_READABLE | GPT_CACHABLE), 5));
	HT_CHECK(gpt.tables_nr == (uint32_t)LEVELS && gfix_tables_ok(&gpt, 0));
	HT_CHECK(gfix_kernel_half_ok(&gpt, 0));
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

HT_TEST(reset_update_and_store)
{
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	const uint32_t c = GPT_CACHABLE;
	gpt_pte_t h77, h78, h79;
	uint32_t a;
	ppn_t p;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	/* on a hole: nothing to lock, no table allocated */
	HT_CHECK(!hal_gpt_lock_pte_if_present(xp, 77, &h77, &a, &p));
	HT_CHECK(gpt.tables_nr == 1 && gfix_pte_is(xp, 77, 0, 0));

	HT_REQUIRE(gfix_map(xp, 77, GPT_READABLE | GPT_USER | c, 100) == 0);
	HT_REQUIRE(gfix_map(xp, 78, GPT_READABLE | GPT_WRITABLE | GPT_USER | c, 101) == 0);
	h77 = gfix_handle(xp, 77);
	h78 = gfix_handle(xp, 78);
	h79 = gfix_handle(xp, 79);
	hal_gpt_pte_update(&h77, GPT_MAPPED | GPT_READABLE | GPT_WRITABLE | GPT_USER | c, 200);
	HT_CHECK(gfix_pte_is(xp, 77, gfix_attr(GPT_READABLE | GPT_WRITABLE | GPT_USER | c), 200));
	hal_gpt_pte_update(&h77, GPT_MAPPED | GPT_EXECUTABLE | GPT_COW | c, 201);
	HT_CHECK(gfix_pte_is(xp, 77, gfix_attr(GPT_EXECUTABLE | GPT_COW | c), 201));
	hal_gpt_pte_reset(&h77);
	HT_CHECK(gfix_pte_is(xp, 77, 0, 0) && gfix_raw(&gpt, 77) == 0);
	hal_gpt_pte_update(&h77, GPT_MAPPED | GPT_READABLE | c, 5); /* unmapped: no effect */
	HT_CHECK(gfix_raw(&gpt, 77) == 0);
	hal_gpt_pte_reset(&h77);
	HT_CHECK(gfix_raw(&gpt, 77) == 0);
	hal_gpt_pte_store(&h79, GPT_MAPPED | GPT_READABLE | c, 7); /* store maps an empty PTE */
	HT_CHECK(gfix_pte_is(xp, 79, gfix_attr(GPT_READABLE | c), 7));
	hal_gpt_pte_store(&h79, GPT_MAPPED | GPT_WRITABLE | c, 8); /* and overwrites a mapped one */
	HT_CHECK(gfix_raw(&gpt, 79) == gfix_arch.leaf(GPT_WRITABLE | c, 8));
	HT_CHECK(gfix_pte_is(xp, 78, gfix_attr(GPT_READABLE | GPT_WRITABLE | GPT_USER | c), 101));

	/* all three keep the lock state: of a mapped PTE, of an unmapped one */
	HT_REQUIRE(hal_gpt_lock_pte(xp, 78, &h78, &a, &p) == 0);
	hal_gpt_pte_update(&h78, GPT_MAPPED | GPT_READABLE | c, 300);
	HT_CHECK(gfix_pte_is(xp, 78, gfix_attr(GPT_READABLE | c) | GPT_LOCKED, 300));
	hal_gpt_pte_reset(&h78);
	HT_CHECK(gfix_raw(&gpt, 78) == gfix_arch.locked_bit && gfix_pte_is(xp, 78, 0, 0));
	hal_gpt_pte_update(&h78, GPT_MAPPED | GPT_READABLE | c, 301);
	HT_CHECK(gfix_raw(&gpt, 78) == gfix_arch.locked_bit);
	hal_gpt_pte_store(&h78, GPT_MAPPED | GPT_READABLE | c, 302);
	HT_CHECK(gfix_raw(&gpt, 78) == (gfix_arch.leaf(GPT_READABLE | c, 302) | gfix_arch.locked_bit));
	hal_gpt_pte_reset(&h78);
	hal_gpt_pte_unlock(&h78);
	HT_CHECK(gfix_raw(&gpt, 78) == 0);

	/* releasing a PTE nobody locked is a bug */
	HT_EXPECT_PANIC(hal_gpt_pte_unlock(&h78));
	HT_EXPECT_PANIC(hal_gpt_pte_set(&h78, GPT_MAPPED, 1));
	HT_CHECK(gfix_raw(&gpt, 78) == 0 && gpt.tables_nr == (uint32_t)LEVELS);
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

HT_TEST(clear_and_protect)
{
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	const uint32_t c = GPT_CACHABLE, rw = GPT_READABLE | GPT_WRITABLE | GPT_USER | c;
	gpt_pte_t h40 = { 0 }, h41, h42;
	ppn_t p = 0;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	HT_REQUIRE(gfix_map(xp, 40, rw, 400) == 0);
	HT_REQUIRE(gfix_map(xp, 41, (rw & ~GPT_WRITABLE) | GPT_COW, 410) == 0); /* shared by a fork */
	h40 = gfix_handle(xp, 40);
	h41 = gfix_handle(xp, 41);
	h42 = gfix_handle(xp, 42);

	/* protect: new attributes on the same frame; copy-on-write stays so */
	HT_CHECK(hal_gpt_pte_protect(&h40, GPT_MAPPED | GPT_READABLE | GPT_USER | c));
	HT_CHECK(gfix_pte_is(xp, 40, gfix_attr(GPT_READABLE | GPT_USER | c), 400));
	HT_CHECK(hal_gpt_pte_protect(&h40, GPT_MAPPED | rw | GPT_EXECUTABLE));
	HT_CHECK(gfix_raw(&gpt, 40) == gfix_arch.leaf(rw | GPT_EXECUTABLE, 400));
	HT_CHECK(hal_gpt_pte_protect(&h41, GPT_MAPPED | rw));
	HT_CHECK(gfix_pte_is(xp, 41, gfix_attr((rw & ~GPT_WRITABLE) | GPT_COW), 410));
	HT_CHECK(hal_gpt_pte_protect(&h41, GPT_MAPPED | GPT_USER | c)); /* PROT_NONE */
	HT_CHECK(gfix_pte_is(xp, 41, gfix_attr(GPT_USER | c | GPT_COW), 410));
	HT_CHECK(!hal_gpt_pte_protect(&h42, GPT_MAPPED | rw)); /* unmapped: nothing */
	HT_CHECK(gfix_raw(&gpt, 42) == 0);

	/* clear: the frame it mapped, the entry zero; an unmapped one reports false */
	HT_CHECK(hal_gpt_pte_clear(&h40, &p) && p == 400);
	HT_CHECK(gfix_raw(&gpt, 40) == 0 && gfix_pte_is(xp, 40, 0, 0));
	p = 7;
	HT_CHECK(!hal_gpt_pte_clear(&h40, &p) && p == 7 && gfix_raw(&gpt, 40) == 0);
	HT_CHECK(hal_gpt_pte_clear(&h41, &p) && p == 410 && gfix_raw(&gpt, 41) == 0);
	HT_CHECK(!hal_gpt_pte_clear(&h42, &p));
	HT_CHECK(gpt.tables_nr == (uint32_t)LEVELS); /* tables are kept */
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

HT_TEST(vpn_boundaries)
{
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	const uint32_t c = GPT_CACHABLE;
	gpt_cursor_t cur;
	gpt_pte_t pte;
	uint32_t a = 1;
	ppn_t p = 1;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	HT_REQUIRE(gfix_map(xp, 0, GPT_READABLE | c, 10) == 0);
	HT_REQUIRE(gfix_map(xp, VPN_END - 1, GPT_READABLE | GPT_WRITABLE | c, 11) == 0);
	HT_CHECK(gfix_pte_is(xp, 0, gfix_attr(GPT_READABLE | c), 10));
	HT_CHECK(gfix_pte_is(xp, VPN_END - 1, gfix_attr(GPT_READABLE | GPT_WRITABLE | c), 11));
	/* the first and the last entry of each level */
	HT_CHECK(gfix_raw_leaf(&gpt, 0) != NULL && ((pte_t *)gpt.root)[0] & gfix_arch.table_bit);
	HT_CHECK(((pte_t *)gpt.root)[PTE_ROOT_USER_ENTRIES - 1] & gfix_arch.table_bit);
	HT_CHECK(gfix_raw_leaf(&gpt, VPN_END - 1) == &gfix_raw_leaf(&gpt, VPN_END - 512)[511]);
	HT_CHECK(gpt.tables_nr == 1 + 2 * (uint32_t)(LEVELS - 1));
	HT_CHECK(gfix_tables_ok(&gpt, 0) && gfix_kernel_half_ok(&gpt, 0));

	/* beyond user space */
	HT_CHECK(hal_gpt_lock_pte(xp, VPN_END, &pte, &a, &p) == EINVAL);
	HT_CHECK(hal_gpt_lock_pte(xp, ~(vpn_t)0, &pte, &a, &p) == EINVAL);
	HT_CHECK(!hal_gpt_lock_pte_if_present(xp, VPN_END, &pte, &a, &p));
	hal_gpt_get_pte(xp, VPN_END, &a, &p);
	HT_CHECK(a == 0 && p == 0);
	hal_gpt_cursor_init(&cur, xp);
	HT_CHECK(hal_gpt_cursor_pte(&cur, VPN_END, &pte) == EINVAL);
	HT_CHECK(hal_gpt_cursor_pte(&cur, VPN_END - 1, &pte) == 0 && pte.vpn == VPN_END - 1);
	HT_CHECK(gpt.tables_nr == 1 + 2 * (uint32_t)(LEVELS - 1) && gfix_kernel_half_ok(&gpt, 0));
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

HT_TEST(tables_are_counted_and_freed)
{
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	const uint32_t r = GPT_READABLE | GPT_CACHABLE;
	gpt_pte_t pte;
	uint64_t base;

	gfix_setup(1);
	base = gfix_free_pages(0);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	HT_REQUIRE(gfix_map(xp, 3 * L1_SPAN + 5, r, 1) == 0);          /* + the path to a leaf */
	HT_CHECK(gpt.tables_nr == (uint32_t)LEVELS);
	HT_REQUIRE(gfix_map(xp, 3 * L1_SPAN + 6, r, 2) == 0);          /* same leaf table      */
	HT_REQUIRE(gfix_map(xp, 3 * L1_SPAN + L0_SPAN - 1, r, 3) == 0);
	HT_CHECK(gpt.tables_nr == (uint32_t)LEVELS);
	HT_REQUIRE(gfix_map(xp, 3 * L1_SPAN + L0_SPAN, r, 4) == 0);    /* + L0                 */
	HT_CHECK(gpt.tables_nr == (uint32_t)LEVELS + 1);
	HT_REQUIRE(gfix_map(xp, 4 * L1_SPAN, r, 5) == 0);              /* + L1 + L0            */
	HT_CHECK(gpt.tables_nr == (uint32_t)LEVELS + 3);
	pte = gfix_handle(xp, 4 * L1_SPAN);
	hal_gpt_pte_reset(&pte);                                        /* tables kept          */
	HT_CHECK(gpt.tables_nr == (uint32_t)LEVELS + 3 && gfix_tables_ok(&gpt, 0));
	HT_REQUIRE(gfix_map(xp, VPN_END - 1, r, 6) == 0);              /* the other end        */
	HT_CHECK(gpt.tables_nr == 2 * (uint32_t)LEVELS + 2 && gfix_tables_ok(&gpt, 0));
	HT_CHECK(hal_gpt_cluster_tables(0) == gpt.tables_nr);
	HT_CHECK(gfix_free_pages(0) == base - gpt.tables_nr);
	hal_gpt_destroy(&gpt);
	HT_CHECK(gfix_free_pages(0) == base && gpt.tables_nr == 0 && hal_gpt_cluster_tables(0) == 0);
	fix_teardown();
}

HT_TEST(enomem_locks_and_leaks_nothing)
{
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt), *pages;
	gpt_cursor_t cur;
	gpt_pte_t pte;
	uint64_t base, nr;
	uint32_t a;
	ppn_t p;

	gfix_setup(1);
	base = gfix_free_pages(0);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	HT_REQUIRE(gfix_map(xp, 9, GPT_READABLE | GPT_WRITABLE, 42) == 0);
	/* a path of LEVELS - 1 missing tables: with fewer pages than that, nothing is installed */
	for (uint64_t leave = 0; leave < (uint64_t)LEVELS - 1; leave++) {
		pages = fix_hoard(0, leave, &nr);
		HT_CHECK(gfix_free_pages(0) == leave);
		HT_CHECK(hal_gpt_lock_pte(xp, 7 * ROOT_SPAN / 2 + 1, &pte, &a, &p) == ENOMEM);
		hal_gpt_cursor_init(&cur, xp);
		HT_CHECK(hal_gpt_cursor_pte(&cur, 7 * ROOT_SPAN / 2 + 1, &pte) == ENOMEM);
		HT_CHECK(gfix_raw_leaf(&gpt, 7 * ROOT_SPAN / 2 + 1) == NULL);
		HT_CHECK(gpt.tables_nr == (uint32_t)LEVELS && gfix_free_pages(0) == leave);
		fix_unhoard(pages, nr);
	}
	/* one page is enough when only the level-0 table is missing */
	pages = fix_hoard(0, 1, &nr);
	HT_CHECK(hal_gpt_lock_pte(xp, 9 + L0_SPAN, &pte, &a, &p) == 0 && a == 0);
	hal_gpt_pte_unlock(&pte);
	HT_CHECK(gfix_free_pages(0) == 0 && gpt.tables_nr == (uint32_t)LEVELS + 1);
	fix_unhoard(pages, nr);
	HT_CHECK(gfix_map(xp, 7 * ROOT_SPAN / 2 + 1, GPT_READABLE, 1) == 0);
	HT_CHECK(gpt.tables_nr == 2 * (uint32_t)LEVELS);
	HT_CHECK(gfix_tables_ok(&gpt, 0) && gfix_pte_is(xp, 9, gfix_attr(GPT_WRITABLE), 42));
	hal_gpt_destroy(&gpt);
	HT_CHECK(gfix_free_pages(0) == base);

	/* create fails cleanly too */
	pages = fix_hoard(0, 0, &nr);
	HT_CHECK(hal_gpt_create(&gpt) == ENOMEM);
	fix_unhoard(pages, nr);
	HT_CHECK(gfix_free_pages(0) == base);
	fix_teardown();
}

HT_TEST(set_cow_over_a_range_with_holes)
{
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	const uint32_t rw = GPT_READABLE | GPT_WRITABLE | GPT_USER;
	const uint32_t cow_rw = (gfix_attr(rw) & ~GPT_WRITABLE) | GPT_COW; /* rw after set_cow */
	const vpn_t lo = L1_SPAN - 3, hi = 3 * L1_SPAN + 2 * L0_SPAN + 10; /* [lo, hi) */
	const vpn_t rw_in[] = { lo, lo + 1, L1_SPAN, L1_SPAN + 511, 3 * L1_SPAN + 2 * L0_SPAN + 9 };
	const vpn_t ro_in[] = { lo + 2, 3 * L1_SPAN + 4 };
	const vpn_t rw_out[] = { lo - 1, hi, hi + 1, 0 };

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	for (size_t i = 0; i < sizeof(rw_in) / sizeof(rw_in[0]); i++)
		HT_REQUIRE(gfix_map(xp, rw_in[i], rw, 10 + i) == 0);
	for (size_t i = 0; i < sizeof(ro_in) / sizeof(ro_in[0]); i++)
		HT_REQUIRE(gfix_map(xp, ro_in[i], GPT_READABLE, 20 + i) == 0);
	for (size_t i = 0; i < sizeof(rw_out) / sizeof(rw_out[0]); i++)
		HT_REQUIRE(gfix_map(xp, rw_out[i], rw, 30 + i) == 0);
	uint32_t tables = gpt.tables_nr;

	hal_gpt_set_cow(xp, lo, 0);
	HT_CHECK(gfix_pte_is(xp, lo, gfix_attr(rw), 10));
	hal_gpt_set_cow(xp, lo, hi - lo);
	for (size_t i = 0; i < sizeof(rw_in) / sizeof(rw_in[0]); i++)
		HT_CHECK(gfix_pte_is(xp, rw_in[i], cow_rw, 10 + i));
	for (size_t i = 0; i < sizeof(ro_in) / sizeof(ro_in[0]); i++)
		HT_CHECK(gfix_pte_is(xp, ro_in[i], gfix_attr(GPT_READABLE), 20 + i));
	for (size_t i = 0; i < sizeof(rw_out) / sizeof(rw_out[0]); i++)
		HT_CHECK(gfix_pte_is(xp, rw_out[i], gfix_attr(rw), 30 + i));
	HT_CHECK(gpt.tables_nr == tables); /* holes are skipped, not filled */

	/* a range starting inside holes of each level */
	HT_REQUIRE(gfix_map(xp, 6 * L1_SPAN + 3, rw, 40) == 0);
	HT_REQUIRE(gfix_map(xp, 6 * L1_SPAN + L0_SPAN + 1, rw, 41) == 0);
	hal_gpt_set_cow(xp, 5 * L1_SPAN + 100, L1_SPAN);
	HT_CHECK(gfix_pte_is(xp, 6 * L1_SPAN + 3, cow_rw, 40));
	HT_CHECK(gfix_pte_is(xp, 6 * L1_SPAN + L0_SPAN + 1, gfix_attr(rw), 41));
	gpt_pte_t pte = gfix_handle(xp, 6 * L1_SPAN + 3);
	hal_gpt_pte_reset(&pte);
	hal_gpt_set_cow(xp, 6 * L1_SPAN + 2 * L0_SPAN - 7, 10); /* nothing there */
	hal_gpt_set_cow(xp, 6 * L1_SPAN + 7, L0_SPAN);
	HT_CHECK(gfix_pte_is(xp, 6 * L1_SPAN + L0_SPAN + 1, cow_rw, 41));
	tables += 3;

	/* the whole user space, in reasonable time thanks to the skipped holes */
	hal_gpt_set_cow(xp, 0, VPN_END);
	for (size_t i = 0; i < sizeof(rw_out) / sizeof(rw_out[0]); i++)
		HT_CHECK(gfix_pte_is(xp, rw_out[i], cow_rw, 30 + i));
	HT_CHECK(gpt.tables_nr == tables && gfix_kernel_half_ok(&gpt, 0));
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

HT_TEST(remote_gpt_through_its_xptr)
{
	gpt_t gpt1, gpt0;
	xptr_t xp1 = XPTR(1, &gpt1), xp0 = XPTR(0, &gpt0);
	const uint32_t r = GPT_READABLE | GPT_USER | GPT_CACHABLE;
	gpt_cursor_t cur;
	gpt_pte_t src, dst;
	uint64_t base0, base1;
	uint32_t a;
	ppn_t p;

	gfix_setup(2);
	base0 = gfix_free_pages(0);
	base1 = gfix_free_pages(1);
	HT_REQUIRE(gfix_create_in(1, &gpt1) == 0);
	HT_CHECK(gfix_kernel_half_ok(&gpt1, 1) && !gfix_kernel_half_ok(&gpt1, 0));
	local_cxy = 0; /* a core of cluster 0 works on cluster 1's GPT */
	for (vpn_t v = 0; v < 64; v++)
		HT_REQUIRE(gfix_map(xp1, v * 4099, r, 500 + v) == 0);
	for (vpn_t v = 0; v < 64; v++)
		HT_CHECK(gfix_pte_is(xp1, v * 4099, gfix_attr(r), 500 + v));
	HT_CHECK(gfix_tables_ok(&gpt1, 1) && gfix_free_pages(0) == base0);
	HT_CHECK(gfix_free_pages(1) == base1 - gpt1.tables_nr);

	/* and copies a PTE into a GPT of its own, as fork does */
	HT_REQUIRE(hal_gpt_create(&gpt0) == 0);
	HT_CHECK(gfix_kernel_half_ok(&gpt0, 0));
	HT_REQUIRE(hal_gpt_lock_pte_if_present(xp1, 4099, &src, &a, &p) && p == 501);
	hal_gpt_cursor_init(&cur, xp0);
	HT_REQUIRE(hal_gpt_cursor_pte(&cur, 4099, &dst) == 0);
	hal_gpt_pte_store(&dst, a, p);
	hal_gpt_pte_unlock(&src);
	HT_CHECK(gfix_raw(&gpt0, 4099) == gfix_raw(&gpt1, 4099));
	HT_CHECK(gfix_tables_ok(&gpt0, 0) && gfix_tables_ok(&gpt1, 1));

	hal_gpt_destroy(&gpt0);
	gfix_destroy_in(1, &gpt1);
	HT_CHECK(gfix_free_pages(0) == base0 && gfix_free_pages(1) == base1);
	fix_teardown();
}

/* ---- concurrency: host threads are cores (host_lid per thread) ---- */

static struct {
	xptr_t   gpt_xp;
	vpn_t    vpn;
	int      started, acquired, seq, release_seq, acquire_seq;
	uint32_t attr;
	ppn_t    ppn;
} blk;

static void *second_locker(void *arg)
{
	(void)arg;
	host_lid = 1;
	__atomic_store_n(&blk.started, 1, __ATOMIC_SEQ_CST);
	gpt_pte_t pte;

	if (hal_gpt_lock_pte(blk.gpt_xp, blk.vpn, &pte, &blk.attr, &blk.ppn) == 0) {
		blk.acquire_seq = __atomic_add_fetch(&blk.seq, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&blk.acquired, 1, __ATOMIC_SEQ_CST);
		hal_gpt_pte_unlock(&pte);
	}
	return NULL;
}

HT_TEST(tsan_lock_bit_blocks_a_second_locker)
{
	gpt_t gpt;
	gpt_pte_t pte;
	pthread_t t;
	uint32_t a;
	ppn_t p;
	const struct timespec ms20 = { 0, 20 * 1000 * 1000 };

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	memset(&blk, 0, sizeof(blk));
	blk.gpt_xp = XPTR(0, &gpt);
	blk.vpn = 0x777;
	/* lock an unmapped PTE: the lock bit alone */
	HT_REQUIRE(hal_gpt_lock_pte(blk.gpt_xp, blk.vpn, &pte, &a, &p) == 0 && a == 0);
	HT_CHECK(gfix_raw(&gpt, blk.vpn) == gfix_arch.locked_bit);
	HT_REQUIRE(pthread_create(&t, NULL, second_locker, NULL) == 0);
	while (!__atomic_load_n(&blk.started, __ATOMIC_SEQ_CST))
		nanosleep(&ms20, NULL);
	for (int i = 0; i < 5; i++) {
		nanosleep(&ms20, NULL);
		HT_CHECK(!__atomic_load_n(&blk.acquired, __ATOMIC_SEQ_CST));
	}
	blk.release_seq = __atomic_add_fetch(&blk.seq, 1, __ATOMIC_SEQ_CST);
	hal_gpt_pte_set(&pte, GPT_MAPPED | GPT_READABLE, 0x4242);
	pthread_join(t, NULL);
	HT_CHECK(blk.acquired && blk.acquire_seq > blk.release_seq);
	HT_CHECK(blk.attr == gfix_attr(GPT_READABLE) && blk.ppn == 0x4242); /* saw the set */
	HT_CHECK(gfix_pte_is(blk.gpt_xp, blk.vpn, gfix_attr(GPT_READABLE), 0x4242));
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

/* fork marks a copy's pages while a fault fills one: set_cow waits for that PTE's lock, then marks
 * what the fault wrote. */
static struct {
	xptr_t gpt_xp;
	vpn_t  base;
	int    done;
} cowwait;

static void *cow_marker(void *arg)
{
	(void)arg;
	host_lid = 1;
	hal_gpt_set_cow(cowwait.gpt_xp, cowwait.base, 8);
	__atomic_store_n(&cowwait.done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

HT_TEST(tsan_set_cow_waits_for_a_locked_pte)
{
	gpt_t gpt;
	gpt_pte_t pte;
	pthread_t t;
	uint32_t a;
	ppn_t p;
	const uint32_t rw = GPT_READABLE | GPT_WRITABLE;
	const uint32_t cow_rw = (gfix_attr(rw) & ~GPT_WRITABLE) | GPT_COW;
	const struct timespec ms20 = { 0, 20 * 1000 * 1000 };

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	cowwait.gpt_xp = XPTR(0, &gpt);
	cowwait.base = 0x900;
	cowwait.done = 0;
	HT_REQUIRE(gfix_map(cowwait.gpt_xp, cowwait.base, rw, 5) == 0);
	/* a fault holds the lock of an unmapped PTE of the range */
	HT_REQUIRE(hal_gpt_lock_pte(cowwait.gpt_xp, cowwait.base + 3, &pte, &a, &p) == 0 && a == 0);
	HT_REQUIRE(pthread_create(&t, NULL, cow_marker, NULL) == 0);
	for (int i = 0; i < 5; i++) {
		nanosleep(&ms20, NULL);
		HT_CHECK(!__atomic_load_n(&cowwait.done, __ATOMIC_SEQ_CST));
	}
	hal_gpt_pte_set(&pte, GPT_MAPPED | rw, 6); /* the fault ends */
	pthread_join(t, NULL);
	HT_CHECK(gfix_pte_is(cowwait.gpt_xp, cowwait.base, cow_rw, 5));
	HT_CHECK(gfix_pte_is(cowwait.gpt_xp, cowwait.base + 3, cow_rw, 6)); /* marked after the set */
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

/* munmap and mprotect of the reference while a copy's copy-on-write fault holds the PTE's lock and
 * swaps its frame: the clear returns the new frame, the protect applies to it. */
static struct {
	xptr_t gpt_xp;
	vpn_t  vpn;
	bool   protect; /* else clear */
	bool   result;
	ppn_t  ppn;
	int    done;
} cowrace;

static void *cow_racer(void *arg)
{
	gpt_pte_t pte = gfix_handle(cowrace.gpt_xp, cowrace.vpn);

	(void)arg;
	host_lid = 1;
	if (cowrace.protect)
		cowrace.result = hal_gpt_pte_protect(&pte, GPT_MAPPED | GPT_READABLE | GPT_CACHABLE);
	else
		cowrace.result = hal_gpt_pte_clear(&pte, &cowrace.ppn);
	__atomic_store_n(&cowrace.done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

HT_TEST(tsan_clear_and_protect_wait_for_the_lock_holder)
{
	const uint32_t rw = GPT_READABLE | GPT_WRITABLE | GPT_CACHABLE;
	const struct timespec ms20 = { 0, 20 * 1000 * 1000 };
	gpt_t gpt;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	for (int protect = 0; protect < 2; protect++) {
		gpt_pte_t pte;
		pthread_t t;
		uint32_t a;
		ppn_t p;

		memset(&cowrace, 0, sizeof(cowrace));
		cowrace.gpt_xp = XPTR(0, &gpt);
		cowrace.vpn = 0xa00 + protect;
		cowrace.protect = protect;
		HT_REQUIRE(gfix_map(cowrace.gpt_xp, cowrace.vpn, (rw & ~GPT_WRITABLE) | GPT_COW, 50) == 0);
		/* the copy-on-write fault takes the lock, then the change starts */
		HT_REQUIRE(hal_gpt_lock_pte(cowrace.gpt_xp, cowrace.vpn, &pte, &a, &p) == 0 && p == 50);
		HT_REQUIRE(pthread_create(&t, NULL, cow_racer, NULL) == 0);
		for (int i = 0; i < 5; i++) {
			nanosleep(&ms20, NULL);
			HT_CHECK(!__atomic_load_n(&cowrace.done, __ATOMIC_SEQ_CST));
		}
		hal_gpt_pte_set(&pte, GPT_MAPPED | rw, 51); /* its copy, writable */
		pthread_join(t, NULL);
		HT_CHECK(cowrace.result);
		if (protect)
			HT_CHECK(gfix_pte_is(cowrace.gpt_xp, cowrace.vpn,
					     gfix_attr(GPT_READABLE | GPT_CACHABLE), 51));
		else
			HT_CHECK(cowrace.ppn == 51 && gfix_raw(&gpt, cowrace.vpn) == 0);
	}
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

HT_TEST(lock_if_present)
{
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	gpt_pte_t pte;
	uint32_t a;
	ppn_t p;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	HT_REQUIRE(gfix_map(xp, 5 * L1_SPAN + 7, GPT_READABLE, 9) == 0);
	uint32_t tables = gpt.tables_nr;
	HT_CHECK(!hal_gpt_lock_pte_if_present(xp, 2 * L1_SPAN, &pte, &a, &p)); /* no table */
	HT_CHECK(!hal_gpt_lock_pte_if_present(xp, 5 * L1_SPAN + L0_SPAN, &pte, &a, &p));
	HT_CHECK(gpt.tables_nr == tables);
	HT_REQUIRE(hal_gpt_lock_pte_if_present(xp, 5 * L1_SPAN + 7, &pte, &a, &p));
	HT_CHECK(a == gfix_attr(GPT_READABLE) && p == 9 && pte.vpn == 5 * L1_SPAN + 7);
	hal_gpt_pte_unlock(&pte);
	HT_REQUIRE(hal_gpt_lock_pte_if_present(xp, 5 * L1_SPAN + 8, &pte, &a, &p)); /* no PTE */
	HT_CHECK(a == 0 && gfix_raw(&gpt, 5 * L1_SPAN + 8) == gfix_arch.locked_bit);
	hal_gpt_pte_unlock(&pte);
	HT_CHECK(gfix_raw(&gpt, 5 * L1_SPAN + 8) == 0);
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

/* The callers that may not wait for a PTE lock (IRQs masked: vmm_fork.c's for_each_copy) are told
 * that a PTE is busy instead, and the others are marked; the same call once it is free marks it. */
HT_TEST(try_variants_do_not_wait_for_a_locked_pte)
{
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	uint32_t rw = GPT_READABLE | GPT_WRITABLE;
	uint32_t cow_rw = (gfix_attr(rw) & ~GPT_WRITABLE) | GPT_COW;
	gpt_pte_t pte, held;
	uint32_t a;
	ppn_t p;

	gfix_setup(1);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	HT_REQUIRE(gfix_map(xp, 5 * L1_SPAN + 7, rw, 9) == 0);
	HT_REQUIRE(gfix_map(xp, 5 * L1_SPAN + 8, rw, 10) == 0);
	HT_CHECK(hal_gpt_try_lock_pte_if_present(xp, 2 * L1_SPAN, &pte, &a, &p) == GPT_TRY_ABSENT);
	HT_REQUIRE(hal_gpt_try_lock_pte_if_present(xp, 5 * L1_SPAN + 7, &held, &a, &p) ==
		   GPT_TRY_LOCKED);
	HT_CHECK(a == gfix_attr(rw) && p == 9);
	HT_CHECK(hal_gpt_try_lock_pte_if_present(xp, 5 * L1_SPAN + 7, &pte, &a, &p) == GPT_TRY_BUSY);

	HT_CHECK(!hal_gpt_try_set_cow(xp, 5 * L1_SPAN, L0_SPAN)); /* 7 is held: left as it is */
	HT_CHECK(gfix_pte_is(xp, 5 * L1_SPAN + 8, cow_rw, 10));
	hal_gpt_pte_unlock(&held);
	HT_CHECK(gfix_pte_is(xp, 5 * L1_SPAN + 7, gfix_attr(rw), 9));
	HT_CHECK(hal_gpt_try_set_cow(xp, 5 * L1_SPAN, L0_SPAN));
	HT_CHECK(gfix_pte_is(xp, 5 * L1_SPAN + 7, cow_rw, 9));
	HT_CHECK(gfix_pte_is(xp, 5 * L1_SPAN + 8, cow_rw, 10));
	hal_gpt_destroy(&gpt);
	fix_teardown();
}

#define THREADS 4
#define ROUNDS  64
#define INCS    500

static struct {
	xptr_t gpt_xp;
	vpn_t  region;
	int    arrived; /* a spinning barrier: threads leave it together, as cores would */
	int    errors;
} race;

static void race_barrier(int round)
{
	__atomic_add_fetch(&race.arrived, 1, __ATOMIC_SEQ_CST);
	unsigned spins = 0;

	while (__atomic_load_n(&race.arrived, __ATOMIC_SEQ_CST) < (round + 1) * THREADS)
		if (++spins % 4096 == 0)
			sched_yield(); /* more threads than host cpus */
}

/* Each thread maps its own vpns in the same fresh region, racing to install the same tables;
 * then all of them increment a counter kept in the ppn of one PTE, under its lock. */
static void *racer(void *arg)
{
	vpn_t i = (vpn_t)(uintptr_t)arg;
	gpt_pte_t pte;
	uint32_t a;
	ppn_t p;

	host_lid = (lid_t)i + 1; /* the main thread is core 0 */
	for (int r = 0; r < ROUNDS; r++) {
		race_barrier(r);
		vpn_t base = race.region + (vpn_t)r * L1_SPAN;
		if (gfix_map(race.gpt_xp, base + i * (L0_SPAN / 2), GPT_READABLE, i + 1) != 0)
			__atomic_add_fetch(&race.errors, 1, __ATOMIC_SEQ_CST);
	}
	for (int n = 0; n < INCS; n++) {
		if (hal_gpt_lock_pte(race.gpt_xp, 3, &pte, &a, &p) != 0) {
			__atomic_add_fetch(&race.errors, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		hal_gpt_pte_set(&pte, GPT_MAPPED | GPT_READABLE | GPT_WRITABLE, p + 1);
	}
	return NULL;
}

HT_TEST(tsan_concurrent_table_installs_and_locks)
{
	gpt_t gpt;
	pthread_t t[THREADS];
	uint64_t base;
	ppm_stats_t s0, s;

	gfix_setup(1);
	base = gfix_free_pages(0);
	ppm_stats(0, &s0);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	race.gpt_xp = XPTR(0, &gpt);
	race.region = 2 * L1_SPAN;
	race.errors = 0;
	race.arrived = 0;
	for (uintptr_t i = 0; i < THREADS; i++)
		HT_REQUIRE(pthread_create(&t[i], NULL, racer, (void *)i) == 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	host_lid = 0;
	HT_CHECK(race.errors == 0);
	/* the root, the LEVELS - 3 tables between it and the level-1 tables, which the rounds share
	 * with the counter (the ROUNDS level-1 spans from 2 * L1_SPAN lie under one entry of level
	 * 3 when there is one); per round one level-1 table and THREADS / 2 level-0 tables; the
	 * counter's level-1 and level-0 tables */
	HT_CHECK(gpt.tables_nr == 1 + (uint32_t)(LEVELS - 3) + ROUNDS * (1 + THREADS / 2) + 2 &&
		 gfix_tables_ok(&gpt, 0));
	HT_CHECK(gfix_free_pages(0) == base - gpt.tables_nr); /* the losers' pages went back */
	ppm_stats(0, &s);
	printf("# %lu table pages allocated by the losers of a race\n",
	       (unsigned long)(s.alloc_calls - s0.alloc_calls - gpt.tables_nr));
	for (int r = 0; r < ROUNDS; r++)
		for (vpn_t i = 0; i < THREADS; i++)
			HT_CHECK(gfix_pte_is(race.gpt_xp, race.region + r * L1_SPAN + i * (L0_SPAN / 2),
					gfix_attr(GPT_READABLE), i + 1));
	HT_CHECK(gfix_pte_is(race.gpt_xp, 3, gfix_attr(GPT_READABLE | GPT_WRITABLE), THREADS * INCS));
	hal_gpt_destroy(&gpt);
	HT_CHECK(gfix_free_pages(0) == base);
	fix_teardown();
}

/* ---- random operations against a model ---- */

#define MODEL_VPNS 48
#define MODEL_OPS  40000

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	return gfix_rng(&rng_state);
}

static uint32_t rand_attr(void)
{
	return ((uint32_t)rng() & GFIX_SETTABLE) | GPT_MAPPED;
}

typedef struct model_s {
	vpn_t    vpn;
	uint32_t attr; /* 0 if unmapped */
	ppn_t    ppn;
} model_t;

/* Distinct vpns near the interesting places (0, table boundaries, the end of user space) and
 * anywhere. */
static void model_init(model_t *m)
{
	const vpn_t anchors[] = { 0, L0_SPAN, L1_SPAN, 200 * L1_SPAN + 7 * L0_SPAN, VPN_END };

	for (int i = 0; i < MODEL_VPNS; i++) {
		vpn_t v;

		do {
			v = i % 6 == 5 ? rng() % VPN_END : anchors[rng() % 5] + rng() % 16 - 8;
			v = v >= VPN_END ? VPN_END - 1 - rng() % 8 : v;
			for (int j = 0; j < i; j++)
				v = m[j].vpn == v ? VPN_END : v;
		} while (v >= VPN_END);
		m[i] = (model_t){ v, 0, 0 };
	}
}

/* One random operation on @m[i] (and @m[j] for a copy); returns false on a mismatch. */
static bool model_step(xptr_t xp, model_t *m, int i, int j)
{
	uint32_t a, attr = rand_attr();
	ppn_t p, ppn = rng() & ((1ull << 40) - 1);
	gpt_pte_t pte;

	switch (rng() % 9) {
	case 0: /* lock, set */
	case 1:
		if (hal_gpt_lock_pte(xp, m[i].vpn, &pte, &a, &p) != 0)
			return false;
		hal_gpt_pte_set(&pte, attr, ppn);
		if (a != m[i].attr || p != m[i].ppn)
			return false;
		m[i].attr = gfix_attr(attr), m[i].ppn = ppn;
		return true;
	case 2: /* lock, unlock */
		if (hal_gpt_lock_pte(xp, m[i].vpn, &pte, &a, &p) != 0)
			return false;
		hal_gpt_pte_unlock(&pte);
		return a == m[i].attr && p == m[i].ppn;
	case 3:
		pte = gfix_handle(xp, m[i].vpn);
		hal_gpt_pte_reset(&pte);
		m[i].attr = 0, m[i].ppn = 0;
		return true;
	case 4:
		pte = gfix_handle(xp, m[i].vpn);
		hal_gpt_pte_update(&pte, attr, ppn);
		if (m[i].attr)
			m[i].attr = gfix_attr(attr), m[i].ppn = ppn;
		return true;
	case 5: { /* copy m[i] over m[j], made copy-on-write or not, as fork and mremap do */
		bool cow = rng() & 1;

		hal_gpt_get_pte(xp, m[i].vpn, &a, &p);
		if (a != m[i].attr || p != m[i].ppn)
			return false;
		if (!a)
			return true;
		a = cow ? (a & ~GPT_WRITABLE) | GPT_COW : a;
		pte = gfix_handle(xp, m[j].vpn);
		hal_gpt_pte_store(&pte, a, p);
		m[j].attr = gfix_attr(a);
		m[j].ppn = p;
		return true;
	}
	case 7: /* munmap's clear */
		pte = gfix_handle(xp, m[i].vpn);
		p = 0;
		if (hal_gpt_pte_clear(&pte, &p) != (m[i].attr != 0) || (m[i].attr && p != m[i].ppn))
			return false;
		m[i].attr = 0, m[i].ppn = 0;
		return true;
	case 8: /* mprotect's change */
		pte = gfix_handle(xp, m[i].vpn);
		if (hal_gpt_pte_protect(&pte, attr) != (m[i].attr != 0))
			return false;
		if (m[i].attr & GPT_COW)
			m[i].attr = gfix_attr((attr & ~GPT_WRITABLE) | GPT_COW);
		else if (m[i].attr)
			m[i].attr = gfix_attr(attr);
		return true;
	default: /* set_cow on [vpn, vpn + 2) */
		hal_gpt_set_cow(xp, m[i].vpn, m[i].vpn + 2 <= VPN_END ? 2 : 1);
		for (int k = 0; k < MODEL_VPNS; k++)
			if (m[k].vpn - m[i].vpn < 2 && (m[k].attr & GPT_WRITABLE))
				m[k].attr = (m[k].attr & ~GPT_WRITABLE) | GPT_COW;
		return true;
	}
}

HT_TEST(random_operations_match_a_model)
{
	static model_t m[MODEL_VPNS];
	gpt_t gpt;
	xptr_t xp = XPTR(0, &gpt);
	uint64_t base;
	int bad = 0;

	gfix_setup(1);
	base = gfix_free_pages(0);
	HT_REQUIRE(hal_gpt_create(&gpt) == 0);
	model_init(m);
	for (int op = 0; op < MODEL_OPS && bad < 10; op++) {
		int i = (int)(rng() % MODEL_VPNS), j = (int)(rng() % MODEL_VPNS);

		if (!model_step(xp, m, i, j)) {
			printf("# op %d on vpn %lx failed\n", op, (unsigned long)m[i].vpn);
			bad++;
		}
		if (op % 97 == 0)
			for (int k = 0; k < MODEL_VPNS; k++)
				bad += !gfix_pte_is(xp, m[k].vpn, m[k].attr, m[k].ppn);
	}
	HT_CHECK(bad == 0);
	for (int k = 0; k < MODEL_VPNS; k++)
		HT_CHECK(gfix_pte_is(xp, m[k].vpn, m[k].attr, m[k].ppn));
	HT_CHECK(gfix_tables_ok(&gpt, 0) && gfix_kernel_half_ok(&gpt, 0));
	HT_CHECK(gfix_free_pages(0) == base - gpt.tables_nr);
	hal_gpt_destroy(&gpt);
	HT_CHECK(gfix_free_pages(0) == base);
	fix_teardown();
}
