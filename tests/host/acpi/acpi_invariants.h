/*
 * acpi_invariants.h - what a successful boot_info_from_pvh() guarantees, checked on its output.
 *
 * Shared by test_acpi.c and the libFuzzer harness fuzz_acpi.c: whatever the input, the builder
 * either fails or returns a description that satisfies this. Returns NULL when it holds, or the
 * first violation.
 */
#ifndef TESTS_HOST_ACPI_INVARIANTS_H
#define TESTS_HOST_ACPI_INVARIANTS_H

#include <hal_boot.h>

#include <string.h>

#include "boot/x86_64/acpi.h"
#include "boot/x86_64/machine.h"

static inline const char *cores_violation(const boot_info_t *info)
{
	uint32_t total = 0;
	bool boot = false;

	if (info->cores_nr == 0 || info->cores_nr > CONFIG_MAX_CORES)
		return "cores_nr";
	for (uint32_t i = 0; i < info->cores_nr; i++) {
		const boot_core_t *k = &info->core[i];

		if (k->cxy >= info->clusters_nr || k->hwid >= CONFIG_MAX_HWID)
			return "a core's cluster or APIC id out of range";
		if (i > 0 && (k[-1].cxy > k->cxy || (k[-1].cxy == k->cxy && k[-1].hwid >= k->hwid)))
			return "cores not sorted by (cluster, APIC id), or an APIC id twice";
		if (k->lid != i - info->cluster[k->cxy].first_core)
			return "lid is not the rank in the cluster";
		boot |= k->hwid == info->boot_hwid;
	}
	for (uint32_t c = 0; c < info->clusters_nr; c++) {
		if (info->cluster[c].cores_nr == 0 || info->cluster[c].cores_nr > CONFIG_MAX_CORES_PER_CLUSTER)
			return "a cluster without cores or with too many";
		if (info->cluster[c].first_core != total)
			return "first_core";
		total += info->cluster[c].cores_nr;
	}
	if (total != info->cores_nr)
		return "cluster core counts do not add up";
	return boot ? NULL : "the boot core is not a core";
}

static inline const char *memory_violation(const boot_info_t *info)
{
	for (uint32_t c = 0; c < info->clusters_nr; c++) {
		const boot_cluster_t *a = &info->cluster[c];

		if (a->mem_size == 0 || a->mem_base + a->mem_size < a->mem_base)
			return "a cluster's memory is empty or wraps";
		for (uint32_t d = 0; d < c; d++) {
			const boot_cluster_t *b = &info->cluster[d];

			if (a->mem_base < b->mem_base + b->mem_size && b->mem_base < a->mem_base + a->mem_size)
				return "two clusters' memory ranges overlap";
		}
	}
	if (info->rsvd_nr > CONFIG_MAX_RSVD_RANGES || info->rsvd_nr == 0)
		return "rsvd_nr";
	if (info->rsvd[0].base != 0 || info->rsvd[0].size < LOW_RESERVED_END)
		return "the first MiB is not reserved";
	for (uint32_t i = 0; i < info->rsvd_nr; i++) {
		const boot_rsvd_t *r = &info->rsvd[i];

		if (r->size == 0 || (r->base | r->size) & 4095 || r->base + r->size < r->base)
			return "a reserved range is empty, unaligned or wraps";
		if (i > 0 && r[-1].base + r[-1].size >= r->base)
			return "reserved ranges not sorted, overlapping or touching";
	}
	if (info->initrd_end < info->initrd_start)
		return "initrd";
	for (uint32_t i = 0; info->initrd_end > info->initrd_start; i++) {
		if (i == info->rsvd_nr)
			return "the initrd is not reserved";
		if (info->rsvd[i].base <= info->initrd_start &&
		    info->initrd_end <= info->rsvd[i].base + info->rsvd[i].size)
			break;
	}
	return NULL;
}

static inline const char *boot_info_violation(const boot_info_t *info, const boot_x86_t *x86)
{
	const char *why;

	if (info->magic != BOOT_INFO_MAGIC)
		return "magic";
	if (info->clusters_nr == 0 || info->clusters_nr > CONFIG_MAX_CLUSTERS)
		return "clusters_nr";
	if ((why = cores_violation(info)) != NULL || (why = memory_violation(info)) != NULL)
		return why;
	for (uint32_t i = 0; i < info->clusters_nr; i++)
		for (uint32_t j = 0; j < info->clusters_nr; j++)
			if (i == j ? info->distance[i][j] != 10
				   : info->distance[i][j] <= 10 || info->distance[i][j] == 255)
				return "a distance";
	if (memchr(info->cmdline, 0, sizeof(info->cmdline)) == NULL)
		return "cmdline not terminated";
	if (x86->ioapic_nr == 0 || x86->ioapic_nr > CONFIG_MAX_IRQ_CONTROLLERS)
		return "ioapic_nr";
	if (x86->lapic_pa == 0 || x86->lapic_pa & 4095)
		return "lapic_pa";
	if (x86->com1.gsi != x86->isa[4].gsi || x86->com1.level != x86->isa[4].level ||
	    x86->com1.active_low != x86->isa[4].active_low)
		return "com1 is not ISA IRQ 4";
	return NULL;
}

#endif /* TESTS_HOST_ACPI_INVARIANTS_H */
