import { Alert, Button, Group, Modal, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorText } from '../../../api/errors';
import { REAUTH_KEY } from '../../../app/query-client';
import { notify } from '../../../components/notify';
import { useReauth } from '../hooks/useAccount';
import { useSession } from '../hooks/useSession';

/**
 * Opens when an admin action was refused for want of a recent password (REAUTH_REQUIRED, see
 * app/query-client.ts): the password (and code) again, then the action can be repeated.
 */
export function ReauthModal() {
  const qc = useQueryClient();
  const open = useQuery({ queryKey: REAUTH_KEY, queryFn: () => false, staleTime: Infinity, initialData: false }).data;
  const totpEnabled = useSession().data?.totpEnabled ?? false;
  const reauth = useReauth();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const close = () => {
    qc.setQueryData(REAUTH_KEY, false);
    setPassword('');
    setCode('');
    reauth.reset();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    reauth.mutate(
      { password, totp: totpEnabled ? code.trim() : undefined },
      {
        onSuccess: () => {
          close();
          notify({ color: 'green', message: 'Confirmed: repeat the action (admin actions are allowed for the next 10 minutes).' });
        },
      },
    );
  };
  return (
    <Modal opened={open} onClose={close} title="Confirm it is you">
      <form onSubmit={submit} aria-label="Confirm it is you">
        <Stack>
          <Text size="sm">Changing users, keys or settings needs your password entered within the last 10 minutes.</Text>
          <PasswordInput label="Password" name="reauth-password" autoComplete="current-password" required data-autofocus value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          {totpEnabled && <TextInput label="Authenticator code" autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.currentTarget.value)} />}
          {reauth.isError && (
            <Alert color="red" role="alert" title="Not confirmed">
              {errorText(reauth.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={reauth.isPending}>
              Confirm
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
