import '@mantine/charts/styles.css';
import { LineChart } from '@mantine/charts';
import { Text } from '@mantine/core';
import { formatShortTime } from './format';

/** One bucket of a program's (or an endpoint's) activity, as the API's activity routes return it. */
export interface ActivityPoint {
  bucket: string;
  syscalls: number;
  fileOpens: number;
  execs: number;
  netOps: number;
  processes?: number;
  alerts?: number;
}

const SERIES = [
  { name: 'syscalls', label: 'system calls', color: 'blue.6', yAxisId: 'left' },
  { name: 'fileOpens', label: 'file opens', color: 'teal.6', yAxisId: 'right' },
  { name: 'execs', label: 'executions', color: 'grape.6', yAxisId: 'right' },
  { name: 'netOps', label: 'network operations', color: 'orange.6', yAxisId: 'right' },
  { name: 'alerts', label: 'alerts', color: 'red.7', yAxisId: 'right' },
];

/** System calls (left axis) and file, exec, network and alert counts (right axis) over time. */
export function ActivityChart({ data, height = 240, marker }: { data: ActivityPoint[]; height?: number; marker?: { at: string; label: string } }) {
  if (data.length === 0) {
    return (
      <Text c="dimmed" size="sm">
        No activity recorded in this window.
      </Text>
    );
  }
  const points = data.map((d) => ({ ...d, alerts: d.alerts ?? 0, label: formatShortTime(d.bucket) }));
  const markerLabel = marker ? points.reduce((best, p) => (Math.abs(new Date(p.bucket).getTime() - new Date(marker.at).getTime()) < Math.abs(new Date(best.bucket).getTime() - new Date(marker.at).getTime()) ? p : best), points[0]!).label : undefined;
  return (
    <LineChart
      h={height}
      data={points}
      dataKey="label"
      withRightYAxis
      withLegend
      curveType="monotone"
      withDots={points.length < 40}
      series={SERIES}
      referenceLines={markerLabel ? [{ x: markerLabel, label: marker!.label, color: 'red.7' }] : []}
      aria-label="Activity over time"
    />
  );
}
