import { Alert, Button, Code, CopyButton, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { errorText } from '../../../api/errors';
import { useEnrolEndpoint } from '../hooks/useEndpoints';

export const INSTALL_COMMAND = 'sudo deploy/agent/install.sh agent.conf';

/** Enrol an endpoint: the key is shown this once; the agent config file downloads as agent.conf. */
export function AddEndpointModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const enrol = useEnrolEndpoint();
  const [name, setName] = useState('');
  const close = () => {
    enrol.reset();
    setName('');
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    enrol.mutate(name.trim());
  };
  const result = enrol.data;
  return (
    <Modal opened={opened} onClose={close} title={result ? `Endpoint ${result.name} enrolled` : 'Add endpoint'} size="lg">
      {result ? (
        <Stack>
          <Alert color="yellow" title="Copy the key now">
            This is the only time the key is shown: Vigil keeps only its hash. It is also inside the config file.
          </Alert>
          <div>
            <Text size="sm" fw={500}>
              Endpoint key
            </Text>
            <Group gap="xs" wrap="nowrap">
              <Code data-testid="endpoint-key" style={{ wordBreak: 'break-all' }}>
                {result.key}
              </Code>
              <CopyButton value={result.key}>{({ copied, copy }) => <Button size="xs" variant="light" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
            </Group>
          </div>
          <ConfigDownload config={result.config} />
          <div>
            <Text size="sm" fw={500}>
              Then, on the endpoint, from a Vigil checkout:
            </Text>
            <Group gap="xs" wrap="nowrap">
              <Code data-testid="install-command">{INSTALL_COMMAND}</Code>
              <CopyButton value={INSTALL_COMMAND}>{({ copied, copy }) => <Button size="xs" variant="light" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
            </Group>
          </div>
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit}>
          <Stack>
            {enrol.isError && (
              <Alert color="red" title="Could not enrol" role="alert">
                {errorText(enrol.error)}
              </Alert>
            )}
            <TextInput
              label="Name"
              description="Letters, digits and . _ - (e.g. the host name)"
              placeholder="web-01"
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              data-autofocus
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={enrol.isPending} disabled={!name.trim()}>
                Enrol
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

/** A download link for the config text (a Blob URL: no request to the server, nothing cached). */
function ConfigDownload({ config }: { config: string }) {
  const url = useMemo(() => URL.createObjectURL(new Blob([config], { type: 'text/plain' })), [config]);
  useEffect(() => () => URL.revokeObjectURL(url), [url]);
  return (
    <div>
      <Text size="sm" fw={500}>
        Agent config file
      </Text>
      <Group gap="xs">
        <Button component="a" href={url} download="agent.conf" size="xs">
          Download agent.conf
        </Button>
        <Text size="xs" c="dimmed">
          It holds the key: copy it to the endpoint and delete the download.
        </Text>
      </Group>
    </div>
  );
}
