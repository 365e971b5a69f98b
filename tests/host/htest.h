/*
 * htest.h - a minimal unit-test runner for host tests of generic kernel code.
 *
 * HT_TEST(name) { ... } defines a test; HT_CHECK(cond) records a failure and goes on;
 * HT_REQUIRE(cond) records a failure and leaves the test; HT_EXPECT_PANIC(stmt) runs stmt and fails
 * unless it calls the kernel's panic() (the host panic() longjmps back here when armed).
 * The runner prints KTAP-style lines and exits with a non-zero status if any test failed.
 * Usage: ./test [name-substring] to run a subset.
 */
#ifndef HTEST_H
#define HTEST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>

typedef void (*ht_fn_t)(void);

void ht_register(const char *name, ht_fn_t fn);
void ht_fail(const char *file, int line, const char *what);
bool ht_current_failed(void);

/* Armed by HT_EXPECT_PANIC; the host panic() jumps here with the panic message saved. */
extern jmp_buf *ht_panic_jmp;
extern char ht_panic_msg[512];

#define HT_TEST(name)                                                                               \
	static void name(void);                                                                     \
	__attribute__((constructor)) static void ht_reg_##name(void) { ht_register(#name, name); } \
	static void name(void)

#define HT_CHECK(cond)                                                                              \
	do {                                                                                        \
		if (!(cond))                                                                        \
			ht_fail(__FILE__, __LINE__, #cond);                                         \
	} while (0)

#define HT_REQUIRE(cond)                                                                            \
	do {                                                                                        \
		if (!(cond)) {                                                                      \
			ht_fail(__FILE__, __LINE__, #cond);                                         \
			return;                                                                     \
		}                                                                                   \
	} while (0)

#define HT_EXPECT_PANIC(stmt)                                                                       \
	do {                                                                                        \
		jmp_buf ht_jb_;                                                                     \
		ht_panic_msg[0] = 0;                                                                \
		if (setjmp(ht_jb_) == 0) {                                                          \
			ht_panic_jmp = &ht_jb_;                                                     \
			stmt;                                                                       \
			ht_panic_jmp = NULL;                                                        \
			ht_fail(__FILE__, __LINE__, "expected a panic: " #stmt);                    \
		} else {                                                                            \
			ht_panic_jmp = NULL;                                                        \
		}                                                                                   \
	} while (0)

#endif /* HTEST_H */
