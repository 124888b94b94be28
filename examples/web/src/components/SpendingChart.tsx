import { formatMoney } from '../format';

export interface CategorySpend {
  name: string;
  color: string | null;
  total: string;
  share: number;
}

const PALETTE = ['#2f6fed', '#16a085', '#e67e22', '#8e44ad', '#c0392b', '#2c3e50', '#d4ac0d', '#7f8c8d'];
const WIDTH = 520;
const LABEL = 140;
const VALUE = 100;
const ROW = 30;
const BAR = 18;

/**
 * Spending by category as an inline SVG bar chart, one horizontal bar per category, the
 * longest for the largest total. Bar lengths use the server's `share` (a fraction of the
 * listed total); the amounts shown are the exact decimal strings.
 */
export function SpendingChart({ rows, currency }: { rows: CategorySpend[]; currency: string }) {
  if (rows.length === 0) {
    return (
      <p className="muted" data-testid="spending-chart-empty">
        No spending this month yet.
      </p>
    );
  }
  const sorted = [...rows].sort((a, b) => b.share - a.share);
  const max = Math.max(...sorted.map((r) => r.share), Number.EPSILON);
  const plot = WIDTH - LABEL - VALUE;
  const height = sorted.length * ROW + 8;
  return (
    <svg
      className="chart"
      viewBox={`0 0 ${WIDTH} ${height}`}
      width="100%"
      role="img"
      aria-labelledby="spending-chart-title"
      data-testid="spending-chart"
    >
      <title id="spending-chart-title">Spending by category this month</title>
      {sorted.map((row, i) => {
        const y = 4 + i * ROW;
        const length = Math.max(2, (row.share / max) * plot);
        const fill = row.color ?? PALETTE[i % PALETTE.length];
        return (
          <g key={`${row.name}-${i}`} data-testid="spending-bar" data-category={row.name} data-total={row.total}>
            <text x={LABEL - 8} y={y + BAR / 2} dominantBaseline="middle" textAnchor="end" className="chart-label">
              {row.name.length > 20 ? `${row.name.slice(0, 19)}…` : row.name}
            </text>
            <rect x={LABEL} y={y} width={length} height={BAR} rx={3} fill={fill}>
              <title>
                {row.name}: {formatMoney(row.total, currency)} ({Math.round(row.share * 100)} %)
              </title>
            </rect>
            <text x={LABEL + length + 6} y={y + BAR / 2} dominantBaseline="middle" className="chart-value">
              {formatMoney(row.total, currency)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
