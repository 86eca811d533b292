import { Code, List, Table, Text } from '@mantine/core';

/** The data behind the evidence sentence, shown as plain key/value rows (nested values as lists). */
export function EvidenceData({ data }: { data: unknown }) {
  if (data === null || data === undefined || typeof data !== 'object' || Object.keys(data).length === 0) return null;
  return (
    <Table withRowBorders={false} verticalSpacing={2} aria-label="Evidence data">
      <Table.Tbody>
        {Object.entries(data as Record<string, unknown>).map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th w={200} fw={500}>
              <Text size="sm">{humanKey(k)}</Text>
            </Table.Th>
            <Table.Td>
              <Value value={v} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** "novelSyscalls" / "novel_syscalls" → "novel syscalls". */
export function humanKey(k: string): string {
  return k.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function Value({ value }: { value: unknown }) {
  if (Array.isArray(value)) {
    if (value.length === 0) return <Text size="sm">none</Text>;
    if (value.every((v) => typeof v !== 'object' || v === null)) return <Text size="sm">{value.map(String).join(', ')}</Text>;
    return (
      <List size="sm" spacing={2}>
        {value.slice(0, 50).map((v, i) => (
          <List.Item key={i}>
            <Code>{JSON.stringify(v)}</Code>
          </List.Item>
        ))}
      </List>
    );
  }
  if (value !== null && typeof value === 'object') return <Code block>{JSON.stringify(value, null, 2)}</Code>;
  return <Text size="sm">{String(value)}</Text>;
}
