/**
 * The labeler (with Konva), the health, split, training (with uPlot), models, team, backup, weights and evaluation pages load on demand, so the grid's first
 * paint parses none of them; once the grid is up they are fetched while the page is idle, and
 * open at once when asked for.
 */
import { lazy, Suspense, useEffect, type ComponentProps } from 'react';
import { useSlice, useStores } from './stores-context.js';

const loadLabeler = () => import('../labeler/LabelerView.js');
const loadHealth = () => import('../health/HealthPage.js');
const loadSplits = () => import('../splits/SplitsPage.js');
const loadTraining = () => import('../training/TrainingPage.js');
const loadModels = () => import('../inference/ModelsPage.js');
const loadTeam = () => import('../team/TeamPage.js');
const loadBackup = () => import('../backup/BackupPage.js');
const loadWeights = () => import('../weights/WeightsPage.js');
const loadEvaluation = () => import('../evaluation/EvaluationPage.js');

const LabelerView = lazy(() => loadLabeler().then((m) => ({ default: m.LabelerView })));
const HealthPage = lazy(() => loadHealth().then((m) => ({ default: m.HealthPage })));
const SplitsPage = lazy(() => loadSplits().then((m) => ({ default: m.SplitsPage })));
const TrainingPage = lazy(() => loadTraining().then((m) => ({ default: m.TrainingPage })));
const ModelsPage = lazy(() => loadModels().then((m) => ({ default: m.ModelsPage })));
const TeamPage = lazy(() => loadTeam().then((m) => ({ default: m.TeamPage })));
const BackupPage = lazy(() => loadBackup().then((m) => ({ default: m.BackupPage })));
const WeightsPage = lazy(() => loadWeights().then((m) => ({ default: m.WeightsPage })));
const EvaluationPage = lazy(() => loadEvaluation().then((m) => ({ default: m.EvaluationPage })));

const PREFETCH_DELAY_MS = 1500;

/** The labeler, mounted while an image is open. */
export function LazyLabeler() {
  const { viewer } = useStores();
  const open = useSlice(viewer, (s) => s.isOpen);
  useEffect(() => {
    const idle = (cb: () => void) => (typeof requestIdleCallback === 'function' ? requestIdleCallback(cb, { timeout: 5000 }) : setTimeout(cb, 0));
    const timer = setTimeout(() => idle(() => void Promise.all([loadLabeler(), loadHealth(), loadSplits(), loadTraining(), loadModels(), loadTeam(), loadBackup(), loadWeights(), loadEvaluation()]).catch(() => undefined)), PREFETCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, []);
  if (!open) return null;
  return (
    <Suspense fallback={<div className="viewer-backdrop" data-testid="labeler-loading" />}>
      <LabelerView />
    </Suspense>
  );
}

export function LazyHealthPage(props: ComponentProps<typeof HealthPage>) {
  return (
    <Suspense fallback={<p className="muted page">Loading…</p>}>
      <HealthPage {...props} />
    </Suspense>
  );
}

export function LazySplitsPage() {
  return (
    <Suspense fallback={<p className="muted page">Loading…</p>}>
      <SplitsPage />
    </Suspense>
  );
}

export function LazyTrainingPage() {
  return (
    <Suspense fallback={<p className="muted page">Loading…</p>}>
      <TrainingPage />
    </Suspense>
  );
}

export function LazyModelsPage(props: ComponentProps<typeof ModelsPage>) {
  return (
    <Suspense fallback={<p className="muted page">Loading…</p>}>
      <ModelsPage {...props} />
    </Suspense>
  );
}

export function LazyTeamPage() {
  return (
    <Suspense fallback={<p className="muted page">Loading…</p>}>
      <TeamPage />
    </Suspense>
  );
}

export function LazyBackupPage() {
  return (
    <Suspense fallback={<p className="muted page">Loading…</p>}>
      <BackupPage />
    </Suspense>
  );
}

export function LazyWeightsPage() {
  return (
    <Suspense fallback={<p className="muted page">Loading…</p>}>
      <WeightsPage />
    </Suspense>
  );
}

export function LazyEvaluationPage() {
  return (
    <Suspense fallback={<p className="muted page">Loading…</p>}>
      <EvaluationPage />
    </Suspense>
  );
}
