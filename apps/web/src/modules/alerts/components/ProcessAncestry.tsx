import { Code, Group, Text, Tree, type TreeNodeData, useTree } from '@mantine/core';
import { useMemo } from 'react';
import { baseName } from '../../../components/format';

/**
 * The chain of programs that started the alerting process, as a tree from init down to it.
 * `ancestry` is the exe of the parent, grandparent, … up to init (as the agent reports it).
 */
export function ProcessAncestry({ program, pid, ancestry }: { program: string; pid: number; ancestry: string[] }) {
  const data = useMemo(() => {
    const chain = [...ancestry].reverse();
    let node: TreeNodeData = { value: `self:${program}`, label: <Leaf exe={program} note={`pid ${pid} — raised the alert`} strong /> };
    for (let i = chain.length - 1; i >= 0; i--) {
      const exe = chain[i]!;
      node = { value: `${i}:${exe}`, label: <Leaf exe={exe} note={i === chain.length - 1 ? 'parent' : undefined} />, children: [node] };
    }
    return [node];
  }, [program, pid, ancestry]);
  const tree = useTree({ initialExpandedState: expandAll(data) });
  return <Tree data={data} tree={tree} levelOffset="lg" withLines expandOnClick={false} aria-label="Process ancestry" />;
}

function expandAll(nodes: TreeNodeData[], acc: Record<string, boolean> = {}): Record<string, boolean> {
  for (const n of nodes) {
    acc[n.value] = true;
    if (n.children) expandAll(n.children, acc);
  }
  return acc;
}

function Leaf({ exe, note, strong }: { exe: string; note?: string; strong?: boolean }) {
  return (
    <Group gap="xs" py={2} wrap="nowrap">
      <Text size="sm" fw={strong ? 700 : 500}>
        {baseName(exe)}
      </Text>
      <Code>{exe}</Code>
      {note && (
        <Text size="xs" c="dimmed">
          {note}
        </Text>
      )}
    </Group>
  );
}
