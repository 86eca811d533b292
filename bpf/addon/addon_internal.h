/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the addon's files share: the handle behind a JavaScript BPF object and the helpers every
 * N-API entry point uses. One file per concern: vigil_bpf.c (module and argument glue), object.c
 * (open/configure/load/attach), ring.c (ring-buffer consumer), frames.c (frame encoding and open
 * aggregation), poll.c (drain thread and polls), maps.c (map access).
 */
#ifndef VIGIL_ADDON_INTERNAL_H
#define VIGIL_ADDON_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <node_api.h>
#include <bpf/libbpf.h>
#include "frames.h"

#define MAX_LINKS 64

/* The ring-buffer consumer (ring.c). */
struct ring;

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

/* ---- ring.c ---- */

/* Map the ring buffer map_fd and watch it; NULL with errno set. */
struct ring *ring_new(int map_fd, uint32_t max_entries);
void ring_free(struct ring *r);
/* Hand every committed record to cb; the count handed, or cb's error. */
int ring_consume(struct ring *r, int (*cb)(void *ctx, void *data, size_t size), void *ctx);
/* Wait up to timeout_ms for a wake-up; returns 0 or -errno. */
int ring_wait(struct ring *r, int timeout_ms);

/* ---- vigil_bpf.c: errors and arguments; each returns NULL (or -1) with a JS exception pending ---- */

napi_value throw_err(napi_env env, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The errno's name as an error code (VIGIL_BPF_ERROR for the ones not listed). */
const char *errno_code(int e);
struct handle *get_handle(napi_env env, napi_value v);
int get_string(napi_env env, napi_value v, char *out, size_t cap);
int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
struct handle *handle_arg(napi_env env, napi_callback_info info, napi_value *argv);
struct handle *handle_and_name(napi_env env, napi_callback_info info, size_t want, napi_value *argv, char *name, size_t cap);
struct bpf_map *find_map(napi_env env, struct handle *h, const char *name);
struct bpf_map *map_arg(napi_env env, napi_callback_info info, size_t want, napi_value *argv, char *name, size_t cap,
			struct handle **h);

#define NAPI_CALL(env, call)                                                              \
	do {                                                                                  \
		if ((call) != napi_ok)                                                            \
			return throw_err(env, "VIGIL_BPF_NAPI", "N-API call failed: %s", #call);      \
	} while (0)

/* ---- object.c ---- */

/* libbpf's print callback: keeps what libbpf says during a call for the error message. */
int print_fn(enum libbpf_print_level level, const char *fmt, va_list args);
napi_value js_open(napi_env env, napi_callback_info info);
napi_value js_set_rodata(napi_env env, napi_callback_info info);
napi_value js_set_max_entries(napi_env env, napi_callback_info info);
napi_value js_load(napi_env env, napi_callback_info info);
napi_value js_programs(napi_env env, napi_callback_info info);
napi_value js_program_misses(napi_env env, napi_callback_info info);
napi_value js_set_autoload(napi_env env, napi_callback_info info);
napi_value js_attach(napi_env env, napi_callback_info info);
napi_value js_detach(napi_env env, napi_callback_info info);
napi_value js_close(napi_env env, napi_callback_info info);

/* ---- poll.c ---- */

/* Stop and join the drain thread, if one runs. */
void drainer_stop(struct handle *h);
napi_value js_ringbuf_open(napi_env env, napi_callback_info info);
napi_value js_ringbuf_poll(napi_env env, napi_callback_info info);

/* ---- maps.c ---- */

napi_value js_map_dump(napi_env env, napi_callback_info info);
napi_value js_slots_read(napi_env env, napi_callback_info info);
napi_value js_slots_free(napi_env env, napi_callback_info info);
napi_value js_map_delete_keys(napi_env env, napi_callback_info info);
napi_value js_num_possible_cpus(napi_env env, napi_callback_info info);

#endif
