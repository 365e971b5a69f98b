/*
 * elf.c - a bounds-checked reader of ELF64 little-endian executables (see elf.h).
 *
 * Decode, then check, then record: every value read from the file is checked before it is used in
 * an address or a size, and every addition of two file values is checked for overflow. The program
 * headers are read one at a time into a local copy (the file may sit in a page cache, and a table of
 * CONFIG_ELF_MAX_PHDRS entries would not belong on a kernel stack).
 */
#include <libk/bits.h>
#include <libk/elf.h>
#include <libk/errno.h>
#include <libk/string.h>

/* The structures are read as they lie in the file: the host must be little-endian like the file. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "elf.c reads little-endian fields in place");

/* One parse in progress. */
typedef struct elf_parser_s {
	elf_read_fn read;
	void       *ctx;
	uint64_t    file_size;
	uint64_t    user_limit;
	uint64_t    phoff;          /* e_phoff, once checked                              */
	uint64_t    phtab_size;     /* e_phnum * e_phentsize, once checked                */
	bool        has_phdr;       /* a PT_PHDR was seen; its address in phdr_vaddr      */
	elf_info_t *out;
	const char *why;            /* reason of the failure, a static string             */
} elf_parser_t;

/* Record @why as the reason and return ENOEXEC. */
static error_t elf_reject(elf_parser_t *p, const char *why)
{
	p->why = why;
	return ENOEXEC;
}

/* Read @size bytes at @offset (checked by the caller to lie in the file); a failure is passed on. */
static error_t elf_read(elf_parser_t *p, uint64_t offset, void *buf, size_t size)
{
	error_t err = p->read(p->ctx, offset, buf, size);

	if (err != 0)
		p->why = "read error";
	return err;
}

/* Check the identification and the fields of the ELF header @eh that do not depend on segments. */
static error_t elf_check_ehdr(elf_parser_t *p, const Elf64_Ehdr *eh, uint16_t machine)
{
	uint64_t end;

	if (memcmp(&eh->e_ident[EI_MAG0], ELFMAG, ELFMAG_LEN) != 0)
		return elf_reject(p, "not an ELF file (bad magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return elf_reject(p, "not a 64-bit ELF file");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return elf_reject(p, "not a little-endian ELF file");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return elf_reject(p, "unknown ELF version");
	if (eh->e_machine != machine)
		return elf_reject(p, "ELF file for another machine");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return elf_reject(p, "ELF file is not an executable (type not EXEC or DYN)");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return elf_reject(p, "bad program header size");
	if (eh->e_phnum == 0)
		return elf_reject(p, "no program headers");
	if (eh->e_phnum > CONFIG_ELF_MAX_PHDRS)
		return elf_reject(p, "too many program headers");
	p->phtab_size = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (__builtin_add_overflow(eh->e_phoff, p->phtab_size, &end) || end > p->file_size)
		return elf_reject(p, "program headers outside the file");
	p->phoff = eh->e_phoff;
	return 0;
}

/* Check the PT_LOAD @ph on its own: sizes, bounds in the file and in memory, alignment. */
static error_t elf_check_load(elf_parser_t *p, const Elf64_Phdr *ph)
{
	uint64_t end;

	if (ph->p_filesz > ph->p_memsz)
		return elf_reject(p, "PT_LOAD with filesz > memsz");
	if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &end))
		return elf_reject(p, "PT_LOAD file range overflows");
	if (end > p->file_size)
		return elf_reject(p, "PT_LOAD beyond the end of the file");
	if (__builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &end))
		return elf_reject(p, "PT_LOAD address range overflows");
	if (end > p->user_limit)
		return elf_reject(p, "PT_LOAD beyond the user address limit");
	if (ph->p_align > 1 && !IS_POW2(ph->p_align))
		return elf_reject(p, "PT_LOAD alignment not a power of two");
	if (ph->p_align > 1 && ph->p_vaddr % ph->p_align != ph->p_offset % ph->p_align)
		return elf_reject(p, "PT_LOAD vaddr and offset not congruent modulo p_align");
	/* The loader maps file pages of the page cache: a page of the segment is a page of the file. */
	if (ph->p_filesz > 0 && ph->p_vaddr % CONFIG_PAGE_SIZE != ph->p_offset % CONFIG_PAGE_SIZE)
		return elf_reject(p, "PT_LOAD vaddr and offset not congruent modulo the page size");
	return 0;
}

/* Check the PT_LOAD @ph and append it to the segments, after the previous one. */
static error_t elf_add_load(elf_parser_t *p, const Elf64_Phdr *ph)
{
	elf_info_t *out = p->out;
	elf_segment_t *seg;
	error_t err = elf_check_load(p, ph);

	if (err != 0)
		return err;
	if (ph->p_memsz == 0)
		return 0;               /* maps nothing: ignored, as Linux does */
	if (out->nsegs == CONFIG_ELF_MAX_SEGMENTS)
		return elf_reject(p, "too many PT_LOAD segments");
	if (out->nsegs > 0) {
		const elf_segment_t *prev = &out->segs[out->nsegs - 1];
		uint64_t prev_end = prev->vaddr + prev->memsz;  /* checked by elf_check_load */

		if (ph->p_vaddr < prev->vaddr)
			return elf_reject(p, "PT_LOAD segments not sorted by address");
		if (ph->p_vaddr < prev_end)
			return elf_reject(p, "PT_LOAD segments overlap");
		/* Each segment becomes its own page-aligned vseg. */
		if (ph->p_vaddr >> CONFIG_PAGE_SHIFT == (prev_end - 1) >> CONFIG_PAGE_SHIFT)
			return elf_reject(p, "PT_LOAD segments share a page");
	}
	seg = &out->segs[out->nsegs++];
	seg->vaddr = ph->p_vaddr;
	seg->memsz = ph->p_memsz;
	seg->filesz = ph->p_filesz;
	seg->offset = ph->p_offset;
	seg->flags = ph->p_flags & (PF_R | PF_W | PF_X);
	return 0;
}

/* Read every program header and record what it says; ignore types exec does not need. */
static error_t elf_scan_phdrs(elf_parser_t *p, uint16_t phnum)
{
	for (uint16_t i = 0; i < phnum; i++) {
		Elf64_Phdr ph;
		error_t err = elf_read(p, p->phoff + (uint64_t)i * sizeof(ph), &ph, sizeof(ph));

		if (err != 0)
			return err;
		switch (ph.p_type) {
		case PT_LOAD:
			err = elf_add_load(p, &ph);
			break;
		case PT_INTERP:
			p->out->has_interp = true;
			break;
		case PT_PHDR:
			if (p->has_phdr)
				return elf_reject(p, "more than one PT_PHDR");
			p->has_phdr = true;
			p->out->phdr_vaddr = ph.p_vaddr;
			break;
		default:
			break;
		}
		if (err != 0)
			return err;
	}
	return 0;
}

/* Returns the segment holding [vaddr, vaddr + size) in its file part, or NULL. */
static const elf_segment_t *elf_find_file_range(const elf_info_t *out, uint64_t vaddr, uint64_t size)
{
	uint64_t end;

	if (__builtin_add_overflow(vaddr, size, &end))
		return NULL;
	for (uint32_t i = 0; i < out->nsegs; i++) {
		const elf_segment_t *seg = &out->segs[i];

		if (vaddr >= seg->vaddr && end <= seg->vaddr + seg->filesz)
			return seg;
	}
	return NULL;
}

/* Find the address of the program header table: PT_PHDR, or the first segment mapping e_phoff. */
static error_t elf_locate_phdrs(elf_parser_t *p)
{
	elf_info_t *out = p->out;

	if (p->has_phdr) {
		if (elf_find_file_range(out, out->phdr_vaddr, p->phtab_size) == NULL)
			return elf_reject(p, "PT_PHDR outside the loaded file content");
		return 0;
	}
	for (uint32_t i = 0; i < out->nsegs; i++) {
		const elf_segment_t *seg = &out->segs[i];

		/* offset + filesz <= file_size, so these differences cannot wrap. */
		if (p->phoff >= seg->offset && p->phoff + p->phtab_size <= seg->offset + seg->filesz) {
			out->phdr_vaddr = seg->vaddr + (p->phoff - seg->offset);
			return 0;
		}
	}
	out->phdr_vaddr = 0;            /* not mapped: AT_PHDR unknown (glibc then uses __ehdr_start) */
	return 0;
}

/* The checks that need the whole table: something to load, the entry point, AT_PHDR. */
static error_t elf_check_image(elf_parser_t *p)
{
	elf_info_t *out = p->out;
	const elf_segment_t *last;
	bool entry_ok = false;

	if (out->has_interp)
		return elf_reject(p, "dynamic executable (PT_INTERP) not supported");
	if (out->nsegs == 0)
		return elf_reject(p, "no PT_LOAD segment");
	for (uint32_t i = 0; i < out->nsegs; i++) {
		const elf_segment_t *seg = &out->segs[i];

		if ((seg->flags & PF_X) && out->entry >= seg->vaddr && out->entry - seg->vaddr < seg->memsz)
			entry_ok = true;
	}
	if (!entry_ok)
		return elf_reject(p, "entry point outside every executable segment");
	last = &out->segs[out->nsegs - 1];
	out->vaddr_lo = out->segs[0].vaddr;
	out->vaddr_hi = last->vaddr + last->memsz;
	return elf_locate_phdrs(p);
}

/* The whole parse; fills p->out as it goes. */
static error_t elf_parse_file(elf_parser_t *p, uint16_t machine)
{
	Elf64_Ehdr eh;
	error_t err;

	if (p->file_size == 0)
		return elf_reject(p, "empty file");
	if (p->file_size < sizeof(eh))
		return elf_reject(p, "file shorter than an ELF header");
	err = elf_read(p, 0, &eh, sizeof(eh));
	if (err == 0)
		err = elf_check_ehdr(p, &eh, machine);
	if (err != 0)
		return err;
	p->out->type = eh.e_type;
	p->out->phnum = eh.e_phnum;
	p->out->phentsize = eh.e_phentsize;
	p->out->entry = eh.e_entry;
	err = elf_scan_phdrs(p, eh.e_phnum);
	if (err != 0)
		return err;
	return elf_check_image(p);
}

error_t elf_parse(elf_read_fn read, void *ctx, uint64_t file_size, uint16_t machine,
		  uint64_t user_limit, elf_info_t *out, const char **why)
{
	elf_parser_t p = {
		.read = read, .ctx = ctx, .file_size = file_size, .user_limit = user_limit,
		.out = out, .why = "",
	};
	error_t err;

	memset(out, 0, sizeof(*out));
	err = elf_parse_file(&p, machine);
	if (err != 0) {
		bool interp = out->has_interp;

		memset(out, 0, sizeof(*out));
		out->has_interp = interp;
	}
	if (why != NULL)
		*why = p.why;
	return err;
}
