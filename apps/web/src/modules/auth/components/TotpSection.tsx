import { Alert, Button, Code, Group, List, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { errorText } from '../../../api/errors';
import { notify } from '../../../components/notify';
import { useRefreshSession, useTotpDisable, useTotpEnable, useTotpSetup } from '../hooks/useAccount';

/** Second factor (TOTP, RFC 6238): enrol with an authenticator app, keep the recovery codes, or turn it off. */
export function TotpSection({ enabled }: { enabled: boolean }) {
  const setup = useTotpSetup();
  const enable = useTotpEnable();
  const refreshSession = useRefreshSession();
  const [code, setCode] = useState('');

  if (enable.data) {
    return (
      <Stack>
        <Alert color="green" title="Second factor on">
          Keep these recovery codes somewhere safe: each one works once instead of a code, and they are shown only now.
        </Alert>
        <List aria-label="Recovery codes" spacing={2}>
          {enable.data.recoveryCodes.map((c) => (
            <List.Item key={c}>
              <Code>{c}</Code>
            </List.Item>
          ))}
        </List>
        <Group>
          <Button onClick={() => void refreshSession()}>I have saved them</Button>
        </Group>
      </Stack>
    );
  }
  if (enabled) return <DisableTotpForm />;

  const confirm = (e: FormEvent) => {
    e.preventDefault();
    enable.mutate(code.trim());
  };
  return (
    <Stack>
      <Text size="sm">Log in with a code from an authenticator app as well as your password.</Text>
      {!setup.data ? (
        <Group>
          <Button onClick={() => setup.mutate()} loading={setup.isPending}>
            Set up an authenticator app
          </Button>
        </Group>
      ) : (
        <form onSubmit={confirm} aria-label="Confirm authenticator">
          <Stack maw={460}>
            <Text size="sm">
              In your authenticator app, add an account with this key (or open the link on the phone that has the app):
            </Text>
            <Code block data-testid="totp-secret">
              {setup.data.secret}
            </Code>
            <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
              <a href={setup.data.uri}>{setup.data.uri}</a>
            </Text>
            <TextInput label="Code from the app" name="totp-code" autoComplete="one-time-code" inputMode="numeric" required value={code} onChange={(e) => setCode(e.currentTarget.value)} />
            <Button type="submit" loading={enable.isPending}>
              Turn on
            </Button>
          </Stack>
        </form>
      )}
      {(setup.isError || enable.isError) && (
        <Alert color="red" role="alert" title="Could not set up the second factor">
          <Text size="sm">{errorText(setup.error ?? enable.error)}</Text>
        </Alert>
      )}
    </Stack>
  );
}

function DisableTotpForm() {
  const disable = useTotpDisable();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    disable.mutate({ password, code: code.trim() }, { onSuccess: () => notify({ color: 'green', message: 'Second factor turned off.' }) });
  };
  return (
    <form onSubmit={submit} aria-label="Turn off the second factor">
      <Stack maw={380}>
        <Text size="sm">The second factor is on. To turn it off, enter your password and a current code.</Text>
        <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
        <TextInput label="Code" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.currentTarget.value)} />
        {disable.isError && (
          <Alert color="red" role="alert" title="Could not turn it off">
            <Text size="sm">{errorText(disable.error)}</Text>
          </Alert>
        )}
        <Button type="submit" color="red" variant="light" loading={disable.isPending}>
          Turn off
        </Button>
      </Stack>
    </form>
  );
}
