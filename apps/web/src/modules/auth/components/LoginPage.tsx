import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { errorText } from '../../../api/errors';
import { useLogin } from '../hooks/useSession';

/** The login form: shown in place of every screen while there is no session. */
export function LoginPage() {
  const loginMutation = useLogin();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    loginMutation.mutate({ username, password });
  };

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
            {loginMutation.isError && (
              <Alert color="red" role="alert" title="Could not log in">
                {errorText(loginMutation.error)}
              </Alert>
            )}
            <TextInput label="Username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} />
            <PasswordInput label="Password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
            <Button type="submit" loading={loginMutation.isPending}>
              Log in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
