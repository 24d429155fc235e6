// The punycode package ships no types; the runtime uses these two functions of it.
declare module 'punycode/punycode.js' {
  const punycode: { encode(input: string): string; decode(input: string): string };
  export default punycode;
}
