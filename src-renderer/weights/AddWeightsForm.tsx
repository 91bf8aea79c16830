/**
 * "Add weights I have": a `.pt` file or a folder of them (an offline weights pack on a USB
 * stick), by path on the machine the studio runs on; "Choose…" where the host has dialogs.
 */
import { useState, type FormEvent } from 'react';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { FolderInput } from '../ui/FolderInput.js';
import { useAction, useStores } from '../ui/stores-context.js';
import { isAbsolutePath } from '../training/training-form.js';

export function AddWeightsForm() {
  const { weights, project } = useStores();
  const [path, setPath] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const add = useAction(async (target: string) => {
    await weights.getState().add(target);
    setPath('');
  });
  const choose = useAction(async () => {
    const picked = await project.getState().pickDirectory('A folder of weights (.pt files)');
    if (picked) setPath(picked);
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const target = path.trim();
    const wrong = !target ? 'Give the path of a .pt file or of a folder of them.' : isAbsolutePath(target) ? null : 'Give the full path, from the root of the disk (e.g. /media/usb/weights).';
    setProblem(wrong);
    if (!wrong) void add.run(target);
  };

  return (
    <section className="card" aria-labelledby="weights-add-title" data-testid="weights-add">
      <h3 id="weights-add-title">Add weights I have</h3>
      <p className="muted small">A .pt file, or a folder of them (a weights pack copied from a USB stick). Each is loaded by the runtime first; a file that is not a model is refused.</p>
      <form className="form" onSubmit={submit}>
        <FolderInput value={path} onChange={setPath} placeholder="/path/to/yolo11n.pt or a folder" testId="weights-add-path" onChoose={() => void choose.run()} choosing={choose.pending} />
        {problem && <p className="field-error">{problem}</p>}
        <div className="form-actions weights-actions">
          <button type="submit" disabled={add.pending} data-testid="weights-add-submit">
            Add to the library
          </button>
        </div>
      </form>
      <ErrorMessage error={add.error ?? choose.error} testId="weights-add-error" onDismiss={() => (add.clear(), choose.clear())} />
    </section>
  );
}
