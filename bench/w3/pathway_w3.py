"""W3 (a) single-change latency on large state, Pathway: the same pipeline and change sequence as
bench/w3/tributary.mjs (static CSV load, then keyed single-row changes 10 ms apart through an
upsert ConnectorSubject; latency = push -> the change's key at a subscribe callback).

Usage: PATHWAY_THREADS=N python pathway_w3.py LOAD.csv ROWS CHANGES OUT.json
"""

import json
import sys
import threading
import time as clock

import pathway as pw


class Base(pw.Schema):
    k: int
    v: int


class Change(pw.Schema):
    id: int = pw.column_definition(primary_key=True)
    k: int
    v: int


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    csv_path, rows, changes, out_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    loaded = threading.Event()
    waiting: dict[int, float] = {}
    latencies: list[float] = []
    state = {"total": 0, "loaded_at": 0.0, "rss": 0.0}
    lock = threading.Lock()

    class Changes(pw.io.python.ConnectorSubject):
        def __init__(self) -> None:
            super().__init__(session_type="upsert")

        def run(self) -> None:
            loaded.wait()
            clock.sleep(1.0)
            seed = 7
            last_key = 0
            for i in range(changes):
                seed = (seed * 1103515245 + 12345) % 2147483648
                row_id, key, op = i // 3, seed % 1_000_000, i % 3
                with lock:
                    if op == 2:
                        waiting[last_key] = clock.time() * 1000.0
                    else:
                        waiting[key] = clock.time() * 1000.0
                if op == 2:
                    self.delete(id=row_id, k=last_key, v=1)
                else:
                    self.next(id=row_id, k=key, v=1)
                    last_key = key
                self.commit()
                clock.sleep(0.01)
            clock.sleep(2.0)
            with open(out_path, "w") as f:
                json.dump({"loadSec": state["loaded_at"], "rssMiBAfterLoad": state["rss"], "latencies": latencies}, f)
            import os

            os._exit(0)

    t0 = clock.time()
    base = pw.io.csv.read(csv_path, schema=Base, mode="static")
    pushed = pw.io.python.read(Changes(), schema=Change, autocommit_duration_ms=10)
    both = pw.Table.concat_reindex(base, pushed.select(k=pw.this.k, v=pw.this.v))
    stats = both.groupby(pw.this.k).reduce(k=pw.this.k, count=pw.reducers.count(), total=pw.reducers.sum(pw.this.v))

    def on_change(key, row, time, is_addition):  # noqa: ARG001
        at = clock.time() * 1000.0
        if not loaded.is_set():
            state["total"] += row["count"] if is_addition else -row["count"]
            if state["total"] == rows:
                state["loaded_at"] = clock.time() - t0
                state["rss"] = rss_mib()
                loaded.set()
            return
        with lock:
            pushed_at = waiting.pop(row["k"], None)
        if pushed_at is not None:
            latencies.append(at - pushed_at)

    pw.io.subscribe(stats, on_change=on_change)
    pw.run(monitoring_level=pw.MonitoringLevel.NONE)


if __name__ == "__main__":
    main()
