"""Nexmark queries on Pathway 0.33, written from the Nexmark query definitions (the same
parameters as bench/nexmark/tributary.mjs).

Usage: PATHWAY_THREADS=N python pathway_nexmark.py DATA_DIR QUERY OUTPUT.csv
  DATA_DIR holds persons.jsonl, auctions.jsonl, bids.jsonl; QUERY: q0 q1 q2 q3 q5 q7 q8.
"""

import os
import sys

import pathway as pw

Q2_MODULO = 123
Q3_CATEGORY = 10
Q5_HOP, Q5_SIZE = 2_000, 10_000
Q7_SIZE = 10_000
Q8_SIZE = 10_000


class Person(pw.Schema):
    pid: int
    name: str
    email: str
    credit_card: str
    city: str
    state: str
    date_time: int


class Auction(pw.Schema):
    aid: int
    item_name: str
    description: str
    initial_bid: int
    reserve: int
    date_time: int
    expires: int
    seller: int
    category: int


class Bid(pw.Schema):
    auction: int
    bidder: int
    price: int
    channel: str
    url: str
    date_time: int


def read(data_dir: str, name: str, schema):
    return pw.io.jsonlines.read(
        os.path.join(data_dir, f"{name}.jsonl"), schema=schema, mode="static"
    )


def q0(d):
    b = read(d, "bids", Bid)
    return b.select(b.auction, b.bidder, b.price, b.date_time)


def q1(d):
    b = read(d, "bids", Bid)
    return b.select(b.auction, b.bidder, price=b.price * 908 // 1000, date_time=b.date_time)


def q2(d):
    b = read(d, "bids", Bid)
    return b.filter(b.auction % Q2_MODULO == 0).select(pw.this.auction, pw.this.price)


def q3(d):
    p = read(d, "persons", Person)
    a = read(d, "auctions", Auction)
    local = p.filter((p.state == "OR") | (p.state == "ID") | (p.state == "CA"))
    cat = a.filter(a.category == Q3_CATEGORY)
    return cat.join(local, cat.seller == local.pid).select(
        name=local.name, city=local.city, state=local.state, auction=cat.aid
    )


def q5(d):
    b = read(d, "bids", Bid)
    counts = b.windowby(
        b.date_time,
        window=pw.temporal.sliding(hop=Q5_HOP, duration=Q5_SIZE, origin=0),
        instance=b.auction,
    ).reduce(
        start=pw.this._pw_window_start,
        auction=pw.this._pw_instance,
        num=pw.reducers.count(),
    )
    best = counts.groupby(counts.start).reduce(
        start=pw.this.start, top=pw.reducers.max(pw.this.num)
    )
    return counts.join(
        best, counts.start == best.start, counts.num == best.top
    ).select(start=counts.start, auction=counts.auction, num=counts.num)


def q7(d):
    b = read(d, "bids", Bid)
    top = b.windowby(
        b.date_time, window=pw.temporal.tumbling(duration=Q7_SIZE, origin=0)
    ).reduce(start=pw.this._pw_window_start, top=pw.reducers.max(pw.this.price))
    with_start = b.with_columns(start=b.date_time - b.date_time % Q7_SIZE)
    return with_start.join(
        top, with_start.start == top.start, with_start.price == top.top
    ).select(
        auction=with_start.auction,
        price=with_start.price,
        bidder=with_start.bidder,
        date_time=with_start.date_time,
    )


def q8(d):
    p = read(d, "persons", Person)
    a = read(d, "auctions", Auction)
    return p.window_join(
        a,
        p.date_time,
        a.date_time,
        pw.temporal.tumbling(duration=Q8_SIZE, origin=0),
        p.pid == a.seller,
    ).select(person=p.pid, name=p.name, start=pw.this._pw_window_start)


QUERIES = {"q0": q0, "q1": q1, "q2": q2, "q3": q3, "q5": q5, "q7": q7, "q8": q8}

if __name__ == "__main__":
    data_dir, query, output = sys.argv[1:4]
    pw.io.csv.write(QUERIES[query](data_dir), output)
    pw.run(monitoring_level=pw.MonitoringLevel.NONE)
