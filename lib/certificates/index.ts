export { issueCertificate, type IssueOptions, type IssuedCertificate } from "./issue";
export { requestFromCsr, requestWithGeneratedKey, type SignRequest, type CsrInput, type GeneratedKeyInput } from "./request";
export { listCertificates, getCertificate, getCertificateBySerial, CertificateFilter, SORTS, STATUSES } from "./query";
export { exportCertificate, certificateChainPem, chainPem, FORMATS, type ExportFormat, type ExportedFile } from "./export";
