-- Certificates Connect generates for certificate credentials (server
-- connections, and directory sync with a certificate), and how a server
-- connection reaches mailboxes.
CREATE TABLE server_certificates (
    id          TEXT PRIMARY KEY,
    -- The manifest's keyId (a GUID) and customKeyIdentifier (base64 SHA-1 of cert_der).
    key_id      TEXT NOT NULL,
    thumbprint  TEXT NOT NULL UNIQUE,
    cert_der    BLOB NOT NULL,
    -- The PKCS#8 private key, sealed (AES-256-GCM, associated data server_certificates/<id>/key).
    key_sealed  TEXT NOT NULL,
    not_before  TEXT NOT NULL,
    not_after   TEXT NOT NULL,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX server_certificates_created ON server_certificates (created_at);

-- graph (Microsoft Graph application permissions) or ews (EWS impersonation);
-- empty for directory synchronization.
ALTER TABLE connections ADD COLUMN association TEXT NOT NULL DEFAULT ''
    CHECK (association IN ('', 'graph', 'ews'));
