// GENERATED from bpf/syscalls/x86-64.tbl and bpf/syscalls/argument-records.list by bpf/scripts/gen-syscalls.mjs — do not edit.
// Regenerate with `npm run gen:syscalls -w @vigil/bpf` (make does it too).

/** The x86-64 system calls with argument records: the kernel side's arg_syscalls bitmap and exit hooks come from the same list. */
export const ARG_SYSCALLS: readonly string[] = [
  'open', // 2
  'openat', // 257
  'openat2', // 437
  'creat', // 85
  'connect', // 42
  'accept', // 43
  'accept4', // 288
  'bind', // 49
  'listen', // 50
  'execve', // 59
  'execveat', // 322
  'mmap', // 9
  'mprotect', // 10
  'ptrace', // 101
  'setuid', // 105
  'setgid', // 106
  'setreuid', // 113
  'setregid', // 114
  'setresuid', // 117
  'setresgid', // 119
  'setfsuid', // 122
  'setfsgid', // 123
  'init_module', // 175
  'finit_module', // 313
  'memfd_create', // 319
  'prctl', // 157
  'process_vm_writev', // 311
  'unshare', // 272
  'setns', // 308
  'userfaultfd', // 323
  'socket', // 41
  'setsockopt', // 54
  'chmod', // 90
  'fchmod', // 91
  'fchmodat', // 268
  'fchmodat2', // 452
  'setxattr', // 188
  'lsetxattr', // 189
  'fsetxattr', // 190
  'setxattrat', // 463
  'utime', // 132
  'utimes', // 235
  'futimesat', // 261
  'utimensat', // 280
  'unlink', // 87
  'unlinkat', // 263
  'rmdir', // 84
  'rename', // 82
  'renameat', // 264
  'renameat2', // 316
  'link', // 86
  'linkat', // 265
  'symlink', // 88
  'symlinkat', // 266
  'mkdir', // 83
  'mkdirat', // 258
  'mknod', // 133
  'mknodat', // 259
  'truncate', // 76
  'ftruncate', // 77
  'mount', // 165
];
