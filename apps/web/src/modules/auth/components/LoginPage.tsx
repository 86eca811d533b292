import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { ApiRequestError, errorText } from '../../../api/errors';
import { useLogin } from '../hooks/useSession';

/** The login form: shown in place of every screen while there is no session. Asks for a code when the account has a second factor. */
export function LoginPage() {
  const loginMutation = useLogin();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [needsCode, setNeedsCode] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    loginMutation.mutate(
      { username, password, totp: needsCode ? totp.trim() : undefined },
      { onError: (err) => err instanceof ApiRequestError && err.code === 'TOTP_REQUIRED' && setNeedsCode(true) },
    );
  };
  const codeAsked = loginMutation.error instanceof ApiRequestError && loginMutation.error.code === 'TOTP_REQUIRED';

  return (
    <Center mih="100vh" p="md">
      <Paper component="main" withBorder shadow="sm" p="xl" radius="md" w={380}>
        <form onSubmit={submit} aria-label="Log in">
          <Stack>
            <div>
              <Title order={1} size="h2">
                Vigil
              </Title>
              <Text c="dimmed" size="sm">
                Log in to see endpoints and alerts.
              </Text>
            </div>
            {loginMutation.isError && !codeAsked && (
              <Alert color="red" role="alert" title="Could not log in">
                {errorText(loginMutation.error)}
              </Alert>
            )}
            <TextInput label="Username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} />
            <PasswordInput label="Password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
            {needsCode && (
              <TextInput
                label="Authenticator code"
                description="6 digits from your app, or one of your recovery codes"
                name="totp"
                autoComplete="one-time-code"
                inputMode="numeric"
                required
                autoFocus
                value={totp}
                onChange={(e) => setTotp(e.currentTarget.value)}
              />
            )}
            <Button type="submit" loading={loginMutation.isPending}>
              Log in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
