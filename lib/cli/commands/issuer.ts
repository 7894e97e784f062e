import type { Command } from "commander";
import { printJson, readFileArg } from "../io";

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function register(program: Command): void {
  const issuer = program.command("issuer").description("certificate authorities");
  issuer
    .command("create")
    .description("create a CA: new key pair and a self-signed CA certificate, or with --parent an intermediate CA signed by that issuer")
    .requiredOption("--name <name>", "issuer name (used in repository URLs)")
    .requiredOption("--key <type>", "ec-p256 | ec-p384 | rsa-2048 | rsa-3072 | rsa-4096")
    .option("--key-storage <where>", "software (default: sealed with the master key) | pkcs11 (generated in and used from the token of ROOTLINE_PKCS11_LIBRARY / _TOKEN_LABEL / _PIN; it never leaves it)")
    .option("--subject <dn>", 'subject DN, e.g. "CN=Fleet CA, O=Acme" (default CN=<name>)')
    .option("--validity-days <n>", "CA validity in days (default 20 years)")
    .option("--cert-validity-days <n>", "validity of issued certificates in days (default 396, about 13 months)")
    .option("--first-serial <n>", "first serial to issue (default 1)")
    .option("--parent <issuer>", "the issuer that signs this CA's certificate (an intermediate CA)")
    .option("--path-length <n>", "basicConstraints path length: how many CA levels may follow below this one")
    .option("--permitted-dns <suffix...>", "name constraint: permitted DNS suffix, e.g. example.com (repeatable; intermediates only)", collect)
    .option("--permitted-ip <cidr...>", "name constraint: permitted IP range, e.g. 10.0.0.0/8 (repeatable; intermediates only)", collect)
    .option("--public-url <url>", "public base URL of the repository (e.g. https://pki.example): certificates this CA signs carry CDP {url}/api/repository/<name>/crl and AIA …/ca.crt")
    .action(async (o: { name: string; key: string; keyStorage?: string; subject?: string; validityDays?: string; certValidityDays?: string; firstSerial?: string; parent?: string; pathLength?: string; permittedDns?: string[]; permittedIp?: string[]; publicUrl?: string }) => {
      const { createIssuer } = await import("../../issuers/service");
      const { cliActor } = await import("../../auth/actor");
      const i = await createIssuer(cliActor(), {
        name: o.name, keyType: o.key, keyStorage: o.keyStorage, subject: o.subject, validityDays: o.validityDays, certValidityDays: o.certValidityDays, firstSerial: o.firstSerial,
        parent: o.parent, pathLength: o.pathLength, permittedDns: o.permittedDns, permittedIp: o.permittedIp, publicUrl: o.publicUrl,
      });
      printJson({ name: i.name, subject: i.subject, keyType: i.keyType, keyStorage: i.keyStorage, notAfter: i.notAfter, firstSerial: i.firstSerial, parent: o.parent ?? null, publicUrl: i.publicUrl });
    });
  issuer
    .command("set")
    .description("change an issuer's settings")
    .requiredOption("--name <name>", "issuer name")
    .requiredOption("--public-url <url>", 'public base URL for CDP/AIA in certificates it signs from now on ("" removes them)')
    .action(async (o: { name: string; publicUrl: string }) => {
      const { setIssuerPublicUrl } = await import("../../issuers/intermediate");
      const { cliActor } = await import("../../auth/actor");
      const i = await setIssuerPublicUrl(cliActor(), o.name, o.publicUrl);
      printJson({ name: i.name, publicUrl: i.publicUrl });
    });
  issuer
    .command("import")
    .description("import an existing CA from its certificate and private key (PEM or DER)")
    .requiredOption("--name <name>", "issuer name")
    .requiredOption("--cert <file>", "CA certificate file")
    .requiredOption("--key <file>", "CA private key file (unencrypted)")
    .option("--cert-validity-days <n>", "validity of issued certificates in days")
    .requiredOption("--first-serial <n>", "first serial to issue: above every serial this CA issued before (Rootline cannot know them; a reused serial makes two certificates one for revocation)")
    .option("--rollover", "the subject is already an issuer's with another key: this CA is its next generation")
    .action(async (o: { name: string; cert: string; key: string; certValidityDays?: string; firstSerial: string; rollover?: boolean }) => {
      const { importIssuer } = await import("../../issuers/service");
      const { cliActor } = await import("../../auth/actor");
      const i = await importIssuer(cliActor(), { name: o.name, certificate: new Uint8Array(readFileArg(o.cert, "cert")), privateKey: new Uint8Array(readFileArg(o.key, "key")), certValidityDays: o.certValidityDays, firstSerial: o.firstSerial, rollover: o.rollover === true });
      printJson({ name: i.name, subject: i.subject, keyType: i.keyType, notAfter: i.notAfter, firstSerial: i.firstSerial });
    });
  issuer
    .command("list")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const { listIssuers } = await import("../../issuers/service");
      const issuers = await listIssuers();
      const nameOf = new Map(issuers.map((i) => [i.id, i.name]));
      const rows = issuers.map((i) => ({ name: i.name, subject: i.subject, keyType: i.keyType, keyStorage: i.keyStorage, notAfter: i.notAfter.toISOString(), revocationNumber: i.revocationNumber, nextSerial: i.nextSerial, parent: i.parentId ? (nameOf.get(i.parentId) ?? null) : null }));
      if (o.json) printJson(rows);
      else for (const r of rows) process.stdout.write(`${r.name}\t${r.keyType}${r.keyStorage === "pkcs11" ? " (PKCS#11)" : ""}\t${r.subject}\tRN ${r.revocationNumber}\tnext serial ${r.nextSerial}\n`);
    });
}
