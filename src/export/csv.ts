/**
 * CSV for spreadsheets (failure lists, audit exports). A cell that begins with `=`, `+`, `-` or
 * `@` (or a tab or carriage return) is a formula to Excel and LibreOffice: a file name or a note
 * such as `=HYPERLINK(…)` would run when an operator opens the export. Such cells get a leading
 * apostrophe, which spreadsheets show as text and hide (OWASP's advice for CSV injection).
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows to CSV text (CRLF line ends, as RFC 4180 says), the header first. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
