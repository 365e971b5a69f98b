/*
 * hal_tlb.c - TLB flushes and the switch of translation root on x86_64 (see hal_tlb.h, mmu.h).
 *
 * Archipel uses no PCID: every CR3 write flushes the core's non-global translations, so the TLB
 * only ever holds the current address space's user entries (and the kernel's global ones), and
 * invlpg of a user page covers "all address spaces". Kernel mappings are global (CR4.PGE) where the
 * CPU has global pages: they survive the CR3 writes of context switches.
 */
#include <hal_gpt.h>
#include <hal_tlb.h>
#include <params.h>

#include "mmu.h"
#include "x86.h"

void hal_tlb_flush_page(vpn_t vpn)
{
	invlpg((uintptr_t)vpn << CONFIG_PAGE_SHIFT);
}

/* A CR3 write flushes the non-global entries: all user translations. */
void hal_tlb_flush_all(void)
{
	write_cr3(read_cr3());
}

/* CR3: the non-global entries go with the write. */
void hal_mmu_switch_root(paddr_t root_pa)
{
	write_cr3(root_pa);
}
