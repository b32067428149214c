// A column without a header is named as a spreadsheet letters it, so its value still says where it is.
export const columnName = (i: number): string => {
  let n = i + 1;
  let s = '';
  while (n > 0) {
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
    n = Math.floor((n - 1) / 26);
  }
  return `Column ${s}`;
};
