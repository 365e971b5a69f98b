/*
 * invariants.h - what a successful elf_parse or cpio_next guarantees, checked on its output.
 *
 * Shared by the host tests (test_elf.c, test_cpio.c) and the libFuzzer harnesses: whatever the
 * input, a parser either fails or returns a result that satisfies its contract. Each function
 * returns NULL when the contract holds, or a description of the first violation.
 */
#ifndef TESTS_FUZZ_INVARIANTS_H
#define TESTS_FUZZ_INVARIANTS_H

#include <fs/cpio.h>
#include <libk/elf.h>

#include <string.h>

/* @info comes from elf_parse(..., @file_size, ..., @user_limit, ...) that returned 0. */
static inline const char *elf_info_violation(const elf_info_t *info, uint64_t file_size,
					     uint64_t user_limit)
{
	bool entry_ok = false, phdr_ok = info->phdr_vaddr == 0;

	if (info->type != ET_EXEC && info->type != ET_DYN)
		return "type is neither ET_EXEC nor ET_DYN";
	if (info->has_interp)
		return "accepted with a PT_INTERP";
	if (info->phentsize != sizeof(Elf64_Phdr) || info->phnum == 0 || info->phnum > CONFIG_ELF_MAX_PHDRS)
		return "bad phentsize or phnum";
	if (info->nsegs == 0 || info->nsegs > CONFIG_ELF_MAX_SEGMENTS)
		return "bad segment count";
	for (uint32_t i = 0; i < info->nsegs; i++) {
		const elf_segment_t *s = &info->segs[i];

		if (s->memsz == 0 || s->filesz > s->memsz)
			return "segment sizes";
		if (s->offset > file_size || s->filesz > file_size - s->offset)
			return "segment outside the file";
		if (s->vaddr > user_limit || s->memsz > user_limit - s->vaddr)
			return "segment beyond the user limit";
		if (s->flags & ~(uint32_t)(PF_R | PF_W | PF_X))
			return "unknown segment flags";
		if (i > 0 && (s->vaddr >> CONFIG_PAGE_SHIFT) <=
			     ((s[-1].vaddr + s[-1].memsz - 1) >> CONFIG_PAGE_SHIFT))
			return "segments not sorted or sharing a page";
		if ((s->flags & PF_X) && info->entry >= s->vaddr && info->entry - s->vaddr < s->memsz)
			entry_ok = true;
		if (info->phdr_vaddr >= s->vaddr && info->phdr_vaddr - s->vaddr < s->filesz &&
		    info->phnum * sizeof(Elf64_Phdr) <= s->filesz - (info->phdr_vaddr - s->vaddr))
			phdr_ok = true;
	}
	if (!entry_ok)
		return "entry outside every executable segment";
	if (!phdr_ok)
		return "program header table address outside the file content";
	if (info->vaddr_lo != info->segs[0].vaddr ||
	    info->vaddr_hi != info->segs[info->nsegs - 1].vaddr + info->segs[info->nsegs - 1].memsz)
		return "vaddr_lo or vaddr_hi";
	return NULL;
}

/* @e comes from cpio_next(@base, @size, &offset, @e) that returned 0 and moved offset from @before
 * to @after. */
static inline const char *cpio_entry_violation(const void *base, size_t size, size_t before, size_t after,
					       const cpio_entry_t *e)
{
	const char *b = base, *name = e->name, *data = e->data;

	if (after <= before || after > size || (after % 4 != 0 && after != size))
		return "offset did not move forward to an aligned position inside the buffer";
	if (after - before < CPIO_HEADER_SIZE + 2)
		return "entry shorter than a header and a name";
	if (name < b + before + CPIO_HEADER_SIZE || name > b + size ||
	    e->name_len >= (size_t)(b + size - name))
		return "name outside the entry";
	if (name[e->name_len] != '\0' || strlen(name) != e->name_len || e->name_len + 1 > CPIO_NAME_MAX)
		return "name not terminated at name_len";
	if (data < name + e->name_len + 1 || data > b + size || e->size > (size_t)(b + size - data))
		return "data outside the buffer";
	if (data + e->size > b + after)
		return "data beyond the next entry";
	return NULL;
}

#endif /* TESTS_FUZZ_INVARIANTS_H */
