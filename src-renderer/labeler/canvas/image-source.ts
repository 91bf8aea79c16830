/**
 * Loads what the image layer draws. A large image opens through its `preview` (at most 2048 px)
 * drawn at the image's real size, and swaps to the original once that is decoded. Decoding
 * happens off the main thread: the bytes are fetched and `createImageBitmap(blob)` decodes them
 * on a worker, and drawing the bitmap never decodes again. (Measured in Chromium on an 8000 ×
 * 8000 JPEG: that path never held a frame past 17 ms, while drawing an `<img>` after
 * `img.decode()`, or `createImageBitmap(img)`, decoded again on the main thread for 400–700 ms.)
 * Where the page may not fetch the media URL (a CSP without it in connect-src), the `<img>`
 * path is the fallback.
 */
import type { ImageRecord, MediaKind } from '@shared';

interface LoadedImage {
  image: CanvasImageSource;
  width: number;
  height: number;
  kind: 'preview' | 'image';
}

export interface ImageSources {
  imageId: number | null;
  preview: LoadedImage | null;
  full: LoadedImage | null;
  /** Why the original could not be shown; null when it was (or is on its way). */
  error: string | null;
}

/** Longest side of the `preview` rendition. */
const PREVIEW_MAX_PX = 2048;

export function needsPreview(image: { width: number; height: number }): boolean {
  return Math.max(image.width, image.height) > PREVIEW_MAX_PX;
}

/** Which source to draw at this scale: the preview while it holds every pixel the screen shows. */
export function sourceFor(sources: ImageSources, imageWidth: number, scale: number): LoadedImage | null {
  const { preview, full } = sources;
  if (!full) return preview;
  if (!preview) return full;
  return imageWidth * scale <= preview.width ? preview : full;
}

/** False once a fetch of media was refused (the desktop's CSP): use `<img>` from then on. */
let canFetchMedia = typeof fetch === 'function' && typeof createImageBitmap === 'function';

async function decodeWithFetch(url: string, kind: LoadedImage['kind'], signal: AbortSignal): Promise<LoadedImage> {
  const response = await fetch(url, { signal, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  const bitmap = await createImageBitmap(await response.blob(), { imageOrientation: 'from-image' });
  return { image: bitmap, width: bitmap.width, height: bitmap.height, kind };
}

async function decodeWithImg(url: string, kind: LoadedImage['kind']): Promise<LoadedImage> {
  const img = new Image();
  img.decoding = 'async';
  img.src = url;
  await img.decode();
  return { image: img, width: img.naturalWidth, height: img.naturalHeight, kind };
}

async function decode(url: string, kind: LoadedImage['kind'], signal: AbortSignal): Promise<LoadedImage> {
  if (canFetchMedia) {
    try {
      return await decodeWithFetch(url, kind, signal);
    } catch (err) {
      if (signal.aborted) throw err;
      // A TypeError is a refused or failed fetch (CSP, scheme): the <img> path may still work.
      if (!(err instanceof TypeError)) throw err;
      canFetchMedia = false;
    }
  }
  return decodeWithImg(url, kind);
}

function release(loaded: LoadedImage | null): void {
  if (loaded && typeof ImageBitmap !== 'undefined' && loaded.image instanceof ImageBitmap) loaded.image.close();
}

export class ImageSourceLoader {
  private sources: ImageSources = { imageId: null, preview: null, full: null, error: null };
  private ticket = 0;
  private abort: AbortController | null = null;

  constructor(
    private readonly media: (kind: MediaKind, imageId: number) => string,
    private readonly onChange: (sources: ImageSources) => void,
  ) {}

  get current(): ImageSources {
    return this.sources;
  }

  open(image: Pick<ImageRecord, 'id' | 'width' | 'height'> | null): void {
    if (image && this.sources.imageId === image.id) return;
    const mine = ++this.ticket;
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    release(this.sources.preview);
    release(this.sources.full);
    this.set({ imageId: image?.id ?? null, preview: null, full: null, error: null });
    if (!image) return;
    const fullLoad = async () => {
      try {
        const full = await decode(this.media('image', image.id), 'image', abort.signal);
        if (mine !== this.ticket) return release(full);
        this.set({ ...this.sources, full });
      } catch {
        if (mine === this.ticket) this.set({ ...this.sources, error: 'The image could not be loaded.' });
      }
    };
    // Both at once: the preview (small, soon there) shows while the original arrives; once both
    // are in, each is drawn where it holds enough pixels (see `sourceFor`).
    if (needsPreview(image)) {
      void (async () => {
        try {
          const preview = await decode(this.media('preview', image.id), 'preview', abort.signal);
          if (mine !== this.ticket) return release(preview);
          this.set({ ...this.sources, preview });
        } catch {
          // No preview (an older studio): the original alone will do.
        }
      })();
    }
    void fullLoad();
  }

  dispose(): void {
    this.open(null);
  }

  private set(sources: ImageSources): void {
    this.sources = sources;
    this.onChange(sources);
  }
}
