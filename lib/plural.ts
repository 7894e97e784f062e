/** "1 node", "3 nodes", "1,024 nodes": a count and its noun, for every message and label. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}
