import { Card, Stack, Title } from '@mantine/core';
import { PageHeader } from '../../../components/PageHeader';
import { useSession } from '../hooks/useSession';
import { ChangePasswordForm } from './ChangePasswordForm';
import { TotpSection } from './TotpSection';

/** The logged-in user's own password and second factor. */
export default function AccountPage() {
  const session = useSession().data;
  return (
    <Stack>
      <PageHeader title="Account" description="Your password and second factor. Changing the password ends your other sessions." />
      <Card withBorder>
        <Title order={2} size="h5" mb="sm">
          Password
        </Title>
        <ChangePasswordForm />
      </Card>
      <Card withBorder>
        <Title order={2} size="h5" mb="sm">
          Second factor
        </Title>
        <TotpSection enabled={session?.totpEnabled ?? false} />
      </Card>
    </Stack>
  );
}
