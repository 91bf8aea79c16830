/**
 * What the run starts from: pretrained weights (the default and the first choice, for every
 * family and size), from scratch (with when that makes sense), a weights file, or an earlier
 * run's best weights. With pretrained weights, whether the library has them or will fetch them.
 */
import { useEffect } from 'react';
import { pretrainedName, type RunSummary, type TaskType } from '@shared';
import { useStores } from '../ui/stores-context.js';
import { ChoiceSelect, Field } from './FormField.js';
import { formatMetric } from './format.js';
import { PretrainedStatus } from './PretrainedStatus.js';
import { metricValue } from './run-data.js';
import { FAMILY_LABELS, MODEL_FAMILIES, MODEL_SIZES, SIZE_LABELS, type FormErrors, type ModelSource, type TrainingFormValues } from './training-form.js';

interface ModelChoiceProps {
  form: TrainingFormValues;
  errors: FormErrors;
  task: TaskType;
  finishedRuns: RunSummary[];
  set(patch: Partial<TrainingFormValues>): void;
}

function sourceChoices(task: TaskType): { value: ModelSource; label: string; hint?: string }[] {
  const dataset = task === 'classify' ? 'ImageNet' : 'COCO';
  return [
    {
      value: 'pretrained',
      label: `Pretrained on ${dataset} (recommended)`,
      hint: `Fine-tunes a model that already knows ${dataset}’s pictures: useful after a few hundred labeled images.`,
    },
    {
      value: 'architecture',
      label: 'From scratch',
      hint: 'Only for large datasets (tens of thousands of images) or images unlike photos; on a few hundred images it learns almost nothing.',
    },
    { value: 'weights', label: 'Weights I have (.pt)' },
    { value: 'run', label: 'An earlier run’s best weights' },
  ];
}

export function ModelChoice({ form, errors, task, finishedRuns, set }: ModelChoiceProps) {
  const { weights } = useStores();
  // What the library holds now: the status line below says whether Train will download first.
  useEffect(() => {
    void weights.getState().load();
  }, [weights]);

  return (
    <>
      <fieldset className="field">
        <legend>Start from</legend>
        <div className="source-choice" role="radiogroup">
          {sourceChoices(task).map(({ value, label, hint }) => (
            <label key={value} className="checkbox source-option">
              <input type="radio" name="model-source" value={value} checked={form.source === value} onChange={() => set({ source: value })} data-testid={`model-source-${value}`} />
              <span>
                {label}
                {hint && <span className="muted small source-hint">{hint}</span>}
              </span>
            </label>
          ))}
        </div>
      </fieldset>

      {(form.source === 'pretrained' || form.source === 'architecture') && (
        <div className="form-row">
          <Field label="Model family" id="tf-family">
            <ChoiceSelect id="tf-family" value={form.family} values={MODEL_FAMILIES} label={(f) => FAMILY_LABELS[f]} onChange={(family) => set({ family })} testId="model-family" />
          </Field>
          <Field label="Size" id="tf-size">
            <ChoiceSelect id="tf-size" value={form.size} values={MODEL_SIZES} label={(size) => SIZE_LABELS[size]} onChange={(size) => set({ size })} testId="model-size" />
          </Field>
        </div>
      )}
      {form.source === 'pretrained' && <PretrainedStatus name={pretrainedName(form.family, form.size, task)} task={task} />}
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
    </>
  );
}
