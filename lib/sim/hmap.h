/* SPDX-License-Identifier: MIT */
/*
 * A small open-addressing hash map from u64 keys to u64 values, for the
 * simulator's sparse state (granules, RTT entries, guest_memfd pages).
 * Not thread-safe; callers lock.
 */
#ifndef LIBCCA_SIM_HMAP_H
#define LIBCCA_SIM_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hmap {
	uint64_t *keys;
	uint64_t *vals;
	uint8_t *used; /* 0 empty, 1 used, 2 deleted */
	size_t cap;    /* power of two, or 0 */
	size_t len;
	size_t tomb;
};

void hmap_init(struct hmap *m);
void hmap_free(struct hmap *m);
/* Returns a pointer to the value, or NULL. */
uint64_t *hmap_get(const struct hmap *m, uint64_t key);
/* Inserts or replaces; -ENOMEM on allocation failure. */
int hmap_put(struct hmap *m, uint64_t key, uint64_t val);
bool hmap_del(struct hmap *m, uint64_t key);
/*
 * Iterate: for (size_t i = 0; hmap_next(m, &i, &k, &v);). hmap_del() of the
 * entry just returned is allowed during a walk (it leaves a tombstone);
 * hmap_put() is not (it may rehash).
 */
bool hmap_next(const struct hmap *m, size_t *it, uint64_t *key, uint64_t *val);

#endif
