/*
 * x86.h - the x86_64 architecture as the HAL and early boot use it (HAL internal): control
 * registers, MSRs, RFLAGS bits, and the instructions C cannot say (port I/O, CPUID, MSRs, TSC,
 * pause, TLB invalidation), as inline functions. Each hardware layout is declared here once (Intel
 * SDM vol. 3A, AMD APM vol. 2); the rest of hal/x86_64 and boot/x86_64 use these names.
 */
#ifndef HAL_X86_64_X86_H
#define HAL_X86_64_X86_H

/* ---- control registers ---- */
#define CR0_PE          0x00000001
#define CR0_MP          0x00000002
#define CR0_EM          0x00000004
#define CR0_TS          0x00000008
#define CR0_NE          0x00000020
#define CR0_WP          0x00010000
#define CR0_AM          0x00040000
#define CR0_PG          0x80000000
#define CR4_PAE         0x00000020
#define CR4_PGE         0x00000080
#define CR4_OSFXSR      0x00000200
#define CR4_OSXMMEXCPT  0x00000400
#define CR4_SMEP        0x00100000
#define CR4_SMAP        0x00200000

/* ---- MSRs ---- */
#define MSR_APIC_BASE       0x0000001b
#define MSR_TSC_DEADLINE    0x000006e0
#define MSR_X2APIC_BASE     0x00000800  /* x2APIC register at xAPIC offset R: MSR 0x800 + R / 16 */
#define MSR_EFER            0xc0000080
#define MSR_STAR            0xc0000081  /* syscall/sysret segment selectors                 */
#define MSR_LSTAR           0xc0000082  /* syscall entry point (64-bit mode)                */
#define MSR_FMASK           0xc0000084  /* RFLAGS bits syscall clears                       */
#define MSR_FS_BASE         0xc0000100
#define MSR_GS_BASE         0xc0000101
#define MSR_KERNEL_GS_BASE  0xc0000102  /* what swapgs exchanges with GS_BASE              */
#define EFER_SCE        0x00000001      /* syscall/sysret enabled */
#define EFER_LME        0x00000100
#define EFER_NXE        0x00000800

/* ---- RFLAGS ---- */
#define RFLAGS_TF       0x00000100
#define RFLAGS_IF       0x00000200
#define RFLAGS_DF       0x00000400
#define RFLAGS_AC       0x00040000
#define RFLAGS_FIXED    0x00000002      /* bit 1 always reads 1 */

/* ---- segments (the HAL's GDT: seg.c) ---- */
#define SEL_KCODE       0x08            /* 64-bit kernel code (also the boot GDT's SEL_CODE64) */
#define SEL_KDATA       0x10            /* kernel data and stack                              */
#define SEL_UDATA       0x1b            /* user data and stack, RPL 3 (STAR: base 0x10 + 8)    */
#define SEL_UCODE       0x23            /* 64-bit user code, RPL 3 (STAR: base 0x10 + 16)      */
#define SEL_TSS         0x28            /* the core's TSS (two GDT entries)                   */

#ifndef __ASSEMBLER__
#include <hal_types.h>

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

typedef struct cpuid_s {
	uint32_t eax, ebx, ecx, edx;
} cpuid_t;

static inline cpuid_t cpuid(uint32_t leaf, uint32_t subleaf)
{
	cpuid_t r;

	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

#define DEFINE_CR(n)                                                                                \
	static inline uint64_t read_cr##n(void)                                                     \
	{                                                                                           \
		uint64_t v;                                                                         \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                                   \
		return v;                                                                           \
	}                                                                                           \
	static inline void write_cr##n(uint64_t v)                                                  \
	{                                                                                           \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");                          \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v) : : "memory");
	return v;
}

static inline uint64_t read_rbp(void)
{
	uint64_t v;

	__asm__ volatile("mov %%rbp, %0" : "=r"(v));
	return v;
}

static inline void invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

/*
 * Every spin-wait executes this: besides being the architected spin hint, under QEMU's TCG it makes
 * the emulator switch to another vCPU at once (with -icount, the only way the core we wait for ever
 * runs: docs/boot_x86_64.md).
 */
static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* The calling core's APIC id from CPUID, usable before its local APIC is set up: leaf 0xB's x2APIC
 * id when the CPU has that leaf, else the initial APIC id of leaf 1 (as the trampoline does). */
static inline uint32_t cpuid_apic_id(void)
{
	if (cpuid(0, 0).eax >= 0xb && cpuid(0xb, 0).ebx != 0)
		return cpuid(0xb, 0).edx;
	return cpuid(1, 0).ebx >> 24;
}
#endif /* !__ASSEMBLER__ */

#endif /* HAL_X86_64_X86_H */
