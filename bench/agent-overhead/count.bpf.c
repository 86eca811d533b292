/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A reference design, not Vigil's: the least any design can do and still meet "per-(process,
 * syscall) counts in per-CPU maps" — one per-CPU hash count keyed (tgid, nr) on the agent's
 * sys_enter hook, nothing else (no sequences, no argument records, no lineage). bench.mjs runs it
 * beside the floor (floor.bpf.c) so the table shows what counting alone costs on this machine.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct count_key {
	__u32 tgid;
	__u32 nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct count_key);
	__type(value, __u64);
} counts SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(count_sys_enter, struct pt_regs *regs, long id)
{
	struct count_key k = { .tgid = bpf_get_current_pid_tgid() >> 32, .nr = (__u32)id };
	__u64 *v = bpf_map_lookup_elem(&counts, &k);
	if (v) {
		__sync_fetch_and_add(v, 1);
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&counts, &k, &one, BPF_NOEXIST);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
