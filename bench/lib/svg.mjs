// A hand-written SVG bar chart of W1 results (no plotting dependency).

const COLORS = { tributary: "#2b7bb9", pathway: "#e07b39", node: "#5a9e4b" };

function esc(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function fmtM(x) {
  return Number.isFinite(x) ? `${(x / 1e6).toFixed(2)}M` : "n/a";
}

/** One panel of horizontal bars: `{ title, bars: [{ label, value, color }] }` at vertical offset y. */
function panel(x0, y0, width, { title, bars }) {
  const labelW = 150;
  const barH = 20;
  const gap = 6;
  const max = Math.max(1, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)));
  const plotW = width - labelW - 80;
  const parts = [`<text x="${x0}" y="${y0 + 14}" font-weight="bold">${esc(title)}</text>`];
  bars.forEach((b, i) => {
    const y = y0 + 24 + i * (barH + gap);
    const w = Number.isFinite(b.value) ? (b.value / max) * plotW : 0;
    parts.push(
      `<text x="${x0 + labelW - 6}" y="${y + 14}" text-anchor="end">${esc(b.label)}</text>`,
    );
    parts.push(
      `<rect x="${x0 + labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${b.color}"/>`,
    );
    parts.push(`<text x="${x0 + labelW + w + 4}" y="${y + 14}">${fmtM(b.value)}</text>`);
  });
  return { svg: parts.join("\n"), height: 24 + bars.length * (barH + gap) + 10 };
}

/** SVG text of the W1 chart: words/s (whole file and steady state) and words per CPU-second. */
export function w1Svg(summary) {
  const rows = summary.rows ?? [];
  const label = (r) => `${r.engine}, ${r.threads} worker${r.threads > 1 ? "s" : ""}`;
  const color = (r) => COLORS[r.engine] ?? "#888";
  const panels = [
    {
      title: "Words/s, whole file (wall clock incl. start-up), median",
      bars: rows.map((r) => ({ label: label(r), value: r.wordsPerSec, color: color(r) })),
    },
    {
      title: "Words/s after warm-up ((20M-4M) / (T_full - T_prefix)), median",
      bars: rows.map((r) => ({ label: label(r), value: r.steadyWordsPerSec, color: color(r) })),
    },
    {
      title: "Words per CPU-second (user+sys, whole file), median",
      bars: rows.map((r) => ({ label: label(r), value: r.wordsPerCpuSec, color: color(r) })),
    },
  ];
  const width = 720;
  let y = 40;
  const body = [];
  for (const p of panels) {
    const out = panel(10, y, width, p);
    body.push(out.svg);
    y += out.height + 10;
  }
  const f = summary.facts ?? {};
  const title = `W1 WordCount, ${summary.files?.full?.lines ?? "?"} words, ${f.nproc ?? "?"} x ${f.cpuModel ?? "?"}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}
