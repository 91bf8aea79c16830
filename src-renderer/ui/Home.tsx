/** The start page: recent projects, a new project, or an existing one by its folder. */
import { useState, type FormEvent } from 'react';
import type { TaskType } from '@shared';
import { ErrorMessage } from './ErrorMessage.js';
import { useAction, useSlice, useStores } from './stores-context.js';
import { FolderInput } from './FolderInput.js';

export function Home() {
  return (
    <main className="home" data-testid="home">
      <header className="home-header">
        <h1>Reticle AppStores</h1>
        <p className="muted">Label images, train YOLO models, and review what they see.</p>
      </header>
      <div className="home-columns">
        <RecentProjects />
        <div className="home-forms">
          <NewProjectForm />
          <OpenProjectForm />
        </div>
      </div>
    </main>
  );
}

function RecentProjects() {
  const { project } = useStores();
  const recent = useSlice(project, (s) => s.recent);
  const open = useAction((dir: string) => project.getState().open(dir));
  return (
    <section className="panel recent" aria-labelledby="recent-title">
      <h2 id="recent-title">Recent projects</h2>
      {recent.length === 0 ? (
        <p className="muted" data-testid="recent-empty">
          No projects yet. Make one, or open a project folder.
        </p>
      ) : (
        <ul className="recent-list" data-testid="recent-projects">
          {recent.map((r) => (
            <li key={r.dir}>
              <button type="button" className="recent-item" data-testid="recent-project" disabled={open.pending} onClick={() => void open.run(r.dir)}>
                <span className="recent-name">{r.name}</span>
                <span className="badge">{r.task === 'detect' ? 'Detection' : 'Classification'}</span>
                <span className="recent-dir muted">{r.dir}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <ErrorMessage error={open.error} testId="recent-error" onDismiss={open.clear} />
    </section>
  );
}

function NewProjectForm() {
  const { project } = useStores();
  const [name, setName] = useState('');
  const [task, setTask] = useState<TaskType>('detect');
  const [multiLabel, setMultiLabel] = useState(false);
  const [dir, setDir] = useState('');
  const create = useAction(() => project.getState().create({ name: name.trim(), task, multiLabel: task === 'classify' && multiLabel, dir: dir.trim() }));
  const choose = useAction(async () => {
    const picked = await project.getState().pickDirectory('Folder for the new project');
    if (picked) setDir(picked);
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };

  return (
    <section className="panel" aria-labelledby="new-title">
      <h2 id="new-title">New project</h2>
      <form className="form" onSubmit={submit} data-testid="new-project-form">
        <label className="field">
          <span>Name</span>
          <input data-testid="new-project-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Forklifts" required />
        </label>
        <fieldset className="field">
          <legend>Task</legend>
          <div className="segmented">
            <label>
              <input type="radio" name="task" value="detect" data-testid="new-project-task-detect" checked={task === 'detect'} onChange={() => setTask('detect')} />
              Detection (boxes)
            </label>
            <label>
              <input type="radio" name="task" value="classify" data-testid="new-project-task-classify" checked={task === 'classify'} onChange={() => setTask('classify')} />
              Classification (tags)
            </label>
          </div>
        </fieldset>
        {task === 'classify' && (
          <label className="checkbox">
            <input type="checkbox" data-testid="new-project-multilabel" checked={multiLabel} onChange={(e) => setMultiLabel(e.target.checked)} />
            Several classes per image (multi-label)
          </label>
        )}
        <label className="field">
          <span>Project folder</span>
          <FolderInput value={dir} onChange={setDir} placeholder="/home/me/projects/forklifts" testId="new-project-dir" onChoose={() => void choose.run()} choosing={choose.pending} />
          <small className="muted">A new or empty folder; the project keeps its images and labels there.</small>
        </label>
        <ErrorMessage error={choose.error} testId="new-project-choose-error" onDismiss={choose.clear} />
        <div className="form-actions">
          <button type="submit" className="primary" data-testid="new-project-create" disabled={create.pending}>
            {create.pending ? 'Creating…' : 'Create project'}
          </button>
        </div>
        <ErrorMessage error={create.error} testId="new-project-error" onDismiss={create.clear} />
      </form>
    </section>
  );
}

function OpenProjectForm() {
  const { project } = useStores();
  const [dir, setDir] = useState('');
  const open = useAction((path: string) => project.getState().open(path));
  const choose = useAction(async () => {
    const picked = await project.getState().pickDirectory('Open a project folder');
    if (picked) {
      setDir(picked);
      await project.getState().open(picked);
    }
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void open.run(dir.trim());
  };

  return (
    <section className="panel" aria-labelledby="open-title">
      <h2 id="open-title">Open project</h2>
      <form className="form" onSubmit={submit} data-testid="open-project-form">
        <label className="field">
          <span>Project folder</span>
          <FolderInput value={dir} onChange={setDir} placeholder="/home/me/projects/forklifts" testId="open-project-dir" onChoose={() => void choose.run()} choosing={choose.pending} />
        </label>
        <div className="form-actions">
          <button type="submit" data-testid="open-project-submit" disabled={open.pending}>
            {open.pending ? 'Opening…' : 'Open'}
          </button>
        </div>
        <ErrorMessage error={open.error ?? choose.error} testId="open-project-error" onDismiss={() => {
            open.clear();
            choose.clear();
          }} />
      </form>
    </section>
  );
}
