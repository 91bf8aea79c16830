/** The whole page: the connection banner, then the start page or the open project. */
import { useEffect, useState } from 'react';
import { ErrorMessage } from './ErrorMessage.js';
import { Home } from './Home.js';
import { ProjectView } from './ProjectView.js';
import { useSlice, useStores } from './stores-context.js';
import { toErrorPayload, type ErrorPayload } from '@shared';

export function App() {
  const stores = useStores();
  const ready = useSlice(stores.project, (s) => s.ready);
  const hasProject = useSlice(stores.project, (s) => s.project !== null);
  const [bootError, setBootError] = useState<ErrorPayload | null>(null);

  useEffect(() => {
    stores.start().catch((err: unknown) => setBootError(toErrorPayload(err)));
    return () => stores.dispose();
  }, [stores]);

  // A file dropped outside the drop zone would make the browser open it and leave the studio.
  useEffect(() => {
    const guard = (e: DragEvent) => {
      if (e.defaultPrevented || !e.dataTransfer || !Array.from(e.dataTransfer.types).includes('Files')) return;
      e.preventDefault();
      // Not a drop target: say so with the cursor.
      if (e.type === 'dragover') e.dataTransfer.dropEffect = 'none';
    };
    window.addEventListener('dragover', guard);
    window.addEventListener('drop', guard);
    return () => {
      window.removeEventListener('dragover', guard);
      window.removeEventListener('drop', guard);
    };
  }, []);

  return (
    <div className="app">
      <ConnectionBanner />
      <BackgroundError />
      {bootError && (
        <div className="boot-error">
          <ErrorMessage error={bootError} testId="boot-error" />
          <button type="button" onClick={() => window.location.reload()}>
            Reload
          </button>
        </div>
      )}
      {!ready && !bootError && (
        <div className="loading" data-testid="loading">
          Connecting to the studio…
        </div>
      )}
      {ready && (hasProject ? <ProjectView /> : <Home />)}
    </div>
  );
}

function ConnectionBanner() {
  const { connection } = useStores();
  const state = useSlice(connection, (s) => s.state);
  const attempt = useSlice(connection, (s) => s.attempt);
  if (state !== 'reconnecting' && state !== 'closed') return null;
  return (
    <div className="connection-banner" role="status" data-testid="connection-banner">
      {state === 'closed'
        ? 'Disconnected from the stores.'
        : attempt > 5
          ? 'Still reconnecting to the studio… If it was restarted, open the new link it printed.'
          : 'Lost the connection to the stores. Reconnecting…'}
    </div>
  );
}

function BackgroundError() {
  const { project } = useStores();
  const message = useSlice(project, (s) => s.backgroundError);
  if (!message) return null;
  return <ErrorMessage error={{ code: 'io', message: `Could not refresh: ${message}` }} testId="background-error" onDismiss={() => project.getState().dismissBackgroundError()} />;
}
