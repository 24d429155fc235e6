// Stands in for whatwg-url's own `encoding` module when the web library is bundled: the same two
// functions over the runtime's UTF-8 code, so the URL parser does not depend on the (replaceable)
// TextEncoder/TextDecoder globals.
import { utf8Decode, utf8Encode } from '../utf8.js';

export { utf8Encode };

/** UTF-8 decode that keeps a leading BOM (whatwg-url's `utf8DecodeWithoutBOM`). */
export function utf8DecodeWithoutBOM(bytes: Uint8Array): string {
  return utf8Decode(bytes);
}
