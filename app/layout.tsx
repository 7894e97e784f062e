import type { Metadata } from "next";
import "./globals.css";
import { Providers } from "@/components/Providers";

// Every page is rendered per request, so its inline scripts carry that response's CSP
// nonce (lib/http/securityHeaders.ts); a prerendered page would have none and not run.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Rootline", template: "%s · Rootline" },
  description: "Certificate-authority console for device fleets",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
