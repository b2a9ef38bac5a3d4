// Cryptographic building blocks over libsodium: random tokens, hashes,
// argon2id password hashing, and the PII cipher (AEAD + keyed lookup hash).
// All free functions are thread-safe. PiiCipher is immutable after creation
// and safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace civicgrid::core {

// Initialises libsodium once; every function below calls it.
void EnsureSodium();

// `bytes` random bytes, base64url without padding.
std::string RandomToken(size_t bytes = 32);
std::string HexEncode(std::string_view bytes);
Result<std::string> HexDecode(std::string_view hex);
// SHA-256 of `data` as 64 lower-case hex characters.
std::string Sha256Hex(std::string_view data);
// Constant-time comparison of two equal-length strings.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

struct PasswordOptions {
  // argon2id cost. Defaults are libsodium's "interactive" limits (~64 MiB);
  // tests and the demo may lower them.
  uint64_t ops_limit = 2;
  size_t mem_limit = 64u << 20;
  size_t min_length = 8;    // a password shorter than this is refused
  size_t max_length = 128;  // refuse absurd inputs before hashing
};

// The argon2id hash string ("$argon2id$v=19$...") of `password`.
Result<std::string> HashPassword(std::string_view password, const PasswordOptions& options);
bool VerifyPassword(std::string_view hash, std::string_view password);

// Encrypts PII (ID numbers, phones) for storage and computes a keyed hash for
// exact lookup. The key lives in a file outside the database.
class PiiCipher {
 public:
  static constexpr size_t kKeyBytes = 32;

  // Loads the key file, or creates it (mode 0600, parent dirs as needed) when
  // absent. Refuses a key file readable by group or others.
  static Result<PiiCipher> LoadOrCreate(const std::string& path);
  // A cipher with a fixed key, for tests and tools.
  static PiiCipher FromKeys(const std::array<uint8_t, kKeyBytes>& enc_key,
                            const std::array<uint8_t, kKeyBytes>& mac_key);

  // nonce || ciphertext || tag, as raw bytes.
  std::string Encrypt(std::string_view plaintext) const;
  Result<std::string> Decrypt(std::string_view sealed) const;
  // Keyed BLAKE2b of the normalised value, 32 raw bytes: equal inputs give
  // equal hashes, and without the key the hash reveals nothing.
  std::string LookupHash(std::string_view value) const;

 private:
  PiiCipher() = default;
  std::array<uint8_t, kKeyBytes> enc_key_{};
  std::array<uint8_t, kKeyBytes> mac_key_{};
};

}  // namespace civicgrid::core
