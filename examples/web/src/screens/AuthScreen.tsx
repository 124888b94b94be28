import { useState, type FormEvent } from 'react';
import { signIn, signUp } from '../api/session';
import { ErrorMessage } from '../components/ErrorMessage';

export function AuthScreen({ notice }: { notice?: string }) {
  const [mode, setMode] = useState<'signIn' | 'signUp'>('signIn');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [firstName, setFirstName] = useState('');
  const [lastName, setLastName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (mode === 'signIn') await signIn(email, password);
      else await signUp({ email, password, firstName, lastName });
      window.location.hash = '#/';
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <main className="centered">
      <form className="card auth" onSubmit={onSubmit} data-testid="auth-form" data-mode={mode}>
        <h1>SmartSave</h1>
        <div className="tabs" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'signIn'}
            onClick={() => setMode('signIn')}
            data-testid="auth-mode-sign-in"
          >
            Sign in
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={mode === 'signUp'}
            onClick={() => setMode('signUp')}
            data-testid="auth-mode-sign-up"
          >
            Create account
          </button>
        </div>
        {notice && (
          <p className="notice" data-testid="auth-notice">
            {notice}
          </p>
        )}
        {mode === 'signUp' && (
          <div className="row">
            <label>
              First name
              <input
                value={firstName}
                onChange={(e) => setFirstName(e.target.value)}
                required
                autoComplete="given-name"
                data-testid="auth-first-name"
              />
            </label>
            <label>
              Last name
              <input
                value={lastName}
                onChange={(e) => setLastName(e.target.value)}
                required
                autoComplete="family-name"
                data-testid="auth-last-name"
              />
            </label>
          </div>
        )}
        <label>
          Email
          <input
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
            autoComplete="email"
            data-testid="auth-email"
          />
        </label>
        <label>
          Password
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            minLength={8}
            autoComplete={mode === 'signIn' ? 'current-password' : 'new-password'}
            data-testid="auth-password"
          />
          {mode === 'signUp' && (
            <small className="muted">At least 8 characters, with an upper-case and a lower-case letter and a digit.</small>
          )}
        </label>
        <ErrorMessage error={error} testId="auth-error" />
        <button type="submit" className="primary" disabled={busy} data-testid="auth-submit">
          {mode === 'signIn' ? 'Sign in' : 'Create account'}
        </button>
      </form>
    </main>
  );
}
