/*
 * acpi.h - the machine description of x86_64 from the ACPI tables: RSDP -> RSDT/XSDT -> MADT
 * (local APICs, x2APICs, IOAPICs, ISA interrupt overrides), SRAT (proximity domain of each APIC id
 * and memory range), SLIT (distances), FADT (the ACPI PM timer).
 *
 * Runs on the boot core in early boot (and on the host, in tests): no writable global or static
 * state, no allocation, no output; the caller panics with the message. Tables are reached through
 * a phys_map_t, never dereferenced beyond what it mapped. Every table used is checked before it is
 * read: signature, a length that covers its header and lies within what the map could map, the
 * checksum, entry lengths (never below 2 or the size of the entry's type, never past the table),
 * and counts bounded by params.h. Malformed or missing tables are refused with a reason; only SRAT
 * (one cluster), SLIT (distances 10 local, 20 remote) and FADT (no PM timer) may be absent.
 */
#ifndef BOOT_X86_64_ACPI_H
#define BOOT_X86_64_ACPI_H

#include <hal_boot.h>
#include <hal_types.h>
#include <params.h>

/*
 * Read access to physical memory. map(ctx, pa, len) returns a pointer through which the bytes
 * [pa, pa + len) may be read, or NULL when that range is not (entirely) readable or wraps around.
 * Early boot maps through the direct map; host tests hand out exact-size copies of the fixtures.
 */
typedef struct phys_map_s {
	const void *(*map)(void *ctx, paddr_t pa, size_t len);
	void *ctx;
} phys_map_t;

#define ACPI_MAX_TABLE_LEN    (1u << 20)  /* a table longer than 1 MiB is refused as absurd       */
#define ACPI_MAX_SDT_ENTRIES  256         /* tables an RSDT/XSDT may list                         */
#define ACPI_MAX_MEM_RANGES   64          /* enabled SRAT memory ranges                           */

/* The x86 part of the machine description, boot_x86_t (boot_info.arch), and its IOAPIC and ISA IRQ
 * records are <arch/boot.h>'s (hal/x86_64/include/arch/boot.h): acpi_parse fills its ACPI part. */
#define ACPI_ISA_IRQS         X86_ISA_IRQS

#define ACPI_PM_TIMER_HZ      3579545u

/* A memory range of a cluster (SRAT memory affinity, enabled and not hot-pluggable). */
typedef struct acpi_mem_s {
	paddr_t  base;
	paddr_t  size;
	cxy_t    cxy;
} acpi_mem_t;

/* What the tables say, clusters numbered densely in the order of their proximity domains. */
typedef struct acpi_machine_s {
	bool        has_srat;
	bool        has_slit;
	uint32_t    clusters_nr;
	uint32_t    domain[CONFIG_MAX_CLUSTERS];        /* proximity domain of each cluster      */
	uint32_t    cluster_cores[CONFIG_MAX_CLUSTERS]; /* cores of each cluster                 */
	uint32_t    cores_nr;
	boot_core_t core[CONFIG_MAX_CORES];             /* sorted by (cxy, APIC id); hwid = APIC id,
	                                                   lid = rank in its cluster               */
	uint32_t    mem_nr;                             /* 0 without SRAT: memory comes from e820 */
	acpi_mem_t  mem[ACPI_MAX_MEM_RANGES];           /* sorted by base, disjoint               */
	uint8_t     distance[CONFIG_MAX_CLUSTERS][CONFIG_MAX_CLUSTERS];
	boot_x86_t  x86;
} acpi_machine_t;

/*
 * Parse the tables from the RSDP at @rsdp_pa (0: search it as a BIOS does, in the first KiB of the
 * EBDA, then in [0xe0000, 0x100000) on 16-byte boundaries) into *m (zeroed first).
 * Returns 0, or EINVAL (a malformed table), ENOENT (no RSDP, no MADT, a CPU without a domain, a
 * domain without memory or without CPUs), ERANGE / E2BIG (a value or count beyond params.h or the
 * limits above); then @err (size @errlen) holds one line saying what is wrong, e.g.
 * "MADT at 0x7ffe1234: entry at offset 52 has length 0".
 */
error_t acpi_parse(const phys_map_t *pm, paddr_t rsdp_pa, acpi_machine_t *m, char *err, size_t errlen);

#endif /* BOOT_X86_64_ACPI_H */
