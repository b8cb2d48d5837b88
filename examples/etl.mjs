// The main example (`npm start`): a live ETL pipeline over bundled data.
//
// A feeder drops the bundled orders into a watched directory a few hundred rows at a time,
// while the pipeline runs: orders are cleaned, joined with customers, and aggregated into
// revenue per country and per product. Results update commit by commit (printed as they
// change); change logs go to out/; bad rows become error-log entries and the pipeline goes on.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tb from "tributary";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "out");
const inbox = join(out, "inbox");
rmSync(out, { recursive: true, force: true });
mkdirSync(inbox, { recursive: true });

const Order = tb.schema(
  {
    order_id: tb.types.int,
    customer_id: tb.types.int,
    product: tb.types.str,
    quantity: tb.types.int,
    unit_price: tb.types.float,
    status: tb.types.str,
  },
  { primaryKey: ["order_id"] },
);
const Customer = tb.schema(
  { customer_id: tb.types.int, name: tb.types.str, country: tb.types.str },
  { primaryKey: ["customer_id"] },
);

// Live input: every CSV file that appears in out/inbox; a commit closes every 250 ms.
const orders = tb.io.csv.read(inbox, { schema: Order, mode: "streaming", autocommitMs: 250, name: "orders" });
const customers = tb.io.csv.read(join(here, "data", "customers.csv"), {
  schema: Customer,
  mode: "static",
  name: "customers",
});

// Clean: normalise product names and statuses, keep paid orders, drop rows whose quantity
// could not be read (each was logged), compute the line total.
const paid = orders
  .withColumns({ product: orders.product.str.lower(), status: orders.status.str.lower() })
  .filter(tb.this.status.eq("paid"))
  .removeErrors()
  .withColumns({ total: tb.this.quantity.mul(tb.this.unit_price) });

// Enrich with the customer's country.
const enriched = paid.join(customers, paid.customer_id.eq(customers.customer_id)).select({
  country: tb.right.country,
  product: tb.left.product,
  total: tb.left.total,
});

const byCountry = enriched.groupBy(enriched.country).reduce({
  country: enriched.country,
  orders: tb.reducers.count(),
  revenue: tb.reducers.sum(enriched.total),
});
const byProduct = enriched.groupBy(enriched.product).reduce({
  product: enriched.product,
  orders: tb.reducers.count(),
  revenue: tb.reducers.sum(enriched.total),
  avgOrder: tb.reducers.avg(enriched.total),
});

tb.io.csv.write(byCountry, join(out, "revenue_by_country.csv"));
tb.io.jsonlines.write(byProduct, join(out, "revenue_by_product.jsonl"));
tb.io.jsonlines.write(tb.globalErrorLog(), join(out, "errors.jsonl"));

// Keep the live state of the country table and print it whenever a commit changes it.
const countries = new Map();
let commits = 0;
tb.io.subscribe(byCountry, {
  onChange: ({ row, isAddition }) => {
    if (isAddition) countries.set(row.country, row);
    else if (countries.get(row.country)?.revenue === row.revenue) countries.delete(row.country);
  },
  onTimeEnd: () => {
    commits += 1;
    const line = [...countries.values()]
      .sort((a, b) => a.country.localeCompare(b.country))
      .map((r) => `${r.country} ${r.revenue.toFixed(0).padStart(7)} (${r.orders})`)
      .join("  ");
    console.log(`commit ${String(commits).padStart(2)} | ${line}`);
  },
});

const started = performance.now();
// TRIBUTARY_MONITORING=dashboard (or log) adds a live view of sources, outputs and errors on stderr.
const pipeline = tb.start({ monitoring: process.env.TRIBUTARY_MONITORING ?? "none" });

// The feeder: the bundled orders, 250 rows per file, one file every 200 ms.
const [header, ...lines] = readFileSync(join(here, "data", "orders.csv"), "utf8").trim().split("\n");
for (let part = 0; part * 250 < lines.length; part++) {
  const chunk = lines.slice(part * 250, (part + 1) * 250);
  writeFileSync(join(inbox, `orders-${String(part).padStart(3, "0")}.csv`), `${header}\n${chunk.join("\n")}\n`);
  await new Promise((resolve) => setTimeout(resolve, 200));
}
// Let the last files be picked up and committed, then stop: outputs are flushed.
await new Promise((resolve) => setTimeout(resolve, 1000));
await pipeline.stop();
console.log(`\nlive run: ${lines.length} orders in ${commits} commits, ${((performance.now() - started) / 1000).toFixed(1)} s; change logs in ${out}\n`);

console.log("Revenue by product (final):");
const products = readFileSync(join(out, "revenue_by_product.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
const live = new Map();
for (const change of products) {
  if (change.diff > 0) live.set(change.product, change);
  else if (live.get(change.product)?.revenue === change.revenue) live.delete(change.product);
}
for (const p of [...live.values()].sort((a, b) => b.revenue - a.revenue)) {
  console.log(`  ${p.product.padEnd(9)} ${String(p.orders).padStart(4)} orders  ${p.revenue.toFixed(2).padStart(10)}  avg ${p.avgOrder.toFixed(2)}`);
}

console.log("\nBad rows met on the way (the pipeline went on):");
for (const line of readFileSync(join(out, "errors.jsonl"), "utf8").split("\n").filter(Boolean)) {
  const entry = JSON.parse(line);
  console.log(`  [${entry.operator}] ${entry.message} (${entry.row})`);
}
