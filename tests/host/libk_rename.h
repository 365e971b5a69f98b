/*
 * libk_rename.h - give libk's string functions host-safe names, for host tests.
 *
 * The host C library defines memcpy, snprintf, ... too, and the sanitizers intercept them. So
 * kernel/libk/string.c (and code tested with it, like cmdline.c) is compiled for the host with this
 * file force-included (-include, see libk.cmake): every definition and call becomes libk_<name>.
 * A test that compares libk with the C library includes this file, then <libk/string.h> (which
 * then declares the libk_ names), then defines LIBK_RENAME_UNDO and includes it again to get the
 * C library's names back. No include guard, on purpose.
 */
#ifndef LIBK_RENAME_UNDO
#define memcpy    libk_memcpy
#define memmove   libk_memmove
#define memset    libk_memset
#define memcmp    libk_memcmp
#define strlen    libk_strlen
#define strnlen   libk_strnlen
#define strcmp    libk_strcmp
#define strncmp   libk_strncmp
#define strchr    libk_strchr
#define strrchr   libk_strrchr
#define strlcpy   libk_strlcpy
#define strtoul   libk_strtoul
#define snprintf  libk_snprintf
#define vsnprintf libk_vsnprintf
#else
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strlcpy
#undef strtoul
#undef snprintf
#undef vsnprintf
#undef LIBK_RENAME_UNDO
#endif
