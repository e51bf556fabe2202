// What the charts share apart from ECharts itself (echartsCore.ts): the
// theme's colours, the tooltip's look and the per-day charts' frame.

/** Colours of the current theme, read from the CSS variables so charts match the page. */
export interface ChartColours {
  text: string;
  text2: string;
  text3: string;
  border: string;
  surface: string;
  series1: string;
  series2: string;
  series3: string;
  heat0: string;
  heat1: string;
  mapEmpty: string;
  mapLow: string;
  mapBorder: string;
  negative: string;
  font: string;
}

export function chartColours(): ChartColours {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    text: v('--text'),
    text2: v('--text-2'),
    text3: v('--text-3'),
    border: v('--border'),
    surface: v('--surface'),
    series1: v('--series-1'),
    series2: v('--series-2'),
    series3: v('--series-3'),
    heat0: v('--heat-0'),
    heat1: v('--heat-1'),
    mapEmpty: v('--map-empty'),
    mapLow: v('--map-low'),
    mapBorder: v('--map-border'),
    negative: v('--negative'),
    font: v('--font'),
  };
}

/** The tooltip look shared by every chart. */
export function tooltipStyle(c: ChartColours) {
  return {
    backgroundColor: c.surface,
    borderColor: c.border,
    textStyle: { color: c.text, fontFamily: c.font, fontSize: 12 },
    extraCssText: 'box-shadow: var(--shadow-pop); border-radius: 8px;',
  };
}

/**
 * What the two per-day charts share: the plot area, a legend of `names` at
 * the top right, and an axis tooltip that shades the hovered day.
 */
export function perDayFrame(c: ChartColours, names: string[]) {
  return {
    // Drawn at once: a filter change shows its numbers in the next frame,
    // not after a transition (which also costs every frame it lasts).
    animation: false,
    grid: { left: 8, right: 8, top: 36, bottom: 4, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
    legend: {
      top: 0,
      right: 0,
      itemWidth: 12,
      itemHeight: 8,
      textStyle: { color: c.text2, fontFamily: c.font, fontSize: 12 },
      data: names,
    },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow', shadowStyle: { color: c.border, opacity: 0.35 } },
      ...tooltipStyle(c),
    },
  };
}
