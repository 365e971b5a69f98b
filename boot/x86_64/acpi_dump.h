/*
 * acpi_dump.h - the raw boot data in hex on the console, for the host tests' fixtures (capture.sh):
 * phase 0 prints it when the command line has the word `acpidump`, then powers off.
 */
#ifndef BOOT_X86_64_ACPI_DUMP_H
#define BOOT_X86_64_ACPI_DUMP_H

#include "acpi.h"

/*
 * Print, between the lines "acpidump begin" and "acpidump end", one "blob PA LEN" line followed by
 * LEN bytes in hex (32 per line) for: the start info, its memory map, command line and module
 * list, the RSDP, the RSDT or XSDT and every table it lists. @rsdp_pa is the one acpi_parse used.
 * Only lengths are checked (the tables were checked by acpi_parse before).
 */
void acpi_dump(const phys_map_t *pm, paddr_t start_info_pa, paddr_t rsdp_pa);

#endif /* BOOT_X86_64_ACPI_DUMP_H */
