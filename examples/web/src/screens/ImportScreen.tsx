import { useState, type FormEvent } from 'react';
import { upload } from '../api/client';
import { FormChoicesDocument, ImportStatementDocument } from '../api/operations';
import { ErrorMessage } from '../components/ErrorMessage';
import { formatDay } from '../format';
import type { ImportStatementInput, ImportStatementMutation, StatementFormat } from '../gql/graphql';
import { useQuery } from '../hooks';

const FORMATS: Array<{ value: StatementFormat; label: string; accept: string }> = [
  { value: 'OFX', label: 'OFX / QFX', accept: '.ofx,.qfx' },
  { value: 'QIF', label: 'QIF', accept: '.qif' },
  { value: 'CAMT053', label: 'CAMT.053 (ISO 20022 XML)', accept: '.xml' },
  { value: 'CSV', label: 'CSV (map the columns)', accept: '.csv,.txt' },
];

/** Uploads a bank statement as a file (`importStatement` by the GraphQL multipart request
 * spec) into one account; a dry run shows what each entry would become. */
export function ImportScreen() {
  const choices = useQuery(FormChoicesDocument, {});
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<StatementFormat>('OFX');
  const [accountId, setAccountId] = useState('');
  const [dryRun, setDryRun] = useState(false);
  const [csv, setCsv] = useState({ date: 'Date', dateFormat: '%Y-%m-%d', amount: 'Amount', description: 'Description', payee: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [result, setResult] = useState<ImportStatementMutation['importStatement']>();

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      const input: ImportStatementInput = {
        format,
        file: null, // filled by the multipart part (map: "0" -> variables.input.file)
        dryRun,
        ...(accountId ? { accountId } : {}),
        ...(format === 'CSV'
          ? {
              csv: {
                date: csv.date,
                dateFormat: csv.dateFormat,
                amount: csv.amount,
                ...(csv.description ? { description: csv.description } : {}),
                ...(csv.payee ? { payee: csv.payee } : {}),
              },
            }
          : {}),
      };
      const data = await upload(ImportStatementDocument, { input }, { 'input.file': file });
      setResult(data.importStatement);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const batch = result?.batch;
  return (
    <div className="import" data-testid="import">
      <form className="card form" onSubmit={onSubmit} data-testid="import-form">
        <h1>Import a bank statement</h1>
        <div className="row">
          <label>
            Format
            <select value={format} onChange={(e) => setFormat(e.target.value as StatementFormat)} data-testid="import-format">
              {FORMATS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Into account
            <select value={accountId} onChange={(e) => setAccountId(e.target.value)} data-testid="import-account">
              <option value="">Default account</option>
              {(choices.data?.accounts ?? []).map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name} ({a.currency})
                </option>
              ))}
            </select>
          </label>
        </div>
        <label>
          File
          <input
            type="file"
            accept={FORMATS.find((f) => f.value === format)?.accept}
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
            required
            data-testid="import-file"
          />
        </label>
        {format === 'CSV' && (
          <div className="row">
            {(['date', 'dateFormat', 'amount', 'description', 'payee'] as const).map((key) => (
              <label key={key}>
                {key === 'dateFormat' ? 'Date format' : `${key[0]?.toUpperCase()}${key.slice(1)} column`}
                <input value={csv[key]} onChange={(e) => setCsv((c) => ({ ...c, [key]: e.target.value }))} data-testid={`import-csv-${key}`} />
              </label>
            ))}
          </div>
        )}
        <label className="check">
          <input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} data-testid="import-dry-run" />
          Dry run: show what would happen, write nothing
        </label>
        <ErrorMessage error={error} testId="form-error" />
        <div className="buttons">
          <button type="submit" className="primary" disabled={busy || !file} data-testid="import-submit">
            {dryRun ? 'Check file' : 'Import'}
          </button>
        </div>
      </form>

      {result && (
        <section className="card" data-testid="import-result" data-dry-run={result.dryRun}>
          <h2>{result.dryRun ? 'Dry run' : result.alreadyImported ? 'Already imported' : 'Imported'}</h2>
          {result.alreadyImported && <p className="notice">This file was imported into this account before; nothing changed.</p>}
          {batch && (
            <p>
              {result.alreadyImported && 'That import: '}
              <strong data-testid="import-imported">{batch.imported}</strong> new,{' '}
              <strong data-testid="import-duplicates">{batch.duplicates}</strong> duplicates,{' '}
              <strong data-testid="import-matched">{batch.matched}</strong> matched to transactions entered by hand,{' '}
              <strong data-testid="import-errors">{batch.errors}</strong> unreadable
            </p>
          )}
          {!batch && (
            <p>
              <strong data-testid="import-imported">{result.rows.filter((r) => r.status === 'NEW').length}</strong> new,{' '}
              <strong data-testid="import-duplicates">{result.rows.filter((r) => r.status === 'DUPLICATE').length}</strong>{' '}
              duplicates
            </p>
          )}
          <table className="list">
            <thead>
              <tr>
                <th>#</th>
                <th>Status</th>
                <th>Date</th>
                <th>Payee / description</th>
                <th className="amount">Amount</th>
              </tr>
            </thead>
            <tbody>
              {result.rows.map((r) => (
                <tr key={r.entry} data-testid="import-row" data-status={r.status}>
                  <td>{r.entry}</td>
                  <td>
                    <span className={`tag row-status tag-${r.status.toLowerCase()}`}>{r.status.toLowerCase()}</span>
                  </td>
                  <td>{r.date ? formatDay(r.date) : ''}</td>
                  <td>
                    {r.payee ?? r.description}
                    {r.message && <span className="muted"> · {r.message}</span>}
                  </td>
                  <td className="amount">
                    {r.amount ? `${r.type === 'INCOME' ? '+' : '−'}${r.amount}` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
