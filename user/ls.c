/*
 * ls.c - /bin/ls [-l] [-a] [FILE...]: the names of each directory's entries, sorted, one per line
 * (without those starting with '.' unless -a), and each other FILE's own name; by default ".".
 * -l: type and mode, links, size and name (-> target for a symbolic link); there are no owners or
 * times worth showing (root, and the initramfs's mtime 0). Exit status 1 if a FILE is missing, 2
 * for a wrong option.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool long_format, all;

static char type_char(mode_t m)
{
	return S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' :
	       S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '-';
}

/* One entry: @path to stat it, @name to print. */
static void show(const char *path, const char *name)
{
	static const char rwx[] = "rwxrwxrwx";
	struct stat st;
	char mode[11], target[256];
	ssize_t n;

	if (!long_format) {
		printf("%s\n", name);
		return;
	}
	if (lstat(path, &st) < 0) {
		printf("?????????? %s (%s)\n", name, strerror(errno));
		return;
	}
	mode[0] = type_char(st.st_mode);
	for (int i = 0; i < 9; i++)
		mode[i + 1] = st.st_mode & (0400 >> i) ? rwx[i] : '-';
	mode[10] = 0;
	printf("%s %2lu %8lld %s", mode, (unsigned long)st.st_nlink, (long long)st.st_size, name);
	if (S_ISLNK(st.st_mode) && (n = readlink(path, target, sizeof(target) - 1)) >= 0) {
		target[n] = 0;
		printf(" -> %s", target);
	}
	printf("\n");
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (!d) {
		fprintf(stderr, "ls: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && !all)
			continue;
		if (n == cap) {
			char **bigger = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!bigger)
				break;
			names = bigger;
		}
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		size_t size = strlen(dir) + strlen(names[i]) + 2;
		char *path = malloc(size);

		if (path) {
			snprintf(path, size, "%s/%s", dir, names[i]);
			show(path, names[i]);
			free(path);
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

int main(int argc, char **argv)
{
	int opt, status = 0, nfiles;

	while ((opt = getopt(argc, argv, "la")) != -1) {
		if (opt == 'l')
			long_format = true;
		else if (opt == 'a')
			all = true;
		else {
			fprintf(stderr, "usage: ls [-l] [-a] [FILE...]\n");
			return 2;
		}
	}
	nfiles = argc - optind;
	if (nfiles == 0)
		return list_dir(".");
	for (int i = optind; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "ls: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (nfiles > 1)
				printf("%s%s:\n", i > optind ? "\n" : "", argv[i]);
			status |= list_dir(argv[i]);
		} else {
			show(argv[i], argv[i]);
		}
	}
	return status;
}
