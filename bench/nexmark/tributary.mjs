// Nexmark queries on Tributary, through the public API only.
// Usage: node bench/nexmark/tributary.mjs DATA_DIR QUERY OUTPUT.csv THREADS
//   DATA_DIR holds persons.jsonl, auctions.jsonl, bids.jsonl (bench/nexmark/gen.mjs);
//   QUERY: q0 q1 q2 q3 q5 q7 q8. Writes the result's change log as CSV.
import { join } from "node:path";

const tb = await import(process.env.TRIBUTARY_MODULE ?? "tributary");
const [dir, query, output, threadsArg = "1"] = process.argv.slice(2);
const P = { q2Modulo: 123, q3Category: 10, q5Hop: 2_000, q5Size: 10_000, q7Size: 10_000, q8Size: 10_000 };

const Person = tb.schema({
  pid: tb.types.int,
  name: tb.types.str,
  email: tb.types.str,
  credit_card: tb.types.str,
  city: tb.types.str,
  state: tb.types.str,
  date_time: tb.types.int,
});
const Auction = tb.schema({
  aid: tb.types.int,
  item_name: tb.types.str,
  description: tb.types.str,
  initial_bid: tb.types.int,
  reserve: tb.types.int,
  date_time: tb.types.int,
  expires: tb.types.int,
  seller: tb.types.int,
  category: tb.types.int,
});
const Bid = tb.schema({
  auction: tb.types.int,
  bidder: tb.types.int,
  price: tb.types.int,
  channel: tb.types.str,
  url: tb.types.str,
  date_time: tb.types.int,
});
const read = (name, schema) => tb.io.jsonlines.read(join(dir, `${name}.jsonl`), { schema, mode: "static" });

const queries = {
  q0: () => {
    const b = read("bids", Bid);
    return b.select({ auction: b.auction, bidder: b.bidder, price: b.price, date_time: b.date_time });
  },
  q1: () => {
    const b = read("bids", Bid);
    return b.select({
      auction: b.auction,
      bidder: b.bidder,
      price: b.price.mul(908).floorDiv(1000),
      date_time: b.date_time,
    });
  },
  q2: () => {
    const b = read("bids", Bid);
    return b.filter(b.auction.mod(P.q2Modulo).eq(0)).select({ auction: b.auction, price: b.price });
  },
  q3: () => {
    const p = read("persons", Person);
    const a = read("auctions", Auction);
    const local = p.filter(p.state.eq("OR").or(p.state.eq("ID")).or(p.state.eq("CA")));
    const cat = a.filter(a.category.eq(P.q3Category));
    return cat
      .join(local, cat.seller.eq(local.pid))
      .select({ name: tb.right.name, city: tb.right.city, state: tb.right.state, auction: tb.left.aid });
  },
  q5: () => {
    const b = read("bids", Bid);
    const counts = b
      .windowBy(b.date_time, {
        window: tb.temporal.sliding({ hop: P.q5Hop, duration: P.q5Size }),
        instance: b.auction,
      })
      .reduce({ start: tb.this._start, auction: tb.this._instance, num: tb.reducers.count() });
    const best = counts.groupBy(counts.start).reduce({ start: tb.this.start, top: tb.reducers.max(tb.this.num) });
    return counts
      .join(best, counts.start.eq(best.start), counts.num.eq(best.top))
      .select({ start: tb.left.start, auction: tb.left.auction, num: tb.left.num });
  },
  q7: () => {
    const b = read("bids", Bid);
    const top = b
      .windowBy(b.date_time, { window: tb.temporal.tumbling({ duration: P.q7Size }) })
      .reduce({ start: tb.this._start, top: tb.reducers.max(tb.this.price) });
    const withStart = b.withColumns({ start: b.date_time.sub(b.date_time.mod(P.q7Size)) });
    return withStart
      .join(top, withStart.start.eq(top.start), withStart.price.eq(top.top))
      .select({ auction: tb.left.auction, price: tb.left.price, bidder: tb.left.bidder, date_time: tb.left.date_time });
  },
  q8: () => {
    const p = read("persons", Person);
    const a = read("auctions", Auction);
    return p
      .windowJoin(a, p.date_time, a.date_time, tb.temporal.tumbling({ duration: P.q8Size }), p.pid.eq(a.seller))
      .select({ person: p.pid, name: p.name, start: tb.this._start });
  },
};

if (!queries[query]) throw new Error(`unknown query ${query}`);
tb.io.csv.write(queries[query](), output);
await tb.run({ threads: Number(threadsArg), monitoring: "none" });
