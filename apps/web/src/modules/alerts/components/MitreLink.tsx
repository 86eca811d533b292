import { Anchor, Text } from '@mantine/core';

/** ATT&CK technique page: T1003.008 → /techniques/T1003/008/. */
export function mitreUrl(technique: string): string {
  return `https://attack.mitre.org/techniques/${technique.trim().toUpperCase().replace('.', '/')}/`;
}

export function MitreLink({ technique }: { technique: string | null }) {
  if (!technique) {
    return (
      <Text size="sm" c="dimmed">
        no ATT&CK technique mapped
      </Text>
    );
  }
  return (
    <Anchor href={mitreUrl(technique)} target="_blank" rel="noreferrer noopener" size="sm">
      MITRE ATT&CK {technique}
    </Anchor>
  );
}
