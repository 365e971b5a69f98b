/*
 * smp.h - starting the application processors (APs) with INIT-SIPI-SIPI (phase 1: from the boot
 * core, one AP after the other, each on its own stack, to a check-in in long mode).
 */
#ifndef BOOT_X86_64_SMP_H
#define BOOT_X86_64_SMP_H

#include <hal_boot.h>

#include "acpi.h"

/* The boot core's APIC id, from CPUID (before its local APIC is set up). */
hwid_t smp_boot_apic_id(void);

/*
 * Start every core of @info but the boot core: copy the trampoline to TRAMPOLINE_PA, then for each
 * AP in core[] order send INIT, wait 10 ms (on CPUs older than Intel family 6 / AMD family 0xf,
 * as Linux), send a start-up IPI, wait 200 us, send a second one unless the AP already checked in
 * (the Intel SDM's MP initialisation protocol), and wait for the
 * AP to check in from long mode with its own APIC id. Delays are timed by the ACPI PM timer.
 * Prints one line per cluster with the APIC ids that checked in. Returns 0 when every AP checked
 * in, or EIO (after saying which AP did not check in within a second, or answered with another
 * APIC id) or ENODEV (no PM timer) with a message on the console.
 */
error_t smp_start_all(const boot_info_t *info, const boot_x86_t *x86);

#endif /* BOOT_X86_64_SMP_H */
