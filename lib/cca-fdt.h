/* SPDX-License-Identifier: MIT */
/*
 * The device tree of a launch plan (lib/launch.c), generated with libfdt's
 * sequential-write API. Internal; never installed. (Not named fdt.h: lib/
 * is on the include path and libfdt.h includes <fdt.h>.)
 */
#ifndef LIBCCA_CCA_FDT_H
#define LIBCCA_CCA_FDT_H

#include <stddef.h>

#include <rmi/launch.h>

/**
 * cca_fdt_build() - write the realm's DTB
 * @l: the layout (addresses, vCPUs, initrd range)
 * @cmdline: /chosen/bootargs ("" for none)
 * @pmu: non-zero to describe a PMU (PPI 7)
 * @buf: output buffer, zeroed by the caller
 * @size: its size (the DTB region: 64 KiB)
 * @err: one-line reason on failure
 * @errlen: size of @err
 *
 * Deterministic: the same inputs give the same bytes. The result is packed
 * (its totalsize is fdt_totalsize(@buf)).
 *
 * Return: 0; -ENOSPC the DTB does not fit in @size; -EINVAL a libfdt error.
 */
int cca_fdt_build(const struct cca_launch_layout *l, const char *cmdline, int pmu, void *buf,
		  size_t size, char *err, size_t errlen);

#endif
