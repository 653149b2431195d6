const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * `Number(text)` for a CSV cell, with a fast path for plain decimals (`-12.345`, at most 15 digits): digits
 * read into an exact integer and divided by an exact power of ten give the correctly rounded double, the
 * same one `Number` gives (Clinger's fast path). Everything else (exponents, hex, spaces, NaN) goes to `Number`.
 */
export function parseNumber(text: string): number {
  const n = text.length;
  let i = 0;
  let negative = false;
  const first = text.charCodeAt(0);
  if (first === 45 /* - */ || first === 43 /* + */) {
    negative = first === 45;
    i = 1;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = -1;
  for (; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c >= 0 && c <= 9) {
      mantissa = mantissa * 10 + c;
      digits++;
      if (scale >= 0) scale++;
    } else if (c === -2 /* . */ && scale < 0) scale = 0;
    else return Number(text);
  }
  if (digits === 0 || digits > 15) return Number(text);
  const value = scale > 0 ? mantissa / (POW10[scale] as number) : mantissa;
  return negative ? -value : value;
}
