export { registerProxy, updateProxy, setProxyPolicy, deleteProxy, issueProxyCertificate, PROXY_NAME } from "./service";
export { parseRoutes, type ProxyRoute } from "./routes";
export { receiveReport, proxyReportRoute, KEEP_DECISIONS, MAX_REPORT_SKEW_MS } from "./reception";
export { listProxies, proxyDetail, proxyLive, type ProxyListRow, type ProxyDetail, type ProxyLive, type DecisionView, type MetricView, type ProxyCertificateView } from "./view";
