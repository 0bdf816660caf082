#ifndef FOTOBOX_CCRYPTO_SHIM_H
#define FOTOBOX_CCRYPTO_SHIM_H
/// OpenSSL's libcrypto alone (digests, MACs, AES-GCM, random bytes, cleansing): what the submission format,
/// the journal's keyed hash, the outbox's sealing and the office's inbox call. Only the station's TLS probe
/// needs libssl (COpenSSL).
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#endif
