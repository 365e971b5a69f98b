/*
 * vmm_file.c - frames filled from a file's page cache (the CODE and DATA vsegs of an executable,
 * private file mappings) and the pages of shared mappings, which are the page cache's own.
 *
 * A shared mapping (FILE vseg, MAP_SHARED) maps the mapper's pages themselves: each PTE of a
 * reference GPT that maps one holds it (mapper_hold_page), so that a truncation of the file cannot
 * free a page some process still maps (it is orphaned and freed by the last release). The inode
 * stays alive, and with it the mapper, while a reference vseg names it (vmm_vseg_hold_file).
 * MAP_SHARED|MAP_ANONYMOUS maps a new inode named by nothing (vfs_inode_create_anon), so that the
 * pages are shared with the children of a fork even if first touched after it.
 */
#include <fs/mapper.h>
#include <fs/vfs.h>
#include <hal_remote.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <mm/page.h>
#include <mm/ppm.h>
#include <mm/vmm.h>

error_t vmm_fill_from_file(xptr_t mapper_xp, uint64_t offset, size_t size, xptr_t frame_xp)
{
	xptr_t page_xp;
	error_t error;

	kassert(IS_ALIGNED(offset, CONFIG_PAGE_SIZE) && size <= CONFIG_PAGE_SIZE);
	/* held while copying: a truncation of an mmap'd file may run meanwhile */
	error = mapper_hold_page(mapper_xp, offset >> CONFIG_PAGE_SHIFT, false, &page_xp);
	if (error == ENOENT)
		size = 0; /* a hole of the file reads as zeros */
	else if (error)
		return error;
	if (size) {
		hal_remote_memcpy(frame_xp, mapper_page_data(page_xp), size);
		mapper_release_page(page_xp);
	}
	if (size < CONFIG_PAGE_SIZE)
		hal_remote_memset(frame_xp + size, 0, CONFIG_PAGE_SIZE - size);
	return 0;
}

error_t vmm_file_page(const vseg_t *vseg, vpn_t vpn, uint64_t *offset, size_t *bytes)
{
	uint64_t size = vfs_inode_size(vseg->inode_xp);

	kassert(vseg->inode_xp != XPTR_NULL && vpn - vseg->vpn_base < vseg->vpn_size);
	*offset = vseg->file_offset + ((vpn - vseg->vpn_base) << CONFIG_PAGE_SHIFT);
	if (*offset >= ALIGN_UP(size, CONFIG_PAGE_SIZE))
		return ENXIO; /* Linux: SIGBUS for a page wholly beyond the end of the file */
	*bytes = size - *offset < CONFIG_PAGE_SIZE ? size - *offset : CONFIG_PAGE_SIZE;
	return 0;
}

error_t vmm_file_hold_page(const vseg_t *vseg, vpn_t vpn, ppn_t *ppn)
{
	uint64_t offset;
	size_t bytes;
	xptr_t page_xp;
	error_t error = vmm_file_page(vseg, vpn, &offset, &bytes);

	if (error)
		return error;
	/* a hole of the file inside its size gets its (zeroed) page: writes must reach the file */
	error = mapper_hold_page(vseg->mapper_xp, offset >> CONFIG_PAGE_SHIFT, true, &page_xp);
	if (error)
		return error;
	*ppn = ppm_page2base(page_xp) >> CONFIG_PAGE_SHIFT;
	return 0;
}

bool vmm_code_hold_page(const vseg_t *vseg, vpn_t vpn, cxy_t cxy, ppn_t *ppn)
{
	uint64_t offset = (vpn - vseg->vpn_base) << CONFIG_PAGE_SHIFT;
	uint64_t index = (vseg->file_offset + offset) >> CONFIG_PAGE_SHIFT;
	xptr_t page_xp;

	kassert(vseg->type == VSEG_TYPE_CODE && !(vseg->flags & VSEG_WRITE));
	if (vseg->mapper_xp == XPTR_NULL || vseg->inode_xp != XPTR_NULL ||
	    offset >= vseg->file_size ||
	    vseg->file_size - offset < CONFIG_PAGE_SIZE) /* a partial page shows zeros after it */
		return false;
	if (GET_CXY(vseg->mapper_xp) == cxy) { /* the page cache's own page */
		if (mapper_hold_page(vseg->mapper_xp, index, false, &page_xp) != 0)
			return false;
	} else if (mapper_hold_replica(vseg->mapper_xp, index, cxy, &page_xp) != 0) {
		return false; /* this cluster's copy of it, made by its first fault there */
	}
	*ppn = ppm_page2base(page_xp) >> CONFIG_PAGE_SHIFT;
	return true;
}

void vmm_file_hold_again(ppn_t ppn)
{
	mapper_hold_again(ppm_base2page((paddr_t)ppn << CONFIG_PAGE_SHIFT));
}

void vmm_vseg_hold_file(const vseg_t *vseg)
{
	if (vseg->inode_xp != XPTR_NULL)
		vfs_inode_get(vseg->inode_xp);
}

void vmm_vseg_drop_file(const vseg_t *vseg)
{
	if (vseg->inode_xp != XPTR_NULL)
		vfs_inode_put(vseg->inode_xp);
}

error_t vmm_file_create_anon(cxy_t cxy, uint64_t size, xptr_t *inode_xp)
{
	return vfs_inode_create_anon(cxy, size, inode_xp);
}
