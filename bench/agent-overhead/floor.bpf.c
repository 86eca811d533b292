/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The floor of any design that sees every system call: an empty BTF raw tracepoint on sys_enter,
 * the hook Vigil's agent uses (bpf/src/bpf/hooks/sys_enter.bpf.c). bench.mjs runs it as a tracer
 * of its own, so the table shows how much of the agent's overhead is the hook itself.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter, struct pt_regs *regs, long id)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
