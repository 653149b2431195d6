// A thin N-API binding of TensorFlow's C graph API: build a graph op by op, add symbolic gradients, and run it in
// a session. The graph itself is written in TypeScript (src/); this file only moves values across the boundary.
#include <napi.h>
#include <tensorflow/c/c_api.h>

#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using StatusPtr = std::unique_ptr<TF_Status, decltype(&TF_DeleteStatus)>;
StatusPtr NewStatus() { return StatusPtr(TF_NewStatus(), TF_DeleteStatus); }

void Check(Napi::Env env, TF_Status* status, const std::string& what) {
  if (TF_GetCode(status) != TF_OK) throw Napi::Error::New(env, what + ": " + TF_Message(status));
}

size_t DTypeSize(Napi::Env env, TF_DataType dtype) {
  switch (dtype) {
    case TF_FLOAT: case TF_INT32: return 4;
    case TF_INT64: return 8;
    case TF_BOOL: return 1;
    default: throw Napi::Error::New(env, "unsupported dtype " + std::to_string(dtype));
  }
}

std::vector<int64_t> Dims(const Napi::Array& array) {
  std::vector<int64_t> dims(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) dims[i] = array.Get(i).As<Napi::Number>().Int64Value();
  return dims;
}

// { dtype, dims, data: TypedArray } -> a TF_Tensor holding a copy of the data.
TF_Tensor* ToTensor(Napi::Env env, const Napi::Object& value) {
  auto dtype = static_cast<TF_DataType>(value.Get("dtype").As<Napi::Number>().Int32Value());
  auto dims = Dims(value.Get("dims").As<Napi::Array>());
  auto data = value.Get("data").As<Napi::TypedArray>();
  auto kind = data.TypedArrayType();
  bool matches = (dtype == TF_FLOAT && kind == napi_float32_array) || (dtype == TF_INT32 && kind == napi_int32_array) ||
                 (dtype == TF_INT64 && kind == napi_bigint64_array) || (dtype == TF_BOOL && kind == napi_uint8_array);
  if (!matches) throw Napi::Error::New(env, "tensor data is not the typed array of dtype " + std::to_string(dtype));
  size_t count = 1;
  for (auto d : dims) count *= static_cast<size_t>(d);
  size_t bytes = count * DTypeSize(env, dtype);
  if (data.ByteLength() != bytes) {
    throw Napi::Error::New(env, "tensor data has " + std::to_string(data.ByteLength()) + " bytes, its shape needs " + std::to_string(bytes));
  }
  TF_Tensor* tensor = TF_AllocateTensor(dtype, dims.data(), static_cast<int>(dims.size()), bytes);
  auto* source = static_cast<uint8_t*>(data.ArrayBuffer().Data()) + data.ByteOffset();
  std::memcpy(TF_TensorData(tensor), source, bytes);
  return tensor;
}

Napi::Object FromTensor(Napi::Env env, TF_Tensor* tensor) {
  auto dtype = TF_TensorType(tensor);
  auto dims = Napi::Array::New(env, TF_NumDims(tensor));
  for (int i = 0; i < TF_NumDims(tensor); i++) dims.Set(i, Napi::Number::New(env, static_cast<double>(TF_Dim(tensor, i))));
  size_t bytes = TF_TensorByteSize(tensor);
  auto buffer = Napi::ArrayBuffer::New(env, bytes);
  std::memcpy(buffer.Data(), TF_TensorData(tensor), bytes);
  Napi::Value data;
  switch (dtype) {
    case TF_FLOAT: data = Napi::Float32Array::New(env, bytes / 4, buffer, 0); break;
    case TF_INT32: data = Napi::Int32Array::New(env, bytes / 4, buffer, 0); break;
    case TF_INT64: data = Napi::BigInt64Array::New(env, bytes / 8, buffer, 0); break;
    default: data = Napi::Uint8Array::New(env, bytes, buffer, 0); break;
  }
  auto result = Napi::Object::New(env);
  result.Set("dtype", Napi::Number::New(env, dtype));
  result.Set("dims", dims);
  result.Set("data", data);
  return result;
}

class Graph : public Napi::ObjectWrap<Graph> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Graph", {
      InstanceMethod("op", &Graph::AddOp),
      InstanceMethod("gradients", &Graph::Gradients),
      InstanceMethod("shape", &Graph::Shape),
    });
  }

  explicit Graph(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Graph>(info), graph_(TF_NewGraph()) {}
  ~Graph() override { TF_DeleteGraph(graph_); }

  TF_Graph* graph() const { return graph_; }

  TF_Operation* OpAt(Napi::Env env, uint32_t index) const {
    if (index >= ops_.size()) throw Napi::Error::New(env, "no operation #" + std::to_string(index));
    return ops_[index];
  }

  // [op, index] -> TF_Output
  TF_Output OutputOf(Napi::Env env, const Napi::Value& value) const {
    auto pair = value.As<Napi::Array>();
    return TF_Output{OpAt(env, pair.Get(0u).As<Napi::Number>().Uint32Value()), pair.Get(1u).As<Napi::Number>().Int32Value()};
  }

 private:
  uint32_t IndexOf(TF_Operation* op) {
    auto found = index_.find(op);
    if (found != index_.end()) return found->second;
    ops_.push_back(op);
    return index_[op] = static_cast<uint32_t>(ops_.size() - 1);
  }

  Napi::Value ToJs(Napi::Env env, TF_Output output) {
    auto pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::Number::New(env, IndexOf(output.oper)));
    pair.Set(1u, Napi::Number::New(env, output.index));
    return pair;
  }

  // op(type, name, inputs: ([op, i] | [op, i][])[], attrs: { name, kind, value }[], control: op[]) -> op
  Napi::Value AddOp(const Napi::CallbackInfo& info) {
    auto env = info.Env();
    auto type = info[0].As<Napi::String>().Utf8Value();
    auto name = info[1].As<Napi::String>().Utf8Value();
    auto inputs = info[2].As<Napi::Array>();
    auto attrs = info[3].As<Napi::Array>();
    TF_OperationDescription* desc = TF_NewOperation(graph_, type.c_str(), name.c_str());
    for (uint32_t i = 0; i < inputs.Length(); i++) {
      auto input = inputs.Get(i).As<Napi::Array>();
      if (input.Length() > 0 && input.Get(0u).IsArray()) {
        std::vector<TF_Output> list;
        for (uint32_t j = 0; j < input.Length(); j++) list.push_back(OutputOf(env, input.Get(j)));
        TF_AddInputList(desc, list.data(), static_cast<int>(list.size()));
      } else {
        TF_AddInput(desc, OutputOf(env, input));
      }
    }
    std::vector<TF_Tensor*> owned;
    for (uint32_t i = 0; i < attrs.Length(); i++) SetAttr(env, desc, attrs.Get(i).As<Napi::Object>(), owned);
    if (info.Length() > 4) {
      auto control = info[4].As<Napi::Array>();
      for (uint32_t i = 0; i < control.Length(); i++) TF_AddControlInput(desc, OpAt(env, control.Get(i).As<Napi::Number>().Uint32Value()));
    }
    auto status = NewStatus();
    TF_Operation* op = TF_FinishOperation(desc, status.get());
    for (auto* t : owned) TF_DeleteTensor(t);
    Check(env, status.get(), type + " " + name);
    return Napi::Number::New(env, IndexOf(op));
  }

  void SetAttr(Napi::Env env, TF_OperationDescription* desc, const Napi::Object& attr, std::vector<TF_Tensor*>& owned) {
    auto name = attr.Get("name").As<Napi::String>().Utf8Value();
    auto kind = attr.Get("kind").As<Napi::String>().Utf8Value();
    auto value = attr.Get("value");
    const char* n = name.c_str();
    if (kind == "type") TF_SetAttrType(desc, n, static_cast<TF_DataType>(value.As<Napi::Number>().Int32Value()));
    else if (kind == "int") TF_SetAttrInt(desc, n, value.As<Napi::Number>().Int64Value());
    else if (kind == "float") TF_SetAttrFloat(desc, n, value.As<Napi::Number>().FloatValue());
    else if (kind == "bool") TF_SetAttrBool(desc, n, value.As<Napi::Boolean>().Value() ? 1 : 0);
    else if (kind == "string") {
      auto s = value.As<Napi::String>().Utf8Value();
      TF_SetAttrString(desc, n, s.data(), s.size());
    } else if (kind == "ints") {
      auto dims = Dims(value.As<Napi::Array>());
      TF_SetAttrIntList(desc, n, dims.data(), static_cast<int>(dims.size()));
    } else if (kind == "shape") {
      if (value.IsNull()) TF_SetAttrShape(desc, n, nullptr, -1);
      else {
        auto dims = Dims(value.As<Napi::Array>());
        TF_SetAttrShape(desc, n, dims.data(), static_cast<int>(dims.size()));
      }
    } else if (kind == "tensor") {
      TF_Tensor* tensor = ToTensor(env, value.As<Napi::Object>());
      owned.push_back(tensor);
      auto status = NewStatus();
      TF_SetAttrTensor(desc, n, tensor, status.get());
      Check(env, status.get(), "attr " + name);
    } else {
      throw Napi::Error::New(env, "attr " + name + ": unknown kind " + kind);
    }
  }

  // gradients(ys, xs) -> d(sum ys)/d xs, one output per x
  Napi::Value Gradients(const Napi::CallbackInfo& info) {
    auto env = info.Env();
    auto ys = info[0].As<Napi::Array>();
    auto xs = info[1].As<Napi::Array>();
    std::vector<TF_Output> y, x;
    for (uint32_t i = 0; i < ys.Length(); i++) y.push_back(OutputOf(env, ys.Get(i)));
    for (uint32_t i = 0; i < xs.Length(); i++) x.push_back(OutputOf(env, xs.Get(i)));
    std::vector<TF_Output> dx(x.size());
    auto prefix = info.Length() > 2 ? info[2].As<Napi::String>().Utf8Value() : std::string("gradients");
    auto status = NewStatus();
    TF_AddGradientsWithPrefix(graph_, prefix.c_str(), y.data(), static_cast<int>(y.size()), x.data(), static_cast<int>(x.size()),
                              nullptr, status.get(), dx.data());
    Check(env, status.get(), "gradients");
    auto result = Napi::Array::New(env, dx.size());
    for (uint32_t i = 0; i < dx.size(); i++) {
      if (dx[i].oper == nullptr) result.Set(i, env.Null());  // x does not reach y
      else result.Set(i, ToJs(env, dx[i]));
    }
    return result;
  }

  // shape([op, i]) -> dims (-1 where unknown), or null for an unknown rank
  Napi::Value Shape(const Napi::CallbackInfo& info) {
    auto env = info.Env();
    TF_Output output = OutputOf(env, info[0]);
    auto status = NewStatus();
    int rank = TF_GraphGetTensorNumDims(graph_, output, status.get());
    Check(env, status.get(), "shape");
    if (rank < 0) return env.Null();
    std::vector<int64_t> dims(rank);
    TF_GraphGetTensorShape(graph_, output, dims.data(), rank, status.get());
    Check(env, status.get(), "shape");
    auto result = Napi::Array::New(env, rank);
    for (int i = 0; i < rank; i++) result.Set(i, Napi::Number::New(env, static_cast<double>(dims[i])));
    return result;
  }

  TF_Graph* graph_;
  std::vector<TF_Operation*> ops_;
  std::unordered_map<TF_Operation*, uint32_t> index_;
};

// RunOptions { trace_level: FULL_TRACE }: TensorFlow records every op's start and end in the run's metadata.
const char kFullTrace[] = {0x08, 0x03};

// One session run off the JS thread: inputs are copied into TF tensors before it starts, outputs after it ends.
// It holds the Session's JS object, so the session cannot be collected while it runs, and counts itself in flight.
class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, const Napi::Object& owner, int* inFlight, TF_Session* session, std::vector<TF_Output> feeds,
            std::vector<TF_Tensor*> values, std::vector<TF_Output> fetches, std::vector<TF_Operation*> targets, bool trace)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), owner_(Napi::Persistent(owner)), inFlight_(inFlight),
        session_(session), feeds_(std::move(feeds)), values_(std::move(values)), fetches_(std::move(fetches)),
        outputs_(fetches_.size(), nullptr), targets_(std::move(targets)), metadata_(trace ? TF_NewBuffer() : nullptr) {
    ++*inFlight_;
  }
  ~RunWorker() override {
    --*inFlight_;
    for (auto* t : values_) TF_DeleteTensor(t);
    for (auto* t : outputs_) if (t) TF_DeleteTensor(t);
    if (metadata_) TF_DeleteBuffer(metadata_);
  }
  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    auto status = NewStatus();
    TF_Buffer* options = metadata_ ? TF_NewBufferFromString(kFullTrace, sizeof kFullTrace) : nullptr;
    TF_SessionRun(session_, options, feeds_.data(), values_.data(), static_cast<int>(feeds_.size()), fetches_.data(), outputs_.data(),
                  static_cast<int>(fetches_.size()), targets_.data(), static_cast<int>(targets_.size()), metadata_, status.get());
    if (options) TF_DeleteBuffer(options);
    if (TF_GetCode(status.get()) != TF_OK) SetError(TF_Message(status.get()));
  }
  void OnOK() override {
    auto env = Env();
    auto outputs = Napi::Array::New(env, outputs_.size());
    for (uint32_t i = 0; i < outputs_.size(); i++) outputs.Set(i, FromTensor(env, outputs_[i]));
    if (!metadata_) {
      deferred_.Resolve(outputs);
      return;
    }
    auto result = Napi::Object::New(env);
    result.Set("outputs", outputs);
    result.Set("runMetadata", Napi::Buffer<uint8_t>::Copy(env, static_cast<const uint8_t*>(metadata_->data), metadata_->length));
    deferred_.Resolve(result);
  }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  int* inFlight_;
  TF_Session* session_;
  std::vector<TF_Output> feeds_;
  std::vector<TF_Tensor*> values_;
  std::vector<TF_Output> fetches_;
  std::vector<TF_Tensor*> outputs_;
  std::vector<TF_Operation*> targets_;
  TF_Buffer* metadata_;
};

class Session : public Napi::ObjectWrap<Session> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Session", {InstanceMethod("run", &Session::Run), InstanceMethod("trace", &Session::Trace),
                                        InstanceMethod("devices", &Session::Devices), InstanceMethod("close", &Session::Close)});
  }

  // new Session(graph, config?: Uint8Array serialized ConfigProto)
  explicit Session(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Session>(info) {
    auto env = info.Env();
    graphRef_ = Napi::Persistent(info[0].As<Napi::Object>());
    graph_ = Graph::Unwrap(info[0].As<Napi::Object>());
    auto status = NewStatus();
    TF_SessionOptions* options = TF_NewSessionOptions();
    if (info.Length() > 1 && info[1].IsTypedArray()) {
      auto config = info[1].As<Napi::Uint8Array>();
      TF_SetConfig(options, config.Data(), config.ByteLength(), status.get());
      if (TF_GetCode(status.get()) != TF_OK) {
        TF_DeleteSessionOptions(options);
        Check(env, status.get(), "session config");
      }
    }
    session_ = TF_NewSession(graph_->graph(), options, status.get());
    TF_DeleteSessionOptions(options);
    Check(env, status.get(), "new session");
  }
  ~Session() override { Release(); }

 private:
  void Release() {
    if (!session_) return;
    auto status = NewStatus();
    TF_CloseSession(session_, status.get());
    TF_DeleteSession(session_, status.get());
    session_ = nullptr;
  }

  // run(feeds: [[op, i], tensor][], fetches: [op, i][], targets: op[]) -> Promise<tensor[]>
  Napi::Value Run(const Napi::CallbackInfo& info) { return Start(info, false); }

  // trace(feeds, fetches, targets) -> Promise<{ outputs: tensor[], runMetadata: Buffer }>: the same run, with
  // TensorFlow's step stats (a serialized RunMetadata: each op's device, start and duration) for profiling.
  Napi::Value Trace(const Napi::CallbackInfo& info) { return Start(info, true); }

  Napi::Value Start(const Napi::CallbackInfo& info, bool trace) {
    auto env = info.Env();
    if (!session_) throw Napi::Error::New(env, "session is closed");
    auto feeds = info[0].As<Napi::Array>();
    auto fetches = info[1].As<Napi::Array>();
    auto targets = info[2].As<Napi::Array>();
    std::vector<TF_Output> feedOutputs, fetchOutputs;
    std::vector<TF_Tensor*> values;
    std::vector<TF_Operation*> targetOps;
    try {
      for (uint32_t i = 0; i < feeds.Length(); i++) {
        auto pair = feeds.Get(i).As<Napi::Array>();
        feedOutputs.push_back(graph_->OutputOf(env, pair.Get(0u)));
        values.push_back(ToTensor(env, pair.Get(1u).As<Napi::Object>()));
      }
      for (uint32_t i = 0; i < fetches.Length(); i++) fetchOutputs.push_back(graph_->OutputOf(env, fetches.Get(i)));
      for (uint32_t i = 0; i < targets.Length(); i++) targetOps.push_back(graph_->OpAt(env, targets.Get(i).As<Napi::Number>().Uint32Value()));
    } catch (...) {
      for (auto* t : values) TF_DeleteTensor(t);
      throw;
    }
    auto* worker = new RunWorker(env, info.This().As<Napi::Object>(), &inFlight_, session_, std::move(feedOutputs), std::move(values), std::move(fetchOutputs), std::move(targetOps), trace);
    auto promise = worker->Promise();
    worker->Queue();
    return promise;
  }

  // devices() -> [{ name, type, memoryBytes }]: where this session can place ops (a GPU build lists GPU:n where CUDA
  // loaded and a GPU is visible; TensorFlow places each op on the first GPU that has a kernel for it).
  Napi::Value Devices(const Napi::CallbackInfo& info) {
    auto env = info.Env();
    if (!session_) throw Napi::Error::New(env, "session is closed");
    auto status = NewStatus();
    std::unique_ptr<TF_DeviceList, decltype(&TF_DeleteDeviceList)> list(TF_SessionListDevices(session_, status.get()), TF_DeleteDeviceList);
    Check(env, status.get(), "list devices");
    int count = TF_DeviceListCount(list.get());
    auto devices = Napi::Array::New(env, count);
    for (int i = 0; i < count; i++) {
      auto device = Napi::Object::New(env);
      const char* name = TF_DeviceListName(list.get(), i, status.get());
      Check(env, status.get(), "device name");
      const char* type = TF_DeviceListType(list.get(), i, status.get());
      Check(env, status.get(), "device type");
      int64_t memory = TF_DeviceListMemoryBytes(list.get(), i, status.get());
      Check(env, status.get(), "device memory");
      device.Set("name", Napi::String::New(env, name));
      device.Set("type", Napi::String::New(env, type));
      device.Set("memoryBytes", Napi::Number::New(env, static_cast<double>(memory)));
      devices.Set(i, device);
    }
    return devices;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (inFlight_ > 0) throw Napi::Error::New(info.Env(), "session is running: await its runs before closing it");
    Release();
    return info.Env().Undefined();
  }

  Napi::ObjectReference graphRef_;
  Graph* graph_ = nullptr;
  TF_Session* session_ = nullptr;
  int inFlight_ = 0;
};

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Graph", Graph::Define(env));
  exports.Set("Session", Session::Define(env));
  exports.Set("tensorflowVersion", Napi::String::New(env, TF_Version()));
  return exports;
}

}  // namespace

NODE_API_MODULE(tf_graph, Init)
