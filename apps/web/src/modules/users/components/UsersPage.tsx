import { Alert, Badge, Button, Card, Code, Group, Modal, PasswordInput, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { notify } from '../../../components/notify';
import { useState, type FormEvent } from 'react';
import { errorText } from '../../../api/errors';
import { formatTime } from '../../../components/format';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { SessionsTable } from '../../auth/components/SessionsTable';
import { AdminOnly } from '../../auth/components/AdminOnly';
import { useSession } from '../../auth/hooks/useSession';
import { USER_ROLES } from '@vigil/api-client';
import type { Role } from '../../auth/types/session';
import type { User } from '../types/user';
import { useCreateUser, useResetPassword, useRevokeSessions, useUpdateUser, useUserSessions, useUsers } from '../hooks/useUsers';

/** Admins: who can log in, and adding people. */
export default function UsersPage() {
  return (
    <AdminOnly>
      <PageHeader title="Users" description="Analysts triage alerts; admins also enrol endpoints, manage users and read the audit log." />
      <NewUserForm />
      <UserList />
    </AdminOnly>
  );
}

function UserList() {
  const users = useUsers();
  const me = useSession().data;
  const [sessionsOf, setSessionsOf] = useState<User | null>(null);
  const [temporary, setTemporary] = useState<{ username: string; password: string } | null>(null);
  return (
    <QueryState query={users} what="users" isEmpty={(d) => d.length === 0}>
      {(list) => (
        <>
          <Table aria-label="Users">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Username</Table.Th>
                <Table.Th>Role</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th>Actions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((u) => (
                <Table.Tr key={u.id}>
                  <Table.Td>{u.username}</Table.Td>
                  <Table.Td>
                    <Badge variant="filled" color={u.role === 'admin' ? 'grape.9' : 'blue.8'}>
                      {u.role}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {u.disabled && (
                        <Badge variant="filled" color="red.9">
                          disabled
                        </Badge>
                      )}
                      {u.mustChangePassword && (
                        <Badge variant="outline" color="orange.9">
                          must change password
                        </Badge>
                      )}
                      {u.totpEnabled && (
                        <Badge variant="outline" color="teal.9">
                          2FA
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>{formatTime(u.createdAt)}</Table.Td>
                  <Table.Td>{u.id !== me?.userId && <UserActions user={u} onSessions={() => setSessionsOf(u)} onTemporary={(password) => setTemporary({ username: u.username, password })} />}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <SessionsModal user={sessionsOf} onClose={() => setSessionsOf(null)} />
          <Modal opened={temporary !== null} onClose={() => setTemporary(null)} title="Temporary password">
            <Stack>
              <Text size="sm">
                Give this to {temporary?.username} by a safe channel; it is shown only now and must be changed at the next login. Their sessions have ended.
              </Text>
              <Code block data-testid="temporary-password">
                {temporary?.password}
              </Code>
              <Group justify="flex-end">
                <Button onClick={() => setTemporary(null)}>Done</Button>
              </Group>
            </Stack>
          </Modal>
        </>
      )}
    </QueryState>
  );
}

/** Role, disable/enable, password reset, sessions: each ends the user's sessions (server side) and is audited. */
function UserActions({ user, onSessions, onTemporary }: { user: User; onSessions: () => void; onTemporary: (password: string) => void }) {
  const update = useUpdateUser();
  const reset = useResetPassword();
  const failed = (title: string) => (err: unknown) => notify({ color: 'red', title, message: errorText(err) });
  const busy = update.isPending || reset.isPending;
  return (
    <Group gap={4} wrap="nowrap">
      <Button size="compact-xs" variant="default" disabled={busy} aria-label={`Make ${user.username} ${user.role === 'admin' ? 'analyst' : 'admin'}`}
        onClick={() => update.mutate({ id: user.id, role: user.role === 'admin' ? 'analyst' : 'admin' }, { onError: failed('Could not change the role') })}>
        Make {user.role === 'admin' ? 'analyst' : 'admin'}
      </Button>
      <Button size="compact-xs" variant="default" color={user.disabled ? undefined : 'red'} disabled={busy} aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.username}`}
        onClick={() => update.mutate({ id: user.id, disabled: !user.disabled }, { onError: failed('Could not change the user') })}>
        {user.disabled ? 'Enable' : 'Disable'}
      </Button>
      <Button size="compact-xs" variant="default" disabled={busy} aria-label={`Reset the password of ${user.username}`}
        onClick={() => reset.mutate(user.id, { onSuccess: (r) => onTemporary(r.temporaryPassword), onError: failed('Could not reset the password') })}>
        Reset password
      </Button>
      <Button size="compact-xs" variant="default" aria-label={`Sessions of ${user.username}`} onClick={onSessions}>
        Sessions
      </Button>
    </Group>
  );
}

function SessionsModal({ user, onClose }: { user: User | null; onClose: () => void }) {
  const sessions = useUserSessions(user?.id ?? null);
  const revoke = useRevokeSessions();
  return (
    <Modal opened={user !== null} onClose={onClose} title={`Sessions of ${user?.username ?? ''}`} size="lg">
      <Stack>
        <QueryState query={sessions} what="sessions" isEmpty={(d) => d.length === 0} empty="No live session.">
          {(list) => (
            <SessionsTable sessions={list} label="Sessions" />
          )}
        </QueryState>
        <Group justify="flex-end">
          <Button
            color="red"
            variant="light"
            disabled={!user}
            loading={revoke.isPending}
            onClick={() =>
              user &&
              revoke.mutate(user.id, {
                onSuccess: (r) => notify({ color: 'green', message: `${r.revoked} session(s) ended` }),
                onError: (err) => notify({ color: 'red', title: 'Could not end the sessions', message: errorText(err) }),
              })
            }
          >
            End all sessions
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function NewUserForm() {
  const create = useCreateUser();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('analyst');
  const [password, setPassword] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { username: username.trim(), role, password },
      {
        onSuccess: (u) => {
          notify({ color: 'green', message: `User ${u.username} created` });
          setUsername('');
          setPassword('');
        },
      },
    );
  };
  return (
    <Card withBorder mb="md">
      <Title order={2} size="h5" mb="xs">
        Add a user
      </Title>
      <form onSubmit={submit}>
        <Group align="flex-end">
          <TextInput label="Username" required value={username} onChange={(e) => setUsername(e.currentTarget.value)} w={200} />
          <Select label="Role" data={[...USER_ROLES]} value={role} onChange={(v) => setRole((v as Role | null) ?? 'analyst')} allowDeselect={false} w={140} />
          <PasswordInput label="Password" description="12+ characters; they must change it at first login" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} w={240} autoComplete="new-password" />
          <Button type="submit" loading={create.isPending}>
            Create
          </Button>
        </Group>
      </form>
      {create.isError && (
        <Alert color="red" mt="sm" role="alert" title="Could not create the user">
          <Text size="sm">{errorText(create.error)}</Text>
        </Alert>
      )}
    </Card>
  );
}
