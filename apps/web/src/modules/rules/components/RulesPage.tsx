import { Anchor, Badge, Code, Group, List, SegmentedControl, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { useMemo, useState } from 'react';
import { PageHeader } from '../../../components/PageHeader';
import { QueryState } from '../../../components/QueryState';
import { coverageRows } from '../api/rules-api';
import { useRules } from '../hooks/useRules';
import type { DetectionRule } from '../types/rules';

const SEVERITY_COLOR: Record<string, string> = { low: 'gray', medium: 'yellow', high: 'orange', critical: 'red' };

/** The known-bad rules the analyzer runs, as an ATT&CK coverage table (tactic × technique × rule). */
export default function RulesPage() {
  const rules = useRules();
  const [filter, setFilter] = useState('');
  const [source, setSource] = useState('all');
  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return (rules.data ?? []).filter(
      (r) => (source === 'all' || r.source === source) && (!q || [r.id, r.title, r.technique, r.tactic, r.tacticName].some((x) => x.toLowerCase().includes(q))),
    );
  }, [rules.data, filter, source]);
  const rows = coverageRows(shown);
  return (
    <>
      <PageHeader title="Rules" description="Known-bad behaviour the analyzer detects from the first minute, by ATT&CK tactic and technique." />
      <Group mb="md" align="end">
        <TextInput label="Filter" placeholder="technique, tactic, rule" w={280} value={filter} onChange={(e) => setFilter(e.currentTarget.value)} />
        <SegmentedControl
          aria-label="Source"
          value={source}
          onChange={setSource}
          data={[
            { value: 'all', label: 'All' },
            { value: 'native', label: 'Vigil' },
            { value: 'sigma', label: 'Sigma' },
            { value: 'engine', label: 'Engine' },
          ]}
        />
      </Group>
      <QueryState query={rules} what="the rules" isEmpty={() => rows.length === 0} empty={rules.data?.length ? 'No rule matches.' : 'No rules published yet: the stream analyzer publishes its catalogue when it starts.'}>
        {() => (
          <>
            <Text size="sm" c="dimmed" mb="xs" data-testid="coverage-summary">
              {shown.length} rules · {rows.length} techniques · {new Set(rows.map((r) => r.tactic)).size} tactics
            </Text>
            <Table aria-label="Coverage" verticalSpacing={6}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={200}>Tactic</Table.Th>
                  <Table.Th w={110}>Technique</Table.Th>
                  <Table.Th>Rules</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row) => (
                  <Table.Tr key={`${row.tactic} ${row.technique}`} data-testid="coverage-row">
                    <Table.Td>
                      <Text size="sm">{row.tacticName}</Text>
                      <Text size="xs" c="dimmed">
                        {row.tactic}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Anchor href={`https://attack.mitre.org/techniques/${row.technique.replace('.', '/')}/`} target="_blank" rel="noreferrer" size="sm">
                        {row.technique}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <Stack gap={6}>
                        {row.rules.map((r) => (
                          <RuleLine key={r.id} rule={r} />
                        ))}
                      </Stack>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </>
        )}
      </QueryState>
    </>
  );
}

function RuleLine({ rule }: { rule: DetectionRule }) {
  return (
    <div>
      <Group gap={6} wrap="nowrap">
        <Badge size="xs" color={SEVERITY_COLOR[rule.severity] ?? 'gray'} variant="light">
          {rule.severity}
        </Badge>
        {rule.source === 'sigma' && (
          <Badge size="xs" variant="outline">
            Sigma
          </Badge>
        )}
        {rule.source === 'engine' && (
          <Tooltip label="a detection of the engine itself (a burst or a first run), not a rule file">
            <Badge size="xs" variant="outline" color="grape">
              engine
            </Badge>
          </Tooltip>
        )}
        {rule.baselineNever && (
          <Tooltip label="fires only once the program's baseline is active and never saw this">
            <Badge size="xs" variant="outline" color="gray">
              after learning
            </Badge>
          </Tooltip>
        )}
        <Text size="sm" fw={500}>
          {rule.title}
        </Text>
        <Code>{rule.id}</Code>
      </Group>
      <Text size="xs" c="dimmed">
        {rule.rationale}
      </Text>
      <List size="xs" c="dimmed">
        <List.Item>False positives: {rule.falsePositives.join('; ')}</List.Item>
        {rule.exceptions.length > 0 && <List.Item>Exceptions: {rule.exceptions.map((x) => x.name).join(', ')}</List.Item>}
      </List>
    </div>
  );
}
