// The settings schema (GET /config/schema: pydantic's model_json_schema(), unchanged) read
// into what the table and the form need per setting: its kind, whether it may be unset, its
// bounds, its enum, whether it is a secret, its default and description.

// Follows a local $ref (#/$defs/X, or pydantic 1's #/definitions/X) and the wrappers pydantic
// puts around one (allOf: [ref]); a default, title or description beside the ref wins.
function resolve(node, root, depth = 0) {
  if (!node || typeof node !== "object" || depth > 16) return node || {};
  let base = node;
  if (typeof node.$ref === "string") {
    const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(node.$ref);
    const target = m && root[m[1]] ? root[m[1]][m[2]] : undefined;
    base = {...resolve(target, root, depth + 1), ...withoutKeys(node, ["$ref"])};
  }
  if (Array.isArray(base.allOf) && base.allOf.length === 1) {
    base = {...resolve(base.allOf[0], root, depth + 1), ...withoutKeys(base, ["allOf"])};
  }
  return base;
}

function withoutKeys(obj, keys) {
  const out = {...obj};
  for (const k of keys) delete out[k];
  return out;
}

// Optional[X] is anyOf: [X, {type: null}].
function unwrapOptional(node, root) {
  const p = resolve(node, root);
  if (!Array.isArray(p.anyOf)) return {base: p, nullable: p.type === "null"};
  const others = p.anyOf.filter((s) => resolve(s, root).type !== "null");
  const nullable = others.length < p.anyOf.length;
  const base = others.length === 1 ? resolve(others[0], root) : {};
  return {base: {...base, ...withoutKeys(p, ["anyOf"])}, nullable};
}

function isSecret(node, root, depth = 0) {
  const p = resolve(node, root);
  if (depth > 8) return false;
  if (p.writeOnly === true || p.format === "password") return true;
  const parts = [...(p.anyOf || []), p.items, typeof p.additionalProperties === "object" ? p.additionalProperties : null];
  return parts.some((s) => s && isSecret(s, root, depth + 1));
}

function kindOf(p) {
  if (Array.isArray(p.enum) || "const" in p) return "enum";
  if (["boolean", "integer", "number", "string", "array", "object"].includes(p.type)) return p.type;
  return "json";
}

const KIND_LABEL = {
  enum: "one of",
  boolean: "true / false",
  integer: "integer",
  number: "number",
  string: "text",
  array: "list",
  object: "map",
  json: "JSON",
};

// "text", "list of integer", "map of (red | green)"; a setting's own enum is "one of", its
// members listed as constraints.
function partLabel(node, root, top = true) {
  const {base} = unwrapOptional(node || {}, root);
  const kind = kindOf(base);
  if (kind === "enum" && top) return KIND_LABEL.enum;
  if (kind === "enum") return `(${(base.enum || [base.const]).map((v) => String(v)).join(" | ")})`;
  if (kind === "string" && base.format) return base.format === "password" ? "secret text" : base.format;
  if (kind === "array") return `list of ${partLabel(base.items, root, false)}`;
  if (kind === "object") return `map of ${partLabel(base.additionalProperties, root, false)}`;
  return KIND_LABEL[kind];
}

// Short texts: "≥ 1", "≤ 300", "> 0", "multiple of 5", "≤ 63 chars", "pattern ^[a-z]…".
function constraints(p) {
  const out = [];
  if ("minimum" in p) out.push(`≥ ${p.minimum}`);
  if ("exclusiveMinimum" in p) out.push(`> ${p.exclusiveMinimum}`);
  if ("maximum" in p) out.push(`≤ ${p.maximum}`);
  if ("exclusiveMaximum" in p) out.push(`< ${p.exclusiveMaximum}`);
  if ("multipleOf" in p) out.push(`multiple of ${p.multipleOf}`);
  if (p.minLength === 1) out.push("not empty");
  else if (p.minLength > 1) out.push(`≥ ${p.minLength} chars`);
  if ("maxLength" in p) out.push(`≤ ${p.maxLength} chars`);
  if ("pattern" in p) out.push(`pattern ${p.pattern}`);
  if ("minItems" in p && p.minItems > 0) out.push(`≥ ${p.minItems} items`);
  if ("maxItems" in p) out.push(`≤ ${p.maxItems} items`);
  if (p.uniqueItems) out.push("no duplicates");
  if ("minProperties" in p && p.minProperties > 0) out.push(`≥ ${p.minProperties} entries`);
  if ("maxProperties" in p) out.push(`≤ ${p.maxProperties} entries`);
  return out;
}

// One setting, as the console shows and edits it.
function field(key, node, root, required) {
  const {base, nullable} = unwrapOptional(node, root);
  const kind = kindOf(base);
  const enumValues = kind === "enum" ? (Array.isArray(base.enum) ? base.enum : [base.const]) : [];
  const f = {
    key,
    kind,
    nullable,
    required,
    secret: isSecret(node, root),
    title: base.title || "",
    description: base.description || "",
    hasDefault: "default" in base,
    default: base.default,
    enumValues,
    typeLabel: partLabel(node, root),
    constraints: kind === "enum" ? enumValues.map((v) => String(v)) : constraints(base),
    format: base.format || "",
    maxLength: base.maxLength,
  };
  if (kind === "integer" || kind === "number") {
    if ("minimum" in base) f.min = base.minimum;
    if ("maximum" in base) f.max = base.maximum;
    // A whole number above an exclusive bound starts one step past it.
    if ("exclusiveMinimum" in base) f.min = kind === "integer" ? Math.floor(base.exclusiveMinimum) + 1 : undefined;
    if ("exclusiveMaximum" in base) f.max = kind === "integer" ? Math.ceil(base.exclusiveMaximum) - 1 : undefined;
    f.step = base.multipleOf || (kind === "integer" ? 1 : "any");
  }
  return f;
}

// The schema document -> [field…] in key order.
export function readSchema(doc) {
  const props = doc && typeof doc.properties === "object" ? doc.properties : {};
  const required = new Set(Array.isArray(doc.required) ? doc.required : []);
  return Object.keys(props)
    .sort()
    .map((key) => field(key, props[key], doc, required.has(key)));
}
