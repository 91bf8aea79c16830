/**
 * Ways to bring images in. In a browser: pick a folder or files (uploaded to the server first),
 * or name a path on the server. On the desktop: a native folder picker, and a file picker whose
 * files are imported in place by their disk paths (as dropped files are).
 */
import { useRef, useState, type FormEvent, type RefObject } from 'react';
import type { ImportFormat } from '@shared';
import { entriesFromFileList } from '../import/dropped-files.js';
import { ErrorMessage } from './ErrorMessage.js';
import { useAction, useSlice, useStores } from './stores-context.js';

const IMPORT_FORMATS: { value: ImportFormat; label: string }[] = [
  { value: 'auto', label: 'Detect the format' },
  { value: 'images', label: 'Images only' },
  { value: 'yolo', label: 'YOLO dataset' },
  { value: 'coco', label: 'COCO JSON' },
  { value: 'folders', label: 'Class folders' },
];

export function ImportControls({ format, onFormat }: { format: ImportFormat; onFormat: (f: ImportFormat) => void }) {
  const { project, jobs, host } = useStores();
  const uploads = useSlice(project, (s) => s.appInfo?.uploadsDroppedFiles ?? false);
  const nativeDialogs = useSlice(project, (s) => s.appInfo?.nativeDialogs ?? false);
  const uploading = useSlice(jobs, (s) => s.upload !== null);
  const folderInput = useRef<HTMLInputElement>(null);
  const filesInput = useRef<HTMLInputElement>(null);
  const [serverPath, setServerPath] = useState('');
  const [showServerPath, setShowServerPath] = useState(false);

  const importFiles = useAction(async (files: File[]) => {
    if (files.length === 0) return;
    await jobs.getState().importUpload(entriesFromFileList(files), format);
  });
  const importPath = useAction(async (path: string) => {
    await jobs.getState().importPaths([path], format);
    setServerPath('');
  });
  const importDesktopFiles = useAction(async (files: File[]) => {
    const paths = files.map((f) => host.pathForFile!(f)).filter(Boolean);
    if (paths.length) await jobs.getState().importPaths(paths, format);
  });
  const pickFolder = useAction(async () => {
    const dir = await project.getState().pickDirectory('Import a folder of images or a dataset');
    if (dir) await jobs.getState().importPaths([dir], format);
  });

  const onServerPath = (e: FormEvent) => {
    e.preventDefault();
    if (serverPath.trim()) void importPath.run(serverPath.trim());
  };

  return (
    <div className="import-controls">
      <div className="import-buttons">
        {uploads ? (
          <>
            <button type="button" className="primary" onClick={() => folderInput.current?.click()} disabled={uploading} data-testid="import-folder-button">
              Import folder…
            </button>
            <button type="button" onClick={() => filesInput.current?.click()} disabled={uploading} data-testid="import-files-button">
              Import files…
            </button>
            <HiddenFileInput inputRef={folderInput} testId="import-folder-input" folders onFiles={(files) => void importFiles.run(files)} />
            <HiddenFileInput inputRef={filesInput} testId="import-files-input" accept="image/*" onFiles={(files) => void importFiles.run(files)} />
          </>
        ) : (
          <>
            {nativeDialogs && (
              <button type="button" className="primary" onClick={() => void pickFolder.run()} disabled={pickFolder.pending} data-testid="import-pick-folder">
                Import folder…
              </button>
            )}
            {host.pathForFile && (
              <>
                <button type="button" onClick={() => filesInput.current?.click()} data-testid="import-files-button">
                  Import files…
                </button>
                <HiddenFileInput
                  inputRef={filesInput}
                  testId="import-files-input"
                  accept=".jpg,.jpeg,.png,.webp,.bmp,.tif,.tiff,.json,.yaml,.yml"
                  onFiles={(files) => void importDesktopFiles.run(files)}
                />
              </>
            )}
          </>
        )}
        <button type="button" className="link-button" onClick={() => setShowServerPath((v) => !v)} aria-expanded={showServerPath} data-testid="import-server-path-toggle">
          {uploads ? 'Import from a path on the server…' : 'Import from a path…'}
        </button>
        <label className="format-select">
          <span>Format</span>
          <select value={format} onChange={(e) => onFormat(e.target.value as ImportFormat)} data-testid="import-format">
            {IMPORT_FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {showServerPath && (
        <form className="server-path" onSubmit={onServerPath}>
          <label className="visually-hidden" htmlFor="import-server-path">
            Absolute path of a folder or file on the server
          </label>
          <input
            id="import-server-path"
            data-testid="import-server-path"
            placeholder="/data/datasets/forklifts"
            value={serverPath}
            onChange={(e) => setServerPath(e.target.value)}
            spellCheck={false}
          />
          <button type="submit" disabled={importPath.pending || !serverPath.trim()} data-testid="import-server-path-submit">
            Import
          </button>
        </form>
      )}
      <ErrorMessage error={importFiles.error ?? importDesktopFiles.error ?? importPath.error ?? pickFolder.error} testId="import-error" onDismiss={() => {
        importFiles.clear();
        importDesktopFiles.clear();
        importPath.clear();
        pickFolder.clear();
      }} />
    </div>
  );
}

/** A hidden multi-file (or folder) input that hands over what was picked. */
function HiddenFileInput({ inputRef, testId, accept, folders = false, onFiles }: { inputRef: RefObject<HTMLInputElement | null>; testId: string; accept?: string; folders?: boolean; onFiles: (files: File[]) => void }) {
  return (
    <input
      ref={inputRef}
      type="file"
      className="visually-hidden"
      tabIndex={-1}
      aria-hidden="true"
      data-testid={testId}
      multiple
      accept={accept}
      {...(folders ? { webkitdirectory: '', directory: '' } : {})}
      onChange={(e) => {
        const input = e.currentTarget;
        // Copy the list before clearing the input, so picking the same files again still fires.
        const files = input.files ? Array.from(input.files) : [];
        input.value = '';
        onFiles(files);
      }}
    />
  );
}
