/**
 * A private single-node Apache Kafka broker (KRaft mode) for one test file, run from Kafka's
 * own jars on Maven Central: `test/support/kafka/pom.xml` is resolved once with
 * `mvn dependency:copy-dependencies` into `~/.cache/tributary-kafka/libs` (reused afterwards),
 * the log directory is formatted with `StorageTool` (cluster id made here, as `random-uuid`
 * would), and `kafka.Kafka` runs on two free ports of 127.0.0.1. Topics are created on first
 * use with `partitions` partitions (JVM tools take tens of seconds to start on a loaded
 * machine; `createTopic` is there for other counts). The broker can be stopped and started
 * again on the same log directory.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./postgres.js";

const here = dirname(fileURLToPath(import.meta.url));
const libs = join(homedir(), ".cache", "tributary-kafka", "libs");

/** Resolves the broker's jars (a few minutes the first time, then cached). */
function ensureJars(): string {
  const ready =
    existsSync(libs) &&
    readdirSync(libs).some((f) => f.startsWith("kafka_2.13-")) &&
    readdirSync(libs).some((f) => f.startsWith("kafka-tools-"));
  if (!ready) {
    mkdirSync(libs, { recursive: true });
    execFileSync(
      "mvn",
      [
        "-q",
        "-B",
        "-f",
        join(here, "kafka", "pom.xml"),
        "dependency:copy-dependencies",
        `-DoutputDirectory=${libs}`,
        "-DincludeScope=runtime",
      ],
      { stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 },
    );
  }
  return `${libs}/*`;
}

/** Runs a Kafka tool class from the broker's jars; returns its stdout. */
function tool(classpath: string, main: string, args: readonly string[]): string {
  return execFileSync("java", ["-Xmx256m", "-cp", classpath, main, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });
}

/** True when something accepts connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running private broker. */
export interface KafkaBroker {
  /** `127.0.0.1:<port>`, the bootstrap address. */
  readonly brokers: string;
  /** Creates a topic with this many partitions. */
  createTopic(topic: string, partitions?: number): void;
  /** Moves an inactive consumer group's committed offsets of `topic` back to the earliest ones. */
  rewindGroup(group: string, topic: string): void;
  /** Stops the broker process (the log directory stays). */
  stop(): Promise<void>;
  /** Starts it again on the same ports and log directory; resolves when it accepts clients. */
  start(): Promise<void>;
  /** Stops the broker and removes its directory. */
  destroy(): Promise<void>;
}

/** A cluster id as `StorageTool random-uuid` makes it: 16 random bytes, base64url. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    if (!id.startsWith("-")) return id;
  }
}

/**
 * Starts a broker (seconds on an idle machine, up to a minute on a loaded one; more the first
 * time the jars resolve). Topics made on first use get `partitions` partitions.
 */
export async function startKafka(partitions = 4): Promise<KafkaBroker> {
  const classpath = ensureJars();
  const dir = mkdtempSync(join(tmpdir(), "tb-kafka-"));
  const port = await freePort();
  let controller = await freePort();
  while (controller === port) controller = await freePort();
  const props = join(dir, "server.properties");
  writeFileSync(
    props,
    [
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.voters=1@127.0.0.1:${controller}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      "controller.listener.names=CONTROLLER",
      "inter.broker.listener.name=PLAINTEXT",
      "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
      `log.dirs=${join(dir, "logs")}`,
      `num.partitions=${partitions}`,
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=1",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "share.coordinator.state.topic.replication.factor=1",
      "share.coordinator.state.topic.min.isr=1",
      "group.initial.rebalance.delay.ms=0",
      "auto.create.topics.enable=true",
      "log.flush.interval.messages=1000000",
      "",
    ].join("\n"),
  );
  tool(classpath, "kafka.tools.StorageTool", ["format", "-t", clusterId(), "-c", props]);
  const brokers = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = "";

  const start = async (): Promise<void> => {
    output = "";
    const proc = spawn(
      "java",
      [
        "-Xmx512m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        `-Dlog4j2.configurationFile=${join(here, "kafka", "log4j2.xml")}`,
        "-cp",
        classpath,
        "kafka.Kafka",
        props,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    child = proc;
    const deadline = Date.now() + 90_000;
    while (!(await listening(port))) {
      if (proc.exitCode !== null)
        throw new Error(`the Kafka broker exited (${proc.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`the Kafka broker did not start:\n${output}`);
      await sleep(200);
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGTERM");
    const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    brokers,
    createTopic(topic: string, partitions = 1): void {
      tool(classpath, "org.apache.kafka.tools.TopicCommand", [
        "--bootstrap-server",
        brokers,
        "--create",
        "--topic",
        topic,
        "--partitions",
        String(partitions),
        "--replication-factor",
        "1",
      ]);
    },
    rewindGroup(group: string, topic: string): void {
      tool(classpath, "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", [
        "--bootstrap-server",
        brokers,
        "--group",
        group,
        "--topic",
        topic,
        "--reset-offsets",
        "--to-earliest",
        "--execute",
      ]);
    },
    stop,
    start,
    async destroy(): Promise<void> {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
