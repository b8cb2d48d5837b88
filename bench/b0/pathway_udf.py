"""B0 UDF cases on Pathway: the same workloads as bench/b0/udf_cases.mjs.

Usage: python pathway_udf.py CASE INPUT.jsonl
Prints one JSON line {"ms", "cpuMs"}: wall and CPU (all threads) ms of pw.run
(bare loops: {"nsPerRow", "cpuNsPerRow"}).
CASE: num-expr | num-row | num-batch | str-expr | str-row | str-batch | py-num | py-str
"""

import json
import sys
import time

import pathway as pw


class Row(pw.Schema):
    k: int
    x: float
    s: str


def num_row(x: float) -> float:
    return x * 2 + 1


def str_row(s: str) -> str:
    return s.upper()


@pw.udf(max_batch_size=4096)
def num_batch(xs: list[float]) -> list[float]:
    return [x * 2 + 1 for x in xs]


@pw.udf(max_batch_size=4096)
def str_batch(ss: list[str]) -> list[str]:
    return [s.upper() for s in ss]


def bare(case: str, n: int) -> dict:
    """ns per row of a plain Python loop calling the function once per row."""
    if case == "py-num":
        xs = [i + 0.5 for i in range(n)]
        f = num_row
    else:
        xs = [f"s{i % 1000}" for i in range(n)]
        f = str_row
    walls, cpus = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter_ns(), time.process_time_ns()
        ys = [f(x) for x in xs]
        walls.append((time.perf_counter_ns() - t0) / n)
        cpus.append((time.process_time_ns() - c0) / n)
        del ys
    return {"nsPerRow": sorted(walls)[1], "cpuNsPerRow": sorted(cpus)[1]}


def main() -> None:
    case, path = sys.argv[1], sys.argv[2]
    if case.startswith("py-"):
        print(json.dumps(bare(case, int(sys.argv[3]))))
        return
    t = pw.io.jsonlines.read(path, schema=Row, mode="static")
    if case == "num-expr":
        r = t.select(y=pw.this.x * 2 + 1)
    elif case == "num-row":
        r = t.select(y=pw.apply_with_type(num_row, float, pw.this.x))
    elif case == "num-batch":
        r = t.select(y=num_batch(pw.this.x))
    elif case == "str-expr":
        r = t.select(y=pw.this.s.str.upper())
    elif case == "str-row":
        r = t.select(y=pw.apply_with_type(str_row, str, pw.this.s))
    elif case == "str-batch":
        r = t.select(y=str_batch(pw.this.s))
    else:
        raise SystemExit(f"unknown case {case}")
    pw.io.null.write(r)
    t0, c0 = time.perf_counter_ns(), time.process_time_ns()
    pw.run(monitoring_level=pw.MonitoringLevel.NONE)
    wall, cpu = time.perf_counter_ns() - t0, time.process_time_ns() - c0
    print(json.dumps({"ms": wall / 1e6, "cpuMs": cpu / 1e6}))


if __name__ == "__main__":
    main()
