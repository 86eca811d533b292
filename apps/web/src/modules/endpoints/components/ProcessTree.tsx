import { Code, Group, Text, Tree, type TreeNodeData, useTree } from '@mantine/core';
import { type ReactNode, useMemo } from 'react';
import { formatTime } from '../../../components/format';
import type { ProcessNode } from '../types/endpoint';

/**
 * Processes as a parent → child tree: a process whose parent is not in the list is a root; a process
 * claiming to be its own parent (or a cycle) cannot recurse forever. `node` gives each its value and label.
 */
export function treeOf<T extends { pid: number; ppid: number }>(processes: T[], node: (p: T) => { value: string; label: ReactNode }): TreeNodeData[] {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  const children = new Map<number, T[]>();
  const roots: T[] = [];
  for (const p of processes) {
    if (p.ppid !== p.pid && byPid.has(p.ppid)) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
    else roots.push(p);
  }
  const seen = new Set<number>();
  const build = (p: T): TreeNodeData => {
    seen.add(p.pid);
    const kids = (children.get(p.pid) ?? []).filter((c) => !seen.has(c.pid)).sort((a, b) => a.pid - b.pid);
    return { ...node(p), children: kids.length ? kids.map(build) : undefined };
  };
  return roots.sort((a, b) => a.pid - b.pid).map(build);
}

/**
 * Processes alive at one moment as a parent → child tree (pid reuse is ruled out because only live
 * processes of one moment are listed).
 */
export function buildProcessTree(processes: ProcessNode[]): TreeNodeData[] {
  return treeOf(processes, (p) => ({ value: `${p.bootId}:${p.pid}:${p.startTimeNs}`, label: <ProcessLabel p={p} /> }));
}

function ProcessLabel({ p }: { p: ProcessNode }) {
  return (
    <Group gap="xs" wrap="nowrap" py={1}>
      <Text size="sm" fw={500}>
        {p.comm}
      </Text>
      <Text size="xs" c="dimmed">
        pid {p.pid} · uid {p.uid}
      </Text>
      <Code>{p.exe}</Code>
      <Text size="xs" c="dimmed">
        since {formatTime(p.startTime)}
      </Text>
    </Group>
  );
}

/** Every node expanded. */
export function allValues(nodes: TreeNodeData[], acc: Record<string, boolean> = {}): Record<string, boolean> {
  for (const n of nodes) {
    acc[n.value] = true;
    if (n.children) allValues(n.children, acc);
  }
  return acc;
}

export function ProcessTree({ processes }: { processes: ProcessNode[] }) {
  const data = useMemo(() => buildProcessTree(processes), [processes]);
  const tree = useTree({ initialExpandedState: allValues(data) });
  return <Tree data={data} tree={tree} withLines levelOffset="lg" aria-label="Process tree" />;
}
