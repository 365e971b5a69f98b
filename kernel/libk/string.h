/*
 * string.h - the freestanding string and memory functions of the kernel (libk).
 *
 * Same names and semantics as ISO C, so the compiler's builtins and host tests (which use the C
 * library's versions instead of libk/string.c) agree. Plus the bounded helpers below.
 */
#ifndef LIBK_STRING_H
#define LIBK_STRING_H

#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>

void  *memcpy(void *dst, const void *src, size_t n);
void  *memmove(void *dst, const void *src, size_t n);
void  *memset(void *dst, int c, size_t n);
int    memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int    strcmp(const char *a, const char *b);
int    strncmp(const char *a, const char *b, size_t n);
char  *strchr(const char *s, int c);
char  *strrchr(const char *s, int c);
int    snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int    vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
unsigned long strtoul(const char *s, char **end, int base);

/* Copy at most size-1 bytes and always terminate (when size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

#endif /* LIBK_STRING_H */
