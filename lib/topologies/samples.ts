/**
 * Sample topologies: the seeds' FIG. 46 and a generated fleet of any size (tests, the e2e suite's
 * 1,000-node import, benchmarks). Deterministic: the same arguments give the same document.
 */
import type { DocLink, DocNode, TopologyDocument } from "./document";

/** FIG. 46: servers 30-1 {40-1, 40-2, 40-3} and 30-2 {40-3, 40-4}; 40-3 is shared; the CA reaches the servers. */
export function fig46(): TopologyDocument {
  const server = (id: string): DocNode => ({ id, direct: true, acceptsConnections: true });
  const client = (id: string): DocNode => ({ id, direct: false, acceptsConnections: false });
  const link = (c: string, s: string): DocLink => ({ client: c, server: s, group: "default", auth: "mutual" });
  return {
    nodes: [server("30-1"), server("30-2"), client("40-1"), client("40-2"), client("40-3"), client("40-4")],
    links: [link("40-1", "30-1"), link("40-2", "30-1"), link("40-3", "30-1"), link("40-3", "30-2"), link("40-4", "30-2")],
  };
}

/**
 * A fleet of about `size` nodes, without positions (as an import from inventory would be):
 * direct gateways, site servers that are clients of a gateway, devices that are clients of a site
 * server; every 20th device is also a client of the next site server, every 7th device link is
 * one-way. One root key group.
 */
export function generateFleet(size: number): TopologyDocument {
  const gateways = Math.max(1, Math.round(size / 100));
  const sites = Math.max(1, Math.round(size / 11) - gateways);
  const devices = Math.max(0, size - gateways - sites);
  const nodes: DocNode[] = [];
  const links: DocLink[] = [];
  for (let g = 0; g < gateways; g++) nodes.push({ id: `gw-${g + 1}`, direct: true, label: `Gateway ${g + 1}`, acceptsConnections: true });
  for (let s = 0; s < sites; s++) {
    nodes.push({ id: `site-${s + 1}`, direct: false, acceptsConnections: true });
    links.push({ client: `site-${s + 1}`, server: `gw-${(s % gateways) + 1}`, group: "default", auth: "mutual" });
  }
  for (let d = 0; d < devices; d++) {
    const id = `dev-${d + 1}`;
    const site = d % sites;
    nodes.push({ id, direct: false, acceptsConnections: false });
    links.push({ client: id, server: `site-${site + 1}`, group: "default", auth: d % 7 === 6 ? "one-way" : "mutual" });
    if (d % 20 === 19 && sites > 1) links.push({ client: id, server: `site-${((site + 1) % sites) + 1}`, group: "default", auth: "mutual" });
  }
  return { nodes, links };
}
