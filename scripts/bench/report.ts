// The bench's arithmetic and its two renderings: the text table it prints and the SVG of the curves (time against N
// per phase, ours against the floor). Pure functions of the figures, so bench-results.json can be re-rendered.

export const PHASES = ["up", "update", "preview", "refresh", "destroy"] as const;
export type Phase = (typeof PHASES)[number];

export const PHASE_LABELS: Record<Phase, string> = {
  up: "up (create)",
  update: "update every flag (one field)",
  preview: "no-op preview",
  refresh: "refresh",
  destroy: "destroy",
};

export interface Spread {
  min: number;
  median: number;
  max: number;
  n: number;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { min: NaN, median: NaN, max: NaN, n: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], n: sorted.length };
}

/** One variant's figures for one phase at one size: every time in ms. */
export interface PhaseSummary {
  phase: Phase;
  ours: Spread;
  engineFloor: Spread;
  clientFloor: Spread;
  /** ours / (engine floor + client floor), per repetition (each measured in the same round), then spread. */
  ratio: Spread;
  /** Median ms per FeatBit resource (ours, then the engine floor). */
  msPerResource: { ours: number; engineFloor: number };
  /** API requests of ours per FeatBit resource (median over repetitions), and of the client floor. */
  requestsPerResource: { ours: number; clientFloor: number };
}

export interface VariantSummary {
  variant: string;
  flags: number;
  resources: number;
  phases: PhaseSummary[];
}

/** ms per resource at the largest size over the smallest, per variant and phase (1 = linear). */
export interface Linearity {
  variant: string;
  phase: Phase;
  from: number;
  to: number;
  ours: number;
  engineFloor: number;
}

export function linearity(summaries: readonly VariantSummary[]): Linearity[] {
  const out: Linearity[] = [];
  for (const variant of new Set(summaries.map((s) => s.variant))) {
    const sizes = summaries.filter((s) => s.variant === variant).sort((a, b) => a.flags - b.flags);
    if (sizes.length < 2) continue;
    const small = sizes[0];
    const large = sizes[sizes.length - 1];
    for (const phase of PHASES) {
      const a = small.phases.find((p) => p.phase === phase);
      const b = large.phases.find((p) => p.phase === phase);
      if (!a || !b) continue;
      out.push({
        variant,
        phase,
        from: small.flags,
        to: large.flags,
        ours: b.msPerResource.ours / a.msPerResource.ours,
        engineFloor: b.msPerResource.engineFloor / a.msPerResource.engineFloor,
      });
    }
  }
  return out;
}

const s = (ms: number): string => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : "–");
const r = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : "–");

/** The table the issue asks for: phase × N, ours, engine floor, client floor, ratio, min and median. */
export function table(summaries: readonly VariantSummary[]): string {
  const rows: string[][] = [
    [
      "variant",
      "N",
      "phase",
      "ours s med (min)",
      "engine floor s med (min)",
      "client floor s med (min)",
      "ratio med (min)",
      "ms/res",
      "req/res",
    ],
  ];
  for (const v of summaries) {
    for (const p of v.phases) {
      rows.push([
        v.variant,
        String(v.flags),
        PHASE_LABELS[p.phase],
        `${s(p.ours.median)} (${s(p.ours.min)})`,
        `${s(p.engineFloor.median)} (${s(p.engineFloor.min)})`,
        `${s(p.clientFloor.median)} (${s(p.clientFloor.min)})`,
        `${r(p.ratio.median)} (${r(p.ratio.min)})`,
        p.msPerResource.ours.toFixed(1),
        p.requestsPerResource.ours.toFixed(2),
      ]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows
    .map((row) => row.map((c, i) => (i <= 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "))
    .join("\n");
}

// ---------------------------------------------------------------------------------------------------------------
// SVG

const escape = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * Round axis steps: 1, 2 or 5 times a power of ten, about `count` of them, the last one at or above `max` so that no
 * point or bar is drawn above the panel.
 */
export function ticks(max: number, count: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((m) => m >= raw) ?? raw;
  const out: number[] = [0];
  while (out[out.length - 1] < max) out.push(Number((out.length * step).toPrecision(6)));
  return out;
}

interface Line {
  label: string;
  colour: string;
  dash?: string;
  points: { x: number; y: number; low?: number; high?: number }[];
}

function panel(title: string, lines: Line[], x0: number, y0: number, w: number, h: number): string {
  const pad = { left: 48, right: 24, top: 24, bottom: 34 };
  const xs = lines.flatMap((l) => l.points.map((p) => p.x));
  const ys = lines.flatMap((l) => l.points.map((p) => p.high ?? p.y));
  const xTicks = [...new Set(xs)].sort((a, b) => a - b);
  const yTicks = ticks(Math.max(...ys, 0.001), 4);
  const xMax = Math.max(...xTicks, 1);
  const yMax = yTicks[yTicks.length - 1] || 1;
  const px = (x: number) => x0 + pad.left + (x / xMax) * (w - pad.left - pad.right);
  const py = (y: number) => y0 + h - pad.bottom - (y / yMax) * (h - pad.top - pad.bottom);
  const out: string[] = [];
  out.push(`<text x="${x0 + w / 2}" y="${y0 + 15}" class="title">${escape(title)}</text>`);
  out.push(
    `<line x1="${px(0)}" y1="${py(0)}" x2="${px(xMax)}" y2="${py(0)}" class="axis"/>`,
    `<line x1="${px(0)}" y1="${py(0)}" x2="${px(0)}" y2="${py(yMax)}" class="axis"/>`,
  );
  for (const t of yTicks) {
    out.push(
      `<line x1="${px(0)}" y1="${py(t)}" x2="${px(xMax)}" y2="${py(t)}" class="grid"/>`,
      `<text x="${px(0) - 4}" y="${py(t) + 4}" class="ylabel">${t}</text>`,
    );
  }
  for (const t of xTicks) out.push(`<text x="${px(t)}" y="${py(0) + 14}" class="xlabel">${t}</text>`);
  out.push(`<text x="${x0 + w / 2}" y="${y0 + h - 4}" class="xlabel">N flags</text>`);
  out.push(
    `<text x="${x0 + 12}" y="${y0 + h / 2}" class="ylabel" transform="rotate(-90 ${x0 + 12} ${y0 + h / 2})">s</text>`,
  );
  for (const line of lines) {
    const pts = [...line.points].sort((a, b) => a.x - b.x);
    if (pts.length > 1) {
      const d = pts
        .map((p, i) => `${i === 0 ? "M" : "L"}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`)
        .join(" ");
      out.push(
        `<path d="${d}" fill="none" stroke="${line.colour}" stroke-width="2"${line.dash ? ` stroke-dasharray="${line.dash}"` : ""}/>`,
      );
    }
    for (const p of pts) {
      if (p.low !== undefined && p.high !== undefined) {
        out.push(
          `<line x1="${px(p.x)}" y1="${py(p.low)}" x2="${px(p.x)}" y2="${py(p.high)}" stroke="${line.colour}" stroke-width="1"/>`,
        );
      }
      out.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3" fill="${line.colour}"/>`);
    }
  }
  return out.join("\n");
}

/**
 * Time against N for every phase of one variant: ours (median, bar from min to max) against the floors; with `other`
 * (e.g. the same without checkpoints), its ours and engine floor too.
 */
export function curves(
  summaries: readonly VariantSummary[],
  variant: string,
  caption: string,
  other?: string,
): string {
  const mine = summaries.filter((v) => v.variant === variant);
  const theirs = summaries.filter((v) => v.variant === other);
  const w = 300;
  const h = 220;
  const columns = 3;
  const legendHeight = 40;
  const rows = Math.ceil(PHASES.length / columns);
  const width = w * columns;
  const height = rows * h + legendHeight;
  const parts: string[] = [];
  PHASES.forEach((phase, i) => {
    const at = (
      pick: (p: PhaseSummary) => number,
      low?: (p: PhaseSummary) => number,
      from: readonly VariantSummary[] = mine,
    ) =>
      from.flatMap((v) => {
        const p = v.phases.find((q) => q.phase === phase);
        if (!p) return [];
        return [
          { x: v.flags, y: pick(p) / 1000, ...(low ? { low: low(p) / 1000, high: p.ours.max / 1000 } : {}) },
        ];
      });
    const lines: Line[] = [
      {
        label: "ours",
        colour: "#c0392b",
        points: at(
          (p) => p.ours.median,
          (p) => p.ours.min,
        ),
      },
      {
        label: "engine floor + client floor",
        colour: "#2c3e50",
        dash: "6 4",
        points: at((p) => p.engineFloor.median + p.clientFloor.median),
      },
      { label: "engine floor", colour: "#7f8c8d", dash: "2 3", points: at((p) => p.engineFloor.median) },
      ...(theirs.length > 0
        ? [
            {
              label: `ours, ${other}`,
              colour: "#e59866",
              points: at((p) => p.ours.median, undefined, theirs),
            },
            {
              label: `engine floor, ${other}`,
              colour: "#85c1e9",
              dash: "2 3",
              points: at((p) => p.engineFloor.median, undefined, theirs),
            },
          ]
        : []),
    ];
    parts.push(panel(PHASE_LABELS[phase], lines, (i % columns) * w, Math.floor(i / columns) * h, w, h));
  });
  // The sixth cell holds the legend.
  const lx = ((PHASES.length % columns) * w || 0) + 20;
  const ly = Math.floor(PHASES.length / columns) * h + 30;
  const legend = [
    ["ours (median; bar: min–max)", "#c0392b", ""],
    ["engine floor + client floor", "#2c3e50", "6 4"],
    ["engine floor", "#7f8c8d", "2 3"],
    ...(theirs.length > 0
      ? [
          [`ours, ${other}`, "#e59866", ""],
          [`engine floor, ${other}`, "#85c1e9", "2 3"],
        ]
      : []),
  ];
  legend.forEach(([label, colour, dash], i) => {
    const y = ly + i * 22;
    parts.push(
      `<line x1="${lx}" y1="${y}" x2="${lx + 30}" y2="${y}" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`,
      `<text x="${lx + 38}" y="${y + 4}" class="legend">${escape(label)}</text>`,
    );
  });
  parts.push(`<text x="10" y="${height - 12}" class="caption">${escape(caption)}</text>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    "<style>",
    "text { font-family: sans-serif; font-size: 11px; fill: #222; }",
    ".title { font-size: 13px; font-weight: bold; text-anchor: middle; }",
    ".xlabel { text-anchor: middle; } .ylabel { text-anchor: end; } .caption { font-size: 10px; fill: #555; }",
    ".axis { stroke: #333; } .grid { stroke: #ddd; }",
    "</style>",
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...parts,
    "</svg>",
    "",
  ].join("\n");
}
