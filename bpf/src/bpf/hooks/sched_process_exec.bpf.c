/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A successful execve/execveat. Runs in the new image: argv is read from the new stack
 * (mm->arg_start..arg_end, just written by the kernel, so resident), the exe path is built by
 * walking bprm->file's dentries up through the mounts (no bpf_d_path on tracepoints), so it is
 * the resolved path /proc/PID/exe would show even when the caller passed a relative name.
 */
#include "../include/vigil.bpf.h"

/* The executable's path (components leaf first, see walk_dentries); returns bytes written. */
static __always_inline __u32 walk_path(char *buf, struct file *file)
{
	__u32 len;
	walk_dentries(buf, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt), &len);
	return len;
}

/*
 * Dynamic-loader variables in the new image's environment (mm->env_start..env_end, just written by
 * the kernel, so resident): one path record each for LD_PRELOAD, LD_LIBRARY_PATH and LD_AUDIT
 * (nr = execve, str = the name, path 0 = the value), nothing otherwise. The environment is copied
 * once behind a NUL and scanned 8 bytes at a time for "\0LD_" (four shifted loads and exact
 * zero-byte masks, no branch per byte); the names are compared as words only where that matches.
 * Environments longer than ENV_SCAN_MAX are scanned that far (the rest counts as truncated).
 */
#define ENV_SCAN_MAX 16384
#define ENV_WORDS_PER_STEP 4
#define ENV_MAX_RECORDS 4
#define ENV_LEAD 8 /* the copy starts at b[ENV_LEAD], b[ENV_LEAD - 1] = 0 */

struct env_buf {
	char b[ENV_LEAD + ENV_SCAN_MAX + 32]; /* + room for loads and the name compare past the end */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct env_buf);
} env_scratch SEC(".maps");

struct env_ctx {
	char *buf;
	struct vigil_path_event *e;
	__u32 len;
	__u32 emitted;
};

/* Little-endian word of 8 characters, as a load from memory reads them. */
#define W8(a, b, c, d, e, f, g, h)                                                                     \
	((__u64)(a) | (__u64)(b) << 8 | (__u64)(c) << 16 | (__u64)(d) << 24 | (__u64)(e) << 32 |         \
	 (__u64)(f) << 40 | (__u64)(g) << 48 | (__u64)(h) << 56)
#define ONES 0x0101010101010101ULL
#define LOWS 0x7f7f7f7f7f7f7f7fULL

/* 0x80 in exactly the bytes of x that are zero. */
static __always_inline __u64 zero_bytes(__u64 x)
{
	return ~(((x & LOWS) + LOWS) | x | LOWS);
}

/* The variable starting at env byte p (after a NUL, "LD_" at p): a record if it is one of ours. */
static __always_inline void env_var_at(struct env_ctx *c, __u32 p)
{
	char *b = c->buf + ENV_LEAD;
	__u32 q = p & (ENV_SCAN_MAX - 1);
	__u64 w0 = *(__u64 *)(b + q);
	__u64 w1 = *(__u64 *)(b + q + 8);
	const char *name;
	__u32 n;
	if (w0 == W8('L', 'D', '_', 'P', 'R', 'E', 'L', 'O') && (w1 & 0xffffff) == W8('A', 'D', '=', 0, 0, 0, 0, 0)) {
		name = "LD_PRELOAD";
		n = 11;
	} else if (w0 == W8('L', 'D', '_', 'A', 'U', 'D', 'I', 'T') && (w1 & 0xff) == '=') {
		name = "LD_AUDIT";
		n = 9;
	} else if (w0 == W8('L', 'D', '_', 'L', 'I', 'B', 'R', 'A') && w1 == W8('R', 'Y', '_', 'P', 'A', 'T', 'H', '=')) {
		name = "LD_LIBRARY_PATH";
		n = 16;
	} else {
		return;
	}
	if (q + n >= c->len || c->emitted >= ENV_MAX_RECORDS)
		return;
	struct vigil_path_event *e = c->e;
	e->nr = NR_execve;
	e->resolved = 0;
	e->ret = 0;
	__builtin_memset(e->args, 0, sizeof(e->args));
	e->path_len[1] = e->dir_len[0] = e->dir_len[1] = 0;
	bpf_probe_read_kernel_str(e->str, VIGIL_SEC_STR_MAX, name);
	/* the copy ends with a NUL at b[len], so the value stops there at the latest */
	long m = bpf_probe_read_kernel_str(e->data, VIGIL_SEC_PATH_MAX, b + ((q + n) & (ENV_SCAN_MAX - 1)));
	if (m == VIGIL_SEC_PATH_MAX && b[(q + n + VIGIL_SEC_PATH_MAX - 1) & (ENV_SCAN_MAX - 1)] != 0)
		count_drop(VIGIL_DROP_STRING_TRUNCATED); /* the value goes on past what was read */
	e->path_len[0] = m > 0 ? m : 0;
	__u32 size = offsetof(struct vigil_path_event, data) + (e->path_len[0] & (VIGIL_SEC_PATH_MAX * 2 - 1));
	fill_arg_header(&e->hdr, VIGIL_EV_PATH, size);
	submit(e, size);
	c->emitted++;
}

/* ENV_WORDS_PER_STEP words of the environment (bpf_loop callback). */
static long env_step(__u64 index, void *data)
{
	struct env_ctx *c = data;
	for (__u32 j = 0; j < ENV_WORDS_PER_STEP; j++) {
		__u32 off = ((__u32)index * ENV_WORDS_PER_STEP + j) * 8;
		if (off >= c->len)
			return 1;
		/* byte k of each load is b[off + k - 1 .. off + k + 2]: "\0LD_" starts a variable at off + k */
		char *w = c->buf + ENV_LEAD + (off & (ENV_SCAN_MAX - 1));
		__u64 m = zero_bytes(*(__u64 *)(w - 1)) & zero_bytes(*(__u64 *)w ^ (ONES * 'L')) &
			  zero_bytes(*(__u64 *)(w + 1) ^ (ONES * 'D')) & zero_bytes(*(__u64 *)(w + 2) ^ (ONES * '_'));
		/* at most two per word ("\0LD_" is 4 bytes); the position of the lowest from its bit */
		for (int r = 0; r < 2 && m; r++) {
			__u64 low = m & -m;
			env_var_at(c, off + (((low >> 7) * 0x0001020304050607ULL) >> 56));
			m &= m - 1;
		}
	}
	return 0;
}

static __always_inline void scan_env(struct task_struct *p, struct vigil_path_event *e)
{
	__u32 zero = 0;
	struct env_buf *eb = bpf_map_lookup_elem(&env_scratch, &zero);
	if (!eb)
		return;
	unsigned long start = BPF_CORE_READ(p, mm, env_start);
	unsigned long end = BPF_CORE_READ(p, mm, env_end);
	__u64 len = end > start ? end - start : 0;
	if (len > ENV_SCAN_MAX) {
		count_drop(VIGIL_DROP_STRING_TRUNCATED);
		len = ENV_SCAN_MAX;
	}
	if (len == 0)
		return;
	if (bpf_probe_read_user(eb->b + ENV_LEAD, len, (const void *)start)) {
		count_drop(VIGIL_DROP_READ_FAILED);
		return;
	}
	/* stale bytes of an earlier exec past the end must not extend a name or a value */
	__u32 l = len;
	if (l > ENV_SCAN_MAX)
		return;
	eb->b[ENV_LEAD - 1] = 0;
	__builtin_memset(eb->b + ENV_LEAD + l, 0, 24);
	struct env_ctx c = { .buf = eb->b, .e = e, .len = l };
	bpf_loop((l + 8 * ENV_WORDS_PER_STEP - 1) / (8 * ENV_WORDS_PER_STEP), env_step, &c, 0);
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
	scan_env(p, &s->path); /* the exec record is out: the scratch is free */
	return 0;
}
