/*
 * hal_ktest.h - pieces of machine code the in-kernel tests run in user mode.
 *
 * Each is position independent and self-contained (no data outside its bytes): a test copies
 * [start, end) to a user page and enters it with hal_user_enter().
 */
#ifndef HAL_KTEST_H
#define HAL_KTEST_H

/* Writes "hello from user mode\n" on fd 1, checks that write(1, <kernel address>, 4) fails with
 * EFAULT and that gettid() is not negative, then exit(42); exit(1) if a check failed. */
extern const char hal_ktest_user_hello[], hal_ktest_user_hello_end[];

/* Loads from a kernel address: the thread must be killed by SIGSEGV. */
extern const char hal_ktest_user_fault[], hal_ktest_user_fault_end[];

/* Executes an illegal instruction: the thread must be killed by SIGILL. */
extern const char hal_ktest_user_illegal[], hal_ktest_user_illegal_end[];

/* Entered with a0 = the address of four 64-bit words {base, pages, go, done}: writes one byte in
 * each of the pages from base on, adds 1 to *done (atomically), then yields (sched_yield) until
 * *go is non-zero, then exit(0). */
extern const char hal_ktest_user_touch[], hal_ktest_user_touch_end[];

#endif /* HAL_KTEST_H */
