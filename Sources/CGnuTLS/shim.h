#ifndef FOTOBOX_CGNUTLS_SHIM_H
#define FOTOBOX_CGNUTLS_SHIM_H
/// GnuTLS, the TLS library under libmicrohttpd: the office checks its clients' certificates with it (the
/// session comes from WebServer's `HTTPConnection.tlsSession`). Only the office links it.
#include <stddef.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

/// Makes a new TLS session require a client certificate and run `verify` during the handshake, so a
/// client without an acceptable certificate never gets to send a request. Call before the handshake.
static inline void fotobox_tls_require_client_certificate(gnutls_session_t session, gnutls_certificate_verify_function *verify) {
    gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
    gnutls_session_set_verify_function(session, verify);
}

/// Verifies the peer's chain against the session's trust store: 0 when it verifies, otherwise the GnuTLS
/// status bits, or -1 when the peer sent no certificate.
static inline int fotobox_tls_verify_peer(gnutls_session_t session) {
    unsigned int listSize = 0;
    if (session == NULL || gnutls_certificate_get_peers(session, &listSize) == NULL || listSize == 0) return -1;
    unsigned int status = 0;
    if (gnutls_certificate_verify_peers2(session, &status) != GNUTLS_E_SUCCESS) return -1;
    return (int)status;
}

/// The peer's leaf certificate, imported (the caller deinits it); NULL when there is none.
static inline gnutls_x509_crt_t fotobox_tls_peer_leaf(gnutls_session_t session) {
    unsigned int listSize = 0;
    const gnutls_datum_t *list = session ? gnutls_certificate_get_peers(session, &listSize) : NULL;
    if (list == NULL || listSize == 0) return NULL;
    gnutls_x509_crt_t certificate;
    if (gnutls_x509_crt_init(&certificate) != GNUTLS_E_SUCCESS) return NULL;
    if (gnutls_x509_crt_import(certificate, &list[0], GNUTLS_X509_FMT_DER) != GNUTLS_E_SUCCESS) {
        gnutls_x509_crt_deinit(certificate);
        return NULL;
    }
    return certificate;
}

/// Whether the certificate's extended key usage lists `oid`: 1 yes, 0 no, -1 no extended key usage at all.
static inline int fotobox_x509_has_key_purpose(gnutls_x509_crt_t certificate, const char *oid) {
    char buffer[128];
    for (unsigned int index = 0;; index++) {
        size_t size = sizeof buffer;
        int status = gnutls_x509_crt_get_key_purpose_oid(certificate, index, buffer, &size, NULL);
        if (status == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE) return index == 0 ? -1 : 0;
        if (status < 0) return index == 0 ? -1 : 0;
        if (strcmp(buffer, oid) == 0) return 1;
    }
}

/// The subject's `index`-th organizational unit (OU) into `buffer`: 0 when present, negative otherwise.
static inline int fotobox_x509_organizational_unit(gnutls_x509_crt_t certificate, unsigned int index, char *buffer, size_t size) {
    size_t length = size;
    int status = gnutls_x509_crt_get_dn_by_oid(certificate, GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME, index, 0, buffer, &length);
    return status < 0 ? status : 0;
}

/// The subject's common name (CN) into `buffer`: 0 when present, negative otherwise.
static inline int fotobox_x509_common_name(gnutls_x509_crt_t certificate, char *buffer, size_t size) {
    size_t length = size;
    int status = gnutls_x509_crt_get_dn_by_oid(certificate, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buffer, &length);
    return status < 0 ? status : 0;
}

/// gnutls_free is a global function pointer in C; Swift 6 refuses to read mutable globals.
static inline void fotobox_gnutls_free(void *pointer) { gnutls_free(pointer); }

/// The certificate's notAfter as Unix time (-1 when unreadable).
static inline long long fotobox_x509_expiration(gnutls_x509_crt_t certificate) {
    return (long long)gnutls_x509_crt_get_expiration_time(certificate);
}
#endif
