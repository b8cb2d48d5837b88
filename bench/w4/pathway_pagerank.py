"""W4 PageRank on Pathway 0.33: Pathway's integer PageRank (5 steps, start rank 6000,
flow = rank * 5 // (out-degree * 6), rank = inflow + 1000), written from the workload
definition in the style of Pathway's own stdlib (the steps unrolled in Python).

Usage: PATHWAY_THREADS=N python pathway_pagerank.py INPUT.csv OUTPUT.csv MODE
  MODE: batch | streaming (a commit every 1000 edges) | backfill (90% at once, then streamed)
"""

import sys

import pathway as pw

BATCH = 1000
STEPS = 5


class Edge(pw.Schema):
    u: int
    v: int


class Feed(pw.io.python.ConnectorSubject):
    """Feeds the edges from memory, committing as the mode says."""

    def __init__(self, path: str, first: int) -> None:
        super().__init__()
        self.path = path
        self.first = first

    def run(self) -> None:
        with open(self.path) as f:
            next(f)
            in_commit = 0
            first = self.first
            for line in f:
                if not line.strip():
                    continue
                u, v = line.split(",")
                self.next(u=int(u), v=int(v))
                in_commit += 1
                if in_commit >= (first if first > 0 else BATCH):
                    self.commit()
                    in_commit = 0
                    first = 0
            if in_commit:
                self.commit()


def read_edges(path: str, mode: str) -> pw.Table:
    if mode == "batch":
        return pw.io.csv.read(path, schema=Edge, mode="static")
    first = 0
    if mode == "backfill":
        with open(path) as f:
            total = sum(1 for _ in f) - 1
        first = int(total * 0.9)
    elif mode != "streaming":
        raise ValueError(f"unknown mode {mode}")
    return pw.io.python.read(Feed(path, first), schema=Edge, autocommit_duration_ms=None)


def pagerank(edges: pw.Table) -> pw.Table:
    ends = pw.Table.concat_reindex(edges.select(node=edges.u), edges.select(node=edges.v))
    vertices = ends.groupby(ends.node).reduce(node=ends.node)
    out = edges.groupby(edges.u).reduce(node=edges.u, degree=pw.reducers.count())
    ranks = vertices.select(node=vertices.node, rank=6000)
    for _ in range(STEPS):
        outflow = out.join(ranks, out.node == ranks.node).select(
            node=out.node, flow=(ranks.rank * 5) // (out.degree * 6)
        )
        inflow = edges.join(outflow, edges.u == outflow.node).select(
            node=edges.v, flow=outflow.flow
        )
        sums = inflow.groupby(inflow.node).reduce(
            node=inflow.node, flow=pw.reducers.sum(inflow.flow)
        )
        ranks = vertices.join_left(sums, vertices.node == sums.node).select(
            node=vertices.node, rank=pw.coalesce(sums.flow, 0) + 1000
        )
    return ranks


def main() -> None:
    input_path, output_path = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "batch"
    pw.io.csv.write(pagerank(read_edges(input_path, mode)), output_path)
    pw.run(monitoring_level=pw.MonitoringLevel.NONE)


if __name__ == "__main__":
    main()
