/*
 * main.c - the standalone x86_64 early-boot program (phase 1 of issue 12): what the kernel's phase 0
 * will do up to the start of the application processors, with a printout instead of a kernel.
 *
 * entry.S calls boot_x86_main() in long mode on the boot stack. It builds the machine description
 * from the PVH start info and ACPI (machine.c), prints it, dumps the raw tables when the command
 * line says "acpidump" (tools for the host tests' fixtures: capture.sh), starts every application
 * processor (smp.c) unless it says "nosmp", and exits QEMU through isa-debug-exit: status 1 when
 * everything worked, 3 otherwise.
 */
#include <hal_boot.h>
#include <libk/string.h>

#include "acpi.h"
#include "dump.h"
#include "early_console.h"
#include "layout.h"
#include "machine.h"
#include "smp.h"

void boot_x86_main(uint32_t start_info_pa);

/* Filled once by the boot core, before any AP runs. */
static boot_info_t    info;
static boot_x86_t     x86;
static acpi_machine_t acpi;

/* Early boot reads physical memory through the direct map, which covers [0, 4 GiB) for now. */
static const void *early_map(void *ctx, paddr_t pa, size_t len)
{
	(void)ctx;
	if (len == 0 || pa >= EARLY_MAP_LIMIT || len > EARLY_MAP_LIMIT - pa)
		return NULL;
	return (const void *)(DMAP_BASE + pa);
}

static const phys_map_t early_pm = { early_map, NULL };

static void print_machine(void)
{
	const boot_core_t *k;
	char line[256];
	size_t n;

	early_printf("machine: %u clusters, %u cores, boot core APIC id %u, %s, %s\n", info.clusters_nr,
		     info.cores_nr, info.boot_hwid, acpi.has_srat ? "SRAT" : "no SRAT",
		     acpi.has_slit ? "SLIT" : "no SLIT");
	for (uint32_t c = 0; c < info.clusters_nr; c++) {
		const boot_cluster_t *cl = &info.cluster[c];

		n = (size_t)snprintf(line, sizeof(line), "cluster %u: domain %u memory 0x%llx-0x%llx (%llu MiB) "
				     "apic", c, acpi.domain[c], (unsigned long long)cl->mem_base,
				     (unsigned long long)(cl->mem_base + cl->mem_size),
				     (unsigned long long)(cl->mem_size >> 20));
		for (uint32_t i = 0; i < cl->cores_nr && n < sizeof(line); i++) {
			k = &info.core[cl->first_core + i];
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %u", k->hwid);
		}
		early_printf("%s\n", line);
	}
	for (uint32_t i = 0; i < info.clusters_nr; i++) {
		n = (size_t)snprintf(line, sizeof(line), "distance %2u:", i);
		for (uint32_t j = 0; j < info.clusters_nr && n < sizeof(line); j++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %3u", info.distance[i][j]);
		early_printf("%s\n", line);
	}
	for (uint32_t i = 0; i < info.rsvd_nr; i++)
		early_printf("reserved 0x%llx-0x%llx\n", (unsigned long long)info.rsvd[i].base,
			     (unsigned long long)(info.rsvd[i].base + info.rsvd[i].size));
	early_printf("lapic 0x%llx pcat %u ioapics %u", (unsigned long long)x86.lapic_pa, x86.pcat_compat,
		     x86.ioapic_nr);
	for (uint32_t i = 0; i < x86.ioapic_nr; i++)
		early_printf(" [id %u at 0x%llx gsi %u]", x86.ioapic[i].id,
			     (unsigned long long)x86.ioapic[i].base, x86.ioapic[i].gsi_base);
	early_printf("\ncom1 gsi %u %s %s; pm timer port 0x%x %s\n", x86.com1.gsi,
		     x86.com1.active_low ? "active-low" : "active-high", x86.com1.level ? "level" : "edge",
		     x86.pm_tmr_port, x86.pm_tmr_32bit ? "32-bit" : "24-bit");
	early_printf("initrd 0x%llx-0x%llx cmdline \"%s\"\n", (unsigned long long)info.initrd_start,
		     (unsigned long long)info.initrd_end, info.cmdline);
}

/* Whether the command line has the word @w (words are separated by spaces). */
static bool cmdline_has(const char *w)
{
	size_t n = strlen(w);

	for (const char *p = info.cmdline; *p; p++)
		if ((p == info.cmdline || p[-1] == ' ') && strncmp(p, w, n) == 0 && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

void boot_x86_main(uint32_t start_info_pa)
{
	char err[256];
	error_t error;

	early_console_init();
	early_printf("archipel x86_64 early boot (standalone), start info at 0x%x\n", start_info_pa);
	error = boot_info_from_pvh(&early_pm, start_info_pa, smp_boot_apic_id(), &info, &x86, &acpi,
				   err, sizeof(err));
	if (error) {
		early_printf("PANIC: boot: %s (error %d)\n", err, error);
		early_exit(1);
	}
	print_machine();
	if (cmdline_has("acpidump"))
		acpi_dump(&early_pm, start_info_pa, x86.rsdp_pa);
	if (!cmdline_has("nosmp") && smp_start_all(&info, &x86) != 0)
		early_exit(1);
	early_printf("standalone: done\n");
	early_exit(0);
}
