// Every operation the app sends, as `graphql()` documents: `npm run codegen` validates them
// against ../../schema.graphql and types their results and variables (src/gql/).
import { graphql } from '../gql';

// Cookie-mode sessions. `refreshToken` and `logout` are sent WITHOUT their `refreshToken`
// argument (optional in the schema): the server reads the refresh token from the HttpOnly
// `smartsave_refresh` cookie instead (Path=/graphql, SameSite=Strict, Secure), and only for
// a request whose Origin is in its CORS_ALLOWED_ORIGINS.

/** Exchanges the refresh cookie for a new access token; the server sets a rotated cookie.
 * Sent with `X-Session-Mode: cookie` (client.ts), so `refreshToken` in the answer is null. */
export const RefreshSessionDocument = graphql(`
  mutation RefreshSession {
    refreshToken {
      accessToken
      expiresIn
    }
  }
`);

/** Revokes the cookie's session and clears the cookie. */
export const SignOutDocument = graphql(`
  mutation SignOut {
    logout
  }
`);

export const SignInDocument = graphql(`
  mutation SignIn($input: LoginInput!) {
    login(input: $input) {
      accessToken
      expiresIn
      user {
        id
        email
        firstName
        lastName
      }
    }
  }
`);

export const SignUpDocument = graphql(`
  mutation SignUp($input: RegisterInput!) {
    register(input: $input) {
      accessToken
      expiresIn
      user {
        id
        email
        firstName
        lastName
      }
    }
  }
`);

export const MeDocument = graphql(`
  query Me {
    me {
      id
      email
      firstName
      lastName
    }
  }
`);

export const DashboardDocument = graphql(`
  query Dashboard($month: Date!, $from: Date!, $to: Date!) {
    accounts {
      id
      name
      kind
      isDefault
      balance {
        amount
        currency
      }
    }
    dashboard(month: $month) {
      period {
        start
        end
      }
      overview {
        currency
        totalIncome
        totalExpenses
        net
        totalBudgeted
        totalSpentInBudgets
      }
      netWorth {
        total {
          amount
          currency
        }
        missingRates {
          base
          quote
        }
      }
      budgets {
        id
        name
        amount
        currency
        period
        startDate
        endDate
        spent
        remaining
        percentUsed
        status
        categories {
          id
          name
          amount
          spent
          percentUsed
        }
      }
      goals {
        id
        name
        targetAmount
        currentAmount
        currency
        status
        progress {
          percentComplete
        }
      }
      upcoming(days: 14) {
        date
        dueDate
        amount
        overdue
        schedule {
          id
          description
          payee
          currency
          type
        }
      }
      forecastLowPoint(days: 30) {
        date
        balance {
          amount
          currency
        }
      }
      insights {
        kind
        severity
        message
      }
    }
    categoryReport(from: $from, to: $to, type: EXPENSE) {
      category {
        id
        name
        color
      }
      total
      count
      share
    }
  }
`);

export const FormChoicesDocument = graphql(`
  query FormChoices {
    accounts {
      id
      name
      currency
      isDefault
    }
    budgets(first: 50) {
      nodes {
        id
        name
        categories {
          id
          name
        }
      }
    }
  }
`);

export const TransactionsDocument = graphql(`
  query Transactions($first: Int!, $after: String) {
    transactions(first: $first, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        id
        amount
        currency
        description
        transactionDate
        type
        payee
        category {
          id
          name
        }
        account {
          id
          name
        }
        transfer {
          transactionDate
        }
        splits {
          id
        }
      }
    }
  }
`);

export const CreateTransactionDocument = graphql(`
  mutation CreateTransaction($input: CreateTransactionInput!) {
    createTransaction(input: $input) {
      id
    }
  }
`);

export const UpdateTransactionDocument = graphql(`
  mutation UpdateTransaction($id: ID!, $input: UpdateTransactionInput!) {
    updateTransaction(id: $id, input: $input) {
      id
    }
  }
`);

export const DeleteTransactionDocument = graphql(`
  mutation DeleteTransaction($id: ID!) {
    deleteTransaction(id: $id)
  }
`);

export const CreateBudgetDocument = graphql(`
  mutation CreateBudget($input: CreateBudgetInput!) {
    createBudget(input: $input) {
      id
      name
    }
  }
`);

export const ImportStatementDocument = graphql(`
  mutation ImportStatement($input: ImportStatementInput!) {
    importStatement(input: $input) {
      dryRun
      alreadyImported
      batch {
        id
        fileName
        imported
        duplicates
        matched
        errors
      }
      rows {
        entry
        status
        date
        amount
        type
        payee
        description
        message
      }
    }
  }
`);

export const NotificationsDocument = graphql(`
  query Notifications($first: Int!, $after: String) {
    unreadNotificationCount
    notifications(first: $first, after: $after) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        id
        kind
        title
        body
        createdAt
        readAt
      }
    }
  }
`);

export const UnreadCountDocument = graphql(`
  query UnreadCount {
    unreadNotificationCount
  }
`);

export const MarkNotificationsReadDocument = graphql(`
  mutation MarkNotificationsRead($ids: [ID!], $all: Boolean) {
    markNotificationsRead(ids: $ids, all: $all)
  }
`);

// Live updates over graphql-ws (see live.ts). The app only needs to know that something
// changed; it then refetches what it shows.
export const TransactionChangedDocument = graphql(`
  subscription TransactionChanged {
    transactionChanged {
      kind
      transactionId
      changedAt
    }
  }
`);

export const BudgetAlertsDocument = graphql(`
  subscription BudgetAlerts {
    budgetAlerts {
      scope
      budgetId
      budgetName
      categoryName
      threshold
      percentUsed
    }
  }
`);

export const NotificationAddedDocument = graphql(`
  subscription NotificationAdded {
    notificationAdded {
      id
      kind
      title
    }
  }
`);
