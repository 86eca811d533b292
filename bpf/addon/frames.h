/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The frames a ring-buffer poll hands to JavaScript, and the open-record table that folds repeated
 * opens into one frame. No N-API or libbpf here, so test/addon/frames-driver.c can run this code
 * without a kernel (src/addon-frames.spec.ts checks it against the TypeScript decoder).
 */
#ifndef VIGIL_ADDON_FRAMES_H
#define VIGIL_ADDON_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "vigil_events.h"

/* A growable byte buffer of frames. */
struct buf {
	char *data;
	size_t len, cap;
};

/* The open-record table of a handle (see agg_add). */
#define AGG_SLOTS (1u << 18)
#define AGG_ARENA_CAP ((size_t)32 << 20) /* record bytes held; long paths pass through beyond it */

struct agg_entry {
	uint64_t hash;   /* 0 = empty */
	uint32_t off;    /* record bytes in arena */
	uint32_t size;
	uint32_t count;  /* since the last hand-over; 0 = not touched */
	uint32_t passed; /* agg.gen when a record of this key last passed through at once */
};

struct agg {
	struct agg_entry slots[AGG_SLOTS];
	uint32_t used;
	uint32_t touched[AGG_SLOTS];
	uint32_t ntouched;
	uint32_t gen;          /* hand-overs so far (wraps): a key's first record after each may pass at once */
	int pass_set;          /* agg_set_pass was called: first records that match the filter pass at once */
	uint32_t pass_flags;   /* open flags any of which make a first record pass at once */
	char *pass_prefixes;   /* path prefixes that make a first record pass at once, each NUL-terminated */
	size_t pass_len;       /* bytes of pass_prefixes */
	uint64_t handed_ns;    /* CLOCK_REALTIME of the last hand-over */
	uint64_t hold_ns;      /* hand over at most this often, except to a poll with timeout 0 */
	int exit_seen;         /* an exit record went by: hand over with it (see agg_due) */
	struct buf arena;
};

/* Append one framed record with count 0 (a single record); 0 or -ENOMEM. */
int buf_append(struct buf *b, const void *data, size_t size);
/* Append one framed record: u32 length, u32 count, bytes, padding to 8; 0 or -ENOMEM. */
int buf_append_n(struct buf *b, const void *data, size_t size, uint32_t count);
/*
 * Which open records pass at once when they are the first of their key since the last hand-over:
 * bytes = u32 flags (any of them set), then NUL-terminated path prefixes (an empty one matches
 * every path). Without it every open is held. 0 or -ENOMEM.
 */
int agg_set_pass(struct agg *g, const void *bytes, size_t len);
/* 1: an open record counted in the table; 0: pass the record through (not an open, or the first of its key since the last hand-over and matching agg_set_pass). */
int agg_add(struct agg *g, const void *data, size_t size);
/* Hand every entry touched since the last call over into out, counts reset; 0 or -ENOMEM. */
int agg_hand_over(struct agg *g, struct buf *out);

#endif
