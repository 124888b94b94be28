import { ApiError } from '../api/client';

/** An error as a person can read it, with the API's code and each invalid field. */
export function ErrorMessage({ error, testId = 'error' }: { error: unknown; testId?: string }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const fields = error instanceof ApiError ? Object.entries(error.fields) : [];
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div className="error" role="alert" data-testid={testId} data-code={code}>
      {/* With invalid fields, the list says it all (the message repeats it). */}
      <strong>{fields.length > 0 ? 'Please check:' : message}</strong>
      {code && <span className="code"> ({code})</span>}
      {fields.length > 0 && (
        <ul>
          {fields.map(([field, msg]) => (
            <li key={field}>
              {field}: {msg}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
