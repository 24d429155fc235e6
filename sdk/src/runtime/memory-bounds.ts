// Memory an isolate can take outside its V8 heap, which isolated-vm's `memoryLimit` does not see.
// Plain ArrayBuffers are counted (the host's allocator refuses them past the limit); these are not.

/**
 * Removes WebAssembly and SharedArrayBuffer, and caps the `maxByteLength` of resizable ArrayBuffers,
 * before any plugin code runs. A WebAssembly memory, a growable SharedArrayBuffer or a resizable
 * ArrayBuffer reserves up to gigabytes that it commits on `grow`/`resize`, past the heap limit; a
 * handler written against the SDK needs none of them.
 */
export function boundOffHeapMemory(global: Record<string, unknown>, maxResizableBytes: number): void {
  delete global.WebAssembly;
  delete global.SharedArrayBuffer;
  const Original = ArrayBuffer;
  const proto = Original.prototype as ArrayBuffer & { resize?: (n: number) => void };
  const check = (bytes: unknown): void => {
    if (typeof bytes === 'number' && bytes > maxResizableBytes) {
      throw new RangeError(`a resizable ArrayBuffer may hold at most ${maxResizableBytes} bytes in the JobHook sandbox (asked for ${bytes})`);
    }
  };
  // Every way to the constructor leads to the bounded one: the global, `buffer.constructor`, species.
  let self: unknown;
  const Bounded = function ArrayBuffer(this: unknown, length: number, options?: { maxByteLength?: number }): object {
    if (new.target === undefined) throw new TypeError("Constructor ArrayBuffer requires 'new'");
    if (options !== null && typeof options === 'object') check(options.maxByteLength);
    return Reflect.construct(Original, [length, options], new.target === self ? Original : new.target) as object;
  } as unknown as ArrayBufferConstructor;
  self = Bounded;
  Object.defineProperty(Bounded, 'prototype', { value: proto, writable: false, enumerable: false, configurable: false });
  Object.defineProperty(Bounded, 'isView', { value: Original.isView, writable: true, configurable: true });
  Object.defineProperty(Bounded, Symbol.species, { get: () => Bounded, configurable: true });
  Object.defineProperty(proto, 'constructor', { value: Bounded, writable: false, enumerable: false, configurable: false });
  const resize = proto.resize;
  if (typeof resize === 'function') {
    Object.defineProperty(proto, 'resize', {
      value: function resizeBounded(this: ArrayBuffer, newLength: number) {
        check(newLength);
        return resize.call(this, newLength);
      },
      writable: false,
      enumerable: false,
      configurable: false,
    });
  }
  global.ArrayBuffer = Bounded;
}
