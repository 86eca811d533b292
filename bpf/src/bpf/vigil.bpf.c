/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vigil.bpf.o: one object so the hooks share maps (counts, k-grams, task state, ring buffer,
 * drop counters). Each hook lives in its own file under hooks/.
 */
#include "include/vigil.bpf.h"
#include "hooks/sys_exit.bpf.c" /* before sys_enter, which reports unimplemented calls with emit_args */
#include "hooks/sys_enter.bpf.c"
#include "hooks/sched_process_fork.bpf.c"
#include "hooks/sched_process_exec.bpf.c"
#include "hooks/sched_process_exit.bpf.c"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
