/*
 * test_elf.c - the ELF64 executable parser (kernel/libk/elf.c), on the host.
 *
 * Real executables built at build time (elf.cmake) are parsed and compared with what readelf says of
 * them (elf_expect.h). Then the parser gets malformed variants made in memory from them or from a
 * synthetic image: one test per check of elf_parse, truncation at every length, failing reads, and
 * random mutations with a fixed seed. The read callback fails the test if the parser asks for a byte
 * outside the file; ASan and UBSan watch everything else.
 */
#include <libk/elf.h>
#include <libk/errno.h>

#include "elf_expect.h"
#include "fuzz/invariants.h"
#include "htest.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USER_LIMIT  (1ULL << 38)        /* user space of Sv39 */
#define PAGE        0x1000ULL

/* An executable in memory, read by elf_parse through image_read. */
typedef struct image_s {
	uint8_t *data;
	size_t   size;                  /* bytes at data                                       */
	uint64_t file_size;             /* what elf_parse is told, <= size                     */
	unsigned reads;                 /* calls of image_read in the current parse            */
	unsigned fail_at;               /* index of the read that fails with fail_err, or UINT_MAX */
	error_t  fail_err;
} image_t;

static error_t image_read(void *ctx, uint64_t offset, void *buf, size_t size)
{
	image_t *im = ctx;

	if (size == 0 || offset > im->file_size || size > im->file_size - offset) {
		ht_fail(__FILE__, __LINE__, "elf_parse read outside the file");
		return EIO;
	}
	if (im->reads++ == im->fail_at)
		return im->fail_err;
	memcpy(buf, im->data + offset, size);
	return 0;
}

static error_t parse_limit(image_t *im, uint16_t machine, uint64_t limit, elf_info_t *info, const char **why)
{
	im->reads = 0;
	return elf_parse(image_read, im, im->file_size, machine, limit, info, why);
}

static error_t parse(image_t *im, uint16_t machine, elf_info_t *info, const char **why)
{
	return parse_limit(im, machine, USER_LIMIT, info, why);
}

static const struct elf_expect *expect_find(const char *name)
{
	for (size_t i = 0; i < sizeof(elf_expects) / sizeof(elf_expects[0]); i++) {
		if (strcmp(elf_expects[i].name, name) == 0)
			return &elf_expects[i];
	}
	return NULL;
}

/* Read the executable @name of elf_expect.h; data is NULL if it cannot be read. */
static image_t image_load(const char *name)
{
	const struct elf_expect *e = expect_find(name);
	image_t im = { .fail_at = UINT_MAX };
	FILE *f = e ? fopen(e->path, "rb") : NULL;
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	im.data = malloc((size_t)size);
	if (im.data && fread(im.data, 1, (size_t)size, f) == (size_t)size) {
		im.size = (size_t)size;
		im.file_size = (uint64_t)size;
	} else {
		free(im.data);
		im.data = NULL;
	}
out:
	if (f)
		fclose(f);
	if (im.data == NULL)
		printf("# cannot read test executable %s\n", name);
	return im;
}

static void image_free(image_t *im)
{
	free(im->data);
	im->data = NULL;
}

static Elf64_Ehdr *ehdr(image_t *im)
{
	return (Elf64_Ehdr *)im->data;
}

/* Program header @i, where the unmodified e_phoff of the image says. */
static Elf64_Phdr *phdr(image_t *im, unsigned i)
{
	return (Elf64_Phdr *)(im->data + ehdr(im)->e_phoff) + i;
}

/* The @nth PT_LOAD of @im (0 = the first). */
static Elf64_Phdr *load(image_t *im, unsigned nth)
{
	for (unsigned i = 0; i < ehdr(im)->e_phnum; i++) {
		if (phdr(im, i)->p_type == PT_LOAD && nth-- == 0)
			return phdr(im, i);
	}
	abort();
}

/*
 * A synthetic riscv64 executable of @nphdr program headers, the first @nloads of them PT_LOAD
 * (others PT_NULL): load i is the file page i, at 0x10000 + 2 pages * i, with half a page of bss;
 * load 0 is R+X (the entry is in it, and it maps the headers), the others R+W.
 */
static image_t synth_image(unsigned nphdr, unsigned nloads)
{
	size_t size = (size_t)(nloads + 1) * PAGE;
	image_t im = { .data = calloc(1, size), .size = size, .file_size = size, .fail_at = UINT_MAX };
	Elf64_Ehdr *eh = ehdr(&im);

	memcpy(eh->e_ident, ELFMAG, ELFMAG_LEN);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_RISCV;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0x10100;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = (uint16_t)nphdr;
	for (unsigned i = 0; i < nloads; i++) {
		Elf64_Phdr *ph = phdr(&im, i);

		ph->p_type = PT_LOAD;
		ph->p_flags = i == 0 ? PF_R | PF_X : PF_R | PF_W;
		ph->p_offset = i * PAGE;
		ph->p_vaddr = ph->p_paddr = 0x10000 + 2 * PAGE * i;
		ph->p_filesz = PAGE;
		ph->p_memsz = PAGE + PAGE / 2;
		ph->p_align = PAGE;
	}
	return im;
}

/* Parse @im and fail unless the result is ENOEXEC with a reason containing @reason. */
#define CHECK_REJECT(im, machine, reason) check_reject((im), (machine), (reason), __LINE__)
static void check_reject(image_t *im, uint16_t machine, const char *reason, int line)
{
	elf_info_t info;
	const char *why = NULL;
	error_t err = parse(im, machine, &info, &why);

	if (err != ENOEXEC || why == NULL || strstr(why, reason) == NULL) {
		printf("# expected ENOEXEC \"%s\", got %d \"%s\"\n", reason, err, why ? why : "(null)");
		ht_fail(__FILE__, line, reason);
	}
	if (info.nsegs != 0 || info.entry != 0 || info.type != 0)
		ht_fail(__FILE__, line, "output not cleared on failure");
}

/* Parse @im and fail unless it is accepted; *@info gets the result. */
#define CHECK_ACCEPT(im, info) check_accept((im), (info), __LINE__)
static void check_accept(image_t *im, elf_info_t *info, int line)
{
	const char *why = NULL, *bad;
	error_t err = parse(im, EM_RISCV, info, &why);

	if (err != 0) {
		printf("# expected success, got %d \"%s\"\n", err, why ? why : "(null)");
		ht_fail(__FILE__, line, "elf_parse failed");
	} else if ((bad = elf_info_violation(info, im->file_size, USER_LIMIT)) != NULL) {
		printf("# contract violated: %s\n", bad);
		ht_fail(__FILE__, line, "elf_info_violation");
	}
}

/* ---- real executables ---- */

static void check_matches(const struct elf_expect *e, const elf_info_t *info, uint64_t file_size)
{
	HT_CHECK(info->type == e->type);
	HT_CHECK(info->entry == e->entry);
	HT_CHECK(info->phnum == e->phnum);
	HT_CHECK(info->phentsize == e->phentsize);
	HT_CHECK(info->phdr_vaddr == e->phdr_vaddr);
	HT_CHECK(!info->has_interp);
	HT_REQUIRE(info->nsegs == e->nsegs);
	for (uint32_t i = 0; i < e->nsegs; i++) {
		HT_CHECK(info->segs[i].vaddr == e->segs[i].vaddr);
		HT_CHECK(info->segs[i].memsz == e->segs[i].memsz);
		HT_CHECK(info->segs[i].filesz == e->segs[i].filesz);
		HT_CHECK(info->segs[i].offset == e->segs[i].offset);
		HT_CHECK(info->segs[i].flags == e->segs[i].flags);
	}
	HT_CHECK(info->vaddr_lo == e->segs[0].vaddr);
	HT_CHECK(info->vaddr_hi == e->segs[e->nsegs - 1].vaddr + e->segs[e->nsegs - 1].memsz);
	HT_CHECK(elf_info_violation(info, file_size, USER_LIMIT) == NULL);
}

HT_TEST(real_executables_match_readelf)
{
	static const char *const required[] = { "rv-static", "rv-dynamic", "rv-nostdlib", "rv-nostdlib-pie" };

	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		HT_CHECK(expect_find(required[i]) != NULL);
	for (size_t i = 0; i < sizeof(elf_expects) / sizeof(elf_expects[0]); i++) {
		const struct elf_expect *e = &elf_expects[i];
		image_t im = image_load(e->name);
		elf_info_t info;
		const char *why = NULL;
		error_t err;

		HT_REQUIRE(im.data != NULL);
		err = parse(&im, e->machine, &info, &why);
		printf("# %-16s type %u, %u segments: %s\n", e->name, e->type, e->nsegs,
		       err ? why : "accepted");
		if (e->interp) {
			HT_CHECK(err == ENOEXEC && strstr(why, "PT_INTERP") != NULL);
			HT_CHECK(info.has_interp && info.nsegs == 0);
		} else {
			HT_CHECK(err == 0 && strcmp(why, "") == 0);
			check_matches(e, &info, im.file_size);
		}
		image_free(&im);
	}
}

HT_TEST(static_pie_is_et_dyn_without_interp)
{
	const struct elf_expect *e = expect_find("rv-nostdlib-pie");
	image_t im = image_load("rv-nostdlib-pie");
	elf_info_t info;

	HT_REQUIRE(e != NULL && im.data != NULL);
	CHECK_ACCEPT(&im, &info);
	HT_CHECK(info.type == ET_DYN && !info.has_interp && info.vaddr_lo == 0);
	image_free(&im);
}

HT_TEST(other_machine_is_rejected)
{
	for (size_t i = 0; i < sizeof(elf_expects) / sizeof(elf_expects[0]); i++) {
		const struct elf_expect *e = &elf_expects[i];
		image_t im = image_load(e->name);

		HT_REQUIRE(im.data != NULL);
		CHECK_REJECT(&im, e->machine == EM_RISCV ? EM_X86_64 : EM_RISCV, "another machine");
		image_free(&im);
	}
}

HT_TEST(user_limit_is_inclusive_end)
{
	const struct elf_expect *e = expect_find("rv-static");
	image_t im = image_load("rv-static");
	uint64_t hi;
	elf_info_t info;
	const char *why;

	HT_REQUIRE(e != NULL && im.data != NULL);
	hi = e->segs[e->nsegs - 1].vaddr + e->segs[e->nsegs - 1].memsz;
	HT_CHECK(parse_limit(&im, EM_RISCV, hi, &info, &why) == 0);
	HT_CHECK(parse_limit(&im, EM_RISCV, hi - 1, &info, &why) == ENOEXEC);
	HT_CHECK(strstr(why, "user address limit") != NULL);
	HT_CHECK(parse_limit(&im, EM_RISCV, 0, &info, &why) == ENOEXEC);
	image_free(&im);
}

/* ---- one test per check, on mutated copies of rv-static (two PT_LOAD: text, then data) ---- */

#define PT_GNU_STACK 0x6474e551

static Elf64_Phdr *find_type(image_t *im, uint32_t type)
{
	for (unsigned i = 0; i < ehdr(im)->e_phnum; i++) {
		if (phdr(im, i)->p_type == type)
			return phdr(im, i);
	}
	abort();
}

/* A fresh copy of rv-static; the test stops if it is missing. */
#define BASE(im)                                                                                    \
	image_t im = image_load("rv-static");                                                       \
	HT_REQUIRE(im.data != NULL)

HT_TEST(reject_empty_and_short_files)
{
	BASE(im);
	im.file_size = 0;
	CHECK_REJECT(&im, EM_RISCV, "empty file");
	HT_CHECK(im.reads == 0);
	for (im.file_size = 1; im.file_size < sizeof(Elf64_Ehdr); im.file_size++)
		CHECK_REJECT(&im, EM_RISCV, "shorter than an ELF header");
	image_free(&im);
}

HT_TEST(reject_bad_identification)
{
	BASE(im);
	for (int i = 0; i < ELFMAG_LEN; i++) {
		im.data[i] ^= 0x20;
		CHECK_REJECT(&im, EM_RISCV, "bad magic");
		im.data[i] ^= 0x20;
	}
	ehdr(&im)->e_ident[EI_CLASS] = 1;                   /* ELFCLASS32 */
	CHECK_REJECT(&im, EM_RISCV, "64-bit");
	ehdr(&im)->e_ident[EI_CLASS] = ELFCLASS64;
	ehdr(&im)->e_ident[EI_DATA] = 2;                    /* ELFDATA2MSB */
	CHECK_REJECT(&im, EM_RISCV, "little-endian");
	ehdr(&im)->e_ident[EI_DATA] = ELFDATA2LSB;
	ehdr(&im)->e_ident[EI_VERSION] = 0;
	CHECK_REJECT(&im, EM_RISCV, "version");
	ehdr(&im)->e_ident[EI_VERSION] = EV_CURRENT;
	ehdr(&im)->e_version = 2;
	CHECK_REJECT(&im, EM_RISCV, "version");
	image_free(&im);
}

HT_TEST(reject_bad_machine_and_type)
{
	static const uint16_t types[] = { 0, 1, 4, 0xfe00, 0xffff };    /* NONE, REL, CORE, OS, PROC */

	BASE(im);
	ehdr(&im)->e_machine = EM_X86_64;
	CHECK_REJECT(&im, EM_RISCV, "another machine");
	ehdr(&im)->e_machine = EM_RISCV;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ehdr(&im)->e_type = types[i];
		CHECK_REJECT(&im, EM_RISCV, "not an executable");
	}
	image_free(&im);
}

HT_TEST(reject_bad_program_header_table)
{
	BASE(im);
	uint64_t phoff = ehdr(&im)->e_phoff, tab = ehdr(&im)->e_phnum * sizeof(Elf64_Phdr);

	ehdr(&im)->e_phentsize = 64;
	CHECK_REJECT(&im, EM_RISCV, "program header size");
	ehdr(&im)->e_phentsize = sizeof(Elf64_Phdr);
	ehdr(&im)->e_phnum = 0;
	CHECK_REJECT(&im, EM_RISCV, "no program headers");
	ehdr(&im)->e_phnum = CONFIG_ELF_MAX_PHDRS + 1;
	CHECK_REJECT(&im, EM_RISCV, "too many program headers");
	ehdr(&im)->e_phnum = 0xffff;                        /* PN_XNUM: extended numbering */
	CHECK_REJECT(&im, EM_RISCV, "too many program headers");
	ehdr(&im)->e_phnum = (uint16_t)(tab / sizeof(Elf64_Phdr));
	ehdr(&im)->e_phoff = im.file_size - tab + 1;
	CHECK_REJECT(&im, EM_RISCV, "program headers outside the file");
	ehdr(&im)->e_phoff = UINT64_MAX - 8;
	CHECK_REJECT(&im, EM_RISCV, "program headers outside the file");
	ehdr(&im)->e_phoff = phoff;
	im.file_size = phoff + tab - 1;
	CHECK_REJECT(&im, EM_RISCV, "program headers outside the file");
	image_free(&im);
}

HT_TEST(reject_load_sizes_outside_the_file)
{
	BASE(im);
	Elf64_Phdr *data = load(&im, 1), saved = *data;

	data->p_filesz = data->p_memsz + 1;
	CHECK_REJECT(&im, EM_RISCV, "filesz > memsz");
	*data = saved;
	data->p_offset = im.file_size - data->p_filesz + 1;
	data->p_vaddr = data->p_offset + 0x10000;            /* keep vaddr = offset mod p_align */
	CHECK_REJECT(&im, EM_RISCV, "beyond the end of the file");
	*data = saved;
	data->p_offset = UINT64_MAX - PAGE + 1;
	CHECK_REJECT(&im, EM_RISCV, "file range overflows");
	*data = saved;
	im.file_size = data->p_offset + data->p_filesz - 1;
	CHECK_REJECT(&im, EM_RISCV, "beyond the end of the file");
	image_free(&im);
}

HT_TEST(reject_load_addresses)
{
	BASE(im);
	Elf64_Phdr *data = load(&im, 1), saved = *data;

	data->p_vaddr = UINT64_MAX - PAGE + (data->p_offset % PAGE);
	CHECK_REJECT(&im, EM_RISCV, "address range overflows");
	data->p_vaddr = USER_LIMIT - data->p_memsz + 1;
	CHECK_REJECT(&im, EM_RISCV, "user address limit");
	*data = saved;
	data->p_align = 0x1800;
	CHECK_REJECT(&im, EM_RISCV, "not a power of two");
	*data = saved;
	data->p_vaddr += 8;
	CHECK_REJECT(&im, EM_RISCV, "congruent modulo p_align");
	data->p_align = 1;                                  /* no p_align rule: the page rule remains */
	CHECK_REJECT(&im, EM_RISCV, "congruent modulo the page size");
	data->p_align = 0;
	CHECK_REJECT(&im, EM_RISCV, "congruent modulo the page size");
	*data = saved;
	data->p_align = 1ULL << 63;                         /* a power of two, vaddr and offset differ */
	CHECK_REJECT(&im, EM_RISCV, "congruent modulo p_align");
	image_free(&im);
}

HT_TEST(reject_overlapping_or_unsorted_loads)
{
	BASE(im);
	Elf64_Phdr *text = load(&im, 0), *data = load(&im, 1), tmp;
	uint64_t text_end = text->p_vaddr + text->p_memsz, last_page = (text_end - 1) & ~(PAGE - 1);
	uint64_t in_page = data->p_offset % PAGE;          /* keeps vaddr = offset modulo the page */
	uint64_t vaddr = data->p_vaddr;

	data->p_vaddr = text->p_vaddr + in_page;            /* inside the text */
	CHECK_REJECT(&im, EM_RISCV, "overlap");
	data->p_vaddr = last_page - PAGE + in_page;         /* across the end of the text */
	CHECK_REJECT(&im, EM_RISCV, "overlap");
	data->p_vaddr = last_page + in_page;                /* in the text's last page */
	CHECK_REJECT(&im, EM_RISCV, data->p_vaddr >= text_end ? "share a page" : "overlap");
	data->p_vaddr = vaddr;
	tmp = *text;
	*text = *data;
	*data = tmp;
	CHECK_REJECT(&im, EM_RISCV, "not sorted");
	image_free(&im);
}

HT_TEST(reject_share_a_page)
{
	image_t im = synth_image(2, 2);
	Elf64_Phdr *data = phdr(&im, 1);
	elf_info_t info;

	data->p_vaddr = 0x10000 + PAGE + PAGE / 2 + 0x100; /* text ends at +1.5 pages: same page */
	data->p_align = 1;
	data->p_filesz = 0;
	CHECK_REJECT(&im, EM_RISCV, "share a page");
	data->p_vaddr = 0x10000 + 2 * PAGE;                 /* the next page: fine */
	CHECK_ACCEPT(&im, &info);
	image_free(&im);
}

HT_TEST(reject_no_load_and_too_many_loads)
{
	BASE(im);
	elf_info_t info;

	load(&im, 1)->p_type = PT_NULL;
	load(&im, 0)->p_type = PT_NULL;
	CHECK_REJECT(&im, EM_RISCV, "no PT_LOAD");
	image_free(&im);

	im = synth_image(CONFIG_ELF_MAX_SEGMENTS + 1, CONFIG_ELF_MAX_SEGMENTS + 1);
	CHECK_REJECT(&im, EM_RISCV, "too many PT_LOAD");
	image_free(&im);
	im = synth_image(CONFIG_ELF_MAX_PHDRS, CONFIG_ELF_MAX_SEGMENTS);
	CHECK_ACCEPT(&im, &info);
	HT_CHECK(info.nsegs == CONFIG_ELF_MAX_SEGMENTS && info.phnum == CONFIG_ELF_MAX_PHDRS);
	HT_CHECK(info.phdr_vaddr == 0x10000 + sizeof(Elf64_Ehdr));
	image_free(&im);
}

HT_TEST(empty_loads_are_ignored)
{
	BASE(im);
	Elf64_Phdr *stack = find_type(&im, PT_GNU_STACK);
	elf_info_t info;

	/* An empty PT_LOAD at address 0, after the others: neither recorded nor "unsorted". */
	memset(stack, 0, sizeof(*stack));
	stack->p_type = PT_LOAD;
	CHECK_ACCEPT(&im, &info);
	HT_CHECK(info.nsegs == 2);
	stack->p_filesz = 1;
	CHECK_REJECT(&im, EM_RISCV, "filesz > memsz");
	stack->p_filesz = 0;
	load(&im, 0)->p_memsz = load(&im, 0)->p_filesz = 0;
	load(&im, 1)->p_memsz = load(&im, 1)->p_filesz = 0;
	CHECK_REJECT(&im, EM_RISCV, "no PT_LOAD");
	image_free(&im);
}

HT_TEST(reject_entry_outside_executable_segments)
{
	BASE(im);
	Elf64_Phdr *text = load(&im, 0), *data = load(&im, 1);
	uint64_t entry = ehdr(&im)->e_entry;
	elf_info_t info;

	ehdr(&im)->e_entry = data->p_vaddr;                 /* in a segment, not executable */
	CHECK_REJECT(&im, EM_RISCV, "entry point");
	ehdr(&im)->e_entry = text->p_vaddr + text->p_memsz; /* just past the text */
	CHECK_REJECT(&im, EM_RISCV, "entry point");
	ehdr(&im)->e_entry = 0;
	CHECK_REJECT(&im, EM_RISCV, "entry point");
	ehdr(&im)->e_entry = text->p_vaddr + text->p_memsz - 1;
	CHECK_ACCEPT(&im, &info);
	ehdr(&im)->e_entry = entry;
	text->p_flags &= ~(uint32_t)PF_X;
	CHECK_REJECT(&im, EM_RISCV, "entry point");
	image_free(&im);
}

HT_TEST(reject_interpreter)
{
	BASE(im);
	elf_info_t info;
	const char *why;

	find_type(&im, PT_GNU_STACK)->p_type = PT_INTERP;
	HT_CHECK(parse(&im, EM_RISCV, &info, &why) == ENOEXEC);
	HT_CHECK(info.has_interp && strstr(why, "dynamic executable") != NULL);
	image_free(&im);

	/* The dynamic executable without its PT_INTERP is accepted, AT_PHDR from its PT_PHDR. */
	im = image_load("rv-dynamic");
	HT_REQUIRE(im.data != NULL);
	find_type(&im, PT_INTERP)->p_type = PT_NULL;
	CHECK_ACCEPT(&im, &info);
	HT_CHECK(info.phdr_vaddr == find_type(&im, PT_PHDR)->p_vaddr && info.type == ET_DYN);
	image_free(&im);
}

HT_TEST(program_header_table_address)
{
	image_t im = synth_image(4, 2);
	Elf64_Phdr *ph = phdr(&im, 2);
	elf_info_t info;

	CHECK_ACCEPT(&im, &info);
	HT_CHECK(info.phdr_vaddr == 0x10000 + sizeof(Elf64_Ehdr));
	ph->p_type = PT_PHDR;
	ph->p_vaddr = 0x10000 + PAGE - 4 * sizeof(Elf64_Phdr);    /* last bytes of the text's file part */
	CHECK_ACCEPT(&im, &info);
	HT_CHECK(info.phdr_vaddr == ph->p_vaddr);
	ph->p_vaddr += 1;                                   /* one byte into the bss */
	CHECK_REJECT(&im, EM_RISCV, "PT_PHDR outside");
	ph->p_vaddr = 0x40000;
	CHECK_REJECT(&im, EM_RISCV, "PT_PHDR outside");
	ph->p_vaddr = UINT64_MAX - 8;
	CHECK_REJECT(&im, EM_RISCV, "PT_PHDR outside");
	ph->p_vaddr = 0x10040;
	*phdr(&im, 3) = *ph;
	CHECK_REJECT(&im, EM_RISCV, "more than one PT_PHDR");
	image_free(&im);

	/* No PT_PHDR, and no segment maps the table: AT_PHDR unknown (0). */
	im = synth_image(2, 2);
	for (unsigned i = 0; i < 2; i++)
		phdr(&im, i)->p_offset += PAGE;
	CHECK_ACCEPT(&im, &info);
	HT_CHECK(info.phdr_vaddr == 0);
	image_free(&im);
}

HT_TEST(read_errors_are_passed_on)
{
	static const error_t errs[] = { EIO, EFAULT, ENOMEM };

	BASE(im);
	elf_info_t info;
	const char *why;
	unsigned reads;

	HT_REQUIRE(parse(&im, EM_RISCV, &info, &why) == 0);
	reads = im.reads;
	HT_CHECK(reads == 1u + ehdr(&im)->e_phnum);         /* the header, then each program header */
	for (size_t e = 0; e < sizeof(errs) / sizeof(errs[0]); e++) {
		for (im.fail_at = 0; im.fail_at < reads; im.fail_at++) {
			im.fail_err = errs[e];
			HT_CHECK(parse(&im, EM_RISCV, &info, &why) == errs[e]);
			HT_CHECK(strcmp(why, "read error") == 0 && info.nsegs == 0);
			HT_CHECK(im.reads == im.fail_at + 1);       /* no read after the failure */
		}
	}
	image_free(&im);
}

/* ---- truncation and random mutations ---- */

static bool same_info(const elf_info_t *a, const elf_info_t *b)
{
	if (a->type != b->type || a->entry != b->entry || a->phnum != b->phnum || a->nsegs != b->nsegs ||
	    a->phdr_vaddr != b->phdr_vaddr || a->vaddr_lo != b->vaddr_lo || a->vaddr_hi != b->vaddr_hi)
		return false;
	for (uint32_t i = 0; i < a->nsegs; i++) {
		if (a->segs[i].vaddr != b->segs[i].vaddr || a->segs[i].memsz != b->segs[i].memsz ||
		    a->segs[i].filesz != b->segs[i].filesz || a->segs[i].offset != b->segs[i].offset ||
		    a->segs[i].flags != b->segs[i].flags)
			return false;
	}
	return true;
}

/* Bytes of the file elf_parse needs: the header, the program header table, the PT_LOAD contents. */
static uint64_t bytes_needed(const struct elf_expect *e)
{
	uint64_t need = e->phoff + (uint64_t)e->phnum * e->phentsize;

	for (uint32_t i = 0; i < e->nsegs; i++) {
		if (e->segs[i].offset + e->segs[i].filesz > need)
			need = e->segs[i].offset + e->segs[i].filesz;
	}
	return need;
}

HT_TEST(truncation_at_every_length)
{
	unsigned long parses = 0;

	for (size_t i = 0; i < sizeof(elf_expects) / sizeof(elf_expects[0]); i++) {
		const struct elf_expect *e = &elf_expects[i];
		image_t im = image_load(e->name);
		uint64_t need = bytes_needed(e);
		elf_info_t full, info;
		const char *why;
		bool ok = true;

		HT_REQUIRE(im.data != NULL);
		HT_REQUIRE(parse(&im, e->machine, &full, &why) == (e->interp ? ENOEXEC : 0));
		for (im.file_size = 0; im.file_size <= im.size && ok; im.file_size++, parses++) {
			error_t err = parse(&im, e->machine, &info, &why);

			if (!e->interp && im.file_size >= need)
				ok = err == 0 && same_info(&info, &full);
			else
				ok = err == ENOEXEC;
		}
		if (!ok)
			printf("# %s truncated to %llu bytes (needs %llu)\n", e->name,
			       (unsigned long long)im.file_size - 1, (unsigned long long)need);
		HT_CHECK(ok);
		image_free(&im);
	}
	printf("# %lu truncated parses\n", parses);
}

static uint64_t rng_state = 0x2545f4914f6cdd1dULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Values that sit on the edges of the checks. */
static uint64_t interesting(const image_t *im)
{
	static const uint64_t values[] = { 0, 1, 2, 7, 8, 56, 64, 0xfff, 0x1000, 0x1001, 0x10000,
					   USER_LIMIT - 1, USER_LIMIT, UINT32_MAX, 1ULL << 63,
					   UINT64_MAX - 0xfff, UINT64_MAX - 1, UINT64_MAX };
	uint64_t r = rng() % (sizeof(values) / sizeof(values[0]) + 2);

	if (r == sizeof(values) / sizeof(values[0]))
		return im->file_size - rng() % 64;
	if (r > sizeof(values) / sizeof(values[0]))
		return rng();
	return values[r];
}

/* Mutate 1 to 4 places of the first @span bytes of @im: a byte, a 16-bit or a 64-bit field. */
static void mutate(image_t *im, size_t span)
{
	for (uint64_t n = 1 + rng() % 4; n > 0; n--) {
		uint64_t kind = rng() % 4, v = interesting(im);
		size_t at = rng() % span;

		if (kind == 0) {
			im->data[at] = (uint8_t)rng();
		} else if (kind == 1) {
			at &= ~(size_t)1;
			memcpy(im->data + at, &(uint16_t){ (uint16_t)(rng() % 4 ? v : rng()) }, 2);
		} else if (at + 8 <= span) {
			at &= ~(size_t)7;
			memcpy(im->data + at, &v, 8);
		} else {
			im->data[at] ^= (uint8_t)(1u << (rng() % 8));
		}
	}
}

/* Run @runs random mutations of @im's headers; returns the number accepted. */
static unsigned long mutate_runs(image_t *im, uint16_t machine, unsigned runs)
{
	size_t span = im->size < 1024 ? im->size : 1024;    /* the headers and program headers */
	uint8_t *pristine = malloc(span);
	unsigned long accepted = 0;

	memcpy(pristine, im->data, span);
	for (unsigned r = 0; r < runs; r++) {
		elf_info_t info;
		const char *why, *bad;
		error_t err;

		memcpy(im->data, pristine, span);
		mutate(im, span);
		im->file_size = rng() % 8 ? im->size : rng() % (im->size + 1);
		im->fail_at = rng() % 16 ? UINT_MAX : (unsigned)(rng() % 20);
		im->fail_err = EIO;
		err = parse(im, machine, &info, &why);
		if (err == 0 && (bad = elf_info_violation(&info, im->file_size, USER_LIMIT)) != NULL) {
			printf("# run %u: accepted, but %s\n", r, bad);
			ht_fail(__FILE__, __LINE__, "contract of an accepted mutant");
		} else if (err != 0 && err != ENOEXEC && err != EIO) {
			ht_fail(__FILE__, __LINE__, "unexpected error");
		}
		accepted += err == 0;
	}
	memcpy(im->data, pristine, span);
	im->file_size = im->size;
	im->fail_at = UINT_MAX;
	free(pristine);
	return accepted;
}

HT_TEST(random_mutations)
{
	const unsigned runs = 5000;
	unsigned long total = 0, accepted = 0;
	image_t im;

	for (size_t i = 0; i < sizeof(elf_expects) / sizeof(elf_expects[0]); i++) {
		im = image_load(elf_expects[i].name);
		HT_REQUIRE(im.data != NULL);
		accepted += mutate_runs(&im, elf_expects[i].machine, runs);
		total += runs;
		image_free(&im);
	}
	im = synth_image(CONFIG_ELF_MAX_SEGMENTS, 4);
	accepted += mutate_runs(&im, EM_RISCV, 4 * runs);
	total += 4 * runs;
	image_free(&im);
	printf("# %lu mutants, %lu accepted\n", total, accepted);
	HT_CHECK(accepted > 0 && accepted < total);
}
