import { Badge, Button, Card, Group, Stack, Table, Text, Title } from '@mantine/core';
import { errorText } from '../../../api/errors';
import { formatTime } from '../../../components/format';
import { notify } from '../../../components/notify';
import { QueryState } from '../../../components/QueryState';
import { useEndOtherSessions, useOwnSessions } from '../hooks/useAccount';
import { PageHeader } from '../../../components/PageHeader';
import { useSession } from '../hooks/useSession';
import { ChangePasswordForm } from './ChangePasswordForm';
import { TotpSection } from './TotpSection';

/** The logged-in user's own password and second factor. */
export default function AccountPage() {
  const session = useSession().data;
  return (
    <Stack>
      <PageHeader title="Account" description="Your password and second factor. Changing the password ends your other sessions." />
      <Card withBorder>
        <Title order={2} size="h5" mb="sm">
          Password
        </Title>
        <ChangePasswordForm />
      </Card>
      <Card withBorder>
        <Title order={2} size="h5" mb="sm">
          Second factor
        </Title>
        <TotpSection enabled={session?.totpEnabled ?? false} />
      </Card>
      <Card withBorder>
        <Title order={2} size="h5" mb="sm">
          Sessions
        </Title>
        <OwnSessions />
      </Card>
    </Stack>
  );
}

/** Where one is logged in; ending the others logs out a forgotten browser elsewhere. */
function OwnSessions() {
  const sessions = useOwnSessions();
  const end = useEndOtherSessions();
  return (
    <QueryState query={sessions} what="your sessions">
      {(list) => (
        <Stack>
          <Table aria-label="Your sessions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Since</Table.Th>
                <Table.Th>Last seen</Table.Th>
                <Table.Th>From</Table.Th>
                <Table.Th>Browser</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((x) => (
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
          <Group>
            <Button
              variant="light"
              color="red"
              disabled={list.length < 2}
              loading={end.isPending}
              onClick={() =>
                end.mutate(undefined, {
                  onSuccess: (r) => notify({ color: 'green', message: `${r.revoked} other session(s) ended` }),
                  onError: (err) => notify({ color: 'red', title: 'Could not end the sessions', message: errorText(err) }),
                })
              }
            >
              End my other sessions
            </Button>
          </Group>
        </Stack>
      )}
    </QueryState>
  );
}
