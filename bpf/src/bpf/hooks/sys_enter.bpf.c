/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every system call enters here (BTF raw tracepoint raw_syscalls/sys_enter, the cheapest hook
 * this kernel offers). Work per call: one per-CPU hash update for the exact count, one for the
 * k-gram when sequences are on, and — only for the few syscalls with argument records — a stash
 * of the raw arguments in task storage for sys_exit. No ring-buffer traffic here.
 */
#include "../include/vigil.bpf.h"

static __always_inline void bump(void *map, void *key, __u32 full_cause)
{
	__u64 *v = bpf_map_lookup_elem(map, key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return;
	}
	__u64 one = 1;
	if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST) == 0)
		return;
	/* lost a race with a thread of the same process on this CPU, or the map is full */
	v = bpf_map_lookup_elem(map, key);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		count_drop(full_cause);
}

SEC("tp_btf/sys_enter")
int BPF_PROG(vigil_sys_enter, struct pt_regs *regs, long id)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct vigil_count_key ckey = { .tgid = tgid, .nr = (__u32)id };

	bump(&syscall_counts, &ckey, VIGIL_DROP_COUNT_MAP_FULL);

	int need_args = tgid != agent_tgid && is_arg_syscall(id);
	if (need_args && (id == NR_mmap || id == NR_mprotect) && !(regs->dx & PROT_EXEC))
		need_args = 0;
	if (!ngram_k && !need_args)
		return 0;

	struct task_state *st = bpf_task_storage_get(&task_states, bpf_get_current_task_btf(), 0,
						     BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!st) {
		count_drop(VIGIL_DROP_TASK_STORAGE);
		return 0;
	}

	__u32 k = ngram_k;
	if (k) {
		if (k > VIGIL_NGRAM_MAX_K)
			k = VIGIL_NGRAM_MAX_K;
		__u64 code = (id < 0 || id >= 1023) ? 1023 : (__u64)id + 1;
		__u64 mask = (1ULL << (VIGIL_NGRAM_BITS * k)) - 1;
		st->window = ((st->window << VIGIL_NGRAM_BITS) | code) & mask;
		if (st->seen < k)
			st->seen++;
		if (st->seen >= k) {
			struct vigil_ngram_key nkey = { .tgid = tgid, .hash = st->window };
			bump(&ngram_counts, &nkey, VIGIL_DROP_NGRAM_MAP_FULL);
		}
	}

	if (need_args) {
		st->pending_nr = (__s32)id;
		st->args[0] = regs->di;
		st->args[1] = regs->si;
		st->args[2] = regs->dx;
		st->args[3] = regs->r10;
		st->args[4] = regs->r8;
		st->args[5] = regs->r9;
	}
	return 0;
}
