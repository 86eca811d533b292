import { describe, expect, it } from 'vitest';
import { DEFAULT_FILTERS } from '../components/AlertFiltersBar';
import { alertQuery, matchesFilters } from './alerts-api';
import { alert } from '../../../test-fixtures';

describe('alert filters', () => {
  it('send only what is set', () => {
    expect(alertQuery({ ...DEFAULT_FILTERS, program: ' /usr/bin/curl ', severity: ['high'] })).toEqual({
      status: ['open', 'acknowledged'],
      severity: ['high'],
      endpointId: undefined,
      program: '/usr/bin/curl',
      kind: undefined,
      from: undefined,
      q: undefined,
      cursor: undefined,
      limit: 50,
    });
  });

  it('decide whether a live alert belongs in the list', () => {
    const now = Date.parse('2026-12-01T12:30:00Z');
    const a = alert(1);
    expect(matchesFilters(a, DEFAULT_FILTERS, now)).toBe(true);
    expect(matchesFilters({ ...a, status: 'resolved' }, DEFAULT_FILTERS, now)).toBe(false);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, severity: ['critical'] }, now)).toBe(false);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, range: '1h' }, now)).toBe(true);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, range: '1h' }, now + 3_600_000)).toBe(false);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, q: 'PTRACE' }, now)).toBe(true);
    expect(matchesFilters(a, { ...DEFAULT_FILTERS, program: '/usr/bin/wget' }, now)).toBe(false);
  });
});
