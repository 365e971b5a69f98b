/*
 * vmm_file.c - frames filled from a file's page cache (the CODE and DATA vsegs of an executable).
 */
#include <fs/mapper.h>
#include <hal_remote.h>
#include <kern/printk.h>
#include <libk/bits.h>
#include <libk/errno.h>
#include <mm/vmm.h>

error_t vmm_fill_from_file(xptr_t mapper_xp, uint64_t offset, size_t size, xptr_t frame_xp)
{
	xptr_t page_xp;
	error_t error;

	kassert(IS_ALIGNED(offset, CONFIG_PAGE_SIZE) && size <= CONFIG_PAGE_SIZE);
	error = mapper_get_page(mapper_xp, offset >> CONFIG_PAGE_SHIFT, false, &page_xp);
	if (error == ENOENT)
		return 0; /* a hole of the file reads as zeros, and the frame is zeroed already */
	if (error)
		return error;
	hal_remote_memcpy(frame_xp, mapper_page_data(page_xp), size);
	return 0;
}
