/* SPDX-License-Identifier: Apache-2.0 */
/* Frame encoding of the records handed to JavaScript, and the open-record aggregation (frames.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "frames.h"

/* Append one framed record: u32 length, u32 count (0 = a single record), bytes, padding to 8. */
int buf_append_n(struct buf *b, const void *data, size_t size, uint32_t count)
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

int buf_append(struct buf *b, const void *data, size_t size)
{
	return buf_append_n(b, data, size, 0);
}

/*
 * ---- repeated open records, aggregated in the drain thread ----
 * A server opens the same file for every request (nginx: its page, ~80k records/s in
 * bench/agent-overhead d); decoding each in JavaScript cost ~1 µs of the agent's CPU on cores the
 * workload needs. Open records with the same (process, path, flags, result class) that arrive
 * between two hand-overs are handed over once, with their number in the frame's count field. The
 * first record of a key after each hand-over that matches agg_set_pass (flags or path prefixes
 * from the agent's urgent path: a sensitive open must not wait for the hold) is not held: it passes
 * through at once as a single record and only its repeats are counted. Filtered, not every first
 * record: passing them all made a file walk's opens reach JavaScript twice instead of once (bench/
 * agent-overhead (c), one frame per 2.5 opens instead of per ~4.5). The table lives across polls
 * (only entries touched since the last poll are handed over, each counted from zero again) and is
 * cleared at a hand-over when it is a quarter full, so no count is ever dropped; when it is half
 * full (or holds AGG_ARENA_CAP bytes) new keys pass through as single records.
 */
static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9E3779B97F4A7C15ULL;
	return h ^ (h >> 29);
}

/*
 * The fields that make two opens "the same" in the window (window-builder.ts: path, flags,
 * ok/errno): the record's variable part is the path and, for a relative one, the directory the
 * kernel resolved it against, so "shadow" opened in /etc and in /tmp are two keys. n: its bytes.
 */
static inline int32_t ret_class(int32_t ret)
{
	return ret >= 0 ? 0 : ret;
}

static uint64_t open_key_hash(const struct vigil_open_event *e, uint32_t n)
{
	uint64_t h = mix(0x243F6A8885A308D3ULL, ((uint64_t)e->hdr.tgid << 32) | e->flags);
	h = mix(h, ((uint64_t)(uint32_t)ret_class(e->ret) << 32) | e->path_len);
	h = mix(h, ((uint64_t)e->resolved << 32) | e->dir_len);
	uint32_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, e->data + i, 8);
		h = mix(h, w);
	}
	uint64_t w = 0;
	memcpy(&w, e->data + i, n - i);
	h = mix(h, w);
	return h ? h : 1;
}

static int same_open(const struct vigil_open_event *a, const struct vigil_open_event *b, uint32_t n)
{
	return a->hdr.tgid == b->hdr.tgid && a->flags == b->flags && ret_class(a->ret) == ret_class(b->ret) &&
	       a->path_len == b->path_len && a->dir_len == b->dir_len && a->resolved == b->resolved &&
	       memcmp(a->data, b->data, n) == 0;
}

int agg_set_pass(struct agg *g, const void *bytes, size_t len)
{
	uint32_t flags = 0;
	size_t plen = len > 4 ? len - 4 : 0;
	char *prefixes = malloc(plen + 1);
	if (!prefixes)
		return -ENOMEM;
	memcpy(&flags, bytes, len < 4 ? len : 4);
	memcpy(prefixes, (const char *)bytes + 4, plen);
	if (plen > 0 && prefixes[plen - 1] != 0)
		prefixes[plen++] = 0; /* the last prefix ends at the end of the bytes */
	free(g->pass_prefixes);
	g->pass_prefixes = prefixes;
	g->pass_len = plen;
	g->pass_flags = flags;
	g->pass_set = 1;
	return 0;
}

/*
 * The path of an open as the decoder reports it (events.ts): a resolved relative one joined to
 * its directory (components leaf first) and lexically normalised ('.', '..', repeated slashes);
 * else as given. Into out (cap bytes, NUL-terminated); its length, or -1 when it does not fit.
 */
static long open_path(const struct vigil_open_event *e, uint32_t plen, char *out, size_t cap)
{
	uint32_t n = (uint32_t)strnlen(e->data, plen);
	if (!e->resolved) {
		if (n + 1 > cap)
			return -1;
		memcpy(out, e->data, n);
		out[n] = 0;
		return n;
	}
	const char *dir = e->data + plen;
	size_t len = 0;
	/* the directory: its components from the last (the root's child) to the first (the leaf) */
	for (uint32_t end = e->dir_len; end > 0;) {
		uint32_t start = end - 1; /* end - 1 is the component's NUL */
		while (start > 0 && dir[start - 1] != 0)
			start--;
		size_t c = end - 1 - start;
		if (len + 1 + c + 1 > cap)
			return -1;
		out[len++] = '/';
		memcpy(out + len, dir + start, c);
		len += c;
		end = start;
	}
	/* the relative path, component by component */
	for (uint32_t at = 0; at < n;) {
		uint32_t end = at;
		while (end < n && e->data[end] != '/')
			end++;
		size_t c = end - at;
		if (c == 2 && e->data[at] == '.' && e->data[at + 1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--; /* the '/' before it; at the root, '..' is the root */
		} else if (c > 0 && !(c == 1 && e->data[at] == '.')) {
			if (len + 1 + c + 1 > cap)
				return -1;
			out[len++] = '/';
			memcpy(out + len, e->data + at, c);
			len += c;
		}
		at = end + 1;
	}
	if (len == 0)
		out[len++] = '/';
	out[len] = 0;
	return (long)len;
}

/* Whether the first record of a key passes at once (see agg_set_pass). */
static int passes_at_once(const struct agg *g, const struct vigil_open_event *e, uint32_t plen)
{
	if (!g->pass_set)
		return 0;
	if (e->flags & g->pass_flags)
		return 1;
	char path[VIGIL_OPEN_DATA_MAX + 2];
	long n = open_path(e, plen, path, sizeof(path));
	if (n < 0)
		return 1; /* cannot tell: let it through */
	for (size_t at = 0; at < g->pass_len;) {
		size_t len = strlen(g->pass_prefixes + at);
		if (len <= (size_t)n && memcmp(path, g->pass_prefixes + at, len) == 0)
			return 1;
		at += len + 1;
	}
	return 0;
}

/* 1: counted in the table; 0: pass the record through (a first record that passes at once: recorded, not counted). */
int agg_add(struct agg *g, const void *data, size_t size)
{
	const struct vigil_open_event *e = data;
	if (size < offsetof(struct vigil_open_event, data) || e->hdr.type != VIGIL_EV_OPEN)
		return 0;
	uint32_t plen = e->path_len;
	uint32_t n = (uint32_t)(size - offsetof(struct vigil_open_event, data));
	if (plen > n || (e->resolved && (e->dir_len > n - plen || e->resolved != 1)))
		return 0; /* inconsistent: let the decoder see it as it is */
	uint64_t hash = open_key_hash(e, n);
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
			g->used++;
			if (passes_at_once(g, e, plen)) {
				s->count = 0;
				s->passed = g->gen;
				return 0;
			}
			s->count = 1;
			s->passed = g->gen - 1;
			g->touched[g->ntouched++] = i;
			return 1;
		}
		if (s->hash == hash && s->size == size &&
		    same_open((const struct vigil_open_event *)(g->arena.data + s->off + 8), e, n)) {
			if (s->count == 0 && s->passed != g->gen && passes_at_once(g, e, plen)) {
				s->passed = g->gen;
				return 0;
			}
			if (s->count++ == 0)
				g->touched[g->ntouched++] = i;
			return 1;
		}
	}
	return 0;
}

/* Hand every entry touched since the last call over into out, counts reset. Under the lock. */
int agg_hand_over(struct agg *g, struct buf *out)
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
	g->gen++;
	if (g->used >= AGG_SLOTS / 4 || g->arena.len >= AGG_ARENA_CAP / 2) {
		memset(g->slots, 0, sizeof(g->slots));
		g->used = 0;
		g->arena.len = 0;
	}
	return 0;
}
