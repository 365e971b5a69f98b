# Host tests of the VFS, the RAM file system, the device files and the mappers (kernel/fs/).
#
# They run over the mm fixture's simulated clusters (mm_fixture.c: PPM, kcm, kmem of each cluster)
# with the kernel's own blocking locks and wait queues (kernel/kern/rwlock.c, queuelock.c, waitq.c)
# over host threads (thread_host.c stands for the scheduler), and with the lock checker on
# (CONFIG_DEBUG, kernel/libk/lockdep.c), so the lock order of the VFS is checked as in the debug
# kernel. vfs_fixture.c fakes the console driver. test_vfs also reads the archive that the cpio tool
# makes at build time for the cpio tests (elf.cmake, cpio/mkarchive.sh), when cpio is installed.
set(VFS_TEST_SOURCES
    vfs_fixture.c host_files.c thread_host.c mm_fixture.c
    kernel/fs/vfs.c kernel/fs/vfs_inode.c kernel/fs/vfs_lookup.c kernel/fs/vfs_dir.c
    kernel/fs/vfs_file.c kernel/fs/vfs_poll.c kernel/fs/pipe.c kernel/fs/devfs.c kernel/fs/ramfs.c kernel/fs/mapper.c kernel/fs/cpio.c
    kernel/fs/vfs_rename.c kernel/fs/vfs_meta.c
    kernel/kern/rwlock.c kernel/kern/queuelock.c kernel/kern/waitq.c
    kernel/libk/lockdep.c kernel/libk/xlist.c kernel/libk/busylock.c
    kernel/mm/ppm.c kernel/mm/ppm_pcp.c kernel/mm/kcm.c kernel/mm/kmem.c)
set(VFS_TEST_DIR ${CMAKE_CURRENT_BINARY_DIR}/cpio)

archipel_host_test(test_vfs SOURCES test_vfs.c ${VFS_TEST_SOURCES}
  DEFINES CONFIG_DEBUG=1 CPIO_TEST_DIR="${VFS_TEST_DIR}")
archipel_host_test(test_vfs_cpio SOURCES test_vfs_cpio.c ${VFS_TEST_SOURCES}
  DEFINES CONFIG_DEBUG=1 CPIO_TEST_DIR="${VFS_TEST_DIR}")
archipel_host_test(test_vfs_io SOURCES test_vfs_io.c ${VFS_TEST_SOURCES} DEFINES CONFIG_DEBUG=1)
archipel_host_test(test_mapper SOURCES test_mapper.c ${VFS_TEST_SOURCES} DEFINES CONFIG_DEBUG=1)
archipel_host_test(test_vfs_rename SOURCES test_vfs_rename.c ${VFS_TEST_SOURCES} DEFINES CONFIG_DEBUG=1)
foreach(t test_vfs test_vfs_cpio test_vfs_io test_mapper test_vfs_rename)
  target_link_libraries(${t} PRIVATE pthread)
endforeach()
if(TARGET cpio_test_inputs)
  add_dependencies(test_vfs_cpio cpio_test_inputs)
endif()
