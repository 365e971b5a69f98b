/*
 * arch/boot.h - x86_64's part of the machine description (boot_arch_t, boot_info.arch; hal_boot.h).
 *
 * What early boot reads from the ACPI tables that only x86 code uses (boot/x86_64/acpi.c fills the
 * first part): the local APIC and the IOAPICs (the IOAPIC behind boot_info.irqc[i] is ioapic[i]),
 * the ISA interrupt overrides (COM1's among them), the ACPI PM timer; then what phase 0 measured
 * and found (boot/x86_64/boot.c): the CPU features the kernel uses, the frequency of the local APIC
 * timer. Generic code never reads it; it sees the same machine through boot_info's neutral fields
 * (controller ids, the console device, timebase_hz).
 */
#ifndef ARCH_BOOT_H
#define ARCH_BOOT_H

#include <hal_types.h>
#include <params.h>

/* An IOAPIC (MADT type 1). */
typedef struct x86_ioapic_s {
	uint32_t id;
	paddr_t  base;          /* its registers (4 KiB)                                  */
	uint32_t gsi_base;      /* global system interrupt of its input 0                 */
} x86_ioapic_t;

/* Where an ISA IRQ arrives: identity, edge, active high, unless the MADT overrides it (type 2). */
typedef struct x86_isa_irq_s {
	uint32_t gsi;
	bool     active_low;
	bool     level;
} x86_isa_irq_t;

#define X86_ISA_IRQS 16

/* CPU features the kernel uses (CPUID, the same on every core: QEMU's CPU models are uniform).
 * Phase 0 fills them on the boot core; every core then acts on them. */
#define X86_FEAT_X2APIC       0x0001u /* CPUID.1:ECX[21]: x2APIC mode (MSR registers)          */
#define X86_FEAT_TSC_DEADLINE 0x0002u /* CPUID.1:ECX[24]: the LAPIC timer's TSC-deadline mode   */
#define X86_FEAT_NX           0x0004u /* CPUID.80000001h:EDX[20]: execute disable (EFER.NXE)    */
#define X86_FEAT_PDPE1GB      0x0008u /* CPUID.80000001h:EDX[26]: 1 GiB pages                   */
#define X86_FEAT_SMEP         0x0010u /* CPUID.7.0:EBX[7]                                       */
#define X86_FEAT_SMAP         0x0020u /* CPUID.7.0:EBX[20]: stac / clac                         */
#define X86_FEAT_PGE          0x0040u /* CPUID.1:EDX[13]: global pages                          */
#define X86_FEAT_INVARIANT_TSC 0x0080u /* CPUID.80000007h:EDX[8]                                */

/* The x86 part of the machine description. */
typedef struct boot_x86_s {
	/* From the ACPI tables (boot/x86_64/acpi.c) */
	paddr_t       rsdp_pa;
	paddr_t       lapic_pa;     /* local APIC registers (MADT, or its type 5 override)  */
	bool          pcat_compat;  /* a legacy 8259 pair is present (mask it)              */
	uint32_t      ioapic_nr;
	x86_ioapic_t  ioapic[CONFIG_MAX_IRQ_CONTROLLERS];
	x86_isa_irq_t isa[X86_ISA_IRQS];    /* ISA IRQ -> GSI, polarity, trigger          */
	x86_isa_irq_t com1;         /* isa[4]: the console's interrupt                      */
	uint16_t      pm_tmr_port;  /* ACPI PM timer (3.579545 MHz) I/O port, 0 if none     */
	bool          pm_tmr_32bit; /* 32-bit counter (FADT TMR_VAL_EXT), else 24-bit       */
	/* From phase 0 (boot/x86_64/boot.c) */
	uint32_t      features;     /* X86_FEAT_*                                           */
	uint32_t      ioapic_pins[CONFIG_MAX_IRQ_CONTROLLERS]; /* inputs of each IOAPIC      */
	uint64_t      lapic_timer_hz; /* the LAPIC timer's count rate at divide-by-1 (0 when
	                               the tick uses the TSC deadline)                      */
} boot_x86_t;

typedef boot_x86_t boot_arch_t;

#endif /* ARCH_BOOT_H */
