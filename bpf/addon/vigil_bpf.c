/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vigil_bpf: a thin N-API binding over Debian's libbpf. This file is the module: its entry points
 * and the argument and error helpers they share; addon_internal.h says where the rest lives.
 * JavaScript gets:
 *   open(path) → handle; setRodata(h, name, number | bigint | Buffer); setMaxEntries(h, map, n);
 *   programs(h) → [{name, section, autoload}]; programMisses(h); setAutoload(h, program, bool); load(h);
 *   attach(h) (the autoloaded programs); detach(h); close(h); ringbufOpen(h, map, aggregateHoldMs?);
 *   ringbufPoll(h, timeoutMs, cb(err, Buffer)) — runs on the libuv pool, hands back ONE Buffer
 *     with every record consumed (each: u32 length, u32 count, bytes, padded to 8; count 0 is one
 *     record, n > 0 an open record that arrived n times since the last poll, see agg_add);
 *   mapDump(h, map) → {keys, values, count, keySize, valueSize} (per-CPU values: one slot per
 *     possible CPU, each rounded to 8 bytes); mapDeleteKeys(h, map, keys) → deleted;
 *   numPossibleCpus();
 *   slotsRead(h, map) → Buffer copy of an mmapable array of {u64 key, u64 count} slots read in
 *     place; slotsFree(h, map, u32 indices) zeroes those slots (count first, then key).
 * Errors are JS Errors with `code` (errno name or VIGIL_BPF_*) and, on load failure, libbpf's
 * log including the verifier log in the message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include "addon_internal.h"

napi_value throw_err(napi_env env, const char *code, const char *fmt, ...)
{
	char msg[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	napi_throw_error(env, code, msg);
	return NULL;
}

const char *errno_code(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case E2BIG: return "E2BIG";
	case ENOMEM: return "ENOMEM";
	case ENOSPC: return "ENOSPC";
	case EBUSY: return "EBUSY";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return "VIGIL_BPF_ERROR";
	}
}

struct handle *get_handle(napi_env env, napi_value v)
{
	struct handle *h = NULL;
	if (napi_get_value_external(env, v, (void **)&h) != napi_ok || !h) {
		throw_err(env, "VIGIL_BPF_ARG", "expected a BPF object handle");
		return NULL;
	}
	if (h->closed) {
		throw_err(env, "VIGIL_BPF_CLOSED", "the BPF object was closed");
		return NULL;
	}
	return h;
}

int get_string(napi_env env, napi_value v, char *out, size_t cap)
{
	size_t len;
	if (napi_get_value_string_utf8(env, v, out, cap, &len) != napi_ok) {
		throw_err(env, "VIGIL_BPF_ARG", "expected a string");
		return -1;
	}
	return 0;
}

int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv)
{
	size_t argc = want;
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
		throw_err(env, "VIGIL_BPF_ARG", "expected %zu arguments, got %zu", want, argc);
		return -1;
	}
	return 0;
}

/* The (handle) argument of the calls that take only it; NULL with a JS exception pending. */
struct handle *handle_arg(napi_env env, napi_callback_info info, napi_value *argv)
{
	return get_args(env, info, 1, argv) ? NULL : get_handle(env, argv[0]);
}

/* The (handle, name, ...) arguments most calls take; NULL with a JS exception pending. */
struct handle *handle_and_name(napi_env env, napi_callback_info info, size_t want, napi_value *argv, char *name, size_t cap)
{
	if (get_args(env, info, want, argv))
		return NULL;
	struct handle *h = get_handle(env, argv[0]);
	if (!h || get_string(env, argv[1], name, cap))
		return NULL;
	return h;
}

struct bpf_map *find_map(napi_env env, struct handle *h, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(h->obj, name);
	if (!m)
		throw_err(env, "ENOENT", "no map named \"%s\" in the BPF object", name);
	return m;
}

/* The (handle, map name, ...) arguments of the map calls: the map, NULL with a JS exception pending. */
struct bpf_map *map_arg(napi_env env, napi_callback_info info, size_t want, napi_value *argv, char *name, size_t cap,
			struct handle **h)
{
	*h = handle_and_name(env, info, want, argv, name, cap);
	return *h ? find_map(env, *h, name) : NULL;
}

static napi_value init(napi_env env, napi_value exports)
{
	libbpf_set_print(print_fn);
	napi_property_descriptor props[] = {
		{ "open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL },
		{ "setRodata", NULL, js_set_rodata, NULL, NULL, NULL, napi_default, NULL },
		{ "setMaxEntries", NULL, js_set_max_entries, NULL, NULL, NULL, napi_default, NULL },
		{ "load", NULL, js_load, NULL, NULL, NULL, napi_default, NULL },
		{ "attach", NULL, js_attach, NULL, NULL, NULL, napi_default, NULL },
		{ "programs", NULL, js_programs, NULL, NULL, NULL, napi_default, NULL },
		{ "programMisses", NULL, js_program_misses, NULL, NULL, NULL, napi_default, NULL },
		{ "setAutoload", NULL, js_set_autoload, NULL, NULL, NULL, napi_default, NULL },
		{ "detach", NULL, js_detach, NULL, NULL, NULL, napi_default, NULL },
		{ "close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL },
		{ "ringbufOpen", NULL, js_ringbuf_open, NULL, NULL, NULL, napi_default, NULL },
		{ "ringbufPoll", NULL, js_ringbuf_poll, NULL, NULL, NULL, napi_default, NULL },
		{ "mapDump", NULL, js_map_dump, NULL, NULL, NULL, napi_default, NULL },
		{ "slotsRead", NULL, js_slots_read, NULL, NULL, NULL, napi_default, NULL },
		{ "slotsFree", NULL, js_slots_free, NULL, NULL, NULL, napi_default, NULL },
		{ "mapDeleteKeys", NULL, js_map_delete_keys, NULL, NULL, NULL, napi_default, NULL },
		{ "numPossibleCpus", NULL, js_num_possible_cpus, NULL, NULL, NULL, napi_default, NULL },
	};
	napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
