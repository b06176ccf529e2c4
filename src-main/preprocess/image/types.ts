/** An 8-bit RGB image: `data` is RGB interleaved, row-major, length width*height*3. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}
