/*
 * cpu.c - the features of the CPU and the control state of each core on x86_64.
 *
 * Phase 0 reads the features once (CPUID on the boot core; QEMU's CPU models give every core the
 * same) into boot_info.arch.features; each core then sets its control registers from them
 * (x86_cpu_core_init, from hal_core_entry):
 *   CR0   WP (the kernel honours read-only pages too), NE (native FPU errors), MP, AM (user code
 *         with RFLAGS.AC set gets alignment checks, as on Linux);
 *   CR4   PGE when the CPU has global pages (kernel mappings survive CR3 writes; set only once the
 *         core is on its own cluster's page tables, for good: the image window maps another replica
 *         in each cluster, and a global entry of the early or of cluster 0's window must not
 *         outlive the switch to another cluster's), OSFXSR and OSXMMEXCPT (user programs use SSE),
 *         SMEP (the kernel never executes a user page) and SMAP (the kernel touches user pages only
 *         between stac and clac: uspace.c) where CPUID has them;
 *   EFER  SCE (syscall), NXE when the CPU has NX (LME is already set);
 *   STAR, LSTAR, FMASK: the syscall instruction enters x86_syscall_entry with IF, DF, TF, AC, NT
 *         and IOPL cleared; sysret's selectors would be SEL_UCODE and SEL_UDATA (seg.c).
 */
#include <hal_boot.h>

#include "hal_cpu.h"
#include "x86.h"

uint8_t x86_smap;

uint32_t x86_cpu_features(void)
{
	cpuid_t basic = cpuid(0, 0), ext = cpuid(0x80000000, 0), leaf1 = cpuid(1, 0);
	uint32_t f = 0;

	f |= (leaf1.ecx & (1u << 21)) ? X86_FEAT_X2APIC : 0;
	f |= (leaf1.ecx & (1u << 24)) ? X86_FEAT_TSC_DEADLINE : 0;
	f |= (leaf1.edx & (1u << 13)) ? X86_FEAT_PGE : 0;
	if (basic.eax >= 7) {
		cpuid_t leaf7 = cpuid(7, 0);
		f |= (leaf7.ebx & (1u << 7)) ? X86_FEAT_SMEP : 0;
		f |= (leaf7.ebx & (1u << 20)) ? X86_FEAT_SMAP : 0;
	}
	if (ext.eax >= 0x80000001) {
		cpuid_t e1 = cpuid(0x80000001, 0);
		f |= (e1.edx & (1u << 20)) ? X86_FEAT_NX : 0;
		f |= (e1.edx & (1u << 26)) ? X86_FEAT_PDPE1GB : 0;
	}
	if (ext.eax >= 0x80000007)
		f |= (cpuid(0x80000007, 0).edx & (1u << 8)) ? X86_FEAT_INVARIANT_TSC : 0;
	return f;
}

#define RFLAGS_IOPL 0x3000
#define RFLAGS_NT   0x4000
#define FMASK_BITS  (RFLAGS_TF | RFLAGS_IF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT | RFLAGS_IOPL)

void x86_cpu_core_init(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();

	write_cr0((cr0 | CR0_WP | CR0_NE | CR0_MP | CR0_AM) & ~(uint64_t)CR0_EM);
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (x86_has(X86_FEAT_PGE))
		cr4 |= CR4_PGE;
	if (x86_has(X86_FEAT_SMEP))
		cr4 |= CR4_SMEP;
	if (x86_has(X86_FEAT_SMAP))
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
	__atomic_store_n(&x86_smap, x86_has(X86_FEAT_SMAP) ? 1 : 0, __ATOMIC_RELAXED);

	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | (x86_has(X86_FEAT_NX) ? EFER_NXE : 0));
	wrmsr(MSR_STAR, ((uint64_t)(SEL_KDATA & ~3) << 48) | ((uint64_t)SEL_KCODE << 32));
	wrmsr(MSR_LSTAR, (uintptr_t)x86_syscall_entry);
	wrmsr(MSR_FMASK, FMASK_BITS);
}
