/*
 * gpt_fixture.h - simulated clusters with kernel page tables, for host tests of the generic page
 * table (hal/common/hal_gpt.c) over the PTE format of either architecture.
 *
 * On top of mm_fixture.h (clusters and their PPMs): each cluster gets a fake kernel root table,
 * filled with recognisable entries and named by boot_info.cluster[cxy].pt_root_pa as on the
 * target. The fixture defines the global `boot_info` (a test linking it must not define another).
 * The executable is built twice (gpt.cmake): with hal/riscv/include first on the include path (Sv39)
 * and with hal/x86_64/include first (4-level paging); the architecture's part of the fixture,
 * gpt_fixture_sv39.c or gpt_fixture_x86_64.c, describes the format as its specification states it,
 * independently of the <arch/pte.h> under test (gfix_arch). Page tables are host memory ("physical"
 * = host addresses), so tests may read them directly: gfix_raw_leaf() is a walker of its own.
 */
#ifndef GPT_FIXTURE_H
#define GPT_FIXTURE_H

#include <hal_gpt.h>

#include "mm_fixture.h"

/* The page-table format as the architecture's manual describes it. */
typedef struct gfix_arch_s {
	const char *name;
	int         levels;      /* levels of tables, root included                          */
	uint64_t    table_bit;   /* the bit of an upper-level entry that points at a table   */
	uint64_t    locked_bit;  /* the software bits the GPT uses                           */
	uint64_t    cow_bit;
	paddr_t   (*entry_pa)(pte_t e);                 /* address field of an entry     */
	pte_t     (*leaf)(uint32_t attr, ppn_t ppn);    /* the leaf a set must write     */
	uint32_t  (*attr)(uint32_t attr);               /* what get reports after a set  */
} gfix_arch_t;

extern const gfix_arch_t gfix_arch;

#define LEVELS       (gfix_arch.levels)
#define VPN_END      ((vpn_t)256 << (9 * (LEVELS - 1))) /* first vpn beyond user space    */
#define L0_SPAN      512ul                  /* vpns mapped by one level-0 table               */
#define L1_SPAN      (512ul * 512ul)        /* vpns mapped by one level-1 table               */
#define ROOT_SPAN    ((vpn_t)1 << (9 * (LEVELS - 1))) /* vpns mapped by one root entry        */
#define GFIX_SETTABLE (GPT_READABLE | GPT_WRITABLE | GPT_EXECUTABLE | GPT_USER | GPT_GLOBAL | \
		       GPT_DIRTY | GPT_ACCESSED | GPT_COW | GPT_CACHABLE) /* what a caller may set */
#define GFIX_CLUSTER_SIZE (8u << 20)        /* memory of each simulated cluster               */

/* The fake kernel root of each cluster. */
extern pte_t gfix_kroot[FIX_MAX_CLUSTERS][PTE_ENTRIES];

/* @n clusters (fix_setup with GFIX_CLUSTER_SIZE), boot_info and a fake kernel root for each. */
void gfix_setup(uint32_t n);

/* Free pages of cluster @cxy's PPM. */
uint64_t gfix_free_pages(cxy_t cxy);

/* The leaf PTE of @vpn in @gpt by the fixture's own walk, NULL if a table is missing; its value
 * (0 if missing). */
pte_t *gfix_raw_leaf(const gpt_t *gpt, vpn_t vpn);
pte_t  gfix_raw(const gpt_t *gpt, vpn_t vpn);

/* True if gpt->tables_nr counts exactly the tables reachable from the user half (root included),
 * and all of them are pages of cluster @cxy. */
bool gfix_tables_ok(const gpt_t *gpt, cxy_t cxy);
/* True if the kernel half of @gpt's root is cluster @cxy's kernel root. */
bool gfix_kernel_half_ok(const gpt_t *gpt, cxy_t cxy);

/* What hal_gpt_get_pte reports after a set or update with @attr: the implied attributes added. */
static inline uint32_t gfix_attr(uint32_t attr)
{
	return gfix_arch.attr(attr);
}

/* hal_gpt_create / destroy run by a core of cluster @cxy. */
error_t gfix_create_in(cxy_t cxy, gpt_t *gpt);
void    gfix_destroy_in(cxy_t cxy, gpt_t *gpt);

/* Lock and set the PTE of @vpn (GPT_MAPPED added); returns lock_pte's error. */
error_t gfix_map(xptr_t gpt_xp, vpn_t vpn, uint32_t attr, ppn_t ppn);
/* True if hal_gpt_get_pte reports exactly @attr and @ppn for @vpn. */
bool    gfix_pte_is(xptr_t gpt_xp, vpn_t vpn, uint32_t attr, ppn_t ppn);
/* A xorshift step of the generator whose state is *@state (never 0): reproducible random tests. */
static inline uint64_t gfix_rng(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* The handle of @vpn's PTE through a fresh cursor (its tables allocated if missing; the test
 * fails on ENOMEM). */
gpt_pte_t gfix_handle(xptr_t gpt_xp, vpn_t vpn);

#endif /* GPT_FIXTURE_H */
