#include "digest.h"

#include <cstdint>
#include <cstring>

namespace weft {

namespace {

// MurmurHash3's x64 128-bit mixing (public domain, Austin Appleby): 16-byte
// blocks through two multiply-rotate lanes, then a final avalanche.
constexpr uint64_t kC1 = 0x87c37b91114253d5ULL;
constexpr uint64_t kC2 = 0x4cf5ad432745937fULL;

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

inline uint64_t Avalanche(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ULL;
  k ^= k >> 33;
  return k;
}

// Each 8-byte word before it enters its lane.
inline uint64_t MixLane1(uint64_t k) { return Rotl(k * kC1, 31) * kC2; }
inline uint64_t MixLane2(uint64_t k) { return Rotl(k * kC2, 33) * kC1; }

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

void Hash128(const uint8_t* data, size_t len, uint64_t out[2]) {
  uint64_t h1 = 0, h2 = 0;
  const size_t blocks = len / 16;
  for (size_t i = 0; i < blocks; i++) {
    h1 ^= MixLane1(Load64(data + i * 16));
    h1 = Rotl(h1, 27);
    h1 += h2;
    h1 = h1 * 5 + 0x52dce729;
    h2 ^= MixLane2(Load64(data + i * 16 + 8));
    h2 = Rotl(h2, 31);
    h2 += h1;
    h2 = h2 * 5 + 0x38495ab5;
  }
  // The last 0-15 bytes, zero-padded: the length folded in below keeps
  // "ab" and "ab\0" apart.
  uint8_t tail[16] = {0};
  memcpy(tail, data + blocks * 16, len - blocks * 16);
  h2 ^= MixLane2(Load64(tail + 8));
  h1 ^= MixLane1(Load64(tail));
  h1 ^= len;
  h2 ^= len;
  h1 += h2;
  h2 += h1;
  h1 = Avalanche(h1);
  h2 = Avalanche(h2);
  h1 += h2;
  h2 += h1;
  out[0] = h1;
  out[1] = h2;
}

}  // namespace

// digest(bytes: Uint8Array): Buffer of 16 bytes.
Napi::Value DigestJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray()) {
    Napi::TypeError::New(env, "digest: expected a Uint8Array")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  uint64_t out[2];
  Hash128(bytes.Data(), bytes.ByteLength(), out);
  Napi::Buffer<uint8_t> result = Napi::Buffer<uint8_t>::Copy(
      env, reinterpret_cast<const uint8_t*>(out), sizeof out);
  return result;
}

}  // namespace weft
