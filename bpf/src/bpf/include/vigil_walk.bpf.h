/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path of a (dentry, vfsmount) by walking d_parent up through the mounts (mnt_parent,
 * mnt_mountpoint) like d_path does: tracepoints have no bpf_d_path. Used for the exe of an exec
 * and for the directory a relative path of a path record or of an open is relative to (the dfd's or
 * the cwd's).
 */
#ifndef VIGIL_WALK_BPF_H
#define VIGIL_WALK_BPF_H

#define WALK_NAME_MAX 256
#define WALK_MAX_DEPTH 32
#define WALK_BUF_MAX 1024 /* VIGIL_EXE_MAX and VIGIL_SEC_DIR_MAX (an open record's dir too) */
_Static_assert(VIGIL_EXE_MAX == WALK_BUF_MAX && VIGIL_SEC_DIR_MAX == WALK_BUF_MAX, "walk buffers");
_Static_assert(VIGIL_OPEN_DATA_MAX >= VIGIL_PATH_MAX + WALK_BUF_MAX + WALK_NAME_MAX, "an open record's dir after a whole path");

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
	if (off > WALK_BUF_MAX - WALK_NAME_MAX) {
		count_drop(VIGIL_DROP_STRING_TRUNCATED);
		c->off = off | 0x80000000; /* cut: not a whole path */
		return 1;
	}
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	long n = bpf_probe_read_kernel_str(c->buf + (off & (WALK_BUF_MAX - 1)), WALK_NAME_MAX, name);
	if (n <= 0) {
		count_drop(VIGIL_DROP_READ_FAILED);
		c->off = off | 0x80000000;
		return 1;
	}
	c->off = off + n;
	c->d = parent;
	return 0;
done:
	c->done = 1;
	return 1;
}

/*
 * Path components of (d, vm) leaf first, NUL separated, into buf (WALK_BUF_MAX bytes; user space
 * reverses and joins them); *len = bytes written. Returns 1 when the walk reached the root (the
 * root itself writes nothing), 0 when it was cut (depth, buffer or a failed read; counted).
 */
static __always_inline int walk_dentries(char *buf, struct dentry *d, struct vfsmount *vm, __u32 *len)
{
	struct walk_ctx c = {};
	c.buf = buf;
	c.d = d;
	c.vm = vm;
	c.mnt_off = bpf_core_field_offset(struct mount, mnt);
	c.m = (struct mount *)((char *)c.vm - c.mnt_off);
	bpf_loop(WALK_MAX_DEPTH, walk_step, &c, 0);
	*len = c.off & 0x7fffffff;
	if (!c.done && !(c.off & 0x80000000))
		count_drop(VIGIL_DROP_STRING_TRUNCATED); /* deeper than WALK_MAX_DEPTH */
	return c.done;
}

#endif
