import { createBrowserRouter, type RouteObject } from 'react-router';
import { SessionGate } from '../modules/auth/components/SessionGate';
import { AppLayout } from './AppLayout';
import { RouteError } from './RouteError';

/**
 * Each screen is its own chunk (route-level code splitting): the first load carries only the shell,
 * the login form and the data layer; charts load with the screens that draw them.
 */
const screen = (load: () => Promise<{ default: React.ComponentType }>): Pick<RouteObject, 'lazy'> => ({
  lazy: async () => ({ Component: (await load()).default }),
});

export const routes: RouteObject[] = [
  {
    path: '/',
    element: (
      <SessionGate>
        <AppLayout />
      </SessionGate>
    ),
    errorElement: <RouteError />,
    children: [
      { index: true, ...screen(() => import('../modules/overview/components/OverviewPage')) },
      { path: 'alerts', ...screen(() => import('../modules/alerts/components/AlertsPage')) },
      { path: 'alerts/:id', ...screen(() => import('../modules/alerts/components/AlertDetailPage')) },
      { path: 'incidents', ...screen(() => import('../modules/incidents/components/IncidentsPage')) },
      { path: 'incidents/:id', ...screen(() => import('../modules/incidents/components/IncidentDetailPage')) },
      { path: 'endpoints', ...screen(() => import('../modules/endpoints/components/EndpointsPage')) },
      { path: 'endpoints/:id', ...screen(() => import('../modules/endpoints/components/EndpointDetailPage')) },
      { path: 'baselines', ...screen(() => import('../modules/baselines/components/BaselinesPage')) },
      { path: 'rules', ...screen(() => import('../modules/rules/components/RulesPage')) },
      { path: 'users', ...screen(() => import('../modules/users/components/UsersPage')) },
      { path: 'audit', ...screen(() => import('../modules/audit/components/AuditPage')) },
      { path: 'approvals', ...screen(() => import('../modules/approvals/components/ApprovalsPage')) },
      { path: 'account', ...screen(() => import('../modules/auth/components/AccountPage')) },
      { path: '*', Component: RouteError },
    ],
  },
];

export const createRouter = () => createBrowserRouter(routes);
