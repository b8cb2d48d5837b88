// Nexmark input: a deterministic event stream following the standard Nexmark model (as in the
// Beam/Flink generators): in every block of 50 events 1 person, 3 auctions and 46 bids; event
// time derived from the event number (10 events per millisecond, i.e. 10k events/s of event
// time); bids go to a "hot" auction half of the time and to a hot bidder 3 times in 4, else to
// a recent one; prices are log-uniform. Written as JSON lines per event type into bench/data/,
// with the expected result of every query computed here in plain JavaScript (the gate).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mulberry32 } from "../lib/gen.mjs";

const PERSON_PROPORTION = 1;
const AUCTION_PROPORTION = 3;
const TOTAL_PROPORTION = 50;
const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
const HOT_AUCTION_RATIO = 2;
const HOT_BIDDER_RATIO = 4;
const NUM_ACTIVE_PEOPLE = 1000;
const NUM_IN_FLIGHT_AUCTIONS = 100;
const EVENTS_PER_MS = 10;
const BASE_TIME = 1_436_918_400_000; // 2015-07-15, as in the reference generators
const STATES = ["AZ", "CA", "ID", "OR", "WA", "WY"];
const CITIES = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
const FIRST_NAMES = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
const LAST_NAMES = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];

/** The query parameters shared by the engines (milliseconds). */
export const PARAMS = {
  q2Modulo: 123,
  q3States: ["OR", "ID", "CA"],
  q3Category: 10,
  q5Hop: 2_000,
  q5Size: 10_000,
  q7Size: 10_000,
  q8Size: 10_000,
};
export const QUERIES = ["q0", "q1", "q2", "q3", "q5", "q7", "q8"];

/** Ids of the last person/auction created up to event `n` (base 0). */
function lastPerson(n) {
  const epoch = Math.floor(n / TOTAL_PROPORTION);
  const offset = Math.min(n % TOTAL_PROPORTION, PERSON_PROPORTION - 1);
  return epoch * PERSON_PROPORTION + offset;
}
function lastAuction(n) {
  const epoch = Math.floor(n / TOTAL_PROPORTION);
  let offset = n % TOTAL_PROPORTION;
  if (offset < PERSON_PROPORTION) offset = AUCTION_PROPORTION - 1;
  else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) offset = AUCTION_PROPORTION - 1;
  else offset -= PERSON_PROPORTION;
  return epoch * AUCTION_PROPORTION + offset;
}

/** Generates `events` events; returns `{ persons, auctions, bids }` arrays of plain objects. */
export function generate(events, seed = 7) {
  const rand = mulberry32(seed);
  const int = (n) => Math.floor(rand() * n);
  const persons = [];
  const auctions = [];
  const bids = [];
  for (let n = 0; n < events; n++) {
    const time = BASE_TIME + Math.floor(n / EVENTS_PER_MS);
    const offset = n % TOTAL_PROPORTION;
    if (offset < PERSON_PROPORTION) {
      const id = lastPerson(n) + FIRST_PERSON_ID;
      const state = STATES[int(STATES.length)];
      persons.push({
        pid: id,
        name: `${FIRST_NAMES[int(FIRST_NAMES.length)]} ${LAST_NAMES[int(LAST_NAMES.length)]}`,
        email: `p${id}@example.com`,
        credit_card: `${1000 + int(9000)} ${1000 + int(9000)} ${1000 + int(9000)} ${1000 + int(9000)}`,
        city: CITIES[int(CITIES.length)],
        state,
        date_time: time,
      });
    } else if (offset < PERSON_PROPORTION + AUCTION_PROPORTION) {
      const id = lastAuction(n) + FIRST_AUCTION_ID;
      // The seller: usually a recent person, sometimes an older active one.
      const last = lastPerson(n);
      const seller =
        FIRST_PERSON_ID + (int(4) === 0 ? Math.max(0, last - int(NUM_ACTIVE_PEOPLE)) : Math.max(0, last - int(10)));
      const initial = Math.round(10 ** (rand() * 6) * 100);
      auctions.push({
        aid: id,
        item_name: `item-${id}`,
        description: `desc-${int(1000)}`,
        initial_bid: initial,
        reserve: initial + Math.round(10 ** (rand() * 6) * 100),
        date_time: time,
        expires: time + 10_000 + int(100_000),
        seller,
        category: FIRST_CATEGORY_ID + int(NUM_CATEGORIES),
      });
    } else {
      const la = lastAuction(n);
      const auction =
        FIRST_AUCTION_ID +
        (int(HOT_AUCTION_RATIO) > 0
          ? Math.floor(la / HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
          : Math.max(0, la - int(NUM_IN_FLIGHT_AUCTIONS)));
      const lp = lastPerson(n);
      const bidder =
        FIRST_PERSON_ID +
        (int(HOT_BIDDER_RATIO) > 0
          ? Math.min(lp, Math.floor(lp / HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1)
          : Math.max(0, lp - int(NUM_ACTIVE_PEOPLE)));
      bids.push({
        auction,
        bidder,
        price: Math.round(10 ** (rand() * 6) * 100),
        channel: `channel-${int(10)}`,
        url: `https://example.com/item/${auction}`,
        date_time: time,
      });
    }
  }
  return { persons, auctions, bids };
}

/** The expected final result of each query, as arrays of rows (plain JavaScript). */
export function reference({ persons, auctions, bids }) {
  const out = {};
  out.q0 = bids.map((b) => ({ auction: b.auction, bidder: b.bidder, price: b.price, date_time: b.date_time }));
  out.q1 = bids.map((b) => ({
    auction: b.auction,
    bidder: b.bidder,
    price: Math.floor((b.price * 908) / 1000),
    date_time: b.date_time,
  }));
  out.q2 = bids
    .filter((b) => b.auction % PARAMS.q2Modulo === 0)
    .map((b) => ({ auction: b.auction, price: b.price }));
  const local = new Map(persons.filter((p) => PARAMS.q3States.includes(p.state)).map((p) => [p.pid, p]));
  out.q3 = [];
  for (const a of auctions) {
    const p = local.get(a.seller);
    if (a.category === PARAMS.q3Category && p) out.q3.push({ name: p.name, city: p.city, state: p.state, auction: a.aid });
  }
  // q5: per sliding window (size 10 s, hop 2 s) the auctions with the most bids.
  const counts = new Map();
  for (const b of bids) {
    const last = b.date_time - (((b.date_time % PARAMS.q5Hop) + PARAMS.q5Hop) % PARAMS.q5Hop);
    for (let start = last; start > b.date_time - PARAMS.q5Size; start -= PARAMS.q5Hop) {
      const k = `${start},${b.auction}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  const best = new Map();
  for (const [k, n] of counts) {
    const start = Number(k.split(",")[0]);
    best.set(start, Math.max(best.get(start) ?? 0, n));
  }
  out.q5 = [];
  for (const [k, n] of counts) {
    const [start, auction] = k.split(",").map(Number);
    if (best.get(start) === n) out.q5.push({ start, auction, num: n });
  }
  // q7: per tumbling 10 s window the bids with the highest price.
  const top = new Map();
  const startOf = (t, size) => t - (((t % size) + size) % size);
  for (const b of bids) {
    const s = startOf(b.date_time, PARAMS.q7Size);
    top.set(s, Math.max(top.get(s) ?? 0, b.price));
  }
  out.q7 = bids
    .filter((b) => top.get(startOf(b.date_time, PARAMS.q7Size)) === b.price)
    .map((b) => ({ auction: b.auction, price: b.price, bidder: b.bidder, date_time: b.date_time }));
  // q8: persons who opened an auction in the same tumbling 10 s window as they registered.
  const sellers = new Map();
  for (const a of auctions) {
    const k = `${a.seller},${startOf(a.date_time, PARAMS.q8Size)}`;
    sellers.set(k, (sellers.get(k) ?? 0) + 1);
  }
  out.q8 = [];
  for (const p of persons) {
    const start = startOf(p.date_time, PARAMS.q8Size);
    const n = sellers.get(`${p.pid},${start}`) ?? 0;
    for (let i = 0; i < n; i++) out.q8.push({ person: p.pid, name: p.name, start });
  }
  return out;
}

/** The columns of each query's output, in the order the hash uses. */
export const COLUMNS = {
  q0: ["auction", "bidder", "price", "date_time"],
  q1: ["auction", "bidder", "price", "date_time"],
  q2: ["auction", "price"],
  q3: ["name", "city", "state", "auction"],
  q5: ["start", "auction", "num"],
  q7: ["auction", "price", "bidder", "date_time"],
  q8: ["person", "name", "start"],
};

/** Canonical hash of a multiset of rows: sorted `a|b|c` lines, sha256 hex (16 chars). */
export function hashRows(query, rows) {
  const lines = rows.map((r) => COLUMNS[query].map((c) => String(r[c])).join("|"));
  lines.sort();
  return createHash("sha256").update(lines.join("\n")).digest("hex").slice(0, 16);
}

/** Writes (once per size) persons/auctions/bids JSON lines and the expected hashes. */
export function ensureNexmark(dataDir, events, log) {
  const dir = join(dataDir, `nexmark-${events}`);
  const meta = join(dir, "expected.json");
  if (existsSync(meta)) return JSON.parse(readFileSync(meta, "utf8"));
  mkdirSync(dir, { recursive: true });
  log?.(`generating ${events} Nexmark events into ${dir}`);
  const data = generate(events);
  for (const kind of ["persons", "auctions", "bids"]) {
    writeFileSync(join(dir, `${kind}.jsonl`), `${data[kind].map((r) => JSON.stringify(r)).join("\n")}\n`);
  }
  const expected = reference(data);
  const info = {
    dir,
    events,
    persons: data.persons.length,
    auctions: data.auctions.length,
    bids: data.bids.length,
    hashes: Object.fromEntries(QUERIES.map((q) => [q, hashRows(q, expected[q])])),
    rows: Object.fromEntries(QUERIES.map((q) => [q, expected[q].length])),
  };
  writeFileSync(meta, JSON.stringify(info, null, 2));
  return info;
}
