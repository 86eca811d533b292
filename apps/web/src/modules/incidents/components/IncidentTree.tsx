import { Badge, Code, Group, Text, Tree, type TreeNodeData, useTree } from '@mantine/core';
import { useMemo } from 'react';
import { baseName } from '../../../components/format';
import { allValues, treeOf } from '../../endpoints/components/ProcessTree';
import type { IncidentAlert, IncidentProcess } from '../types/incident';

/**
 * The incident's process tree: its processes, their parents and children, parent → child; the
 * processes that raised alerts carry their alert kinds.
 */
export function buildIncidentTree(processes: IncidentProcess[], alerts: IncidentAlert[]): TreeNodeData[] {
  const kinds = new Map<number, string[]>();
  for (const a of alerts) kinds.set(a.pid, [...new Set([...(kinds.get(a.pid) ?? []), a.kind])]);
  return treeOf(processes, (p) => ({
    value: `${p.pid}:${p.firstSeen}`,
    label: (
      <Group gap="xs" wrap="nowrap" py={1}>
        <Text size="sm" fw={500}>
          {baseName(p.exe)}
        </Text>
        <Text size="xs" c="dimmed">
          pid {p.pid}
        </Text>
        <Code>{p.argv?.join(' ') ?? p.exe}</Code>
        {(kinds.get(p.pid) ?? []).map((k) => (
          <Badge key={k} color="orange.8" size="xs">
            {k}
          </Badge>
        ))}
      </Group>
    ),
  }));
}

export function IncidentTree({ processes, alerts }: { processes: IncidentProcess[]; alerts: IncidentAlert[] }) {
  const data = useMemo(() => buildIncidentTree(processes, alerts), [processes, alerts]);
  const tree = useTree({ initialExpandedState: allValues(data) });
  if (data.length === 0) return <Text size="sm" c="dimmed">The analyzer has not stored these processes (yet).</Text>;
  return <Tree data={data} tree={tree} withLines levelOffset="lg" aria-label="Incident process tree" />;
}
