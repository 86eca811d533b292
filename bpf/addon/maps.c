/* SPDX-License-Identifier: Apache-2.0 */
/* Map access from JavaScript: dumps, key deletion, the mmaped slot array, possible CPUs. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "addon_internal.h"

static size_t value_stride(struct bpf_map *m)
{
	enum bpf_map_type t = bpf_map__type(m);
	size_t vs = bpf_map__value_size(m);
	if (t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_LRU_PERCPU_HASH)
		return ((vs + 7) & ~(size_t)7) * libbpf_num_possible_cpus();
	return vs;
}

/* ---- mmaped slot array (struct vigil_slot { u64 key; u64 count; }) ---- */

static char *slots_of(napi_env env, struct handle *h, const char *name)
{
	struct bpf_map *m = find_map(env, h, name);
	if (!m)
		return NULL;
	if (h->slots && h->slots_map == m)
		return h->slots;
	if (h->slots) {
		throw_err(env, "EBUSY", "another slot array is mapped");
		return NULL;
	}
	if (bpf_map__type(m) != BPF_MAP_TYPE_ARRAY || !(bpf_map__map_flags(m) & BPF_F_MMAPABLE) || bpf_map__value_size(m) != 16) {
		throw_err(env, "EINVAL", "map %s is not an mmapable array of 16-byte slots", name);
		return NULL;
	}
	size_t page = sysconf(_SC_PAGESIZE);
	size_t len = ((size_t)bpf_map__max_entries(m) * 16 + page - 1) / page * page;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
	if (p == MAP_FAILED) {
		int e = errno;
		throw_err(env, errno_code(e), "cannot mmap %s: %s", name, strerror(e));
		return NULL;
	}
	h->slots = p;
	h->slots_len = len;
	h->slots_map = m;
	return h->slots;
}

/* slotsRead(h, map) → Buffer: a copy of every slot (key, count), read in place. */
napi_value js_slots_read(napi_env env, napi_callback_info info)
{
	napi_value argv[2], out;
	char name[256];
	struct handle *h = handle_and_name(env, info, 2, argv, name, sizeof(name));
	if (!h)
		return NULL;
	char *slots = slots_of(env, h, name);
	if (!slots)
		return NULL;
	size_t n = bpf_map__max_entries(h->slots_map);
	void *data;
	NAPI_CALL(env, napi_create_buffer(env, n * 16, &data, &out));
	uint64_t *dst = data;
	const uint64_t *src = (const uint64_t *)slots;
	for (size_t i = 0; i < 2 * n; i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	return out;
}

/* slotsFree(h, map, Buffer of u32 indices): zero the count, then free the key. */
napi_value js_slots_free(napi_env env, napi_callback_info info)
{
	napi_value argv[3];
	char name[256];
	struct handle *h = handle_and_name(env, info, 3, argv, name, sizeof(name));
	if (!h)
		return NULL;
	char *slots = slots_of(env, h, name);
	if (!slots)
		return NULL;
	void *idx;
	size_t len;
	NAPI_CALL(env, napi_get_buffer_info(env, argv[2], &idx, &len));
	size_t n = bpf_map__max_entries(h->slots_map);
	uint64_t *sl = (uint64_t *)slots;
	for (size_t i = 0; i + 4 <= len; i += 4) {
		uint32_t k;
		memcpy(&k, (char *)idx + i, 4);
		if (k >= n)
			return throw_err(env, "ERANGE", "slot %u out of range", k);
		__atomic_store_n(&sl[2 * k + 1], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&sl[2 * k], 0, __ATOMIC_RELEASE);
	}
	return NULL;
}

napi_value js_map_dump(napi_env env, napi_callback_info info)
{
	napi_value argv[2];
	char name[256];
	struct handle *h;
	struct bpf_map *m = map_arg(env, info, 2, argv, name, sizeof(name), &h);
	if (!m)
		return NULL;
	int fd = bpf_map__fd(m);
	size_t ks = bpf_map__key_size(m), vs = value_stride(m);
	size_t cap = bpf_map__max_entries(m);
	char *keys = malloc(cap * ks + 1), *vals = malloc(cap * vs + 1);
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return throw_err(env, "ENOMEM", "out of memory dumping %s", name);
	}
	size_t count = 0;
	enum bpf_map_type t = bpf_map__type(m);
	int is_array = t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY;
	if (is_array) {
		for (uint32_t i = 0; i < cap; i++) {
			memcpy(keys + i * ks, &i, sizeof(i));
			if (bpf_map_lookup_elem(fd, &i, vals + i * vs) == 0)
				count++;
		}
	} else {
		/* batched lookup: one syscall per chunk instead of two per entry */
		uint64_t in_tok = 0, out_tok = 0;
		int first = 1, err = 0;
		while (count < cap) {
			uint32_t n = cap - count;
			err = bpf_map_lookup_batch(fd, first ? NULL : &in_tok, &out_tok, keys + count * ks, vals + count * vs, &n, NULL);
			if (err && errno != ENOENT)
				break;
			count += n;
			first = 0;
			in_tok = out_tok;
			if (err) /* ENOENT: no more entries */
				break;
		}
		if (!err || errno == ENOENT)
			goto done;
		count = 0;
		/* fallback: key iteration + lookup; entries deleted meanwhile are skipped */
		char *prev = NULL;
		while (count < cap) {
			if (bpf_map_get_next_key(fd, prev, keys + count * ks))
				break;
			prev = keys + count * ks;
			if (bpf_map_lookup_elem(fd, prev, vals + count * vs) == 0)
				count++;
			else if (count > 0)
				prev = keys + (count - 1) * ks;
			else
				prev = NULL;
		}
	}
done:;
	napi_value res, kb, vb, v;
	NAPI_CALL(env, napi_create_object(env, &res));
	NAPI_CALL(env, napi_create_buffer_copy(env, count * ks, keys, NULL, &kb));
	NAPI_CALL(env, napi_create_buffer_copy(env, count * vs, vals, NULL, &vb));
	free(keys);
	free(vals);
	napi_set_named_property(env, res, "keys", kb);
	napi_set_named_property(env, res, "values", vb);
	napi_create_uint32(env, count, &v);
	napi_set_named_property(env, res, "count", v);
	napi_create_uint32(env, ks, &v);
	napi_set_named_property(env, res, "keySize", v);
	napi_create_uint32(env, vs, &v);
	napi_set_named_property(env, res, "valueSize", v);
	return res;
}

napi_value js_map_delete_keys(napi_env env, napi_callback_info info)
{
	napi_value argv[3];
	char name[256];
	struct handle *h;
	struct bpf_map *m = map_arg(env, info, 3, argv, name, sizeof(name), &h);
	if (!m)
		return NULL;
	char *data;
	size_t len;
	NAPI_CALL(env, napi_get_buffer_info(env, argv[2], (void **)&data, &len));
	size_t ks = bpf_map__key_size(m);
	if (len % ks)
		return throw_err(env, "EINVAL", "keys buffer of %zu bytes is not a multiple of the key size %zu", len, ks);
	uint32_t deleted = 0;
	for (size_t off = 0; off < len; off += ks)
		if (bpf_map_delete_elem(bpf_map__fd(m), data + off) == 0)
			deleted++;
	napi_value v;
	napi_create_uint32(env, deleted, &v);
	return v;
}

napi_value js_num_possible_cpus(napi_env env, napi_callback_info info)
{
	napi_value v;
	napi_create_int32(env, libbpf_num_possible_cpus(), &v);
	return v;
}
