import { Button, Divider, Group, Modal, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useState } from 'react';
import { useSession } from '../../auth/hooks/useSession';
import { useAcceptIntoBaseline, useTriage } from '../hooks/useAlerts';
import type { AlertDetail } from '../types/alert';

/** Acknowledge, resolve, false positive, accept into baseline, assign, comment. */
export function AlertActions({ alert }: { alert: AlertDetail }) {
  const me = useSession().data?.username ?? '';
  const triage = useTriage();
  const accept = useAcceptIntoBaseline();
  const [assignee, setAssignee] = useState(alert.assignee ?? '');
  const [note, setNote] = useState('');
  const [confirming, confirm] = useDisclosure(false);
  const [scope, setScope] = useState<'endpoint' | 'fleet'>('endpoint');
  const ask = (s: 'endpoint' | 'fleet') => {
    setScope(s);
    confirm.open();
  };
  const change = (c: Parameters<typeof triage.mutate>[0]['change'], after?: () => void) => triage.mutate({ ids: [alert.id], change: c }, { onSuccess: after });
  const busy = triage.isPending;

  return (
    <Stack gap="sm">
      <Group gap="xs">
        <Button size="sm" disabled={alert.status === 'acknowledged'} loading={busy} onClick={() => change({ status: 'acknowledged' })}>
          Acknowledge
        </Button>
        <Button size="sm" color="green.8" disabled={alert.status === 'resolved'} loading={busy} onClick={() => change({ status: 'resolved' })}>
          Resolve
        </Button>
        <Button size="sm" color="gray.7" disabled={alert.status === 'false_positive'} loading={busy} onClick={() => change({ status: 'false_positive' })}>
          False positive
        </Button>
        {alert.status !== 'open' && (
          <Button size="sm" variant="default" loading={busy} onClick={() => change({ status: 'open' })}>
            Reopen
          </Button>
        )}
        <Button size="sm" variant="default" onClick={() => ask('endpoint')} loading={accept.isPending}>
          Accept into baseline
        </Button>
        {alert.acceptance && (
          <Button size="sm" variant="default" onClick={() => ask('fleet')} loading={accept.isPending}>
            Accept fleet-wide
          </Button>
        )}
      </Group>
      <Divider />
      <Group align="flex-end" gap="xs">
        <TextInput label="Assignee" placeholder="username" value={assignee} onChange={(e) => setAssignee(e.currentTarget.value)} w={200} />
        <Button size="sm" variant="default" loading={busy} disabled={assignee.trim() === (alert.assignee ?? '')} onClick={() => change({ assignee: assignee.trim() || null })}>
          Assign
        </Button>
        <Button size="sm" variant="subtle" loading={busy} disabled={alert.assignee === me} onClick={() => { setAssignee(me); change({ assignee: me }); }}>
          Assign to me
        </Button>
      </Group>
      <Textarea label="Comment" placeholder="What you found, what you did" autosize minRows={2} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
      <Group>
        <Button size="sm" variant="default" disabled={!note.trim()} loading={busy} onClick={() => change({ note: note.trim() }, () => setNote(''))}>
          Add comment
        </Button>
      </Group>
      <Modal opened={confirming} onClose={confirm.close} title="Accept into the baseline?">
        <Stack>
          <Text size="sm">
            The analyzer will treat this behaviour of <b>{alert.program}</b> {scope === 'fleet' ? 'on every endpoint that runs it' : 'on this endpoint'} as normal from now on and stop alerting on it. The decision is recorded in the audit log.
          </Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={confirm.close}>
              Cancel
            </Button>
            <Button color="violet.8" onClick={() => accept.mutate({ id: alert.id, scope }, { onSuccess: confirm.close })} loading={accept.isPending}>
              Accept
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
