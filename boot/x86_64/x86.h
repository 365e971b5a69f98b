/*
 * x86.h - the few x86_64 instructions early boot needs, as inline functions: port I/O, CPUID, MSRs,
 * pause. Phase 2's HAL (hal/x86_64) gets its own; these stay with early boot.
 */
#ifndef BOOT_X86_64_X86_H
#define BOOT_X86_64_X86_H

#include <stdint.h>

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
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* Every spin-wait executes this: besides being the architected spin hint, under QEMU's TCG it
 * makes the emulator switch to another vCPU at once (with -icount, the only way the core we wait
 * for ever runs: docs/boot_x86_64.md). */
static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

#endif /* BOOT_X86_64_X86_H */
