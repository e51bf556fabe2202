// The parts of ECharts Rapport draws with, registered once. Importing from
// `echarts/core` keeps the bundle to these charts only. Loaded on its own,
// after the page's first numbers (see EChart.svelte): the window's script
// then starts without parsing ECharts first.

import * as echarts from 'echarts/core';
import { BarChart, HeatmapChart, LineChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  LineChart,
  HeatmapChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export { echarts };
