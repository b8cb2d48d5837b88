"""W1 WordCount on Pathway: static JSON-lines read, groupby/reduce count, CSV write.

Usage: PATHWAY_THREADS=N python pathway_wordcount.py INPUT.jsonl OUTPUT.csv
"""

import sys

import pathway as pw


class WordSchema(pw.Schema):
    word: str


def main() -> None:
    input_path, output_path = sys.argv[1], sys.argv[2]
    words = pw.io.jsonlines.read(input_path, schema=WordSchema, mode="static")
    counts = words.groupby(pw.this.word).reduce(
        word=pw.this.word, count=pw.reducers.count()
    )
    pw.io.csv.write(counts, output_path)
    pw.run(monitoring_level=pw.MonitoringLevel.NONE)


if __name__ == "__main__":
    main()
