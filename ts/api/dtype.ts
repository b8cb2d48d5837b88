/**
 * Engine column types (`DType` of `crates/engine/src/value.rs`) in their JSON form, and the
 * typing rules the library uses to infer result types of expressions.
 */

/** A scalar engine type. */
export type ScalarDType =
  | "Any"
  | "Int"
  | "Float"
  | "Bool"
  | "Str"
  | "Bytes"
  | "DateTime"
  | "Duration"
  | "Json"
  | "Pointer";

/** An engine type in serde's externally tagged JSON form. */
export type DType = ScalarDType | { Optional: DType } | { Array: DType } | { Tuple: DType[] };

/** True when the type admits null. */
export function isOptional(t: DType): boolean {
  return t === "Any" || (typeof t === "object" && "Optional" in t);
}

/** The type without its `Optional` wrapper. */
export function unoptional(t: DType): DType {
  return typeof t === "object" && "Optional" in t ? unoptional(t.Optional) : t;
}

/** The nullable version of a type (idempotent; `Any` stays `Any`). */
export function optional(t: DType): DType {
  return isOptional(t) ? t : { Optional: t };
}

/** Wraps `t` in `Optional` when `nullable`. */
export function optionalIf(t: DType, nullable: boolean): DType {
  return nullable ? optional(t) : t;
}

/** A readable name, e.g. `int`, `str | null`, `array<float>`. */
export function dtypeName(t: DType): string {
  if (typeof t === "string") {
    return t === "DateTime" ? "datetime" : t.toLowerCase();
  }
  if ("Optional" in t) return `${dtypeName(t.Optional)} | null`;
  if ("Array" in t) return `array<${dtypeName(t.Array)}>`;
  return `tuple<${t.Tuple.map(dtypeName).join(", ")}>`;
}

/** True for the type of the `null` literal (`Optional(Any)`). */
export function isNullType(t: DType): boolean {
  return typeof t === "object" && "Optional" in t && t.Optional === "Any";
}

/** Structural equality of types. */
export function dtypeEquals(a: DType, b: DType): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** True for `Int`/`Float` (after removing `Optional`). */
export function isNumeric(t: DType): boolean {
  const u = unoptional(t);
  return u === "Int" || u === "Float";
}

/** True when the base type is `base` or `Any`. */
export function isKind(t: DType, ...bases: ScalarDType[]): boolean {
  const u = unoptional(t);
  return u === "Any" || (typeof u === "string" && bases.includes(u));
}

/**
 * The smallest type covering both (for `ifElse`, `coalesce`, `fillNull`, `concat`):
 * `Int`+`Float` → `Float`, optional if either is, `Any` when unrelated.
 */
export function unify(a: DType, b: DType): DType {
  if (isNullType(a)) return optional(b);
  if (isNullType(b)) return optional(a);
  const nullable = isOptional(a) || isOptional(b);
  const ua = unoptional(a);
  const ub = unoptional(b);
  if (ua === "Any" || ub === "Any") return "Any";
  let base: DType;
  if (dtypeEquals(ua, ub)) base = ua;
  else if (isNumeric(ua) && isNumeric(ub)) base = "Float";
  else if (typeof ua === "object" && typeof ub === "object" && "Array" in ua && "Array" in ub) {
    base = { Array: unify(ua.Array, ub.Array) };
  } else if (
    typeof ua === "object" &&
    typeof ub === "object" &&
    "Tuple" in ua &&
    "Tuple" in ub &&
    ua.Tuple.length === ub.Tuple.length
  ) {
    base = { Tuple: ua.Tuple.map((x, i) => unify(x, ub.Tuple[i]!)) };
  } else return "Any";
  return optionalIf(base, nullable);
}

/** Unifies a type with the `None` literal type (`Any` when alone). */
export function unifyAll(types: DType[]): DType {
  if (types.length === 0) return "Any";
  return types.reduce(unify);
}

/** True when values of type `from` may be used where `to` is expected without a cast. */
export function assignable(from: DType, to: DType): boolean {
  if (to === "Any" || from === "Any") return true;
  if (isOptional(from) && !isOptional(to)) return false;
  const uf = unoptional(from);
  const ut = unoptional(to);
  if (uf === "Any") return true;
  if (dtypeEquals(uf, ut)) return true;
  if (uf === "Int" && ut === "Float") return true;
  if (typeof uf === "object" && typeof ut === "object") {
    if ("Array" in uf && "Array" in ut) return assignable(uf.Array, ut.Array);
    if ("Tuple" in uf && "Tuple" in ut) {
      return (
        uf.Tuple.length === ut.Tuple.length && uf.Tuple.every((x, i) => assignable(x, ut.Tuple[i]!))
      );
    }
  }
  return false;
}
