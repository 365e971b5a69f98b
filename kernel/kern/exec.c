/*
 * exec.c - loading a static ELF executable and building the Linux initial stack (see exec.h).
 *
 * Validate, then commit: the path, the file and every ELF header are checked (elf_parse) before any
 * vseg is created. The initial stack, from its top down: the strings (execfn, argv, envp), 16
 * random bytes (AT_RANDOM), the platform name; then, 16-byte aligned, argc, argv[], NULL, envp[],
 * NULL, the auxiliary vector; sp points at argc.
 */
#include <fs/vfs.h>
#include <hal_special.h>
#include <kern/exec.h>
#include <kern/printk.h>
#include <kern/random.h>
#include <libk/bits.h>
#include <libk/elf.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>

/* Auxiliary vector entries (Linux include/uapi/linux/auxvec.h). */
#define AT_NULL     0
#define AT_PHDR     3
#define AT_PHENT    4
#define AT_PHNUM    5
#define AT_PAGESZ   6
#define AT_BASE     7
#define AT_FLAGS    8
#define AT_ENTRY    9
#define AT_UID      11
#define AT_EUID     12
#define AT_GID      13
#define AT_EGID     14
#define AT_PLATFORM 15
#define AT_HWCAP    16
#define AT_CLKTCK   17
#define AT_SECURE   23
#define AT_RANDOM   25
#define AT_EXECFN   31
#define AUXV_MAX    20

static error_t read_file(void *ctx, uint64_t offset, void *buf, size_t size)
{
	int64_t n = vfs_kernel_read(*(xptr_t *)ctx, offset, buf, size);

	return n == (int64_t)size ? 0 : (n < 0 ? (error_t)-n : EIO);
}

/* Look the file up and parse it. On success *inode_xp holds a reference on the file. */
static error_t open_executable(process_t *p, const char *path, xptr_t *inode_xp, elf_info_t *info,
			       uint64_t *bias)
{
	xptr_t cwd = process_cwd(XPTR(local_cxy, p));
	const char *why = "";
	error_t error = vfs_lookup(cwd, path, VFS_LOOKUP_FOLLOW, inode_xp);

	vfs_inode_put(cwd);
	if (error)
		return error;
	if (!vfs_inode_is_reg(*inode_xp) || vfs_access(*inode_xp, VFS_X_OK))
		error = EACCES;
	else {
		uint64_t size = vfs_inode_size(*inode_xp);
		error = elf_parse(read_file, inode_xp, size, hal_elf_machine(), CONFIG_VMM_ELF_END, info,
				  &why);
		*bias = info->type == ET_DYN ? CONFIG_VMM_ELF_DYN_BASE : 0;
		if (!error && info->vaddr_hi + *bias > CONFIG_VMM_ELF_END)
			error = ENOEXEC;
	}
	if (error) {
		if (error == ENOEXEC)
			pr_info("exec %s: not an executable this kernel runs: %s", path, why);
		vfs_inode_put(*inode_xp);
	}
	return error;
}

/* One vseg per PT_LOAD: writable ones are DATA (public, distributed), the others CODE. */
static error_t map_segments(process_t *p, xptr_t inode_xp, const elf_info_t *info, uint64_t bias)
{
	for (uint32_t i = 0; i < info->nsegs; i++) {
		const elf_segment_t *seg = &info->segs[i];
		vaddr_t min = ALIGN_DOWN(seg->vaddr + bias, CONFIG_PAGE_SIZE);
		vaddr_t max = ALIGN_UP(seg->vaddr + bias + seg->memsz, CONFIG_PAGE_SIZE);
		uint64_t head = seg->vaddr + bias - min;
		vseg_file_t file = { vfs_inode_mapper(inode_xp), seg->offset - head, seg->filesz + head };
		uint32_t flags = VSEG_USER | ((seg->flags & PF_R) ? VSEG_READ : 0) |
				 ((seg->flags & PF_X) ? VSEG_EXEC : 0);
		vseg_type_t type = VSEG_TYPE_CODE;
		error_t error;

		if (seg->flags & PF_W) {
			type = VSEG_TYPE_DATA;
			flags |= VSEG_READ | VSEG_WRITE | VSEG_DISTRIB;
		} else {
			flags |= VSEG_PRIVATE;
		}
		error = vmm_create_vseg(&p->vmm, type, min, max, flags, &file, local_cxy, NULL);
		if (error)
			return error;
		if (max > p->vmm.brk_base)
			p->vmm.brk_base = p->vmm.brk_top = max;
	}
	return 0;
}

/* Sizes of the strings of a NULL-terminated vector; E2BIG beyond CONFIG_EXEC_ARGS_MAX. */
static error_t vector_size(char *const v[], size_t *count, size_t *bytes)
{
	*count = 0;
	for (; v && v[*count]; (*count)++) {
		*bytes += strlen(v[*count]) + 1;
		if (*bytes > CONFIG_EXEC_ARGS_MAX || *count >= CONFIG_EXEC_ARGS_MAX / 8)
			return E2BIG;
	}
	return 0;
}

/* Copy the strings of @v below *@str (moving it down), their user addresses into @ptrs. */
static void put_strings(char *const v[], size_t count, char *image, vaddr_t image_base,
			size_t *str, uint64_t *ptrs)
{
	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(v[i]) + 1;
		*str -= len;
		memcpy(image + *str, v[i], len);
		ptrs[i] = image_base + *str;
	}
}

/*
 * Build the initial stack below @top in a kernel image of the top @size bytes, then write it in
 * the process. Returns the user sp.
 */
static error_t build_stack(process_t *p, vaddr_t top, const char *path, char *const argv[],
			   char *const envp[], const elf_info_t *info, uint64_t bias, uintptr_t *sp)
{
	size_t argc, envc, bytes = strlen(path) + 1 + 16 + sizeof("riscv64");
	error_t error = vector_size(argv, &argc, &bytes);

	if (!error)
		error = vector_size(envp, &envc, &bytes);
	if (error)
		return error;
	size_t words = 1 + argc + 1 + envc + 1 + 2 * AUXV_MAX;
	size_t size = ALIGN_UP(bytes, 16) + ALIGN_UP(words * 8, 16) + 16;
	char *image = kmem_alloc(size, KMEM_ZERO);
	vaddr_t base = top - size;
	size_t str = size;

	if (!image)
		return ENOMEM;
	str -= strlen(path) + 1;
	memcpy(image + str, path, strlen(path) + 1);
	vaddr_t execfn = base + str;
	str -= 16;
	random_bytes(image + str, 16);
	vaddr_t random = base + str;
	str -= sizeof("riscv64");
	memcpy(image + str, hal_machine_name(), strlen(hal_machine_name()) + 1);
	vaddr_t platform = base + str;

	uint64_t *w = (uint64_t *)image; /* the vector, from the bottom of the image */
	size_t k = 0;
	w[k++] = argc;
	put_strings(argv, argc, image, base, &str, &w[k]);
	k += argc;
	w[k++] = 0;
	put_strings(envp, envc, image, base, &str, &w[k]);
	k += envc;
	w[k++] = 0;
	uint64_t aux[][2] = {
		{ AT_PHDR, info->phdr_vaddr ? info->phdr_vaddr + bias : 0 },
		{ AT_PHENT, info->phentsize }, { AT_PHNUM, info->phnum },
		{ AT_PAGESZ, CONFIG_PAGE_SIZE }, { AT_BASE, 0 }, { AT_FLAGS, 0 },
		{ AT_ENTRY, info->entry + bias }, { AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 },
		{ AT_EGID, 0 }, { AT_SECURE, 0 }, { AT_HWCAP, hal_elf_hwcap() }, { AT_CLKTCK, 100 },
		{ AT_RANDOM, random }, { AT_EXECFN, execfn }, { AT_PLATFORM, platform },
		{ AT_NULL, 0 },
	};
	_Static_assert(sizeof(aux) / sizeof(aux[0]) <= AUXV_MAX, "AUXV_MAX");
	for (size_t i = 0; i < sizeof(aux) / sizeof(aux[0]); i++) {
		w[k++] = aux[i][0];
		w[k++] = aux[i][1];
	}
	kassert(k * 8 <= ALIGN_DOWN(str, 16));
	/* The vector sits at the bottom of the image; the strings at its top. */
	*sp = base;
	error = vmm_write_user(&p->vmm, base, image, size);
	kmem_free(image);
	return error;
}

error_t exec_load(process_t *p, const char *path, char *const argv[], char *const envp[],
		  uintptr_t *entry, uintptr_t *sp)
{
	elf_info_t *info = kmem_alloc(sizeof(*info), KMEM_ZERO);
	xptr_t inode_xp;
	uint64_t bias = 0;
	vaddr_t stack_base, stack_size;
	uint32_t slot;
	error_t error;

	if (!info)
		return ENOMEM;
	error = open_executable(p, path, &inode_xp, info, &bias);
	if (error)
		goto out;
	error = map_segments(p, inode_xp, info, bias);
	if (!error)
		error = vspace_stack_alloc(&p->vmm.stacks, &slot, &stack_base, &stack_size);
	if (!error)
		error = vmm_create_vseg(&p->vmm, VSEG_TYPE_STACK, stack_base, stack_base + stack_size,
					VSEG_USER | VSEG_READ | VSEG_WRITE |
					(vmm_stack_private ? VSEG_PRIVATE : 0),
					NULL, local_cxy, NULL);
	if (!error)
		error = build_stack(p, stack_base + stack_size, path, argv, envp, info, bias, sp);
	if (error) {
		vfs_inode_put(inode_xp);
		goto out;
	}
	p->exec_inode_xp = inode_xp; /* the mapper behind CODE and DATA lives as long as this */
	*entry = info->entry + bias;
out:
	kmem_free(info);
	return error;
}
