/** A horizontal bar for a percentage (may pass 100: the bar is then full and red). */
export function ProgressBar({
  percent,
  label,
  testId,
  tone,
}: {
  percent: number;
  label: string;
  testId?: string;
  tone?: 'ok' | 'warning' | 'over';
}) {
  const shown = Math.max(0, Math.min(100, percent));
  const kind = tone ?? (percent > 100 ? 'over' : percent >= 80 ? 'warning' : 'ok');
  return (
    <div
      className={`progress progress-${kind}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(shown)}
      aria-valuetext={`${percent} %`}
      data-testid={testId}
      data-percent={percent}
    >
      <div className="progress-fill" style={{ width: `${shown}%` }} />
    </div>
  );
}
