// The arithmetic of a virtual list: rows have one fixed height, only the
// rows in view (plus a margin) exist in the page, and rows arrive in pages
// fetched by offset and limit.
//
// ```text
//  row 0      ┐
//  …          │ not drawn: a spacer of start × rowHeight
//  row start  ┘◀─ overscan rows above the viewport
//  ┌────────┐
//  │viewport│  drawn: start … end − 1
//  └────────┘
//  row end    ◀─ overscan rows below, then a spacer for the rest
// ```

export interface RowWindow {
  start: number;
  /** Exclusive. */
  end: number;
}

export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  total: number,
  overscan = 8,
): RowWindow {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const inView = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, Math.min(first, total - 1) - overscan);
  const end = Math.min(total, first + inView + overscan);
  return { start, end: Math.max(start, end) };
}

/** The page numbers (offset = page × pageSize) holding rows `start … end − 1`. */
export function pagesFor({ start, end }: RowWindow, pageSize: number): number[] {
  if (end <= start) return [];
  const first = Math.floor(start / pageSize);
  const last = Math.floor((end - 1) / pageSize);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}
