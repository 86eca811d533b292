import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { alert, alertDetail, ENDPOINT } from '../../../test-fixtures';
import { ADMIN, FakeEventSource, fakeApi, renderApp } from '../../../test-utils';

const PAGE = [alert(1), alert(2, { severity: 'critical' }), alert(3, { status: 'acknowledged', assignee: 'bob' })];

function api(extra: Parameters<typeof fakeApi>[0] = {}) {
  return fakeApi({
    'GET /api/auth/me': () => ({ body: ADMIN }),
    'GET /api/endpoints': () => ({ body: [ENDPOINT] }),
    'GET /api/alerts': () => ({ body: { items: PAGE, nextCursor: null } }),
    'GET /api/alerts/:id': () => ({ body: alertDetail() }),
    'PATCH /api/alerts': (r) => ({ body: { updated: (r.body as { ids: string[] }).ids.length } }),
    ...extra,
  });
}

const rows = () => screen.getAllByTestId('alert-row');

describe('the alert queue', () => {
  beforeEach(() => {
    FakeEventSource.instances = [];
    vi.stubGlobal('EventSource', FakeEventSource);
  });

  it('lists the alerts with the endpoint name and asks for open and acknowledged ones by default', async () => {
    const fake = api();
    renderApp('/alerts');
    expect(await screen.findByText(PAGE[0]!.title)).toBeInTheDocument();
    expect(rows()).toHaveLength(3);
    expect(within(rows()[0]!).getByText('web-01')).toBeInTheDocument();
    const list = fake.seen.find((r) => r.path === '/api/alerts')!;
    expect(list.query.getAll('status')).toEqual(['open', 'acknowledged']);
  });

  it('moves with j/k, selects with x and bulk-acknowledges the selection with the CSRF token', async () => {
    const fake = api();
    const { router } = renderApp('/alerts');
    await screen.findByText(PAGE[0]!.title);
    const user = userEvent.setup();
    await user.keyboard('jjx');
    expect(rows()[1]).toHaveAttribute('data-cursor', 'true');
    expect(rows()[1]).toHaveAttribute('data-selected', 'true');
    await user.keyboard('kx');
    expect(rows()[0]).toHaveAttribute('data-selected', 'true');
    expect(screen.getByText('2 selected')).toBeInTheDocument();

    await user.click(within(screen.getByLabelText('Bulk triage')).getByRole('button', { name: 'Acknowledge' }));
    await waitFor(() => expect(fake.seen.some((r) => r.method === 'PATCH')).toBe(true));
    const patch = fake.seen.find((r) => r.method === 'PATCH')!;
    const body = patch.body as { ids: string[]; status: string };
    expect({ ...body, ids: [...body.ids].sort() }).toEqual({ ids: ['alert-1', 'alert-2'], status: 'acknowledged' });
    expect(patch.headers.get('x-csrf-token')).toBe(ADMIN.csrfToken);
    expect(await screen.findByText('0 selected')).toBeInTheDocument();

    await user.keyboard('{Enter}');
    await waitFor(() => expect(router.state.location.pathname).toBe('/alerts/alert-1'));
  });

  it('puts a live alert on top when it matches the filters, and ignores one that does not', async () => {
    api();
    renderApp('/alerts');
    await screen.findByText(PAGE[0]!.title);
    await waitFor(() => expect(screen.getByTestId('stream-state')).toHaveTextContent('live'));
    const source = FakeEventSource.instances[0]!;
    expect(source.url).toBe('/api/alerts/stream');
    act(() => source.emit('alert', alert(0, { id: 'alert-live', title: 'a brand new alert' })));
    expect(await screen.findByText('a brand new alert')).toBeInTheDocument();
    expect(rows()[0]).toHaveAttribute('data-alert-id', 'alert-live');
    act(() => source.emit('alert', alert(9, { id: 'alert-resolved', title: 'already resolved', status: 'resolved' })));
    expect(screen.queryByText('already resolved')).not.toBeInTheDocument();
    expect(rows()).toHaveLength(4);
  });

  it('says so when nothing matches, and shows the server’s error when the list fails', async () => {
    api({ 'GET /api/alerts': () => ({ body: { items: [], nextCursor: null } }) });
    const first = renderApp('/alerts');
    expect(await screen.findByText(/No alerts match these filters/)).toBeInTheDocument();
    first.unmount();
    api({ 'GET /api/alerts': () => ({ status: 400, body: { error: { code: 'VALIDATION_FAILED', message: 'from must be an ISO time' } } }) });
    renderApp('/alerts');
    expect(await screen.findByText('from must be an ISO time')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
