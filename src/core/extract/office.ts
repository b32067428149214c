// Office files that are not the zip (OOXML) the extractors read. A password-protected .xlsx,
// .pptx or .docx is a Compound File (CFB, the old binary container) holding an "EncryptionInfo"
// stream and the encrypted package; an old .xls/.ppt is a CFB without it. Both are refused with
// what to do, before a zip reader fails on them with "end of central directory not found".
import { ExtractError } from './types.js';

const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const ENCRYPTION_INFO = Buffer.from('EncryptionInfo', 'utf16le');

export function refuseOfficeContainer(data: Buffer, kind: 'spreadsheet' | 'presentation' | 'document'): void {
  if (data.length < 8 || !data.subarray(0, 8).equals(CFB_MAGIC)) return;
  if (data.includes(ENCRYPTION_INFO))
    throw new ExtractError(`the ${kind} is encrypted (password protected): save an unprotected copy to index it`, 'encrypted');
  throw new ExtractError(
    `the ${kind} is in the old binary Office format (.xls/.ppt/.doc): save it as .xlsx/.pptx/.docx to index it`,
    'corrupt',
  );
}
