/**
 * Result types of the plan's functions (`Expr::Call` names) and the build-time checks on
 * their argument types.
 */
import {
  type DType,
  dtypeName,
  isKind,
  isNullType,
  isNumeric,
  isOptional,
  optional,
  optionalIf,
  unify,
  unoptional,
} from "./dtype.js";
import { fail } from "./errors.js";

type Rule = (args: DType[], site: string | undefined, f: string) => DType;

/** Descriptions of the current call's arguments (set by `inferCall`), for messages. */
let describing: readonly string[] = [];

function mismatch(f: string, args: DType[], site: string | undefined, expected?: string): never {
  const shown = args
    .map((t, i) => (describing[i] ? `${describing[i]} (${dtypeName(t)})` : dtypeName(t)))
    .join(", ");
  return fail(
    "TYPE_MISMATCH",
    `${f}: cannot apply to (${shown})${expected ? `; expected ${expected}` : ""}`,
    site,
  );
}

/** Declared nullable (`Optional`); `Any` does not count. */
const nullable = (t: DType): boolean => typeof t === "object" && "Optional" in t;
const anyNullable = (args: DType[]): boolean => args.some(nullable);
const base = (t: DType): DType => unoptional(t);
const isAny = (t: DType): boolean => base(t) === "Any";

function arity(f: string, args: DType[], min: number, max: number, site?: string): void {
  if (args.length < min || args.length > max) {
    fail(
      "INVALID_ARGUMENT",
      `${f}: expected ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}`,
      site,
    );
  }
}

/** A rule that checks the argument count, then computes the type. */
function counted(min: number, max: number, result: (args: DType[]) => DType): Rule {
  return (args, site, f) => {
    arity(f, args, min, max, site);
    return result(args);
  };
}

/** Arithmetic on numbers: int if both int, float otherwise. */
function numeric(a: DType, b: DType): DType | undefined {
  if (!isKind(a, "Int", "Float") || !isKind(b, "Int", "Float")) return undefined;
  if (isAny(a) || isAny(b)) return isAny(a) && isAny(b) ? "Any" : base(isAny(a) ? b : a);
  return base(a) === "Int" && base(b) === "Int" ? "Int" : "Float";
}

function binary(table: (a: DType, b: DType) => DType | undefined, expected: string): Rule {
  return (args, site, f) => {
    arity(f, args, 2, 2, site);
    const [a, b] = args as [DType, DType];
    const result = table(base(a), base(b));
    if (result === undefined) return mismatch(f, args, site, expected);
    return optionalIf(result, (nullable(a) || nullable(b)) && result !== "Any");
  };
}

const either = (a: DType, b: DType, x: DType, y: DType): boolean =>
  (a === x && b === y) || (a === y && b === x);

const add = binary((a, b) => {
  const n = numeric(a, b);
  if (n) return n;
  if (a === "Str" && b === "Str") return "Str";
  if (either(a, b, "DateTime", "Duration")) return "DateTime";
  if (a === "Duration" && b === "Duration") return "Duration";
  if (a === "Any" || b === "Any") return "Any";
  return undefined;
}, "numbers, strings, datetime + duration or durations");

const sub = binary((a, b) => {
  const n = numeric(a, b);
  if (n) return n;
  if (a === "DateTime" && b === "DateTime") return "Duration";
  if (a === "DateTime" && b === "Duration") return "DateTime";
  if (a === "Duration" && b === "Duration") return "Duration";
  if (a === "Any" || b === "Any") return "Any";
  return undefined;
}, "numbers, datetimes or durations");

const mul = binary((a, b) => {
  const n = numeric(a, b);
  if (n) return n;
  if (either(a, b, "Duration", "Int") || either(a, b, "Duration", "Float")) return "Duration";
  if (a === "Any" || b === "Any") return "Any";
  return undefined;
}, "numbers, or a duration and a number");

const div = binary((a, b) => {
  if (numeric(a, b)) return "Float";
  if (a === "Duration" && b === "Duration") return "Float";
  if (a === "Duration" && isNumeric(b)) return "Duration";
  if (a === "Any" || b === "Any") return "Any";
  return undefined;
}, "numbers or durations");

const floorDiv = binary((a, b) => {
  const n = numeric(a, b);
  if (n) return n;
  if (a === "Duration" && b === "Duration") return "Int";
  if (a === "Duration" && b === "Int") return "Duration";
  if (a === "Any" || b === "Any") return "Any";
  return undefined;
}, "numbers or durations");

const mod = binary((a, b) => {
  const n = numeric(a, b);
  if (n) return n;
  if (a === "Duration" && b === "Duration") return "Duration";
  if (a === "Any" || b === "Any") return "Any";
  return undefined;
}, "numbers or durations");

const pow = binary((a, b) => numeric(a, b), "numbers");

function comparable(a: DType, b: DType): boolean {
  if (isNullType(a) || isNullType(b) || isAny(a) || isAny(b)) return true;
  return unify(a, b) !== "Any";
}

const equality: Rule = (args, site, f) => {
  arity(f, args, 2, 2, site);
  if (!comparable(args[0]!, args[1]!)) return mismatch(f, args, site, "values of the same type");
  return "Bool";
};

const ordering: Rule = (args, site, f) => {
  arity(f, args, 2, 2, site);
  const [a, b] = args as [DType, DType];
  const ok = comparable(a, b) && !isKind(a, "Json") && !isKind(b, "Json");
  if (!ok || (isKind(a, "Json") && !isAny(a))) return mismatch(f, args, site, "comparable values");
  return optionalIf("Bool", anyNullable(args));
};

const logical: Rule = (args, site, f) => {
  arity(f, args, f === "not" ? 1 : 2, f === "not" ? 1 : 2, site);
  if (!args.every((t) => isKind(t, "Bool") || isNullType(t))) {
    return mismatch(f, args, site, "booleans");
  }
  return optionalIf("Bool", anyNullable(args));
};

/** A rule for `ns.fn(x, ...params)`: `x` of one of `accepts`, params checked loosely. */
function method(
  accepts: DType[],
  result: DType | ((x: DType, args: DType[]) => DType),
  params: Array<DType[]> = [],
  required = params.length,
): Rule {
  return (args, site, f) => {
    arity(f, args, 1 + required, 1 + params.length, site);
    const x = args[0]!;
    const okX =
      isAny(x) ||
      isNullType(x) ||
      accepts.some((t) => JSON.stringify(t) === JSON.stringify(base(x)));
    if (!okX) {
      return mismatch(
        f,
        args,
        site,
        `${accepts.map(dtypeName).join(" or ")} as the first argument`,
      );
    }
    params.forEach((allowed, i) => {
      const p = args[i + 1];
      if (p === undefined || isAny(p) || isNullType(p)) return;
      if (!allowed.some((t) => JSON.stringify(t) === JSON.stringify(base(p)))) {
        mismatch(f, args, site, `${allowed.map(dtypeName).join(" or ")} as argument ${i + 2}`);
      }
    });
    const r = typeof result === "function" ? result(base(x), args) : result;
    return optionalIf(r, nullable(x) && r !== "Any");
  };
}

const same = (x: DType): DType => x;
const S: DType[] = ["Str"];
const N: DType[] = ["Int", "Float"];

const rules: Record<string, Rule> = {
  add,
  sub,
  mul,
  div,
  floorDiv,
  mod,
  pow,
  neg: method(["Int", "Float", "Duration"], same),
  eq: equality,
  ne: equality,
  lt: ordering,
  le: ordering,
  gt: ordering,
  ge: ordering,
  and: logical,
  or: logical,
  not: logical,
  isNull: counted(1, 1, () => "Bool"),
  isNotNull: counted(1, 1, () => "Bool"),
  fillNull: (args, site, f) => {
    arity(f, args, 2, 2, site);
    const [x, v] = args as [DType, DType];
    const u = unify(unoptional(x), v);
    if (u === "Any" && !isAny(x) && !isAny(v))
      return mismatch(f, args, site, "a value of the column's type");
    return u;
  },
  isError: counted(1, 1, () => "Bool"),
  fillError: (args, site, f) => {
    arity(f, args, 2, 2, site);
    const [x, v] = args as [DType, DType];
    if (isNullType(v)) return optional(x);
    const u = unify(x, v);
    if (u === "Any" && !isAny(x) && !isAny(v))
      return mismatch(f, args, site, "a value of the column's type");
    return u;
  },
  coalesce: (args, site, f) => {
    arity(f, args, 1, Number.MAX_SAFE_INTEGER, site);
    const nonNull = args.filter((t) => !isNullType(t));
    const bases = nonNull.map(unoptional);
    const u = bases.length === 0 ? "Any" : bases.reduce(unify);
    if (u === "Any" && bases.some((t) => !isAny(t)))
      return mismatch(f, args, site, "values of one type");
    return optionalIf(u, args.every(isOptional) && u !== "Any");
  },
  ifElse: (args, site, f) => {
    arity(f, args, 3, 3, site);
    if (!isKind(args[0]!, "Bool")) return mismatch(f, args, site, "a boolean condition");
    const u = unify(args[1]!, args[2]!);
    if (u === "Any" && !isAny(args[1]!) && !isAny(args[2]!)) {
      return mismatch(f, args, site, "branches of one type");
    }
    return u;
  },
  require: counted(1, Number.MAX_SAFE_INTEGER, (args) => optional(args[0]!)),
  unwrap: counted(1, 1, (args) => unoptional(args[0]!)),
  makeTuple: (args) => ({ Tuple: args }),
  asString: counted(1, 1, (args) => optionalIf("Str", isOptional(args[0]!) && !isAny(args[0]!))),
  pointerFrom: () => "Pointer",
  get: (args, site, f) => {
    arity(f, args, 2, 3, site);
    const [x, key, dflt] = args as [DType, DType, DType | undefined];
    const bx = base(x);
    let r: DType;
    if (bx === "Any") r = "Any";
    else if (bx === "Json") {
      if (!isKind(key, "Int", "Str")) return mismatch(f, args, site, "an int or str key");
      r = "Json";
    } else if (typeof bx === "object" && "Array" in bx) {
      if (!isKind(key, "Int")) return mismatch(f, args, site, "an int index");
      r = bx.Array;
    } else if (typeof bx === "object" && "Tuple" in bx) {
      if (!isKind(key, "Int")) return mismatch(f, args, site, "an int index");
      r = bx.Tuple.length === 0 ? "Any" : bx.Tuple.reduce(unify);
    } else return mismatch(f, args, site, "a tuple, array or json value");
    if (dflt !== undefined) r = unify(r, dflt);
    return isOptional(x) ? optional(r) : r;
  },
  "str.lower": method(S, "Str"),
  "str.upper": method(S, "Str"),
  "str.len": method(S, "Int"),
  "str.contains": method(S, "Bool", [S]),
  "str.startsWith": method(S, "Bool", [S]),
  "str.endsWith": method(S, "Bool", [S]),
  "str.replace": method(S, "Str", [S, S]),
  "str.slice": method(S, "Str", [["Int"], ["Int"]], 1),
  "str.split": method(S, { Array: "Str" }, [S], 0),
  "str.strip": method(S, "Str", [S], 0),
  "str.parseInt": method(
    S,
    (_x, args) => (args.length > 1 ? optional("Int") : "Int"),
    [["Bool"]],
    0,
  ),
  "str.parseFloat": method(
    S,
    (_x, args) => (args.length > 1 ? optional("Float") : "Float"),
    [["Bool"]],
    0,
  ),
  "str.concat": (args, site, f) => {
    if (!args.every((t) => isKind(t, "Str") || isNullType(t)))
      return mismatch(f, args, site, "strings");
    return optionalIf("Str", anyNullable(args));
  },
  "num.abs": method(["Int", "Float", "Duration"], same),
  "num.round": method(N, same, [["Int"]], 0),
  "num.floor": method(N, same),
  "num.ceil": method(N, same),
  "dt.floor": method(["DateTime", "Duration"], same, [["Duration"]]),
  "dt.round": method(["DateTime", "Duration"], same, [["Duration"]]),
  "dt.year": method(["DateTime"], "Int"),
  "dt.month": method(["DateTime"], "Int"),
  "dt.day": method(["DateTime"], "Int"),
  "dt.hour": method(["DateTime"], "Int"),
  "dt.minute": method(["DateTime"], "Int"),
  "dt.second": method(["DateTime"], "Int"),
  "dt.millisecond": method(["DateTime"], "Int"),
  "dt.microsecond": method(["DateTime"], "Int"),
  "dt.nanosecond": method(["DateTime"], "Int"),
  "dt.weekday": method(["DateTime"], "Int"),
  "dt.timestamp": method(["DateTime"], "Float", [S], 0),
  "dt.strftime": method(["DateTime"], "Str", [S]),
  "dt.strptime": method(S, "DateTime", [S]),
};

/** The result type of `f(args)`; throws `TYPE_MISMATCH` naming `f` and the call site. */
export function inferCall(
  f: string,
  args: DType[],
  site: string | undefined,
  descriptions: readonly string[] = [],
): DType {
  const rule = rules[f];
  if (!rule) return fail("INVALID_ARGUMENT", `unknown function ${f}`, site);
  const previous = describing;
  describing = descriptions;
  try {
    return rule(args, site, f);
  } finally {
    describing = previous;
  }
}

/** Checks a cast; every conversion may fail per row (error value), so only shapes matter. */
export function inferCast(from: DType, to: DType): DType {
  return isOptional(from) && !isAny(from) ? optional(to) : to;
}

/** Function names the plan knows (for tests and docs). */
export const FUNCTION_NAMES: readonly string[] = Object.keys(rules);
