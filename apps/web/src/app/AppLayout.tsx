import { AppShell, Badge, Button, Group, NavLink, ScrollArea, Text, Title } from '@mantine/core';
import { Suspense } from 'react';
import { NavLink as RouterNavLink, Outlet, useNavigation } from 'react-router';
import { ReauthModal } from '../modules/auth/components/ReauthModal';
import { useLogout, useSession } from '../modules/auth/hooks/useSession';
import { ColorSchemeToggle } from './ColorSchemeToggle';
import { RouteLoading } from './RouteLoading';

const NAV = [
  { to: '/', label: 'Overview', end: true },
  { to: '/incidents', label: 'Incidents' },
  { to: '/alerts', label: 'Alerts' },
  { to: '/endpoints', label: 'Endpoints' },
  { to: '/baselines', label: 'Baselines' },
  { to: '/rules', label: 'Rules' },
] as const;

const ADMIN_NAV = [
  { to: '/approvals', label: 'Approvals' },
  { to: '/users', label: 'Users' },
  { to: '/audit', label: 'Audit log' },
] as const;

/** The frame around every screen once logged in: navigation, who is logged in, dark mode, log out. */
export function AppLayout() {
  const session = useSession().data;
  const logoutMutation = useLogout();
  const navigation = useNavigation();
  const links = [...(session?.role === 'admin' ? [...NAV, ...ADMIN_NAV] : NAV), { to: '/account', label: 'Account' }];

  return (
    <AppShell header={{ height: 52 }} navbar={{ width: 200, breakpoint: 0 }} padding="lg">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="xs">
            <Title order={2} size="h4">
              Vigil
            </Title>
            <Text size="xs" c="dimmed">
              endpoint security monitoring
            </Text>
          </Group>
          <Group gap="sm">
            <Text size="sm" data-testid="current-user">
              {session?.username}{' '}
              <Badge size="xs" variant="filled" color="dark.5" component="span">
                {session?.role}
              </Badge>
            </Text>
            <ColorSchemeToggle />
            <Button size="xs" variant="subtle" onClick={() => logoutMutation.mutate()} loading={logoutMutation.isPending}>
              Log out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <ScrollArea>
          {links.map((l) => (
            <NavLink key={l.to} component={RouterNavLink} to={l.to} end={'end' in l ? l.end : false} label={l.label} variant="filled" />
          ))}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        {navigation.state === 'loading' && <RouteLoading overlay />}
        <Suspense fallback={<RouteLoading />}>
          <Outlet />
        </Suspense>
        <ReauthModal />
      </AppShell.Main>
    </AppShell>
  );
}
