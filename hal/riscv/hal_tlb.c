/*
 * hal_tlb.c - TLB flushes and the switch of translation root on RISC-V (see hal_tlb.h, mmu.h).
 *
 * Archipel uses no ASIDs (satp.ASID is always 0), so a flush covers every address space. The
 * sfence.vma also orders the core's earlier page-table stores before its later implicit walks.
 */
#include <hal_gpt.h>
#include <hal_tlb.h>
#include <params.h>

#include "mmu.h"
#include "riscv.h"

void hal_tlb_flush_page(vpn_t vpn)
{
	vaddr_t va = (vaddr_t)vpn << CONFIG_PAGE_SHIFT;

	__asm__ volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
}

void hal_tlb_flush_all(void)
{
	sfence_vma_all();
}

void hal_mmu_switch_root(paddr_t root_pa)
{
	csr_write(satp, SATP_MODE_SV39 | ((root_pa >> CONFIG_PAGE_SHIFT) & SATP_PPN_MASK));
	sfence_vma_all();
}
