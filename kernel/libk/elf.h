/*
 * elf.h - a bounds-checked reader of ELF64 little-endian executables, for exec.
 *
 * The parser decodes and validates the ELF header and the program header table of a static
 * executable (ET_EXEC, or ET_DYN without PT_INTERP: a static-pie) and reports what a loader needs:
 * the entry point, the PT_LOAD segments and the address of the program header table for AT_PHDR.
 * It does not map anything. The file is read through a callback, because an executable lives in a
 * page cache, not in contiguous memory; the parser never asks for a byte at or beyond file_size.
 *
 * Every field of the file is untrusted: a malformed or unsupported file gives ENOEXEC, never a panic,
 * and only the callback's own errors are passed through. The functions keep no state (no globals, no
 * allocation): they may run on any core of any cluster, and they sleep only if the callback does.
 */
#ifndef LIBK_ELF_H
#define LIBK_ELF_H

#include <hal_types.h>
#include <params.h>

/* ---- the file format (System V gABI), as far as exec needs it ---- */

#define EI_NIDENT     16
#define EI_MAG0       0
#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define ELFMAG        "\177ELF"
#define ELFMAG_LEN    4
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1

#define ET_EXEC       2             /* executable at fixed addresses                    */
#define ET_DYN        3             /* position-independent: here, a static-pie only    */

#define EM_X86_64     62
#define EM_RISCV      243

#define PT_NULL       0
#define PT_LOAD       1
#define PT_DYNAMIC    2
#define PT_INTERP     3
#define PT_PHDR       6

#define PF_X          0x1           /* p_flags: executable                              */
#define PF_W          0x2           /* p_flags: writable                                */
#define PF_R          0x4           /* p_flags: readable                                */

typedef struct elf64_ehdr_s {
	uint8_t  e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
} Elf64_Ehdr;

typedef struct elf64_phdr_s {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
} Elf64_Phdr;

_Static_assert(sizeof(Elf64_Ehdr) == 64, "Elf64_Ehdr is 64 bytes");
_Static_assert(sizeof(Elf64_Phdr) == 56, "Elf64_Phdr is 56 bytes");

/* ---- what the parser reports ---- */

/* One PT_LOAD segment with a non-zero memory size, as the file says. */
typedef struct elf_segment_s {
	uint64_t vaddr;             /* first byte in memory (for ET_DYN: before the load bias) */
	uint64_t memsz;             /* bytes in memory, > 0; [filesz, memsz) is zero-filled    */
	uint64_t filesz;            /* bytes from the file, <= memsz                           */
	uint64_t offset;            /* file offset of the first byte                           */
	uint32_t flags;             /* PF_R | PF_W | PF_X                                      */
} elf_segment_t;

typedef struct elf_info_s {
	uint16_t      type;         /* ET_EXEC or ET_DYN                                      */
	uint16_t      phnum;        /* e_phnum, for AT_PHNUM                                  */
	uint16_t      phentsize;    /* e_phentsize (= sizeof(Elf64_Phdr)), for AT_PHENT       */
	bool          has_interp;   /* a PT_INTERP was seen (the file is then refused)        */
	uint64_t      entry;        /* e_entry, inside an executable segment                  */
	uint64_t      phdr_vaddr;   /* address of the program header table for AT_PHDR, or 0
				       when no PT_PHDR and no segment maps it                 */
	uint64_t      vaddr_lo;     /* lowest segment address                                 */
	uint64_t      vaddr_hi;     /* end of the highest segment (vaddr + memsz), exclusive  */
	uint32_t      nsegs;        /* valid entries of segs, 1..CONFIG_ELF_MAX_SEGMENTS      */
	elf_segment_t segs[CONFIG_ELF_MAX_SEGMENTS]; /* by increasing vaddr, disjoint pages  */
} elf_info_t;

/*
 * Read @size bytes at @offset of the file into @buf. The parser calls it only with
 * 0 < size and offset + size <= file_size. Returns 0, or an error (EIO...) that elf_parse passes on.
 */
typedef error_t (*elf_read_fn)(void *ctx, uint64_t offset, void *buf, size_t size);

/*
 * Decode and validate the executable of @file_size bytes read through @read(@ctx, ...).
 * [in]  machine     the e_machine to accept (EM_RISCV, EM_X86_64)
 * [in]  user_limit  every segment must end at or below it (vaddr + memsz <= user_limit); for
 *                   ET_DYN the addresses are before the load bias, so pass the limit minus the bias
 * [out] out         the decoded executable; on failure it is zeroed, except has_interp
 * [out] why         if not NULL: a short static string saying what was wrong ("" on success)
 * Returns 0; ENOEXEC if the file is malformed or unsupported (empty, bad identification, machine or
 * type, a program header table or a PT_LOAD that lies outside the file, overflows, exceeds
 * user_limit, is misaligned or overlaps another one, no PT_LOAD or more than CONFIG_ELF_MAX_SEGMENTS,
 * an entry outside every executable segment, a PT_INTERP: dynamic executables are not supported);
 * or the error of a failed @read.
 * Loader-facing rules beyond the gABI: PT_LOAD entries must be sorted by vaddr (as the gABI says),
 * two of them may not share a page, and a segment with file content must have vaddr and offset
 * congruent modulo CONFIG_PAGE_SIZE (each becomes a page-aligned vseg backed by the page cache).
 */
error_t elf_parse(elf_read_fn read, void *ctx, uint64_t file_size, uint16_t machine,
		  uint64_t user_limit, elf_info_t *out, const char **why);

#endif /* LIBK_ELF_H */
