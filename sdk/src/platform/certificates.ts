// Certificates and their metadata: `GET Certificates/{id}`, `PUT Certificates/Metadata`.

/** A certificate, as `GET Certificates/{id}` answers (the fields handlers use; Command sends more). */
export interface Certificate {
  readonly Id: number;
  readonly Thumbprint: string;
  readonly SerialNumber?: string;
  readonly IssuedDN?: string | null;
  readonly IssuedCN?: string | null;
  readonly IssuerDN?: string | null;
  /** Zone-less: read with `parsePlatformTimestamp`. */
  readonly NotBefore?: string;
  readonly NotAfter?: string;
  readonly Metadata?: Readonly<Record<string, string>>;
  readonly [field: string]: unknown;
}

/** The body of `PUT Certificates/Metadata`: metadata fields to set on one certificate. */
export interface CertificateMetadataUpdate {
  readonly Id: number;
  readonly Metadata: Readonly<Record<string, string>>;
}

/** Builds the `PUT Certificates/Metadata` body; values become strings, as Command stores them. */
export function certificateMetadataUpdate(id: number, metadata: Readonly<Record<string, string | number | boolean>>): CertificateMetadataUpdate {
  if (!Number.isInteger(id) || id <= 0) throw new TypeError(`certificate id must be a positive integer, not ${JSON.stringify(id)}`);
  return { Id: id, Metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)])) };
}
