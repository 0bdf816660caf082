#ifndef FOTOBOX_COPENSSL_SHIM_H
#define FOTOBOX_COPENSSL_SHIM_H
/// OpenSSL's TLS client (libssl, with the certificate and error functions of libcrypto it works with): the
/// station's office probe (Outbox's OfficeProbe) only. Plain cryptography is in CCrypto.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#endif
