import { describe, expect, it } from 'vitest';
import { cellPosition, gridLayout, pagesForRange, scrollToReveal, visibleRange, type GridMetrics } from '../../../src-renderer/grid/grid-layout.js';

const M: GridMetrics = { cellWidth: 100, cellHeight: 120, gap: 10, padding: 5 };

describe('gridLayout', () => {
  it('fits as many fixed-width columns as the width allows, at least one', () => {
    // 5 + 100 + 10 + 100 + 10 + 100 + 5 = 330: exactly three columns.
    expect(gridLayout(10, 330, M).columns).toBe(3);
    expect(gridLayout(10, 329, M).columns).toBe(2);
    expect(gridLayout(10, 40, M).columns).toBe(1);
    expect(gridLayout(10, 0, M).columns).toBe(1);
  });

  it('centres the columns in the width', () => {
    // Room for 3 columns (320 px) in 350 px: 30 px to spare, 15 each side.
    const layout = gridLayout(10, 350, M);
    expect(layout.columns).toBe(3);
    expect(cellPosition(0, layout, M.padding).left).toBe(5 + 10);
    expect(cellPosition(2, layout, M.padding).left + M.cellWidth).toBe(350 - 5 - 10);
  });

  it('has enough rows for every image and a content height that ends at the last row', () => {
    const layout = gridLayout(10, 330, M);
    expect(layout.rows).toBe(4);
    // padding + 4 rows of 120 + 3 gaps + padding
    expect(layout.contentHeight).toBe(5 + 4 * 120 + 3 * 10 + 5);
    expect(gridLayout(0, 330, M)).toMatchObject({ rows: 0, contentHeight: 0 });
  });
});

describe('visibleRange', () => {
  it('mounts the rows in view plus the overscan, as image indexes', () => {
    const layout = gridLayout(100, 330, M); // 3 columns, 34 rows, stride 130
    // Scrolled to 5 + 2 rows: rows 2..4 are in view for a 300 px viewport (2*130=260 .. 560).
    const range = visibleRange(layout, 100, 5 + 260, 300, M.padding, 1);
    expect(range.firstRow).toBe(1);
    expect(range.endRow).toBe(6);
    expect(range.firstIndex).toBe(3);
    expect(range.endIndex).toBe(18);
  });

  it('stops at the last image, even when the last row is not full', () => {
    const layout = gridLayout(10, 330, M);
    const range = visibleRange(layout, 10, 10_000, 300, M.padding, 2);
    expect(range.endRow).toBe(4);
    expect(range.endIndex).toBe(10);
    expect(range.firstIndex).toBeLessThan(10);
  });

  it('keeps the number of mounted cells small at any scroll position of 100,000 images', () => {
    const total = 100_000;
    const layout = gridLayout(total, 1200, M);
    for (const fraction of [0, 0.25, 0.5, 0.999, 1]) {
      const scrollTop = fraction * (layout.contentHeight - 800);
      const range = visibleRange(layout, total, scrollTop, 800, M.padding, 2);
      const mounted = range.endIndex - range.firstIndex;
      expect(mounted).toBeGreaterThan(0);
      expect(mounted).toBeLessThanOrEqual(layout.columns * (Math.ceil(800 / layout.rowStride) + 1 + 4));
      // The cells mounted are the ones at that scroll position.
      const firstTop = cellPosition(range.firstIndex, layout, M.padding).top;
      expect(firstTop).toBeLessThanOrEqual(Math.max(scrollTop, M.padding));
      expect(cellPosition(range.endIndex - 1, layout, M.padding).top + M.cellHeight).toBeGreaterThanOrEqual(Math.min(scrollTop + 800, layout.contentHeight - M.padding));
    }
  });

  it('mounts nothing for an empty list or a collapsed viewport', () => {
    expect(visibleRange(gridLayout(0, 330, M), 0, 0, 500, M.padding)).toEqual({ firstRow: 0, endRow: 0, firstIndex: 0, endIndex: 0 });
    expect(visibleRange(gridLayout(50, 330, M), 50, 0, 0, M.padding).endIndex).toBe(0);
  });
});

describe('pagesForRange', () => {
  it('lists each page that holds part of the range, once', () => {
    expect(pagesForRange(0, 1, 200)).toEqual([0]);
    expect(pagesForRange(190, 410, 200)).toEqual([0, 1, 2]);
    expect(pagesForRange(200, 400, 200)).toEqual([1]);
    expect(pagesForRange(5, 5, 200)).toEqual([]);
  });
});

describe('scrollToReveal', () => {
  const layout = gridLayout(100, 330, M);
  it('leaves the scroll alone when the cell is in view', () => {
    expect(scrollToReveal(4, layout, 0, 400, M.padding, M.cellHeight)).toBeNull();
  });
  it('scrolls down just enough to show a cell below the view', () => {
    const target = scrollToReveal(30, layout, 0, 400, M.padding, M.cellHeight)!;
    const { top } = cellPosition(30, layout, M.padding);
    expect(target + 400).toBeGreaterThanOrEqual(top + M.cellHeight);
    expect(target).toBeLessThanOrEqual(top);
  });
  it('scrolls up to a cell above the view', () => {
    const target = scrollToReveal(0, layout, 2000, 400, M.padding, M.cellHeight);
    expect(target).toBe(0);
  });
});
