/*
 * lapic.h - the local APIC as early boot drives it: its id, and the ICR to send INIT and SIPI.
 *
 * xAPIC mode (registers in MMIO at the MADT's address, through the direct map) unless CPUID says
 * the CPU has an x2APIC (CPUID.1:ECX[21]); then x2APIC mode (registers as MSRs, 32-bit ids).
 * QEMU 7.2's TCG never reports an x2APIC, so only the xAPIC path runs here (docs/boot_x86_64.md).
 */
#ifndef BOOT_X86_64_LAPIC_H
#define BOOT_X86_64_LAPIC_H

#include <hal_types.h>

#define ICR_INIT        0x00000500u   /* delivery mode INIT                        */
#define ICR_STARTUP     0x00000600u   /* delivery mode start-up: vector = 4 KiB page */
#define ICR_ASSERT      0x00004000u
#define ICR_BUSY        0x00001000u   /* xAPIC delivery status: send pending       */

/* Whether this CPU has an x2APIC (CPUID). */
bool lapic_has_x2apic(void);

/*
 * Enable this core's local APIC (x2APIC mode when @x2apic, which every core must agree on), with
 * @lapic_pa its xAPIC register page (mapped in the direct map). Called once on every core.
 */
void lapic_enable(paddr_t lapic_pa, bool x2apic);

/* This core's APIC id (after lapic_enable). */
uint32_t lapic_id(void);

/* Send the IPI @icr (ICR_* bits, vector) to the core of APIC id @dest; waits while the xAPIC
 * says a previous IPI is still pending (with pause). */
void lapic_send_ipi(uint32_t dest, uint32_t icr);

/* The APIC id of the calling core from CPUID, usable before lapic_enable(): leaf 0xB's x2APIC id
 * when the CPU has that leaf, else the initial APIC id of leaf 1. */
uint32_t cpuid_apic_id(void);

#endif /* BOOT_X86_64_LAPIC_H */
