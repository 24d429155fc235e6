// `structuredClone` for the isolate: the HTML structured clone of the types plain data is made of
// (no transfer: there is nothing to transfer to).
import { DOMException } from './dom-exception.js';

const toTag = (v: object): string => Object.prototype.toString.call(v);
const ERRORS: Readonly<Record<string, ErrorConstructor>> = {
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};
type TypedArrayCtor = new (buffer: ArrayBuffer, byteOffset: number, length: number) => ArrayBufferView;

function uncloneable(what: string): DOMException {
  return new DOMException(`${what} could not be cloned.`, 'DataCloneError');
}

function cloneValue(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value === 'function') throw uncloneable(`${String(value).slice(0, 40)}`);
  if (typeof value === 'symbol') throw uncloneable(String(value));
  if (typeof value !== 'object' || value === null) return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  const tag = toTag(value);
  const keep = <T>(copy: T): T => {
    seen.set(value, copy);
    return copy;
  };
  switch (tag) {
    case '[object Date]':
      return keep(new Date((value as Date).getTime()));
    case '[object RegExp]':
      return keep(new RegExp((value as RegExp).source, (value as RegExp).flags));
    case '[object Boolean]':
    case '[object Number]':
    case '[object String]':
    case '[object BigInt]':
      return keep(Object((value as { valueOf(): unknown }).valueOf()));
    case '[object ArrayBuffer]':
      return keep((value as ArrayBuffer).slice(0));
    case '[object Map]': {
      const copy = keep(new Map());
      for (const [k, v] of value as Map<unknown, unknown>) copy.set(cloneValue(k, seen), cloneValue(v, seen));
      return copy;
    }
    case '[object Set]': {
      const copy = keep(new Set());
      for (const v of value as Set<unknown>) copy.add(cloneValue(v, seen));
      return copy;
    }
    case '[object Error]': {
      const source = value as Error;
      const Ctor = ERRORS[source.name] ?? Error;
      const copy = keep(new Ctor(String(source.message)));
      if (typeof source.stack === 'string') Object.defineProperty(copy, 'stack', { value: source.stack, writable: true, configurable: true });
      if ('cause' in source) Object.defineProperty(copy, 'cause', { value: cloneValue(source.cause, seen), writable: true, configurable: true });
      return copy;
    }
    case '[object Array]': {
      const source = value as unknown[];
      const copy = keep(new Array(source.length));
      for (const key of Object.keys(source)) (copy as unknown as Record<string, unknown>)[key] = cloneValue((source as unknown as Record<string, unknown>)[key], seen);
      return copy;
    }
    case '[object Object]': {
      const copy = keep({} as Record<string, unknown>);
      for (const key of Object.keys(value)) copy[key] = cloneValue((value as Record<string, unknown>)[key], seen);
      return copy;
    }
    default:
      break;
  }
  if (ArrayBuffer.isView(value)) {
    const buffer = cloneValue(value.buffer, seen) as ArrayBuffer;
    const Ctor = value.constructor as TypedArrayCtor;
    const length = value instanceof DataView ? value.byteLength : (value as unknown as { length: number }).length;
    return keep(new Ctor(buffer, value.byteOffset, length));
  }
  throw uncloneable(tag.slice(8, -1));
}

/** The HTML `structuredClone(value)`; `options.transfer` is refused (nothing can be transferred). */
export function structuredClone<T>(value: T, options?: { transfer?: unknown[] }): T {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'structuredClone': 1 argument required, but only 0 present.");
  if (options?.transfer !== undefined && [...options.transfer].length > 0) {
    throw new DOMException('structuredClone: transfer is not supported in the JobHook sandbox', 'DataCloneError');
  }
  return cloneValue(value, new Map()) as T;
}
