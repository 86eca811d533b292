/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A successful execve/execveat. Runs in the new image: argv is read from the new stack
 * (mm->arg_start..arg_end, just written by the kernel, so resident), the exe path is built by
 * walking bprm->file's dentries up through the mounts (no bpf_d_path on tracepoints), so it is
 * the resolved path /proc/PID/exe would show even when the caller passed a relative name.
 */
#include "../include/vigil.bpf.h"

#define EXE_NAME_MAX 256
#define EXE_MAX_DEPTH 32

struct walk_ctx {
	char *buf;
	struct dentry *d;
	struct vfsmount *vm;
	struct mount *m;
	__u64 mnt_off;
	__u32 off;
	__u32 done;
};

/* One step of the walk (bpf_loop callback: verified once, not unrolled per iteration). */
static long walk_step(__u64 index, void *data)
{
	struct walk_ctx *c = data;
	/* locals: BPF_CORE_READ on c->x would try to relocate struct walk_ctx itself */
	struct dentry *d = c->d;
	struct vfsmount *vm = c->vm;
	struct mount *m = c->m;
	struct dentry *mnt_root = BPF_CORE_READ(vm, mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);

	if (d == mnt_root) {
		struct mount *mp = BPF_CORE_READ(m, mnt_parent);
		if (mp == m)
			goto done; /* the namespace root */
		c->d = BPF_CORE_READ(m, mnt_mountpoint);
		c->m = mp;
		c->vm = (struct vfsmount *)((char *)mp + c->mnt_off);
		return 0;
	}
	if (d == parent)
		goto done;
	__u32 off = c->off;
	if (off > VIGIL_EXE_MAX - EXE_NAME_MAX) {
		count_drop(VIGIL_DROP_STRING_TRUNCATED);
		goto done;
	}
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	long n = bpf_probe_read_kernel_str(c->buf + (off & (VIGIL_EXE_MAX - 1)), EXE_NAME_MAX, name);
	if (n <= 0) {
		count_drop(VIGIL_DROP_READ_FAILED);
		goto done;
	}
	c->off = off + n;
	c->d = parent;
	return 0;
done:
	c->done = 1;
	return 1;
}

/*
 * Path components leaf first, NUL separated (user space reverses and joins them); returns bytes
 * written. Crosses mounts via mnt_parent/mnt_mountpoint like d_path does.
 */
static __always_inline __u32 walk_path(char *buf, struct file *file)
{
	struct walk_ctx c = {};
	c.buf = buf;
	c.d = BPF_CORE_READ(file, f_path.dentry);
	c.vm = BPF_CORE_READ(file, f_path.mnt);
	c.mnt_off = bpf_core_field_offset(struct mount, mnt);
	c.m = (struct mount *)((char *)c.vm - c.mnt_off);
	bpf_loop(EXE_MAX_DEPTH, walk_step, &c, 0);
	if (!c.done)
		count_drop(VIGIL_DROP_STRING_TRUNCATED);
	return c.off;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(vigil_sched_process_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	union vigil_scratch *s = get_scratch();
	if (!s)
		return 0;
	struct vigil_exec_event *e = &s->exec;
	__u64 uid_gid = bpf_get_current_uid_gid();

	fill_header(&e->hdr, VIGIL_EV_EXEC, sizeof(*e));
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->ret = 0;
	e->start_ns = BPF_CORE_READ(p, group_leader, start_boottime);
	bpf_probe_read_kernel_str(e->comm, sizeof(e->comm), p->comm);

	long n = bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	e->filename_len = n > 0 ? n : 0;
	e->exe_len = walk_path(e->exe, BPF_CORE_READ(bprm, file));

	unsigned long start = BPF_CORE_READ(p, mm, arg_start);
	unsigned long end = BPF_CORE_READ(p, mm, arg_end);
	__u64 len = end > start ? end - start : 0;
	if (len > VIGIL_ARGV_MAX) {
		count_drop(VIGIL_DROP_STRING_TRUNCATED);
		len = VIGIL_ARGV_MAX;
	}
	e->argv_len = 0;
	if (len > 0) {
		if (bpf_probe_read_user(e->argv, len, (const void *)start) == 0)
			e->argv_len = len;
		else
			count_drop(VIGIL_DROP_READ_FAILED);
	}
	submit(e, sizeof(*e));
	return 0;
}
