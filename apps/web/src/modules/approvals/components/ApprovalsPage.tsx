import { Badge, Button, Card, Group, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { errorText } from '../../../api/errors';
import { formatTime } from '../../../components/format';
import { notify } from '../../../components/notify';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { AdminOnly } from '../../auth/components/AdminOnly';
import { useBaselineRequests, useDecideBaselineRequest, useSecuritySettings, useUpdateSettings } from '../hooks/useApprovals';

/** Admins: the security settings and the four-eyes queue of baseline acceptances. */
export default function ApprovalsPage() {
  return (
    <AdminOnly>
      <PageHeader title="Approvals" description="Analysts' requests to accept behaviour into a baseline, and the security settings." />
      <Stack>
        <SettingsCard />
        <Queue />
        <Decided />
      </Stack>
    </AdminOnly>
  );
}

function SettingsCard() {
  const settings = useSecuritySettings();
  const update = useUpdateSettings();
  return (
    <Card withBorder>
      <Title order={2} size="h5" mb="sm">
        Security settings
      </Title>
      <QueryState query={settings} what="the settings">
        {(s) => (
          <Stack gap="xs">
            <Switch
              label="Four-eyes baseline acceptance: an analyst's acceptance waits for an admin's approval"
              checked={s.fourEyesBaselineAcceptance}
              disabled={update.isPending}
              onChange={(e) => update.mutate({ fourEyesBaselineAcceptance: e.currentTarget.checked })}
            />
            <Switch
              label="Admins must log in with a second factor (TOTP)"
              checked={s.requireTotpForAdmins}
              disabled={update.isPending}
              onChange={(e) => update.mutate({ requireTotpForAdmins: e.currentTarget.checked })}
            />
            {update.isError && (
              <Text size="sm" c="red" role="alert">
                {errorText(update.error)}
              </Text>
            )}
          </Stack>
        )}
      </QueryState>
    </Card>
  );
}

function Queue() {
  const pending = useBaselineRequests('pending');
  const decide = useDecideBaselineRequest();
  const [reason, setReason] = useState('');
  const act = (id: string, approve: boolean) =>
    decide.mutate(
      { id, approve, reason: reason.trim() || undefined },
      {
        onSuccess: (r) => {
          notify({ color: approve ? 'green' : 'gray', message: `${approve ? 'Approved' : 'Rejected'}: ${r.program} (asked by ${r.requestedBy})` });
          setReason('');
        },
        onError: (err) => notify({ color: 'red', title: 'Could not decide', message: errorText(err) }),
      },
    );
  return (
    <Card withBorder>
      <Title order={2} size="h5" mb="sm">
        Waiting for approval
      </Title>
      <TextInput label="Reason (optional, kept in the audit log)" value={reason} onChange={(e) => setReason(e.currentTarget.value)} maw={480} mb="sm" />
      <QueryState query={pending} what="requests" isEmpty={(d) => d.length === 0} empty="Nothing waits for approval.">
        {(list) => (
          <Table aria-label="Waiting for approval">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Asked</Table.Th>
                <Table.Th>By</Table.Th>
                <Table.Th>Program</Table.Th>
                <Table.Th>Alert</Table.Th>
                <Table.Th>Decision</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((r) => (
                <Table.Tr key={r.id}>
                  <Table.Td>{formatTime(r.requestedAt)}</Table.Td>
                  <Table.Td>{r.requestedBy}</Table.Td>
                  <Table.Td>{r.program}</Table.Td>
                  <Table.Td>
                    <Link to={`/alerts/${encodeURIComponent(r.alertId)}`}>open alert</Link>
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs">
                      <Button size="xs" color="green.8" onClick={() => act(r.id, true)} loading={decide.isPending}>
                        Approve
                      </Button>
                      <Button size="xs" variant="default" onClick={() => act(r.id, false)} loading={decide.isPending}>
                        Reject
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Card>
  );
}

function Decided() {
  const all = useBaselineRequests();
  return (
    <Card withBorder>
      <Title order={2} size="h5" mb="sm">
        Decided
      </Title>
      <QueryState query={all} what="requests" isEmpty={(d) => d.every((r) => r.status === 'pending')} empty="No decisions yet.">
        {(list) => (
          <Table aria-label="Decided requests">
            <Table.Tbody>
              {list
                .filter((r) => r.status !== 'pending')
                .map((r) => (
                  <Table.Tr key={r.id}>
                    <Table.Td>{r.decidedAt ? formatTime(r.decidedAt) : ''}</Table.Td>
                    <Table.Td>
                      <Badge variant="filled" color={r.status === 'approved' ? 'green.9' : 'gray.7'}>
                        {r.status}
                      </Badge>
                    </Table.Td>
                    <Table.Td>{r.program}</Table.Td>
                    <Table.Td>
                      asked by {r.requestedBy}, decided by {r.decidedBy}
                      {r.reason ? `: ${r.reason}` : ''}
                    </Table.Td>
                  </Table.Tr>
                ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Card>
  );
}
