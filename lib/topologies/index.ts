/**
 * Stored topologies for the web app (server side). The browser imports `./document` directly:
 * it is pure, while this index pulls in the database.
 */
export * from "./document";
export {
  createTopology,
  deleteTopology,
  exportTopology,
  getTopology,
  importTopology,
  listTopologies,
  renameTopology,
  saveTopologyDocument,
  TOPOLOGY_NAME,
  type TopologyListRow,
  type TopologyRecord,
} from "./service";
