import { Anchor, Checkbox, Table, Text } from '@mantine/core';
import { Link } from 'react-router';
import { baseName, formatTime } from '../../../components/format';
import type { Alert } from '../types/alert';
import { SeverityBadge } from './SeverityBadge';
import { StatusBadge } from './StatusBadge';

interface Props {
  alerts: Alert[];
  endpointName: (id: string) => string;
  selected: Set<string>;
  onToggle: (id: string) => void;
  onToggleAll: () => void;
  cursor: number;
  onCursor: (i: number) => void;
  fresh: Set<string>;
}

/** The queue: one row per alert; the row under the keyboard cursor is highlighted. */
export function AlertsTable({ alerts, endpointName, selected, onToggle, onToggleAll, cursor, onCursor, fresh }: Props) {
  const all = alerts.length > 0 && alerts.every((a) => selected.has(a.id));
  const some = !all && alerts.some((a) => selected.has(a.id));
  return (
    <Table highlightOnHover verticalSpacing={6} aria-label="Alerts" stickyHeader>
      <Table.Thead>
        <Table.Tr>
          <Table.Th w={36}>
            <Checkbox aria-label="Select all alerts on the page" checked={all} indeterminate={some} onChange={onToggleAll} />
          </Table.Th>
          <Table.Th w={90}>Severity</Table.Th>
          <Table.Th>Alert</Table.Th>
          <Table.Th>Endpoint</Table.Th>
          <Table.Th>Program</Table.Th>
          <Table.Th>Kind</Table.Th>
          <Table.Th w={150}>Status</Table.Th>
          <Table.Th>Assignee</Table.Th>
          <Table.Th w={180}>Time</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {alerts.map((a, i) => (
          <Table.Tr
            key={a.id}
            data-testid="alert-row"
            data-alert-id={a.id}
            data-cursor={i === cursor || undefined}
            data-selected={selected.has(a.id) || undefined}
            bg={i === cursor ? 'var(--mantine-primary-color-light)' : fresh.has(a.id) ? 'var(--mantine-color-yellow-light)' : undefined}
            onClick={() => onCursor(i)}
          >
            <Table.Td>
              <Checkbox aria-label={`Select alert ${a.title}`} checked={selected.has(a.id)} onChange={() => onToggle(a.id)} />
            </Table.Td>
            <Table.Td>
              <SeverityBadge severity={a.severity} />
            </Table.Td>
            <Table.Td>
              <Anchor component={Link} to={`/alerts/${encodeURIComponent(a.id)}`} size="sm" fw={500}>
                {a.title}
              </Anchor>
              {a.count > 1 && (
                <Text span size="xs" c="dimmed">
                  {' '}
                  ×{a.count}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              <Text size="sm">{endpointName(a.endpointId)}</Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm" ff="monospace" title={a.program}>
                {baseName(a.program)}
              </Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm">{a.kind}</Text>
            </Table.Td>
            <Table.Td>
              <StatusBadge status={a.status} />
            </Table.Td>
            <Table.Td>
              <Text size="sm">{a.assignee ?? '—'}</Text>
            </Table.Td>
            <Table.Td>
              <Text size="sm">{formatTime(a.time)}</Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
