// Silences this process's stderr (file descriptor 2) while a library that links TensorFlow loads: its static
// initialisers log through absl before any log level applies (TF_CPP_MIN_LOG_LEVEL is read later), e.g. "oneDNN
// custom operations are on" at every worker start. No TensorFlow here, so it loads before TensorFlow does.
#include <napi.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

Napi::Error SystemError(Napi::Env env, const std::string& what) { return Napi::Error::New(env, what + ": " + std::strerror(errno)); }

// mute() -> the saved descriptor to hand to restore()
Napi::Value Mute(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::fflush(stderr);
  int saved = dup(2);
  if (saved < 0) throw SystemError(env, "dup(2)");
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0 || dup2(devnull, 2) < 0) {
    auto error = SystemError(env, "redirecting stderr to /dev/null");
    if (devnull >= 0) close(devnull);
    close(saved);
    throw error;
  }
  close(devnull);
  return Napi::Number::New(env, saved);
}

// restore(saved): stderr is what it was before mute()
Napi::Value Restore(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int saved = info[0].As<Napi::Number>().Int32Value();
  std::fflush(stderr);
  int result = dup2(saved, 2);
  close(saved);
  if (result < 0) throw SystemError(env, "restoring stderr");
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("mute", Napi::Function::New(env, Mute));
  exports.Set("restore", Napi::Function::New(env, Restore));
  return exports;
}

}  // namespace

NODE_API_MODULE(stderr_guard, Init)
