/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vigil_bpf: a thin N-API binding over Debian's libbpf. JavaScript gets:
 *   open(path) → handle; setRodata(h, name, number | bigint | Buffer); setMaxEntries(h, map, n);
 *   programs(h) → [{name, section, autoload}]; setAutoload(h, program, bool); load(h);
 *   attach(h) (the autoloaded programs); detach(h); close(h); ringbufOpen(h, map, aggregateHoldMs?);
 *   ringbufPoll(h, timeoutMs, cb(err, Buffer)) — runs on the libuv pool, hands back ONE Buffer
 *     with every record consumed (each: u32 length, u32 count, bytes, padded to 8; count 0 is one
 *     record, n > 0 an open record that arrived n times since the last poll, see agg_add);
 *   mapDump(h, map) → {keys, values, count, keySize, valueSize} (per-CPU values: one slot per
 *     possible CPU, each rounded to 8 bytes); mapDeleteKeys(h, map, keys) → deleted;
 *   mapClear(h, map); numPossibleCpus();
 *   slotsRead(h, map) → Buffer copy of an mmapable array of {u64 key, u64 count} slots read in
 *     place; slotsFree(h, map, u32 indices) zeroes those slots (count first, then key).
 * Errors are JS Errors with `code` (errno name or VIGIL_BPF_*) and, on load failure, libbpf's
 * log including the verifier log in the message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <stddef.h>
#include "vigil_events.h"

#define MAX_LINKS 64
#define LOG_CAP (4 * 1024 * 1024)

/* ---- libbpf log capture: everything libbpf prints during one call, for error messages ---- */

static char *g_log;
static size_t g_log_len;

static int print_fn(enum libbpf_print_level level, const char *fmt, va_list args)
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

/* ---- handle ---- */

struct buf {
	char *data;
	size_t len, cap;
};

/*
 * Our own ring-buffer consumer over the map's mmaped pages (the layout libbpf uses). libbpf 1.1
 * publishes consumer_pos after every record; the kernel producer reads that cache line on every
 * reserve, so a consumer draining on the other CPU made each record cost ~1 µs at 400k records/s
 * (bench/agent-overhead, open/read/close loop). This one publishes it once per drained stretch.
 */
struct ring {
	int map_fd;
	int epoll_fd;
	unsigned long mask;
	size_t page_size;
	unsigned long *consumer_pos; /* rw page */
	unsigned long *producer_pos; /* ro page, followed by the data pages mapped twice */
	char *data;
};

static void ring_free(struct ring *r)
{
	if (!r)
		return;
	if (r->consumer_pos)
		munmap(r->consumer_pos, r->page_size);
	if (r->producer_pos)
		munmap(r->producer_pos, r->page_size + 2 * (r->mask + 1));
	if (r->epoll_fd >= 0)
		close(r->epoll_fd);
	free(r);
}

/* Returns NULL with errno set. */
static struct ring *ring_new(int map_fd, uint32_t max_entries)
{
	struct ring *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->map_fd = map_fd;
	r->epoll_fd = -1;
	r->mask = max_entries - 1;
	r->page_size = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, r->page_size, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	r->consumer_pos = p;
	p = mmap(NULL, r->page_size + 2 * (size_t)max_entries, PROT_READ, MAP_SHARED, map_fd, r->page_size);
	if (p == MAP_FAILED)
		goto fail;
	r->producer_pos = p;
	r->data = (char *)p + r->page_size;
	r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epoll_fd < 0)
		goto fail;
	/*
	 * Edge-triggered: the ring buffer reports EPOLLIN whenever any data is pending, so a
	 * level-triggered wait returns at once and the consumer drains record by record, racing the
	 * producer. With EPOLLET a wait ends only on a producer's wake-up (past wakeup_bytes) or the
	 * timeout, and each poll drains a large stretch at once.
	 */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	if (epoll_ctl(r->epoll_fd, EPOLL_CTL_ADD, map_fd, &ev) < 0)
		goto fail;
	return r;
fail:;
	int e = errno;
	ring_free(r);
	errno = e;
	return NULL;
}

/* Hand every committed record to cb; consumer_pos is published once per stretch. */
static int ring_consume(struct ring *r, int (*cb)(void *ctx, void *data, size_t size), void *ctx)
{
	int n = 0;
	unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	for (;;) {
		unsigned long prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
		if (cons >= prod)
			break;
		int busy = 0;
		while (cons < prod) {
			uint32_t *hdr = (uint32_t *)(r->data + (cons & r->mask));
			uint32_t len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			if (len & BPF_RINGBUF_BUSY_BIT) { /* reserved, not yet committed */
				busy = 1;
				break;
			}
			uint32_t size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				int err = cb(ctx, (char *)hdr + BPF_RINGBUF_HDR_SZ, size);
				if (err) {
					__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
					return err;
				}
				n++;
			}
			cons += (size + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
		}
		__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
		if (busy)
			break;
	}
	return n;
}

/* Wait up to timeout_ms for a wake-up; returns 0 or -errno. */
static int ring_wait(struct ring *r, int timeout_ms)
{
	struct epoll_event ev;
	int n = epoll_wait(r->epoll_fd, &ev, 1, timeout_ms);
	return n < 0 ? -errno : 0;
}

/* The open-record table of a handle (see agg_add). */
#define AGG_SLOTS (1u << 18)
#define AGG_ARENA_CAP ((size_t)32 << 20) /* record bytes held; long paths pass through beyond it */

struct agg_entry {
	uint64_t hash;   /* 0 = empty */
	uint32_t off;    /* record bytes in arena */
	uint32_t size;
	uint32_t count;  /* since the last hand-over; 0 = not touched */
};

struct agg {
	struct agg_entry slots[AGG_SLOTS];
	uint32_t used;
	uint32_t touched[AGG_SLOTS];
	uint32_t ntouched;
	uint64_t handed_ns;    /* CLOCK_REALTIME of the last hand-over */
	uint64_t hold_ns;      /* hand over at most this often, except to a poll with timeout 0 */
	int exit_seen;         /* an exit record went by: hand over with it (see agg_due) */
	struct buf arena;
};

struct handle {
	struct bpf_object *obj;
	struct bpf_link *links[MAX_LINKS];
	int nlinks;
	int loaded;
	struct ring *rb;
	struct buf batch;      /* records drained from the ring, not yet handed to JS (under lock) */
	pthread_mutex_t lock;
	pthread_cond_t ready;  /* batch became non-empty */
	pthread_t drainer;     /* drains the ring while JS is busy with the last batch */
	int drainer_running;
	volatile int stop;
	char *slots;           /* mmaped slot array (slotsRead/slotsFree) */
	size_t slots_len;
	struct bpf_map *slots_map;
	int polling;
	int closed;
	struct agg *agg;       /* repeated open records, when ringbufOpen asked for it (under lock) */
};

/* Records held in user space at most: beyond this the ring fills and the kernel counts drops. */
#define DRAIN_CAP ((size_t)256 << 20)

struct poll_work {
	napi_async_work work;
	napi_ref cb;
	struct handle *h;
	int timeout_ms;
	int err;
	struct buf out;
};

static napi_value throw_err(napi_env env, const char *code, const char *fmt, ...)
{
	char msg[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	napi_throw_error(env, code, msg);
	return NULL;
}

static const char *errno_code(int e)
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

#define NAPI_CALL(env, call)                                                              \
	do {                                                                                  \
		if ((call) != napi_ok)                                                            \
			return throw_err(env, "VIGIL_BPF_NAPI", "N-API call failed: %s", #call);      \
	} while (0)

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

static void drainer_stop(struct handle *h)
{
	if (!h->drainer_running)
		return;
	h->stop = 1;
	pthread_join(h->drainer, NULL);
	h->drainer_running = 0;
	pthread_cond_destroy(&h->ready);
	pthread_mutex_destroy(&h->lock);
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
	if (h->agg)
		free(h->agg->arena.data);
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

static struct handle *get_handle(napi_env env, napi_value v)
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

static int get_string(napi_env env, napi_value v, char *out, size_t cap)
{
	size_t len;
	if (napi_get_value_string_utf8(env, v, out, cap, &len) != napi_ok) {
		throw_err(env, "VIGIL_BPF_ARG", "expected a string");
		return -1;
	}
	return 0;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv)
{
	size_t argc = want;
	if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
		throw_err(env, "VIGIL_BPF_ARG", "expected %zu arguments, got %zu", want, argc);
		return -1;
	}
	return 0;
}

/* The (handle) argument of the calls that take only it; NULL with a JS exception pending. */
static struct handle *handle_arg(napi_env env, napi_callback_info info, napi_value *argv)
{
	return get_args(env, info, 1, argv) ? NULL : get_handle(env, argv[0]);
}

/* The (handle, name, ...) arguments most calls take; NULL with a JS exception pending. */
static struct handle *handle_and_name(napi_env env, napi_callback_info info, size_t want, napi_value *argv, char *name, size_t cap)
{
	if (get_args(env, info, want, argv))
		return NULL;
	struct handle *h = get_handle(env, argv[0]);
	if (!h || get_string(env, argv[1], name, cap))
		return NULL;
	return h;
}

static struct bpf_map *find_map(napi_env env, struct handle *h, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(h->obj, name);
	if (!m)
		throw_err(env, "ENOENT", "no map named \"%s\" in the BPF object", name);
	return m;
}

/* ---- open / configure / load / attach ---- */

static napi_value js_open(napi_env env, napi_callback_info info)
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

static napi_value js_set_rodata(napi_env env, napi_callback_info info)
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

static napi_value js_set_max_entries(napi_env env, napi_callback_info info)
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

static napi_value js_load(napi_env env, napi_callback_info info)
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
static napi_value js_programs(napi_env env, napi_callback_info info)
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
static napi_value js_program_misses(napi_env env, napi_callback_info info)
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
static napi_value js_set_autoload(napi_env env, napi_callback_info info)
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

static napi_value js_attach(napi_env env, napi_callback_info info)
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

static napi_value js_detach(napi_env env, napi_callback_info info)
{
	napi_value argv[1];
	struct handle *h = handle_arg(env, info, argv);
	if (!h)
		return NULL;
	detach_all(h);
	return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info)
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

/* ---- ring buffer ---- */

static int buf_append_n(struct buf *b, const void *data, size_t size, uint32_t count);

static int buf_append(struct buf *b, const void *data, size_t size)
{
	return buf_append_n(b, data, size, 0);
}

/* Append one framed record: u32 length, u32 count (0 = a single record), bytes, padding to 8. */
static int buf_append_n(struct buf *b, const void *data, size_t size, uint32_t count)
{
	size_t need = 8 + ((size + 7) & ~(size_t)7);
	if (b->len + need > b->cap) {
		size_t cap = b->cap ? b->cap : 1 << 20;
		while (cap < b->len + need)
			cap *= 2;
		char *p = realloc(b->data, cap);
		if (!p)
			return -ENOMEM;
		b->data = p;
		b->cap = cap;
	}
	uint32_t hdr[2] = { (uint32_t)size, count };
	memcpy(b->data + b->len, hdr, 8);
	memcpy(b->data + b->len + 8, data, size);
	memset(b->data + b->len + 8 + size, 0, need - 8 - size);
	b->len += need;
	return 0;
}

/*
 * ---- repeated open records, aggregated in the drain thread ----
 * A server opens the same file for every request (nginx: its page, ~80k records/s in
 * bench/agent-overhead d); decoding each in JavaScript cost ~1 µs of the agent's CPU on cores the
 * workload needs. Open records with the same (process, path, flags, result class) that arrive
 * between two hand-overs are handed over once, with their number in the frame's count field. The
 * table lives across polls (only entries touched since the last poll are handed over, each
 * counted from zero again) and is cleared at a hand-over when it is a quarter full, so no count
 * is ever dropped; when it is half full (or holds AGG_ARENA_CAP bytes) new keys pass through as
 * single records.
 */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 29);
}

/* The fields that make two opens "the same" in the window (window-builder.ts: path, flags, ok/errno). */
static inline int32_t ret_class(int32_t ret)
{
	return ret >= 0 ? 0 : ret;
}

static uint64_t open_key_hash(const struct vigil_open_event *e, uint32_t plen)
{
	uint64_t h = mix(0x243F6A8885A308D3ULL, ((uint64_t)e->hdr.tgid << 32) | e->flags);
	h = mix(h, ((uint64_t)(uint32_t)ret_class(e->ret) << 32) | plen);
	uint32_t i = 0;
	for (; i + 8 <= plen; i += 8) {
		uint64_t w;
		memcpy(&w, e->path + i, 8);
		h = mix(h, w);
	}
	uint64_t w = 0;
	memcpy(&w, e->path + i, plen - i);
	h = mix(h, w);
	return h ? h : 1;
}

static int same_open(const struct vigil_open_event *a, const struct vigil_open_event *b, uint32_t plen)
{
	return a->hdr.tgid == b->hdr.tgid && a->flags == b->flags && ret_class(a->ret) == ret_class(b->ret) &&
	       a->path_len == b->path_len && memcmp(a->path, b->path, plen) == 0;
}

/* 1: counted in the table; 0: pass the record through. */
static int agg_add(struct agg *g, const void *data, size_t size)
{
	const struct vigil_open_event *e = data;
	if (size < offsetof(struct vigil_open_event, path) || e->hdr.type != VIGIL_EV_OPEN)
		return 0;
	uint32_t plen = e->path_len;
	if (plen > size - offsetof(struct vigil_open_event, path))
		return 0; /* inconsistent: let the decoder see it as it is */
	uint64_t hash = open_key_hash(e, plen);
	for (uint32_t i = (uint32_t)(hash >> 32) & (AGG_SLOTS - 1), probes = 0; probes < AGG_SLOTS; i = (i + 1) & (AGG_SLOTS - 1), probes++) {
		struct agg_entry *s = &g->slots[i];
		if (s->hash == 0) {
			if (g->used >= AGG_SLOTS / 2 || g->arena.len + size + 16 > AGG_ARENA_CAP)
				return 0;
			size_t off = g->arena.len;
			if (buf_append(&g->arena, data, size))
				return 0;
			s->hash = hash;
			s->off = (uint32_t)off;
			s->size = (uint32_t)size;
			s->count = 1;
			g->used++;
			g->touched[g->ntouched++] = i;
			return 1;
		}
		if (s->hash == hash && s->size == size &&
		    same_open((const struct vigil_open_event *)(g->arena.data + s->off + 8), e, plen)) {
			if (s->count++ == 0)
				g->touched[g->ntouched++] = i;
			return 1;
		}
	}
	return 0;
}

/* Hand every entry touched since the last call over into out, counts reset. Under the lock. */
static int agg_hand_over(struct agg *g, struct buf *out)
{
	for (uint32_t t = 0; t < g->ntouched; t++) {
		struct agg_entry *s = &g->slots[g->touched[t]];
		int err = buf_append_n(out, g->arena.data + s->off + 8, s->size, s->count);
		if (err) {
			/* keep the rest for the next hand-over */
			memmove(g->touched, g->touched + t, (g->ntouched - t) * sizeof(g->touched[0]));
			g->ntouched -= t;
			return err;
		}
		s->count = 0;
	}
	g->ntouched = 0;
	if (g->used >= AGG_SLOTS / 4 || g->arena.len >= AGG_ARENA_CAP / 2) {
		memset(g->slots, 0, sizeof(g->slots));
		g->used = 0;
		g->arena.len = 0;
	}
	return 0;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct handle *h = ctx;
	if (h->batch.len >= DRAIN_CAP)
		return -ENOBUFS; /* leave it in the ring; JS catches up or the kernel counts the loss */
	if (h->agg) {
		if (agg_add(h->agg, data, size))
			return 0;
		if (size >= sizeof(struct vigil_event_header) && ((const struct vigil_event_header *)data)->type == VIGIL_EV_EXIT)
			h->agg->exit_seen = 1;
	}
	return buf_append(&h->batch, data, size);
}

static uint64_t realtime_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/*
 * Aggregated open records are handed over at most every hold_ns, except to a poll with timeout 0
 * (the agent's drain before it closes a window, and at exit): a workload opening one file in a
 * loop touches an entry again right after each hand-over, and handing over at once made
 * JavaScript poll in a tight loop for one record at a time. The agent holds them for a second,
 * so a file opened again and again within it reaches JavaScript once.
 */
static int agg_due(struct handle *h, uint64_t now)
{
	/* a process's held opens go out with its exit record, before the agent forgets the process */
	return h->agg->ntouched > 0 && (h->agg->exit_seen || now - h->agg->handed_ns >= h->agg->hold_ns);
}

/* Whether a poll should return now. Under the lock. */
static int poll_ready_locked(struct handle *h, uint64_t now)
{
	if (h->batch.len > 0 || h->stop)
		return 1;
	return h->agg && agg_due(h, now);
}

/* Drain into h->batch under the lock; wakes a waiting poll when records arrived. */
static int drain_locked(struct handle *h)
{
	int n = ring_consume(h->rb, on_record, h);
	if (n == -ENOBUFS)
		n = 0;
	if (poll_ready_locked(h, realtime_ns()))
		pthread_cond_signal(&h->ready);
	return n;
}

/*
 * The drain thread: sleeps until a producer's wake-up (past wakeup_bytes) or 50 ms, then moves
 * everything pending out of the ring. JS decodes at its own pace; the ring never waits for it.
 */
static void *drainer_main(void *arg)
{
	struct handle *h = arg;
	while (!h->stop) {
		ring_wait(h->rb, 50);
		pthread_mutex_lock(&h->lock);
		drain_locked(h);
		pthread_mutex_unlock(&h->lock);
	}
	return NULL;
}

/* ringbufOpen(h, map, aggregateHoldMs?): start the drain thread; a number >= 0 aggregates repeated
 * open records and hands them over at most every aggregateHoldMs (see agg_add). */
static napi_value js_ringbuf_open(napi_env env, napi_callback_info info)
{
	napi_value argv[3];
	char name[256];
	double hold_ms = -1;
	struct handle *h = handle_and_name(env, info, 2, argv, name, sizeof(name));
	if (!h)
		return NULL;
	struct bpf_map *m = find_map(env, h, name);
	if (!m)
		return NULL;
	if (h->rb)
		return throw_err(env, "EBUSY", "a ring buffer is already open");
	if (bpf_map__type(m) != BPF_MAP_TYPE_RINGBUF)
		return throw_err(env, "EINVAL", "map %s is not a ring buffer", name);
	size_t argc = 3;
	napi_value this_arg;
	NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, &this_arg, NULL));
	if (argc >= 3) {
		napi_valuetype t;
		NAPI_CALL(env, napi_typeof(env, argv[2], &t));
		if (t == napi_number)
			NAPI_CALL(env, napi_get_value_double(env, argv[2], &hold_ms));
	}
	if (hold_ms >= 0) {
		if (!(h->agg = calloc(1, sizeof(*h->agg))))
			return throw_err(env, "ENOMEM", "no memory for the open-record table");
		h->agg->hold_ns = (uint64_t)(hold_ms * 1e6);
	}
	h->rb = ring_new(bpf_map__fd(m), bpf_map__max_entries(m));
	if (!h->rb) {
		int e = errno;
		return throw_err(env, errno_code(e), "cannot open ring buffer %s: %s", name, strerror(e));
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->ready, NULL);
	h->stop = 0;
	int e = pthread_create(&h->drainer, NULL, drainer_main, h);
	if (e) {
		pthread_cond_destroy(&h->ready);
		pthread_mutex_destroy(&h->lock);
		return throw_err(env, errno_code(e), "cannot start the ring-buffer drain thread: %s", strerror(e));
	}
	h->drainer_running = 1;
	return NULL;
}

static void poll_execute(napi_env env, void *data)
{
	struct poll_work *w = data;
	struct handle *h = w->h;
	/* Take what the drain thread holds plus what is in the ring now; if that is nothing, wait
	 * up to the timeout for the drain thread to bring some (or for held open counts to be due). */
	pthread_mutex_lock(&h->lock);
	int n = drain_locked(h);
	uint64_t now = realtime_ns();
	uint64_t deadline = now + (uint64_t)(w->timeout_ms > 0 ? w->timeout_ms : 0) * 1000000ULL;
	while (n >= 0 && now < deadline && !poll_ready_locked(h, now)) {
		uint64_t until_ns = deadline;
		if (h->agg && h->agg->ntouched > 0 && h->agg->handed_ns + h->agg->hold_ns < until_ns)
			until_ns = h->agg->handed_ns + h->agg->hold_ns;
		struct timespec until = { .tv_sec = (time_t)(until_ns / 1000000000ULL), .tv_nsec = (long)(until_ns % 1000000000ULL) };
		pthread_cond_timedwait(&h->ready, &h->lock, &until);
		now = realtime_ns();
	}
	if (h->agg && (w->timeout_ms <= 0 || agg_due(h, now))) {
		if (agg_hand_over(h->agg, &h->batch) && n >= 0)
			n = -ENOMEM;
		h->agg->handed_ns = now;
		h->agg->exit_seen = 0;
	}
	w->err = n < 0 ? -n : 0;
	w->out = h->batch;
	memset(&h->batch, 0, sizeof(h->batch));
	pthread_mutex_unlock(&h->lock);
}

static void free_buffer(napi_env env, void *data, void *hint)
{
	free(data);
}

static void poll_complete(napi_env env, napi_status status, void *data)
{
	struct poll_work *w = data;
	napi_value cb, global, args[2];
	napi_get_reference_value(env, w->cb, &cb);
	napi_get_global(env, &global);
	napi_get_null(env, &args[0]);
	napi_get_null(env, &args[1]);
	w->h->polling = 0;
	if (w->err) {
		napi_value msg, code;
		napi_create_string_utf8(env, strerror(w->err), NAPI_AUTO_LENGTH, &msg);
		napi_create_string_utf8(env, errno_code(w->err), NAPI_AUTO_LENGTH, &code);
		napi_create_error(env, code, msg, &args[0]);
		free(w->out.data);
	} else if (w->out.len > 0) {
		napi_create_external_buffer(env, w->out.len, w->out.data, free_buffer, NULL, &args[1]);
	} else {
		free(w->out.data);
		napi_create_buffer(env, 0, NULL, &args[1]);
	}
	napi_call_function(env, global, cb, 2, args, NULL);
	napi_delete_reference(env, w->cb);
	napi_delete_async_work(env, w->work);
	free(w);
}

static napi_value js_ringbuf_poll(napi_env env, napi_callback_info info)
{
	napi_value argv[3], name;
	int32_t timeout;
	if (get_args(env, info, 3, argv))
		return NULL;
	struct handle *h = get_handle(env, argv[0]);
	if (!h)
		return NULL;
	if (!h->rb)
		return throw_err(env, "VIGIL_BPF_STATE", "ringbufOpen first");
	if (h->polling)
		return throw_err(env, "EBUSY", "a poll is already in flight");
	NAPI_CALL(env, napi_get_value_int32(env, argv[1], &timeout));
	struct poll_work *w = calloc(1, sizeof(*w));
	w->h = h;
	w->timeout_ms = timeout;
	NAPI_CALL(env, napi_create_reference(env, argv[2], 1, &w->cb));
	NAPI_CALL(env, napi_create_string_utf8(env, "vigil_bpf_poll", NAPI_AUTO_LENGTH, &name));
	NAPI_CALL(env, napi_create_async_work(env, NULL, name, poll_execute, poll_complete, w, &w->work));
	h->polling = 1;
	NAPI_CALL(env, napi_queue_async_work(env, w->work));
	return NULL;
}

/* ---- maps ---- */

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
static napi_value js_slots_read(napi_env env, napi_callback_info info)
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
static napi_value js_slots_free(napi_env env, napi_callback_info info)
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

static napi_value js_map_dump(napi_env env, napi_callback_info info)
{
	napi_value argv[2];
	char name[256];
	struct handle *h = handle_and_name(env, info, 2, argv, name, sizeof(name));
	if (!h)
		return NULL;
	struct bpf_map *m = find_map(env, h, name);
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

static napi_value js_map_delete_keys(napi_env env, napi_callback_info info)
{
	napi_value argv[3];
	char name[256];
	struct handle *h = handle_and_name(env, info, 3, argv, name, sizeof(name));
	if (!h)
		return NULL;
	struct bpf_map *m = find_map(env, h, name);
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

static napi_value js_num_possible_cpus(napi_env env, napi_callback_info info)
{
	napi_value v;
	napi_create_int32(env, libbpf_num_possible_cpus(), &v);
	return v;
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
