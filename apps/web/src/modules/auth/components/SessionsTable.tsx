import { Badge, Table, Text } from '@mantine/core';
import { formatTime } from '../../../components/format';

/** A session as listed to its user or an admin (never its token). */
export interface SessionRow {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  sourceAddress: string | null;
  userAgent: string | null;
  /** Set on one's own list: the session of this browser. */
  current?: boolean;
}

/** Live sessions: since when, last seen, from where, which browser. */
export function SessionsTable({ sessions, label }: { sessions: SessionRow[]; label: string }) {
  return (
    <Table aria-label={label}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Since</Table.Th>
          <Table.Th>Last seen</Table.Th>
          <Table.Th>From</Table.Th>
          <Table.Th>Browser</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {sessions.map((x) => (
          <Table.Tr key={x.id}>
            <Table.Td>
              {formatTime(x.createdAt)}{' '}
              {x.current && (
                <Badge size="xs" variant="filled" color="dark.5" component="span">
                  this one
                </Badge>
              )}
            </Table.Td>
            <Table.Td>{formatTime(x.lastSeenAt)}</Table.Td>
            <Table.Td>{x.sourceAddress ?? ''}</Table.Td>
            <Table.Td>
              <Text size="xs" lineClamp={1}>
                {x.userAgent ?? ''}
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
