import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { matchesFilters } from '../api/alerts-api';
import type { Alert, AlertFilters } from '../types/alert';
import { alertsKey, type AlertPages } from './useAlerts';

export type StreamState = 'connecting' | 'live' | 'reconnecting';

/**
 * Live arrival: new alerts from GET /api/alerts/stream (server-sent events, event "alert") go on top of
 * the list these filters show. The browser reconnects by itself; the list refetches after a gap so
 * nothing raised while disconnected is missed.
 */
export function useAlertStream(filters: AlertFilters, onArrival?: (a: Alert) => void): { state: StreamState; arrived: Set<string> } {
  const qc = useQueryClient();
  const [state, setState] = useState<StreamState>('connecting');
  const [arrived, setArrived] = useState<Set<string>>(() => new Set());
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const onArrivalRef = useRef(onArrival);
  onArrivalRef.current = onArrival;

  useEffect(() => {
    const source = new EventSource('/api/alerts/stream');
    let wasLive = false;
    source.onopen = () => {
      setState('live');
      if (wasLive) void qc.invalidateQueries({ queryKey: alertsKey() });
      wasLive = true;
    };
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'reconnecting' : 'connecting');
    source.addEventListener('alert', (ev) => {
      const alert = JSON.parse((ev as MessageEvent<string>).data) as Alert;
      const f = filtersRef.current;
      if (!matchesFilters(alert, f)) return;
      qc.setQueryData<AlertPages>(alertsKey(f), (data) => {
        if (!data || data.pages.some((p) => p.items.some((i) => i.id === alert.id))) return data;
        const [first, ...rest] = data.pages;
        return { ...data, pages: [{ ...first!, items: [alert, ...first!.items] }, ...rest] };
      });
      setArrived((s) => new Set(s).add(alert.id));
      onArrivalRef.current?.(alert);
    });
    return () => source.close();
  }, [qc]);

  return { state, arrived };
}
