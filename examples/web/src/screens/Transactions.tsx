import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { request } from '../api/client';
import {
  CreateTransactionDocument,
  DeleteTransactionDocument,
  FormChoicesDocument,
  TransactionsDocument,
  UpdateTransactionDocument,
} from '../api/operations';
import { ErrorMessage } from '../components/ErrorMessage';
import { formatDay, formatMoney, isDecimal, today } from '../format';
import type { CreateTransactionInput, TransactionsQuery, UpdateTransactionInput } from '../gql/graphql';
import { useLiveEvents, useQuery } from '../hooks';

type Row = TransactionsQuery['transactions']['nodes'][number];
const PAGE = 20;

/** The transactions, newest first, page by page (keyset cursors: rows added meanwhile never
 * shift or repeat what is shown), with a form to add or edit one. */
export function Transactions() {
  const [rows, setRows] = useState<Row[]>([]);
  const [total, setTotal] = useState<number>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [editing, setEditing] = useState<Row | 'new' | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const shown = useRef(0);
  shown.current = rows.length;

  /** Loads the first page again, as many rows as are shown now (so "More" is not undone). */
  const reload = useCallback(async () => {
    setLoading(true);
    try {
      const first = Math.min(100, Math.max(PAGE, shown.current));
      const { transactions } = await request(TransactionsDocument, { first });
      setRows(transactions.nodes);
      setTotal(transactions.totalCount);
      setCursor(transactions.pageInfo.endCursor ?? null);
      setHasMore(transactions.pageInfo.hasNextPage);
      setError(undefined);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, []);

  const more = async () => {
    setLoading(true);
    try {
      const { transactions } = await request(TransactionsDocument, { first: PAGE, after: cursor });
      setRows((old) => [...old, ...transactions.nodes]);
      setTotal(transactions.totalCount);
      setCursor(transactions.pageInfo.endCursor ?? null);
      setHasMore(transactions.pageInfo.hasNextPage);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void reload();
  }, [reload]);
  useLiveEvents(['transaction'], reload);

  const remove = async (id: string) => {
    setConfirmDelete(null);
    try {
      await request(DeleteTransactionDocument, { id });
      await reload();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <div className="transactions" data-testid="transactions">
      <div className="toolbar">
        <h1>Transactions</h1>
        <span className="muted" data-testid="transactions-count">
          {total === undefined ? '' : `${rows.length} of ${total}`}
        </span>
        <button type="button" className="primary" onClick={() => setEditing('new')} data-testid="transaction-new">
          Add transaction
        </button>
      </div>

      {editing && (
        <TransactionForm
          key={editing === 'new' ? 'new' : editing.id}
          row={editing === 'new' ? null : editing}
          onDone={() => {
            setEditing(null);
            void reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}

      <ErrorMessage error={error} />
      <table className="list">
        <thead>
          <tr>
            <th>Date</th>
            <th>Description</th>
            <th>Category</th>
            <th>Account</th>
            <th className="amount">Amount</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => {
            const editable = !t.transfer && t.splits.length === 0;
            return (
              <tr key={t.id} data-testid="transaction-row" data-transaction-id={t.id} data-description={t.description}>
                <td>{formatDay(t.transactionDate)}</td>
                <td>
                  {t.description}
                  {t.payee && <span className="muted"> · {t.payee}</span>}
                </td>
                <td>{t.transfer ? 'Transfer' : t.splits.length > 0 ? 'Split' : (t.category?.name ?? '—')}</td>
                <td className="muted">{t.account.name}</td>
                <td className={`amount ${t.type === 'INCOME' || t.type === 'TRANSFER_IN' ? 'in' : 'out'}`} data-testid="transaction-amount">
                  {t.type === 'INCOME' || t.type === 'TRANSFER_IN' ? '+' : '−'}
                  {formatMoney(t.amount, t.currency)}
                </td>
                <td className="actions">
                  {editable && (
                    <button type="button" className="link" onClick={() => setEditing(t)} data-testid="transaction-edit">
                      Edit
                    </button>
                  )}
                  {confirmDelete === t.id ? (
                    <button type="button" className="link danger" onClick={() => void remove(t.id)} data-testid="transaction-delete-confirm">
                      Really delete?
                    </button>
                  ) : (
                    <button type="button" className="link" onClick={() => setConfirmDelete(t.id)} data-testid="transaction-delete">
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {!loading && rows.length === 0 && <p className="muted">No transactions yet.</p>}
      {hasMore && (
        <button type="button" onClick={() => void more()} disabled={loading} data-testid="transactions-more">
          More
        </button>
      )}
    </div>
  );
}

function TransactionForm({ row, onDone, onCancel }: { row: Row | null; onDone: () => void; onCancel: () => void }) {
  const choices = useQuery(FormChoicesDocument, {});
  const [type, setType] = useState<'EXPENSE' | 'INCOME'>(row?.type === 'INCOME' ? 'INCOME' : 'EXPENSE');
  const [amount, setAmount] = useState(row?.amount ?? '');
  const [description, setDescription] = useState(row?.description ?? '');
  const [date, setDate] = useState(row?.transactionDate ?? today());
  const [categoryId, setCategoryId] = useState(row?.category?.id ?? '');
  const [accountId, setAccountId] = useState(row?.account.id ?? '');
  const [payee, setPayee] = useState(row?.payee ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (!isDecimal(amount)) {
      setError(new Error('The amount is a positive number such as 12.50; the type says whether money goes out or in.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      if (row) {
        const input: UpdateTransactionInput = {
          type,
          amount: amount.trim(),
          description,
          transactionDate: date,
          // Blank removes the payee; no category uncategorizes.
          payee: payee.trim() || null,
          ...(categoryId ? { categoryId } : { clearCategory: true }),
          ...(accountId && accountId !== row.account.id ? { accountId } : {}),
        };
        await request(UpdateTransactionDocument, { id: row.id, input });
      } else {
        const input: CreateTransactionInput = {
          type,
          amount: amount.trim(),
          description,
          transactionDate: date,
          ...(payee.trim() ? { payee: payee.trim() } : {}),
          ...(categoryId ? { categoryId } : {}),
          // No account: the default one.
          ...(accountId ? { accountId } : {}),
        };
        await request(CreateTransactionDocument, { input });
      }
      onDone();
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const accounts = choices.data?.accounts ?? [];
  const budgets = choices.data?.budgets.nodes ?? [];
  return (
    <form className="card form" onSubmit={onSubmit} data-testid="transaction-form" data-mode={row ? 'edit' : 'new'}>
      <h2>{row ? 'Edit transaction' : 'New transaction'}</h2>
      <div className="row">
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value as 'EXPENSE' | 'INCOME')} data-testid="tx-type">
            <option value="EXPENSE">Expense</option>
            <option value="INCOME">Income</option>
          </select>
        </label>
        <label>
          Amount
          <input
            value={amount}
            onChange={(e) => setAmount(e.target.value)}
            inputMode="decimal"
            placeholder="12.50"
            required
            data-testid="tx-amount"
          />
        </label>
        <label>
          Date
          <input type="date" value={date} onChange={(e) => setDate(e.target.value)} required data-testid="tx-date" />
        </label>
      </div>
      <div className="row">
        <label className="grow">
          Description
          <input value={description} onChange={(e) => setDescription(e.target.value)} required data-testid="tx-description" />
        </label>
        <label>
          Payee
          <input value={payee} onChange={(e) => setPayee(e.target.value)} data-testid="tx-payee" />
        </label>
      </div>
      <div className="row">
        <label>
          Category
          <select value={categoryId} onChange={(e) => setCategoryId(e.target.value)} data-testid="tx-category">
            <option value="">None</option>
            {budgets.map((b) => (
              <optgroup key={b.id} label={b.name}>
                {b.categories.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label>
          Account
          <select value={accountId} onChange={(e) => setAccountId(e.target.value)} data-testid="tx-account">
            <option value="">Default account</option>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.currency})
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorMessage error={error ?? choices.error} testId="form-error" />
      <div className="buttons">
        <button type="submit" className="primary" disabled={busy || choices.loading} data-testid="tx-submit">
          {row ? 'Save' : 'Add'}
        </button>
        <button type="button" onClick={onCancel} data-testid="tx-cancel">
          Cancel
        </button>
      </div>
    </form>
  );
}
