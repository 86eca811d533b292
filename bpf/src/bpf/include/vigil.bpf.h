/* SPDX-License-Identifier: Apache-2.0 */
/* Maps, tunables and helpers shared by every hook of vigil.bpf.o. */
#ifndef VIGIL_BPF_H
#define VIGIL_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "vigil_events.h"

#define PROT_EXEC 0x4
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define AF_PACKET 17
#define SOL_SOCKET 1
#define SO_ATTACH_FILTER 26
#define SO_ATTACH_BPF 50

/* x86-64 syscall numbers (NR_<name>), generated from syscalls/x86-64.tbl like the TypeScript table. */
#include "vigil_syscalls.h"
#define PR_SET_NAME 15

/*
 * ---- tunables: read-only data, set by user space before load ----
 * The values are owned by user space: VigilProbe.load (bpf/src/vigil-probe.ts) sets every tunable
 * here and the size of every map sized "by user space" from ProbeOptions, whose defaults are
 * DEFAULT_PROBE_OPTIONS. The initializers and max_entries in this file only make the object valid
 * to open; they are not the defaults (e.g. the ring buffer is 8 MiB and slot_bits 12 by default).
 */

/* The agent's own tgid: its calls are counted (self-metrics) but produce no argument records. */
const volatile __u32 agent_tgid = 0;
/* k of the k-gram sequence counts; 0 disables sequence tracking. */
const volatile __u32 ngram_k = 3;
/* Force a consumer wake-up once this many bytes are pending in the ring buffer. */
const volatile __u64 wakeup_bytes = 256 * 1024;

/* ---- maps ---- */

/* Argument events and lifecycle records; size set by user space (bpf_map__set_max_entries). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} events SEC(".maps");

/*
 * Syscall counts per (tgid, nr) that the k-gram map does not carry (sequences off, the k-gram map
 * full, numbers without a 10-bit code); user space deletes a process's keys after its exit.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vigil_count_key);
	__type(value, __u64);
} syscall_counts SEC(".maps");

/*
 * Counts per (tgid, window of the last k calls, partial windows included): the k-grams, and by
 * the lowest code the syscall counts. Same life cycle as syscall_counts.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct vigil_ngram_key);
	__type(value, __u64);
} ngram_counts SEC(".maps");

/*
 * Direct-mapped k-gram cache, 2^slot_bits slots per CPU (vigil_events.h, struct vigil_slot). An
 * array element is an address computation where a hash map update hashes the key and walks a
 * bucket; a window whose slot belongs to another key goes to ngram_counts. Sized by user space
 * (slots per CPU × possible CPUs).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_slot);
} slot_counts SEC(".maps");

/* log2 of the slots per CPU in slot_counts; 0 disables the cache. */
const volatile __u32 slot_bits = 0;

/* Loss counters, indexed by enum vigil_drop_cause. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VIGIL_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/*
 * The same losses attributed to the process in whose context they happened, so a capture filtered
 * to some processes can report exactly their losses. When this map is full the loss still counts
 * in `drops` (and user space treats it as unattributed).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vigil_drop_key);
	__type(value, __u64);
} drops_by_tgid SEC(".maps");

/* Per-thread state: the sequence window (freed with the task). */
struct task_state {
	__u64 window;        /* last k encoded syscall numbers, newest in the low bits (0 = none yet) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_state);
} task_states SEC(".maps");

/* Scratch space for building records too large for the 512-byte BPF stack. */
union vigil_scratch {
	struct vigil_exec_event exec;
	struct vigil_open_event open;
	struct vigil_net_event net;
	struct vigil_security_event sec;
	struct vigil_path_event path;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, union vigil_scratch);
} scratch SEC(".maps");

/*
 * Syscalls with argument records, as a bitmap over nr < 512 (rodata, so the check is one load).
 * mmap/mprotect are further filtered on PROT_EXEC. The words are generated from
 * syscalls/argument-records.list (vigil_syscalls.h), each call in word nr >> 6: placed by hand,
 * execveat (322) once sat in word 4, where its bit named mkdirat, and lost its records.
 */
const volatile __u64 arg_syscalls[8] = VIGIL_ARG_SYSCALL_WORDS;

/* Make the shared structs part of the object's BTF (the layout test reads them from there). */
struct vigil_event_header *unused_header __attribute__((unused));
struct vigil_fork_event *unused_fork __attribute__((unused));
struct vigil_exec_event *unused_exec __attribute__((unused));
struct vigil_exit_event *unused_exit __attribute__((unused));
struct vigil_open_event *unused_open __attribute__((unused));
struct vigil_net_event *unused_net __attribute__((unused));
struct vigil_security_event *unused_sec __attribute__((unused));
struct vigil_path_event *unused_path __attribute__((unused));
struct vigil_drop_key *unused_drop_key __attribute__((unused));
struct vigil_slot *unused_slot __attribute__((unused));
enum vigil_drop_cause unused_drop_cause __attribute__((unused));
enum vigil_event_type unused_event_type __attribute__((unused));

static __always_inline int is_arg_syscall(long nr)
{
	if (nr < 0 || nr >= 512)
		return 0;
	return (arg_syscalls[(nr >> 6) & 7] >> (nr & 63)) & 1;
}

/*
 * Syscalls with argument records whose exit tracepoint this kernel lacks, because it does not
 * implement them (e.g. init_module without CONFIG_MODULES): same bitmap layout, set by user space.
 * sys_enter reports them at once with -ENOSYS, the result sys_ni_syscall returns.
 */
const volatile __u64 exit_ni[8] = {};
#define ENOSYS 38

static __always_inline int is_exit_ni(long nr)
{
	if (nr < 0 || nr >= 512)
		return 0;
	return (exit_ni[(nr >> 6) & 7] >> (nr & 63)) & 1;
}

static __always_inline void count_drop(__u32 cause)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &cause);
	if (v)
		__sync_fetch_and_add(v, 1);
	struct vigil_drop_key key = { .tgid = bpf_get_current_pid_tgid() >> 32, .cause = cause };
	v = bpf_map_lookup_elem(&drops_by_tgid, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
	} else {
		__u64 one = 1;
		if (bpf_map_update_elem(&drops_by_tgid, &key, &one, BPF_NOEXIST)) {
			v = bpf_map_lookup_elem(&drops_by_tgid, &key); /* inserted meanwhile, or full */
			if (v)
				__sync_fetch_and_add(v, 1);
		}
	}
}

static __always_inline union vigil_scratch *get_scratch(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&scratch, &zero);
}

/* This CPU's boot-time clock as of the first argument record in the current jiffy (see tick_time). */
struct vigil_tick_clock {
	__u64 jiffies;
	__u64 boot_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vigil_tick_clock);
} tick_clock SEC(".maps");

/*
 * Boot-time ns at tick resolution for argument records: the clock is read once per jiffy per CPU
 * and later records of that jiffy reuse it, so a time is at most one tick early (4 ms at HZ=250)
 * and never out of order on a CPU. Reading the clock costs ~40 ns here (bpf_stats: an open record
 * 170 -> 130 ns without it); bpf_ktime_get_coarse_ns is refused to tracing programs.
 */
static __always_inline __u64 tick_time(void)
{
	__u32 zero = 0;
	struct vigil_tick_clock *c = bpf_map_lookup_elem(&tick_clock, &zero);
	__u64 j = bpf_jiffies64();
	if (!c)
		return bpf_ktime_get_boot_ns();
	if (c->jiffies != j || !c->boot_ns) {
		c->jiffies = j;
		c->boot_ns = bpf_ktime_get_boot_ns();
	}
	return c->boot_ns;
}

static __always_inline void header_at(struct vigil_event_header *h, __u32 type, __u32 size, __u64 ts_ns)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	h->type = type;
	h->size = size;
	h->ts_ns = ts_ns;
	h->tgid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
}

/* Header of a process lifecycle record (fork/exec/exit): the exact boot-time clock. */
static __always_inline void fill_header(struct vigil_event_header *h, __u32 type, __u32 size)
{
	header_at(h, type, size, bpf_ktime_get_boot_ns());
}

/* Header of an argument record (open, net, security, failed exec): boot time at tick resolution. */
static __always_inline void fill_arg_header(struct vigil_event_header *h, __u32 type, __u32 size)
{
	header_at(h, type, size, tick_time());
}

/*
 * Submit without waking the consumer, except for the record that takes the pending data past
 * wakeup_bytes (the wake-up is the cost: an irq_work each). One wake-up per crossing: the agent
 * waits edge-triggered and drains everything pending when it wakes, plus on a poll timer.
 */
static __always_inline void submit(void *data, __u64 size)
{
	__u64 flags = BPF_RB_NO_WAKEUP;
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	if (avail < wakeup_bytes && avail + size >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, data, size, flags))
		count_drop(VIGIL_DROP_RINGBUF_FULL);
}

/* Read a user string into buf; counts read failures and truncation. Returns bytes incl. NUL, < 0 when the read failed. */
static __always_inline long read_user_str_n(char *buf, __u32 size, const void *src)
{
	long n = bpf_probe_read_user_str(buf, size, src);
	if (n < 0) {
		count_drop(VIGIL_DROP_READ_FAILED);
		buf[0] = 0;
		return n;
	}
	if ((__u32)n == size && buf[size - 1] == 0) {
		/* may have been cut: probe one byte further */
		char c = 0;
		if (bpf_probe_read_user(&c, 1, (const char *)src + size - 1) == 0 && c != 0)
			count_drop(VIGIL_DROP_STRING_TRUNCATED);
	}
	return n;
}

/* Same, 1 (an empty string) when the read failed. */
static __always_inline __u32 read_user_str(char *buf, __u32 size, const void *src)
{
	long n = read_user_str_n(buf, size, src);
	return n < 0 ? 1 : (__u32)n;
}

#include "vigil_walk.bpf.h"

#endif
