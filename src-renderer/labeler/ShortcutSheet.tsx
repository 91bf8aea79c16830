/** The shortcut sheet (`?`): every key of the labeler, from the same table the keys use. */
import { useEffect, useRef } from 'react';
import type { TaskType } from '@shared';
import { shortcutSheet } from './hotkeys.js';

export function ShortcutSheet({ task, multiLabel, onClose }: { task: TaskType; multiLabel: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => dialog.current?.focus(), []);
  return (
    <div className="modal-backdrop sheet-backdrop" onClick={onClose}>
      <div className="modal shortcut-sheet" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" data-testid="shortcut-sheet" data-labeler-owned ref={dialog} tabIndex={-1} onClick={(e) => e.stopPropagation()}>
        <header className="modal-header">
          <h2 id="shortcuts-title">Keyboard shortcuts</h2>
          <button type="button" className="link-button" onClick={onClose} aria-label="Close" data-testid="shortcut-sheet-close">
            ✕
          </button>
        </header>
        {shortcutSheet({ task, multiLabel }).map((group) => (
          <section key={group.title}>
            <h3 className="small muted">{group.title}</h3>
            <table className="shortcut-table">
              <tbody>
                {group.rows.map((row) => (
                  <tr key={row.keys}>
                    <th scope="row">
                      <kbd>{row.keys}</kbd>
                    </th>
                    <td>{row.what}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </div>
    </div>
  );
}
