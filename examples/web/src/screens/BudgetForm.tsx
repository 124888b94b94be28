import { useState, type FormEvent } from 'react';
import { request } from '../api/client';
import { CreateBudgetDocument } from '../api/operations';
import { ErrorMessage } from '../components/ErrorMessage';
import { currentPeriod, isDecimal, type Period } from '../format';

interface CategoryRow {
  name: string;
  amount: string;
}

/** A budget with one or more categories, created in one call (`createBudget`). */
export function BudgetForm() {
  const [name, setName] = useState('');
  const [amount, setAmount] = useState('');
  const [period, setPeriod] = useState<Period>('MONTHLY');
  const [dates, setDates] = useState(() => currentPeriod('MONTHLY'));
  const [categories, setCategories] = useState<CategoryRow[]>([{ name: '', amount: '' }]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const changePeriod = (next: Period) => {
    setPeriod(next);
    setDates(currentPeriod(next));
  };
  const setCategory = (i: number, patch: Partial<CategoryRow>) =>
    setCategories((rows) => rows.map((r, n) => (n === i ? { ...r, ...patch } : r)));

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const bad = [amount, ...categories.map((c) => c.amount)].find((a) => !isDecimal(a));
    if (bad !== undefined) {
      setError(new Error(`"${bad}" is not an amount; write it like 500.00.`));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await request(CreateBudgetDocument, {
        input: {
          name,
          amount: amount.trim(),
          period,
          startDate: dates.start,
          endDate: dates.end,
          categories: categories.map((c) => ({ name: c.name, amount: c.amount.trim() })),
        },
      });
      window.location.hash = '#/';
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <form className="card form" onSubmit={onSubmit} data-testid="budget-form">
      <h1>New budget</h1>
      <div className="row">
        <label className="grow">
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required data-testid="budget-name" />
        </label>
        <label>
          Amount
          <input
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            inputMode="decimal"
            placeholder="500.00"
            required
            data-testid="budget-amount"
          />
        </label>
      </div>
      <div className="row">
        <label>
          Period
          <select value={period} onChange={(e) => changePeriod(e.target.value as Period)} data-testid="budget-period">
            <option value="WEEKLY">Weekly</option>
            <option value="MONTHLY">Monthly</option>
            <option value="YEARLY">Yearly</option>
          </select>
        </label>
        <label>
          From
          <input
            type="date"
            value={dates.start}
            onChange={(e) => setDates((d) => ({ ...d, start: e.target.value }))}
            required
            data-testid="budget-start"
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={dates.end}
            onChange={(e) => setDates((d) => ({ ...d, end: e.target.value }))}
            required
            data-testid="budget-end"
          />
        </label>
      </div>
      <fieldset>
        <legend>Categories</legend>
        {categories.map((c, i) => (
          <div className="row" key={i} data-testid="budget-category-row">
            <label className="grow">
              Category
              <input
                value={c.name}
                onChange={(e) => setCategory(i, { name: e.target.value })}
                required
                data-testid={`budget-category-name-${i}`}
              />
            </label>
            <label>
              Amount
              <input
                value={c.amount}
                onChange={(e) => setCategory(i, { amount: e.target.value })}
                inputMode="decimal"
                required
                data-testid={`budget-category-amount-${i}`}
              />
            </label>
            {categories.length > 1 && (
              <button
                type="button"
                className="link"
                onClick={() => setCategories((rows) => rows.filter((_, n) => n !== i))}
                data-testid={`budget-category-remove-${i}`}
              >
                Remove
              </button>
            )}
          </div>
        ))}
        <button
          type="button"
          onClick={() => setCategories((rows) => [...rows, { name: '', amount: '' }])}
          data-testid="budget-add-category"
        >
          + Category
        </button>
      </fieldset>
      <ErrorMessage error={error} testId="form-error" />
      <div className="buttons">
        <button type="submit" className="primary" disabled={busy} data-testid="budget-submit">
          Create budget
        </button>
        <a href="#/">Cancel</a>
      </div>
    </form>
  );
}
