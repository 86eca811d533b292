import { Alert, Badge, Button, Card, Group, PasswordInput, Select, Table, Text, TextInput, Title } from '@mantine/core';
import { notify } from '../../../components/notify';
import { useState, type FormEvent } from 'react';
import { errorText } from '../../../api/errors';
import { formatTime } from '../../../components/format';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { AdminOnly } from '../../auth/components/AdminOnly';
import { useCreateUser, useUsers } from '../hooks/useUsers';

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
  return (
    <QueryState query={users} what="users" isEmpty={(d) => d.length === 0}>
      {(list) => (
        <Table aria-label="Users">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Username</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Created</Table.Th>
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
                <Table.Td>{formatTime(u.createdAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </QueryState>
  );
}

function NewUserForm() {
  const create = useCreateUser();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<'analyst' | 'admin'>('analyst');
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
          <Select label="Role" data={['analyst', 'admin']} value={role} onChange={(v) => setRole((v as 'analyst' | 'admin') ?? 'analyst')} allowDeselect={false} w={140} />
          <PasswordInput label="Password" description="at least 12 characters" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} w={240} autoComplete="new-password" />
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
