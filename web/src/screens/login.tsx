/** The login screen: an API key, kept for this tab's session only. */
import { useState } from 'react';
import { useAuth } from '../auth';

export function Login() {
  const auth = useAuth();
  const [key, setKey] = useState('');
  const refused = auth.error?.status === 401 && auth.error.code === 'unauthenticated';
  return (
    <main className="login" id="main">
      <h1>gowinproc</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (key.trim() !== '') auth.login(key);
        }}
      >
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="current-password"
          value={key}
          onChange={(event) => setKey(event.target.value)}
          aria-describedby="api-key-help"
          autoFocus
          required
        />
        <p id="api-key-help" className="muted">
          This daemon requires a credential: an API key from <code>server.auth.api_keys</code> (or a
          JWT). It is kept for this browser tab only.
        </p>
        {refused ? (
          <p role="alert" className="bad">
            The daemon refused that key: {auth.error?.message}
          </p>
        ) : null}
        <button type="submit" className="primary">
          Sign in
        </button>
      </form>
    </main>
  );
}
