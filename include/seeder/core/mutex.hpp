#pragma once
// Mutex, LockGuard, UniqueLock: std::mutex and its guards, annotated for clang's thread-safety
// analysis (-Wthread-safety, on in every clang build): a member declared GUARDED_BY(mutex_) is
// only touched with the lock held, and a function declared REQUIRES(mutex_) is only called with
// it, or the build fails. Under GCC the annotations are empty and these are the std types.
//
// Lambdas are functions of their own to the analysis: one that runs under its caller's lock and
// touches guarded state says so with REQUIRES on its parameter list, or asserts it (assert_held).

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define SEEDER_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define SEEDER_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) SEEDER_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY SEEDER_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) SEEDER_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) SEEDER_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) SEEDER_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) SEEDER_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) SEEDER_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EXCLUDES(...) SEEDER_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) SEEDER_THREAD_ANNOTATION(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS SEEDER_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace seeder {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mutex_.lock(); }
  void unlock() RELEASE() { mutex_.unlock(); }
  // Tells the analysis the caller holds this lock (a lambda run under its creator's lock).
  void assert_held() const ASSERT_CAPABILITY(this) {}

 private:
  std::mutex mutex_;
};

class SCOPED_CAPABILITY LockGuard {
 public:
  explicit LockGuard(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~LockGuard() RELEASE() { mutex_.unlock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

 private:
  Mutex& mutex_;
};

// For waiting on a ConditionVariable; also unlock()s early.
class SCOPED_CAPABILITY UniqueLock {
 public:
  explicit UniqueLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.lock(); }
  ~UniqueLock() RELEASE() {
    if (owns_) mutex_.unlock();
  }
  UniqueLock(const UniqueLock&) = delete;
  UniqueLock& operator=(const UniqueLock&) = delete;

  void lock() ACQUIRE() {
    mutex_.lock();
    owns_ = true;
  }
  void unlock() RELEASE() {
    owns_ = false;
    mutex_.unlock();
  }

 private:
  Mutex& mutex_;
  bool owns_ = true;
};

// Waits with a UniqueLock (std::condition_variable_any: our Mutex is not std::mutex).
using ConditionVariable = std::condition_variable_any;

}  // namespace seeder
