/**
 * The geometry of the virtualized thumbnail grid: fixed cells, so the row of any image and the
 * images of any scroll position follow from arithmetic, and only the visible rows are mounted.
 */

export interface GridMetrics {
  /** Cell width and height, gap excluded. */
  cellWidth: number;
  cellHeight: number;
  /** Space between cells, horizontally and vertically. */
  gap: number;
  /** Space around the whole grid. */
  padding: number;
}

interface GridLayout {
  columns: number;
  rows: number;
  /** Cell height plus gap: the distance from one row's top to the next. */
  rowStride: number;
  columnStride: number;
  /** Left edge of the first column: the columns are centred in the width. */
  left: number;
  /** Height of the scrolled content, padding included. */
  contentHeight: number;
}

interface VisibleRange {
  /** First mounted row and one past the last. */
  firstRow: number;
  endRow: number;
  /** First mounted image index and one past the last, clamped to the total. */
  firstIndex: number;
  endIndex: number;
}

export function gridLayout(total: number, viewportWidth: number, m: GridMetrics): GridLayout {
  const usable = Math.max(0, viewportWidth - 2 * m.padding);
  const columns = Math.max(1, Math.floor((usable + m.gap) / (m.cellWidth + m.gap)));
  const rows = total > 0 ? Math.ceil(total / columns) : 0;
  const rowStride = m.cellHeight + m.gap;
  const contentHeight = rows === 0 ? 0 : 2 * m.padding + rows * rowStride - m.gap;
  const columnStride = m.cellWidth + m.gap;
  const used = columns * columnStride - m.gap;
  const left = m.padding + Math.max(0, Math.floor((usable - used) / 2));
  return { columns, rows, rowStride, columnStride, left, contentHeight };
}

/**
 * Rows that intersect the viewport, plus `overscanRows` on each side so a small scroll shows
 * rows that are already there.
 */
export function visibleRange(layout: GridLayout, total: number, scrollTop: number, viewportHeight: number, padding: number, overscanRows = 2): VisibleRange {
  if (layout.rows === 0 || viewportHeight <= 0) return { firstRow: 0, endRow: 0, firstIndex: 0, endIndex: 0 };
  const top = Math.max(0, scrollTop - padding);
  const firstVisible = Math.min(layout.rows - 1, Math.floor(top / layout.rowStride));
  const endVisible = Math.min(layout.rows, Math.ceil((top + viewportHeight) / layout.rowStride));
  const firstRow = Math.max(0, firstVisible - overscanRows);
  const endRow = Math.min(layout.rows, Math.max(endVisible, firstVisible + 1) + overscanRows);
  return { firstRow, endRow, firstIndex: firstRow * layout.columns, endIndex: Math.min(total, endRow * layout.columns) };
}

/** Page numbers holding the images `[firstIndex, endIndex)`. */
export function pagesForRange(firstIndex: number, endIndex: number, pageSize: number): number[] {
  if (endIndex <= firstIndex) return [];
  const first = Math.floor(firstIndex / pageSize);
  const last = Math.floor((endIndex - 1) / pageSize);
  const pages: number[] = [];
  for (let p = first; p <= last; p++) pages.push(p);
  return pages;
}

/** Top-left of cell `index`, relative to the content. */
export function cellPosition(index: number, layout: GridLayout, padding: number): { top: number; left: number } {
  const row = Math.floor(index / layout.columns);
  const col = index % layout.columns;
  return { top: padding + row * layout.rowStride, left: layout.left + col * layout.columnStride };
}

/**
 * The scroll position that brings cell `index` fully into view with the least movement, or
 * null when it is visible already.
 */
export function scrollToReveal(index: number, layout: GridLayout, scrollTop: number, viewportHeight: number, padding: number, cellHeight: number): number | null {
  const { top } = cellPosition(index, layout, padding);
  if (top < scrollTop) return Math.max(0, top - padding);
  if (top + cellHeight > scrollTop + viewportHeight) return top + cellHeight + padding - viewportHeight;
  return null;
}
