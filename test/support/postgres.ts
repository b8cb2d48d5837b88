/**
 * A private PostgreSQL server for one test file: `initdb` + `pg_ctl` (through
 * `runuser -u postgres --` when running as root, which PostgreSQL refuses), a temporary data
 * directory, a free port on 127.0.0.1 and a socket directory inside the temporary directory.
 * `psql` runs queries for the assertions.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian puts the server binaries (the newest installed major version). */
function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`no PostgreSQL server binaries under ${root}`);
  return join(root, versions[0]!, "bin");
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL program as the `postgres` user (directly when not root). */
function runAsPostgres(program: string, args: readonly string[], input?: string): string {
  const [cmd, argv] = asRoot
    ? ["runuser", ["-u", "postgres", "--", program, ...args]]
    : [program, [...args]];
  return execFileSync(cmd, argv, {
    encoding: "utf8",
    input,
    stdio: ["pipe", "pipe", "pipe"],
    cwd: tmpdir(),
  });
}

/** A running private server. */
export interface PostgresServer {
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** A connection string for the `postgres` database as the `postgres` user. */
  readonly connectionString: string;
  /** Runs SQL with psql; returns the rows, each as its `|`-separated fields. */
  query(sql: string): string[][];
  /** Runs SQL (statements) with psql, ignoring output. */
  exec(sql: string): void;
  /** Restarts the server (`pg_ctl restart -m fast`: every connection is dropped). */
  restart(): void;
  /** Stops the server (`-m fast`) without removing anything; `start()` brings it back. */
  halt(): void;
  /** Starts a halted server again. */
  start(): void;
  /** Stops the server and removes its directory. */
  stop(): void;
}

/** Starts a private server (about a second). */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "tb-pg-"));
  chmodSync(dir, 0o755);
  const data = join(dir, "data");
  const sockets = join(dir, "sock");
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  runAsPostgres("mkdir", [sockets]);
  runAsPostgres(join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${sockets}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c wal_level=logical",
  ].join(" ");
  runAsPostgres(join(bin, "pg_ctl"), [
    "-D",
    data,
    "-o",
    options,
    "-l",
    join(dir, "log"),
    "-w",
    "start",
  ]);
  const psql = (sql: string): string =>
    runAsPostgres(
      join(bin, "psql"),
      [
        "-h",
        sockets,
        "-p",
        String(port),
        "-U",
        "postgres",
        "-d",
        "postgres",
        "-X",
        "-q",
        "-At",
        "-v",
        "ON_ERROR_STOP=1",
        "-f",
        "-",
      ],
      sql,
    );
  let stopped = false;
  return {
    port,
    connectionString: `host=127.0.0.1 port=${port} user=postgres dbname=postgres`,
    query: (sql) =>
      psql(sql)
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => line.split("|")),
    exec: (sql) => {
      psql(sql);
    },
    restart: () => {
      runAsPostgres(join(bin, "pg_ctl"), [
        "-D",
        data,
        "-m",
        "fast",
        "-w",
        "restart",
        "-o",
        options,
        "-l",
        join(dir, "log"),
      ]);
    },
    halt: () => {
      runAsPostgres(join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
    },
    start: () => {
      runAsPostgres(join(bin, "pg_ctl"), [
        "-D",
        data,
        "-o",
        options,
        "-l",
        join(dir, "log"),
        "-w",
        "start",
      ]);
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      try {
        runAsPostgres(join(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
