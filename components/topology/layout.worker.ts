/// <reference lib="webworker" />
/**
 * Runs the dagre layout off the main thread: about a second for 1,000 nodes, during which the
 * canvas keeps panning and zooming. Receives a document, answers [id, {x, y}] pairs.
 */
import type { TopologyDocument } from "@/lib/topologies/document";
import { layoutPositions } from "./model/layout";

self.onmessage = (event: MessageEvent<TopologyDocument>) => {
  (self as unknown as Worker).postMessage([...layoutPositions(event.data)]);
};
