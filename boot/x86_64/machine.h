/*
 * machine.h - the machine description (boot_info_t of hal_boot.h, plus boot_x86_t) built on x86_64
 * from what the PVH loader hands over: the hvm_start_info (memory map, command line, initrd module,
 * RSDP) and the ACPI tables (acpi.h).
 *
 * Runs on the boot core in early boot (and on the host, in tests): no writable global or static
 * state, no allocation, no output; the caller panics with the message.
 */
#ifndef BOOT_X86_64_MACHINE_H
#define BOOT_X86_64_MACHINE_H

#include <hal_boot.h>

#include "acpi.h"

#define PVH_MAX_MEMMAP   128             /* memory map entries accepted            */
#define LOW_RESERVED_END 0x100000        /* [0, 1 MiB) is never handed out: real-mode IVT and BIOS
                                            data, EBDA, BIOS ROM, the AP trampoline */

/*
 * Fill *info (zeroed first) and *x86 from the start info at @start_info_pa, for a kernel entered on
 * the core whose APIC id is @boot_hwid. @scratch holds the ACPI parse (its content is left as
 * acpi_parse() made it, for the caller to print). info->magic is set to BOOT_INFO_MAGIC last, on
 * success only.
 *
 * What is filled:
 *  - clusters, cores, distances: acpi_parse()'s. Each cluster's [mem_base, mem_base + mem_size) is
 *    the hull of its SRAT ranges; without SRAT, the one cluster's is the hull of the RAM entries of
 *    the memory map;
 *  - rsvd[]: [0, 1 MiB); inside each cluster's range, whatever is not RAM in the memory map or not
 *    one of its SRAT ranges; the initrd. Page-aligned outwards, sorted, merged;
 *  - initrd_start/end: the first (and only) module; cmdline: the start info's command line;
 *  - boot_hwid. What phase 0 (boot.c, kpt.c) fills afterwards stays 0: timebase_hz (it measures
 *    the TSC), the interrupt controllers and the console, the image and page-table fields, and
 *    in *x86 the features and the IOAPICs' input counts.
 * @x86 may be &info->arch (the kernel's case), or a separate record (the host tests').
 *
 * Returns 0, or: EINVAL (a malformed start info, memory map or ACPI table), ENOENT (no memory
 * map, a missing table, @boot_hwid not an enabled processor, a cluster without RAM), E2BIG /
 * ERANGE (a count or value beyond params.h), and @err holds one line saying what is wrong.
 */
error_t boot_info_from_pvh(const phys_map_t *pm, paddr_t start_info_pa, hwid_t boot_hwid,
			   boot_info_t *info, boot_x86_t *x86, acpi_machine_t *scratch,
			   char *err, size_t errlen);

#endif /* BOOT_X86_64_MACHINE_H */
