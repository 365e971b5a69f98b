/*
 * vmm_sigtramp.c - the signal return trampoline page (vmm_query.h).
 *
 * Linux points a handler's return address at its vDSO's __vdso_rt_sigreturn (riscv64 glibc passes
 * no SA_RESTORER). Archipel has no vDSO: each cluster keeps one page holding those instructions,
 * and every process maps it, read+exec, at CONFIG_VMM_SIGTRAMP_BASE (the zone above the stacks
 * that params.h reserves for such pages). The vseg is private, so each cluster maps its own page.
 */
#include <hal_gpt.h>
#include <hal_remote.h>
#include <hal_signal.h>
#include <hal_special.h>
#include <kern/printk.h>
#include <libk/string.h>
#include <mm/ppm.h>
#include <mm/vmm_query.h>

/* This cluster's page (the image is replicated: one per cluster). [I] at the cluster's boot. */
static xptr_t sigtramp_page = XPTR_NULL;

void vmm_sigtramp_init(void)
{
	xptr_t page = ppm_alloc_pages(0);
	uint8_t *kva;

	if (page == XPTR_NULL)
		panic("%s: no page for the signal trampoline of cluster %u", __func__, local_cxy);
	kva = ppm_page2kva(page);
	memset(kva, 0, CONFIG_PAGE_SIZE);
	if (hal_sigreturn_code(kva, CONFIG_PAGE_SIZE) == 0)
		panic("%s: the trampoline does not fit a page", __func__);
	hal_fence();
	sigtramp_page = page;
}

error_t vmm_sigtramp_create(vmm_t *vmm)
{
	return vmm_create_vseg(vmm, VSEG_TYPE_TRAMP, CONFIG_VMM_SIGTRAMP_BASE,
			       CONFIG_VMM_SIGTRAMP_BASE + CONFIG_PAGE_SIZE,
			       VSEG_USER | VSEG_READ | VSEG_EXEC | VSEG_PRIVATE, NULL, local_cxy, NULL);
}

error_t vmm_sigtramp_map(vmm_t *vmm, vpn_t vpn)
{
	gpt_pte_t pte;
	uint32_t attr;
	ppn_t ppn;
	error_t error = hal_gpt_lock_pte(XPTR(local_cxy, &vmm->gpt), vpn, &pte, &attr, &ppn);

	if (error)
		return error;
	if (attr & GPT_MAPPED) {
		hal_gpt_pte_unlock(&pte);
		return 0;
	}
	hal_gpt_pte_set(&pte, GPT_MAPPED | GPT_SMALL | GPT_CACHABLE | GPT_USER | GPT_READABLE |
				      GPT_EXECUTABLE, ppm_page2base(sigtramp_page) >> CONFIG_PAGE_SHIFT);
	return 0;
}

_Static_assert(CONFIG_VMM_SIGTRAMP_BASE >= CONFIG_VMM_STACK_TOP &&
	       CONFIG_VMM_SIGTRAMP_BASE + CONFIG_PAGE_SIZE <= CONFIG_VMM_USER_END &&
	       CONFIG_VMM_SIGTRAMP_BASE % CONFIG_PAGE_SIZE == 0,
	       "the trampoline page lies in the zone reserved for kernel-provided pages");
