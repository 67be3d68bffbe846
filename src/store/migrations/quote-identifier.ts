/** A MySQL identifier in backticks, with backticks inside doubled. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replaceAll("`", "``")}\``;
}
