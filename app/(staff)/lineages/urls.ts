/** Addresses of the lineage pages and their downloads (one place, for pages, actions and tests). */
export function lineagePage(name: string, notice?: { created?: 1; generation?: number }): string {
  const base = `/lineages/${encodeURIComponent(name)}`;
  if (notice?.created) return `${base}?created=1`;
  if (notice?.generation) return `${base}?generation=${notice.generation}`;
  return base;
}

export const distributionKeyUrl = (name: string, format: "pem" | "der" = "pem") => `/lineages/${encodeURIComponent(name)}/distribution-key${format === "der" ? "?format=der" : ""}`;
export const caInfoUrl = (name: string, n: number, format: "json" | "der" = "json") => `/lineages/${encodeURIComponent(name)}/ca-info/${n}${format === "der" ? "?format=der" : ""}`;
