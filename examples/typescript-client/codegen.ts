import type { CodegenConfig } from '@graphql-codegen/cli';

// Every custom scalar of the schema, mapped explicitly. With `strictScalars` a scalar the
// server adds later fails codegen until it is mapped here.
const scalars = {
  // Calendar date, ISO 8601: "2026-11-21".
  Date: 'string',
  // Instant, RFC 3339 in UTC: "2026-11-21T10:30:00Z".
  DateTime: 'string',
  // Exact money with two decimals: "1234.50". A string, so an amount is never a float; the
  // server also accepts JSON numbers on input, but strings are the exact choice.
  Decimal: 'string',
  // Any JSON value (Achievement.metadata); narrow it where it is read.
  JSON: 'unknown',
  // A file sent by the GraphQL multipart request spec (importStatement's `file`): the
  // browser's File or Blob, which an upload-capable link replaces with a multipart part.
  Upload: 'File | Blob',
};

const shared = { scalars, strictScalars: true, useTypeImports: true };

const config: CodegenConfig = {
  // SMARTSAVE_SCHEMA overrides the schema file, e.g. to try operations against an unreleased SDL.
  schema: process.env.SMARTSAVE_SCHEMA ?? '../../schema.graphql',
  documents: 'operations/**/*.graphql',
  generates: {
    // Every type, input and enum of the schema (plugin `typescript`).
    'src/generated/schema.ts': {
      plugins: ['typescript'],
      config: {
        ...shared,
        enumsAsTypes: true,
        // Object fields are always present (null where the schema allows it); input fields
        // the schema makes optional stay optional.
        avoidOptionals: { field: true, object: true, inputValue: false, defaultValue: false },
      },
    },
    // One result and one variables type per operation in operations/ (plugin
    // `typescript-operations`), importing the inputs and enums from schema.ts.
    'src/generated/graphql.ts': {
      plugins: ['typescript-operations'],
      config: {
        ...shared,
        importSchemaTypesFrom: 'src/generated/schema.ts',
        namespacedImportName: 'Types',
        enumType: 'string-literal',
      },
    },
    // graphql-codegen's client preset, here for its manifest: src/generated/client/
    // persisted-documents.json maps each operation's SHA-256 to the document the client
    // sends. A copy is committed as ../persisted-documents.json, the file a server's
    // GRAPHQL_TRUSTED_DOCUMENTS points at; `npm run check` fails when the copy is stale.
    'src/generated/client/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
      config: shared,
    },
  },
};

export default config;
