/* SPDX-License-Identifier: Apache-2.0 */
/* Ring-buffer polling: the drain thread, ringbufOpen and ringbufPoll (frames built in frames.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "addon_internal.h"

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

void drainer_stop(struct handle *h)
{
	if (!h->drainer_running)
		return;
	h->stop = 1;
	pthread_join(h->drainer, NULL);
	h->drainer_running = 0;
	pthread_cond_destroy(&h->ready);
	pthread_mutex_destroy(&h->lock);
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
 * so a file opened again and again within it reaches JavaScript once (twice when the first open
 * of its key passes at once, see agg_set_pass).
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

/* ringbufOpen(h, map, aggregateHoldMs?, passAtOnce?): start the drain thread; a number >= 0 aggregates
 * repeated open records and hands them over at most every aggregateHoldMs (see agg_add); a Buffer
 * passAtOnce lets the first open of a key after each hand-over through at once (agg_set_pass). */
napi_value js_ringbuf_open(napi_env env, napi_callback_info info)
{
	napi_value argv[4];
	char name[256];
	double hold_ms = -1;
	struct handle *h;
	struct bpf_map *m = map_arg(env, info, 2, argv, name, sizeof(name), &h);
	if (!m)
		return NULL;
	if (h->rb)
		return throw_err(env, "EBUSY", "a ring buffer is already open");
	if (bpf_map__type(m) != BPF_MAP_TYPE_RINGBUF)
		return throw_err(env, "EINVAL", "map %s is not a ring buffer", name);
	size_t argc = 4;
	napi_value this_arg;
	void *pass = NULL;
	size_t pass_len = 0;
	NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, &this_arg, NULL));
	if (argc >= 3) {
		napi_valuetype t;
		NAPI_CALL(env, napi_typeof(env, argv[2], &t));
		if (t == napi_number)
			NAPI_CALL(env, napi_get_value_double(env, argv[2], &hold_ms));
	}
	if (argc >= 4) {
		bool is_buffer = false;
		NAPI_CALL(env, napi_is_buffer(env, argv[3], &is_buffer));
		if (is_buffer)
			NAPI_CALL(env, napi_get_buffer_info(env, argv[3], &pass, &pass_len));
	}
	if (hold_ms >= 0) {
		if (!(h->agg = calloc(1, sizeof(*h->agg))))
			return throw_err(env, "ENOMEM", "no memory for the open-record table");
		h->agg->hold_ns = (uint64_t)(hold_ms * 1e6);
		if (pass && agg_set_pass(h->agg, pass, pass_len))
			return throw_err(env, "ENOMEM", "no memory for the open-record filter");
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

napi_value js_ringbuf_poll(napi_env env, napi_callback_info info)
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
