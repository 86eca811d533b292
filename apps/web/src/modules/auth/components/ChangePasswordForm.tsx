import { Alert, Button, PasswordInput, Stack, Text } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { errorText } from '../../../api/errors';
import { notify } from '../../../components/notify';
import { useChangePassword } from '../hooks/useAccount';

/** Own password: current one, new one twice. The server ends every other session of the user. */
export function ChangePasswordForm() {
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const mismatch = again.length > 0 && next !== again;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    change.mutate(
      { currentPassword: current, newPassword: next },
      {
        onSuccess: (r) => {
          notify({ color: 'green', message: `Password changed${r.otherSessionsEnded ? `; ${r.otherSessionsEnded} other session(s) ended` : ''}.` });
          setCurrent('');
          setNext('');
          setAgain('');
        },
      },
    );
  };
  return (
    <form onSubmit={submit} aria-label="Change password">
      <Stack maw={380}>
        <PasswordInput label="Current password" name="current-password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.currentTarget.value)} />
        <PasswordInput
          label="New password"
          name="new-password"
          description="12 to 256 characters, not a common password"
          autoComplete="new-password"
          required
          value={next}
          onChange={(e) => setNext(e.currentTarget.value)}
        />
        <PasswordInput
          label="New password again"
          name="new-password-again"
          autoComplete="new-password"
          required
          value={again}
          error={mismatch ? 'the two new passwords differ' : undefined}
          onChange={(e) => setAgain(e.currentTarget.value)}
        />
        {change.isError && (
          <Alert color="red" role="alert" title="Could not change the password">
            <Text size="sm">{errorText(change.error)}</Text>
          </Alert>
        )}
        <Button type="submit" loading={change.isPending} disabled={mismatch}>
          Change password
        </Button>
      </Stack>
    </form>
  );
}
