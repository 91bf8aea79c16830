/**
 * The virtualized thumbnail grid. Cells have a fixed size, so the scroll position alone says
 * which rows are on screen; only those (plus a couple of rows either side) are mounted, and the
 * grid store fetches just the pages holding them. State changes only when the set of mounted
 * rows changes, not on every scroll event, which keeps 100,000 images as smooth as 100.
 */
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ImageRecord } from '@shared';
import { cellPosition, gridLayout, scrollToReveal, visibleRange, type GridMetrics } from '../grid/grid-layout.js';
import { filterKey } from '../stores/grid-store.js';
import { STATUS_LABELS } from './FilterBar.js';
import { useSlice, useStores } from './stores-context.js';

const GRID_METRICS: GridMetrics = { cellWidth: 164, cellHeight: 190, gap: 10, padding: 14 };
const OVERSCAN_ROWS = 2;

export function ThumbnailGrid({ emptyHint }: { emptyHint: ReactNode }) {
  const { grid, viewer, host, selection } = useStores();
  const picked = useSlice(selection, (s) => s.ids);
  const total = useSlice(grid, (s) => s.total);
  const pages = useSlice(grid, (s) => s.pages);
  const pageSize = useSlice(grid, (s) => s.pageSize);
  const error = useSlice(grid, (s) => s.error);
  const filter = useSlice(grid, (s) => s.filter);
  const openIndex = useSlice(viewer, (s) => s.index);

  const scroller = useRef<HTMLDivElement>(null);
  const scrollTop = useRef(0);
  const [viewport, setViewport] = useState({ width: 0, height: 0 });
  const [rows, setRows] = useState({ firstRow: 0, endRow: 0 });

  const count = total ?? 0;
  const layout = useMemo(() => gridLayout(count, viewport.width, GRID_METRICS), [count, viewport.width]);

  const measureRows = useCallback(() => {
    const range = visibleRange(layout, count, scrollTop.current, viewport.height, GRID_METRICS.padding, OVERSCAN_ROWS);
    setRows((prev) => (prev.firstRow === range.firstRow && prev.endRow === range.endRow ? prev : { firstRow: range.firstRow, endRow: range.endRow }));
  }, [layout, count, viewport.height]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setViewport({ width: el.clientWidth, height: el.clientHeight }));
    observer.observe(el);
    setViewport({ width: el.clientWidth, height: el.clientHeight });
    return () => observer.disconnect();
  }, []);

  useLayoutEffect(measureRows, [measureRows]);

  // A new filter is a new list: start at its top.
  const key = filterKey(filter);
  useLayoutEffect(() => {
    scrollTop.current = 0;
    if (scroller.current) scroller.current.scrollTop = 0;
  }, [key]);

  const firstIndex = Math.min(count, rows.firstRow * layout.columns);
  const endIndex = Math.min(count, rows.endRow * layout.columns);
  useEffect(() => {
    grid.getState().want(firstIndex, endIndex);
  }, [grid, firstIndex, endIndex, key]);

  // Keep the image open in the viewer in sight, so closing it lands where the user was.
  useEffect(() => {
    const el = scroller.current;
    if (openIndex === null || !el || layout.rows === 0) return;
    const target = scrollToReveal(openIndex, layout, el.scrollTop, el.clientHeight, GRID_METRICS.padding, GRID_METRICS.cellHeight);
    if (target !== null) el.scrollTop = target;
  }, [openIndex, layout]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    scrollTop.current = el.scrollTop;
    measureRows();
  };

  const open = useCallback((index: number) => void viewer.getState().open(index), [viewer]);
  // Ctrl/⌘-click picks an image, Shift-click the range from the last one picked; a plain click opens it.
  const pick = useCallback(
    (index: number, id: number, range: boolean) => {
      const s = selection.getState();
      if (!range || s.anchor === null) {
        s.toggle(id, index);
        return;
      }
      const entries: { id: number; index: number }[] = [];
      const [from, to] = s.anchor < index ? [s.anchor, index] : [index, s.anchor];
      for (let i = from; i <= to; i++) {
        const item = grid.getState().itemAt(i);
        if (item) entries.push({ id: item.id, index: i });
      }
      s.extend(entries, index);
    },
    [selection, grid],
  );

  const cells: ReactNode[] = [];
  for (let index = firstIndex; index < endIndex; index++) {
    const { top, left } = cellPosition(index, layout, GRID_METRICS.padding);
    const record = pages.get(Math.floor(index / pageSize))?.[index % pageSize];
    cells.push(
      <Cell key={index} index={index} top={top} left={left} record={record} thumb={record ? host.media('thumb', record.id) : undefined} selected={openIndex === index} picked={record ? picked.has(record.id) : false} onOpen={open} onPick={pick} />,
    );
  }

  return (
    <div className="grid-area">
      {error && (
        <div className="error-message" role="alert" data-testid="grid-error">
          Could not load images: {error}
          <button type="button" className="link-button" onClick={() => grid.getState().refresh()}>
            Retry
          </button>
        </div>
      )}
      <div ref={scroller} className="grid-scroller" onScroll={onScroll} data-testid="image-grid" data-total={total ?? ''} aria-label="Images" role="list">
        {total === 0 && <div className="grid-empty">{emptyHint}</div>}
        <div className="grid-content" style={{ height: layout.contentHeight }}>
          {cells}
        </div>
      </div>
    </div>
  );
}

interface CellProps {
  index: number;
  top: number;
  left: number;
  record: ImageRecord | undefined;
  thumb: string | undefined;
  selected: boolean;
  picked: boolean;
  onOpen: (index: number) => void;
  onPick: (index: number, id: number, range: boolean) => void;
}

const Cell = memo(function Cell({ index, top, left, record, thumb, selected, picked, onOpen, onPick }: CellProps) {
  const style = { transform: `translate(${left}px, ${top}px)`, width: GRID_METRICS.cellWidth, height: GRID_METRICS.cellHeight };
  if (!record) {
    return <div className="grid-cell placeholder" style={style} role="listitem" aria-busy="true" data-testid="grid-cell-loading" />;
  }
  return (
    <div className="grid-cell-wrap" style={style} role="listitem">
      <button
        type="button"
        className={`grid-cell${selected ? ' selected' : ''}${picked ? ' picked' : ''}`}
        onClick={(e) => {
          if (e.ctrlKey || e.metaKey || e.shiftKey) onPick(index, record.id, e.shiftKey);
          else onOpen(index);
        }}
        aria-pressed={picked}
        data-status={record.status}
        data-testid="grid-cell"
        data-index={index}
        data-image-id={record.id}
        title={`${record.name} — ${record.width}×${record.height}`}
      >
        <span className="thumb">
          <img src={thumb} alt={record.name} decoding="async" draggable={false} />
          {picked && <span className="pick-mark" aria-hidden="true">✓</span>}
        </span>
        <span className="cell-caption">
          <span className={`status-dot status-${record.status}`} title={STATUS_LABELS[record.status]} />
          {record.status === 'review' && <span className="cell-flag">review</span>}
          <span className="cell-name">{record.name}</span>
          {record.annotationCount > 0 && <span className="cell-count" title={`${record.annotationCount} annotations`}>{record.annotationCount}</span>}
        </span>
      </button>
    </div>
  );
});
