// SPDX-License-Identifier: MIT
/*
 * Open addressing with linear probing; tombstones are reclaimed on growth.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

static size_t slot_of(uint64_t key, size_t cap)
{
	/* splitmix64 finaliser: granule-aligned keys spread well. */
	key ^= key >> 30;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 27;
	key *= 0x94d049bb133111ebULL;
	key ^= key >> 31;
	return (size_t)key & (cap - 1);
}

void hmap_init(struct hmap *m)
{
	memset(m, 0, sizeof(*m));
}

void hmap_free(struct hmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	hmap_init(m);
}

uint64_t *hmap_get(const struct hmap *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot_of(key, m->cap), n = 0; n < m->cap; i = (i + 1) & (m->cap - 1), n++) {
		if (m->used[i] == 0)
			return NULL;
		if (m->used[i] == 1 && m->keys[i] == key)
			return &m->vals[i];
	}
	return NULL;
}

static int grow(struct hmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct hmap n = { 0 };

	if ((m->len + 1) * 2 < m->cap) /* only tombstones: rehash at the same size */
		cap = m->cap;
	n.keys = malloc(cap * sizeof(*n.keys));
	n.vals = malloc(cap * sizeof(*n.vals));
	n.used = calloc(cap, 1);
	n.cap = cap;
	if (!n.keys || !n.vals || !n.used) {
		hmap_free(&n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->used[i] != 1)
			continue;
		size_t j = slot_of(m->keys[i], cap);
		while (n.used[j])
			j = (j + 1) & (cap - 1);
		n.used[j] = 1;
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
		n.len++;
	}
	hmap_free(m);
	*m = n;
	return 0;
}

int hmap_put(struct hmap *m, uint64_t key, uint64_t val)
{
	uint64_t *v = hmap_get(m, key);
	if (v) {
		*v = val;
		return 0;
	}
	if ((m->len + m->tomb + 1) * 4 > m->cap * 3) {
		int ret = grow(m);
		if (ret)
			return ret;
	}
	size_t i = slot_of(key, m->cap);
	while (m->used[i] == 1)
		i = (i + 1) & (m->cap - 1);
	if (m->used[i] == 2)
		m->tomb--;
	m->used[i] = 1;
	m->keys[i] = key;
	m->vals[i] = val;
	m->len++;
	return 0;
}

bool hmap_del(struct hmap *m, uint64_t key)
{
	uint64_t *v = hmap_get(m, key);
	if (!v)
		return false;
	size_t i = (size_t)(v - m->vals);
	m->used[i] = 2;
	m->len--;
	m->tomb++;
	return true;
}

bool hmap_next(const struct hmap *m, size_t *it, uint64_t *key, uint64_t *val)
{
	for (; *it < m->cap; (*it)++) {
		if (m->used[*it] == 1) {
			*key = m->keys[*it];
			*val = m->vals[*it];
			(*it)++;
			return true;
		}
	}
	return false;
}
