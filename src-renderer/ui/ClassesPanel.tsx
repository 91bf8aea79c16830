/** The project's classes: colour, name and how many images hold each; add, rename, recolour. */
import { memo, useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { ClassDef } from '@shared';
import { ErrorMessage } from './ErrorMessage.js';
import { useAction, useSlice, useStudio } from './studio-context.js';

export function ClassesPanel() {
  const { project } = useStudio();
  const classes = useSlice(project, (s) => s.classes);
  const byClass = useSlice(project, (s) => s.counts?.byClass);
  const task = useSlice(project, (s) => s.project?.task);
  const [name, setName] = useState('');
  const add = useAction(async () => {
    await project.getState().addClass(name.trim());
    setName('');
  });
  const update = useAction((change: { id: number; name?: string; color?: string }) => project.getState().updateClass(change));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) void add.run();
  };

  return (
    <aside className="classes-panel" aria-labelledby="classes-title" data-testid="classes-panel">
      <h2 id="classes-title">Classes</h2>
      {classes.length === 0 ? (
        <p className="muted small">{task === 'classify' ? 'No classes yet. Add the tags images can get.' : 'No classes yet. Add what the model should find.'}</p>
      ) : (
        <ul className="class-list">
          {classes.map((c) => (
            <ClassRow key={c.id} cls={c} count={byClass?.[c.id] ?? 0} onUpdate={update.run} />
          ))}
        </ul>
      )}
      <ErrorMessage error={update.error} testId="class-update-error" onDismiss={update.clear} />
      <form className="class-add" onSubmit={submit}>
        <label className="visually-hidden" htmlFor="class-add-name">
          New class name
        </label>
        <input id="class-add-name" data-testid="class-add-name" placeholder="New class" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} />
        <button type="submit" data-testid="class-add-submit" disabled={add.pending || !name.trim()}>
          Add
        </button>
      </form>
      <ErrorMessage error={add.error} testId="class-add-error" onDismiss={add.clear} />
    </aside>
  );
}

const COLOR_COMMIT_DELAY_MS = 400;

const ClassRow = memo(function ClassRow({ cls, count, onUpdate }: { cls: ClassDef; count: number; onUpdate: (change: { id: number; name?: string; color?: string }) => Promise<unknown> }) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(cls.name);
  const [color, setColor] = useState(cls.color);
  const colorTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const pendingColor = useRef<(() => void) | null>(null);

  useEffect(() => setColor(cls.color), [cls.color]);

  // The colour input fires on every move of the picker: send the colour once it settles, or
  // at once when the picker loses focus or the row goes away.
  const flushColor = () => {
    if (colorTimer.current) clearTimeout(colorTimer.current);
    colorTimer.current = null;
    const send = pendingColor.current;
    pendingColor.current = null;
    send?.();
  };
  useEffect(() => flushColor, []);

  const pickColor = (value: string) => {
    setColor(value);
    if (colorTimer.current) clearTimeout(colorTimer.current);
    pendingColor.current = () => void onUpdate({ id: cls.id, color: value });
    colorTimer.current = setTimeout(flushColor, COLOR_COMMIT_DELAY_MS);
  };

  const commitName = () => {
    setEditing(false);
    const next = draft.trim();
    if (next && next !== cls.name) void onUpdate({ id: cls.id, name: next });
    else setDraft(cls.name);
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') commitName();
    if (e.key === 'Escape') {
      setDraft(cls.name);
      setEditing(false);
    }
  };

  return (
    <li className="class-row" data-testid="class-row" data-class-id={cls.id} data-class-name={cls.name}>
      <input type="color" className="swatch" value={color} onChange={(e) => pickColor(e.target.value)} onBlur={flushColor} aria-label={`Colour of ${cls.name}`} data-testid="class-color" />
      {editing ? (
        <input
          className="class-name-input"
          autoFocus
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={commitName}
          onKeyDown={onKey}
          aria-label={`New name for ${cls.name}`}
          data-testid="class-name-input"
          maxLength={100}
        />
      ) : (
        <button
          type="button"
          className="class-name"
          title="Rename"
          onClick={() => {
            setDraft(cls.name);
            setEditing(true);
          }}
          data-testid="class-name"
        >
          {cls.name}
        </button>
      )}
      <span className="class-count" data-testid="class-count" title={`${count} image${count === 1 ? '' : 's'}`}>
        {count}
      </span>
    </li>
  );
});
