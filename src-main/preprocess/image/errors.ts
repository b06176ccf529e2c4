/** An image could not be decoded; the message names the file (or "<bytes>") and the reason. */
export class ImageDecodeError extends Error {
  readonly source: string;
  readonly reason: string;
  constructor(source: string, reason: string) {
    super(`cannot decode image ${source}: ${reason}`);
    this.name = 'ImageDecodeError';
    this.source = source;
    this.reason = reason;
  }
}

/** Thrown inside the small decoders; decode.ts turns it into an ImageDecodeError naming the file. */
export class FormatError extends Error {
  override name = 'FormatError';
}
