import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ADMIN, fakeApi, renderApp } from '../../../test-utils';
import type { DetectionRule } from '../types/rules';

const rule = (id: string, tactic: string, tacticName: string, technique: string, over: Partial<DetectionRule> = {}): DetectionRule => ({
  id,
  title: `Title of ${id}`,
  tactic,
  tacticName,
  technique,
  severity: 'high',
  maturity: 'stable',
  source: 'native',
  file: 'x.yaml',
  event: 'file',
  baselineNever: false,
  rationale: `Why ${id}`,
  falsePositives: ['admins'],
  exceptions: [{ name: 'password-tools' }],
  publishedAt: '2026-12-06T04:00:00.000Z',
  ...over,
});

const RULES = [
  rule('reverse-shell-command', 'TA0002', 'Execution', 'T1059.004'),
  rule('sigma-curl-pipe', 'TA0002', 'Execution', 'T1059.004', { source: 'sigma' }),
  rule('credential-file-read', 'TA0006', 'Credential Access', 'T1003.008'),
];

describe('the rules page', () => {
  it('shows the coverage table: one row per tactic and technique with its rules', async () => {
    fakeApi({ 'GET /api/auth/me': () => ({ body: ADMIN }), 'GET /api/rules': () => ({ body: RULES }) });
    renderApp('/rules');
    expect(await screen.findByText('Title of credential-file-read')).toBeInTheDocument();
    const rows = screen.getAllByTestId('coverage-row');
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByText('T1059.004')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('reverse-shell-command')).toBeInTheDocument();
    expect(within(rows[0]!).getByText('sigma-curl-pipe')).toBeInTheDocument();
    expect(within(rows[1]!).getByText('Credential Access')).toBeInTheDocument();
    expect(screen.getByTestId('coverage-summary')).toHaveTextContent('3 rules · 2 techniques · 2 tactics');
  });

  it('filters by text and by source', async () => {
    fakeApi({ 'GET /api/auth/me': () => ({ body: ADMIN }), 'GET /api/rules': () => ({ body: RULES }) });
    renderApp('/rules');
    await screen.findByText('Title of credential-file-read');
    await userEvent.type(screen.getByLabelText('Filter'), 'T1003');
    expect(screen.getAllByTestId('coverage-row')).toHaveLength(1);
    await userEvent.clear(screen.getByLabelText('Filter'));
    await userEvent.click(screen.getByRole('radio', { name: 'Sigma' }));
    expect(screen.getAllByTestId('coverage-row')).toHaveLength(1);
    expect(screen.getByText('sigma-curl-pipe')).toBeInTheDocument();
  });

  it("marks the engine's own detections and filters them", async () => {
    const withEngine = [...RULES, rule('login-brute-force', 'TA0006', 'Credential Access', 'T1110', { source: 'engine', file: 'engine', event: 'network' })];
    fakeApi({ 'GET /api/auth/me': () => ({ body: ADMIN }), 'GET /api/rules': () => ({ body: withEngine }) });
    renderApp('/rules');
    await screen.findByText('Title of login-brute-force');
    await userEvent.click(screen.getByRole('radio', { name: 'Engine' }));
    const rows = screen.getAllByTestId('coverage-row');
    expect(rows).toHaveLength(1);
    expect(within(rows[0]!).getByText('T1110')).toBeInTheDocument();
    expect(screen.getAllByText('engine').length).toBeGreaterThanOrEqual(1);
  });

  it('says so when no analyzer has published its catalogue yet', async () => {
    fakeApi({ 'GET /api/auth/me': () => ({ body: ADMIN }), 'GET /api/rules': () => ({ body: [] }) });
    renderApp('/rules');
    expect(await screen.findByText(/the stream analyzer publishes its catalogue when it starts/)).toBeInTheDocument();
  });
});
