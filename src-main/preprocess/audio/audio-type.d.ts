/** audio-type ships no types: the container/codec name of a buffer's first bytes, or undefined. */
declare module 'audio-type' {
  export default function audioType(buf: Uint8Array | ArrayBuffer): string | undefined;
}
