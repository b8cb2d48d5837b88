// The main example (`npm start`): an ETL pipeline over bundled CSV files.
// Reads orders and customers, cleans them, joins, aggregates revenue per country and product,
// writes a change log (CSV) and prints the results and any bad rows it met.
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tb from "tributary";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "out");
mkdirSync(out, { recursive: true });

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

const orders = tb.io.csv.read(join(here, "data", "orders.csv"), { schema: Order, mode: "static", name: "orders" });
const customers = tb.io.csv.read(join(here, "data", "customers.csv"), {
  schema: Customer,
  mode: "static",
  name: "customers",
});

// Clean: normalise product names and statuses, keep paid orders, compute the line total.
const paid = orders
  .withColumns({ product: orders.product.str.lower(), status: orders.status.str.lower() })
  .filter(tb.this.status.eq("paid"))
  .withColumns({ total: tb.this.quantity.mul(tb.this.unit_price) });

// Enrich with the customer's country and a trimmed name.
const enriched = paid
  .join(customers, paid.customer_id.eq(customers.customer_id))
  .select({
    country: tb.right.country,
    customer: tb.right.name.str.strip(),
    product: tb.left.product,
    total: tb.left.total,
  });

const byCountry = enriched.groupBy(enriched.country).reduce({
  country: tb.this.country,
  orders: tb.reducers.count(),
  revenue: tb.reducers.sum(tb.this.total),
  topProduct: tb.reducers.argmax(tb.this.total),
});
const byProduct = enriched.groupBy(enriched.product).reduce({
  product: tb.this.product,
  orders: tb.reducers.count(),
  revenue: tb.reducers.sum(tb.this.total),
  avgOrder: tb.reducers.avg(tb.this.total),
});

tb.io.csv.write(byCountry, join(out, "revenue_by_country.csv"));
tb.io.jsonlines.write(byProduct, join(out, "revenue_by_product.jsonl"));
tb.io.jsonlines.write(tb.globalErrorLog(), join(out, "errors.jsonl"));

const started = performance.now();
await tb.run();
console.log(`pipeline finished in ${(performance.now() - started).toFixed(0)} ms; change logs in ${out}\n`);

console.log("Revenue by country:");
await tb.debug.computeAndPrint(byCountry.without("topProduct"));
console.log("\nRevenue by product:");
await tb.debug.computeAndPrint(byProduct);
console.log("\nBad rows met on the way (the pipeline went on):");
for (const line of readFileSync(join(out, "errors.jsonl"), "utf8").split("\n").filter(Boolean)) {
  const entry = JSON.parse(line);
  console.log(`  [${entry.operator}] ${entry.message} (${entry.trace})`);
}
