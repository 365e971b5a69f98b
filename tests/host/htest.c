/*
 * htest.c - the runner behind htest.h (see there).
 */
#include "htest.h"

#include <stdlib.h>
#include <string.h>

#define HT_MAX_TESTS 256

static struct {
	const char *name;
	ht_fn_t fn;
} tests[HT_MAX_TESTS];
static int tests_nr;
static int current_failures;

jmp_buf *ht_panic_jmp;
char ht_panic_msg[512];

void ht_register(const char *name, ht_fn_t fn)
{
	if (tests_nr == HT_MAX_TESTS) {
		fprintf(stderr, "htest: too many tests\n");
		exit(2);
	}
	tests[tests_nr].name = name;
	tests[tests_nr].fn = fn;
	tests_nr++;
}

void ht_fail(const char *file, int line, const char *what)
{
	printf("# %s:%d: check failed: %s\n", file, line, what);
	current_failures++;
}

bool ht_current_failed(void)
{
	return current_failures != 0;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int run = 0, failed = 0;

	printf("KTAP version 1\n");
	for (int i = 0; i < tests_nr; i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;
		current_failures = 0;
		tests[i].fn();
		run++;
		printf("%s %d %s\n", current_failures ? "not ok" : "ok", run, tests[i].name);
		if (current_failures)
			failed++;
	}
	printf("1..%d\n# %d passed, %d failed\n", run, run - failed, failed);
	return failed ? 1 : (run ? 0 : 3);
}
