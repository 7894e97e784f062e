/** A serial from a URL segment (already decoded by Next.js): see lib/http/params.ts. */
export { serialParam } from "@/lib/http/params";
