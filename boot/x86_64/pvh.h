/*
 * pvh.h - the PVH boot ABI's start info (Xen's public/arch-x86/hvm/start_info.h), as QEMU's
 * -kernel fills it for an ELF with the XEN_ELFNOTE_PHYS32_ENTRY note.
 *
 * The loader hands %ebx = physical address of an hvm_start_info; every address in it is physical.
 * Version 1 added the memory map (memmap_paddr, memmap_entries). Layouts are fixed by the ABI.
 */
#ifndef BOOT_X86_64_PVH_H
#define BOOT_X86_64_PVH_H

#include <stdint.h>

#define HVM_START_MAGIC  0x336ec578u

typedef struct hvm_start_info_s {
	uint32_t magic;           /* HVM_START_MAGIC                                          */
	uint32_t version;         /* 0: up to rsdp_paddr; 1: the memory map too               */
	uint32_t flags;           /* SIF_* (Xen), unused here                                 */
	uint32_t nr_modules;      /* entries at modlist_paddr                                 */
	uint64_t modlist_paddr;   /* hvm_modlist_entry_t[nr_modules]: the initrd for QEMU     */
	uint64_t cmdline_paddr;   /* NUL-terminated command line, 0 if none                   */
	uint64_t rsdp_paddr;      /* ACPI RSDP, 0 if the loader did not give it               */
	uint64_t memmap_paddr;    /* hvm_memmap_entry_t[memmap_entries] (version >= 1)        */
	uint32_t memmap_entries;
	uint32_t reserved;
} hvm_start_info_t;

typedef struct hvm_modlist_entry_s {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
} hvm_modlist_entry_t;

/* The memory map's types are the ACPI address range types (the e820 types). */
#define HVM_MEMMAP_RAM       1
#define HVM_MEMMAP_RESERVED  2
#define HVM_MEMMAP_ACPI      3
#define HVM_MEMMAP_NVS       4
#define HVM_MEMMAP_UNUSABLE  5

typedef struct hvm_memmap_entry_s {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
} hvm_memmap_entry_t;

_Static_assert(sizeof(hvm_start_info_t) == 56, "hvm_start_info layout");
_Static_assert(sizeof(hvm_modlist_entry_t) == 32, "hvm_modlist_entry layout");
_Static_assert(sizeof(hvm_memmap_entry_t) == 24, "hvm_memmap_table_entry layout");

#endif /* BOOT_X86_64_PVH_H */
