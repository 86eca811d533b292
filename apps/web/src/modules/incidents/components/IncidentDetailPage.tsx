import { Anchor, Badge, Breadcrumbs, Button, Card, Group, Stack, Text, Textarea, Timeline, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { formatNumber, formatTime } from '../../../components/format';
import { QueryState } from '../../../components/QueryState';
import { mitreUrl } from '../../alerts/components/MitreLink';
import { SeverityBadge } from '../../alerts/components/SeverityBadge';
import { StatusBadge } from '../../alerts/components/StatusBadge';
import { useEndpointNames } from '../../endpoints/hooks/useEndpoints';
import { useIncident, useIncidentTriage } from '../hooks/useIncidents';
import type { IncidentDetail } from '../types/incident';
import { IncidentTree } from './IncidentTree';

/** One incident as a story: what happened (timeline), in which process tree, which techniques; triage for all its alerts. */
export default function IncidentDetailPage() {
  const { id = '' } = useParams();
  const incident = useIncident(id);
  return (
    <>
      <Breadcrumbs mb="sm">
        <Anchor component={Link} to="/incidents" size="sm">
          Incidents
        </Anchor>
        <Text size="sm">{id}</Text>
      </Breadcrumbs>
      <QueryState query={incident} what="the incident">
        {(i) => <IncidentView incident={i} />}
      </QueryState>
    </>
  );
}

function IncidentView({ incident: i }: { incident: IncidentDetail }) {
  const endpointName = useEndpointNames();
  const triage = useIncidentTriage(i.id);
  const [note, setNote] = useState('');
  return (
    <Stack gap="md">
      <div>
        <Group gap="xs">
          <SeverityBadge severity={i.severity} />
          <StatusBadge status={i.status} />
          <Title order={1} size="h3">
            {i.title}
          </Title>
        </Group>
        <Text size="sm" c="dimmed">
          {formatNumber(i.alertCount)} alerts on{' '}
          <Anchor component={Link} to={`/endpoints/${i.endpointId}`} size="sm">
            {endpointName(i.endpointId)}
          </Anchor>{' '}
          from {formatTime(i.firstSeen)} to {formatTime(i.lastSeen)} · rank {i.rank.toFixed(0)} (severity × rarity){i.assignee ? ` · assigned to ${i.assignee}` : ''}
        </Text>
        <Group gap={4} mt="xs" aria-label="Techniques">
          {i.techniques.length === 0 && (
            <Text size="sm" c="dimmed">
              no ATT&CK technique mapped
            </Text>
          )}
          {i.techniques.map((t) => (
            <Badge key={t} component="a" href={mitreUrl(t)} target="_blank" rel="noreferrer noopener" variant="light" style={{ cursor: 'pointer' }}>
              {t}
            </Badge>
          ))}
        </Group>
      </div>
      <Card withBorder>
        <Title order={2} size="h4" mb="xs">
          Triage (applies to every alert of the incident)
        </Title>
        <Group gap="xs" mb="xs">
          <Button size="sm" disabled={i.status === 'acknowledged'} loading={triage.isPending} onClick={() => triage.mutate({ status: 'acknowledged' })}>
            Acknowledge
          </Button>
          <Button size="sm" color="green.8" disabled={i.status === 'resolved'} loading={triage.isPending} onClick={() => triage.mutate({ status: 'resolved', note: note.trim() || undefined }, { onSuccess: () => setNote('') })}>
            Resolve
          </Button>
          <Button size="sm" color="gray.7" disabled={i.status === 'false_positive'} loading={triage.isPending} onClick={() => triage.mutate({ status: 'false_positive', note: note.trim() || undefined }, { onSuccess: () => setNote('') })}>
            False positive
          </Button>
          {i.status !== 'open' && (
            <Button size="sm" variant="default" loading={triage.isPending} onClick={() => triage.mutate({ status: 'open' })}>
              Reopen
            </Button>
          )}
        </Group>
        <Textarea label="Comment (added to each alert)" autosize minRows={2} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="xs">
          Timeline
        </Title>
        <Timeline bulletSize={14} lineWidth={2} aria-label="Incident timeline">
          {i.alerts.map((a) => (
            <Timeline.Item key={a.id} title={<Anchor component={Link} to={`/alerts/${a.id}`} size="sm" fw={500}>{a.title}</Anchor>}>
              <Group gap="xs">
                <SeverityBadge severity={a.severity} />
                {a.mitre && (
                  <Badge variant="light" size="sm">
                    {a.mitre}
                  </Badge>
                )}
                <Text size="xs" c="dimmed">
                  {formatTime(a.time)} · {a.program} (pid {a.pid}) · {a.kind}
                  {a.count > 1 ? ` · ×${formatNumber(a.count)}` : ''} · {a.endpointsWithSame <= 1 ? 'only this endpoint' : `${a.endpointsWithSame} endpoints`}
                </Text>
              </Group>
            </Timeline.Item>
          ))}
        </Timeline>
      </Card>
      <Card withBorder>
        <Title order={2} size="h4" mb="xs">
          Process tree
        </Title>
        <IncidentTree processes={i.processes} alerts={i.alerts} />
      </Card>
    </Stack>
  );
}
