import '@mantine/charts/styles.css';
import { AreaChart } from '@mantine/charts';
import { formatShortTime } from '../../../components/format';
import { SEVERITY_COLORS } from '../../alerts/components/SeverityBadge';
import { SEVERITIES } from '../../alerts/types/alert';
import type { Overview } from '../types/overview';

/** Stacked alert counts per bucket, the most severe on top. */
export function AlertsBySeverityChart({ buckets }: { buckets: Overview['alertsBySeverity'] }) {
  const data = buckets.map((b) => ({ ...b, label: formatShortTime(b.bucket) }));
  return (
    <AreaChart
      h={260}
      data={data}
      dataKey="label"
      type="stacked"
      withLegend
      curveType="step"
      withDots={false}
      series={[...SEVERITIES].reverse().map((s) => ({ name: s, color: SEVERITY_COLORS[s] }))}
      aria-label="Alerts by severity over time"
    />
  );
}
