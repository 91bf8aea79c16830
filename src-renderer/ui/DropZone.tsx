/**
 * Drop folders or files anywhere over the images. The browser uploads them to `reticle serve`
 * and imports them; the desktop app imports them in place, by the paths the preload gives.
 */
import { useRef, useState, type DragEvent, type ReactNode } from 'react';
import { StudioError, type ImportFormat } from '@shared';
import { dragHasFiles, readDroppedEntries } from '../import/dropped-files.js';
import type { UploadEntry } from '../transport/upload.js';
import { ErrorMessage } from './ErrorMessage.js';
import { useAction, useSlice, useStores } from './stores-context.js';

export function DropZone({ format, children }: { format: ImportFormat; children: ReactNode }) {
  const { project, jobs, host } = useStores();
  const uploads = useSlice(project, (s) => s.appInfo?.uploadsDroppedFiles ?? false);
  const inPlace = !uploads && Boolean(host.pathForFile);
  const [over, setOver] = useState(false);
  // dragenter/dragleave fire for every child crossed: count them to know when the drag left.
  const depth = useRef(0);
  const drop = useAction(async (pending: Promise<UploadEntry[]>) => {
    const entries = await pending;
    await jobs.getState().importUpload(entries, format);
  });
  const dropInPlace = useAction(async (paths: string[]) => {
    if (paths.length === 0) throw new StudioError('invalid_input', 'Nothing dropped can be read from disk: drop files or folders from your file manager.');
    await jobs.getState().importPaths(paths, format);
  });

  if (!uploads && !inPlace) return <div className="drop-zone">{children}</div>;

  const onDragEnter = (e: DragEvent) => {
    if (!dragHasFiles(e.dataTransfer)) return;
    e.preventDefault();
    depth.current += 1;
    setOver(true);
  };
  const onDragOver = (e: DragEvent) => {
    if (!dragHasFiles(e.dataTransfer)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  };
  const onDragLeave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  };
  const onDrop = (e: DragEvent) => {
    if (!dragHasFiles(e.dataTransfer)) return;
    e.preventDefault();
    depth.current = 0;
    setOver(false);
    if (inPlace) {
      // Folders and files alike have a disk path; the import walks folders itself.
      const paths = Array.from(e.dataTransfer.files, (f) => host.pathForFile!(f)).filter(Boolean);
      void dropInPlace.run(paths);
      return;
    }
    // The items must be read now, inside the event; the walk through folders may follow.
    void drop.run(readDroppedEntries(e.dataTransfer));
  };

  return (
    <div className="drop-zone" onDragEnter={onDragEnter} onDragOver={onDragOver} onDragLeave={onDragLeave} onDrop={onDrop} data-testid="drop-zone">
      {children}
      {over && (
        <div className="drop-overlay" data-testid="drop-overlay">
          <div>
            <strong>Drop folders or images to import them</strong>
            <p className="muted">Datasets in YOLO, COCO or class-folder layout are recognised.</p>
          </div>
        </div>
      )}
      <ErrorMessage error={drop.error ?? dropInPlace.error} testId="drop-error" onDismiss={() => (drop.clear(), dropInPlace.clear())} />
    </div>
  );
}
