/**
 * An open project: tabs for the images (classes on the left, import and filters over the grid),
 * the dataset's health and its split; the labeler opens over any of them.
 */
import { useCallback, useState } from 'react';
import type { ImageFilter, ImportFormat } from '@shared';
import { LazyBackupPage, LazyHealthPage, LazyLabeler, LazyModelsPage, LazySplitsPage, LazyTeamPage, LazyTrainingPage, LazyWeightsPage, LazyEvaluationPage } from './lazy-pages.js';
import { GridSelectionBar } from './GridSelectionBar.js';
import { ClassesPanel } from './ClassesPanel.js';
import { DropZone } from './DropZone.js';
import { ErrorMessage } from './ErrorMessage.js';
import { ExportDialog } from './ExportDialog.js';
import { FilterBar } from './FilterBar.js';
import { ImportControls } from './ImportControls.js';
import { JobsPanel } from './JobsPanel.js';
import { ThumbnailGrid } from './ThumbnailGrid.js';
import { useAction, useSlice, useStores } from './stores-context.js';

export function ProjectView() {
  const { project } = useStores();
  const info = useSlice(project, (s) => s.project);
  const uploads = useSlice(project, (s) => s.appInfo?.uploadsDroppedFiles ?? false);
  const [format, setFormat] = useState<ImportFormat>('auto');
  const [exporting, setExporting] = useState(false);
  const close = useAction(() => project.getState().close());
  const closeExport = useCallback(() => setExporting(false), []);
  const [tab, setTab] = useState<ProjectTab>('images');
  const showImages = useCallback(
    (filter: ImageFilter) => {
      project.getState().setFilter(filter);
      setTab('images');
    },
    [project],
  );
  if (!info) return null;

  return (
    <div className="project-view" data-testid="project-view">
      <header className="app-header">
        <div className="project-title">
          <h1 data-testid="project-name">{info.name}</h1>
          <span className="badge" data-testid="project-task">
            {info.task === 'detect' ? 'Detection' : info.multiLabel ? 'Classification, multi-label' : 'Classification'}
          </span>
          <span className="muted small project-dir" title={info.dir}>
            {info.dir}
          </span>
        </div>
        <nav className="tabs" role="tablist" aria-label="Project views">
          {TABS.map((t) => (
            <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} className={`tab${tab === t.id ? ' active' : ''}`} onClick={() => setTab(t.id)} data-testid={`tab-${t.id}`}>
              {t.label}
            </button>
          ))}
        </nav>
        <div className="header-actions">
          <button type="button" onClick={() => setExporting(true)} data-testid="export-button">
            Export…
          </button>
          <button type="button" className="link-button" onClick={() => void close.run()} disabled={close.pending} data-testid="close-project">
            Close project
          </button>
        </div>
      </header>
      <ErrorMessage error={close.error} testId="close-project-error" onDismiss={close.clear} />
      <div className={`project-body${tab === 'images' ? '' : ' hidden'}`}>
        <ClassesPanel />
        <main className="images-pane">
          <ImportControls format={format} onFormat={setFormat} />
          <JobsPanel />
          <FilterBar />
          <GridSelectionBar />
          <DropZone format={format}>
            <ThumbnailGrid
              emptyHint={
                <div>
                  <strong>No images here yet.</strong>
                  <p className="muted">{uploads ? 'Drop a folder of images or a dataset here, or use Import folder…' : 'Use Import folder… to bring in images or a dataset.'}</p>
                </div>
              }
            />
          </DropZone>
        </main>
      </div>
      {tab === 'health' && <LazyHealthPage onShowImages={showImages} />}
      {tab === 'splits' && <LazySplitsPage />}
      {tab === 'training' && <LazyTrainingPage />}
      {tab === 'models' && <LazyModelsPage onShowWeights={() => setTab('weights')} />}
      {tab === 'evaluation' && <LazyEvaluationPage />}
      {tab === 'weights' && <LazyWeightsPage />}
      {tab === 'team' && <LazyTeamPage />}
      {tab === 'backup' && <LazyBackupPage />}
      <LazyLabeler />
      {exporting && <ExportDialog onClose={closeExport} />}
    </div>
  );
}

type ProjectTab = 'images' | 'health' | 'splits' | 'training' | 'weights' | 'models' | 'evaluation' | 'team' | 'backup';
const TABS: { id: ProjectTab; label: string }[] = [
  { id: 'images', label: 'Images' },
  { id: 'health', label: 'Health' },
  { id: 'splits', label: 'Splits' },
  { id: 'training', label: 'Training' },
  { id: 'weights', label: 'Weights' },
  { id: 'models', label: 'Models' },
  { id: 'evaluation', label: 'Evaluation' },
  { id: 'team', label: 'Team' },
  { id: 'backup', label: 'Backup' },
];
