"use client";
import { useCallback, useEffect, useRef, useState } from "react";
import type { TopologyDocument } from "@/lib/topologies/document";
import { layoutPositions } from "./model/layout";

type Positions = Map<string, { x: number; y: number }>;

// Written exactly as `new Worker(new URL(..., import.meta.url))`: the form the bundler recognises
// and compiles as a worker entry (otherwise it ships the .ts file as a static asset).
function spawnWorker(): Worker {
  return new Worker(new URL("./layout.worker.ts", import.meta.url));
}

/**
 * Auto layout in a Web Worker, or on the main thread where workers are unavailable.
 * `run` resolves with the positions; a newer run supersedes an older one.
 */
export function useAutoLayout(): { running: boolean; run(doc: TopologyDocument): Promise<Positions | null> } {
  const [running, setRunning] = useState(false);
  const worker = useRef<Worker | null>(null);
  const generation = useRef(0);

  useEffect(() => () => worker.current?.terminate(), []);

  const run = useCallback(async (doc: TopologyDocument): Promise<Positions | null> => {
    const mine = ++generation.current;
    setRunning(true);
    try {
      let positions: Positions;
      try {
        worker.current ??= spawnWorker();
        const w = worker.current;
        positions = await new Promise<Positions>((resolve, reject) => {
          w.onmessage = (e: MessageEvent<[string, { x: number; y: number }][]>) => resolve(new Map(e.data));
          w.onerror = (e) => reject(e);
          w.postMessage(doc);
        });
      } catch {
        worker.current?.terminate();
        worker.current = null;
        // Let the "Laying out…" state paint before the main thread is busy.
        await new Promise((r) => setTimeout(r, 30));
        positions = layoutPositions(doc);
      }
      return mine === generation.current ? positions : null;
    } finally {
      if (mine === generation.current) setRunning(false);
    }
  }, []);

  return { running, run };
}
