/** A labelled field of the training form, with its message when the value is refused, and a select of fixed choices. */
import type { ReactNode } from 'react';
import type { FormField } from './training-form.js';

export function Field({ label, id, error, field, children }: { label: string; id: string; error?: string; field?: FormField; children: ReactNode }) {
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>
        <span className="field-label">{label}</span>
      </label>
      {children}
      {error && (
        <p className="field-error" id={`${id}-error`} data-testid={`field-error-${field ?? id}`}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A select over a fixed list of values, each shown by its label. */
export function ChoiceSelect<T extends string>({ id, value, values, label, onChange, testId }: { id: string; value: T; values: readonly T[]; label(value: T): string; onChange(value: T): void; testId: string }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value as T)} data-testid={testId}>
      {values.map((v) => (
        <option key={v} value={v}>
          {label(v)}
        </option>
      ))}
    </select>
  );
}
