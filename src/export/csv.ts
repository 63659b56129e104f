/**
 * CSV for spreadsheets (failure lists, audit exports). A cell that begins with `=`, `+`, `-` or
 * `@` (or a tab or carriage return) is a formula to Excel and LibreOffice: a file name or a note
 * such as `=HYPERLINK(…)` would run when an operator opens the export. Such cells get a leading
 * apostrophe, which spreadsheets show as text and hide (OWASP's advice for CSV injection).
 *
 * The file is written with `,`, but Excel in a Russian or Ukrainian locale splits on `;` and
 * knows nothing of our quotes once a field does not start with one: `"a;=2+5;.jpg"` becomes the
 * cells `"a`, `=2+5` and `.jpg"`. So a part of a value that follows a separator a reader may
 * split on (`,` `;` tab, a line break), spaces and quotes aside, gets the same apostrophe when it
 * would begin a formula: `a;'=2+5;.jpg`. The name stays readable (one visible apostrophe), and
 * no reader, whatever it splits on, is handed a cell that begins with a formula character.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  s = s.replace(/([,;\t\r\n])(?=[\s"]*[=+\-@])/g, "$1'");
  // `;` quoted too, so that a `;` reader that does honour quotes keeps the value in one cell.
  return /[",;\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows to CSV text (CRLF line ends, as RFC 4180 says), the header first. */
export function toCsv(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>,
): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
