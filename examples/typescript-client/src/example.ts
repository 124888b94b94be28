// How an app uses the client. It is type-checked with everything else, so a field dropped
// from an operation (or renamed in the schema) breaks `npm run check` right here.

import {
  createSmartSaveClient,
  GraphQLRequestError,
  type OperationDocuments,
  type SmartSaveClient,
} from './client';
import type {
  ContributeToGoalMutation,
  ContributeToGoalMutationVariables,
  ImportTransactionsMutation,
  ImportTransactionsMutationVariables,
} from './generated/graphql';

/** Signs in and summarises the current month. */
export async function summary(documents: OperationDocuments, email: string, password: string): Promise<string[]> {
  const client = createSmartSaveClient({ documents, endpoint: 'http://127.0.0.1:8080/graphql' });
  await client.login({ email, password });

  const { me, dashboard, budgets, savingsGoals } = await client.dashboard();
  const lines = [`${me.email}: ${dashboard.period.start} to ${dashboard.period.end}`];
  // Decimal is a string ("1234.50"): show it as it is, or hand it to a decimal library.
  lines.push(`net ${dashboard.overview.net} ${me.preferences.currency}`);
  for (const insight of dashboard.insights) {
    lines.push(`[${insight.severity}] ${insight.message}`);
  }
  for (const budget of budgets.nodes) {
    // `status` is the union 'ON_TRACK' | 'WARNING' | 'OVER'; a typo would not compile.
    const flag = budget.status === 'OVER' ? '!' : ' ';
    lines.push(`${flag} ${budget.name}: ${budget.spent} of ${budget.amount} (${budget.percentUsed} %)`);
    for (const category of budget.categories) {
      const latest = category.transactions.nodes[0];
      lines.push(`    ${category.name}${latest ? `, last: ${latest.description} ${latest.amount}` : ''}`);
    }
  }
  for (const goal of savingsGoals.nodes) {
    lines.push(`goal ${goal.name}: ${goal.currentAmount} / ${goal.targetAmount}${goal.targetDate ? ` by ${goal.targetDate}` : ''}`);
  }
  return lines;
}

/** Sums this year's groceries over every page. */
export async function groceriesThisYear(client: SmartSaveClient, year: number): Promise<number> {
  let cents = 0;
  for await (const transaction of client.allTransactions({
    first: 100,
    filter: { from: `${year}-01-01`, to: `${year}-12-31`, type: 'EXPENSE', search: 'grocer' },
    orderBy: { field: 'TRANSACTION_DATE', direction: 'ASC' },
  })) {
    cents += Math.round(Number(transaction.amount) * 100);
  }
  return cents;
}

/** Validates a CSV with a dry run, then imports it; returns the bad lines, if any. */
export async function importCsv(client: SmartSaveClient, importDocument: string, csv: string): Promise<string[]> {
  const run = (dryRun: boolean, idempotencyKey?: string) =>
    client.request<ImportTransactionsMutation, ImportTransactionsMutationVariables>(
      importDocument,
      { data: csv, dryRun },
      idempotencyKey ? { idempotencyKey } : {},
    );
  const check = await run(true);
  if (check.importTransactions.errors.length > 0) {
    return check.importTransactions.errors.map((e) => `line ${e.line}: ${e.message}`);
  }
  // Reuse the key if this call is retried (e.g. after a timeout): the server then replays the
  // first answer instead of importing twice.
  const done = await run(false, crypto.randomUUID());
  console.log(`imported ${done.importTransactions.imported}, skipped ${done.importTransactions.skippedDuplicates}`);
  return [];
}

/** Adds to a goal and reports the milestones it has reached. */
export async function contribute(
  client: SmartSaveClient,
  contributeDocument: string,
  goalId: string,
  amount: string,
): Promise<string> {
  try {
    const { contributeToGoal: goal } = await client.request<
      ContributeToGoalMutation,
      ContributeToGoalMutationVariables
    >(contributeDocument, { input: { goalId, amount } });
    const reached = goal.milestones.filter((m) => m.reached).map((m) => `${m.percent} %`);
    return `${goal.name}: ${goal.currentAmount} (${goal.progress.percentComplete} %), milestones ${reached.join(', ') || 'none yet'}`;
  } catch (error) {
    if (error instanceof GraphQLRequestError) {
      switch (error.code) {
        case 'BAD_USER_INPUT':
          return error.fields.map((f) => `${f.field}: ${f.message}`).join('\n');
        case 'NOT_FOUND':
          return 'No such goal';
        case 'RATE_LIMITED':
          return `Slow down; try again in ${error.retryAfter ?? 60} s`;
      }
    }
    throw error;
  }
}
