#include "core/crypto.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace civicgrid::core {
namespace {

PasswordOptions FastPasswords() {
  PasswordOptions options;
  options.ops_limit = 1;
  options.mem_limit = 8192;
  return options;
}

TEST(CryptoTest, RandomTokensAreUrlSafeAndDistinct) {
  std::string a = RandomToken();
  std::string b = RandomToken();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_EQ(a.find_first_of("+/="), std::string::npos);
}

TEST(CryptoTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(CryptoTest, HexRoundTripsAndRejectsGarbage) {
  EXPECT_EQ(*HexDecode(HexEncode("\x01\xff\x10")), "\x01\xff\x10");
  EXPECT_FALSE(HexDecode("abc").ok());
  EXPECT_FALSE(HexDecode("zz").ok());
}

TEST(CryptoTest, PasswordHashIsArgon2idAndVerifies) {
  auto hash = HashPassword("civicgrid-demo", FastPasswords());
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(*hash, "civicgrid-demo"));
  EXPECT_FALSE(VerifyPassword(*hash, "civicgrid-demO"));
  EXPECT_EQ(HashPassword("short", FastPasswords()).error().field, "password");
}

class PiiCipherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cg-key-" + RandomToken(6));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(PiiCipherTest, CreatesKeyFileWithOwnerOnlyModeAndReloadsIt) {
  std::string path = (dir_ / "sub" / "pii.key").string();
  auto first = PiiCipher::LoadOrCreate(path);
  ASSERT_TRUE(first.ok()) << first.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string sealed = first->Encrypt("13812345678");
  auto second = PiiCipher::LoadOrCreate(path);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second->Decrypt(sealed), "13812345678");
  EXPECT_EQ(first->LookupHash("13812345678"), second->LookupHash("13812345678"));
}

TEST_F(PiiCipherTest, RefusesWorldReadableKeyFile) {
  std::string path = (dir_ / "pii.key").string();
  ASSERT_TRUE(PiiCipher::LoadOrCreate(path).ok());
  std::filesystem::permissions(path, std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  auto again = PiiCipher::LoadOrCreate(path);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message.find("0600"), std::string::npos);
}

TEST(CryptoTest, CiphertextHidesPlaintextAndDetectsTampering) {
  std::array<uint8_t, 32> k1{};
  std::array<uint8_t, 32> k2{};
  k2[0] = 1;
  PiiCipher cipher = PiiCipher::FromKeys(k1, k2);
  std::string sealed = cipher.Encrypt("131022199003070012");
  EXPECT_EQ(sealed.find("131022"), std::string::npos);
  EXPECT_NE(cipher.Encrypt("131022199003070012"), sealed);  // random nonce
  sealed[30] = static_cast<char>(sealed[30] ^ 1);
  EXPECT_FALSE(cipher.Decrypt(sealed).ok());
  PiiCipher other = PiiCipher::FromKeys(k2, k1);
  EXPECT_NE(cipher.LookupHash("x"), other.LookupHash("x"));
}

}  // namespace
}  // namespace civicgrid::core
