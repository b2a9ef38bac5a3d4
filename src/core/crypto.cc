#include "core/crypto.h"

#include <sodium.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>

namespace civicgrid::core {
namespace {

constexpr std::string_view kKeyFileMagic = "civicgrid-pii-key-v1 ";

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Result<std::string> ReadKeyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return Error::Internal("无法读取密钥文件 " + path);
  if ((st.st_mode & 077) != 0) {
    return Error{ErrorCode::kForbidden,
                 "密钥文件 " + path + " 权限过宽，应为 0600（chmod 600 " + path + "）", "key_file"};
  }
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.rfind(kKeyFileMagic, 0) != 0) {
    return Error::Internal("密钥文件格式不正确: " + path);
  }
  return HexDecode(text.substr(kKeyFileMagic.size()));
}

Status WriteKeyFile(const std::string& path, std::string_view raw) {
  std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  // Create with 0600 from the start so the key is never briefly world-readable.
  mode_t old = ::umask(077);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ::umask(old);
  if (!out) return Error::Internal("无法创建密钥文件 " + path);
  out << kKeyFileMagic << HexEncode(raw) << "\n";
  out.close();
  if (!out) return Error::Internal("写入密钥文件失败 " + path);
  std::filesystem::permissions(
      path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
  return Ok();
}

}  // namespace

void EnsureSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  });
}

std::string RandomToken(size_t bytes) {
  EnsureSodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), U(raw), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return Error::Invalid("hex", "十六进制串长度必须为偶数");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]);
    int lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return Error::Invalid("hex", "十六进制串含非法字符");
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  EnsureSodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, U(data), data.size());
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  EnsureSodium();
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<std::string> HashPassword(std::string_view password, const PasswordOptions& options) {
  EnsureSodium();
  if (password.size() < options.min_length) {
    return Error::Invalid("password", "密码至少 " + std::to_string(options.min_length) + " 位");
  }
  if (password.size() > options.max_length) {
    return Error::Invalid("password", "密码过长");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), options.ops_limit,
                            options.mem_limit, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error::Internal("密码哈希失败（内存不足）");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  EnsureSodium();
  std::string h(hash);  // needs a NUL-terminated string
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

Result<PiiCipher> PiiCipher::LoadOrCreate(const std::string& path) {
  EnsureSodium();
  std::string raw;
  if (std::filesystem::exists(path)) {
    CG_ASSIGN_OR_RETURN(raw, ReadKeyFile(path));
  } else {
    raw.resize(2 * kKeyBytes);
    randombytes_buf(raw.data(), raw.size());
    CG_TRY(WriteKeyFile(path, raw));
  }
  if (raw.size() != 2 * kKeyBytes) return Error::Internal("密钥文件长度不正确: " + path);
  PiiCipher cipher;
  std::copy_n(raw.begin(), kKeyBytes, cipher.enc_key_.begin());
  std::copy_n(raw.begin() + kKeyBytes, kKeyBytes, cipher.mac_key_.begin());
  sodium_memzero(raw.data(), raw.size());
  return cipher;
}

PiiCipher PiiCipher::FromKeys(const std::array<uint8_t, kKeyBytes>& enc_key,
                              const std::array<uint8_t, kKeyBytes>& mac_key) {
  EnsureSodium();
  PiiCipher cipher;
  cipher.enc_key_ = enc_key;
  cipher.mac_key_ = mac_key;
  return cipher;
}

std::string PiiCipher::Encrypt(std::string_view plaintext) const {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  std::string out(kNonce + plaintext.size() + kTag, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(dst, kNonce);
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(dst + kNonce, &written, U(plaintext), plaintext.size(),
                                             nullptr, 0, nullptr, dst, enc_key_.data());
  out.resize(kNonce + written);
  return out;
}

Result<std::string> PiiCipher::Decrypt(std::string_view sealed) const {
  constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.size() < kNonce + kTag) return Error::Internal("密文长度不正确");
  std::string out(sealed.size() - kNonce - kTag, '\0');
  unsigned long long written = 0;
  const unsigned char* src = U(sealed);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &written, nullptr, src + kNonce,
          sealed.size() - kNonce, nullptr, 0, src, enc_key_.data()) != 0) {
    return Error::Internal("解密失败：密钥不匹配或数据被篡改");
  }
  out.resize(written);
  return out;
}

std::string PiiCipher::LookupHash(std::string_view value) const {
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(), U(value),
                     value.size(), mac_key_.data(), mac_key_.size());
  return out;
}

}  // namespace civicgrid::core
