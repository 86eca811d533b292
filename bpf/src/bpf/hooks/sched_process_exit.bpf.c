/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The last thread of a process is gone (6.18 passes group_dead). After this record user space
 * knows the (tgid, …) counts are final, reports them and deletes the keys.
 */
#include "../include/vigil.bpf.h"

SEC("tp_btf/sched_process_exit")
int BPF_PROG(vigil_sched_process_exit, struct task_struct *p, bool group_dead)
{
	if (!group_dead)
		return 0;
	struct vigil_exit_event e = {};
	fill_header(&e.hdr, VIGIL_EV_EXIT, sizeof(e));
	e.exit_code = p->exit_code;
	submit(&e, sizeof(e));
	return 0;
}
