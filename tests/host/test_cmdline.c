/*
 * test_cmdline.c - the kernel command-line parser (kernel/libk/cmdline.c), on the host.
 *
 * cmdline.c is linked with libk's own string functions (renamed libk_*, see libk.cmake), as in the
 * kernel.
 */
#include <libk/cmdline.h>

#include "htest.h"

#include <limits.h>
#include <string.h>

static const char *const line = "console=ttyS0 ktest=vmm,sched,rpc quiet loglevel=7 ktestx=1 "
				"empty= eq=a=b hex=0x1F oct=017 root=/dev/vda nosmp";

HT_TEST(get_finds_keys_at_start_middle_end)
{
	char v[32];

	HT_CHECK(cmdline_get(line, "console", v, sizeof(v)) && strcmp(v, "ttyS0") == 0);
	HT_CHECK(cmdline_get(line, "loglevel", v, sizeof(v)) && strcmp(v, "7") == 0);
	HT_CHECK(cmdline_get(line, "root", v, sizeof(v)) && strcmp(v, "/dev/vda") == 0);
	HT_CHECK(cmdline_get(line, "nosmp", v, sizeof(v)) && strcmp(v, "") == 0);
	HT_CHECK(cmdline_get("only=1", "only", v, sizeof(v)) && strcmp(v, "1") == 0);
}

HT_TEST(get_matches_whole_keys_only)
{
	char v[32] = "untouched";

	HT_CHECK(cmdline_get(line, "ktest", v, sizeof(v)) && strcmp(v, "vmm,sched,rpc") == 0);
	HT_CHECK(cmdline_get(line, "ktestx", v, sizeof(v)) && strcmp(v, "1") == 0);
	strcpy(v, "untouched");
	HT_CHECK(!cmdline_get(line, "kt", v, sizeof(v)));          /* prefix of a key */
	HT_CHECK(!cmdline_get(line, "ktestxy", v, sizeof(v)));     /* longer than a key */
	HT_CHECK(!cmdline_get(line, "sched", v, sizeof(v)));       /* inside a value */
	HT_CHECK(!cmdline_get(line, "ttyS0", v, sizeof(v)));
	HT_CHECK(!cmdline_get(line, "quie", v, sizeof(v)));
	HT_CHECK(!cmdline_get("ktestx=1", "ktest", v, sizeof(v)));
	HT_CHECK(strcmp(v, "untouched") == 0);                      /* absent: val untouched */
}

HT_TEST(get_bare_and_empty_values)
{
	char v[8] = "x";

	HT_CHECK(cmdline_get(line, "quiet", v, sizeof(v)) && v[0] == '\0');
	strcpy(v, "x");
	HT_CHECK(cmdline_get(line, "empty", v, sizeof(v)) && v[0] == '\0');
	HT_CHECK(cmdline_get(line, "eq", v, sizeof(v)) && strcmp(v, "a=b") == 0);
	HT_CHECK(cmdline_get(line, "quiet", NULL, 0));                /* presence only */
	HT_CHECK(cmdline_get(line, "console", v, 0) && strcmp(v, "a=b") == 0);
}

HT_TEST(get_truncates_safely)
{
	char v[8];

	memset(v, '#', sizeof(v));
	HT_CHECK(cmdline_get(line, "console", v, 4) && strcmp(v, "tty") == 0);
	HT_CHECK(v[4] == '#');
	HT_CHECK(cmdline_get(line, "console", v, 1) && v[0] == '\0');
	HT_CHECK(cmdline_get(line, "console", v, 6) && strcmp(v, "ttyS0") == 0);
	HT_CHECK(cmdline_get(line, "root", v, sizeof(v)) && strcmp(v, "/dev/vd") == 0);
}

HT_TEST(get_separators_duplicates_and_bad_input)
{
	char v[16];

	HT_CHECK(cmdline_get("  a=1\t\tb=2\n c  ", "b", v, sizeof(v)) && strcmp(v, "2") == 0);
	HT_CHECK(cmdline_get("  a=1\t\tb=2\n c  ", "c", v, sizeof(v)) && strcmp(v, "") == 0);
	HT_CHECK(cmdline_get("a=1 b=2 a=3", "a", v, sizeof(v)) && strcmp(v, "3") == 0);
	HT_CHECK(cmdline_get("a=1 a", "a", v, sizeof(v)) && strcmp(v, "") == 0);
	HT_CHECK(!cmdline_get("", "a", v, sizeof(v)));
	HT_CHECK(!cmdline_get("   ", "a", v, sizeof(v)));
	HT_CHECK(!cmdline_get(NULL, "a", v, sizeof(v)));
	HT_CHECK(!cmdline_get("a=1", "", v, sizeof(v)));
	HT_CHECK(!cmdline_get("=1", "", v, sizeof(v)));
	HT_CHECK(!cmdline_get("a=1", "a=1", v, sizeof(v)));        /* a key has no '=' */
	HT_CHECK(!cmdline_get("a b", "a b", v, sizeof(v)));        /* nor white space */
}

HT_TEST(list_contains_exact_items)
{
	HT_CHECK(cmdline_list_contains("vmm,sched,rpc", "vmm"));
	HT_CHECK(cmdline_list_contains("vmm,sched,rpc", "sched"));
	HT_CHECK(cmdline_list_contains("vmm,sched,rpc", "rpc"));
	HT_CHECK(cmdline_list_contains("all", "all"));
	HT_CHECK(!cmdline_list_contains("vmm,sched,rpc", "vm"));
	HT_CHECK(!cmdline_list_contains("vmm,sched,rpc", "vmmx"));
	HT_CHECK(!cmdline_list_contains("vmm,sched,rpc", "rp"));
	HT_CHECK(!cmdline_list_contains("vmm,sched,rpc", "sched,rpc"));
	HT_CHECK(!cmdline_list_contains("abc,d", "ab"));
	HT_CHECK(!cmdline_list_contains("", "a"));
	HT_CHECK(!cmdline_list_contains("a,,b", ""));
	HT_CHECK(!cmdline_list_contains(NULL, "a"));
	HT_CHECK(!cmdline_list_contains("a", NULL));
	HT_CHECK(cmdline_list_contains("a,,b", "b"));
	HT_CHECK(cmdline_list_contains(",x,", "x"));
}

HT_TEST(list_from_a_value)
{
	char v[32];

	HT_REQUIRE(cmdline_get(line, "ktest", v, sizeof(v)));
	HT_CHECK(cmdline_list_contains(v, "sched"));
	HT_CHECK(!cmdline_list_contains(v, "ktest"));
}

HT_TEST(get_uint_parses_c_numbers)
{
	unsigned long u = 12345;

	HT_CHECK(cmdline_get_uint(line, "loglevel", &u) && u == 7);
	HT_CHECK(cmdline_get_uint(line, "hex", &u) && u == 0x1f);
	HT_CHECK(cmdline_get_uint(line, "oct", &u) && u == 017);
	HT_CHECK(cmdline_get_uint(line, "ktestx", &u) && u == 1);
	HT_CHECK(cmdline_get_uint("n=0", "n", &u) && u == 0);
	HT_CHECK(cmdline_get_uint("n=0x0", "n", &u) && u == 0);
	HT_CHECK(cmdline_get_uint("n=00", "n", &u) && u == 0);
	HT_CHECK(cmdline_get_uint("n=18446744073709551615", "n", &u) && u == ULONG_MAX);
	HT_CHECK(cmdline_get_uint("n=0xffffffffffffffff", "n", &u) && u == ULONG_MAX);
	HT_CHECK(cmdline_get_uint("n=01777777777777777777777", "n", &u) && u == ULONG_MAX);
	HT_CHECK(cmdline_get_uint("n=1 n=2", "n", &u) && u == 2);
}

HT_TEST(get_uint_rejects_non_numbers)
{
	static const char *const bad[] = {
		"n", "n=", "n=abc", "n=12abc", "n=-1", "n=+1", "n=0x", "n=0xg", "n=08", "n=1.5",
		"n=18446744073709551616", "n=0x10000000000000000", "n=02000000000000000000000",
		"n=99999999999999999999999", "n=1,2", "n=0X", "n==1",
	};
	unsigned long u = 4242;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cmdline_get_uint(bad[i], "n", &u)) {
			printf("# accepted \"%s\"\n", bad[i]);
			HT_CHECK(!"a bad number was accepted");
		}
	}
	HT_CHECK(u == 4242);                                        /* untouched on failure */
	HT_CHECK(!cmdline_get_uint(line, "absent", &u));
	HT_CHECK(!cmdline_get_uint(line, "console", &u));
	HT_CHECK(!cmdline_get_uint(NULL, "n", &u));
	HT_CHECK(u == 4242);
}
