import { useMemo } from 'react';
import { DashboardDocument } from '../api/operations';
import { ErrorMessage } from '../components/ErrorMessage';
import { ProgressBar } from '../components/ProgressBar';
import { SpendingChart } from '../components/SpendingChart';
import { currentPeriod, formatDay, formatMoney, formatPercent, today } from '../format';
import { useLiveEvents, useQuery } from '../hooks';

const STATUS_LABEL = { ON_TRACK: 'On track', WARNING: 'Near limit', OVER: 'Over budget' } as const;
const TONE = { ON_TRACK: 'ok', WARNING: 'warning', OVER: 'over' } as const;

export function Dashboard() {
  const variables = useMemo(() => {
    const month = currentPeriod('MONTHLY');
    return { month: today(), from: month.start, to: month.end };
  }, []);
  const { data, error, loading, refetch } = useQuery(DashboardDocument, variables);

  // A transaction, a budget alert or a notification elsewhere (another tab, a phone, the job
  // runner, an import): reload, so the figures and budget bars move without a page reload.
  useLiveEvents(['transaction', 'budgetAlert', 'notification'], refetch);

  if (!data) {
    return error ? <ErrorMessage error={error} /> : <p className="muted">Loading the dashboard…</p>;
  }
  const { dashboard, accounts, categoryReport } = data;
  const { overview } = dashboard;
  const currency = overview.currency;

  return (
    <div className="dashboard" data-testid="dashboard" data-loading={loading}>
      {error && <ErrorMessage error={error} />}

      <section className="grid">
        <div className="card stat" data-testid="net-worth">
          <h2>Net worth</h2>
          <p className="big">{formatMoney(dashboard.netWorth.total.amount, dashboard.netWorth.total.currency)}</p>
          {dashboard.netWorth.missingRates.length > 0 && (
            <p className="muted">
              Leaves out balances without an exchange rate (
              {dashboard.netWorth.missingRates.map((r) => `${r.base}→${r.quote}`).join(', ')}).
            </p>
          )}
        </div>
        <div className="card stat" data-testid="overview">
          <h2>
            This month <span className="muted">({formatDay(dashboard.period.start)} – {formatDay(dashboard.period.end)})</span>
          </h2>
          <dl>
            <dt>Income</dt>
            <dd data-testid="overview-income">{formatMoney(overview.totalIncome, currency)}</dd>
            <dt>Expenses</dt>
            <dd data-testid="overview-expenses">{formatMoney(overview.totalExpenses, currency)}</dd>
            <dt>Net</dt>
            <dd data-testid="overview-net">{formatMoney(overview.net, currency)}</dd>
          </dl>
        </div>
        <div className="card stat" data-testid="forecast-low-point">
          <h2>Forecast low point (30 days)</h2>
          {dashboard.forecastLowPoint ? (
            <>
              <p className="big">
                {formatMoney(dashboard.forecastLowPoint.balance.amount, dashboard.forecastLowPoint.balance.currency)}
              </p>
              <p className="muted">on {formatDay(dashboard.forecastLowPoint.date)}</p>
            </>
          ) : (
            <p className="muted">No forecast (no on-budget account).</p>
          )}
        </div>
      </section>

      <section className="card" data-testid="accounts">
        <h2>Accounts</h2>
        <table className="accounts">
          <tbody>
            {accounts.map((a) => (
              <tr key={a.id} data-testid="account" data-account-name={a.name}>
                <td>
                  {a.name}
                  {a.isDefault && <span className="tag">default</span>}
                </td>
                <td className="muted kind">{a.kind.toLowerCase().replace('_', ' ')}</td>
                <td className="amount" data-testid="account-balance">
                  {formatMoney(a.balance.amount, a.balance.currency)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <section className="card" data-testid="budgets">
        <h2>
          Budgets <a href="#/budgets/new" className="small">+ New budget</a>
        </h2>
        {dashboard.budgets.length === 0 && <p className="muted">No budget covers this month yet.</p>}
        {dashboard.budgets.map((b) => (
          <article key={b.id} className="budget" data-testid="budget" data-budget-id={b.id} data-budget-name={b.name}>
            <header>
              <h3>{b.name}</h3>
              <span className={`status status-${TONE[b.status]}`} data-testid="budget-status">
                {STATUS_LABEL[b.status]}
              </span>
            </header>
            <ProgressBar percent={b.percentUsed} label={`${b.name}: spent`} testId="budget-bar" tone={TONE[b.status]} />
            <p className="figures">
              <span data-testid="budget-spent">{formatMoney(b.spent, b.currency)}</span> of{' '}
              <span data-testid="budget-amount">{formatMoney(b.amount, b.currency)}</span> ·{' '}
              <span data-testid="budget-percent">{formatPercent(b.percentUsed)}</span> ·{' '}
              {formatMoney(b.remaining, b.currency)} left
            </p>
            <ul className="categories">
              {b.categories.map((c) => (
                <li key={c.id} data-testid="budget-category" data-category-name={c.name}>
                  <span className="name">{c.name}</span>
                  <ProgressBar percent={c.percentUsed} label={`${c.name}: spent`} testId="budget-category-bar" />
                  <span className="amount" data-testid="budget-category-spent">
                    {formatMoney(c.spent, b.currency)} / {formatMoney(c.amount, b.currency)}
                  </span>
                </li>
              ))}
            </ul>
          </article>
        ))}
      </section>

      <section className="grid two">
        <div className="card" data-testid="spending">
          <h2>Spending by category</h2>
          <SpendingChart
            currency={currency}
            rows={categoryReport.map((r) => ({
              name: r.category?.name ?? 'Uncategorized',
              color: r.category?.color ?? null,
              total: r.total,
              share: r.share,
            }))}
          />
        </div>
        <div className="card" data-testid="goals">
          <h2>Savings goals</h2>
          {dashboard.goals.length === 0 && <p className="muted">No active goals.</p>}
          {dashboard.goals.map((g) => (
            <div key={g.id} className="goal" data-testid="goal" data-goal-name={g.name}>
              <div className="goal-head">
                <span>{g.name}</span>
                <span className="muted">
                  {formatMoney(g.currentAmount, g.currency)} / {formatMoney(g.targetAmount, g.currency)}
                </span>
              </div>
              <ProgressBar percent={g.progress.percentComplete} label={`${g.name}: saved`} tone="ok" />
            </div>
          ))}
        </div>
      </section>

      <section className="grid two">
        <div className="card" data-testid="upcoming">
          <h2>Upcoming (14 days)</h2>
          {dashboard.upcoming.length === 0 && <p className="muted">Nothing scheduled.</p>}
          <ul className="plain">
            {dashboard.upcoming.map((o) => (
              <li key={`${o.schedule.id}-${o.date}`} data-testid="upcoming-item" className={o.overdue ? 'overdue' : undefined}>
                <span>{formatDay(o.dueDate)}</span>
                <span>{o.schedule.payee ?? o.schedule.description}</span>
                <span className="amount">
                  {o.schedule.type === 'INCOME' ? '+' : '−'}
                  {formatMoney(o.amount, o.schedule.currency)}
                </span>
                {o.overdue && <span className="tag warn">overdue</span>}
              </li>
            ))}
          </ul>
        </div>
        <div className="card" data-testid="insights">
          <h2>Insights</h2>
          {dashboard.insights.length === 0 && <p className="muted">Nothing to point out.</p>}
          <ul className="plain">
            {dashboard.insights.map((i, n) => (
              <li key={`${i.kind}-${n}`} className={`insight insight-${i.severity.toLowerCase()}`} data-testid="insight">
                {i.message}
              </li>
            ))}
          </ul>
        </div>
      </section>
    </div>
  );
}
