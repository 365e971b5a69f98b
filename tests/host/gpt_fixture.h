/*
 * gpt_fixture.h - simulated clusters with kernel page tables, for host tests of hal_gpt (Sv39).
 *
 * On top of mm_fixture.h (clusters and their PPMs): each cluster gets a fake kernel root table,
 * filled with recognisable entries and named by boot_info.cluster[cxy].pt_root_pa as on the
 * target. The fixture defines the global `boot_info` (a test linking it must not define another)
 * and riscv_mmu_switch_root(), the hal_tlb.c function hal_gpt_activate() calls, as a recorder.
 * Page tables are host memory ("physical" = host addresses), so tests may read them directly:
 * gfix_raw_leaf() is a walker independent of the code under test. Needs hal/riscv on the include
 * path (mmu.h).
 */
#ifndef GPT_FIXTURE_H
#define GPT_FIXTURE_H

#include <hal_gpt.h>

#include "mm_fixture.h"
#include "mmu.h"

#define VPN_END      (GPT_USER_VA_END / CONFIG_PAGE_SIZE) /* first vpn beyond user space  */
#define L0_SPAN      512ul                  /* vpns mapped by one level-0 table               */
#define L1_SPAN      (512ul * 512ul)        /* vpns mapped by one level-1 table               */
#define GFIX_SETTABLE (GPT_READABLE | GPT_WRITABLE | GPT_EXECUTABLE | GPT_USER | GPT_GLOBAL | \
		       GPT_DIRTY | GPT_ACCESSED | GPT_COW) /* attributes a caller may set     */
#define GFIX_CLUSTER_SIZE (8u << 20)        /* memory of each simulated cluster               */

/* The fake kernel root of each cluster, and what riscv_mmu_switch_root last received. */
extern pte_t   gfix_kroot[FIX_MAX_CLUSTERS][PT_ENTRIES];
extern paddr_t gfix_switched_root;
extern int     gfix_switch_calls;

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
uint32_t gfix_attr(uint32_t attr);

/* hal_gpt_create / destroy run by a core of cluster @cxy. */
error_t gfix_create_in(cxy_t cxy, gpt_t *gpt);
void    gfix_destroy_in(cxy_t cxy, gpt_t *gpt);

/* Lock and set the PTE of @vpn (GPT_MAPPED added); returns lock_pte's error. */
error_t gfix_map(xptr_t gpt_xp, vpn_t vpn, uint32_t attr, ppn_t ppn);
/* True if hal_gpt_get_pte reports exactly @attr and @ppn for @vpn. */
bool    gfix_pte_is(xptr_t gpt_xp, vpn_t vpn, uint32_t attr, ppn_t ppn);

#endif /* GPT_FIXTURE_H */
