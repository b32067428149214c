/** Image types indexed by OCR when OCR_IMAGES is on. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg'];
