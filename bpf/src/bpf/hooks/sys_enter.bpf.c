/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every system call enters here (BTF raw tracepoint raw_syscalls/sys_enter, the cheapest hook
 * this kernel offers). Work per call, with sequences on: one task-storage lookup for the thread's
 * window and ONE count keyed (tgid, window): in this CPU's direct-mapped cache slot, or when that
 * slot holds another key in the per-CPU hash. The window's lowest 10 bits are the call itself, so
 * those counts carry both the k-gram counts (full windows) and the exact syscall counts (user
 * space sums entries by their lowest code; a thread's first k-1 calls give partial windows with
 * leading zero codes). The (tgid, nr) map is only written when the k-gram map is full, for
 * syscall numbers the 10-bit code cannot name, when the thread's state cannot be created, or with
 * sequences off: counts stay exact in every case. Argument records are built at exit from the
 * saved registers (sys_exit.bpf.c); no ring-buffer traffic here, except for calls with argument
 * records that this kernel does not implement (they have no exit tracepoint).
 */
#include "../include/vigil.bpf.h"

/* Add one to map[key]; returns 0, or -1 when the key could not be inserted (map full). */
static __always_inline int bump(void *map, void *key)
{
	__u64 *v = bpf_map_lookup_elem(map, key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return 0;
	}
	__u64 one = 1;
	if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST) == 0)
		return 0;
	/* lost a race with a thread of the same process on this CPU, or the map is full */
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		return -1;
	__sync_fetch_and_add(v, 1);
	return 0;
}

/* Count (tgid, window) in this CPU's cache slot; -1 when the slot holds another key (or off). */
static __always_inline int slot_bump(__u32 tgid, __u64 window)
{
	__u32 bits = slot_bits;
	if (!bits || bits > 20 || (window >> VIGIL_SLOT_TGID_SHIFT))
		return -1;
	__u64 key = ((__u64)tgid << VIGIL_SLOT_TGID_SHIFT) | window;
	__u32 idx = (bpf_get_smp_processor_id() << bits) | (__u32)((key * 0x9E3779B97F4A7C15ULL) >> (64 - bits));
	struct vigil_slot *s = bpf_map_lookup_elem(&slot_counts, &idx);
	if (!s)
		return -1;
	if (s->key != key && (s->key != 0 || __sync_val_compare_and_swap(&s->key, 0, key) != 0))
		return -1;
	__sync_fetch_and_add(&s->count, 1);
	return 0;
}

static __always_inline void count_exact(__u32 tgid, long id)
{
	struct vigil_count_key ckey = { .tgid = tgid, .nr = (__u32)id };
	if (bump(&syscall_counts, &ckey))
		count_drop(VIGIL_DROP_COUNT_MAP_FULL);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vigil_sys_enter, struct pt_regs *regs, long id)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 k = ngram_k;
	if (k > VIGIL_NGRAM_MAX_K)
		k = VIGIL_NGRAM_MAX_K;

	if (is_exit_ni(id)) /* no exit tracepoint: this kernel does not implement the call (sys_ni_syscall) */
		finish_args(regs, id, -ENOSYS);
	if (!k) {
		count_exact(tgid, id);
		return 0;
	}

	struct task_state *st = bpf_task_storage_get(&task_states, bpf_get_current_task_btf(), 0,
						     BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) {
		count_drop(VIGIL_DROP_TASK_STORAGE);
		count_exact(tgid, id);
		return 0;
	}

	__u64 code = (id < 0 || id >= VIGIL_NGRAM_CODE_OTHER) ? VIGIL_NGRAM_CODE_OTHER : (__u64)id + 1;
	__u64 mask = (1ULL << (VIGIL_NGRAM_BITS * k)) - 1;
	st->window = ((st->window << VIGIL_NGRAM_BITS) | code) & mask;
	struct vigil_ngram_key nkey = { .tgid = tgid, .hash = st->window };
	int lost = slot_bump(tgid, st->window) && bump(&ngram_counts, &nkey);
	if (lost)
		count_drop(VIGIL_DROP_NGRAM_MAP_FULL);
	/* the lowest code names the call, except "other", and except when the entry was lost */
	if (lost || code == VIGIL_NGRAM_CODE_OTHER)
		count_exact(tgid, id);
	return 0;
}
