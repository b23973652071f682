#include "core/hash.hpp"

#include <gtest/gtest.h>

namespace {

TEST(Hash, StableKnownDigest) {
  // XXH3-128 of the empty input with seed 0, as published by xxHash's own test vectors.
  EXPECT_EQ(slkv::hash_hex(""), "99aa06d3014798d86001c324468d497f");
}

TEST(Hash, LengthPrefixSeparatesFields) {
  slkv::Hasher a, b;
  a.feed(std::string_view("ab"));
  a.feed(std::string_view("c"));
  b.feed(std::string_view("a"));
  b.feed(std::string_view("bc"));
  EXPECT_NE(a.hex(), b.hex());
  EXPECT_EQ(a.hex().size(), 32u);
}

}  // namespace
