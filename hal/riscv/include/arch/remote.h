/*
 * arch/remote.h - RISC-V's part of hal_remote.h (which says what this header must define): the
 * translation that every architecture of Archipel shares, a replica of the image per cluster over
 * one direct map (hal_remote_replica.h), with this architecture's layout (<arch/kmem.h>).
 */
#ifndef ARCH_REMOTE_H
#define ARCH_REMOTE_H

#include <hal_remote_replica.h>

#endif /* ARCH_REMOTE_H */
