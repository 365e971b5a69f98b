/*
 * exec.c - loading a static ELF executable and building the Linux initial stack (see exec.h).
 *
 * Validate, then commit: exec_prepare checks the path, the file, every ELF header and the size of
 * the arguments, and builds the initial stack in kernel memory; exec_commit, which changes the
 * process, only creates vsegs and copies the stack. The initial stack, from its top down: the
 * strings (execfn, argv, envp), 16 random bytes (AT_RANDOM), the platform name; then, 16-byte
 * aligned, argc, argv[], NULL, envp[], NULL, the auxiliary vector; sp points at argc.
 */
#include <fs/vfs.h>
#include <hal_remote.h>
#include <hal_special.h>
#include <kern/exec.h>
#include <kern/printk.h>
#include <kern/random.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <libk/string.h>
#include <mm/kmem.h>
#include <mm/vmm_query.h>
#include <syscalls/uabi.h> /* AT_*, the architecture's AT_PLATFORM */

#define AUXV_MAX    20

static error_t read_file(void *ctx, uint64_t offset, void *buf, size_t size)
{
	int64_t n = vfs_kernel_read(*(xptr_t *)ctx, offset, buf, size);

	return n == (int64_t)size ? 0 : (n < 0 ? (error_t)-n : EIO);
}

/* Look the file up and parse it into @img. On success img->inode_xp holds a reference. */
static error_t open_executable(xptr_t ref_xp, const char *path, exec_image_t *img)
{
	xptr_t cwd = process_cwd(ref_xp);
	const char *why = "";
	error_t error = vfs_lookup(cwd, path, VFS_LOOKUP_FOLLOW, &img->inode_xp);

	vfs_inode_put(cwd);
	if (error) {
		img->inode_xp = XPTR_NULL;
		return error;
	}
	if (!vfs_inode_is_reg(img->inode_xp) || vfs_access(img->inode_xp, VFS_X_OK))
		error = EACCES;
	else {
		uint64_t size = vfs_inode_size(img->inode_xp);
		error = elf_parse(read_file, &img->inode_xp, size, hal_elf_machine(), CONFIG_VMM_ELF_END,
				  &img->elf, &why);
		img->bias = img->elf.type == ET_DYN ? CONFIG_VMM_ELF_DYN_BASE : 0;
		if (!error && img->elf.vaddr_hi + img->bias > CONFIG_VMM_ELF_END)
			error = ENOEXEC;
	}
	if (error) {
		if (error == ENOEXEC)
			pr_info("exec %s: not an executable this kernel runs: %s", path, why);
		vfs_inode_put(img->inode_xp);
		img->inode_xp = XPTR_NULL;
	}
	return error;
}

/* One vseg per PT_LOAD: writable ones are DATA (public, distributed), the others CODE. */
static error_t map_segments(process_t *p, const exec_image_t *img)
{
	for (uint32_t i = 0; i < img->elf.nsegs; i++) {
		const elf_segment_t *seg = &img->elf.segs[i];
		vaddr_t min = ALIGN_DOWN(seg->vaddr + img->bias, CONFIG_PAGE_SIZE);
		vaddr_t max = ALIGN_UP(seg->vaddr + img->bias + seg->memsz, CONFIG_PAGE_SIZE);
		uint64_t head = seg->vaddr + img->bias - min;
		vseg_file_t file = { vfs_inode_mapper(img->inode_xp), seg->offset - head,
				     seg->filesz + head, XPTR_NULL };
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

size_t exec_args_room(size_t count, size_t bytes)
{
	/* the new string's pointer and the two NULLs count too */
	size_t used = bytes + (count + 3) * sizeof(uint64_t);

	return used < CONFIG_EXEC_ARGS_MAX ? CONFIG_EXEC_ARGS_MAX - used : 0;
}

/* Add the strings of the vector @v to *count and their bytes to *bytes; E2BIG past the limit. */
static error_t vector_size(char *const v[], size_t *count, size_t *bytes)
{
	for (size_t i = 0; v && v[i]; i++) {
		size_t len = strlen(v[i]) + 1;
		if (len > exec_args_room(*count, *bytes))
			return E2BIG;
		*bytes += len;
		(*count)++;
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
 * Build in img->stack the top of the initial stack that ends at the top of the first stack slot
 * (where exec_commit puts the STACK vseg of an empty VMM); img->sp is its lowest address.
 */
static error_t build_stack(exec_image_t *img, const char *path, char *const argv[],
			   char *const envp[])
{
	size_t argc = 0, count, args = 0;
	error_t error = vector_size(argv, &argc, &args);

	count = argc;
	if (!error)
		error = vector_size(envp, &count, &args);
	if (error)
		return error;
	size_t envc = count - argc;
	size_t bytes = args + strlen(path) + 1 + 16 + sizeof(UABI_PLATFORM);
	size_t words = 1 + argc + 1 + envc + 1 + 2 * AUXV_MAX;
	size_t size = ALIGN_UP(bytes, 16) + ALIGN_UP(words * 8, 16) + 16;
	char *image = kmem_alloc(size, KMEM_ZERO);
	vaddr_t slot_base, slot_size;
	size_t str = size;

	if (!image)
		return ENOMEM;
	vspace_stack_range(0, &slot_base, &slot_size);
	vaddr_t base = slot_base + slot_size - size;
	str -= strlen(path) + 1;
	memcpy(image + str, path, strlen(path) + 1);
	vaddr_t execfn = base + str;
	str -= 16;
	random_bytes(image + str, 16);
	vaddr_t random = base + str;
	str -= sizeof(UABI_PLATFORM);
	memcpy(image + str, UABI_PLATFORM, sizeof(UABI_PLATFORM));
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
		{ AT_PHDR, img->elf.phdr_vaddr ? img->elf.phdr_vaddr + img->bias : 0 },
		{ AT_PHENT, img->elf.phentsize }, { AT_PHNUM, img->elf.phnum },
		{ AT_PAGESZ, CONFIG_PAGE_SIZE }, { AT_BASE, 0 }, { AT_FLAGS, 0 },
		{ AT_ENTRY, img->elf.entry + img->bias }, { AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 },
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
	img->stack = image;
	img->stack_size = size;
	img->sp = base;
	return 0;
}

error_t exec_prepare(xptr_t ref_xp, const char *path, char *const argv[], char *const envp[],
		     exec_image_t **out)
{
	exec_image_t *img = kmem_alloc(sizeof(*img), KMEM_ZERO);
	error_t error;

	if (!img)
		return ENOMEM;
	error = open_executable(ref_xp, path, img);
	if (!error)
		error = build_stack(img, path, argv, envp);
	if (error) {
		exec_image_free(img);
		return error;
	}
	*out = img;
	return 0;
}

error_t exec_commit(process_t *p, xptr_t image_xp, uintptr_t *entry, uintptr_t *sp)
{
	exec_image_t *img = kmem_alloc(sizeof(*img), 0); /* a local copy of the descriptor */
	vaddr_t stack_base, stack_size;
	uint32_t slot;
	error_t error;

	if (!img)
		return ENOMEM;
	hal_remote_memcpy(XPTR(local_cxy, img), image_xp, sizeof(*img));
	error = map_segments(p, img);
	if (!error)
		error = vspace_stack_alloc(&p->vmm.stacks, &slot, &stack_base, &stack_size);
	if (!error) {
		kassert(stack_base + stack_size == img->sp + img->stack_size); /* build_stack's slot */
		error = vmm_create_vseg(&p->vmm, VSEG_TYPE_STACK, stack_base, stack_base + stack_size,
					VSEG_USER | VSEG_READ | VSEG_WRITE |
					(vmm_stack_private ? VSEG_PRIVATE : 0),
					NULL, local_cxy, NULL);
	}
	if (!error)
		error = vmm_sigtramp_create(&p->vmm); /* handlers return through it (signal.c) */
	if (!error)
		error = vmm_write_user(&p->vmm, img->sp, XPTR(GET_CXY(image_xp), img->stack),
				       img->stack_size);
	if (!error) {
		/* the mapper behind CODE and DATA lives as long as this reference */
		p->exec_inode_xp = img->inode_xp;
		hal_remote_sxp(XPTR_FIELD(image_xp, exec_image_t, inode_xp), XPTR_NULL);
		*entry = img->elf.entry + img->bias;
		*sp = img->sp;
	}
	kmem_free(img);
	return error;
}

void exec_image_free(exec_image_t *img)
{
	if (img->inode_xp != XPTR_NULL)
		vfs_inode_put(img->inode_xp);
	kmem_free(img->stack);
	kmem_free(img);
}

error_t exec_load(process_t *p, const char *path, char *const argv[], char *const envp[],
		  uintptr_t *entry, uintptr_t *sp)
{
	exec_image_t *img;
	error_t error = exec_prepare(XPTR(local_cxy, p), path, argv, envp, &img);

	if (error)
		return error;
	error = exec_commit(p, XPTR(local_cxy, img), entry, sp);
	exec_image_free(img);
	return error;
}
