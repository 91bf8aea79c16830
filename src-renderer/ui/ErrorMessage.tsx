/** An API error next to what caused it: the message, and the code for the curious. */
export function ErrorMessage({ error, testId, onDismiss }: { error: { code: string; message: string } | null; testId: string; onDismiss?: () => void }) {
  if (!error) return null;
  return (
    <div className="error-message" role="alert" data-testid={testId} data-code={error.code}>
      <span className="error-text">{error.message}</span>
      {onDismiss && (
        <button type="button" className="link-button" onClick={onDismiss} aria-label="Dismiss the error">
          ×
        </button>
      )}
    </div>
  );
}
