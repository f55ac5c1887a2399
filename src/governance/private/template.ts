/**
 * Helpers of the governance rule pack: reading synthesized CloudFormation
 * (property paths, intrinsic functions, JSON strings built with Fn::Join or
 * Fn::Sub, tags, S3 buckets). Not exported from the library.
 *
 * A value the template cannot tell at synth time (a Ref, a GetAtt, an
 * import...) is an "unknown" value: the rules treat it as present, because
 * CloudFormation will put something there, and never guess what.
 */

/** Prefix of the placeholders standing for intrinsics inside rendered JSON strings. */
const PLACEHOLDER = '{{mlops-unresolved-';

/** A placeholder string for the n-th unresolved part. */
function placeholder(n: number): string {
  return `${PLACEHOLDER}${n}}}`;
}

/** True for a CloudFormation intrinsic function or Ref object. */
export function isIntrinsic(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::') || keys[0] === 'Condition');
}

/** True for a value only known at deploy time: an intrinsic, or a placeholder left in a rendered string. */
export function isUnknown(value: unknown): boolean {
  return isIntrinsic(value) || (typeof value === 'string' && value.includes(PLACEHOLDER));
}

/** True when a value is there: a non-empty string, a number, a boolean, an object, or unknown. */
export function isPresent(value: unknown): boolean {
  if (value === undefined || value === null) {
    return false;
  }
  if (typeof value === 'string') {
    return value.trim().length > 0;
  }
  if (Array.isArray(value)) {
    return value.length > 0;
  }
  return true;
}

/** Read a dotted path (`A.B.0.C`) from a JSON value. */
export function getPath(root: unknown, path: string): unknown {
  if (path === '') {
    return root;
  }
  let current: any = root;
  for (const segment of path.split('.')) {
    if (current === undefined || current === null || typeof current !== 'object') {
      return undefined;
    }
    current = Array.isArray(current) ? current[Number(segment)] : current[segment];
  }
  return current;
}

/** A value as an array (a single value becomes a one-element array). */
export function asArray<T>(value: T | T[] | undefined | null): T[] {
  if (value === undefined || value === null) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

/** The value of a tag in a CloudFormation `Tags` list (or map, for the few types that use one). */
export function tagValue(properties: any, key: string): string | undefined {
  const tags = properties?.Tags;
  if (Array.isArray(tags)) {
    const tag = tags.find((t: any) => t && t.Key === key);
    return typeof tag?.Value === 'string' ? tag.Value : undefined;
  }
  if (tags && typeof tags === 'object' && typeof tags[key] === 'string') {
    return tags[key];
  }
  return undefined;
}

/** One piece of a string built by an intrinsic: literal text, or an unresolved part. */
interface Piece {
  readonly literal?: string;
  readonly unresolved?: unknown;
}

/**
 * Split a string-valued property into literal text and unresolved parts:
 * a plain string, `Fn::Join` with `''` or any literal separator, `Fn::Sub`
 * (string or [string, variables]). Returns undefined for anything else.
 */
export function stringPieces(value: unknown): Piece[] | undefined {
  if (typeof value === 'string') {
    return [{ literal: value }];
  }
  if (!isIntrinsic(value)) {
    return undefined;
  }
  const obj = value as Record<string, any>;
  if (obj['Fn::Join']) {
    const [separator, parts] = obj['Fn::Join'];
    if (typeof separator !== 'string' || !Array.isArray(parts)) {
      return [{ unresolved: value }];
    }
    const pieces: Piece[] = [];
    parts.forEach((part: unknown, i: number) => {
      if (i > 0 && separator !== '') {
        pieces.push({ literal: separator });
      }
      const inner = stringPieces(part);
      pieces.push(...(inner ?? [{ unresolved: part }]));
    });
    return pieces;
  }
  if (obj['Fn::Sub'] !== undefined) {
    const sub = obj['Fn::Sub'];
    const text = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
    if (text === undefined) {
      return [{ unresolved: value }];
    }
    const variables = Array.isArray(sub) && sub[1] && typeof sub[1] === 'object' ? sub[1] : {};
    const pieces: Piece[] = [];
    let rest = text;
    const pattern = /\$\{([^}]*)\}/;
    let match = pattern.exec(rest);
    while (match) {
      pieces.push({ literal: rest.slice(0, match.index) });
      const name = match[1];
      if (name.startsWith('!')) {
        pieces.push({ literal: `\${${name.slice(1)}}` });
      } else if (variables[name] !== undefined) {
        pieces.push(...(stringPieces(variables[name]) ?? [{ unresolved: variables[name] }]));
      } else {
        const [logicalId, attribute] = name.split('.');
        pieces.push({ unresolved: attribute ? { 'Fn::GetAtt': [logicalId, attribute] } : { Ref: logicalId } });
      }
      rest = rest.slice(match.index + match[0].length);
      match = pattern.exec(rest);
    }
    pieces.push({ literal: rest });
    return pieces;
  }
  return [{ unresolved: value }];
}

/** The result of rendering a string-valued property that holds JSON. */
export interface RenderedJson {
  /** The parsed JSON, with placeholders where the template has intrinsics. */
  readonly value?: any;
  /** Why it could not be parsed. */
  readonly problem?: string;
  /** The unresolved parts, by placeholder index. */
  readonly unresolved: unknown[];
}

/**
 * Parse a JSON document given as a string, `Fn::Join` or `Fn::Sub` (as CDK
 * renders a `toJsonString` with tokens). Each unresolved part becomes a
 * placeholder: inside a JSON string as text, outside one as a quoted string,
 * so the result always parses when the literal text is JSON.
 */
export function renderJsonString(value: unknown): RenderedJson {
  const pieces = stringPieces(value);
  if (!pieces) {
    return { problem: 'the value is not a string, Fn::Join or Fn::Sub', unresolved: [] };
  }
  const unresolved: unknown[] = [];
  let text = '';
  let inString = false;
  let escaped = false;
  for (const piece of pieces) {
    if (piece.literal !== undefined) {
      for (const ch of piece.literal) {
        if (escaped) {
          escaped = false;
        } else if (ch === '\\') {
          escaped = inString;
        } else if (ch === '"') {
          inString = !inString;
        }
      }
      text += piece.literal;
    } else {
      const n = unresolved.push(piece.unresolved) - 1;
      text += inString ? placeholder(n) : JSON.stringify(placeholder(n));
    }
  }
  if (pieces.length === 1 && pieces[0].unresolved !== undefined) {
    return { problem: 'the whole value is only known at deploy time', unresolved };
  }
  try {
    return { value: JSON.parse(text), unresolved };
  } catch (e) {
    return { problem: `it is not valid JSON (${(e as Error).message})`, unresolved };
  }
}

/** Logical ids referenced by a value (Ref, GetAtt, Fn::Sub variables), recursively. */
export function referencedLogicalIds(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach((v) => referencedLogicalIds(v, out));
    return out;
  }
  if (!value || typeof value !== 'object') {
    return out;
  }
  const obj = value as Record<string, any>;
  if (typeof obj.Ref === 'string' && !obj.Ref.startsWith('AWS::')) {
    out.add(obj.Ref);
  }
  if (Array.isArray(obj['Fn::GetAtt']) && typeof obj['Fn::GetAtt'][0] === 'string') {
    out.add(obj['Fn::GetAtt'][0]);
  } else if (typeof obj['Fn::GetAtt'] === 'string') {
    out.add(obj['Fn::GetAtt'].split('.')[0]);
  }
  if (obj['Fn::Sub'] !== undefined) {
    const sub = obj['Fn::Sub'];
    const text = typeof sub === 'string' ? sub : Array.isArray(sub) ? sub[0] : '';
    const variables = Array.isArray(sub) && sub[1] && typeof sub[1] === 'object' ? sub[1] : {};
    for (const m of String(text).matchAll(/\$\{([^!}][^}]*)\}/g)) {
      const name = m[1].split('.')[0];
      if (variables[m[1]] === undefined && !name.startsWith('AWS::')) {
        out.add(name);
      }
    }
    referencedLogicalIds(variables, out);
  }
  for (const [k, v] of Object.entries(obj)) {
    if (k !== 'Ref' && k !== 'Fn::GetAtt' && k !== 'Fn::Sub') {
      referencedLogicalIds(v, out);
    }
  }
  // Strings that hold rendered JSON with intrinsics are covered by the Fn::Join parts above.
  return out;
}

/** Every literal string inside a value, recursively (to find bucket names). */
export function literalStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    out.push(value);
  } else if (Array.isArray(value)) {
    value.forEach((v) => literalStrings(v, out));
  } else if (value && typeof value === 'object') {
    Object.values(value).forEach((v) => literalStrings(v, out));
  }
  return out;
}
