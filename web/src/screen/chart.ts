// ECharts through echarts/core with only what the screen draws (line and bar charts on a grid, a legend), so the
// screen's bundle carries no other chart. useChart() keeps one chart per element, redrawn when its option changes.
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue';
import * as echarts from 'echarts/core';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import type { BarSeriesOption, LineSeriesOption } from 'echarts/charts';
import type { GridComponentOption, LegendComponentOption } from 'echarts/components';

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, CanvasRenderer]);

export type ChartOption = echarts.ComposeOption<
  BarSeriesOption | LineSeriesOption | GridComponentOption | LegendComponentOption
>;

/** Text colours on the dark screen. */
export const INK = '#e8eef7';
export const INK_DIM = '#b4c2d6';
export const RULE = '#2c3e5c';
export const FONT = "system-ui, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";

export function useChart(el: Ref<HTMLElement | null>, option: () => ChartOption): void {
  let chart: echarts.ECharts | undefined;
  let observer: ResizeObserver | undefined;
  onMounted(() => {
    if (!el.value) return;
    chart = echarts.init(el.value, undefined, { renderer: 'canvas' });
    chart.setOption(option(), true);
    observer = new ResizeObserver(() => chart?.resize());
    observer.observe(el.value);
  });
  watch(option, (o) => chart?.setOption(o, true), { deep: true });
  onBeforeUnmount(() => {
    observer?.disconnect();
    chart?.dispose();
    chart = undefined;
  });
}
