import CCrypto

/// AES-256-GCM over libcrypto. A sealed payload is `version (1) | nonce (12) | ciphertext | tag (16)`;
/// the associated data (the submission's idempotency key) binds each payload to its row, so a payload
/// copied onto another row does not open.
package struct PayloadCipher: Sendable {
    package static let version: UInt8 = 1
    package static let nonceSize = 12
    package static let tagSize = 16
    package static let overhead = 1 + nonceSize + tagSize

    let key: OutboxKey

    package init(key: OutboxKey) { self.key = key }

    package func seal(_ plaintext: [UInt8], associatedData: [UInt8]) throws(OutboxError) -> [UInt8] {
        var sealed = [UInt8](repeating: 0, count: Self.overhead + plaintext.count)
        sealed[0] = Self.version
        let ok = sealed.withUnsafeMutableBufferPointer { out -> Bool in
            let nonce = out.baseAddress! + 1
            guard RAND_bytes(nonce, Int32(Self.nonceSize)) == 1 else { return false }
            guard let context = EVP_CIPHER_CTX_new() else { return false }
            defer { EVP_CIPHER_CTX_free(context) }
            guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
                  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(Self.nonceSize), nil) == 1,
                  EVP_EncryptInit_ex(context, nil, nil, key.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), nonce) == 1
            else { return false }
            var length: Int32 = 0
            let aadOK = associatedData.withUnsafeBufferPointer { aad in
                EVP_EncryptUpdate(context, nil, &length, aad.baseAddress, Int32(aad.count)) == 1
            }
            guard aadOK else { return false }
            let body = out.baseAddress! + 1 + Self.nonceSize
            var written: Int32 = 0
            let updateOK = plaintext.withUnsafeBufferPointer { input in
                input.isEmpty || EVP_EncryptUpdate(context, body, &written, input.baseAddress, Int32(input.count)) == 1
            }
            guard updateOK else { return false }
            var final: Int32 = 0
            guard EVP_EncryptFinal_ex(context, body + Int(written), &final) == 1 else { return false }
            let tag = body + plaintext.count
            return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagSize), tag) == 1
        }
        guard ok else { throw .crypto("AES-256-GCM encryption failed") }
        return sealed
    }

    /// Opens a sealed payload; a wrong key, a changed byte or a payload from another row is `payloadCorrupt`.
    package func open(_ sealed: [UInt8], associatedData: [UInt8]) throws(OutboxError) -> [UInt8] {
        guard sealed.count >= Self.overhead, sealed[0] == Self.version else { throw .payloadCorrupt("unknown format or truncated") }
        let count = sealed.count - Self.overhead
        var plaintext = [UInt8](repeating: 0, count: count)
        let ok = sealed.withUnsafeBufferPointer { input -> Bool in
            let nonce = input.baseAddress! + 1
            let body = nonce + Self.nonceSize
            guard let context = EVP_CIPHER_CTX_new() else { return false }
            defer { EVP_CIPHER_CTX_free(context) }
            guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
                  EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(Self.nonceSize), nil) == 1,
                  EVP_DecryptInit_ex(context, nil, nil, key.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), nonce) == 1
            else { return false }
            var length: Int32 = 0
            let aadOK = associatedData.withUnsafeBufferPointer { aad in
                EVP_DecryptUpdate(context, nil, &length, aad.baseAddress, Int32(aad.count)) == 1
            }
            guard aadOK else { return false }
            let updateOK = plaintext.withUnsafeMutableBufferPointer { out in
                count == 0 || EVP_DecryptUpdate(context, out.baseAddress, &length, body, Int32(count)) == 1
            }
            guard updateOK else { return false }
            let tag = UnsafeMutableRawPointer(mutating: body + count)
            guard EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagSize), tag) == 1 else { return false }
            var final: Int32 = 0
            var scratch = [UInt8](repeating: 0, count: 32)  // GCM's final step writes no bytes
            return EVP_DecryptFinal_ex(context, &scratch, &final) == 1
        }
        guard ok else {
            OPENSSL_cleanse(&plaintext, plaintext.count)
            throw .payloadCorrupt("authentication failed (wrong key or altered data)")
        }
        return plaintext
    }
}
