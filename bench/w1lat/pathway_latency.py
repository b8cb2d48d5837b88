"""W1 latency mode on Pathway: streaming JSON-lines read of FILE (fed by feeder.mjs), counts per
word, and a subscriber that records when each new count reaches Python.

Usage: PATHWAY_THREADS=N python pathway_latency.py FILE COMMIT_MS SECONDS EVENTS.json
Stops after SECONDS and writes {word[], count[], at[]} (wall-clock milliseconds).
"""

import json
import os
import sys
import threading
import time as clock

import pathway as pw


class WordSchema(pw.Schema):
    word: str


def main() -> None:
    path, commit_ms, seconds, events_path = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
    words = pw.io.jsonlines.read(path, schema=WordSchema, mode="streaming", autocommit_duration_ms=commit_ms)
    counts = words.groupby(pw.this.word).reduce(word=pw.this.word, count=pw.reducers.count())
    seen_word, seen_count, seen_at = [], [], []

    def on_change(key, row, time, is_addition):  # noqa: ARG001
        if is_addition:
            seen_word.append(row["word"])
            seen_count.append(row["count"])
            seen_at.append(clock.time() * 1000.0)

    pw.io.subscribe(counts, on_change=on_change)

    def finish() -> None:
        clock.sleep(seconds)
        n = min(len(seen_word), len(seen_count), len(seen_at))
        with open(events_path, "w") as f:
            json.dump({"word": seen_word[:n], "count": seen_count[:n], "at": seen_at[:n]}, f)
        os._exit(0)

    threading.Thread(target=finish, daemon=True).start()
    pw.run(monitoring_level=pw.MonitoringLevel.NONE)


if __name__ == "__main__":
    main()
