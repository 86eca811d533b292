/* SPDX-License-Identifier: Apache-2.0 */
/* Lineage: a new process (threads are skipped) with its real parent, start time and comm. */
#include "../include/vigil.bpf.h"

SEC("tp_btf/sched_process_fork")
int BPF_PROG(vigil_sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	if (child->pid != child->tgid)
		return 0; /* CLONE_THREAD */

	struct vigil_fork_event e = {};
	__u64 uid_gid = bpf_get_current_uid_gid();

	fill_header(&e.hdr, VIGIL_EV_FORK, sizeof(e));
	/* real_parent, not current: CLONE_PARENT and forks from a thread both name the right process */
	e.hdr.tgid = BPF_CORE_READ(child, real_parent, tgid);
	e.child_tgid = child->tgid;
	e.uid = (__u32)uid_gid;
	e.gid = uid_gid >> 32;
	e.child_start_ns = child->start_boottime;
	bpf_probe_read_kernel_str(e.comm, sizeof(e.comm), child->comm);
	submit(&e, sizeof(e));
	return 0;
}
