/** An open project: classes on the left, import and filters over the image grid, jobs and reports. */
import { useCallback, useState } from 'react';
import type { ImportFormat } from '@shared';
import { ClassesPanel } from './ClassesPanel.js';
import { DropZone } from './DropZone.js';
import { ErrorMessage } from './ErrorMessage.js';
import { ExportDialog } from './ExportDialog.js';
import { FilterBar } from './FilterBar.js';
import { ImageViewer } from './ImageViewer.js';
import { ImportControls } from './ImportControls.js';
import { JobsPanel } from './JobsPanel.js';
import { ThumbnailGrid } from './ThumbnailGrid.js';
import { useAction, useSlice, useStudio } from './studio-context.js';

export function ProjectView() {
  const { project } = useStudio();
  const info = useSlice(project, (s) => s.project);
  const uploads = useSlice(project, (s) => s.appInfo?.uploadsDroppedFiles ?? false);
  const [format, setFormat] = useState<ImportFormat>('auto');
  const [exporting, setExporting] = useState(false);
  const close = useAction(() => project.getState().close());
  const closeExport = useCallback(() => setExporting(false), []);
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
      <div className="project-body">
        <ClassesPanel />
        <main className="images-pane">
          <ImportControls format={format} onFormat={setFormat} />
          <JobsPanel />
          <FilterBar />
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
      <ImageViewer />
      {exporting && <ExportDialog onClose={closeExport} />}
    </div>
  );
}
