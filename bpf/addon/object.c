/* SPDX-License-Identifier: Apache-2.0 */
/* A BPF object handle's life: open, configure (rodata, map sizes, autoload), load, attach, close. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "addon_internal.h"

#define LOG_CAP (4 * 1024 * 1024)

/* ---- libbpf log capture: everything libbpf prints during one call, for error messages ---- */

static char *g_log;
static size_t g_log_len;

int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	if (!g_log)
		g_log = malloc(LOG_CAP);
	if (!g_log || g_log_len >= LOG_CAP - 1)
		return 0;
	int n = vsnprintf(g_log + g_log_len, LOG_CAP - g_log_len, fmt, args);
	if (n > 0)
		g_log_len += (size_t)n < LOG_CAP - g_log_len ? (size_t)n : LOG_CAP - g_log_len - 1;
	return 0;
}

static void log_reset(void)
{
	g_log_len = 0;
	if (g_log)
		g_log[0] = 0;
}

static void *destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/*
 * Destroy every link at once: each tracepoint detach waits for an RCU grace period (~60 ms here),
 * so one after another the 30 hooks took 1.7 s to detach; in parallel the waits overlap.
 */
static void detach_all(struct handle *h)
{
	pthread_t threads[MAX_LINKS];
	int started[MAX_LINKS] = { 0 };
	for (int i = 0; i < h->nlinks; i++)
		started[i] = pthread_create(&threads[i], NULL, destroy_link, h->links[i]) == 0;
	for (int i = 0; i < h->nlinks; i++) {
		if (started[i])
			pthread_join(threads[i], NULL);
		else
			bpf_link__destroy(h->links[i]);
	}
	h->nlinks = 0;
}

static void handle_free(struct handle *h)
{
	if (h->closed)
		return;
	h->closed = 1;
	drainer_stop(h);
	if (h->slots)
		munmap(h->slots, h->slots_len);
	h->slots = NULL;
	ring_free(h->rb);
	h->rb = NULL;
	detach_all(h);
	if (h->obj)
		bpf_object__close(h->obj);
	h->obj = NULL;
	free(h->batch.data);
	h->batch.data = NULL;
	if (h->agg) {
		free(h->agg->arena.data);
		free(h->agg->pass_prefixes);
	}
	free(h->agg);
	h->agg = NULL;
}

static void handle_finalize(napi_env env, void *data, void *hint)
{
	struct handle *h = data;
	if (!h->polling) {
		handle_free(h);
		free(h);
	}
	/* a poll in flight frees it on completion */
}

/* ---- open / configure / load / attach ---- */

napi_value js_open(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	char path[4096];
	if (get_args(env, info, 1, argv) || get_string(env, argv[0], path, sizeof(path)))
		return NULL;
	log_reset();
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		int e = errno;
		return throw_err(env, errno_code(e), "cannot open BPF object %s: %s\n%s", path, strerror(e), g_log ? g_log : "");
	}
	struct handle *h = calloc(1, sizeof(*h));
	h->obj = obj;
	napi_value ext;
	NAPI_CALL(env, napi_create_external(env, h, handle_finalize, NULL, &ext));
	return ext;
}

napi_value js_set_rodata(napi_env env, napi_callback_info info)
{
	napi_value argv[3];
	char name[256];
	struct handle *h = handle_and_name(env, info, 3, argv, name, sizeof(name));
	if (!h)
		return NULL;
	if (h->loaded)
		return throw_err(env, "VIGIL_BPF_STATE", "rodata \"%s\" must be set before load", name);

	int64_t value = 0;
	bool lossless = true, is_buffer = false;
	void *bytes = NULL;
	size_t nbytes = 0;
	napi_valuetype t;
	napi_typeof(env, argv[2], &t);
	NAPI_CALL(env, napi_is_buffer(env, argv[2], &is_buffer));
	if (is_buffer)
		NAPI_CALL(env, napi_get_buffer_info(env, argv[2], &bytes, &nbytes));
	else if (t == napi_bigint)
		NAPI_CALL(env, napi_get_value_bigint_int64(env, argv[2], &value, &lossless));
	else
		NAPI_CALL(env, napi_get_value_int64(env, argv[2], &value));

	struct bpf_map *map = NULL, *m;
	bpf_object__for_each_map(m, h->obj) {
		const char *mn = bpf_map__name(m);
		size_t l = strlen(mn);
		if (l >= 7 && strcmp(mn + l - 7, ".rodata") == 0)
			map = m;
	}
	struct btf *btf = bpf_object__btf(h->obj);
	int sec_id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
	if (!map || sec_id < 0)
		return throw_err(env, "ENOENT", "the BPF object has no .rodata section");
	size_t size;
	char *data = (char *)bpf_map__initial_value(map, &size); /* mmaped .rodata image, writable until load */
	const struct btf_type *sec = btf__type_by_id(btf, sec_id);
	const struct btf_var_secinfo *vsi = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, vsi++) {
		const struct btf_type *var = btf__type_by_id(btf, vsi->type);
		if (strcmp(btf__name_by_offset(btf, var->name_off), name) != 0)
			continue;
		if (vsi->offset + vsi->size > size)
			return throw_err(env, "VIGIL_BPF_ERROR", "rodata \"%s\" lies outside the section", name);
		if (is_buffer) { /* arrays and structs: the exact bytes of the variable */
			if (nbytes != vsi->size)
				return throw_err(env, "EINVAL", "rodata \"%s\" is %u bytes, got %zu", name, vsi->size, nbytes);
			memcpy(data + vsi->offset, bytes, nbytes);
			return NULL;
		}
		switch (vsi->size) {
		case 1: { uint8_t v = value; memcpy(data + vsi->offset, &v, 1); break; }
		case 2: { uint16_t v = value; memcpy(data + vsi->offset, &v, 2); break; }
		case 4: { uint32_t v = value; memcpy(data + vsi->offset, &v, 4); break; }
		case 8: memcpy(data + vsi->offset, &value, 8); break;
		default:
			return throw_err(env, "EINVAL", "rodata \"%s\" is %u bytes, not a scalar", name, vsi->size);
		}
		return NULL;
	}
	return throw_err(env, "ENOENT", "no rodata variable named \"%s\"", name);
}

napi_value js_set_max_entries(napi_env env, napi_callback_info info)
{
	napi_value argv[3];
	char name[256];
	uint32_t n;
	struct handle *h = handle_and_name(env, info, 3, argv, name, sizeof(name));
	if (!h)
		return NULL;
	NAPI_CALL(env, napi_get_value_uint32(env, argv[2], &n));
	struct bpf_map *m = find_map(env, h, name);
	if (!m)
		return NULL;
	int err = bpf_map__set_max_entries(m, n);
	if (err)
		return throw_err(env, errno_code(-err), "cannot size map %s to %u: %s", name, n, strerror(-err));
	return NULL;
}

napi_value js_load(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct handle *h = handle_arg(env, info, argv);
	if (!h)
		return NULL;
	log_reset();
	/*
	 * The verifier gives up with EAGAIN when a signal is pending for the loading thread (libbpf
	 * retries 5 times). A profiler's SIGPROF, a child's SIGCHLD or a timer could fail the agent's
	 * start that way, so signals wait until the load is done.
	 */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int err = bpf_object__load(h->obj);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		const char *log = g_log ? g_log : "";
		size_t len = g_log_len;
		/* the verifier log of a big program can be long: keep its tail, where the reason is */
		if (len > 6000)
			log += len - 6000;
		return throw_err(env, errno_code(-err), "loading the BPF programs failed: %s\n--- libbpf/verifier log ---\n%s",
				 strerror(-err), log);
	}
	h->loaded = 1;
	return NULL;
}

/* programs(h) → [{name, section, autoload}] */
napi_value js_programs(napi_env env, napi_callback_info info)
{
	napi_value argv[1], arr;
	struct handle *h = handle_arg(env, info, argv);
	if (!h)
		return NULL;
	NAPI_CALL(env, napi_create_array(env, &arr));
	struct bpf_program *p;
	uint32_t i = 0;
	bpf_object__for_each_program(p, h->obj) {
		napi_value o, name, sec, autoload;
		NAPI_CALL(env, napi_create_object(env, &o));
		NAPI_CALL(env, napi_create_string_utf8(env, bpf_program__name(p), NAPI_AUTO_LENGTH, &name));
		NAPI_CALL(env, napi_create_string_utf8(env, bpf_program__section_name(p), NAPI_AUTO_LENGTH, &sec));
		NAPI_CALL(env, napi_get_boolean(env, bpf_program__autoload(p), &autoload));
		NAPI_CALL(env, napi_set_named_property(env, o, "name", name));
		NAPI_CALL(env, napi_set_named_property(env, o, "section", sec));
		NAPI_CALL(env, napi_set_named_property(env, o, "autoload", autoload));
		NAPI_CALL(env, napi_set_element(env, arr, i++, o));
	}
	return arr;
}

/*
 * programMisses(h) → runs the kernel skipped, summed over the loaded programs: a program that
 * would run while it is already running on that CPU is not run (bpf_prog_info.recursion_misses),
 * so a syscall it should have counted is lost. 0 before load.
 */
napi_value js_program_misses(napi_env env, napi_callback_info info)
{
	napi_value argv[1], out;
	struct handle *h = handle_arg(env, info, argv);
	if (!h)
		return NULL;
	double sum = 0;
	struct bpf_program *p;
	bpf_object__for_each_program(p, h->obj) {
		int fd = h->loaded ? bpf_program__fd(p) : -1;
		if (fd < 0)
			continue;
		struct bpf_prog_info pi;
		__u32 len = sizeof(pi);
		memset(&pi, 0, sizeof(pi));
		if (bpf_obj_get_info_by_fd(fd, &pi, &len))
			return throw_err(env, errno_code(errno), "cannot read the info of BPF program %s: %s", bpf_program__name(p), strerror(errno));
		sum += (double)pi.recursion_misses; /* 0 on kernels whose info predates the field */
	}
	NAPI_CALL(env, napi_create_double(env, sum, &out));
	return out;
}

/* setAutoload(h, program, bool): load (and attach) the program or leave it out; before load. */
napi_value js_set_autoload(napi_env env, napi_callback_info info)
{
	napi_value argv[3];
	char name[256];
	bool on;
	struct handle *h = handle_and_name(env, info, 3, argv, name, sizeof(name));
	if (!h)
		return NULL;
	NAPI_CALL(env, napi_get_value_bool(env, argv[2], &on));
	if (h->loaded)
		return throw_err(env, "VIGIL_BPF_STATE", "autoload of \"%s\" must be set before load", name);
	struct bpf_program *p = bpf_object__find_program_by_name(h->obj, name);
	if (!p)
		return throw_err(env, "ENOENT", "no BPF program named \"%s\"", name);
	int err = bpf_program__set_autoload(p, on);
	if (err)
		return throw_err(env, errno_code(-err), "cannot set autoload of %s: %s", name, strerror(-err));
	return NULL;
}

napi_value js_attach(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct handle *h = handle_arg(env, info, argv);
	if (!h)
		return NULL;
	if (!h->loaded)
		return throw_err(env, "VIGIL_BPF_STATE", "attach before load");
	struct bpf_program *p;
	bpf_object__for_each_program(p, h->obj) {
		if (!bpf_program__autoload(p))
			continue;
		if (h->nlinks >= MAX_LINKS)
			return throw_err(env, "E2BIG", "too many programs");
		log_reset();
		struct bpf_link *l = bpf_program__attach(p);
		if (!l) {
			int e = errno;
			return throw_err(env, errno_code(e), "cannot attach %s: %s\n%s", bpf_program__name(p), strerror(e),
					 g_log ? g_log : "");
		}
		h->links[h->nlinks++] = l;
	}
	return NULL;
}

napi_value js_detach(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct handle *h = handle_arg(env, info, argv);
	if (!h)
		return NULL;
	detach_all(h);
	return NULL;
}

napi_value js_close(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct handle *h = NULL;
	if (get_args(env, info, 1, argv))
		return NULL;
	napi_get_value_external(env, argv[0], (void **)&h);
	if (!h)
		return NULL;
	if (h->polling)
		return throw_err(env, "EBUSY", "close while a ring-buffer poll is in flight; await it first");
	handle_free(h);
	return NULL;
}
