import { readFileSync, readlinkSync } from 'node:fs';
import { ipText } from '@vigil/bpf';
import { SHELL_NAMES } from '@vigil/common';

/**
 * The shells a socket on standard input makes a remote shell of (the `stdio_socket` security kind,
 * libs/schemas/docs/security-events.md): checked as each one starts, so only their execs pay for it.
 */
const SHELLS: ReadonlySet<string> = new Set(SHELL_NAMES);

/** Whether a program is a shell (by its file name). */
export function isShellExe(exe: string): boolean {
  return SHELLS.has(exe.slice(exe.lastIndexOf('/') + 1));
}

/** An inet socket on a process's standard input: its peer (`addr:port`) and the descriptors 0–2 it is. */
export interface StdioSocket {
  peer: string;
  fds: number[];
}

/**
 * The inet (TCP or UDP, v4 or v6) socket a process has on its standard input, with its peer, read
 * from /proc: `/proc/PID/fd/0` names the socket's inode, and the process's own network namespace
 * (`/proc/PID/net/…`) the connection. Null when stdin is not an inet socket (a pipe, a tty, a file, a
 * unix socket — every service's stdout is journald's unix stream, which is no remote shell) or the
 * process is gone. A shell served over the network (a reverse shell, a bind shell, `nc -e`, `socat
 * exec:`, a compiled dropper's dup2 + execve) has its streams on one inet socket.
 */
export function stdioSocket(pid: number, procRoot = '/proc'): StdioSocket | null {
  const inode = socketInode(`${procRoot}/${pid}/fd/0`);
  if (inode === null) return null;
  const peer = inetPeer(`${procRoot}/${pid}/net`, inode);
  if (peer === null) return null;
  const fds = [0];
  for (const fd of [1, 2]) if (socketInode(`${procRoot}/${pid}/fd/${fd}`) === inode) fds.push(fd);
  return { peer, fds };
}

/** The inode of the socket a descriptor link names (`socket:[12345]`), or null. */
function socketInode(link: string): string | null {
  try {
    return /^socket:\[(\d+)\]$/.exec(readlinkSync(link))?.[1] ?? null;
  } catch {
    return null;
  }
}

/** The remote address of the inet socket with this inode in a network namespace's tables, or null. */
function inetPeer(netDir: string, inode: string): string | null {
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6']) {
    let text: string;
    try {
      text = readFileSync(`${netDir}/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode …
      if (f[9] !== inode) continue;
      return hexAddress(f[2]!);
    }
  }
  return null;
}

/** `0100007F:115C` → `127.0.0.1:4444`: /proc prints an address as 32-bit words in host (little-endian) order. */
export function hexAddress(text: string): string {
  const [hex, port] = text.split(':');
  const p = parseInt(port ?? '0', 16);
  const bytes = Buffer.alloc(hex!.length / 2);
  for (let w = 0; w < bytes.length / 4; w++) bytes.writeUInt32LE(parseInt(hex!.slice(w * 8, w * 8 + 8), 16), w * 4);
  if (bytes.length === 4) return `${ipText(2, bytes)}:${p}`;
  // a v4-mapped address reads as the v4 address
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return `${ipText(2, bytes.subarray(12))}:${p}`;
  return `[${ipText(10, bytes)}]:${p}`;
}
