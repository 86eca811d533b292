import { Button, Card, Group, Stack, Title } from '@mantine/core';
import { errorText } from '../../../api/errors';
import { notify } from '../../../components/notify';
import { QueryState } from '../../../components/QueryState';
import { SessionsTable } from './SessionsTable';
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
          <SessionsTable sessions={list} label="Your sessions" />
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
