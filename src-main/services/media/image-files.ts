/** Which files are images the studio reads: imports, previews of a folder, `reticle predict`. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.jpe', '.png', '.webp', '.bmp', '.dib', '.tif', '.tiff']);

export function isImagePath(p: string): boolean {
  const dot = p.lastIndexOf('.');
  return dot >= 0 && IMAGE_EXTENSIONS.has(p.slice(dot).toLowerCase());
}
