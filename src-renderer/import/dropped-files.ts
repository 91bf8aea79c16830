/**
 * Turns what the user dropped or picked in the browser into files with relative paths, folders
 * walked recursively, ready to upload.
 */
import type { UploadEntry } from '../transport/upload.js';

/**
 * Reads a drop. The `DataTransferItem`s are only valid during the drop event, so their entries
 * are taken synchronously before anything is awaited.
 */
export function readDroppedEntries(dataTransfer: DataTransfer): Promise<UploadEntry[]> {
  const roots: FileSystemEntry[] = [];
  const looseFiles: File[] = [];
  for (const item of Array.from(dataTransfer.items)) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    if (entry) roots.push(entry);
    else {
      const file = item.getAsFile();
      if (file) looseFiles.push(file);
    }
  }
  return (async () => {
    const out: UploadEntry[] = looseFiles.map((file) => ({ file, relativePath: file.name }));
    for (const root of roots) await walk(root, root.name, out);
    return out;
  })();
}

async function walk(entry: FileSystemEntry, relativePath: string, out: UploadEntry[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, relativePath });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches (100 in Chromium) until it answers an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, `${relativePath}/${child.name}`, out);
  }
}

/** Files from an `<input type=file>`: folder inputs give `webkitRelativePath`, plain ones a name. */
export function entriesFromFileList(files: FileList | readonly File[]): UploadEntry[] {
  return Array.from(files).map((file) => ({ file, relativePath: file.webkitRelativePath || file.name }));
}

export function dragHasFiles(dataTransfer: DataTransfer | null): boolean {
  return !!dataTransfer && Array.from(dataTransfer.types).includes('Files');
}
