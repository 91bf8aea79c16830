/**
 * What to train: the model (an architecture from scratch, weights the user has, or an earlier
 * run's best), the usual settings, and under "Advanced" any other Ultralytics hyperparameter
 * and a split for this run. Checked before it is sent; the studio's refusals show here too.
 */
import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import type { TrainingStartRequest } from '@shared';
import { ErrorMessage } from '../ui/ErrorMessage.js';
import { useAction } from '../ui/stores-context.js';
import { useTraining, useTrainingStore } from './context.js';
import { trainingDeviceChoices } from './devices.js';
import { formatMetric } from './format.js';
import { metricValue } from './run-data.js';
import {
  AUGMENTATION_LABELS,
  AUGMENTATION_PRESETS,
  FAMILY_LABELS,
  MODEL_FAMILIES,
  MODEL_SIZES,
  OPTIMIZERS,
  SIZE_LABELS,
  validateTrainingForm,
  type FormErrors,
  type FormField,
  type ModelSource,
  type TrainingFormValues,
} from './training-form.js';

export function TrainingForm() {
  const store = useTrainingStore();
  const form = useTraining((s) => s.form);
  const runtime = useTraining((s) => s.runtime);
  const runs = useTraining((s) => s.runs);
  const [showErrors, setShowErrors] = useState(false);
  const start = useAction((request: TrainingStartRequest) => store.getState().start(request));

  const devices = useMemo(() => trainingDeviceChoices(runtime), [runtime]);
  const usableDevices = devices.filter((d) => d.works).map((d) => d.value);
  const finishedRuns = runs.filter((r) => r.status === 'completed');
  const checked = validateTrainingForm(form, { devices: runtime?.env ? usableDevices : undefined, runs: finishedRuns.map((r) => r.id) });
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

      <fieldset className="field">
        <legend>Start from</legend>
        <div className="source-choice" role="radiogroup">
          {(
            [
              ['architecture', 'A YOLO architecture, from scratch'],
              ['weights', 'Weights I have (.pt)'],
              ['run', 'An earlier run’s best weights'],
            ] as [ModelSource, string][]
          ).map(([value, label]) => (
            <label key={value} className="checkbox">
              <input type="radio" name="model-source" value={value} checked={form.source === value} onChange={() => set({ source: value })} data-testid={`model-source-${value}`} />
              {label}
            </label>
          ))}
        </div>
      </fieldset>

      {form.source === 'architecture' && (
        <div className="form-row">
          <Field label="Model family" id="tf-family">
            <select id="tf-family" value={form.family} onChange={(e) => set({ family: e.target.value as TrainingFormValues['family'] })} data-testid="model-family">
              {MODEL_FAMILIES.map((f) => (
                <option key={f} value={f}>
                  {FAMILY_LABELS[f]}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Size" id="tf-size">
            <select id="tf-size" value={form.size} onChange={(e) => set({ size: e.target.value as TrainingFormValues['size'] })} data-testid="model-size">
              {MODEL_SIZES.map((s) => (
                <option key={s} value={s}>
                  {SIZE_LABELS[s]}
                </option>
              ))}
            </select>
          </Field>
        </div>
      )}
      {form.source === 'weights' && (
        <Field label="Weights file" id="tf-weights" error={errors.weightsPath} field="weightsPath">
          <input id="tf-weights" value={form.weightsPath} onChange={(e) => set({ weightsPath: e.target.value })} placeholder="/path/to/weights.pt" spellCheck={false} data-testid="weights-path" />
        </Field>
      )}
      {form.source === 'run' && (
        <Field label="Run" id="tf-run" error={errors.runId} field="runId">
          <select id="tf-run" value={form.runId} onChange={(e) => set({ runId: e.target.value })} data-testid="weights-run">
            <option value="">{finishedRuns.length === 0 ? 'No completed runs yet' : 'Choose a completed run…'}</option>
            {finishedRuns.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} · {r.model} · mAP50-95 {formatMetric(metricValue(r.best?.metrics, 'mAP50-95'))}
              </option>
            ))}
          </select>
        </Field>
      )}
      {errors.model && <p className="field-error">{errors.model}</p>}

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
          <select id="tf-optimizer" value={form.optimizer} onChange={(e) => set({ optimizer: e.target.value as TrainingFormValues['optimizer'] })} data-testid="optimizer">
            {OPTIMIZERS.map((o) => (
              <option key={o} value={o}>
                {o === 'auto' ? 'Auto' : o}
              </option>
            ))}
          </select>
        </Field>
      </div>

      <div className="form-row">
        <Field label="Augmentation" id="tf-augmentation">
          <select id="tf-augmentation" value={form.augmentation} onChange={(e) => set({ augmentation: e.target.value as TrainingFormValues['augmentation'] })} data-testid="augmentation">
            {AUGMENTATION_PRESETS.map((a) => (
              <option key={a} value={a}>
                {AUGMENTATION_LABELS[a]}
              </option>
            ))}
          </select>
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
        <button type="submit" className="primary train-button" disabled={start.pending || runtimeBlocks} data-testid="train-button">
          {start.pending ? 'Starting…' : 'Train'}
        </button>
      </div>
    </form>
  );
}

function Field({ label, id, error, field, children }: { label: string; id: string; error?: string; field?: FormField; children: ReactNode }) {
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
