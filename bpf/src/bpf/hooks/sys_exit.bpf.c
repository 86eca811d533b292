/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Argument records, built at syscall exit: the result is known, and the kernel has just read the
 * user strings, so they are resident (reading paths at sys_enter fails for ~0.2% of calls on
 * non-resident pages). The arguments come from the caller's registers as the syscall entry saved
 * them (task_pt_regs): no syscall with an argument record changes them, except a successful
 * execve, which sched_process_exec reports instead; a ptracer or seccomp that rewrote them at
 * entry leaves what the kernel actually executed. So sys_enter stashes nothing, and an exit
 * needs no per-thread lookup.
 */
#include "../include/vigil.bpf.h"

#define O_CREAT_WRONLY_TRUNC 01101
#define AT_FDCWD -100
#define ARG_STR_MAX 128
#define EXEC_MAX_ARGS 32

/* The open file behind a descriptor of the current process, or NULL. */
static __always_inline struct file *file_of_fd(long fd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if (fd < 0 || fd >= max)
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/*
 * The directory a relative path is relative to: the cwd when use_cwd (AT_FDCWD), else dfd's file.
 * 0 when dfd names no open file (user space keeps the path as given, or shows fd:N).
 */
static __always_inline int base_dir(long dfd, int use_cwd, struct dentry **d, struct vfsmount **m)
{
	if (use_cwd) {
		struct fs_struct *fs = BPF_CORE_READ(bpf_get_current_task_btf(), fs);
		*d = BPF_CORE_READ(fs, pwd.dentry);
		*m = BPF_CORE_READ(fs, pwd.mnt);
		return 1;
	}
	struct file *f = file_of_fd((int)dfd);
	if (!f)
		return 0;
	*d = BPF_CORE_READ(f, f_path.dentry);
	*m = BPF_CORE_READ(f, f_path.mnt);
	return 1;
}

/*
 * The dir of an open record whose path (off bytes of data) is relative: walked into data after
 * the path, at exit like a path record's (the call has resolved the name against it; a failed
 * open too: an attempt is evidence). Returns its bytes; 0 and resolved 0 when the walk was cut.
 */
static __always_inline __u32 open_dir(struct vigil_open_event *e, long dfd, __u32 off)
{
	struct dentry *d;
	struct vfsmount *m;
	if (!base_dir(dfd, (int)dfd == AT_FDCWD, &d, &m))
		return 0;
	__u32 len = 0;
	if (off > VIGIL_PATH_MAX)
		off = VIGIL_PATH_MAX;
	if (!walk_dentries(e->data + off, d, m, &len))
		return 0;
	e->dir_len = len;
	e->resolved = 1;
	return len;
}

static __always_inline void emit_open(const __u64 *args, long nr, long ret)
{
	union vigil_scratch *s = get_scratch();
	if (!s)
		return;
	struct vigil_open_event *e = &s->open;
	const char *path;

	e->nr = nr;
	e->ret = ret;
	e->mode = 0;
	switch (nr) {
	case NR_open:
		e->dfd = AT_FDCWD;
		path = (const char *)args[0];
		e->flags = args[1];
		e->mode = args[2];
		break;
	case NR_creat:
		e->dfd = AT_FDCWD;
		path = (const char *)args[0];
		e->flags = O_CREAT_WRONLY_TRUNC;
		e->mode = args[1];
		break;
	case NR_openat2: {
		__u64 how[2] = {}; /* struct open_how { u64 flags; u64 mode; ... } */
		e->dfd = args[0];
		path = (const char *)args[1];
		if (bpf_probe_read_user(how, sizeof(how), (const void *)args[2]))
			count_drop(VIGIL_DROP_READ_FAILED);
		e->flags = how[0];
		e->mode = how[1];
		break;
	}
	default: /* openat */
		e->dfd = args[0];
		path = (const char *)args[1];
		e->flags = args[2];
		e->mode = args[3];
	}
	__u32 len = read_user_str(e->data, VIGIL_PATH_MAX, path);
	if (len > VIGIL_PATH_MAX)
		len = VIGIL_PATH_MAX;
	e->path_len = len;
	e->dir_len = 0;
	e->resolved = 0;
	/* a relative path (not '/', not empty or unread): the directory it is relative to, after it */
	__u32 dir = 0;
	char c0 = e->data[0];
	if (c0 != '/' && c0 != 0)
		dir = open_dir(e, e->dfd, len);
	__u64 n = (__u64)len + dir; /* ≤ 4096 + 1024; 64-bit: a clamp the verifier sees on the register submitted */
	if (n > VIGIL_OPEN_DATA_MAX)
		n = VIGIL_OPEN_DATA_MAX;
	__u32 size = offsetof(struct vigil_open_event, data) + n;
	fill_arg_header(&e->hdr, VIGIL_EV_OPEN, size);
	submit(e, size);
}

/* The struct sock behind a descriptor of the current process (only called for known sockets). */
static __always_inline struct sock *sock_of_fd(long fd)
{
	struct file *f = file_of_fd(fd);
	if (!f)
		return NULL;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/* local = 1: bound address (bind/listen); 0: peer (accept). */
static __always_inline void addr_from_sock(struct vigil_net_event *e, struct sock *sk, int local)
{
	if (!sk)
		return;
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (e->family == AF_INET) {
		__u32 a = local ? BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr) : BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(e->addr, &a, 4);
	} else if (e->family == AF_INET6) {
		if (local)
			BPF_CORE_READ_INTO(&e->addr, sk, __sk_common.skc_v6_rcv_saddr);
		else
			BPF_CORE_READ_INTO(&e->addr, sk, __sk_common.skc_v6_daddr);
	}
	if (local)
		e->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	else
		e->port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
}

/* A sockaddr passed by the caller (connect/bind). */
static __always_inline void addr_from_user(struct vigil_net_event *e, const void *uaddr)
{
	struct {
		__u16 family;
		__u16 port;
		__u32 flowinfo_or_v4;
		__u8 v6[16];
	} sa = {};
	if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa.family) + sizeof(sa.port) + 4, uaddr)) {
		count_drop(VIGIL_DROP_READ_FAILED);
		return;
	}
	e->family = sa.family;
	if (sa.family == AF_INET) {
		e->port = bpf_ntohs(sa.port);
		__builtin_memcpy(e->addr, &sa.flowinfo_or_v4, 4);
	} else if (sa.family == AF_INET6) {
		e->port = bpf_ntohs(sa.port);
		if (bpf_probe_read_user(e->addr, 16, (const char *)uaddr + 8))
			count_drop(VIGIL_DROP_READ_FAILED);
	} else if (sa.family == AF_UNIX) {
		read_user_str(e->unix_path, VIGIL_UNIX_PATH_MAX, (const char *)uaddr + 2);
	}
}

static __always_inline void emit_net(const __u64 *args, long nr, long ret)
{
	union vigil_scratch *s = get_scratch();
	if (!s)
		return;
	struct vigil_net_event *e = &s->net;
	__builtin_memset(e, 0, sizeof(*e));
	fill_arg_header(&e->hdr, VIGIL_EV_NET, sizeof(*e));
	e->nr = nr;
	e->ret = ret;
	e->fd = args[0];
	switch (nr) {
	case NR_connect:
	case NR_bind:
		addr_from_user(e, (const void *)args[1]);
		break;
	case NR_listen:
		addr_from_sock(e, ret == 0 ? sock_of_fd(args[0]) : NULL, 1);
		break;
	default: /* accept, accept4: the peer of the new socket */
		if (ret >= 0)
			addr_from_sock(e, sock_of_fd(ret), 0);
	}
	submit(e, sizeof(*e));
}

/*
 * setsockopt(SO_ATTACH_FILTER/SO_ATTACH_BPF): the socket the filter went on, in place of optval,
 * optlen and the unused sixth argument: args[3] its family, args[4] its type, args[5] its protocol
 * (a packet socket's as socket() was given it, e.g. htons(ETH_P_ALL) = 768; another's as the kernel
 * resolved it, 6 for a TCP socket made with 0). Zeros when the descriptor is gone.
 */
static __always_inline void socket_of(struct vigil_security_event *e, long fd)
{
	e->args[3] = e->args[4] = e->args[5] = 0;
	struct file *f = file_of_fd(fd);
	if (!f)
		return;
	struct socket *sock = BPF_CORE_READ(f, private_data);
	if (!sock)
		return;
	struct sock *sk = BPF_CORE_READ(sock, sk);
	e->args[4] = (__u16)BPF_CORE_READ(sock, type);
	if (!sk)
		return;
	e->args[3] = BPF_CORE_READ(sk, __sk_common.skc_family);
	/* a packet socket keeps its protocol in packet_sock.num (af_packet's type: skipped where the kernel has none) */
	if (e->args[3] == AF_PACKET) {
		if (bpf_core_type_exists(struct packet_sock))
			e->args[5] = BPF_CORE_READ((struct packet_sock *)sk, num);
	} else {
		e->args[5] = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol); /* a bitfield before 5.6 */
	}
}

static __always_inline void emit_security(const __u64 *args, long nr, long ret)
{
	union vigil_scratch *s = get_scratch();
	if (!s)
		return;
	struct vigil_security_event *e = &s->sec;
	fill_arg_header(&e->hdr, VIGIL_EV_SECURITY, sizeof(*e));
	e->nr = nr;
	e->ret = ret;
	for (int i = 0; i < 6; i++)
		e->args[i] = args[i];
	e->str[0] = 0;
	if (nr == NR_prctl) /* PR_SET_NAME: the kernel takes at most TASK_COMM_LEN - 1 bytes, so no truncation count */
		bpf_probe_read_user_str(e->str, VIGIL_COMM_LEN, (const char *)args[1]);
	else if (nr == NR_memfd_create)
		read_user_str(e->str, VIGIL_SEC_STR_MAX, (const char *)args[0]);
	else if (nr == NR_init_module)
		read_user_str(e->str, VIGIL_SEC_STR_MAX, (const char *)args[2]);
	else if (nr == NR_finit_module)
		read_user_str(e->str, VIGIL_SEC_STR_MAX, (const char *)args[1]);
	else if (nr == NR_setsockopt)
		socket_of(e, args[0]);
	submit(e, sizeof(*e));
}

/* The user string at upath as path i of a path record, at byte off of data; returns its bytes (0: none or unread). */
static __always_inline __u32 path_str(struct vigil_path_event *e, int i, __u32 off, const char *upath)
{
	i &= 1;
	e->path_len[i] = 0;
	if (!upath)
		return 0;
	long n = read_user_str_n(e->data + (off & (VIGIL_SEC_PATH_MAX * 2 - 1)), VIGIL_SEC_PATH_MAX, upath);
	if (n <= 0)
		return 0; /* unread: nothing to resolve either */
	e->path_len[i] = n;
	return n;
}

/*
 * Dir i of a path record, at byte off of data, when path i (at pathoff, plen bytes) is relative or
 * absent (absent: the call names dfd): the directory it is relative to, i.e. the cwd for
 * AT_FDCWD, else dfd's file. Returns its bytes.
 */
static __always_inline __u32 path_dir(struct vigil_path_event *e, int i, __u32 off, long dfd, __u32 pathoff, __u32 plen, int absent)
{
	i &= 1;
	e->dir_len[i] = 0;
	if (!absent && (plen == 0 || e->data[pathoff & (VIGIL_SEC_PATH_MAX * 2 - 1)] == '/'))
		return 0;
	struct dentry *d;
	struct vfsmount *m;
	if (!base_dir(dfd, !absent && (int)dfd == AT_FDCWD, &d, &m))
		return 0; /* a bad descriptor: user space shows fd:N */
	__u32 len = 0;
	if (!walk_dentries(e->data + (off & 4095), d, m, &len))
		return 0;
	e->dir_len[i] = len;
	e->resolved |= 1 << i;
	return len;
}

/* chmod, setxattr, utimes, unlink, rename, link, symlink, mkdir, mknod, truncate, mount families. */
static __always_inline void emit_path(const __u64 *args, long nr, long ret)
{
	union vigil_scratch *s = get_scratch();
	if (!s)
		return;
	struct vigil_path_event *e = &s->path;
	const char *p0 = NULL, *p1 = NULL, *str = NULL;
	long d0 = AT_FDCWD, d1 = AT_FDCWD;
	int r0 = 1, r1 = 1;

	e->nr = nr;
	e->ret = ret;
	e->resolved = 0;
	for (int i = 0; i < 6; i++)
		e->args[i] = args[i];
	switch (nr) {
	case NR_chmod:       /* (path, mode) */
	case NR_setxattr:    /* (path, name, value, size, flags) */
	case NR_lsetxattr:
	case NR_utime:       /* (path, times) */
	case NR_utimes:
	case NR_unlink:      /* (path) */
	case NR_rmdir:
	case NR_mkdir:       /* (path, mode) */
	case NR_mknod:       /* (path, mode, dev) */
	case NR_truncate:    /* (path, length) */
		p0 = (const char *)args[0];
		if (nr == NR_setxattr || nr == NR_lsetxattr)
			str = (const char *)args[1];
		break;
	case NR_fchmod:      /* (fd, mode) */
	case NR_fsetxattr:   /* (fd, name, ...) */
	case NR_ftruncate:   /* (fd, length) */
		d0 = args[0];
		if (nr == NR_fsetxattr)
			str = (const char *)args[1];
		break;
	case NR_fchmodat:    /* (dfd, path, mode[, flags]) */
	case NR_fchmodat2:
	case NR_futimesat:   /* (dfd, path or NULL, times) */
	case NR_utimensat:   /* (dfd, path or NULL, times, flags) */
	case NR_unlinkat:    /* (dfd, path, flags) */
	case NR_mkdirat:     /* (dfd, path, mode) */
	case NR_mknodat:     /* (dfd, path, mode, dev) */
	case NR_setxattrat:  /* (dfd, path, at_flags, name, args, size) */
		d0 = args[0];
		p0 = (const char *)args[1];
		if (nr == NR_setxattrat)
			str = (const char *)args[3];
		break;
	case NR_rename:      /* (from, to) */
	case NR_link:        /* (existing, new) */
		p0 = (const char *)args[0];
		p1 = (const char *)args[1];
		break;
	case NR_symlink:     /* (target, path): the target is the link's content, not resolved */
		p0 = (const char *)args[0];
		r0 = 0;
		p1 = (const char *)args[1];
		break;
	case NR_symlinkat:   /* (target, newdfd, path) */
		p0 = (const char *)args[0];
		r0 = 0;
		d1 = args[1];
		p1 = (const char *)args[2];
		break;
	case NR_mount:       /* (source, target, fstype, flags, data): the source may be no path at all */
		p0 = (const char *)args[0];
		r0 = 0;
		p1 = (const char *)args[1];
		str = (const char *)args[2];
		break;
	default:             /* renameat, renameat2, linkat: (olddfd, old, newdfd, new[, flags]) */
		d0 = args[0];
		p0 = (const char *)args[1];
		d1 = args[2];
		p1 = (const char *)args[3];
	}
	/* a NULL path is the descriptor itself only where the call allows it (fd calls, futimesat, utimensat) */
	int fd_only = nr == NR_fchmod || nr == NR_fsetxattr || nr == NR_ftruncate || nr == NR_futimesat || nr == NR_utimensat;
	__u32 n0 = path_str(e, 0, 0, p0);
	__u32 n1 = path_str(e, 1, n0, p1);
	__u32 off = n0 + n1;
	__u32 k0 = 0, k1 = 0;
	e->dir_len[0] = e->dir_len[1] = 0;
	if (r0 && (p0 ? n0 > 0 : fd_only))
		k0 = path_dir(e, 0, off, d0, 0, n0, !p0);
	if (r1 && n1 > 0)
		k1 = path_dir(e, 1, off + k0, d1, n0, n1, 0);
	e->str[0] = 0;
	if (str)
		read_user_str(e->str, VIGIL_SEC_STR_MAX, str);

	__u32 size = offsetof(struct vigil_path_event, data) + ((off + k0 + k1) & 4095);
	fill_arg_header(&e->hdr, VIGIL_EV_PATH, size);
	submit(e, size);
}

/* A failed execve/execveat: the old image is intact, so read the caller's filename and argv. */
static __always_inline void emit_exec_failed(const __u64 *args, long nr, long ret)
{
	union vigil_scratch *s = get_scratch();
	if (!s)
		return;
	struct vigil_exec_event *e = &s->exec;
	struct task_struct *t = bpf_get_current_task_btf();
	__u64 uid_gid = bpf_get_current_uid_gid();
	const char *filename = (const char *)(nr == NR_execveat ? args[1] : args[0]);
	const char *const *argv = (const char *const *)(nr == NR_execveat ? args[2] : args[1]);

	fill_arg_header(&e->hdr, VIGIL_EV_EXEC, sizeof(*e));
	e->ppid = BPF_CORE_READ(t, real_parent, tgid);
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->ret = ret;
	e->start_ns = BPF_CORE_READ(t, group_leader, start_boottime);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->filename_len = read_user_str(e->filename, VIGIL_EXEC_FILENAME_MAX, filename);
	e->exe_len = 0;

	__u32 off = 0;
	for (int i = 0; i < EXEC_MAX_ARGS; i++) {
		const char *arg = NULL;
		if (!argv || bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			break;
		if (off > VIGIL_ARGV_MAX - ARG_STR_MAX) {
			count_drop(VIGIL_DROP_STRING_TRUNCATED);
			break;
		}
		long n = bpf_probe_read_user_str(e->argv + (off & (VIGIL_ARGV_MAX - 1)), ARG_STR_MAX, arg);
		if (n <= 0) {
			count_drop(VIGIL_DROP_READ_FAILED);
			break;
		}
		off += n;
	}
	e->argv_len = off;
	submit(e, sizeof(*e));
}

/* Build the argument record of syscall nr from its arguments and its result. */
static __always_inline void emit_args(const __u64 *args, long nr, long ret)
{
	switch (nr) {
	case NR_open:
	case NR_openat:
	case NR_openat2:
	case NR_creat:
		emit_open(args, nr, ret);
		break;
	case NR_connect:
	case NR_accept:
	case NR_accept4:
	case NR_bind:
	case NR_listen:
		emit_net(args, nr, ret);
		break;
	case NR_execve:
	case NR_execveat:
		if (ret < 0) /* success was reported by sched_process_exec */
			emit_exec_failed(args, nr, ret);
		break;
	case NR_truncate:
	case NR_ftruncate:
	case NR_rename:
	case NR_mkdir:
	case NR_rmdir:
	case NR_link:
	case NR_unlink:
	case NR_symlink:
	case NR_chmod:
	case NR_fchmod:
	case NR_utime:
	case NR_mknod:
	case NR_mount:
	case NR_setxattr:
	case NR_lsetxattr:
	case NR_fsetxattr:
	case NR_utimes:
	case NR_mkdirat:
	case NR_mknodat:
	case NR_futimesat:
	case NR_unlinkat:
	case NR_renameat:
	case NR_linkat:
	case NR_symlinkat:
	case NR_fchmodat:
	case NR_utimensat:
	case NR_renameat2:
	case NR_fchmodat2:
	case NR_setxattrat:
		emit_path(args, nr, ret);
		break;
	default:
		emit_security(args, nr, ret);
	}
}

/* The six syscall arguments as the caller passed them (x86-64: rdi, rsi, rdx, r10, r8, r9). */
static __always_inline void syscall_args(const struct pt_regs *regs, __u64 *args)
{
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	args[5] = regs->r9;
}

/*
 * Whether syscall nr with these arguments and result gets a record: not the agent's, mmap/mprotect
 * only with PROT_EXEC, prctl only for PR_SET_NAME, socket and setsockopt as below.
 */
static __always_inline int wants_record(long nr, const struct pt_regs *regs, long ret)
{
	/*
	 * socket: a successful AF_PACKET socket, or a SOCK_RAW / SOCK_PACKET type (flags masked off)
	 * in any family but AF_NETLINK, where SOCK_RAW is the ordinary type (ip, systemd, glibc's
	 * getaddrinfo); setsockopt: a filter attached (SOL_SOCKET, SO_ATTACH_FILTER or SO_ATTACH_BPF),
	 * on any socket. Tested first, on the registers alone: every other socket() and setsockopt()
	 * costs this test. The kernel takes these arguments as int: so do the tests.
	 */
	if (nr == NR_socket) {
		__u32 family = regs->di;
		if (ret < 0 || (family != AF_PACKET && (family == AF_NETLINK || !((1U << (regs->si & 0xf)) & ((1U << SOCK_RAW) | (1U << SOCK_PACKET))))))
			return 0;
	}
	if (nr == NR_setsockopt && (ret != 0 || (__u32)regs->si != SOL_SOCKET || ((__u32)regs->dx != SO_ATTACH_FILTER && (__u32)regs->dx != SO_ATTACH_BPF)))
		return 0;
	if ((__u32)(bpf_get_current_pid_tgid() >> 32) == agent_tgid)
		return 0;
	if ((nr == NR_mmap || nr == NR_mprotect) && !(regs->dx & PROT_EXEC))
		return 0;
	if (nr == NR_prctl && regs->di != PR_SET_NAME)
		return 0;
	return 1;
}

/* Build the record of syscall nr, which returned ret, from the caller's saved registers. */
static __always_inline int finish_args(const struct pt_regs *regs, long nr, long ret)
{
	__u64 args[6];
	if (!wants_record(nr, regs, ret))
		return 0;
	syscall_args(regs, args);
	emit_args(args, nr, ret);
	return 0;
}

/*
 * One classic tracepoint per syscall with argument records (syscalls/sys_exit_NAME): only those
 * calls run a program at exit. The kernel's syscall tracer tests a bitmap for every other call,
 * far cheaper than running a raw sys_exit program on every syscall (bench/agent-overhead). User
 * space loads the ones whose tracepoint exists; a syscall without one is not implemented by this
 * kernel (sys_ni_syscall) and sys_enter reports it with -ENOSYS (exit_ni).
 */
struct syscall_exit_args {
	__u64 common;
	int nr;
	int pad;
	long ret;
};

#define EXIT_HOOK(name)                                                        \
	SEC("tracepoint/syscalls/sys_exit_" #name)                             \
	int vigil_exit_##name(struct syscall_exit_args *ctx)                   \
	{                                                                      \
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()); \
		return finish_args(regs, NR_##name, ctx->ret);                 \
	}

/* One per call of syscalls/argument-records.list, the list the arg_syscalls bitmap comes from. */
VIGIL_ARG_SYSCALLS(EXIT_HOOK)

/*
 * Fallback for kernels without syscall tracepoints (CONFIG_FTRACE_SYSCALLS off): a raw sys_exit
 * program on every call that returns after one bitmap test for calls without argument records.
 * User space loads either this or the per-syscall hooks above, never both.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(vigil_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = regs->orig_ax;
	if (!is_arg_syscall(nr))
		return 0;
	return finish_args(regs, nr, ret);
}
