#ifndef FOTOBOX_CCRYPTO_SHIM_H
#define FOTOBOX_CCRYPTO_SHIM_H
/// OpenSSL's libcrypto alone (digests, MACs, AES-GCM, random bytes, cleansing, reading X.509 certificates):
/// what the submission format, the journal's keyed hash, the outbox's sealing, the office probe's certificate
/// report and the office's inbox call. No module links libssl: the station's TLS is libcurl's.
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#endif
