# The VFS's multi-threaded tests (host threads as cores: concurrent writers, readers sharing one
# offset, names created and removed in shared directories; test names containing "concurrent")
# under ThreadSanitizer. Included only with ARCHIPEL_TSAN (the host-tsan preset); the ctest name
# is host.tsan.vfs. Same sources as vfs.cmake.
set(VFS_TSAN_SOURCES
    vfs_fixture.c host_files.c thread_host.c mm_fixture.c
    kernel/fs/vfs.c kernel/fs/vfs_inode.c kernel/fs/vfs_lookup.c kernel/fs/vfs_dir.c
    kernel/fs/vfs_file.c kernel/fs/vfs_poll.c kernel/fs/pipe.c kernel/fs/devfs.c kernel/fs/ramfs.c kernel/fs/mapper.c kernel/fs/cpio.c
    kernel/kern/rwlock.c kernel/kern/queuelock.c kernel/kern/waitq.c
    kernel/libk/lockdep.c kernel/libk/xlist.c kernel/libk/busylock.c
    kernel/mm/ppm.c kernel/mm/ppm_pcp.c kernel/mm/kcm.c kernel/mm/kmem.c)
archipel_host_test(tsan.vfs ARGS concurrent SOURCES test_vfs_io.c ${VFS_TSAN_SOURCES}
  DEFINES CONFIG_DEBUG=1)
target_link_libraries(tsan.vfs PRIVATE pthread)
# Renames racing with lookups, "..", and getcwd from four threads (test_vfs_rename.c).
archipel_host_test(tsan.vfs_rename ARGS races SOURCES test_vfs_rename.c ${VFS_TSAN_SOURCES}
  kernel/fs/vfs_rename.c kernel/fs/vfs_meta.c DEFINES CONFIG_DEBUG=1)
target_link_libraries(tsan.vfs_rename PRIVATE pthread)
