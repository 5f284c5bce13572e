import { render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { Chart, describeChart, timeRange, toAligned, type ChartData } from './chart';

// uPlot draws on a canvas, which happy-dom lacks: a stand-in records what the chart asks of it.
const plots = vi.hoisted(
  () =>
    [] as Array<{
      opts: unknown;
      data: unknown[];
      scales: Array<{ min: number; max: number }>;
      destroyed: boolean;
    }>,
);
vi.mock('uplot', () => ({
  default: class {
    record: (typeof plots)[number];
    constructor(opts: unknown, data: unknown) {
      this.record = { opts, data: [data], scales: [], destroyed: false };
      plots.push(this.record);
    }
    setData(data: unknown) {
      this.record.data.push(data);
    }
    setScale(_key: string, range: { min: number; max: number }) {
      this.record.scales.push(range);
    }
    setSize() {}
    redraw() {}
    destroy() {
      this.record.destroyed = true;
    }
  },
}));

const percent = (v: number) => `${v.toFixed(1)} %`;
const data = (x: number[], ...series: Array<Array<number | null>>): ChartData => ({
  x,
  series: series.map((values, i) => ({ label: `#${i}`, values })),
});

beforeEach(() => {
  plots.length = 0;
  // The stand-in needs no drawing, but the chart only builds a plot where a canvas can draw.
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(
    {} as CanvasRenderingContext2D,
  );
});

describe('chart data', () => {
  it("lays columns out as uPlot's aligned data", () => {
    expect(toAligned(data([1, 2], [5, null], [7, 8]))).toEqual([
      [1, 2],
      [5, null],
      [7, 8],
    ]);
  });

  it('describes the newest value of each series in words', () => {
    expect(describeChart(data([1, 2, 3], [5, 6, null], [null, null, null]), percent)).toBe(
      'latest: #0 6.0 %, #1 –',
    );
    expect(describeChart(data([]), percent)).toBe('no samples yet');
  });
});

describe('<Chart>', () => {
  it('exposes its figures as data attributes and a text alternative', () => {
    render(<Chart name="cpu-live" title="CPU" data={data([1, 2], [5, 6])} format={percent} />);
    const figure = screen.getByRole('figure');
    expect(figure).toHaveAttribute('data-chart', 'cpu-live');
    expect(figure).toHaveAttribute('data-points', '2');
    expect(figure).toHaveAttribute('data-series', '1');
    expect(figure).toHaveAttribute('data-last', '2');
    expect(screen.getByRole('img', { name: 'CPU: latest: #0 6.0 %' })).toBeInTheDocument();
  });

  it('says so when there are no samples', () => {
    render(<Chart name="c" title="CPU" data={data([])} format={percent} />);
    expect(screen.getByText(/No samples yet/)).toBeInTheDocument();
    expect(screen.getByRole('figure')).toHaveAttribute('data-points', '0');
  });

  it('shows the summary as text where no canvas can draw', () => {
    vi.mocked(HTMLCanvasElement.prototype.getContext).mockReturnValue(null);
    render(<Chart name="c" title="CPU" data={data([1], [5])} format={percent} />);
    expect(plots).toHaveLength(0);
    expect(screen.getByText('latest: #0 5.0 %')).toBeInTheDocument();
  });

  it('feeds new values to the same plot and builds a new one when the series change', () => {
    const { rerender, unmount } = render(
      <Chart name="c" title="CPU" data={data([1], [5])} format={percent} />,
    );
    expect(plots).toHaveLength(1);
    rerender(<Chart name="c" title="CPU" data={data([1, 2], [5, 6])} format={percent} />);
    expect(plots).toHaveLength(1);
    expect(plots[0]!.data.at(-1)).toEqual([
      [1, 2],
      [5, 6],
    ]);
    // The time axis follows the data once it spans time (not uPlot's guess from one point).
    expect(plots[0]!.scales.at(-1)).toEqual({ min: 1, max: 2 });
    rerender(<Chart name="c" title="CPU" data={data([1, 2], [5, 6], [1, 1])} format={percent} />);
    expect(plots).toHaveLength(2);
    expect(plots[0]!.destroyed).toBe(true);
    const opts = plots[1]!.opts as { series: Array<{ label?: string }> };
    expect(opts.series.map((s) => s.label)).toEqual([undefined, '#0', '#1']);
    unmount();
    expect(plots[1]!.destroyed).toBe(true);
  });

  it('keeps the time axis on the data: its span, or the minute before a single point', () => {
    expect(timeRange(data([], []))).toBeUndefined();
    expect(timeRange(data([1000], [5]))).toEqual({ min: 940, max: 1000 });
    expect(timeRange(data([1000, 1010, 1020], [1, 2, 3]))).toEqual({ min: 1000, max: 1020 });
  });
});
