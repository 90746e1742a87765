// SPDX-License-Identifier: MIT
/*
 * Structs that grow at their end (README, "Compatibility"): the caller's
 * size field says which release's layout it was compiled with, and these
 * are the only places that read or write a caller's struct by that size.
 * The rules are Linux's copy_struct_from_user() (openat2, clone3,
 * sched_setattr), so that old callers, new callers and this library can be
 * combined in any order without anyone reading or writing past a buffer.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static uint32_t size_of(const void *s)
{
	uint32_t size;

	/* The struct's own type is not known here: no aliasing through a cast. */
	memcpy(&size, s, sizeof(size));
	return size;
}

static void set_size(void *s, size_t size)
{
	uint32_t v = (uint32_t)size;

	memcpy(s, &v, sizeof(v));
}

int cca_struct_in(void *dst, size_t ours, size_t first, const void *src)
{
	if (!src)
		return -EINVAL;
	size_t size = size_of(src);
	if (size < first)
		return -EINVAL;
	/*
	 * A bound, as openat2's PAGE_SIZE: a corrupt size must not make the
	 * library scan megabytes of the caller's memory for a zero tail.
	 */
	if (size > CCA_STRUCT_SIZE_MAX)
		return -E2BIG;
	/*
	 * A newer caller's extra members are accepted only when they are zero,
	 * i.e. at their defaults: a member it set would otherwise be ignored
	 * silently by this older library.
	 */
	if (size > ours && !cca_all_zero((const unsigned char *)src + ours, size - ours))
		return -E2BIG;
	memset(dst, 0, ours);
	memcpy(dst, src, size < ours ? size : ours);
	set_size(dst, ours);
	return 0;
}

int cca_struct_out_ok(const void *dst, size_t first)
{
	return dst && size_of(dst) >= first ? 0 : -EINVAL;
}

void cca_struct_out(void *dst, const void *src, size_t ours)
{
	size_t size = size_of(dst);

	cca_struct_write(dst, src, size < ours ? size : ours);
}

void cca_struct_write(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	set_size(dst, n);
}
