/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Structs shared by the kernel programs and user space. The TypeScript decoders in
 * bpf/src/layout.ts mirror these; bpf/src/layout.spec.ts compares both against the BTF of the
 * built object, so they cannot drift. Enum values are append-only.
 *
 * Sequence hash (k-grams, see hooks/sys_enter.bpf.c): every thread keeps a window of its last k
 * syscall numbers. Each number n is encoded as (n + 1) & 0x3ff (10 bits, 0 = "empty"; numbers
 * above 1022 collapse to 1023). The hash of the k-gram (n_1 … n_k, oldest first) is the
 * injective packing
 *     hash = sum_{i=1..k} ((n_i + 1) & 0x3ff) << (10 * (k - i))
 * i.e. the newest call in the lowest 10 bits. k ≤ 5 keeps the value below 2^50, a safe JS
 * integer and a non-negative Avro long. The map holds every window, so partial ones (a thread's
 * first k-1 calls, leading codes 0) too: user space keeps only full windows as k-grams and sums
 * all windows by their lowest code into the exact syscall counts (code 1023 excepted: those calls
 * are counted by number in the (tgid, nr) map). TypeScript: kgramHash() in libs/schemas/src/kgram-hash.ts;
 * bpf/src/kgram-defines.spec.ts checks the VIGIL_NGRAM_* values against its constants.
 */
#ifndef VIGIL_EVENTS_H
#define VIGIL_EVENTS_H

#define VIGIL_COMM_LEN 16
#define VIGIL_PATH_MAX 4096      /* open paths: longer ones are truncated and counted */
#define VIGIL_EXE_MAX 1024       /* exe path components written by the dentry walk */
#define VIGIL_EXEC_FILENAME_MAX 512
#define VIGIL_ARGV_MAX 1024      /* argv bytes (NUL separated); more is truncated and counted */
#define VIGIL_UNIX_PATH_MAX 108
#define VIGIL_SEC_STR_MAX 64
#define VIGIL_SEC_PATH_MAX 512   /* paths of path records; longer ones are truncated and counted */
#define VIGIL_SEC_DIR_MAX 1024   /* directory components written by the dentry walk */
#define VIGIL_NGRAM_BITS 10
#define VIGIL_NGRAM_MAX_K 5
#define VIGIL_NGRAM_CODE_OTHER 1023 /* the code of every syscall number >= 1022 (and < 0) */

/* Record kinds in the ring buffer. */
enum vigil_event_type {
	VIGIL_EV_FORK = 1,
	VIGIL_EV_EXEC = 2,
	VIGIL_EV_EXIT = 3,
	VIGIL_EV_OPEN = 4,
	VIGIL_EV_NET = 5,
	VIGIL_EV_SECURITY = 6,
	VIGIL_EV_PATH = 7,
};

/* Every place the kernel side can lose data; index of the per-CPU `drops` array. */
enum vigil_drop_cause {
	VIGIL_DROP_RINGBUF_FULL = 0,    /* bpf_ringbuf_output failed: consumer too slow / buffer too small */
	VIGIL_DROP_COUNT_MAP_FULL = 1,  /* (tgid, nr) count could not be inserted: syscall count lost */
	VIGIL_DROP_NGRAM_MAP_FULL = 2,  /* (tgid, k-gram) count could not be inserted */
	VIGIL_DROP_STRING_TRUNCATED = 3,   /* a path/argv/name was longer than its buffer */
	VIGIL_DROP_READ_FAILED = 4,     /* reading user or kernel memory failed (e.g. page not resident) */
	VIGIL_DROP_TASK_STORAGE = 5,    /* per-thread state could not be created: sequence/args lost */
	VIGIL_DROP_MAX = 6,
};

/* Common prefix of every ring-buffer record. */
struct vigil_event_header {
	__u32 type;      /* enum vigil_event_type */
	__u32 size;      /* bytes of this record including the header */
	__u64 ts_ns;     /* boot-time ns: exact for fork/exec/exit, at tick resolution for argument records */
	__u32 tgid;      /* process id */
	__u32 tid;       /* thread id */
};

/* A new process (not a thread) was forked. */
struct vigil_fork_event {
	struct vigil_event_header hdr; /* hdr.tgid = parent */
	__u32 child_tgid;
	__u32 uid;
	__u32 gid;
	__u32 _pad;
	__u64 child_start_ns;          /* child's start_boottime: (pid, start) identifies a process */
	char comm[VIGIL_COMM_LEN];
};

/* execve/execveat: ret 0 from sched_process_exec, ret < 0 from the failed syscall's exit. */
struct vigil_exec_event {
	struct vigil_event_header hdr;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__s32 ret;
	__u64 start_ns;
	__u32 filename_len;            /* bytes in filename incl. NUL */
	__u32 exe_len;                 /* bytes in exe: path components leaf first, NUL separated */
	__u32 argv_len;                /* bytes in argv, NUL separated */
	__u32 _pad;
	char comm[VIGIL_COMM_LEN];     /* comm before exec */
	char filename[VIGIL_EXEC_FILENAME_MAX];
	char exe[VIGIL_EXE_MAX];
	char argv[VIGIL_ARGV_MAX];
};

/* The last thread of a process exited. */
struct vigil_exit_event {
	struct vigil_event_header hdr;
	__s32 exit_code;               /* raw wait status (code << 8 | signal) */
	__u32 _pad;
};

/*
 * open/openat/openat2/creat with the result. Variable length: `data` holds the path as the caller
 * passed it (path_len bytes incl. NUL), then, when it is relative (first byte neither '/' nor NUL),
 * dir: the directory it is relative to (the cwd for AT_FDCWD, else dfd's file), dir_len bytes of
 * components leaf first, NUL separated like vigil_path_event's dirs, and `resolved` is 1. An
 * absolute path gets no walk (dir_len 0, resolved 0), and neither does a relative one whose walk
 * was cut (counted) or whose dfd names no file. The record ends after them (submit sizes it so).
 */
#define VIGIL_OPEN_DATA_MAX (VIGIL_PATH_MAX + 1280) /* dir starts at path_len ≤ 4096: its walk writes ≤ 1024 + a name */
struct vigil_open_event {
	struct vigil_event_header hdr;
	__u32 nr;                      /* syscall number */
	__s32 dfd;
	__u32 flags;
	__u32 mode;
	__s32 ret;
	__u32 path_len;                /* bytes of the path incl. NUL */
	__u32 dir_len;                 /* bytes of dir (0 with resolved: the root) */
	__u32 resolved;                /* 1: dir, after the path, is the directory the path is relative to */
	char data[VIGIL_OPEN_DATA_MAX];
};

/* connect/accept/accept4/bind/listen with family, address, port and result. */
struct vigil_net_event {
	struct vigil_event_header hdr;
	__u32 nr;
	__s32 ret;
	__s32 fd;
	__u16 family;                  /* AF_INET 2, AF_INET6 10, AF_UNIX 1, 0 = unknown */
	__u16 port;                    /* host byte order */
	__u8 addr[16];                 /* IPv4 in the first 4 bytes */
	char unix_path[VIGIL_UNIX_PATH_MAX];
};

/*
 * ptrace, mprotect/mmap with PROT_EXEC, setuid family, (f)init_module, memfd_create, raw and packet
 * sockets, socket filters (setsockopt: args[3..5] are the socket's family, type and protocol).
 */
struct vigil_security_event {
	struct vigil_event_header hdr;
	__u32 nr;
	__u32 _pad;
	__s64 ret;                     /* 64-bit: mmap returns an address */
	__u64 args[6];                 /* raw syscall arguments */
	char str[VIGIL_SEC_STR_MAX];   /* memfd name or module params, when there is one */
};

/*
 * Security-relevant calls on paths (chmod, setxattr, utimes, unlink, rename, link, symlink, mkdir,
 * mknod, truncate, mount families) and LD_* variables of an exec's environment (nr = execve, str =
 * the variable's name, path 0 = its value). Up to two paths as the caller passed them; when one is
 * relative (or empty: the call names a descriptor), dir i holds the directory it is relative to
 * (the dfd's or the cwd's path; the descriptor's own path), components leaf first, NUL separated
 * like vigil_exec_event.exe, and bit i of `resolved` is set. Packed in `data` back to back: path 0
 * (path_len[0] bytes incl. NUL, 0 = none), path 1, dir 0 (dir_len[0] bytes), dir 1; the record
 * ends after them (submit sizes it so), so it carries only the bytes it uses.
 */
#define VIGIL_SEC_DATA_MAX (4096 + 1280) /* pieces start below 4096 (masked), the last one ≤ 1024 + a name */
struct vigil_path_event {
	struct vigil_event_header hdr;
	__u32 nr;
	__u32 resolved;                /* bit i: dir i holds the directory of path i */
	__s64 ret;
	__u64 args[6];                 /* raw syscall arguments */
	__u32 path_len[2];             /* bytes of path i incl. NUL (0: no such path, or unread) */
	__u32 dir_len[2];              /* bytes of dir i */
	char str[VIGIL_SEC_STR_MAX];   /* xattr name, mount fstype, environment variable name */
	char data[VIGIL_SEC_DATA_MAX];
};

/* Key of the per-CPU syscall count map. */
struct vigil_count_key {
	__u32 tgid;
	__u32 nr;
};

/* Key of the per-CPU per-process loss map: which process lost what. */
struct vigil_drop_key {
	__u32 tgid;
	__u32 cause;                   /* enum vigil_drop_cause */
};

/*
 * One slot of the direct-mapped per-CPU k-gram cache in front of ngram_counts (an mmapable
 * array: CPU c owns slots [c << slot_bits, (c + 1) << slot_bits)). key = tgid << 42 | window
 * (0 = free); user space reads the counts in place and frees the slots of exited processes.
 */
struct vigil_slot {
	__u64 key;
	__u64 count;
};
#define VIGIL_SLOT_TGID_SHIFT 42

/* Key of the per-CPU k-gram count map. */
struct vigil_ngram_key {
	__u32 tgid;
	__u32 _pad;
	__u64 hash;
};

#endif
