/*
 * acpi_dump.c - the raw boot data in hex (see acpi_dump.h).
 */
#include <kern/printk.h>
#include <libk/string.h>

#include "acpi_dump.h"
#include "acpi_int.h"
#include "pvh.h"

#define DUMP_MAX_LEN 0x10000    /* no table of QEMU's is near this; longer ones are cut */

static void blob(const phys_map_t *pm, paddr_t pa, size_t len)
{
	const uint8_t *p;
	char line[80];
	size_t n;

	if (len > DUMP_MAX_LEN)
		len = DUMP_MAX_LEN;
	p = pm->map(pm->ctx, pa, len);
	if (!p || len == 0)
		return;
	printk_raw("blob 0x%llx %lu\n", (unsigned long long)pa, (unsigned long)len);
	for (size_t i = 0; i < len; i += 32) {
		n = 0;
		for (size_t j = i; j < len && j < i + 32; j++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x", p[j]);
		printk_raw("%s\n", line);
	}
}

/* The table at @pa, by the length in its header. */
static void table(const phys_map_t *pm, paddr_t pa)
{
	const uint8_t *h = pm->map(pm->ctx, pa, ACPI_HDR_LEN);

	if (h)
		blob(pm, pa, rd32(h + 4));
}

void acpi_dump(const phys_map_t *pm, paddr_t start_info_pa, paddr_t rsdp_pa)
{
	const hvm_start_info_t *si = pm->map(pm->ctx, start_info_pa, sizeof(*si));
	const uint8_t *r, *sdt;
	paddr_t sdt_pa;
	size_t esize;
	uint32_t n;

	printk_raw("acpidump begin\n");
	blob(pm, start_info_pa, sizeof(*si));
	blob(pm, si->memmap_paddr, si->memmap_entries * sizeof(hvm_memmap_entry_t));
	if (si->cmdline_paddr)
		blob(pm, si->cmdline_paddr, strlen(pm->map(pm->ctx, si->cmdline_paddr, 1)) + 1);
	if (si->nr_modules)
		blob(pm, si->modlist_paddr, si->nr_modules * sizeof(hvm_modlist_entry_t));
	r = pm->map(pm->ctx, rsdp_pa, 36);
	blob(pm, rsdp_pa, r[15] >= 2 ? rd32(r + 20) : 20);
	esize = r[15] >= 2 && rd64(r + 24) ? 8 : 4;
	sdt_pa = esize == 8 ? rd64(r + 24) : rd32(r + 16);
	table(pm, sdt_pa);
	sdt = pm->map(pm->ctx, sdt_pa, ACPI_HDR_LEN);
	n = (rd32(sdt + 4) - ACPI_HDR_LEN) / esize;
	sdt = pm->map(pm->ctx, sdt_pa, rd32(sdt + 4));
	for (uint32_t i = 0; i < n; i++)
		table(pm, esize == 8 ? rd64(sdt + ACPI_HDR_LEN + 8 * i) : rd32(sdt + ACPI_HDR_LEN + 4 * i));
	printk_raw("acpidump end\n");
}
