import { Alert, Button, Center, Group, Paper, Stack, Title } from '@mantine/core';
import { useLogout } from '../hooks/useSession';
import type { Session } from '../types/session';
import { ChangePasswordForm } from './ChangePasswordForm';
import { TotpSection } from './TotpSection';

/** What a session must do before any screen: choose a new password (first login, after a reset) or enrol a second factor. */
export function PendingStepPage({ session }: { session: Session }) {
  const logout = useLogout();
  const password = session.pending === 'password_change';
  return (
    <Center mih="100vh" p="md">
      <Paper component="main" withBorder shadow="sm" p="xl" radius="md" w={520}>
        <Stack>
          <Title order={1} size="h2">
            {password ? 'Choose a new password' : 'Set up a second factor'}
          </Title>
          <Alert color="blue" role="note">
            {password
              ? 'The password you logged in with was given to you by someone else (or printed when Vigil was installed). Choose your own before going on.'
              : 'Admins must log in with an authenticator app as well as a password. Set it up before going on.'}
          </Alert>
          {password ? <ChangePasswordForm /> : <TotpSection enabled={false} />}
          <Group justify="flex-end">
            <Button variant="subtle" size="xs" onClick={() => logout.mutate()}>
              Log out
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Center>
  );
}
