/**
 * The project's classes: colour, name and how many images hold each; add, rename, recolour,
 * reorder (drag a row, or its arrows: the order is the hotkey order 1–9), merge and delete. Merge
 * and delete say first what they would touch, and ask.
 */
import { memo, useEffect, useRef, useState, type DragEvent, type FormEvent, type KeyboardEvent } from 'react';
import type { ClassDef, ClassImpact } from '@shared';
import { ErrorMessage } from './ErrorMessage.js';
import { useAction, useSlice, useStores } from './stores-context.js';

export function ClassesPanel() {
  const { project } = useStores();
  const classes = useSlice(project, (s) => s.classes);
  const byClass = useSlice(project, (s) => s.counts?.byClass);
  const task = useSlice(project, (s) => s.project?.task);
  const [name, setName] = useState('');
  const add = useAction(async () => {
    await project.getState().addClass(name.trim());
    setName('');
  });
  const update = useAction((change: { id: number; name?: string; color?: string }) => project.getState().updateClass(change));
  const move = useAction((id: number, toIndex: number) => project.getState().moveClass(id, toIndex));
  const [dragging, setDragging] = useState<number | null>(null);
  const [dropIndex, setDropIndex] = useState<number | null>(null);

  const onDrop = (index: number) => {
    if (dragging !== null) {
      const from = classes.findIndex((c) => c.id === dragging);
      // Dropping below itself lands one place up once the row is taken out.
      void move.run(dragging, from < index ? index - 1 : index);
    }
    setDragging(null);
    setDropIndex(null);
  };

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
          {classes.map((c, i) => (
            <ClassRow
              key={c.id}
              cls={c}
              index={i}
              last={i === classes.length - 1}
              others={classes}
              count={byClass?.[c.id] ?? 0}
              onUpdate={update.run}
              onMove={move.run}
              dropTarget={dropIndex === i}
              onDragStart={() => setDragging(c.id)}
              onDragOver={(e) => {
                if (dragging === null) return;
                e.preventDefault();
                const rect = (e.currentTarget as HTMLElement).getBoundingClientRect();
                setDropIndex(e.clientY > rect.top + rect.height / 2 ? i + 1 : i);
              }}
              onDrop={() => onDrop(dropIndex ?? i)}
              onDragEnd={() => {
                setDragging(null);
                setDropIndex(null);
              }}
            />
          ))}
          {dropIndex === classes.length && <li className="drop-marker" aria-hidden="true" />}
        </ul>
      )}
      <ErrorMessage error={update.error ?? move.error} testId="class-update-error" onDismiss={() => (update.clear(), move.clear())} />
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

interface ClassRowProps {
  cls: ClassDef;
  index: number;
  last: boolean;
  others: readonly ClassDef[];
  count: number;
  onUpdate: (change: { id: number; name?: string; color?: string }) => Promise<unknown>;
  onMove: (id: number, toIndex: number) => Promise<unknown>;
  dropTarget: boolean;
  onDragStart: () => void;
  onDragOver: (e: DragEvent) => void;
  onDrop: () => void;
  onDragEnd: () => void;
}

const ClassRow = memo(function ClassRow({ cls, index, last, others, count, onUpdate, onMove, dropTarget, onDragStart, onDragOver, onDrop, onDragEnd }: ClassRowProps) {
  const [actions, setActions] = useState(false);
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
    <li
      className={`class-row${dropTarget ? ' drop-before' : ''}`}
      data-testid="class-row"
      data-class-id={cls.id}
      data-class-name={cls.name}
      draggable={!editing}
      onDragStart={(e) => {
        e.dataTransfer.effectAllowed = 'move';
        e.dataTransfer.setData('text/plain', cls.name);
        onDragStart();
      }}
      onDragOver={onDragOver}
      onDrop={(e) => {
        e.preventDefault();
        onDrop();
      }}
      onDragEnd={onDragEnd}
    >
      <div className="class-row-main">
      <span className="hotkey" title={index < 9 ? `Key ${index + 1} in the labeler` : undefined}>
        {index < 9 ? index + 1 : ''}
      </span>
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
      <span className="class-row-tools">
        <button type="button" className="icon-button" onClick={() => void onMove(cls.id, index - 1)} disabled={index === 0} aria-label={`Move ${cls.name} up`} data-testid="class-up">
          ▲
        </button>
        <button type="button" className="icon-button" onClick={() => void onMove(cls.id, index + 1)} disabled={last} aria-label={`Move ${cls.name} down`} data-testid="class-down">
          ▼
        </button>
        <button type="button" className="icon-button" onClick={() => setActions((a) => !a)} aria-expanded={actions} aria-label={`Merge or delete ${cls.name}`} data-testid="class-actions">
          ⋯
        </button>
      </span>
      </div>
      {actions && <ClassActions cls={cls} others={others.filter((o) => o.id !== cls.id)} onDone={() => setActions(false)} />}
    </li>
  );
});

type Pending = { kind: 'delete'; impact: ClassImpact } | { kind: 'merge'; target: ClassDef; impact: ClassImpact };

function describeImpact(impact: ClassImpact): string {
  const n = impact.annotations;
  const m = impact.images;
  return `${n.toLocaleString()} annotation${n === 1 ? '' : 's'} on ${m.toLocaleString()} image${m === 1 ? '' : 's'}`;
}

/** Merge into another class, or delete: first what it would touch, then a confirmation. */
function ClassActions({ cls, others, onDone }: { cls: ClassDef; others: readonly ClassDef[]; onDone: () => void }) {
  const { project } = useStores();
  const [targetId, setTargetId] = useState<number | null>(others[0]?.id ?? null);
  const [pending, setPending] = useState<Pending | null>(null);
  const ask = useAction(async (kind: 'delete' | 'merge') => {
    const impact = await project.getState().classImpact(cls.id);
    const target = others.find((o) => o.id === targetId);
    setPending(kind === 'merge' && target ? { kind, target, impact } : { kind: 'delete', impact });
  });
  const confirm = useAction(async () => {
    if (!pending) return;
    if (pending.kind === 'delete') await project.getState().deleteClass(cls.id);
    else await project.getState().mergeClasses(cls.id, pending.target.id);
    onDone();
  });
  return (
    <div className="class-actions" data-testid="class-actions-panel">
      {!pending && (
        <>
          {others.length > 0 && (
            <div className="input-row">
              <select value={targetId ?? ''} onChange={(e) => setTargetId(Number(e.target.value))} aria-label={`Merge ${cls.name} into`} data-testid="class-merge-target">
                {others.map((o) => (
                  <option key={o.id} value={o.id}>
                    into {o.name}
                  </option>
                ))}
              </select>
              <button type="button" onClick={() => void ask.run('merge')} disabled={ask.pending || targetId === null} data-testid="class-merge">
                Merge…
              </button>
            </div>
          )}
          <button type="button" className="danger-button" onClick={() => void ask.run('delete')} disabled={ask.pending} data-testid="class-delete">
            Delete…
          </button>
        </>
      )}
      {pending && (
        <div className="confirm" role="alertdialog" aria-label="Confirm" data-testid="class-confirm">
          <p className="small" data-testid="class-impact">
            {pending.kind === 'delete'
              ? `Delete “${cls.name}” and its ${describeImpact(pending.impact)}?`
              : `Move ${describeImpact(pending.impact)} from “${cls.name}” to “${pending.target.name}”, then delete “${cls.name}”?`}
          </p>
          <div className="input-row">
            <button type="button" className={pending.kind === 'delete' ? 'danger-button' : 'primary'} onClick={() => void confirm.run()} disabled={confirm.pending} data-testid="class-confirm-yes">
              {pending.kind === 'delete' ? 'Delete' : 'Merge'}
            </button>
            <button type="button" onClick={() => (setPending(null), onDone())} data-testid="class-confirm-no">
              Cancel
            </button>
          </div>
        </div>
      )}
      <ErrorMessage error={ask.error ?? confirm.error} testId="class-action-error" />
    </div>
  );
}
