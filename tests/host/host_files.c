/*
 * host_files.c - reading the host's files for the VFS tests (kept apart from the files that include
 * fs/vfs.h, whose Linux names — S_IFMT, st_atime... — the C library's <sys/stat.h> defines too).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

void *host_file_load(const char *path, size_t *size);
bool  host_file_times(const char *path, int64_t *mtime, uint32_t *mode, uint64_t *size);

void *host_file_load(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *data = NULL;
	long n;

	*size = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		data = malloc((size_t)n + 1);
		if (data && fread(data, 1, (size_t)n, f) == (size_t)n) {
			*size = (size_t)n;
		} else {
			free(data);
			data = NULL;
		}
	}
	fclose(f);
	return data;
}

bool host_file_times(const char *path, int64_t *mtime, uint32_t *mode, uint64_t *size)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return false;
	*mtime = st.st_mtime;
	*mode = st.st_mode;
	*size = (uint64_t)st.st_size;
	return true;
}
