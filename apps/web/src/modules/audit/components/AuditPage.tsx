import { Button, Center, Code, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { formatTime } from '../../../components/format';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { AdminOnly } from '../../auth/components/AdminOnly';
import { useAudit } from '../hooks/useAudit';

/** Admins: every login, enrolment, triage and user change, newest first. */
export default function AuditPage() {
  return (
    <AdminOnly>
      <PageHeader title="Audit log" description="Who did what, from where." />
      <AuditList />
    </AdminOnly>
  );
}

function AuditList() {
  const [action, setAction] = useState('');
  const [actionQuery] = useDebouncedValue(action.trim(), 300);
  const audit = useAudit(actionQuery);
  const items = audit.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <TextInput label="Action" placeholder="e.g. auth.login_failed" w={260} mb="md" value={action} onChange={(e) => setAction(e.currentTarget.value)} />
      <QueryState query={audit} what="the audit log" isEmpty={() => items.length === 0} empty="No audit entries match.">
        {() => (
          <>
            <Table aria-label="Audit log" verticalSpacing={4}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={190}>Time</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th>Action</Table.Th>
                  <Table.Th>Target</Table.Th>
                  <Table.Th>From</Table.Th>
                  <Table.Th>Details</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td>
                      <Text size="sm">{formatTime(e.time)}</Text>
                    </Table.Td>
                    <Table.Td>{e.actor ?? '—'}</Table.Td>
                    <Table.Td>
                      <Code>{e.action}</Code>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" style={{ wordBreak: 'break-all' }}>
                        {e.target ?? '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td>{e.sourceAddress ?? '—'}</Table.Td>
                    <Table.Td>
                      <Text size="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>
                        {Object.keys(e.details).length ? JSON.stringify(e.details) : ''}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {audit.hasNextPage && (
              <Center mt="md">
                <Button variant="default" onClick={() => void audit.fetchNextPage()} loading={audit.isFetchingNextPage}>
                  Load more
                </Button>
              </Center>
            )}
          </>
        )}
      </QueryState>
    </>
  );
}
