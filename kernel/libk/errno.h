/*
 * errno.h - the one registry of error codes of Archipel.
 *
 * Kernel functions return error_t: 0 on success, one of these positive codes on failure. The values
 * are Linux's (asm-generic/errno-base.h and errno.h), so a system call returns -code unchanged.
 */
#ifndef LIBK_ERRNO_H
#define LIBK_ERRNO_H

#define EPERM      1   /* operation not permitted       */
#define ENOENT     2   /* no such file or directory     */
#define ESRCH      3   /* no such process               */
#define EINTR      4   /* interrupted system call       */
#define ERESTARTSYS 512 /* kernel only: EINTR, or restarted under SA_RESTART (syscall.h) */
#define EIO        5   /* I/O error                     */
#define ENXIO      6   /* no such device or address     */
#define E2BIG      7   /* argument list too long        */
#define ENOEXEC    8   /* exec format error             */
#define EBADF      9   /* bad file number               */
#define ECHILD     10  /* no child processes            */
#define EAGAIN     11  /* try again                     */
#define ENOMEM     12  /* out of memory                 */
#define EACCES     13  /* permission denied             */
#define EFAULT     14  /* bad address                   */
#define EBUSY      16  /* device or resource busy       */
#define EEXIST     17  /* file exists                   */
#define EXDEV      18  /* cross-device link             */
#define ENODEV     19  /* no such device                */
#define ENOTDIR    20  /* not a directory               */
#define EISDIR     21  /* is a directory                */
#define EINVAL     22  /* invalid argument              */
#define ENFILE     23  /* file table overflow           */
#define EMFILE     24  /* too many open files           */
#define ENOTTY     25  /* not a typewriter              */
#define EFBIG      27  /* file too large                */
#define ENOSPC     28  /* no space left on device       */
#define ESPIPE     29  /* illegal seek                  */
#define EROFS      30  /* read-only file system         */
#define EPIPE      32  /* broken pipe                   */
#define ERANGE     34  /* result out of range           */
#define EDEADLK    35  /* resource deadlock would occur */
#define ENAMETOOLONG 36 /* file name too long           */
#define ENOSYS     38  /* function not implemented      */
#define ENOTEMPTY  39  /* directory not empty           */
#define ELOOP      40  /* too many symbolic links       */
#define EOVERFLOW  75  /* value too large for defined data type */
#define EOPNOTSUPP 95  /* operation not supported       */
#define ETIMEDOUT  110 /* connection timed out          */

#endif /* LIBK_ERRNO_H */
