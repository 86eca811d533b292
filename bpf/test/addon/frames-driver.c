/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs the addon's frame encoder and open-record table (addon/frames.c) without N-API, libbpf or a
 * kernel, for src/addon-frames.spec.ts. stdin: commands, each u32 op, u32 length, that many bytes:
 *   op 0  append the bytes as one frame (buf_append: every record the drain thread passes on)
 *   op 1  offer the bytes as the drain thread does with aggregation on: counted in the table, or
 *         appended as one frame when agg_add passes it through (poll.c, on_record)
 *   op 2  hand the table over (agg_hand_over; no bytes)
 *   op 3  set which first opens pass at once (agg_set_pass: u32 flags, NUL-terminated prefixes)
 * stdout: the frames, as one poll hands them to JavaScript.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "frames.h"

int main(void)
{
	static struct agg table; /* ~7 MiB of slots: static, not on the stack */
	struct buf in = { 0 }, out = { 0 };
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		in.data = realloc(in.data, in.len + n);
		memcpy(in.data + in.len, chunk, n);
		in.len += n;
	}
	for (size_t at = 0; at + 8 <= in.len;) {
		uint32_t op, len;
		memcpy(&op, in.data + at, 4);
		memcpy(&len, in.data + at + 4, 4);
		const char *bytes = in.data + at + 8;
		at += 8 + len;
		if (at > in.len) {
			fprintf(stderr, "command cut short\n");
			return 2;
		}
		int err = 0;
		if (op == 0)
			err = buf_append(&out, bytes, len);
		else if (op == 1)
			err = agg_add(&table, bytes, len) ? 0 : buf_append(&out, bytes, len);
		else if (op == 2)
			err = agg_hand_over(&table, &out);
		else if (op == 3)
			err = agg_set_pass(&table, bytes, len);
		else
			err = -1;
		if (err) {
			fprintf(stderr, "op %u failed: %d\n", op, err);
			return 1;
		}
	}
	fwrite(out.data, 1, out.len, stdout);
	return 0;
}
