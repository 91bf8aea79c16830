/**
 * A folder path typed in, with a "Choose…" button where the host has native dialogs (the desktop
 * app). What choosing does (set the field, open the project) stays with the form that owns it.
 */
import { useSlice, useStores } from './stores-context.js';

export function FolderInput(props: {
  value: string;
  onChange(value: string): void;
  placeholder: string;
  testId: string;
  /** Runs the form's folder picker. */
  onChoose(): void;
  choosing: boolean;
  disabled?: boolean;
}) {
  const { project } = useStores();
  const nativeDialogs = useSlice(project, (s) => s.appInfo?.nativeDialogs ?? false);
  return (
    <div className="input-row">
      <input data-testid={props.testId} value={props.value} onChange={(e) => props.onChange(e.target.value)} placeholder={props.placeholder} required spellCheck={false} disabled={props.disabled} />
      {nativeDialogs && (
        <button type="button" onClick={props.onChoose} disabled={props.disabled || props.choosing}>
          Choose…
        </button>
      )}
    </div>
  );
}
