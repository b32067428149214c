// Image files (photos of whiteboards, site notices, sketches), read by OCR when OCR_IMAGES is on.
import { DEFAULT_OCR, OcrSession } from '../ocr/index.js';
import { ExtractError, type ExtractOptions, type Extracted } from './types.js';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff]);

export async function extractImage(data: Buffer, opts: ExtractOptions): Promise<Extracted> {
  if (!data.subarray(0, 4).equals(PNG) && !data.subarray(0, 3).equals(JPEG))
    throw new ExtractError('corrupt image: not a PNG or JPEG file', 'corrupt');
  const session = new OcrSession(opts.ocr ?? DEFAULT_OCR);
  try {
    const { text } = await session.recognize(data);
    return { text, sections: [{ text, location: { ocr: true } }] };
  } catch (e) {
    throw new ExtractError(`could not read the image by OCR: ${(e as Error).message}`, 'corrupt');
  } finally {
    await session.close();
  }
}
