/**
 * What to train: the model (pretrained weights by default, from scratch, weights the user has,
 * or an earlier run's best), the usual settings, and under "Advanced" any other Ultralytics
 * hyperparameter and a split for this run. Checked before it is sent; the studio's refusals show
 * here too. Pretrained weights the library lacks are fetched first, with progress and Cancel,
 * and the run starts once they are in.
 */
import { useMemo, useState, type FormEvent } from 'react';
import type { TrainingStartRequest } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { useAction, useSlice, useStores } from '../ui/stores-context.js';
import { useTraining, useTrainingStore } from './context.js';
import { trainingDeviceChoices } from './devices.js';
import { ChoiceSelect, Field } from './FormField.js';
import { ModelChoice } from './ModelChoice.js';
import { AUGMENTATION_LABELS, AUGMENTATION_PRESETS, OPTIMIZERS, validateTrainingForm, type FormErrors, type TrainingFormValues } from './training-form.js';

export function TrainingForm() {
  const store = useTrainingStore();
  const form = useTraining((s) => s.form);
  const runtime = useTraining((s) => s.runtime);
  const runs = useTraining((s) => s.runs);
  const { weights, project } = useStores();
  const task = useSlice(project, (s) => s.project?.task ?? 'detect');
  const [showErrors, setShowErrors] = useState(false);
  const start = useAction(async (request: TrainingStartRequest) => {
    // training.start takes pretrained weights only from the library: fetch them first.
    if (request.model.kind === 'pretrained') await weights.getState().ensure(request.model.name);
    return store.getState().start(request);
  });

  const devices = useMemo(() => trainingDeviceChoices(runtime), [runtime]);
  const usableDevices = devices.filter((d) => d.works).map((d) => d.value);
  const finishedRuns = runs.filter((r) => r.status === 'completed');
  const checked = validateTrainingForm(form, { devices: runtime?.env ? usableDevices : undefined, runs: finishedRuns.map((r) => r.id), task });
  const chosen = checked.request?.model.kind === 'pretrained' ? checked.request.model.name : null;
  // A fetch of the chosen weights under way (from here or the Weights tab): Train waits for it.
  const fetching = useSlice(weights, (s) => chosen !== null && s.jobs.some((j) => j.target?.kind === 'pull' && j.target.name === chosen));
  const errors: FormErrors = showErrors ? checked.errors : {};
  const runtimeBlocks = runtime !== null && !runtime.ready;

  const set = (patch: Partial<TrainingFormValues>) => store.getState().setForm(patch);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setShowErrors(true);
    if (!checked.request) return;
    const started = await start.run(checked.request);
    if (started) setShowErrors(false);
  };

  return (
    <form className="panel training-form" onSubmit={(e) => void submit(e)} noValidate aria-label="New training run" data-testid="training-form">
      <h2>New training run</h2>

      <ModelChoice form={form} errors={errors} task={task} finishedRuns={finishedRuns} set={set} />

      <Field label="Name (optional)" id="tf-name" error={errors.name} field="name">
        <input id="tf-name" value={form.name} onChange={(e) => set({ name: e.target.value })} placeholder="e.g. first try, 640 px" maxLength={120} data-testid="run-name" />
      </Field>

      <div className="form-row">
        <Field label="Epochs" id="tf-epochs" error={errors.epochs} field="epochs">
          <input id="tf-epochs" inputMode="numeric" value={form.epochs} onChange={(e) => set({ epochs: e.target.value })} data-testid="epochs" />
        </Field>
        <Field label="Image size (px)" id="tf-imgsz" error={errors.imgsz} field="imgsz">
          <input id="tf-imgsz" inputMode="numeric" value={form.imgsz} onChange={(e) => set({ imgsz: e.target.value })} data-testid="imgsz" />
        </Field>
      </div>

      <div className="form-row">
        <Field label="Batch" id="tf-batch" error={errors.batch} field="batch">
          <div className="input-row">
            <input id="tf-batch" inputMode="numeric" value={form.batchAuto ? '' : form.batch} placeholder={form.batchAuto ? 'auto' : undefined} disabled={form.batchAuto} onChange={(e) => set({ batch: e.target.value })} data-testid="batch" />
            <label className="checkbox small">
              <input type="checkbox" checked={form.batchAuto} onChange={(e) => set({ batchAuto: e.target.checked })} data-testid="batch-auto" />
              Auto
            </label>
          </div>
        </Field>
        <Field label="Patience (epochs)" id="tf-patience" error={errors.patience} field="patience">
          <input id="tf-patience" inputMode="numeric" value={form.patience} onChange={(e) => set({ patience: e.target.value })} title="Stop early when validation has not improved for this many epochs; 0 never stops early." data-testid="patience" />
        </Field>
      </div>

      <div className="form-row">
        <Field label="Learning rate" id="tf-lr0" error={errors.lr0} field="lr0">
          <input id="tf-lr0" inputMode="decimal" value={form.lr0} onChange={(e) => set({ lr0: e.target.value })} placeholder="default" data-testid="lr0" />
        </Field>
        <Field label="Optimizer" id="tf-optimizer">
          <ChoiceSelect id="tf-optimizer" value={form.optimizer} values={OPTIMIZERS} label={(o) => (o === 'auto' ? 'Auto' : o)} onChange={(optimizer) => set({ optimizer })} testId="optimizer" />
        </Field>
      </div>

      <div className="form-row">
        <Field label="Augmentation" id="tf-augmentation">
          <ChoiceSelect id="tf-augmentation" value={form.augmentation} values={AUGMENTATION_PRESETS} label={(a) => AUGMENTATION_LABELS[a]} onChange={(augmentation) => set({ augmentation })} testId="augmentation" />
        </Field>
        <Field label="Device" id="tf-device" error={errors.device} field="device">
          <select id="tf-device" value={form.device} onChange={(e) => set({ device: e.target.value })} data-testid="device">
            <option value="auto">Auto{runtime?.bestDevice ? ` (${devices.find((d) => d.value === runtime.bestDevice)?.label ?? runtime.bestDevice})` : ''}</option>
            {devices.map((d) => (
              <option key={d.value} value={d.value} disabled={!d.works}>
                {d.label}
                {d.works ? '' : ' (does not work)'}
              </option>
            ))}
            {/* A choice kept from before the devices were known, so the select does not lie. */}
            {form.device !== 'auto' && !devices.some((d) => d.value === form.device) && <option value={form.device}>{form.device}</option>}
          </select>
        </Field>
      </div>

      <details className="advanced" data-testid="advanced">
        <summary>Advanced</summary>
        <Field label="Seed" id="tf-seed" error={errors.seed} field="seed">
          <input id="tf-seed" inputMode="numeric" value={form.seed} onChange={(e) => set({ seed: e.target.value })} data-testid="seed" />
        </Field>
        <AdvancedRows values={form} errors={errors} onChange={(advanced) => set({ advanced })} />
        <fieldset className="field">
          <legend>Split for this run</legend>
          <label className="checkbox small">
            <input type="checkbox" checked={form.useSplit} onChange={(e) => set({ useSplit: e.target.checked })} data-testid="use-split" />
            Use its own train / val / test split instead of the project’s
          </label>
          {form.useSplit && (
            <div className="split-inputs">
              {(['Train', 'Val', 'Test'] as const).map((label, i) => (
                <label key={label} className="field">
                  <span>{label} %</span>
                  <input
                    inputMode="decimal"
                    value={form.split[i]}
                    onChange={(e) => {
                      const split = [...form.split] as TrainingFormValues['split'];
                      split[i] = e.target.value;
                      set({ split });
                    }}
                    aria-invalid={errors.split ? true : undefined}
                    data-testid={`split-${label.toLowerCase()}`}
                  />
                </label>
              ))}
            </div>
          )}
          {errors.split && (
            <p className="field-error" data-testid="field-error-split">
              {errors.split}
            </p>
          )}
        </fieldset>
      </details>

      {showErrors && !checked.request && (
        <p className="field-error" role="alert" data-testid="form-invalid">
          Some settings need a look: see the messages above.
        </p>
      )}
      {runtimeBlocks && <p className="muted small">Set up the training runtime above before you train.</p>}
      <ErrorMessage error={start.error} testId="training-start-error" onDismiss={start.clear} />
      <div className="form-actions">
        <button type="button" className="link-button" onClick={() => store.getState().resetForm()}>
          Reset
        </button>
        <button type="submit" className="primary train-button" disabled={start.pending || fetching || runtimeBlocks} data-testid="train-button">
          {fetching ? 'Downloading weights…' : start.pending ? 'Starting…' : 'Train'}
        </button>
      </div>
    </form>
  );
}

function AdvancedRows({ values, errors, onChange }: { values: TrainingFormValues; errors: FormErrors; onChange: (rows: TrainingFormValues['advanced']) => void }) {
  const rows = values.advanced;
  const update = (i: number, patch: Partial<TrainingFormValues['advanced'][number]>) => onChange(rows.map((r, k) => (k === i ? { ...r, ...patch } : r)));
  return (
    <fieldset className="field advanced-rows">
      <legend>Other hyperparameters</legend>
      <p className="muted small">Any Ultralytics training setting by name, e.g. close_mosaic = 10, cos_lr = true, mixup = 0.1. The studio checks them against the ones it allows.</p>
      {rows.map((row, i) => (
        <div key={i} className="advanced-row">
          <div className="input-row">
            <input value={row.key} onChange={(e) => update(i, { key: e.target.value })} placeholder="name" aria-label={`Setting ${i + 1} name`} spellCheck={false} data-testid="advanced-key" />
            <span className="muted">=</span>
            <input value={row.value} onChange={(e) => update(i, { value: e.target.value })} placeholder="value" aria-label={`Setting ${i + 1} value`} spellCheck={false} data-testid="advanced-value" />
            <button type="button" className="link-button" onClick={() => onChange(rows.filter((_, k) => k !== i))} aria-label={`Remove setting ${i + 1}`}>
              ×
            </button>
          </div>
          {errors.advancedRows?.[i] && <p className="field-error">{errors.advancedRows[i]}</p>}
        </div>
      ))}
      <div>
        <button type="button" onClick={() => onChange([...rows, { key: '', value: '' }])} data-testid="advanced-add">
          Add a setting
        </button>
      </div>
    </fieldset>
  );
}
