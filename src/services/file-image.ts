import { imageSize } from 'image-size'
import type { FileLimits } from '../core/file-limits.js'
import { FileError, limitError } from './file-common.js'

/**
 * A picture's size from its header (image-size: PNG IHDR, JPEG SOF, GIF, WebP, BMP…), before anything
 * decodes it: a small file can declare 50,000 × 50,000 pixels, which a vision service (or any decoder)
 * would try to allocate. Over ANDY_FILE_MAX_IMAGE_MEGAPIXELS it is refused.
 */
export function checkImage(
  buffer: Uint8Array,
  limits: Pick<FileLimits, 'maxImagePixels'>,
): { width: number; height: number } {
  let width: number | undefined
  let height: number | undefined
  try {
    ;({ width, height } = imageSize(buffer))
  } catch (err) {
    throw new FileError('corrupt', `unreadable picture header: ${(err as Error).message}`, { kind: 'image' })
  }
  if (!width || !height) throw new FileError('corrupt', 'the picture does not say its size', { kind: 'image' })
  const pixels = width * height
  if (pixels > limits.maxImagePixels) {
    throw limitError('pixels', `the picture declares ${width}×${height} pixels`, {
      kind: 'image',
      actual: pixels,
      max: limits.maxImagePixels,
      dims: `${width}×${height}`,
    })
  }
  return { width, height }
}
