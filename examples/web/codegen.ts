import type { CodegenConfig } from '@graphql-codegen/cli';

// The typed client: graphql-codegen's client preset reads every `graphql(`...`)` document in
// src/ and writes src/gql/ (git-ignored, rebuilt by `npm run codegen`, `npm run dev` and
// `npm run build`). A document that does not fit ../../schema.graphql fails codegen, and a
// field the app reads that the schema dropped fails `tsc` in `npm run build`.
//
// Every custom scalar of the schema is mapped explicitly (as in ../typescript-client): with
// `strictScalars` a scalar the server adds later fails codegen until it is mapped here.
const scalars = {
  // Calendar date, ISO 8601: "2026-11-21".
  Date: 'string',
  // Instant, RFC 3339 in UTC: "2026-11-21T10:30:00Z".
  DateTime: 'string',
  // Exact money as a decimal string, "1234.50": never a float.
  Decimal: 'string',
  // Any JSON value (Notification.data, Achievement.metadata); narrow it where it is read.
  JSON: 'unknown',
  // A file sent by the GraphQL multipart request spec (importStatement's `file`).
  Upload: 'File | Blob',
};

const config: CodegenConfig = {
  // SMARTSAVE_SCHEMA overrides the schema file, e.g. to try the app against an unreleased SDL.
  schema: process.env.SMARTSAVE_SCHEMA ?? '../../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    'src/gql/': {
      preset: 'client',
      presetConfig: {
        // Components read the fields they asked for directly; no fragment masking.
        fragmentMasking: false,
      },
      config: {
        scalars,
        strictScalars: true,
        useTypeImports: true,
        // Enums as string unions ('EXPENSE' | 'INCOME' | ...), no runtime code.
        enumsAsTypes: true,
        // Documents as typed strings: `request()` posts their text with plain fetch, and no
        // GraphQL printer or AST ends up in the bundle.
        documentMode: 'string',
      },
    },
  },
};

export default config;
