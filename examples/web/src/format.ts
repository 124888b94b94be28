// Money arrives and leaves as decimal strings ("1234.50", "1500" in JPY); the app never turns an
// amount into a float to compute with it. Intl.NumberFormat formats the string itself, exactly.

const formatters = new Map<string, Intl.NumberFormat>();

export function formatMoney(amount: string, currency: string): string {
  let f = formatters.get(currency);
  if (!f) {
    try {
      f = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    } catch {
      return `${amount} ${currency}`;
    }
    formatters.set(currency, f);
  }
  // A numeric string is formatted exactly (Intl.NumberFormat v3), with no float in between.
  return f.format(amount as `${number}`);
}

/** Whether `value` is a plain positive decimal the server can read; the server checks the
 * currency's number of decimals (two for USD, none for JPY) and answers BAD_USER_INPUT. */
export function isDecimal(value: string): boolean {
  return /^\d{1,12}(\.\d{1,4})?$/.test(value.trim());
}

/** A percentage for display: 82.5 -> "82.5 %". */
export function formatPercent(value: number): string {
  return `${Number.isInteger(value) ? value : value.toFixed(1)} %`;
}

/** A `Date` scalar for a local calendar day (not toISOString, which is UTC). */
export function isoDay(d: Date): string {
  const mm = String(d.getMonth() + 1).padStart(2, '0');
  const dd = String(d.getDate()).padStart(2, '0');
  return `${d.getFullYear()}-${mm}-${dd}`;
}

export function today(): string {
  return isoDay(new Date());
}

export type Period = 'WEEKLY' | 'MONTHLY' | 'YEARLY';

/** The period of this kind that contains today: Monday to Sunday, the calendar month or year. */
export function currentPeriod(period: Period, now = new Date()): { start: string; end: string } {
  const y = now.getFullYear();
  const m = now.getMonth();
  switch (period) {
    case 'WEEKLY': {
      const monday = new Date(y, m, now.getDate() - ((now.getDay() + 6) % 7));
      const sunday = new Date(monday.getFullYear(), monday.getMonth(), monday.getDate() + 6);
      return { start: isoDay(monday), end: isoDay(sunday) };
    }
    case 'MONTHLY':
      return { start: isoDay(new Date(y, m, 1)), end: isoDay(new Date(y, m + 1, 0)) };
    case 'YEARLY':
      return { start: `${y}-01-01`, end: `${y}-12-31` };
  }
}

/** "2026-11-21" -> "21 Nov 2026" in the browser's language. */
export function formatDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return day;
  return new Date(y, m - 1, d).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

export function formatInstant(instant: string): string {
  const d = new Date(instant);
  return Number.isNaN(d.getTime()) ? instant : d.toLocaleString();
}
