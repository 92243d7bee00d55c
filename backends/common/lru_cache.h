// A small cache of what a backend builds for one shape of a run (a GEMM's
// descriptors and algorithm, a captured CUDA graph) so that a session whose
// shapes alternate (sequence lengths, batch sizes) does not rebuild it on
// every run. At most `capacity` entries; inserting into a full cache drops
// the least recently used one (its Value's destructor releases what it
// holds). Linear search: capacities are a handful of entries. What Find and
// Insert return stays valid until the next Insert or Clear.
#ifndef FP8SDK_BACKENDS_COMMON_LRU_CACHE_H_
#define FP8SDK_BACKENDS_COMMON_LRU_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace fp8sdk {
namespace backend {

template <typename Key, typename Value>
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  LruCache(const LruCache&) = delete;
  LruCache& operator=(const LruCache&) = delete;

  // The entry for `key`, now the most recently used; nullptr if absent.
  Value* Find(const Key& key) {
    for (Entry& e : entries_) {
      if (e.key == key) {
        e.used = ++clock_;
        return e.value.get();
      }
    }
    return nullptr;
  }

  // Stores `value` under `key` (replacing an entry with that key, else the
  // least recently used one when full) and returns it.
  Value& Insert(const Key& key, std::unique_ptr<Value> value) {
    Entry* slot = nullptr;
    for (Entry& e : entries_) {
      if (e.key == key) slot = &e;
    }
    if (!slot && entries_.size() < capacity_) {
      entries_.emplace_back();
      slot = &entries_.back();
    }
    if (!slot) {
      slot = &entries_.front();
      for (Entry& e : entries_) {
        if (e.used < slot->used) slot = &e;
      }
    }
    slot->key = key;
    slot->value = std::move(value);
    slot->used = ++clock_;
    return *slot->value;
  }

  void Clear() { entries_.clear(); }
  size_t size() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    Key key{};
    std::unique_ptr<Value> value;
    uint64_t used = 0;
  };
  size_t capacity_;
  uint64_t clock_ = 0;
  std::vector<Entry> entries_;
};

}  // namespace backend
}  // namespace fp8sdk

#endif  // FP8SDK_BACKENDS_COMMON_LRU_CACHE_H_
